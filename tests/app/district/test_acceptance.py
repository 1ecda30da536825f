"""Issue 15 acceptance gaps, on a demo district with two streets: `griddesk district status`
for a 街道 account (its street only) and with the office's own staleness threshold, `griddesk
audit heads` kept to a 街道 account's communities, the 关爱走访 grid filter naming each grid's
community, and two communities of the same name told apart by their street in lists and
ledgers."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest

from app import accounts, care, community_scope
from app.cli import main
from app.database import open_community_db
from app.demo import build_demo_district
from app.district import overview
from app.sync import engine
from db.node import set_meta, transaction
from tests.app.district.test_levels import enroll_and_send, new_community


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict:
    path = tmp_path_factory.mktemp("district") / "中原区.sqlite"
    return build_demo_district(path, communities=3, streets=2, residents=200)


@pytest.fixture
def district_path(built, tmp_path) -> str:
    copy = tmp_path / "中原区.sqlite"
    shutil.copy(built["district"], copy)
    return str(copy)


def run(capsys, *argv: str) -> tuple[int, str]:
    accounts.forget_all()       # one process per command in real use: no session carried over
    capsys.readouterr()
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out + out.err


def test_a_street_account_gets_district_status_for_its_street_only(district_path, capsys,
                                                                   monkeypatch):
    monkeypatch.setenv("GRIDDESK_PASSWORD", "demo1234")
    code, out = run(capsys, "district", "status", "--db", district_path, "--user", "jiedao1")
    assert code == 0, out
    assert "长江路社区" in out and "桐柏路社区" in out
    assert "建设路社区" not in out and "共 2 个社区。" in out
    code, out = run(capsys, "district", "status", "--db", district_path, "--user", "jiedao2")
    assert code == 0 and "建设路社区" in out and "长江路社区" not in out


def test_district_status_flags_by_the_offices_threshold(district_path, capsys):
    db = open_community_db(district_path)
    with transaction(db):            # the office waits 5 days: 4 days silent is not yet behind
        set_meta(db, overview.STALE_KEY, "5")
    db.conn.close()
    code, out = run(capsys, "district", "status", "--db", district_path)
    quiet = next(line for line in out.splitlines() if "建设路社区" in line)
    assert code == 0 and "4天前" in quiet and "未同步" not in quiet
    db = open_community_db(district_path)
    overview.set_stale_after_days(db, 2)
    db.conn.close()
    code, out = run(capsys, "district", "status", "--db", district_path)
    quiet = next(line for line in out.splitlines() if "建设路社区" in line)
    assert quiet.endswith("⚠ 2天以上未同步")


def test_audit_heads_shows_a_street_account_only_its_communities(district_path, capsys,
                                                                 monkeypatch):
    monkeypatch.setenv("GRIDDESK_PASSWORD", "demo1234")
    code, out = run(capsys, "audit", "heads", "--db", district_path, "--user", "jiedao2")
    assert code == 0 and "建设路社区" in out
    assert "长江路社区" not in out and "桐柏路社区" not in out
    code, out = run(capsys, "audit", "heads", "--db", district_path)   # the administrator
    assert all(name in out for name in ("建设路社区", "长江路社区", "桐柏路社区"))


def test_the_care_grid_filter_names_each_grids_community(built):
    accounts.forget_all()
    db = open_community_db(built["district"])
    labels = [label for _id, label in care.grids(db)]
    assert len(labels) == len(set(labels)) >= 3
    assert "长江路社区 › 第一网格" in labels and "建设路社区 › 第一网格" in labels
    community = open_community_db(built["communities"][0])
    own = [label for _id, label in care.grids(community)]
    assert own and not any("›" in label for label in own)     # its own grids, as before


def test_same_named_communities_carry_their_street_in_lists_and_ledgers(tmp_path: Path,
                                                                        capsys):
    d = open_community_db(tmp_path / "district.sqlite", create=True)
    engine.create_district(d, "中原区", "410102")
    stick = tmp_path / "usb"
    for code, street in (("410102007003", "林山寨街道"), ("410102008001", "建设路街道")):
        enroll_and_send(d, new_community(tmp_path, "长江路社区", code, street), stick)
    enroll_and_send(d, new_community(tmp_path, "桐柏路社区", "410102007004", "林山寨街道"),
                    stick)
    assert sorted(community_scope.names(d).values()) == [
        "桐柏路社区", "长江路社区（建设路街道）", "长江路社区（林山寨街道）"]
    path = d.conn.execute("PRAGMA database_list").fetchone()[2]
    d.conn.close()
    out = tmp_path / "residents.xlsx"
    code, said = run(capsys, "excel", "export", "--db", path, "--what", "residents",
                     "--out", str(out))
    assert code == 0, said
    sheet = openpyxl.load_workbook(out).active
    rows = list(sheet.iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows) if "社区" in r)
    col = rows[header].index("社区")
    assert sorted(r[col] for r in rows[header + 1:] if r[col]) == [
        "桐柏路社区", "长江路社区（建设路街道）", "长江路社区（林山寨街道）"]


def test_the_daily_summary_names_only_the_whole_districts_sum_so(district_path, capsys,
                                                                  monkeypatch, tmp_path):
    monkeypatch.setenv("GRIDDESK_PASSWORD", "demo1234")

    def total(user: str | None, *narrow: str) -> tuple:
        out = tmp_path / "daily.xlsx"
        code, said = run(capsys, "report", "daily", "--db", district_path, "--out", str(out),
                         *(("--user", user) if user else ()), *narrow)
        assert code == 0, said
        rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
        return rows[0][0], next(r[:2] for r in rows if r[1] == "合计")

    assert total("admin") == ("中原区各社区疫情防控工作日报汇总表", ("全区", "合计"))
    title, sums = total("jiedao1")
    assert sums == (None, "合计")                          # its street's sum, not 全区
    assert title.startswith("中原区") and "街道各社区" in title   # titled with its street
    assert total("admin", "--street", "建设路街道") == (
        "中原区建设路街道各社区疫情防控工作日报汇总表", (None, "合计"))
