"""The 日报 page. At a community: the day's figures as assembled from the data, whether and by
whom they were confirmed, 确认上报 (a correction asks why and keeps the earlier report), and the
day's earlier versions. At the district: the table of a day, every community by street with
street sums and the district's total, 未报 in red; both print to PDF and export to Excel."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import sqlite_utils
from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app import community_scope, reports
from app.errors import FormError
from app.ledger.xlsx import ExportError
from ui import access
from ui.events import AppEvents
from ui.isolation.dialogs import date_edit, picked_date
from ui.widgets.community_filter import CommunityFilter
from ui.widgets.lazy_table import RED, Column
from ui.widgets.shown import ReadWhenShown
from ui.widgets.tables import RowsTableModel, make_table

MISSING_TONE = RED
SUM_TONE = ("#1f2d3d", "#e8eef5")


def _figure(key: str):
    return lambda r: r[key]


DISTRICT_COLUMNS = [
    Column("街道 / 社区", lambda r: r["name"], width=140,
           tone=lambda r: MISSING_TONE if r["missing"] else SUM_TONE if r["sum"] else None),
    *(Column(reports.SHORT_LABELS[k], _figure(k), align_right=True, width=60,
             tone=lambda r: MISSING_TONE if r["missing"] else SUM_TONE if r["sum"] else None)
      for k in reports.KEYS),
    Column("确认", lambda r: r["by"], width=150),
]
COMMUNITY_COLUMNS = [Column("项目", lambda r: r[0], width=260),
                     Column("数量", lambda r: r[1], align_right=True, width=80)]


class ReportsPage(ReadWhenShown, QWidget):
    def __init__(self, db: sqlite_utils.Database, events: AppEvents,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.events = db, events
        self.at_district = community_scope.is_district(db)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        title = QLabel(self.tr("各社区日报汇总") if self.at_district else self.tr("日报"))
        title.setStyleSheet("font-size: 14pt; font-weight: bold;")
        top.addWidget(title)
        top.addWidget(QLabel(self.tr("日期")))
        self.day = date_edit(date.today())
        self.day.setObjectName("reportDay")
        self.day.setMaximumDate(QDate.currentDate())    # a day in the future has no report
        self.day.dateChanged.connect(lambda _d: self.reload())
        top.addWidget(self.day)
        self.filter: CommunityFilter | None = None
        if self.at_district:
            self.filter = CommunityFilter(db, events)
            self.filter.changed.connect(self.reload)
            top.addWidget(self.filter)
        top.addStretch(1)
        self.confirm_button = QPushButton(self.tr("确认上报(&S)"))
        self.confirm_button.setObjectName("confirmReport")
        self.confirm_button.setToolTip(self.tr("确认这天的日报，下次同步时上报区里（Ctrl+S）"))
        self.confirm_button.clicked.connect(self.confirm)
        self.confirm_button.setVisible(not self.at_district)
        access.hold(db, "reports.confirm", self.confirm_button)
        top.addWidget(self.confirm_button)
        pdf = QPushButton(self.tr("打印/PDF(&P)…"))
        pdf.setToolTip(self.tr("一页正式版式的 PDF（Ctrl+P）"))
        pdf.clicked.connect(lambda: self.export(".pdf"))
        top.addWidget(pdf)
        xlsx = QPushButton(self.tr("导出Excel(&E)…"))
        xlsx.clicked.connect(lambda: self.export(".xlsx"))
        top.addWidget(xlsx)
        layout.addLayout(top)
        self.status = QLabel()
        self.status.setObjectName("reportStatus")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.model = RowsTableModel(DISTRICT_COLUMNS if self.at_district
                                    else COMMUNITY_COLUMNS, self)
        self.table = make_table(self.model)
        self.table.setObjectName("reportTable")
        layout.addWidget(self.table, 1)
        self.origins = QLabel()
        self.origins.setWordWrap(True)
        layout.addWidget(self.origins)
        if not self.at_district:
            save = QShortcut(QKeySequence.StandardKey.Save, self, self.confirm)
            save.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        events.registry_changed.connect(self.reload)
        self.reload()

    def picked_day(self) -> date:
        return picked_date(self.day)

    def community_ids(self) -> set[str] | None:
        return self.filter.community_ids() if self.filter else None

    def load(self) -> None:
        try:
            if self.at_district:
                self._load_district()
            else:
                self._load_community()
        except FormError as exc:
            self.model.set_rows([])
            self.status.setText(exc.message)

    def _load_community(self) -> None:
        shown = reports.community_report(self.db, self.picked_day())
        draft = reports.assemble(self.db, self.picked_day())
        self.model.set_rows([(label, shown.figures[key]) for key, label in reports.FIGURES])
        older = reports.versions(self.db, self.picked_day())[1:]
        if shown.confirmed:
            text = self.tr("已于 {0} 由 {1} 确认上报。").format(
                shown.confirmed_at[:16].replace("T", " "), shown.confirmed_by)
            if draft.figures != shown.figures or draft.origins != shown.origins:
                text += self.tr("数据已有变化：如需更正，按“确认上报”并写明原因（原日报保留）。")
            if older:
                text += self.tr("之前确认过 {0} 次（已更正，均保留）。").format(len(older))
        else:
            text = self.tr("尚未确认。以下数字由系统按当天数据生成（不用填写），核对无误后按"
                           "“确认上报”，下次同步时报到区里。")
        self.status.setText(text)
        self.origins.setText(self.tr("外地返回人员来源地：{0}").format(
            "；".join(f"{o} {n}人" for o, n in shown.origins) or self.tr("无")))

    def _load_district(self) -> None:
        table = reports.district_table(self.db, self.picked_day(), self.community_ids())
        rows: list[dict[str, Any]] = []
        for group in table.streets:
            for line in group.lines:
                if line.report is None:
                    rows.append({"name": f"　{line.name}", "missing": True, "sum": False,
                                 "by": reports.MISSING,
                                 **dict.fromkeys(reports.KEYS, reports.MISSING)})
                else:
                    at = line.report.confirmed_at[5:16].replace("T", " ")
                    flag = self.tr("（数字有误，请联系社区重报）") if line.report.suspect else ""
                    rows.append({"name": f"　{line.name}", "missing": False, "sum": False,
                                 "by": f"{line.report.confirmed_by} {at}{flag}",
                                 **line.report.figures})
            rows.append({"name": self.tr("{0} 小计").format(group.street), "missing": False,
                         "sum": True, "by": self.tr("{0}个未报").format(group.missing)
                         if group.missing else "", **group.sums})
        rows.append({"name": self.tr("合计"), "missing": False, "sum": True, "by": "",
                     **table.sums})
        self.model.set_rows(rows)
        self.status.setText(self.tr(
            "{0}：应报 {1} 个社区，已报 {2} 个，未报 {3} 个（红色）。数字是各社区确认上报的日报，"
            "随同步到达。").format(table.day.isoformat(), table.communities,
                              table.communities - table.missing, table.missing))
        self.origins.setText(self.tr("外地返回人员来源地：{0}").format(
            "；".join(f"{o} {n}人" for o, n in table.origins) or self.tr("无")))

    def confirm(self) -> None:
        if self.at_district or not access.allowed(self.db, "reports.confirm", self):
            return
        reason = None
        try:
            if reports.standing(self.db, self.picked_day()) is not None:
                reason, ok = QInputDialog.getText(
                    self, self.tr("更正日报"), self.tr(
                        "这天的日报已确认上报。重新确认会更正它（原来的保留），请写明更正原因："))
                if not ok:
                    return
            done = reports.confirm(self.db, self.picked_day(), reason=reason)
        except FormError as exc:
            QMessageBox.warning(self, self.tr("确认上报"), exc.message)
            return
        self.reload()
        self.status.setText(self.tr("已确认 {0} 的日报，下次同步时上报区里。").format(
            done.day.isoformat()) + " " + self.status.text())

    def print_current(self) -> None:
        """Ctrl+P: the day's report (or the district's table) as a one-page PDF."""
        self.export(".pdf")

    def export(self, suffix: str) -> None:
        name = f"日报-{self.picked_day().isoformat()}{suffix}"
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("保存日报"), str(Path.home() / name),
            self.tr("PDF 文件 (*.pdf)") if suffix == ".pdf" else self.tr("Excel 文件 (*.xlsx)"))
        if not path:
            return
        self.write(Path(path).with_suffix(suffix))

    def write(self, path: Path) -> Path | None:
        # ReportLab loads when a report is first written, not at start-up.
        from app.documents.page import DocumentSaveError
        from app.reports import printing

        try:
            if path.suffix == ".pdf":
                return printing.write_pdf(self.db, path, self.picked_day(), self.community_ids())
            return printing.write_xlsx(self.db, path, self.picked_day(), self.community_ids())
        except (FormError, DocumentSaveError, ExportError) as exc:
            QMessageBox.warning(self, self.tr("保存日报"), exc.message)
            return None
