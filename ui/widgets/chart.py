"""The look the window's charts share: a white, static pyqtgraph plot (no mouse zoom, no
context menu), a light horizontal grid and grey axes."""

from __future__ import annotations

import pyqtgraph as pg  # its Qt binding is chosen in ui/__init__.py
from PySide6.QtWidgets import QWidget


class StaticChart(pg.PlotWidget):
    def __init__(self, left_label: str, min_height: int,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, background="w")
        self.setMinimumHeight(min_height)
        self.setMouseEnabled(x=False, y=False)
        self.setMenuEnabled(False)
        self.hideButtons()
        self.plot_item = self.getPlotItem()
        self.plot_item.showGrid(y=True, alpha=0.25)
        self.plot_item.setLabel("left", left_label)
        for name in ("left", "bottom"):
            axis = self.plot_item.getAxis(name)
            axis.setPen("#5f6b7a")
            axis.setTextPen("#333333")
