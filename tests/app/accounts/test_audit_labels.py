"""The audit trail names rows as people know them: every table it names is named right."""

from __future__ import annotations

from app import accounts
from app.accounts import audit
from app.database import open_community_db
from app.demo import build_demo
from app.isolation import printing as ip
from db import registry as rq


def test_every_named_table_gives_each_row_its_name(tmp_path, monkeypatch):
    monkeypatch.setenv("GRIDDESK_DATA_DIR", str(tmp_path / "data"))
    build_demo(tmp_path / "c.sqlite", residents=400, seed=5)
    db = open_community_db(tmp_path / "c.sqlite")
    active = [r[0] for r in db.conn.execute(
        "SELECT id FROM isolation_cases WHERE status = 'active' LIMIT 2")]
    data, issued = ip.notice_set_pdf(db, active)          # serials and a print log
    ip.record_print(db, issued, 1, "PDF", pdf=data)
    accounts.create_demo_accounts(db)
    for tbl in rq.ROW_LABEL_SQL:
        ids = [str(r[0]) for r in db.conn.execute(f"SELECT id FROM [{tbl}] LIMIT 3")]
        assert ids, f"the demo has no {tbl}"
        labels = rq.row_labels(db, {tbl: ids})
        assert {row_id for _t, row_id in labels} == set(ids), tbl
    household, address = db.conn.execute(
        f"SELECT h.id, {rq.ADDRESS_SQL} FROM {rq.HOUSEHOLD_JOIN} LIMIT 1").fetchone()
    case, person = db.conn.execute(
        "SELECT k.id, r.name FROM isolation_cases k JOIN residents r ON r.id = k.resident_id "
        "LIMIT 1").fetchone()
    labels = rq.row_labels(db, {"households": [household], "isolation_cases": [case],
                                "residents": ["no-such-row"], "meta": ["node_id"]})
    assert labels == {("households", household): address, ("isolation_cases", case): person}


def test_a_moved_household_reads_from_address_to_address(tmp_path, monkeypatch):
    from app import registry

    monkeypatch.setenv("GRIDDESK_DATA_DIR", str(tmp_path / "data"))
    build_demo(tmp_path / "c.sqlite", residents=400, seed=5)
    db = open_community_db(tmp_path / "c.sqlite")
    resident, name, old = db.conn.execute(
        "SELECT id, name, household_id FROM residents WHERE deleted = 0 LIMIT 1").fetchone()
    new = db.conn.execute("SELECT id FROM households WHERE id != ? AND deleted = 0 LIMIT 1",
                          (old,)).fetchone()[0]
    registry.edit_resident(db, resident, {"household_id": new})
    (row,) = [r for r in audit.rows(db, record=resident) if r.action == "修改"]
    assert row.what == f"居民 {name}"
    assert (f"住户：{rq.household_address(db, old)} → {rq.household_address(db, new)}"
            in row.detail)
