"""The sync bundle file: a versioned header, then the signed and encrypted manifest and changes.

Layout (docs/sync-format.md): MAGIC, u32 header length, header JSON, u64 body length, body.
The body is Box(sender X25519, recipient X25519).encrypt(Ed25519-signed(sha256(header) +
zlib(JSON {manifest, changes}))). Only the header can be read without the recipient's key:
it names sender and recipient, so a refusal needs no parsing of anything the sender wrote.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from nacl.exceptions import BadSignatureError, CryptoError
from nacl.public import Box

from app.sync.keys import NodeKeys, box_key, verify_key

MAGIC = b"GRIDDESK-SYNC\n"
FORMAT = 2                     # 2: changes travel as row runs ("rows"); 1 is still read
SUFFIX = ".gdsync"
MAX_HEADER = 16 * 1024
MAX_PAYLOAD = 2 * 1024**3      # decompressed; refuses zip bombs


class BundleError(Exception):
    """A bundle we will not apply; `message` says why in Chinese and what to do."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Sealed:
    header: dict[str, Any]
    header_bytes: bytes
    body: bytes


def seal(header: dict[str, Any], content: dict[str, Any], keys: NodeKeys,
         recipient_box: str) -> bytes:
    text = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
    return _seal(header, text.encode(), keys, recipient_box)


def seal_json(header: dict[str, Any], manifest: dict[str, Any], rows_json: bytes,
              keys: NodeKeys, recipient_box: str) -> bytes:
    """Like seal(), with the changes already serialized as a UTF-8 JSON array of row runs."""
    content = b"".join([
        b'{"manifest":', json.dumps(manifest, ensure_ascii=False, separators=(",", ":")).encode(),
        b',"rows":', rows_json, b"}"])
    return _seal(header, content, keys, recipient_box)


def _seal(header: dict[str, Any], content: bytes, keys: NodeKeys, recipient_box: str) -> bytes:
    header_bytes = json.dumps(header, sort_keys=True, ensure_ascii=False).encode()
    payload = zlib.compress(content, 1)
    signed = keys.signing.sign(hashlib.sha256(header_bytes).digest() + payload)
    body = Box(keys.box, box_key(recipient_box)).encrypt(bytes(signed))
    return (MAGIC + struct.pack(">I", len(header_bytes)) + header_bytes
            + struct.pack(">Q", len(body)) + body)


def read_sealed(data: bytes) -> Sealed:
    """Split a file into header and body, refusing what is not a whole bundle."""
    if not data.startswith(MAGIC):
        raise BundleError("not_a_bundle",
                          "这不是社区网格通的同步包文件，请选择扩展名为 .gdsync 的文件。")
    at = len(MAGIC)
    if len(data) < at + 4:
        raise BundleError("truncated", TRUNCATED)
    (size,) = struct.unpack(">I", data[at:at + 4])
    if size > MAX_HEADER:
        raise BundleError("not_a_bundle", BAD_HEADER)
    at += 4
    header_bytes = data[at:at + size]
    at += size
    if len(header_bytes) < size or len(data) < at + 8:
        raise BundleError("truncated", TRUNCATED)
    (body_size,) = struct.unpack(">Q", data[at:at + 8])
    body = data[at + 8:]
    if len(body) != body_size:
        raise BundleError("truncated", TRUNCATED)
    return Sealed(_parse_header(header_bytes), header_bytes, body)


def _parse_header(header_bytes: bytes) -> dict[str, Any]:
    try:
        header = json.loads(header_bytes)
    except (ValueError, RecursionError) as exc:     # RecursionError: "[[[[…" 16 KiB deep
        raise BundleError("not_a_bundle", BAD_HEADER) from exc
    if not isinstance(header, dict):
        raise BundleError("not_a_bundle", BAD_HEADER)
    version = header.get("format", 0)
    if not isinstance(version, int) or isinstance(version, bool):
        raise BundleError("not_a_bundle", BAD_HEADER)
    if version > FORMAT:
        raise BundleError("newer_format",
                          "这个同步包由更新版本的社区网格通生成，请先升级本程序再导入。")
    return header


@dataclass(frozen=True)
class Head:
    """A bundle's header read from its first bytes: `body_size` bytes of body follow, from
    `body_offset` on, so the whole file is `body_offset + body_size` bytes."""

    header: dict[str, Any]
    header_bytes: bytes
    body_offset: int
    body_size: int

    def sealed(self) -> Sealed:
        """The header alone, for checks that look at nothing else (engine.check_header)."""
        return Sealed(self.header, self.header_bytes, b"")


def read_head(prefix: bytes | bytearray) -> Head | None:
    """The header from the first bytes of a bundle, or None while more are needed (never
    more than MAX_HEADER + 26 bytes): a receiver refuses a stranger, a wrong recipient or a
    body over its cap before it reads on."""
    prefix = bytes(prefix[:len(MAGIC) + 4 + MAX_HEADER + 8])
    if not prefix.startswith(MAGIC[:len(prefix)]):
        raise BundleError("not_a_bundle",
                          "这不是社区网格通的同步包文件，请选择扩展名为 .gdsync 的文件。")
    at = len(MAGIC)
    if len(prefix) < at + 4:
        return None
    (size,) = struct.unpack(">I", prefix[at:at + 4])
    if size > MAX_HEADER:
        raise BundleError("not_a_bundle", BAD_HEADER)
    at += 4 + size
    if len(prefix) < at + 8:
        return None
    (body_size,) = struct.unpack(">Q", prefix[at:at + 8])
    header_bytes = prefix[at - size:at]
    return Head(_parse_header(header_bytes), header_bytes, at + 8, body_size)


BAD_HEADER = "同步包文件头不正确，文件可能已损坏，请让对方重新导出。"
TRUNCATED = ("同步包不完整（可能拷贝时被中断或U盘已满），请让对方重新导出后再导入；"
             "本机数据没有任何改动。")
TAMPERED = ("同步包无法通过校验：文件已损坏或被改动过，也可能不是由登记的单位生成。"
            "请让对方重新导出；本机数据没有任何改动。")


def open_sealed(sealed: Sealed, keys: NodeKeys, sender_sign: str, sender_box: str
                ) -> dict[str, Any]:
    """Decrypt, check the signature and the header it covers, then parse."""
    try:
        signed = Box(keys.box, box_key(sender_box)).decrypt(sealed.body)
        message = verify_key(sender_sign).verify(signed)
    except (CryptoError, BadSignatureError, ValueError) as exc:
        raise BundleError("tampered", TAMPERED) from exc
    if message[:32] != hashlib.sha256(sealed.header_bytes).digest():
        raise BundleError("tampered", TAMPERED)
    try:
        inflater = zlib.decompressobj()
        raw = inflater.decompress(message[32:], MAX_PAYLOAD)
        if inflater.unconsumed_tail:
            raise BundleError("too_large", "同步包内容过大，无法导入。请联系技术支持。")
        del message
        content = orjson.loads(raw)
    except (zlib.error, ValueError, orjson.JSONDecodeError) as exc:
        raise BundleError("tampered", TAMPERED) from exc
    return content


def write_verified(folder: Path, name: str, data: bytes,
                   check: Callable[[bytes], object]) -> Path:
    """Write as a temporary file, flush it to the device, rename, read back and check.

    A full or pulled USB stick leaves no half file under the real name.
    """
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / name
    tmp = folder / f".{name}.part"
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, final)
        try:
            dir_fd = os.open(folder, os.O_RDONLY)
        except OSError:
            dir_fd = None
        if dir_fd is not None:
            try:
                os.fsync(dir_fd)
            except OSError:
                pass
            finally:
                os.close(dir_fd)
        try:
            if final.read_bytes() != data:
                raise BundleError("verify_failed", "写入后读回的内容与原内容不一致，"
                                  "U盘可能有故障，请换一个U盘重新导出。")
            check(final.read_bytes())
        except BundleError:
            final.unlink(missing_ok=True)
            raise
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if getattr(exc, "errno", None) == 28:  # ENOSPC
            raise BundleError("disk_full", f"U盘或磁盘空间不足，同步包没有写入：{folder}。"
                              "请删除U盘上不需要的文件或换一个U盘后重新导出。") from exc
        raise BundleError("write_failed", f"无法写入同步包到 {folder}：{exc.strerror or exc}。"
                          "请检查U盘是否已插好、是否写保护。") from exc
    return final
