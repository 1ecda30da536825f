"""The district's 概览 page: a table of its communities with street subtotals (residents,
households, isolation, checks overdue, releases due, pairing coverage, last bundle received,
red when older than the office's threshold), a chart of active cases per community over 30
days, and a double-click that takes the officer to a community's lists."""

from __future__ import annotations

import sqlite_utils
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app import accounts
from app.database import community_info
from app.district import overview as district
from app.errors import FormError
from ui.events import AppEvents
from ui.incidents.summary import overview_line
from ui.widgets.lazy_chart import ChartSlot

COLUMNS = ["街道", "社区", "居民", "住户", "居家隔离", "居家健康监测", "逾期未查", "期满待解除",
           "联户覆盖率", "最近收到同步包", "同步情况"]
COL_SYNC = COLUMNS.index("同步情况")
RED = QColor("#b71c1c")
SUBTOTAL_BG = QColor("#eef2f7")
ID_ROLE = Qt.ItemDataRole.UserRole


def _communities_chart() -> QWidget:
    from ui.district.chart import CommunitiesChart

    return CommunitiesChart()


class DistrictOverviewPage(QWidget):
    def __init__(self, db: sqlite_utils.Database, events: AppEvents,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.events = events
        self.heading = QLabel()
        self.heading.setStyleSheet("font-size: 20pt; font-weight: bold;")
        self.subheading = QLabel()
        self.subheading.setObjectName("districtSubheading")
        self.subheading.setStyleSheet("color: #5f6b7a;")
        self.summary = QLabel()
        self.summary.setObjectName("districtSummary")
        self.summary.setWordWrap(True)
        self.incidents = QLabel()            # events past their deadline: the line is red
        self.incidents.setObjectName("incidentsOverview")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("communityTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setToolTip(self.tr("双击一个社区，查看它的楼栋住户。"))
        self.table.cellDoubleClicked.connect(self._double_clicked)
        self.stale_days = QSpinBox()
        self.stale_days.setObjectName("staleDays")
        self.stale_days.setRange(1, district.MAX_STALE_DAYS)
        self.stale_days.setSuffix(self.tr(" 天"))
        self.stale_days.setValue(district.stale_after_days(db))
        self.stale_days.editingFinished.connect(self.save_stale_days)
        why_not = accounts.refusal(db, "settings")    # the office's setting: its administrator
        self.stale_days.setEnabled(why_not is None)
        self.stale_days.setToolTip(why_not or self.tr("超过这么多天没有收到同步包的社区标红"))
        self.stale_message = QLabel()
        self.stale_message.setStyleSheet("color: #b71c1c;")
        threshold = QHBoxLayout()
        threshold.addWidget(QLabel(self.tr("超过")))
        threshold.addWidget(self.stale_days)
        threshold.addWidget(QLabel(self.tr("未收到社区同步包时标红")))
        threshold.addWidget(self.stale_message)
        threshold.addStretch(1)
        hint = QLabel(self.tr("双击社区所在行，进入该社区的楼栋住户。"))
        hint.setStyleSheet("color: #5f6b7a;")
        threshold.addWidget(hint)
        self.chart_title = QLabel(self.tr("近30天各社区在管居家隔离人数"))
        self.chart = ChartSlot(_communities_chart, 200)   # pyqtgraph loads when first seen
        self.chart.setObjectName("communitiesChart")
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.subheading)
        layout.addWidget(self.summary)
        layout.addWidget(self.incidents)
        layout.addLayout(threshold)
        layout.addWidget(self.table, 3)
        layout.addWidget(self.chart_title)
        layout.addWidget(self.chart, 2)
        for signal in (events.registry_changed, events.pairings_changed,
                       events.isolation_changed):
            signal.connect(self.reload)
        # Checks fall overdue and bundles age as the clock moves.
        self.timer = QTimer(self, interval=60_000)
        self.timer.timeout.connect(self.reload)
        self.reload()

    def reload(self) -> None:
        info = community_info(self.db)
        view = district.overview(self.db)
        self.view = view
        communities = view.communities
        if info:
            self.heading.setText(info.name)
            self.subheading.setText(self.tr("区县代码 {0}　{1} 个街道，{2} 个社区").format(
                info.code, len(view.streets), len(communities)))
        t = view.totals
        text = self.tr("{7}居民 {0} 人、住户 {1} 户；居家隔离 {2} 人，居家健康监测 {3} 人，"
                       "逾期未查 {4} 人，期满待解除 {5} 人；党员联户覆盖率 {6:.1%}。").format(
            f"{t.residents:,}", f"{t.households:,}", t.home_isolation, t.home_monitoring,
            t.overdue, t.release_due, t.coverage, self.whole())
        lowest = min((c for c in communities if c.figures.households),
                     key=lambda c: c.figures.coverage, default=None)
        if lowest is not None and len(communities) > 1:
            text += self.tr("联户覆盖率最低的是{0}{1}（{2:.0%}）。").format(
                lowest.street_name or "", lowest.name, lowest.figures.coverage)
        if view.stale:
            text += self.tr("超过 {0} 天未收到同步包的社区 {1} 个：{2}。").format(
                view.stale_after_days, len(view.stale), "、".join(c.name for c in view.stale))
        self.summary.setText(text)
        line, late = overview_line(self.db)
        self.incidents.setText(line)
        self.incidents.setStyleSheet("color: #b71c1c;" if late else "")
        self._fill_table(view)
        days, series = district.active_per_community(self.db, 30, view.at.date())
        self.chart.call("set_series", days, series,
                        {c.community_id: c.name for c in communities})

    def _fill_table(self, view: district.DistrictOverview) -> None:
        table = self.table
        table.setUpdatesEnabled(False)
        table.clearContents()
        table.setRowCount(sum(len(s.communities) + 1 for s in view.streets) + 1)
        bold = QFont()
        bold.setBold(True)
        row = 0

        def put(values: list[str], community_id: str | None = None, subtotal: bool = False,
                stale: bool = False) -> None:
            nonlocal row
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                if col >= 2 and col < COL_SYNC - 1:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                item.setData(ID_ROLE, community_id)
                if subtotal:
                    item.setFont(bold)
                    item.setBackground(QBrush(SUBTOTAL_BG))
                if stale and col == COL_SYNC:
                    item.setForeground(QBrush(RED))
                    item.setFont(bold)
                table.setItem(row, col, item)
            row += 1

        def numbers(f: district.Figures) -> list[str]:
            return [f"{f.residents:,}", f"{f.households:,}", str(f.home_isolation),
                    str(f.home_monitoring), str(f.overdue), str(f.release_due),
                    f"{f.coverage:.1%}"]

        for street in view.streets:
            for c in street.communities:
                last = f"{c.last_bundle:%Y-%m-%d %H:%M}" if c.last_bundle else "—"
                put([street.name, c.name, *numbers(c.figures), last, c.sync_text],
                    c.community_id, stale=c.stale)
            stale = sum(c.stale for c in street.communities)
            put([street.name, self.tr("小计（{0} 个社区）").format(len(street.communities)),
                 *numbers(street.totals), "",
                 self.tr("{0} 个社区未按时同步").format(stale) if stale else ""],
                subtotal=True, stale=bool(stale))
        put([self.tr("{0}合计").format(self.whole()),
             self.tr("{0} 个社区").format(len(view.communities)),
             *numbers(view.totals), "", ""], subtotal=True)
        # Sized once after filling (ResizeToContents would measure every column per item).
        table.resizeColumnsToContents()
        table.setUpdatesEnabled(True)

    def whole(self) -> str:
        """What the totals cover: 全区, or 本街道 for a 街道 account (its street's only)."""
        session = accounts.current(self.db)
        return self.tr("本街道") if session and session.communities is not None else self.tr("全区")

    def community_at(self, row: int) -> str | None:
        item = self.table.item(row, 0)
        return item.data(ID_ROLE) if item is not None else None

    def _double_clicked(self, row: int, _column: int) -> None:
        community_id = self.community_at(row)
        if community_id:
            self.events.community_selected.emit(community_id)

    def save_stale_days(self) -> None:
        value = self.stale_days.value()
        if value == self.view.stale_after_days:
            return
        try:
            district.set_stale_after_days(self.db, value)
        except (FormError, accounts.PermissionDenied) as error:
            self.stale_message.setText(str(getattr(error, "errors", {}).get("stale_days")
                                           or error))
            self.stale_days.setValue(self.view.stale_after_days)
            return
        self.stale_message.clear()
        self.reload()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.timer.start()

    def hideEvent(self, event) -> None:
        self.timer.stop()
        super().hideEvent(event)
