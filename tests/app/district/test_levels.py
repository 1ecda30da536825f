"""The district's levels (issue 15, items 1 and 7): one district row and one row per street
however many communities send their own copies (which the district holds as they are),
communities under their street (or 未分街道), the streets of an existing district database made
by migration 0009, `griddesk district status`, and the demo district with streets whose
communities differ."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest

from app import district, registry
from app.cli import main
from app.database import create_community, open_community_db
from app.demo import build_demo_district
from app.sync import engine
from db import changelog
from db import district as district_levels
from db import registry as q
from db.migrate import MIGRATIONS_DIR
from db.node import transaction
from tests.conftest import make_id


def new_community(tmp_path: Path, name: str, code: str, street: str, households: int = 1):
    db = open_community_db(tmp_path / f"{code}-{name}.sqlite", create=True)
    create_community(db, name, code, street, "中原区")
    grid = registry.add_grid(db, "第一网格")
    compound = registry.add_compound(db, grid, f"{name}小区")
    building = registry.add_building(db, compound, "1", units=1)
    unit = next(u["id"] for u in registry.tree_nodes(db)["units"]
                if u["building_id"] == building)
    for i in range(households):
        household = registry.add_household(db, {"unit_id": unit, "door_number": f"10{i + 1}"})
        registry.add_resident(db, {"household_id": household, "name": "张三",
                                   "id_number": make_id(code[:6], seq=f"{i + 1:03d}")})
    return db


def enroll_and_send(district_db, community, stick: Path):
    seen = engine.enroll_by_files(community, district_db, stick / "enroll")
    send(community, district_db, stick)
    return seen


def send(src, dst, stick: Path) -> None:
    folder = stick / "up"
    shutil.rmtree(folder, ignore_errors=True)
    engine.export_bundles(src, dst._griddesk.node_id, folder)
    engine.import_folder(dst, folder)


@pytest.fixture
def world(tmp_path):
    """A district and three communities: two in 林山寨街道, one in 建设路街道."""
    d = open_community_db(tmp_path / "district.sqlite", create=True)
    engine.create_district(d, "中原区", "410102")
    made = [new_community(tmp_path, "长江路社区", "410102007003", "林山寨街道", 2),
            new_community(tmp_path, "桐柏路社区", "410102007004", "林山寨街道", 1),
            new_community(tmp_path, "建设路社区", "410102008001", "建设路街道", 3)]
    return d, made, tmp_path / "usb"


def live_rows(db, level: str) -> list[dict]:
    return q.org_units(db, level)


def test_three_communities_make_one_district_row_and_one_row_per_street(world):
    d, made, stick = world
    for c in made:
        enroll_and_send(d, c, stick)
    own = engine.get_meta(d, "community_id")
    assert [r["name"] for r in live_rows(d, "district") if r["community_id"] == own] == ["中原区"]
    assert district.tree_levels(d).name == "中原区"
    streets = district.streets(d)
    assert [(s["name"], s["code"], s["communities"], s["households"]) for s in streets] == [
        ("林山寨街道", "410102007", 2, 3), ("建设路街道", "410102008", 1, 3)]
    assert all(s["id"] == district_levels.street_unit_id(s["code"]) for s in streets)
    rows = {r["name"]: r for r in district.communities(d)}
    assert {n: r["street_name"] for n, r in rows.items()} == {
        "长江路社区": "林山寨街道", "桐柏路社区": "林山寨街道", "建设路社区": "建设路街道"}
    assert rows["建设路社区"]["households"] == 3 and rows["长江路社区"]["residents"] == 2
    # Syncing again keeps them one (the copies come again with every snapshot).
    for c in made:
        send(c, d, stick)
    assert [s["communities"] for s in district.streets(d)] == [2, 1]
    assert all(s["parent_id"] == own for s in live_rows(d, "street") if s["id"] in
               {s["id"] for s in streets})
    # The district's street rows stay at the district: nothing is logged for them, and the
    # communities' copies are held as the communities hold them.
    assert not d.conn.execute("SELECT count(*) FROM change_log WHERE row_id IN "
                              "(SELECT id FROM org_units WHERE level = 'street')").fetchone()[0]
    # The communities' copies are held as the communities hold them.
    for c in made:
        mine = q.community_id(c)
        assert ([r for r in live_rows(d, "street") if r["community_id"] == mine]
                == live_rows(c, "street"))
        assert len(live_rows(c, "street")) == 1


def test_the_tree_at_the_district_has_streets_and_communities_with_counts(world):
    d, made, stick = world
    for c in made:
        enroll_and_send(d, c, stick)
    top = district.tree_levels(d)
    assert top.label == "中原区（6户）"
    assert [(s.label, [c.label for c in s.children]) for s in top.children] == [
        ("林山寨街道（3户）", ["长江路社区（2户）", "桐柏路社区（1户）"]),
        ("建设路街道（3户）", ["建设路社区（3户）"])]
    # Each community's grid hangs under the community itself.
    grids = live_rows(d, "grid")
    assert {g["parent_id"] for g in grids} == {c.id for s in top.children for c in s.children}
    # A street's households are those of its communities.
    street = top.children[0].id
    assert len(registry.household_ids(d, "street", street)) == 3
    assert district.tree_levels(made[0]) is None       # a community's tree is as before


def test_a_community_with_no_street_lands_under_unassigned(world):
    d, made, stick = world
    lone = made[2]
    with transaction(lone):
        q.update(lone, "org_units", q.community_id(lone), {"parent_id": None})
    enroll_and_send(d, lone, stick)
    rows = district.communities(d)
    assert [(r["name"], r["street_name"]) for r in rows] == [("建设路社区", None)]
    assert district.community_label(rows[0]) == "未分街道 › 建设路社区"
    top = district.tree_levels(d)
    assert [(s.name, s.id, [c.name for c in s.children]) for s in top.children
            if s.children] == [("未分街道", "", ["建设路社区"])]
    assert len(registry.household_ids(d, "street", "")) == 3
    assert [r["name"] for r in district.communities(d, "")] == ["建设路社区"]


def test_a_rename_at_the_community_shows_the_new_name_in_its_street(world):
    d, made, stick = world
    c = made[0]
    enroll_and_send(d, c, stick)
    with transaction(c):
        q.update(c, "org_units", q.community_id(c), {"name": "长江东路社区"})
        street_copy = next(r["id"] for r in live_rows(c, "street"))
        q.update(c, "org_units", street_copy, {"name": "林山寨街道办事处"})
    send(c, d, stick)
    rows = district.communities(d)
    # The district names its streets: a community's own street name stays its own.
    assert [(r["name"], r["street_name"]) for r in rows] == [("长江东路社区", "林山寨街道")]
    assert [s["name"] for s in district.streets(d)] == ["林山寨街道"]


def test_same_name_in_two_streets_is_told_apart_by_the_street(tmp_path):
    d = open_community_db(tmp_path / "district.sqlite", create=True)
    engine.create_district(d, "中原区", "410102")
    stick = tmp_path / "usb"
    for code, street in (("410102007003", "林山寨街道"), ("410102008001", "建设路街道")):
        enroll_and_send(d, new_community(tmp_path, "长江路社区", code, street), stick)
    labels = [district.community_label(r) for r in district.communities(d)]
    assert labels == ["林山寨街道 › 长江路社区", "建设路街道 › 长江路社区"]
    lines = district.status_lines(d)
    assert "街道：林山寨街道" in lines[0] and "街道：建设路街道" in lines[1]


def test_migration_0009_gives_an_existing_district_its_streets(world, monkeypatch):
    d, made, stick = world
    monkeypatch.setattr(district_levels, "ensure_streets", lambda db: None)   # before 0009
    for c in made:
        enroll_and_send(d, c, stick)
    assert district.streets(d) == []
    logged = d.conn.execute("SELECT count(*) FROM change_log").fetchone()[0]
    script = next(MIGRATIONS_DIR.glob("0009_*.sql")).read_text(encoding="utf-8")
    d.conn.executescript(f"BEGIN;\n{script}\nCOMMIT;")
    changelog.install_triggers(d)
    assert [s["communities"] for s in district.streets(d)] == [2, 1]
    # Local to the district: nothing logged, so nothing goes back to the communities.
    assert d.conn.execute("SELECT count(*) FROM change_log").fetchone()[0] == logged
    # And bundles keep landing afterwards (the capture triggers are back).
    monkeypatch.undo()
    for c in made:
        send(c, d, stick)
    assert [s["communities"] for s in district.streets(d)] == [2, 1]


def test_district_status_prints_one_line_per_community(world, capsys):
    d, made, stick = world
    for c in made:
        enroll_and_send(d, c, stick)
    path = d.conn.execute("PRAGMA database_list").fetchone()[2]
    d.conn.close()
    capsys.readouterr()
    assert main(["district", "status", "--db", path]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("410102007003  长江路社区  街道：林山寨街道  居民 2  在管隔离 0  "
                             "最近同步包 ")
    assert out[0].endswith("（刚刚）")
    assert [line.split()[0] for line in out[:3]] == ["410102007003", "410102007004",
                                                      "410102008001"]
    assert out[3] == "共 3 个社区。"
    community = made[0].conn.execute("PRAGMA database_list").fetchone()[2]
    assert main(["district", "status", "--db", community]) == 2


def test_the_demo_with_streets_has_communities_that_differ(tmp_path):
    made = build_demo_district(tmp_path / "中原区.sqlite", communities=3, streets=2,
                               residents=300)
    d = open_community_db(made["district"])
    assert [(s["name"], s["communities"]) for s in district.streets(d)] == [
        ("林山寨街道", 2), ("建设路街道", 1)]
    rows = district.communities(d)
    assert len({r["residents"] for r in rows}) == 3
    assert len({r["active_cases"] for r in rows}) == 3
    assert len({round(r["coverage"], 2) for r in rows}) == 3
    ages = {r["name"]: district.bundle_age_days(r) for r in rows}
    assert 3.99 < ages["建设路社区"] < 4.01
    assert all(age < 0.1 for name, age in ages.items() if name != "建设路社区")
    assert "4天前" in next(line for line in district.status_lines(d) if "建设路社区" in line)
    assert datetime.fromisoformat(rows[0]["last_bundle_at"])
