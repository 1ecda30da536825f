"""Who may enroll with the district: the online code and its guess limit, the delay for wrong
guesses, and the requests that wait for the operator (a community already enrolled, a node to
replace) until confirmed or refused.

An enrollment code is six digits: guessable if guesses are free. So a code dies after
CODE_TRIES wrong guesses in total (counted in the district database, whoever guessed), and
nothing that would take over an enrolled community is applied without the operator.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlite_utils

from app import accounts
from app.errors import FormError
from app.sync.bundle import BundleError
from app.sync.keys import fingerprint
from db import enrollment as q
from db import sync as store
from db.node import get_meta, node_state, transaction

CODE_TTL_S = 30 * 60
CODE_TRIES = 5                    # wrong guesses, by anyone, before a code is void
REASONS = ("换新电脑", "从备份恢复", "首次登记")   # offered; any short text is accepted
MAX_REASON = 100
_HEX_KEY = re.compile(r"[0-9a-f]{64}")

WHY_TEXT = {"community": "该社区已登记过（同一社区代码或编号）",
            "replaces": "申请替换已登记的同步节点",
            "node": "与已登记的节点同号但密钥不同"}


def _now_text() -> str:
    return datetime.now().isoformat(timespec="seconds")


# --- the request ------------------------------------------------------------------------------

@dataclass(frozen=True)
class EnrollRequest:
    node_id: str
    code: str
    name: str
    community_id: str
    sign_key: str
    box_key: str
    fingerprint: str
    replaces: str = ""    # the node this one continues (restored from its backup)
    reason: str = ""      # what the office says about why it asks (换新电脑, 从备份恢复…)


def _text(p: dict[str, Any], key: str, *, required: bool = True, limit: int = 200) -> str:
    value = p.get(key, "")
    if value is None and not required:
        value = ""
    if not isinstance(value, str) or len(value) > limit or (required and not value.strip()):
        raise BundleError("tampered", "登记申请的内容不完整或格式不对，请让社区重新生成登记申请。")
    return value.strip()


def request_from_payload(p: dict[str, Any]) -> EnrollRequest:
    """A verified request's payload as an EnrollRequest, every field checked for type and
    size: a signature proves only who wrote it, not that it is sane."""
    sign_key, box_key = _text(p, "sign_key"), _text(p, "box_key")
    if not (_HEX_KEY.fullmatch(sign_key) and _HEX_KEY.fullmatch(box_key)):
        raise BundleError("tampered", "登记申请里的公钥格式不对，请让社区重新生成登记申请。")
    return EnrollRequest(_text(p, "node_id", limit=64), _text(p, "code", limit=32),
                         _text(p, "name"), _text(p, "community_id", limit=64), sign_key,
                         box_key, fingerprint(sign_key, box_key),
                         _text(p, "replaces", required=False, limit=64),
                         _text(p, "reason", required=False, limit=MAX_REASON))


# --- the online code --------------------------------------------------------------------------

@dataclass(frozen=True)
class IssuedCode:
    code: str
    expires_at: float
    tries: int = CODE_TRIES

    @property
    def expires_text(self) -> str:
        return datetime.fromtimestamp(self.expires_at).strftime("%Y-%m-%d %H:%M")

    def notice(self) -> str:
        """What the district operator reads: the code, until when, and how it dies."""
        return (f"登记码：{self.code}\n有效期至：{self.expires_text}（{CODE_TTL_S // 60}分钟），"
                f"只能用一次。\n输错{self.tries}次（不论是谁输错）即作废，需在区里重新生成。"
                "请电话告诉社区，不要用短信或群消息转发。")


def issue_code(db: sqlite_utils.Database) -> IssuedCode:
    """A six-digit one-time code for online enrollment, shown at the district; it replaces
    any earlier code and starts with no wrong guesses."""
    code = f"{secrets.randbelow(10**6):06d}"
    expires = time.time() + CODE_TTL_S
    with transaction(db):
        q.set_code(db, code, expires, _now_text())
    return IssuedCode(code, expires)


CODE_MESSAGES = {
    "wrong": f"登记码不正确，请核对区里给的6位登记码后重试。同一个登记码输错{CODE_TRIES}次即作废，"
             "需在区里重新生成。",
    "void": f"这个登记码已输错{CODE_TRIES}次，已经作废。请在区里重新生成登记码"
            "（同步页“生成联网登记码”或 griddesk district code）后再登记。",
    "expired": "登记码已过期或已用过，请向区里索取新的登记码。",
}


def check_code(db: sqlite_utils.Database, given: str) -> str:
    """"ok" (and the code is used up), or why not: "wrong", "void" (too many wrong guesses,
    this one included), "expired" (also: none issued, or already used). The guess is counted
    in the same write transaction that compares it, so guesses sent at once are counted
    one by one and no more than CODE_TRIES are ever compared with a live code."""
    with transaction(db):
        row = q.code(db)
        if row is None or time.time() > row["expires_at"]:
            return "expired"
        if row["wrong"] >= CODE_TRIES:
            return "void"
        if secrets.compare_digest(given.encode(), row["code"].encode()):
            q.clear_code(db)
            return "ok"
        return "void" if q.count_wrong(db) >= CODE_TRIES else "wrong"


class GuessPenalty:
    """How long to keep a client waiting before refusing its wrong guess: doubling per
    refused guess from the same address, forgotten after a quiet `forget_s`. Memory is
    bounded: the oldest addresses go first."""

    def __init__(self, base_s: float = 0.2, cap_s: float = 10.0, forget_s: float = 900,
                 size: int = 10_000) -> None:
        self.base_s, self.cap_s, self.forget_s, self.size = base_s, cap_s, forget_s, size
        self._seen: OrderedDict[str, tuple[int, float]] = OrderedDict()

    def wrong(self, address: str) -> float:
        """Count a wrong guess from `address`; the delay it earns, in seconds."""
        now = time.monotonic()
        count, last = self._seen.pop(address, (0, now))
        count = 1 if now - last > self.forget_s else count + 1
        self._seen[address] = (count, now)
        while len(self._seen) > self.size:
            self._seen.popitem(last=False)
        return min(self.base_s * 2 ** (count - 1), self.cap_s)


# --- accepting, or waiting for the operator ----------------------------------------------------

def _claimed(db: sqlite_utils.Database, request: EnrollRequest
             ) -> tuple[str, dict[str, Any] | None]:
    """Why this request needs the operator ("" if it does not), and the enrolled node it
    would take over."""
    peers = store.peers(db, "community")
    for p in peers:
        if p["node_id"] == request.node_id and (p["revoked"] or (
                p["sign_key"], p["box_key"], p["community_id"]) != (
                request.sign_key, request.box_key, request.community_id)):
            return "node", p      # other keys or another community under an enrolled id
    replaced = [p for p in peers if request.replaces and p["node_id"] == request.replaces]
    if replaced:
        return "replaces", replaced[0]
    claimed = [p for p in peers if p["node_id"] != request.node_id and (
        p["community_id"] == request.community_id or p["code"] == request.code)]
    if claimed:
        claimed.sort(key=lambda p: (p["revoked"], p["enrolled_at"]))   # live ones first
        return "community", claimed[0]
    return "", None


def known(db: sqlite_utils.Database, request: EnrollRequest) -> str:
    """What the district already holds for this very node and keys: "enrolled", "pending",
    or "". The hub answers these without a code, so an office can ask again later."""
    peer = store.peer(db, request.node_id)
    if peer and not peer["revoked"] and peer["role"] == "community" and (
            peer["sign_key"], peer["box_key"]) == (request.sign_key, request.box_key) and \
            peer["community_id"] == request.community_id:
        return "enrolled"
    if q.pending_for(db, request.node_id, request.fingerprint):
        return "pending"
    return ""


def accept_request(db: sqlite_utils.Database, request: EnrollRequest, *,
                   via: str = "file") -> str:
    """At the district: pin a new community's keys ("enrolled"), or, when the request claims
    a community already enrolled or would replace a node, keep it for the operator
    ("pending"): nothing is taken over until `confirm`."""
    if get_meta(db, "role") != "district":
        raise FormError({"role": "只有区县数据库可以接受社区登记。"})
    if request.community_id == get_meta(db, "community_id") or \
            request.node_id == node_state(db).node_id:
        raise BundleError("claims_district", "这份登记申请冒用了区县本身的编号，不能接受。")
    if known(db, request) == "enrolled":
        return "enrolled"
    with transaction(db):
        why, old = _claimed(db, request)
        if why:
            q.save_pending(db, {
                "node_id": request.node_id, "fingerprint": request.fingerprint,
                "community_id": request.community_id, "code": request.code,
                "name": request.name, "old_node": old["node_id"] if old else None,
                "old_fingerprint": fingerprint(old["sign_key"], old["box_key"]) if old
                else None, "why": why, "reason": request.reason, "via": via,
                "requested_at": _now_text(), "request": _request_text(request)})
            return "pending"
        _pin(db, request)
    return "enrolled"


def _request_text(request: EnrollRequest) -> str:
    return json.dumps(request.__dict__, ensure_ascii=False)


def _pin(db: sqlite_utils.Database, request: EnrollRequest) -> None:
    store.save_peer(db, {"node_id": request.node_id, "role": "community",
                         "name": request.name, "code": request.code,
                         "community_id": request.community_id,
                         "sign_key": request.sign_key, "box_key": request.box_key,
                         "enrolled_at": _now_text()})


# --- the operator's decision --------------------------------------------------------------------

@dataclass(frozen=True)
class PendingRequest:
    id: int
    name: str
    code: str
    node_id: str
    fingerprint: str
    old_node: str
    old_fingerprint: str
    why: str
    reason: str
    via: str
    requested_at: str

    @property
    def why_text(self) -> str:
        return WHY_TEXT.get(self.why, self.why)

    @property
    def reason_text(self) -> str:
        return self.reason or "（社区未说明）"


def _pending(row: dict[str, Any]) -> PendingRequest:
    return PendingRequest(row["id"], row["name"], row["code"], row["node_id"],
                          row["fingerprint"], row["old_node"] or "",
                          row["old_fingerprint"] or "", row["why"], row["reason"], row["via"],
                          row["requested_at"])


def pending(db: sqlite_utils.Database) -> list[PendingRequest]:
    """The requests waiting for the district operator, oldest first."""
    return [_pending(r) for r in q.pending(db)]


def _find(db: sqlite_utils.Database, request_id: int) -> dict[str, Any]:
    row = q.pending_one(db, request_id)
    if row is None:
        raise FormError({"request": f"没有编号为 {request_id} 的待确认登记申请"
                                    "（可能已被确认或拒绝）。"})
    return row


def confirm(db: sqlite_utils.Database, request_id: int) -> PendingRequest:
    """The operator, having compared both fingerprints with the office, lets the request
    take over: the nodes it replaces are revoked and its keys pinned."""
    accounts.require(db, "sync")
    with transaction(db):
        row = _find(db, request_id)
        request = EnrollRequest(**json.loads(row["request"]))
        for old in store.peers(db, "community"):
            if old["node_id"] != request.node_id and not old["revoked"] and (
                    old["community_id"] == request.community_id or
                    old["code"] == request.code or old["node_id"] == request.replaces):
                store.update_peer(db, old["node_id"], revoked=1)
                store.log_event(db, _now_text(), old["node_id"], "import", None, "replaced", 0,
                                f"replaced by {request.node_id}, confirmed at the district"
                                f" ({row['reason'] or row['why']})")
        _pin(db, request)
        q.delete_pending(db, request_id)
        done = _pending(row)
        accounts.record(db, "enroll_confirm", tbl="peers", row_id=request.node_id,
                        community=row["name"], code=row["code"], fingerprint=row["fingerprint"],
                        old_node=row["old_node"], old_fingerprint=row["old_fingerprint"],
                        reason=row["reason"])
    return done


def refuse(db: sqlite_utils.Database, request_id: int) -> PendingRequest:
    """The operator refuses: the request is deleted, the enrolled node stays; the audit log
    keeps who refused what."""
    accounts.require(db, "sync")
    with transaction(db):
        row = _find(db, request_id)
        q.delete_pending(db, request_id)
        accounts.record(db, "enroll_refuse", tbl="peers", row_id=row["node_id"],
                        community=row["name"], code=row["code"], fingerprint=row["fingerprint"],
                        old_node=row["old_node"], reason=row["reason"], why=row["why"])
    return _pending(row)


def pending_message(name: str) -> str:
    """What the office is told while its request waits."""
    return (f"“{name}”已在区里登记过，这次申请要替换原来的电脑（同步节点），需要区里核对两台电脑的"
            "指纹后确认。请电话联系区里确认；确认后再次联网登记（无需新登记码）或导入区里的登记回执。"
            "在此之前原来的电脑仍照常同步。")


def online(db: sqlite_utils.Database, given_code: str, request: EnrollRequest) -> str:
    """The hub's answer to an online request: "enrolled" or "pending" (a node the district
    already holds needs no code: this is how an office asks again), else the code's verdict
    ("wrong", "void", "expired") or, with a good code, what `accept_request` decided."""
    state = known(db, request)
    if state:
        return state
    verdict = check_code(db, given_code.strip())
    if verdict != "ok":
        return verdict
    return accept_request(db, request, via="online")
