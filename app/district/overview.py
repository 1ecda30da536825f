"""The district overview: per community and per street, residents, households, active isolation
cases by kind, checks overdue, releases due, pairing coverage and how fresh its last bundle is;
active cases per community over the last days; the staleness threshold the office sets."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlite_utils

from app import accounts, isolation
from app.errors import FormError
from db import district_overview as q
from db.node import get_meta, set_meta, transaction

STALE_KEY = "district_stale_after_days"
DEFAULT_STALE_DAYS = 3
MAX_STALE_DAYS = 90


@dataclass
class Figures:
    residents: int = 0
    households: int = 0
    paired: int = 0
    home_isolation: int = 0
    home_monitoring: int = 0
    overdue: int = 0
    release_due: int = 0

    @property
    def active(self) -> int:
        return self.home_isolation + self.home_monitoring

    @property
    def coverage(self) -> float:
        return self.paired / self.households if self.households else 0.0

    def add(self, other: Figures) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class CommunityRow:
    community_id: str
    code: str
    name: str
    street_code: str | None
    street_name: str | None
    figures: Figures
    last_bundle: datetime | None      # the last bundle received from it (None: never)
    age_days: int | None              # whole days since then
    stale: bool                       # at or past the office's threshold, or never synced

    @property
    def sync_text(self) -> str:
        """What the 同步 column says: 从未同步, N 天未同步, or when the last bundle came."""
        if self.last_bundle is None:
            return "从未同步"
        if self.stale:
            return f"{self.age_days} 天未同步"
        when = self.last_bundle
        if self.age_days == 0:
            return f"今天 {when:%H:%M}"
        if self.age_days == 1:
            return f"昨天 {when:%H:%M}"
        return f"{self.age_days} 天前（{when.month}月{when.day}日）"


@dataclass
class StreetGroup:
    code: str | None
    name: str                         # （未知街道） when the community names none
    communities: list[CommunityRow] = field(default_factory=list)
    totals: Figures = field(default_factory=Figures)


@dataclass
class DistrictOverview:
    at: datetime
    stale_after_days: int
    streets: list[StreetGroup]
    totals: Figures

    @property
    def communities(self) -> list[CommunityRow]:
        return [c for s in self.streets for c in s.communities]

    @property
    def stale(self) -> list[CommunityRow]:
        return [c for c in self.communities if c.stale]


def stale_after_days(db: sqlite_utils.Database) -> int:
    """After how many days without a bundle a community shows red (the office sets it)."""
    try:
        return max(1, int(get_meta(db, STALE_KEY) or DEFAULT_STALE_DAYS))
    except ValueError:
        return DEFAULT_STALE_DAYS


def set_stale_after_days(db: sqlite_utils.Database, days: int | str) -> int:
    accounts.require(db, "settings")
    try:
        value = int(str(days).strip())
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_STALE_DAYS:
        raise FormError({"stale_days": f"请填写1到{MAX_STALE_DAYS}之间的天数，例如 3。"})
    with transaction(db):
        set_meta(db, STALE_KEY, str(value))
    return value


def _parse(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=None)
    except ValueError:
        return None


def overview(db: sqlite_utils.Database, now: datetime | None = None) -> DistrictOverview:
    """Every community with its figures, grouped by street (ordered by code) with subtotals,
    and the district's total."""
    now = now or datetime.now()
    settings = isolation.get_settings(db)
    clock = now.time()
    figures = q.figures(db, now.date().isoformat(), clock >= settings.am_deadline,
                        clock >= settings.pm_deadline)
    threshold = stale_after_days(db)
    streets: dict[tuple[str | None, str], StreetGroup] = {}
    rows = sorted(q.communities(db), key=lambda r: (r["street_code"] or "~", r["code"] or "",
                                                    r["name"]))
    totals = Figures()
    for r in rows:
        f = Figures(**figures.get(r["community_id"], {}))
        last = _parse(r["last_import_at"])
        age = max(0, (now.date() - last.date()).days) if last else None
        row = CommunityRow(r["community_id"], r["code"] or "", r["name"], r["street_code"],
                           r["street_name"], f, last, age,
                           stale=age is None or age >= threshold)
        key = (r["street_code"], r["street_name"] or "（未知街道）")
        group = streets.setdefault(key, StreetGroup(*key))
        group.communities.append(row)
        group.totals.add(f)
        totals.add(f)
    return DistrictOverview(now, threshold, list(streets.values()), totals)


def active_per_community(db: sqlite_utils.Database, days: int = 30, today: date | None = None
                         ) -> tuple[list[date], dict[str, list[int]]]:
    """The last `days` days, and per community_id the cases active on each (both kinds; a
    case counts from its start day to the day before its release, as on the community's own
    chart)."""
    today = today or date.today()
    first = today - timedelta(days=days - 1)
    days_list = [first + timedelta(days=i) for i in range(days)]
    counts: dict[str, Counter[int]] = {}
    for owner, _kind, status, started, released, status_on in q.case_spans(db,
                                                                           first.isoformat()):
        start = date.fromisoformat(started)
        if status in ("planned", "active"):
            last = today
        else:
            last = date.fromisoformat(released or status_on) - timedelta(days=1)
        per_day = counts.setdefault(owner, Counter())
        lo, hi = max(start, first), min(last, today)
        for i in range((lo - first).days, (hi - first).days + 1):
            per_day[i] += 1
    series = {owner: [c[i] for i in range(days)] for owner, c in counts.items()}
    for r in q.communities(db):
        series.setdefault(r["community_id"], [0] * days)
    return days_list, series
