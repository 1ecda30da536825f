"""The district hub: the same sync engine behind HTTP (FastAPI on uvicorn).

Endpoints: GET /health; POST /bundles (a community uploads a bundle); GET /bundles/mine
(a community downloads the bundle addressed to it, proving who it is with a signature);
POST /enroll (online enrollment with the one-time code shown at the district).
"""

from __future__ import annotations

import secrets
import threading
import time
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request, Response
from nacl.exceptions import BadSignatureError

from app.database import open_community_db
from app.sync import bundle as fmt
from app.sync import engine
from app.sync.bundle import BundleError
from app.sync.keys import verify_key
from db import sync as store
from db.node import get_meta, set_meta, transaction

MAX_UPLOAD = 256 * 1024 * 1024
SIGNATURE_WINDOW_S = 300
ENROLL_CODE_TTL_S = 30 * 60


def _refuse(status: int, message: str, code: str) -> HTTPException:
    return HTTPException(status_code=status, detail={"code": code, "message": message})


def create_app(db_path: Path) -> FastAPI:
    app = FastAPI(title="GridDesk district hub", docs_url=None, redoc_url=None)
    write_lock = threading.Lock()   # one bundle applied at a time; SQLite has one writer
    local = threading.local()

    def db():
        # One connection per worker thread; never share a connection across threads.
        if getattr(local, "db", None) is None:
            local.db = open_community_db(db_path)
        return local.db

    @app.get("/health")
    def health() -> dict[str, Any]:
        d = db()
        if engine.role(d) != "district":
            raise _refuse(503, "这个数据库不是区县数据库。", "not_district")
        return {"status": "ok", "node": d._griddesk.node_id,
                "name": engine.district_name(d)}

    @app.post("/bundles")
    async def upload(request: Request) -> dict[str, Any]:
        declared = int(request.headers.get("content-length") or 0)
        if declared > MAX_UPLOAD:
            raise _refuse(413, "同步包过大。", "too_large")
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_UPLOAD:
                raise _refuse(413, "同步包过大。", "too_large")
        data = bytes(body)
        d = db()
        # Refuse unsigned, foreign and unknown senders on the header alone, before
        # decrypting or parsing anything the sender wrote.
        try:
            engine.check_header(d, fmt.read_sealed(data))
        except BundleError as exc:
            raise _refuse(403 if exc.code != "truncated" else 400, exc.message, exc.code) \
                from exc
        with write_lock:
            outcome = engine.import_bundle_bytes(d, data, "upload")
        if outcome.status == "refused":
            raise _refuse(422, outcome.message, outcome.details.get("code", "refused"))
        return {"status": outcome.status, "applied": outcome.applied,
                "conflicts": outcome.conflicts, "message": outcome.message}

    @app.get("/bundles/mine")
    def download(request: Request) -> Response:
        d = db()
        node_id = _authenticate(d, request)
        with write_lock:
            built = engine.build_bundles(d, node_id)
            with transaction(d):
                store.update_peer(d, node_id, last_export_at=engine.now_text())
        if len(built) != 1:
            # A snapshot too big for one request goes by USB; online, parts are asked for
            # one by one with ?part=N.
            part = int(request.query_params.get("part", "1"))
            name, data, _n = built[min(max(part, 1), len(built)) - 1]
        else:
            name, data, _n = built[0]
        return Response(data, media_type="application/octet-stream",
                        headers={"X-GD-Parts": str(len(built)), "X-GD-Name": name.encode(
                            "utf-8").hex()})

    @app.post("/enroll")
    async def enroll(request: Request) -> Response:
        payload = await request.json()
        d = db()
        code, expires = (get_meta(d, "enroll_code") or ":").split(":")
        given = str(payload.get("code", ""))
        if not code or time.time() > float(expires or 0) or \
                not secrets.compare_digest(given, code):
            raise _refuse(403, "登记码不正确或已过期，请向区里索取新的登记码。", "bad_code")
        try:
            request_file = engine.parse_enroll_request(payload["request"].encode("utf-8"))
        except (KeyError, BundleError) as exc:
            raise _refuse(400, "登记申请无法通过校验。", "tampered") from exc
        with write_lock:
            engine.accept_enroll_request(d, request_file)
            with transaction(d):
                set_meta(d, "enroll_code", None)
            response = engine.enroll_response_bytes(d, request_file.node_id)
        return Response(response, media_type="application/json")

    return app


def _authenticate(db, request: Request) -> str:
    """The caller proves it is an enrolled node: it signs "GET /bundles/mine <time>"."""
    node_id = request.headers.get("x-gd-node", "")
    stamp = request.headers.get("x-gd-time", "0")
    signature = request.headers.get("x-gd-signature", "")
    peer = store.peer(db, node_id)
    if peer is None or peer["revoked"]:
        raise _refuse(403, "本机尚未在区里登记，或已被停用。", "unknown_sender")
    try:
        if abs(time.time() - float(stamp)) > SIGNATURE_WINDOW_S:
            raise _refuse(403, "本机时间与区里相差太多，请校准电脑的日期和时间。", "clock")
        verify_key(peer["sign_key"]).verify(f"GET /bundles/mine {stamp}".encode(),
                                            bytes.fromhex(signature))
    except (ValueError, BadSignatureError) as exc:
        raise _refuse(403, "身份校验失败。", "bad_signature") from exc
    return node_id


def new_enroll_code(db) -> str:
    """A six-digit one-time code for online enrollment, shown at the district."""
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction(db):
        set_meta(db, "enroll_code", f"{code}:{time.time() + ENROLL_CODE_TTL_S}")
    return code


def serve(db_path: Path, host: str, port: int) -> None:
    import uvicorn

    db = open_community_db(db_path)
    if engine.role(db) != "district":
        raise SystemExit(f"{db_path} 不是区县数据库（请先用 griddesk district init 创建）。")
    engine.keys(db)
    db.conn.close()
    uvicorn.run(create_app(db_path), host=host, port=port, log_level="warning")
