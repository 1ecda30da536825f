"""The 审计 page: who did what and when, filtered by person, action, record and date; the
chain check; export to Excel. Rows say what a record is in words and who by name (no ids);
the selected entry's full content shows in the pane below the list. At a district: the 社区
column (whose record, named as it was then) and the community/street filter."""

from __future__ import annotations

import html
from datetime import date
from pathlib import Path

import sqlite_utils
from PySide6.QtCore import QAbstractTableModel, QDate, QModelIndex, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app import community_scope
from app.accounts import audit
from app.errors import FormError
from app.ledger.xlsx import ExportError
from ui.widgets.community_filter import CommunityFilter

LIMIT = 5000
COLUMNS = [("序号", "seq", 60), ("时间", "time", 150), ("操作人", "by", 90),
           ("操作", "action", 90), ("对象", "what", 170), ("内容", "detail", 400)]
FIT = (2, 3)           # 操作人, 操作: as wide as their longest text (a sample), within reason
FIT_MAX = 200
ACTIONS = {"": "全部操作", "insert": "新增", "update": "修改", "delete": "删除",
           "sign_in": "登录", "sign_in_failed": "登录失败", "reveal": "查看完整信息",
           "print": "打印", "export": "导出", "import": "导入", "sync": "同步",
           "idle_lock": "闲置锁定", "lock": "手动锁定", "unlock": "解锁",
           "account_created": "新建账户", "account_changed": "修改账户",
           "password_changed": "修改密码"}


DISTRICT_COLUMNS = [("社区", "community", 100), *COLUMNS]


class AuditTableModel(QAbstractTableModel):
    def __init__(self, parent=None, columns: list[tuple[str, str, int]] = COLUMNS) -> None:
        super().__init__(parent)
        self.rows: list[audit.AuditRow] = []
        self.columns = columns

    def set_rows(self, rows: list[audit.AuditRow]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return str(getattr(self.rows[index.row()], self.columns[index.column()][1]))
        if role == Qt.ItemDataRole.ToolTipRole:     # rich text, so a long content wraps
            text = str(getattr(self.rows[index.row()], self.columns[index.column()][1]))
            return f"<p>{html.escape(text)}</p>" if text else None
        return None

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.columns[section][0]
        return None


class AuditPage(QWidget):
    def __init__(self, db: sqlite_utils.Database, events=None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.district = community_scope.is_district(db)
        self.columns = DISTRICT_COLUMNS if self.district else COLUMNS
        self.fit = tuple(c + 1 for c in FIT) if self.district else FIT
        self.community_filter = CommunityFilter(db, events) if self.district else None
        if self.community_filter is not None:
            self.community_filter.changed.connect(self.reload)
        self.actor = QComboBox()
        self.actor.setObjectName("auditActor")
        self.action = QComboBox()
        self.action.setObjectName("auditAction")
        for key, text in ACTIONS.items():
            self.action.addItem(text, key)
        self.record = QLineEdit()
        self.record.setObjectName("auditRecord")
        self.record.setClearButtonEnabled(True)
        self.record.setPlaceholderText(self.tr("记录：姓名、证件号码或记录编号"))
        self.use_dates = QCheckBox(self.tr("日期(&D)"))
        self.since = QDateEdit(QDate.currentDate().addDays(-30))
        self.until = QDateEdit(QDate.currentDate())
        for edit in (self.since, self.until):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setEnabled(False)
        self.use_dates.toggled.connect(self.since.setEnabled)
        self.use_dates.toggled.connect(self.until.setEnabled)
        search = QPushButton(self.tr("查询(&Q)"))
        search.clicked.connect(self.reload)
        self.record.returnPressed.connect(self.reload)
        self.actor.activated.connect(lambda _i: self.reload())
        self.action.activated.connect(lambda _i: self.reload())
        export = QPushButton(self.tr("导出 Excel(&E)…"))
        export.setObjectName("auditExport")
        export.clicked.connect(lambda: self.export())
        check = QPushButton(self.tr("校验完整性(&V)"))
        check.setObjectName("auditVerify")
        check.setToolTip(self.tr("逐条核对哈希链：任何一条被修改、删除或调换顺序都会被发现"))
        check.clicked.connect(self.verify)

        filters = QHBoxLayout()
        filters.addWidget(QLabel(self.tr("操作人")))
        filters.addWidget(self.actor)
        filters.addWidget(self.action)
        filters.addWidget(self.record, 1)
        filters.addWidget(self.use_dates)
        filters.addWidget(self.since)
        filters.addWidget(QLabel("—"))
        filters.addWidget(self.until)
        filters.addWidget(search)
        self.model = AuditTableModel(self, self.columns)
        self.view = QTableView()
        self.view.setObjectName("auditView")
        self.view.setModel(self.model)
        self.view.verticalHeader().hide()
        self.view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.view.setWordWrap(False)
        header = self.view.horizontalHeader()
        for i, (_h, _k, width) in enumerate(self.columns):   # never narrower than the header
            self.view.setColumnWidth(i, max(width, header.sectionSizeFromContents(i).width()))
        header.setSectionResizeMode(len(self.columns) - 1, QHeaderView.ResizeMode.Stretch)
        header.setResizeContentsPrecision(300)
        self.detail = QLabel(self.tr("选中一条记录，这里显示它的完整内容。"))
        self.detail.setObjectName("auditDetail")
        self.detail.setWordWrap(True)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail.setMargin(6)
        self.detail.setStyleSheet("background: #f7f9fb; border: 1px solid #dde3ea;")
        self.view.selectionModel().currentRowChanged.connect(lambda cur, _prev: self.show_entry(
            cur.row()))
        self.model.modelReset.connect(lambda: self.show_entry(-1))
        self.summary = QLabel()
        self.summary.setObjectName("auditSummary")
        self.check_result = QLabel()
        self.check_result.setObjectName("auditCheck")
        self.check_result.setWordWrap(True)
        bottom = QHBoxLayout()
        bottom.addWidget(self.summary, 1)
        bottom.addWidget(check)
        bottom.addWidget(export)
        layout = QVBoxLayout(self)
        title = QLabel(self.tr("审计日志：每一次修改、打印、导出、查看完整信息和登录都记在这里，"
                               "只能追加，不能修改。"))
        title.setStyleSheet("color: #5f6b7a;")
        if self.community_filter is not None:   # its own row: the filters' row is full
            row = QHBoxLayout()
            row.addWidget(title, 1)
            row.addWidget(self.community_filter)
            layout.addLayout(row)
        else:
            layout.addWidget(title)
        layout.addLayout(filters)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.view)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 1)
        split.setSizes([500, 120])
        split.setChildrenCollapsible(False)
        layout.addWidget(split, 1)
        layout.addWidget(self.check_result)
        layout.addLayout(bottom)
        self.reload()

    def filters(self) -> dict:
        since = until = None
        if self.use_dates.isChecked():
            since = date.fromisoformat(self.since.date().toString("yyyy-MM-dd"))
            until = date.fromisoformat(self.until.date().toString("yyyy-MM-dd"))
        chosen = {"communities": self.community_filter.community_ids()} \
            if self.community_filter is not None else {}
        return {"actor": self.actor.currentData() or None,
                "action": self.action.currentData() or None,
                "record": self.record.text().strip() or None, "since": since, "until": until,
                **chosen}

    def reload(self) -> None:
        chosen = self.actor.currentData()
        self.actor.clear()
        self.actor.addItem(self.tr("全部"), "")
        for name, shown in audit.actor_choices(self.db):
            self.actor.addItem(shown, name)
        at = self.actor.findData(chosen) if chosen else 0
        self.actor.setCurrentIndex(max(at, 0))
        rows = audit.rows(self.db, limit=LIMIT, **self.filters())
        self.model.set_rows(rows)
        for c in self.fit:
            self.view.resizeColumnToContents(c)
            self.view.setColumnWidth(c, max(self.columns[c][2], min(self.view.columnWidth(c),
                                                                    FIT_MAX)))
        more = self.tr("（只显示最新 {0} 条，请缩小筛选范围）").format(LIMIT) \
            if len(rows) >= LIMIT else ""
        self.summary.setText(self.tr("共 {0} 条").format(len(rows)) + more)

    def show_entry(self, row: int) -> None:
        """The full entry in the pane below the list (the 内容 cell is cut to one line)."""
        if not 0 <= row < len(self.model.rows):
            self.detail.setText(self.tr("选中一条记录，这里显示它的完整内容。"))
            return
        r = self.model.rows[row]
        self.detail.setText(self.tr("第 {0} 条　{1}　{2}　{3}　{4}\n{5}").format(
            r.seq, r.time, r.by or r.actor, r.action,
            f"{r.community} › {r.what}" if r.community else r.what,
            r.detail or self.tr("（无内容）")))

    def verify(self) -> audit.VerifyReport:
        report = audit.verify(self.db)
        text = report.message + ("\n" + "\n".join(report.lines[:5]) if report.lines else "")
        if report.ok and report.anchor:   # matched the district's ack, or what it cannot see
            text += "\n" + report.anchor
        self.check_result.setText(text)
        self.check_result.setStyleSheet("color: #2e7d32;" if report.ok else "color: #c62828;")
        return report

    def export(self, path: Path | None = None) -> int | None:
        if path is None:
            name, _ = QFileDialog.getSaveFileName(
                self, self.tr("导出审计日志"), str(Path.home() / "审计日志.xlsx"),
                self.tr("Excel 文件 (*.xlsx)"))
            if not name:
                return None
            path = Path(name)
        try:
            rows = audit.export_audit(self.db, path, **self.filters())
        except (ExportError, FormError) as exc:
            QMessageBox.warning(self, self.tr("无法导出"), exc.message)
            return None
        self.summary.setText(self.tr("已导出 {0} 条 → {1}").format(rows, path))
        self.reload()
        return rows
