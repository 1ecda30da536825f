"""Printed 党员联户 forms read back from their PDFs, the fonts and line breaking under them, the
`griddesk print pairings` command and the pairing ledger read back with openpyxl."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from openpyxl import load_workbook

from app import pairing
from app.cli import main
from app.documents import fonts as doc_fonts
from app.documents.typography import NO_LINE_END, NO_LINE_START, break_lines
from app.pairing.forms import (
    BoardRow,
    NoticeBoard,
    contact_cards_pdf,
    door_runs,
    notice_board_pdf,
    render_notice_boards,
)
from app.pairing.ledger import export_pairing_ledger
from tests.app.pairing.pairing_helpers import build_estate, household

DAY = date(2026, 3, 2)
DROID = Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf")
CFF_FONTS = sorted(Path("/usr/share/fonts/opentype").rglob("*.otf"))


@pytest.fixture
def estate(tmp_path, monkeypatch):
    # Only the bundled font: the same PDF on every machine.
    monkeypatch.setenv(doc_fonts.FONT_DIRS_ENV, str(tmp_path / "no-fonts"))
    db = build_estate(tmp_path / "estate.sqlite")
    plan = pairing.suggest_pairings(db)
    pairing.accept_suggestions(db, [(x.household_id, x.member_id) for x in plan.lines],
                               today=date(2026, 1, 5))
    yield db
    db.conn.close()


def pdf_pages_text(data: bytes) -> list[str]:
    pdf = pdfium.PdfDocument(data)
    try:
        return [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
    finally:
        pdf.close()


def text_lines(page_text: str) -> list[str]:
    return [line.strip() for line in page_text.replace("\r", "").split("\n") if line.strip()]


# --- line breaking ----------------------------------------------------------------------------

WORDS = ["联系", "党员", "张三", "锦绣花园", "户", "至", "501", "13912345678", "3-2-501",
         "社区通知", "有困难", "请", "电话", "微信"]
CLOSING = ["，", "。", "、", "；", "：", "？", "！"]


def realistic_text(rng: random.Random) -> str:
    """Words with the punctuation real sentences have: a mark after a word, brackets and
    title marks around words, a closing bracket followed by a full stop."""
    out = []
    for _ in range(rng.randint(3, 30)):
        word = rng.choice(WORDS)
        r = rng.random()
        if r < 0.15:
            word = f"（{word}）"
        elif r < 0.25:
            word = f"《{word}》"
        elif r < 0.3:
            word = f"「{word}」"
        out.append(word)
        if rng.random() < 0.4:
            out.append(rng.choice(CLOSING))
    return "".join(out)


@pytest.mark.parametrize("seed", range(60))
def test_no_line_starts_with_closing_or_ends_with_opening_punctuation(seed):
    rng = random.Random(seed)
    text = realistic_text(rng)
    width = rng.randint(5, 16)
    lines = break_lines(text, width, len)
    for line in lines:
        assert line[0] not in NO_LINE_START, (line, lines)
        assert line[-1] not in NO_LINE_END, (line, lines)
        # Wider only by a hanging closing mark, or where a phone number is wider itself.
        hanging = line[-1] in NO_LINE_START and len(line) <= width + 1
        assert len(line) <= width or hanging or len(line) <= 11, (line, lines)
    assert "".join(lines) == text        # nothing lost or reordered


def test_numbers_stay_whole_and_paragraph_indent_stays():
    lines = break_lines("\u3000\u3000联系电话13912345678，门牌3-2-501。", 12, len)
    assert lines[0].startswith("\u3000\u3000")
    assert any("13912345678" in line for line in lines)
    assert any("3-2-501" in line for line in lines)


def test_door_runs():
    assert door_runs(["501"]) == "501"
    assert door_runs(["501", "502"]) == "501、502"
    assert door_runs(["501", "502", "601", "602"]) == "501至602"


# --- fonts ------------------------------------------------------------------------------------

def test_without_office_fonts_the_bundled_font_prints_every_rare_name(tmp_path, monkeypatch):
    monkeypatch.setenv(doc_fonts.FONT_DIRS_ENV, str(tmp_path))
    fonts = doc_fonts.document_fonts()
    assert fonts.body.source == "bundled" and fonts.title_is_body
    assert fonts.missing("喆堃昇赟珺玥㛃䶮翀犇𫖮张三，。") == set()


@pytest.mark.skipif(not DROID.exists(), reason="needs fonts-droid-fallback")
def test_an_office_font_is_preferred_and_missing_glyphs_fall_back_per_character(
        tmp_path, monkeypatch):
    # A stand-in for the office's 仿宋 (simfang.ttf) that, like many fonts, lacks 𫖮.
    shutil.copy(DROID, tmp_path / "simfang.ttf")
    monkeypatch.setenv(doc_fonts.FONT_DIRS_ENV, str(tmp_path))
    fonts = doc_fonts.document_fonts()
    assert (fonts.body.label, fonts.body.source) == ("仿宋", "office")
    runs = list(fonts.runs("王𫖮家"))
    assert [text for _, text in runs] == ["王", "𫖮", "家"]
    assert runs[0][0] == fonts.body.name == runs[2][0]
    assert runs[1][0] != fonts.body.name
    assert fonts.missing("王𫖮家") == set()


@pytest.mark.skipif(not CFF_FONTS, reason="needs an OpenType/CFF font")
def test_a_font_reportlab_cannot_embed_is_skipped(tmp_path, monkeypatch):
    shutil.copy(CFF_FONTS[0], tmp_path / "simfang.ttf")
    monkeypatch.setenv(doc_fonts.FONT_DIRS_ENV, str(tmp_path))
    assert doc_fonts.document_fonts().body.source == "bundled"


# --- the notice board -------------------------------------------------------------------------

def test_the_notice_board_shows_doors_members_and_phones_one_page_per_building(estate):
    buildings = list(estate.estate.buildings.values())
    data = notice_board_pdf(estate, buildings, DAY)
    pages = pdf_pages_text(data)
    assert len(pages) == 3
    assert b"/FontFile2" in data                   # the TrueType font travels in the file
    jinxiu = pages[list(estate.estate.buildings).index("锦绣花园")]
    for expected in ("楼栋党员联系户公示", "锦绣花园 1号楼", "1单元", "2单元", "王建国", "李秀英",
                     "13900000000", "101至502", "长江路社区党委", "2026年3月2日"):
        assert expected in jinxiu, expected
    cuizhu = pages[list(estate.estate.buildings).index("翠竹苑")]
    assert "陈晓东" in cuizhu and "13700001111" in cuizhu
    for page in pages:
        for line in text_lines(page):
            assert line[0] not in NO_LINE_START, line
            assert line[-1] not in NO_LINE_END, line


def test_unpaired_doors_are_listed_as_waiting(estate):
    h = household(estate, "锦绣花园", "1单元", "301")
    pid = pairing.household_member(estate, h).id
    pairing.end_pairing(estate, pid)
    text = pdf_pages_text(notice_board_pdf(estate, [estate.estate.buildings["锦绣花园"]], DAY))[0]
    assert "待安排" in text and "301" in text


def test_a_tall_tower_is_set_smaller_before_it_runs_onto_a_second_page():
    rows = [BoardRow(f"{u}单元", f"{f}01至{f + 4}02", f"党员{u}{f}", "13900000000")
            for u in (1, 2, 3) for f in range(1, 33, 4)]
    board = NoticeBoard("b", "锦绣花园", "3号楼", rows, 400, 0)
    assert len(pdf_pages_text(render_notice_boards([board], "长江路社区", DAY))) == 1
    giant = NoticeBoard("b", "锦绣花园", "3号楼", rows * 4, 1600, 0)
    pages = pdf_pages_text(render_notice_boards([giant], "长江路社区", DAY))
    assert len(pages) > 1 and "楼栋党员联系户公示（续）" in pages[1]


def test_contact_cards_ten_to_a_page(estate):
    data = contact_cards_pdf(estate, [estate.estate.buildings["锦绣花园"]])
    pages = pdf_pages_text(data)
    assert len(pages) == 2                            # 20 households, 10 cards a page
    assert pages[0].count("党员联系卡") == 10
    assert "锦绣花园 1号楼1单元101" in pages[0] and "王建国" in pages[0]
    assert "锦绣花园党支部" in pages[0]


# --- the command line -------------------------------------------------------------------------

def test_print_pairings_command(estate, tmp_path, capsys):
    path = estate.conn.execute("PRAGMA database_list").fetchone()[2]
    out = tmp_path / "公示.pdf"
    building = estate.estate.buildings["棉纺宿舍"]
    assert main(["print", "pairings", "--db", path, "--building", building,
                 "--out", str(out)]) == 0
    assert "已生成" in capsys.readouterr().out
    (page,) = pdf_pages_text(out.read_bytes())
    assert "棉纺宿舍 1号楼" in page and "赵卫东" in page
    assert main(["print", "pairings", "--db", path, "--building", "棉纺宿舍1号楼",
                 "--building", "翠竹苑 1号楼", "--out", str(out)]) == 0
    assert len(pdf_pages_text(out.read_bytes())) == 2
    assert main(["print", "pairings", "--db", path, "--out", str(out)]) == 0
    assert len(pdf_pages_text(out.read_bytes())) == 3
    cards = tmp_path / "cards.pdf"
    assert main(["print", "pairings", "--db", path, "--building", building, "--cards",
                 "--out", str(cards)]) == 0
    assert "党员联系卡" in pdf_pages_text(cards.read_bytes())[0]


def test_print_command_refuses_an_unknown_building_and_a_bad_folder(estate, tmp_path, capsys):
    path = estate.conn.execute("PRAGMA database_list").fetchone()[2]
    out = tmp_path / "x.pdf"
    assert main(["print", "pairings", "--db", path, "--building", "不存在的楼",
                 "--out", str(out)]) == 1
    assert "找不到楼栋“不存在的楼”" in capsys.readouterr().err
    assert not out.exists()
    assert main(["print", "pairings", "--db", path, "--out",
                 str(tmp_path / "missing" / "x.pdf")]) == 1
    assert "无法保存" in capsys.readouterr().err


# --- the ledger -------------------------------------------------------------------------------

def test_the_pairing_ledger_reads_back(estate, tmp_path):
    h = household(estate, "翠竹苑", "1单元", "502")
    pairing.end_pairing(estate, pairing.household_member(estate, h).id)
    out = tmp_path / "联户台账.xlsx"
    assert export_pairing_ledger(estate, out, today=DAY) == 50
    sheet = load_workbook(out).active
    assert sheet["A1"].value == "长江路社区党员联户台账"
    assert "共 50 户，已联户 49 户" in sheet["A2"].value
    header = [c.value for c in sheet[3]]
    assert header[:6] == ["序号", "网格", "楼院", "楼栋", "单元", "门牌号"]
    assert {"户主身份证号", "户主电话", "联系党员", "党员电话", "所在支部",
            "联户日期"} <= set(header)
    rows = [dict(zip(header, (c.value for c in r), strict=True))
            for r in sheet.iter_rows(min_row=4)]
    assert len(rows) == 50
    first = next(r for r in rows if r["楼院"] == "锦绣花园" and r["门牌号"] == "101"
                 and r["单元"] == "1单元")
    assert first["联系党员"] == "王建国" and first["党员电话"] == "13900000000"
    assert len(first["户主身份证号"]) == 18 and isinstance(first["户主身份证号"], str)
    waiting = next(r for r in rows if r["楼院"] == "翠竹苑" and r["门牌号"] == "502")
    assert waiting["联系党员"] == "（未联户）"
    id_col = header.index("户主身份证号") + 1
    cell = sheet.cell(row=4, column=id_col)
    assert cell.data_type == "s" and cell.number_format == "@"


def test_forms_print_without_pillow_which_the_frozen_build_leaves_out(tmp_path):
    # ReportLab 5 imports PIL.Image when it loads; app/documents lends it a stand-in.
    script = (
        "import sys; sys.modules['PIL'] = None; sys.modules['PIL.Image'] = None\n"
        "from datetime import date\n"
        "from app.pairing.forms import BoardRow, NoticeBoard, render_notice_boards\n"
        "board = NoticeBoard('b', '锦绣花园', '1号楼', [BoardRow('1单元', '101至502', '王建国',"
        " '13900000000')], 10, 0)\n"
        "assert render_notice_boards([board], '长江路社区', date(2026, 3, 2)).startswith(b'%PDF')\n"
        "assert sys.modules['PIL'] is None   # no stand-in left for others to mistake\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=Path(__file__).parents[3],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, doc_fonts.FONT_DIRS_ENV: str(tmp_path)})
    assert done.returncode == 0, done.stderr
