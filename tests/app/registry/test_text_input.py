"""Text entering the registry: control characters and values of the wrong type are refused
with a Chinese message for the field, never stored and never an AttributeError (issue 13.10)."""

from __future__ import annotations

import pytest

from app import registry
from app.errors import FormError
from app.validation import ValidationError, check_text, optional_text, require_text
from tests.conftest import make_id


def _resident(community, **data):
    return {"household_id": community.ids["h502"], "name": "王五",
            "id_number": make_id(birth="19900101", seq="155"), **data}


def _count(community) -> int:
    return community.conn.execute("SELECT count(*) FROM residents").fetchone()[0]


@pytest.mark.parametrize("name", ["王\x00五", "王\n五", "王\t五", "王五\x1b[2J", "王\u2028五"])
def test_a_name_with_a_control_character_is_refused(community, name):
    before = _count(community)
    with pytest.raises(FormError) as caught:
        registry.add_resident(community, _resident(community, name=name))
    assert "姓名" in caught.value.errors["name"]
    assert _count(community) == before


def test_a_nul_in_a_door_number_is_refused(community):
    with pytest.raises(FormError) as caught:
        registry.add_household(community, {"unit_id": community.ids["units_b3"][0],
                                           "door_number": "60\x001"})
    assert "控制字符" in caught.value.errors["door_number"]


def test_a_note_may_span_lines_but_holds_no_other_control_character(community):
    rid = registry.add_resident(community, _resident(community, note="腿脚不便\r\n需送菜上门"))
    assert registry.get(community, "residents", rid)["note"] == "腿脚不便\n需送菜上门"
    with pytest.raises(FormError) as caught:
        registry.edit_resident(community, rid, {"note": "腿脚不便\x00"})
    assert "备注" in caught.value.errors["note"]
    assert registry.get(community, "residents", rid)["note"] == "腿脚不便\n需送菜上门"


def test_a_search_for_a_nul_lists_nobody(community):
    assert registry.search_residents(community, "\x00") == []
    assert registry.search_residents(community, "张\x00") == [community.ids["张三"]]


@pytest.mark.parametrize(("field", "value"), [
    ("name", 12345), ("name", ["王五"]), ("id_number", 410102199001011551),
    ("phone", 13812345678), ("note", 7), ("relation", {"x": 1}), ("tags", [1, 2]),
    ("birth_date", 19900101), ("residency", ["floating"]), ("ethnicity", 1.5),
])
def test_a_value_of_the_wrong_type_gets_a_message_not_a_crash(community, field, value):
    before = _count(community)
    with pytest.raises(FormError) as caught:
        registry.add_resident(community, _resident(community, **{field: value}))
    message = caught.value.errors[field]
    assert "请" in message
    assert _count(community) == before


def test_households_staff_compounds_and_members_refuse_wrong_types(community):
    unit = community.ids["units_b3"][0]
    cases = [
        lambda: registry.add_household(community, {"unit_id": unit, "door_number": 601}),
        lambda: registry.add_household(community, {"unit_id": unit, "door_number": "601",
                                                   "dwelling": ["rented"]}),
        lambda: registry.add_household(community, {"unit_id": [unit], "door_number": "601"}),
        lambda: registry.add_staff(community, {"name": "赵六", "role": ["police"]}),
        lambda: registry.add_staff(community, {"name": "赵六", "role": "police", "note": 1}),
        lambda: registry.add_compound(community, community.ids["grid1"], 5),
        lambda: registry.add_compound(community, community.ids["grid1"], "新村", ["x"]),
        lambda: registry.add_compound(community, community.ids["grid1"], "新村",
                                      address="一\x00号"),
        lambda: registry.add_party_member(community, {"name": "赵六", "phone": "13812345678",
                                                      "branch": 3}),
        lambda: registry.add_grid(community, 3),
    ]
    for case in cases:
        with pytest.raises(FormError):
            case()


def test_the_text_checks_say_what_is_wrong():
    with pytest.raises(ValidationError) as caught:
        check_text(5, "name", "姓名")
    assert caught.value.code == "type" and "数字" in caught.value.message
    with pytest.raises(ValidationError) as caught:
        require_text("张\x00三", "name", "姓名")
    assert caught.value.code == "control_char" and "U+0000" in caught.value.message
    assert optional_text("  ", "note", "备注", multiline=True) is None
    assert optional_text("甲\t乙\n", "note", "备注", multiline=True) == "甲\t乙"
    with pytest.raises(ValidationError):
        optional_text("甲\t乙", "relation", "关系")
