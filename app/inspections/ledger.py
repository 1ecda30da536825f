"""The inspections ledger (检查台账) and the problems ledger (问题整改台账) as .xlsx, newest
first; at a district with a 社区 column (a supervision round: the inspected community)."""

from __future__ import annotations

import os
from collections.abc import Collection, Iterator
from datetime import date
from typing import Any

import sqlite_utils

from app import community_scope, inspections
from app.accounts import audited, masking, require
from app.ledger.exporter import _subtitle
from app.ledger.xlsx import Cancelled, ExportColumn, Progress, write_ledger
from db import inspections as q


def _community_column(db: sqlite_utils.Database, columns: list[ExportColumn]
                      ) -> list[ExportColumn]:
    if not community_scope.is_district(db):
        return columns
    names = community_scope.names(db)

    def which(r: dict[str, Any]) -> str:
        owner = r.get("inspection_owner", r["community_id"])
        if r["subject_kind"] == "community":
            return names.get(r["subject_id"], "")
        return names.get(owner, "")
    return [columns[0], ExportColumn("社区", which, width=14), *columns[1:]]


INSPECTION_COLUMNS = [
    ExportColumn("序号", lambda r: r["_n"], "number", width=6),
    ExportColumn("检查日期", lambda r: r["inspected_on"], "date", width=12),
    ExportColumn("类别", lambda r: inspections.PURPOSE_LABELS.get(r["purpose"], ""), width=10),
    ExportColumn("对象", lambda r: inspections.SUBJECT_LABELS.get(r["subject_kind"], ""),
                 width=6),
    ExportColumn("名称", lambda r: r["subject_name"], width=22),
    ExportColumn("检查表", lambda r: r["template_name"], width=16),
    ExportColumn("检查人", lambda r: r["inspectors"], width=16),
    ExportColumn("结果", lambda r: inspections.OUTCOME_LABELS.get(r["outcome"], ""), width=10),
    ExportColumn("发现问题", lambda r: r["problems"], "number", width=8),
    ExportColumn("未销号", lambda r: r["open_problems"], "number", width=8),
    ExportColumn("备注", lambda r: r["note"] or "", "wrap", width=20),
]


def _last(r: dict[str, Any]) -> str:
    if not r.get("last_correction"):
        return ""
    day, _, note = r["last_correction"].partition("|")
    return f"{day} {note}"


PROBLEM_COLUMNS = [
    ExportColumn("序号", lambda r: r["_n"], "number", width=6),
    ExportColumn("检查日期", lambda r: r["inspected_on"], "date", width=12),
    ExportColumn("对象", lambda r: r["subject_name"], width=20),
    ExportColumn("问题", lambda r: r["description"], "wrap", width=30),
    ExportColumn("整改期限", lambda r: r["due_on"], "date", width=12),
    ExportColumn("责任人", lambda r: r["responsible"], width=10),
    ExportColumn("整改情况", _last, "wrap", width=26),
    ExportColumn("复查销号", lambda r: r["closed_on"] or "", "date", width=12),
    ExportColumn("状态", lambda r: r["_state"], width=12),
]


def _rows(fetch, ids: list[str], extra=None) -> Iterator[dict[str, Any]]:
    for start in range(0, len(ids), 500):
        for n, r in enumerate(fetch(ids[start:start + 500]), start + 1):
            r["_n"] = n
            if extra:
                extra(r)
            yield r


@audited("export")
def export_inspections(db: sqlite_utils.Database, path: str | os.PathLike[str], *,
                       communities: Collection[str] | None = None,
                       progress: Progress | None = None, cancelled: Cancelled | None = None,
                       today: date | None = None) -> int:
    session = require(db, "ledger.export")
    ids = inspections.inspection_ids(db, communities=communities)
    name, subtitle = _subtitle(db, f"共 {len(ids)} 次", today or date.today(), communities)
    columns = masking.masked_columns(session, _community_column(db, INSPECTION_COLUMNS),
                                     masking.LEDGER)
    return write_ledger(path, f"{name}检查台账", subtitle, columns,
                        _rows(lambda part: q.inspections_by_ids(db, part), ids),
                        total=len(ids), sheet_name="检查台账", progress=progress,
                        cancelled=cancelled)


@audited("export")
def export_problems(db: sqlite_utils.Database, path: str | os.PathLike[str], *,
                    communities: Collection[str] | None = None,
                    progress: Progress | None = None, cancelled: Cancelled | None = None,
                    today: date | None = None) -> int:
    session = require(db, "ledger.export")
    ids = inspections.problem_ids(db, communities=communities)
    day = inspections.today_text()

    def state(r: dict[str, Any]) -> None:
        r["_state"] = inspections.problem_state(r, day)

    name, subtitle = _subtitle(db, f"共 {len(ids)} 个问题", today or date.today(), communities)
    columns = masking.masked_columns(session, _community_column(db, PROBLEM_COLUMNS),
                                     masking.LEDGER)
    return write_ledger(path, f"{name}问题整改台账", subtitle, columns,
                        _rows(lambda part: q.problems_by_ids(db, part), ids, state),
                        total=len(ids), sheet_name="问题整改台账", progress=progress,
                        cancelled=cancelled)
