"""The key-person round trip with the window at both ends, through real bundle files: the
district imports a list, the community's page shows the person, the result is recorded in
the window (Ctrl+S), goes up in the community's bundle and shows in the district's progress
table and result ledger."""

from __future__ import annotations

import shutil

import openpyxl
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app import keypersons
from app.database import open_community_db
from app.keypersons import demo as kp_demo
from app.keypersons import importer, ledger
from app.sync import engine
from tests.app.sync.test_sync import new_community
from tests.conftest import make_id
from ui.events import AppEvents
from ui.keypersons.page import CommunityKeyPersonsPage, DistrictKeyPersonsPage


@pytest.fixture(scope="module")
def keys_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("kp-window-data")


@pytest.fixture(autouse=True)
def _same_keys(keys_dir, monkeypatch):
    # The offices' keys live in the data folder: the module's offices keep theirs.
    monkeypatch.setenv("GRIDDESK_DATA_DIR", str(keys_dir))


@pytest.fixture(scope="module")
def world(tmp_path_factory, keys_dir):
    patch = pytest.MonkeyPatch()
    patch.setenv("GRIDDESK_DATA_DIR", str(keys_dir))
    tmp = tmp_path_factory.mktemp("kp-window")
    district = open_community_db(tmp / "district.sqlite", create=True)
    engine.create_district(district, "中原区", "410102")
    a = new_community(tmp, "长江路社区", "410102007003")
    engine.enroll_by_files(a, district, tmp / "stick")
    send(a, district, tmp / "up0")
    patch.undo()
    return {"district": district, "a": a, "tmp": tmp}


def send(src, dst, folder):
    shutil.rmtree(folder, ignore_errors=True)
    engine.export_bundles(src, dst._griddesk.node_id, folder)
    outcomes = engine.import_folder(dst, folder)
    assert outcomes and all(o.status == "applied" for o in outcomes), \
        [o.message for o in outcomes]


def test_a_result_recorded_in_the_window_reaches_the_district(qtbot, world):
    district, a, tmp = world["district"], world["a"], world["tmp"]
    path = kp_demo.write_list(tmp / "list.xlsx", [
        [1, "张三", make_id("410102", seq="131"), "", "", "中高风险地区返回", ""]],
        title="关于核查重点人员的通知（第5批）")
    importer.import_list(district, path)
    send(district, a, tmp / "down")

    page = CommunityKeyPersonsPage(a, AppEvents())
    qtbot.addWidget(page)
    page.show()
    assert page.model.total() == 1
    page.table.selectRow(0)
    dialog = page.open_selected()
    assert dialog is not None and "张三" in dialog.windowTitle()
    dialog.field("result").setCurrentIndex(dialog.field("result").findData("living_here"))
    dialog.field("note").setPlainText("电话联系，本人在家")
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    QTest.keyClick(dialog, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert not dialog.isVisible()
    send(a, district, tmp / "up")

    dpage = DistrictKeyPersonsPage(district, AppEvents(), tmp / "district.sqlite")
    qtbot.addWidget(dpage)
    rows = {p.community: p for p in dpage.progress_model.rows}
    assert (rows["长江路社区"].verified, rows["长江路社区"].total) == (1, 1)
    out = tmp / "ledger.xlsx"
    ledger.export(district, out)
    values = [[c.value for c in r] for r in openpyxl.load_workbook(out).active.iter_rows()]
    header = next(r for r in values if r and r[0] == "名单")
    (row,) = [dict(zip(header, r, strict=True)) for r in values[values.index(header) + 1:]]
    assert (row["姓名"], row["社区"], row["核查结果"], row["核查备注"]) == (
        "张三", "长江路社区", keypersons.RESULT_LABELS["living_here"], "电话联系，本人在家")
