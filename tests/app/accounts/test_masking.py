"""Who sees a person's whole ID number and phone: every role against every output (the ledgers
through the real `griddesk excel export`, an exported list, the registry lists as the window's
models read them, the case panel, the printed forms through `griddesk print`, the audit page and
its export). A role without "personal.reveal" never sees a whole number; a role with it sees
what its job needs there (app/accounts/masking.py says what that is)."""

from __future__ import annotations

from datetime import date

import openpyxl
import pypdfium2 as pdfium
import pytest

from app import accounts, isolation
from app.accounts import audit, masking
from app.cli import main
from app.ledger.exporter import export_list
from app.ledger.xlsx import ExportColumn
from db import registry as rq
from db.node import transaction
from tests.app.accounts.test_accounts import office  # noqa: F401  (the fixture)

USERS = ("admin", "wang", "doc", "cop", "dist")
BOTH, PHONE, NONE = {"id_number", "phone"}, {"phone"}, set()
CASE_PHONE = "13655556666"

# What each user sees whole in each output; an output missing for a user is refused to them
# (and writes nothing).
WHOLE: dict[str, dict[str, set[str]]] = {
    # the ledgers, reported upward: whole for a role that may reveal
    "residents": {"admin": BOTH, "dist": NONE},
    "households": {"admin": BOTH, "dist": NONE},
    "cases": {"admin": BOTH, "dist": NONE},
    "pairings": {"admin": BOTH, "dist": NONE},
    # a list as the window shows it (the registry's lists, exported): the role's list view
    "export_list": {"admin": PHONE, "dist": NONE},
    "registry_lists": {"admin": PHONE, "wang": PHONE, "doc": PHONE, "cop": BOTH, "dist": NONE},
    "case_panel": {"admin": PHONE, "wang": PHONE, "doc": PHONE, "cop": PHONE, "dist": NONE},
    "pairing_lists": {"admin": PHONE, "wang": PHONE, "dist": NONE},
    # the pledge is the person's own; the release form is handed over: masked for everyone
    "pledge": {"admin": BOTH, "wang": BOTH, "doc": BOTH},
    "release": {"admin": NONE, "wang": NONE, "doc": NONE},
    "audit": {"admin": PHONE},
}
# What an output carries at all (the case panel names no ID number, the release form no phone).
CARRIES = {"case_panel": {"phone"}, "pairing_lists": {"phone"}, "release": {"id_number"}}


@pytest.fixture
def people(office, monkeypatch):  # noqa: F811
    """The office with staff, an active case with its own phone and a released one."""
    db = office
    with transaction(db):
        staff = {role: rq.insert(db, "staff", {"name": f"{role}员", "role": role,
                                               "org_unit_id": db.ids["grid1"],
                                               "phone": f"1370000{n:04d}"})
                 for n, role in enumerate(("grid_worker", "police", "doctor"))}
    trio = {"grid_worker_id": staff["grid_worker"], "police_id": staff["police"],
            "doctor_id": staff["doctor"]}
    db.ids["case"] = isolation.register_case(
        db, kind="home_isolation", reason="密切接触者", started_on=date.today(),
        resident_id=db.ids["张三"], phone=CASE_PHONE, **trio)
    released = isolation.register_case(
        db, kind="home_isolation", reason="密切接触者", started_on=date(2026, 1, 1),
        planned_end=date(2026, 1, 7), resident_id=db.ids["李四"], **trio)
    with transaction(db):
        db.conn.execute("UPDATE isolation_cases SET status = 'released', "
                        "released_on = '2026-01-08', release_basis = 'period' WHERE id = ?",
                        (released,))
    db.ids["released"] = released
    monkeypatch.setenv("GRIDDESK_PASSWORD", "secret12")
    return db


def personal_values(db) -> dict[str, list[str]]:
    """Every whole ID number and phone of a person in the database."""
    ids = [r[0] for r in db.conn.execute(
        "SELECT id_number FROM residents WHERE id_number IS NOT NULL AND id_number != ''")]
    phones = [r[0] for r in db.conn.execute(
        "SELECT phone FROM residents WHERE phone != '' UNION SELECT phone FROM households "
        "WHERE phone != '' UNION SELECT phone FROM isolation_cases WHERE phone != '' "
        "UNION SELECT phone FROM party_members WHERE phone != ''")]
    return {"id_number": ids, "phone": phones}


def sign_in(db, user: str) -> None:
    accounts.forget_all()
    accounts.sign_in(db, user, "secret12")


def db_path(db) -> str:
    return db.conn.execute("PRAGMA database_list").fetchone()[2]


def xlsx_text(path) -> str:
    book = openpyxl.load_workbook(path, read_only=True)
    return "\n".join(str(v) for sheet in book.worksheets
                     for row in sheet.iter_rows(values_only=True) for v in row if v is not None)


def pdf_text(path) -> str:
    pdf = pdfium.PdfDocument(str(path))
    try:
        return "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf))
                       ).replace("\r", "").replace("\n", "")
    finally:
        pdf.close()


def cli(db, user: str, args: list[str]) -> int:
    accounts.forget_all()
    try:
        return main(["--user", user, *args])
    finally:
        accounts.forget_all()


# --- each output, as the user would get it: its text, or None when refused ---------------------

def ledger_via_cli(what: str):
    def run(db, user, tmp_path) -> str | None:
        out = tmp_path / f"{what}.xlsx"
        code = cli(db, user, ["excel", "export", "--db", db_path(db), "--what", what,
                              "--out", str(out)])
        if code != 0:
            assert code == 3 and not out.exists()
            return None
        return xlsx_text(out)
    return run


def registry_list_columns(db):
    from ui.registry.models import HouseholdTableModel, ResidentTableModel, SearchResultModel

    households = [r[0] for r in db.conn.execute("SELECT id FROM households WHERE deleted = 0")]
    residents = [r[0] for r in db.conn.execute("SELECT id FROM residents WHERE deleted = 0")]
    lists = []
    for model, ids in ((HouseholdTableModel(db), households),
                       (SearchResultModel(db), residents)):
        model.set_ids(ids)
        lists.append((model, ids))
    members = ResidentTableModel(db=db)
    from app import registry
    rows = []
    for h in households:
        rows += registry.residents_of_household(db, h)
    members.set_rows(rows)
    return lists, members


def model_text(model) -> str:
    while model.canFetchMore(model.index(-1, -1)):
        model.fetchMore(model.index(-1, -1))
    return "\n".join(str(model.data(model.index(r, c)) or "")
                     for r in range(model.rowCount()) for c in range(model.columnCount()))


def registry_lists(db, user, tmp_path) -> str:
    sign_in(db, user)
    lists, members = registry_list_columns(db)
    return "\n".join([model_text(m) for m, _ids in lists] + [model_text(members)])


def exported_list(db, user, tmp_path) -> str | None:
    """导出当前列表 of the registry's search list: its columns, read again by the worker."""
    sign_in(db, user)
    lists, _members = registry_list_columns(db)
    out = tmp_path / "list.xlsx"
    texts = []
    for model, ids in lists:
        columns = [ExportColumn(c.header, c.value) for c in model.columns()]
        rows = type(model).source(db, ids)
        try:
            export_list(db, out, "列表", columns, rows, total=len(ids))
        except accounts.PermissionDenied:
            assert not out.exists()
            return None
        texts.append(xlsx_text(out))
    return "\n".join(texts)


def case_panel(db, user, tmp_path) -> str:
    from ui.isolation.page import case_html

    sign_in(db, user)
    return case_html(isolation.case_detail(db, db.ids["case"]), accounts.current(db))


def pairing_lists(db, user, tmp_path) -> str | None:
    """The 党员联户 page's lists: the members, the unpaired households, the loads."""
    from ui.events import AppEvents
    from ui.pairing.page import PartyPage

    sign_in(db, user)
    if not accounts.current(db).can("pairing.view"):
        return None
    page = PartyPage(db, AppEvents())
    try:
        return "\n".join(model_text(m) for m in (
            page.members_tab.model, page.coverage_tab.unpaired, page.coverage_tab.loads))
    finally:
        page.deleteLater()


def printed(form: str):
    def run(db, user, tmp_path) -> str | None:
        out = tmp_path / f"{form}.pdf"
        if form == "pledge":
            args = ["print", "notices", "--case", db.ids["case"]]
        else:
            args = ["print", "release", "--case", db.ids["released"]]
        code = cli(db, user, [*args, "--db", db_path(db), "--out", str(out)])
        if code != 0:             # refused: the print command says why and writes nothing
            assert not out.exists()
            return None
        return pdf_text(out)
    return run


def audit_trail(db, user, tmp_path) -> str | None:
    """The audit page's rows and the Excel export of them."""
    sign_in(db, user)
    try:
        page = "\n".join(r.detail for r in audit.rows(db))
    except accounts.PermissionDenied:
        return None
    out = tmp_path / "audit.xlsx"
    code = cli(db, user, ["audit", "export", "--db", db_path(db), "--out", str(out)])
    assert code == 0
    return page + "\n" + xlsx_text(out)


OUTPUTS = {
    "residents": ledger_via_cli("residents"), "households": ledger_via_cli("households"),
    "cases": ledger_via_cli("cases"), "pairings": ledger_via_cli("pairings"),
    "export_list": exported_list, "registry_lists": registry_lists, "case_panel": case_panel,
    "pairing_lists": pairing_lists,
    "pledge": printed("pledge"), "release": printed("release"), "audit": audit_trail,
}


@pytest.mark.parametrize("output", list(OUTPUTS))
@pytest.mark.parametrize("user", USERS)
def test_each_role_sees_whole_only_what_its_job_needs(people, tmp_path, qapp, user, output):
    db = people
    values = personal_values(db)
    text = OUTPUTS[output](db, user, tmp_path)
    expected = WHOLE[output].get(user)
    if expected is None:
        assert text is None, f"{user} should not get {output}"
        return
    assert text is not None, f"{user} should get {output}"
    for kind, full in values.items():
        leaked = [v for v in full if v in text]
        if kind in expected:
            assert leaked, f"{user} should see a whole {kind} in {output}"
        else:
            assert not leaked, f"{user} sees whole {kind} {leaked} in {output}"
            assert kind not in CARRIES.get(output, BOTH) or any(
                masking.mask(kind, v) in text for v in full), f"{output}: {kind} masked"


def test_no_output_gives_the_district_a_whole_number(people, tmp_path, qapp):
    """The issue's report: the district's ledger exports wrote every ID number and phone."""
    values = personal_values(people)
    for output, run in OUTPUTS.items():
        text = run(people, "dist", tmp_path) or ""
        for full in values["id_number"] + values["phone"]:
            assert full not in text, f"区级 sees {full} in {output}"


def test_the_policy_in_one_table():
    admin, police = accounts.Session("a", "a", "admin"), accounts.Session("p", "p", "police")
    district = accounts.Session("d", "d", "district")
    number, phone = "11010519491231002X", "13912345678"
    assert masking.show(district, "id_number", number, masking.LEDGER) == "110105********002X"
    assert masking.show(district, "phone", phone, masking.LIST) == "139****5678"
    assert masking.show(admin, "id_number", number, masking.LEDGER) == number
    assert masking.show(admin, "id_number", number, masking.LIST) == "110105********002X"
    assert masking.show(admin, "phone", phone, masking.LIST) == phone
    assert masking.show(police, "id_number", number, masking.LIST) == number
    assert masking.show(admin, "id_number", number, masking.PUBLIC) == "110105********002X"
    assert masking.show(None, "phone", phone, masking.SIGNED) == "139****5678"
    assert masking.mask("phone", "139****5678") == "139****5678"    # never masked twice
    assert masking.mask("phone", "0371-66668888") == "0371-****8888"


def test_an_exported_list_masks_whatever_columns_it_is_given(people, tmp_path):
    """export_list masks by the column's header, so a list whose model shows raw numbers
    cannot hand them to the district through 导出当前列表."""
    values = personal_values(people)
    columns = [ExportColumn("姓名", lambda r: r["name"]),
               ExportColumn("身份证号", lambda r: r["id_number"], "code"),
               ExportColumn("联系电话", lambda r: r["phone"], "code")]
    rows = [dict(zip(("name", "id_number", "phone"), r, strict=True)) for r in people.conn.execute(
        "SELECT name, id_number, phone FROM residents")]
    for user, whole_kinds in (("dist", NONE), ("admin", PHONE)):
        sign_in(people, user)
        out = tmp_path / f"{user}.xlsx"
        export_list(people, out, "列表", columns, rows, total=len(rows))
        text = xlsx_text(out)
        for kind, full in values.items():
            assert any(v in text for v in full) == (kind in whole_kinds), (user, kind)


def test_the_audit_trail_masks_a_number_in_any_event(people):
    from db import audit as store

    entry = store.Entry(1, "2026-01-01T00:00:00", "admin", "export", None, None,
                        '{"what": "list", "phone": "13912345678", "id_number": '
                        '"11010519491231002X"}', "", "")
    admin = accounts.Session("a", "a", "admin")
    assert "139****5678" in audit.describe(entry, accounts.Session("d", "d", "district"))
    text = audit.describe(entry, admin)
    assert "13912345678" in text and "110105********002X" in text


def test_a_pledge_made_without_a_revealing_session_carries_no_whole_number(people):
    """The pledge takes its numbers from the policy too: a session that may not reveal (or
    none) gets them masked; the release form masks the ID number for everyone."""
    from app.isolation.forms import make_sheet
    from db.isolation import forms as q

    row = q.case_sheets(people, [people.ids["case"]])[people.ids["case"]]
    number = row["id_number"]
    district = accounts.Session("d", "d", "district")
    for session, whole_number in ((None, False), (district, False),
                                  (accounts.Session("w", "w", "grid_worker"), True)):
        sheet = make_sheet(row, [], [], date.today(), session)
        assert (sheet.context["id_number"] == number) == whole_number
        assert (sheet.context["phone"] == CASE_PHONE) == whole_number
        assert sheet.context["id_masked"] == masking.mask("id_number", number)
