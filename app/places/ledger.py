"""The places ledger (场所台账): imported through the resident ledger's machinery (the same
reader for every file kind, the header found by its words, a column mapping, a dry run that
lists every problem row and why, good rows written in one transaction) and exported as .xlsx.
A row whose licence number (or name and address) is registered already updates that place
(only the fields that differ, each change logged) instead of registering it twice."""

from __future__ import annotations

import os
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import sqlite_utils

from app import accounts, places
from app.accounts import audited, masking, require
from app.errors import FormError
from app.ledger.exporter import _subtitle, with_community_column
from app.ledger.reader import (
    Field,
    Ledger,
    cell_text,
    code_text,
    column_letter,
    read_ledger,
    vocabulary,
)
from app.ledger.xlsx import Cancelled, ExportColumn, Progress, write_ledger
from db import places as q
from db.node import transaction

Mapping = dict[int, str]   # column index → field code

FIELDS: tuple[Field, ...] = (
    Field("name", "场所名称", ("场所名称", "名称", "店名", "门店名称", "单位名称", "商户名称",
                              "店铺名称", "企业名称")),
    Field("kind", "场所类型", ("场所类型", "类型", "类别", "行业类别", "经营类别", "业态")),
    Field("compound", "所在小区", ("所在小区", "小区", "楼院", "小区名称")),
    Field("address", "地址", ("地址", "经营地址", "详细地址", "门牌", "门牌号", "街道门牌",
                              "场所地址")),
    Field("manager", "负责人", ("负责人", "经营者", "业主", "法人", "法定代表人", "店主",
                               "负责人姓名")),
    Field("phone", "联系电话", ("联系电话", "电话", "手机", "手机号", "联系方式",
                               "负责人电话")),
    Field("employees", "从业人数", ("从业人数", "从业人员", "员工人数", "职工人数", "人数")),
    Field("licence_no", "营业执照号", ("营业执照号", "营业执照号码", "统一社会信用代码",
                                     "执照号", "信用代码", "许可证号")),
    Field("status", "状态", ("状态", "营业状态", "经营状态")),
    Field("note", "备注", ("备注", "说明")),
)
FIELD_BY_CODE = {f.code: f for f in FIELDS}


def read(path: str | os.PathLike[str], *, sheet: str | None = None,
         progress: Progress | None = None, cancelled: Cancelled | None = None) -> Ledger:
    """The file read as the resident ledger is, its header found by the places' words."""
    with vocabulary(FIELDS):
        return read_ledger(path, sheet=sheet, progress=progress, cancelled=cancelled)


def guess_mapping(ledger: Ledger) -> Mapping:
    """Column → field from the header words; a field goes to its first column only."""
    mapping: Mapping = {}
    taken: set[str] = set()
    for col in ledger.columns:
        if col.guess and col.guess in FIELD_BY_CODE and col.guess not in taken:
            mapping[col.index] = col.guess
            taken.add(col.guess)
    return mapping


def check_mapping(mapping: Mapping) -> None:
    chosen = set(mapping.values())
    missing = [FIELD_BY_CODE[c].label for c in ("name", "kind") if c not in chosen]
    if "address" not in chosen and "compound" not in chosen:
        missing.append("地址（或所在小区）")
    if missing:
        raise FormError({"mapping": f"请为这些内容指定表格中的列：{'、'.join(missing)}。"})


@dataclass
class Problem:
    row: int
    name: str
    messages: list[str]


@dataclass
class Plan:
    """What an import would do (dry run) or did (`applied`)."""

    new: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    updates: list[tuple[int, str, dict[str, Any]]] = field(default_factory=list)
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    applied: bool = False

    def summary_lines(self) -> list[str]:
        done = "已" if self.applied else "将"
        return [f"{done}新登记场所 {len(self.new)} 个，{done}更新 {len(self.updates)} 个，"
                f"无变化 {self.unchanged} 个，有问题的行 {len(self.problems)} 行（不导入）。"]


_LABELS = {"name": "场所名称", "kind": "场所类型", "address": "地址", "phone": "联系电话",
           "employees": "从业人数", "status": "状态"}


def plan_import(db: sqlite_utils.Database, ledger: Ledger, mapping: Mapping) -> Plan:
    """The dry run: every row checked as a typed place is (app.places.check); a row already
    registered (same licence number, or same name and address) becomes an update."""
    check_mapping(mapping)
    compounds = {name: cid for cid, name in places.compounds(db)}
    held = q.places_by_ids(db, q.place_ids(db))
    by_licence = {r["licence_no"]: r for r in held if r["licence_no"]}
    by_name = {(r["name"], r["street_address"] or "", r["compound_id"]): r for r in held}
    plan = Plan()
    seen: set[str] = set()
    for number in range(ledger.first_data_row, len(ledger.rows) + 1):
        cells = ledger.rows[number - 1]
        raw = {code: (code_text(cells[i]) if code in ("phone", "licence_no")
                      else cell_text(cells[i])) if i < len(cells) else ""
               for i, code in mapping.items()}
        if not any(str(v).strip() for v in raw.values()):
            continue   # a spacer row
        if any(w in (raw.get("name") or "") for w in ("合计", "总计", "小计")):
            continue
        compound_text = (raw.get("compound") or "").strip()
        compound_id = compounds.get(compound_text)
        messages = []
        if compound_text and compound_id is None:
            messages.append(f"所在小区“{compound_text}”不在本社区的登记中，请核对小区名称")
        data = places.PlaceInput(
            name=raw.get("name", ""), kind=raw.get("kind", ""), compound_id=compound_id,
            street_address=raw.get("address", ""), manager=raw.get("manager", ""),
            phone=raw.get("phone", ""), employees=raw.get("employees") or None,
            licence_no=raw.get("licence_no", ""), status=raw.get("status") or "营业",
            note=raw.get("note", ""))
        try:
            values = places.check(db, data)
        except FormError as exc:
            messages += [m.rstrip("。") for m in exc.errors.values()]
            values = {}
        key = values.get("licence_no") or (values.get("name"), values.get("street_address"))
        if values and str(key) in seen:
            messages.append("与前面的行重复（同一营业执照号或同名同地址）")
        if messages:
            plan.problems.append(Problem(number, raw.get("name", ""), messages))
            continue
        seen.add(str(key))
        match = (by_licence.get(values["licence_no"]) if values["licence_no"] else None) or \
            by_name.get((values["name"], values["street_address"] or "", values["compound_id"]))
        if match is None:
            plan.new.append((number, values))
            continue
        changed = {k: v for k, v in values.items()
                   if v not in (None, "") and match.get(k) != v}
        if changed:
            plan.updates.append((number, match["id"], changed))
        else:
            plan.unchanged += 1
    return plan


@audited("import")
def import_places(db: sqlite_utils.Database, ledger: Ledger, mapping: Mapping) -> Plan:
    """The good rows in one transaction (nothing of a failed import is kept)."""
    accounts.require(db, "ledger.import")
    accounts.require(db, "places.edit")
    plan = plan_import(db, ledger, mapping)
    with transaction(db):
        for _row, values in plan.new:
            q.insert(db, "places", values)
        for _row, place_id, changed in plan.updates:
            q.update(db, "places", place_id, changed)
    plan.applied = True
    return plan


def write_problems(path: str | os.PathLike[str], ledger: Ledger, plan: Plan) -> int:
    """The problem rows as they are in the file, with a 问题 column first, to fix and import
    again (the reader skips the 问题 and 原行号 columns)."""
    width = max((len(r) for r in ledger.rows), default=0)
    header = ledger.rows[ledger.header_rows[-1] - 1] if ledger.header_rows else []
    columns = [ExportColumn("问题", lambda r: r["_problem"], "wrap", width=50),
               ExportColumn("原行号", lambda r: r["_row"], "number", width=8)]
    for i in range(width):
        label = cell_text(header[i]) if i < len(header) else column_letter(i)
        columns.append(ExportColumn(label or column_letter(i),
                                    lambda r, i=i: code_text(r["_cells"][i])
                                    if i < len(r["_cells"]) else "", "code"))
    rows = [{"_problem": "；".join(p.messages), "_row": p.row,
             "_cells": ledger.rows[p.row - 1]} for p in plan.problems]
    return write_ledger(path, f"{ledger.title or Path(ledger.path).stem}（问题行）",
                        f"共 {len(rows)} 行。请按“问题”列修改后保存，再导入这个文件。",
                        columns, rows, total=len(rows), sheet_name="问题行")


# --- export -----------------------------------------------------------------------------------

COLUMNS = [
    ExportColumn("序号", lambda r: r["_n"], "number", width=6),
    ExportColumn("场所名称", lambda r: r["name"], width=22),
    ExportColumn("场所类型", lambda r: r["kind"], width=14),
    ExportColumn("九小场所", lambda r: "是" if r["small_place"] else "", width=8),
    ExportColumn("所在小区", lambda r: r["compound_name"] or "", width=14),
    ExportColumn("地址", lambda r: r["street_address"] or "", width=20),
    ExportColumn("网格", lambda r: r["grid_name"] or "", width=10),
    ExportColumn("负责人", lambda r: r["manager"] or "", width=10),
    ExportColumn("联系电话", lambda r: r["phone"] or "", "code", width=14),
    ExportColumn("从业人数", lambda r: r["employees"], "number", width=8),
    ExportColumn("营业执照号", lambda r: r["licence_no"] or "", "code", width=22),
    ExportColumn("状态", lambda r: places.STATUS_LABELS.get(r["status"], r["status"]), width=8),
    ExportColumn("备注", lambda r: r["note"] or "", "wrap", width=20),
]


@audited("export")
def export_places(db: sqlite_utils.Database, path: str | os.PathLike[str], *,
                  communities: Collection[str] | None = None,
                  progress: Progress | None = None, cancelled: Cancelled | None = None,
                  today: date | None = None) -> int:
    """Every live place, by name (at a district: of the `communities` given, 社区 column)."""
    session = require(db, "ledger.export")
    ids = q.place_ids(db, communities=communities)

    def rows():
        for start in range(0, len(ids), 500):
            for n, r in enumerate(q.places_by_ids(db, ids[start:start + 500]), start + 1):
                r["_n"] = n
                yield r

    name, subtitle = _subtitle(db, f"共 {len(ids)} 个", today or date.today(), communities)
    columns = masking.masked_columns(session, with_community_column(db, COLUMNS),
                                     masking.LEDGER)
    return write_ledger(path, f"{name}场所台账", subtitle, columns, rows(), total=len(ids),
                        sheet_name="场所台账", progress=progress, cancelled=cancelled)
