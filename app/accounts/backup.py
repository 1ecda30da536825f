"""Backups: automatic copies with rotation, passphrase-encrypted copies for a USB stick, restore.

A backup file (`*.gdbak`, docs/backup-format.md) is MAGIC, a u32 header length, a JSON header
(format, schema version, creation time, key derivation), then a libsodium secretstream
(XChaCha20-Poly1305) of length-prefixed messages: the manifest (counts, community), the
database zlib-compressed in 1 MiB messages, and a final trailer (size, SHA-256). The stream's
tags make any flipped byte, truncation, reordering or appended bytes fail to open. A passphrase
backup's key comes from Argon2id. A backup without a passphrase (the automatic ones beside the
database) is sealed to the database's data key (app/accounts/keyslots.py): its file key sits in
the header sealed to an X25519 key derived from the data key, beside copies of the key slots,
so it opens with an account's password or the recovery key, or at once for whoever is signed
in with that data key. Only a database that never had an administrator sign in (no data key)
still writes the file key in the clear header (integrity, not secrecy).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import struct
import sys
import tempfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

import nacl.bindings as sodium
import nacl.pwhash.argon2id as argon2id
import nacl.utils
import sqlite_utils
from nacl.exceptions import CryptoError

from app import accounts
from app.accounts import keyslots
from app.database import database_file
from db import audit as audit_store
from db import backup as store
from db import migrate

MAGIC = b"GRIDDESK-BACKUP\n"
FORMAT = 2                          # the newest a reader opens: 2 is a sealed backup
SUFFIX = ".gdbak"
CHUNK = 1024 * 1024
MAX_HEADER = 256 * 1024            # a sealed backup's header holds every key slot
KEEP_DAILY, KEEP_WEEKLY = 7, 4
AUTO_INTERVAL_HOURS = 4             # while the window is open
AUTO_FOLDER = "backups"
# Argon2id cost of a passphrase backup: about a second and 256 MiB on an office PC.
KDF_LIMITS = (argon2id.OPSLIMIT_MODERATE, argon2id.MEMLIMIT_MODERATE)
_TAG_MESSAGE = sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE
_TAG_FINAL = sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL
_ABYTES = sodium.crypto_secretstream_xchacha20poly1305_ABYTES

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]


class BackupError(Exception):
    """A backup we cannot write or will not restore; `message` says why in Chinese and what to
    do. The database in use is never touched when this is raised."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class BackupCancelled(Exception):
    """The person cancelled; nothing was written under a real name, nothing was replaced."""


def _damaged(path: Path) -> BackupError:
    return BackupError("damaged", f"备份文件已损坏或不完整，无法恢复：{path.name}。"
                       "请换一份备份（例如更早的自动备份）；当前数据没有改动。")


@dataclass(frozen=True)
class BackupInfo:
    """What a backup holds, shown before it replaces anything."""

    path: Path
    created: str                      # ISO time the backup was made
    schema_version: int
    encrypted: bool
    counts: dict[str, int] = field(default_factory=dict)
    community: str = ""
    code: str = ""
    size: int = 0                     # bytes of the database inside


# --- writing -----------------------------------------------------------------------------------

def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return                         # Windows: directories cannot be opened; rename is durable
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _derive(passphrase: str | None, kdf: dict[str, Any]) -> bytes:
    if kdf["name"] == "none":
        return bytes.fromhex(kdf["key"])
    if kdf["name"] == "sealed":
        return _unseal(passphrase, kdf)
    if kdf["name"] != "argon2id" or passphrase is None:
        raise BackupError("passphrase_needed", "这份备份有口令保护，请输入备份时设置的口令。")
    ops, mem = int(kdf["opslimit"]), int(kdf["memlimit"])
    if not (1 <= ops <= argon2id.OPSLIMIT_SENSITIVE and 8192 <= mem
            <= argon2id.MEMLIMIT_SENSITIVE):
        raise BackupError("damaged", "备份文件的头部已损坏，无法恢复；当前数据没有改动。")
    return argon2id.kdf(32, passphrase.encode(), bytes.fromhex(kdf["salt"]),
                        opslimit=ops, memlimit=mem)


def _new_kdf(passphrase: str | None, limits: tuple[int, int]) -> dict[str, Any]:
    if passphrase is None:
        return {"name": "none", "key": nacl.utils.random(32).hex()}
    return {"name": "argon2id", "salt": nacl.utils.random(argon2id.SALTBYTES).hex(),
            "opslimit": limits[0], "memlimit": limits[1]}


def _sealed_kdf(db: sqlite_utils.Database) -> tuple[dict[str, Any], bytes] | None:
    """A fresh file key sealed to the database's data key, with the key slots that open it;
    None while the database has no data key."""
    public = keyslots.backup_public_key(db)
    if public is None:
        return None
    slots = keyslots.stored_slots(db)
    file_key = nacl.utils.random(32)
    return {"name": "sealed", "key_id": slots[0].key_id,
            "box": sodium.crypto_box_seal(file_key, public).hex(),
            "slots": [slot.as_json() for slot in slots]}, file_key


def _unseal(typed: str | None, kdf: dict[str, Any]) -> bytes:
    """The file key of a sealed backup: by the data key held in this process (someone signed
    in with it), else by what was typed (a password or the recovery code)."""
    try:
        data_key = keyslots.held_key(str(kdf["key_id"]))
        if data_key is None:
            if typed is None:
                raise BackupError("passphrase_needed", "这份备份已加密。请输入制作备份时已有的"
                                  "账户的登录密码，或打印的恢复密钥。")
            slots = [keyslots.Slot.from_json(s) for s in kdf["slots"]]
            try:
                data_key = keyslots.unlock_with_text(slots, typed)
            except keyslots.SlotError as exc:
                raise BackupError("wrong_passphrase", exc.message + "当前数据没有改动。"
                                  ) from exc
        public, private = keyslots.backup_keypair(data_key)
        return sodium.crypto_box_seal_open(bytes.fromhex(kdf["box"]), public, private)
    except (KeyError, TypeError, ValueError, CryptoError) as exc:
        raise BackupError("damaged", "备份文件的头部已损坏，无法恢复；当前数据没有改动。"
                          ) from exc


def _frame(f: BinaryIO, data: bytes) -> None:
    f.write(struct.pack(">I", len(data)))
    f.write(data)


def _write_stream(out: BinaryIO, snapshot: Path, header: dict[str, Any], key: bytes,
                  manifest: dict[str, Any], progress: Progress | None,
                  cancelled: Cancelled | None) -> str:
    """Header and encrypted stream into `out`; returns the snapshot's SHA-256."""
    state = sodium.crypto_secretstream_xchacha20poly1305_state()
    stream_header = sodium.crypto_secretstream_xchacha20poly1305_init_push(state, key)
    header = {**header, "stream": stream_header.hex()}
    header_bytes = json.dumps(header, sort_keys=True).encode()
    out.write(MAGIC)
    _frame(out, header_bytes)
    push = sodium.crypto_secretstream_xchacha20poly1305_push
    body = json.dumps(manifest, ensure_ascii=False, sort_keys=True).encode()
    _frame(out, push(state, body, MAGIC + header_bytes, _TAG_MESSAGE))
    digest = hashlib.sha256()
    size = snapshot.stat().st_size
    done = 0
    # zlib level 1: a registry database shrinks about 7×, at ~100 MB/s of one core.
    squeeze = zlib.compressobj(1)
    pending = bytearray()

    def emit(data: bytes, last: bool = False) -> None:
        pending.extend(data)
        while len(pending) >= CHUNK or (last and pending):
            _frame(out, push(state, bytes(pending[:CHUNK]), None, _TAG_MESSAGE))
            del pending[:CHUNK]

    with open(snapshot, "rb") as src:
        while chunk := src.read(CHUNK):
            if cancelled and cancelled():
                raise BackupCancelled()
            digest.update(chunk)
            emit(squeeze.compress(chunk))
            done += len(chunk)
            if progress:
                progress(done, size)
    emit(squeeze.flush(), last=True)
    trailer = json.dumps({"size": done, "sha256": digest.hexdigest()}).encode()
    _frame(out, push(state, trailer, None, _TAG_FINAL))
    return digest.hexdigest()


def backup_name(db_path: Path, when: datetime) -> str:
    return f"{db_path.stem}-{when:%Y%m%d-%H%M%S}{SUFFIX}"


def create_backup(db: sqlite_utils.Database, folder: Path, *, passphrase: str | None = None,
                  now: Callable[[], datetime] = datetime.now, name: str | None = None,
                  progress: Progress | None = None, cancelled: Cancelled | None = None,
                  kdf_limits: tuple[int, int] | None = None) -> BackupInfo:
    """Copy the open database (online backup API) into one verified backup file in `folder`.

    The plain snapshot is made beside the database (never on the stick), encrypted into a
    hidden temporary file in `folder`, flushed, renamed, then read back and checked against
    the snapshot's digest. A full disk or a pulled stick leaves no file under the real name.
    """
    db_path = Path(database_file(db))
    when = now()
    folder = Path(folder)
    final = folder / (name or backup_name(db_path, when))
    tmp = folder / f".{final.name}.part"
    fd, snap_name = tempfile.mkstemp(prefix=".backup-snapshot-", suffix=".sqlite",
                                     dir=db_path.parent)
    os.close(fd)
    snapshot = Path(snap_name)
    wrote = False
    try:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            # Copying is the first half of the work, encrypting and checking the second.
            store.online_copy(db.conn, snapshot,
                              (lambda d, t: progress(d, 2 * t)) if progress else None,
                              cancelled)
            with sqlite3.connect(snapshot) as conn:
                counts = store.counts(conn)
                community, code = store.community_name(conn)
                schema = conn.execute("PRAGMA user_version").fetchone()[0]
                head = audit_store.head(conn)
            conn.close()
            sealed = _sealed_kdf(db) if passphrase is None else None
            if sealed is not None:
                kdf, key = sealed
            else:
                kdf = _new_kdf(passphrase, kdf_limits or KDF_LIMITS)
                key = _derive(passphrase, kdf)
            # Format 1 unless sealed, so an older version still reads what it can open.
            header = {"format": 2 if sealed else 1, "schema_version": schema,
                      "created": when.isoformat(timespec="seconds"),
                      "encrypted": passphrase is not None or sealed is not None,
                      "kdf": kdf, "chunk": CHUNK,
                      "compression": "zlib"}
            if head:   # the audit chain's end, anchored outside the file (audit verify --backup)
                header["audit_head"] = {"seq": head.seq, "hash": head.hash}
            manifest = {"counts": counts, "community": community, "code": code,
                        "node_id": _meta(db, "node_id")}
            size = snapshot.stat().st_size
            half = (lambda d, _t: progress(size + d, 2 * size)) if progress else None
            with open(tmp, "wb") as out:
                wrote = True
                digest = _write_stream(out, snapshot, header, key, manifest, half, cancelled)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, final)
            _fsync_dir(folder)
        except store.CopyCancelled as exc:
            raise BackupCancelled() from exc
        except sqlite3.Error as exc:       # the copy beside the database
            if "full" in str(exc):
                raise BackupError("disk_full", f"电脑磁盘空间不足，无法复制数据库："
                                  f"{db_path.parent}。请清理磁盘后重试；当前数据没有改动。"
                                  ) from exc
            raise BackupError("copy_failed", f"无法复制数据库（{exc}）。当前数据没有改动；"
                              "请稍后重试，或联系技术支持。") from exc
        except OSError as exc:
            if getattr(exc, "errno", None) == 28:  # ENOSPC
                raise BackupError("disk_full", f"磁盘或U盘空间不足，备份没有写成：{folder}。"
                                  "请删除不需要的文件或换一个U盘后重试；当前数据没有改动。"
                                  ) from exc
            raise BackupError("write_failed", f"无法写入备份到 {folder}："
                              f"{exc.strerror or exc}。请检查U盘是否插好、是否写保护；"
                              "当前数据没有改动。") from exc
        try:
            read = _read_file(final, passphrase, key=key)
        except BackupError as exc:
            final.unlink(missing_ok=True)
            raise BackupError("verify_failed", "备份写入后读回校验失败，U盘或磁盘可能有故障，"
                              "请换一个U盘重新备份。") from exc
        if read.trailer["sha256"] != digest:
            final.unlink(missing_ok=True)
            raise BackupError("verify_failed", "备份写入后读回的内容与数据库不一致，"
                              "请换一个U盘重新备份。")
        return read.info
    finally:
        snapshot.unlink(missing_ok=True)
        if wrote:
            tmp.unlink(missing_ok=True)


def _meta(db: sqlite_utils.Database, key: str) -> str | None:
    return store.meta(db.conn, key)


# --- reading -----------------------------------------------------------------------------------

@dataclass
class _Read:
    info: BackupInfo
    trailer: dict[str, Any]


def read_header(path: Path) -> dict[str, Any]:
    """The clear header: refuses what is not a backup, or one this version cannot restore,
    before any passphrase is asked for."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            magic = f.read(len(MAGIC))
            raw = f.read(4)
            length = struct.unpack(">I", raw)[0] if len(raw) == 4 else 0
            header_bytes = f.read(length) if 0 < length <= MAX_HEADER else b""
    except OSError as exc:
        raise BackupError("unreadable", f"无法读取备份文件：{exc.strerror or exc}。"
                          "请检查U盘是否插好。") from exc
    if magic != MAGIC:
        raise BackupError("not_a_backup", f"这个文件不是社区网格通的备份：{path.name}。"
                          "请选择以 .gdbak 结尾的备份文件。")
    try:
        header = json.loads(header_bytes)
        header["_bytes"] = header_bytes
        fmt, schema = int(header["format"]), int(header["schema_version"])
    except (ValueError, KeyError, TypeError) as exc:
        raise _damaged(path) from exc
    if fmt > FORMAT or schema > migrate.LATEST:
        raise BackupError("newer_version", "这份备份由更新版本的社区网格通制作，"
                          "当前版本无法恢复。请先升级本程序再恢复；当前数据没有改动。")
    return header


def _messages(f: BinaryIO, path: Path) -> Iterator[bytes]:
    while True:
        raw = f.read(4)
        if not raw:
            return
        if len(raw) < 4:
            raise _damaged(path)
        length = struct.unpack(">I", raw)[0]
        if length > CHUNK + _ABYTES:
            raise _damaged(path)
        data = f.read(length)
        if len(data) < length:
            raise _damaged(path)
        yield data


def _read_file(path: Path, passphrase: str | None, *, key: bytes | None = None,
               out: BinaryIO | None = None, manifest_only: bool = False,
               progress: Progress | None = None, cancelled: Cancelled | None = None) -> _Read:
    """Open and check every message of a backup (or only its manifest), writing the database
    inside to `out`."""
    path = Path(path)
    header = read_header(path)
    header_bytes = header["_bytes"]
    try:
        kdf = header["kdf"]
        stream_header = bytes.fromhex(header["stream"])
        if key is None:
            key = _derive(passphrase, kdf)
    except (KeyError, TypeError, ValueError) as exc:
        raise _damaged(path) from exc
    state = sodium.crypto_secretstream_xchacha20poly1305_state()
    try:
        sodium.crypto_secretstream_xchacha20poly1305_init_pull(state, stream_header, key)
    except (CryptoError, ValueError) as exc:
        raise _damaged(path) from exc
    pull = sodium.crypto_secretstream_xchacha20poly1305_pull
    encrypted = kdf.get("name") != "none"
    manifest: dict[str, Any] | None = None
    trailer: dict[str, Any] | None = None
    compression = header.get("compression", "none")
    if compression not in ("none", "zlib"):
        raise _damaged(path)
    unzip = zlib.decompressobj() if compression == "zlib" else None
    digest = hashlib.sha256()
    done = 0
    total = max(path.stat().st_size, 1)
    with open(path, "rb") as f:
        f.seek(len(MAGIC) + 4 + len(header_bytes))
        for i, message in enumerate(_messages(f, path)):
            if trailer is not None:
                raise _damaged(path)           # bytes after the final message
            try:
                plain, tag = pull(state, message, MAGIC + header_bytes if i == 0 else None)
            except (CryptoError, ValueError) as exc:
                if i == 0 and encrypted:
                    raise BackupError("wrong_passphrase", "口令不对，无法打开这份备份"
                                      "（也可能是备份文件已损坏）。请核对口令后重试；"
                                      "当前数据没有改动。") from exc
                raise _damaged(path) from exc
            if i == 0:
                try:
                    manifest = json.loads(plain)
                except ValueError as exc:
                    raise _damaged(path) from exc
                if manifest_only:
                    break
            elif tag == _TAG_FINAL:
                try:
                    trailer = json.loads(plain)
                except ValueError as exc:
                    raise _damaged(path) from exc
            else:
                if cancelled and cancelled():
                    raise BackupCancelled()
                # Bounded steps: even a hostile message never inflates past 1 MiB at a time.
                data = unzip.decompress(plain, CHUNK) if unzip else plain
                while data:
                    digest.update(data)
                    if out is not None:
                        out.write(data)
                    data = unzip.decompress(unzip.unconsumed_tail, CHUNK) \
                        if unzip and unzip.unconsumed_tail else b""
                done += len(message)
                if progress:
                    progress(done, total)
    if manifest is None:
        raise _damaged(path)
    if not manifest_only:
        if trailer is None:
            raise _damaged(path)               # truncated: the final message never came
        if unzip is not None and (not unzip.eof or unzip.unused_data):
            raise _damaged(path)
        if trailer.get("sha256") != digest.hexdigest():
            raise _damaged(path)
    info = BackupInfo(path=path, created=str(header.get("created", "")),
                      schema_version=int(header["schema_version"]), encrypted=encrypted,
                      counts={k: int(v) for k, v in manifest.get("counts", {}).items()},
                      community=manifest.get("community", ""), code=manifest.get("code", ""),
                      size=int(trailer["size"]) if trailer else 0)
    return _Read(info, trailer or {})


def is_encrypted(path: Path) -> bool:
    """Whether opening this backup here needs something typed: a passphrase, or for a sealed
    backup a password or the recovery key when no one signed in here holds its data key."""
    kdf = read_header(path)["kdf"]
    if kdf.get("name") == "sealed":
        return keyslots.held_key(str(kdf.get("key_id", ""))) is None
    return kdf.get("name") != "none"


def secret_prompt(path: Path) -> str:
    """What the box asking for is_encrypted's secret says."""
    if read_header(path)["kdf"].get("name") == "sealed":
        return ("这份备份已加密，钥匙在账户密码里。请输入制作备份时已有的一个账户的登录密码"
                "（通常是管理员的），或打印的恢复密钥（8 组，每组 4 位）：")
    return "这份备份有口令保护，请输入备份时设置的口令："


def inspect_backup(path: Path, passphrase: str | None = None) -> BackupInfo:
    """Date, counts and community of a backup, without reading the whole file."""
    return _read_file(Path(path), passphrase, manifest_only=True).info


def verify_backup(path: Path, passphrase: str | None = None,
                  progress: Progress | None = None) -> BackupInfo:
    """Read and check every byte of a backup."""
    return _read_file(Path(path), passphrase, progress=progress).info


# --- automatic backups and rotation ------------------------------------------------------------

def auto_folder(db_path: Path) -> Path:
    return Path(db_path).parent / AUTO_FOLDER


_STAMP = re.compile(r"-(\d{8}-\d{6})" + re.escape(SUFFIX) + "$")


def auto_backups(db_path: Path) -> list[tuple[datetime, Path]]:
    """This database's automatic backups, newest first."""
    folder = auto_folder(db_path)
    found = []
    if folder.is_dir():
        for p in folder.glob(f"{Path(db_path).stem}-*{SUFFIX}"):
            m = _STAMP.search(p.name)
            if m and p.name[:m.start()] == Path(db_path).stem:
                found.append((datetime.strptime(m.group(1), "%Y%m%d-%H%M%S"), p))
    return sorted(found, reverse=True)


def last_auto_backup(db_path: Path) -> tuple[datetime, Path] | None:
    found = auto_backups(db_path)
    return found[0] if found else None


def auto_backup_due(db_path: Path, now: datetime, hours: float = AUTO_INTERVAL_HOURS) -> bool:
    last = last_auto_backup(db_path)
    return last is None or (now - last[0]).total_seconds() >= hours * 3600 \
        or last[0] > now   # a clock set back: make a fresh one rather than none for days


def rotation_keeps(stamps: list[datetime], daily: int = KEEP_DAILY, weekly: int = KEEP_WEEKLY
                   ) -> set[datetime]:
    """Which backups rotation keeps: the newest of each of the last `daily` days that have one,
    then the newest of each of the `weekly` weeks before those (like borg prune: a period whose
    newest backup is already kept does not count again)."""
    ordered = sorted(stamps, reverse=True)
    kept: set[datetime] = set()
    for count, period in ((daily, lambda t: t.date()),
                          (weekly, lambda t: tuple(t.isocalendar())[:2])):
        last = None
        n = 0
        for t in ordered:
            p = period(t)
            if p == last:
                continue
            last = p
            if t not in kept:
                kept.add(t)
                n += 1
                if n == count:
                    break
    return kept


def rotate(db_path: Path) -> list[Path]:
    """Delete automatic backups rotation does not keep; returns the deleted files."""
    found = auto_backups(db_path)
    keep = rotation_keeps([t for t, _p in found])
    removed = []
    for t, p in found:
        if t not in keep:
            p.unlink(missing_ok=True)
            removed.append(p)
    return removed


def clean_leftovers(db_path: Path, older_than_hours: float = 24) -> list[Path]:
    """Plain copies and half-written backups a crash left behind (a day old, so a backup
    running in another process right now keeps its files)."""
    db_path = Path(db_path)
    limit = datetime.now().timestamp() - older_than_hours * 3600
    found = [*db_path.parent.glob(".backup-snapshot-*.sqlite"),
             *auto_folder(db_path).glob(f".*{SUFFIX}.part")]
    removed = []
    for p in found:
        try:
            if p.stat().st_mtime < limit:
                p.unlink()
                removed.append(p)
        except OSError:
            pass
    return removed


def manual_backup(db: sqlite_utils.Database, folder: Path, *, passphrase: str | None = None,
                  progress: Progress | None = None, cancelled: Cancelled | None = None,
                  **kwargs: Any) -> BackupInfo:
    """立即备份 to a chosen folder or stick: every person's data leaves the office, so only a
    role that may change settings (the administrator) may, and the audit log says who."""
    accounts.require(db, "settings")
    info = create_backup(db, folder, passphrase=passphrase, progress=progress,
                         cancelled=cancelled, **kwargs)
    accounts.record(db, "backup", path=str(info.path), encrypted=passphrase is not None)
    return info


def check_may_restore(db: sqlite_utils.Database, backup: Path) -> None:
    """Before a restore replaces this database: the administrator only; recorded in the
    database being replaced (it is kept aside, its audit log with it)."""
    accounts.require(db, "settings")
    accounts.record(db, "restore", path=str(backup))


def auto_backup(db: sqlite_utils.Database, *, now: Callable[[], datetime] = datetime.now,
                progress: Progress | None = None, cancelled: Cancelled | None = None
                ) -> BackupInfo:
    """One automatic backup into the `backups` folder beside the database, then rotation."""
    db_path = Path(database_file(db))
    clean_leftovers(db_path)
    info = create_backup(db, auto_folder(db_path), now=now, progress=progress,
                         cancelled=cancelled)
    rotate(db_path)
    return info


# --- restore -----------------------------------------------------------------------------------

def staged_path(db_path: Path) -> Path:
    return Path(db_path).with_name(Path(db_path).name + ".restore-pending")


def stage_restore(backup: Path, db_path: Path, passphrase: str | None = None, *,
                  now: Callable[[], datetime] = datetime.now,
                  progress: Progress | None = None, cancelled: Cancelled | None = None
                  ) -> BackupInfo:
    """Unpack and check a backup into a file beside the database, ready to take its place,
    with a new sync node identity. The database in use is not touched."""
    db_path = Path(db_path)
    staged = staged_path(db_path)
    tmp = staged.with_name(staged.name + ".part")
    try:
        try:
            with open(tmp, "wb") as out:
                read = _read_file(Path(backup), passphrase, out=out, progress=progress,
                                  cancelled=cancelled)
                out.flush()
                os.fsync(out.fileno())
        except OSError as exc:
            if getattr(exc, "errno", None) == 28:
                raise BackupError("disk_full", "电脑磁盘空间不足，无法恢复备份。请清理磁盘"
                                  "后重试；当前数据没有改动。") from exc
            raise BackupError("write_failed", f"恢复没有完成：{exc.strerror or exc}。"
                              "请检查U盘是否插好、电脑磁盘是否有空间；当前数据没有改动。"
                              ) from exc
        try:
            conn = sqlite3.connect(tmp)
            try:
                if store.quick_check(conn) != "ok":
                    raise _damaged(Path(backup))
                if conn.execute("PRAGMA user_version").fetchone()[0] > migrate.LATEST:
                    raise BackupError("newer_version", "这份备份由更新版本的社区网格通制作，"
                                      "当前版本无法恢复。请先升级本程序；当前数据没有改动。")
                store.renew_identity(conn, now().isoformat(timespec="seconds"))
            finally:
                conn.close()
        except sqlite3.DatabaseError as exc:
            raise _damaged(Path(backup)) from exc
        os.replace(tmp, staged)
        _fsync_dir(staged.parent)
        return read.info
    finally:
        tmp.unlink(missing_ok=True)


def discard_staged(db_path: Path) -> None:
    staged_path(db_path).unlink(missing_ok=True)


def apply_staged_restore(db_path: Path, *, now: Callable[[], datetime] = datetime.now
                         ) -> Path | None:
    """Put the staged database in place; the replaced one (with its -wal and -shm) is renamed
    aside, never deleted. Call with no connection open on `db_path`. Returns the aside file."""
    db_path = Path(db_path)
    staged = staged_path(db_path)
    if not staged.exists():
        raise BackupError("nothing_staged", "没有准备好的恢复，请重新选择备份。")
    aside = None
    if db_path.exists():
        aside = db_path.with_name(f"{db_path.name}.replaced-{now():%Y%m%d-%H%M%S}")
        os.replace(db_path, aside)
        for suffix in ("-wal", "-shm"):
            side = Path(f"{db_path}{suffix}")
            if side.exists():
                os.replace(side, Path(f"{aside}{suffix}"))
    os.replace(staged, db_path)
    _fsync_dir(db_path.parent)
    return aside


def restore_backup(backup: Path, db_path: Path, passphrase: str | None = None, *,
                   now: Callable[[], datetime] = datetime.now,
                   progress: Progress | None = None) -> tuple[BackupInfo, Path | None]:
    """Stage and apply in one go (the command line; the window stages, closes, then applies)."""
    info = stage_restore(backup, db_path, passphrase, now=now, progress=progress)
    return info, apply_staged_restore(db_path, now=now)


def in_use_by_window(db_path: Path) -> bool:
    """Whether a running window holds the database (its QLockFile names a live process)."""
    lock = Path(f"{db_path}.lock")
    if sys.platform == "win32":
        # A live window keeps its lock file open, so it cannot be deleted; a stale one can.
        try:
            lock.unlink(missing_ok=True)
        except OSError:
            return True
        return False
    try:
        pid = int(lock.read_text(encoding="utf-8", errors="replace").split()[0])
    except (OSError, ValueError, IndexError):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


COUNT_LABELS = {"households": "住户", "residents": "居民", "party_members": "党员",
                "buildings": "楼栋", "isolation_cases": "隔离人员"}


def describe(info: BackupInfo) -> str:
    """What a secretary checks before restoring: when, whose, how much (one line each)."""
    when = info.created.replace("T", " ")
    order = [k for k in COUNT_LABELS if k in info.counts] + \
        [k for k in info.counts if k not in COUNT_LABELS]
    counts = "，".join(f"{COUNT_LABELS.get(k, k)} {info.counts[k]}" for k in order)
    who = f"{info.community}（{info.code}）" if info.community else "未填写社区信息"
    return f"备份时间：{when}\n社区：{who}\n数据：{counts}"


def _manual_record(db_path: Path) -> Path:
    return auto_folder(db_path) / f"{Path(db_path).stem}-last-manual.json"


def record_manual_backup(db_path: Path, info: BackupInfo) -> None:
    """Remember the last 立即备份 (when, where) for the 设置 page, in a small file beside the
    automatic backups (nothing to write into the database, nothing to sync)."""
    record = _manual_record(db_path)
    record.parent.mkdir(parents=True, exist_ok=True)
    tmp = record.with_name(f".{record.name}.part")
    tmp.write_text(json.dumps({"at": info.created, "path": str(info.path)},
                              ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, record)


def last_manual_backup(db_path: Path) -> tuple[str, str] | None:
    try:
        data = json.loads(_manual_record(db_path).read_text(encoding="utf-8"))
        return str(data["at"]), str(data["path"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
