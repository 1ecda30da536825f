"""Ledger exports read back as a person's Excel would: a title row, a frozen header, text ID
numbers and phones, real dates; and an exported ledger imported again changes nothing."""

from __future__ import annotations

from datetime import date, datetime

import openpyxl
import pytest

from app import registry
from app.database import create_community, open_community_db
from app.ledger import importer as li
from app.ledger.exporter import export_ledger, export_list
from app.ledger.xlsx import ExportCancelled, ExportColumn
from db import changelog


def test_residents_ledger_reads_back_with_text_ids_and_real_dates(community, tmp_path):
    out = tmp_path / "居民台账.xlsx"
    assert export_ledger(community, "residents", out, today=date(2026, 3, 1)) == 4
    ws = openpyxl.load_workbook(out).active
    assert ws.title == "居民台账"
    assert ws["A1"].value == "长江路社区居民信息台账"
    assert "A1:U1" in {str(r) for r in ws.merged_cells.ranges}
    assert "2026年03月01日" in ws["A2"].value and "共 4 人" in ws["A2"].value
    assert ws.freeze_panes == "A4"
    header = [c.value for c in ws[3]]
    assert header[:7] == ["序号", "网格", "小区", "楼栋", "单元", "门牌号", "姓名"]
    rows = {r[header.index("姓名")]: r for r in ws.iter_rows(min_row=4, values_only=True)}
    zhang = rows["张三"]
    zhang_db = registry.get(community, "residents", community.ids["张三"])
    assert zhang[header.index("证件号码")] == zhang_db["id_number"]     # text, all 18 digits
    assert zhang[header.index("联系电话")] == "13912345678"
    assert zhang[header.index("出生日期")] == datetime(1980, 1, 1)
    assert zhang[header.index("政治面貌")] == "中共党员"
    assert zhang[header.index("门牌号")] == "501"
    assert rows["李四"][header.index("政治面貌")] is None
    id_col = header.index("证件号码") + 1
    for row in range(4, 8):
        cell = ws.cell(row, id_col)
        assert cell.data_type == "s" and cell.number_format == "@"
    assert ws.cell(4, header.index("出生日期") + 1).is_date
    assert ws.column_dimensions["J"].width >= 20       # the ID number column is wide enough
    # head of household first within a household
    names = [r[header.index("姓名")] for r in ws.iter_rows(min_row=4, values_only=True)]
    assert names.index("张三") < names.index("李四")


def test_households_ledger(community, tmp_path):
    out = tmp_path / "住户台账.xlsx"
    assert export_ledger(community, "households", out) == 3
    ws = openpyxl.load_workbook(out).active
    assert ws["A1"].value == "长江路社区住户信息台账"
    header = [c.value for c in ws[3]]
    rows = list(ws.iter_rows(min_row=4, values_only=True))
    by_door = {r[header.index("门牌号")]: r for r in rows}
    assert by_door["501"][header.index("户主")] == "张三"
    assert by_door["501"][header.index("人数")] == 2
    assert by_door["501"][header.index("住户电话")] == "13812345678"
    assert by_door["101"][header.index("住户标签")] == "独居老人"
    assert ws.cell(4, header.index("户主证件号码") + 1).number_format == "@"


def test_export_then_import_changes_nothing(community, tmp_path):
    out = tmp_path / "居民台账.xlsx"
    export_ledger(community, "residents", out)
    seq = changelog.last_seq(community)
    ledger = li.read_ledger(out)
    mapping = li.guess_mapping(ledger)
    plan = li.import_ledger(community, ledger, mapping)
    assert plan.problems == [] and plan.unchanged_residents == 4
    assert plan.writes == 0
    assert changelog.last_seq(community) == seq


def test_export_imported_into_a_new_community_recreates_it(community, tmp_path):
    out = tmp_path / "居民台账.xlsx"
    export_ledger(community, "residents", out)
    fresh = open_community_db(tmp_path / "new.sqlite", create=True)
    create_community(fresh, "长江路社区", "410102007003", "林山寨街道", "中原区")
    ledger = li.read_ledger(out)
    li.import_ledger(fresh, ledger, li.guess_mapping(ledger))
    before, after = registry.counts(community), registry.counts(fresh)
    for key in ("residents", "households", "party_members"):
        assert after[key] == before[key], key
    # 棉纺宿舍 (第二网格) has no households: it does not travel in a residents ledger
    assert (after["grids"], after["compounds"], after["buildings"]) == (1, 1, 2)
    zhang = registry.resident_rows(fresh, registry.search_residents(fresh, "张三"))[0]
    assert zhang["address"] == "锦绣花园 3号楼2单元501"
    tags = registry.get(fresh, "households", zhang["household_id"])
    assert tags["phone"] == "13812345678"
    fresh.conn.close()


def test_list_export_and_cancel_leave_no_half_file(community, tmp_path):
    columns = [ExportColumn("姓名", lambda r: r["name"]),
               ExportColumn("电话", lambda r: r["phone"], "code"),
               ExportColumn("人数", lambda r: r["n"], "number")]
    rows = [{"name": f"居民{i}", "phone": f"139{i:08d}", "n": i} for i in range(2500)]
    out = tmp_path / "列表.xlsx"
    assert export_list(community, out, "搜索“居民”", columns, rows, total=2500) == 2500
    ws = openpyxl.load_workbook(out).active
    assert ws["A1"].value == "长江路社区 搜索“居民”"
    assert ws["B4"].value == "13900000000" and ws["C5"].value == 1
    with pytest.raises(ExportCancelled):
        export_list(community, tmp_path / "b.xlsx", "x", columns, rows, cancelled=lambda: True)
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".xlsx"] == ["列表.xlsx"]


def test_export_to_a_missing_folder_says_so(community, tmp_path):
    from app.ledger.xlsx import ExportError

    with pytest.raises(ExportError) as err:
        export_ledger(community, "residents", tmp_path / "没有这个文件夹" / "a.xlsx")
    assert "不存在" in err.value.message and "请换一个" in err.value.message
