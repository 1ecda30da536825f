"""`griddesk print notices|release|pairings --printer NAME`: the PDF itself goes to a real CUPS
queue (CUPS-PDF writes the job out, read back here); a missing printer or a stopped queue gets
a Chinese message, exit 1, and nothing is logged as printed."""

from __future__ import annotations

import subprocess

import pypdfium2 as pdfium

from app.cli import main
from app.database import database_file
from app.isolation import printing as ip
from tests.app.isolation.test_isolation_documents import add_case, released_case
from tests.app.isolation.test_isolation_documents import office as office
from tests.cups_queue import cups_pdf as cups_pdf


def last_job(queue: str) -> str:
    done = subprocess.run(["lpstat", "-W", "all", "-o", queue], capture_output=True, text=True)
    ids = [line.split()[0] for line in done.stdout.splitlines() if line.strip()]
    return max(ids, key=lambda i: int(i.rsplit("-", 1)[1]))


def read_job(cups_pdf) -> tuple[int, tuple[float, float], str]:
    from app.documents.printer import PrintJob

    job = PrintJob(cups_pdf.name, last_job(cups_pdf.name), 1, "one-sided")
    document = pdfium.PdfDocument(cups_pdf.output(job).read_bytes())
    try:
        text = "".join(document[i].get_textpage().get_text_range()
                       for i in range(len(document)))
        return len(document), document[0].get_size(), text
    finally:
        document.close()


def test_print_notices_release_and_pairings_to_a_named_queue(office, cups_pdf, capsys):
    path = database_file(office)
    a, b = add_case(office, "张三"), add_case(office, "单田芳")
    assert main(["print", "notices", "--db", path, "--case", a, "--case", b,
                 "--printer", cups_pdf.name, "--copies", "2"]) == 0
    said = capsys.readouterr().out
    assert f"已发送到打印机“{cups_pdf.name}”（2 份）" in said and "-GZ-00001" in said
    pages, (width, height), text = read_job(cups_pdf)
    one = len(pdfium.PdfDocument(ip.notice_set_pdf(office, [a, b])[0]))   # same pages again
    assert pages in (one, 2 * one)                # CUPS-PDF may or may not collate copies
    assert abs(width - 595.3) < 2 and abs(height - 841.9) < 2
    assert "-GZ-00001" in text                    # text, not page images
    log = ip.print_log(office, a)
    assert len(log) == 5 and {(e.target, e.copies) for e in log} == {(cups_pdf.name, 2)}

    released = released_case(office, "曾志伟")
    assert main(["print", "release", "--db", path, "--case", released,
                 "--printer", cups_pdf.name, "--duplex"]) == 0
    assert read_job(cups_pdf)[0] >= 1
    assert [e.target for e in ip.print_log(office, released)] == [cups_pdf.name]

    assert main(["print", "pairings", "--db", path, "--printer", cups_pdf.name]) == 0
    assert "楼栋党员联系户公示" in capsys.readouterr().out
    assert read_job(cups_pdf)[0] >= 1


def test_a_missing_printer_or_a_stopped_queue_logs_nothing(office, cups_pdf, capsys):
    path = database_file(office)
    a = add_case(office)
    assert main(["print", "notices", "--db", path, "--case", a, "--printer", "办公室HP"]) == 1
    assert "找不到打印机“办公室HP”" in capsys.readouterr().err
    try:
        cups_pdf.stop("卡纸")
        assert main(["print", "notices", "--db", path, "--case", a,
                     "--printer", cups_pdf.name]) == 1
        assert "已暂停（卡纸）" in capsys.readouterr().err
    finally:
        cups_pdf.resume()
    assert office["print_log"].count == 0
