"""Non-residential places (场所): shops, markets, office buildings, schools, clinics, sites;
their kinds (the built-in list with the 九小场所, plus the office's own), registering and
correcting a place, its status (营业/停业/关闭), and the searchable list.

Every change is a field change of a synced row: the change log and the audit trail keep
what was replaced, by whom and when (db/changelog, db/audit), so nothing is overwritten
silently. A place belongs to its community; the district only looks.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from app import accounts
from app.errors import FormError
from app.validation import ValidationError, normalize_phone
from db import places as q
from db.node import get_meta, transaction

# 九小场所: the nine kinds of small place fire-safety rules single out.
SMALL_KINDS = ("小商店", "小餐饮", "小旅馆", "小歌舞娱乐场所", "小网吧", "小美容洗浴场所",
               "小生产加工企业", "小学校或幼儿园", "小医院（诊所）")
OTHER_KINDS = ("商场超市", "农贸市场", "写字楼", "学校", "医疗机构", "建筑工地", "宾馆酒店",
               "其他")
DEFAULT_KINDS = (*SMALL_KINDS, *OTHER_KINDS)
STATUS_LABELS = {"open": "营业", "suspended": "停业", "closed": "关闭"}
STATUS_BY_LABEL = {v: k for k, v in STATUS_LABELS.items()}
MAX_NAME = 100


def is_district(db: sqlite_utils.Database) -> bool:
    return get_meta(db, "role") == "district"


# --- kinds ------------------------------------------------------------------------------------

def kinds(db: sqlite_utils.Database) -> list[str]:
    """The kinds a place may have: the built-in list, then the office's own (and at a
    district, every kind its communities used)."""
    own = [r["name"] for r in q.kinds(db) if not r["deleted"]]
    extra = q.used_kinds(db) if is_district(db) else []
    return list(dict.fromkeys([*DEFAULT_KINDS, *own, *extra]))


def add_kind(db: sqlite_utils.Database, name: str) -> str:
    """The office adds a kind of its own (设置 › 场所类型)."""
    accounts.require(db, "places.edit")
    text = (name or "").strip()
    if not text:
        raise FormError({"kind": "请填写场所类型的名称。"})
    if len(text) > 20:
        raise FormError({"kind": f"场所类型“{text}”太长（最多20个字），请改短。"})
    if text in kinds(db):
        return text
    with transaction(db):
        q.insert(db, "place_kinds", {"name": text, "position": len(q.kinds(db))})
    return text


def remove_kind(db: sqlite_utils.Database, name: str) -> None:
    """A kind of the office's own is no longer offered; places that have it keep it."""
    accounts.require(db, "places.edit")
    with transaction(db):
        for row in q.kinds(db):
            if row["name"] == name and not row["deleted"]:
                q.update(db, "place_kinds", row["id"], {"deleted": 1})


# --- registering ------------------------------------------------------------------------------

@dataclass
class PlaceInput:
    """What a person types for a place (the dialog's fields, or an imported row)."""

    name: str = ""
    kind: str = ""
    compound_id: str | None = None
    street_address: str = ""
    grid_id: str | None = None
    manager: str = ""
    phone: str = ""
    employees: str | int | None = None
    licence_no: str = ""
    status: str = "open"
    note: str = ""


def check(db: sqlite_utils.Database, data: PlaceInput) -> dict[str, Any]:
    """The columns to write, or a FormError naming every field that is wrong (nothing is
    saved, what was typed stays in the form)."""
    errors: dict[str, str] = {}
    name = (data.name or "").strip()
    if not name:
        errors["name"] = "请填写场所名称（如招牌上的店名）。"
    elif len(name) > MAX_NAME:
        errors["name"] = f"场所名称太长（最多{MAX_NAME}个字）。"
    kind = (data.kind or "").strip()
    if not kind:
        errors["kind"] = "请选择场所类型（如小餐饮、商场超市）。"
    elif len(kind) > 20:
        errors["kind"] = "场所类型太长（最多20个字）。"
    street = (data.street_address or "").strip()
    compound = None
    if data.compound_id:
        compound = q.compound(db, data.compound_id)
        if compound is None:
            errors["address"] = "选中的小区（楼院）已不在登记中，请重新选择。"
    if not compound and not street and "address" not in errors:
        errors["address"] = "请填写地址：选择所在小区（楼院），或填写街道门牌（如建设路12号）。"
    if len(street) > 200:
        errors["address"] = "地址太长（最多200个字）。"
    phone = None
    if (data.phone or "").strip():
        try:
            phone = normalize_phone(data.phone)
        except ValidationError as exc:
            errors["phone"] = exc.message
    employees = None
    if data.employees not in (None, ""):
        try:
            employees = int(str(data.employees).strip())
            if not 0 <= employees <= 100_000:
                raise ValueError
        except ValueError:
            errors["employees"] = "从业人数应为0或正整数（如 5）。"
    status = data.status if data.status in STATUS_LABELS else STATUS_BY_LABEL.get(data.status)
    if status is None:
        errors["status"] = "状态只能是营业、停业或关闭。"
    grid = data.grid_id or (compound["grid_id"] if compound else None)
    if errors:
        raise FormError(errors)
    return {"name": name, "kind": kind, "small_place": int(kind in SMALL_KINDS),
            "compound_id": data.compound_id or None, "street_address": street or None,
            "grid_id": grid, "manager": (data.manager or "").strip() or None, "phone": phone,
            "employees": employees, "licence_no": (data.licence_no or "").strip() or None,
            "status": status, "note": (data.note or "").strip() or None}


def register(db: sqlite_utils.Database, data: PlaceInput) -> str:
    """登记场所; returns the new place's id."""
    accounts.require(db, "places.edit")
    values = check(db, data)
    with transaction(db):
        return q.insert(db, "places", values)


def edit(db: sqlite_utils.Database, place_id: str, data: PlaceInput) -> None:
    """Correct a place: only the fields that changed are written (each change logged)."""
    accounts.require(db, "places.edit")
    held = get(db, place_id)
    values = check(db, data)
    changed = {k: v for k, v in values.items() if held.get(k) != v}
    if changed:
        with transaction(db):
            q.update(db, "places", place_id, changed)


def set_status(db: sqlite_utils.Database, place_id: str, status: str) -> None:
    """营业/停业/关闭 (a reopening acceptance sets 营业 through app.inspections)."""
    accounts.require(db, "places.edit")
    if status not in STATUS_LABELS:
        raise FormError({"status": "状态只能是营业、停业或关闭。"})
    held = get(db, place_id)
    if held["status"] != status:
        with transaction(db):
            q.update(db, "places", place_id, {"status": status})


def remove(db: sqlite_utils.Database, place_id: str) -> None:
    """A place registered by mistake leaves the list (the row stays, flagged deleted)."""
    accounts.require(db, "places.edit")
    get(db, place_id)
    with transaction(db):
        q.update(db, "places", place_id, {"deleted": 1})


def get(db: sqlite_utils.Database, place_id: str) -> dict[str, Any]:
    row = q.place(db, place_id)
    if row is None or row["deleted"]:
        raise FormError({"place": "找不到这个场所（可能已删除），请刷新列表。"})
    return row


def input_of(row: dict[str, Any]) -> PlaceInput:
    """A held place as the form shows it (to edit)."""
    return PlaceInput(name=row["name"], kind=row["kind"], compound_id=row["compound_id"],
                      street_address=row["street_address"] or "", grid_id=row["grid_id"],
                      manager=row["manager"] or "", phone=row["phone"] or "",
                      employees=row["employees"], licence_no=row["licence_no"] or "",
                      status=row["status"], note=row["note"] or "")


# --- the list ---------------------------------------------------------------------------------

def place_ids(db: sqlite_utils.Database, *, text: str = "", kind: str | None = None,
              status: str | None = None, compound_id: str | None = None,
              small_only: bool = False, communities: Collection[str] | None = None,
              street_grid_id: str | None = None) -> list[str]:
    """The list's ids (a grid worker's: the grids they serve). `compound_id` or
    `street_grid_id` (a grid's places on a street): a node of the 楼栋住户 tree."""
    return q.place_ids(db, text=text, kind=kind, status=status, compound_id=compound_id,
                       small_only=small_only, grid_ids=accounts.grid_scope(db),
                       communities=communities, street_grid_id=street_grid_id)


def tree_counts(db: sqlite_utils.Database) -> tuple[dict[str, int], dict[str, int]]:
    """Places per compound and, per grid, on a street: what the 楼栋住户 tree shows beside
    the compounds (a grid worker's grids only)."""
    if "places" not in db.table_names():
        return {}, {}
    return q.tree_counts(db, accounts.grid_scope(db))


def places_by_ids(db: sqlite_utils.Database, ids: list[str]) -> list[dict[str, Any]]:
    return q.places_by_ids(db, ids)


def find(db: sqlite_utils.Database, name: str) -> dict[str, Any]:
    """The one place a name or licence number means (command line), or a FormError."""
    found = q.find_by_name(db, (name or "").strip())
    if not found:
        raise FormError({"place": f"找不到名为“{name}”的场所，请核对名称或营业执照号。"})
    if len(found) > 1:
        raise FormError({"place": f"有 {len(found)} 个场所都叫“{name}”，请改用营业执照号。"})
    return found[0]


def compounds(db: sqlite_utils.Database) -> list[tuple[str, str]]:
    """(id, name) of the live compounds, for the address choice."""
    return [(r["id"], r["name"]) for r in q.compounds(db)]
