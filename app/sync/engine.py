"""The sync engine: enrollment, writing bundles for a peer, importing bundles from one.

One engine, two carriers: the same bundle bytes go on a USB stick or to the district hub.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import sqlite3
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlite_utils
from nacl.exceptions import BadSignatureError

from app import duplicates
from app.database import community_info, database_file
from app.errors import FormError
from app.sync import anchor, authorship, district_row, enrollment, incoming
from app.sync import bundle as fmt
from app.sync.bundle import BundleError
from app.sync.enrollment import EnrollRequest
from app.sync.keys import NodeKeys, keys_dir, load_or_create_keys, verify_key
from db import changelog, compaction, migrate, snapshot
from db import district as district_levels
from db import registry as q
from db import sync as store
from db.clock import Stamp
from db.connection import use_bulk_pages
from db.ids import uuid7
from db.node import get_meta, node_state, set_meta, transaction

_log = logging.getLogger(__name__)
MAX_SKEW_MS = 10 * 60 * 1000      # a stamp further ahead of our clock than this never wins
PART_CHANGES = 200_000            # changes per bundle file; a snapshot is split into parts
ENROLL_SUFFIX = ".gdenroll"


def now_text() -> str:
    return datetime.now().isoformat(timespec="seconds")


def role(db: sqlite_utils.Database) -> str:
    return get_meta(db, "role") or "community"


def keys(db: sqlite_utils.Database) -> NodeKeys:
    return load_or_create_keys(node_state(db).node_id)


def own_code(db: sqlite_utils.Database) -> str:
    info = community_info(db)
    return info.code if info else ""


# --- a district database -------------------------------------------------------------------

def create_district(db: sqlite_utils.Database, name: str, code: str) -> str:
    """Make an empty database a district node (区/县): its org unit owns reference data."""
    if get_meta(db, "community_id"):
        raise ValueError("this database already belongs to an org unit")
    errors = {}
    if not name.strip():
        errors["name"] = "请填写区县名称，例如“中原区”。"
    if not (code.isdigit() and len(code) == 6):
        errors["code"] = "区县代码应为6位数字，例如 410102。"
    if errors:
        raise FormError(errors)
    use_bulk_pages(db)
    district = uuid7()
    with transaction(db):
        set_meta(db, "community_id", district)
        set_meta(db, "role", "district")
        q.insert(db, "org_units", {"level": "district", "code": code, "name": name.strip()},
                 row_id=district, owner=district)
    keys(db)
    return district


# --- enrollment ------------------------------------------------------------------------------

def _signed_file(payload: dict[str, Any], node_keys: NodeKeys) -> bytes:
    body = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()
    signature = node_keys.signing.sign(body).signature.hex()
    return json.dumps({"payload": payload, "signature": signature}, ensure_ascii=False,
                      indent=1).encode()


def _read_signed_file(data: bytes, kind: str) -> dict[str, Any]:
    try:
        outer = json.loads(data)
        payload = outer["payload"]
        body = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()
        verify_key(payload["sign_key"]).verify(body, bytes.fromhex(outer["signature"]))
    except (ValueError, KeyError, TypeError, BadSignatureError) as exc:
        raise BundleError("tampered", "登记文件无法通过校验：文件已损坏或被改动过。"
                          "请让对方重新生成登记文件。") from exc
    if payload.get("kind") != kind:
        wanted = "登记申请" if kind == "enroll-request" else "登记回执"
        raise BundleError("wrong_kind", f"这不是{wanted}文件，请选择正确的文件。")
    return payload


def write_enroll_request(db: sqlite_utils.Database, folder: Path, reason: str = ""
                         ) -> tuple[Path, str]:
    """A community's request to enroll with its district: its code, name and public keys,
    and why it asks (换新电脑, 从备份恢复…). Returns the file and the fingerprint to read over
    the phone."""
    data = enroll_request_bytes(db, reason)
    info = community_info(db)
    name = f"登记申请-{info.name}-{info.code}{ENROLL_SUFFIX}"
    path = fmt.write_verified(folder, name, data,
                              lambda data: _read_signed_file(data, "enroll-request"))
    return path, keys(db).fingerprint


def read_enroll_request(path: Path) -> EnrollRequest:
    return parse_enroll_request(Path(path).read_bytes())


def enroll_request_bytes(db: sqlite_utils.Database, reason: str = "") -> bytes:
    info = community_info(db)
    if info is None or role(db) != "community":
        raise FormError({"role": "只有社区数据库可以申请登记。"})
    node_keys = keys(db)
    payload = {"kind": "enroll-request", "node_id": node_keys.node_id, "code": info.code,
               "name": info.name, "community_id": info.id, "sign_key": node_keys.sign_public,
               "box_key": node_keys.box_public, "created": now_text()}
    replaces = get_meta(db, "restored_from")
    if replaces:
        payload["replaces"] = replaces     # restored from a backup: we continue that node
    reason = reason.strip()[:enrollment.MAX_REASON] or ("从备份恢复" if replaces else "")
    if reason:
        payload["reason"] = reason         # shown to the district operator
    return _signed_file(payload, node_keys)


def parse_enroll_request(data: bytes) -> EnrollRequest:
    return enrollment.request_from_payload(_read_signed_file(data, "enroll-request"))


def accept_enroll_request(db: sqlite_utils.Database, request: EnrollRequest, *,
                          via: str = "file") -> str:
    """At the district: pin a new community's keys (after the fingerprint was confirmed):
    "enrolled". A request that claims an enrolled community or would replace a node waits
    for the operator: "pending" (app.sync.enrollment.confirm / refuse)."""
    return enrollment.accept_request(db, request, via=via)


def _retire_replaced(db: sqlite_utils.Database, new_node: str, community_id: str,
                     replaces: str) -> None:
    """A node restored from a backup continues an old one: stop exchanging with the old one
    (its history after the backup is in this database already and comes back to the new node
    in the next bundle). Only a peer of the same org unit can be retired this way."""
    old = store.peer(db, replaces) if replaces else None
    if old and old["node_id"] != new_node and old["community_id"] == community_id \
            and not old["revoked"]:
        store.update_peer(db, old["node_id"], revoked=1)
        store.log_event(db, now_text(), old["node_id"], "import", None, "replaced", 0,
                        f"continued by {new_node} (restored from a backup)")


def write_enroll_response(db: sqlite_utils.Database, community_node: str, folder: Path
                          ) -> Path:
    """The district's answer: its own public keys, for one enrolled community."""
    peer = store.peer(db, community_node)
    if peer is None:
        raise FormError({"peer": "这个社区还没有登记。"})
    name = f"登记回执-{peer['name']}-{peer['code']}{ENROLL_SUFFIX}"
    return fmt.write_verified(folder, name, enroll_response_bytes(db, community_node),
                              lambda data: _read_signed_file(data, "enroll-response"))


def district_name(db: sqlite_utils.Database) -> str:
    row = q.get(db, "org_units", get_meta(db, "community_id") or "")
    return row["name"] if row else ""


def enroll_response_bytes(db: sqlite_utils.Database, community_node: str) -> bytes:
    node_keys = keys(db)
    district = q.get(db, "org_units", get_meta(db, "community_id"))
    payload = {"kind": "enroll-response", "node_id": node_keys.node_id,
               "code": district["code"], "name": district["name"],
               "community_id": district["id"], "for_node": community_node,
               "sign_key": node_keys.sign_public, "box_key": node_keys.box_public,
               "created": now_text()}
    return _signed_file(payload, node_keys)


def accept_enroll_response(db: sqlite_utils.Database, path: Path | bytes) -> dict[str, Any]:
    """At the community: pin the district's keys from its answer (a file, or the hub's
    reply) and hold the district's own org row (app.sync.district_row). An answer from
    another district than the one enrolled with is a move: the old district is no longer
    synced with (its peer revoked, named in "moved_from")."""
    data = path if isinstance(path, bytes) else Path(path).read_bytes()
    p = _read_signed_file(data, "enroll-response")
    if p["for_node"] != node_state(db).node_id:
        raise BundleError("not_for_us", "这份登记回执是发给另一台电脑（另一个社区）的，"
                          "请向区里索取本社区的回执。")
    try:
        district_row.check_answer(db, p.get("community_id"), p.get("code"), p.get("name"))
    except district_row.DistrictRowError as exc:
        raise BundleError("bad_answer", exc.message) from exc
    moved_from = []
    with transaction(db):
        store.save_peer(db, {"node_id": p["node_id"], "role": "district", "name": p["name"],
                             "code": p["code"], "community_id": p["community_id"],
                             "sign_key": p["sign_key"], "box_key": p["box_key"],
                             "enrolled_at": now_text()})
        # A district restored from a backup answers under a new node id: it replaces the old.
        for old in store.peers(db, "district"):
            if old["community_id"] == p["community_id"]:
                _retire_replaced(db, p["node_id"], p["community_id"], old["node_id"])
            elif not old["revoked"]:   # another district: a community belongs to one, a move
                store.update_peer(db, old["node_id"], revoked=1)
                store.log_event(db, now_text(), old["node_id"], "import", None, "moved", 0,
                                f"moved to {p['name']} ({p['community_id']})")
                moved_from.append(old["name"])
        district_row.adopt(db, p["community_id"], p["code"], p["name"])
    return {**p, "moved_from": moved_from}


def enrolled_message(answer: dict[str, Any]) -> str:
    """What the community is told once an enrollment answer is accepted (a move says so)."""
    text = f"已登记到“{answer['name']}”。"
    moved = "、".join(f"“{name}”" for name in answer.get("moved_from", []))
    if moved:
        text += (f"本社区原来登记在{moved}，今后只与“{answer['name']}”同步，不再与原来的"
                 "区县交换同步包；如果登记错了，请向原来的区县重新申请登记。")
    return text


def enroll_by_files(community: sqlite_utils.Database, district: sqlite_utils.Database,
                    folder: Path) -> EnrollRequest:
    """Both sides of a file enrollment on one machine (the district demo; tests and
    benchmarks): the request written and accepted, the answer written and accepted."""
    request, _spoken = write_enroll_request(community, folder)
    seen = read_enroll_request(request)
    if accept_enroll_request(district, seen) == "pending":
        raise FormError({"peer": enrollment.pending_message(seen.name)})
    accept_enroll_response(community, write_enroll_response(district, seen.node_id, folder))
    return seen


def needs_reenrollment(db: sqlite_utils.Database) -> bool:
    """Restored from a backup and not yet heard from the district as the new node (the
    restore set every peer's received sequence back to 0)."""
    if not get_meta(db, "restored_at") or role(db) != "community":
        return False
    district = district_peer(db)
    return district is None or district["received_seq"] == 0


def district_peer(db: sqlite_utils.Database) -> dict[str, Any] | None:
    found = [p for p in store.peers(db, "district") if not p["revoked"]]
    return found[0] if found else None


# --- export ---------------------------------------------------------------------------------

def _owners_for(db: sqlite_utils.Database, peer: dict[str, Any]) -> list[str] | None:
    """What a peer receives: a community gets its own rows and the district's reference
    data; the district gets everything its community changed."""
    if role(db) == "district":
        return [peer["community_id"], get_meta(db, "community_id")]
    return None


def build_bundles(db: sqlite_utils.Database, peer_id: str, *, part_size: int = PART_CHANGES
                  ) -> list[tuple[str, bytes, int]]:
    """File name, bytes and change count of each bundle carrying everything the peer has
    not confirmed (at least one bundle, so acknowledgements travel even with no changes).
    A large snapshot is split into parts, never splitting one row's changes."""
    peer = store.peer(db, peer_id)
    if peer is None or peer["revoked"]:
        raise FormError({"peer": "对方尚未登记或已被停用，无法导出同步包。"})
    node_keys = keys(db)
    owners = _owners_for(db, peer)
    # A node that replaced its community's old one (restored from a backup) first gets all
    # we hold for it, from the rows and their stamps: we never re-log what we receive.
    # So does a peer lacking changes that compaction removed (db/compaction.py).
    snap = (snapshot.plan(db, peer, owners or [get_meta(db, "community_id")], part_size,
                          now_text())
            if (role(db) == "district" and owners is not None)
            or snapshot.behind_compaction(db, peer) else None)
    start = peer["acked_seq"] if snap is None else snap.through
    last = max(changelog.last_seq(db), start)
    steps: list[tuple[int, int | None, snapshot.Part | None]] = [
        *((seq_to, None, rows) for seq_to, rows in (snap.parts if snap else [])),
        *((last if bound is None else bound, bound, None)
          for bound in [*store.part_bounds(db, start, owners, part_size), None]
          if not (snap and bound is None and last == start))]   # no empty log tail
    bundle_id = uuid7()
    created = now_text()
    code = own_code(db)
    stamp = created.replace(":", "").replace("-", "")
    parts: list[_Part] = []
    seq_from = peer["acked_seq"]
    anchored = anchor.outgoing(db, role(db), peer, node_keys)   # audit head or its ack
    for i, (seq_to, bound, rows) in enumerate(steps, 1):
        parts.append(_Part(
            name=(f"GD-{code}-to-{peer['code']}-{stamp}-{seq_from}-{seq_to}"
                  f"-{i}of{len(steps)}{fmt.SUFFIX}"),
            seq_from=seq_from, bound=bound, rows=rows,
            header={"format": fmt.FORMAT, "sender": node_keys.node_id, "recipient": peer_id,
                    "bundle_id": bundle_id, "part": i, "parts": len(steps),
                    "created": created},
            manifest={"schema_version": migrate.LATEST, "seq_from": seq_from,
                      "seq_to": seq_to, "acks": {peer_id: peer["received_seq"]},
                      "sender_code": code, **anchored}))
        seq_from = seq_to
    job = _PartJob(database_file(db), str(keys_dir()), node_keys.node_id, owners,
                   peer["box_key"])
    built: dict[str, tuple[Future[bytes] | bytes, int]] = {}
    todo = deque(parts)
    helper: deque[tuple[_Part, Future[tuple[bytes, int]]]] = deque()
    # Each part read here is compressed, signed and encrypted on a second thread (zlib and
    # libsodium let go of the GIL) while the next part is read. A snapshot of many parts is
    # also read from its far end by a second process, so that both processors work.
    with ThreadPoolExecutor(max_workers=1) as sealer, _helper_process(len(parts)) as process, \
            compaction.export_reading(db):   # compaction of this file waits meanwhile
        while todo:
            while process is not None and len(helper) < 2 and len(todo) > 1:
                try:
                    future = process.submit(_sealed_part, job, part := todo[-1])
                except Exception as exc:   # no second process after all: this one does all
                    _log.warning("sync export: no helper process (%s); parts made here", exc)
                    process = None
                    break
                todo.pop()
                helper.append((part, future))
            part = todo.popleft()
            with changelog.gc_paused():
                text, counts, count = _part_rows(db.conn, part, owners)
            built[part.name] = (sealer.submit(fmt.seal_json, part.header,
                                              {**part.manifest, "counts": counts,
                                               "changes": count},
                                              text, node_keys, peer["box_key"]), count)
            del text
            for entry in [e for e in helper if e[1].done()]:
                helper.remove(entry)
                built[entry[0].name] = _helped(entry, job)
        for entry in helper:
            built[entry[0].name] = _helped(entry, job)
        return [(p.name, *_ready(built[p.name])) for p in parts]


# A snapshot of at least this many parts is read by two processes (one part takes this one
# about 0.4 s; starting the second costs about that).
HELPER_MIN_PARTS = 4


@dataclass(frozen=True)
class _Part:
    """One bundle file of an export: its name, its changes' span, its header and manifest."""

    name: str
    seq_from: int
    bound: int | None
    header: dict[str, Any]
    manifest: dict[str, Any]
    rows: snapshot.Part | None = None    # a snapshot part: these rows as held now


def _part_rows(conn: sqlite3.Connection, part: _Part, owners: list[str] | None
               ) -> tuple[bytes, dict[str, int], int]:
    """A part's row runs: a snapshot part's rows as held now, or the log's changes."""
    if part.rows is not None:
        return snapshot.part_rows(conn, part.rows)
    return store.changes_rows(conn, part.seq_from, part.bound, owners)


@dataclass(frozen=True)
class _PartJob:
    """What a helper process needs to read and seal parts: the database file, where this
    node's keys are (they never travel between processes), whose changes, for whom."""

    database: str
    keys_folder: str
    node_id: str
    owners: list[str] | None
    recipient_box: str


def _sealed_part(job: _PartJob, part: _Part) -> tuple[bytes, int]:
    """In the helper process: one part read through a read-only connection, sealed."""
    conn = sqlite3.connect(Path(job.database).as_uri() + "?mode=ro", uri=True)
    try:
        with changelog.gc_paused():
            text, counts, count = _part_rows(conn, part, job.owners)
    finally:
        conn.close()
    node_keys = load_or_create_keys(job.node_id, Path(job.keys_folder))
    manifest = {**part.manifest, "counts": counts, "changes": count}
    return fmt.seal_json(part.header, manifest, text, node_keys, job.recipient_box), count


@contextmanager
def _helper_process(parts: int) -> Iterator[ProcessPoolExecutor | None]:
    """A second process for a big export (spawned: safe beside Qt's threads, and as on
    Windows), or None when the export is small or no process can be started."""
    if parts < HELPER_MIN_PARTS:
        yield None
        return
    try:
        pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    except (OSError, ValueError):
        yield None
        return
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _helped(entry: tuple[_Part, Future[tuple[bytes, int]]], job: _PartJob
            ) -> tuple[bytes, int]:
    """A part the helper process sealed; if it could not, sealed here instead."""
    part, future = entry
    try:
        return future.result()
    except Exception as exc:   # the helper died or could not start: this process does it
        _log.warning("sync export: the helper process failed on %s (%s); made here",
                     part.name, exc)
        return _sealed_part(job, part)


def _ready(found: tuple[Future[bytes] | bytes, int]) -> tuple[bytes, int]:
    data, count = found
    return (data if isinstance(data, bytes) else data.result()), count


def export_bundles(db: sqlite_utils.Database, peer_id: str, folder: Path, *,
                   part_size: int = PART_CHANGES) -> list[Path]:
    """Write the bundles for a peer into a folder (a USB stick), each verified by reading it
    back and opening it as the recipient's envelope would be checked."""
    built = build_bundles(db, peer_id, part_size=part_size)
    paths = [fmt.write_verified(Path(folder), name, data, fmt.read_sealed)
             for name, data, _n in built]
    changes = sum(n for _name, _data, n in built)
    with transaction(db):
        store.update_peer(db, peer_id, last_export_at=now_text())
        store.log_event(db, now_text(), peer_id, "export", None, "written", changes,
                        ", ".join(p.name for p in paths))
    return paths


# --- import ---------------------------------------------------------------------------------

@dataclass
class ImportOutcome:
    """What importing one bundle did, in words for the secretary."""

    status: str                   # applied | duplicate | refused | skipped
    message: str
    applied: int = 0
    conflicts: int = 0
    sender: str = ""
    file: str = ""
    details: dict[str, Any] = field(default_factory=dict)


def _future_limit(db: sqlite_utils.Database) -> str:
    wall = node_state(db).clock.wall_millis()
    return str(Stamp(wall + MAX_SKEW_MS, 99_999, "~"))


def import_bundle_bytes(db: sqlite_utils.Database, data: bytes, name: str = "") -> ImportOutcome:
    """Check and apply one bundle in one transaction; a refusal changes nothing."""
    try:
        try:
            return _import(db, data, name)
        except (KeyError, TypeError, IndexError, ValueError, AttributeError) as exc:
            # Signed by an enrolled peer, yet not what this version understands (what
            # app.sync.incoming lets through should never get here).
            raise BundleError("malformed", "同步包的内容格式不对，可能来自不兼容的版本。"
                              "请双方升级到同一版本后重新导出；本机数据没有改动。") from exc
        except sqlite3.Error as exc:
            raise BundleError("inconsistent", "同步包里的数据无法写入本机数据库"
                              f"（{exc}）。本机数据没有改动；请联系技术支持。") from exc
    except BundleError as exc:
        with transaction(db):
            store.log_event(db, now_text(), None, "import", None, "refused", 0,
                            f"{name}: {exc.code}" + (f": {exc.detail}" if isinstance(
                                exc, incoming.Refused) else ""))
        return ImportOutcome("refused", exc.message, file=name,
                             details={"code": exc.code})


def import_bundle(db: sqlite_utils.Database, path: Path) -> ImportOutcome:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        return ImportOutcome("refused", f"无法读取文件：{exc.strerror or exc}。请检查U盘。",
                             file=Path(path).name, details={"code": "unreadable"})
    return import_bundle_bytes(db, data, Path(path).name)


def bundle_files(folder: Path) -> list[Path]:
    """The bundles in a folder, in the order they are imported (oldest part first)."""
    return sorted(Path(folder).glob(f"*{fmt.SUFFIX}"), key=_bundle_order)


def import_files(db: sqlite_utils.Database, files: list[Path], *,
                 progress: Callable[[int, int], None] | None = None,
                 cancelled: Callable[[], bool] | None = None) -> list[ImportOutcome]:
    """Bundle files in the order given. `progress(done, total)` is told before each file;
    after `cancelled()` turns true, the files left are skipped (each bundle is whole or not
    at all, so stopping between two is safe)."""
    outcomes = []
    for i, f in enumerate(files):
        if progress:
            progress(i, len(files))
        if cancelled and cancelled():
            return outcomes + [ImportOutcome("skipped", "已取消导入，这个文件没有导入。",
                                             file=g.name, details={"code": "cancelled"})
                               for g in files[i:]]
        outcomes.append(import_bundle(db, f))
    return outcomes


def import_folder(db: sqlite_utils.Database, folder: Path, *,
                  progress: Callable[[int, int], None] | None = None,
                  cancelled: Callable[[], bool] | None = None) -> list[ImportOutcome]:
    """Every bundle in a folder, oldest part first (see import_files). The district writes
    the bundles of all its communities onto one stick: those for others are skipped, not
    refused."""
    outcomes = [
        ImportOutcome("skipped", "发给其他单位的同步包，已跳过。", file=o.file, details=o.details)
        if o.details.get("code") == "not_for_us" else o
        for o in import_files(db, bundle_files(folder), progress=progress, cancelled=cancelled)]
    # An export interrupted before its rename leaves ".NAME.gdsync.part": say so, touch nothing.
    for f in sorted(Path(folder).glob(f".*{fmt.SUFFIX}.part")):
        outcomes.append(ImportOutcome(
            "skipped", "这是一次中断的导出留下的临时文件，不是完整的同步包，已忽略。"
            "请让对方重新导出；该文件可以删除。", file=f.name, details={"code": "leftover"}))
    return outcomes


def _bundle_order(path: Path) -> tuple:
    parts = path.stem.split("-")
    try:
        return (int(parts[-3]), int(parts[-1].split("of")[0]), path.name)
    except (ValueError, IndexError):
        return (0, 0, path.name)


def check_header(db: sqlite_utils.Database, sealed: fmt.Sealed) -> dict[str, Any]:
    """Who sent it and whether it is for us: refuse before reading anything else."""
    header = sealed.header
    me = node_state(db).node_id
    peer = store.peer(db, str(header.get("sender", "")))
    if peer is None:
        raise BundleError("unknown_sender", "这个同步包来自未登记的单位，已拒绝。"
                          "如果对方是本区的社区或区里，请先完成登记。")
    if peer["revoked"]:
        raise BundleError("revoked_sender", f"“{peer['name']}”已被停用，它的同步包已拒绝。")
    if header.get("recipient") != me:
        raise BundleError("not_for_us", "这个同步包是发给另一个单位的，不是本机。"
                          "请确认U盘里的文件，或让对方重新导出。")
    return peer


def _import(db: sqlite_utils.Database, data: bytes, name: str) -> ImportOutcome:
    with changelog.gc_paused():
        return _import_checked(db, data, name)


def _import_checked(db: sqlite_utils.Database, data: bytes, name: str) -> ImportOutcome:
    sealed = fmt.read_sealed(data)
    peer = check_header(db, sealed)
    content = fmt.open_sealed(sealed, keys(db), peer["sign_key"], peer["box_key"])
    # Manifest and rows held to this version's schema, before anything is applied.
    manifest, rows = incoming.rows_of(content, migrate.LATEST, peer["name"])
    del content
    if manifest["seq_from"] > peer["received_seq"]:
        raise BundleError("gap", f"缺少“{peer['name']}”更早的同步包（本机只收到第 "
                          f"{peer['received_seq']} 号变更为止）。请先导入更早的包，"
                          "或请对方重新导出一次（新包会包含所有未确认的变更）。")
    count = sum(len(r[3]) for r in rows)
    # Writes held here already (same field, same stamp) can do nothing: the rest is checked
    # and applied (a snapshot for a restored office is nearly all such writes).
    rows, inert = changelog.without_held_writes(db, rows)
    incoming.check_rows(db, rows, peer["name"])
    if _foreign_rows(db, rows, _owners_allowed(db, peer)):
        raise BundleError("foreign_rows", f"同步包里有不属于“{peer['name']}”的数据，已拒绝。"
                          "请联系区里核实。")
    written = authorship.violation(rows, at_district=role(db) == "district",
                                   district_owner=peer["community_id"],
                                   district_node=peer["node_id"])
    if written:   # the rows may be the sender's, yet not the sender's to change
        raise BundleError("not_author", f"同步包里有“{peer['name']}”无权修改的{written}，"
                          "整个同步包已拒绝，本机数据没有改动。请联系区里核实。")
    limit = _future_limit(db)   # one bound for the values checked and the values applied
    incoming.check_references(db, rows, _district_owner(db, peer), peer["name"], limit)
    me = node_state(db).node_id
    with transaction(db):
        duplicate = manifest["seq_to"] <= peer["received_seq"]
        anchor.incoming(db, role(db), peer, manifest, sealed.header.get("bundle_id"),
                        now_text())
        # Our changes they had confirmed before this bundle were known when they made
        # theirs; later ones may not have been: a different value there is a conflict.
        # (Their acks in this bundle say what they hold now, not what they knew then.)
        result = changelog.apply_rows(db, rows, max_hlc=limit,
                                      unacked_after=peer["acked_hlc"])
        result.stale += inert
        district_levels.ensure_streets(db)   # the district's row for each street named
        acked = int(manifest["acks"].get(me, 0))
        if acked > peer["acked_seq"]:
            store.update_peer(db, peer["node_id"], acked_seq=acked,
                              acked_hlc=store.hlc_of_seq(db, acked))
        if result.conflicts:
            store.add_conflicts(db, result.conflicts, peer["node_id"], now_text())
        store.update_peer(db, peer["node_id"],
                          # changes from the future are not held yet: not confirmed, so
                          # the next bundle carries them again (they win once due)
                          received_seq=peer["received_seq"] if result.future
                          else max(peer["received_seq"], manifest["seq_to"]),
                          last_import_at=now_text())
        status = "duplicate" if duplicate and not result.applied else "applied"
        store.log_event(db, now_text(), peer["node_id"], "import",
                        sealed.header.get("bundle_id"), status, result.applied,
                        f"{name}: {count} changes, {result.stale} older, "
                        f"{result.future} future, {len(result.conflicts)} conflicts")
    if status == "applied" and role(db) == "district":
        duplicates.refresh(db)   # the same person in two communities: notices follow
    if status == "duplicate":
        message = f"这个同步包已经导入过，没有新的变更（来自“{peer['name']}”）。"
    else:
        message = f"已导入“{peer['name']}”的 {result.applied} 项变更。"
        if result.conflicts:
            message += f"其中 {len(result.conflicts)} 项与本机未同步的修改冲突，请在“冲突”中查看。"
        if result.future:
            message += (f"有 {result.future} 项变更的时间比本机时钟超前太多，暂不采用"
                        "（对方下次的同步包会再带上）。请核对双方电脑的日期和时间。")
    return ImportOutcome(status, message, result.applied, len(result.conflicts),
                         peer["name"], name,
                         {"future": result.future, "stale": result.stale,
                          "part": sealed.header.get("part"), "parts": sealed.header.get("parts")})


def _foreign_rows(db: sqlite_utils.Database, rows: list[list[Any]], allowed: set[str]
                  ) -> bool:
    """Whether a bundle touches rows its sender may not send: the owner it declares, an
    org unit it moves a row into, and the owner of the row as held here must all be
    allowed (else one community could edit or take another's rows by relabelling them)."""
    ids_by_table: dict[str, list[str]] = {}
    for tbl, row_id, owner, cols, values, _stamps in rows:
        if owner not in allowed:
            return True
        if "community_id" in cols and values[cols.index("community_id")] not in allowed:
            return True
        ids = ids_by_table.get(tbl)
        if ids is None:
            ids = ids_by_table[tbl] = []
        ids.append(row_id)
    return not store.owners_of(db, ids_by_table) <= allowed


def _district_owner(db: sqlite_utils.Database, peer: dict[str, Any]) -> str:
    """The district's org unit: its rows are the shared ones every community may point at."""
    return get_meta(db, "community_id") if role(db) == "district" else peer["community_id"]


def _owners_allowed(db: sqlite_utils.Database, peer: dict[str, Any]) -> set[str]:
    if role(db) == "district":
        return {peer["community_id"]}
    return {get_meta(db, "community_id"), peer["community_id"]}


# --- state for the 同步 page -----------------------------------------------------------------

@dataclass(frozen=True)
class SyncState:
    role: str
    fingerprint: str
    peers: list[dict[str, Any]]
    unacknowledged: dict[str, int]
    conflicts: int
    events: list[dict[str, Any]]


def sync_state(db: sqlite_utils.Database) -> SyncState:
    node_keys = keys(db)
    peer_rows = store.peers(db)
    return SyncState(
        role=role(db), fingerprint=node_keys.fingerprint, peers=peer_rows,
        unacknowledged={p["node_id"]: store.unacknowledged(db, p["acked_seq"],
                                                            _owners_for(db, p))
                        for p in peer_rows},
        conflicts=len(store.conflicts(db)), events=store.events(db, 20))


# --- hub settings -----------------------------------------------------------------------------

def hub_settings(db: sqlite_utils.Database) -> tuple[str, int]:
    """The district hub's address and the minutes between background syncs."""
    return get_meta(db, "hub_url") or "", int(get_meta(db, "hub_interval_min") or 10)


def set_hub_settings(db: sqlite_utils.Database, url: str, minutes: int) -> str:
    url = url.strip()
    errors = {}
    if url and not url.startswith(("http://", "https://")):
        errors["hub_url"] = "服务器地址应以 http:// 或 https:// 开头，例如 http://10.1.2.3:8787。"
    if not 1 <= int(minutes) <= 24 * 60:
        errors["interval"] = "同步间隔应在1到1440分钟之间。"
    if errors:
        raise FormError(errors)
    with transaction(db):
        set_meta(db, "hub_url", url)
        set_meta(db, "hub_interval_min", str(int(minutes)))
    return url


def mark_conflict_reviewed(db: sqlite_utils.Database, conflict_id: int) -> None:
    with transaction(db):
        store.mark_reviewed(db, conflict_id)


def community_rows(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """At the district: each enrolled community with its last bundle and its figures."""
    figures = store.community_figures(db)
    rows = []
    for peer in store.peers(db, "community"):
        f = figures.get(peer["community_id"], {})
        rows.append({**peer, "households": f.get("households", 0),
                     "residents": f.get("residents", 0),
                     "active_cases": f.get("active_cases", 0),
                     "coverage": (f.get("paired", 0) / f["households"]
                                  if f.get("households") else 0.0),
                     "unacknowledged": store.unacknowledged(db, peer["acked_seq"],
                                                            _owners_for(db, peer))})
    return rows


def export_for_all(db: sqlite_utils.Database, folder: Path) -> list[Path]:
    """At the district: bundles for every enrolled community into one folder."""
    paths: list[Path] = []
    for peer in store.peers(db, "community"):
        if not peer["revoked"]:
            paths += export_bundles(db, peer["node_id"], folder)
    return paths
