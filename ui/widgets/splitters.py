"""Splitters that keep their place: the side panel's width does not follow the lists'
contents, and where a person dragged the handle is restored at the next start (QSettings)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QSplitter

from ui.widgets.community_filter import settings

KEY = "splitters/"


class _RestoreWhenShown(QObject):
    """Restores a saved splitter state when the splitter is first shown, with the window's real
    size: restored into the first, smaller geometry, the panes that do not stretch would be
    squeezed and stay squeezed."""

    def __init__(self, splitter: QSplitter, saved: object) -> None:
        super().__init__(splitter)
        self.saved = saved
        splitter.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show and isinstance(watched, QSplitter):
            watched.removeEventFilter(self)
            watched.restoreState(self.saved)
        return False


def keep_place(splitter: QSplitter, name: str, sizes: list[int]) -> None:
    """Give `splitter` the object name `name`, its first `sizes` (or those saved last time),
    and save them whenever the handle is moved. Only the last pane stretches with the
    window, so the others keep their width while contents change."""
    splitter.setObjectName(name)
    for i in range(splitter.count()):
        splitter.setStretchFactor(i, 1 if i == splitter.count() - 1 else 0)
    splitter.setSizes(sizes)
    saved = settings().value(KEY + name)
    if saved:
        _RestoreWhenShown(splitter, saved)
    splitter.splitterMoved.connect(
        lambda _pos, _index: settings().setValue(KEY + name, splitter.saveState()))
