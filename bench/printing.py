"""Printing benchmark: one notice set (告知书＋回执, 承诺书, 观察卡, 封条, 楼口公示) as PDF,
500 sets in one batch, that batch sent to a CUPS queue (time until the queue holds it, the
job's size), the time to the first preview page, and the bare ReportLab rate on the same pages.
Prints figures against the targets; asserts nothing.

    python bench/printing.py [--db FILE] [--sets 500] [--printer QUEUE] [--wait SECONDS]

The 100,000-resident demo (seed 7) is built in the temporary folder when missing (~1 min).
The cases are registered (and their serials issued) inside a transaction that is rolled back
at the end, so the demo file is left as it was.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from measure import DEMO_100K, ensure_demo  # noqa: E402

TARGET_BATCH_S, TARGET_PREVIEW_MS = 5.0, 300
TARGET_QUEUE_S, TARGET_QUEUE_MB = 10.0, 10.0


def send_to_cups(data: bytes, printer: str | None, wait_s: float) -> None:
    """The batch sent as the PDF itself to a CUPS queue (`printer`, or a CUPS-PDF queue added
    for the run as tests/cups_queue.py does): the time until the queue holds the whole job,
    the job's size as CUPS spooled it, and (up to `wait_s`) until CUPS-PDF has written it."""
    import contextlib
    import subprocess
    import tempfile

    from app.documents.printer import CupsSpooler, send_pdf

    spooler = CupsSpooler()
    with contextlib.ExitStack() as stack:
        if printer is None:
            from tests.cups_queue import Unavailable, cups_pdf_queue

            folder = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "cups-pdf"
            try:
                printer = stack.enter_context(cups_pdf_queue(folder, "GridDeskBenchPDF")).name
            except Unavailable as exc:
                print(f"CUPS queue: skipped ({exc})")
                return
        started = time.perf_counter()
        job = send_pdf(data, printer, title="居家隔离文书 bench")
        queued = time.perf_counter() - started
        listed = subprocess.run(["lpstat", "-W", "all", "-o", printer], capture_output=True,
                                text=True, env={"LC_ALL": "C", "PATH": "/usr/bin:/bin"}).stdout
        size = next((int(line.split()[2]) for line in listed.splitlines()
                     if line.split()[:1] == [job.job_id]), len(data))
        print(f"sent to CUPS queue “{printer}” as the PDF itself: the queue holds the whole job "
              f"after {queued:.2f} s, job size {size / 1e6:.1f} MB — targets ≤ "
              f"{TARGET_QUEUE_S:.0f} s: {'OK' if queued <= TARGET_QUEUE_S else 'MISSED'}, ≤ "
              f"{TARGET_QUEUE_MB:.0f} MB: {'OK' if size / 1e6 <= TARGET_QUEUE_MB else 'MISSED'} "
              f"(page images at 300 dpi were ~2.5 GB)")
        if wait_s > 0:
            started = time.perf_counter()
            done = spooler.wait(job, wait_s)
            print("  CUPS-PDF (Ghostscript) " + (
                f"finished the job {time.perf_counter() - started:.0f} s later" if done else
                f"had not finished the job after {wait_s:.0f} s") + " (the backend, not us)")


def make_cases(db, count: int, today: date) -> list[str]:
    """`count` cases for residents with a household, inserted as rows (no UI, no checks)."""
    from app.database import community_info
    from db import registry as rq

    owner = community_info(db).id
    staff = {role: rq.staff(db, role)[0]["id"] for role in ("grid_worker", "police", "doctor")}
    residents = db.conn.execute(
        "SELECT id, household_id FROM residents WHERE deleted = 0 AND household_id IS NOT NULL "
        "ORDER BY id LIMIT ?", (count,)).fetchall()
    ids = []
    for i, (rid, hid) in enumerate(residents):
        start = today - timedelta(days=i % 5)
        ids.append(rq.insert(db, "isolation_cases", {
            "resident_id": rid, "household_id": hid,
            "kind": "home_isolation" if i % 4 else "home_monitoring",
            "reason": ("密切接触者", "中高风险地区返回", "入境人员")[i % 3],
            "origin": "郑州市金水区", "started_on": start.isoformat(),
            "planned_end": (start + timedelta(days=6)).isoformat(), "status": "active",
            "grid_worker_id": staff["grid_worker"], "police_id": staff["police"],
            "doctor_id": staff["doctor"], "door_measure": ("seal", "sensor")[i % 2],
            "created_on": today.isoformat()}, owner=owner))
    return ids


def bare_reportlab(sheets, forms) -> bytes:
    """The same pages' text with plain canvas calls: one font, no per-character fallback, no
    line breaking (each template text cut every 36 characters), no tables or guides."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    from app.documents.fonts import document_fonts
    from app.isolation.forms import check_sheets
    font = document_fonts().body.name
    templates, values = check_sheets(sheets, forms)
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=A4, pageCompression=1)
    for per_form in values:
        for form, v in per_form:
            t = templates[form]
            y = 780
            for key in t.values:
                for text in t.texts(key, {**v, "n": "1"}):
                    for k in range(0, len(text), 36):
                        c.setFont(font, 12)
                        c.drawString(80, y, text[k:k + 36])
                        y -= 18
                        if y < 60:
                            y = 780
            c.showPage()
    c.save()
    return buffer.getvalue()


def preview_dialog_ms(data: bytes) -> float | None:
    """The real dialog: open it on the PDF and wait until page 1 has its picture."""
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    try:
        from PySide6.QtWidgets import QApplication

        from ui.widgets.print_preview import PrintPreviewDialog
    except ImportError:
        return None
    app = QApplication.instance() or QApplication([])
    started = time.perf_counter()
    dialog = PrintPreviewDialog(data, "居家隔离文书")
    dialog.show()
    while 0 not in dialog.rendered:
        app.processEvents()
    elapsed = (time.perf_counter() - started) * 1000
    dialog.close()
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=DEMO_100K)
    parser.add_argument("--sets", type=int, default=500)
    parser.add_argument("--printer", help="a CUPS queue to send the batch to (default: a "
                                          "CUPS-PDF queue added for the run, when root)")
    parser.add_argument("--wait", type=float, default=0,
                        help="seconds to wait for the queue to finish the job (default 0)")
    args = parser.parse_args()

    import pypdfium2 as pdfium

    from app.database import open_community_db
    from app.documents.fonts import document_fonts
    from app.isolation.forms import _LINES, NOTICE_SET
    from app.isolation.printing import load_sheets, notice_set_pdf

    db = open_community_db(ensure_demo(args.db))
    today = date.today()
    started = time.perf_counter()
    fonts = document_fonts()
    print(f"fonts: body {fonts.body.label} ({fonts.body.source}), "
          f"title {fonts.title.label}; {len(fonts.fallbacks)} fallback(s); found and loaded "
          f"in {(time.perf_counter() - started) * 1000:.0f} ms (once per process)")
    db.conn.execute("BEGIN")
    try:
        ids = make_cases(db, 2 * args.sets + 1, today)
        # One set, cold (first use of the fonts and templates in this process) and warm.
        started = time.perf_counter()
        one, _ = notice_set_pdf(db, ids[:1])
        cold = time.perf_counter() - started
        warm = []
        for i in range(1, 6):
            _LINES.clear()
            started = time.perf_counter()
            notice_set_pdf(db, ids[i:i + 1])
            warm.append(time.perf_counter() - started)
        pages = len(pdfium.PdfDocument(one))
        print(f"one notice set ({pages} pages, {len(one) / 1024:.0f} KB): "
              f"cold {cold * 1000:.0f} ms, warm median {statistics.median(warm) * 1000:.0f} ms")

        # 500 sets in one batch (one PDF, one print job).
        _LINES.clear()
        started = time.perf_counter()
        batch, issued = notice_set_pdf(db, ids[1:args.sets + 1])
        elapsed = time.perf_counter() - started
        document = pdfium.PdfDocument(batch)
        pages = len(document)
        print(f"{args.sets} sets in one batch: {elapsed:.2f} s ({pages} pages, "
              f"{len(batch) / 1e6:.1f} MB, {len(issued)} serials, "
              f"{pages / elapsed:.0f} pages/s) — target ≤ {TARGET_BATCH_S:.0f} s: "
              f"{'OK' if elapsed <= TARGET_BATCH_S else 'MISSED'}")

        if sys.platform != "win32":
            send_to_cups(batch, args.printer, args.wait)

        # Time to the first preview page: open the fresh PDF and render page 1 at 96 dpi,
        # as PrintPreviewDialog does (without Qt, pypdfium2 is all of the work).
        times = []
        for data in (one, batch):
            for _ in range(3):
                started = time.perf_counter()
                doc = pdfium.PdfDocument(data)
                bitmap = doc[0].render(scale=96 / 72, rev_byteorder=True)
                bitmap.close()
                doc.close()
                times.append(time.perf_counter() - started)
        first = max(times)
        print(f"first preview page (open + render page 1 at 96 dpi): worst "
              f"{first * 1000:.0f} ms, median {statistics.median(times) * 1000:.0f} ms "
              f"(one set and the {pages}-page batch) — target ≤ {TARGET_PREVIEW_MS} ms: "
              f"{'OK' if first * 1000 <= TARGET_PREVIEW_MS else 'MISSED'}")
        document.close()
        preview_ms = preview_dialog_ms(batch)
        if preview_ms is not None:
            print(f"PrintPreviewDialog on the {pages}-page batch, until page 1 is painted: "
                  f"{preview_ms:.0f} ms (offscreen Qt)")

        # Where the batch's time goes, on another as many cases.
        from app.isolation.forms import check_sheets, render_forms
        from app.isolation.printing import issue_serials

        others = ids[args.sets + 1:]
        _LINES.clear()
        started = time.perf_counter()
        sheets = load_sheets(db, others, today)
        for sheet in sheets:
            sheet.serials = {form: "—" for form in NOTICE_SET}
        check_sheets(sheets, NOTICE_SET)
        checked = time.perf_counter()
        issue_serials(db, sheets, NOTICE_SET)
        issued_at = time.perf_counter()
        render_forms(sheets, NOTICE_SET)
        rendered = time.perf_counter()
        print(f"  of which: data and template checks {checked - started:.2f} s, serials "
              f"(case_forms rows with their sync and audit triggers) {issued_at - checked:.2f} s, "
              f"drawing and saving the PDF {rendered - issued_at:.2f} s")

        # The bare ReportLab rate on the same text.
        sheets = load_sheets(db, ids[1:args.sets + 1], today)
        for sheet, item in zip(sheets, range(len(sheets)), strict=True):
            sheet.serials = {form: f"BENCH-{item}" for form in NOTICE_SET}
        started = time.perf_counter()
        bare = bare_reportlab(sheets, NOTICE_SET)
        bare_s = time.perf_counter() - started
        bare_pages = len(pdfium.PdfDocument(bare))
        print(f"bare ReportLab, same text, one font, no line breaking: {bare_s:.2f} s for "
              f"{bare_pages} pages ({bare_pages / bare_s:.0f} pages/s); the forms take "
              f"{elapsed / bare_s:.1f}× as long")
    finally:
        db.conn.execute("ROLLBACK")
        db.conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
