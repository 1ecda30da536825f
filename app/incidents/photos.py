"""Photos attached to an event: checked to be a real image under the size cap (Pillow, no Qt),
kept in the database as base64 parts that sync carries, a small thumbnail for lists, and
read back whole with their hash checked (a photo that arrived damaged is not shown)."""

from __future__ import annotations

import base64
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils
from PIL import Image, UnidentifiedImageError

from app import accounts
from app.errors import FormError
from app.incidents import _held, _step, now_text
from db import incidents as q
from db.node import transaction

MAX_BYTES = 2 * 1024 * 1024          # 2 MB a photo: a phone's photo, not a scan of a book
MAX_PHOTOS = 6                       # per event
MAX_PIXELS = 40_000_000              # refuse decompression bombs before decoding
PART_CHARS = 16_000                  # base64 characters a part (a bundle's text cap: 20,000)
THUMB_SIDE = 160
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp",
           "BMP": "image/bmp"}
CAP_TEXT = "照片每张不能超过 2 MB"


@dataclass(frozen=True)
class Checked:
    """A photo that passed: its bytes and what the database keeps about it."""

    data: bytes
    file_name: str
    mime: str
    width: int
    height: int
    thumb: str       # base64 JPEG


def check(data: bytes, file_name: str = "") -> Checked:
    """A photo as read from a file: refused (FormError at "photo", naming the cap) when it is
    too large or not an image Pillow can read."""
    name = Path(file_name).name[:100]
    label = f"“{name}”" if name else "这个文件"
    if len(data) > MAX_BYTES:
        raise FormError({"photo": f"{label}有 {len(data) / 1024 / 1024:.1f} MB，太大了："
                                  f"{CAP_TEXT}。请用手机或画图软件缩小后再添加。"})
    if not data:
        raise FormError({"photo": f"{label}是空文件，请选择一张照片。"})
    try:
        with Image.open(io.BytesIO(data)) as img:
            fmt = img.format or ""
            width, height = img.size
            if fmt not in FORMATS:
                raise UnidentifiedImageError(fmt)
            if width * height > MAX_PIXELS:
                raise FormError({"photo": f"{label}的像素太多（{width}×{height}），"
                                          "请缩小后再添加。"})
            img.verify()
        with Image.open(io.BytesIO(data)) as img:
            img.draft("RGB", (THUMB_SIDE * 2, THUMB_SIDE * 2))
            small = img.convert("RGB")
            small.thumbnail((THUMB_SIDE, THUMB_SIDE))
            out = io.BytesIO()
            small.save(out, "JPEG", quality=70)
    except FormError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError) as exc:
        raise FormError({"photo": f"{label}不是能打开的图片（只收 JPG、PNG、GIF、WEBP、BMP 照片，"
                                  f"{CAP_TEXT}）。请换一张照片。"}) from exc
    return Checked(data, name, FORMATS[fmt], width, height,
                   base64.b64encode(out.getvalue()).decode("ascii"))


def check_file(path: str | Path) -> Checked:
    """check() for a file on this PC; a file too large is refused before it is read."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise FormError({"photo": f"“{path.name}”有 {size / 1024 / 1024:.1f} MB，太大了："
                                      f"{CAP_TEXT}。请缩小后再添加。"})
        data = path.read_bytes()
    except OSError as exc:
        raise FormError({"photo": f"打不开“{path.name}”：{exc.strerror or exc}。"}) from exc
    return check(data, path.name)


def attach(db: sqlite_utils.Database, incident_id: str, photo: Checked) -> str:
    """Keep a checked photo with an event; returns the photo's id."""
    accounts.require(db, "incidents.edit")
    with transaction(db):
        row = _held(db, incident_id)
        if len(q.photos(db, incident_id)) >= MAX_PHOTOS:
            raise FormError({"photo": f"一条事件最多{MAX_PHOTOS}张照片。"})
        photo_id = store(db, incident_id, row["community_id"], photo, now_text())
        _step(db, incident_id, "photo", f"添加照片{photo.file_name or ''}"
                                        f"（{len(photo.data) // 1024} KB）")
    return photo_id


def store(db: sqlite_utils.Database, incident_id: str, owner: str, photo: Checked,
          added_at: str) -> str:
    """The photo's row and its parts (inside the caller's transaction)."""
    encoded = base64.b64encode(photo.data).decode("ascii")
    parts = [encoded[i:i + PART_CHARS] for i in range(0, len(encoded), PART_CHARS)]
    photo_id = q.insert(db, "incident_photos", {
        "incident_id": incident_id, "added_at": added_at, "file_name": photo.file_name,
        "mime": photo.mime, "size": len(photo.data),
        "sha256": hashlib.sha256(photo.data).hexdigest(), "width": photo.width,
        "height": photo.height, "thumb": photo.thumb, "parts": len(parts)}, owner=owner)
    for seq, part in enumerate(parts):
        q.insert(db, "incident_photo_parts", {"photo_id": photo_id, "seq": seq,
                                              "data": part}, owner=owner)
    return photo_id


def thumbnail(row: dict) -> bytes:
    """A photo row's thumbnail JPEG bytes (b'' when it has none, or it is not the small JPEG
    check() makes: a thumbnail may come from a bundle, and only a real one is decoded)."""
    try:
        data = base64.b64decode(row.get("thumb") or "", validate=True)
    except ValueError:
        return b""
    if not data.startswith(b"\xff\xd8") or len(data) > 16_000:
        return b""
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.format != "JPEG" or max(img.size) > THUMB_SIDE:
                return b""
    except (UnidentifiedImageError, OSError, ValueError):
        return b""
    return data


def photo_bytes(db: sqlite_utils.Database, photo_id: str) -> bytes | None:
    """The whole photo, or None while parts are missing or it does not match its hash
    (it came from a bundle: it is shown only when it is exactly what was attached)."""
    accounts.require(db, "incidents.view")
    row = q.photo(db, photo_id)
    if row is None or row["deleted"]:
        return None
    parts = q.photo_parts(db, photo_id)
    if len(parts) != row["parts"]:
        return None
    try:
        data = base64.b64decode("".join(parts), validate=True)
    except ValueError:
        return None
    if len(data) > MAX_BYTES or hashlib.sha256(data).hexdigest() != row["sha256"]:
        return None
    return data
