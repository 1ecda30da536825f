"""Ledger import without Qt: messy real-world layouts in, every problem row reported with its row
number and reason, nothing written by a dry run or a refused or failed import, re-imports that
update the same people."""

from __future__ import annotations

import random
import zipfile

import openpyxl
import pytest

from app import registry
from app.errors import FormError
from app.ledger import importer as li
from app.validation import check_character
from db import changelog
from tests.conftest import make_id

WANG = make_id(seq="553")
SUN = make_id(birth="19750312", seq="211")
ZHAO_GOOD = make_id(birth="19660708", seq="235")
ZHAO_BAD = ZHAO_GOOD[:-1] + ("1" if ZHAO_GOOD[-1] != "1" else "2")
QIAN_BAD = make_id(birth="19900230", seq="248")            # 30 February
QIAN_GOOD = make_id(birth="19900228", seq="248")
ZHENG = make_id(birth="19881111", seq="259")
FENG_GOOD = make_id(birth="19700101", seq="101")


def chen_numbers() -> tuple[int, str]:
    """A real ID number and what Excel made of it in a number cell: the first 15 digits and
    000 (chosen so that 000 is not by chance a valid ending)."""
    for d in "123456789":
        good = make_id(seq=f"{d}23")
        cut = good[:15] + "000"
        if check_character(cut[:17]) != "0":
            return int(cut), good
    raise AssertionError("no such number")


CHEN_CUT, CHEN_GOOD = chen_numbers()


def messy_ledger(path, *, corrected: bool = False, wang_phone: str = "13800138000") -> None:
    """XX社区居民信息台账 as offices keep it: a merged title, two header rows (住址 over 楼号,
    单元, 房号), the compound and building merged down their columns, a blank spacer row,
    a totals row; and, unless corrected, a row with each kind of problem."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "居民信息"
    ws["A1"] = "长江路社区居民信息台账"
    ws.merge_cells("A1:L1")
    upper = ["序号", "小区名称", "姓 名", "性别", "公民身份号码", "住址", None, None,
             "手机号码", "政治面貌", "与户主关系", "备注"]
    lower = [None, None, None, None, None, "楼号", "单元", "房号", None, None, None, None]
    ws.append(upper)
    ws.append(lower)
    for col in "ABCDEIJKL":
        ws.merge_cells(f"{col}2:{col}3")
    ws.merge_cells("F2:H2")
    zhang = make_id(seq="131")
    li_si = make_id(birth="19820304", seq="142")
    rows = [
        # 4: 张三, registered already; a new phone
        [1, "锦绣花园", "张三", "男", zhang, "3", 2, 501, 13700001111, "群众", "户主", None],
        # 5: a new resident of an existing household, a Party member
        [2, None, "王五", "男", WANG, None, "2单元", "502", wang_phone, "中共党员", "本人", None],
        # 6: blank spacer row (only the merged columns carry values)
        [None] * 12,
        # 7: wrong check character
        [3, None, "赵六", "男", ZHAO_GOOD if corrected else ZHAO_BAD, None, 2, "502",
         None, None, "父亲", None],
        # 8: impossible birth date in the number
        [4, None, "钱七", "女", QIAN_GOOD if corrected else QIAN_BAD, None, 2, "502",
         None, None, "母亲", None],
        # 9: a new building 7 (merged down from here)
        [5, None, "孙八", "男", SUN, "7", 1, 101, "13911112222", "中共党员", "户主", "新搬来"],
        # 10: the same person again
        [6, None, "孙八", "男", SUN, None, 1, 101, "13911112222", "中共党员", "户主", "新搬来"],
        # 11: 李四's number under another name
        [7, None, "李思", "女", li_si, None, 1, 102, None, None, "户主", None],
        # 12: no door number
        [8, None, "郑十", "男", ZHENG, None, 1, "102" if corrected else None, None, None,
         "配偶", None],
        # 13: Excel stored the number as a number: 4.10102E+17
        [9, None, "冯十一", "男", FENG_GOOD if corrected else float(FENG_GOOD), None, 1, 103,
         None, None, "户主", None],
        # 14: ...and the last digits became 000 (copied from a cell formatted "0")
        [10, None, "陈十二", "男", CHEN_GOOD if corrected else str(CHEN_CUT), None, 1, 103,
         None, None, "子女", None],
    ]
    for r in rows:
        ws.append(r)
    ws.append(["合计", None, "共10人"] + [None] * 9)
    ws.merge_cells("B4:B14")
    ws.merge_cells("F4:F8")
    ws.merge_cells("F9:F14")
    ws.cell(13, 5).number_format = "0"
    wb.save(path)


@pytest.fixture
def ledger_file(tmp_path):
    path = tmp_path / "台账.xlsx"
    messy_ledger(path)
    return path


def plan_for(db, path, **kw):
    ledger = li.read_ledger(path)
    mapping = li.guess_mapping(ledger, li.remembered_mapping(db))
    return ledger, mapping, li.plan_import(db, ledger, mapping, **kw)


def problem(plan, row):
    found = [p for p in plan.problems if p.row == row]
    assert found, f"no problem reported for row {row}: {plan.problems}"
    return " ".join(found[0].messages)


def test_messy_ledger_layout_is_understood(ledger_file):
    ledger = li.read_ledger(ledger_file)
    assert ledger.kind == "xlsx" and ledger.sheet == "居民信息"
    assert ledger.title == "长江路社区居民信息台账"
    assert ledger.header_rows == [2, 3]
    mapping = li.guess_mapping(ledger)
    by_letter = {c.letter: mapping.get(c.index) for c in ledger.columns}
    assert by_letter == {"A": None, "B": "compound", "C": "name", "D": "sex", "E": "id_number",
                         "F": "building", "G": "unit", "H": "door", "I": "phone",
                         "J": "political", "K": "relation", "L": "note"}
    labels = {c.letter: c.label for c in ledger.columns}
    assert labels["F"] == "住址 / 楼号"
    # merged cells carried down: the compound and the building on every row
    assert ledger.rows[8][1] == "锦绣花园" and ledger.rows[13][5] == "7"


def test_dry_run_reports_every_problem_row_with_its_reason(community, ledger_file):
    _ledger, _mapping, plan = plan_for(community, ledger_file)
    rows = {p.row for p in plan.problems if p.skipped}
    assert rows == {7, 8, 10, 11, 12, 13, 14}
    assert "校验位" in problem(plan, 7) and ZHAO_GOOD[-1] in problem(plan, 7)
    assert "1990年2月30日不存在" in problem(plan, 8)
    assert "与第9行重复" in problem(plan, 10)
    assert "李四" in problem(plan, 11) and "姓名不同" in problem(plan, 11)
    assert "缺少门牌号" in problem(plan, 12)
    assert "4.10102E+17" in problem(plan, 13) and "Excel" in problem(plan, 13)
    assert "000" in problem(plan, 14) and "Excel" in problem(plan, 14)
    assert plan.skipped_rows == 2          # the spacer row and the totals row
    assert plan.data_rows == 10
    assert plan.good_rows == 3             # 张三 (update), 王五, 孙八
    assert plan.new_residents == 2
    assert [c.name for c in plan.updated_residents] == ["张三"]
    assert ("联系电话", "13912345678", "13700001111") in plan.updated_residents[0].changes
    assert plan.new_buildings == ["锦绣花园7号楼"]
    assert plan.new_units == ["锦绣花园7号楼1单元"]
    assert plan.new_households == 1
    assert sorted(plan.new_party_members) == ["孙八", "王五"]
    assert plan.new_compounds == []


def test_dry_run_writes_nothing(community, ledger_file):
    seq, counts = changelog.last_seq(community), registry.counts(community)
    plan_for(community, ledger_file)
    assert changelog.last_seq(community) == seq
    assert registry.counts(community) == counts
    assert li.remembered_mapping(community) == {}


def test_import_good_rows_creates_places_people_and_party_members(community, ledger_file):
    ledger, mapping, _ = plan_for(community, ledger_file)
    before = registry.counts(community)
    plan = li.import_ledger(community, ledger, mapping)
    assert plan.applied
    after = registry.counts(community)
    assert after["residents"] == before["residents"] + 2
    assert after["buildings"] == before["buildings"] + 1
    assert after["households"] == before["households"] + 1
    assert after["party_members"] == before["party_members"] + 2
    wang = registry.resident_rows(community, registry.search_residents(community, "王五"))[0]
    assert wang["address"] == "锦绣花园 3号楼2单元502"
    assert wang["relation"] == "户主"    # 本人 reads as 户主
    assert wang["birth_date"] == "1980-01-01" and wang["sex"] == "M"
    sun = registry.resident_rows(community, registry.search_residents(community, "孙八"))[0]
    assert sun["address"] == "锦绣花园 7号楼1单元101" and sun["note"] == "新搬来"
    household = registry.get(community, "households", sun["household_id"])
    assert household["floor"] == 1
    members = {m["name"]: m for m in registry.party_members(community)}
    assert members["王五"]["phone"] == "13800138000"
    assert members["孙八"]["address"] == "锦绣花园 7号楼1单元101"
    zhang = registry.get(community, "residents", community.ids["张三"])
    assert zhang["phone"] == "13700001111"
    assert zhang["relation"] == "户主" and zhang["deleted"] == 0


def test_reimport_of_corrected_file_updates_the_same_people(community, ledger_file, tmp_path):
    ledger, mapping, _ = plan_for(community, ledger_file)
    li.import_ledger(community, ledger, mapping)
    count = registry.counts(community)["residents"]
    fixed = tmp_path / "台账-改.xlsx"
    messy_ledger(fixed, corrected=True, wang_phone="13800138001")
    ledger2, mapping2, plan = plan_for(community, fixed)
    # only 李思 (somebody else's number) is still refused, and the repeated 孙八
    assert {p.row for p in plan.problems if p.skipped} == {10, 11}
    assert plan.new_residents == 5    # 赵六 钱七 郑十 冯十一 陈十二, now correct
    changed = {c.name: c.changes for c in plan.updated_residents}
    assert changed == {"王五": [("联系电话", "13800138000", "13800138001")]}
    assert plan.unchanged_residents == 2    # 张三 and 孙八 as imported before
    assert plan.new_buildings == [] and plan.new_households == 2   # 7号楼1单元102 and 103
    li.import_ledger(community, ledger2, mapping2)
    assert registry.counts(community)["residents"] == count + 5
    hits = registry.search_residents(community, WANG)
    assert len(hits) == 1
    assert registry.get(community, "residents", hits[0])["phone"] == "13800138001"
    # a third time: nothing left to do
    _l, _m, again = plan_for(community, fixed)
    assert again.new_residents == 0 and again.updated_residents == []


def test_match_by_name_and_door_when_the_number_was_wrong(community, tmp_path):
    """A resident typed in with a passport number is the same person as the ledger's row with
    his ID number: same name, same door."""
    hid = community.ids["h502"]
    rid = registry.add_resident(community, {"household_id": hid, "name": "刘一",
                                            "id_kind": "passport", "id_number": "E12345678"})
    path = tmp_path / "a.csv"
    number = make_id(birth="19930505", seq="271")
    path.write_text("姓名,证件号码,住址\n"
                    f"刘一,{number},锦绣花园3号楼2单元502\n", encoding="utf-8")
    _ledger, _mapping, plan = plan_for(community, path)
    assert plan.new_residents == 0
    [change] = plan.updated_residents
    assert change.name == "刘一"
    assert ("证件号码", "E12345678", number) in change.changes
    assert ("证件类型", "护照", "居民身份证") in change.changes
    li.import_ledger(community, _ledger, _mapping)
    assert registry.get(community, "residents", rid)["id_number"] == number


def test_failure_while_writing_leaves_nothing_half_imported(community, ledger_file,
                                                            monkeypatch):
    ledger, mapping, _ = plan_for(community, ledger_file)
    seq, counts = changelog.last_seq(community), registry.counts(community)
    real_insert = li.q.insert

    def failing_insert(db, table, values, **kw):
        if table == "residents" and values.get("name") == "孙八":
            raise RuntimeError("disk full")
        return real_insert(db, table, values, **kw)

    monkeypatch.setattr(li.q, "insert", failing_insert)
    with pytest.raises(RuntimeError):
        li.import_ledger(community, ledger, mapping)
    assert changelog.last_seq(community) == seq
    assert registry.counts(community) == counts
    assert li.remembered_mapping(community) == {}


def test_cancel_rolls_everything_back(community, ledger_file, monkeypatch):
    ledger, mapping, _ = plan_for(community, ledger_file)
    seq, counts = changelog.last_seq(community), registry.counts(community)
    stop = {"now": False}
    real_insert = li.q.insert

    def insert_then_cancel(db, table, values, **kw):
        stop["now"] = True   # she presses cancel once writing has begun
        return real_insert(db, table, values, **kw)

    monkeypatch.setattr(li.q, "insert", insert_then_cancel)
    with pytest.raises(li.ImportCancelled):
        li.import_ledger(community, ledger, mapping, cancelled=lambda: stop["now"])
    assert changelog.last_seq(community) == seq
    assert registry.counts(community) == counts


def test_problem_rows_go_out_with_a_problem_column_and_come_back_in(community, ledger_file,
                                                                    tmp_path):
    ledger, mapping, plan = plan_for(community, ledger_file)
    out = tmp_path / "问题行.xlsx"
    assert li.write_problems(out, ledger, mapping, plan) == 7
    ws = openpyxl.load_workbook(out).active
    header = [c.value for c in ws[3]]
    assert header[:2] == ["问题", "原行号"]
    assert "证件号码" not in header and "身份证号" in header and "门牌号" in header
    assert ws.freeze_panes == "A4"
    rows = list(ws.iter_rows(min_row=4, values_only=True))
    assert [r[1] for r in rows] == [7, 8, 10, 11, 12, 13, 14]
    assert "校验位" in rows[0][0]
    id_col = header.index("身份证号") + 1
    cell = ws.cell(4, id_col)
    assert cell.data_type == "s" and cell.number_format == "@" and cell.value == ZHAO_BAD
    assert ws.cell(9, id_col).value == "4.10102E+17"   # 冯十一, the 6th problem row
    # she fixes 赵六's number in Excel and imports the file again
    ws.cell(4, id_col).value = ZHAO_GOOD
    ws.parent.save(out)
    again = li.read_ledger(out)
    again_mapping = li.guess_mapping(again)
    assert "问题" not in {again.columns[i].label for i in again_mapping}
    plan2 = li.plan_import(community, again, again_mapping)
    # 赵六 (row 4 of this file) is fine now; 钱七, 李思, 郑十, 冯十一, 陈十二 still wait for her
    assert {p.row for p in plan2.problems} == {5, 7, 8, 9, 10}


@pytest.mark.parametrize("text, field", [
    ("姓名", "name"), ("姓  名", "name"), ("*姓名", "name"), ("身份证号", "id_number"),
    ("身份证号码", "id_number"), ("公民身份号码", "id_number"), ("身份证号码（18位）", "id_number"),
    ("联系电话", "phone"), ("手机号码", "phone"), ("楼栋", "building"), ("楼号", "building"),
    ("单元", "unit"), ("房号", "door"), ("门牌号", "door"), ("住址", "address"),
    ("与户主关系", "relation"), ("性别", "sex"), ("出生日期", "birth_date"), ("民族", "ethnicity"),
    ("政治面貌", "political"), ("备注", "note"), ("小区（楼院）", "compound"),
    ("序号", li.IGNORE), ("问题", li.IGNORE), ("XX社区居民信息台账", None),
])
def test_header_synonyms(text, field):
    assert li.match_header(text) == field


CSV = ("长江路社区居民台账\n"
       "姓名,身份证号码,联系电话,住址,民族,居住类型\n"
       "{name},{id},13600001234,锦绣花园3号楼2单元502,汉,流动人口\n"
       ",,,,,\n")


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-8"])
def test_csv_in_gbk_gb18030_and_utf8_with_bom(community, tmp_path, encoding):
    path = tmp_path / "台账.csv"
    number = make_id(birth="19950505", seq="282")
    path.write_bytes(CSV.format(name="欧阳喆", id=number).encode(encoding))
    ledger, mapping, plan = plan_for(community, path)
    assert ledger.kind == "csv" and ledger.header_rows == [2]
    assert plan.problems == [] and plan.new_residents == 1
    li.import_ledger(community, ledger, mapping)
    row = registry.resident_rows(community, registry.search_residents(community, number))[0]
    assert (row["name"], row["ethnicity"], row["residency"]) == ("欧阳喆", "汉族", "floating")
    assert row["address"] == "锦绣花园 3号楼2单元502"


def test_address_without_compound_uses_the_chosen_compound(community, tmp_path):
    path = tmp_path / "b.csv"
    path.write_text("姓名,身份证号码,住址\n"
                    f"马一,{make_id(birth='19700505', seq='293')},5号楼101室\n"
                    f"马二,{make_id(birth='19700506', seq='305')},3-1-201\n", encoding="utf-8")
    ledger, mapping, plan = plan_for(community, path)
    assert all("缺少小区" in " ".join(p.messages) for p in plan.problems)
    plan = li.plan_import(community, ledger, mapping,
                          li.ImportOptions(default_compound="锦绣花园"))
    assert plan.problems == []
    assert plan.new_households == 1 and plan.new_buildings == []   # 101 is 曾志伟's home
    li.import_ledger(community, ledger, mapping, li.ImportOptions(default_compound="锦绣花园"))
    rows = registry.resident_rows(community, registry.search_residents(community, "马"))
    assert {r["address"] for r in rows} == {"锦绣花园 5号楼1单元101", "锦绣花园 3号楼1单元201"}


def test_mapping_she_corrects_is_remembered_for_the_next_file(community, tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("姓名,身份证号码,楼栋,单元,房号,户主手机\n"
                    f"牛一,{make_id(birth='19600101', seq='317')},3,2,502,13500001111\n",
                    encoding="utf-8")
    ledger = li.read_ledger(path)
    mapping = li.guess_mapping(ledger)
    assert 5 not in mapping   # 户主手机 is not a known header
    mapping[5] = "phone"
    li.import_ledger(community, ledger, mapping,
                     li.ImportOptions(default_compound="锦绣花园"))
    again = li.guess_mapping(li.read_ledger(path), li.remembered_mapping(community))
    assert again[5] == "phone"


def test_mapping_without_name_or_door_is_refused(community, ledger_file):
    ledger = li.read_ledger(ledger_file)
    mapping = li.guess_mapping(ledger)
    del mapping[2]                      # 姓名
    with pytest.raises(FormError) as err:
        li.plan_import(community, ledger, mapping)
    assert "姓名" in err.value.message
    mapping = li.guess_mapping(ledger)
    mapping[8] = "id_number"            # two columns for one field
    with pytest.raises(FormError) as err:
        li.plan_import(community, ledger, mapping)
    assert "E列、I列" in err.value.message


@pytest.mark.parametrize("name, content, words", [
    ("台账.xlsx", b"", "空文件"),
    ("台账.xlsx", random.Random(6).randbytes(4096), "已损坏"),
    ("台账.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "已损坏"),
    ("台账.csv", random.Random(7).randbytes(4096), "不是表格"),
    ("台账.xls", b"<html><body><table><tr><td>1</td></tr></table></body></html>", "网页"),
])
def test_broken_files_get_a_clear_message_and_nothing_is_written(community, tmp_path, name,
                                                                 content, words):
    path = tmp_path / name
    path.write_bytes(content)
    seq = changelog.last_seq(community)
    with pytest.raises(li.LedgerError) as err:
        li.read_ledger(path)
    assert words in err.value.message and "请" in err.value.message
    assert changelog.last_seq(community) == seq


def test_zip_that_is_no_workbook_and_sheet_without_header(tmp_path):
    path = tmp_path / "x.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(li.LedgerError) as err:
        li.read_ledger(path)
    assert "另存为" in err.value.message
    wb = openpyxl.Workbook()
    wb.active.append(["一", "二"])
    wb.active.append([1, 2])
    wb.save(path)
    with pytest.raises(li.LedgerError) as err:
        li.read_ledger(path)
    assert "没有找到表头" in err.value.message


def test_cli_dry_run_and_import(community, ledger_file, tmp_path, capsys):
    from app.cli import main

    db_path = tmp_path / "community.sqlite"
    seq = changelog.last_seq(community)
    problems = tmp_path / "problems.xlsx"
    assert main(["excel", "import", "--db", str(db_path), str(ledger_file), "--dry-run",
                 "--problems", str(problems)]) == 0
    out = capsys.readouterr().out
    assert "第7行 赵六" in out and "只检查" in out and problems.exists()
    assert changelog.last_seq(community) == seq
    assert main(["excel", "import", "--db", str(db_path), str(ledger_file)]) == 0
    assert "已新增居民 2 人" in capsys.readouterr().out
    assert registry.counts(community)["residents"] == 6
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"")
    assert main(["excel", "import", "--db", str(db_path), str(bad)]) == 1
    assert "空文件" in capsys.readouterr().err


def test_text_table_under_an_excel_name_and_the_sheet_with_the_ledger(community, tmp_path):
    # web systems export tab-separated text named .xls
    number = make_id(birth="19770707", seq="329")
    path = tmp_path / "导出.xls"
    path.write_text(f"姓名\t身份证号码\t住址\n杨一\t{number}\t锦绣花园3号楼2单元502\n",
                    encoding="gbk")
    ledger, _mapping, plan = plan_for(community, path)
    assert ledger.kind == "csv" and plan.new_residents == 1
    # a workbook whose first sheet is a cover note: the ledger sheet is found by its header
    wb = openpyxl.Workbook()
    wb.active.title = "说明"
    wb.active["A1"] = "本表由网格员填写，每月更新"
    sheet = wb.create_sheet("3号楼")
    sheet.append(["姓名", "身份证号码", "楼栋", "单元", "房号"])
    sheet.append(["杨一", number, "3号楼", "2单元", "502室"])
    book = tmp_path / "两页.xlsx"
    wb.save(book)
    ledger, _mapping, plan = plan_for(community, book, options=li.ImportOptions("锦绣花园"))
    assert ledger.sheet == "3号楼" and ledger.sheets == ["说明", "3号楼"]
    assert plan.problems == [] and plan.new_residents == 1
    with pytest.raises(li.LedgerError) as err:   # she picks the cover sheet: no header there
        li.read_ledger(book, sheet="说明")
    assert "没有找到表头" in err.value.message


def test_old_xls_ledger_with_merged_cells_numbers_and_dates(community, tmp_path):
    """An Excel 97-2003 file: merged title and building cells, an ID number typed into a
    number cell, a birth date cell, a phone stored as a number."""
    xlwt = pytest.importorskip("xlwt")
    from datetime import datetime

    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet("台账")
    ws.write_merge(0, 0, 0, 6, "长江路社区居民信息台账")
    for c, h in enumerate(["小区", "楼栋", "单元", "房号", "姓名", "身份证号码", "出生日期",
                           "联系电话"]):
        ws.write(1, c, h)
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    good = make_id(birth="19850615", seq="336")
    rows = [("锦绣花园", "3", "2", 502, "白一", good, datetime(1985, 6, 15), 13512345678),
            (None, None, "2", 502, "白二", float(make_id(birth="19860101", seq="348")), None,
             None)]
    for r, values in enumerate(rows, 2):
        for c, v in enumerate(values):
            if v is not None and c > 1:   # compound and building: merged cells, below
                style = date_style if isinstance(v, datetime) else xlwt.Style.default_style
                ws.write(r, c, v, style)
    ws.write_merge(2, 3, 0, 0, "锦绣花园")
    ws.write_merge(2, 3, 1, 1, "3")
    path = tmp_path / "老台账.xls"
    book.save(str(path))
    ledger, mapping, plan = plan_for(community, path)
    assert ledger.kind == "xls" and ledger.header_rows == [2]
    assert ledger.title == "长江路社区居民信息台账"
    assert ledger.rows[3][1] == "3"                      # merged down
    assert plan.new_residents == 1
    assert "4.10102E+17" in problem(plan, 4)
    li.import_ledger(community, ledger, mapping)
    row = registry.resident_rows(community, registry.search_residents(community, good))[0]
    assert (row["birth_date"], row["phone"]) == ("1985-06-15", "13512345678")
    assert row["address"] == "锦绣花园 3号楼2单元502"


def test_kind_of_number_without_a_kind_column(community, tmp_path):
    hmt = "810000199901011234"
    hmt = hmt[:17] + check_character(hmt[:17])
    path = tmp_path / "d.csv"
    path.write_text("姓名,证件号码,楼栋,单元,房号,居住类型,政治面貌,联系电话\n"
                    f"陈港生,{hmt},3,2,502,常住,,\n"
                    "约翰,E12345678,3,2,502,流动,,\n"
                    f"石一,{make_id(birth='19800808', seq='351')},3,2,502,流动,中共党员,"
                    "13300001111\n", encoding="utf-8")
    ledger, mapping, plan = plan_for(community, path,
                                     options=li.ImportOptions(default_compound="锦绣花园"))
    assert plan.problems == [] and plan.new_residents == 3
    li.import_ledger(community, ledger, mapping, li.ImportOptions(default_compound="锦绣花园"))
    kinds = {r["name"]: r["id_kind"] for r in registry.resident_rows(
        community, registry.search_residents(community, "3号楼2单元502"))}
    assert kinds["陈港生"] == "hmt_permit" and kinds["约翰"] == "passport"
    member = next(m for m in registry.party_members(community) if m["name"] == "石一")
    assert member["kind"] == "floating"


def test_ledger_without_units_finds_the_registered_unit(community, tmp_path):
    """3号楼 has two units; 501 and 502 are in 2单元: a ledger without a 单元 column must not
    move 张三 to a new 1单元501."""
    registry.add_household(community, {"unit_id": community.ids["units_b3"][0],
                                       "door_number": "502"})
    path = tmp_path / "e.csv"
    path.write_text("姓名,身份证号码,楼栋,房号\n"
                    f"张三,{make_id(seq='131')},3,501\n"
                    f"罗一,{make_id(birth='19810101', seq='363')},3,502\n"
                    f"罗二,{make_id(birth='19810102', seq='375')},3,601\n", encoding="utf-8")
    _ledger, _mapping, plan = plan_for(community, path,
                                     options=li.ImportOptions(default_compound="锦绣花园"))
    assert plan.unchanged_residents == 1 and plan.updated_residents == []
    assert "1单元、2单元都有门牌号502" in problem(plan, 3)
    assert plan.new_households == 1          # 3号楼1单元601
