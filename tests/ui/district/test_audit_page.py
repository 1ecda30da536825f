"""The 审计 page at a district (issue 15, item 3): a 社区 column naming the community each
audited record belongs to as it was called when the action happened (a community renamed at
its end, through a real bundle, keeps its old name on the older entries), the community
filter, the export's 社区 column; the chain itself is untouched."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt

from app import accounts, community_scope
from app.accounts import audit
from app.database import open_community_db
from app.demo import build_demo_district
from app.sync import engine
from db import registry as q
from ui.accounts.audit_page import AuditPage


def send(src, dst, folder: Path) -> None:
    engine.export_bundles(src, dst._griddesk.node_id, folder)
    engine.import_folder(dst, folder)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("district-audit")
    built = build_demo_district(tmp / "中原区.sqlite", communities=2, residents=150)
    d = open_community_db(built["district"])
    a = open_community_db(built["communities"][0])
    a_id = engine.get_meta(a, "community_id")
    b_id = next(c.id for c in community_scope.communities(d) if c.id != a_id)

    def reveal(owner: str) -> int:
        rid = d.conn.execute("SELECT id FROM residents WHERE community_id = ? AND deleted = 0 "
                             "LIMIT 1", (owner,)).fetchone()[0]
        accounts.reveal(d, "residents", rid, "id_number")
        return d.conn.execute("SELECT max(seq) FROM audit_log").fetchone()[0]

    seqs = {"before": reveal(a_id)}
    q.update(a, "org_units", a_id, {"name": "长江东路社区"})     # renamed at its own end
    send(a, d, tmp / "up")
    seqs["after"] = reveal(a_id)
    seqs["other"] = reveal(b_id)
    yield {"district": d, "a": a_id, "b": b_id, "seqs": seqs, "tmp": tmp}
    d.conn.close()
    a.conn.close()


def test_each_entry_names_the_community_as_it_was_then(world):
    d, seqs = world["district"], world["seqs"]
    shown = {r.seq: r.community for r in audit.rows(d)}
    assert shown[seqs["before"]] == "长江路社区"          # the old name, kept
    assert shown[seqs["after"]] == "长江东路社区"         # the new one, since the bundle
    assert shown[seqs["other"]] == "建设路社区"
    assert {c.name for c in community_scope.communities(d)} == {"长江东路社区", "建设路社区"}
    assert audit.verify(d).ok                            # nothing written into the chain


def test_the_community_filter_keeps_that_communitys_records(world):
    d, seqs = world["district"], world["seqs"]
    mine = [r.seq for r in audit.rows(d, communities={world["a"]})]
    assert seqs["before"] in mine and seqs["after"] in mine and seqs["other"] not in mine
    assert {r.community for r in audit.rows(d, communities={world["a"]})} == {
        "长江路社区", "长江东路社区"}
    assert audit.rows(d, communities=set()) == []


def test_the_page_shows_the_column_filters_and_exports_it(qtbot, world):
    d, seqs = world["district"], world["seqs"]
    page = AuditPage(d)
    qtbot.addWidget(page)
    model = page.model
    assert model.headerData(0, Qt.Orientation.Horizontal) == "社区"
    by_seq = {r.seq: i for i, r in enumerate(model.rows)}
    assert model.data(model.index(by_seq[seqs["before"]], 0)) == "长江路社区"
    assert page.community_filter is not None
    page.community_filter.choose(f"community:{world['b']}")
    assert [r.community for r in model.rows] and \
        {r.community for r in model.rows} == {"建设路社区"}
    assert seqs["other"] in {r.seq for r in model.rows}
    path = world["tmp"] / "审计.xlsx"
    assert page.export(path) >= 1
    sheet = load_workbook(path).active
    values = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    header = next(row for row in values if row and row[0] == "社区")
    assert header[:2] == ["社区", "序号"]
    assert {row[0] for row in values[values.index(header) + 1:] if row[0]} == {"建设路社区"}
    page.community_filter.choose("")


def test_a_community_audit_page_has_no_community_column(qtbot, world, tmp_path):
    a_file = next(world["tmp"].glob("中原区-*.sqlite"))
    copy = tmp_path / "c.sqlite"
    shutil.copy(a_file, copy)
    c = open_community_db(copy)
    accounts.sign_in(c, "admin", "demo1234")
    page = AuditPage(c)
    qtbot.addWidget(page)
    assert page.community_filter is None
    assert page.model.headerData(0, Qt.Orientation.Horizontal) == "序号"
    c.conn.close()
