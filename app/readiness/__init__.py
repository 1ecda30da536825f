"""Readiness for the next emergency: checkpoints (卡口) at compound gates with their daily counts
of people and vehicles (numbers only; names and phones only while the office has switched
registration on), and supplies (物资) received and issued with who and why, low stock flagged
and an issue beyond stock refused. Checked before anything is written; written in one
transaction or not at all."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlite_utils

from app import accounts
from app.accounts import require
from app.errors import FormError
from app.validation import (
    ValidationError,
    collect,
    normalize_phone,
    optional_text,
    require_text,
)
from db import readiness as q
from db import registry as rq
from db.node import transaction

MAX_COUNT = 1_000_000        # people or vehicles through one gate in a day
MAX_QUANTITY = 10_000_000


def _day(errors: dict[str, str], field: str, value: Any, label: str) -> str | None:
    if value is None or value == "":
        return date.today().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    try:
        return date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        errors[field] = f"{label}要写成 年-月-日，例如 2026-12-07。"
        return None


def _whole(errors: dict[str, str], field: str, value: Any, label: str, *, low: int,
           high: int) -> int:
    """A whole number low…high typed in a field (“120”, 120), or the error filed."""
    try:
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError
        n = int(str(value).strip()) if not isinstance(value, int | float) else int(value)
    except (TypeError, ValueError):
        errors[field] = f"{label}要填整数（{low}～{high}），例如 120。"
        return 0
    if not low <= n <= high:
        errors[field] = f"{label}要在{low}～{high}之间，现在是{n}。"
    return n


# --- checkpoints -------------------------------------------------------------------------------

def checkpoints(db: sqlite_utils.Database, communities: Collection[str] | None = None
                ) -> list[dict]:
    return q.checkpoints(db, communities)


def save_checkpoint(db: sqlite_utils.Database, *, name: str | None, compound_id: str | None,
                    gate: str | None = None, note: str | None = None,
                    checkpoint_id: str | None = None) -> str:
    """A checkpoint at a compound's gate (the compound is needed: a checkpoint is a place)."""
    require(db, "duty.edit")
    errors: dict[str, str] = {}
    values = {"name": collect(errors, require_text, name, "name", "卡口名称", max_len=30),
              "compound_id": compound_id or None,
              "gate": collect(errors, optional_text, gate, "gate", "门岗", max_len=20),
              "note": collect(errors, optional_text, note, "note", "备注", max_len=200)}
    compound = rq.get(db, "compounds", compound_id) if compound_id else None
    if compound is None or compound["deleted"]:
        errors["compound"] = "请选择卡口所在的小区（楼院）。"
    if errors:
        raise FormError(errors)
    with transaction(db):
        if checkpoint_id:
            q.update(db, "checkpoints", checkpoint_id, values)
            return checkpoint_id
        return q.insert(db, "checkpoints", values)


def set_registration(db: sqlite_utils.Database, checkpoint_id: str, on: bool) -> None:
    """Switch personal registration at a checkpoint on or off: a decision of the office
    (settings), since it means keeping names and phones of everyone who passes."""
    require(db, "settings")
    if q.get(db, "checkpoints", checkpoint_id) is None:
        raise FormError({"checkpoint": "找不到这个卡口，请刷新后重新选择。"})
    with transaction(db):
        q.update(db, "checkpoints", checkpoint_id, {"registration": 1 if on else 0})


def record_counts(db: sqlite_utils.Database, checkpoint_id: str, *, on_date: Any = None,
                  people: Any, vehicles: Any, note: str | None = None) -> bool:
    """The day's counts of people and vehicles (numbers, no personal data). A second entry
    for the same day corrects the first (the change log keeps what it replaced, who and
    when); returns True when it did."""
    require(db, "duty.edit")
    if q.get(db, "checkpoints", checkpoint_id) is None:
        raise FormError({"checkpoint": "找不到这个卡口，请刷新后重新选择。"})
    errors: dict[str, str] = {}
    day = _day(errors, "on_date", on_date, "日期")
    values = {"people": _whole(errors, "people", people, "人员数", low=0, high=MAX_COUNT),
              "vehicles": _whole(errors, "vehicles", vehicles, "车辆数", low=0, high=MAX_COUNT),
              "note": collect(errors, optional_text, note, "note", "备注", max_len=200),
              "recorded_by": accounts.actor_name(db)}
    if errors:
        raise FormError(errors)
    with transaction(db):
        old = q.count_on(db, checkpoint_id, day or "")
        if old:
            q.update(db, "checkpoint_counts", old["id"], values)
            return True
        q.insert(db, "checkpoint_counts", {"checkpoint_id": checkpoint_id, "on_date": day,
                                           **values})
        return False


def counts(db: sqlite_utils.Database, checkpoint_id: str, limit: int = 60) -> list[dict]:
    return q.counts(db, checkpoint_id, limit)


def register_entry(db: sqlite_utils.Database, checkpoint_id: str, *, name: str | None,
                   phone: str | None = None, plate: str | None = None,
                   direction: str = "in", at: datetime | None = None,
                   note: str | None = None) -> str:
    """One person through the gate, by name: refused unless the office switched
    registration on for this checkpoint."""
    require(db, "duty.edit")
    cp = q.get(db, "checkpoints", checkpoint_id)
    if cp is None:
        raise FormError({"checkpoint": "找不到这个卡口，请刷新后重新选择。"})
    if not cp["registration"]:
        raise FormError({"registration": f"卡口“{cp['name']}”没有开启人员登记，只记每天的人数"
                                         "和车辆数。需要登记姓名电话时，请书记或管理员先在卡口"
                                         "设置里开启。"})
    errors: dict[str, str] = {}
    who = collect(errors, require_text, name, "name", "姓名", max_len=20)
    tel = None
    if (phone or "").strip():
        try:
            tel = normalize_phone(phone or "")
        except ValidationError as exc:
            errors["phone"] = exc.message
    if direction not in ("in", "out"):
        errors["direction"] = "请选择进或出。"
    car = collect(errors, optional_text, plate, "plate", "车牌号", max_len=10)
    text = collect(errors, optional_text, note, "note", "备注", max_len=200)
    if errors:
        raise FormError(errors)
    with transaction(db):
        return q.insert(db, "checkpoint_entries", {
            "checkpoint_id": checkpoint_id,
            "at": (at or datetime.now()).isoformat(timespec="minutes"), "name": who,
            "phone": tel, "plate": car, "direction": direction, "note": text,
            "recorded_by": accounts.actor_name(db)})


def entries(db: sqlite_utils.Database, checkpoint_id: str) -> list[dict]:
    require(db, "registry.view")
    return q.entries(db, checkpoint_id)


# --- supplies ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Supply:
    id: str
    community_id: str
    name: str
    unit: str
    stored_at: str
    low_level: int
    stock: int
    note: str

    @property
    def low(self) -> bool:
        return self.stock <= self.low_level


def supplies(db: sqlite_utils.Database, communities: Collection[str] | None = None,
             low_only: bool = False) -> list[Supply]:
    return [Supply(r["id"], r["community_id"], r["name"], r["unit"], r["stored_at"] or "",
                   r["low_level"], r["stock"], r["note"] or "")
            for r in q.supplies(db, communities, low_only)]


def save_supply(db: sqlite_utils.Database, *, name: str | None, unit: str | None = "个",
                stored_at: str | None = None, low_level: Any = 0, note: str | None = None,
                supply_id: str | None = None) -> str:
    require(db, "duty.edit")
    errors: dict[str, str] = {}
    values = {"name": collect(errors, require_text, name, "name", "物资名称", max_len=30),
              "unit": collect(errors, require_text, unit, "unit", "单位", max_len=6),
              "stored_at": collect(errors, optional_text, stored_at, "stored_at", "存放地点",
                                    max_len=50),
              "low_level": _whole(errors, "low_level", low_level if low_level != "" else 0,
                                  "预警数量", low=0, high=MAX_QUANTITY),
              "note": collect(errors, optional_text, note, "note", "备注", max_len=200)}
    if errors:
        raise FormError(errors)
    with transaction(db):
        if supply_id:
            q.update(db, "supplies", supply_id, values)
            return supply_id
        return q.insert(db, "supplies", values)


def move(db: sqlite_utils.Database, supply_id: str, kind: str, *, quantity: Any,
         party: str | None, reason: str | None, on_date: Any = None,
         handled_by: str | None = None) -> int:
    """Receive (kind 'in') or issue ('out') a quantity, with from/to whom and why; an issue
    beyond the stock is refused. Returns the stock after."""
    require(db, "duty.edit")
    item = q.get(db, "supplies", supply_id)
    if item is None:
        raise FormError({"supply": "找不到这项物资，请刷新后重新选择。"})
    if kind not in ("in", "out"):
        raise FormError({"kind": "请选择入库或出库。"})
    errors: dict[str, str] = {}
    n = _whole(errors, "quantity", quantity, "数量", low=1, high=MAX_QUANTITY)
    who = collect(errors, require_text, party, "party",
                   "来源（谁送来的）" if kind == "in" else "领用人（发给谁）", max_len=30)
    why = collect(errors, require_text, reason, "reason",
                   "入库原因" if kind == "in" else "用途", max_len=100)
    day = _day(errors, "on_date", on_date, "日期")
    hand = collect(errors, optional_text, handled_by, "handled_by", "经手人", max_len=20)
    if errors:
        raise FormError(errors)
    with transaction(db):
        # Checked inside the write transaction: two issues at once cannot both pass.
        stock = q.stock(db, supply_id)
        if kind == "out" and n > stock:
            raise FormError({"quantity": f"“{item['name']}”库存只有{stock}{item['unit']}，"
                                         f"不能发放{n}{item['unit']}。请减少数量，或先登记入库。"})
        q.insert(db, "supply_moves", {"supply_id": supply_id, "on_date": day, "kind": kind,
                                      "quantity": n, "party": who, "reason": why,
                                      "handled_by": hand or accounts.actor_name(db) or None,
                                      "recorded_by": accounts.actor_name(db)})
        return stock + n if kind == "in" else stock - n


def moves(db: sqlite_utils.Database, supply_id: str) -> list[dict]:
    return q.moves(db, supply_id)


def compound_choices(db: sqlite_utils.Database) -> list[dict]:
    """This community's live compounds (id, name), where a checkpoint may stand."""
    return q.compounds(db)
