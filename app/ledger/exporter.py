"""Ledgers out as .xlsx: the residents ledger, the households ledger, the cases ledger and any
list shown in the window (written by app.ledger.xlsx)."""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import date

import sqlite_utils

from app import community_scope
from app.accounts import audited, masking, require
from app.database import community_info
from app.isolation import ledger as isolation_ledger
from app.ledger.xlsx import Cancelled, ExportColumn, Progress, Row, write_ledger
from app.registry import DWELLING_LABELS, RESIDENCY_LABELS, SEX_LABELS
from app.validation import ID_KIND_LABELS
from db import ledger as q
from db.community_scope import sql_in

# --- the two ledgers ----------------------------------------------------------------------------

def _address_columns() -> list[ExportColumn]:
    return [
        ExportColumn("网格", lambda r: r["grid"]),
        ExportColumn("小区", lambda r: r["compound"]),
        ExportColumn("楼栋", lambda r: r["building"]),
        ExportColumn("单元", lambda r: r["unit"]),
        ExportColumn("门牌号", lambda r: r["door_number"], "code"),
    ]


def _numbered(rows: Iterable[Row]) -> Iterator[Row]:
    for n, r in enumerate(rows, 1):
        r["_n"] = n
        yield r


RESIDENT_COLUMNS = [
    ExportColumn("序号", lambda r: r["_n"], "number"),
    *_address_columns(),
    ExportColumn("姓名", lambda r: r["name"]),
    ExportColumn("性别", lambda r: SEX_LABELS.get(r["sex"] or "")),
    ExportColumn("证件类型", lambda r: ID_KIND_LABELS.get(r["id_kind"], r["id_kind"])),
    ExportColumn("证件号码", lambda r: r["id_number"], "code", width=22),
    ExportColumn("出生日期", lambda r: r["birth_date"], "date", width=12),
    ExportColumn("民族", lambda r: r["ethnicity"]),
    ExportColumn("与户主关系", lambda r: r["relation"]),
    ExportColumn("联系电话", lambda r: r["phone"], "code", width=15),
    ExportColumn("居住类型", lambda r: RESIDENCY_LABELS.get(r["residency"], r["residency"])),
    ExportColumn("政治面貌", lambda r: "中共党员" if r["party"] else None),
    ExportColumn("标签", lambda r: r["tags"]),
    ExportColumn("住户电话", lambda r: r["household_phone"], "code", width=15),
    ExportColumn("居住情况", lambda r: DWELLING_LABELS.get(r["dwelling"], r["dwelling"])),
    ExportColumn("住户标签", lambda r: r["household_tags"]),
    ExportColumn("备注", lambda r: r["note"]),
]


def _head(r: Row, part: int) -> str | None:
    return r["head"].split("\t")[part] or None if r["head"] else None


HOUSEHOLD_COLUMNS = [
    ExportColumn("序号", lambda r: r["_n"], "number"),
    *_address_columns(),
    ExportColumn("户主", lambda r: _head(r, 0)),
    ExportColumn("户主证件号码", lambda r: _head(r, 1), "code", width=22),
    ExportColumn("人数", lambda r: r["members"], "number"),
    ExportColumn("住户电话", lambda r: r["phone"], "code", width=15),
    ExportColumn("居住情况", lambda r: DWELLING_LABELS.get(r["dwelling"], r["dwelling"])),
    ExportColumn("住户标签", lambda r: r["tags"]),
    ExportColumn("备注", lambda r: r["note"]),
]

WHAT = {"residents": "居民", "households": "住户", "cases": "居家隔离人员"}


def with_community_column(db: sqlite_utils.Database, columns: list[ExportColumn]
                          ) -> list[ExportColumn]:
    """At a district, `columns` with a 社区 column after 序号 (rows carry community_id);
    a community's own ledger is unchanged."""
    if not community_scope.is_district(db):
        return columns
    names = community_scope.names(db)
    column = ExportColumn("社区", lambda r: names.get(r["community_id"], ""), width=14)
    at = 1 if columns and columns[0].header == "序号" else 0
    return [*columns[:at], column, *columns[at:]]


def _subtitle(db: sqlite_utils.Database, count: str, today: date,
              communities: Collection[str] | None = None) -> tuple[str, str]:
    info = community_info(db)
    name = info.name if info else ""
    where = " ".join(p for p in (info.district, info.street, info.name) if p) if info else ""
    if community_scope.is_district(db):
        where = f"{where} {community_scope.describe(db, communities)}".strip()
    return name, f"{where}　导出日期：{today:%Y年%m月%d日}　{count}"


@dataclass(frozen=True)
class _Ledger:
    """What tells the three ledgers apart besides their columns and rows."""

    count_sql: str        # {scope} is where the community filter goes
    scope_column: str
    unit: str
    title: str
    sheet: str


LEDGERS = {
    "residents": _Ledger("SELECT count(*) FROM residents r JOIN households h "
                         "ON h.id = r.household_id WHERE r.deleted = 0 AND h.deleted = 0{scope}",
                         "r.community_id", "人", "居民信息台账", "居民台账"),
    "households": _Ledger("SELECT count(*) FROM households WHERE deleted = 0{scope}",
                          "community_id", "户", "住户信息台账", "住户台账"),
    "cases": _Ledger("SELECT count(*) FROM isolation_cases WHERE deleted = 0{scope}",
                     "community_id", "人次", "居家隔离人员台账", "居家隔离台账"),
}


@audited("export")
def export_ledger(db: sqlite_utils.Database, what: str, path: str | os.PathLike[str], *,
                  progress: Progress | None = None, cancelled: Cancelled | None = None,
                  today: date | None = None, communities: Collection[str] | None = None) -> int:
    """Write the residents ledger (`what="residents"`), the households ledger
    (`what="households"`) or the cases ledger (`what="cases"`) of the whole community;
    returns the number of rows. At a district each has a 社区 column and covers the
    `communities` given (community ids; None: all). ID numbers and phones are whole or
    masked as app.accounts.masking says for a ledger."""
    session = require(db, "ledger.export")
    today = today or date.today()
    if what not in LEDGERS:
        raise ValueError(f"unknown ledger {what!r}")
    ledger = LEDGERS[what]
    scope, params = sql_in(ledger.scope_column, communities)
    total = db.conn.execute(ledger.count_sql.format(scope=scope), params).fetchone()[0]
    name, subtitle = _subtitle(db, f"共 {total} {ledger.unit}", today, communities)
    if what == "residents":
        columns, rows = RESIDENT_COLUMNS, _numbered(q.resident_ledger(db, communities))
    elif what == "households":
        columns, rows = HOUSEHOLD_COLUMNS, _numbered(q.household_ledger(db, communities))
    else:
        columns = isolation_ledger.columns(session)
        rows = isolation_ledger.case_rows(db, today, communities)
    columns = masking.masked_columns(session, with_community_column(db, columns),
                                     masking.LEDGER)
    return write_ledger(path, f"{name}{ledger.title}", subtitle, columns, rows, total=total,
                        sheet_name=ledger.sheet, progress=progress, cancelled=cancelled)


@audited("export")
def export_list(db: sqlite_utils.Database, path: str | os.PathLike[str], title: str,
                columns: list[ExportColumn], rows: Iterable[Row], *, total: int = 0,
                progress: Progress | None = None, cancelled: Cancelled | None = None,
                today: date | None = None) -> int:
    """Write a list as the window shows it (its columns, its order) under the community's
    title; `rows` may be a generator that reads the database as it goes. Columns naming an ID
    number or a phone show it as the window's lists do (app.accounts.masking), whatever the
    caller passed."""
    session = require(db, "ledger.export")
    today = today or date.today()
    name, subtitle = _subtitle(db, f"共 {total} 条" if total else "", today)
    columns = masking.masked_columns(session, columns, masking.LIST)
    return write_ledger(path, f"{name} {title}".strip(), subtitle.rstrip("　"), columns, rows,
                        total=total, sheet_name="列表", progress=progress, cancelled=cancelled)
