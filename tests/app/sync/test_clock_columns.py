"""Column sets for the packed stamps (issue 23, migration 0024): a row's column list is kept
once per distinct list in clock_columns; a file converted from the old layout (the list as
text in every row_clock entry) holds the same stamps and syncs as a fresh one."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import orjson
import pytest

from app import registry
from app.database import open_community_db
from app.demo import build_demo
from app.sync import engine
from db import changelog, snapshot
from db.migrate import upgrade_of
from db.node import get_meta, transaction
from tests.app.sync.test_sync import new_community, node, send
from tests.conftest import make_id

SCHEMA_12 = Path(__file__).resolve().parents[2] / "data" / "schema-12.sqlite"


def packed(db) -> dict[tuple[str, str], tuple[str, str]]:
    """(table, row id) → (column list, stamps), however the file keeps them."""
    return {(t, r): (c, h) for t, r, c, h in db.conn.execute(
        "SELECT r.tbl, r.row_id, k.cols, r.hlcs FROM row_clock r "
        "JOIN clock_columns k ON k.id = r.cols_id")}


def runs_of(db, owners) -> list:
    """The snapshot rows a peer would get (org units left out: enrolment at a district
    changes the community's copies of the district's own units)."""
    runs = []
    for part in snapshot.plan_parts(db, owners, 1_000_000):
        runs += orjson.loads(snapshot.part_rows(db.conn, part)[0])
    return sorted((r for r in runs if r[0] != "org_units"), key=lambda r: (r[0], r[1]))


def to_old_layout(path: Path) -> None:
    """Rewrite a file's stamps as a file made before migration 0024 kept them."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.executescript(
        "BEGIN;"
        "CREATE TEMP TABLE old AS SELECT r.tbl, r.row_id, k.cols, r.hlcs FROM row_clock r "
        "JOIN clock_columns k ON k.id = r.cols_id;"
        "DROP TABLE row_clock; DROP TABLE clock_columns;"
        "CREATE TABLE row_clock (tbl TEXT NOT NULL, row_id TEXT NOT NULL, cols TEXT NOT NULL,"
        " hlcs TEXT NOT NULL, PRIMARY KEY (tbl, row_id)) WITHOUT ROWID;"
        "INSERT INTO row_clock SELECT * FROM temp.old;"
        "PRAGMA user_version = 23; COMMIT;")
    conn.close()


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("clock") / "c.sqlite"
    build_demo(path, residents=2000, seed=7)
    db = open_community_db(path)
    yield db
    db.conn.close()


def test_a_column_list_is_stored_once_not_once_a_row(demo):
    rows, lists_used = demo.conn.execute(
        "SELECT count(*), count(DISTINCT cols_id) FROM row_clock").fetchone()
    lists, distinct = demo.conn.execute(
        "SELECT count(*), count(DISTINCT tbl || ':' || cols) FROM clock_columns").fetchone()
    assert rows > 5000 and lists == distinct == lists_used and lists < rows / 50
    # Every entry's list names exactly the fields its insert stamped.
    zhang = demo.conn.execute("SELECT * FROM residents LIMIT 1")
    row = dict(zip([d[0] for d in zhang.description], zhang.fetchone(), strict=True))
    cols, hlcs = packed(demo)[("residents", row["id"])]
    assert set(cols.split(" ")) == {c for c, v in row.items() if v is not None and c != "id"}
    assert " " not in hlcs            # one stamp for the whole insert
    # The entry is small: the old layout took 188 bytes a row with its list as text.
    size = demo.conn.execute(
        "SELECT sum(pgsize) FROM dbstat WHERE name = 'row_clock'").fetchone()[0]
    assert size / rows < 125


def test_a_new_row_of_a_known_shape_adds_no_column_list(demo):
    before = demo.conn.execute("SELECT count(*) FROM clock_columns").fetchone()[0]
    household = demo.conn.execute("SELECT household_id FROM residents "
                                  "WHERE deleted = 0 LIMIT 1").fetchone()[0]
    added = registry.add_resident(demo, {"household_id": household, "name": "周八",
                                         "id_number": make_id(seq="901")})
    again = registry.add_resident(demo, {"household_id": household, "name": "吴九",
                                         "id_number": make_id(seq="902")})
    assert packed(demo)[("residents", added)][0] == packed(demo)[("residents", again)][0]
    assert demo.conn.execute("SELECT count(*) FROM clock_columns").fetchone()[0] <= before + 1


def test_a_column_added_after_the_insert_gets_its_own_stamp(tmp_path):
    db = new_community(tmp_path, "长江路社区", "410102007003")
    zhang = db.ids["张三"]
    inserted = changelog.field_stamp(db.conn, "residents", zhang, "name")
    with transaction(db) as conn:   # what a later migration adding a column does
        conn.execute("ALTER TABLE residents ADD COLUMN nickname TEXT")
    changelog.install_triggers(db)
    # The row's stamp covers the fields it had, not the new one.
    assert changelog.field_stamp(db.conn, "residents", zhang, "nickname") is None
    owner = get_meta(db, "community_id")
    run = next(r for r in runs_of(db, [owner]) if r[1] == zhang)
    assert "nickname" not in run[3]
    with transaction(db) as conn:
        conn.execute("UPDATE residents SET nickname = '小张' WHERE id = ?", (zhang,))
    stamp = changelog.field_stamp(db.conn, "residents", zhang, "nickname")
    assert stamp is not None and stamp > inserted
    assert changelog.field_stamp(db.conn, "residents", zhang, "name") == inserted
    run = next(r for r in runs_of(db, [owner]) if r[1] == zhang)
    fields = dict(zip(run[3], zip(run[4], run[5], strict=True), strict=True))
    assert fields["nickname"] == ("小张", stamp) and fields["name"][1] == inserted


def test_a_file_converted_from_the_old_layout_syncs_like_a_fresh_one(tmp_path):
    fresh = new_community(tmp_path, "长江路社区", "410102007003")
    registry.edit_resident(fresh, fresh.ids["李四"], {"phone": "13800001111"})
    fresh.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    old = tmp_path / "old" / "community.sqlite"
    old.parent.mkdir()
    shutil.copy(tmp_path / "410102007003.sqlite", old)
    to_old_layout(old)
    migrated = open_community_db(old)             # migration 0024 converts it in place
    upgrade = upgrade_of(migrated)
    assert (upgrade.from_version, upgrade.backup.exists()) == (23, True)   # backed up first
    assert packed(migrated) == packed(fresh)
    owner = get_meta(fresh, "community_id")
    assert runs_of(migrated, [owner]) == runs_of(fresh, [owner])
    assert changelog.changes_since(migrated) == changelog.changes_since(fresh)

    district = open_community_db(tmp_path / "district.sqlite", create=True)
    engine.create_district(district, "中原区", "410102")
    engine.enroll_by_files(migrated, district, tmp_path / "enroll")
    _paths, outcomes = send(migrated, district, tmp_path / "up")
    assert [o.status for o in outcomes] == ["applied"]
    assert runs_of(district, [owner]) == runs_of(fresh, [owner])   # every value and stamp
    # Last writer wins against the converted stamps: the district's newer edit is taken,
    # the community's own edit of another field kept.
    zhang = fresh.ids["张三"]
    registry.edit_resident(district, zhang, {"phone": "13900002222"})
    registry.edit_resident(migrated, zhang, {"name": "张三丰"})
    send(migrated, district, tmp_path / "up2")
    send(district, migrated, tmp_path / "down")
    for db in (migrated, district):
        assert db.conn.execute("SELECT name, phone FROM residents WHERE id = ?",
                               (zhang,)).fetchone() == ("张三丰", "13900002222")
    assert node(district) in changelog.field_stamp(migrated.conn, "residents", zhang, "phone")
    # The row reached the district with the column list it was inserted with.
    assert packed(district)[("residents", zhang)][0] == packed(fresh)[("residents", zhang)][0]
    for db in (fresh, migrated, district):
        db.conn.close()


def test_the_schema_12_file_migrates_to_column_sets(tmp_path):
    path = tmp_path / "old.sqlite"
    shutil.copy(SCHEMA_12, path)
    db = open_community_db(path)
    cols = [r[1] for r in db.conn.execute("PRAGMA table_info(row_clock)")]
    assert cols == ["tbl", "row_id", "cols_id", "hlcs"]
    household = db.conn.execute("SELECT id FROM households WHERE deleted = 0 LIMIT 1"
                                ).fetchone()
    if household:
        added = registry.add_resident(db, {"household_id": household[0], "name": "郑十",
                                           "id_number": make_id(seq="903")})
        assert changelog.field_stamp(db.conn, "residents", added, "name")
        assert ("residents", added) in packed(db)
    db.conn.close()
