"""The readiness ledgers as .xlsx: checkpoints (卡口台账: where, registration, the last counted
day and the month's totals of people and vehicles) and supplies (物资台账: stock, where
stored, low stock flagged); at a district with a 社区 column. Written through app.ledger.xlsx."""

from __future__ import annotations

import os
from collections.abc import Collection
from datetime import date, timedelta

import sqlite_utils

from app import readiness
from app.accounts import audited, require
from app.ledger.exporter import _subtitle, with_community_column
from app.ledger.xlsx import ExportColumn, write_ledger

CHECKPOINT_COLUMNS = [
    ExportColumn("序号", lambda r: r["_n"], "number", 6),
    ExportColumn("卡口", lambda r: r["name"], width=22),
    ExportColumn("所在小区", lambda r: r["compound"] or "", width=16),
    ExportColumn("门岗", lambda r: r["gate"] or "", width=8),
    ExportColumn("人员登记", lambda r: "已开启" if r["registration"] else "未开启（只记数量）",
                 width=16),
    ExportColumn("最近登记日", lambda r: r["last_date"] or "未登记", width=12),
    ExportColumn("当日人员(人次)", lambda r: r["last_people"], "number", 12),
    ExportColumn("当日车辆(辆次)", lambda r: r["last_vehicles"], "number", 12),
    ExportColumn("近30天人员(人次)", lambda r: r["_people"], "number", 14),
    ExportColumn("近30天车辆(辆次)", lambda r: r["_vehicles"], "number", 14),
    ExportColumn("备注", lambda r: r["note"] or "", "wrap", 20),
]

SUPPLY_COLUMNS = [
    ExportColumn("序号", lambda r: r["_n"], "number", 6),
    ExportColumn("物资名称", lambda r: r["name"], width=20),
    ExportColumn("单位", lambda r: r["unit"], width=6),
    ExportColumn("库存", lambda r: r["stock"], "number", 8),
    ExportColumn("预警数量", lambda r: r["low_level"], "number", 8),
    ExportColumn("库存提示", lambda r: "库存不足" if r["low"] else "", width=10),
    ExportColumn("存放地点", lambda r: r["stored_at"], width=20),
    ExportColumn("备注", lambda r: r["note"], "wrap", 20),
]


@audited("export")
def export_checkpoints(db: sqlite_utils.Database, path: str | os.PathLike[str], *,
                       communities: Collection[str] | None = None,
                       today: date | None = None) -> int:
    """Every live checkpoint with the last 30 days' totals; returns the number of rows."""
    require(db, "ledger.export")
    day = today or date.today()
    since = (day - timedelta(days=29)).isoformat()
    rows = []
    for n, r in enumerate(readiness.checkpoints(db, communities), 1):
        days = [c for c in readiness.counts(db, r["id"], 30) if c["on_date"] >= since]
        rows.append(r | {"_n": n, "_people": sum(c["people"] for c in days),
                         "_vehicles": sum(c["vehicles"] for c in days)})
    name, subtitle = _subtitle(db, f"共 {len(rows)} 个卡口", day, communities)
    return write_ledger(path, f"{name}卡口台账", subtitle,
                        with_community_column(db, CHECKPOINT_COLUMNS), rows, total=len(rows),
                        sheet_name="卡口台账")


@audited("export")
def export_supplies(db: sqlite_utils.Database, path: str | os.PathLike[str], *,
                    communities: Collection[str] | None = None,
                    today: date | None = None) -> int:
    """Every supply item with its stock (low stock flagged); returns the number of rows."""
    require(db, "ledger.export")
    items = readiness.supplies(db, communities)
    rows = [{"_n": n, "id": s.id, "community_id": s.community_id, "name": s.name,
             "unit": s.unit, "stock": s.stock, "low_level": s.low_level, "low": s.low,
             "stored_at": s.stored_at, "note": s.note} for n, s in enumerate(items, 1)]
    low = sum(1 for s in items if s.low)
    name, subtitle = _subtitle(db, f"共 {len(rows)} 项，库存不足 {low} 项",
                               today or date.today(), communities)
    return write_ledger(path, f"{name}物资台账", subtitle,
                        with_community_column(db, SUPPLY_COLUMNS), rows, total=len(rows),
                        sheet_name="物资台账")
