"""Tests for app.validation: ID numbers, phones, required text and birth dates."""

from __future__ import annotations

import pickle
from datetime import date, datetime

import pytest

from app.validation import (
    ID_KIND_LABELS,
    IdInfo,
    IdKind,
    ValidationError,
    check_character,
    convert_15_to_18,
    mask_id_number,
    normalize_phone,
    require_text,
    validate_birth_date,
    validate_id_number,
)

TODAY = date(2024, 6, 1)


def make_id(prefix: str = "410102", birth: str = "19850615", seq: str = "123") -> str:
    """A valid 18-character number built with the check character under test."""
    first17 = prefix + birth + seq
    assert len(first17) == 17
    return first17 + check_character(first17)


def id_error(text: str, kind: IdKind = IdKind.RESIDENT) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        validate_id_number(text, kind, today=TODAY)
    assert info.value.field == "id_number"
    return info.value


def phone_error(text: str) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        normalize_phone(text)
    assert info.value.field == "phone"
    return info.value


# --- the check algorithm, pinned by hand-computed numbers -------------------------------------


def test_standard_example_is_valid() -> None:
    # GB 11643's own example. Weighted sum 167, 167 mod 11 = 2 -> X.
    info = validate_id_number("11010519491231002X", today=TODAY)
    assert info == IdInfo(
        number="11010519491231002X",
        kind=IdKind.RESIDENT,
        birth_date=date(1949, 12, 31),
        sex="F",
        region_code="110105",
        converted_from_15=False,
    )


def test_check_character_hand_computed() -> None:
    assert check_character("11010519491231002") == "X"
    # 4*7+1*9+0*10+1*5+0*8+2*4+1*2+9*1+8*6+5*3+0*7+6*9+1*10+5*5+1*8+2*4+3*2 = 235,
    # 235 mod 11 = 4 -> 8.
    assert check_character("41010219850615123") == "8"


def test_check_character_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        check_character("4101021985061512")
    with pytest.raises(ValueError):
        check_character("4101021985061512X")


def test_convert_15_to_18() -> None:
    assert convert_15_to_18("410102850615123") == "410102198506151238"
    with pytest.raises(ValueError):
        convert_15_to_18("41010285061512")


def test_fifteen_digit_number_is_converted() -> None:
    info = validate_id_number("410102850615123", today=TODAY)
    assert info.number == "410102198506151238"
    assert info.converted_from_15
    assert info.birth_date == date(1985, 6, 15)
    assert info.sex == "M"
    assert info.region_code == "410102"


def test_fifteen_digit_impossible_date_refused() -> None:
    err = id_error("410102850230123")
    assert "1985年2月30日" in err.message
    # An 18-digit number missing its last three digits reads as a nonsense legacy date.
    assert "漏输" in id_error("410102198506151").message


# --- resident numbers -------------------------------------------------------------------------


def test_wrong_check_character_names_the_right_one() -> None:
    err = id_error("110105194912310021")
    assert err.code == "check_char"
    assert "应为 X" in err.message
    assert "请" in err.message  # says what to do


@pytest.mark.parametrize(("seq", "sex"), [("121", "M"), ("123", "M"), ("120", "F"), ("128", "F")])
def test_sex_from_seventeenth_digit(seq: str, sex: str) -> None:
    assert validate_id_number(make_id(seq=seq), today=TODAY).sex == sex


def test_normalizes_lowercase_x_fullwidth_and_spaces() -> None:
    assert validate_id_number(" 11010519491231002x ", today=TODAY).number == "11010519491231002X"
    fullwidth = "１１０１０５ １９４９１２３１ ００２ｘ"
    assert validate_id_number(fullwidth, today=TODAY).number == "11010519491231002X"
    assert validate_id_number("\u3000110105\u200b19491231002X\t").number == "11010519491231002X"


def test_impossible_birth_date_refused() -> None:
    err = id_error(make_id(birth="19990230"))
    assert err.code == "birth_date"
    assert "1999年2月30日" in err.message
    id_error(make_id(birth="19991301"))


def test_future_and_too_early_birth_dates_refused() -> None:
    assert "晚于今天" in id_error(make_id(birth="20240602")).message
    assert validate_id_number(make_id(birth="20240601"), today=TODAY).birth_date == TODAY
    assert "1900" in id_error(make_id(birth="18991231")).message


@pytest.mark.parametrize(
    "province", ["00", "10", "16", "20", "24", "30", "38", "47", "55", "66", "71", "81"]
)
def test_unknown_province_refused(province: str) -> None:
    err = id_error(make_id(prefix=province + "0102"))
    assert err.code == "region"
    assert province in err.message


@pytest.mark.parametrize(
    "province", ["11", "15", "21", "23", "31", "37", "41", "46", "50", "54", "61", "65"]
)
def test_known_provinces_accepted(province: str) -> None:
    validate_id_number(make_id(prefix=province + "0102"), today=TODAY)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("41010219850615123", "length"),
        ("4101021985061512388", "length"),
        ("4101021985061512", "length"),
        ("41010219850615A238", "bad_char"),
        ("4101021985061512-8", "bad_char"),
        ("41010219850615X238", "bad_char"),
        ("41010285061512X", "bad_char"),
    ],
)
def test_malformed_numbers_refused(text: str, code: str) -> None:
    err = id_error(text)
    assert err.code == code
    assert err.message.endswith("。")


def test_empty_message_asks_to_fill_in() -> None:
    assert id_error("").message == "请填写身份证号码。"


@pytest.mark.parametrize(
    "text", ["4.10102E+17", "4.10102e+17", "4.10102198506151E+17", "410102198506151000.0"]
)
def test_excel_scientific_notation(text: str) -> None:
    err = id_error(text)
    assert err.code == "excel_damaged"
    assert "Excel" in err.message and "文本" in err.message


def test_excel_truncated_to_000() -> None:
    # 11010519491231002X typed into a number cell keeps 15 significant digits.
    damaged = "110105194912310000"
    assert check_character(damaged[:17]) != "0"
    err = id_error(damaged)
    assert err.code == "excel_damaged"
    assert "Excel" in err.message and "文本" in err.message


def test_hmt_and_foreign_numbers_under_resident_kind_point_to_the_right_kind() -> None:
    assert "港澳台" in id_error(make_id(prefix="810000")).message
    assert "外国人" in id_error(make_id(prefix="915840")).message


# --- other kinds ------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["810000", "820000", "830000"])
def test_hmt_permit(prefix: str) -> None:
    number = make_id(prefix=prefix, birth="19900101", seq="002")
    info = validate_id_number(number, IdKind.HMT_PERMIT, today=TODAY)
    assert info.kind is IdKind.HMT_PERMIT
    assert info.region_code == prefix
    assert info.birth_date == date(1990, 1, 1)
    assert info.sex == "F"


def test_hmt_permit_refusals() -> None:
    assert id_error(make_id(prefix="410102"), IdKind.HMT_PERMIT).code == "region"
    assert id_error(make_id(prefix="810101"), IdKind.HMT_PERMIT).code == "region"
    assert id_error("810000850615123", IdKind.HMT_PERMIT).code == "length"
    bad_check = make_id(prefix="810000")[:17] + "Y"
    assert id_error(bad_check, IdKind.HMT_PERMIT).code == "bad_char"
    number = make_id(prefix="810000")
    wrong = number[:17] + ("1" if number[17] != "1" else "2")
    assert id_error(wrong, IdKind.HMT_PERMIT).code == "check_char"


def test_foreign_permanent() -> None:
    number = make_id(prefix="931156", birth="19800229", seq="011")
    info = validate_id_number(number.lower(), "foreign_permanent", today=TODAY)
    assert info.kind is IdKind.FOREIGN_PERMANENT
    assert info.number == number
    assert info.birth_date == date(1980, 2, 29)
    assert info.sex == "M"
    assert info.region_code is None


def test_foreign_permanent_refusals() -> None:
    assert id_error(make_id(prefix="410102"), IdKind.FOREIGN_PERMANENT).code == "region"
    assert id_error("USA110085061512", IdKind.FOREIGN_PERMANENT).code == "old_foreign_format"
    number = make_id(prefix="931156")
    wrong = number[:17] + ("1" if number[17] != "1" else "2")
    assert id_error(wrong, IdKind.FOREIGN_PERMANENT).code == "check_char"


def test_passport() -> None:
    info = validate_id_number(" e1234 5678 ", IdKind.PASSPORT, today=TODAY)
    assert info == IdInfo("E12345678", IdKind.PASSPORT, None, None, None, False)
    assert id_error("E123", IdKind.PASSPORT).code == "length"
    assert id_error("E" * 21, IdKind.PASSPORT).code == "length"
    assert id_error("E1234-5678", IdKind.PASSPORT).code == "bad_char"
    assert id_error("", IdKind.PASSPORT).message == "请填写护照号码。"


def test_other_kind() -> None:
    info = validate_id_number(" 军官证 12345 ", IdKind.OTHER)
    assert info.number == "军官证12345"
    assert info.kind is IdKind.OTHER and info.birth_date is None
    validate_id_number("A" * 40, IdKind.OTHER)
    assert id_error("A" * 41, IdKind.OTHER).code == "length"
    assert id_error(" ", IdKind.OTHER).code == "empty"


def test_kind_labels_cover_every_kind() -> None:
    assert set(ID_KIND_LABELS) == set(IdKind)
    assert ID_KIND_LABELS[IdKind.RESIDENT] == "居民身份证"
    assert IdKind("hmt_permit") is IdKind.HMT_PERMIT


# --- masking ----------------------------------------------------------------------------------


def test_mask_id_number() -> None:
    assert mask_id_number("41010219850615123X") == "410102********123X"
    assert mask_id_number("410102850615123") == "41***********23"
    assert mask_id_number("E12345678") == "E1*****78"
    assert mask_id_number("ABCD") == "A***"
    assert mask_id_number("AB") == "**"
    assert mask_id_number("") == ""


# --- phones -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("13812345678", "13812345678"),
        (" 138 1234 5678 ", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("+8613812345678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("86-138-1234-5678", "13812345678"),
        ("(+86)13812345678", "13812345678"),
        ("１９９１２３４５６７８", "19912345678"),
        ("0371-65432100", "0371-65432100"),
        ("037165432100", "0371-65432100"),
        ("(0371)65432100", "0371-65432100"),
        ("（0371）65432100", "0371-65432100"),
        ("0371 6543 2100", "0371-65432100"),
        ("010-62345678", "010-62345678"),
        ("01062345678", "010-62345678"),
        ("021-87654321", "021-87654321"),
        ("0379-6543210", "0379-6543210"),
        ("+86 371 65432100", "0371-65432100"),
        ("+86 10 62345678", "010-62345678"),
        ("0371-65432100转123", "0371-65432100-123"),
        ("0371-65432100-123", "0371-65432100-123"),
        ("0371-6543-2100", "0371-65432100"),
    ],
)
def test_phone_accepted(text: str, expected: str) -> None:
    assert normalize_phone(text) == expected


@pytest.mark.parametrize(
    ("text", "code", "hint"),
    [
        ("", "empty", "请填写"),
        ("65432100", "no_area_code", "0371"),
        ("6543210", "no_area_code", "区号"),
        ("10812345678", "mobile", "不是有效的手机号码"),
        ("11812345678", "mobile", "不是有效的手机号码"),
        ("12812345678", "mobile", "不是有效的手机号码"),
        ("1381234567", "length", "11位"),
        ("138123456789", "length", "11位"),
        ("0371-654321", "length", "7到8位"),
        ("0371-654321000", "length", "7到8位"),
        ("0371-05432100", "format", "0 或 1"),
        # Local numbers never start with 1 (110, 114, 12345 are service numbers).
        ("010-12345678", "format", "0 或 1"),
        ("0012-65432100", "area_code", "区号"),
        ("0371-6543210-12", "format", "分机"),
        ("13812345678转1", "format", "分机"),
        ("138a2345678", "bad_char", "a"),
        ("123", "length", "11位"),
        ("95588", "format", "手机号码"),
    ],
)
def test_phone_refused(text: str, code: str, hint: str) -> None:
    err = phone_error(text)
    assert err.code == code
    assert hint in err.message


# --- required text ----------------------------------------------------------------------------


def test_require_text() -> None:
    assert require_text("  张三 ", "name", "姓名") == "张三"
    with pytest.raises(ValidationError) as info:
        require_text("   ", "name", "姓名")
    assert (info.value.field, info.value.message) == ("name", "请填写姓名。")
    with pytest.raises(ValidationError) as info:
        require_text(None, "address", "住址")
    assert str(info.value) == "请填写住址。"
    assert require_text("一" * 5, "name", "姓名", max_len=5) == "一" * 5
    with pytest.raises(ValidationError) as info:
        require_text("一" * 6, "name", "姓名", max_len=5)
    assert info.value.field == "name"
    assert "5" in info.value.message and "太长" in info.value.message


# --- birth dates ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "1985-06-15",
        "1985/06/15",
        "1985/6/15",
        "19850615",
        "1985年6月15日",
        "1985年06月15日",
        " １９８５-０６-１５ ",
        date(1985, 6, 15),
        datetime(1985, 6, 15, 8, 30),
    ],
)
def test_birth_date_accepted(value: date | str) -> None:
    assert validate_birth_date(value, today=TODAY) == date(1985, 6, 15)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "empty"),
        (None, "empty"),
        ("1999-02-30", "birth_date"),
        ("19991301", "birth_date"),
        ("2024-06-02", "birth_date"),
        (date(2030, 1, 1), "birth_date"),
        ("1899-12-31", "birth_date"),
        ("15/06/1985", "format"),
        ("昨天", "format"),
    ],
)
def test_birth_date_refused(value: date | str | None, code: str) -> None:
    with pytest.raises(ValidationError) as info:
        validate_birth_date(value, today=TODAY)
    assert info.value.field == "birth_date"
    assert info.value.code == code


# --- the error type ---------------------------------------------------------------------------


def test_validation_error_is_a_value_error_and_pickles() -> None:
    err = ValidationError("phone", "请填写联系电话。")
    assert isinstance(err, ValueError)
    assert str(err) == "请填写联系电话。"
    copy = pickle.loads(pickle.dumps(err))
    assert (copy.field, copy.message, str(copy)) == (
        "phone",
        "请填写联系电话。",
        "请填写联系电话。",
    )
