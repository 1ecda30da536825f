"""The 党员联户 page in the real window, offscreen: coverage shown, a suggestion accepted,
household ⇄ member links, replace-or-cancel, spot checks, the ledger on a worker thread,
and the print path (preview and a real QPrinter writing a PDF)."""

from __future__ import annotations

import sys
from datetime import date

import pypdfium2 as pdfium
import pytest
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

from app import pairing
from app.documents import fonts as doc_fonts
from app.pairing.forms import notice_board_pdf
from tests.app.pairing.pairing_helpers import build_estate, household
from ui.main_window import MainWindow
from ui.pairing.dialogs import CheckResultDialog, DrawCheckDialog, PairDialog, SuggestionDialog
from ui.widgets import print_preview
from ui.widgets.print_preview import PrintPreviewDialog, print_pdf

WAIT = 15_000


@pytest.fixture
def estate(tmp_path, monkeypatch):
    monkeypatch.setenv(doc_fonts.FONT_DIRS_ENV, str(tmp_path / "no-fonts"))
    db = build_estate(tmp_path / "estate.sqlite")
    yield db
    db.conn.close()


@pytest.fixture
def window(qtbot, estate, tmp_path):
    win = MainWindow(estate, tmp_path / "estate.sqlite")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.go_to("党员联户")
    return win


def click(qtbot, button):
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def click_save(qtbot, dialog):
    click(qtbot, dialog.buttons.button(QDialogButtonBox.StandardButton.Ok))


def test_coverage_is_shown_with_chart_tree_and_lists(window):
    tab = window.party_page.coverage_tab
    assert "已联户 0 / 50 户" in tab.summary.text()
    assert "还没有联系户 4 名" in tab.summary.text()
    assert tab.chart.heights() == [0.0, 0.0]
    assert [tab.tree.topLevelItem(i).text(0) for i in range(tab.tree.topLevelItemCount())] == [
        "第一网格", "第二网格"]
    assert tab.unpaired.total() == 50
    assert tab.loads.rowCount() == 4
    assert window.party_page.model.rowCount() == 4          # the member list


def test_accepting_the_suggestion_updates_coverage_everywhere(window, qtbot, estate):
    dialog = SuggestionDialog(estate, window.party_page)
    qtbot.addWidget(dialog)
    assert dialog.model.rowCount() == 50
    # The secretary changes one line and leaves two out.
    first = dialog.model.lines[0].household_id
    dialog.model.set_member(0, estate.estate.members["陈晓东"])
    dialog.model.setData(dialog.model.index(1, 0), Qt.CheckState.Unchecked.value,
                         Qt.ItemDataRole.CheckStateRole)
    dialog.model.setData(dialog.model.index(2, 0), Qt.CheckState.Unchecked.value,
                         Qt.ItemDataRole.CheckStateRole)
    assert "48 户" in dialog.accept_button.text()
    click(qtbot, dialog.accept_button)
    assert dialog.result() and dialog.accepted_count == 48
    window.party_page.changed()

    tab = window.party_page.coverage_tab
    assert "已联户 48 / 50 户" in tab.summary.text()
    assert sum(tab.chart.heights()) > 180
    assert tab.unpaired.total() == 2
    assert pairing.household_member(estate, first).member_name == "陈晓东"
    window.go_to("概览")
    overview = window.pages.currentWidget()
    assert "已联户 48 / 50 户" in overview.pairing.text()


def test_suggestion_refusal_keeps_the_dialog_open_and_writes_nothing(window, qtbot, estate):
    dialog = SuggestionDialog(estate, window.party_page)
    qtbot.addWidget(dialog)
    taken = dialog.model.lines[0].household_id
    pairing.pair_household(estate, taken, estate.estate.members["陈晓东"])   # meanwhile
    click(qtbot, dialog.accept_button)
    assert "没有保存任何联户" in dialog.error.text()
    assert pairing.coverage(estate).paired == 1


def test_household_to_member_and_back(window, qtbot, estate):
    h = household(estate, "锦绣花园", "1单元", "301")
    pairing.pair_household(estate, h, estate.estate.members["王建国"])
    window.events.pairings_changed.emit()
    registry_page = window.registry_page
    registry_page.open_household(h)
    assert window.pages.currentWidget() is registry_page
    assert registry_page.household_id == h
    assert registry_page.b_member.text().startswith("联系党员：王建国")

    click(qtbot, registry_page.b_member)                 # household → its member
    page = window.party_page
    assert window.pages.currentWidget() is page
    assert page.tabs.currentWidget() is page.members_tab
    assert page.members_tab.current_member()["name"] == "王建国"
    households = page.members_tab.households
    assert [r["household_id"] for r in households.rows] == [h]

    page.members_tab.household_view.selectRow(0)         # member → the household
    click(qtbot, page.members_tab.b_open)
    assert window.pages.currentWidget() is registry_page
    assert registry_page.household_id == h


def test_an_unpaired_household_says_so(window, estate):
    page = window.registry_page
    page.open_household(household(estate, "翠竹苑", "1单元", "101"))
    assert page.b_member.text() == "联系党员：未安排（点此安排）"


def test_pairing_a_paired_household_asks_replace_or_cancel(window, qtbot, estate):
    h = household(estate, "翠竹苑", "1单元", "101")
    pairing.pair_household(estate, h, estate.estate.members["王建国"])
    dialog = PairDialog(estate, h, window)
    qtbot.addWidget(dialog)
    dialog.members.setCurrentIndex(dialog.members.findData(estate.estate.members["李秀英"]))
    asked = []
    dialog.ask = lambda _parent, exc: asked.append(exc.message) or False     # 取消
    click_save(qtbot, dialog)
    assert "已由党员“王建国”联系" in asked[0]
    assert "没有更换" in dialog.error_text("member_id") and dialog.result() == 0
    assert pairing.household_member(estate, h).member_name == "王建国"
    dialog.ask = lambda _parent, exc: True                                   # 更换
    click_save(qtbot, dialog)
    assert pairing.household_member(estate, h).member_name == "李秀英"
    assert [p.member_name for p in pairing.household_history(estate, h)] == ["李秀英", "王建国"]


def test_a_member_at_the_limit_is_refused_beside_the_field(window, qtbot, estate):
    pairing.set_limit(estate, 1)
    m = estate.estate.members["赵卫东"]
    pairing.pair_household(estate, household(estate, "棉纺宿舍", "1单元", "101"), m)
    dialog = PairDialog(estate, household(estate, "棉纺宿舍", "1单元", "102"), window)
    qtbot.addWidget(dialog)
    dialog.members.setCurrentIndex(dialog.members.findData(m))
    click_save(qtbot, dialog)
    assert "上限" in dialog.error_text("member_id")


def test_a_spot_check_is_drawn_and_recorded(window, qtbot, estate):
    plan = pairing.suggest_pairings(estate)
    pairing.accept_suggestions(estate, [(x.household_id, x.member_id) for x in plan.lines],
                               today=date(2026, 1, 2))
    window.events.pairings_changed.emit()
    draw = DrawCheckDialog(estate, window)
    qtbot.addWidget(draw)
    draw.field("per_grid").setValue(2)
    draw.field("seed").setText("20260302")
    click_save(qtbot, draw)
    window.events.pairings_changed.emit()
    tab = window.party_page.checks_tab
    assert tab.checks.rowCount() == 1 and tab.items.rowCount() == 4
    assert "抽样编号 20260302" in tab.check_title.text()
    item = tab.items.row_data(0)
    result = CheckResultDialog(estate, item, window)
    qtbot.addWidget(result)
    result.knows_no.setChecked(True)
    result.did["nothing"].setChecked(True)
    result.field("result").setCurrentIndex(result.field("result").findData("unsatisfied"))
    click_save(qtbot, result)
    window.events.pairings_changed.emit()
    assert tab.follow.rowCount() == 1
    assert tab.follow.row_data(0)["household_id"] == item["household_id"]
    assert tab.by_grid.rowCount() == 2


def test_an_empty_draw_is_refused_in_the_dialog(window, qtbot, estate):
    draw = DrawCheckDialog(estate, window)
    qtbot.addWidget(draw)
    click_save(qtbot, draw)
    assert "抽不出样本" in draw.error_text("per_grid")
    assert pairing.spot_checks(estate) == []


def test_the_ledger_is_exported_on_a_worker_thread(window, qtbot, tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: shown.append(a[2]))
    out = tmp_path / "台账.xlsx"
    window.party_page.export_ledger_to(out)
    job = window.party_page._export
    with qtbot.waitSignal(job.done, timeout=WAIT):
        pass
    job.wait()
    assert out.exists() and "已导出 50 户" in shown[0]


# --- printing ---------------------------------------------------------------------------------

@pytest.fixture
def notice_pdf(estate):
    plan = pairing.suggest_pairings(estate)
    pairing.accept_suggestions(estate, [(x.household_id, x.member_id) for x in plan.lines])
    return notice_board_pdf(estate, list(estate.estate.buildings.values()), date(2026, 3, 2))


def test_the_preview_paints_the_pdfs_own_pages(qtbot, notice_pdf):
    dialog = PrintPreviewDialog(notice_pdf, "楼栋党员联系户公示", "公示.pdf")
    qtbot.addWidget(dialog)
    dialog.show()
    assert len(dialog.page_labels) == 3 and "共 3 页" in dialog.info.text()
    dialog.render_pages(range(3))
    image = dialog.page_labels[0].pixmap().toImage()
    assert image.width() == round(595.28 * 96 / 72)
    # Ink where the title is, paper in the margin: the PDF's page, not a second layout.
    dark = sum(image.pixelColor(x, y).lightness() < 128
               for x in range(image.width() // 4, image.width() * 3 // 4, 3)
               for y in range(140, 175, 3))
    assert dark > 10
    assert image.pixelColor(20, 20).lightness() > 250


def test_printing_to_a_real_qprinter_gives_every_page(qtbot, notice_pdf, tmp_path):
    out = tmp_path / "printed.pdf"
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(out))
    printer.setResolution(150)
    assert print_pdf(notice_pdf, printer) == 3
    document = pdfium.PdfDocument(out.read_bytes())
    assert len(document) == 3
    width, height = document[0].get_size()
    assert abs(width - 595.3) < 2 and abs(height - 841.9) < 2    # A4, actual size
    document.close()
    # Copies the printer cannot make itself are sent again; a page range is honoured.
    again = tmp_path / "twice.pdf"
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(again))
    printer.setResolution(100)
    printer.setCopyCount(2)
    printer.setFromTo(2, 3)
    expected = 2 if printer.supportsMultipleCopies() else 4
    assert print_pdf(notice_pdf, printer) == expected


def test_no_printer_gives_a_clear_message_and_the_pdf_can_still_be_saved(
        qtbot, notice_pdf, tmp_path, monkeypatch):
    monkeypatch.setattr(print_preview.QPrinterInfo, "availablePrinters", staticmethod(lambda: []))
    warned = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: warned.append(a[2]))
    dialog = PrintPreviewDialog(notice_pdf, "楼栋党员联系户公示", "公示.pdf")
    qtbot.addWidget(dialog)
    click(qtbot, dialog.b_print)
    assert "没有安装打印机" in warned[0] and "另存为PDF" in warned[0]
    saved = dialog.save_to(tmp_path / "公示.pdf")
    assert saved.read_bytes() == notice_pdf
    assert dialog.save_to(tmp_path / "missing" / "x.pdf") is None
    assert "无法保存" in warned[1]


def test_the_page_opens_a_preview_of_the_selected_scope(window, qtbot, estate, notice_pdf,
                                                        monkeypatch):
    window.party_page.reload()
    tab = window.party_page.coverage_tab
    for i in range(tab.tree.topLevelItemCount()):
        grid = tab.tree.topLevelItem(i)
        for j in range(grid.childCount()):
            if grid.child(j).text(0) == "锦绣花园":
                tab.tree.setCurrentItem(grid.child(j).child(0))
    assert tab.scope[0] == "building"
    job = window.party_page.print_notices()
    with qtbot.waitSignal(job.done, timeout=WAIT):
        pass
    job.wait()
    dialog = window.party_page.preview
    assert dialog is not None and dialog.isVisible()
    assert len(dialog.page_labels) == 1 and "1号楼" in dialog.windowTitle()
    dialog.close()
    # Cards of a building nobody is paired in yet: a clear message, no preview.
    shown = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: shown.append(a[2]))
    pairing.end_stale_pairings(estate)
    for pid in [p.id for h in estate.estate.households.values()
                if (p := pairing.household_member(estate, h))]:
        pairing.end_pairing(estate, pid)
    job = window.party_page.print_cards()
    with qtbot.waitSignal(job.error, timeout=WAIT):
        pass
    job.wait()
    assert "没有可打印的联系卡" in shown[0]


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from 3.12")
def test_none_true_false_have_references_to_spare():
    assert min(sys.getrefcount(x) for x in (None, True, False)) > 1 << 39
