"""Who sees a person's ID number and phone whole, and where: the one masking policy that every
output follows (window lists and dialogs, every Excel export, every printed form, the command
line, the audit trail).

    from app.accounts import masking
    masking.show(session, "id_number", value, masking.LEDGER)   # whole, or 410102********123X

A role without "personal.reveal" (the district's) never sees a whole number anywhere. A role
with it sees what its job needs in each kind of output:

- LIST: lists, dialogs, the side panels, the audit page and its export, terminal output: the
  numbers the role works with every day whole (ROLE_SEES: the phone for everyone who may
  reveal, the ID number for the police too); "显示" reveals the rest for a while, recorded.
- LEDGER: the Excel ledgers (台账) exported for reporting upward: whole.
- SIGNED: a form the person signs about themselves (the 承诺书): whole.
- PUBLIC: forms handed over or posted (the 解除通知书, notices): masked for everyone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any, TypeVar

from app.accounts import Session
from app.validation import mask_id_number

KINDS = ("id_number", "phone")
LIST, LEDGER, SIGNED, PUBLIC = "list", "ledger", "signed", "public"
OUTPUTS = (LIST, LEDGER, SIGNED, PUBLIC)

# Column headers naming a personal number, in every list and ledger the app writes: how an
# export of any list (export_list) knows which of its columns to mask.
_ID_WORDS = ("证件号", "身份证")
_PHONE_WORDS = ("电话", "手机")

Col = TypeVar("Col")


def mask_phone(phone: str | None) -> str:
    """138****5678; landlines keep their area code and last four digits."""
    if not phone:
        return ""
    phone = phone.strip()
    if len(phone) == 11 and phone.isdigit():
        return phone[:3] + "****" + phone[-4:]
    if len(phone) <= 4:
        return "*" * len(phone)
    head = phone.split("-")[0] + "-" if "-" in phone[:6] else phone[:2]
    return head + "*" * max(len(phone) - len(head) - 4, 2) + phone[-4:]


def mask(kind: str, value: str | None) -> str:
    """The masked form of a value (410102********123X, 139****5678). A value already masked
    stays as it is, so a list's masked column exported again is not masked twice."""
    if not value:
        return ""
    value = str(value)
    if "*" in value:
        return value
    return mask_id_number(value) if kind == "id_number" else mask_phone(value)


def whole(session: Session | None, kind: str, output: str) -> bool:
    """Whether this session sees `kind` ("id_number" or "phone") whole in `output`."""
    if kind not in KINDS or output not in OUTPUTS:
        raise ValueError(f"unknown field {kind!r} or output {output!r}")
    if output == PUBLIC or session is None or not session.can("personal.reveal"):
        return False
    if output == LIST:
        return session.sees(kind)
    return True


def show(session: Session | None, kind: str, value: Any, output: str) -> str:
    """The value as this session may see it in `output`: whole, or masked."""
    if value is None or value == "":
        return ""
    return str(value) if whole(session, kind, output) else mask(kind, str(value))


def kind_of_header(header: str) -> str | None:
    """"id_number" or "phone" for a column header naming one (证件号码, 户主身份证号, 联系电话,
    党员电话), else None."""
    if any(w in header for w in _ID_WORDS):
        return "id_number"
    if any(w in header for w in _PHONE_WORDS):
        return "phone"
    return None


def shown_value(session: Session | None, kind: str, output: str,
                value_of: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`value_of` (row → value) with its result shown as the policy says."""
    if whole(session, kind, output):
        return value_of
    return lambda row: mask(kind, value_of(row)) or None


def masked_columns(session: Session | None, columns: Iterable[Col], output: str) -> list[Col]:
    """Columns (any dataclass with `header` and `value`: ledger ExportColumns, the window's
    list Columns) whose personal numbers are shown as the policy says for `output`."""
    out = []
    for column in columns:
        kind = kind_of_header(column.header)   # type: ignore[attr-defined]
        if kind is None or whole(session, kind, output):
            out.append(column)
        else:
            out.append(replace(column, value=shown_value(  # type: ignore[type-var]
                session, kind, output, column.value)))   # type: ignore[attr-defined]
    return out
