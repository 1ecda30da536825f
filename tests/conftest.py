"""Shared fixtures: an offscreen Qt platform and small real community databases."""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _own_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("GRIDDESK_DATA_DIR", str(tmp_path / "data"))
    # The window's remembered size, splitters and filters: each test starts from none.
    from PySide6.QtCore import QSettings

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                      str(tmp_path / "settings"))


def make_id(prefix: str = "410102", birth: str = "19800101", seq: str = "123") -> str:
    from app.validation import check_character

    first17 = f"{prefix}{birth}{seq}"
    return first17 + check_character(first17)


@pytest.fixture
def community(tmp_path):
    """A small community on a real SQLite file: 2 grids, 2 compounds, 3 buildings,
    a few households and residents, one Party member."""
    from app import registry
    from app.database import create_community, open_community_db

    db = open_community_db(tmp_path / "community.sqlite", create=True)
    create_community(db, "长江路社区", "410102007003", "林山寨街道", "中原区")
    g1 = registry.add_grid(db, "第一网格")
    g2 = registry.add_grid(db, "第二网格")
    c1 = registry.add_compound(db, g1, "锦绣花园")
    c2 = registry.add_compound(db, g2, "棉纺宿舍", "unmanaged")
    b3 = registry.add_building(db, c1, "3", floors=18, units=2)
    b5 = registry.add_building(db, c1, "5号楼", floors=6, units=1)
    registry.add_building(db, c2, "1号楼", floors=5, units=3)
    units = {u["building_id"]: [] for u in registry.tree_nodes(db)["units"]}
    for u in registry.tree_nodes(db)["units"]:
        units[u["building_id"]].append(u["id"])
    h501 = registry.add_household(db, {"unit_id": units[b3][1], "door_number": "501",
                                       "phone": "13812345678"})
    h502 = registry.add_household(db, {"unit_id": units[b3][1], "door_number": "502"})
    h101 = registry.add_household(db, {"unit_id": units[b5][0], "door_number": "101",
                                       "tags": "独居老人"})
    people = {
        "张三": registry.add_resident(db, {"household_id": h501, "name": "张三",
                                         "id_number": make_id(seq="131"), "relation": "户主",
                                         "phone": "13912345678"}),
        "李四": registry.add_resident(db, {"household_id": h501, "name": "李四",
                                         "id_number": make_id(birth="19820304", seq="142"),
                                         "relation": "配偶"}),
        "单田芳": registry.add_resident(db, {"household_id": h502, "name": "单田芳",
                                          "id_number": make_id(birth="19550203", seq="011"),
                                          "relation": "户主"}),
        "曾志伟": registry.add_resident(db, {"household_id": h101, "name": "曾志伟",
                                          "id_number": make_id(birth="19400506", seq="017"),
                                          "relation": "户主"}),
    }
    registry.add_party_member(db, {"resident_id": people["张三"], "branch": "锦绣花园党支部"})
    db.ids = {"grid1": g1, "compound1": c1, "b3": b3, "b5": b5, "units_b3": units[b3],
              "h501": h501, "h502": h502, "h101": h101, **people}
    yield db
    db.conn.close()


# --- running in parallel (make test: pytest-xdist, -n auto --dist loadfile) ---------------------
# loadfile runs each test module whole on one worker, so its module-scoped fixtures (demo
# databases) are built once. The modules that share one session-wide resource go to the same
# worker as one unit: the frozen app (built once, a minute or two; dpkg installs it system-wide)
# and the CUPS queue. (xdist's own xdist_group marks do not reach its scheduler under pytest 9.)
SHARED = ("frozen_dist", "cups_pdf")
_ROOT = Path(__file__).resolve().parent.parent


@functools.cache
def _shared_group(module: str) -> str:
    """The shared fixture a test module asks for (a parameter of one of its functions), else
    the module itself. (The scheduler sees only the test ids, not the tests' fixtures.)"""
    try:
        source = (_ROOT / module).read_text(encoding="utf-8")
    except OSError:
        return module
    return next((name for name in SHARED
                 if re.search(rf"\bdef \w+\([^)]*\b{name}\b", source)), module)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class SharedResourceScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return _shared_group(super()._split_scope(nodeid))

    return SharedResourceScheduling(config, log)


def pytest_collection_modifyitems(config, items):
    # The frozen build is the longest chain of work: started first, it runs beside the rest
    # instead of after it (the order of the other tests is kept; with xdist, run with
    # --no-loadscope-reorder so that the scheduler keeps it too).
    items.sort(key=lambda item: "frozen_dist" not in getattr(item, "fixturenames", ()))
