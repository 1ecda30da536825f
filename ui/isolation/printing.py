"""Printing isolation cases' paperwork from the window: the PDF is built on a worker thread
(progress bar, cancel), previewed page by page (PrintPreviewDialog paints that same PDF),
printed through the system print dialog or saved, and only then logged in print_log.

    job = print_cases(self, self.db, case_ids)                    # the notice set
    job = print_cases(self, self.db, [case_id], ("release",))     # the release form
    job.printed.connect(self.reload)                              # after the log is written
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from app.database import database_file
from app.documents.templates import TemplateError
from app.errors import FormError
from app.isolation import printing as isolation_print
from app.isolation.forms import NOTICE_SET
from ui.widgets.background import BackgroundTask, close_progress, progress_dialog
from ui.widgets.print_preview import PrintPreviewDialog


class CasePrint(QObject):
    """One print run: build → preview → print/save → log. Kept by the caller while it runs."""

    printed = Signal(list)      # case ids whose print was logged (after a print or a save)
    finished = Signal()         # the build ended (preview opened, failed or cancelled)

    def __init__(self, parent: QWidget, db, case_ids: Sequence[str], forms: Sequence[str],
                 title: str, by: str | None = None) -> None:
        super().__init__(parent)
        self.parent_widget, self.db = parent, db
        self.case_ids, self.forms = list(dict.fromkeys(case_ids)), tuple(forms)
        self.title, self.by = title, by
        self.preview: PrintPreviewDialog | None = None
        self.data: bytes | None = None
        self.issued: list[isolation_print.Issued] = []
        self.error: Exception | None = None
        self.cancelled = False
        case_ids, forms = self.case_ids, self.forms

        def build(db, progress, cancelled):
            return isolation_print.forms_pdf(db, case_ids, forms, progress, cancelled,
                                             title=title)

        self.task = BackgroundTask(build, Path(database_file(db)), self)
        self.progress = progress_dialog(
            parent, self.tr("正在生成 {0} 个案例的文书…").format(len(self.case_ids)), title,
            self.task, cancel=self.cancel, modal=False, delay_ms=300)
        self.task.done.connect(self._built)
        self.task.error.connect(self._failed)

    def start(self) -> CasePrint:
        self.task.start()
        return self

    def cancel(self) -> None:
        self.cancelled = True
        self.task.cancel()

    def _close_progress(self) -> None:
        close_progress(self.progress)

    def _built(self, result) -> None:
        self._close_progress()
        if result is None or self.cancelled:
            self.finished.emit()
            return
        self.data, self.issued = result
        names = len(self.case_ids)
        file_name = f"{self.title}.pdf" if names == 1 else f"{self.title}（{names}个案例）.pdf"
        self.preview = PrintPreviewDialog(self.data, self.title, file_name, self.parent_widget)
        self.preview.delivered.connect(self._delivered)
        self.preview.open()
        self.finished.emit()

    def _failed(self, exc: Exception) -> None:
        self._close_progress()
        self.error = exc
        if isinstance(exc, FormError | TemplateError):
            QMessageBox.information(self.parent_widget, self.title, exc.message)
        else:
            QMessageBox.warning(self.parent_widget, self.title,
                                self.tr("无法生成文书：{0}").format(exc))
        self.finished.emit()

    def _delivered(self, target: str, copies: int) -> None:
        """The print or save succeeded: log it (one row per case and form)."""
        if self.data is None:
            return
        try:
            isolation_print.record_print(self.db, self.issued, copies, target, self.by,
                                         pdf=self.data)
        except Exception as exc:   # the paper is out; say the log is not
            QMessageBox.warning(self.parent_widget, self.title, self.tr(
                "已打印，但打印记录没有保存：{0}。请在案例中补记。").format(exc))
            return
        if self.preview is not None:
            self.preview.info.setText(self.preview.info.text() + self.tr("（已记录）"))
        self.printed.emit(self.case_ids)


def print_cases(parent: QWidget, db, case_ids: Sequence[str],
                forms: Sequence[str] = NOTICE_SET, title: str | None = None, *,
                user: str | None = None, on_logged: Callable[[], None] | None = None,
                by: str | None = None) -> CasePrint | None:
    """Build the forms of the cases in the background, preview, print or save, then log.
    `forms`: any of notice pledge card seal board release (release needs a released case).
    `user` (or `by`): who prints; the signed-in account or the computer's user when None.
    `on_logged()` is called after a print or save was logged (refresh the case's log).
    Returns the running CasePrint (None when nothing is selected)."""
    if not case_ids:
        QMessageBox.information(parent, title or "打印", "请先选择要打印的案例。")
        return None
    if title is None:
        title = "解除居家隔离通知书" if tuple(forms) == ("release",) else "居家隔离文书"
    job = CasePrint(parent, db, case_ids, forms, title, user if user is not None else by)
    if on_logged is not None:
        job.printed.connect(lambda _ids: on_logged())
    return job.start()


def print_release(parent: QWidget, db, case_id: str, *, user: str | None = None,
                  on_logged: Callable[[], None] | None = None) -> CasePrint | None:
    """The release form (解除通知书, stub and QR code) of a released case."""
    return print_cases(parent, db, [case_id], ("release",), "解除居家隔离通知书", user=user,
                       on_logged=on_logged)


def print_new_today(parent: QWidget, db, *, user: str | None = None,
                    on_logged: Callable[[], None] | None = None) -> CasePrint | None:
    """Everything new: the notice sets of every open case with a form never printed."""
    case_ids = isolation_print.cases_new_today(db)
    if not case_ids:
        QMessageBox.information(parent, "打印新案例文书", "没有未打印过文书的案例。")
        return None
    return print_cases(parent, db, case_ids, NOTICE_SET,
                       f"居家隔离文书（新案例 {len(case_ids)} 个）", user=user,
                       on_logged=on_logged)
