"""Print preview and printing of a finished PDF: the preview shows its pages rendered by
pypdfium2; 打印… lets Qt's print dialog choose the printer, copies and duplex, then sends the
PDF itself to that printer's queue (app.documents.printer: CUPS, or pdfium into the Windows
printer's device context), vectors and not page images. What is previewed, printed and saved
is the same document of record, laid out once by ReportLab. Only "print to file" in the dialog
still paints the pages through a QPrinter. Any form (pairing notices, isolation notices) uses
it."""

from __future__ import annotations

import bisect
import threading
from collections.abc import Callable
from pathlib import Path

import pypdfium2 as pdfium
from PySide6.QtCore import QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QPageLayout, QPageSize, QPainter, QPixmap
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrinterInfo
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.documents import printer as spool
from app.documents.page import DocumentSaveError, save_pdf
from ui.widgets.background import BackgroundTask, close_progress, progress_dialog

PREVIEW_DPI = 96
PAGE_GAP = 16            # pixels between previewed pages
PIXMAPS_KEPT = 40        # rendered preview pages kept in memory (~1 MB each)
PRINT_DPI_MAX = 300      # a raster of A4 at 300 dpi is ~25 MB; finer gains nothing on paper
NO_PRINTER = ("这台电脑还没有安装打印机，无法直接打印。\n"
              "请在系统的“设置 → 打印机和扫描仪”中添加打印机后重试；"
              "也可以点“另存为PDF”，把文件拷到有打印机的电脑上打印。")


class PrintError(Exception):
    """Printing could not start or finish; `message` says what to do, in Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def pdf_bytes(pdf: bytes | str | Path) -> bytes:
    return pdf if isinstance(pdf, bytes) else Path(pdf).read_bytes()


# PDFium is not thread-safe: the preview (UI thread) and a print job (worker thread) take
# turns, a page at a time.
PDFIUM_LOCK = threading.RLock()


def render_page(document: pdfium.PdfDocument, index: int, dpi: float,
                gray: bool = False) -> QImage:
    """One page as an RGB (or 8-bit grey) image at `dpi` (no Pillow: the bitmap goes
    straight to QImage)."""
    with PDFIUM_LOCK:
        bitmap = document[index].render(scale=dpi / 72, rev_byteorder=True, grayscale=gray)
        try:
            fmt = QImage.Format.Format_Grayscale8 if gray else QImage.Format.Format_RGB888
            return QImage(bitmap.buffer, bitmap.width, bitmap.height, bitmap.stride,
                          fmt).copy()
        finally:
            bitmap.close()


def page_count(pdf: bytes | str | Path) -> int:
    document = pdfium.PdfDocument(pdf_bytes(pdf))
    try:
        return len(document)
    finally:
        document.close()


class PrintCancelled(PrintError):
    """The person cancelled a print job part way."""


def print_pdf(pdf: bytes | str | Path, printer: QPrinter,
              progress: Callable[[int, int], None] | None = None,
              cancelled: Callable[[], bool] | None = None) -> int:
    """Paint the PDF's pages onto `printer` at their real size; returns pages printed.

    Honours the page range, the colour mode (grey pages are a third of the data) and (when
    the printer cannot do it itself) the copy count chosen in the print dialog. May run on a
    worker thread (Qt paints on a QPrinter off the GUI thread). Raises PrintError when the
    printer cannot start or reports an error, PrintCancelled when `cancelled()` says so
    (the job is aborted)."""
    with PDFIUM_LOCK:
        document = pdfium.PdfDocument(pdf_bytes(pdf))
    try:
        total = len(document)
        first = max(1, printer.fromPage() or 1) - 1
        last = min(total, printer.toPage() or total)
        pages = range(first, last)
        copies = 1 if printer.supportsMultipleCopies() else max(1, printer.copyCount())
        gray = printer.colorMode() == QPrinter.ColorMode.GrayScale
        printer.setFullPage(True)     # the PDF carries its own margins (GB/T 9704)
        painter = QPainter()
        if not painter.begin(printer):
            raise PrintError("打印机没有响应，无法开始打印。请检查打印机是否开机、已连接、"
                             "没有缺纸或卡纸，然后重试；也可以先另存为PDF。")
        printed = 0
        try:
            dpi = min(printer.resolution(), PRINT_DPI_MAX)
            paper = printer.paperRect(QPrinter.Unit.DevicePixel)
            for _copy in range(copies):
                for i in pages:
                    if cancelled and cancelled():
                        printer.abort()
                        raise PrintCancelled("已取消打印。打印机可能已经打出了前面几页。")
                    if printed:
                        printer.newPage()
                    with PDFIUM_LOCK:
                        width_pt, height_pt = document.get_page_size(i)
                    scale = printer.resolution() / 72
                    target = QRectF(paper.x(), paper.y(), width_pt * scale, height_pt * scale)
                    painter.drawImage(target, render_page(document, i, dpi, gray))
                    printed += 1
                    if progress:
                        progress(printed, len(pages) * copies)
        finally:
            ended = painter.end()
        if not ended or printer.printerState() == QPrinter.PrinterState.Error:
            raise PrintError("打印机报告了错误，打印没有完成。请检查打印机（缺纸、卡纸、"
                             "墨粉、脱机）后重试；也可以先另存为PDF。")
        return printed
    finally:
        with PDFIUM_LOCK:
            document.close()


def queue_options(printer: QPrinter) -> dict:
    """What the print dialog chose, as send_pdf's options: copies, duplex, a page range."""
    sides = {QPrinter.DuplexMode.DuplexLongSide: spool.LONG_EDGE,
             QPrinter.DuplexMode.DuplexShortSide: spool.SHORT_EDGE,
             QPrinter.DuplexMode.DuplexAuto: spool.LONG_EDGE}.get(printer.duplex(),
                                                                   spool.ONE_SIDED)
    pages = None
    if printer.printRange() == QPrinter.PrintRange.PageRange and printer.fromPage():
        pages = f"{printer.fromPage()}-{printer.toPage() or printer.fromPage()}"
    return {"copies": max(1, printer.copyCount()), "sides": sides, "pages": pages,
            "title": printer.docName() or "GridDesk"}


def to_file(printer: QPrinter) -> bool:
    """The dialog's "print to file": painted through the QPrinter, not sent to a queue."""
    return printer.outputFormat() == QPrinter.OutputFormat.PdfFormat or not printer.printerName()


class PageSlot:
    """Where one page sits in the preview (and its picture once rendered)."""

    def __init__(self, dialog: PrintPreviewDialog, index: int, width: int, height: int) -> None:
        self.dialog, self.index = dialog, index
        self._x = self._y = 0
        self._w, self._h = width, height

    def objectName(self) -> str:
        return f"page_{self.index + 1}"

    def x(self) -> int:
        return self._x

    def y(self) -> int:
        return self._y

    def width(self) -> int:
        return self._w

    def height(self) -> int:
        return self._h

    def pixmap(self) -> QPixmap:
        self.dialog.render_pages([self.index])
        return self.dialog.pixmaps[self.index]


class PageStrip(QWidget):
    """The pages one under another on grey; only those in view are rendered and painted."""

    def __init__(self, dialog: PrintPreviewDialog) -> None:
        super().__init__()
        self.dialog = dialog
        self.setAutoFillBackground(True)
        palette = self.palette()
        palette.setColor(self.backgroundRole(), QColor("#8a8f96"))
        self.setPalette(palette)

    def lay_out(self) -> None:
        slots = self.dialog.page_labels
        width = max((s.width() for s in slots), default=600) + 2 * PAGE_GAP
        y = PAGE_GAP
        for slot in slots:
            slot._x, slot._y = (width - slot.width()) // 2, y
            y += slot.height() + PAGE_GAP
        self.setFixedSize(width, y)

    def visible(self, top: int, bottom: int) -> list[int]:
        slots = self.dialog.page_labels
        ys = [s.y() for s in slots]
        first = max(0, bisect.bisect_right(ys, top) - 1)
        out = []
        for i in range(first, len(slots)):
            if slots[i].y() > bottom:
                break
            if slots[i].y() + slots[i].height() >= top:
                out.append(i)
        return out

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        area = event.rect()
        for i in self.visible(area.top(), area.bottom()):
            slot = self.dialog.page_labels[i]
            painter.fillRect(slot.x(), slot.y(), slot.width(), slot.height(), Qt.GlobalColor.white)
            pixmap = self.dialog.pixmaps.get(i)
            if pixmap is not None:
                painter.drawPixmap(slot.x(), slot.y(), pixmap)
        painter.end()


class PrintPreviewDialog(QDialog):
    """The pages of a PDF, with 打印… (printer, copies, duplex) and 另存为PDF….

    `delivered(target, copies)` fires once a print or a save has succeeded (the printer's
    name or the file written): the moment to log it, and never before."""

    delivered = Signal(str, int)
    printing_done = Signal(bool)      # a print job ended: sent (True), failed or cancelled

    def __init__(self, pdf: bytes | str | Path, title: str, file_name: str = "表单.pdf",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("打印预览 — {0}").format(title))
        self.resize(900, 960)
        self.pdf = pdf_bytes(pdf)
        self.title, self.file_name = title, file_name
        with PDFIUM_LOCK:
            self.document: pdfium.PdfDocument | None = pdfium.PdfDocument(self.pdf)
        self.page_labels: list[PageSlot] = []
        self.rendered: set[int] = set()
        self.pixmaps: dict[int, QPixmap] = {}
        self.printing: BackgroundTask | None = None
        self.printer: QPrinter | None = None

        self.pages = len(self.document)
        self.info = QLabel(self.tr("共 {0} 页，A4").format(self.pages))
        self.duplex = QCheckBox(self.tr("双面打印"))
        self.b_print = QPushButton(self.tr("打印…"))
        self.b_save = QPushButton(self.tr("另存为PDF…"))
        close = QPushButton(self.tr("关闭"))
        self.b_print.setDefault(True)
        self.b_print.clicked.connect(self.print_document)
        self.b_save.clicked.connect(self.save_as)
        close.clicked.connect(self.reject)
        top = QHBoxLayout()
        top.addWidget(self.info, 1)
        for w in (self.duplex, self.b_print, self.b_save, close):
            top.addWidget(w)

        # One widget paints the pages in view (a 2,500-page batch opens as fast as one
        # page: no widget per page, page sizes read without loading the pages).
        self.strip = PageStrip(self)
        with PDFIUM_LOCK:
            sizes = [self.document.get_page_size(i) for i in range(self.pages)]
        for i, (width_pt, height_pt) in enumerate(sizes):
            self.page_labels.append(PageSlot(self, i, round(width_pt * PREVIEW_DPI / 72),
                                             round(height_pt * PREVIEW_DPI / 72)))
        self.strip.lay_out()
        self.scroll = QScrollArea()
        self.scroll.setWidget(self.strip)
        self.scroll.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.scroll.setStyleSheet("QScrollArea { background: #8a8f96; }")
        self.scroll.verticalScrollBar().valueChanged.connect(lambda _v: self._render_visible())
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.scroll, 1)
        QTimer.singleShot(0, self._render_visible)

    # --- preview ---------------------------------------------------------------------
    def render_pages(self, indexes: range | list[int]) -> None:
        if self.document is None:       # closed already (a scroll event after closing)
            return
        for i in indexes:
            if i in self.rendered:
                continue
            image = render_page(self.document, i, PREVIEW_DPI)
            self.pixmaps[i] = QPixmap.fromImage(image)
            self.rendered.add(i)
        if len(self.pixmaps) > PIXMAPS_KEPT:      # forget pages far out of view
            keep = set(indexes)
            for i in sorted(self.pixmaps, key=lambda k: -abs(k - min(keep, default=0))):
                if len(self.pixmaps) <= PIXMAPS_KEPT:
                    break
                if i not in keep:
                    del self.pixmaps[i]
                    self.rendered.discard(i)
        self.strip.update()

    def _render_visible(self) -> None:
        """Only pages in (or near) view are rendered: a 400-page batch opens at once."""
        viewport = self.scroll.viewport().rect()
        top = self.scroll.verticalScrollBar().value()
        visible = self.strip.visible(top - 200, top + viewport.height() + 200)
        self.render_pages(visible or [0])

    # --- output ----------------------------------------------------------------------
    def make_printer(self) -> QPrinter:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
        printer.setPageOrientation(QPageLayout.Orientation.Portrait)
        printer.setDocName(self.title)
        printer.setFromTo(1, self.pages)
        if self.duplex.isChecked():
            printer.setDuplex(QPrinter.DuplexMode.DuplexLongSide)
        return printer

    def print_document(self) -> None:
        if not QPrinterInfo.availablePrinters():
            QMessageBox.warning(self, self.tr("没有打印机"), self.tr(NO_PRINTER))
            return
        printer = self.make_printer()
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle(self.tr("打印 — {0}").format(self.title))
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.start_printing(printer)

    def start_printing(self, printer: QPrinter) -> BackgroundTask:
        """Send the PDF on a worker thread, with progress and 取消: to the chosen printer's
        queue as the PDF itself, or (print to file) painted through the QPrinter. `delivered`
        fires when the queue holds the whole job (or the file is written), `printing_done(ok)`
        in every case."""
        pdf = self.pdf
        self.printer = printer       # kept alive while the worker paints on it
        queued = not to_file(printer)
        name, options = printer.printerName(), queue_options(printer)

        def send(_db, report, cancelled):
            if not queued:
                return print_pdf(pdf, printer, report, cancelled)
            try:
                spool.send_pdf(pdf, name, **options)
            except spool.PrinterError as exc:
                raise PrintError(exc.message) from exc
            return len(spool.page_numbers(options["pages"], self.pages))

        task = BackgroundTask(send, None, self)
        progress = progress_dialog(self, self.tr("正在发送到打印机“{0}”…").format(
            printer.printerName() or printer.outputFileName()),
            self.tr("打印 — {0}").format(self.title), task, modal=False)

        def finish() -> None:
            close_progress(progress)
            self.printing = None
            for button in (self.b_print, self.b_save):
                button.setEnabled(True)

        def done(pages: int) -> None:
            finish()
            self.info.setText(self.tr("已发送到打印机“{0}”：{1} 页").format(
                printer.printerName() or printer.outputFileName(), pages))
            self.delivered.emit(name if queued else printer.outputFileName() or name,
                                options["copies"])
            self.printing_done.emit(True)

        def failed(exc: Exception) -> None:
            finish()
            if isinstance(exc, PrintCancelled):
                self.info.setText(exc.message)
            elif isinstance(exc, PrintError):
                QMessageBox.warning(self, self.tr("无法打印"), exc.message)
            else:
                QMessageBox.warning(self, self.tr("无法打印"), self.tr(
                    "打印没有完成：{0}。请检查打印机后重试；也可以先另存为PDF。").format(exc))
            self.printing_done.emit(False)

        task.done.connect(done)
        task.error.connect(failed)
        for button in (self.b_print, self.b_save):
            button.setEnabled(False)
        self.printing = task
        task.start()
        return task

    def save_as(self) -> Path | None:
        name, _ = QFileDialog.getSaveFileName(
            self, self.tr("另存为PDF"), str(Path.home() / self.file_name),
            self.tr("PDF 文件 (*.pdf)"))
        if not name:
            return None
        path = Path(name if name.lower().endswith(".pdf") else f"{name}.pdf")
        return self.save_to(path)

    def save_to(self, path: Path) -> Path | None:
        try:
            save_pdf(self.pdf, path)
        except DocumentSaveError as exc:
            QMessageBox.warning(self, self.tr("无法保存"), exc.message)
            return None
        self.info.setText(self.tr("已保存：{0}").format(path))
        self.delivered.emit(str(path), 1)
        return path

    def done(self, result: int) -> None:
        if self.printing is not None:    # closing while printing: cancel, wait for the page
            self.printing.stop()
            self.printing = None
        if self.document is not None:
            with PDFIUM_LOCK:
                self.document.close()
            self.document = None
        super().done(result)
