"""The window at the district (issue 15, item 4): the first start speaks to the district's
administrator; every edit button for community data is disabled with the reason that the
community corrects it; a 街道 account is made by naming its street and sees only its street."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QPushButton

from app import accounts
from app.database import open_community_db
from app.demo import build_demo_district
from ui.accounts.signin import FirstAdminDialog
from ui.main_window import MainWindow

READ_ONLY = "区里只能查看社区的数据；更正请联系该社区在本社区电脑上修改，同步后即可看到。"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("district") / "中原区.sqlite"
    build_demo_district(path, communities=3, residents=120, accounts=False)
    return path


@pytest.fixture
def district(built, tmp_path):
    path = tmp_path / "中原区.sqlite"
    shutil.copy(built, path)
    db = open_community_db(path)
    db.path = path
    yield db
    accounts.forget_all()
    db.conn.close()


def _ok(dialog):
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)


def _hint_text(dialog) -> str:
    layout = dialog.layout()
    return " ".join(layout.itemAt(i).widget().text() for i in range(layout.count())
                    if layout.itemAt(i).widget() is not None
                    and hasattr(layout.itemAt(i).widget(), "text"))


def test_first_start_at_the_district_speaks_to_its_administrator(qtbot, district, community):
    dialog = FirstAdminDialog(district, "中原区")
    qtbot.addWidget(dialog)
    text = _hint_text(dialog)
    assert "区县管理员" in text and "社区书记" not in text
    at_community = FirstAdminDialog(community, "长江路社区")
    qtbot.addWidget(at_community)
    assert "社区书记" in _hint_text(at_community)


def test_the_district_administrators_residents_page_is_read_only_with_the_reason(qtbot,
                                                                                district):
    session = accounts.create_first_admin(district, "quadmin", "张卫东", "secret12", "secret12")
    window = MainWindow(district, district.path, session)
    qtbot.addWidget(window)
    window.show()
    page = window.registry_page
    household = district.conn.execute(
        "SELECT id FROM households WHERE deleted = 0 LIMIT 1").fetchone()[0]
    page.show_household(household)
    for button in (page.b_add_household, page.b_edit_household, page.b_delete_household,
                   page.b_add_resident, page.b_edit_resident, page.b_delete_resident,
                   page.add_button, page.b_party):
        assert not button.isEnabled()
        assert button.toolTip() == READ_ONLY
    assert page.b_export_list.isEnabled()
    imports = [a for a in window.findChild(type(window.menuBar().actions()[0].menu()),
                                           "ledgerMenu").actions() if a.text().startswith("导入")]
    assert imports and not imports[0].isEnabled() and imports[0].toolTip() == READ_ONLY
    titles = [window.nav.item(i).text() for i in range(window.nav.count())]
    assert "账户" in titles
    party = window.party_page
    party.members_tab.select_member(district.conn.execute(
        "SELECT id FROM party_members WHERE deleted = 0 LIMIT 1").fetchone()[0])
    for name in ("suggestButton", "pairButton", "addMember", "editMember", "addHouseholds",
                 "logContact", "drawCheck"):
        button = party.findChild(QPushButton, name)
        assert not button.isEnabled() and button.toolTip() == READ_ONLY, name
    assert party.findChild(QPushButton, "exportLedger").isEnabled()
    window.go_to("居家隔离")
    cases = window.isolation_page.register_button
    assert not cases.isEnabled() and cases.toolTip() == READ_ONLY


def test_the_administrator_makes_a_street_account_that_sees_its_street_only(qtbot, district):
    from ui.accounts.page import AccountDialog

    accounts.create_first_admin(district, "quadmin", "张卫东", "secret12", "secret12")
    dialog = AccountDialog(district)
    qtbot.addWidget(dialog)
    roles = dialog.field("role")
    assert [roles.itemData(i) for i in range(roles.count())] == ["admin", "district", "street"]
    assert not dialog.grid_boxes          # no grid workers at a district
    roles.setCurrentIndex(roles.findData("street"))
    streets = dialog.field("street")
    streets.setCurrentIndex(streets.findData("410102009"))
    dialog.field("display_name").setText("桐柏路街道办")
    dialog.field("username").setText("tongbai")
    dialog.password.setText("secret12")
    qtbot.mouseClick(_ok(dialog), Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()

    accounts.sign_out(district)
    session = accounts.sign_in(district, "tongbai", "secret12")
    window = MainWindow(district, district.path, session)
    qtbot.addWidget(window)
    window.show()
    page = window.registry_page
    page.show_scope(None, None)
    assert page.households.rowCount() > 0
    shown = district.conn.execute("SELECT count(*) FROM main.households h JOIN org_units c "
                                  "ON c.id = h.community_id WHERE h.deleted = 0 "
                                  "AND c.code LIKE '410102009%'").fetchone()[0]
    assert page.households.rowCount() == shown
    header = [page.households.headerData(c, Qt.Orientation.Horizontal)
              for c in range(page.households.columnCount())]
    phones = [page.households.data(page.households.index(r, header.index("联系电话")))
              for r in range(page.households.rowCount())]
    assert any(phones) and all("*" in p for p in phones if p)
    assert not page.b_reveal.isEnabled()
