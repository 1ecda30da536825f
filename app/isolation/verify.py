"""The release form's QR code, signed so that anyone holding a GridDesk database can tell a
genuine 解除通知书 from a printed copy with other words in it, offline.

    text = sign_release(db, sheet)               # "GD1:" + base32, drawn by app.isolation.forms
    result = check(db, text)                     # Verified, or raises VerifyError (Chinese)

What the code holds (docs/isolation-forms.md, "二维码"): the form's serial (its year and
sequence; the community code comes from the signing key's owner), the kind of case, the release
date, the person's name and masked ID number (never the whole number), the first four bytes of
SHA-256 of the signing key, and an Ed25519 signature by the issuing office's node key (the key
it signs sync bundles with, app.sync.keys) over all of that and the community code. Base32 keeps
the whole text in the QR's alphanumeric mode (A–Z, 2–7, ':'), so a 3-character name makes a
148-character code: version 6 at error correction M, 41 × 41 modules."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlite_utils
from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from app.accounts import Session, current, masking
from app.database import community_info
from app.isolation.forms import KIND_NAMES, CaseSheet
from app.sync.keys import keys_dir, load_or_create_keys, verify_key
from db.isolation import verify as q
from db.node import get_meta, node_state

PREFIX = "GD1:"
VERSION = 1
DOMAIN = b"griddesk-release-form\x00v1\x00"
EPOCH = date(2000, 1, 1)
KINDS = ("home_isolation", "home_monitoring")
SERIAL_RE = re.compile(r"^(\d{12})-(\d{4})-JC-(\d{5,7})$")
GB_MASKED = re.compile(r"^(\d{6})\*{8}(\d{3})([\dX])$")
NAME_BYTES = 48            # a longer name is cut at a character boundary (foreign names)
SIG_BYTES = 64

LEGACY = ("这是旧版解除通知书的二维码，没有签名，无法核验真伪。请向开具社区核实，"
          "或请社区重新打印（补打）该通知书。")
FOREIGN = ("这不是社区网格通解除通知书的二维码（内容格式不对）。请扫描通知书左下方的二维码，"
           "或检查扫码枪是否设成了键盘（美式）输入。")
DAMAGED = ("二维码内容不完整或有字符被改动，核验未通过。请重新扫描；"
           "仍不通过时，不要据此放行，并联系开具社区核实。")
TAMPERED = ("核验未通过：二维码内容与签名不符，有字符被改动，不是原件。"
            "请不要据此放行，并联系开具社区核实。")


class VerifyError(Exception):
    """A code that does not verify; `message` (Chinese) says why and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Claim:
    """What a release form's QR code says, before anyone has checked it."""

    key_id: bytes
    year: int
    seq: int
    kind: str
    released_on: date
    name: str
    id_masked: str
    body: bytes = field(repr=False)
    signature: bytes = field(repr=False)

    def serial(self, code: str) -> str:
        return f"{code}-{self.year}-JC-{self.seq:05d}"


@dataclass(frozen=True)
class Signer:
    """An office whose key this database knows."""

    key: VerifyKey
    code: str
    name: str
    own: bool = False
    replaced: bool = False      # a revoked peer, or this office before a restore


@dataclass(frozen=True)
class Verified:
    """A code that verified: who released whom and when, as the session may see it."""

    office: str
    code: str
    serial: str
    kind: str
    released_on: date
    name: str
    id_shown: str
    notes: tuple[str, ...] = ()

    @property
    def lines(self) -> list[str]:
        return [f"核验通过：{self.office}（{self.code}）开具的解除{KIND_NAMES[self.kind]}通知书，"
                "签名有效。",
                f"编号：{self.serial}",
                f"解除对象：{self.name}　身份证号：{self.id_shown or '（未登记）'}",
                f"解除日期：{self.released_on.year}年{self.released_on.month}月"
                f"{self.released_on.day}日",
                *self.notes]


def key_id(key: VerifyKey) -> bytes:
    return hashlib.sha256(key.encode()).digest()[:4]


# --- packing ----------------------------------------------------------------------------------

def _pack_id(masked: str) -> bytes:
    """A GB 11643 number's masked form in five bytes (its first six and last four characters),
    anything else (a passport) as tagged UTF-8 text. A whole number is masked first: the code
    never carries one."""
    masked = masking.mask("id_number", masked)
    match = GB_MASKED.match(masked)
    if match:
        head, tail, check = match.groups()
        value = int(head) << 14 | (int(tail) * 11 + (10 if check == "X" else int(check)))
        return b"\xff" + value.to_bytes(5, "big")
    raw = masked.encode("utf-8")[:254]
    return bytes([len(raw)]) + raw


def _unpack_id(data: bytes, at: int) -> tuple[str, int]:
    tag = data[at]
    if tag == 0xFF:
        if at + 6 > len(data):
            raise ValueError("short")
        value = int.from_bytes(data[at + 1:at + 6], "big")
        head, low = value >> 14, value & 0x3FFF
        tail, check = divmod(low, 11)
        if head > 999_999 or tail > 999:
            raise ValueError("id")
        return f"{head:06d}{'*' * 8}{tail:03d}{'X' if check == 10 else check}", at + 6
    end = at + 1 + tag
    if end > len(data):
        raise ValueError("short")
    return data[at + 1:end].decode("utf-8"), end


def _cut_name(name: str) -> bytes:
    raw = name.encode("utf-8")
    while len(raw) > NAME_BYTES:
        name = name[:-1]
        raw = name.encode("utf-8")
    return raw


def pack(key: bytes, serial: str, kind: str, released_on: date, name: str,
         id_masked: str) -> bytes:
    """The signed part of a code (without the community code, which the key's owner gives)."""
    match = SERIAL_RE.match(serial)
    if not match:
        raise ValueError(f"not a release serial: {serial!r}")
    year, seq = int(match.group(2)), int(match.group(3))
    if not 2000 <= year <= 2255 or seq >= 1 << 23:
        raise ValueError(f"serial out of range: {serial!r}")
    name_raw = _cut_name(name)
    return (key + bytes([year - 2000]) + (seq << 1 | KINDS.index(kind)).to_bytes(3, "big")
            + (released_on - EPOCH).days.to_bytes(2, "big")
            + bytes([len(name_raw)]) + name_raw + _pack_id(id_masked))


def message(code: str, body: bytes) -> bytes:
    """What the signature covers: a label for this use, the issuing community's code, the body."""
    return DOMAIN + code.encode("ascii") + b"\x00" + body


def encode(body: bytes, signature: bytes) -> str:
    return PREFIX + base64.b32encode(body + signature).decode("ascii").rstrip("=")


def decode(text: str) -> Claim:
    """A scanned or typed code read into its parts; VerifyError when it is not one of ours or
    cannot be read. Case and whitespace do not matter (a scanner with caps lock on)."""
    cleaned = "".join(text.split()).upper()
    if cleaned.startswith("GRIDDESKRELEASE;"):
        raise VerifyError(LEGACY)
    version = re.match(r"^GD(\d{1,3}):", cleaned)
    if not version:
        raise VerifyError(FOREIGN)
    if int(version.group(1)) > VERSION:
        raise VerifyError(f"这张通知书的二维码是较新版本（第{version.group(1)}版）开具的，"
                          "本程序无法核验。请先升级社区网格通。")
    if int(version.group(1)) != VERSION:
        raise VerifyError(FOREIGN)
    b32 = cleaned[version.end():]
    try:
        data = base64.b32decode(b32 + "=" * (-len(b32) % 8))
        if len(data) < 12 + SIG_BYTES:          # the smallest body: no name, no ID number
            raise ValueError("short")
        body, signature = data[:-SIG_BYTES], data[-SIG_BYTES:]
        key = body[:4]
        year = 2000 + body[4]
        seq_kind = int.from_bytes(body[5:8], "big")
        released_on = EPOCH + timedelta(days=int.from_bytes(body[8:10], "big"))
        end = 11 + body[10]
        name = body[11:end].decode("utf-8")
        id_masked, end = _unpack_id(body, end)
        if end != len(body) or base64.b32encode(data).decode().rstrip("=") != b32:
            raise ValueError("not canonical")     # a changed spare bit in the last character
    except (binascii.Error, ValueError, IndexError, UnicodeDecodeError) as exc:
        raise VerifyError(DAMAGED) from exc
    kind_bit = seq_kind & 1
    return Claim(key, year, seq_kind >> 1, KINDS[kind_bit], released_on, name, id_masked,
                 body, signature)


# --- signing ----------------------------------------------------------------------------------

def signs_for(db: sqlite_utils.Database, sheet: CaseSheet) -> bool:
    """Whether this database's office issues the sheet's forms (and so may sign them): a form
    of another community printed here would carry a code no one could check against that
    community's key."""
    info = community_info(db)
    return info is not None and bool(info.code) and \
        info.code == sheet.context.get("community_code")


def sign_release(db: sqlite_utils.Database, sheet: CaseSheet) -> str:
    """The QR text of a sheet's release form, signed with this node's key."""
    serial = sheet.serials.get("release", "")
    code = sheet.context.get("community_code") or ""
    if not signs_for(db, sheet) or not serial.startswith(f"{code}-"):
        raise ValueError(f"release form {serial!r} is not this office's to sign")
    keys = load_or_create_keys(node_state(db).node_id)
    if sheet.released_on is None:
        raise ValueError("not released")
    body = pack(key_id(keys.signing.verify_key), serial, sheet.kind, sheet.released_on,
                sheet.context.get("name") or "", sheet.context.get("id_masked") or "")
    return encode(body, keys.signing.sign(message(code, body)).signature)


# --- checking ---------------------------------------------------------------------------------

def signers(db: sqlite_utils.Database) -> list[Signer]:
    """The offices whose keys this database knows: its own node (and the nodes it was before a
    restore, when their keys are still on this computer), and its peers (a community's
    district, a district's enrolled communities)."""
    found: list[Signer] = []
    info = community_info(db)
    if info is not None:
        own = node_state(db).node_id
        earlier = [n for n in (get_meta(db, "previous_node_ids") or "").split(",") if n]
        for node in [own, *reversed(earlier)]:
            if (keys_dir() / f"{node}.json").is_file():
                keys = load_or_create_keys(node)
                found.append(Signer(keys.signing.verify_key, info.code, info.name, own=True,
                                    replaced=node != own))
    for row in q.signing_peers(db):
        try:
            key = verify_key(row["sign_key"])
        except (ValueError, TypeError):
            continue
        found.append(Signer(key, row["code"], row["name"], replaced=bool(row["revoked"])))
    return found


def check(db: sqlite_utils.Database, text: str, session: Session | None = None) -> Verified:
    """Verify a release form's QR text against the keys this database knows; the person's ID
    number is shown as `session` (default: the connection's) may see it in a list."""
    claim = decode(text)
    session = session if session is not None else current(db)
    candidates = [s for s in signers(db) if key_id(s.key) == claim.key_id]
    if not candidates:
        district = (get_meta(db, "role") or "community") == "district"
        raise VerifyError(
            "核验未通过：签发这张通知书的密钥不属于本数据库认识的任何单位，可能是伪造的，"
            "也可能是" + ("未在本区登记的社区" if district else "其他社区") + "开具的。"
            + ("" if district else "其他社区开具的通知书请用区县数据库核验；")
            + "请不要据此放行，并联系开具单位核实。")
    for signer in candidates:
        try:
            signer.key.verify(message(signer.code, claim.body), claim.signature)
        except BadSignatureError:
            continue
        return _verified(db, claim, signer, session)
    raise VerifyError(TAMPERED)


def _verified(db: sqlite_utils.Database, claim: Claim, signer: Signer,
              session: Session | None) -> Verified:
    serial = claim.serial(signer.code)
    notes: list[str] = []
    if signer.replaced:
        notes.append("说明：签发时所用的电脑（密钥）后来已更换，签名仍然有效。")
    id_shown = masking.show(session, "id_number", claim.id_masked, masking.LIST)
    record = q.release_by_serial(db, serial)
    if record is None:
        if signer.own:
            notes.append("注意：本库没有这个编号的解除通知书记录，请向开具社区核实。")
    else:
        if record["id_number"] and masking.mask("id_number", record["id_number"]) == \
                claim.id_masked:
            id_shown = masking.show(session, "id_number", record["id_number"], masking.LIST)
        if record["case_deleted"] or record["form_deleted"] or record["status"] != "released":
            notes.append("注意：本库记录显示该案例后来已撤销解除或已删除，这张通知书已不再有效，"
                         "请联系开具社区。")
        elif record["released_on"] != claim.released_on.isoformat() or \
                record["name"] != claim.name:
            notes.append("注意：本库记录的姓名或解除日期与通知书不同（可能之后改过），"
                         "请向开具社区核实。")
    return Verified(signer.name, signer.code, serial, claim.kind, claim.released_on,
                    claim.name, id_shown, tuple(notes))
