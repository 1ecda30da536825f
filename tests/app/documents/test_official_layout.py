"""Official-document type and layout read back from the printed PDFs (issue 14, items 1-5):
GB/T 9704 sizes on the text forms, every font embedded, justified lines, dates, doors, phones
and serials never broken across lines, and the receipt on the page with its notice."""

from __future__ import annotations

import itertools
import re
import subprocess
from datetime import date, timedelta

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from app import pairing, registry
from app.documents import fonts as doc_fonts
from app.documents.page import BODY_LEADING, MARGIN_LEFT, TYPE_W
from app.isolation import printing as ip
from app.pairing.forms import contact_cards_pdf, notice_board_pdf
from db import registry as rq
from db.node import transaction
from tests.app.isolation.test_isolation_documents import office as office  # the fixture
from tests.app.pairing.pairing_helpers import build_estate
from tests.conftest import make_id

RIGHT = MARGIN_LEFT + TYPE_W




def add_case(db, resident_id, start=date(2026, 11, 20), days=7, **values):
    resident = rq.get(db, "residents", resident_id)
    row = {"resident_id": resident_id, "household_id": resident["household_id"],
           "kind": "home_isolation", "reason": "密切接触者", "origin": "上海市",
           "started_on": start.isoformat(),
           "planned_end": (start + timedelta(days=days - 1)).isoformat(),
           "status": "active", "grid_worker_id": db.ids["worker"],
           "police_id": db.ids["police"], "doctor_id": db.ids["doctor"],
           "door_measure": "seal", "created_on": start.isoformat()}
    row.update(values)
    with transaction(db):
        return rq.insert(db, "isolation_cases", row)


def resident_at(db, compound: str, building: str, door: str, name: str, phone: str) -> str:
    grid = db.ids["grid1"]
    compound_id = registry.add_compound(db, grid, compound)
    building_id = registry.add_building(db, compound_id, building, floors=30, units=3)
    unit = [u["id"] for u in registry.tree_nodes(db)["units"]
            if u["building_id"] == building_id][1]
    household = registry.add_household(db, {"unit_id": unit, "door_number": door})
    return registry.add_resident(db, {"household_id": household, "name": name,
                                      "phone": phone, "id_number": make_id(seq=phone[-3:])})


# --- reading the paper back -------------------------------------------------------------------

class Char:
    def __init__(self, ch: str, size: float, box: tuple[float, float, float, float],
                 mode: int) -> None:
        self.ch, self.size, self.mode = ch, size, mode
        self.left, self.bottom, self.right, self.top = box


def page_lines(data: bytes) -> list[list[list[Char]]]:
    """Per page, its text lines as pdfium reads them: characters with size, loose box (the
    advance: where the character's cell ends) and render mode."""
    pdf = pdfium.PdfDocument(data)
    pages = []
    try:
        for i in range(len(pdf)):
            tp = pdf[i].get_textpage()
            lines: list[list[Char]] = [[]]
            for k in range(tp.count_chars()):
                ch = tp.get_text_range(k, 1)
                if ch in "\r\n":
                    if lines[-1]:
                        lines.append([])
                    continue
                obj = pdfium_c.FPDFText_GetTextObject(tp, k)
                mode = pdfium_c.FPDFTextObj_GetTextRenderMode(obj) if obj else 0
                lines[-1].append(Char(ch, round(pdfium_c.FPDFText_GetFontSize(tp, k), 2),
                                      tp.get_charbox(k, loose=True), mode))
            pages.append([line for line in lines if line])
    finally:
        pdf.close()
    return pages


def text_of(line: list[Char]) -> str:
    return "".join(c.ch for c in line)


def pdffonts(data: bytes, tmp_path) -> list[list[str]]:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    return [row.split() for row in out.stdout.splitlines()[2:]]


# --- 1. GB/T 9704 sizes ------------------------------------------------------------------------

def test_the_notice_is_set_in_16pt_on_the_grid_with_a_22pt_title_never_stroked(office):
    case_id = add_case(office, office.ids["张三"])
    data, _ = ip.notice_set_pdf(office, [case_id], ("notice",), today=date(2026, 11, 20))
    first = page_lines(data)[0]
    chars = [c for line in first for c in line if not c.ch.isspace()]
    body = [c for c in chars if c.size == 16]
    assert len(body) > 0.8 * len(chars)                         # 三号 body
    title = [line for line in first if line[0].size == 22]
    assert text_of(title[0]) == "居家隔离告知书"                  # 二号 title
    assert all(c.mode == 0 for c in chars)                     # filled, not stroked to look bold
    baselines = [line[0].bottom for line in first if line[0].size == 16]
    steps = [a - b for a, b in itertools.pairwise(baselines)]
    # 22 lines to the type area's 225 mm: 28.99 pt a line.
    assert sum(abs(step - 28.99) < 0.1 for step in steps) >= 8


# --- 2. every font embedded --------------------------------------------------------------------

def test_every_font_of_every_printed_form_is_embedded(office, tmp_path, monkeypatch):
    case_id = add_case(office, office.ids["张三"])
    released = add_case(office, office.ids["李四"], status="released",
                        released_on="2026-11-27", release_basis="tests symptoms period")
    documents = {"notice set": ip.notice_set_pdf(office, [case_id])[0],
                 "release": ip.release_pdf(office, released)[0]}
    estate = build_estate(tmp_path / "estate.sqlite")
    plan = pairing.suggest_pairings(estate)
    pairing.accept_suggestions(estate, [(x.household_id, x.member_id) for x in plan.lines],
                               today=date(2026, 1, 5))
    buildings = list(estate.estate.buildings.values())
    documents["pairing board"] = notice_board_pdf(estate, buildings, date(2026, 3, 2))
    documents["contact cards"] = contact_cards_pdf(estate, buildings)
    estate.conn.close()
    for what, data in documents.items():
        rows = pdffonts(data, tmp_path)
        assert rows, what
        for row in rows:
            assert "Helvetica" not in row[0], (what, row)
            assert row[-5] == "yes", (what, row)                # emb
        assert any("ZhuqueFangsong" in row[0] for row in rows), what


# --- 3. justified lines ------------------------------------------------------------------------

def test_full_lines_end_at_the_right_margin_and_only_a_paragraphs_last_line_is_short(office):
    case_id = add_case(office, office.ids["张三"])
    released = add_case(office, office.ids["李四"], status="released",
                        released_on="2026-11-27", release_basis="tests symptoms period")
    data = ip.notice_set_pdf(office, [case_id], ("notice", "pledge"))[0]
    checked = 0
    for page in [*page_lines(data), *page_lines(ip.release_pdf(office, released)[0])]:
        body = [line for line in page if line[0].size == 16]
        for line, after in itertools.pairwise(body):
            follows = abs((line[0].bottom - after[0].bottom) - BODY_LEADING) < 0.5
            if follows and after[0].ch != "\u3000" and abs(after[0].left - MARGIN_LEFT) < 0.5:
                # The next line goes on with the same paragraph: this one is full.
                assert abs(line[-1].right - RIGHT) < 0.5, (text_of(line), line[-1].right)
                checked += 1
            elif follows:
                assert line[-1].right <= RIGHT + 0.5, text_of(line)
    assert checked >= 15


def test_the_pairing_boards_intro_is_justified_too(tmp_path, monkeypatch):
    monkeypatch.setenv(doc_fonts.FONT_DIRS_ENV, str(tmp_path / "no-fonts"))
    estate = build_estate(tmp_path / "estate.sqlite")
    plan = pairing.suggest_pairings(estate)
    pairing.accept_suggestions(estate, [(x.household_id, x.member_id) for x in plan.lines],
                               today=date(2026, 1, 5))
    data = notice_board_pdf(estate, list(estate.estate.buildings.values())[:1], date(2026, 3, 2))
    estate.conn.close()
    intro = [line for line in page_lines(data)[0] if line[0].size == 12]
    full = [line for line, after in itertools.pairwise(intro)
            if after[0].ch != "\u3000" and abs(after[0].left - MARGIN_LEFT) < 0.5]
    assert len(full) >= 2
    for line in full:
        assert abs(line[-1].right - RIGHT) < 0.5, text_of(line)


# --- 4. no date, door, phone or serial split -----------------------------------------------------

WHOLE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日|(?<![\d年])\d{1,2}月\d{1,2}日|\d+号楼\d+单元\d+"
                   r"|1[3-9]\d{9}|\d{12}-\d{4}-[A-Z]{2}-\d{5}")


def test_no_date_door_number_phone_or_serial_is_broken_across_lines(office):
    compounds = ("锦绣花园", "金水区未来路街道办事处家属院",
                 "郑州市中原区建设路与桐柏路交叉口东南角", "棉纺路社区第三居民小区", "绿城百合公寓")
    reasons = ("密切接触者", "中高风险地区返回", "入境人员", "次密切接触者",
               "与确诊病例同乘一辆公交车的人员")
    cases, released = [], []
    n = 0
    for compound in compounds:
        for b, building in enumerate(("5号楼", "12号楼")):
            for d, door in enumerate(("101", "2702")):
                n += 1
                resident = resident_at(office, compound + "甲乙丙丁"[2 * b + d] + "院", building,
                                       door, f"居民{n}", f"139{n:08d}")
                start = date(2026, 1 + n % 12, 1 + (n * 7) % 28)
                cases.append(add_case(office, resident, start=start, days=7 + n % 8,
                                      reason=reasons[n % len(reasons)],
                                      door_measure=("seal", "sensor", "none")[n % 3]))
                if n % 4 == 0:
                    released.append(add_case(
                        office, resident, start=start, status="released",
                        released_on=(start + timedelta(days=7)).isoformat(),
                        release_basis="tests symptoms period"))
    pdfs = [ip.notice_set_pdf(office, cases, today=date(2026, 11, 29))[0],
            *(ip.release_pdf(office, r)[0] for r in released)]
    seen, broken = 0, []
    for data in pdfs:
        for page in page_lines(data):
            texts = [text_of(line) for line in page]
            flat = "".join(texts)
            ends = set()
            pos = 0
            for text in texts:
                pos += len(text)
                ends.add(pos)
            for match in WHOLE.finditer(flat):
                seen += 1
                if any(match.start() < end < match.end() for end in ends):
                    broken.append(match.group())
    assert seen > 500
    assert broken == []


# --- 5. the receipt stays with its notice --------------------------------------------------------

def test_the_receipt_is_on_the_page_with_the_notices_end_even_with_a_very_long_address(office):
    # As long as the registry allows (50 characters).
    long_compound = ("郑州市中原区林山寨街道长江路社区建设路与桐柏路交叉口东南角"
                     "原国棉三厂职工家属院北区东侧第二排平房")
    resident = resident_at(office, long_compound, "5号楼", "2702", "欧阳明", "13912345678")
    case_id = add_case(office, resident)
    data, _ = ip.notice_set_pdf(office, [case_id], ("notice",), today=date(2026, 11, 29))
    pages = page_lines(data)
    assert len(pages) <= 2                         # one sheet, printed on both sides
    last = pages[-1]
    texts = [text_of(line) for line in last]
    receipt_at = next(i for i, text in enumerate(texts) if text.replace(" ", "") == "回执"
                      or text == "回　执")
    before = "".join(texts[:receipt_at])
    # The notice's end (its issuer and date) is on the receipt's page, above the cut.
    assert "居民委员会" in before and "2026年11月29日" in before
    assert "欧阳明" in "".join(texts[receipt_at:])
    # On every page of the notice, no line of the notice lies in the receipt's strip: the
    # receipt is cut from the foot of the sheet.
    receipt_top = max(c.top for c in last[receipt_at])
    for page in [*pages[:-1], last[:receipt_at]]:
        for line in page:
            if line[0].size == 16:
                assert line[0].bottom > receipt_top, text_of(line)


# --- the office's own fonts, found by name ------------------------------------------------------

def test_the_offices_fonts_are_found_by_file_name_in_any_font_folder(tmp_path, monkeypatch):
    # Stand-ins under the names UOS/Kylin and 中标麒麟 give them, upper case, in subfolders.
    (tmp_path / "fonts" / "fzfonts").mkdir(parents=True)
    (tmp_path / "fonts" / "cesi").mkdir()
    bundled = doc_fonts.resource_path(doc_fonts.BUNDLED_FONT)
    (tmp_path / "fonts" / "fzfonts" / "FZFSK.TTF").write_bytes(bundled.read_bytes())
    (tmp_path / "fonts" / "cesi" / "CESI_HT_GB2312.TTF").write_bytes(
        doc_fonts.resource_path(doc_fonts.BUNDLED_FALLBACK).read_bytes())
    monkeypatch.setenv(doc_fonts.FONT_DIRS_ENV, str(tmp_path / "fonts"))
    fonts = doc_fonts.document_fonts()
    assert (fonts.body.label, fonts.body.source) == ("方正仿宋", "office")
    assert (fonts.title.label, fonts.title.source) == ("CESI黑体", "office")
    assert not fonts.title_is_body


def test_without_office_fonts_the_body_is_the_bundled_fangsong_and_wenkai_the_fallback(
        tmp_path, monkeypatch):
    monkeypatch.setenv(doc_fonts.FONT_DIRS_ENV, str(tmp_path))
    fonts = doc_fonts.document_fonts()
    assert fonts.body.label == "朱雀仿宋" and fonts.body.source == "bundled"
    assert [f.label for f in fonts.fallbacks] == ["霞鹜文楷"]
    # ℃ and ① are not in 朱雀仿宋: drawn in WenKai, with the rare name characters.
    assert {name for name, _ in fonts.runs("37.3℃")} == {fonts.body.name, fonts.fallbacks[0].name}
    assert fonts.missing("喆堃昇赟珺玥㛃䶮翀犇𫖮①②③℃") == set()
