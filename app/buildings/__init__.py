"""The building at a glance (楼栋门户图): a building as floors × doors per unit, worked out from
the registry's door numbers (501 → floor 5, door 01; gaps shown as such; shops in a row of
their own; numbers that fit no pattern listed under the grid, never dropped; two households in
one door shown as such), each door coloured by the aspect the office chooses, with a legend
and counts."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlite_utils

from app import accounts, categories, community_scope
from app.accounts import require
from app.errors import FormError
from db import buildings as q

ASPECTS = {"category": "人员类别", "isolation": "隔离/健康监测", "care": "关爱走访到期",
           "dwelling": "自住/出租/空置", "pairing": "党员联户"}
# Door numbers: 501 / 1203 (floor and door), 5-01 / 5－1 (floor-door); shops by their word.
_DOOR = re.compile(r"^(\d{1,2})(\d{2})$")
_DASHED = re.compile(r"^(\d{1,2})\s*[-－—]\s*(\d{1,2})$")
_SHOP = re.compile(r"(商|门面|门市|铺|^[Ss]\d+$)")
NONE_KEY = "none"


@dataclass(frozen=True)
class LegendItem:
    key: str
    label: str
    colour: str          # fill, #rrggbb
    pattern: str         # what survives black-and-white: solid dots hatch cross back blank
    count: int = 0


@dataclass
class Household:
    id: str
    door_number: str
    dwelling: str
    people: list[dict[str, Any]]          # id, name, relation, category (name), colour
    key: str = NONE_KEY                    # its legend item under the aspect
    note: str = ""                         # e.g. 居家隔离第3天


@dataclass
class Door:
    label: str                 # the door number as registered
    floor: int | None
    position: int | None
    households: list[Household] = field(default_factory=list)

    @property
    def key(self) -> str:
        """The door's legend item: the first of its households' in legend order."""
        return self.households[0].key if self.households else NONE_KEY


@dataclass
class UnitGrid:
    id: str
    name: str
    positions: list[int]                       # door positions per floor, 1..n
    cells: dict[tuple[int, int], Door]        # (floor, position) → door
    shops: list[Door]
    odd: list[Door]                            # door numbers that fit no pattern


@dataclass
class BuildingView:
    id: str
    name: str                 # 锦绣花园 3号楼
    aspect: str
    floors: list[int]         # top floor first
    units: list[UnitGrid]
    legend: list[LegendItem]
    households: int
    doubles: list[str]        # doors holding two or more households: 2单元501 …

    def door_labels(self) -> list[str]:
        """Every registered door number of the building (grid, shops and odd ones)."""
        out = []
        for u in self.units:
            out += [d.label for d in u.cells.values() if d.households]
            out += [d.label for d in u.shops] + [d.label for d in u.odd]
        return out


def parse_door(number: str) -> tuple[str, int | None, int | None]:
    """("grid", floor, position), ("shop", None, None) or ("odd", None, None)."""
    text = (number or "").strip()
    for pattern in (_DOOR, _DASHED):
        m = pattern.match(text)
        if m and int(m.group(1)) >= 1 and int(m.group(2)) >= 1:
            return "grid", int(m.group(1)), int(m.group(2))
    if _SHOP.search(text):
        return "shop", None, None
    return "odd", None, None


def _check_scope(db: sqlite_utils.Database, building: dict[str, Any]) -> None:
    session = require(db, "registry.view")
    if session.role == "grid_worker" and building["grid_id"] not in session.grid_ids:
        raise accounts.PermissionDenied("这栋楼不在您负责的网格内。如需调整负责网格，"
                                        "请联系社区管理员。")


def find(db: sqlite_utils.Database, wanted: str) -> str:
    """A building's id from its id or its name (锦绣花园3号楼, 锦绣花园 3号楼, or 3号楼 when
    only one building has that name)."""
    rows = q.named(db)
    text = (wanted or "").strip()
    key = "".join(text.split())
    for bid, compound, name in rows:
        if text == bid or key == f"{compound}{name}":
            return bid
    bare = key if not key.isdigit() else f"{key}号楼"
    same = [bid for bid, _c, name in rows if bare == name]
    if len(same) == 1:
        return same[0]
    if len(same) > 1:
        raise FormError({"building": f"有{len(same)}栋楼都叫“{text}”，请加上楼院名，"
                                     "例如“锦绣花园3号楼”。"})
    raise FormError({"building": f"找不到楼栋“{text}”。请写楼栋ID，或楼院名加楼栋名，"
                                 "例如“锦绣花园3号楼”。"})


def _legend(db: sqlite_utils.Database, aspect: str, cats: list[categories.Category]
            ) -> list[LegendItem]:
    patterns = ("solid", "hatch", "cross", "dots", "back", "grid", "wave")
    if aspect == "category":
        items = [LegendItem(c.id, c.name + (f"（{c.meaning}）" if c.meaning else ""), c.colour,
                            patterns[i % len(patterns)]) for i, c in enumerate(cats)]
        return [*items, LegendItem(NONE_KEY, "无类别", "#ffffff", "blank")]
    if aspect == "isolation":
        return [LegendItem("home_isolation", "居家隔离中", "#d32f2f", "solid"),
                LegendItem("home_monitoring", "居家健康监测中", "#f9a825", "hatch"),
                LegendItem(NONE_KEY, "无", "#ffffff", "blank")]
    if aspect == "care":
        return [LegendItem("overdue", "逾期未访", "#d32f2f", "solid"),
                LegendItem("absent", "今日未见到", "#6a1b9a", "cross"),
                LegendItem("due", "今日应访", "#ef6c00", "hatch"),
                LegendItem(NONE_KEY, "无到期走访", "#ffffff", "blank")]
    if aspect == "dwelling":
        return [LegendItem("rented", "出租", "#1565c0", "hatch"),
                LegendItem("empty", "空置", "#9e9e9e", "dots"),
                LegendItem(NONE_KEY, "自住", "#ffffff", "blank")]
    if aspect == "pairing":
        return [LegendItem("unpaired", "未安排联系党员", "#ef6c00", "cross"),
                LegendItem(NONE_KEY, "已联户", "#ffffff", "blank")]
    raise FormError({"aspect": "请选择要查看的方面：" + "、".join(ASPECTS.values()) + "。"})


def building_view(db: sqlite_utils.Database, building_id: str, aspect: str = "category",
                  today: date | None = None) -> BuildingView:
    """The door grid of one building, coloured by `aspect` (ASPECTS)."""
    building = q.building(db, building_id) if isinstance(building_id, str) else None
    if building is None or building["deleted"]:
        raise FormError({"building": "找不到这栋楼，或已被删除。请刷新后重试。"})
    _check_scope(db, building)
    today = today or date.today()
    community = building["community_id"] if community_scope.is_district(db) else None
    cats = categories.in_force(db, community).categories
    legend = _legend(db, aspect, cats)
    order = {item.key: i for i, item in enumerate(legend)}

    people: dict[str, list[dict[str, Any]]] = {}
    residents = q.residents(db, building_id)
    assigned = categories.of(db, [r["id"] for r in residents], today)
    for r in residents:
        a = assigned.get(r["id"])
        people.setdefault(r["household_id"], []).append(
            {"id": r["id"], "name": r["name"], "relation": r["relation"] or "",
             "category": a.name if a else "", "category_id": a.category.id if a else "",
             "colour": a.colour if a else ""})
    cases: dict[str, list[dict[str, Any]]] = {}
    if aspect == "isolation":
        for c in q.open_cases(db, building_id):
            cases.setdefault(c["household_id"], []).append(c)
    paired = q.paired(db, building_id) if aspect == "pairing" else set()
    care = _care_status(db, building, today) if aspect == "care" else {}

    def key_of(h: dict[str, Any]) -> tuple[str, str]:
        if aspect == "category":
            keys = [p["category_id"] for p in people.get(h["id"], []) if p["category_id"]]
            return (min(keys, key=lambda k: order.get(k, 99)) if keys else NONE_KEY), ""
        if aspect == "isolation":
            open_ = sorted(cases.get(h["id"], []), key=lambda c: order.get(c["kind"], 99))
            if not open_:
                return NONE_KEY, ""
            c = open_[0]
            started = date.fromisoformat(c["started_on"])
            day = (today - started).days + 1
            return c["kind"], (f"第{day}天" if c["status"] == "active" and day >= 1 else "待开始")
        if aspect == "care":
            keys = [care[p["id"]] for p in people.get(h["id"], []) if care.get(p["id"]) in order]
            return (min(keys, key=lambda k: order[k]) if keys else NONE_KEY), ""
        if aspect == "dwelling":
            return (h["dwelling"] if h["dwelling"] in ("rented", "empty") else NONE_KEY), ""
        return (NONE_KEY if h["id"] in paired else "unpaired"), ""

    grids: dict[str, UnitGrid] = {u["id"]: UnitGrid(u["id"], u["name"], [], {}, [], [])
                                  for u in q.units(db, building_id)}
    floors: set[int] = set(range(1, (building["floors"] or 0) + 1))
    counts: dict[str, int] = {}
    doubles: list[str] = []
    households = q.households(db, building_id)
    for h in households:
        unit = grids.get(h["unit_id"])
        if unit is None:
            continue
        key, note = key_of(h)
        counts[key] = counts.get(key, 0) + 1
        cell = Household(h["id"], h["door_number"], h["dwelling"], people.get(h["id"], []),
                         key, note)
        kind, floor, pos = parse_door(h["door_number"])
        if kind == "grid":
            assert floor is not None and pos is not None
            floors.add(floor)
            door = unit.cells.setdefault((floor, pos), Door(h["door_number"], floor, pos))
            door.households.append(cell)
            door.households.sort(key=lambda x: order.get(x.key, 99))
            if len(door.households) == 2:
                doubles.append(f"{unit.name}{door.label}")
        else:
            target = unit.shops if kind == "shop" else unit.odd
            same = next((d for d in target if d.label == h["door_number"]), None)
            if same is None:
                target.append(Door(h["door_number"], None, None, [cell]))
            else:
                same.households.append(cell)
                if len(same.households) == 2:
                    doubles.append(f"{unit.name}{same.label}")
    for unit in grids.values():
        width = max((p for _f, p in unit.cells), default=0)
        unit.positions = list(range(1, width + 1))
        unit.shops.sort(key=lambda d: d.label)
        unit.odd.sort(key=lambda d: d.label)
    legend = [LegendItem(i.key, i.label, i.colour, i.pattern, counts.get(i.key, 0))
              for i in legend]
    return BuildingView(building_id, f"{building['compound']} {building['name']}", aspect,
                        sorted(floors, reverse=True), list(grids.values()), legend,
                        len(households), doubles)


def _care_status(db: sqlite_utils.Database, building: dict[str, Any], today: date
                 ) -> dict[str, str]:
    """resident id → care-visit status (overdue, absent, due …) from the care visits board
    of the building's grid; refused, with the reason, for a role that may not see it."""
    try:
        from app import care
    except ImportError:
        raise FormError({"aspect": "这个版本没有关爱走访功能，请选择其他着色方式。"}) from None
    board = care.board(db, today, grid_id=building["grid_id"])
    return {e["id"]: e["status"] for e in board.entries}


def buildings_of(db: sqlite_utils.Database, ids: Sequence[str] | None = None
                 ) -> list[tuple[str, str]]:
    """(id, 楼院 楼栋) of the given buildings, or all."""
    rows = q.named(db)
    return [(b, f"{c} {n}") for b, c, n in rows if ids is None or b in ids]


def building_of_household(db: sqlite_utils.Database, household_id: str) -> str | None:
    row = db.conn.execute("SELECT u.building_id FROM households h JOIN units u "
                          "ON u.id = h.unit_id WHERE h.id = ?", (household_id,)).fetchone()
    return row[0] if row else None
