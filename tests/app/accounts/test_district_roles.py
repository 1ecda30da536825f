"""Roles at the district (issue 15, item 4): nobody edits community data there (the reason says
the community corrects it), and a 街道 account sees its street's communities only, in lists,
search, exports and the command line, numbers masked. A community works as before."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import openpyxl
import pytest

from app import accounts, community_scope, isolation, pairing, registry
from app.accounts import PermissionDenied, masking
from app.cli import main
from app.database import open_community_db
from app.demo import build_demo_district
from app.errors import FormError
from app.ledger import exporter
from db import migrate

READ_ONLY = "区里只能查看社区的数据；更正请联系该社区在本社区电脑上修改，同步后即可看到。"
STREET = "410102008"              # 建设路社区's street in the demo district


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("district") / "中原区.sqlite"
    build_demo_district(path, communities=3, residents=150, accounts=False)
    return path


@pytest.fixture
def district(built, tmp_path):
    """A copy of the demo district with its administrator signed in and a 街道 account."""
    path = tmp_path / "中原区.sqlite"
    shutil.copy(built, path)
    db = open_community_db(path)
    accounts.create_first_admin(db, "quadmin", "张卫东", "secret12", "secret12")
    accounts.create_account(db, "jiedao", "建设路街道办", "street", "secret12", street=STREET)
    accounts.create_account(db, "quji", "区级查看", "district", "secret12")
    db.path = path
    yield db
    accounts.forget_all()
    db.conn.close()


def _one(db, sql: str):
    return db.conn.execute(sql).fetchone()[0]


def test_nobody_edits_community_data_at_the_district_and_the_reason_says_who_does(district):
    db = district
    resident, household = db.conn.execute(
        "SELECT id, household_id FROM residents WHERE deleted = 0 LIMIT 1").fetchone()
    everything = "SELECT group_concat(name || ifnull(phone, ''), ',') FROM main.residents"
    before = _one(db, everything)
    member = _one(db, "SELECT id FROM party_members WHERE deleted = 0 LIMIT 1")
    for user in ("quadmin", "quji", "jiedao"):
        accounts.sign_out(db)
        accounts.sign_in(db, user, "secret12")
        for attempt in (
                lambda: registry.edit_resident(db, resident, {"name": "改名"}),
                lambda: registry.delete_resident(db, resident),
                lambda: registry.add_household(db, {"door_number": "999"}),
                lambda: registry.delete_household(db, household),
                lambda: registry.add_grid(db, "新网格"),
                lambda: pairing.pair_household(db, household, member),
                lambda: isolation.register_case(db, kind="home", reason="x",
                                                started_on="2026-12-01", resident_id=resident)):
            with pytest.raises(PermissionDenied) as refused:
                attempt()
            assert refused.value.message == READ_ONLY, user
        assert accounts.refusal(db, "registry.view") is None
    assert _one(db, everything) == before
    # The district's administrator still runs the district: accounts and sync.
    accounts.sign_out(db)
    accounts.sign_in(db, "quadmin", "secret12")
    assert accounts.refusal(db, "accounts.manage") is None and accounts.refusal(db, "sync") is None


def test_a_street_account_sees_only_its_streets_communities_with_numbers_masked(district):
    db = district
    everyone = _one(db, "SELECT count(*) FROM residents WHERE deleted = 0")
    accounts.sign_out(db)
    session = accounts.sign_in(db, "jiedao", "secret12")
    assert session.role == "street" and session.role_label == "街道"
    assert [c.name for c in community_scope.communities(db)] == ["建设路社区"]
    assert {r[0] for r in db.conn.execute(
        "SELECT code FROM org_units WHERE level = 'street' AND deleted = 0")} == {STREET}
    own = _one(db, "SELECT count(*) FROM residents WHERE deleted = 0")
    assert 0 < own < everyone
    assert {r[0] for r in db.conn.execute("SELECT DISTINCT community_id FROM households")} == \
        session.communities
    # Search: a name in another street's community finds nobody; one of its own is found.
    theirs = db.conn.execute(
        "SELECT name FROM main.residents WHERE deleted = 0 AND community_id NOT IN "
        "(SELECT community_id FROM residents) AND name NOT IN (SELECT name FROM residents) "
        "LIMIT 1").fetchone()[0]
    mine = _one(db, "SELECT name FROM residents WHERE deleted = 0 LIMIT 1")
    for name in (theirs, mine):
        found = registry.search_residents(db, name)
        owners = {r[0] for r in db.conn.execute(
            f"SELECT community_id FROM main.residents WHERE id IN ({','.join('?' * len(found))})",
            found)}
        assert owners == (set() if name == theirs and theirs != mine else session.communities)
    assert not masking.whole(session, "id_number", masking.LEDGER)
    # A page load at the district never writes community data (the views are read-only).
    db.conn.execute("UPDATE main.households SET deleted = 1 WHERE id IN (SELECT household_id "
                    "FROM pairings WHERE ended_on IS NULL AND deleted = 0 LIMIT 1)")
    assert pairing.end_stale_pairings(db) == 0
    with pytest.raises(PermissionDenied):
        accounts.reveal(db, "residents", _one(db, "SELECT id FROM residents LIMIT 1"),
                        "id_number")
    # Signing out lifts the limit: the administrator sees every community again.
    accounts.sign_out(db)
    accounts.sign_in(db, "quadmin", "secret12")
    assert _one(db, "SELECT count(*) FROM residents WHERE deleted = 0") == everyone
    assert len(community_scope.communities(db)) == 3


def test_a_street_account_exports_its_street_only_from_the_command_line(district, tmp_path,
                                                                       monkeypatch):
    path = district.path
    accounts.sign_out(district)
    accounts.forget_all()
    out = tmp_path / "居民.xlsx"
    monkeypatch.setenv("GRIDDESK_PASSWORD", "secret12")
    assert main(["--db", str(path), "--user", "jiedao", "excel", "export", "--what",
                 "residents", "--out", str(out)]) == 0
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    header = list(rows[2])
    body = [r for r in rows[3:] if r[0] is not None]
    assert body and {r[header.index("社区")] for r in body} == {"建设路社区"}
    ids = [r[i] for r in body for i, h in enumerate(header) if h and "证件号" in h and r[i]]
    assert ids and all("*" in v for v in ids)
    # Naming another street's community finds nothing it may see.
    accounts.forget_all()
    assert main(["--db", str(path), "--user", "jiedao", "excel", "export", "--what",
                 "residents", "--community", "长江路社区", "--out", str(tmp_path / "x.xlsx")]) != 0


def test_accounts_at_the_district_offer_its_roles_and_a_street_names_its_street(district):
    db = district
    assert list(accounts.roles_here(db)) == ["admin", "district", "street"]
    assert STREET in accounts.streets(db)
    with pytest.raises(FormError) as missing:
        accounts.create_account(db, "jd2", "某街道", "street", "secret12")
    assert "所属的街道" in missing.value.message
    with pytest.raises(FormError):
        accounts.update_account(db, "quji", role="street")
    assert exporter  # the ledger exporter is what `excel export` runs


def test_a_community_is_unchanged(community):
    accounts.create_first_admin(community, "admin", "王秀英", "secret12", "secret12")
    try:
        assert "street" not in accounts.roles_here(community)
        assert accounts.refusal(community, "registry.edit") is None
        registry.edit_resident(community, community.ids["张三"], {"name": "张叁"})
        with pytest.raises(FormError) as refused:
            accounts.create_account(community, "jd", "街道", "street", "secret12",
                                    street="410102007")
        assert "区里的电脑上" in refused.value.message
    finally:
        accounts.forget_all()


def test_the_migration_keeps_accounts_and_their_key_slots(community, tmp_path, monkeypatch):
    accounts.create_first_admin(community, "admin", "王秀英", "secret12", "secret12")
    accounts.create_account(community, "doc", "赵医生", "doctor", "secret12")
    path = Path(community.conn.execute("PRAGMA database_list").fetchone()[2])
    rows = community.conn.execute("SELECT * FROM accounts ORDER BY id").fetchall()
    slots = community.conn.execute("SELECT * FROM key_slots ORDER BY id").fetchall()
    accounts.forget_all()
    community.conn.close()
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA user_version = 11")     # as a database from before 0012
    raw.commit()
    raw.close()
    # Only 0012 runs again: the later migrations' tables are already in this file.
    every = migrate._migrations()
    monkeypatch.setattr(migrate, "_migrations", lambda: [m for m in every if m[0] <= 12])
    db = open_community_db(path)
    assert db.conn.execute("PRAGMA user_version").fetchone()[0] >= 12
    assert db.conn.execute("SELECT * FROM accounts ORDER BY id").fetchall() == rows
    assert db.conn.execute("SELECT * FROM key_slots ORDER BY id").fetchall() == slots
    assert db.conn.execute("PRAGMA foreign_key_check").fetchall() == []
    with pytest.raises(sqlite3.IntegrityError):
        db.conn.execute("INSERT INTO accounts (username, display_name, role, password_hash, "
                        "created_at) VALUES ('x', 'x', 'street', 'h', 't')")  # names no street
    db.conn.execute("INSERT INTO accounts (username, display_name, role, password_hash, "
                    "created_at, street) VALUES ('y', 'y', 'street', 'h', 't', '410102007')")
    assert accounts.sign_in(db, "doc", "secret12").role == "doctor"
    accounts.forget_all()
    db.conn.close()
