"""A snapshot read from the rows and their stamps: each field with the stamp of the value held
now, wherever that stamp is kept; applying it gives the same rows as the changes did."""

from __future__ import annotations

import orjson

from app import registry
from db import changelog, snapshot
from db.node import get_meta
from tests.app.sync.test_sync import new_community, node, send, world  # noqa: F401  (fixture)


def runs_of(db, owners, size=1_000_000):
    runs = []
    for part in snapshot.plan_parts(db, owners, size):
        text, counts, count = snapshot.part_rows(db.conn, part)
        got = orjson.loads(text)
        assert count == sum(len(r[3]) for r in got) == sum(counts.values())
        runs += got
    return runs


def test_each_field_carries_the_stamp_of_the_value_held_now(world, tmp_path):  # noqa: F811
    district, a, _b, _stick = world
    send(a, district, tmp_path / "1")                 # a's rows: stamps packed in row_clock
    zhang = a.ids["张三"]
    registry.edit_resident(district, zhang, {"phone": "13700002222"})   # field_clock, newer
    owner = get_meta(a, "community_id")
    runs = {(r[0], r[1]): r for r in runs_of(district, [owner])}
    _tbl, _row_id, run_owner, cols, values, stamps = runs[("residents", zhang)]
    fields = dict(zip(cols, zip(values, stamps, strict=True), strict=True))
    assert run_owner == owner
    assert fields["phone"][0] == "13700002222" and fields["phone"][1].endswith(
        "." + node(district))
    assert fields["name"] == ("张三", changelog.field_stamp(a.conn, "residents", zhang, "name"))
    assert "id" not in cols
    # Nothing of another community.
    assert {r[2] for r in runs.values()} == {owner}


def test_a_snapshot_applied_to_an_empty_copy_gives_the_same_rows(world, tmp_path):  # noqa: F811
    district, a, _b, _stick = world
    send(a, district, tmp_path / "1")
    registry.edit_resident(district, a.ids["李四"], {"phone": "13700002222"})
    registry.delete_resident(district, a.ids["张三"])
    owners = [get_meta(a, "community_id"), get_meta(district, "community_id")]
    fresh = new_community(tmp_path / "fresh", "空白社区", "410102009001", people=())
    # Small parts: several, a row never split.
    parts = snapshot.plan_parts(district, owners, 8)
    assert len(parts) > 3
    for part in parts:
        text, _counts, _n = snapshot.part_rows(district.conn, part)
        changelog.apply_rows(fresh, orjson.loads(text))
    for table in ("residents", "households", "org_units"):
        sql = f"SELECT * FROM {table} WHERE community_id IN (?, ?) ORDER BY id"
        assert fresh.conn.execute(sql, owners).fetchall() == \
            district.conn.execute(sql, owners).fetchall()
