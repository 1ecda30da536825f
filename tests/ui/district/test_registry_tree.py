"""The 楼栋住户 tree at a district (issue 15, item 1): 中原区 › street › community › grid with
household counts at each node, one 中原区, a street's households when it is picked; and a
community's tree as before (grids at the top)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QModelIndex, QSettings

from app.database import open_community_db
from app.demo import build_demo_district
from ui.events import AppEvents
from ui.registry.page import RegistryPage


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict:
    path = tmp_path_factory.mktemp("district") / "中原区.sqlite"
    return build_demo_district(path, communities=3, streets=2, residents=150)


@pytest.fixture(autouse=True)
def own_settings(tmp_path):
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))


def texts(model, parent: QModelIndex) -> list[str]:
    return [model.index(r, 0, parent).data() for r in range(model.rowCount(parent))]


def households(db, where: str = "", params: tuple = ()) -> int:
    return db.conn.execute(
        "SELECT count(*) FROM households h JOIN org_units c ON c.id = h.community_id "
        f"WHERE h.deleted = 0 {where}", params).fetchone()[0]


def test_the_district_tree_has_streets_communities_and_grids_with_counts(qtbot, built):
    db = open_community_db(built["district"])
    page = RegistryPage(db, AppEvents())
    qtbot.addWidget(page)
    model = page.tree_model
    top = texts(model, QModelIndex())
    assert top == ["全部住户", f"中原区（{households(db)}户）"]   # one 中原区
    district = model.index(1, 0)
    lin = households(db, "AND c.name IN ('长江路社区', '桐柏路社区')")
    jian = households(db, "AND c.name = '建设路社区'")
    assert texts(model, district) == [f"林山寨街道（{lin}户）", f"建设路街道（{jian}户）"]
    street = model.index(0, 0, district)
    changjiang = households(db, "AND c.name = '长江路社区'")
    assert texts(model, street)[0] == f"长江路社区（{changjiang}户）"
    community = model.index(0, 0, street)
    grids = texts(model, community)
    assert grids and all(g.endswith("户）") for g in grids)
    assert sum(int(g.split("（")[1][:-2]) for g in grids) == changjiang
    assert page.tree.isExpanded(district) and page.tree.isExpanded(street)
    # Picking a street lists its households.
    page.tree.setCurrentIndex(street)
    assert page.list_title.text() == f"林山寨街道（{lin}户）：共 {lin} 户"
    db.conn.close()


def test_a_community_tree_still_starts_at_its_grids(qtbot, built):
    db = open_community_db(built["communities"][0])
    page = RegistryPage(db, AppEvents())
    qtbot.addWidget(page)
    top = texts(page.tree_model, QModelIndex())
    assert top[0] == "全部住户"
    assert all("网格" in t and "户" not in t for t in top[1:])
    db.conn.close()
