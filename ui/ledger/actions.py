"""The window's 台账 actions: export the residents or households ledger, or the list a page shows,
in the background with a progress dialog and cancel; the file name is asked first."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import sqlite_utils
from PySide6.QtCore import QObject, QStandardPaths, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QFileDialog,
    QMessageBox,
    QStackedWidget,
    QTableView,
    QWidget,
)

from app.database import community_info
from app.ledger.exporter import export_ledger, export_list
from app.ledger.xlsx import ExportCancelled, ExportColumn, ExportError
from ui.widgets.background import BackgroundTask, close_progress, progress_dialog
from ui.widgets.community_filter import remembered_communities

PAGE_ROWS = 500   # rows of a lazy list read per query while exporting
TEXT_HEADERS = ("证件", "电话", "门牌")


def suggested_path(db: sqlite_utils.Database, what: str) -> Path:
    info = community_info(db)
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    name = f"{info.name if info else ''}{what}{date.today():%Y%m%d}.xlsx"
    return Path(folder or Path.home()) / name.replace("/", "-").replace("：", "-")


def ask_save_path(parent: QWidget, title: str, suggested: Path) -> Path | None:
    name, _ = QFileDialog.getSaveFileName(parent, title, str(suggested), "Excel 工作簿 (*.xlsx)")
    if not name:
        return None
    path = Path(name)
    return path if path.suffix.lower() == ".xlsx" else path.with_suffix(".xlsx")


class ExportRunner(QObject):
    """One export on a worker thread, a progress dialog with cancel, and a message at the end
    (window-modal, never blocking). `finished(count or None)` is for whoever waits."""

    finished = Signal(object)

    def __init__(self, parent: QWidget, db_path: Path, fn, label: str, path: Path,
                 unit: str = "行") -> None:
        super().__init__(parent)
        self.parent_widget, self.path, self.unit = parent, path, unit
        self.result: int | None = None
        self.message = ""
        self.task = BackgroundTask(fn, db_path, self)
        self.progress = progress_dialog(parent, label, self.tr("正在导出"), self.task)
        self.task.done.connect(self._done)
        self.task.error.connect(self._error)
        self.task.start()

    def _close_progress(self) -> None:
        close_progress(self.progress)

    def _done(self, count: int) -> None:
        self._close_progress()
        self.result = count
        self.message = self.tr("已导出 {0} {1}：\n{2}").format(count, self.unit, self.path)
        box = QMessageBox(QMessageBox.Icon.Information, self.tr("导出完成"), self.message,
                          parent=self.parent_widget)
        folder = box.addButton(self.tr("打开所在文件夹"), QMessageBox.ButtonRole.ActionRole)
        box.addButton(self.tr("好"), QMessageBox.ButtonRole.AcceptRole)
        folder.clicked.connect(lambda: QDesktopServices.openUrl(
            QUrl.fromLocalFile(str(self.path.parent))))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.finished.emit(count)

    def _error(self, exc: object) -> None:
        self._close_progress()
        if isinstance(exc, ExportCancelled):
            self.message = self.tr("已取消导出，没有生成文件。")
        elif isinstance(exc, ExportError):
            self.message = exc.message
        else:
            self.message = self.tr("导出没有完成：{0}\n请换一个文件夹或文件名后重试。").format(exc)
        if not isinstance(exc, ExportCancelled):
            box = QMessageBox(QMessageBox.Icon.Warning, self.tr("无法导出"), self.message,
                              parent=self.parent_widget)
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()
        self.finished.emit(None)

    def stop(self) -> None:
        if self.task.running:
            self.task.stop()


def export_whole_ledger(parent: QWidget, db: sqlite_utils.Database, db_path: Path, what: str,
                        path: Path | None = None) -> ExportRunner | None:
    """The residents (`what="residents"`) or households ledger of the whole community; at a
    district, of the communities the pages' community/street filter shows."""
    word = {"residents": "居民台账", "households": "住户台账", "cases": "居家隔离人员台账"}[what]
    path = path or ask_save_path(parent, f"导出{word}", suggested_path(db, word))
    if path is None:
        return None
    communities = remembered_communities(db)

    def run(worker_db, progress, cancelled) -> int:
        return export_ledger(worker_db, what, path, progress=progress, cancelled=cancelled,
                             communities=communities)

    return ExportRunner(parent, db_path, run, f"正在导出{word}…", path,
                        {"residents": "人", "households": "户", "cases": "人次"}[what])


def shown_list(page: QWidget) -> tuple[str, QTableView] | None:
    """The list a page shows and its title: a page keeps its lists in `lists` (a stack, the
    楼栋住户 page) or one `view`, and its title in `list_title` or `title`."""
    lists = getattr(page, "lists", None)
    view = lists.currentWidget() if isinstance(lists, QStackedWidget) else getattr(page, "view",
                                                                                   None)
    if not isinstance(view, QTableView) or view.model() is None:
        return None
    label = getattr(page, "list_title", None) or getattr(page, "title", None)
    title = label.text() if label is not None and hasattr(label, "text") else ""
    return title, view


def _kind(header: str, numeric: bool) -> str:
    if any(word in header for word in TEXT_HEADERS):
        return "code"
    return "number" if numeric else "text"


def export_current_list(parent: QWidget, page: QWidget, db_path: Path,
                        db: sqlite_utils.Database, path: Path | None = None
                        ) -> ExportRunner | None:
    """The list the page shows, with its columns and in its order (ID numbers masked as shown).
    Lists that fetch rows lazily are read again by the worker from their ids."""
    found = shown_list(page)
    if found is None:
        QMessageBox.information(parent, parent.tr("导出当前列表"),
                                parent.tr("这一页没有可以导出的列表。"))
        return None
    title, view = found
    model = view.model()
    source = getattr(type(model), "source", None)
    if source is not None and hasattr(model, "ids"):
        ids = model.ids()
        columns = [ExportColumn(c.header, c.value, _kind(c.header, c.align_right))
                   for c in model.columns()]

        def rows(worker_db) -> Any:
            for i in range(0, len(ids), PAGE_ROWS):
                yield from source(worker_db, ids[i:i + PAGE_ROWS])

        total = len(ids)
    else:
        headers = [model.headerData(c, Qt.Orientation.Horizontal) or ""
                   for c in range(model.columnCount())]
        snapshot = []
        for r in range(model.rowCount()):
            snapshot.append({c: model.data(model.index(r, c)) for c in range(len(headers))})
        numeric = [all(str(row[c] or "").isdigit() for row in snapshot) and bool(snapshot)
                   for c in range(len(headers))]

        kinds = [_kind(h, numeric[c]) for c, h in enumerate(headers)]

        def value(row: dict, c: int) -> Any:
            v = row[c]
            return int(v) if kinds[c] == "number" and v not in (None, "") else v

        columns = [ExportColumn(h, lambda r, c=c: value(r, c), kinds[c])
                   for c, h in enumerate(headers)]

        def rows(_worker_db) -> Any:
            return snapshot

        total = len(snapshot)
    path = path or ask_save_path(parent, parent.tr("导出当前列表"),
                                 suggested_path(db, title.split("：")[0] or "列表"))
    if path is None:
        return None

    def run(worker_db, progress, cancelled) -> int:
        return export_list(worker_db, path, title, columns, rows(worker_db), total=total,
                           progress=progress, cancelled=cancelled)

    return ExportRunner(parent, db_path, run, parent.tr("正在导出当前列表…"), path)
