"""The demo community: right size, valid and consistent data, the same for the same seed."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from datetime import date, timedelta

import pytest

from app import accounts, registry
from app.database import community_info, open_community_db
from app.demo import DEMO_TODAY, RARE_GIVEN, SPECIAL_SURNAMES, build_demo, plan_demo
from app.validation import normalize_phone, validate_id_number
from db import changelog
from db import registry as db_registry

MOBILE = re.compile(r"1[3-9]\d{9}")
SMALL = 600


def _age(born: str, today: date = DEMO_TODAY) -> int:
    b = date.fromisoformat(born)
    return today.year - b.year - ((today.month, today.day) < (b.month, b.day))


def _digest(db) -> str:
    rows = db.conn.execute(
        "SELECT name, id_number, birth_date, phone, relation FROM residents ORDER BY id_number"
    ).fetchall()
    return hashlib.sha256(repr(rows).encode()).hexdigest()


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "small.sqlite"
    calls = []
    summary = build_demo(path, residents=SMALL, seed=7, progress=lambda d, t: calls.append((d, t)))
    db = open_community_db(path)
    yield db, summary, calls
    db.conn.close()


@pytest.fixture(scope="module")
def default(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "default.sqlite"
    summary = build_demo(path)
    db = open_community_db(path)
    yield db, summary
    db.conn.close()


def test_summary_matches_the_database_and_the_requested_size(small):
    db, summary, _ = small
    counts = registry.counts(db)
    assert summary["community"] == community_info(db).name == "长江路社区"
    assert summary["residents"] == counts["residents"] == SMALL
    for key in ("households", "buildings", "compounds", "party_members"):
        assert summary[key] == counts[key]
    assert summary["grids"] == counts["grids"] >= 1
    assert SMALL / 3.2 < summary["households"] < SMALL / 2.2


def test_default_size_looks_like_the_brief(default):
    db, summary = default
    assert summary["residents"] == 8000
    assert 2700 <= summary["households"] <= 3300
    assert summary["buildings"] == 33
    assert summary["compounds"] == 8
    assert summary["grids"] == 4
    assert summary["party_members"] == 150
    grids = db_registry.org_units(db, "grid")
    assert [g["name"] for g in grids] == ["第一网格", "第二网格", "第三网格", "第四网格"]
    assert [g["code"] for g in grids] == [f"410102007003{i:02d}" for i in range(1, 5)]
    kinds = Counter(r[0] for r in db.conn.execute("SELECT management_kind FROM compounds"))
    assert kinds["property"] > kinds["unmanaged"] >= 1


def test_large_sizes_scale_households_fast_and_grids_slowly():
    rows = plan_demo(40_000, 3)
    assert len(rows["residents"]) == 40_000
    assert 13_000 <= len(rows["households"]) <= 17_000
    assert 150 <= len(rows["buildings"]) <= 180
    assert 15 <= len(rows["compounds"]) <= 30
    assert 8 <= len(rows["org_units"]) <= 15
    assert len(rows["party_members"]) == 750


@pytest.mark.parametrize("size", [1, 2, 7, 40, 150])
def test_tiny_communities_still_plan(size):
    rows = plan_demo(size, 1)
    assert len(rows["residents"]) == size
    assert {r["household_id"] for r in rows["residents"]} == {h["id"] for h in rows["households"]}


def test_every_id_number_is_valid_unique_and_agrees_with_birth_date_and_sex(default):
    db, _ = default
    rows = db.conn.execute("SELECT id_number, birth_date, sex, residency FROM residents").fetchall()
    numbers = [r[0] for r in rows]
    assert len(set(numbers)) == len(numbers)
    for number, born, sex, _ in rows:
        info = validate_id_number(number)
        assert info.number == number
        assert info.birth_date.isoformat() == born
        assert info.sex == sex
    local = sum(r[0].startswith("4101") for r in rows if r[3] == "registered")
    registered = sum(r[3] == "registered" for r in rows)
    assert local > registered * 0.8
    floating = [r[0] for r in rows if r[3] == "floating"]
    assert floating and sum(not n.startswith("4101") for n in floating) > len(floating) * 0.8


def test_households_have_one_head_and_consistent_ages(default):
    db, _ = default
    members: dict[str, list[tuple[str, int]]] = {}
    for hid, relation, born in db.conn.execute(
            "SELECT household_id, relation, birth_date FROM residents"):
        members.setdefault(hid, []).append((relation, _age(born)))
    households = [r[0] for r in db.conn.execute("SELECT id FROM households")]
    assert set(members) == set(households)
    for people in members.values():
        heads = [age for relation, age in people if relation == "户主"]
        assert len(heads) == 1
        head = heads[0]
        for relation, age in people:
            if relation == "配偶":
                assert abs(age - head) <= 6 or age == 20
            elif relation == "子女":
                assert age <= head - 17
            elif relation == "父母":
                assert age >= head + 20
            elif relation == "孙子女":
                assert age <= head - 36
    ages = [age for people in members.values() for _, age in people]
    assert 0.2 < sum(a >= 60 for a in ages) / len(ages) < 0.4
    assert sum(a < 12 for a in ages) > 0


def test_household_phone_and_tags(default):
    db, _ = default
    rows = db.conn.execute(
        "SELECT h.phone, h.tags, h.dwelling, r.phone, r.birth_date, "
        "(SELECT count(*) FROM residents x WHERE x.household_id = h.id) "
        "FROM households h JOIN residents r ON r.household_id = h.id AND r.relation = '户主'"
    ).fetchall()
    for phone, tags, dwelling, head_phone, born, size in rows:
        assert normalize_phone(phone) == phone
        if head_phone:
            assert phone == head_phone
        if "独居老人" in tags.split():
            assert size == 1 and _age(born) >= 60
        assert ("出租" in tags.split()) == (dwelling == "rented")
    tagged = Counter(t for r in rows for t in r[1].split())
    for tag in ("独居老人", "空巢老人", "残疾", "困难", "低保"):
        assert 0 < tagged[tag] < len(rows) * 0.15
    rented = sum(r[2] == "rented" for r in rows)
    assert 0.05 * len(rows) < rented < 0.15 * len(rows)
    tenants = db.conn.execute(
        "SELECT DISTINCT r.residency FROM residents r JOIN households h ON h.id = r.household_id "
        "WHERE h.dwelling = 'rented'").fetchall()
    assert tenants == [("floating",)]


def test_phones_are_mobiles_and_small_children_have_none(default):
    db, _ = default
    rows = db.conn.execute("SELECT phone, birth_date FROM residents").fetchall()
    phones = [p for p, _ in rows if p]
    assert all(MOBILE.fullmatch(p) for p in phones)
    assert len(set(phones)) == len(phones)
    assert all(p is None for p, born in rows if _age(born) < 12)
    adults = [p for p, born in rows if 18 <= _age(born) < 70]
    assert sum(p is not None for p in adults) > 0.85 * len(adults)


def test_doors_are_unique_per_unit_and_match_their_floor(default):
    db, _ = default
    rows = db.conn.execute(
        "SELECT h.unit_id, h.door_number, h.floor, b.floors FROM households h "
        "JOIN units u ON u.id = h.unit_id JOIN buildings b ON b.id = u.building_id"
    ).fetchall()
    seen = Counter((unit, door) for unit, door, _, _ in rows)
    assert max(seen.values()) == 1
    for _, door, floor, floors in rows:
        assert re.fullmatch(r"[1-9]\d?0[1-4]", door)
        assert int(door) // 100 == floor
        assert 1 <= floor <= floors
    floors = [r[0] for r in db.conn.execute("SELECT floors FROM buildings")]
    assert min(floors) >= 5 and max(floors) <= 33
    units = db.conn.execute("SELECT count(*) FROM units").fetchone()[0]
    assert units >= len(floors)


def test_each_building_has_a_chief_and_staff_phones_are_valid(default):
    db, _ = default
    chiefs = db.conn.execute(
        "SELECT s.role FROM buildings b JOIN staff s ON s.id = b.chief_id").fetchall()
    assert len(chiefs) == 33 and {c[0] for c in chiefs} == {"building_chief"}
    staff = db_registry.staff(db)
    roles = Counter(s["role"] for s in staff)
    assert roles["grid_chief"] == 4 and 4 <= roles["grid_worker"] <= 8
    assert roles["police"] >= 1 and roles["doctor"] >= 1 and roles["volunteer"] >= 3
    assert all(MOBILE.fullmatch(s["phone"]) for s in staff)


def test_party_members_share_kinds_and_phones(small, default):
    for db, summary in (small[:2], default):
        n = summary["residents"]
        members = registry.party_members(db)
        assert abs(len(members) - n * 0.019) <= max(2, n * 0.002)
        assert all(MOBILE.fullmatch(m["phone"]) for m in members)
    db = default[0]
    members = registry.party_members(db)
    living_here = [m for m in members if m["resident_id"]]
    assert 0.7 * len(members) < len(living_here) < len(members)
    for m in living_here:
        resident = registry.get(db, "residents", m["resident_id"])
        assert (resident["name"], resident["phone"]) == (m["name"], m["phone"])
        assert m["address"]
    assert len({m["resident_id"] for m in living_here}) == len(living_here)
    assert all(m["branch"].endswith("党支部") for m in members)
    kinds = Counter(m["kind"] for m in members)
    assert kinds["retired"] and kinds["community"] and (kinds["stationed"] + kinds["reporting"])
    assert all(m["kind"] in ("stationed", "reporting") for m in members if not m["resident_id"])


def test_names_include_rare_characters_and_special_surnames(default):
    db, _ = default
    names = [r[0] for r in db.conn.execute("SELECT name FROM residents")]
    rare = {g for pool in RARE_GIVEN.values() for g in pool}
    assert any(name[1:] in rare for name in names)
    assert any(name[0] in SPECIAL_SURNAMES for name in names)
    assert all(2 <= len(name) <= 4 for name in names)


def test_same_seed_same_community_other_seed_another(small, tmp_path):
    again = tmp_path / "again.sqlite"
    build_demo(again, residents=SMALL, seed=7)
    other = tmp_path / "other.sqlite"
    build_demo(other, residents=SMALL, seed=8)
    db_again, db_other = open_community_db(again), open_community_db(other)
    try:
        assert _digest(db_again) == _digest(small[0])
        assert _digest(db_other) != _digest(small[0])
    finally:
        db_again.conn.close()
        db_other.conn.close()


def test_progress_is_reported_up_to_the_total(small):
    _, _, calls = small
    assert calls[0][0] == 0
    assert calls[-1][0] == calls[-1][1]
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_change_log_holds_every_row_and_search_finds_residents(small):
    db, summary, _ = small
    logged = db.conn.execute(
        "SELECT count(DISTINCT row_id) FROM change_log WHERE tbl = 'residents'").fetchone()[0]
    assert logged == summary["residents"]
    assert changelog.last_seq(db) > summary["residents"] * 10
    rid, name, id_number = db.conn.execute(
        "SELECT id, name, id_number FROM residents ORDER BY id_number LIMIT 1 OFFSET 17"
    ).fetchone()
    assert rid in registry.search_residents(db, name)
    assert rid in registry.search_residents(db, id_number)


def test_demo_district_has_enrolled_synced_communities(tmp_path):
    from app.cli import main
    from app.sync import engine

    district_file = tmp_path / "中原区.sqlite"
    assert main(["demo", "--district", str(district_file), "--communities", "2",
                 "--residents", "300"]) == 0
    district = open_community_db(district_file)
    rows = {r["name"]: r for r in engine.community_rows(district)}
    assert set(rows) == {"长江路社区", "建设路社区"}
    for name, row in rows.items():
        # The second community also holds a floating resident the first one registered too.
        assert row["residents"] == 300 + (name == "建设路社区") and row["last_import_at"], name
        assert row["active_cases"] >= 1 and row["coverage"] > 0.5
    twice = district.conn.execute(
        "SELECT count(*) FROM (SELECT id_number FROM residents WHERE deleted = 0 "
        "GROUP BY id_number HAVING count(DISTINCT community_id) > 1)").fetchone()[0]
    assert twice == 1
    # It opens as its administrator, who may look but not change community data.
    session = accounts.demo_sign_in(district)
    assert session is not None and session.role == "admin"
    assert accounts.refusal(district, "registry.edit")
    # A week of daily reports from both, and the district's sweep under way in each.
    from app import reports, sweeps
    assert dict(reports.report_days(district)) == {
        date.today() - timedelta(days=d): 2 for d in range(7)}
    (district_sweep,) = [s for s in sweeps.sweeps(district) if s.by_district]
    under_way = sweeps.progress(district, district_sweep.id, "community")
    assert len(under_way) == 2 and all(0 < p.finished < p.households for p in under_way)
    district.conn.close()
    community = open_community_db(tmp_path / "中原区-410102008001.sqlite")
    assert engine.district_peer(community)["name"] == "中原区"
    own = [s for s in sweeps.sweeps(community) if not s.by_district]   # its own sweep too
    assert len(own) == 1 and sweeps.total(sweeps.progress(community, own[0].id)).finished > 0
    community.conn.close()
    assert main(["demo", "--district", str(district_file)]) == 2     # exists: not overwritten

