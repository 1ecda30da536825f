"""The daily report (日报): each community's figures of a day assembled from its data (never
typed), confirmed by the office (a stored row with who and when; a correction is a new row
that keeps the one it replaces), travelling up in the next bundle; at the district, a table
of a day with every community's standing report, missing ones flagged and sums by street."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlite_utils

from app import accounts, isolation, sweeps
from app import district as district_levels
from app.errors import FormError
from db import isolation as iq
from db import reports as q
from db.node import get_meta, transaction

# Every figure, in the order a report shows it.
FIGURES: tuple[tuple[str, str], ...] = (
    ("active_isolation", "居家隔离在管"), ("active_monitoring", "居家健康监测在管"),
    ("new_cases", "今日新增管控"), ("released", "今日解除"),
    ("checks_done", "今日已完成健康监测（人次）"), ("checks_overdue", "健康监测超时未做"),
    ("fevers", "发热等异常"), ("kp_received", "重点人员接收"),
    ("kp_verified", "重点人员已核查"), ("kp_overdue", "重点人员逾期未核查"),
    ("sweep_households", "入户排查应排查户数"), ("sweep_visited", "入户排查已排查户数"),
    ("returnees", "排查发现外地返回人员"),
)
SHORT_LABELS = {"active_isolation": "居家隔离", "active_monitoring": "健康监测",
                "new_cases": "新增", "released": "解除", "checks_done": "监测完成",
                "checks_overdue": "监测超时", "fevers": "发热异常", "kp_received": "重点人员",
                "kp_verified": "已核查", "kp_overdue": "逾期", "sweep_households": "排查应排",
                "sweep_visited": "已排查", "returnees": "返回人员"}
KEYS = tuple(k for k, _label in FIGURES)
MISSING = "未报"


@dataclass(frozen=True)
class Report:
    """A community's figures for a day: assembled now, or as confirmed and stored."""

    community_id: str
    day: date
    figures: dict[str, int]
    origins: list[tuple[str, int]]
    id: str | None = None                # None: assembled, not confirmed
    confirmed_by: str = ""
    confirmed_at: str = ""
    replaces: str | None = None
    reason: str = ""
    suspect: bool = False                # a stored figure was not a count: shown, flagged

    @property
    def confirmed(self) -> bool:
        return self.id is not None


def _today(now: datetime | None) -> date:
    return (now or datetime.now()).date()


def _check_day(day: Any, now: datetime | None) -> date:
    if isinstance(day, datetime):
        day = day.date()
    if day is None:
        return _today(now)
    if isinstance(day, str):
        try:
            day = date.fromisoformat(day.strip())
        except ValueError:
            raise FormError({"day": f"日期“{day}”看不懂，请写成 2026-12-05 这样。"}) from None
    if day > _today(now):
        raise FormError({"day": f"不能为以后的日期（{day.isoformat()}）生成或上报日报："
                                "请选择今天或以前的日期。"})
    return day


def _keyperson_figures(db: sqlite_utils.Database, day: date,
                       community_id: str | None) -> dict[str, int]:
    # The key-person lists are another feature's (app.keypersons): its figures are taken as
    # it gives them; before that feature exists in this build, there are none to report.
    try:
        from app import keypersons
    except ImportError:
        return {"received": 0, "verified": 0, "overdue": 0}
    figures = keypersons.daily_figures(db, day, community_id=community_id)
    return {k: int(figures.get(k, 0)) for k in ("received", "verified", "overdue")}


def _past_isolation(db: sqlite_utils.Database, iso: str
                    ) -> tuple[dict[str, int], int, int, int]:
    """A past day's cases under management by kind, checks done and missed (two a day for
    each case managed that day) and flagged readings, exact from the cases' dates and the
    checks' days: a case released since still counts on the days it was managed."""
    cases = dict(q.cases_active_on(db, iso))
    active = {"home_isolation": 0, "home_monitoring": 0}
    for kind in cases.values():
        active[kind] = active.get(kind, 0) + 1
    done = fevers = 0
    for case_id, _slot, flagged in q.checks_on(db, iso):
        if case_id in cases:
            done += 1
            fevers += flagged or 0
    return active, done, 2 * len(cases) - done, fevers


def assemble(db: sqlite_utils.Database, day: Any = None, *,
             now: datetime | None = None) -> Report:
    """This community's figures for `day` (today by default) from its data: the isolation
    board's counts, the day's cases, checks and fevers, the key-person figures, sweep
    progress and returnees by origin. A day in the future is refused."""
    accounts.require(db, "cases.view")
    if accounts.at_district(db):
        raise FormError({"day": "区里不单独填日报：请在“日报”页查看各社区上报的日报汇总。"})
    day = _check_day(day, now)
    now = now or datetime.now()
    iso = day.isoformat()
    if day == now.date():
        # Today: the live board (which checks are due now, which already overdue).
        board = isolation.board(db, now)
        counts = board.counts()
        active = {"home_isolation": counts["home_isolation"],
                  "home_monitoring": counts["home_monitoring"]}
        done = sum((c.am == "done") + (c.pm == "done") for c in board.cases)
        overdue = sum((c.am == "overdue") + (c.pm == "overdue") for c in board.cases)
        fevers = sum(1 for x in iq.checks(db, [c.id for c in board.cases])
                     if x["check_on"] == iso and x["flagged"])
    else:
        active, done, overdue, fevers = _past_isolation(db, iso)
    new = released = 0
    for _kind, status, started, released_on, _status_on in iq.case_spans(db, iso):
        new += started == iso
        released += status == "released" and released_on == iso
    community_id = get_meta(db, "community_id") or ""
    kp = _keyperson_figures(db, day, None)
    sw = sweeps.daily_figures(db, day)
    figures = {
        "active_isolation": active["home_isolation"],
        "active_monitoring": active["home_monitoring"],
        "new_cases": new, "released": released, "checks_done": done,
        "checks_overdue": overdue, "fevers": fevers,
        "kp_received": kp["received"], "kp_verified": kp["verified"],
        "kp_overdue": kp["overdue"],
        "sweep_households": sw["households"], "sweep_visited": sw["visited"],
        "returnees": sw["returnees"]}
    return Report(community_id, day, figures, list(sw["origins"]))


def _from_row(row: dict[str, Any]) -> Report:
    """A stored report, read defensively: it may have come from another office's bundle."""
    suspect = False
    figures: dict[str, int] = {}
    for key in KEYS:
        value = row.get(key)
        if type(value) is not int or value < 0:
            suspect = True
            value = 0
        figures[key] = value
    origins: list[tuple[str, int]] = []
    try:
        data = json.loads(row.get("returnee_origins") or "{}")
    except ValueError:
        data, suspect = {}, True
    if isinstance(data, dict):
        for origin, n in data.items():
            if isinstance(origin, str) and type(n) is int and n >= 0:
                origins.append((origin[:40], n))
            else:
                suspect = True
    else:
        suspect = True
    return Report(row["community_id"], date.fromisoformat(row["report_on"]), figures, origins,
                  row["id"], row["confirmed_by"] or "", row["confirmed_at"] or "",
                  row.get("replaces"), row.get("reason") or "", suspect)


def standing(db: sqlite_utils.Database, day: Any = None, community_id: str | None = None
             ) -> Report | None:
    """The confirmed report standing for this community (or `community_id`) and day."""
    accounts.require(db, "cases.view")
    day = _check_day(day, None) if not isinstance(day, date) else day
    row = q.standing_one(db, day.isoformat(), community_id or get_meta(db, "community_id") or "")
    return _from_row(row) if row else None


def versions(db: sqlite_utils.Database, day: date, community_id: str | None = None
             ) -> list[Report]:
    """Every confirmed report of a community and day, latest first."""
    accounts.require(db, "cases.view")
    return [_from_row(r) for r in q.versions(
        db, day.isoformat(), community_id or get_meta(db, "community_id") or "")]


def confirm(db: sqlite_utils.Database, day: Any = None, *, reason: str | None = None,
            now: datetime | None = None) -> Report:
    """Confirm this community's report of `day` as assembled now: stored with who and when,
    to go up in the next bundle. A day already confirmed is corrected only with a reason,
    and the earlier report is kept (the new one names it)."""
    session = accounts.require(db, "reports.confirm")
    now = now or datetime.now()
    report = assemble(db, day, now=now)
    before = standing(db, report.day)
    reason = (reason or "").strip()
    if before is not None:
        if before.figures == report.figures and before.origins == report.origins:
            raise FormError({"day": f"{report.day.isoformat()}的日报已于"
                                    f"{before.confirmed_at[:16].replace('T', ' ')}由"
                                    f"{before.confirmed_by}确认上报，数字没有变化，不用重复确认。"})
        if not reason:
            raise FormError({"reason": f"{report.day.isoformat()}的日报已于"
                                       f"{before.confirmed_at[:16].replace('T', ' ')}由"
                                       f"{before.confirmed_by}确认上报。重新确认会更正它"
                                       "（原来的保留），请写明更正原因。"})
    by = (session.display_name or session.username) if session.username else "社区"
    values = {**report.figures, "report_on": report.day.isoformat(),
              "returnee_origins": json.dumps(dict(report.origins), ensure_ascii=False),
              "confirmed_by": by, "confirmed_at": now.isoformat(timespec="seconds"),
              "replaces": before.id if before else None, "reason": reason or None}
    with transaction(db):
        row_id = q.insert(db, report.community_id, values)
    return Report(report.community_id, report.day, report.figures, report.origins, row_id, by,
                  values["confirmed_at"], values["replaces"], reason)


# --- the district's table of a day ------------------------------------------------------------

@dataclass(frozen=True)
class CommunityLine:
    community_id: str
    name: str
    report: Report | None             # None: 未报

    @property
    def missing(self) -> bool:
        return self.report is None


@dataclass(frozen=True)
class StreetGroup:
    street: str
    lines: list[CommunityLine]
    sums: dict[str, int]

    @property
    def missing(self) -> int:
        return sum(line.missing for line in self.lines)


@dataclass(frozen=True)
class DayTable:
    day: date
    streets: list[StreetGroup]
    sums: dict[str, int]
    origins: list[tuple[str, int]] = field(default_factory=list)
    # False when it covers part of the district (a filter, or a 街道 account's street): its
    # sums are then not the district's, and are not labelled 全区.
    whole: bool = True

    @property
    def communities(self) -> int:
        return sum(len(s.lines) for s in self.streets)

    @property
    def missing(self) -> int:
        return sum(s.missing for s in self.streets)


def _sum(reports: list[Report]) -> dict[str, int]:
    return {k: sum(r.figures[k] for r in reports) for k in KEYS}


def district_table(db: sqlite_utils.Database, day: Any = None,
                   community_ids: set[str] | None = None) -> DayTable:
    """At the district: every community's standing report for `day`, grouped by street with
    sums (a community with none is 未报), and the district's sums and returnees by origin."""
    accounts.require(db, "cases.view")
    day = _check_day(day, None)
    rows = {r["community_id"]: _from_row(r)
            for r in q.standing(db, day.isoformat(), community_ids)}
    groups: list[StreetGroup] = []
    by_street: dict[str, list[CommunityLine]] = {}
    for c in district_levels.communities(db):
        if community_ids is not None and c["id"] not in community_ids:
            continue
        street = c["street_name"] or district_levels.UNASSIGNED
        by_street.setdefault(street, []).append(
            CommunityLine(c["id"], c["name"], rows.get(c["id"])))
    all_reports: list[Report] = []
    for street, lines in by_street.items():
        reports = [line.report for line in lines if line.report is not None]
        all_reports.extend(reports)
        groups.append(StreetGroup(street, lines, _sum(reports)))
    origins: dict[str, int] = {}
    for r in all_reports:
        for origin, n in r.origins:
            origins[origin] = origins.get(origin, 0) + n
    session = accounts.current(db)
    whole = community_ids is None and (session is None or session.communities is None)
    return DayTable(day, groups, _sum(all_reports),
                    sorted(origins.items(), key=lambda kv: (-kv[1], kv[0])), whole)


def report_days(db: sqlite_utils.Database, community_ids: set[str] | None = None
                ) -> list[tuple[date, int]]:
    """(day, communities that reported) for the latest days with reports, newest first."""
    accounts.require(db, "cases.view")
    return [(date.fromisoformat(d), n) for d, n in q.days(db, community_ids)]


def community_report(db: sqlite_utils.Database, day: date | str | None = None) -> Report:
    """The confirmed report of the day if there is one, else the figures as assembled now
    (what the 日报 page shows; no ReportLab on the way)."""
    draft = assemble(db, day)
    return standing(db, draft.day) or draft
