"""The district's 同步 page lists enrollment requests that wait for the operator, and its
确认替换 button replaces the node only after a confirmation naming the community."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from app.sync import engine, enrollment
from db import sync as store
from tests.app.sync.test_sync import new_community, node
from tests.ui.sync.test_sync_page import pair  # noqa: F401  (fixture)
from ui.events import AppEvents
from ui.sync.page import SyncPage


def test_pending_list_and_confirm_button(qtbot, pair, tmp_path, monkeypatch):  # noqa: F811
    district, office = pair
    engine.enroll_by_files(office, district, tmp_path / "enroll")
    (tmp_path / "pc2").mkdir()
    new_pc = new_community(tmp_path / "pc2", "长江路社区", "410102007003")
    request, spoken = engine.write_enroll_request(new_pc, tmp_path / "in", "换新电脑")
    assert engine.accept_enroll_request(district, engine.read_enroll_request(request)) \
        == "pending"

    page = SyncPage(district, tmp_path / "district.sqlite", AppEvents())
    qtbot.addWidget(page)
    page.show()
    table = page.pending.table
    assert page.pending.selected().fingerprint == spoken    # the only one, selected
    assert not page.pending.isHidden() and table.rowCount() == 1
    assert [table.item(0, c).text() for c in range(6)] == [
        "长江路社区", "410102007003", engine.keys(office).fingerprint, spoken,
        enrollment.WHY_TEXT["community"], "换新电脑"]

    asked = []

    def answer(_parent, title, text, *_args):
        asked.append((title, text))
        return QMessageBox.StandardButton.No if len(asked) == 1 else \
            QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", answer)
    qtbot.mouseClick(page.pending.confirm_button, Qt.MouseButton.LeftButton)   # says no
    assert table.rowCount() == 1 and store.peer(district, node(office))["revoked"] == 0
    qtbot.mouseClick(page.pending.confirm_button, Qt.MouseButton.LeftButton)   # says yes
    title, text = asked[-1]
    assert title == "确认替换" and "长江路社区" in text and spoken in text
    assert engine.keys(office).fingerprint in text
    assert store.peer(district, node(office))["revoked"] == 1
    assert store.peer(district, node(new_pc))["revoked"] == 0
    assert enrollment.pending(district) == [] and page.pending.isHidden()
    assert "已登记社区：2 个" in page.state.text()      # the page re-read (old one revoked)


def test_refuse_button_keeps_the_office(qtbot, pair, tmp_path, monkeypatch):  # noqa: F811
    district, office = pair
    engine.enroll_by_files(office, district, tmp_path / "enroll")
    (tmp_path / "pc2").mkdir()
    new_pc = new_community(tmp_path / "pc2", "长江路社区", "410102007003")
    request, _spoken = engine.write_enroll_request(new_pc, tmp_path / "in")
    engine.accept_enroll_request(district, engine.read_enroll_request(request))
    page = SyncPage(district, tmp_path / "district.sqlite", AppEvents())
    qtbot.addWidget(page)
    page.show()
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *_a: QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(page.pending.refuse_button, Qt.MouseButton.LeftButton)
    assert enrollment.pending(district) == [] and page.pending.isHidden()
    assert store.peer(district, node(office))["revoked"] == 0
    assert store.peer(district, node(new_pc)) is None
