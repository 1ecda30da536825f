"""The hub's HTTP contract: refusal bodies, what each endpoint lists in its OpenAPI document,
and a Chinese 422 for input that does not fit (instead of FastAPI's list of pydantic errors).

Every status an endpoint can answer is listed here, so that a schema-driven test
(tests/e2e/test_hub_schema.py, schemathesis) finds no response outside the document.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel


class RefusalDetail(BaseModel):
    code: str
    message: str


class Refusal(BaseModel):
    """Every 4xx and 503 the hub answers: a code for programs, a message for people."""

    detail: RefusalDetail


class Health(BaseModel):
    status: str
    node: str
    name: str


class UploadResult(BaseModel):
    status: str
    applied: int
    conflicts: int
    message: str


class EnrollPending(BaseModel):
    status: str
    message: str


def refuse(status: int, message: str, code: str, *, close: bool = False) -> HTTPException:
    """A refusal; `close` ends the connection after it, so that a sender refused in the
    middle of its upload cannot go on sending the rest."""
    return HTTPException(status_code=status, detail={"code": code, "message": message},
                         headers={"Connection": "close"} if close else None)


_WHY = {
    400: "请求不是完整、有效的同步包或登记申请",
    403: "发送方未登记、已停用、身份校验失败，或登记码不正确",
    413: "请求过大",
    422: "请求的参数或格式不正确",
    503: "这个数据库不是区县数据库，或暂时无法导入同步包",
}


def refusals(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": Refusal, "description": _WHY[status]} for status in statuses}


BINARY = {"schema": {"type": "string", "format": "binary"}}

HEALTH = {"responses": refusals(503)}

UPLOAD = {
    "responses": refusals(400, 403, 413, 422, 503),
    "openapi_extra": {"requestBody": {"required": True,
                                      "content": {"application/octet-stream": BINARY}}},
}

DOWNLOAD = {
    "responses": {200: {"content": {"application/octet-stream": BINARY},
                        "description": "发给该社区的同步包（X-GD-Parts 为总份数）"},
                  **refusals(403, 422)},
}

ENROLL = {
    "responses": {
        200: {"content": {"application/json": {"schema": {"type": "object"}}},
              "description": "区里签名的登记回执"},
        202: {"model": EnrollPending, "description": "等待区里确认"},
        **refusals(400, 403, 413),
    },
    "openapi_extra": {"requestBody": {"required": True, "content": {"application/json": {
        "schema": {"type": "object", "required": ["code", "request"],
                   "properties": {"code": {"type": "string"},
                                  "request": {"type": "string"}}}}}}},
}


def install(app: FastAPI) -> None:
    """Answer input that does not fit the endpoint's parameters with a Chinese 422."""

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = sorted({".".join(str(p) for p in e.get("loc", ())[1:]) or "body"
                         for e in exc.errors()})
        return JSONResponse(status_code=422, content={"detail": {
            "code": "bad_request",
            "message": f"请求的格式不正确（{'、'.join(fields)}），请升级社区网格通后重试。"}})
