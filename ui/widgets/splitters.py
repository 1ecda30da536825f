"""Splitters that keep their place: the side panel's width does not follow the lists'
contents, and where a person dragged the handle is restored at the next start (QSettings)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QSplitter

from ui.widgets.community_filter import settings

KEY = "splitters/"


class _RestoreWhenSized(QObject):
    """Gives the panes that do not stretch their saved widths once the splitter is shown at a
    width that holds them: set earlier, into the first, smaller geometry, they would be
    squeezed in proportion and stay squeezed."""

    def __init__(self, splitter: QSplitter, fixed: list[int]) -> None:
        super().__init__(splitter)
        self.fixed = fixed
        splitter.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.Show, QEvent.Type.Resize) \
                and isinstance(watched, QSplitter) and watched.isVisible():
            room = watched.width() - watched.handleWidth() * len(self.fixed)
            if room > sum(self.fixed) + 100:     # the stretching pane keeps some room
                watched.removeEventFilter(self)
                watched.setSizes([*self.fixed, room - sum(self.fixed)])
        return False


def keep_place(splitter: QSplitter, name: str, sizes: list[int]) -> None:
    """Give `splitter` the object name `name`, its first `sizes` (or the widths saved last
    time), and save them whenever the handle is moved. Only the last pane stretches with the
    window, so the others keep their width while contents change."""
    splitter.setObjectName(name)
    for i in range(splitter.count()):
        splitter.setStretchFactor(i, 1 if i == splitter.count() - 1 else 0)
    splitter.setSizes(sizes)
    saved = settings().value(KEY + name)
    if isinstance(saved, str) and saved:
        fixed = [int(w) for w in saved.split(",") if w.isdigit()]
        if len(fixed) == splitter.count() - 1:
            _RestoreWhenSized(splitter, fixed)
    splitter.splitterMoved.connect(lambda _pos, _index: settings().setValue(
        KEY + name, ",".join(str(w) for w in splitter.sizes()[:-1])))
