"""五色管理: a person's category stands beside their name in the lists of people — the
isolation records and the Party members (the registry's and the care board's have their own
tests) — on the demo community, whose categories are set by rule and by hand."""

from __future__ import annotations

import shutil

import pytest
from PySide6.QtCore import Qt

from app import categories
from app.database import open_community_db
from app.demo import build_demo
from ui.main_window import MainWindow


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    path = tmp_path_factory.mktemp("categories") / "demo.sqlite"
    build_demo(path, residents=400)
    return path


@pytest.fixture
def window(qtbot, built, tmp_path):
    path = tmp_path / "demo.sqlite"
    shutil.copy(built, path)
    db = open_community_db(path)
    win = MainWindow(db, path)
    qtbot.addWidget(win)
    yield win
    win.close()
    db.close()


def _column(model, header):
    headers = [model.headerData(c, Qt.Orientation.Horizontal)
               for c in range(model.columnCount())]
    return headers.index(header)


def _check(db, model, key="resident_id"):
    col = _column(model, "类别")
    assert col == _column(model, "姓名") + 1
    rows = model.rows
    expected = categories.of(db, [r[key] for r in rows if r.get(key)])
    assert expected, "nobody in this list has a category"
    for i, r in enumerate(rows):
        want = expected[r[key]].name if r.get(key) in expected else ""
        assert model.data(model.index(i, col)) == want


def test_the_isolation_records_show_each_persons_category(window):
    page = window.isolation_page
    page.reload_cases()
    _check(window.db, page.cases_model)


def test_the_party_members_show_their_category(window):
    """One member put in a category by hand (the demo's rules seldom reach members)."""
    from app import pairing

    member = next(r for r in pairing.member_rows(window.db) if r["resident_id"])
    category = categories.in_force(window.db).categories[-1]
    categories.set_by_hand(window.db, member["resident_id"], category.id, "入户核实")
    tab = window.party_page.members_tab
    tab.reload()
    _check(window.db, tab.model)
