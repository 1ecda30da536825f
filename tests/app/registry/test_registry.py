"""Registry rules without Qt: what is refused, what is saved, what search finds."""

import pytest

from app import registry
from app.errors import FormError
from db import changelog
from tests.conftest import make_id


def resident_count(db):
    return registry.counts(db)["residents"]


def test_bad_id_number_is_refused_and_nothing_saved(community):
    before, log = resident_count(community), changelog.last_seq(community)
    bad = make_id(seq="555")[:-1] + ("0" if make_id(seq="555")[-1] != "0" else "1")
    with pytest.raises(FormError) as err:
        registry.add_resident(community, {"household_id": community.ids["h502"],
                                          "name": "王五", "id_number": bad})
    assert "校验" in err.value.errors["id_number"]
    assert resident_count(community) == before
    assert changelog.last_seq(community) == log


def test_impossible_birth_date_and_empty_name_are_both_reported(community):
    with pytest.raises(FormError) as err:
        registry.add_resident(community, {"household_id": community.ids["h502"], "name": " ",
                                          "id_number": make_id(birth="19990230")})
    assert set(err.value.errors) == {"name", "id_number"}
    assert "姓名" in err.value.errors["name"]


def test_duplicate_id_number_names_the_resident_who_has_it(community):
    zhang = registry.get(community, "residents", community.ids["张三"])
    with pytest.raises(FormError) as err:
        registry.add_resident(community, {"household_id": community.ids["h502"],
                                          "name": "张小三", "id_number": zhang["id_number"]})
    message = err.value.errors["id_number"]
    assert "张三" in message and "3号楼2单元501" in message


def test_id_number_fills_birth_date_and_sex_and_15_digits_are_converted(community):
    rid = registry.add_resident(community, {"household_id": community.ids["h502"],
                                            "name": "王芳", "id_number": "410102850615124"})
    row = registry.get(community, "residents", rid)
    assert row["birth_date"] == "1985-06-15"
    assert row["sex"] == "F"
    assert len(row["id_number"]) == 18 and row["id_number"].startswith("41010219850615124")


def test_sex_that_contradicts_the_id_number_is_refused(community):
    with pytest.raises(FormError) as err:
        registry.add_resident(community, {"household_id": community.ids["h502"], "name": "王芳",
                                          "id_number": make_id(seq="125"), "sex": "F"})
    assert "性别" in err.value.errors["sex"]


def test_bad_phone_is_refused(community):
    with pytest.raises(FormError) as err:
        registry.edit_resident(community, community.ids["张三"], {"phone": "1234"})
    assert "phone" in err.value.errors
    assert registry.get(community, "residents", community.ids["张三"])["phone"] == "13912345678"


def test_door_numbers_are_unique_per_unit_and_floor_is_derived(community):
    unit = community.ids["units_b3"][1]
    with pytest.raises(FormError) as err:
        registry.add_household(community, {"unit_id": unit, "door_number": "501"})
    assert "501" in err.value.errors["door_number"]
    hid = registry.add_household(community, {"unit_id": unit, "door_number": "1203"})
    assert registry.get(community, "households", hid)["floor"] == 12


def test_move_household_keeps_residents_and_changes_address(community):
    target = community.ids["units_b3"][0]
    registry.move_household(community, community.ids["h501"], target, "601")
    rows = registry.resident_rows(community, [community.ids["张三"]])
    assert rows[0]["address"] == "锦绣花园 3号楼1单元601"


def test_delete_household_takes_its_residents_and_is_a_soft_delete(community):
    gone = registry.delete_household(community, community.ids["h501"])
    assert gone == 2
    assert community.ids["h501"] not in registry.household_ids(community)
    assert registry.search_residents(community, "张三") == []
    assert registry.get(community, "households", community.ids["h501"])["deleted"] == 1


def test_building_with_households_cannot_be_deleted(community):
    with pytest.raises(FormError) as err:
        registry.delete_building(community, community.ids["b3"])
    assert "户" in err.value.errors["id"]


def test_party_member_takes_name_and_phone_from_resident(community):
    members = registry.party_members(community)
    assert [(m["name"], m["phone"], m["address"]) for m in members] == [
        ("张三", "13912345678", "锦绣花园 3号楼2单元501")]
    with pytest.raises(FormError):
        registry.add_party_member(community, {"resident_id": community.ids["张三"]})
    with pytest.raises(FormError) as err:
        registry.add_party_member(community, {"name": "外来党员"})
    assert "电话" in err.value.errors["phone"]


@pytest.mark.parametrize("query, name", [
    ("张三", "张三"), ("zs", "张三"), ("zhangsan", "张三"), ("ZS", "张三"),
    ("stf", "单田芳"), ("shantianfang", "单田芳"), ("zeng", "曾志伟"),
    ("3-2-501", "张三"), ("3号楼2单元501", "李四"), ("1391234", "张三"),
])
def test_search_finds_by_name_pinyin_initials_digits_and_address(community, query, name):
    ids = registry.search_residents(community, query)
    names = [r["name"] for r in registry.resident_rows(community, ids)]
    assert name in names


def test_search_by_id_digits_needs_four(community):
    zhang = registry.get(community, "residents", community.ids["张三"])["id_number"]
    assert community.ids["张三"] in registry.search_residents(community, zhang[-6:])
    # three digits only match door numbers, not the middle of every ID number
    hits = registry.resident_rows(community, registry.search_residents(community, "101"))
    assert {r["name"] for r in hits} == {"曾志伟"}


def test_single_character_does_not_match_every_address(community):
    # 单 is in every "N单元"; typed alone it means the surname 单 (shàn).
    hits = registry.resident_rows(community, registry.search_residents(community, "单"))
    assert [r["name"] for r in hits] == ["单田芳"]


def test_renaming_a_compound_is_found_by_address(community):
    registry.edit_compound(community, community.ids["compound1"], "锦绣新苑", "property")
    hits = registry.resident_rows(community, registry.search_residents(community, "锦绣新苑3号楼"))
    assert {r["name"] for r in hits} == {"张三", "李四", "单田芳"}
    assert registry.search_residents(community, "锦绣花园") == []


def test_edit_rename_is_found_by_new_pinyin(community):
    registry.edit_resident(community, community.ids["李四"], {"name": "解小红"})
    ids = registry.search_residents(community, "xxh")
    assert community.ids["李四"] in ids


def test_digit_search_follows_edits_and_deletes(community):
    zhang = community.ids["张三"]
    assert zhang in registry.search_residents(community, "13912345")
    registry.edit_resident(community, zhang, {"phone": "13700001111"})
    assert zhang not in registry.search_residents(community, "13912345")
    assert zhang in registry.search_residents(community, "37000011")
    id_tail = registry.get(community, "residents", zhang)["id_number"][-5:]
    registry.delete_resident(community, zhang)
    assert registry.search_residents(community, id_tail) == []
    assert registry.search_residents(community, "37000011") == []


def test_resident_profile_counts_the_elderly_on_a_given_day(community):
    from datetime import date

    profile = registry.resident_profile(community, date(2026, 11, 23))
    assert (profile["aged_60"], profile["aged_80"]) == (2, 1)   # 单田芳 71, 曾志伟 86
    assert profile["registered"] == 4
    # a day before 曾志伟 turns 80 (born 1940-05-06), he is not yet 80+
    assert registry.resident_profile(community, date(2020, 5, 5))["aged_80"] == 0
