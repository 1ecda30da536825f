"""Accounts, sign-in, roles and what each role may do or see; the checks services call."""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlite_utils

from app.errors import FormError
from db import audit as audit_log
from db import registry as db_registry
from db import scope as db_scope
from db.node import get_meta, node_state, set_meta, transaction

ROLE_LABELS = {"admin": "管理员", "grid_worker": "网格员", "doctor": "片医", "police": "片警",
               "district": "区级", "street": "街道"}
ROLE_HINTS = {
    "admin": "社区书记或主任：全部功能，管理账户",
    "grid_worker": "所负责网格的住户和居民；登记排查和走访",
    "doctor": "健康监测和隔离人员的健康数据",
    "police": "隔离案件和重点人员（只读）",
    "district": "区级：跨社区查看（只读）",
    "street": "街道办：只查看本街道各社区的数据（只读，证件号和电话不显示完整）",
}

# What each permission is called in a refusal: "片医不能<修改住户和居民>".
PERMISSION_LABELS = {
    "registry.view": "查看住户和居民",
    "registry.edit": "修改住户和居民",
    "registry.structure": "修改网格、楼院和楼栋",
    "pairing.view": "查看党员联户",
    "pairing.edit": "登记联户、走访和督查结果",
    "cases.view": "查看居家隔离",
    "cases.edit": "登记和修改居家隔离",
    "health.edit": "登记健康监测和检测结果",
    "keypersons.view": "查看重点人员",
    "sweeps.manage": "发起和结束入户排查",
    "reports.confirm": "确认上报日报",
    "ledger.import": "导入台账",
    "ledger.export": "导出台账",
    "print": "打印文书",
    "sync": "同步数据",
    "settings": "修改设置",
    "accounts.manage": "管理账户",
    "audit.view": "查看审计日志",
    "personal.reveal": "查看完整的证件号码和电话",
    "incidents.view": "查看事件和诉求",
    "incidents.edit": "登记和办理事件、诉求",
    "incidents.reply": "答复社区上报的事件",
    "places.edit": "登记场所、检查和整改",
    "supervision.edit": "督查各社区",
    "duty.edit": "登记值班、专班志愿者、卡口和物资",
}

_ALL = frozenset(PERMISSION_LABELS)
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": _ALL,
    "grid_worker": frozenset({"registry.view", "registry.edit", "pairing.view", "pairing.edit",
                              "cases.view", "cases.edit", "print", "personal.reveal",
                              "incidents.view", "incidents.edit", "places.edit",
                              "duty.edit"}),
    "doctor": frozenset({"registry.view", "cases.view", "health.edit", "print",
                         "personal.reveal"}),
    "police": frozenset({"registry.view", "cases.view", "keypersons.view", "personal.reveal"}),
    "district": frozenset({"registry.view", "pairing.view", "cases.view", "keypersons.view",
                           "ledger.export", "sync", "incidents.view", "incidents.reply",
                           "supervision.edit"}),
    "street": frozenset({"registry.view", "pairing.view", "cases.view", "keypersons.view",
                         "ledger.export", "incidents.view", "supervision.edit"}),
}
# At a district database, community data is only looked at: whoever is signed in, these are
# refused (require, and the window's buttons), with DISTRICT_READ_ONLY as the reason.
COMMUNITY_WRITES = frozenset({"registry.edit", "registry.structure", "pairing.edit",
                              "cases.edit", "health.edit", "ledger.import", "incidents.edit",
                              "places.edit", "duty.edit"})
DISTRICT_READ_ONLY = ("区里只能查看社区的数据；更正请联系该社区在本社区电脑上修改，"
                      "同步后即可看到。")
# Values a role sees unmasked in lists; anything else shows masked, "显示" reveals it. Every
# output's rule is in app.accounts.masking.
ROLE_SEES: dict[str, frozenset[str]] = {
    "admin": frozenset({"phone"}),
    "grid_worker": frozenset({"phone"}),
    "doctor": frozenset({"phone"}),
    "police": frozenset({"phone", "id_number"}),
    "district": frozenset(),
    "street": frozenset(),
}

DEFAULTS = {"signin_max_failures": 5, "signin_lock_minutes": 15, "idle_lock_minutes": 10}
# Failures before the lock add a growing wait (seconds) before the next try is accepted.
FAILURE_WAITS = (0, 0, 5, 15, 30)
REVEAL_SECONDS = 60
DEMO_PASSWORD = "demo1234"
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.\-\u4e00-\u9fff]{2,32}$")
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 14, 8, 1


class PermissionDenied(FormError):
    """The signed-in role may not do this; nothing was changed."""

    def __init__(self, message: str) -> None:
        super().__init__({"permission": message})


class SignInError(Exception):
    """Sign-in refused; `message` is the Chinese text to show, `reason` a code."""

    def __init__(self, message: str, reason: str, wait_seconds: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason  # 'wrong' | 'locked' | 'wait' | 'disabled' | 'no_accounts'
        self.wait_seconds = wait_seconds


@dataclass(frozen=True)
class Session:
    """Who is signed in on a connection, and what their role allows."""

    username: str
    display_name: str
    role: str
    grid_ids: frozenset[str] = field(default_factory=frozenset)
    account_id: int | None = None
    street: str = ""    # a 街道 account's street code
    # The community ids this session may see at a district (a 街道 account: its street's);
    # None for every one. db.scope applies it to the connection (see attach).
    communities: frozenset[str] | None = None

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]

    def can(self, permission: str) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]

    def sees(self, kind: str) -> bool:
        return kind in ROLE_SEES[self.role]

    def why_not(self, permission: str) -> str:
        """The reason shown on a disabled button or a refused command."""
        return (f"{self.role_label}不能{PERMISSION_LABELS.get(permission, permission)}。"
                "如确需使用，请联系社区管理员调整账户角色。")


# A database without accounts belongs to nobody yet (first start, tests, the demo builder):
# everything is allowed until the administrator is created.
UNCLAIMED = Session(username="", display_name="（尚未设置管理员）", role="admin")


# --- passwords ----------------------------------------------------------------------------

def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R,
                            p=SCRYPT_P, dklen=32, maxmem=64 * 1024 * 1024)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if kind != "scrypt":
        return False
    got = hashlib.scrypt(password.encode("utf-8"), salt=bytes.fromhex(salt), n=int(n),
                         r=int(r), p=int(p), dklen=len(digest) // 2, maxmem=64 * 1024 * 1024)
    return hmac.compare_digest(got.hex(), digest)


_DUMMY_HASH = None


def _dummy_hash() -> str:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hash_password(secrets.token_hex(8))
    return _DUMMY_HASH


def password_problem(password: str) -> str | None:
    if len(password) < 6:
        return "密码至少要 6 位。可以用字母、数字和符号组合，不要用生日或电话号码。"
    if len(set(password)) < 3:
        return "密码太简单（几乎都是同一个字符），请换一个。"
    return None


# --- settings -----------------------------------------------------------------------------

def setting(db: sqlite_utils.Database, key: str) -> int:
    value = get_meta(db, key)
    try:
        return int(value) if value is not None else DEFAULTS[key]
    except ValueError:
        return DEFAULTS[key]


def set_setting(db: sqlite_utils.Database, key: str, value: Any) -> int:
    require(db, "settings")
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if number < 1:
        raise FormError({key: "请填写大于 0 的整数。"})
    with transaction(db):
        before = setting(db, key)
        set_meta(db, key, str(number))
        audit_log.append(db, "setting", tbl="meta", row_id=key,
                     detail={"before": {key: before}, "after": {key: number}})
    return number


# --- sessions on connections ---------------------------------------------------------------

def has_accounts(db: sqlite_utils.Database) -> bool:
    return db.conn.execute("SELECT EXISTS (SELECT 1 FROM accounts)").fetchone()[0] == 1


def attach(db: sqlite_utils.Database, session: Session | None) -> None:
    """Make `session` the connection's signed-in user (services check it, audit names it)."""
    state = node_state(db)
    state.session = session
    state.user = session.username if session else ""
    scoped = session is not None and session.communities is not None
    if scoped or db_scope.limited(db):
        db_scope.limit_to(db, session.communities if scoped else None)  # type: ignore[union-attr]


def actor_name(db: sqlite_utils.Database) -> str:
    """Who is acting on this connection, by name, for a record's 经办人; '' when nobody has
    signed in (a database without accounts yet)."""
    session = current(db)
    return (session.display_name or session.username) if session and session.username else ""


def current(db: sqlite_utils.Database) -> Session | None:
    """The connection's session; UNCLAIMED while the database has no accounts."""
    session = node_state(db).session
    if session is not None:
        return session  # type: ignore[return-value]
    return None if has_accounts(db) else UNCLAIMED


def at_district(db: sqlite_utils.Database) -> bool:
    """Whether this is a district database (app.sync.engine.role says "district")."""
    return get_meta(db, "role") == "district"


# The roles an account may have at a district, and what its administrator does there.
DISTRICT_ROLES = ("admin", "district", "street")
DISTRICT_ADMIN_HINT = "区县管理员：同步、账户和设置；各社区的数据只能查看"


def roles_here(db: sqlite_utils.Database) -> dict[str, str]:
    """Role → "label：hint" for the roles an account may have on this database: at a district
    管理员, 区级 and 街道; at a community every role but 街道."""
    if at_district(db):
        return {r: f"{ROLE_LABELS[r]}：{DISTRICT_ADMIN_HINT if r == 'admin' else ROLE_HINTS[r]}"
                for r in DISTRICT_ROLES}
    return {r: f"{label}：{ROLE_HINTS[r]}" for r, label in ROLE_LABELS.items() if r != "street"}


def streets(db: sqlite_utils.Database) -> dict[str, str]:
    """Street code → "name（code）": the streets a 街道 account may name here."""
    return {code: f"{name}（{code}）" for code, name in db_scope.streets(db)}


SIGN_IN_FIRST = ("请先登录。命令行请加 --user 用户名（密码在提示时输入，"
                 "或放在环境变量 GRIDDESK_PASSWORD 中）。")


def refusal(db: sqlite_utils.Database, permission: str) -> str | None:
    """Why the signed-in user may not do `permission` here (the Chinese reason a service
    raises and a disabled button shows), or None when they may. The one place that decides:
    the role's permissions, and at a district, no editing of community data for anyone. A
    district without accounts yet (tests, the demo builder) is UNCLAIMED, as everywhere: the
    window makes its administrator first, and from then on the district only looks."""
    session = current(db)
    if session is None:
        return SIGN_IN_FIRST
    if permission in COMMUNITY_WRITES and session is not UNCLAIMED and at_district(db):
        return DISTRICT_READ_ONLY
    if not session.can(permission):
        return session.why_not(permission)
    return None


def require(db: sqlite_utils.Database, permission: str) -> Session:
    """The check every service makes before acting; raises PermissionDenied."""
    reason = refusal(db, permission)
    if reason is not None:
        raise PermissionDenied(reason)
    return current(db)  # type: ignore[return-value]


def resident_household(db: sqlite_utils.Database, resident_id: str) -> str | None:
    row = db.conn.execute("SELECT household_id FROM residents WHERE id = ?",
                          (resident_id,)).fetchone()
    return row[0] if row else None


def require_household(db: sqlite_utils.Database, permission: str,
                      household_id: str | None) -> Session:
    """require(), and for a grid worker: the household lies in one of their grids."""
    session = require(db, permission)
    if session.role == "grid_worker" and household_id is not None:
        grid = db_registry.household_grid(db, household_id)
        if grid not in session.grid_ids:
            raise PermissionDenied("这户不在您负责的网格内，不能修改或查看其完整信息。"
                                   "如需调整负责网格，请联系社区管理员。")
    return session


def require_unit(db: sqlite_utils.Database, permission: str, unit_id: str | None) -> Session:
    """require_household() for a household about to be placed in `unit_id`."""
    session = require(db, permission)
    if session.role == "grid_worker" and unit_id is not None:
        row = db.conn.execute(
            "SELECT c.grid_id FROM units u JOIN buildings b ON b.id = u.building_id "
            "JOIN compounds c ON c.id = b.compound_id WHERE u.id = ?", (unit_id,)).fetchone()
        if (row[0] if row else None) not in session.grid_ids:
            raise PermissionDenied("这个单元不在您负责的网格内，不能在这里登记住户。"
                                   "如需调整负责网格，请联系社区管理员。")
    return session


def require_resident(db: sqlite_utils.Database, permission: str, resident_id: str) -> Session:
    return require_household(db, permission, resident_household(db, resident_id))


def grid_scope(db: sqlite_utils.Database) -> frozenset[str] | None:
    """The grids a list should be limited to (a grid worker's own), or None for all."""
    session = current(db)
    if session is not None and session.role == "grid_worker":
        return session.grid_ids
    return None


# --- process-wide sign-in for the command line and worker connections ---------------------

_credentials: tuple[str, str] | None = None
_sessions: dict[str, Session] = {}


def _key(path: str | os.PathLike[str]) -> str:
    return str(Path(path).resolve())


def use_credentials(username: str, password: str) -> None:
    """The command line's --user: every database opened later in this process is signed in
    (its own accounts checked) before any command runs."""
    global _credentials
    _credentials = (username, password)


def remember(path: str | os.PathLike[str], session: Session | None) -> None:
    """Connections opened later on this file (worker threads) get the same session."""
    if session is None:
        _sessions.pop(_key(path), None)
    else:
        _sessions[_key(path)] = session


def forget_all() -> None:
    from app.accounts import keyslots  # the core calls its key slots; they never import it

    global _credentials
    _credentials = None
    keyslots.forget()
    _sessions.clear()


def on_open(db: sqlite_utils.Database, path: str | os.PathLike[str]) -> None:
    """Called by app.database.open_community_db on every new connection."""
    session = _sessions.get(_key(path))
    if session is not None:
        attach(db, session)
    elif _credentials is not None and has_accounts(db):
        session = sign_in(db, *_credentials)
        remember(path, session)
    elif _credentials is None and get_meta(db, "demo_password"):
        session = demo_sign_in(db)    # a demo database: the printed demo password
        if session is not None:
            remember(path, session)


# --- sign-in --------------------------------------------------------------------------------

def _now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _session(db: sqlite_utils.Database, row: dict[str, Any]) -> Session:
    street = row.get("street") or ""
    return Session(username=row["username"], display_name=row["display_name"],
                   role=row["role"], grid_ids=frozenset(row["grid_ids"].split()),
                   account_id=row["id"], street=street,
                   communities=(db_scope.street_communities(db, street)
                                if row["role"] == "street" else None))


def _account(db: sqlite_utils.Database, username: str) -> dict[str, Any] | None:
    cur = db.conn.execute("SELECT * FROM accounts WHERE username = ?", (username.strip(),))
    row = cur.fetchone()
    return dict(zip([d[0] for d in cur.description], row, strict=True)) if row else None


def _wait_text(seconds: int) -> str:
    return f"{seconds} 秒" if seconds < 120 else f"{(seconds + 59) // 60} 分钟"


def sign_in(db: sqlite_utils.Database, username: str, password: str, *,
            event: str = "sign_in") -> Session:
    """Check the password and attach the session to `db`; raises SignInError.

    Failures are counted per account: after a few each try must wait a little longer, and
    after `signin_max_failures` the account is locked for `signin_lock_minutes`. Every try
    is written to the audit log. `event` is 'unlock' when the idle lock is lifted.
    """
    if not has_accounts(db):
        raise SignInError("这个数据库还没有账户，请先设置管理员。", "no_accounts")
    account = _account(db, username)
    now = _now()
    if account is None:
        check_password(password, _dummy_hash())   # same time as a real check
        audit_log.append(db, "sign_in_failed", tbl="accounts", actor=username.strip()[:32],
                     detail={"reason": "unknown_user"})
        raise SignInError("用户名或密码不正确，请重新输入。", "wrong")
    if account["disabled"]:
        audit_log.append(db, "sign_in_failed", tbl="accounts", row_id=str(account["id"]),
                     actor=account["username"], detail={"reason": "disabled"})
        raise SignInError("这个账户已停用。如需使用，请联系社区管理员。", "disabled")
    if account["locked_until"] and account["locked_until"] > _iso(now):
        left = int((datetime.strptime(account["locked_until"], "%Y-%m-%dT%H:%M:%SZ")
                    .replace(tzinfo=UTC) - now).total_seconds()) + 1
        locked = account["failed_count"] >= setting(db, "signin_max_failures")
        audit_log.append(db, "sign_in_failed", tbl="accounts", row_id=str(account["id"]),
                     actor=account["username"],
                     detail={"reason": "locked" if locked else "wait"})
        if locked:
            raise SignInError(
                f"密码连续输错 {account['failed_count']} 次，账户已锁定，请 {_wait_text(left)}后"
                "再试。忘记密码请联系社区管理员重设。", "locked", left)
        raise SignInError(f"密码输错次数较多，请 {_wait_text(left)}后再试。", "wait", left)
    if not check_password(password, account["password_hash"]):
        failures = account["failed_count"] + 1
        limit = setting(db, "signin_max_failures")
        if failures >= limit:
            wait = setting(db, "signin_lock_minutes") * 60
        else:
            wait = FAILURE_WAITS[min(failures - 1, len(FAILURE_WAITS) - 1)]
        with transaction(db):
            db.conn.execute("UPDATE accounts SET failed_count = ?, locked_until = ? WHERE id = ?",
                            (failures, _iso(now + timedelta(seconds=wait)) if wait else None,
                             account["id"]))
            audit_log.append(db, "sign_in_failed", tbl="accounts", row_id=str(account["id"]),
                         actor=account["username"],
                         detail={"reason": "wrong_password", "failures": failures})
        if failures >= limit:
            raise SignInError(
                f"密码连续输错 {failures} 次，账户已锁定 {_wait_text(wait)}。"
                "忘记密码请联系社区管理员重设。", "locked", wait)
        left = limit - failures
        extra = f"请 {wait} 秒后再试；" if wait else ""
        raise SignInError(f"密码不正确。{extra}再输错 {left} 次账户将被锁定。", "wrong", wait)
    session = _session(db, account)
    attach(db, session)
    with transaction(db):
        db.conn.execute("UPDATE accounts SET failed_count = 0, locked_until = NULL, "
                        "last_sign_in = ? WHERE id = ?", (_iso(now), account["id"]))
        audit_log.append(db, event, tbl="accounts", row_id=str(account["id"]))
    from app.accounts import keyslots  # the password unwraps the data key (key slots)

    keyslots.on_signed_in(db, account["id"], account["role"], password)
    return session


def sign_out(db: sqlite_utils.Database, path: str | os.PathLike[str] | None = None) -> None:
    session = node_state(db).session
    if session is not None:
        audit_log.append(db, "sign_out", tbl="accounts")
    attach(db, None)
    if path is not None:
        from app.accounts import keyslots

        remember(path, None)
        keyslots.forget(path)


def record_idle_lock(db: sqlite_utils.Database, by_hand: bool = False) -> None:
    """The window was covered: after the quiet spell, or by hand (立即锁定窗口)."""
    audit_log.append(db, "lock" if by_hand else "idle_lock", tbl="accounts")


# --- accounts -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Account:
    id: int
    username: str
    display_name: str
    role: str
    grid_ids: tuple[str, ...]
    disabled: bool
    locked: bool
    last_sign_in: str | None

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]


def accounts(db: sqlite_utils.Database) -> list[Account]:
    now = _iso(_now())
    return [Account(r[0], r[1], r[2], r[3], tuple(r[4].split()), bool(r[5]),
                    bool(r[6] and r[6] > now), r[7])
            for r in db.conn.execute(
                "SELECT id, username, display_name, role, grid_ids, disabled, locked_until, "
                "last_sign_in FROM accounts ORDER BY id")]


def _check_fields(db: sqlite_utils.Database, username: str, display_name: str, role: str,
                  password: str | None, password_again: str | None) -> dict[str, str]:
    errors = {}
    if not USERNAME_RE.match(username.strip()):
        errors["username"] = ("用户名为 2–32 个字母、数字或汉字，例如 admin 或 zhangli，"
                              "不能有空格。")
    elif _account(db, username) is not None:
        errors["username"] = f"用户名“{username.strip()}”已被使用，请换一个。"
    if not display_name.strip():
        errors["display_name"] = "请填写使用人的姓名，例如“王秀英”。审计日志里会显示它。"
    if role not in ROLE_LABELS:
        errors["role"] = "请选择角色。"
    if password is not None:
        problem = password_problem(password)
        if problem:
            errors["password"] = problem
        elif password_again is not None and password != password_again:
            errors["password_again"] = "两次输入的密码不一样，请重新输入。"
    return errors


def _insert_account(db: sqlite_utils.Database, username: str, display_name: str, role: str,
                    password: str, grid_ids: Iterable[str], street: str = "") -> int:
    cur = db.conn.execute(
        "INSERT INTO accounts (username, display_name, role, grid_ids, password_hash, "
        "created_at, street) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (username.strip(), display_name.strip(), role, " ".join(grid_ids),
         hash_password(password), _iso(_now()), street))
    return cur.lastrowid


def create_first_admin(db: sqlite_utils.Database, username: str, display_name: str,
                       password: str, password_again: str | None = None) -> Session:
    """First start: the community secretary (at a district: the district's administrator)
    becomes the administrator and is signed in."""
    errors = _check_fields(db, username, display_name, "admin", password, password_again)
    if errors:
        raise FormError(errors)
    with transaction(db):
        if has_accounts(db):
            raise PermissionDenied("管理员已经设置过了，请直接登录。")
        account_id = _insert_account(db, username, display_name, "admin", password, ())
        audit_log.append(db, "account_created", tbl="accounts", row_id=str(account_id),
                     actor=username.strip(),
                     detail={"after": {"username": username.strip(), "role": "admin",
                                       "display_name": display_name.strip()}})
    return sign_in(db, username, password)


def create_account(db: sqlite_utils.Database, username: str, display_name: str, role: str,
                   password: str, grid_ids: Iterable[str] = (),
                   password_again: str | None = None, street: str = "") -> int:
    """A new account; a 街道 account names its street (the street's code, db.scope.streets)."""
    require(db, "accounts.manage")
    grid_ids = tuple(grid_ids)
    errors = _check_fields(db, username, display_name, role, password, password_again)
    if role == "grid_worker" and not grid_ids:
        errors["grid_ids"] = "网格员至少要负责一个网格，请勾选。"
    street = street.strip() if role == "street" else ""
    if role == "street" and street not in {code for code, _name in db_scope.streets(db)}:
        errors["street"] = ("请选择这个街道账户所属的街道。列表里没有时，请先导入该街道"
                            "各社区的同步包。")
    if role == "street" and not at_district(db):
        errors["role"] = "街道账户只能在区里的电脑上设置，社区电脑请选择其他角色。"
    if errors:
        raise FormError(errors)
    with transaction(db):
        account_id = _insert_account(db, username, display_name, role, password, grid_ids,
                                     street)
        from app.accounts import keyslots  # the new account's key slot

        keyslots.on_account_created(db, account_id, password)
        audit_log.append(db, "account_created", tbl="accounts", row_id=str(account_id),
                     detail={"after": {"username": username.strip(), "role": role,
                                       "display_name": display_name.strip(),
                                       "grid_ids": " ".join(grid_ids),
                                       **({"street": street} if street else {})}})
    return account_id


def update_account(db: sqlite_utils.Database, username: str, *, role: str | None = None,
                   grid_ids: Iterable[str] | None = None, disabled: bool | None = None,
                   display_name: str | None = None) -> None:
    session = require(db, "accounts.manage")
    account = _account(db, username)
    if account is None:
        raise FormError({"username": f"没有用户名为“{username}”的账户。"})
    changes: dict[str, Any] = {}
    if role is not None and role != account["role"]:
        if role not in ROLE_LABELS:
            raise FormError({"role": "请选择角色。"})
        if "street" in (role, account["role"]):
            raise FormError({"role": "街道账户和其他账户不能互相改角色（街道账户要选所属"
                                     "街道）：请停用这个账户，再新建一个。"})
        changes["role"] = role
    if grid_ids is not None and " ".join(grid_ids) != account["grid_ids"]:
        changes["grid_ids"] = " ".join(grid_ids)
    if disabled is not None and int(disabled) != account["disabled"]:
        changes["disabled"] = int(disabled)
    if display_name is not None and display_name.strip() != account["display_name"]:
        changes["display_name"] = display_name.strip()
    if not changes:
        return
    if account["username"] == session.username and (
            changes.get("disabled") or changes.get("role", "admin") != "admin"):
        raise FormError({"role": "不能停用自己或取消自己的管理员角色，"
                                 "以免没有人能管理账户。"})
    with transaction(db):
        sets = ", ".join(f"{k} = ?" for k in changes)
        db.conn.execute(f"UPDATE accounts SET {sets} WHERE id = ?",
                        [*changes.values(), account["id"]])
        if changes.get("disabled"):
            from app.accounts import keyslots  # a disabled password opens no new backup

            keyslots.on_account_disabled(db, account["id"])
        audit_log.append(db, "account_changed", tbl="accounts", row_id=str(account["id"]),
                     detail={"before": {k: account[k] for k in changes}, "after": changes})


def set_password(db: sqlite_utils.Database, username: str, password: str,
                 password_again: str | None = None) -> None:
    """An administrator resets anyone's password (and lifts a lock); others their own."""
    session = current(db)
    if session is None or (session.username.lower() != username.strip().lower()
                           and not session.can("accounts.manage")):
        raise PermissionDenied("只能修改自己的密码；重设他人密码请联系社区管理员。")
    account = _account(db, username)
    if account is None:
        raise FormError({"username": f"没有用户名为“{username}”的账户。"})
    problem = password_problem(password)
    if problem:
        raise FormError({"password": problem})
    if password_again is not None and password != password_again:
        raise FormError({"password_again": "两次输入的密码不一样，请重新输入。"})
    with transaction(db):
        db.conn.execute("UPDATE accounts SET password_hash = ?, failed_count = 0, "
                        "locked_until = NULL WHERE id = ?",
                        (hash_password(password), account["id"]))
        from app.accounts import keyslots  # rewrap this account's key slot

        keyslots.on_password_set(db, account["id"], password)
        audit_log.append(db, "password_changed", tbl="accounts", row_id=str(account["id"]),
                     detail={"username": account["username"]})


def create_demo_accounts(db: sqlite_utils.Database) -> list[tuple[str, str]]:
    """The demo community's accounts, one per role, all with DEMO_PASSWORD."""
    grids = [r[0] for r in db.conn.execute(
        "SELECT id FROM org_units WHERE level = 'grid' AND deleted = 0 ORDER BY code LIMIT 2")]
    made = []
    with transaction(db):
        for username, name, role, grid_ids in [
            ("admin", "王秀英（书记）", "admin", ()),
            ("wangge", "李建国（网格员）", "grid_worker", grids),
            ("pianyi", "赵医生（片医）", "doctor", ()),
            ("pianjing", "刘警官（片警）", "police", ()),
            ("quji", "区级查看", "district", ()),
        ]:
            _insert_account(db, username, name, role, DEMO_PASSWORD, grid_ids)
            made.append((username, ROLE_LABELS[role]))
        set_meta(db, "demo_password", DEMO_PASSWORD)
        audit_log.append(db, "account_created", tbl="accounts",
                     detail={"demo": [u for u, _r in made]})
    return made


def create_demo_district_accounts(db: sqlite_utils.Database,
                                   streets: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The demo district's accounts, all with DEMO_PASSWORD: its administrator, a 区级 viewer
    and one 街道 account per (street code, street name)."""
    made = []
    with transaction(db):
        people = [("admin", "张建华（区县管理员）", "admin", ""),
                  ("quji", "区级查看", "district", "")]
        people += [(f"jiedao{n}", f"{name}查看", "street", code)
                   for n, (code, name) in enumerate(streets, 1)]
        for username, name, role, street in people:
            _insert_account(db, username, name, role, DEMO_PASSWORD, (), street)
            made.append((username, ROLE_LABELS[role]))
        set_meta(db, "demo_password", DEMO_PASSWORD)
        audit_log.append(db, "account_created", tbl="accounts",
                         detail={"demo": [u for u, _r in made]})
    return made


def demo_sign_in(db: sqlite_utils.Database) -> Session | None:
    """A demo database whose administrator still has the published demo password signs in
    as it without asking (the password is printed when the demo is made)."""
    demo = get_meta(db, "demo_password")
    account = _account(db, "admin") if demo else None
    if account is None or account["disabled"] or not check_password(
            demo, account["password_hash"]):
        return None
    return sign_in(db, "admin", demo)


# --- masked personal data -----------------------------------------------------------------
# Which output shows a number whole or masked is decided in app.accounts.masking, for every
# output; reveal() is the "显示" button's way to a whole value in the window.

REVEALABLE = {"residents": ("id_number", "phone"), "households": ("phone",),
              "party_members": ("phone",)}


def reveal(db: sqlite_utils.Database, table: str, row_id: str, column: str) -> str:
    """The full value of a masked field, for REVEAL_SECONDS in the window; recorded."""
    if column not in REVEALABLE.get(table, ()):
        raise ValueError(f"{table}.{column} is not revealable")
    household = (row_id if table == "households" else
                 resident_household(db, row_id) if table == "residents" else None)
    require_household(db, "personal.reveal", household)
    row = db.conn.execute(f"SELECT [{column}] FROM [{table}] WHERE id = ?", (row_id,)).fetchone()
    value = row[0] if row else None
    audit_log.append(db, "reveal", tbl=table, row_id=row_id, detail={"field": column})
    return value or ""


def record(db: sqlite_utils.Database, action: str, *, tbl: str | None = None,
           row_id: str | None = None, **detail: Any) -> None:
    """An event for the audit log (print, export, import): who is taken from the session."""
    audit_log.append(db, action, tbl=tbl, row_id=row_id, detail=detail or None)


def _summary(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, os.PathLike):
        return str(value)
    if isinstance(value, bytes):
        return f"{len(value)} bytes"
    if isinstance(value, list | tuple | set | frozenset):
        return len(value)
    counts = {k: v for k, v in vars(value).items()
              if not k.startswith("_") and isinstance(v, int)} if hasattr(value, "__dict__") else {}
    return counts or type(value).__name__


def audited(action: str):
    """Decorator for a service taking `db` first: after it succeeds, record `action` (print,
    export, import) with what it was called with and what it returned, in short."""
    def wrap(fn):
        @functools.wraps(fn)
        def inner(db, *args, **kwargs):
            result = fn(db, *args, **kwargs)
            detail = {"what": fn.__name__,
                      "args": [_summary(a) for a in args if not callable(a)],
                      "result": _summary(result)}
            detail.update({k: _summary(v) for k, v in kwargs.items()
                           if not callable(v) and v is not None})
            audit_log.append(db, action, detail=detail)
            return result
        return inner
    return wrap
