"""Sealed audit blocks (issue 23): entries moved into compressed blocks read, search, export
and verify exactly as before; tampering inside a block is found and located; a kill between
blocks loses nothing. Small blocks (64 entries, 16 kept live) on a 300-resident demo."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import sqlite_utils
from openpyxl import load_workbook

from app import accounts, community_scope, person, registry
from app.accounts import audit as audit_app
from app.database import open_community_db
from app.demo import build_demo
from app.sync import compaction
from db import audit, audit_sealed
from db import person as pq

BLOCK, KEEP = 64, 16
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> dict:
    """A demo community whose admin (王秀英) edited a resident early on, then 200 more
    entries: after sealing, the edit lies inside a block."""
    path = tmp_path_factory.mktemp("sealed") / "base.sqlite"
    build_demo(path, residents=300, seed=11, isolation_cases=False)
    db = open_community_db(path)
    accounts.create_first_admin(db, "admin", "王秀英", "secret12", "secret12")
    rid, name = db.conn.execute(
        "SELECT id, name FROM residents WHERE deleted = 0 ORDER BY id LIMIT 1").fetchone()
    registry.edit_resident(db, rid, {"phone": "13600001111"})
    edit = audit.entries(db, actor="admin", actions=["update"], limit=1)[0]
    for k in range(200):
        audit.append(db, "export", detail={"what": "test", "n": k})
    accounts.forget_all()
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    return {"path": path, "rid": rid, "name": name, "edit": edit}


@pytest.fixture
def office(base, tmp_path):
    path = tmp_path / "c.sqlite"
    shutil.copyfile(base["path"], path)
    db = open_community_db(path)
    yield db
    accounts.forget_all()
    db.conn.close()


def _seal_all(db) -> int:
    sealed = 0
    while n := audit.seal_step(db, BLOCK, KEEP):
        sealed += n
    return sealed


def _live(db, seq: int) -> bool:
    return db.conn.execute("SELECT 1 FROM audit_log WHERE seq = ?", (seq,)).fetchone() is not None


def _searches(db, base) -> dict:
    edit = base["edit"]
    own = db.conn.execute("SELECT value FROM meta WHERE key = 'community_id'").fetchone()[0]
    return {
        "all": audit.entries(db, limit=None),
        "newest": audit.entries(db, limit=5),
        "actor": audit.entries(db, actor="admin"),
        "action": audit.entries(db, actions=["update", "undelete"]),
        "record id": audit.entries(db, record=base["rid"]),
        "record text": audit.entries(db, record=base["name"]),
        "text": audit.entries(db, text="13600001111"),
        "time": audit.entries(db, since=edit.at, until=edit.at + "Z"),
        "several": audit.entries(db, actor="admin", actions=["update"], text="136"),
        "community": audit.entries(db, communities={own}, limit=None),
        "timeline": pq.audit_of(db, "residents", base["rid"]),
        "actors": audit.actors(db), "count": audit.count(db), "head": audit.head(db),
        "hash_at": [audit.hash_at(db, s) for s in (1, 65, edit.seq, 10_000)],
        "file": person.timeline(db, pq.resident(db, base["rid"])),
    }


def test_sealed_entries_read_search_and_export_as_before(office, base, tmp_path):
    before = _searches(office, base)
    assert _seal_all(office) > 1000
    edit = base["edit"]
    assert not _live(office, edit.seq) and not _live(office, 1)
    assert audit.seal_step(office, BLOCK, KEEP) == 0          # fewer than a block left
    after = _searches(office, base)
    for key, found in before.items():
        assert after[key] == found, key
    for key in ("actor", "action", "record id", "text", "time", "several"):
        assert edit in after[key], key
    assert [(e.action, e.row_id) for e in after["record text"]] == [("insert", base["rid"])]
    assert [e.seq for e in after["all"]] == sorted((e.seq for e in after["all"]), reverse=True)
    assert any(action == "update" for _at, _who, action, _d in after["timeline"])
    # The 审计 page's rows (as admin) and the export carry the sealed entries.
    accounts.sign_in(office, "admin", "secret12")
    rows = audit_app.rows(office, actor="admin", action="update")
    assert [r.seq for r in rows] == [edit.seq] and rows[0].by == "王秀英"
    out = tmp_path / "audit.xlsx"
    written = audit_app.export_audit(office, out)
    assert written == before["count"] + 1                   # + the sign-in
    sheet = load_workbook(out).active
    seqs = {row[0] for row in sheet.iter_rows(values_only=True) if isinstance(row[0], int)}
    assert {1, edit.seq, before["count"]} <= seqs
    report = audit_app.verify(office)
    assert report.ok and report.entries == before["count"] + 2   # + sign-in and export


def _tamper_block(path, first: int, change) -> None:
    """Rewrite a sealed block's columns with the guards dropped, as an editor could."""
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER sealed_audit_no_update")
    conn.execute("DROP TRIGGER sealed_audit_no_delete")
    body = conn.execute("SELECT body FROM audit_sealed WHERE first_seq = ?", (first,)
                        ).fetchone()[0]
    change(conn, body)
    conn.commit()
    conn.close()


def _edit_detail(conn, body) -> None:
    rows = [list(r) for r in audit_sealed.decode(body)]
    rows[5][6] = (rows[5][6] or "").replace('"', "'") + " "
    conn.execute("UPDATE audit_sealed SET body = ? WHERE first_seq = ?",
                 (audit_sealed.encode(rows), rows[0][0]))


def _swap(conn, body) -> None:
    rows = audit_sealed.decode(body)
    a, b = list(rows[3]), list(rows[4])
    a[0], b[0] = b[0], a[0]                    # renumbered and exchanged
    rows = [*rows[:3], tuple(b), tuple(a), *rows[5:]]
    conn.execute("UPDATE audit_sealed SET body = ? WHERE first_seq = ?",
                 (audit_sealed.encode(rows), rows[0][0]))


def _remove(conn, body) -> None:
    first = audit_sealed.decode(body)[0][0]
    conn.execute("DELETE FROM audit_sealed WHERE first_seq = ?", (first,))


def _corrupt(conn, body) -> None:
    first = audit_sealed.decode(body)[0][0]
    broken = body[:40] + bytes([body[40] ^ 0xFF]) + body[41:]
    conn.execute("UPDATE audit_sealed SET body = ? WHERE first_seq = ?", (broken, first))


@pytest.mark.parametrize(("change", "offset", "kind", "missing"), [
    (_edit_detail, 5, "edited", 0), (_swap, 3, "moved", 0), (_remove, BLOCK, "removed", BLOCK),
    (_corrupt, 0, "damaged", BLOCK)])
def test_tampering_inside_a_sealed_block_is_found(office, change, offset, kind, missing):
    _seal_all(office)
    head = audit.head(office)
    path = office.conn.execute("PRAGMA database_list").fetchone()[2]
    office.conn.close()
    first = 2 * BLOCK + 1                                   # the third block
    _tamper_block(path, first, change)
    db = open_community_db(path)
    problems = [p for _seq, p in audit.walk(db) if p]
    assert problems[0] == audit.Problem(first + offset, kind, missing)
    if kind == "moved":
        assert problems[1] == audit.Problem(first + offset + 1, "moved")
    assert audit.head(db) == head                           # the anchored head is unchanged
    report = audit_app.verify(db)
    assert not report.ok and f"第 {first + offset} 条" in report.message + report.lines[0]
    db.conn.close()


def test_a_block_whose_range_is_edited_is_found(office):
    _seal_all(office)
    path = office.conn.execute("PRAGMA database_list").fetchone()[2]
    office.conn.close()
    _tamper_block(path, BLOCK + 1, lambda conn, _b: conn.execute(
        "UPDATE audit_sealed SET last_seq = last_seq + 5 WHERE first_seq = ?", (BLOCK + 1,)))
    db = open_community_db(path)
    assert [p for _s, p in audit.walk(db) if p] == [audit.Problem(BLOCK + 1, "damaged")]
    db.conn.close()


def test_a_live_entry_can_only_leave_inside_a_sealed_block(office):
    _seal_all(office)
    newest = audit.head(office).seq
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        office.conn.execute("DELETE FROM audit_log WHERE seq = ?", (newest,))
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        office.conn.execute("DELETE FROM audit_sealed")


KILLER = """
import os, sys
from app.database import open_community_db
from db import audit
db = open_community_db(sys.argv[1])
blocks = set()
def trace(sql):   # traced once per row the statement deletes: count distinct statements
    if sql.startswith("DELETE FROM audit_log"):
        blocks.add(sql)
        if len(blocks) == 3:
            os.kill(os.getpid(), 9)         # killed inside the third block's transaction
db.conn.set_trace_callback(trace)
while audit.seal_step(db, int(sys.argv[2]), int(sys.argv[3])):
    pass
"""


def test_a_kill_while_sealing_leaves_a_file_that_verifies_and_seals_on(office, base,
                                                                       monkeypatch):
    before = audit.entries(office, limit=None)
    path = office.conn.execute("PRAGMA database_list").fetchone()[2]
    office.conn.close()
    run = subprocess.run([sys.executable, "-c", KILLER, path, str(BLOCK), str(KEEP)],
                         cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert run.returncode == -9
    db = open_community_db(path)
    assert db.conn.execute("SELECT count(*) FROM audit_sealed").fetchone()[0] == 2
    assert not any(p for _s, p in audit.walk(db))
    assert audit.entries(db, limit=None) == before
    # The office's next 整理同步记录 seals the rest.
    monkeypatch.setattr(audit, "SEAL_BLOCK", BLOCK)
    monkeypatch.setattr(audit, "LIVE_TAIL", KEEP)
    done = compaction.run(db, vacuum=False)
    assert done.sealed == (len(before) - KEEP) // BLOCK * BLOCK - 2 * BLOCK
    assert not any(p for _s, p in audit.walk(db))
    assert audit.entries(db, limit=None) == before
    db.conn.close()


def test_a_block_round_trips_every_column_exactly():
    rows = [(7, "2026-12-05T01:02:03.004Z", "", "sign_in", None, None, None, "", "a" * 64),
            (8, "2026-12-05T01:02:03.005Z", "王", "update", "residents", "x\"y\\z",
             '{"before":{"note":"换行\\n"}}', "b" * 64, "c" * 64),
            (10, "2026-12-05T01:02:03.006Z", "admin", "print", "t", "r", "\u2028\x00",
             "c" * 64, "d" * 64)]
    assert audit_sealed.decode(audit_sealed.encode(rows)) == rows
    with pytest.raises(audit_sealed.BlockError):
        audit_sealed.decode(b"\x01" + b"x" * 50)


def test_a_district_seals_its_own_log_and_filters_by_community_as_before(tmp_path):
    from app.demo import build_demo_district
    from app.sync import engine

    built = build_demo_district(tmp_path / "中原区.sqlite", communities=2, residents=60)
    d = open_community_db(built["district"])
    a = open_community_db(built["communities"][0])
    a_id = engine.get_meta(a, "community_id")
    a.conn.close()
    owners = dict(d.conn.execute("SELECT id, community_id FROM residents WHERE deleted = 0"))
    for k, rid in enumerate(sorted(owners)[:120]):
        accounts.reveal(d, "residents", rid, "id_number" if k % 2 else "phone")

    def seen() -> dict:
        return {key: audit_app.rows(d, communities=ids, limit=100_000)
                for key, ids in (("a", {a_id}), ("others", set(owners.values()) - {a_id}),
                                 ("all", None))}
    before = seen()
    assert _seal_all(d) > 0 and not _live(d, 1)
    after = seen()
    assert after == before
    name = next(c.name for c in community_scope.communities(d) if c.id == a_id)
    assert {r.community for r in after["a"]} == {name} and len(after["a"]) >= 40
    assert audit_app.verify(d).ok
    d.conn.close()


def _unindex(conn, first: int, rid: str) -> None:
    conn.execute("DELETE FROM audit_sealed_rows WHERE row_key = ? AND first_seq = ?",
                 (audit_sealed.row_key(rid), first))


def _no_actor(conn, first: int, _rid: str) -> None:
    conn.execute("UPDATE audit_sealed SET actors = '[]' WHERE first_seq = ?", (first,))


def _later(conn, first: int, _rid: str) -> None:
    conn.execute("UPDATE audit_sealed SET min_at = '2999', max_at = '2999' "
                 "WHERE first_seq = ?", (first,))


@pytest.mark.parametrize("change", [_unindex, _no_actor, _later])
def test_a_block_whose_look_ups_are_edited_is_found(office, base, change):
    """The block's look-ups (the record index, its actors, its time range) are not hashed:
    an edit there hides entries from the person page and the 审计 filters, so walk() checks
    them against the block's entries."""
    _seal_all(office)
    edit, rid = base["edit"], base["rid"]
    assert not _live(office, edit.seq)
    first = office.conn.execute("SELECT max(first_seq) FROM audit_sealed WHERE first_seq <= ?",
                                (edit.seq,)).fetchone()[0]
    path = office.conn.execute("PRAGMA database_list").fetchone()[2]
    office.conn.close()
    _tamper_block(path, first, lambda conn, _b: change(conn, first, rid))
    db = open_community_db(path)
    hidden = (edit not in audit.record_entries(db, "residents", rid, ["update"])
              or edit not in audit.entries(db, actor="admin", since="2000", until="2100"))
    assert hidden   # what the edit does to a reader: it no longer finds the entry
    assert [p for _s, p in audit.walk(db) if p] == [audit.Problem(first, "damaged")]
    report = audit_app.verify(db)
    assert not report.ok and "封存块" in report.message + "".join(report.lines)
    db.conn.close()


def seal_elsewhere(path: str) -> None:
    """One block sealed through another connection to the file (the background sync's)."""
    other = sqlite_utils.Database(path)
    assert audit.seal_step(other, BLOCK, KEEP) == BLOCK
    other.conn.close()


def test_a_walk_while_another_connection_seals_sees_one_consistent_log(office):
    """The hub sync seals in the background: a block sealed while 校验 walks must not read
    as entries removed (the walk reads blocks and tail from one snapshot)."""
    assert audit.seal_step(office, BLOCK, KEEP)
    path = office.conn.execute("PRAGMA database_list").fetchone()[2]
    walking = audit.walk(office)
    assert next(walking)[1] is None                   # the walk has begun
    seal_elsewhere(path)   # meanwhile
    assert [p for _s, p in walking if p] == []
    assert [p for _s, p in audit.walk(office) if p] == []


def test_a_search_while_another_connection_seals_lists_each_entry_once(office, monkeypatch):
    """Entries read live, then sealed elsewhere before the blocks are read, are not listed
    twice (the 审计 page and its export)."""
    assert audit.seal_step(office, BLOCK, KEEP)
    expected = [e.seq for e in audit.entries(office, limit=None)]
    path = office.conn.execute("PRAGMA database_list").fetchone()[2]
    blocks = audit._blocks

    def sealed_meanwhile(*args, **kwargs):
        seal_elsewhere(path)
        return blocks(*args, **kwargs)

    monkeypatch.setattr(audit, "_blocks", sealed_meanwhile)
    assert [e.seq for e in audit.entries(office, limit=None)] == expected


def test_a_timeline_read_while_another_connection_seals_lists_each_entry_once(
        office, base, monkeypatch):
    """The person page's timeline: the record's live entries, sealed elsewhere before its
    blocks are looked up, are listed once."""
    rid, acts = base["rid"], ("insert", "update")
    first_live = office.conn.execute("SELECT min(seq) FROM audit_log WHERE row_id = ?",
                                     (rid,)).fetchone()[0]
    expected = audit.record_entries(office, "residents", rid, acts)
    assert first_live is not None and expected
    while office.conn.execute("SELECT min(seq) FROM audit_log").fetchone()[0] + BLOCK \
            <= first_live:   # until the next block to seal holds the record's first entry
        assert audit.seal_step(office, BLOCK, KEEP)
    path = office.conn.execute("PRAGMA database_list").fetchone()[2]
    key, sealing = audit_sealed.row_key, []

    def sealed_meanwhile(row_id: str) -> int:
        if not sealing:   # once, as the look-up starts: the record's entries leave the tail
            sealing.append(True)
            seal_elsewhere(path)
        return key(row_id)

    monkeypatch.setattr(audit_sealed, "row_key", sealed_meanwhile)
    assert audit.record_entries(office, "residents", rid, acts) == expected


def test_the_count_while_another_connection_seals_counts_each_entry_once(office, monkeypatch):
    assert audit.seal_step(office, BLOCK, KEEP)
    expected = audit.count(office)
    path = office.conn.execute("PRAGMA database_list").fetchone()[2]
    has_sealed, sealing = audit._has_sealed, []

    def sealed_meanwhile(db) -> bool:
        if not sealing:   # once, between the count's reads (seal_step asks this too)
            sealing.append(True)
            seal_elsewhere(path)
        return has_sealed(db)

    monkeypatch.setattr(audit, "_has_sealed", sealed_meanwhile)
    assert audit.count(office) == expected


def test_an_entry_edited_outside_the_app_is_not_offered_for_sealing_again(office):
    """An entry whose values an editor changed to types the app never writes stays live and
    walk() reports it as edited (it used to stop with an error); sealing stops before it, and
    the count of what could be sealed says so instead of offering the same entries forever."""
    assert audit.sealable(office, BLOCK, KEEP) > 0
    path = office.conn.execute("PRAGMA database_list").fetchone()[2]
    oldest = office.conn.execute("SELECT min(seq) FROM audit_log").fetchone()[0]
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("UPDATE audit_log SET at = CAST('2026-12-06' AS BLOB) WHERE seq = ?", (oldest,))
    conn.commit()
    conn.close()
    assert audit.seal_step(office, BLOCK, KEEP) == 0
    assert audit.sealable(office, BLOCK, KEEP) == 0
    problems = [(p.seq, p.kind) for _seq, p in audit.walk(office) if p]
    assert problems and problems[0] == (oldest, "edited")
