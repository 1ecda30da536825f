"""The district hub: the same sync engine behind HTTP (FastAPI on uvicorn).

Endpoints: GET /health; POST /bundles (a community uploads a bundle); GET /bundles/mine
(a community downloads the bundle addressed to it, proving who it is with a signature);
POST /enroll (online enrollment with the one-time code shown at the district; wrong guesses
are counted and delayed, and a request that would take over an enrolled community waits for
the district operator: 202).

Facing a network: uploads are judged on their header and streamed to disk (`upload`),
applied in a helper process; idle and slow connections are closed and open ones capped
(`guard`); every input is validated and every status documented (`hubapi`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
from fastapi import FastAPI, Header, HTTPException, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from nacl.exceptions import BadSignatureError

from app.database import open_community_db
from app.sync import engine, enrollment, hubapi
from app.sync import upload as receiving
from app.sync.bundle import BundleError
from app.sync.keys import verify_key
from db import sync as store
from db.node import transaction

MAX_UPLOAD = 256 * 1024 * 1024
SIGNATURE_WINDOW_S = 300
MAX_ENROLL_BODY = 64 * 1024       # a request is about 1 KB


def _refuse(status: int, message: str, code: str) -> HTTPException:
    return HTTPException(status_code=status, detail={"code": code, "message": message})


def create_app(db_path: Path) -> FastAPI:
    importer = receiving.Importer(db_path)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        threading.Thread(target=importer.warm, name="importer-warm", daemon=True).start()
        yield
        importer.close()

    app = FastAPI(title="GridDesk district hub", docs_url=None, redoc_url=None,
                  lifespan=lifespan)
    hubapi.install(app)
    write_lock = threading.Lock()   # one bundle applied at a time; SQLite has one writer
    incoming = receiving.incoming_folder(db_path)
    importing: list[anyio.CapacityLimiter] = []   # made on the event loop, at first use
    local = threading.local()

    def db():
        # One connection per worker thread; never share a connection across threads.
        if getattr(local, "db", None) is None:
            local.db = open_community_db(db_path)
        return local.db

    @app.get("/health", **hubapi.HEALTH)
    async def health() -> hubapi.Health:
        # On the event loop, not in the thread pool, so that busy worker threads cannot
        # delay it; two indexed reads, and WAL readers never wait for the writer.
        d = db()
        if engine.role(d) != "district":
            raise _refuse(503, "这个数据库不是区县数据库。", "not_district")
        return hubapi.Health(status="ok", node=d._griddesk.node_id,
                             name=engine.district_name(d))

    @app.post("/bundles", **hubapi.UPLOAD)
    async def upload(request: Request) -> hubapi.UploadResult:
        # Unknown and revoked senders, wrong recipients and oversize bundles are refused on
        # the header, from the first bytes; the body goes to disk, not memory (upload.py).
        received = await receiving.receive(
            request.stream(), receiving.declared_length(request.headers.get("content-length")),
            lambda head: engine.check_header(db(), head.sealed()), incoming, MAX_UPLOAD)

        def apply() -> engine.ImportOutcome:
            with write_lock:
                return importer.apply(received)

        if not importing:
            importing.append(anyio.CapacityLimiter(1))
        try:
            # Off the event loop, and one at a time: a burst of uploads waits for the single
            # import slot without taking the thread pool from the other endpoints.
            outcome = await anyio.to_thread.run_sync(apply, limiter=importing[0])
        except receiving.ImporterUnavailable as exc:
            raise _refuse(503, "区里的服务器暂时无法导入同步包，请稍后重新同步；"
                          "区里没有任何改动。", "busy") from exc
        finally:
            if isinstance(received, Path):
                received.unlink(missing_ok=True)
        if outcome.status == "refused":
            raise _refuse(422, outcome.message, outcome.details.get("code", "refused"))
        return hubapi.UploadResult(status=outcome.status, applied=outcome.applied,
                                   conflicts=outcome.conflicts, message=outcome.message)

    @app.get("/bundles/mine", response_class=Response, **hubapi.DOWNLOAD)
    def download(part: int = Query(1, ge=1, le=100_000),
                 x_gd_node: str = Header(""), x_gd_time: str = Header("0"),
                 x_gd_signature: str = Header("")) -> Response:
        d = db()
        node_id = _authenticate(d, x_gd_node, x_gd_time, x_gd_signature)
        with write_lock:
            built = engine.build_bundles(d, node_id)
            with transaction(d):
                store.update_peer(d, node_id, last_export_at=engine.now_text())
        if len(built) != 1:
            # A snapshot too big for one request goes by USB; online, parts are asked for
            # one by one with ?part=N.
            name, data, _n = built[min(part, len(built)) - 1]
        else:
            name, data, _n = built[0]
        return Response(data, media_type="application/octet-stream",
                        headers={"X-GD-Parts": str(len(built)), "X-GD-Name": name.encode(
                            "utf-8").hex()})

    penalty = enrollment.GuessPenalty()    # per client address, in this process

    @app.post("/enroll", **hubapi.ENROLL)
    async def enroll(request: Request) -> Response:
        raw = bytearray()
        if int(request.headers.get("content-length") or 0) > MAX_ENROLL_BODY:
            raise _refuse(413, "登记申请过大。", "too_large")
        async for chunk in request.stream():
            raw += chunk
            if len(raw) > MAX_ENROLL_BODY:
                raise _refuse(413, "登记申请过大。", "too_large")
        try:
            payload = json.loads(raw)
            given, text = payload.get("code") or "", payload["request"]
            if not isinstance(given, str) or not isinstance(text, str):
                raise TypeError("code and request are text")
            request_file = engine.parse_enroll_request(text.encode("utf-8"))
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError,
                BundleError) as exc:
            raise _refuse(400, "登记申请无法通过校验，请在社区重新生成后再试。",
                          "tampered") from exc

        def decide() -> str:
            # Counting a guess writes the district database: off the event loop, one at a time.
            with write_lock:
                return enrollment.online(db(), given, request_file)

        try:
            answer = await run_in_threadpool(decide)
        except BundleError as exc:
            raise _refuse(403, exc.message, exc.code) from exc
        if answer in enrollment.CODE_MESSAGES:
            # A wrong guess costs its sender time, more with each one; asyncio.sleep keeps
            # the hub answering everyone else meanwhile.
            await asyncio.sleep(penalty.wrong(request.client.host if request.client else ""))
            raise _refuse(403, enrollment.CODE_MESSAGES[answer],
                          "bad_code" if answer == "wrong" else f"code_{answer}")
        if answer == "pending":
            return JSONResponse({"status": "pending",
                                 "message": enrollment.pending_message(request_file.name)},
                                status_code=202, headers={"X-GD-Enroll": "pending"})
        response = await run_in_threadpool(
            lambda: engine.enroll_response_bytes(db(), request_file.node_id))
        return Response(response, media_type="application/json")

    return app


def _authenticate(db, node_id: str, stamp: str, signature: str) -> str:
    """The caller proves it is an enrolled node: it signs "GET /bundles/mine <time>"."""
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


def serve(db_path: Path, host: str, port: int) -> None:
    import uvicorn

    db = open_community_db(db_path)
    if engine.role(db) != "district":
        raise SystemExit(f"{db_path} 不是区县数据库（请先用 griddesk district init 创建）。")
    engine.keys(db)
    db.conn.close()
    from app.sync import guard

    # Idle and slow connections are closed and open ones capped below the descriptor limit
    # (guard.py): uvicorn alone would let half-sent requests take every descriptor.
    limits = guard.limits_for(guard.raise_fd_limit())
    uvicorn.run(create_app(db_path), host=host, port=port, log_level="warning",
                http=guard.protocol_class(limits), timeout_keep_alive=int(limits.head_timeout),
                backlog=limits.backlog)
