"""The district's org row is one row, shared by its communities (issue 15, item 1): a
community takes the district's own row when it enrolls (or, enrolled before, when its file is
opened), hangs its street under it and deletes its own copy; the district's first bundle
merges into it; enrolling with another district is a move. Through real bundles."""

from __future__ import annotations

import shutil

import pytest

from app.database import open_community_db
from app.demo import build_demo_district
from app.sync import district_row, engine
from db import changelog
from db import sync as store
from tests.app.sync.test_sync import new_community, node, send


def live_district_rows(db) -> list[str]:
    return [r[0] for r in db.conn.execute(
        "SELECT id FROM org_units WHERE level = 'district' AND deleted = 0")]


def street_parents(db, community_id: str) -> set[str]:
    """The parent of the street row of community `community_id`, as this node holds it."""
    return {r[0] for r in db.conn.execute(
        "SELECT s.parent_id FROM org_units c JOIN org_units s ON s.id = c.parent_id "
        "WHERE c.id = ? AND c.level = 'community'", (community_id,))}


def district_row_of(db, row_id):
    return db.conn.execute("SELECT id, community_id, parent_id, level, code, name, deleted "
                           "FROM org_units WHERE id = ?", (row_id,)).fetchone()


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    made = build_demo_district(folder / "中原区.sqlite", communities=2, residents=200,
                               accounts=False)
    district = open_community_db(made["district"])
    communities = [open_community_db(f) for f in made["communities"]]
    yield district, communities
    for db in (district, *communities):
        db.conn.close()


def test_the_demo_district_holds_one_live_district_row_every_street_points_at(demo):
    district, communities = demo
    own = engine.get_meta(district, "community_id")
    assert live_district_rows(district) == [own]
    # The communities' copies arrived deleted; each street at the district hangs under it.
    copies = district.conn.execute(
        "SELECT count(*) FROM org_units WHERE level = 'district' AND deleted = 1").fetchone()[0]
    assert copies == len(communities) == 2
    for c in communities:
        cid = engine.get_meta(c, "community_id")
        assert street_parents(district, cid) == {own}
        assert street_parents(c, cid) == {own}
        assert live_district_rows(c) == [own]
        # The district's own row came down in its first bundle and merged into the one the
        # community made at enrollment: the same row, the district's stamps, no conflict.
        assert district_row_of(c, own) == district_row_of(district, own)
        assert changelog.field_stamp(c.conn, "org_units", own, "name") != district_row.OLDEST
        assert store.conflicts(c) == []
    assert store.conflicts(district) == []


def test_an_already_enrolled_community_takes_the_row_when_opened(tmp_path, monkeypatch):
    """A community enrolled by an earlier version (its copy of the district row live at both
    ends) converges to one live row after being opened and one sync round each way."""
    district = open_community_db(tmp_path / "district.sqlite", create=True)
    own = engine.create_district(district, "中原区", "410102")
    old = new_community(tmp_path, "长江路社区", "410102007003")
    cid = engine.get_meta(old, "community_id")
    with monkeypatch.context() as earlier:   # enrollment as the earlier version did it
        earlier.setattr(district_row, "adopt", lambda *args: False)
        engine.enroll_by_files(old, district, tmp_path / "enroll")
    send(old, district, tmp_path / "up0")
    assert len(live_district_rows(district)) == 2 and live_district_rows(old) != [own]
    path = old.conn.execute("PRAGMA database_list").fetchone()[2]
    old.conn.close()

    community = open_community_db(path)          # the upgraded program opens the file
    assert live_district_rows(community) == [own]
    assert street_parents(community, cid) == {own}
    assert changelog.field_stamp(community.conn, "org_units", own, "name") == district_row.OLDEST
    seq = changelog.last_seq(community)
    open_community_db(path).conn.close()         # done once: a second opening writes nothing
    assert changelog.last_seq(community) == seq

    _paths, up = send(community, district, tmp_path / "up1")
    assert [o.status for o in up] == ["applied"]
    assert live_district_rows(district) == [own]
    assert street_parents(district, cid) == {own}
    _paths, down = send(district, community, tmp_path / "down")
    assert [o.status for o in down] == ["applied"] and down[0].conflicts == 0
    assert district_row_of(community, own) == district_row_of(district, own)
    assert store.conflicts(community) == []


def test_enrolling_with_another_district_moves_the_community(tmp_path):
    first = open_community_db(tmp_path / "first.sqlite", create=True)
    first_id = engine.create_district(first, "中原区", "410102")
    community = new_community(tmp_path, "长江路社区", "410102007003")
    cid = engine.get_meta(community, "community_id")
    engine.enroll_by_files(community, first, tmp_path / "e1")
    send(community, first, tmp_path / "up1")
    send(first, community, tmp_path / "down1")

    # The district reinstalled from nothing (a new org id), or the community handed over.
    second = open_community_db(tmp_path / "second.sqlite", create=True)
    second_id = engine.create_district(second, "二七区", "410103")
    request, _spoken = engine.write_enroll_request(community, tmp_path / "e2")
    engine.accept_enroll_request(second, engine.read_enroll_request(request))
    answer = engine.write_enroll_response(second, node(community), tmp_path / "e2")
    moved = engine.accept_enroll_response(community, answer)
    assert moved["moved_from"] == ["中原区"]
    assert "原来登记在“中原区”，今后只与“二七区”同步" in engine.enrolled_message(moved)
    assert store.peer(community, node(first))["revoked"] == 1
    assert engine.district_peer(community)["node_id"] == node(second)
    assert street_parents(community, cid) == {second_id}
    assert sorted(live_district_rows(community)) == sorted([first_id, second_id])

    # Its whole history goes to the new district (the street's first parents, superseded,
    # are not held against it), which then holds one live district row: its own.
    _paths, up = send(community, second, tmp_path / "up2")
    assert [o.status for o in up] == ["applied"]
    assert live_district_rows(second) == [second_id]
    assert street_parents(second, cid) == {second_id}
    _paths, down = send(second, community, tmp_path / "down2")
    assert [o.status for o in down] == ["applied"] and down[0].conflicts == 0
    assert district_row_of(community, second_id) == district_row_of(second, second_id)

    # The old district is no longer synced with, either way, and says so.
    with pytest.raises(engine.FormError) as refused:
        engine.export_bundles(community, node(first), tmp_path / "up3")
    assert "停用" in str(refused.value.errors)
    shutil.rmtree(tmp_path / "down3", ignore_errors=True)
    engine.export_bundles(first, node(community), tmp_path / "down3")
    (outcome,) = engine.import_folder(community, tmp_path / "down3")
    assert outcome.status == "refused" and "停用" in outcome.message


def test_an_answer_naming_a_row_of_the_community_as_the_district_is_refused(tmp_path):
    community = new_community(tmp_path, "长江路社区", "410102007003")
    grid = community.conn.execute(
        "SELECT id FROM org_units WHERE level = 'grid'").fetchone()[0]
    with pytest.raises(district_row.DistrictRowError) as refused:
        district_row.check_answer(community, grid, "410102", "中原区")
    assert "登记回执" in refused.value.message
    for bad in ((None, "410102", "中原区"), ("x y", "410102", "中原区"),
                ("abc", "4101", "中原区"), ("abc", "410102", " ")):
        with pytest.raises(district_row.DistrictRowError):
            district_row.check_answer(community, *bad)
    district_row.check_answer(community, "abc", "410102", "中原区")   # a sound one passes
