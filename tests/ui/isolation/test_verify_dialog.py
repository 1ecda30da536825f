"""扫码核验 on the 居家隔离 page: a USB scanner types the release form's QR code into one line
and ends with Enter; the verdict shows below in words (green ✓ or red ✗); the line clears for
the next scan; Enter never closes the dialog, Esc does."""

from __future__ import annotations

from datetime import date

import pypdfium2 as pdfium
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.isolation import printing as ip
from tests.app.isolation import test_isolation_documents as documents
from ui.events import AppEvents
from ui.isolation.page import IsolationPage
from ui.isolation.verify_dialog import VerifyDialog

zxingcpp = pytest.importorskip("zxingcpp")

office = documents.office            # the fixture: a community with its trio of staff


def printed_code(db) -> tuple[str, str]:
    """The QR text read back from a release form rendered at 150 dpi, and its serial."""
    case_id = documents.released_case(db)
    data, issued = ip.release_pdf(db, case_id, today=date(2026, 11, 27))
    document = pdfium.PdfDocument(data)
    try:
        (code,) = zxingcpp.read_barcodes(document[0].render(scale=150 / 72).to_pil())
    finally:
        document.close()
    return code.text, issued[0].serial


def scan(qtbot, dialog: VerifyDialog, text: str) -> None:
    """What a keyboard-wedge scanner does: type the characters, then Enter."""
    dialog.line.setFocus()
    qtbot.keyClicks(dialog.line, text)
    qtbot.keyClick(dialog.line, Qt.Key.Key_Return)


@pytest.fixture
def dialog(qtbot, office):
    page = IsolationPage(office, AppEvents(), user="刘书记")
    qtbot.addWidget(page)
    page.show()
    dialog = page.verify_release()               # the 扫码核验… button's action
    qtbot.waitExposed(dialog)
    assert page.verify_button.text() == "扫码核验(&V)…"
    return dialog


def test_a_scanned_genuine_form_shows_a_green_check_and_who_released_whom(qtbot, office,
                                                                          dialog):
    text, serial = printed_code(office)
    scan(qtbot, dialog, text)
    assert dialog.ok is True and dialog.isVisible()          # Enter did not close it
    shown = dialog.result.text()
    assert shown.startswith("✓") and "#1b5e20" in dialog.result.styleSheet()
    for expected in ("核验通过", "长江路社区", serial, "张三", "410102********", "2026年11月27日"):
        assert expected in shown, expected
    assert dialog.line.text() == ""                          # ready for the next scan


def test_a_changed_character_shows_a_red_refusal_then_the_next_scan_verifies(qtbot, office,
                                                                            dialog):
    text, serial = printed_code(office)
    changed = text[:50] + ("A" if text[50] != "A" else "B") + text[51:]
    scan(qtbot, dialog, changed)
    assert dialog.ok is False and dialog.result.text().startswith("✗")
    assert "核验未通过" in dialog.result.text() and "#b71c1c" in dialog.result.styleSheet()
    scan(qtbot, dialog, "https://example.com/not-ours")
    assert dialog.ok is False and "不是社区网格通" in dialog.result.text()
    scan(qtbot, dialog, text)
    assert dialog.ok is True and serial in dialog.result.text()


def test_esc_closes_the_dialog(qtbot, dialog):
    with qtbot.waitSignal(dialog.finished, timeout=2000):
        qtbot.keyClick(dialog.line, Qt.Key.Key_Escape)
    QApplication.processEvents()                  # closed, and deleted with it
