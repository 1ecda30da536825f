"""Places without a window: bad input refused at its field with nothing saved, the list's
search and filters, kinds the office adds, the places ledger through the resident ledger's
reader (export, edit in Excel, dry run with row problems, import that updates instead of
duplicating), and the reopening pledge and acceptance form (serials, 补打, the acceptance
recorded as an inspection that opens the shop)."""

from datetime import date, datetime

import pypdfium2 as pdfium
import pytest
from openpyxl import load_workbook

from app import inspections, places
from app.cli import main
from app.database import open_community_db
from app.errors import FormError
from app.places import forms
from app.places import ledger as place_ledger


def pdf_text(data: bytes) -> str:
    pdf = pdfium.PdfDocument(data)
    try:
        return "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    finally:
        pdf.close()


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from app.demo import build_demo
    path = tmp_path_factory.mktemp("places") / "c.sqlite"
    build_demo(path, residents=300, pairings=False, isolation_cases=False)
    db = open_community_db(path)
    yield path, db
    db.conn.close()


def count(db):
    return db.conn.execute("SELECT count(*) FROM places").fetchone()[0]


def test_a_place_without_address_or_kind_is_refused_at_those_fields(demo):
    _, db = demo
    before = count(db)
    with pytest.raises(FormError) as refused:
        places.register(db, places.PlaceInput(name="无名小店", phone="123"))
    errors = refused.value.errors
    assert "场所类型" in errors["kind"] and "地址" in errors["address"]
    assert "phone" in errors
    assert count(db) == before


def test_register_search_filter_and_status(demo):
    _, db = demo
    compound_id, compound = places.compounds(db)[0]
    shop = places.register(db, places.PlaceInput(
        name="豫香糊涂面", kind="小餐饮", compound_id=compound_id, street_address="临街8号",
        manager="马国强", phone="13812345678", employees="3", status="停业"))
    row = places.get(db, shop)
    assert row["small_place"] == 1 and row["grid_id"] and row["address"].startswith(compound)
    assert places.place_ids(db, text="糊涂面") == [shop]
    assert shop in places.place_ids(db, text="马国强", status="suspended", small_only=True)
    assert shop not in places.place_ids(db, status="open")
    places.set_status(db, shop, "open")
    assert shop in places.place_ids(db, status="open")
    places.add_kind(db, "共享充电站")
    assert "共享充电站" in places.kinds(db)
    places.remove(db, shop)
    assert places.place_ids(db, text="糊涂面") == []


def test_places_ledger_exports_and_imports_through_the_ledger_reader(demo, tmp_path, capsys):
    path, db = demo
    out = tmp_path / "places.xlsx"
    assert main(["excel", "export", "--db", str(path), "--what", "places",
                 "--out", str(out)]) == 0
    held = len(places.place_ids(db))
    wb = load_workbook(out)
    ws = wb.active
    header = [c.value for c in ws[3]]
    assert header[:3] == ["序号", "场所名称", "场所类型"]
    name_col, phone_col = header.index("场所名称") + 1, header.index("联系电话") + 1
    first_name = ws.cell(4, name_col).value
    ws.cell(4, phone_col).value = "13999990000"                        # an update
    ws.append([None, "新开的水果店", "小商店", None, None, "桐柏路5号", None, "李丽",
               "13600001111", 2, "", "营业"])                           # a new place
    ws.append([None, "没有类型的店", None, None, None, "", None, "", "", "", "", "营业"])
    wb.save(out)
    assert main(["excel", "import", "--db", str(path), "--what", "places", str(out),
                 "--dry-run"]) == 0
    said = capsys.readouterr().out
    assert "将新登记场所 1 个，将更新 1 个" in said
    row = ws.max_row
    assert f"第{row}行 没有类型的店：请选择场所类型" in said and "请填写地址" in said
    assert len(places.place_ids(db)) == held                           # a dry run
    problems = tmp_path / "problems.xlsx"
    assert main(["excel", "import", "--db", str(path), "--what", "places", str(out),
                 "--problems", str(problems)]) == 0
    assert len(places.place_ids(db)) == held + 1
    [updated] = [r for r in places.places_by_ids(db, places.place_ids(db, text=first_name))
                 if r["phone"] == "13999990000"]
    assert updated
    again = place_ledger.read(problems)
    assert {"name", "kind", "address"} <= {c.guess for c in again.columns}
    assert place_ledger.plan_import(db, again, place_ledger.guess_mapping(again)).problems


def test_reopening_forms_carry_serials_reprints_say_so_and_acceptance_opens_the_shop(demo):
    _, db = demo
    shop = places.register(db, places.PlaceInput(name="同福药店（复工）", kind="小医院（诊所）",
                                                 street_address="嵩山路9号", status="停业"))
    first = pdf_text(forms.reopening_pdf(db, shop, now=datetime(2026, 12, 5, 9)))
    assert "复工复产承诺书" in first and "复工复产验收单" in first and "补打" not in first
    assert "4101020070032026C0001" in first and "□是 □否 □不适用" in first
    data = inspections.new_input(db, inspections.REOPENING_TEMPLATE, "place", shop)
    data.inspectors = "张三"
    data.answers = ["yes"] * (len(data.items) - 1) + ["no"]
    inspections.record(db, data)
    assert places.get(db, shop)["status"] == "suspended"              # failed: still closed
    data.answers[-1] = "yes"
    inspections.record(db, data)
    assert places.get(db, shop)["status"] == "open"
    again = pdf_text(forms.reopening_pdf(db, shop, ("pledge",), now=datetime(2026, 12, 6)))
    assert "补打" in again and "4101020070032026C0001" in again
    accepted = pdf_text(forms.reopening_pdf(db, shop, ("acceptance",)))
    assert "验收结论：合格，同意复工复产。" in accepted and "补打" not in accepted
    assert date.today().strftime("%Y年") in accepted
    with pytest.raises(FormError, match="找不到名为"):
        places.find(db, "没有这个店")
