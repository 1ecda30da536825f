"""The real district hub process on 127.0.0.1 with two community offices syncing through it:
each office's rows reach the district, and a district correction reaches only the office
whose row it is (reference data of the district reaches both)."""

from __future__ import annotations

from app import registry
from app.database import open_community_db
from app.sync import client, engine
from db import registry as q
from db.node import get_meta, transaction
from tests.app.sync.test_sync import names, new_community
from tests.e2e import test_hub as base

hub = base.hub    # the fixture: a district database served by `griddesk hub` on a free port


def enroll(community, url, district_path, env):
    code = base.issue_code(district_path, env)
    assert client.enroll_online(community, url, code)["name"] == "中原区"


def residents_of_others(db):
    return db.conn.execute("SELECT count(*) FROM residents WHERE community_id != ?",
                           (get_meta(db, "community_id"),)).fetchone()[0]


def test_two_communities_sync_through_the_hub_and_corrections_reach_the_right_one(
        hub, tmp_path):
    url, district_path, env = hub
    a = new_community(tmp_path, "长江路社区", "410102007003")
    b = new_community(tmp_path, "建设路社区", "410102008001", (("王五", "153"),))
    enroll(a, url, district_path, env)
    enroll(b, url, district_path, env)

    assert client.sync_once(a, url).uploaded > 0
    assert client.sync_once(b, url).uploaded > 0
    district = open_community_db(district_path)
    try:
        assert names(district) == ["张三", "李四", "王五"]
        assert {r["name"] for r in engine.community_rows(district)} == {"长江路社区",
                                                                        "建设路社区"}
        # The district corrects a resident of 长江路社区 and one of 建设路社区, and renames
        # its own org unit (reference data both offices hold).
        registry.edit_resident(district, a.ids["张三"], {"phone": "13711112222"})
        registry.edit_resident(district, b.ids["王五"], {"phone": "13733334444"})
        district_unit = get_meta(district, "community_id")
        with transaction(district):
            q.update(district, "org_units", district_unit, {"name": "中原区（更正）"})
    finally:
        district.conn.close()

    got_a = client.sync_once(a, url)
    got_b = client.sync_once(b, url)
    assert got_a.received >= 2 and got_b.received >= 2
    assert registry.get(a, "residents", a.ids["张三"])["phone"] == "13711112222"
    assert registry.get(b, "residents", b.ids["王五"])["phone"] == "13733334444"
    for db in (a, b):
        assert registry.get(db, "org_units", district_unit)["name"] == "中原区（更正）"
    # each office holds its own residents only: the other's correction never reached it
    assert names(a) == ["张三", "李四"] and names(b) == ["王五"]
    assert residents_of_others(a) == 0 and residents_of_others(b) == 0
    assert registry.get(b, "residents", a.ids["张三"]) is None
    assert registry.get(a, "residents", b.ids["王五"]) is None

    # a later sync carries nothing more either way
    for db in (a, b):
        again = client.sync_once(db, url)
        assert (again.uploaded, again.received) == (0, 0)

    # an office edits after the correction: its edit wins at the district
    registry.edit_resident(a, a.ids["张三"], {"phone": "13755556666"})
    assert client.sync_once(a, url).uploaded == 1
    district = open_community_db(district_path)
    try:
        assert registry.get(district, "residents", a.ids["张三"])["phone"] == "13755556666"
        assert registry.get(district, "residents", b.ids["王五"])["phone"] == "13733334444"
    finally:
        district.conn.close()
