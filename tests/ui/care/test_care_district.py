"""The 关爱走访 page at a district: every community's people with a 社区 column, the community
filter, and nothing to record (the district only looks)."""

from __future__ import annotations

import pytest

from app import accounts, care, community_scope, registry
from app.database import open_community_db
from app.errors import FormError
from app.sync import engine
from tests.app.sync.test_sync import new_community
from ui.care.page import CarePage
from ui.events import AppEvents


def district_with_two_communities(tmp_path):
    district = open_community_db(tmp_path / "district.sqlite", create=True)
    engine.create_district(district, "中原区", "410102")
    stick = tmp_path / "usb"
    for name, code in (("长江路社区", "410102007003"), ("建设路社区", "410102008001")):
        c = new_community(tmp_path, name, code)
        request, _spoken = engine.write_enroll_request(c, stick)
        seen = engine.read_enroll_request(request)
        engine.accept_enroll_request(district, seen)
        engine.accept_enroll_response(c, engine.write_enroll_response(district, seen.node_id,
                                                                      stick))
        unit = c.conn.execute("SELECT unit_id FROM households").fetchone()[0]
        registry.edit_household(c, c.ids["household"], {"unit_id": unit, "door_number": "101",
                                                        "tags": "独居老人"})
        c.conn.execute("UPDATE residents SET relation = '户主' WHERE id = ?", (c.ids["张三"],))
        engine.export_bundles(c, engine.district_peer(c)["node_id"], stick / code)
        engine.import_folder(district, stick / code)
        c.conn.close()
    return district


def test_the_district_board_has_the_community_column_and_filter(qtbot, tmp_path):
    db = district_with_two_communities(tmp_path)
    try:
        accounts.create_demo_district_accounts(db, [])
        accounts.forget_all()
        accounts.sign_in(db, "admin", accounts.DEMO_PASSWORD)
        page = CarePage(db, AppEvents())
        qtbot.addWidget(page)
        page.show()
        qtbot.waitExposed(page)
        page.set_filter("all")
        model = page.board_model
        assert model.columns()[0].header == "社区"
        shown = {model.data(model.index(i, 0)) for i in range(model.rowCount())}
        assert shown == {"长江路社区", "建设路社区"}
        page.board_view.selectRow(0)
        assert not page.buttons["visit"].isEnabled()
        assert "区里只能查看" in page.buttons["visit"].toolTip()
        # Intervals are each community's: no button here, and the service refuses (a rule
        # saved here would be the district's own row that no board reads).
        assert not page.rules_button.isVisibleTo(page)
        with pytest.raises(FormError, match="各社区自己设定"):
            care.set_rules(db, [("独居老人", 3, "grid_worker")])
        assert db.conn.execute("SELECT count(*) FROM care_rules").fetchone()[0] == 0
        one = next(c for c in community_scope.communities(db) if c.name == "建设路社区")
        page.community_filter.choose(f"community:{one.id}")     # the shared filter
        shown = {model.data(model.index(i, 0)) for i in range(model.rowCount())}
        assert shown == {"建设路社区"}
    finally:
        accounts.sign_out(db)
        db.conn.close()
