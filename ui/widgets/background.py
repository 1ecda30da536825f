"""Long work off the UI thread: a worker on a QThread with its own database connection, progress,
cancel, and the result or the error handed back to the UI thread by signal.

The one way the window runs background work (ledger import and export, printing, backups,
Party-member forms, USB sync): `BackgroundTask(fn, db_path, parent)` then `start()`, or
`start(parent, fn, db_path)` in one go; `progress_dialog()` shows it to the user."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from app.database import open_community_db

# fn(db, progress, cancelled) -> result; db is None when the task needs no database.
TaskFn = Callable[[Any, Callable[[int, int], None], Callable[[], bool]], Any]


class TaskWorker(QObject):
    progress = Signal(int, int)
    finished = Signal(object)   # the result
    failed = Signal(object)     # the exception

    def __init__(self, fn: TaskFn, db_path: Path | None) -> None:
        super().__init__()
        self.fn, self.db_path = fn, db_path
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def run(self) -> None:
        db = None
        try:
            # One connection per thread: SQLite connections never cross threads.
            db = open_community_db(self.db_path) if self.db_path else None
            result = self.fn(db, lambda done, total: self.progress.emit(done, total),
                             self.cancelled)
        except BaseException as exc:  # reported to the window, which says what happened
            self.failed.emit(exc)
        else:
            self.finished.emit(result)
        finally:
            if db is not None:
                db.conn.close()


class BackgroundTask(QObject):
    """Runs one TaskWorker on its own QThread; `done(result)` or `error(exception)` fire on
    the UI thread, once, after the thread has finished its work."""

    progress = Signal(int, int)
    done = Signal(object)
    error = Signal(object)

    def __init__(self, fn: TaskFn, db_path: Path | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.thread = QThread(self)
        self.worker = TaskWorker(fn, db_path)
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.run)
        self.worker.progress.connect(self.progress)
        self.worker.finished.connect(self._finished)
        self.worker.failed.connect(self._failed)
        self.running = False

    def start(self) -> None:
        self.running = True
        self.thread.start()

    def cancel(self) -> None:
        self.worker.cancel()

    def cancelled(self) -> bool:
        """Whether cancel() was asked for (the work may still have finished)."""
        return self.worker.cancelled()

    def wait(self, ms: int = 30_000) -> bool:
        """Block until the thread has ended (tests; closing a window); False on timeout."""
        return self.thread.wait(ms)

    def stop(self) -> None:
        """Cancel and wait for the thread (closing a window while work runs)."""
        self.worker.cancel()
        self.thread.quit()
        self.thread.wait()
        self.running = False

    def _end(self) -> None:
        self.thread.quit()
        self.thread.wait()
        self.running = False

    def _finished(self, result: object) -> None:
        self._end()
        self.done.emit(result)

    def _failed(self, exc: object) -> None:
        self._end()
        self.error.emit(exc)


def start(parent: QObject, fn: TaskFn, db_path: Path | None = None) -> BackgroundTask:
    """Run `fn(db, progress, cancelled)` on a new thread; connect to the returned task's
    `progress`, `done` and `error` (queued to the UI thread, so connecting right after this
    returns misses nothing)."""
    task = BackgroundTask(fn, db_path, parent)
    task.start()
    return task


def progress_dialog(parent: QWidget, label: str, title: str, task: BackgroundTask, *,
                    cancel: bool | Callable[[], None] = True, modal: bool = True,
                    delay_ms: int = 400) -> QProgressDialog:
    """The dialog that shows a task's progress: it appears only if the work takes longer
    than `delay_ms`, follows `task.progress`, and its 取消 cancels the task (or calls
    `cancel`; no 取消 button when False). It stays open until close_progress()."""
    dialog = QProgressDialog(label, parent.tr("取消") if cancel else "", 0, 0, parent)
    dialog.setWindowTitle(title)
    if modal:
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(delay_ms)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    if cancel:
        dialog.canceled.connect(task.cancel if cancel is True else cancel)
    else:
        dialog.setCancelButton(None)
    task.progress.connect(lambda done, total: show_progress(dialog, done, total))
    return dialog


def show_progress(dialog: QProgressDialog, done: int, total: int) -> None:
    """done of total, in thousandths (a backup counts bytes, beyond what the bar can hold)."""
    if total > 0:
        dialog.setMaximum(1000)
        dialog.setValue(min(1000, done * 1000 // total))


def close_progress(dialog: QProgressDialog) -> None:
    """Close a progress dialog for good: closing would otherwise say 取消 (Qt emits canceled
    on close), and a reset stops the timer that would still show it after its delay."""
    dialog.blockSignals(True)
    dialog.reset()
    dialog.close()
    dialog.deleteLater()
