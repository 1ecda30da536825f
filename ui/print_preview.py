"""Print preview and printing of a finished PDF: its pages are rendered by pypdfium2 and painted
through Qt's printing system, so what is previewed, printed and saved is the same document
of record, laid out once by ReportLab. Any form (pairing notices, isolation notices) uses it."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
from PySide6.QtCore import QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter, QPixmap
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

from app.documents.page import DocumentSaveError, save_pdf

PREVIEW_DPI = 96
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


def render_page(document: pdfium.PdfDocument, index: int, dpi: float) -> QImage:
    """One page as an RGB image at `dpi` (no Pillow: the bitmap goes straight to QImage)."""
    bitmap = document[index].render(scale=dpi / 72, rev_byteorder=True)
    try:
        return QImage(bitmap.buffer, bitmap.width, bitmap.height, bitmap.stride,
                      QImage.Format.Format_RGB888).copy()
    finally:
        bitmap.close()


def page_count(pdf: bytes | str | Path) -> int:
    document = pdfium.PdfDocument(pdf_bytes(pdf))
    try:
        return len(document)
    finally:
        document.close()


def print_pdf(pdf: bytes | str | Path, printer: QPrinter) -> int:
    """Paint the PDF's pages onto `printer` at their real size; returns pages printed.

    Honours the page range and (when the printer cannot do it itself) the copy count chosen
    in the print dialog. Raises PrintError when the printer cannot start."""
    document = pdfium.PdfDocument(pdf_bytes(pdf))
    try:
        total = len(document)
        first = max(1, printer.fromPage() or 1) - 1
        last = min(total, printer.toPage() or total)
        pages = range(first, last)
        copies = 1 if printer.supportsMultipleCopies() else max(1, printer.copyCount())
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
                    if printed:
                        printer.newPage()
                    width_pt, height_pt = document[i].get_size()
                    scale = printer.resolution() / 72
                    target = QRectF(paper.x(), paper.y(), width_pt * scale, height_pt * scale)
                    painter.drawImage(target, render_page(document, i, dpi))
                    printed += 1
        finally:
            painter.end()
        return printed
    finally:
        document.close()


class PrintPreviewDialog(QDialog):
    """The pages of a PDF, with 打印… (printer, copies, duplex) and 另存为PDF…."""

    def __init__(self, pdf: bytes | str | Path, title: str, file_name: str = "表单.pdf",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("打印预览 — {0}").format(title))
        self.resize(900, 960)
        self.pdf = pdf_bytes(pdf)
        self.title, self.file_name = title, file_name
        self.document: pdfium.PdfDocument | None = pdfium.PdfDocument(self.pdf)
        self.page_labels: list[QLabel] = []
        self.rendered: set[int] = set()

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

        pages = QWidget()
        pages.setStyleSheet("background: #8a8f96;")
        column = QVBoxLayout(pages)
        column.setSpacing(16)
        column.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        for i in range(self.pages):
            width_pt, height_pt = self.document[i].get_size()
            label = QLabel()
            label.setObjectName(f"page_{i + 1}")
            label.setFixedSize(QSize(round(width_pt * PREVIEW_DPI / 72),
                                     round(height_pt * PREVIEW_DPI / 72)))
            label.setStyleSheet("background: white;")
            column.addWidget(label)
            self.page_labels.append(label)
        self.scroll = QScrollArea()
        self.scroll.setWidget(pages)
        self.scroll.setWidgetResizable(True)
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
            self.page_labels[i].setPixmap(QPixmap.fromImage(image))
            self.rendered.add(i)

    def _render_visible(self) -> None:
        """Only pages in (or near) view are rendered: a 400-page batch opens at once."""
        viewport = self.scroll.viewport().rect()
        top = self.scroll.verticalScrollBar().value()
        visible = [i for i, label in enumerate(self.page_labels)
                   if label.y() + label.height() >= top - 200
                   and label.y() <= top + viewport.height() + 200]
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
        try:
            pages = print_pdf(self.pdf, printer)
        except PrintError as exc:
            QMessageBox.warning(self, self.tr("无法打印"), exc.message)
            return
        self.info.setText(self.tr("已发送到打印机“{0}”：{1} 页").format(
            printer.printerName(), pages))

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
        return path

    def done(self, result: int) -> None:
        if self.document is not None:
            self.document.close()
            self.document = None
        super().done(result)
