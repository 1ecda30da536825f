"""The building at a glance (issue 18, items 4 to 6): the door grid from the registry's door
numbers, odd numbers listed, two households in a door, colours by aspect with counts; the
public and private prints read back; a tree node's ledger in Excel."""

from __future__ import annotations

from datetime import date

import openpyxl
import pypdfium2 as pdfium
import pytest

from app import accounts, buildings, categories, isolation, registry
from app.buildings import ledger as node_ledger
from app.buildings import printing as building_print
from app.cli import main
from app.errors import FormError
from db import registry as rq
from db.node import transaction
from tests.conftest import make_id

TODAY = date(2026, 12, 5)


def pdf_text(data: bytes) -> str:
    pdf = pdfium.PdfDocument(data)
    try:
        return "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    finally:
        pdf.close()


@pytest.fixture
def block(community):
    """Building 3 with regular doors, a shop, an odd number, a door with two households (as a
    merge of two offices' rows would leave it), one person isolated."""
    db = community
    u1, u2 = db.ids["units_b3"]
    for door in ("101", "102", "201", "1203", "商铺1", "东侧平房"):
        h = registry.add_household(db, {"unit_id": u1, "door_number": door,
                                        "dwelling": "rented" if door == "102" else "owner"})
        db.ids[door] = h
    registry.add_resident(db, {"household_id": db.ids["东侧平房"], "name": "王平房",
                               "id_number": make_id(birth="19900101", seq="123")})
    with transaction(db):       # the registry refuses this; a sync merge can leave it
        rq.insert(db, "households", {"unit_id": u2, "door_number": "501"})
    categories.add_five_colours(db)
    isolation.register_case(db, kind="home_isolation", reason="密接",
                            resident_id=db.ids["张三"], started_on=date(2026, 12, 3))
    return db


def test_the_grid_follows_the_door_numbers(block):
    assert buildings.parse_door("1203") == ("grid", 12, 3)
    assert buildings.parse_door("5-1") == ("grid", 5, 1)
    assert buildings.parse_door("商铺1")[0] == "shop"
    assert buildings.parse_door("东侧平房")[0] == "odd"
    v = buildings.building_view(block, block.ids["b3"], "category", TODAY)
    assert v.floors[0] == 18 and v.floors[-1] == 1          # 18 floors, top first
    u1, u2 = v.units
    assert u1.positions == [1, 2, 3] and (12, 3) in u1.cells
    assert (2, 2) not in u1.cells                             # a gap, shown as such
    assert [d.label for d in u1.shops] == ["商铺1"]
    assert [d.label for d in u1.odd] == ["东侧平房"]          # listed, never dropped
    assert len(u2.cells[(5, 1)].households) == 2 and v.doubles == ["2单元501"]
    assert sorted(v.door_labels()) == sorted(
        ["101", "102", "201", "1203", "商铺1", "东侧平房", "501", "502"])


def test_doors_are_coloured_by_the_chosen_aspect_with_counts(block):
    v = buildings.building_view(block, block.ids["b3"], "isolation", TODAY)
    counts = {i.label: i.count for i in v.legend}
    assert counts["居家隔离中"] == 1 and counts["无"] == v.households - 1
    door = v.units[1].cells[(5, 1)]
    assert door.key == "home_isolation" and door.households[0].note == "第3天"
    v = buildings.building_view(block, block.ids["b3"], "dwelling", TODAY)
    assert {i.label: i.count for i in v.legend}["出租"] == 1
    v = buildings.building_view(block, block.ids["b3"], "category", TODAY)
    assert {i.key: i.count for i in v.legend}[v.units[1].cells[(5, 1)].key] == 1
    assert v.units[1].cells[(5, 1)].households[0].people[0]["category"] == "红"
    with pytest.raises(FormError):
        buildings.building_view(block, block.ids["b3"], "weather")
    if "care_visits" in block.table_names():      # the care feature is in this build
        v = buildings.building_view(block, block.ids["b3"], "care", TODAY)
        assert sum(i.count for i in v.legend) == v.households
        accounts.attach(block, accounts.Session("d", "刘医生", "doctor"))
        with pytest.raises(FormError):               # 片医 may not see the visits board
            buildings.building_view(block, block.ids["b3"], "care", TODAY)


def test_public_print_has_every_door_and_no_names_the_private_one_names(block, tmp_path):
    public = pdf_text(building_print.building_pdf(block, block.ids["b3"], aspect="isolation"))
    for door in ("101", "102", "201", "1203", "商铺1", "东侧平房", "501", "502"):
        assert door in public
    for name in ("张三", "李四", "单田芳", "王平房"):
        assert name not in public
    assert "居家隔离中" in public and "不含姓名" in public
    private = pdf_text(building_print.building_pdf(block, block.ids["b3"], private=True))
    assert "张三" in private and "王平房" in private
    out = tmp_path / "b3.pdf"
    assert main(["print", "building", "--db", str(tmp_path / "community.sqlite"),
                 "--building", "锦绣花园3号楼", "--out", str(out)]) == 0
    assert "1203" in pdf_text(out.read_bytes())
    assert block.conn.execute("SELECT count(*) FROM audit_log WHERE action = 'print' "
                              "AND tbl = 'buildings'").fetchone()[0] == 1


def test_a_grid_worker_sees_only_their_grids_buildings(block):
    accounts.attach(block, accounts.Session("w", "王网格", "grid_worker", frozenset({"x"})))
    with pytest.raises(accounts.PermissionDenied):
        buildings.building_view(block, block.ids["b3"])


def test_a_tree_nodes_ledger_names_the_node(block, tmp_path):
    out = tmp_path / "grid.xlsx"
    count = node_ledger.export_node_ledger(block, "grid", block.ids["grid1"], out, TODAY)
    assert count == 5       # 张三 李四 单田芳 曾志伟 (b3, b5) and 王平房
    book = openpyxl.load_workbook(out, read_only=True)
    assert book.sheetnames == ["居民", "住户", "人员类别", "隔离监测", "党员联户"]
    title = next(book["居民"].iter_rows(max_row=1, values_only=True))[0]
    assert "第一网格" in title and "居民台账" in title
    rows = list(book["居民"].iter_rows(min_row=4, values_only=True))
    zhang = next(r for r in rows if r[5] == "张三")
    assert zhang[6] == "红"
    assert [r[0] for r in book["人员类别"].iter_rows(min_row=4, values_only=True)][:1] == ["红"]
    assert len(list(book["隔离监测"].iter_rows(min_row=4, values_only=True))) == 1
    book.close()
