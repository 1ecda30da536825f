"""The district's isolation policy: set at the district, carried down by real bundles, applied
at each community with the overrides the district allows, and audited at both ends."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from app import isolation
from app.accounts import audit
from app.errors import FormError
from db import audit as audit_log
from tests.app.sync.test_sync import send, world  # noqa: F401


@pytest.fixture
def offices(request):
    """A district and two communities enrolled by files (test_sync's `world`)."""
    return request.getfixturevalue("world")

DAY = date(2026, 11, 20)
STRICT = isolation.Settings(
    policies={"home_isolation": isolation.Policy(10, (1, 5, 10)),
              "home_monitoring": isolation.Policy(14, (1, 7, 14))},
    fever=37.2)


def register(db, who=None, kind="home_isolation"):
    who = who or next(k for k in db.ids if k != "household")
    return isolation.register_case(db, resident_id=db.ids[who], kind=kind,
                                   reason="密切接触者", started_on=DAY,
                                   now=datetime(2026, 11, 20, 9))


def end_of(db, case_id):
    return isolation.case_detail(db, case_id).case["planned_end"]


def entries(db, tbl):
    return [e for e in audit_log.entries(db, limit=500) if e.tbl == tbl]


def test_district_policy_reaches_both_communities_and_their_new_cases(offices, tmp_path):
    district, a, b, _ = offices
    isolation.save_district_policy(district, STRICT, isolation.DistrictRules())
    assert isolation.get_settings(district).policy("home_isolation").days == 10
    for i, community in enumerate((a, b)):
        send(district, community, tmp_path / f"down{i}")
        view = isolation.policy_view(community)
        assert view.mode == "community"
        assert set(view.sources.values()) == {"district"}
        assert view.settings.fever == 37.2
        assert end_of(community, register(community)) == "2026-11-29"    # 10 days
    # audited at the district (the row's insert) and at each community (applied)
    assert [e.action for e in entries(district, "district_policy")] == ["insert"]
    for community in (a, b):
        (entry,) = entries(community, "district_policy")
        assert entry.action == "setting" and entry.actor.startswith("区里")
        assert entry.details()["after"]["isolation_days"] == 10
        isolation.get_settings(community)                      # read again: recorded once
        assert len(entries(community, "district_policy")) == 1
    # as the 审计日志 page shows it, at both ends
    for db in (district, a):
        (row,) = [r for r in audit.rows(db) if r.what == "区里隔离政策"]
        assert "居家隔离天数：10" in row.detail and "发热标准：37.2" in row.detail


def test_a_change_at_the_district_travels_and_is_audited_again(offices, tmp_path):
    district, a, _b, _ = offices
    isolation.save_district_policy(district, STRICT, isolation.DistrictRules())
    send(district, a, tmp_path / "1")
    isolation.get_settings(a)
    looser = isolation.Settings(policies={**STRICT.policies,
                                          "home_isolation": isolation.Policy(7, (1, 4, 7))})
    isolation.save_district_policy(district, looser, isolation.DistrictRules())
    assert [e.action for e in entries(district, "district_policy")] == ["update", "insert"]
    send(district, a, tmp_path / "2")
    assert isolation.get_settings(a).policy("home_isolation").days == 7
    assert len(entries(a, "district_policy")) == 2


def test_community_overrides_only_where_allowed_and_only_stricter(offices, tmp_path):
    district, a, b, _ = offices
    rules = isolation.DistrictRules(days_open=True, tests_open=False, fever_open=True,
                                    deadlines_open=False)
    isolation.save_district_policy(district, STRICT, rules)
    send(district, a, tmp_path / "a")
    send(district, b, tmp_path / "b")
    longer = isolation.Settings(
        policies={**STRICT.policies, "home_isolation": isolation.Policy(14, (1, 5, 10))},
        fever=37.0)
    isolation.save_settings(a, longer)
    view = isolation.policy_view(a)
    assert view.sources["home_isolation.days"] == "community"
    assert view.sources["fever"] == "community"
    assert view.sources["home_isolation.test_days"] == "district"
    assert end_of(a, register(a)) == "2026-12-03"                      # 14 days here
    assert end_of(b, register(b)) == "2026-11-29"               # 10 days there
    assert next(e.row_id for e in audit_log.entries(a, limit=5) if e.action == "setting") \
        == isolation.OVERRIDES_KEY
    shorter = isolation.Settings(
        policies={**STRICT.policies, "home_isolation": isolation.Policy(5, (1, 5))},
        fever=37.5, pm_deadline=STRICT.pm_deadline.replace(hour=17))
    with pytest.raises(FormError) as err:
        isolation.save_settings(a, shorter)
    assert "只能延长" in err.value.errors["home_isolation.days"]
    assert "社区不能修改" in err.value.errors["home_isolation.test_days"]
    assert "只能调低" in err.value.errors["fever"]
    assert "社区不能修改" in err.value.errors["pm_deadline"]
    assert isolation.get_settings(a).policy("home_isolation").days == 14   # unchanged


def test_a_community_not_yet_synced_keeps_its_own_policy(offices, tmp_path):
    district, a, b, _ = offices
    own = isolation.Settings(policies={**STRICT.policies,
                                       "home_isolation": isolation.Policy(21, (1, 7, 14, 21))})
    isolation.save_settings(b, own)
    isolation.save_district_policy(district, STRICT, isolation.DistrictRules())
    send(district, a, tmp_path / "a")
    view = isolation.policy_view(b)
    assert view.mode == "own" and view.settings.policy("home_isolation").days == 21
    assert entries(b, "district_policy") == []
    assert isolation.get_settings(a).policy("home_isolation").days == 10


def test_only_the_district_sets_the_district_policy(offices):
    _district, a, _b, _ = offices
    with pytest.raises(isolation.accounts.PermissionDenied):
        isolation.save_district_policy(a, STRICT, isolation.DistrictRules())
