"""The 导入居民台账 dialog: read the file, let her correct the column mapping, show the dry run
(what will be created and changed, and every problem row), then import the good rows or
nothing. Reading, checking and importing run in the background with progress and cancel."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import sqlite_utils
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app import registry
from app.errors import FormError
from app.ledger import importer as li
from app.ledger.reader import LEDGER_PATTERNS
from app.ledger.xlsx import ExportError
from ui.events import AppEvents
from ui.ledger.models import ChangeTableModel, ProblemTableModel
from ui.widgets.background import BackgroundTask
from ui.widgets.form import ERROR_STYLE

MUTED = "color: #5f6b7a;"
WRAP_ROWS = 2000
# Every kind app.ledger.reader reads, under one name (web platforms' .xls/.htm, XML 表格,
# WPS .et, LibreOffice .ods): what every dialog that opens a ledger offers.
LEDGER_FILTER = f"表格文件 ({LEDGER_PATTERNS});;所有文件 (*)"


def choose_ledger_file(parent: QWidget) -> Path | None:
    name, _ = QFileDialog.getOpenFileName(parent, parent.tr("选择居民台账"), str(Path.home()),
                                          LEDGER_FILTER)
    return Path(name) if name else None


def _table(model) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.verticalHeader().hide()
    view.horizontalHeader().setStretchLastSection(True)
    view.setWordWrap(True)
    for column, width in enumerate(model.widths):
        view.setColumnWidth(column, width)
    return view


class LedgerImportDialog(QDialog):
    """Opened on a file; `plan` holds the last dry run, `result` the import once done."""

    def __init__(self, db: sqlite_utils.Database, db_path: Path, path: Path,
                 events: AppEvents | None = None, parent: QWidget | None = None,
                 today: date | None = None) -> None:
        super().__init__(parent)
        self.db, self.db_path, self.path, self.events = db, Path(db_path), Path(path), events
        self.today = today
        self.ledger: li.Ledger | None = None
        self.mapping: li.Mapping = {}
        self.plan: li.ImportPlan | None = None
        self.result: li.ImportPlan | None = None
        self.task: BackgroundTask | None = None
        self.step = ""
        self.setWindowTitle(self.tr("导入居民台账"))
        self.resize(1000, 660)

        self.file_label = QLabel()
        self.file_label.setObjectName("fileLabel")
        self.file_label.setWordWrap(True)
        self.file_label.setStyleSheet("font-size: 12pt; font-weight: bold;")
        self.stack = QStackedWidget()
        self.progress_page = self._build_progress_page()
        self.mapping_page = self._build_mapping_page()
        self.review_page = self._build_review_page()
        self.done_page = self._build_done_page()
        for page in (self.progress_page, self.mapping_page, self.review_page, self.done_page):
            self.stack.addWidget(page)
        layout = QVBoxLayout(self)
        layout.addWidget(self.file_label)
        layout.addWidget(self.stack, 1)
        self.file_label.setText(self.tr("文件：{0}").format(self.path.name))
        QTimer.singleShot(0, self.read_file)

    # --- pages -------------------------------------------------------------------------------
    def _build_progress_page(self) -> QWidget:
        page = QWidget()
        self.stage = QLabel()
        self.stage.setObjectName("stage")
        self.bar = QProgressBar()
        self.bar.setTextVisible(True)
        self.b_cancel = QPushButton(self.tr("取消"))
        self.b_cancel.clicked.connect(self.cancel_task)
        row = QHBoxLayout()
        row.addStretch()
        row.addWidget(self.b_cancel)
        v = QVBoxLayout(page)
        v.addStretch()
        v.addWidget(self.stage)
        v.addWidget(self.bar)
        v.addLayout(row)
        v.addStretch()
        return page

    def _build_mapping_page(self) -> QWidget:
        page = QWidget()
        self.layout_info = QLabel()
        self.layout_info.setObjectName("layoutInfo")
        self.layout_info.setWordWrap(True)
        intro = QLabel(self.tr(
            "请核对每一列“导入为”什么。程序已按列名猜好，猜错的请在右侧改正，不需要的列选"
            "“（不导入）”。下次导入同样格式的表格时，会记住您的选择。"))
        intro.setWordWrap(True)
        intro.setStyleSheet(MUTED)
        self.sheet_box = QComboBox()
        self.sheet_box.setObjectName("sheetBox")
        self.sheet_box.activated.connect(self._sheet_changed)
        self.sheet_label = QLabel(self.tr("工作表："))
        sheet_row = QHBoxLayout()
        sheet_row.addWidget(self.sheet_label)
        sheet_row.addWidget(self.sheet_box)
        sheet_row.addStretch()
        self.columns_table = QTableWidget(0, 4)
        self.columns_table.setObjectName("mappingTable")
        self.columns_table.setHorizontalHeaderLabels(
            [self.tr("列"), self.tr("表头"), self.tr("前几行的内容"), self.tr("导入为")])
        self.columns_table.verticalHeader().hide()
        self.columns_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.columns_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        header = self.columns_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Interactive)
        self.columns_table.setColumnWidth(1, 170)
        self.columns_table.setColumnWidth(3, 270)
        self.columns_table.verticalHeader().setDefaultSectionSize(30)
        self.compound_box = QComboBox()
        self.compound_box.setObjectName("defaultCompound")
        self.compound_box.setEditable(True)
        self.compound_box.setMinimumWidth(220)
        self.compound_box.lineEdit().setPlaceholderText(self.tr("选择或输入小区名称"))
        compound_row = QHBoxLayout()
        compound_row.addWidget(QLabel(self.tr("表格中没有“小区”列时，居民导入到：")))
        compound_row.addWidget(self.compound_box)
        compound_row.addStretch()
        self.mapping_error = QLabel()
        self.mapping_error.setObjectName("mappingError")
        self.mapping_error.setStyleSheet(ERROR_STYLE)
        self.mapping_error.setWordWrap(True)
        self.mapping_error.hide()
        self.b_check = QPushButton(self.tr("检查数据（不会写入）"))
        self.b_check.setObjectName("checkButton")
        self.b_check.setDefault(True)
        self.b_check.clicked.connect(self.check)
        b_close = QPushButton(self.tr("取消"))
        b_close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch()
        buttons.addWidget(b_close)
        buttons.addWidget(self.b_check)
        v = QVBoxLayout(page)
        v.setContentsMargins(0, 0, 0, 0)
        v.addWidget(self.layout_info)
        v.addWidget(intro)
        v.addLayout(sheet_row)
        v.addWidget(self.columns_table, 1)
        v.addLayout(compound_row)
        v.addWidget(self.mapping_error)
        v.addLayout(buttons)
        return page

    def _build_review_page(self) -> QWidget:
        page = QWidget()
        self.summary = QLabel()
        self.summary.setObjectName("summary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problems = ProblemTableModel(self)
        self.changes = ChangeTableModel(self)
        self.problem_view = _table(self.problems)
        self.problem_view.setObjectName("problemView")
        self.change_view = _table(self.changes)
        self.change_view.setObjectName("changeView")
        self.tabs = QTabWidget()
        self.tabs.addTab(self.problem_view, "")
        self.tabs.addTab(self.change_view, "")
        self.b_problems = QPushButton(self.tr("导出问题行…"))
        self.b_problems.setObjectName("exportProblems")
        self.b_problems.setToolTip(self.tr("把有问题的行存成 Excel 文件，带“问题”列；"
                                           "在 Excel 里改好后，可以再导入这个文件。"))
        self.b_problems.clicked.connect(lambda: self.export_problems())
        b_back = QPushButton(self.tr("修改对应关系"))
        b_back.clicked.connect(lambda: self.stack.setCurrentWidget(self.mapping_page))
        self.b_nothing = QPushButton(self.tr("不导入"))
        self.b_nothing.setObjectName("importNothing")
        self.b_nothing.clicked.connect(self.reject)
        self.b_import = QPushButton()
        self.b_import.setObjectName("importGood")
        self.b_import.clicked.connect(self.apply)
        buttons = QHBoxLayout()
        buttons.addWidget(self.b_problems)
        buttons.addWidget(b_back)
        buttons.addStretch()
        buttons.addWidget(self.b_nothing)
        buttons.addWidget(self.b_import)
        v = QVBoxLayout(page)
        v.setContentsMargins(0, 0, 0, 0)
        v.addWidget(self.summary)
        v.addWidget(self.tabs, 1)
        v.addLayout(buttons)
        return page

    def _build_done_page(self) -> QWidget:
        page = QWidget()
        self.done_text = QLabel()
        self.done_text.setObjectName("doneText")
        self.done_text.setWordWrap(True)
        self.done_text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.done_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.b_done_problems = QPushButton(self.tr("导出问题行…"))
        self.b_done_problems.clicked.connect(lambda: self.export_problems())
        self.b_other = QPushButton(self.tr("选择其他文件…"))
        self.b_other.clicked.connect(self._other_file)
        b_close = QPushButton(self.tr("关闭"))
        b_close.setObjectName("closeButton")
        b_close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(self.b_done_problems)
        buttons.addWidget(self.b_other)
        buttons.addStretch()
        buttons.addWidget(b_close)
        v = QVBoxLayout(page)
        v.setContentsMargins(0, 0, 0, 0)
        v.addWidget(self.done_text, 1)
        v.addLayout(buttons)
        return page

    # --- background work ---------------------------------------------------------------------
    def _run(self, step: str, stage: str, fn, on_done, needs_db: bool = True) -> None:
        self.step = step   # read | check | apply
        self.stage.setText(stage)
        self.bar.setRange(0, 0)   # busy until the first report
        self.b_cancel.setEnabled(True)
        self.stack.setCurrentWidget(self.progress_page)
        if self.task is not None:
            self.task.deleteLater()   # finished: its thread has ended
        self.task = BackgroundTask(fn, self.db_path if needs_db else None, self)
        self.task.progress.connect(self._progress)
        self.task.done.connect(on_done)
        self.task.error.connect(self._failed)
        self.task.start()

    def _progress(self, done: int, total: int) -> None:
        if total > 0:
            self.bar.setRange(0, total)
            self.bar.setValue(min(done, total))

    def cancel_task(self) -> None:
        if self.task is not None and self.task.running:
            self.b_cancel.setEnabled(False)
            self.stage.setText(self.tr("正在取消…"))
            self.task.cancel()

    def _failed(self, exc: object) -> None:
        if isinstance(exc, FormError):
            self._show_mapping_error(exc.message)
            return
        if isinstance(exc, li.LedgerError):
            self._finish(exc.message, error=True)
        elif isinstance(exc, li.ImportCancelled):
            if self.step == "read":
                self._finish(self.tr("已取消读取文件。"))
            elif self.step == "check":
                self.stack.setCurrentWidget(self.mapping_page)
            else:
                self._finish(self.tr("已取消导入，数据库没有任何改动。"))
        else:
            self._finish(self.tr("导入没有完成，数据库没有任何改动。\n原因：{0}\n"
                                 "请检查文件后重试；如果反复出现，请把这段文字告诉技术支持。")
                         .format(exc), error=True)

    # --- steps -------------------------------------------------------------------------------
    def read_file(self, sheet: str | None = None) -> None:
        path = self.path

        def read(_db: Any, progress, cancelled) -> li.Ledger:
            return li.read_ledger(path, sheet=sheet, progress=progress, cancelled=cancelled)

        self._run("read", self.tr("正在读取文件…"), read, self._read_done, needs_db=False)

    def _read_done(self, ledger: li.Ledger) -> None:
        self.ledger = ledger
        self.plan = None
        self.mapping = li.guess_mapping(ledger, li.remembered_mapping(self.db))
        parts = []
        # A web page's tables have no names: 表格1, 表格2 in the order of the page.
        unit = self.tr("表格") if ledger.kind == "html" else self.tr("工作表")
        if ledger.sheet:
            parts.append(self.tr("{0}“{1}”").format(unit, ledger.sheet))
        if ledger.encoding:
            parts.append(self.tr("文字编码 {0}").format(ledger.encoding))
        rows = "、".join(str(r) for r in ledger.header_rows)
        parts.append(self.tr("表头在第 {0} 行").format(rows))
        parts.append(self.tr("数据从第 {0} 行开始，共 {1} 行").format(
            ledger.first_data_row, ledger.data_row_count))
        if ledger.title:
            parts.insert(0, self.tr("标题“{0}”").format(ledger.title))
        text = "，".join(parts) + "。"
        if len(ledger.candidates) > 1:
            text += self.tr("文件里有 {0} 个{1}都像台账（{2}），现在读的是“{3}”；要导入别的，"
                            "请在上面的“{1}”里选择。").format(
                len(ledger.candidates), unit, "、".join(ledger.candidates), ledger.sheet)
        self.layout_info.setText(text)
        self.sheet_box.clear()
        self.sheet_box.addItems(ledger.sheets)
        if ledger.sheet:
            self.sheet_box.setCurrentText(ledger.sheet)
        many = len(ledger.sheets) > 1
        self.sheet_box.setVisible(many)
        self.sheet_label.setText(self.tr("{0}：").format(unit))
        self.sheet_label.setVisible(many)
        self._fill_columns()
        compounds = [c["name"] for c in registry.tree_nodes(self.db)["compounds"]]
        current = self.compound_box.currentText()
        self.compound_box.clear()
        self.compound_box.addItems(["", *compounds])
        self.compound_box.setCurrentText(current or (compounds[0] if len(compounds) == 1
                                                     else ""))
        self.mapping_error.hide()
        self.stack.setCurrentWidget(self.mapping_page)

    def _fill_columns(self) -> None:
        ledger = self.ledger
        assert ledger is not None
        table = self.columns_table
        table.setRowCount(len(ledger.columns))
        for row, col in enumerate(ledger.columns):
            letter = QTableWidgetItem(col.letter)
            letter.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            table.setItem(row, 0, letter)
            table.setItem(row, 1, QTableWidgetItem(col.label))
            sample = QTableWidgetItem("　".join(col.samples))
            sample.setForeground(Qt.GlobalColor.darkGray)
            table.setItem(row, 2, sample)
            box = QComboBox()
            box.addItem(self.tr("（不导入）"), li.IGNORE)
            for f in li.FIELDS:
                box.addItem(f.label, f.code)
            box.setCurrentIndex(max(0, box.findData(self.mapping.get(col.index, li.IGNORE))))
            box.setMaxVisibleItems(len(li.FIELDS) + 1)
            table.setCellWidget(row, 3, box)

    def current_mapping(self) -> li.Mapping:
        mapping: li.Mapping = {}
        assert self.ledger is not None
        for row, col in enumerate(self.ledger.columns):
            box = self.columns_table.cellWidget(row, 3)
            if box.currentData():
                mapping[col.index] = box.currentData()
        return mapping

    def set_column_field(self, letter: str, code: str) -> None:
        """Choose what a column is imported as (what she does with the combo box)."""
        assert self.ledger is not None
        row = next(i for i, c in enumerate(self.ledger.columns) if c.letter == letter)
        box = self.columns_table.cellWidget(row, 3)
        box.setCurrentIndex(box.findData(code))

    def _sheet_changed(self, _index: int) -> None:
        if self.ledger and self.sheet_box.currentText() != self.ledger.sheet:
            self.read_file(self.sheet_box.currentText())

    def _options(self) -> li.ImportOptions:
        return li.ImportOptions(default_compound=self.compound_box.currentText().strip() or None)

    def _show_mapping_error(self, message: str) -> None:
        self.mapping_error.setText(message)
        self.mapping_error.show()
        self.stack.setCurrentWidget(self.mapping_page)

    def check(self) -> None:
        assert self.ledger is not None
        mapping = self.current_mapping()
        try:
            li.check_mapping(self.ledger, mapping)
        except FormError as exc:
            self._show_mapping_error(exc.message)
            return
        self.mapping_error.hide()
        self.mapping = mapping
        ledger, options, today = self.ledger, self._options(), self.today

        def dry_run(db, progress, cancelled) -> li.ImportPlan:
            return li.plan_import(db, ledger, mapping, options, progress=progress,
                                  cancelled=cancelled, today=today)

        self._run("check", self.tr("正在检查每一行（不会写入数据库）…"), dry_run, self._checked)

    def _checked(self, plan: li.ImportPlan) -> None:
        self.plan = plan
        self.summary.setText("\n".join(plan.summary_lines()))
        self.problems.set_items(plan.problems)
        self.changes.set_items(plan.updated_residents + plan.updated_households)
        # Whole messages, wrapped; a very long list keeps one line a row (the tooltip has all).
        for view, model in ((self.problem_view, self.problems), (self.change_view, self.changes)):
            if model.rowCount() <= WRAP_ROWS:
                view.resizeRowsToContents()
        self.tabs.setTabText(0, self.tr("有问题的行（{0}）").format(len(plan.problems)))
        self.tabs.setTabText(1, self.tr("将更新的居民和住户（{0}）").format(
            len(plan.updated_residents) + len(plan.updated_households)))
        self.tabs.setCurrentIndex(0 if plan.problems or not self.changes.items else 1)
        self.b_problems.setEnabled(bool(plan.problems))
        self.b_import.setText(self.tr("导入没有问题的 {0} 行").format(plan.good_rows))
        self.b_import.setEnabled(plan.good_rows > 0)
        self.stack.setCurrentWidget(self.review_page)

    def apply(self) -> None:
        assert self.ledger is not None
        ledger, mapping, options, today = self.ledger, self.mapping, self._options(), self.today
        self.plan = None   # the import works it out again; a 100,000-row plan is big

        def run(db, progress, cancelled) -> li.ImportPlan:
            return li.import_ledger(db, ledger, mapping, options, progress=progress,
                                    cancelled=cancelled, today=today)

        self._run("apply", self.tr("正在导入（全部完成前不会保存任何内容，可随时取消）…"),
                  run, self._applied)

    def _applied(self, plan: li.ImportPlan) -> None:
        self.result = plan
        self.plan = plan
        if self.events is not None:
            self.events.registry_changed.emit()
            self.events.party_members_changed.emit()
        lines = [self.tr("导入完成。"), "", *plan.summary_lines()]
        if plan.problems:
            lines.append(self.tr("有问题的 {0} 行没有导入：可以“导出问题行”，在 Excel 里改好后"
                                 "再导入那个文件。").format(plan.refused_rows))
        self._finish("\n".join(lines))

    def _finish(self, text: str, error: bool = False) -> None:
        self.done_text.setText(text)
        self.done_text.setStyleSheet(ERROR_STYLE if error else "font-size: 11pt;")
        self.b_done_problems.setVisible(bool(self.result and self.result.problems))
        self.b_other.setVisible(error)
        self.stack.setCurrentWidget(self.done_page)

    def _other_file(self) -> None:
        path = choose_ledger_file(self)
        if path:
            self.path = path
            self.file_label.setText(self.tr("文件：{0}").format(path.name))
            self.ledger = None
            self.read_file()

    def export_problems(self, path: Path | None = None) -> Path | None:
        if self.plan is None or self.ledger is None:
            return None
        if path is None:
            suggested = self.path.with_name(f"{self.path.stem}-问题行.xlsx")
            name, _ = QFileDialog.getSaveFileName(self, self.tr("导出问题行"), str(suggested),
                                                  "Excel 工作簿 (*.xlsx)")
            if not name:
                return None
            path = Path(name)
        try:
            li.write_problems(path, self.ledger, self.mapping, self.plan)
        except ExportError as exc:
            QMessageBox.warning(self, self.tr("无法导出"), exc.message)
            return None
        return path

    # --- closing -----------------------------------------------------------------------------
    def done(self, code: int) -> None:  # Qt: accept, reject and close all end here
        if self.task is not None and self.task.running:
            self.task.stop()   # the import rolls back on cancel
        super().done(code)
