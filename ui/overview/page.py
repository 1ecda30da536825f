"""The 概览 page: the community at a glance."""

from __future__ import annotations

import sqlite_utils
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QProgressBar, QVBoxLayout, QWidget

from app import isolation, pairing, registry
from app.database import community_info
from ui.events import AppEvents
from ui.incidents.summary import overview_line
from ui.inspections.summary import overview_line as inspections_line
from ui.widgets.lazy_chart import ChartSlot

CARDS = [("grids", "网格"), ("compounds", "楼院"), ("buildings", "楼栋"), ("households", "住户"),
         ("residents", "居民"), ("party_members", "党员")]



def _cases_chart() -> QWidget:
    from ui.isolation.chart import CasesChart

    return CasesChart()

class OverviewPage(QWidget):
    def __init__(self, db: sqlite_utils.Database, events: AppEvents,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.heading = QLabel()
        self.heading.setStyleSheet("font-size: 20pt; font-weight: bold;")
        self.subheading = QLabel()
        self.subheading.setStyleSheet("color: #5f6b7a;")
        grid = QGridLayout()
        self.values: dict[str, QLabel] = {}
        for i, (key, label) in enumerate(CARDS):
            card = QFrame()
            card.setFrameShape(QFrame.Shape.StyledPanel)
            card.setStyleSheet("QFrame { background: #f4f7fb; border-radius: 6px; }")
            box = QVBoxLayout(card)
            value = QLabel("0")
            value.setObjectName(f"count_{key}")
            value.setStyleSheet("font-size: 24pt; color: #1f5fa8;")
            value.setAlignment(Qt.AlignmentFlag.AlignCenter)
            caption = QLabel(label)
            caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
            box.addWidget(value)
            box.addWidget(caption)
            grid.addWidget(card, i // 3, i % 3)
            self.values[key] = value
        self.tags = QLabel()
        self.tags.setWordWrap(True)
        # 党员联户 at a glance; the page itself has the chart and the lists.
        self.pairing = QLabel()
        self.pairing.setObjectName("pairingSummary")
        self.pairing.setWordWrap(True)
        self.pairing_bar = QProgressBar()
        self.pairing_bar.setObjectName("pairingBar")
        self.pairing_bar.setRange(0, 1000)
        self.pairing_bar.setTextVisible(False)
        self.pairing_bar.setFixedHeight(12)
        # 居家隔离 now: who is in, which checks are due or overdue, who may be released.
        self.isolation = QLabel()
        self.isolation.setObjectName("isolationSummary")
        self.isolation.setWordWrap(True)
        self.incidents = QLabel()            # events past their deadline: the line is red
        self.incidents.setObjectName("incidentsOverview")
        self.incidents.setWordWrap(True)
        self.inspections = QLabel()          # corrections past their deadline: red
        self.inspections.setObjectName("inspectionsOverview")
        self.inspections.setWordWrap(True)
        self.cases_chart = ChartSlot(_cases_chart, 180)   # pyqtgraph loads when first seen
        self.cases_chart.setObjectName("casesChart")
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.subheading)
        layout.addSpacing(12)
        layout.addLayout(grid)
        layout.addSpacing(12)
        layout.addWidget(self.tags)
        layout.addSpacing(8)
        layout.addWidget(self.pairing)
        layout.addWidget(self.pairing_bar)
        layout.addSpacing(8)
        layout.addWidget(self.isolation)
        layout.addWidget(self.incidents)
        layout.addWidget(self.inspections)
        layout.addWidget(self.cases_chart, 1)
        events.registry_changed.connect(self.reload)
        events.party_members_changed.connect(self.reload)
        events.pairings_changed.connect(self.reload)
        events.isolation_changed.connect(self.reload)
        # Checks fall due as the clock moves: redrawn each minute while the page is shown.
        self.timer = QTimer(self, interval=60_000)
        self.timer.timeout.connect(self.reload_isolation)
        self.reload()

    def reload(self) -> None:
        info = community_info(self.db)
        if info:
            self.heading.setText(info.name)
            self.subheading.setText(f"{info.district} {info.street}  社区代码 {info.code}")
        for key, value in registry.counts(self.db).items():
            if key in self.values:
                self.values[key].setText(f"{value:,}")
        tags = registry.tag_counts(self.db, "households", registry.HOUSEHOLD_TAGS[:4])
        p = registry.resident_profile(self.db)
        self.tags.setText(
            self.tr("居民：户籍 {0} 人，常住 {1} 人，流动 {2} 人；"
                    "60岁以上 {3} 人，其中80岁以上 {4} 人。").format(
                *(f"{p[k]:,}" for k in ("registered", "resident", "floating", "aged_60",
                                        "aged_80")))
            + "\n" + self.tr("重点关注住户：")
            + "，".join(f"{t} {n:,} 户" for t, n in tags.items()) + "。")
        cover = pairing.coverage(self.db)
        lowest = min((g for g in cover.grids if g.households), key=lambda g: g.rate,
                     default=None)
        text = self.tr("党员联户：已联户 {0} / {1} 户，覆盖率 {2:.1%}；未联户 {3} 户。").format(
            f"{cover.paired:,}", f"{cover.households:,}", cover.rate, f"{cover.unpaired:,}")
        if lowest is not None and len(cover.grids) > 1:
            text += self.tr("覆盖率最低的是{0}（{1:.0%}）。").format(lowest.name, lowest.rate)
        if cover.members_over or cover.members_idle:
            text += self.tr("超过上限的党员 {0} 名，没有联系户的党员 {1} 名。").format(
                len(cover.members_over), len(cover.members_idle))
        self.pairing.setText(text)
        self.pairing_bar.setValue(round(cover.rate * 1000))
        if self.isVisible():            # else when shown (showEvent): not at start-up
            self.reload_isolation()

    def reload_isolation(self) -> None:
        board = isolation.board(self.db)
        n = board.counts()
        text = self.tr("居家隔离：管控中 {0} 人（居家隔离 {1}，居家健康监测 {2}），"
                       "另有 {3} 人待开始。").format(n["active"], n["home_isolation"],
                                                   n["home_monitoring"], n["planned"])
        text += self.tr("现在待检测 {0} 人，逾期未查 {1} 人；体温或症状异常待片医处理 {2} 人；"
                        "期满待解除 {3} 人。").format(n["due"], n["overdue"], n["flagged"],
                                                   n["release_due"])
        self.isolation.setText(text)
        self.isolation.setStyleSheet("color: #b71c1c;" if n["overdue"] or n["flagged"] else "")
        text, late = overview_line(self.db)
        self.incidents.setText(text)
        self.incidents.setStyleSheet("color: #b71c1c;" if late else "")
        text, late = inspections_line(self.db)
        self.inspections.setText(text)
        self.inspections.setStyleSheet("color: #b71c1c;" if late else "")
        self.cases_chart.call("set_series",
                              isolation.active_per_day(self.db, 30, board.at.date()))

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.reload_isolation()
        self.timer.start()

    def hideEvent(self, event) -> None:
        self.timer.stop()
        super().hideEvent(event)
