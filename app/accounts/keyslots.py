"""Key slots: the database's data key, wrapped per account password and by a recovery key.

Like disk-encryption key slots: one random 256-bit data key per database, never stored in the
clear. Each account's slot wraps it under a key derived from that account's password
(Argon2id); one more slot wraps it under the recovery key printed once for the secretary.
Signing in unwraps the data key into the process (per database file, so worker connections
share it); changing a password rewraps that account's slot; an administrator resetting
another account's password writes that account's slot from the session's data key.

What the data key protects today: automatic backups are sealed to an X25519 public key
derived from it (app/accounts/backup.py), so any session (or the command line) can write
one, and only a password or the recovery key opens one. The slots travel in each backup's
header, so a backup restores without the database it came from. This module does not import
app.accounts (its core calls in here), so there is no cycle.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nacl.bindings as sodium
import nacl.pwhash.argon2id as argon2id
import sqlite_utils
from nacl.exceptions import CryptoError

from db import audit as audit_log
from db.node import get_meta, set_meta, transaction

DATA_KEY_BYTES = 32
# Argon2id cost of a password slot: paid at every sign-in, so libsodium's INTERACTIVE
# (2 passes, 64 MiB, a fraction of a second), not MODERATE's second and 256 MiB.
SLOT_LIMITS = (argon2id.OPSLIMIT_INTERACTIVE, argon2id.MEMLIMIT_INTERACTIVE)
# The recovery code: 160 random bits in Crockford base32 (no I, L, O, U), 8 groups of 4.
RECOVERY_BYTES = 20
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_AAD = b"griddesk key slot v1"
_NPUB = sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
PUBLIC_META = "backup_public_key"


class SlotError(Exception):
    """A password or recovery code that opens no slot; `message` says what to do in Chinese."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason  # 'wrong_password' | 'wrong_recovery' | 'no_slot' | 'no_key'


# --- the data key and what derives from it ------------------------------------------------------

def key_id(data_key: bytes) -> str:
    """A short name of a data key, stored beside every slot and in every backup: tells which
    key a backup needs without revealing it."""
    return hashlib.blake2b(data_key, digest_size=8, person=b"gd-key-id").hexdigest()


def backup_keypair(data_key: bytes) -> tuple[bytes, bytes]:
    """(public, private) X25519 keys that automatic backups are sealed to."""
    private = hashlib.blake2b(data_key, digest_size=32, person=b"gd-backup-x25519").digest()
    return sodium.crypto_scalarmult_base(private), private


# --- wrapping ---------------------------------------------------------------------------------

def _wrap(kek: bytes, data_key: bytes) -> bytes:
    nonce = secrets.token_bytes(_NPUB)
    return nonce + sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(data_key, _AAD, nonce, kek)


def _unwrap(kek: bytes, wrapped: bytes) -> bytes | None:
    try:
        return sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
            wrapped[_NPUB:], _AAD, wrapped[:_NPUB], kek)
    except (CryptoError, ValueError):
        return None


def _password_kdf() -> dict[str, Any]:
    return {"name": "argon2id", "salt": secrets.token_hex(argon2id.SALTBYTES),
            "opslimit": SLOT_LIMITS[0], "memlimit": SLOT_LIMITS[1]}


def _kek(secret: str | bytes, kdf: dict[str, Any]) -> bytes:
    salt = bytes.fromhex(kdf["salt"])
    if kdf["name"] == "argon2id":
        ops, mem = int(kdf["opslimit"]), int(kdf["memlimit"])
        if not (1 <= ops <= argon2id.OPSLIMIT_SENSITIVE
                and 8192 <= mem <= argon2id.MEMLIMIT_SENSITIVE):
            raise ValueError("key slot parameters out of range")
        return argon2id.kdf(32, secret.encode("utf-8") if isinstance(secret, str) else secret,
                            salt, opslimit=ops, memlimit=mem)
    if kdf["name"] == "blake2b":        # the recovery key is 160 random bits: no stretching
        raw = secret if isinstance(secret, bytes) else secret.encode()
        return hashlib.blake2b(raw, key=salt, digest_size=32, person=b"gd-recovery").digest()
    raise ValueError(f"unknown key slot kdf {kdf['name']!r}")


# --- the recovery code ------------------------------------------------------------------------

def _encode(raw: bytes) -> str:
    bits = int.from_bytes(raw, "big")
    n = len(raw) * 8 // 5
    chars = "".join(_CROCKFORD[(bits >> (5 * (n - 1 - i))) & 31] for i in range(n))
    return "-".join(chars[i:i + 4] for i in range(0, n, 4))


def parse_recovery_code(text: str) -> bytes | None:
    """The recovery key from what was typed: case, spaces and dashes do not matter, and the
    letters people confuse with digits (O, I, L) read as those digits."""
    cleaned = "".join(text.upper().split()).replace("-", "")
    cleaned = cleaned.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
    if len(cleaned) != RECOVERY_BYTES * 8 // 5 or any(c not in _CROCKFORD for c in cleaned):
        return None
    bits = 0
    for c in cleaned:
        bits = (bits << 5) | _CROCKFORD.index(c)
    return bits.to_bytes(RECOVERY_BYTES, "big")


def new_recovery_code() -> tuple[str, bytes]:
    raw = secrets.token_bytes(RECOVERY_BYTES)
    return _encode(raw), raw


# --- slots as stored (in the database, and copied into each backup's header) ---------------------

@dataclass(frozen=True)
class Slot:
    kind: str                  # 'password' | 'recovery'
    who: str                   # a salted hash of the user name ('' for the recovery slot)
    kdf: dict[str, Any]
    wrapped: bytes
    key_id: str

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "who": self.who, "kdf": self.kdf,
                "wrapped": self.wrapped.hex(), "key_id": self.key_id}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Slot:
        return cls(kind=str(data["kind"]), who=str(data.get("who", "")), kdf=dict(data["kdf"]),
                   wrapped=bytes.fromhex(data["wrapped"]), key_id=str(data["key_id"]))


def _who(username: str, kdf: dict[str, Any]) -> str:
    """Which account a slot in a backup's clear header belongs to, without naming it."""
    return hashlib.blake2b(username.strip().casefold().encode(), key=bytes.fromhex(kdf["salt"]),
                           digest_size=8, person=b"gd-slot-who").hexdigest()


def stored_slots(db: sqlite_utils.Database) -> list[Slot]:
    """Every slot of this database, for a backup's header."""
    rows = db.conn.execute(
        "SELECT k.kind, a.username, k.kdf, k.wrapped, k.key_id FROM key_slots k "
        "LEFT JOIN accounts a ON a.id = k.account_id ORDER BY k.id").fetchall()
    slots = []
    for kind, username, kdf, wrapped, kid in rows:
        kdf = json.loads(kdf)
        slots.append(Slot(kind, _who(username, kdf) if username else "", kdf, bytes(wrapped),
                          kid))
    return slots


def unlock_slots(slots: list[Slot], *, username: str | None = None,
                 password: str | None = None, recovery_code: str | None = None) -> bytes:
    """The data key from a list of slots (a backup's header), by an account's password (its
    user name narrows the search to its slot; without one every password slot is tried) or
    by the recovery code; SlotError when nothing opens one."""
    if recovery_code is not None:
        raw = parse_recovery_code(recovery_code)
        for slot in slots:
            if slot.kind == "recovery" and raw is not None:
                key = _unwrap(_kek(raw, slot.kdf), slot.wrapped)
                if key is not None and key_id(key) == slot.key_id:
                    return key
        raise SlotError("恢复密钥不对。请对照打印的恢复密钥逐组核对（共 8 组，每组 4 位，"
                        "不分大小写）。", "wrong_recovery")
    mine = [s for s in slots if s.kind == "password"
            and (not username or s.who == _who(username, s.kdf))]
    if username and not mine:
        raise SlotError(f"这份备份里没有账户“{username.strip()}”的钥匙。请换一个管理员账户"
                        "的密码，或使用打印的恢复密钥。", "no_slot")
    for slot in mine:
        key = _unwrap(_kek(password or "", slot.kdf), slot.wrapped)
        if key is not None and key_id(key) == slot.key_id:
            return key
    raise SlotError("密码不对，无法打开这份备份。请输入制作备份时已有的账户的密码（之后改过"
                    "密码的，用备份当时的密码），或使用打印的恢复密钥。", "wrong_password")


def unlock_with_text(slots: list[Slot], text: str) -> bytes:
    """What one box accepts: the recovery code when it reads as one, else a password."""
    if parse_recovery_code(text) is not None:
        try:
            return unlock_slots(slots, recovery_code=text)
        except SlotError:
            pass                  # a password that happens to look like a code
    return unlock_slots(slots, password=text)


# --- the session's data key --------------------------------------------------------------------

_keys: dict[str, bytes] = {}             # database file → data key, while someone is signed in
_new_codes: dict[str, str] = {}          # database file → a recovery code not yet shown


def _path(db: sqlite_utils.Database) -> str:
    row = db.conn.execute("PRAGMA database_list").fetchone()
    return str(Path(row[2]).resolve()) if row and row[2] else f":memory:{id(db.conn)}"


def session_key(db: sqlite_utils.Database) -> bytes | None:
    """The data key unwrapped by whoever signed in on this database file, if anyone did, and
    only if it is this file's key (a restore may have put another database in its place)."""
    key = _keys.get(_path(db))
    if key is None:
        return None
    row = db.conn.execute("SELECT key_id FROM key_slots LIMIT 1").fetchone()
    return key if row is not None and row[0] == key_id(key) else None


def forget(path: str | Path | None = None) -> None:
    """Signing out drops the data key from memory (all files when no path is given)."""
    if path is None:
        _keys.clear()
        _new_codes.clear()
    else:
        _keys.pop(str(Path(path).resolve()), None)


def held_key(wanted: str) -> bytes | None:
    """A data key someone signed in on this computer unwrapped, by its key_id (a backup of
    this database restores without asking again)."""
    for key in _keys.values():
        if key_id(key) == wanted:
            return key
    return None


def take_new_recovery_code(db: sqlite_utils.Database) -> str | None:
    """A recovery code made at this sign-in, once: the window shows it to be printed, and
    after that it exists nowhere but on paper."""
    return _new_codes.pop(_path(db), None)


def has_data_key(db: sqlite_utils.Database) -> bool:
    return db.conn.execute("SELECT EXISTS (SELECT 1 FROM key_slots)").fetchone()[0] == 1


def backup_public_key(db: sqlite_utils.Database) -> bytes | None:
    """What automatic backups are sealed to; None until an administrator has signed in once
    on this version (then backups stay as before: integrity only)."""
    value = get_meta(db, PUBLIC_META)
    return bytes.fromhex(value) if value and has_data_key(db) else None


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _write_password_slot(db: sqlite_utils.Database, account_id: int, password: str,
                         data_key: bytes) -> None:
    kdf = _password_kdf()
    db.conn.execute("DELETE FROM key_slots WHERE account_id = ?", (account_id,))
    db.conn.execute(
        "INSERT INTO key_slots (account_id, kind, kdf, wrapped, key_id, created_at) "
        "VALUES (?, 'password', ?, ?, ?, ?)",
        (account_id, json.dumps(kdf), _wrap(_kek(password, kdf), data_key), key_id(data_key),
         _now()))


def _write_recovery_slot(db: sqlite_utils.Database, data_key: bytes) -> str:
    code, raw = new_recovery_code()
    kdf = {"name": "blake2b", "salt": secrets.token_hex(16)}
    db.conn.execute("DELETE FROM key_slots WHERE kind = 'recovery'")
    db.conn.execute(
        "INSERT INTO key_slots (account_id, kind, kdf, wrapped, key_id, created_at) "
        "VALUES (NULL, 'recovery', ?, ?, ?, ?)",
        (json.dumps(kdf), _wrap(_kek(raw, kdf), data_key), key_id(data_key), _now()))
    return code


def _account_slot(db: sqlite_utils.Database, account_id: int) -> tuple[dict, bytes, str] | None:
    row = db.conn.execute("SELECT kdf, wrapped, key_id FROM key_slots WHERE account_id = ?",
                          (account_id,)).fetchone()
    return (json.loads(row[0]), bytes(row[1]), row[2]) if row else None


# --- hooks the accounts core calls -------------------------------------------------------------

def on_signed_in(db: sqlite_utils.Database, account_id: int, role: str, password: str) -> None:
    """After a password was checked: unwrap this account's slot into the session. The first
    administrator to sign in on a database without a data key makes one, with her slot and
    the recovery slot (its code waits in take_new_recovery_code)."""
    path = _path(db)
    slot = _account_slot(db, account_id)
    if slot is not None:
        kdf, wrapped, kid = slot
        key = _unwrap(_kek(password, kdf), wrapped)
        if key is not None and key_id(key) == kid:
            _keys[path] = key
        return
    held = session_key(db)
    if held is not None:
        # Someone holding the key is signed in on this file in this process: give this
        # account its slot now rather than wait for a password reset.
        with transaction(db):
            _write_password_slot(db, account_id, password, held)
        return
    if role != "admin" or has_data_key(db):
        return                 # the slot comes when an administrator resets this password
    data_key = secrets.token_bytes(DATA_KEY_BYTES)
    with transaction(db):
        _write_password_slot(db, account_id, password, data_key)
        code = _write_recovery_slot(db, data_key)
        set_meta(db, PUBLIC_META, backup_keypair(data_key)[0].hex())
        audit_log.append(db, "data_key_created", tbl="accounts", row_id=str(account_id),
                         detail={"key_id": key_id(data_key)})
    _keys[path] = data_key
    _new_codes[path] = code


def on_password_set(db: sqlite_utils.Database, account_id: int, password: str) -> None:
    """Call inside the transaction that stores a new password: rewrap that account's slot
    with the session's data key, or, without one, drop the slot (the old password must not
    keep opening backups)."""
    key = session_key(db)
    if key is not None:
        _write_password_slot(db, account_id, password, key)
    else:
        db.conn.execute("DELETE FROM key_slots WHERE account_id = ?", (account_id,))


def on_account_created(db: sqlite_utils.Database, account_id: int, password: str) -> None:
    """Call inside the transaction that creates an account: its slot, from the session's
    data key (an administrator made it)."""
    key = session_key(db)
    if key is not None:
        _write_password_slot(db, account_id, password, key)


def on_account_disabled(db: sqlite_utils.Database, account_id: int) -> None:
    """Call inside the transaction that disables an account: its slot goes, so someone who
    left cannot open backups made from now on (enabling it again needs a password reset)."""
    db.conn.execute("DELETE FROM key_slots WHERE account_id = ?", (account_id,))


def renew_recovery_code(db: sqlite_utils.Database) -> str:
    """A new recovery code replaces the old one (lost or seen by someone): the old paper no
    longer opens anything made from now on. Needs the session's data key."""
    key = session_key(db)
    if key is None:
        raise SlotError("请先用有钥匙的管理员账户登录，再生成新的恢复密钥。", "no_key")
    with transaction(db):
        code = _write_recovery_slot(db, key)
        audit_log.append(db, "recovery_key_renewed", tbl="accounts",
                         detail={"key_id": key_id(key)})
    return code
