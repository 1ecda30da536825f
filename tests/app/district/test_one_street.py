"""One way to find a community's street (issue 15): db.district.street_join, used by the
district's levels, the 社区 column and filter (community_scope), the 概览 (district_overview)
and a 街道 account's scope, on a district whose communities' street rows differ in id and
name but not in code."""

from __future__ import annotations

import pytest

from app import community_scope, district
from app.database import open_community_db
from app.district import overview
from app.sync import engine
from db import district as levels
from db import scope
from db.node import get_meta
from tests.app.district.test_levels import enroll_and_send, new_community

STREET = "410102007"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("one-street")
    d = open_community_db(tmp / "district.sqlite", create=True)
    engine.create_district(d, "中原区", "410102")
    # Two offices of one street that typed its name differently, one of another street.
    for name, code, street in (("长江路社区", STREET + "003", "林山寨街道"),
                               ("桐柏路社区", STREET + "004", "林山寨街道办事处"),
                               ("建设路社区", "410102008001", "建设路街道")):
        enroll_and_send(d, new_community(tmp, name, code, street), tmp / "usb" / code)
    yield d
    d.conn.close()


def test_every_view_puts_both_communities_in_one_street(world):
    d = world
    copies = d.conn.execute("SELECT count(DISTINCT id), count(DISTINCT name) FROM org_units "
                            "WHERE level = 'street' AND code = ? AND id <> community_id",
                            (STREET,)).fetchone()
    assert copies == (2, 2)                      # the communities' own rows disagree
    shared = levels.street_unit_id(STREET)
    by_levels = {r["name"]: (r["street_id"], r["street_name"]) for r in district.communities(d)}
    assert by_levels["长江路社区"] == by_levels["桐柏路社区"] == (shared, "林山寨街道")
    # The 社区 column and the filter: one street, both communities in it.
    scoped = {c.name: c.street for c in community_scope.communities(d)}
    assert scoped["长江路社区"] == scoped["桐柏路社区"] == "林山寨街道"
    assert community_scope.streets(d) == ["林山寨街道", "建设路街道"]
    assert {c.name for c in community_scope.communities(d)
            if c.id in community_scope.resolve(d, street="林山寨街道")} == {"长江路社区",
                                                                             "桐柏路社区"}
    # The 概览: one street subtotal holding both.
    groups = overview.overview(d).streets
    assert [(g.name, [c.name for c in g.communities]) for g in groups] == [
        ("林山寨街道", ["长江路社区", "桐柏路社区"]), ("建设路街道", ["建设路社区"])]
    # A 街道 account: its street's choices and its communities.
    assert scope.streets(d) == [(STREET, "林山寨街道"), ("410102008", "建设路街道")]
    assert scope.street_communities(d, STREET) == {
        c.id for c in community_scope.communities(d) if c.street == "林山寨街道"}


def test_a_connection_limited_to_the_street_still_finds_the_street(world):
    d = world
    ids = scope.street_communities(d, STREET)
    scope.limit_to(d, ids)
    try:
        rows = levels.community_streets(d)
        assert {(r["name"], r["street_name"]) for r in rows} == {
            ("长江路社区", "林山寨街道"), ("桐柏路社区", "林山寨街道")}
        assert [s.street for s in community_scope.communities(d)] == ["林山寨街道"] * 2
    finally:
        scope.limit_to(d, None)
    assert get_meta(d, "role") == "district"


def test_a_community_database_finds_its_own_street(world, tmp_path):
    c = new_community(tmp_path, "长江路社区", STREET + "003", "林山寨街道")
    assert [(x.name, x.street) for x in community_scope.communities(c)] == [
        ("长江路社区", "林山寨街道")]
