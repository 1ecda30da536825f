"""Pages that read their data only while someone can see them."""

from __future__ import annotations


class ReadWhenShown:
    """Mixed into a page (before QWidget): `reload()` reads (`load()`) only while the page is
    visible; hidden, it notes that it is stale and reads when it is next shown. A page nobody
    has opened costs nothing at start, nor each time a save elsewhere asks every page to
    reload (the daily report and the sweep progress each take about 0.2 s on 100,000
    residents)."""

    _stale = True

    def load(self) -> None:
        raise NotImplementedError

    def reload(self) -> None:
        if not self.isVisible():
            self._stale = True
            return
        self._stale = False
        self.load()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._stale:
            self.reload()
