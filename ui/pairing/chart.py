"""A pyqtgraph bar chart of pairing coverage per grid (paired / all households, in %)."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QWidget

from app.pairing import CoverageRow
from ui.widgets.chart import StaticChart

GOOD, FAIR, LOW = "#2e7d32", "#ef8f00", "#c62828"


def bar_colour(rate: float) -> str:
    return GOOD if rate >= 0.95 else FAIR if rate >= 0.8 else LOW


class CoverageChart(StaticChart):
    """Bars per grid with the rate written over each; 0–100 % on the left axis."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("覆盖率 %", 190, parent)
        self.bars: pg.BarGraphItem | None = None
        self.labels: list[pg.TextItem] = []
        self.rows: list[CoverageRow] = []

    def set_rows(self, rows: list[CoverageRow]) -> None:
        self.rows = list(rows)
        plot = self.plot_item
        if self.bars is not None:
            plot.removeItem(self.bars)
        for label in self.labels:
            plot.removeItem(label)
        self.labels = []
        xs = list(range(len(self.rows)))
        heights = [round(r.rate * 100, 1) for r in self.rows]
        self.bars = None
        if self.rows:   # pyqtgraph's BarGraphItem fails on empty per-bar lists
            self.bars = pg.BarGraphItem(
                x=xs, height=heights, width=0.6, pen=pg.mkPen(None),
                brushes=[pg.mkBrush(bar_colour(r.rate)) for r in self.rows])
            plot.addItem(self.bars)
        font = QFont()
        font.setPointSizeF(8.5)
        for x, row in zip(xs, self.rows, strict=True):
            label = pg.TextItem(f"{row.rate:.0%}", color="#333333", anchor=(0.5, 1.0))
            label.setFont(font)
            label.setPos(x, row.rate * 100 + 1)
            plot.addItem(label)
            self.labels.append(label)
        plot.getAxis("bottom").setTicks([[(x, r.name) for x, r in zip(xs, self.rows,
                                                                        strict=True)]])
        plot.setYRange(0, 112, padding=0)
        plot.setXRange(-0.6, max(len(self.rows), 1) - 0.4, padding=0)

    def heights(self) -> list[float]:
        """The bars as drawn (percentages), for tests."""
        return [] if self.bars is None else list(self.bars.opts["height"])
