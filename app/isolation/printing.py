"""Printing a case's paperwork: the notice set (告知书＋回执, 承诺书, 观察卡, 封条, 楼口公示) of one
case, several, or everything not yet printed; the release form; serial numbers issued once per
(case, form); and the print log, written only after a print or a PDF save succeeded.

    data, issued = notice_set_pdf(db, case_ids)        # build (serials issued, nothing logged)
    ... print or save data ...                          # ui/case_print.py, app/print_cli.py
    record_print(db, issued, copies=1, target="HP LaserJet", by="王芳", pdf=data)

A serial reads 410102003001-2026-GZ-00012: the issuing community's 12-digit code (so serials
of different offices never meet), the year, the form's letters, and a sequence per community,
year and form. A (case, form) keeps its serial for ever; printing it again marks the page
补打 with which print it is."""

from __future__ import annotations

import getpass
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import sqlite_utils

from app.accounts import audited, current, require
from app.errors import FormError
from app.isolation import verify
from app.isolation.forms import (
    ALL_FORMS,
    FORM_LABELS,
    NOTICE_SET,
    SERIAL_LETTERS,
    CaseSheet,
    check_sheets,
    forms_of,
    make_sheet,
    render_forms,
)
from db.isolation import forms as q
from db.node import node_state, transaction

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Issued:
    """One form of one case in a built PDF: what record_print logs."""

    case_id: str
    community_id: str
    form: str
    serial: str
    form_id: str
    earlier_prints: int          # prints before this PDF was built (>0: the page says 补打)


@dataclass(frozen=True)
class PrintEntry:
    """One line of a case's print log."""

    printed_at: str              # ISO timestamp, local time
    form: str
    serial: str | None
    printed_by: str | None
    copies: int
    reprint: bool
    target: str | None

    @property
    def form_label(self) -> str:
        return FORM_LABELS.get(self.form, self.form)


def current_user(db: sqlite_utils.Database | None = None) -> str:
    """Who prints: the account signed in on the connection when there is one (accounts,
    issue 7, keep it on the node state), else the computer's user name."""
    session = getattr(node_state(db), "session", None) if db is not None else None
    name = getattr(session, "display_name", "") or getattr(session, "username", "")
    if session is not None and getattr(session, "username", ""):
        return name
    try:
        return getpass.getuser()
    except Exception:   # no user name in the environment (a service, a bare container)
        return ""


def load_sheets(db: sqlite_utils.Database, case_ids: Sequence[str],
                today: date | None = None) -> list[CaseSheet]:
    """The CaseSheets of the cases, in the order given; an unknown case is refused."""
    if not case_ids:
        raise FormError({"case": "请先选择要打印的案例。"})
    today = today or date.today()
    rows = q.case_sheets(db, case_ids)
    unknown = [c for c in case_ids if c not in rows]
    if unknown:
        raise FormError({"case": f"找不到案例“{unknown[0]}”，或它已被删除。"
                                 "请在居家隔离页重新选择。"})
    ordered = [rows[c] for c in dict.fromkeys(case_ids)]
    mates = q.housemates(db, [(r["place_id"], r["resident_id"]) for r in ordered])
    tests = q.case_tests(db, [r["id"] for r in ordered])
    session = current(db)
    return [make_sheet(r, mates.get(r["resident_id"], []), tests.get(r["id"], []), today,
                       session) for r in ordered]


def issue_serials(db: sqlite_utils.Database, sheets: Sequence[CaseSheet],
                  forms: Sequence[str], now: datetime | None = None) -> list[Issued]:
    """Give every (case, form) its serial (once: an existing one is kept), in one
    transaction; fills sheet.serials and sheet.printed."""
    now = now or datetime.now()
    ids = [s.case_id for s in sheets]
    issued: list[Issued] = []
    with transaction(db):
        existing = q.issued_forms(db, ids)
        counts = q.print_counts(db, ids)
        next_seq: dict[str, int] = {}
        for sheet in sheets:
            for form in forms_of(sheet, forms):      # no seal serial for an unsealed door
                row = existing.get((sheet.case_id, form))
                if row is None:
                    code = sheet.context.get("community_code")
                    if not code:
                        raise FormError({"community_code": "社区还没有12位社区代码，无法编号。"
                                                           "请在“设置”中填写社区信息后重试。"})
                    prefix = f"{code}-{now.year}-{SERIAL_LETTERS[form]}-"
                    if prefix not in next_seq:
                        next_seq[prefix] = q.last_sequence(db, prefix) + 1
                    serial = f"{prefix}{next_seq[prefix]:05d}"
                    next_seq[prefix] += 1
                    form_id = q.add_issued_form(db, sheet.community_id, {
                        "case_id": sheet.case_id, "form": form, "serial": serial,
                        "issued_at": now.isoformat(timespec="seconds")})
                    row = {"id": form_id, "serial": serial}
                sheet.serials[form] = row["serial"]
                sheet.printed[form] = counts.get((sheet.case_id, form), 0)
                issued.append(Issued(sheet.case_id, sheet.community_id, form, row["serial"],
                                     row["id"], sheet.printed[form]))
    return issued


def forms_pdf(db: sqlite_utils.Database, case_ids: Sequence[str], forms: Sequence[str],
              progress: Progress | None = None, cancelled: Callable[[], bool] | None = None,
              today: date | None = None, title: str = "居家隔离文书"
              ) -> tuple[bytes, list[Issued]] | None:
    """The forms of the cases as one PDF (one print job), and what it holds. Every template
    and every case's data is checked before a serial is issued; None when cancelled."""
    unknown = [f for f in forms if f not in ALL_FORMS]
    if unknown or not forms:
        raise ValueError(f"unknown forms {unknown}")
    require(db, "print")
    sheets = load_sheets(db, case_ids, today)
    if "release" in forms:
        for sheet in sheets:
            if sheet.released_on is None:
                raise FormError({"release": f"{sheet.name}还没有解除，不能打印解除通知书。"
                                            "请先在居家隔离页办理解除。"})
            if not verify.signs_for(db, sheet):
                raise FormError({"release": f"{sheet.name}的解除通知书只能在开具它的"
                                            f"{sheet.context.get('community') or '社区'}打印："
                                            "通知书上的二维码要用该社区的密钥签名。"})
    if not any(forms_of(sheet, forms) for sheet in sheets):
        raise FormError({"seal": "所选案例的门口都不贴封条（电子门磁、不封门或居家健康监测），"
                                 "没有封条可打印。"})
    for sheet in sheets:                 # check with stand-in serials: nothing issued yet
        sheet.serials = {form: "—" for form in forms}
    check_sheets(sheets, forms)
    if cancelled and cancelled():
        return None
    issued = issue_serials(db, sheets, forms)
    if "release" in forms:               # the QR code, signed with this office's key
        for sheet in sheets:
            sheet.qr = verify.sign_release(db, sheet)
    data = render_forms(sheets, forms, progress=progress, cancelled=cancelled, title=title)
    if data is None:
        return None
    return data, issued


def notice_set_pdf(db: sqlite_utils.Database, case_ids: Sequence[str],
                   forms: Sequence[str] = NOTICE_SET, progress: Progress | None = None,
                   cancelled: Callable[[], bool] | None = None, today: date | None = None
                   ) -> tuple[bytes, list[Issued]] | None:
    """The notice set (all five forms, or those named) of the cases, case after case."""
    return forms_pdf(db, case_ids, forms, progress, cancelled, today,
                     title="居家隔离告知书、承诺书、观察卡、封条、楼口公示")


def release_pdf(db: sqlite_utils.Database, case_id: str, today: date | None = None
                ) -> tuple[bytes, list[Issued]]:
    """The release form (解除通知书, with its stub and QR code) of a released case."""
    result = forms_pdf(db, [case_id], ("release",), today=today, title="解除居家隔离通知书")
    assert result is not None
    return result


@audited("print")
def record_print(db: sqlite_utils.Database, issued: Sequence[Issued], copies: int,
                 target: str, by: str | None = None, pdf: bytes | None = None,
                 now: datetime | None = None) -> int:
    """Log a print or PDF save that succeeded: one print_log row per form and case.
    `pdf` (the bytes printed) gives each form its sha256 the first time it is printed."""
    now = now or datetime.now()
    by = current_user(db) if by is None else by
    digest = hashlib.sha256(pdf).hexdigest() if pdf is not None else None
    with transaction(db):
        counts = q.print_counts(db, list({i.case_id for i in issued}))
        for item in issued:
            q.add_print(db, item.community_id, {
                "case_id": item.case_id, "form": item.form, "serial": item.serial,
                "printed_at": now.isoformat(timespec="seconds"), "printed_by": by or None,
                "copies": max(1, int(copies)),
                "reprint": 1 if counts.get((item.case_id, item.form), 0) else 0,
                "target": target})
            counts[(item.case_id, item.form)] = counts.get((item.case_id, item.form), 0) + 1
            if digest:
                q.set_form_hash(db, item.form_id, digest)
    return len(issued)


def print_log(db: sqlite_utils.Database, case_id: str) -> list[PrintEntry]:
    """Every print and PDF save of a case's forms, newest first."""
    return [PrintEntry(r["printed_at"], r["form"], r["serial"], r["printed_by"], r["copies"],
                       bool(r["reprint"]), r["target"]) for r in q.prints_of_case(db, case_id)]


def cases_new_today(db: sqlite_utils.Database) -> list[str]:
    """Open cases with a form of the notice set never printed ("everything new today")."""
    return q.never_printed(db, NOTICE_SET, door_forms=("seal",))


def issued_serials(db: sqlite_utils.Database, case_id: str) -> dict[str, str]:
    """form → serial of the forms issued for a case so far."""
    return {form: row["serial"] for (_c, form), row in q.issued_forms(db, [case_id]).items()}
