"""Checks and normalizes what people type into forms: ID numbers, phones, names, birth dates."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

_DIGITS = frozenset("0123456789")

# Full-width ASCII (U+FF01..U+FF5E) and the ideographic space map onto plain ASCII;
# zero-width characters ride along when numbers are copied from web pages or Excel.
_TO_HALF_WIDTH: dict[int, int | None] = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_TO_HALF_WIDTH[0x3000] = 0x20
_TO_HALF_WIDTH.update(dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None))


class ValidationError(ValueError):
    """A value a person typed is wrong; `message` says (in Chinese) what and how to fix it."""

    def __init__(self, field: str, message: str, code: str = "invalid") -> None:
        super().__init__(field, message, code)
        self.field = field
        self.message = message
        # A stable machine-readable reason ("check_char", "excel_damaged", ...) for callers
        # that need to branch without parsing the Chinese text.
        self.code = code

    def __str__(self) -> str:
        return self.message


def _half_width(text: str) -> str:
    return text.translate(_TO_HALF_WIDTH)


def _compact(text: str) -> str:
    """Half-width with every kind of whitespace removed."""
    return "".join(_half_width(text).split())


# --- identity numbers -------------------------------------------------------------------------


class IdKind(StrEnum):
    RESIDENT = "resident"
    HMT_PERMIT = "hmt_permit"
    FOREIGN_PERMANENT = "foreign_permanent"
    PASSPORT = "passport"
    OTHER = "other"


ID_KIND_LABELS: dict[IdKind, str] = {
    IdKind.RESIDENT: "居民身份证",
    IdKind.HMT_PERMIT: "港澳台居民居住证",
    IdKind.FOREIGN_PERMANENT: "外国人永久居留身份证",
    IdKind.PASSPORT: "护照",
    IdKind.OTHER: "其他证件",
}

# How messages name the number itself.
_NUMBER_LABELS: dict[IdKind, str] = {
    IdKind.RESIDENT: "身份证号码",
    IdKind.HMT_PERMIT: "居住证号码",
    IdKind.FOREIGN_PERMANENT: "永久居留身份证号码",
    IdKind.PASSPORT: "护照号码",
    IdKind.OTHER: "证件号码",
}


@dataclass(frozen=True)
class IdInfo:
    """A validated identity number and what it encodes."""

    number: str
    kind: IdKind
    birth_date: date | None
    sex: str | None
    region_code: str | None
    converted_from_15: bool


_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"  # indexed by the weighted sum mod 11 (ISO 7064 MOD 11-2)

_PROVINCE_CODES = frozenset(
    [*range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47), *range(50, 55), *range(61, 66)]
)
_HMT_CODES = {"810000": "香港", "820000": "澳门", "830000": "台湾"}

_PASSPORT_LEN = (5, 20)
_OTHER_MAX_LEN = 40

# Excel keeps 15 significant digits of a number: an 18-digit ID typed into a number cell
# shows as 4.10102E+17 and its last three digits become 000. pandas & co. add ".0".
_SCIENTIFIC = re.compile(r"\d+(?:\.\d+)?E\+?\d+")
_FLOAT_TEXT = re.compile(r"\d{15,18}\.0+")
_EXCEL_ADVICE = "请把该列设置为“文本”格式后，对照证件重新输入完整号码。"


def check_character(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits of an ID number."""
    if len(first17) != 17 or not _DIGITS.issuperset(first17):
        raise ValueError(f"expected 17 ASCII digits, got {first17!r}")
    total = sum(int(ch) * weight for ch, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def convert_15_to_18(number15: str) -> str:
    """The 18-character form of a legacy 15-digit number (format only; dates not checked)."""
    number15 = number15.strip()
    if len(number15) != 15 or not _DIGITS.issuperset(number15):
        raise ValueError(f"expected 15 ASCII digits, got {number15!r}")
    first17 = number15[:6] + "19" + number15[6:]
    return first17 + check_character(first17)


def _id_error(message: str, code: str) -> ValidationError:
    return ValidationError("id_number", message, code)


def validate_id_number(
    text: str, kind: IdKind = IdKind.RESIDENT, *, today: date | None = None
) -> IdInfo:
    """Normalize and check an identity number of the given kind; raise ValidationError."""
    kind = IdKind(kind)
    label = _NUMBER_LABELS[kind]
    if text is not None and not isinstance(text, str):
        raise _id_error(f"{label}应为文字，收到的是{type_name(text)}。"
                        "请按文字格式重新填写（Excel 中请把该列设置为“文本”）。", "type")
    number = _compact(text or "").upper()
    if not number:
        raise _id_error(f"请填写{label}。", "empty")
    if kind is IdKind.PASSPORT:
        return _validate_passport(number)
    if kind is IdKind.OTHER:
        if len(number) > _OTHER_MAX_LEN:
            raise _id_error(
                f"{label}太长：最多{_OTHER_MAX_LEN}个字符，现在是{len(number)}个，"
                "请核对后重新输入。",
                "length",
            )
        return IdInfo(number, kind, None, None, None, False)
    return _validate_gb11643(number, kind, today or date.today())


def _validate_passport(number: str) -> IdInfo:
    label = _NUMBER_LABELS[IdKind.PASSPORT]
    for ch in number:
        if not ("A" <= ch <= "Z" or ch in _DIGITS):
            raise _id_error(
                f"{label}里有不该出现的字符“{ch}”：只能是英文字母和数字，请对照护照重新输入。",
                "bad_char",
            )
    low, high = _PASSPORT_LEN
    if not low <= len(number) <= high:
        raise _id_error(
            f"{label}应为{low}到{high}位字母或数字，现在是{len(number)}位，请对照护照重新输入。",
            "length",
        )
    return IdInfo(number, IdKind.PASSPORT, None, None, None, False)


def _validate_gb11643(number: str, kind: IdKind, today: date) -> IdInfo:
    """Resident IDs, HMT residence permits and 2023 foreign permanent IDs share one layout."""
    label = _NUMBER_LABELS[kind]
    if _SCIENTIFIC.fullmatch(number) or _FLOAT_TEXT.fullmatch(number):
        raise _id_error(
            f"“{number}”不是完整的{label}：Excel 把号码当成数字保存，丢失了最后几位。"
            + _EXCEL_ADVICE,
            "excel_damaged",
        )
    if kind is IdKind.FOREIGN_PERMANENT and re.fullmatch(r"[A-Z]{3}\d{12}", number):
        raise _id_error(
            "这是旧版（15位、字母开头）的外国人永久居留证号码，请把证件类型改为“其他证件”。",
            "old_foreign_format",
        )
    for ch in number:
        if ch not in _DIGITS and ch != "X":
            raise _id_error(
                f"{label}里有不该出现的字符“{ch}”：只能是数字，最后一位可以是 X，"
                "请核对后重新输入。",
                "bad_char",
            )
    lengths = (18, 15) if kind is IdKind.RESIDENT else (18,)
    if len(number) not in lengths:
        expected = "18位（旧版为15位）" if kind is IdKind.RESIDENT else "18位"
        raise _id_error(
            f"{label}应为{expected}，现在是{len(number)}位，请核对是否多输或漏输。", "length"
        )
    if "X" in number[:17] or (len(number) == 15 and "X" in number):
        raise _id_error(
            f"{label}中的 X 只能出现在18位号码的最后一位，请核对后重新输入。", "bad_char"
        )
    _check_prefix(number, kind)

    converted = len(number) == 15
    if converted:
        year, month, day = "19" + number[6:8], number[8:10], number[10:12]
    else:
        year, month, day = number[6:10], number[10:12], number[12:14]
    birth = _birth_date(
        int(year),
        int(month),
        int(day),
        today=today,
        field="id_number",
        what=f"{label}中的出生日期",
        # A 15-digit entry is more often an 18-digit number with digits missing.
        advice="如果是18位号码，请检查是否漏输了数字；否则请核对后重新输入。"
        if converted
        else "请核对后重新输入。",
    )

    if converted:
        number = convert_15_to_18(number)
    else:
        expected_char = check_character(number[:17])
        if number[17] != expected_char:
            if number.endswith("000"):
                raise _id_error(
                    f"{label}以 000 结尾且校验位不对，很可能是 Excel 把号码当成数字保存，"
                    "丢失了最后几位。" + _EXCEL_ADVICE,
                    "excel_damaged",
                )
            raise _id_error(
                f"{label}校验位不对：按号码前17位，最后一位应为 {expected_char}，"
                f"现在是 {number[17]}。请对照证件逐位核对后重新输入（错的也可能是前面的数字）。",
                "check_char",
            )

    sex = "M" if int(number[16]) % 2 else "F"
    # A foreign permanent ID starts with 9 + issuing province + nationality: not an address.
    region = None if kind is IdKind.FOREIGN_PERMANENT else number[:6]
    return IdInfo(number, kind, birth, sex, region, converted)


def _check_prefix(number: str, kind: IdKind) -> None:
    label = _NUMBER_LABELS[kind]
    if kind is IdKind.RESIDENT:
        if len(number) == 18 and number[:6] in _HMT_CODES:
            raise _id_error(
                "这是港澳台居民居住证号码，请把证件类型改为“港澳台居民居住证”。", "wrong_kind"
            )
        if len(number) == 18 and number[0] == "9":
            raise _id_error(
                "这是外国人永久居留身份证号码，请把证件类型改为“外国人永久居留身份证”。",
                "wrong_kind",
            )
        if int(number[:2]) not in _PROVINCE_CODES:
            raise _id_error(
                f"{label}前两位“{number[:2]}”不是有效的省份代码，请核对后重新输入。",
                "region",
            )
    elif kind is IdKind.HMT_PERMIT:
        if number[:6] not in _HMT_CODES:
            raise _id_error(
                f"{label}应以 810000（香港）、820000（澳门）或 830000（台湾）开头，"
                "请核对；内地居民请把证件类型改为“居民身份证”。",
                "region",
            )
    elif number[0] != "9":
        raise _id_error(
            f"{label}（2023年版）应以 9 开头，请核对；旧版证件请把证件类型改为“其他证件”。",
            "region",
        )


def mask_id_number(number: str) -> str:
    """The number as shown in lists and public forms (410102********123X)."""
    number = number.strip()
    length = len(number)
    if length == 18:
        return number[:6] + "*" * 8 + number[-4:]
    if length <= 2:
        return "*" * length
    if length <= 4:
        return number[0] + "*" * (length - 1)
    return number[:2] + "*" * (length - 4) + number[-2:]


# --- dates ------------------------------------------------------------------------------------

_EARLIEST_BIRTH_YEAR = 1900

_DATE_FORMATS = (
    re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})"),
    re.compile(r"(\d{4})()(\d{2})(\d{2})"),
    re.compile(r"(\d{4})(年)(\d{1,2})月(\d{1,2})日?"),
)


def _birth_date(
    year: int,
    month: int,
    day: int,
    *,
    today: date,
    field: str,
    what: str,
    advice: str = "请核对后重新输入。",
) -> date:
    shown = f"{year}年{month}月{day}日"
    try:
        born = date(year, month, day)
    except ValueError:
        problem = "不存在"
    else:
        if born > today:
            problem = "晚于今天"
        elif year < _EARLIEST_BIRTH_YEAR:
            problem = f"早于{_EARLIEST_BIRTH_YEAR}年"
        else:
            return born
    raise ValidationError(field, f"{what}{shown}{problem}，{advice}", "birth_date")


def validate_birth_date(value: date | str | None, *, today: date | None = None) -> date:
    """A birth date from a date or typed text: 1985-06-15, 1985/6/15, 19850615, 1985年6月15日."""
    today = today or date.today()
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return _birth_date(
            value.year, value.month, value.day, today=today, field="birth_date", what="出生日期"
        )
    if value is not None and not isinstance(value, str):
        raise ValidationError("birth_date", f"出生日期应为日期或文字，收到的是{type_name(value)}，"
                              "请按 1985-06-15 的格式填写。", "type")
    text = _compact(value or "")
    if not text:
        raise ValidationError("birth_date", "请填写出生日期。", "empty")
    for pattern in _DATE_FORMATS:
        match = pattern.fullmatch(text)
        if match:
            year, _, month, day = match.groups()
            return _birth_date(
                int(year),
                int(month),
                int(day),
                today=today,
                field="birth_date",
                what="出生日期",
            )
    raise ValidationError(
        "birth_date",
        f"看不懂出生日期“{text}”，请按 1985-06-15 或 1985年6月15日 的格式填写。",
        "format",
    )


# --- phones -----------------------------------------------------------------------------------

_MOBILE = re.compile(r"1[3-9]\d{9}")
# 010 (Beijing), 02X (big cities, 3 digits), otherwise 0 + 3 digits starting 3-9.
_AREA_CODE = re.compile(r"010|02\d|0[3-9]\d\d")
_EXTENSION_WORD = re.compile(r"(?:转|分机|EXT\.?|X)(\d{1,6})", re.IGNORECASE)
_MAX_EXTENSION = 6
_PHONE_EXAMPLES = "请填写11位手机号码，或带区号的座机号码（如 0371-65432100）。"


def _phone_error(message: str, code: str) -> ValidationError:
    return ValidationError("phone", message, code)


def normalize_phone(text: str) -> str:
    """A mainland mobile (13812345678) or a landline with area code (0371-65432100[-123])."""
    if text is not None and not isinstance(text, str):
        raise _phone_error(f"电话号码应为文字，收到的是{type_name(text)}。{_PHONE_EXAMPLES}",
                           "type")
    raw = _compact(text or "")
    if not raw:
        raise _phone_error("请填写联系电话。", "empty")
    s = raw
    for dash in "—–−‐":
        s = s.replace(dash, "-")
    extension = ""
    word = _EXTENSION_WORD.search(s)
    if word and word.end() == len(s):
        extension = word.group(1)
        s = s[: word.start()]
    # (0371)65432100 reads as 0371-65432100; (+86)138... as +86-138...
    s = s.replace("(", "").replace(")", "-")
    international = False
    for prefix in ("+86", "0086"):
        if s.startswith(prefix):
            s = s[len(prefix) :]
            international = True
            break
    for ch in s:
        if ch not in _DIGITS and ch != "-":
            raise _phone_error(f"电话号码里有不该出现的字符“{ch}”。{_PHONE_EXAMPLES}", "bad_char")
    parts = [part for part in s.split("-") if part]
    digits = "".join(parts)
    if not digits:
        raise _phone_error(f"无法识别电话号码“{raw}”。{_PHONE_EXAMPLES}", "format")
    if international and (digits[0] not in "01" or digits.startswith("10")):
        # +86 371 65432100, +86 10 ...: the area code drops its 0 when dialled from abroad.
        digits = "0" + digits
        parts[0] = "0" + parts[0]
    elif not international and digits.startswith("86") and _MOBILE.fullmatch(digits, 2):
        digits = digits[2:]  # 86 13812345678

    if digits[0] == "1":
        if extension:
            raise _phone_error("手机号码不能带分机号，请删去分机号。", "format")
        if len(digits) != 11:
            raise _phone_error(
                f"手机号码应为11位，现在是{len(digits)}位，请核对后重新输入。", "length"
            )
        if not _MOBILE.fullmatch(digits):
            raise _phone_error(
                f"“{digits}”不是有效的手机号码：第二位应为3到9，请核对后重新输入。", "mobile"
            )
        return digits

    if digits[0] != "0":
        if 7 <= len(digits) <= 8:
            raise _phone_error(
                "座机号码前面要加区号（如 0371），请补上区号后重新输入。", "no_area_code"
            )
        raise _phone_error(f"无法识别电话号码“{raw}”。{_PHONE_EXAMPLES}", "format")

    try:
        area, local = _split_landline(digits)
    except ValidationError as whole_number_error:
        # 0371-65432100-123: a trailing dash group after an 8-digit local number is an
        # extension. Tried second so that 0371-6543-2100 stays one number.
        if extension or len(parts) < 2 or len(parts[-1]) > _MAX_EXTENSION:
            raise
        try:
            area, local = _split_landline("".join(parts[:-1]))
        except ValidationError:
            raise whole_number_error from None
        if len(local) != 8:
            raise _phone_error(
                "分机号只能跟在8位座机号码后面（如 0371-65432100-123），请核对。", "format"
            ) from None
        extension = parts[-1]
    return f"{area}-{local}" + (f"-{extension}" if extension else "")


def _split_landline(digits: str) -> tuple[str, str]:
    area = _AREA_CODE.match(digits)
    if not area:
        raise _phone_error(
            f"区号“{digits[:4]}”不对：区号是 010、02X 或以 0 开头的4位数字（如 0371），"
            "请核对后重新输入。",
            "area_code",
        )
    local = digits[area.end() :]
    if not 7 <= len(local) <= 8:
        raise _phone_error(
            f"座机号码（区号后面的部分）应为7到8位，现在是{len(local)}位，请核对后重新输入。",
            "length",
        )
    if local[0] in "01":
        raise _phone_error(
            "座机号码（区号后面的部分）不能以 0 或 1 开头，请核对后重新输入。", "format"
        )
    return area.group(), local


# --- plain text -------------------------------------------------------------------------------


# Control characters never belong in what a person types: C0 and C1 controls, DEL, the
# Unicode line and paragraph separators, and lone surrogates (SQLite cannot store them). A NUL
# in a name hides the rest of it from C code and matched every search. Free-text notes may
# hold tabs and line breaks; names, ID numbers, phones and door numbers never.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
CONTROL_IN_NOTES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")

_TYPE_NAMES = {bool: "是/否值", int: "数字", float: "数字", list: "列表", tuple: "列表",
               dict: "表格数据", bytes: "二进制数据"}


def type_name(value: object) -> str:
    """How a message names the kind of a value that should have been text."""
    return _TYPE_NAMES.get(type(value), "非文字的数据")


def control_problem(text: str, *, multiline: bool = False) -> str | None:
    """What is wrong with a text's characters, in Chinese, or None when nothing is."""
    found = (CONTROL_IN_NOTES if multiline else CONTROL).search(text)
    if found is None:
        return None
    char, position = found.group(), found.start() + 1
    if char in "\t\n\r\u2028\u2029":
        return "不能含换行符或制表符"
    return f"第{position}个字符是不可见的控制字符（U+{ord(char):04X}）"


def check_text(value: object, field: str, label: str, *, multiline: bool = False) -> str:
    """Text as it arrived, refused when it is not text or holds control characters
    (tabs and line breaks are allowed where `multiline`: free-text notes)."""
    if not isinstance(value, str):
        raise ValidationError(field, f"{label}应为文字，收到的是{type_name(value)}，"
                              "请重新填写。", "type")
    if multiline:   # line breaks pasted from Windows or Excel become plain ones
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    problem = control_problem(value, multiline=multiline)
    if problem:
        advice = "请写在一行内" if problem.startswith("不能") else "请删除后重新输入"
        raise ValidationError(field, f"{label}{problem}，{advice}。", "control_char")
    return value


def optional_text(value: object, field: str, label: str, *, max_len: int | None = None,
                  multiline: bool = False) -> str | None:
    """The stripped text of an optional field (a note, a relation), None when empty."""
    if value is None:
        return None
    text = check_text(value, field, label, multiline=multiline).strip()
    if max_len is not None and len(text) > max_len:
        raise ValidationError(
            field,
            f"{label}太长：最多{max_len}个字，现在是{len(text)}个字，请删减后重新输入。",
            "too_long",
        )
    return text or None


def require_text(value: str | None, field: str, label: str, *, max_len: int = 50) -> str:
    """The stripped text of a required field such as a name (one line, no control
    characters)."""
    text = "" if value is None else check_text(value, field, label).strip()
    if not text:
        raise ValidationError(field, f"请填写{label}。", "empty")
    if len(text) > max_len:
        raise ValidationError(
            field,
            f"{label}太长：最多{max_len}个字，现在是{len(text)}个字，请删减后重新输入。",
            "too_long",
        )
    return text


def collect(errors: dict[str, str], fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """fn's value, or None with its ValidationError's message filed under its field: checks
    one field after another and reports every fault of a form at once."""
    try:
        return fn(*args, **kwargs)
    except ValidationError as exc:
        errors[exc.field] = exc.message
        return None
