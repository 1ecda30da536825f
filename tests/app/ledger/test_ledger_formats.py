"""Ledgers in the shapes offices receive them: an HTML table saved as .xls (GBK, a title row
spanning all columns, rowspans, a small table before the list), SpreadsheetML 2003 (merged
title, ss:Index gaps, MergeDown), .ods (spanned cells); the same residents found as from
.xlsx, ID numbers and phones exactly as written; unreadable files named with what was found."""

from __future__ import annotations

import re
import zipfile
from html import escape

import openpyxl
import pytest

from app import registry
from app.ledger import importer as li
from tests.conftest import make_id

TITLE = "长江路社区居民名单"
HEADER = ["序号", "小区", "楼栋", "单元", "房号", "姓名", "性别", "公民身份号码", "联系电话",
          "备注"]
# 杨喆: 喆 is in GBK but not in GB2312, which the HTML file declares.
PEOPLE = [
    ("1", "2单元", "503", "杨一", "男", make_id(birth="19870615", seq="103"), "0371-65432100"),
    ("2", "2单元", "503", "杨喆", "男", make_id(birth="19920101", seq="321"), "13700001234"),
    ("3", "1单元", "104", "杨三", "女", make_id(birth="20010909", seq="032"), "010-62345678"),
]
assert PEOPLE[0][5].endswith("X") and PEOPLE[2][5].endswith("0")
COMPOUND, BUILDING = "锦绣花园", "3号楼"


def write_xlsx(path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([TITLE])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    ws.append(HEADER)
    for n, unit, door, name, sex, number, phone in PEOPLE:
        ws.append([int(n), COMPOUND, BUILDING, unit, door, name, sex, number, phone, None])
    ws.merge_cells("B3:B5")
    ws.merge_cells("C3:C5")
    wb.save(path)


def write_html(path) -> None:
    """As a web platform exports: GBK declared as gb2312, mso-number-format '@' on the ID
    and phone cells, a search-conditions table above the list, rowspans down the list."""
    cells = "".join(f"<th>{h}</th>" for h in HEADER)
    rows = []
    for i, (n, unit, door, name, sex, number, phone) in enumerate(PEOPLE):
        merged = (f'<td rowspan="{len(PEOPLE)}">{COMPOUND}</td>'
                  f'<td rowspan="{len(PEOPLE)}">{BUILDING}</td>') if i == 0 else ""
        rows.append(f"<tr><td>{n}</td>{merged}<td>{unit}</td><td>{door}</td>"
                    f"<td>{escape(name)}</td><td>{sex}</td><td class=t>{number}</td>"
                    f"<td class=t>{phone}</td><td>&nbsp;</td></tr>")
    page = ('<html xmlns:x="urn:schemas-microsoft-com:office:excel"><head>'
            '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
            "<style>.t{mso-number-format:'\\@';}</style></head><body>"
            "<table><tr><td>导出人</td><td>网格员</td></tr><tr><td>导出时间</td>"
            "<td>2026-12-01</td></tr></table>"
            f'<table border="1"><tr><td colspan="{len(HEADER)}"><b>{TITLE}</b></td></tr>'
            f"<tr>{cells}</tr>{''.join(rows)}</table></body></html>")
    path.write_bytes(page.encode("gbk"))


def _xml_cell(value: str, extra: str = "") -> str:
    return f'<Cell{extra}><Data ss:Type="String">{escape(value)}</Data></Cell>'


def write_spreadsheetml(path) -> None:
    """As WPS saves "XML 表格": the title merged across, a blank row left out (ss:Index on
    the header row), the compound and building merged down, the rows below skipping their
    cells with ss:Index, IDs and phones as ss:Type="String"."""
    across = f' ss:MergeAcross="{len(HEADER) - 1}"'
    rows = [f"<Row>{_xml_cell(TITLE, across)}</Row>",
            '<Row ss:Index="3">' + "".join(_xml_cell(h) for h in HEADER) + "</Row>"]
    for i, (n, unit, door, name, sex, number, phone) in enumerate(PEOPLE):
        first = f'<Cell><Data ss:Type="Number">{n}</Data></Cell>'
        if i == 0:
            down = f' ss:MergeDown="{len(PEOPLE) - 1}"'
            merged = _xml_cell(COMPOUND, down) + _xml_cell(BUILDING, down)
            rest = _xml_cell(unit)
        else:
            merged, rest = "", _xml_cell(unit, ' ss:Index="4"')
        rows.append(f"<Row>{first}{merged}{rest}{_xml_cell(door)}{_xml_cell(name)}"
                    f"{_xml_cell(sex)}{_xml_cell(number)}{_xml_cell(phone)}</Row>")
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<?mso-application progid="Excel.Sheet"?>\n'
        '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
        'xmlns:x="urn:schemas-microsoft-com:office:excel" '
        'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet" '
        'xmlns:html="http://www.w3.org/TR/REC-html40">'
        '<Worksheet ss:Name="说明"><Table><Row><Cell><Data ss:Type="String">本表每月更新'
        '</Data></Cell></Row></Table></Worksheet>'
        f'<Worksheet ss:Name="名单"><Table>{"".join(rows)}</Table></Worksheet></Workbook>',
        encoding="utf-8")


ODS_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')


def _ods_cell(value: str, extra: str = "") -> str:
    return (f'<table:table-cell office:value-type="string"{extra}>'
            f"<text:p>{escape(value)}</text:p></table:table-cell>")


def write_ods(path) -> None:
    """As LibreOffice saves: spanned title with covered cells, the compound spanned down,
    trailing empty rows repeated to the sheet's end."""
    covered = f'<table:covered-table-cell table:number-columns-repeated="{len(HEADER) - 1}"/>'
    spanned = f' table:number-columns-spanned="{len(HEADER)}"'
    rows = [f"<table:table-row>{_ods_cell(TITLE, spanned)}{covered}</table:table-row>",
            "<table:table-row>" + "".join(_ods_cell(h) for h in HEADER) + "</table:table-row>"]
    for i, (n, unit, door, name, sex, number, phone) in enumerate(PEOPLE):
        merged = (_ods_cell(COMPOUND, f' table:number-rows-spanned="{len(PEOPLE)}"')
                  if i == 0 else "<table:covered-table-cell/>")
        rows.append(f'<table:table-row><table:table-cell office:value-type="float" '
                    f'office:value="{n}"><text:p>{n}</text:p></table:table-cell>{merged}'
                    f"{_ods_cell(BUILDING)}{_ods_cell(unit)}{_ods_cell(door)}{_ods_cell(name)}"
                    f"{_ods_cell(sex)}{_ods_cell(number)}{_ods_cell(phone)}</table:table-row>")
    rows.append('<table:table-row table:number-rows-repeated="1048570">'
                '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>')
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODS_NS}>'
               f'<office:body><office:spreadsheet><table:table table:name="名单">'
               f'{"".join(rows)}</table:table></office:spreadsheet></office:body>'
               "</office:document-content>")
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", content)


WRITERS = {"台账.xlsx": (write_xlsx, "xlsx", "Sheet"),
           "网页导出.xls": (write_html, "html", "表格2"),
           "XML表格.xml": (write_spreadsheetml, "xml", "名单"),
           "WPS另存.xls": (write_spreadsheetml, "xml", "名单"),
           "台账.ods": (write_ods, "ods", "名单")}


@pytest.mark.parametrize("name", list(WRITERS))
def test_each_format_finds_the_same_residents_with_ids_intact(community, tmp_path, name):
    write, kind, sheet = WRITERS[name]
    path = tmp_path / name
    write(path)
    ledger = li.read_ledger(path)
    assert (ledger.kind, ledger.sheet, ledger.title) == (kind, sheet, TITLE)
    assert ledger.header_rows == [3 if kind == "xml" else 2]
    mapping = li.guess_mapping(ledger)
    plan = li.plan_import(community, ledger, mapping)
    assert plan.problems == [] and plan.data_rows == 3 and plan.new_residents == 3
    done = li.import_ledger(community, ledger, mapping)
    assert done.applied and done.new_residents == 3
    for _n, unit, door, person, _sex, number, phone in PEOPLE:
        found = registry.resident_rows(community, registry.search_residents(community, person))
        assert [(r["id_number"], r["phone"]) for r in found] == [(number, phone)], person
        assert found[0]["address"] == f"{COMPOUND} {BUILDING}{unit}{door}"


def test_html_tables_choice_encoding_and_the_other_table(tmp_path):
    path = tmp_path / "网页导出.xls"
    write_html(path)
    ledger = li.read_ledger(path)
    assert ledger.sheets == ["表格1", "表格2"] and "GB18030" in ledger.encoding
    assert ledger.rows[0] == [TITLE] * len(HEADER)               # the title spans all columns
    assert [r[1] for r in ledger.rows[2:]] == [COMPOUND] * 3       # rowspan carried down
    assert ledger.rows[2][9] is None                               # &nbsp; is an empty cell
    with pytest.raises(li.LedgerError) as err:   # she picks the small table: no header there
        li.read_ledger(path, sheet="表格1")
    assert "网页格式的表格" in err.value.message and "没有找到表头" in err.value.message
    # no charset declared, line breaks in cells: GBK found by detection, <br> read as a space
    gbk = path.read_bytes().replace(b' charset=gb2312', b"")
    undeclared = tmp_path / "无声明.xls"
    undeclared.write_bytes(gbk.replace("杨一".encode("gbk"), "杨<br>一".encode("gbk")))
    again = li.read_ledger(undeclared)
    assert "GB18030" in again.encoding and again.rows[3][5] == "杨喆"
    assert again.rows[2][5] == "杨 一"


def test_spreadsheetml_keeps_rows_where_ss_index_puts_them(tmp_path):
    path = tmp_path / "XML表格.xml"
    write_spreadsheetml(path)
    ledger = li.read_ledger(path, sheet="名单")
    assert ledger.sheets == ["说明", "名单"]
    assert ledger.rows[1] == []                                    # the row ss:Index skipped
    assert ledger.rows[0] == [TITLE] * len(HEADER)
    assert [r[3] for r in ledger.rows[3:]] == ["2单元", "2单元", "1单元"]
    assert ledger.rows[3][0] == 1 and ledger.rows[3][7] == PEOPLE[0][5]


OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _broken_ods() -> bytes:
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
    return buf.getvalue()


@pytest.mark.parametrize("name, content, words", [
    ("名单.xls", "<html><body><p>查询结果为空</p></body></html>".encode(),
     "网页文件，但里面没有表格"),
    ("名单.xml", b'<?xml version="1.0"?><config><item>1</item></config>',
     "不是 Excel 或 WPS 的“XML 表格”"),
    ("名单.xml", b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:'
                 b'spreadsheet"><Worksheet><Table><Row><Cell>', "XML 表格，但文件不完整或已损坏"),
    ("名单.xml", b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:'
                 b'spreadsheet"></Workbook>', "XML 文件，但里面没有工作表"),
    ("名单.et", OLE2 + bytes(600), "WPS 表格"),
    ("名单.ods", _broken_ods(), "OpenDocument 表格（.ods），但文件不完整或已损坏"),
])
def test_unreadable_files_say_what_was_found_and_what_to_do(tmp_path, name, content, words):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(li.LedgerError) as err:
        li.read_ledger(path)
    assert words in err.value.message and name in err.value.message
    assert "请" in err.value.message


def test_cli_imports_a_web_export(community, tmp_path, capsys):
    from app.cli import main

    path = tmp_path / "网页导出.xls"
    write_html(path)
    assert main(["excel", "import", "--db", str(tmp_path / "community.sqlite"), str(path)]) == 0
    out = capsys.readouterr().out
    assert "表格“表格2”" in out and "GB18030" in out and "已新增居民 3 人" in out


def test_a_number_the_format_damaged_is_caught_as_from_xlsx(community, tmp_path):
    """An "XML 表格" whose ID and phone columns were number columns: the ID lost its last
    digits (15 significant, scientific notation) and that row is refused with the reason as
    from .xlsx; the phone, a whole number written with .0, reads back as its digits."""
    path = tmp_path / "XML表格.xml"
    write_spreadsheetml(path)
    number, phone = PEOPLE[1][5], PEOPLE[1][6]
    text = path.read_text(encoding="utf-8")
    text = text.replace(f'<Data ss:Type="String">{number}</Data>',
                        f'<Data ss:Type="Number">{float(number):.14E}</Data>')
    text = text.replace(f'<Data ss:Type="String">{phone}</Data>',
                        f'<Data ss:Type="Number">{phone}.0</Data>')
    path.write_text(text, encoding="utf-8")
    ledger = li.read_ledger(path)
    plan = li.plan_import(community, ledger, li.guess_mapping(ledger))
    assert [p.row for p in plan.problems] == [5] and plan.new_residents == 2
    assert "4.10102E+17" in " ".join(plan.problems[0].messages)


def test_two_tables_that_both_read_as_ledgers_are_named_and_either_can_be_read(tmp_path,
                                                                                capsys):
    from app.cli import main
    from app.database import create_community, open_community_db

    def table(people) -> str:
        body = "".join(f"<tr><td>{name}</td><td>{number}</td><td>{COMPOUND}{BUILDING}{unit}"
                       f"{door}</td></tr>" for _n, unit, door, name, _s, number, _p in people)
        return f"<table><tr><th>姓名</th><th>身份证号</th><th>住址</th></tr>{body}</table>"

    path = tmp_path / "两栋.htm"
    path.write_text(f"<html><meta charset=utf-8><body><h3>3号楼</h3>{table(PEOPLE[:1])}"
                    f"<h3>5号楼</h3>{table(PEOPLE[1:])}</body></html>", encoding="utf-8")
    ledger = li.read_ledger(path)
    assert ledger.candidates == ["表格1", "表格2"] and ledger.sheet == "表格2"
    first = li.read_ledger(path, sheet="表格1")
    assert [r[0] for r in first.rows[1:]] == ["杨一"] and first.rows[1][1] == PEOPLE[0][5]
    db = open_community_db(tmp_path / "c.sqlite", create=True)
    create_community(db, "长江路社区", "410102007003", "林山寨街道", "中原区")
    db.conn.close()
    assert main(["excel", "import", "--db", str(tmp_path / "c.sqlite"), str(path),
                 "--dry-run", "--compound", COMPOUND]) == 0
    assert "2 个表格都像台账（表格1、表格2）" in capsys.readouterr().out


def test_an_id_a_program_stored_as_a_whole_number_keeps_every_digit(tmp_path):
    """Some platforms write .xlsx with the ID as an integer number cell, all 18 digits in the
    file: read exactly (python-calamine would make it a float; openpyxl reads it then)."""
    number = PEOPLE[1][5]
    wb = openpyxl.Workbook()
    wb.active.append(["姓名", "公民身份号码", "住址"])
    wb.active.append(["杨喆", int(number), "锦绣花园3号楼2单元503"])
    saved = tmp_path / "openpyxl.xlsx"
    wb.save(saved)   # openpyxl itself writes the number in float notation: put the digits in
    path = tmp_path / "平台导出.xlsx"
    with zipfile.ZipFile(saved) as src, zipfile.ZipFile(path, "w") as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'(<c r="B2"[^>]*><v>)[^<]*', rb"\g<1>" + number.encode(),
                              data)
                assert f"<v>{number}</v>".encode() in data
            out.writestr(item, data)
    ledger = li.read_ledger(path)
    assert li.code_text(ledger.rows[1][1]) == number
