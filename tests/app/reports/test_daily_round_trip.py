"""The sweep and the daily report through real bundle files: a district-made sweep goes down
to every community, outcomes and a confirmed report come up, the district's table of a day
shows each community's report with the missing one flagged and sums by street, printed on
one page and in Excel with every figure equal to the data."""

from datetime import date, timedelta

import openpyxl
import pypdfium2 as pdfium
import pytest

from app import accounts, reports, sweeps
from app.cli import main as cli
from app.database import open_community_db
from app.errors import FormError
from app.reports import printing
from app.sync import engine
from db.node import get_meta, transaction
from tests.app.sync.test_sync import new_community, send


def pdf_text(path) -> tuple[int, str]:
    pdf = pdfium.PdfDocument(str(path))
    pages = len(pdf)
    text = "".join(pdf[i].get_textpage().get_text_range() for i in range(pages))
    pdf.close()
    return pages, text


def sync(a, b, folder):
    """a's changes to b, through files as on a USB stick."""
    _paths, outcomes = send(a, b, folder)
    assert all(o.status == "applied" for o in outcomes), [o.message for o in outcomes]


def cid(db) -> str:
    return get_meta(db, "community_id")


@pytest.fixture(scope="module")
def keys_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("daily-data")


@pytest.fixture(autouse=True)
def _same_keys(keys_dir, monkeypatch):
    # The offices' keys live in the data folder: the module's offices keep theirs.
    monkeypatch.setenv("GRIDDESK_DATA_DIR", str(keys_dir))


@pytest.fixture(scope="module")
def world(tmp_path_factory, keys_dir):
    tmp = tmp_path_factory.mktemp("daily")
    patch = pytest.MonkeyPatch()
    patch.setenv("GRIDDESK_DATA_DIR", str(keys_dir))
    district = open_community_db(tmp / "district.sqlite", create=True)
    engine.create_district(district, "中原区", "410102")
    a = new_community(tmp, "长江路社区", "410102007003")
    b = new_community(tmp, "建设路社区", "410102008001", (("王五", "153"),))
    for c in (a, b):
        engine.enroll_by_files(c, district, tmp / f"enroll-{engine.own_code(c)}")
    patch.undo()
    return tmp, district, a, b


def test_sweep_down_outcomes_and_report_up_district_table(world, tmp_path):
    _tmp, district, a, b = world
    today = date.today()
    sweep_id = sweeps.create_sweep(district, "全区入户排查", today - timedelta(days=1),
                                   today + timedelta(days=3))
    for c in (a, b):
        sync(district, c, tmp_path / f"down-{cid(c)}")
        seen = sweeps.sweeps(c)
        assert [s.title for s in seen] == ["全区入户排查"] and seen[0].by_district

    # A community records its household; it cannot end the district's sweep.
    household = a.ids["household"]
    assert sweeps.pending_ids(a, sweep_id) == [household]
    sweeps.record_visit(a, sweep_id, household, "absent")
    visit = sweeps.record_visit(a, sweep_id, household, "done", people=2, returnees=1,
                                returnee_origin="广州市白云区", returned_on=today)
    assert len(sweeps.visits(a, sweep_id, household)) == 2       # the first one is kept
    assert sweeps.pending_ids(a, sweep_id) == []
    assert sweeps.returnee_case_prefill(a, visit)["origin"] == "广州市白云区"
    with pytest.raises(accounts.PermissionDenied):
        sweeps.close_sweep(a, sweep_id)

    draft = reports.assemble(a)
    assert draft.figures["sweep_households"] == 1 and draft.figures["sweep_visited"] == 1
    assert draft.figures["returnees"] == 1 and draft.origins == [("广州市白云区", 1)]
    first = reports.confirm(a)
    assert first.confirmed and first.confirmed_by
    for c in (a, b):
        sync(c, district, tmp_path / f"up-{cid(c)}")

    by_community = {p.label: p for p in sweeps.progress(district, sweep_id, "community")}
    assert by_community["长江路社区"].finished == 1 and by_community["建设路社区"].pending == 1

    table = reports.district_table(district, today)
    lines = {line.name: line for g in table.streets for line in g.lines}
    assert lines["建设路社区"].missing and not lines["长江路社区"].missing
    assert lines["长江路社区"].report.figures == first.figures
    assert table.missing == 1 and table.communities == 2
    street, = table.streets
    assert street.street == "林山寨街道" and street.sums == first.figures == table.sums

    # Printed: one page, every figure present; Excel: the same numbers, 未报 flagged.
    pdf = printing.write_pdf(district, tmp_path / "day.pdf", today)
    pages, text = pdf_text(pdf)
    assert pages == 1 and "建设路社区（未报）" in text
    assert "中原区各社区疫情防控工作日报汇总表" in text
    assert "全区合计（1/2已报）" in text and "广州市白云区 1人" in text
    xlsx = printing.write_xlsx(district, tmp_path / "day.xlsx", today)
    rows = list(openpyxl.load_workbook(xlsx).active.iter_rows(min_row=5, values_only=True))
    row_a = next(r for r in rows if r[1] == "长江路社区")
    assert list(row_a[2:]) == [first.figures[k] for k in reports.KEYS]
    assert next(r for r in rows if r[1] == "建设路社区")[2] == reports.MISSING

    # A correction keeps the report it replaces; the district then shows the new one.
    with pytest.raises(FormError) as same:
        reports.confirm(a)
    assert "不用重复确认" in same.value.message
    sweeps.record_visit(a, sweep_id, household, "done", people=3, returnees=2,
                        returnee_origin="广州市白云区")
    with pytest.raises(FormError) as no_reason:
        reports.confirm(a)
    assert "更正原因" in no_reason.value.errors["reason"]
    second = reports.confirm(a, reason="补录返回人员")
    assert second.replaces == first.id
    sync(a, district, tmp_path / "up-again")
    shown = reports.district_table(district, today).streets[0].lines
    assert next(x for x in shown if x.name == "长江路社区").report.figures["returnees"] == 2
    kept = reports.versions(district, today, cid(a))
    assert [v.id for v in kept] == [second.id, first.id]


def test_future_day_refused_everywhere(world, tmp_path, capsys):
    _tmp, district, a, _b = world
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    for call in (lambda: reports.assemble(a, tomorrow), lambda: reports.confirm(a, tomorrow),
                 lambda: reports.district_table(district, tomorrow)):
        with pytest.raises(FormError) as err:
            call()
        assert "不能为以后的日期" in err.value.message
    code = cli(["report", "daily", "--db", str(a.conn.execute("PRAGMA database_list")
                                               .fetchone()[2]), "--date", tomorrow,
                "--out", str(tmp_path / "x.pdf")])
    assert code == 1 and "不能为以后的日期" in capsys.readouterr().err
    assert not (tmp_path / "x.pdf").exists()


def test_community_pdf_from_the_command_line_shows_every_figure(world, tmp_path, capsys):
    _tmp, _district, a, _b = world
    path = a.conn.execute("PRAGMA database_list").fetchone()[2]
    assert cli(["report", "daily", "--db", path, "--out", str(tmp_path / "a.pdf")]) == 0
    pages, text = pdf_text(tmp_path / "a.pdf")
    shown = printing.community_report(a)
    assert pages == 1 and "长江路社区疫情防控工作日报" in text
    lines = [line.strip() for line in text.splitlines()]
    for key, label in reports.FIGURES:      # each figure's line: its label and its number
        assert f"{label} {shown.figures[key]}" in lines, label
    assert cli(["report", "daily", "--db", path, "--out", str(tmp_path / "a.txt")]) == 2
    assert ".pdf 或 .xlsx" in capsys.readouterr().err


def test_the_district_records_no_outcome_and_confirms_no_report(world):
    _tmp, district, _a, _b = world
    accounts.create_first_admin(district, "quadmin", "区管理员", "Secret-2026x")
    sweep = sweeps.sweeps(district)[0]
    household = district.conn.execute("SELECT id FROM households LIMIT 1").fetchone()[0]
    with pytest.raises(accounts.PermissionDenied):
        sweeps.record_visit(district, sweep.id, household, "done", people=1)
    with pytest.raises(FormError):
        reports.confirm(district)


def test_a_stored_report_is_read_as_hostile():
    """A report that arrived with figures that are not counts is shown with zeros there and
    flagged, never summed as given."""
    row = {"id": "r1", "community_id": "c1", "report_on": "2026-12-01",
           **dict.fromkeys(reports.KEYS, 3), "active_isolation": -5, "fevers": "9",
           "returnee_origins": '{"上海": 2, "x": -1}', "confirmed_by": "某人",
           "confirmed_at": "2026-12-01T17:00:00"}
    report = reports._from_row(row)
    assert report.suspect and report.figures["active_isolation"] == 0
    assert report.figures["fevers"] == 0 and report.origins == [("上海", 2)]
    row.update({"active_isolation": 1, "fevers": 1, "returnee_origins": "{}"})
    assert not reports._from_row(row).suspect


def test_the_district_cannot_rewrite_a_community_report(world, tmp_path):
    """Last in this module: it leaves the district with a change no bundle may carry."""
    _tmp, district, a, _b = world
    report = reports.standing(a)
    assert report is not None
    with transaction(district):        # a district-side edit, past the app's refusal
        district.conn.execute("UPDATE daily_reports SET fevers = 99 WHERE id = ?",
                              (report.id,))
    _paths, outcomes = send(district, a, tmp_path / "forged")
    assert [o.status for o in outcomes] == ["refused"] and "日报" in outcomes[0].message
    assert reports.standing(a).figures["fevers"] == report.figures["fevers"]
