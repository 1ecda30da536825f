"""Printing isolation cases from the window: built in the background, previewed, printed (the
PDF itself to a real CUPS queue chosen in the print dialog, or through QPrinter to a PDF file)
or saved, and logged only once that succeeded."""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QDialog, QMessageBox, QWidget

from app.documents import fonts as doc_fonts
from app.isolation import printing as ip
from tests.app.isolation.test_isolation_documents import add_case, released_case
from tests.app.isolation.test_isolation_documents import office as office
from tests.cups_queue import cups_pdf as cups_pdf
from ui.isolation import printing as case_print
from ui.widgets import print_preview

print_preview_print_pdf = print_preview.print_pdf     # the real one, before any monkeypatch

WAIT = 60_000


@pytest.fixture
def host(qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    return widget


@pytest.fixture
def messages(monkeypatch):
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: shown.append(a[2]))
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: shown.append(a[2]))
    return shown


def run(qtbot, job):
    with qtbot.waitSignal(job.finished, timeout=WAIT):
        pass
    return job


def test_print_through_qprinter_to_a_pdf_file_then_the_print_is_logged(
        qtbot, host, office, tmp_path, monkeypatch, messages):
    a, b = add_case(office, "张三"), add_case(office, "单田芳")
    job = run(qtbot, case_print.print_cases(host, office, [a, b]))
    dialog = job.preview
    assert dialog is not None and dialog.isVisible()
    # Seven pages a case: the 告知书 and 承诺书 (三号, GB/T 9704) take two each.
    assert dialog.pages == 14 and "共 14 页" in dialog.info.text()
    assert office["print_log"].count == 0               # previewing is not printing

    out = tmp_path / "printed.pdf"

    def pdf_printer() -> QPrinter:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(out))
        printer.setResolution(100)
        printer.setCopyCount(2)
        return printer

    class Accept:
        def __init__(self, *args):
            pass

        def setWindowTitle(self, _title):
            pass

        def exec(self):
            return QDialog.DialogCode.Accepted

    monkeypatch.setattr(print_preview.QPrinterInfo, "availablePrinters",
                        staticmethod(lambda: ["HP LaserJet"]))
    monkeypatch.setattr(print_preview, "QPrintDialog", Accept)
    monkeypatch.setattr(dialog, "make_printer", pdf_printer)
    with qtbot.waitSignal(job.printed, timeout=WAIT) as signal:
        dialog.print_document()
    assert signal.args == [[a, b]]
    # The printed file: every page at A4, the forms' ink on it.
    document = pdfium.PdfDocument(out.read_bytes())
    printer = pdf_printer()
    assert len(document) == (14 if printer.supportsMultipleCopies() else 28)
    width, height = document[0].get_size()
    assert abs(width - 595.3) < 2 and abs(height - 841.9) < 2
    bitmap = document[0].render(scale=0.5)
    assert min(bitmap.buffer) < 100                      # not a blank page
    bitmap.close()
    document.close()
    log = ip.print_log(office, a)
    assert len(log) == 5 and {e.target for e in log} == {str(out)}
    assert {e.copies for e in log} == {2} and not any(e.reprint for e in log)
    assert "已记录" in dialog.info.text()
    dialog.close()


class ChosenInDialog:
    """QPrintDialog as if the person pressed 打印 (the printer keeps what the test set)."""

    def __init__(self, *args):
        pass

    def setWindowTitle(self, _title):
        pass

    def exec(self):
        return QDialog.DialogCode.Accepted


def queue_printer(name: str, copies: int = 1) -> QPrinter:
    """What the print dialog hands back once a CUPS printer is chosen."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPrinterName(name)
    assert printer.printerName() == name and not print_preview.to_file(printer)
    printer.setCopyCount(copies)
    printer.setDuplex(QPrinter.DuplexMode.DuplexLongSide)
    return printer


def test_print_sends_the_pdf_itself_to_the_chosen_cups_queue_then_logs_it(
        qtbot, host, office, monkeypatch, messages, cups_pdf):
    a, b = add_case(office, "张三"), add_case(office, "单田芳")
    job = run(qtbot, case_print.print_cases(host, office, [a, b]))
    dialog = job.preview
    printer = queue_printer(cups_pdf.name, copies=2)
    sides = print_preview.queue_options(printer)["sides"]   # as the queue's driver allows
    monkeypatch.setattr(print_preview, "QPrintDialog", ChosenInDialog)
    monkeypatch.setattr(dialog, "make_printer", lambda: printer)
    sent = []
    real_send = print_preview.spool.send_pdf
    monkeypatch.setattr(print_preview.spool, "send_pdf",
                        lambda *a, **k: sent.append(real_send(*a, **k)) or sent[-1])
    with qtbot.waitSignal(job.printed, timeout=WAIT):
        dialog.print_document()
    assert [(s.printer, s.copies, s.sides) for s in sent] == [(cups_pdf.name, 2, sides)]
    out = pdfium.PdfDocument(cups_pdf.output(sent[0]).read_bytes())
    assert len(out) in (dialog.pages, 2 * dialog.pages)     # CUPS-PDF may collate copies
    width, height = out[0].get_size()
    assert abs(width - 595.3) < 2 and abs(height - 841.9) < 2
    serial = next(e.serial for e in ip.print_log(office, a) if e.form == "notice")
    assert serial in out[0].get_textpage().get_text_range()          # text, not an image
    out.close()
    log = ip.print_log(office, a)
    assert len(log) == 5 and {(e.target, e.copies) for e in log} == {(cups_pdf.name, 2)}
    assert f"已发送到打印机“{cups_pdf.name}”" in dialog.info.text()
    dialog.close()


def test_the_dialogs_copies_and_page_range_go_with_the_job(qtbot):
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setCopyCount(3)
    printer.setPrintRange(QPrinter.PrintRange.PageRange)
    printer.setFromTo(2, 4)
    printer.setDocName("居家隔离文书")
    assert print_preview.queue_options(printer) == {
        "copies": 3, "sides": "one-sided", "pages": "2-4", "title": "居家隔离文书"}


def test_a_stopped_queue_says_so_and_logs_nothing(qtbot, host, office, monkeypatch, messages,
                                                  cups_pdf):
    a = add_case(office)
    job = run(qtbot, case_print.print_cases(host, office, [a]))
    dialog = job.preview
    monkeypatch.setattr(print_preview, "QPrintDialog", ChosenInDialog)
    monkeypatch.setattr(dialog, "make_printer", lambda: queue_printer(cups_pdf.name))
    try:
        cups_pdf.stop("卡纸")
        with qtbot.waitSignal(dialog.printing_done, timeout=WAIT) as ended:
            dialog.print_document()
    finally:
        cups_pdf.resume()
    assert ended.args == [False] and "已暂停（卡纸）" in messages[-1]
    assert dialog.b_print.isEnabled() and office["print_log"].count == 0
    dialog.close()


def test_a_failed_print_or_save_logs_nothing(qtbot, host, office, tmp_path, monkeypatch,
                                             messages):
    a = add_case(office)
    job = run(qtbot, case_print.print_cases(host, office, [a]))
    dialog = job.preview
    # No printer installed.
    monkeypatch.setattr(print_preview.QPrinterInfo, "availablePrinters", staticmethod(lambda: []))
    dialog.print_document()
    assert "没有安装打印机" in messages[-1]
    # Printing to a file fails.
    monkeypatch.setattr(print_preview.QPrinterInfo, "availablePrinters",
                        staticmethod(lambda: ["HP LaserJet"]))
    monkeypatch.setattr(print_preview, "QPrintDialog", ChosenInDialog)

    def file_printer() -> QPrinter:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(tmp_path / "jammed.pdf"))
        return printer

    monkeypatch.setattr(dialog, "make_printer", file_printer)

    def jammed(*_args):
        raise print_preview.PrintError("打印机报告了错误，打印没有完成。")

    monkeypatch.setattr(print_preview, "print_pdf", jammed)
    with qtbot.waitSignal(dialog.printing_done, timeout=WAIT) as ended:
        dialog.print_document()
    assert ended.args == [False] and "打印机报告了错误" in messages[-1]
    assert dialog.b_print.isEnabled()
    # The person cancels part way: the job is aborted.
    monkeypatch.setattr(print_preview, "print_pdf",
                        lambda pdf, printer, progress, cancelled:
                        print_preview_print_pdf(pdf, printer, progress, lambda: True))
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "cancelled.pdf"))
    with qtbot.waitSignal(dialog.printing_done, timeout=WAIT) as ended:
        dialog.start_printing(printer)
    assert ended.args == [False] and "已取消打印" in dialog.info.text()
    # A folder that does not exist.
    assert dialog.save_to(tmp_path / "missing" / "x.pdf") is None
    assert "无法保存" in messages[-1]
    assert office["print_log"].count == 0
    # Saving works and is logged, as a save.
    saved = dialog.save_to(tmp_path / "告知书.pdf")
    assert saved is not None and saved.read_bytes() == job.data
    log = ip.print_log(office, a)
    assert len(log) == 5 and log[0].target == str(saved)
    dialog.close()


def test_a_reprint_is_built_marked_and_logged_as_one(qtbot, host, office, tmp_path,
                                                     messages):
    a = add_case(office)
    first = run(qtbot, case_print.print_cases(host, office, [a], ("notice",)))
    first.preview.save_to(tmp_path / "1.pdf")
    first.preview.close()
    again = run(qtbot, case_print.print_cases(host, office, [a], ("notice",)))
    text = pdfium.PdfDocument(again.data)[0].get_textpage().get_text_range()
    assert "补打（第2次）" in text
    again.preview.save_to(tmp_path / "2.pdf")
    log = ip.print_log(office, a)
    assert sorted(e.reprint for e in log) == [False, True]
    assert log[0].serial == log[1].serial
    again.preview.close()


def test_missing_data_and_bad_templates_say_what_to_do_without_a_preview(
        qtbot, host, office, tmp_path, messages):
    a = add_case(office, doctor_id=None)
    job = run(qtbot, case_print.print_cases(host, office, [a]))
    assert job.preview is None and "中指定片医" in messages[-1]
    folder = tmp_path / "data" / "templates" / "isolation"
    folder.mkdir(parents=True)
    (folder / "card.toml").write_text('title = "{kind}观察卡{nmae}"\n', encoding="utf-8")
    b = add_case(office, "单田芳")
    job = run(qtbot, case_print.print_cases(host, office, [b], ("card",)))
    assert job.preview is None and "{nmae}" in messages[-1]
    assert office["case_forms"].count == 0 and office["print_log"].count == 0


def test_release_form_and_everything_new_today(qtbot, host, office, messages, tmp_path):
    released = released_case(office, "曾志伟")
    logged = []
    job = run(qtbot, case_print.print_release(host, office, released, user="刘书记",
                                              on_logged=lambda: logged.append(1)))
    assert job.preview is not None and job.title == "解除居家隔离通知书"
    job.preview.save_to(tmp_path / "解除.pdf")
    assert logged == [1]
    assert [(e.form, e.printed_by) for e in ip.print_log(office, released)] == [
        ("release", "刘书记")]
    job.preview.close()
    a, b = add_case(office, "张三"), add_case(office, "单田芳")
    job = run(qtbot, case_print.print_new_today(host, office))
    assert job.case_ids == [a, b] and job.preview.pages == 14
    job.preview.close()


def test_a_cancelled_batch_opens_no_preview(qtbot, host, office, messages):
    cases = [add_case(office, who) for who in ("张三", "单田芳", "曾志伟")]
    job = case_print.CasePrint(host, office, cases, ip.NOTICE_SET, "居家隔离文书")
    job.cancel()
    job.start()
    run(qtbot, job)
    assert job.preview is None and office["print_log"].count == 0


def test_nothing_selected(host, messages):
    assert case_print.print_cases(host, None, []) is None
    assert "请先选择" in messages[-1]


def test_fonts_fixture_is_the_bundled_one(office):
    assert doc_fonts.document_fonts().body.source == "bundled"
