"""Care visits travel to the district in real bundles: the district's board lists each
community's people with their visits, and the district only looks (it records nothing)."""

from __future__ import annotations

from datetime import date

import pytest

from app import accounts, care, community_scope, registry
from app.database import open_community_db
from app.errors import FormError
from app.sync import engine
from db.ids import uuid7
from tests.app.sync import test_incoming as forged
from tests.app.sync import test_sync as sync_base
from tests.app.sync.test_sync import new_community

DAY = date(2026, 3, 2)


def test_visits_reach_the_district_and_its_board_lists_them_by_community(tmp_path):
    district = open_community_db(tmp_path / "district.sqlite", create=True)
    engine.create_district(district, "中原区", "410102")
    a = new_community(tmp_path, "长江路社区", "410102007003")
    stick = tmp_path / "usb"
    request, _spoken = engine.write_enroll_request(a, stick)
    seen = engine.read_enroll_request(request)
    engine.accept_enroll_request(district, seen)
    engine.accept_enroll_response(a, engine.write_enroll_response(district, seen.node_id, stick))

    unit = a.conn.execute("SELECT unit_id FROM households").fetchone()[0]
    registry.edit_household(a, a.ids["household"], {"unit_id": unit, "door_number": "101",
                                                    "tags": "低保"})
    a.conn.execute("UPDATE residents SET relation = '户主' WHERE id = ?", (a.ids["张三"],))
    care.record_visit(a, a.ids["张三"], method="visit", wellbeing="fair", needs=["meals"],
                      today=DAY)
    engine.export_bundles(a, engine.district_peer(a)["node_id"], stick / "up")
    engine.import_folder(district, stick / "up")

    board = care.board(district, DAY)
    e = board.entry(a.ids["张三"])
    assert e is not None and e["status"] == "done"
    assert community_scope.names(district)[e["community_id"]] == "长江路社区"
    assert care.board(district, DAY, communities={"nobody"}).entries == []
    assert [n["kind"] for n in care.needs(district)] == ["meals"]
    accounts.create_demo_district_accounts(district, [])
    accounts.forget_all()
    accounts.sign_in(district, "admin", accounts.DEMO_PASSWORD)
    try:
        with pytest.raises(FormError) as refused:
            care.record_visit(district, a.ids["张三"], method="visit", wellbeing="good",
                              today=DAY)
        assert "区里只能查看" in refused.value.message
        assert care.board(district, DAY).entry(a.ids["张三"]) is not None   # it still looks
    finally:
        accounts.sign_out(district)


# --- a bundle is hostile until checked --------------------------------------------------------

world = sync_base.world     # the fixture: a district and two enrolled communities


@pytest.mark.parametrize("values, words", [
    ({"method": "teleport"}, "允许的范围"), ({"visited_on": "上周"}, "YYYY-MM-DD"),
])
def test_a_forged_visit_is_refused_naming_the_row(world, tmp_path, values, words):
    district, a, b, _stick = world
    sync_base.send(a, district, tmp_path / "a")
    sync_base.send(b, district, tmp_path / "b")
    visit = uuid7()
    fields = {"community_id": forged.owner(a), "resident_id": a.ids["张三"],
              "visited_on": "2026-03-02", "method": "visit", "visitor": "grid_worker",
              "needs": "", "deleted": 0, **values}
    row = forged.edit(a, "care_visits", visit, **fields)
    outcome = forged.refused(district, forged.seal(a, district, [row]), "bad_row")
    assert "关爱走访记录" in outcome.message and words in outcome.message


def test_a_visit_to_another_communitys_resident_is_refused(world, tmp_path):
    district, a, b, _stick = world
    sync_base.send(a, district, tmp_path / "a")
    sync_base.send(b, district, tmp_path / "b")
    row = forged.edit(a, "care_visits", uuid7(), community_id=forged.owner(a),
                      resident_id=b.ids["王五"], visited_on="2026-03-02", method="visit",
                      visitor="grid_worker", needs="", deleted=0)
    outcome = forged.refused(district, forged.seal(a, district, [row]), "foreign_reference")
    assert "另一个社区" in outcome.message
    assert district.conn.execute("SELECT count(*) FROM care_visits").fetchone() == (0,)
