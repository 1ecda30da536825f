"""The same person in two communities, through real bundles: the district lists the ID
number, each community gets a notice naming the other, and a removal clears both."""

from app import duplicates, registry
from app.sync import engine
from tests.app.sync.test_sync import new_community, send, world  # noqa: F401  (the fixture)
from tests.conftest import make_id

SHARED = make_id("410102", seq="131")   # 张三 of 长江路社区 (see new_community)


def test_one_person_in_two_communities_round_trip(world, tmp_path):  # noqa: F811
    district, a, b, _ = world
    twin = registry.add_resident(b, {"household_id": b.ids["household"], "name": "张三",
                                     "id_number": SHARED})
    send(a, district, tmp_path / "up-a")
    send(b, district, tmp_path / "up-b")

    found = duplicates.duplicates(district)
    assert len(found) == 1
    regs = {r.community: r for r in found[0].registrations}
    assert set(regs) == {"长江路社区", "建设路社区"}
    assert regs["建设路社区"].address == "建设路社区小区 1号楼1单元101"
    assert regs["长江路社区"].changed_at and regs["建设路社区"].changed_at
    assert found[0].id_number != SHARED and found[0].id_number[-4:] == SHARED[-4:]  # masked

    send(district, a, tmp_path / "down-a")
    send(district, b, tmp_path / "down-b")
    [seen_at_a] = duplicates.notices(a)
    assert seen_at_a.open and seen_at_a.resident_id == a.ids["张三"]
    assert seen_at_a.text == "区里提示：此人也登记在建设路社区（建设路社区小区 1号楼1单元101）"
    [seen_at_b] = duplicates.notices(b)
    assert seen_at_b.resident_id == twin and "长江路社区" in seen_at_b.text
    assert duplicates.resident_notices(b, twin) == [seen_at_b]
    assert duplicates.resident_notices(b, b.ids["王五"]) == []

    # 建设路社区 finds the person moved away and removes the registration.
    registry.delete_resident(b, twin)
    send(b, district, tmp_path / "up-b2")
    assert duplicates.duplicates(district) == []
    assert duplicates.duplicate_count(district) == 0
    send(district, a, tmp_path / "down-a2")
    send(district, b, tmp_path / "down-b2")
    for community in (a, b):
        [notice] = duplicates.notices(community)
        assert not notice.open and notice.resolved_at
        assert duplicates.notices(community, open_only=True) == []


def test_a_notice_reaches_only_the_communities_it_concerns(world, tmp_path):  # noqa: F811
    """Another community's door is shared with the communities of the person, no others."""
    district, a, b, stick = world
    c = new_community(tmp_path, "工人新村社区", "410102009002", (("赵六", "164"),))
    engine.enroll_by_files(c, district, stick)
    registry.add_resident(b, {"household_id": b.ids["household"], "name": "张三",
                              "id_number": SHARED})
    registry.add_resident(c, {"household_id": c.ids["household"], "name": "王五",
                              "id_number": make_id("410102", seq="153")})
    for community in (a, b, c):
        send(community, district, tmp_path / f"up-{community.ids['household']}")
    found = {tuple(sorted(r.community for r in d.registrations))
             for d in duplicates.duplicates(district)}
    assert found == {("建设路社区", "长江路社区"), ("工人新村社区", "建设路社区")}
    for community in (a, b, c):
        send(district, community, tmp_path / f"down-{community.ids['household']}")
    assert [n.other_community for n in duplicates.notices(a)] == ["建设路社区"]
    assert sorted(n.other_community for n in duplicates.notices(b)) == ["工人新村社区",
                                                                        "长江路社区"]
    # 工人新村社区 learns of 建设路社区's 王五 only, never of 长江路社区's 张三.
    assert [n.other_community for n in duplicates.notices(c)] == ["建设路社区"]
    assert c.conn.execute("SELECT count(*) FROM duplicate_notices").fetchone()[0] == 1


def test_a_community_computes_nothing(world):  # noqa: F811
    _district, a, _b, _ = world
    assert duplicates.refresh(a) == duplicates.Refresh()


def test_a_view_of_part_of_the_district_resolves_nothing(world, tmp_path):  # noqa: F811
    """A 街道 session reads residents through a view of its communities: notices about the
    others must not be resolved from what it cannot see."""
    district, a, b, _ = world
    registry.add_resident(b, {"household_id": b.ids["household"], "name": "张三",
                              "id_number": SHARED})
    send(a, district, tmp_path / "up-a")
    send(b, district, tmp_path / "up-b")
    assert len(duplicates.notices(district, open_only=True)) == 2
    mine = b.conn.execute("SELECT value FROM meta WHERE key = 'community_id'").fetchone()[0]
    district.conn.execute("CREATE TEMP VIEW residents AS SELECT * FROM main.residents "
                          f"WHERE community_id = '{mine}'")
    assert duplicates.refresh(district) == duplicates.Refresh()
    district.conn.execute("DROP VIEW temp.residents")
    assert len(duplicates.notices(district, open_only=True)) == 2
