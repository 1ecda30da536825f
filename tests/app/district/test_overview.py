"""The district overview's figures (issue 15, item 3) on a real district demo: per community
and per street, counted independently here from the database, the staleness of each
community's last bundle against the office's threshold, and active cases per community."""

from __future__ import annotations

import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from app.database import open_community_db
from app.demo import build_demo_district
from app.district import overview as district
from app.errors import FormError


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("district") / "中原区.sqlite"
    build_demo_district(path, communities=3, residents=150)
    return path


@pytest.fixture
def db(built, tmp_path):
    copy = tmp_path / "中原区.sqlite"
    shutil.copy(built, copy)
    db = open_community_db(copy)
    yield db
    db.conn.close()


def expected(db) -> dict[str, dict[str, int]]:
    """Per community name, straight from the rows."""
    out = {}
    for cid, name in db.conn.execute(
            "SELECT id, name FROM org_units WHERE level = 'community' AND id = community_id"):
        def one(sql: str, cid: str = cid) -> int:
            return db.conn.execute(sql, (cid,)).fetchone()[0] or 0

        out[name] = {
            "residents": one("SELECT count(*) FROM residents WHERE deleted = 0 "
                             "AND community_id = ?"),
            "households": one("SELECT count(*) FROM households WHERE deleted = 0 "
                              "AND community_id = ?"),
            "paired": one("SELECT count(DISTINCT p.household_id) FROM pairings p JOIN households h "
                          "ON h.id = p.household_id WHERE p.deleted = 0 AND p.ended_on IS NULL "
                          "AND h.deleted = 0 AND h.community_id = ?"),
            "home_isolation": one("SELECT count(*) FROM isolation_cases WHERE deleted = 0 AND "
                                  "status = 'active' AND kind = 'home_isolation' "
                                  "AND community_id = ?"),
            "home_monitoring": one("SELECT count(*) FROM isolation_cases WHERE deleted = 0 AND "
                                   "status = 'active' AND kind = 'home_monitoring' "
                                   "AND community_id = ?"),
        }
    return out


def test_each_community_and_street_subtotal_matches_the_rows(db):
    view = district.overview(db)
    want = expected(db)
    got = {c.name: c.figures for c in view.communities}
    assert set(got) == {"长江路社区", "建设路社区", "桐柏路社区"}
    for name, figures in want.items():
        for key, value in figures.items():
            assert getattr(got[name], key) == value, (name, key)
    assert sum(f.residents for f in got.values()) > 0
    assert sum(f.active for f in got.values()) > 0
    # Street subtotals add up their communities; the district total adds up everything.
    for street in view.streets:
        assert street.name.endswith("街道")
        for key in ("residents", "households", "paired", "home_isolation", "overdue",
                    "release_due"):
            assert getattr(street.totals, key) == sum(getattr(c.figures, key)
                                                       for c in street.communities)
    assert view.totals.residents == db.conn.execute(
        "SELECT count(*) FROM residents WHERE deleted = 0").fetchone()[0]


def test_overdue_and_release_due_follow_the_clock(db):
    morning = datetime.combine(date.today(), datetime.min.time()).replace(hour=8)
    evening = morning.replace(hour=20)
    early = district.overview(db, morning).totals
    late = district.overview(db, evening).totals
    assert early.overdue == 0            # no deadline has passed at 8:00
    # By evening every started active case without both checks today is overdue.
    unchecked = db.conn.execute(
        "SELECT count(*) FROM isolation_cases k WHERE k.deleted = 0 AND k.status = 'active' "
        "AND k.started_on <= ? AND (SELECT count(DISTINCT slot) FROM case_checks x "
        "WHERE x.case_id = k.id AND x.deleted = 0 AND x.check_on = ?) < 2",
        (date.today().isoformat(), date.today().isoformat())).fetchone()[0]
    assert late.overdue == unchecked
    assert late.release_due == db.conn.execute(
        "SELECT count(*) FROM isolation_cases WHERE deleted = 0 AND status = 'active' "
        "AND started_on <= ? AND planned_end <= ?",
        (date.today().isoformat(),) * 2).fetchone()[0]


def test_a_community_past_the_threshold_is_stale_and_says_for_how_long(db):
    view = district.overview(db)
    assert view.stale_after_days == district.DEFAULT_STALE_DAYS
    assert view.stale == []
    assert all(c.sync_text.startswith("今天") for c in view.communities)
    old = (datetime.now() - timedelta(days=5)).isoformat(timespec="seconds")
    db.conn.execute("UPDATE peers SET last_import_at = ? WHERE name = '建设路社区'", (old,))
    view = district.overview(db)
    assert [c.name for c in view.stale] == ["建设路社区"]
    assert view.stale[0].sync_text == "5 天未同步"
    district.set_stale_after_days(db, 7)
    view = district.overview(db)
    assert view.stale == [] and view.stale_after_days == 7
    assert "5 天前" in {c.name: c for c in view.communities}["建设路社区"].sync_text
    with pytest.raises(FormError) as error:
        district.set_stale_after_days(db, "0")
    assert "天数" in error.value.errors["stale_days"]
    assert district.stale_after_days(db) == 7


def test_active_cases_per_community_per_day(db):
    today = date.today()
    days, series = district.active_per_community(db, 30, today)
    assert len(days) == 30 and days[-1] == today
    names = dict(db.conn.execute(
        "SELECT id, name FROM org_units WHERE level = 'community' AND id = community_id"))
    assert set(series) == set(names)
    for cid, counts in series.items():
        assert len(counts) == 30
        # Today: every active case started by today, and planned ones past their start.
        assert counts[-1] == db.conn.execute(
            "SELECT count(*) FROM isolation_cases WHERE deleted = 0 AND community_id = ? "
            "AND status IN ('planned', 'active') AND started_on <= ?",
            (cid, today.isoformat())).fetchone()[0], names[cid]


def test_a_community_enrolled_but_never_synced_shows_as_never_synced(db):
    db.conn.execute(
        "INSERT INTO peers (node_id, role, name, code, community_id, sign_key, box_key, "
        "enrolled_at) VALUES ('n1', 'community', '新建社区', '410102099001', 'c-new', 'k', 'k', "
        "'2026-12-01T09:00:00')")
    new = {c.name: c for c in district.overview(db).communities}["新建社区"]
    assert new.stale and new.sync_text == "从未同步"
    assert new.figures.residents == 0


def test_a_connection_limited_to_a_street_sees_only_its_communities(db):
    from db import scope

    first = district.overview(db).streets[0]
    scope.limit_to(db, {c.community_id for c in first.communities})
    view = district.overview(db)
    assert [c.name for c in view.communities] == [c.name for c in first.communities]
    assert view.totals.residents == first.totals.residents
