"""The key-person result ledger (重点人员核查结果台账): one row per person with the list's
fields, the community, the result, the measure, who and when; at the district every person
(those waiting for assignment too), at a community its own part. Written as .xlsx."""

from __future__ import annotations

import os
from datetime import date
from typing import Any

import sqlite_utils

from app import accounts, keypersons
from app.accounts import masking
from app.errors import FormError
from app.ledger.xlsx import ExportColumn, write_ledger
from db import keypersons as q
from db.keypersons import UNASSIGNED


def _community(names: dict[str, str]):
    def value(r: dict[str, Any]) -> str:
        if r["community_id"] == UNASSIGNED:
            return "待分配" + (f"（可能：{r['candidates']}）" if r["candidates"] else "")
        return names.get(r["community_id"], "")
    return value


def _state(r: dict[str, Any], names: dict[str, str]) -> str:
    if r["state"] == "moved":
        return f"已转{r['moved_to_name'] or '其他社区'}"
    if r["list_status"] == "withdrawn":
        return keypersons.WITHDRAWN
    return "已核实" if r["result"] else "待核实"


def columns(names: dict[str, str]) -> list[ExportColumn]:
    return [
        ExportColumn("名单", lambda r: r["title"], "wrap", 24),
        ExportColumn("原行号", lambda r: r["source_rows"]),
        ExportColumn("姓名", lambda r: r["name"]),
        ExportColumn("证件号码", lambda r: r["id_number"], "code"),
        ExportColumn("联系电话", lambda r: r["phone"], "code"),
        ExportColumn("住址", lambda r: r["address"], "wrap", 24),
        ExportColumn("类别", lambda r: r["category"]),
        ExportColumn("名单备注", lambda r: r["list_note"], "wrap"),
        ExportColumn("社区", _community(names)),
        ExportColumn("匹配依据", lambda r: keypersons.MATCH_LABELS.get(r["matched_by"], "")),
        ExportColumn("状态", lambda r: _state(r, names)),
        ExportColumn("核查结果", keypersons.result_text, "wrap", 20),
        ExportColumn("措施", lambda r: keypersons.MEASURE_LABELS.get(r["measure"] or "", "")),
        ExportColumn("核查备注", lambda r: r["result_note"], "wrap"),
        ExportColumn("核查人", lambda r: r["recorded_by"]),
        ExportColumn("核查时间", lambda r: r["recorded_at"]),
        ExportColumn("截止时间", lambda r: r["due_at"]),
    ]


def export(db: sqlite_utils.Database, path: str | os.PathLike[str], *,
           list_title: str | None = None, communities: set[str] | None = None,
           today: date | None = None) -> int:
    """Write the result ledger; returns the rows written. `list_title` keeps one list;
    `communities` (at the district) the filter's communities. Personal numbers as the
    masking policy says for ledgers."""
    session = accounts.require(db, "ledger.export")
    list_id = None
    if list_title:
        found = q.list_by_title(db, list_title)
        if found is None:
            titles = "、".join(f"“{r['title']}”" for r in q.lists(db)[:10]) or "（还没有名单）"
            raise FormError({"list": f"没有名为“{list_title}”的名单。现有名单：{titles}"})
        list_id = found["id"]
    owners = communities if keypersons.is_district(db) else [keypersons.own_owner(db)]
    rows = q.ledger_rows(db, owners, list_id)
    names = q.community_ids(db)
    today = today or date.today()
    where = "区里汇总" if keypersons.is_district(db) else names.get(
        keypersons.own_owner(db), "")
    cols = masking.masked_columns(session, columns(names), masking.LEDGER)
    which = f"（{list_title}）" if list_title else ""
    written = write_ledger(path, f"重点人员核查结果台账{which}",
                           f"{where}　导出日期：{today.isoformat()}　共 {len(rows)} 人",
                           cols, rows, total=len(rows), sheet_name="核查结果")
    accounts.record(db, "export", tbl="keypersons", what="keyperson_ledger",
                    rows=written, file=os.fspath(path))
    return written
