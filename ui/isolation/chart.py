"""Active isolation cases per day over the last weeks: stacked bars, 居家隔离 below and
居家健康监测 above, dates along the bottom."""

from __future__ import annotations

from datetime import date

import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from ui.widgets.chart import StaticChart

ISOLATION_COLOUR = "#c0392b"
MONITORING_COLOUR = "#e6a23c"


class CasesChart(StaticChart):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("在管人数", 180, parent)
        self.legend = self.plot_item.addLegend(offset=(10, 5), labelTextColor="#333333")
        self.items: list[pg.BarGraphItem] = []
        self.series: list[tuple[date, int, int]] = []

    def set_series(self, series: list[tuple[date, int, int]]) -> None:
        self.series = list(series)
        plot = self.plot_item
        for item in self.items:
            plot.removeItem(item)
        self.items = []
        self.legend.clear()
        if not self.series:
            return
        xs = list(range(len(self.series)))
        isolation = [s[1] for s in self.series]
        monitoring = [s[2] for s in self.series]
        below = pg.BarGraphItem(x=xs, height=isolation, width=0.7, pen=pg.mkPen(None),
                                brush=pg.mkBrush(ISOLATION_COLOUR))
        above = pg.BarGraphItem(x=xs, y0=isolation, height=monitoring, width=0.7,
                                pen=pg.mkPen(None), brush=pg.mkBrush(MONITORING_COLOUR))
        for item in (below, above):
            plot.addItem(item)
            self.items.append(item)
        self.legend.addItem(below, "居家隔离")
        self.legend.addItem(above, "居家健康监测")
        # A date every week, the last day always.
        ticks = [(x, f"{d.month}/{d.day}") for x, (d, _a, _b) in enumerate(self.series)
                 if (len(self.series) - 1 - x) % 7 == 0]
        plot.getAxis("bottom").setTicks([ticks])
        top = max(a + b for _d, a, b in self.series)
        plot.setYRange(0, max(4, top * 1.25), padding=0)
        plot.setXRange(-0.6, len(self.series) - 0.4, padding=0)

    def totals(self) -> list[int]:
        """Cases per day as drawn, for tests."""
        return [a + b for _d, a, b in self.series]
