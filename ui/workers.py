"""Long work off the UI thread: a function runs on a QThread with its own database connection,
reporting progress and honouring a cancel flag; results come back to the window by signal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot


class Worker(QObject):
    """Runs `job(worker)`; the job calls worker.progress.emit(done, total) now and then and
    stops when worker.cancelled becomes true."""

    progress = Signal(int, int)
    finished = Signal(object)
    failed = Signal(object)

    def __init__(self, job: Callable[[Worker], Any]) -> None:
        super().__init__()
        self.job = job
        self.cancelled = False

    def run(self) -> None:
        try:
            result = self.job(self)
        except Exception as exc:  # handed to the window, which says what failed
            self.failed.emit(exc)
        else:
            self.finished.emit(result)


class Job(QObject):
    """The window's side of a running job. It lives on the UI thread, so its signals (relayed
    from the worker's, queued across threads) reach plain Python callables on the UI thread."""

    progress = Signal(int, int)
    finished = Signal(object)
    failed = Signal(object)

    def __init__(self, parent: QObject, job: Callable[[Worker], Any]) -> None:
        super().__init__(parent)
        self.thread = QThread(self)
        self.worker = Worker(job)
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.run)
        self.worker.progress.connect(self._progress)
        self.worker.finished.connect(self._finished)
        self.worker.failed.connect(self._failed)
        self.thread.finished.connect(self.worker.deleteLater)

    def start(self) -> Job:
        self.thread.start()
        return self

    def cancel(self) -> None:
        self.worker.cancelled = True

    def wait(self, ms: int = 30_000) -> bool:
        return self.thread.wait(ms)

    @Slot(int, int)
    def _progress(self, done: int, total: int) -> None:
        self.progress.emit(done, total)

    @Slot(object)
    def _finished(self, result: object) -> None:
        self.thread.quit()
        self.finished.emit(result)

    @Slot(object)
    def _failed(self, exc: object) -> None:
        self.thread.quit()
        self.failed.emit(exc)


def start(parent: QObject, job: Callable[[Worker], Any]) -> Job:
    """Run `job` on a new thread; connect to the returned Job's signals."""
    return Job(parent, job).start()
