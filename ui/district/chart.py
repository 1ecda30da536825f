"""The district 概览's chart: active isolation cases per day over 30 days, one line per
community (built when the page is first seen: ui/widgets/lazy_chart)."""

from __future__ import annotations

from datetime import date

import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from ui.widgets.chart import StaticChart


class CommunitiesChart(StaticChart):
    """Active isolation cases per day, one line per community."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("在管人数", 200, parent)
        self.legend = self.plot_item.addLegend(offset=(10, 5), labelTextColor="#333333",
                                               colCount=5)
        self.lines: dict[str, pg.PlotDataItem] = {}
        self.labels: list[tuple[str, str]] = []

    def set_series(self, days: list[date], series: dict[str, list[int]],
                   names: dict[str, str]) -> None:
        plot = self.plot_item
        xs = list(range(len(days)))
        order = sorted(series, key=lambda cid: names.get(cid, cid))
        labels = [(cid, names.get(cid, "（未知社区）")) for cid in order]
        if labels == self.labels:      # the same communities: new figures on the same lines
            for cid in order:
                self.lines[cid].setData(xs, series[cid])
            order = []
        else:
            for line in self.lines.values():
                plot.removeItem(line)
            self.lines = {}
            self.legend.clear()
            self.labels = labels
        for i, cid in enumerate(order):
            pen = pg.mkPen(pg.intColor(i, hues=max(len(order), 1)), width=2)
            line = plot.plot(xs, series[cid], pen=pen, name=names.get(cid, "（未知社区）"))
            self.lines[cid] = line
        ticks = [(x, f"{d.month}/{d.day}") for x, d in enumerate(days)
                 if (len(days) - 1 - x) % 7 == 0]
        plot.getAxis("bottom").setTicks([ticks])
        top = max((max(v) for v in series.values() if v), default=0)
        plot.setYRange(0, max(4, top * 1.25), padding=0)
        plot.setXRange(-0.5, max(len(days) - 0.5, 0.5), padding=0)
