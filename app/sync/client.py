"""A community talking to its district hub over HTTP: health, upload, download, enroll."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from app.sync import engine

TIMEOUT_S = 20


class HubUnavailable(Exception):
    """The hub did not answer (offline) or refused; `message` is for the window."""

    def __init__(self, message: str, offline: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.offline = offline


def _call(url: str, *, data: bytes | None = None, headers: dict[str, str] | None = None,
          method: str = "GET", timeout: float = TIMEOUT_S) -> tuple[bytes, dict[str, str]]:
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.read(), dict(resp.headers)
    except urllib.error.HTTPError as exc:
        try:
            detail = json.loads(exc.read())["detail"]
            message = detail.get("message") if isinstance(detail, dict) else str(detail)
        except (ValueError, KeyError, AttributeError):
            message = f"区里的服务器拒绝了请求（{exc.code}）。"
        raise HubUnavailable(message or "区里的服务器拒绝了请求。", offline=False) from exc
    except (urllib.error.URLError, OSError) as exc:
        raise HubUnavailable("连不上区里的服务器（可能没有网络）。"
                             "数据仍保存在本机，可以稍后再试，或用U盘同步。") from exc


def health(base_url: str, timeout: float = 5) -> dict[str, Any]:
    body, _ = _call(base_url.rstrip("/") + "/health", timeout=timeout)
    return json.loads(body)


class EnrollmentPending(HubUnavailable):
    """The request would replace an enrolled node: it waits until the district confirms."""


def enroll_online(db: sqlite_utils.Database, base_url: str, code: str = "", *,
                  reason: str = "", wait_s: float = 0, poll_s: float = 30) -> dict[str, Any]:
    """Enroll with the one-time code the district read out; pins the district's keys.
    A request the district must confirm raises EnrollmentPending; asking again (no code
    needed then) gets the answer once confirmed. With `wait_s`, ask again every `poll_s`
    seconds for that long before giving up."""
    deadline = time.monotonic() + wait_s
    while True:
        request = engine.enroll_request_bytes(db, reason).decode("utf-8")
        body, headers = _call(base_url.rstrip("/") + "/enroll", method="POST",
                              data=json.dumps({"code": code.strip(), "request": request}
                                              ).encode(),
                              headers={"Content-Type": "application/json"})
        if {k.lower(): v for k, v in headers.items()}.get("x-gd-enroll") != "pending":
            return engine.accept_enroll_response(db, body)
        if time.monotonic() + poll_s > deadline:
            try:
                message = str(json.loads(body)["message"])
            except (ValueError, KeyError, TypeError):
                message = "这次登记需要区里确认，请联系区里。"
            raise EnrollmentPending(message, offline=False)
        time.sleep(poll_s)


@dataclass(frozen=True)
class SyncResult:
    uploaded: int          # changes sent
    received: int          # changes applied here
    message: str


def sync_once(db: sqlite_utils.Database, base_url: str) -> SyncResult:
    """Upload what the district has not confirmed, then fetch and apply what is ours."""
    district = engine.district_peer(db)
    if district is None:
        raise HubUnavailable("本社区还没有在区里登记，请先在“同步”页完成登记。", offline=False)
    base = base_url.rstrip("/")
    sent = 0
    for _name, data, count in engine.build_bundles(db, district["node_id"]):
        _call(base + "/bundles", method="POST", data=data,
              headers={"Content-Type": "application/octet-stream"}, timeout=120)
        sent += count
    received = 0
    messages = []
    part = 1
    while True:
        stamp = f"{time.time():.0f}"
        signature = engine.keys(db).signing.sign(
            f"GET /bundles/mine {stamp}".encode()).signature.hex()
        headers = {"X-GD-Node": engine.keys(db).node_id, "X-GD-Time": stamp,
                   "X-GD-Signature": signature}
        data, resp_headers = _call(f"{base}/bundles/mine?part={part}", headers=headers,
                                   timeout=120)
        outcome = engine.import_bundle_bytes(db, data, f"hub-{part}")
        if outcome.status == "refused":
            raise HubUnavailable(outcome.message, offline=False)
        received += outcome.applied
        messages.append(outcome.message)
        parts = int({k.lower(): v for k, v in resp_headers.items()}.get("x-gd-parts", "1"))
        if part >= parts:
            break
        part += 1
    with engine.transaction(db):
        engine.store.update_peer(db, district["node_id"], last_export_at=engine.now_text())
    return SyncResult(sent, received, f"已上传 {sent} 项变更，收到 {received} 项。")
