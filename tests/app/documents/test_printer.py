"""Sending the PDF itself to a printer: through a real CUPS queue (CUPS-PDF writes the job's
output, read back here: text, page count, page size), refusals with Chinese messages, and the
Windows path's pure parts (DEVMODE, page placement, page ranges)."""

from __future__ import annotations

import subprocess

import pypdfium2 as pdfium
import pytest

from app.documents import printer
from app.isolation import printing as ip
from tests.app.isolation.test_isolation_documents import add_case
from tests.app.isolation.test_isolation_documents import office as office
from tests.cups_queue import cups_pdf as cups_pdf


def pdf_facts(path) -> tuple[int, tuple[float, float], str, int]:
    """Pages, first page size, all text, text objects on page 1 (0 for a page image)."""
    document = pdfium.PdfDocument(path.read_bytes())
    try:
        text = "".join(document[i].get_textpage().get_text_range()
                       for i in range(len(document)))
        objects = sum(1 for o in document[0].get_objects() if o.type == 1)  # FPDF_PAGEOBJ_TEXT
        return len(document), document[0].get_size(), text, objects
    finally:
        document.close()


def test_a_notice_set_goes_to_a_cups_queue_as_the_pdf_itself(office, cups_pdf):
    a, b = add_case(office, "张三"), add_case(office, "单田芳")
    data, issued = ip.notice_set_pdf(office, [a, b])
    assert cups_pdf.name in printer.printers()
    job = printer.send_pdf(data, cups_pdf.name, title="居家隔离文书 test-1")
    assert job.printer == cups_pdf.name and job.job_id.startswith(f"{cups_pdf.name}-")
    pages, (width, height), text, objects = pdf_facts(cups_pdf.output(job))
    assert pages == len(pdfium.PdfDocument(data))
    assert abs(width - 595.3) < 2 and abs(height - 841.9) < 2              # A4, actual size
    # Text, not page images: the serials (ASCII) read back from the printed job.
    # (CUPS-PDF's Ghostscript drops the CJK fonts' Unicode map, so Chinese does not.)
    assert issued[0].serial in text and objects > 20
    # Copies and a page range go to the queue with the job.
    job = printer.send_pdf(data, cups_pdf.name, copies=2, pages="1-2", sides=printer.LONG_EDGE,
                           title="居家隔离文书 test-2")
    assert pdf_facts(cups_pdf.output(job))[0] in (2, 4)     # CUPS-PDF may collate copies itself
    lines = subprocess.run(["lpstat", "-W", "completed", "-l", "-o", cups_pdf.name],
                           capture_output=True, text=True).stdout
    assert job.job_id in lines


def test_a_missing_printer_a_stopped_or_refusing_queue_get_a_chinese_message(cups_pdf):
    pdf = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids"
           b"[3 0 R]/Count 1>>endobj 3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>"
           b"endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
    with pytest.raises(printer.PrinterError) as missing:
        printer.send_pdf(pdf, "没有这台打印机")
    assert "找不到打印机“没有这台打印机”" in missing.value.message
    before = len(list(cups_pdf.folder.glob("*.pdf")))
    try:
        cups_pdf.stop("缺纸")
        with pytest.raises(printer.PrinterError) as stopped:
            printer.send_pdf(pdf, cups_pdf.name)
        assert "已暂停（缺纸）" in stopped.value.message and "另存为PDF" in stopped.value.message
        cups_pdf.resume()
        cups_pdf.reject("维修中")
        with pytest.raises(printer.PrinterError) as refusing:
            printer.send_pdf(pdf, cups_pdf.name)
        assert "不接受打印任务（维修中）" in refusing.value.message
    finally:
        cups_pdf.resume()
    assert len(list(cups_pdf.folder.glob("*.pdf"))) == before
    with pytest.raises(printer.PrinterError, match="份数"):
        printer.send_pdf(pdf, cups_pdf.name, copies=0)


def test_a_rejected_job_says_what_lp_said(cups_pdf, monkeypatch, tmp_path):
    # A queue that vanishes between the check and the send: lp's own refusal is reported.
    fake = tmp_path / "lp"
    fake.write_text("#!/bin/sh\necho 'lp: Error - job too large' >&2\nexit 1\n")
    fake.chmod(0o755)
    spooler = printer.CupsSpooler(lp=str(fake))
    monkeypatch.setattr(printer, "spooler", lambda: spooler)
    with pytest.raises(printer.PrinterError) as rejected:
        printer.send_pdf(b"%PDF-1.4", cups_pdf.name)
    assert "拒绝了这个打印任务：Error - job too large" in rejected.value.message


def test_no_cups_installed_says_so(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(printer.PrinterError) as none:
        printer.CupsSpooler().send(b"%PDF", "HP", 1, printer.ONE_SIDED, "x", None)
    assert "没有安装打印服务（CUPS）" in none.value.message
    assert printer.CupsSpooler().printers() == []


# --- the Windows path's pure parts ------------------------------------------------------------

def test_devmode_gets_copies_and_duplex_and_keeps_the_rest():
    devmode = bytearray(220)
    devmode[72:76] = (0x1 | 0x2).to_bytes(4, "little")         # orientation, paper size
    devmode[92:94] = (2).to_bytes(2, "little")                  # colour
    printer.patch_devmode(devmode, 3, printer.LONG_EDGE)
    assert int.from_bytes(devmode[72:76], "little") == 0x1 | 0x2 | 0x100 | 0x1000
    assert int.from_bytes(devmode[86:88], "little") == 3
    assert int.from_bytes(devmode[94:96], "little") == 2       # DMDUP_VERTICAL
    assert int.from_bytes(devmode[92:94], "little") == 2


def test_a_page_is_drawn_at_its_real_size_from_the_sheets_corner():
    # A4 at 600 dpi on a printer whose printable area starts 100 and 120 dots in.
    assert printer.page_box(595.28, 841.89, 600, 600, 100, 120) == (-100, -120, 4961, 7016)


def test_page_ranges():
    assert printer.page_numbers(None, 3) == [0, 1, 2]
    assert printer.page_numbers("2-3", 5) == [1, 2]
    assert printer.page_numbers("1,4-9", 5) == [0, 3, 4]
