"""Where the office stamps the 楼栋党员联系户公示: the issuing body with （盖章）, and the date
under it set about four characters in from the right, so the seal covers it (issue 14, item 9)."""

from __future__ import annotations

import re

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from app.documents.page import MARGIN_LEFT, TYPE_W
from app.pairing.forms import BoardRow, NoticeBoard, render_notice_boards
from tests.app.pairing.test_pairing_documents import DAY


def test_the_notice_board_has_a_seal_position_over_its_date():
    rows = [BoardRow("1单元", "101至502", "王建国", "13900000000")]
    contacts = [("网格员", "陈晓东", "13700001111")]
    board = NoticeBoard("b", "锦绣花园", "3号楼", rows, 10, 0, contacts)
    pdf = pdfium.PdfDocument(render_notice_boards([board], "长江路社区", DAY))
    try:
        textpage = pdf[0].get_textpage()
        assert "长江路社区党委（盖章）" in re.sub(r"\s", "", textpage.get_text_range())
        search = textpage.search("2026年3月2日")
        index, count = search.get_next()
        last = index + count - 1
        size = pdfium_c.FPDFText_GetFontSize(textpage.raw, last)
        inset = (MARGIN_LEFT + TYPE_W - textpage.get_charbox(last)[2]) / size
        assert 3.5 <= inset <= 4.5
    finally:
        pdf.close()
