"""The audit chain anchored outside the file: heads in bundles, the district's signed acks.

Whoever holds a database file can drop the audit log's guard triggers, rewrite an entry,
recompute every later hash and cut the tail: the chain alone still looks whole. So every
bundle a community sends carries its audit head (`audit_head`: the newest entry's seq and
hash, inside the signed payload); the district keeps each head it receives (`audit_heads`)
and sends back, in its bundles to that community, the newest head that agrees with all
earlier ones (`audit_ack`), signed with its own key. The community keeps that acknowledgement
in meta; verification then checks that the chain still holds exactly that entry.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import sqlite_utils
from nacl.exceptions import BadSignatureError

from app.sync.bundle import BundleError
from app.sync.keys import NodeKeys, verify_key
from db import audit
from db import sync as peers_store
from db.node import get_meta, set_meta

_HEX64 = re.compile(r"[0-9a-f]{64}")
_HEX128 = re.compile(r"[0-9a-f]{128}")
_AT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")
_MALFORMED = ("同步包里的审计日志校验信息格式不对，已拒绝；本机数据没有改动。"
              "请联系技术支持。")


# --- what goes out ------------------------------------------------------------------------------

def outgoing(db: sqlite_utils.Database, role: str, peer: dict[str, Any],
             node_keys: NodeKeys) -> dict[str, Any]:
    """Manifest fields for a bundle to `peer`: a community's own audit head; the district's
    signed acknowledgement of the newest consistent head it holds from that community node."""
    if role == "community":
        head = audit.head(db)
        return {"audit_head": {"seq": head.seq, "hash": head.hash}} if head else {}
    if peer["role"] != "community":
        return {}
    acked = consistent_head(audit.held_heads(db, node_id=peer["node_id"]))
    if acked is None:
        return {}
    signature = node_keys.signing.sign(
        audit.ack_statement(acked.seq, acked.hash, acked.received_at)).signature.hex()
    return {"audit_ack": {"seq": acked.seq, "hash": acked.hash, "at": acked.received_at,
                          "sig": signature}}


# --- what comes in ------------------------------------------------------------------------------

def parse_head(value: Any) -> audit.Head:
    """A manifest's `audit_head`: exactly {"seq": int >= 1, "hash": 64 lowercase hex}."""
    if not (isinstance(value, dict) and set(value) == {"seq", "hash"}
            and _seq(value["seq"]) and _hex(value["hash"], _HEX64)):
        raise BundleError("malformed", _MALFORMED)
    return audit.Head(value["seq"], value["hash"])


@dataclass(frozen=True)
class Ack:
    """The district's acknowledgement of a community's audit head, with its signature."""

    seq: int
    hash: str
    at: str       # when the district received that head (its local time)
    sig: str      # Ed25519 by the district over db.audit.ack_statement(seq, hash, at)
    by: str = ""  # the district node that signed it

    def signed_by(self, sign_key: str) -> bool:
        try:
            verify_key(sign_key).verify(audit.ack_statement(self.seq, self.hash, self.at),
                                        bytes.fromhex(self.sig))
        except (BadSignatureError, ValueError):
            return False
        return True


def parse_ack(value: Any) -> Ack:
    """A manifest's `audit_ack`: exactly {"seq", "hash", "at", "sig"} (see Ack)."""
    if not (isinstance(value, dict) and set(value) == {"seq", "hash", "at", "sig"}
            and _seq(value["seq"]) and _hex(value["hash"], _HEX64)
            and _hex(value["sig"], _HEX128) and isinstance(value["at"], str)
            and _AT.fullmatch(value["at"])):
        raise BundleError("malformed", _MALFORMED)
    return Ack(value["seq"], value["hash"], value["at"], value["sig"])


def incoming(db: sqlite_utils.Database, role: str, peer: dict[str, Any],
             manifest: dict[str, Any], bundle_id: Any, now: str) -> None:
    """Inside the import's transaction: the district keeps a community's head; a community
    keeps the district's acknowledgement if it is genuine and newer than the one it has.
    Anything malformed refuses the whole bundle (nothing is applied)."""
    if role == "district" and "audit_head" in manifest:
        head = parse_head(manifest["audit_head"])
        if not (isinstance(bundle_id, str) and 0 < len(bundle_id) <= 64):
            raise BundleError("malformed", _MALFORMED)
        audit.record_head(db, audit.HeldHead(
            peer["node_id"], peer["community_id"], bundle_id, int(manifest["seq_to"]),
            head.seq, head.hash, now))
    elif role == "community" and peer["role"] == "district" and "audit_ack" in manifest:
        ack = parse_ack(manifest["audit_ack"])
        if not ack.signed_by(peer["sign_key"]):
            raise BundleError("tampered", "同步包里区里对审计日志的确认签名不对，已拒绝；"
                              "本机数据没有改动。请联系区里核实。")
        held = acknowledged(db)
        if held is None or ack.seq >= held.seq:
            set_meta(db, audit.ACK_META, json.dumps(
                {"seq": ack.seq, "hash": ack.hash, "at": ack.at, "sig": ack.sig,
                 "by": peer["node_id"]}, sort_keys=True))


def acknowledged(db: sqlite_utils.Database) -> Ack | None:
    """The district's newest acknowledgement this file keeps (None if none, or unreadable:
    verification says which)."""
    text = get_meta(db, audit.ACK_META)
    if not text:
        return None
    try:
        value = json.loads(text)
        by = value.pop("by")
        return Ack(**{**parse_ack(value).__dict__, "by": str(by)})
    except (ValueError, TypeError, KeyError, AttributeError, BundleError):
        return Ack(0, "", "", "", "")     # present but damaged: never matches


def _seq(value: Any) -> bool:
    return type(value) is int and 1 <= value < 2**63


def _hex(value: Any, pattern: re.Pattern[str]) -> bool:
    return isinstance(value, str) and pattern.fullmatch(value) is not None


# --- checking the local chain against the acknowledgement ---------------------------------------

@dataclass(frozen=True)
class AnchorCheck:
    """What comparing the chain with the district's acknowledgement found."""

    status: str        # none | matches | rewritten | cut | forged
    seq: int = 0
    at: str = ""

    @property
    def ok(self) -> bool:
        return self.status in ("none", "matches")

    @property
    def day(self) -> str:
        return self.at[:10]

    def text(self) -> str:
        if self.status == "none":
            return ("本机还没有收到区里对审计日志的确认（尚未与区里同步过）：能发现单条记录被改动、"
                    "删除或调换，但发现不了有人改动记录后重新计算了此后所有的哈希，"
                    "或把末尾的记录整段删掉。与区里同步一次后即可核对。")
        if self.status == "matches":
            return (f"与区里 {self.day} 确认的第 {self.seq} 条记录一致：此前的记录没有被改写，"
                    "末尾也没有被截掉。")
        if self.status == "cut":
            return (f"区里 {self.day} 确认过的第 {self.seq} 条记录已经不存在："
                    "审计日志末尾被截掉了。请保留此文件并报告区里。")
        if self.status == "rewritten":
            return (f"第 {self.seq} 条记录与区里 {self.day} 确认的不同：第 {self.seq} 条及"
                    "以前的记录被改写过（哈希被重新计算）。请保留此文件并报告区里。")
        return ("本机保存的区里确认信息签名不对，可能被伪造或改动过，无法用来核对审计日志。"
                "请保留此文件并报告区里。")


def check_acknowledged(db: sqlite_utils.Database) -> AnchorCheck:
    """Whether the chain still holds, unchanged, the entry the district last acknowledged."""
    ack = acknowledged(db)
    if ack is None:
        return AnchorCheck("none")
    district = peers_store.peer(db, ack.by) if ack.by else None
    if district is None or district["role"] != "district" or not ack.signed_by(
            district["sign_key"]):
        return AnchorCheck("forged", ack.seq, ack.at)
    found = audit.hash_at(db, ack.seq)
    if found is None:
        return AnchorCheck("cut", ack.seq, ack.at)
    return AnchorCheck("matches" if found == ack.hash else "rewritten", ack.seq, ack.at)


# --- at the district: the heads a community sent, checked against each other -------------------

@dataclass(frozen=True)
class HeadProblem:
    head: audit.HeldHead
    kind: str          # 'back' (seq went back) | 'changed' (another hash at a seq seen before)
    earlier: audit.HeldHead

    def text(self) -> str:
        h, e = self.head, self.earlier
        if self.kind == "back":
            return (f"{h.received_at[:10]} 收到的审计日志只到第 {h.seq} 条，"
                    f"而 {e.received_at[:10]} 已收到第 {e.seq} 条："
                    "末尾被截掉或整条链被改写过。")
        return (f"{h.received_at[:10]} 收到的第 {h.seq} 条记录的哈希与 {e.received_at[:10]} 收到的"
                "不同：这条及以前的记录被改写过。")


def head_problems(heads: list[audit.HeldHead]) -> list[HeadProblem]:
    """Heads of one node, in its order (db.audit.held_heads), that contradict an earlier one:
    a chain only grows, so a later head never has a lower seq, nor another hash at a seq."""
    problems: list[HeadProblem] = []
    newest: audit.HeldHead | None = None
    by_seq: dict[int, audit.HeldHead] = {}
    for h in heads:
        seen = by_seq.get(h.seq)
        if seen is not None and seen.hash != h.hash:
            problems.append(HeadProblem(h, "changed", seen))
        elif newest is not None and h.seq < newest.seq:
            problems.append(HeadProblem(h, "back", newest))
        by_seq.setdefault(h.seq, h)
        if newest is None or h.seq > newest.seq:
            newest = h
    return problems


def consistent_head(heads: list[audit.HeldHead]) -> audit.HeldHead | None:
    """The newest head before the first contradiction: what the district acknowledges (once
    a chain was rewritten, acknowledging its new head would let the rewrite pass locally)."""
    first_bad = min((heads.index(p.head) for p in head_problems(heads)), default=len(heads))
    good = heads[:first_bad]
    return max(good, key=lambda h: h.seq) if good else None


@dataclass(frozen=True)
class NodeHistory:
    """At the district: one community node's heads, what contradicts, what was acknowledged."""

    peer: dict[str, Any]
    heads: list[audit.HeldHead]
    problems: list[HeadProblem]
    acknowledged: audit.HeldHead | None


def histories(db: sqlite_utils.Database, code: str | None = None) -> list[NodeHistory]:
    """Each enrolled community node (of the community with this org code, if given) with the
    audit heads it sent, checked against each other."""
    found = []
    for peer in peers_store.peers(db, "community"):
        if code is not None and peer["code"] != code:
            continue
        heads = audit.held_heads(db, node_id=peer["node_id"])
        found.append(NodeHistory(peer, heads, head_problems(heads), consistent_head(heads)))
    return found
