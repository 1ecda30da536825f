"""居家隔离人员台账: every case (open first, then the closed ones, newest first) as an .xlsx
with the person, the place, the period, the status, the trio, the last temperature and the
tests — the list a community reports upward each day."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import date
from typing import Any

import sqlite_utils

from app import accounts, community_scope, isolation
from app.accounts import masking
from app.ledger.xlsx import ExportColumn as C
from app.registry import SEX_LABELS
from db import isolation as q

Row = dict[str, Any]


def _days(r: Row, today: date) -> int | None:
    start = date.fromisoformat(r["started_on"])
    if r["status"] == "planned" or start > today:
        return None
    last = r["released_on"] or (r["status_on"] if r["status"] in ("transferred", "cancelled")
                                else None)
    end = date.fromisoformat(last) if last else today
    return max(0, (end - start).days + (0 if last else 1))


def case_rows(db: sqlite_utils.Database, today: date,
              communities: Collection[str] | None = None) -> Iterator[Row]:
    """Cases with their tests and last temperature, open ones first, in ledger order (at a
    district: of the given community ids, None for all, community by community)."""
    order = {"active": 0, "planned": 1, "released": 2, "transferred": 3, "cancelled": 4}
    codes = {c.id: c.code for c in community_scope.communities(db)}
    rows = sorted(q.cases(db, None, None, limit=1_000_000, communities=communities),
                  key=lambda r: (codes.get(r["community_id"], ""), order[r["status"]],
                                 r["address"] or "", r["name"]))
    ids = [r["id"] for r in rows]
    tests: dict[str, list[Row]] = {}
    last_temp: dict[str, float] = {}
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        for t in q.tests(db, chunk):
            tests.setdefault(t["case_id"], []).append(t)
        for x in q.checks(db, chunk):
            if x["temperature"] is not None:
                last_temp[x["case_id"]] = x["temperature"]
    for n, r in enumerate(rows, 1):
        yield {**r, "_n": n, "_days": _days(r, today), "_temp": last_temp.get(r["id"]),
               "_tests": "；".join(f"{isolation.short_date(t['test_on'])}"
                                  f"{isolation.TEST_LABELS[t['result']]}"
                                  for t in tests.get(r["id"], []))}


def columns(session: accounts.Session | None) -> list:
    """The ledger's columns. A ledger is for reporting: ID numbers and phones are whole for a
    role that may reveal them, masked for one that may not (the district's), as
    app.accounts.masking says for every ledger."""
    return masking.masked_columns(session, [
        C("序号", lambda r: r["_n"], "number"),
        C("姓名", lambda r: r["name"]),
        C("性别", lambda r: SEX_LABELS.get(r["sex"] or "")),
        C("证件号码", lambda r: r["id_number"], "code", width=22),
        C("联系电话", lambda r: r["phone"] or r["resident_phone"], "code", width=15),
        C("住址", lambda r: r["address"]),
        C("管控类型", lambda r: isolation.KIND_LABELS[r["kind"]]),
        C("原因", lambda r: r["reason"]),
        C("来源地", lambda r: r["origin"]),
        C("抵达日期", lambda r: r["arrived_on"], "date", width=12),
        C("开始日期", lambda r: r["started_on"], "date", width=12),
        C("预计解除日期", lambda r: r["planned_end"], "date", width=12),
        C("已管控天数", lambda r: r["_days"], "number"),
        C("状态", lambda r: isolation.STATUS_LABELS[r["status"]]),
        C("解除日期", lambda r: r["released_on"], "date", width=12),
        C("转往", lambda r: r["transfer_to"]),
        C("门禁措施", lambda r: isolation.DOOR_LABELS[r["door_measure"]]),
        C("网格员", lambda r: r["grid_worker"]),
        C("片警", lambda r: r["police"]),
        C("片医", lambda r: r["doctor"]),
        C("最近体温", lambda r: None if r["_temp"] is None else f"{r['_temp']:.1f}"),
        C("核酸检测", lambda r: r["_tests"], "wrap", width=30),
        C("备注", lambda r: r["note"] or r["status_reason"]),
    ], masking.LEDGER)
