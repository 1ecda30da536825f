"""Enrollment that would take over an enrolled community waits for the district operator;
the online code dies after five wrong guesses (issue 13)."""

from __future__ import annotations

import dataclasses
import threading

import pytest

from app.cli import main
from app.database import open_community_db
from app.sync import engine, enrollment
from db import sync as store
from db.node import set_meta, transaction
from tests.app.sync.test_sync import names, new_community, node, send, world  # noqa: F401


def impostor(tmp_path, replaces: str = ""):
    """Another computer claiming 长江路社区 (same code): a new PC, a restore, or an attacker."""
    db = new_community(tmp_path / "other-pc", "长江路社区", "410102007003", (("假人", "199"),))
    if replaces:
        with transaction(db):
            set_meta(db, "restored_from", replaces)   # node ids are in every bundle header
    return db


@pytest.fixture
def other_pc(tmp_path):
    (tmp_path / "other-pc").mkdir()
    return tmp_path


def test_a_file_request_claiming_an_enrolled_community_waits_and_the_office_keeps_syncing(
        world, other_pc, tmp_path, capsys):  # noqa: F811
    district, a, _b, _stick = world
    intruder = impostor(tmp_path, replaces=node(a))
    request, spoken = engine.write_enroll_request(intruder, tmp_path / "in", "换新电脑")
    d_path = str(tmp_path / "district.sqlite")

    assert main(["district", "accept", "--db", d_path, str(request),
                 "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "没有自动接受" in out and spoken in out and "换新电脑" in out
    assert engine.keys(a).fingerprint in out          # the operator sees both fingerprints
    assert not (tmp_path / "out").exists()            # no answer for the intruder
    assert store.peer(district, node(intruder)) is None
    assert store.peer(district, node(a))["revoked"] == 0
    # The real office still syncs both ways.
    _paths, outcomes = send(a, district, tmp_path / "1")
    assert outcomes[0].status in ("applied", "duplicate")
    _paths, outcomes = send(district, a, tmp_path / "2")
    assert outcomes[0].status in ("applied", "duplicate")
    assert "假人" not in names(district)

    # The same file again does not slip through either.
    assert engine.accept_enroll_request(district, engine.read_enroll_request(request)) \
        == "pending"
    (waiting,) = enrollment.pending(district)
    assert (waiting.name, waiting.old_node, waiting.fingerprint, waiting.reason,
            waiting.why) == ("长江路社区", node(a), spoken, "换新电脑", "replaces")

    assert main(["district", "pending", "--db", d_path]) == 0
    listed = capsys.readouterr().out
    assert f"[{waiting.id}]" in listed and spoken in listed and "原电脑指纹" in listed

    # Refused: the request is gone, the refusal is in the audit log, the office stays.
    assert main(["district", "refuse", "--db", d_path, str(waiting.id)]) == 0
    assert "已拒绝" in capsys.readouterr().out
    assert enrollment.pending(district) == []
    assert store.peer(district, node(a))["revoked"] == 0
    logged = district.conn.execute(
        "SELECT detail FROM audit_log WHERE action = 'enroll_refuse'").fetchall()
    assert len(logged) == 1 and spoken in logged[0][0] and "长江路社区" in logged[0][0]
    assert main(["district", "refuse", "--db", d_path, str(waiting.id)]) == 1
    assert "没有编号为" in capsys.readouterr().err


def test_confirming_from_the_command_line_replaces_the_node(
        world, other_pc, tmp_path, capsys):  # noqa: F811
    district, a, _b, _stick = world
    new_pc = impostor(tmp_path)                 # no backup: a new PC, same community code
    request, spoken = engine.write_enroll_request(new_pc, tmp_path / "in", "换新电脑")
    d_path = str(tmp_path / "district.sqlite")
    assert main(["district", "accept", "--db", d_path, str(request),
                 "--out", str(tmp_path / "out")]) == 0
    capsys.readouterr()
    (waiting,) = enrollment.pending(district)
    assert waiting.why == "community" and waiting.old_fingerprint == engine.keys(a).fingerprint
    assert waiting.fingerprint == spoken and store.peer(district, node(new_pc)) is None

    assert main(["district", "confirm", "--db", d_path, str(waiting.id),
                 "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "已确认" in out and "登记回执" in out
    assert store.peer(district, node(a))["revoked"] == 1
    assert store.peer(district, node(new_pc))["revoked"] == 0
    assert enrollment.pending(district) == []
    assert district.conn.execute(
        "SELECT count(*) FROM audit_log WHERE action = 'enroll_confirm'").fetchone()[0] == 1
    (answer,) = (tmp_path / "out").glob("*.gdenroll")
    engine.accept_enroll_response(new_pc, answer)
    assert engine.district_peer(new_pc)["node_id"] == node(district)
    # The old computer is refused from now on.
    _paths, refused = send(a, district, tmp_path / "3")
    assert refused[0].status == "refused"


def test_a_new_community_is_still_enrolled_at_once(world, tmp_path):  # noqa: F811
    district, _a, _b, _stick = world
    c = new_community(tmp_path, "大学路社区", "410102009001", (("周九", "197"),))
    seen = engine.enroll_by_files(c, district, tmp_path / "c")
    assert store.peer(district, seen.node_id)["revoked"] == 0
    assert enrollment.pending(district) == []


def test_a_request_claiming_the_district_itself_is_refused(world, tmp_path):  # noqa: F811
    district, _a, _b, _stick = world
    c = new_community(tmp_path, "大学路社区", "410102009001", (("周九", "197"),))
    honest = engine.parse_enroll_request(engine.enroll_request_bytes(c))
    forged = dataclasses.replace(honest, community_id=engine.get_meta(district, "community_id"))
    with pytest.raises(engine.BundleError):
        engine.accept_enroll_request(district, forged)
    assert store.peer(district, honest.node_id) is None


def test_five_wrong_guesses_void_the_code_even_sent_at_once(tmp_path):
    path = tmp_path / "district.sqlite"
    district = open_community_db(path, create=True)
    engine.create_district(district, "中原区", "410102")
    issued = enrollment.issue_code(district)
    assert "输错5次" in issued.notice() and issued.expires_text in issued.notice()
    wrong = [f"{(int(issued.code) + i) % 10**6:06d}" for i in range(1, 21)]
    verdicts = []

    def guess(code):
        db = open_community_db(path)      # one connection per thread, like the hub
        verdicts.append(enrollment.check_code(db, code))
        db.conn.close()

    threads = [threading.Thread(target=guess, args=(code,)) for code in wrong]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert verdicts.count("wrong") == 4 and verdicts.count("void") == 16
    assert enrollment.check_code(district, issued.code) == "void"    # the right one is dead
    # The count is in the database: a restarted hub still refuses.
    again = open_community_db(path)
    assert enrollment.check_code(again, issued.code) == "void"
    fresh = enrollment.issue_code(district)
    assert enrollment.check_code(again, fresh.code) == "ok"
    assert enrollment.check_code(again, fresh.code) == "expired"     # used up


def test_the_delay_for_wrong_guesses_grows_per_address_and_is_forgotten():
    penalty = enrollment.GuessPenalty(base_s=0.2, cap_s=10, forget_s=900, size=3)
    assert [penalty.wrong("10.0.0.1") for _ in range(7)] == [0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 10]
    assert penalty.wrong("10.0.0.2") == 0.2          # another client starts at the bottom
    for address in ("a", "b", "c"):
        penalty.wrong(address)
    assert penalty.wrong("10.0.0.1") == 0.2          # memory is bounded: oldest forgotten
