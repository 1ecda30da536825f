"""Accounts and roles: first administrator, sign-in failures and locks, what each role may do."""

from __future__ import annotations

import pytest

from app import accounts, registry
from app.accounts import PermissionDenied, SignInError, audit, masking
from app.errors import FormError
from app.ledger import exporter as ledger_export
from db import registry as db_registry


@pytest.fixture
def office(community):
    """The test community with an administrator and one account per other role."""
    accounts.create_first_admin(community, "admin", "王秀英", "secret12", "secret12")
    grid1 = community.ids["grid1"]
    for user, role, grids in [("wang", "grid_worker", [grid1]), ("doc", "doctor", []),
                              ("cop", "police", []), ("dist", "district", [])]:
        accounts.create_account(community, user, f"{user}姓名", role, "secret12", grids)
    yield community
    accounts.forget_all()


def test_first_start_makes_the_administrator_and_signs_them_in(community):
    assert accounts.current(community) is accounts.UNCLAIMED
    with pytest.raises(FormError) as wrong:
        accounts.create_first_admin(community, "admin", "王秀英", "secret12", "secret13")
    assert "两次输入的密码不一样" in wrong.value.message
    session = accounts.create_first_admin(community, "admin", "王秀英", "secret12", "secret12")
    assert session.role == "admin" and accounts.current(community) == session
    with pytest.raises(PermissionDenied):      # a second "first" administrator
        accounts.create_first_admin(community, "boss", "张三", "secret12")
    stored = community.conn.execute("SELECT password_hash FROM accounts").fetchone()[0]
    assert stored.startswith("scrypt$") and "secret12" not in stored


def test_wrong_passwords_slow_down_then_lock_the_account(office):
    accounts.sign_out(office)
    with pytest.raises(SignInError) as first:
        accounts.sign_in(office, "wang", "nope")
    assert first.value.reason == "wrong" and "再输错 4 次" in first.value.message
    with pytest.raises(SignInError):
        accounts.sign_in(office, "wang", "nope")
    with pytest.raises(SignInError) as third:
        accounts.sign_in(office, "wang", "nope")
    assert third.value.wait_seconds > 0            # the third failure makes the next try wait
    with pytest.raises(SignInError) as waiting:    # even the right password waits
        accounts.sign_in(office, "wang", "secret12")
    assert waiting.value.reason == "wait" and "秒后再试" in waiting.value.message
    office.conn.execute("UPDATE accounts SET locked_until = NULL WHERE username = 'wang'")
    for _ in range(2):    # (the waits are skipped: tests never wait for the clock)
        with pytest.raises(SignInError) as last:
            accounts.sign_in(office, "wang", "nope")
        if last.value.reason != "locked":
            office.conn.execute("UPDATE accounts SET locked_until = NULL WHERE username = 'wang'")
    assert last.value.reason == "locked" and "已锁定" in last.value.message
    with pytest.raises(SignInError) as locked:
        accounts.sign_in(office, "wang", "secret12")
    assert locked.value.reason == "locked"
    assert accounts.current(office) is None        # nobody signed in after all that
    failures = [e for e in office.conn.execute(
        "SELECT action FROM audit_log WHERE action = 'sign_in_failed'")]
    assert len(failures) == 7
    with pytest.raises(SignInError) as unknown:
        accounts.sign_in(office, "nobody", "secret12")
    assert unknown.value.message == "用户名或密码不正确，请重新输入。"


def test_an_administrator_reset_lifts_the_lock(office):
    office.conn.execute("UPDATE accounts SET failed_count = 5, "
                        "locked_until = '2999-01-01T00:00:00Z' WHERE username = 'doc'")
    accounts.set_password(office, "doc", "newpass1")
    accounts.sign_out(office)
    assert accounts.sign_in(office, "doc", "newpass1").role == "doctor"


def test_each_role_is_held_to_its_limits_in_app(office, tmp_path):
    ids = office.ids
    accounts.sign_out(office)
    accounts.sign_in(office, "doc", "secret12")
    with pytest.raises(PermissionDenied) as doc:
        registry.edit_resident(office, ids["张三"], {"phone": "13900000000"})
    assert "片医不能修改住户和居民" in doc.value.message
    with pytest.raises(PermissionDenied):
        ledger_export.export_ledger(office, "residents", tmp_path / "r.xlsx")
    assert not (tmp_path / "r.xlsx").exists()

    accounts.sign_in(office, "wang", "secret12")       # grid worker of the first grid
    registry.edit_resident(office, ids["张三"], {"note": "已走访"})
    other_grid_unit = db_registry.tree_nodes(office)["units"][-1]["id"]   # 棉纺宿舍: grid 2
    with pytest.raises(PermissionDenied) as scope:
        registry.add_household(office, {"unit_id": other_grid_unit, "door_number": "101"})
    assert "不在您负责的网格内" in scope.value.message
    with pytest.raises(PermissionDenied):
        registry.add_grid(office, "第三网格")
    with pytest.raises(PermissionDenied):
        audit.rows(office)

    accounts.sign_in(office, "dist", "secret12")
    with pytest.raises(PermissionDenied):
        accounts.reveal(office, "residents", ids["张三"], "id_number")
    accounts.sign_in(office, "admin", "secret12")
    assert registry.add_grid(office, "第三网格")


def test_masks_and_reveal_are_recorded(office):
    admin = accounts.current(office)
    district = accounts.Session("d", "区", "district")
    number = office.conn.execute("SELECT id_number FROM residents WHERE id = ?",
                                 (office.ids["张三"],)).fetchone()[0]
    listed = masking.LIST
    assert masking.show(admin, "id_number", number, listed) == number[:6] + "********" + number[-4:]
    assert masking.show(admin, "phone", "13912345678", listed) == "13912345678"
    assert masking.show(district, "phone", "13912345678", listed) == "139****5678"
    assert accounts.reveal(office, "residents", office.ids["张三"], "id_number") == number
    last = audit.rows(office, action="reveal")[0]
    assert last.actor == "admin" and "证件号码" in last.detail


def test_command_line_needs_a_user_once_accounts_exist(office, tmp_path, monkeypatch, capsys):
    from app.cli import main

    path = office.conn.execute("PRAGMA database_list").fetchone()[2]
    out = tmp_path / "r.xlsx"
    args = ["excel", "export", "--db", path, "--what", "residents", "--out", str(out)]
    assert main(args) == 3
    assert "请先登录" in capsys.readouterr().err and not out.exists()
    monkeypatch.setenv("GRIDDESK_PASSWORD", "wrong")
    accounts.forget_all()
    assert main(["--user", "doc", *args]) == 1
    assert "密码不正确" in capsys.readouterr().err
    monkeypatch.setenv("GRIDDESK_PASSWORD", "secret12")
    accounts.forget_all()
    assert main(["--user", "doc", *args]) == 3          # 片医 may not export
    assert "片医不能导出台账" in capsys.readouterr().err
    accounts.forget_all()
    assert main(["--user", "admin", *args]) == 0 and out.exists()


def test_a_grid_workers_lists_hold_their_own_grids_only(office):
    other_grid_unit = db_registry.tree_nodes(office)["units"][-1]["id"]   # 棉纺宿舍: grid 2
    registry.add_household(office, {"unit_id": other_grid_unit, "door_number": "101"})
    everyone = registry.household_ids(office)
    accounts.sign_out(office)
    accounts.sign_in(office, "wang", "secret12")
    mine = registry.household_ids(office)
    assert set(mine) < set(everyone) and office.ids["h501"] in mine
    nodes = registry.tree_nodes(office)
    assert [g["name"] for g in nodes["grids"]] == ["第一网格"]
    assert {c["name"] for c in nodes["compounds"]} == {"锦绣花园"}
    assert registry.search_residents(office, "单田芳") == [office.ids["单田芳"]]  # grid 1
    accounts.sign_in(office, "doc", "secret12")
    assert registry.household_ids(office) == everyone
