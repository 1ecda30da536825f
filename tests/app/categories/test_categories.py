"""Categories of people (issue 18, item 3): by hand with who/when/why, by the first matching
rule, refused deletion while in use, and the district's set for all its communities."""

from __future__ import annotations

from datetime import date

import pytest

from app import accounts, categories, isolation, registry
from app.database import open_community_db
from app.errors import FormError
from app.sync import engine

TODAY = date(2026, 12, 5)


@pytest.fixture
def five(community):
    categories.add_five_colours(community)
    return community, {c.name: c for c in categories.in_force(community).categories}


def test_first_matching_rule_wins_and_by_hand_overrides_keeping_history(five):
    db, cats = five
    zhang = db.ids["张三"]
    registry.edit_resident(db, zhang, {"tags": "重点关注"})
    assert categories.of(db, [zhang], TODAY)[zhang].name == "黄"
    # An active isolation case matches 红, which comes first: 红 wins over 黄.
    isolation.register_case(db, kind="home_isolation", reason="密接", resident_id=zhang,
                            started_on=TODAY)
    assert categories.of(db, [zhang], TODAY)[zhang].name == "红"
    # The elder in 101 matches 蓝 by age; 单田芳 (born 1955) is not yet 80.
    found = categories.of(db, None, TODAY)
    assert found[db.ids["曾志伟"]].name == "蓝" and db.ids["单田芳"] not in found
    # By hand: newest mark wins, the earlier one is kept, then back to the rules.
    categories.set_by_hand(db, zhang, cats["绿"].id, "核实为误报")
    assert categories.of(db, [zhang], TODAY)[zhang].name == "绿"
    assert categories.of(db, [zhang], TODAY)[zhang].by_hand
    categories.set_by_hand(db, zhang, None, "恢复按规则")
    assert categories.of(db, [zhang], TODAY)[zhang].name == "红"
    history = categories.history(db, zhang)
    assert [h["reason"] for h in history] == ["恢复按规则", "核实为误报"]
    assert all(h["set_by"] and h["set_at"] for h in history)
    with pytest.raises(FormError) as err:
        categories.set_by_hand(db, zhang, cats["绿"].id, "  ")
    assert "原因" in err.value.errors["reason"]


def test_a_category_in_use_cannot_be_deleted_and_says_how_many(five):
    db, cats = five
    with pytest.raises(FormError) as err:
        categories.delete_category(db, cats["蓝"].id)      # 曾志伟 is over 80
    assert "有1人" in err.value.message
    categories.delete_category(db, cats["橙"].id)          # nobody carries it
    assert "橙" not in {c.name for c in categories.in_force(db).categories}


def test_bad_input_names_the_field(community):
    for data, field in (({"name": "", "colour": "#d32f2f"}, "name"),
                        ({"name": "红", "colour": "red"}, "colour"),
                        ({"name": "老人", "colour": "#123456", "rule": "age_over",
                          "rule_value": "abc"}, "rule_value"),
                        ({"name": "隔离", "colour": "#123456", "rule": "case_kind",
                          "rule_value": "住院"}, "rule_value")):
        with pytest.raises(FormError) as err:
            categories.save_category(community, data)
        assert field in err.value.errors
    # The case kind may be typed in words.
    cid = categories.save_category(community, {"name": "隔离", "colour": "#d32f2f",
                                               "rule": "case_kind", "rule_value": "居家隔离"})
    assert categories.in_force(community).categories[0].rule_value == "home_isolation"
    assert cid


def test_order_decides_and_a_worker_may_not_change_the_set(five):
    db, cats = five
    categories.move_category(db, cats["蓝"].id, -3)
    assert [c.name for c in categories.in_force(db).categories][:2] == ["蓝", "红"]
    accounts.attach(db, accounts.Session("w", "王网格", "grid_worker",
                                         frozenset({db.ids["grid1"]})))
    with pytest.raises(FormError):
        categories.save_category(db, {"name": "紫", "colour": "#6a1b9a"})


def test_the_districts_set_reaches_its_communities(tmp_path):
    from tests.app.sync.test_sync import new_community

    district = open_community_db(tmp_path / "district.sqlite", create=True)
    engine.create_district(district, "中原区", "410102")
    a = new_community(tmp_path, "长江路社区", "410102007003")
    stick = tmp_path / "usb"
    engine.enroll_by_files(a, district, stick)
    categories.save_category(a, {"name": "本社区", "colour": "#00897b"})
    red = categories.save_category(district, {"name": "红", "colour": "#d32f2f",
                                              "meaning": "居家隔离中", "rule": "case_kind"})
    categories.save_category(district, {"name": "关爱", "colour": "#1565c0"})
    engine.export_bundles(district, a._griddesk.node_id, stick / "down")
    engine.import_folder(a, stick / "down")
    held = categories.in_force(a)
    assert held.from_district and [c.name for c in held.categories] == ["红", "关爱"]
    with pytest.raises(FormError) as err:
        categories.save_category(a, {"name": "紫", "colour": "#6a1b9a"})
    assert "区里" in err.value.message
    # A person put in the district's category by hand, and the mark goes up.
    zhang = a.ids["张三"]
    categories.set_by_hand(a, zhang, red, "入户核实")
    engine.export_bundles(a, district._griddesk.node_id, stick / "up")
    engine.import_folder(district, stick / "up")
    assert categories.of(district, [zhang])[zhang].name == "红"


def test_a_category_from_a_bundle_with_a_bad_colour_is_shown_grey(community):
    from db import categories as store
    from db.node import transaction

    with transaction(community):
        store.write(community, "some-district", None,
                    {"name": "红", "colour": "red; image: url(x)", "rule": "manual",
                     "position": 1})
    held = categories.in_force(community)
    assert held.from_district and held.categories[0].colour == "#9e9e9e"
