"""A small estate for pairing tests: two grids, three compounds, 50 households, four members
(three living in known units, one living elsewhere in the 翠竹苑 branch)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from app import registry
from app.database import create_community, open_community_db
from tests.conftest import make_id


def build_estate(path: Path):
    db = open_community_db(path, create=True)
    create_community(db, "长江路社区", "410102007003", "林山寨街道", "中原区")
    ids = SimpleNamespace(units={}, households={}, members={}, residents={})
    grid_a = registry.add_grid(db, "第一网格")
    grid_b = registry.add_grid(db, "第二网格")
    jinxiu = registry.add_compound(db, grid_a, "锦绣花园")
    cuizhu = registry.add_compound(db, grid_a, "翠竹苑")
    mianfang = registry.add_compound(db, grid_b, "棉纺宿舍", "unmanaged")
    ids.grids = {"A": grid_a, "B": grid_b}
    ids.compounds = {"锦绣花园": jinxiu, "翠竹苑": cuizhu, "棉纺宿舍": mianfang}
    buildings = {"锦绣花园": registry.add_building(db, jinxiu, "1", floors=6, units=2),
                 "翠竹苑": registry.add_building(db, cuizhu, "1", floors=6, units=1),
                 "棉纺宿舍": registry.add_building(db, mianfang, "1", floors=6, units=2)}
    ids.buildings = buildings
    units = registry.tree_nodes(db)["units"]
    seq = 100
    for compound, building in buildings.items():
        for unit in [u for u in units if u["building_id"] == building]:
            ids.units[(compound, unit["name"])] = unit["id"]
            for floor in range(1, 6):
                for door in (1, 2):
                    number = f"{floor}0{door}"
                    h = registry.add_household(db, {"unit_id": unit["id"],
                                                    "door_number": number})
                    ids.households[(compound, unit["name"], number)] = h
                    seq += 2
                    name = f"住户{compound[:2]}{unit['name'][0]}{number}"
                    ids.residents[(compound, unit["name"], number)] = registry.add_resident(
                        db, {"household_id": h, "name": name, "relation": "户主",
                             "id_number": make_id(birth="19700101", seq=f"{seq:03d}")})
    for key, where in (("王建国", ("锦绣花园", "1单元", "101")),
                       ("李秀英", ("锦绣花园", "2单元", "201")),
                       ("赵卫东", ("棉纺宿舍", "1单元", "101"))):
        ids.members[key] = registry.add_party_member(db, {
            "resident_id": ids.residents[where], "name": key,
            "phone": f"1390000{len(ids.members):04d}", "branch": f"{where[0]}党支部"})
    ids.members["陈晓东"] = registry.add_party_member(db, {
        "name": "陈晓东", "kind": "reporting", "phone": "13700001111", "branch": "翠竹苑党支部"})
    db.estate = ids
    return db


def household(db, compound: str, unit: str, door: str) -> str:
    return db.estate.households[(compound, unit, door)]
