"""One person, one file (issue 18, items 1 and 2): the file with its timeline newest first,
who and when, from every source; printed masked as the role requires, and audited."""

from __future__ import annotations

from datetime import date, datetime

import pypdfium2 as pdfium
import pytest

from app import accounts, categories, isolation, pairing, person, registry
from app.accounts import PermissionDenied
from app.cli import main
from app.errors import FormError
from app.person import printing as person_print
from tests.conftest import make_id


def pdf_text(data: bytes) -> str:
    pdf = pdfium.PdfDocument(data)
    try:
        return "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    finally:
        pdf.close()


@pytest.fixture
def history(community):
    """张三 with a household edit, a released case with checks and tests, contacts and a
    category set by hand."""
    db = community
    zhang = db.ids["张三"]
    registry.edit_resident(db, zhang, {"phone": "13700001111"})
    registry.edit_household(db, db.ids["h501"], {"dwelling": "rented"})
    case = isolation.register_case(db, kind="home_isolation", reason="密接", resident_id=zhang,
                                   started_on=date(2026, 11, 1), by="王书记",
                                   now=datetime(2026, 10, 31, 9, 0))
    isolation.record_check(db, case, slot="am", temperature=36.6, checked_by="李网格",
                           check_on=date(2026, 11, 2), now=datetime(2026, 11, 2, 9, 30))
    member = registry.party_members(db)[0]["id"]
    pairing.pair_household(db, db.ids["h501"], member)
    pairing.log_contact(db, db.ids["h501"], "visit", contact_on=date(2026, 11, 20),
                        note="看望老人")
    categories.add_five_colours(db)
    green = next(c for c in categories.in_force(db).categories if c.name == "绿")
    categories.set_by_hand(db, zhang, green.id, "核实情况正常")
    return db


def test_the_file_holds_identity_household_party_category_and_timeline(history):
    db = history
    f = person.person_file(db, db.ids["张三"])
    assert f.name == "张三" and "501" in f.address
    assert [m["name"] for m in f.members] == ["李四"]
    assert "锦绣花园党支部" in f.party
    assert f.category is not None and f.category.name == "绿" and f.category.by_hand
    kinds = {e.kind for e in f.timeline}
    assert {"登记", "隔离", "监测", "联户", "类别"} <= kinds
    assert [e.at for e in f.timeline] == sorted((e.at for e in f.timeline), reverse=True)
    texts = {e.text: e for e in f.timeline}
    assert any("修改了电话" in t for t in texts)
    assert any(t.startswith("本户修改了居住情况") for t in texts)
    assert texts["上门走访：看望老人"].by == "张三"           # the member who visited
    check = next(e for e in f.timeline if e.kind == "监测")
    assert check.by == "李网格" and check.when.startswith("2026-11-02 09:30")
    assert any(e.text.startswith("居家隔离（密接）登记") and e.by == "王书记"
               for e in f.timeline)


def test_identity_is_masked_for_a_grid_worker_and_outside_their_grid_refused(history):
    db = history
    whole = person.person_file(db, db.ids["张三"])
    assert whole.phone == "13700001111"
    accounts.attach(db, accounts.Session("w", "王网格", "grid_worker",
                                         frozenset({db.ids["grid1"]})))
    f = person.person_file(db, db.ids["张三"])
    assert "*" in f.id_number and f.id_number != make_id(seq="131")
    data = person_print.person_pdf(db, db.ids["张三"])
    text = pdf_text(data)
    assert "居民个人档案" in text and "张三" in text
    assert make_id(seq="131") not in text and "13700001111" not in text
    accounts.attach(db, accounts.Session("w2", "赵网格", "grid_worker", frozenset({"other"})))
    with pytest.raises(PermissionDenied):
        person.person_file(db, db.ids["张三"])


def test_printing_the_file_is_audited_and_on_the_timeline(history, tmp_path, capsys):
    db = history
    path = tmp_path / "community.sqlite"
    out = tmp_path / "zhang.pdf"
    assert main(["print", "person", "--db", str(path), "--resident", db.ids["张三"],
                 "--out", str(out)]) == 0
    text = pdf_text(out.read_bytes())
    assert "看望老人" in text and "大事记" in text
    assert make_id(seq="131") in text          # the administrator's copy: whole
    f = person.person_file(db, db.ids["张三"])
    newest = [e.text for e in f.timeline if e.at == f.timeline[0].at]
    assert "打印了个人档案" in newest
    assert db.conn.execute("SELECT count(*) FROM audit_log WHERE action = 'print' "
                           "AND row_id = ?", (db.ids["张三"],)).fetchone()[0] == 1
    assert main(["print", "person", "--db", str(path), "--resident", "nobody",
                 "--out", str(out)]) == 1
    assert "找不到这位居民" in capsys.readouterr().err


def test_a_source_whose_table_is_missing_gives_nothing(community, monkeypatch):
    source = person._other_feature("visits_not_here", ("visited_on",), "走访",
                                   lambda r: "走访")
    monkeypatch.setattr(person, "SOURCES", [*person.SOURCES, source])
    f = person.person_file(community, community.ids["李四"])
    assert all(e.kind != "走访" for e in f.timeline)
    with pytest.raises(FormError):
        person.person_file(community, "no-such-id")


def test_other_features_rows_join_the_timeline(community):
    """Key-person checks, care visits, events and sweeps (their tables, as those features
    write them) appear with who and when; the category rule on a check result matches."""
    db = community
    zhang, owner = db.ids["张三"], db.conn.execute(
        "SELECT community_id FROM residents WHERE id = ?", (db.ids["张三"],)).fetchone()[0]
    tables = set(db.table_names())
    if not {"keypersons", "care_visits", "incidents", "sweep_visits"} <= tables:
        pytest.skip("the other features' tables are not in this build")
    from db.node import transaction
    with transaction(db):
        db.conn.execute("INSERT INTO keyperson_lists (id, community_id, title, due_at, "
                        "imported_at) VALUES ('l1', ?, '第3批', '2026-12-06 18:00', "
                        "'2026-12-01 09:00')", (owner,))
        db.conn.execute("INSERT INTO keypersons (id, community_id, list_id, name, resident_id, "
                        "assigned_at) VALUES ('k1', ?, 'l1', '张三', ?, '2026-12-01 09:00:00')",
                        (owner, zhang))
        db.conn.execute("INSERT INTO keyperson_results (id, community_id, person_id, result, "
                        "recorded_by, recorded_at) VALUES ('r1', ?, 'k1', 'living_here', "
                        "'王网格', '2026-12-02 10:00:00')", (owner,))
        db.conn.execute("INSERT INTO care_visits (id, community_id, resident_id, visited_on, "
                        "method, visitor, visitor_name, wellbeing, recorded_at) VALUES "
                        "('v1', ?, ?, '2026-12-03', 'visit', 'grid_worker', '李网格', 'good', "
                        "'2026-12-03 15:00:00')", (owner, zhang))
        db.conn.execute("INSERT INTO incidents (id, community_id, kind, place, description, "
                        "resident_id, reported_at, reporter_name) VALUES ('i1', ?, '设施损坏', "
                        "'501', '楼道灯坏了', ?, '2026-12-04T08:00:00', '张三')", (owner, zhang))
    texts = {e.text: e for e in person.person_file(db, zhang).timeline}
    check = next(e for t, e in texts.items() if t.startswith("重点人员核查“第3批”"))
    assert check.by == "王网格" and "在本社区居住" in check.text
    visit = next(e for t, e in texts.items() if t.startswith("关爱走访"))
    assert visit.by == "李网格"
    assert any("楼道灯坏了" in t for t in texts)
    cid = categories.save_category(db, {"name": "在控", "colour": "#6a1b9a",
                                        "rule": "keyperson", "rule_value": "在本社区居住"})
    assert categories.of(db, [zhang])[zhang].category.id == cid
