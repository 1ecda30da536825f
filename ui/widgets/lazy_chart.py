"""A chart built the first time it is seen: pyqtgraph and numpy load then, not at start-up.

A page holds a `ChartSlot` where its chart goes and sends it data with `call("set_rows",
rows)`; until the slot is first shown the last call of each name is kept and replayed into
the chart when it is built. Reading the chart (`slot.heights()`, `slot.lines`) builds it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QVBoxLayout, QWidget


class ChartSlot(QWidget):
    def __init__(self, make: Callable[[], QWidget], min_height: int = 0,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._make = make
        self._chart: QWidget | None = None
        self._pending: dict[str, tuple[Any, ...]] = {}
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        if min_height:
            self.setMinimumHeight(min_height)

    def chart(self) -> QWidget:
        """The chart itself, built now if it was not yet, with the data sent so far."""
        if self._chart is None:
            self._chart = self._make()
            self._layout.addWidget(self._chart)
            for name, args in self._pending.items():
                getattr(self._chart, name)(*args)
            self._pending.clear()
        return self._chart

    def call(self, name: str, *args: Any) -> None:
        """`chart.name(*args)` now if the chart is built, else when it is first shown."""
        if self._chart is None:
            self._pending[name] = args
        else:
            getattr(self._chart, name)(*args)

    def showEvent(self, event) -> None:
        self.chart()
        super().showEvent(event)

    def __getattr__(self, name: str) -> Any:
        # Only for names the slot lacks: a test or a page reading the chart's own state.
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.chart(), name)
