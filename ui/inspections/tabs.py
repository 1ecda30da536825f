"""The 检查 tab (inspections and supervision rounds, newest first, the chosen one's checklist
and problems) and the 整改 tab (problems: open, overdue in red, closed; a correction, a
re-inspection) of the 场所检查 page. Lists are filtered and sorted in SQL and fetched as
they scroll; at a district with the 社区 column and the community filter."""

from __future__ import annotations

import html

import sqlite_utils
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app import community_scope, inspections
from app.errors import FormError
from ui import access
from ui.events import AppEvents
from ui.inspections.dialogs import (
    CompoundChoice,
    CorrectionDialog,
    InspectionDialog,
    RecheckDialog,
    TemplateChoice,
)
from ui.widgets.community_filter import CommunityFilter
from ui.widgets.form import run_dialog
from ui.widgets.lazy_table import RED, Column, LazyTableModel
from ui.widgets.tables import make_table

OVERDUE = RED
CLOSED = ("#2e7d32", "")


def _owner_column(db: sqlite_utils.Database, columns: list[Column]) -> list[Column]:
    """At a district: the 社区 column (a supervision round: the inspected community)."""
    if not community_scope.is_district(db):
        return columns
    names = community_scope.names(db)

    def which(r: dict) -> str:
        cid = r["subject_id"] if r["subject_kind"] == "community" else \
            r.get("inspection_owner", r["community_id"])
        return names.get(cid, "")
    return [Column("社区", which, width=110), *columns]


INSPECTION_COLUMNS = [
    Column("日期", lambda r: r["inspected_on"], width=90),
    Column("类别", lambda r: inspections.PURPOSE_LABELS.get(r["purpose"], ""), width=70),
    Column("对象", lambda r: r["subject_name"], width=170),
    Column("检查表", lambda r: r["template_name"], width=120),
    Column("检查人", lambda r: r["inspectors"], width=110),
    Column("结果", lambda r: inspections.OUTCOME_LABELS.get(r["outcome"], ""), width=70),
    Column("问题", lambda r: f"{r['problems']}（未销号 {r['open_problems']}）"
           if r["problems"] else "", width=100),
]


def _tone(row: dict) -> tuple[str, str] | None:
    state = row.get("_state") or inspections.problem_state(row)
    return OVERDUE if state == "已逾期" else CLOSED if state == "已销号" else None


PROBLEM_COLUMNS = [
    Column("状态", lambda r: inspections.problem_state(r), width=90, tone=_tone),
    Column("整改期限", lambda r: r["due_on"], width=90),
    Column("对象", lambda r: r["subject_name"], width=150),
    Column("问题", lambda r: r["description"], width=220),
    Column("责任人", lambda r: r["responsible"], width=80),
    Column("整改情况", lambda r: (r["last_correction"] or "").replace("|", " "), width=200),
    Column("检查日期", lambda r: r["inspected_on"], width=90),
    Column("复查销号", lambda r: r["closed_on"] or "", width=90),
]


class InspectionsModel(LazyTableModel):
    # What 台账 › 导出当前列表 reads the whole list with (a worker's own connection).
    source = staticmethod(inspections.inspections_by_ids)


class ProblemsModel(LazyTableModel):
    """Overdue rows red across the whole row, as the events list does."""

    source = staticmethod(inspections.problems_by_ids)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if index.isValid() and role in (Qt.ItemDataRole.ForegroundRole,
                                        Qt.ItemDataRole.BackgroundRole):
            row = self.row_data(index.row())
            tone = _tone(row) if row else None
            if tone and tone[0 if role == Qt.ItemDataRole.ForegroundRole else 1]:
                return QColor(tone[0 if role == Qt.ItemDataRole.ForegroundRole else 1])
            return None
        return super().data(index, role)


def _detail_html(d: inspections.Detail) -> str:
    i = d.inspection
    out = [f"<h3>{html.escape(i['subject_name'])}　{html.escape(i['template_name'])}</h3>",
           f"<p>{i['inspected_on']}　检查人：{html.escape(i['inspectors'])}　结果："
           f"<b>{inspections.OUTCOME_LABELS.get(i['outcome'], '')}</b></p>"]
    if d.answers:
        out.append("<table cellspacing='0' cellpadding='2'>")
        for a in d.answers:
            colour = "#b71c1c" if a["answer"] == "no" else "#000"
            out.append(f"<tr><td>{a['position'] + 1}. {html.escape(a['item'])}</td>"
                       f"<td style='color:{colour}'><b>"
                       f"{inspections.ANSWER_LABELS[a['answer']]}</b></td>"
                       f"<td>{html.escape(a['note'] or '')}</td></tr>")
        out.append("</table>")
    for p in d.problems:
        state = inspections.problem_state(p)
        colour = "#b71c1c" if state == "已逾期" else "#000"
        out.append(f"<p style='color:{colour}'>问题：{html.escape(p['description'])}　期限 "
                   f"{p['due_on']}　责任人 {html.escape(p['responsible'])}　<b>{state}</b></p>")
        for c in d.corrections.get(p["id"], []):
            out.append(f"<p>　整改（{c['corrected_on']}，{html.escape(c['recorded_by'])}）："
                       f"{html.escape(c['note'])}</p>")
    if i["note"]:
        out.append(f"<p>备注：{html.escape(i['note'])}</p>")
    return "".join(out)


class _ListTab(QWidget):
    """A filter row, a lazy list and (for inspections) the chosen row's detail."""

    def __init__(self, db: sqlite_utils.Database, events: AppEvents,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.events = db, events
        # What the page re-reads after a save here (every tab: a new problem shows in 整改).
        self.changed = self.reload
        self.at_district = inspections.is_district(db)
        self.layout_ = QVBoxLayout(self)
        self.filters = QHBoxLayout()
        self.community = None
        if self.at_district:
            self.community = CommunityFilter(db, events)
            self.community.changed.connect(self.reload)
            self.filters.addWidget(self.community)
        self.search = QLineEdit()
        self.search.setClearButtonEnabled(True)
        self._typing = QTimer(self, singleShot=True, interval=250)
        self._typing.timeout.connect(self.reload)
        self.search.textChanged.connect(lambda _t: self._typing.start())
        self.summary = QLabel()
        self.buttons = QHBoxLayout()

    def communities(self):
        return self.community.community_ids() if self.community else None

    def current_id(self) -> str | None:
        index = self.table.currentIndex()
        return self.model.id_at(index.row()) if index.isValid() else None

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def reload(self) -> None:  # pragma: no cover - subclasses implement
        raise NotImplementedError


class InspectionsTab(_ListTab):
    def __init__(self, db: sqlite_utils.Database, events: AppEvents,
                 parent: QWidget | None = None) -> None:
        super().__init__(db, events, parent)
        self.purpose = QComboBox()
        self.purpose.setObjectName("purposeFilter")
        self.purpose.addItem(self.tr("全部类别"), "")
        for key, text in inspections.PURPOSE_LABELS.items():
            self.purpose.addItem(text, key)
        self.purpose.currentIndexChanged.connect(self.reload)
        self.filters.addWidget(self.purpose)
        self.search.setPlaceholderText(self.tr("搜索对象、检查表、检查人"))
        self.filters.addWidget(self.search, 1)
        self.filters.addWidget(self.summary)
        self.layout_.addLayout(self.filters)
        if self.at_district:
            self.round_button = QPushButton(self.tr("督查社区(&U)…"))
            self.round_button.setToolTip(self.tr("督查一个社区：选中社区后逐项检查，发现的问题"
                                                 "同步后该社区可见，整改情况同步回来"))
            self.round_button.clicked.connect(self.new_round)
            self.buttons.addWidget(self.round_button)
            access.hold(db, "supervision.edit", self.round_button)
        else:
            self.compound_button = QPushButton(self.tr("检查小区(&C)…"))
            self.compound_button.setToolTip(self.tr("选一个小区（楼院），按检查表逐项检查"))
            self.compound_button.clicked.connect(self.inspect_compound)
            self.buttons.addWidget(self.compound_button)
            access.hold(db, "places.edit", self.compound_button)
        self.buttons.addStretch(1)
        self.layout_.addLayout(self.buttons)
        self.model = InspectionsModel(_owner_column(db, INSPECTION_COLUMNS),
                                    lambda ids: inspections.inspections_by_ids(db, list(ids)),
                                    self)
        self.table = make_table(self.model)
        self.table.setObjectName("inspectionsTable")
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self.show_current())
        self.detail = QTextBrowser()
        self.detail.setObjectName("inspectionDetail")
        split = QSplitter()
        split.addWidget(self.table)
        split.addWidget(self.detail)
        split.setSizes([640, 420])
        self.layout_.addWidget(split, 1)
        self.reload()

    def reload(self) -> None:
        current = self.current_id()
        ids = inspections.inspection_ids(self.db, text=self.search.text(),
                                         purpose=self.purpose.currentData() or None,
                                         communities=self.communities())
        self.model.refresh(ids)
        self.summary.setText(self.tr("共 {0} 次").format(len(ids)))
        row = self.model.row_of(current) if current else (0 if ids else -1)
        if row >= 0:
            self.table.selectRow(row)
        self.show_current()

    def show_current(self) -> None:
        inspection_id = self.current_id()
        if inspection_id is None:
            self.detail.setHtml(self.tr("<p style='color:#5f6b7a'>没有选中的检查。</p>"))
            return
        self.detail.setHtml(_detail_html(inspections.detail(self.db, inspection_id)))

    def new_round(self) -> None:
        """The district inspects a community chosen in the filter (or asked for)."""
        ids = self.communities()
        names = community_scope.names(self.db)
        chosen = [c for c in (ids or []) if c in names]
        if len(chosen) != 1:
            QMessageBox.information(self, self.tr("督查社区"), self.tr(
                "请先在左上角的社区筛选里选定一个社区，再点“督查社区”。"))
            return
        open_inspection(self, self.db, ("community", chosen[0], names[chosen[0]]),
                        self.events_changed)

    def inspect_compound(self) -> None:
        """A compound's inspection: which compound, then the checklist as for a place."""
        if not access.allowed(self.db, "places.edit", self):
            return
        choice = CompoundChoice(self.db, self)
        if choice.exec() == choice.DialogCode.Accepted and choice.result_id:
            open_inspection(self, self.db, ("compound", choice.result_id,
                                            choice.names[choice.result_id]),
                            self.events_changed)

    def events_changed(self, _id: str | None = None) -> None:
        self.changed()


def open_inspection(parent: QWidget, db: sqlite_utils.Database,
                    subject: tuple[str, str, str], on_saved) -> None:
    """Choose the checklist, then fill it in."""
    choice = TemplateChoice(db, subject[0], parent)
    if choice.exec() != choice.DialogCode.Accepted or not choice.result_id:
        return
    run_dialog(InspectionDialog(db, subject, choice.result_id, parent), on_saved)


PROBLEM_STATES = {"open": "未销号", "overdue": "已逾期", "closed": "已销号", "": "全部问题"}


class ProblemsTab(_ListTab):

    def __init__(self, db: sqlite_utils.Database, events: AppEvents,
                 parent: QWidget | None = None) -> None:
        super().__init__(db, events, parent)
        self.state = QComboBox()
        self.state.setObjectName("problemState")
        for key, text in PROBLEM_STATES.items():
            self.state.addItem(self.tr(text), key)
        self.state.currentIndexChanged.connect(self.reload)
        self.filters.addWidget(self.state)
        self.search.setPlaceholderText(self.tr("搜索问题、责任人、对象"))
        self.filters.addWidget(self.search, 1)
        self.filters.addWidget(self.summary)
        self.layout_.addLayout(self.filters)
        self.correct_button = QPushButton(self.tr("登记整改情况(&G)…"))
        self.correct_button.clicked.connect(self.correct)
        self.recheck_button = QPushButton(self.tr("复查销号(&R)…"))
        self.recheck_button.clicked.connect(self.recheck)
        self.buttons.addWidget(self.correct_button)
        self.buttons.addWidget(self.recheck_button)
        self.buttons.addStretch(1)
        self.layout_.addLayout(self.buttons)
        if self.at_district:
            self.correct_button.setVisible(False)
            access.hold(db, "supervision.edit", self.recheck_button)
        else:
            access.hold(db, "places.edit", self.correct_button, self.recheck_button)
        self.model = ProblemsModel(_owner_column(db, PROBLEM_COLUMNS),
                                   lambda ids: inspections.problems_by_ids(db, list(ids)), self)
        self.table = make_table(self.model)
        self.table.setObjectName("problemsTable")
        self.table.activated.connect(lambda _i: self.correct() if not self.at_district
                                     else self.recheck())
        self.layout_.addWidget(self.table, 1)
        self.reload()

    def reload(self) -> None:
        ids = inspections.problem_ids(self.db, state=self.state.currentData() or None,
                                      text=self.search.text(), communities=self.communities())
        self.model.refresh(ids)
        overdue = inspections.overdue_count(self.db, self.communities())
        self.summary.setText(self.tr("共 {0} 个；逾期未整改 {1} 个").format(len(ids), overdue))
        self.summary.setStyleSheet("color: #b71c1c;" if overdue else "")
        if ids and not self.table.currentIndex().isValid():
            self.table.selectRow(0)

    def _current(self) -> dict | None:
        problem_id = self.current_id()
        if problem_id is None:
            QMessageBox.information(self, self.tr("整改"), self.tr("请先在列表中选中一个问题。"))
            return None
        return inspections.problems_by_ids(self.db, [problem_id])[0]

    def correct(self) -> None:
        problem = self._current()
        if problem is not None and access.allowed(self.db, "places.edit", self):
            run_dialog(CorrectionDialog(self.db, problem, self), lambda _i: self.changed())

    def recheck(self) -> None:
        problem = self._current()
        if problem is None:
            return
        try:
            run_dialog(RecheckDialog(self.db, problem, self), lambda _i: self.changed())
        except FormError as exc:
            QMessageBox.information(self, self.tr("复查"), exc.message)
