"""The 关爱走访 page: the visit board (who is overdue, not met today, due today, visited, by
grid and tag; 走访记录 in one step and 保存并录入下一位 for a round), one person in full (the
one contact log with 党员联户, needs, vaccination), and the needs with their referrals and the
counts by kind per month. The work itself is app/care."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import date
from typing import Any

import sqlite_utils
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app import care, community_scope
from app.errors import FormError
from ui import access
from ui.care.dialogs import (
    EndDialog,
    OutcomeDialog,
    ReferDialog,
    RulesDialog,
    ScheduleDialog,
    VaccinationDialog,
    VisitDialog,
)
from ui.care.models import BoardModel
from ui.categories.columns import category_column, with_category
from ui.events import AppEvents
from ui.widgets.community_filter import CommunityFilter, with_community_column
from ui.widgets.flow import FlowLayout
from ui.widgets.form import FormDialog
from ui.widgets.lazy_table import AMBER, GREEN, RED, Column
from ui.widgets.tables import ROW_ROLE, RowsTableModel, make_table

STATUS_TONE = {"overdue": RED, "absent": AMBER, "due": AMBER, "done": GREEN, "later": None}

FILTERS = [("todo", "今日待访", ("overdue", "absent", "due")),
           ("overdue", "逾期未访", ("overdue",)),
           ("due", "今日应访", ("due",)), ("absent", "今日未见到", ("absent",)),
           ("done", "今日已访", ("done",)), ("later", "未到期", ("later",)),
           ("all", "全部在册", None)]
NEED_FILTERS = {"active": ("待办（未办结）", ("open", "referred", "request")),
                "open": ("待处理", ("open",)), "referred": ("已转介", ("referred",)),
                "request": ("已转诉求", ("request",)), "done": ("已办结", ("done",)),
                "all": ("全部", None)}


def _tone(row: dict[str, Any]) -> tuple[str, str] | None:
    return STATUS_TONE.get(row.get("status", ""))


def _status(row: dict[str, Any]) -> str:
    text = care.STATUS_LABELS.get(row.get("status", ""), "")
    if row.get("status") == "overdue" and row.get("due_on"):
        late = (date.fromisoformat(row["_today"]) - date.fromisoformat(row["due_on"])).days
        text += f" {late}天"
    return text


def _last(row: dict[str, Any]) -> str:
    visit = row.get("last_visit")
    if not row.get("last_on"):
        return "未走访"
    # This year's days as 11-29, earlier ones with their year.
    day = row["last_on"][5:] if row["last_on"][:4] == row["_today"][:4] else row["last_on"]
    if visit and visit["on"] == row["last_on"]:
        return f"{day} {care.METHOD_LABELS[visit['method']][-2:]}"
    return f"{day} 党员联系"


def _vaccine(row: dict[str, Any]) -> str:
    if (row.get("age") or 0) < care.VACCINE_AGE:
        return ""
    return care.VACCINE_LABELS.get(row.get("vaccination") or "", "未登记")


BOARD_COLUMNS = [
    Column("姓名", lambda r: r["name"], width=70),
    Column("年龄", lambda r: r["age"], align_right=True, width=44),
    Column("住址", lambda r: r["address"], width=170),
    Column("网格", lambda r: r["grid_name"], width=70),
    Column("关爱类别", lambda r: r["tags"] or "个人安排", width=96),
    Column("间隔", lambda r: f"每{r['days']}天", width=56),
    Column("走访人", lambda r: r["visitor_text"], width=96),
    Column("上次", _last, width=100),
    Column("状态", _status, width=100, tone=_tone),
    Column("接种", _vaccine, width=64,
           tone=lambda r: AMBER if _vaccine(r) in ("未接种", "未登记") else None),
    Column("待办需求", lambda r: r["open_needs"] or "", align_right=True, width=64,
           tone=lambda r: AMBER if r.get("open_needs") else None),
]

NEED_COLUMNS = [
    Column("发现日期", lambda r: r["found_on"], width=88),
    Column("姓名", lambda r: r["name"], width=70),
    Column("住址", lambda r: r["address"], width=180),
    Column("需求", lambda r: care.NEED_LABELS[r["kind"]], width=56),
    Column("情况", lambda r: care.NEED_STATUS_LABELS[r["status"]], width=72,
           tone=lambda r: AMBER if r["status"] == "open" else
           (GREEN if r["status"] == "done" else None)),
    Column("转介", lambda r: " ".join(p for p in (r["referred_to"], r["referred_on"]) if p),
           width=180),
    Column("结果", lambda r: r["outcome"] or r.get("request_text") or "", width=160),
    Column("说明", lambda r: r["note"] or "", width=200),
]


class CarePage(QWidget):
    def __init__(self, db: sqlite_utils.Database, events: AppEvents,
                 parent: QWidget | None = None, *,
                 today: Callable[[], date] = date.today) -> None:
        super().__init__(parent)
        self.db, self.events, self.today = db, events, today
        self.current_board: care.Board | None = None
        self.filter = "todo"
        self._quiet = False
        self.community_filter = (CommunityFilter(db, events)
                                 if community_scope.is_district(db) else None)

        title = QLabel(self.tr("关爱走访"))
        title.setStyleSheet("font-size: 16pt; font-weight: bold;")
        self.summary = QLabel()
        self.summary.setObjectName("careSummary")
        self.summary.setStyleSheet("color: #3d4a5a;")
        top = QHBoxLayout()
        top.addWidget(title)
        top.addSpacing(16)
        if self.community_filter is not None:
            top.addWidget(self.community_filter)
            self.community_filter.changed.connect(self.reload)
        top.addWidget(self.summary, 1)
        self.rules_button = QPushButton(self.tr("走访间隔(&S)…"))
        self.rules_button.setObjectName("careRules")
        self.rules_button.setToolTip(self.tr("按标签设定多久走访一次、由谁走访"))
        self.rules_button.clicked.connect(lambda: self.edit_rules())
        # Each community sets its own intervals; the district only reads them.
        self.rules_button.setVisible(not community_scope.is_district(db))
        top.addWidget(self.rules_button)

        # The board: status chips, grid and tag filters, the table, actions.
        self.chips = QButtonGroup(self)
        chip_row = FlowLayout()     # wraps at 1024 × 768 instead of widening the window
        self.chip_buttons: dict[str, QToolButton] = {}
        for key, label, _statuses in FILTERS:
            chip = QToolButton()
            chip.setCheckable(True)
            chip.setObjectName(f"filter_{key}")
            chip.setText(label)
            chip.clicked.connect(lambda _c=False, k=key: self.set_filter(k))
            self.chips.addButton(chip)
            chip_row.addWidget(chip)
            self.chip_buttons[key] = chip
        self.chip_buttons["todo"].setChecked(True)
        self.grid_box = QComboBox()
        self.grid_box.setObjectName("careGrid")
        self.grid_box.setToolTip(self.tr("只看一个网格"))
        self.tag_box = QComboBox()
        self.tag_box.setObjectName("careTag")
        self.tag_box.setToolTip(self.tr("只看一类关爱对象"))
        self._fill_filters()
        self.grid_box.currentIndexChanged.connect(lambda _i: self.reload())
        self.tag_box.currentIndexChanged.connect(lambda _i: self.reload())
        filters = QWidget()
        filter_row = QHBoxLayout(filters)
        filter_row.setContentsMargins(12, 0, 0, 0)
        filter_row.addWidget(QLabel(self.tr("网格")))
        filter_row.addWidget(self.grid_box)
        filter_row.addWidget(QLabel(self.tr("类别")))
        filter_row.addWidget(self.tag_box)
        chip_row.addWidget(filters)

        # The person's category (五色管理) beside the name, as in every list of people.
        columns = [BOARD_COLUMNS[0], category_column(), *BOARD_COLUMNS[1:]]
        if self.community_filter is not None:
            names = community_scope.names(db)
            columns = [Column("社区", lambda r: names.get(r["community_id"], ""), width=90),
                       *columns]
        self.board_model = BoardModel(columns, with_category(db, self._fetch_rows), self)
        self.board_view = make_table(self.board_model)
        self.board_view.setObjectName("careBoard")
        self.board_view.selectionModel().selectionChanged.connect(self._selection_changed)
        self.board_view.doubleClicked.connect(lambda _i: self.record_visit())

        actions = FlowLayout()
        self.buttons: dict[str, QPushButton] = {}
        for key, label, slot in [
            ("visit", "走访记录(&V)…", self.record_visit),
            ("schedule", "个人安排(&P)…", self.edit_schedule),
            ("vaccine", "接种情况(&J)…", self.record_vaccination),
            ("end", "结束走访(&E)…", self.end_care),
        ]:
            button = QPushButton(self.tr(label))
            button.setObjectName(f"care_{key}")
            button.clicked.connect(lambda _c=False, s=slot: s())
            actions.addWidget(button)
            self.buttons[key] = button
        self.buttons["visit"].setToolTip(self.tr("登记所选人员的走访（回车或 Ctrl+N）"))

        board_box = QWidget()
        board_layout = QVBoxLayout(board_box)
        board_layout.setContentsMargins(0, 0, 0, 0)
        chips = QWidget()
        chips.setLayout(chip_row)
        board_layout.addWidget(chips)
        board_layout.addWidget(self.board_view, 1)
        action_row = QWidget()
        action_row.setLayout(actions)
        board_layout.addWidget(action_row)

        # Needs found on visits, and where they went.
        self.need_filter = QComboBox()
        self.need_filter.setObjectName("needFilter")
        for key, (label, _s) in NEED_FILTERS.items():
            self.need_filter.addItem(self.tr(label), key)
        self.need_filter.currentIndexChanged.connect(lambda _i: self.reload_needs())
        self.needs_model = RowsTableModel(with_community_column(db, NEED_COLUMNS), self)
        self.needs_view = make_table(self.needs_model)
        self.needs_view.setObjectName("careNeeds")
        self.needs_view.selectionModel().selectionChanged.connect(
            lambda *_: self._need_selection())
        self.need_buttons: dict[str, QPushButton] = {}
        need_row = QHBoxLayout()
        need_row.addWidget(QLabel(self.tr("显示")))
        need_row.addWidget(self.need_filter)
        need_row.addStretch()
        for key, label, slot in [("request", "转为诉求(&Q)", self.need_to_request),
                                 ("refer", "转介(&R)…", self.refer_need),
                                 ("outcome", "办理结果(&B)…", self.close_need)]:
            button = QPushButton(self.tr(label))
            button.setObjectName(f"need_{key}")
            button.clicked.connect(lambda _c=False, s=slot: s())
            need_row.addWidget(button)
            self.need_buttons[key] = button
        self.need_buttons["request"].setToolTip(
            self.tr("转到“事件诉求”，作为居民诉求派单办理"))
        self.counts_model = RowsTableModel([], self)
        self.counts_view = make_table(self.counts_model)
        self.counts_view.setObjectName("needCounts")
        self.counts_view.setMaximumHeight(150)
        needs_box = QWidget()
        needs_layout = QVBoxLayout(needs_box)
        needs_layout.setContentsMargins(0, 0, 0, 0)
        needs_layout.addLayout(need_row)
        needs_layout.addWidget(self.needs_view, 1)
        needs_layout.addWidget(QLabel(self.tr("各月发现的需求（按类别，供街道报表）")))
        needs_layout.addWidget(self.counts_view)

        self.tabs = QTabWidget()
        self.tabs.addTab(board_box, self.tr("走访看板"))
        self.tabs.addTab(needs_box, self.tr("需求与转介"))
        self.tabs.currentChanged.connect(lambda i: self.reload_needs() if i == 1 else None)

        self.detail = QTextBrowser()
        self.detail.setObjectName("careDetail")
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.tabs)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([960, 300])

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        for signal in (events.registry_changed, events.pairings_changed):
            signal.connect(self.reload)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.reload()

    # --- what the window's keys and 导出当前列表 call --------------------------------------
    @property
    def view(self) -> QTableView:
        return self.board_view if self.tabs.currentIndex() == 0 else self.needs_view

    @property
    def list_title(self) -> QLabel:
        if self.tabs.currentIndex() == 1:
            return QLabel(self.tr("走访发现的需求"))
        label = next(f[1] for f in FILTERS if f[0] == self.filter)
        return QLabel(self.tr("关爱走访看板：{0}").format(label))

    def new_item(self) -> VisitDialog | None:
        return self.record_visit()

    # --- reading ---------------------------------------------------------------------------
    def _fill_filters(self) -> None:
        self.grid_box.blockSignals(True)
        self.tag_box.blockSignals(True)
        self.grid_box.addItem(self.tr("全部网格"), None)
        for grid_id, name in care.grids(self.db):
            self.grid_box.addItem(name, grid_id)
        self.tag_box.addItem(self.tr("全部类别"), None)
        for tag in care.tags(self.db):
            self.tag_box.addItem(tag, tag)
        self.grid_box.blockSignals(False)
        self.tag_box.blockSignals(False)

    def _communities(self) -> set[str] | None:
        return (self.community_filter.community_ids()
                if self.community_filter is not None else None)

    def reload(self) -> None:
        """Read the board again; a hidden page waits until it is shown (and a change this
        page announced itself is already on it)."""
        if not self.isVisible() or self._quiet:
            return
        keep = self.selected_id()
        try:
            self.current_board = care.board(self.db, self.today(),
                                            grid_id=self.grid_box.currentData(),
                                            tag=self.tag_box.currentData(),
                                            communities=self._communities())
        except FormError as exc:          # a role that may not see it (the nav says so too)
            self.current_board = None
            self.board_model.set_ids([])
            self.summary.setText(exc.message)
            return
        self._show_filter(keep)
        if self.tabs.currentIndex() == 1:
            self.reload_needs()

    def _statuses(self, key: str) -> tuple[str, ...] | None:
        return next(f[2] for f in FILTERS if f[0] == key)

    def _update_counts(self) -> None:
        board = self.current_board
        counts = board.counts() if board else {}
        for key, label, statuses in FILTERS:
            n = counts.get("all", 0) if statuses is None else sum(counts.get(s, 0)
                                                                    for s in statuses)
            self.chip_buttons[key].setText(f"{label} {n}")
            urgent = key == "overdue" and n > 0
            self.chip_buttons[key].setStyleSheet("color: #b71c1c; font-weight: bold;"
                                                 if urgent else "")
        self.summary.setText(self.tr("在册关爱对象 {0} 人，今日已访 {1} 人，逾期未访 {2} 人")
                             .format(counts.get("all", 0), counts.get("done", 0),
                                     counts.get("overdue", 0)))

    def _show_filter(self, keep: str | None = None) -> None:
        board = self.current_board
        self._update_counts()
        ids = board.ids(self._statuses(self.filter)) if board else []
        self.board_model.set_ids(ids)
        if keep:
            self.select(keep)
        self._selection_changed()

    def set_filter(self, key: str) -> None:
        self.filter = key
        self.chip_buttons[key].setChecked(True)
        self._show_filter()

    def _fetch_rows(self, ids: list[str]) -> list[dict[str, Any]]:
        if self.current_board is None:
            return []
        rows = care.board_rows(self.db, self.current_board, ids)
        for r in rows:
            r["_today"] = self.current_board.today.isoformat()
        return rows

    def selected_id(self) -> str | None:
        rows = self.board_view.selectionModel().selectedRows()
        return self.board_model.id_at(rows[0].row()) if rows else None

    def selected_row(self) -> dict[str, Any] | None:
        rows = self.board_view.selectionModel().selectedRows()
        return self.board_model.row_data(rows[0].row()) if rows else None

    def select(self, resident_id: str) -> bool:
        row = self.board_model.row_of(resident_id)
        if row < 0:
            return False
        self.board_view.selectRow(row)
        self.board_view.scrollTo(self.board_model.index(row, 0))
        return True

    def _selection_changed(self, *_args) -> None:
        row = self.selected_row()
        for button in self.buttons.values():
            button.setEnabled(row is not None)
        if row is not None and (row.get("age") or 0) < care.VACCINE_AGE:
            self.buttons["vaccine"].setEnabled(False)
            self.buttons["vaccine"].setToolTip(self.tr("接种情况只为{0}岁及以上老人登记。")
                                               .format(care.VACCINE_AGE))
        else:
            self.buttons["vaccine"].setToolTip("")
        access.limit(self.db, "pairing.edit", *self.buttons.values())
        access.limit(self.db, "settings", self.rules_button)
        self._show_person(row)

    def _show_person(self, row: dict[str, Any] | None) -> None:
        if row is None:
            self.detail.setHtml("<p style='color:#5f6b7a'>" + self.tr(
                "选中一人，这里显示其走访和党员联系记录、发现的需求和接种情况。") + "</p>")
            return
        try:
            person = care.person(self.db, row["id"], self.current_board.today
                                 if self.current_board else None)
        except FormError as exc:
            self.detail.setPlainText(exc.message)
            return
        self.detail.setHtml(person_html(person))

    # --- actions ---------------------------------------------------------------------------
    def _open(self, dialog: FormDialog, on_saved: Callable[[], None]) -> FormDialog:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(on_saved)
        dialog.open()
        return dialog

    def record_visit(self) -> VisitDialog | None:
        row = self.selected_row()
        if row is None or not access.allowed(self.db, "pairing.edit", self):
            return None
        dialog = VisitDialog(self.db, row, self.current_board.today, self)

        def saved() -> None:
            if dialog.ended:
                self.tell(self.tr("已结束走访"), self.tr("{0}已迁出，对其的关爱走访已结束。")
                          .format(row["name"]))
                self.reload()
                return
            self.after_visit(row["id"], dialog.method_saved or "visit", picked_day(dialog))
            if dialog.value("visitor") == "member":
                self._announce()          # the 党员联户 page shows the contact too
            if dialog.next_wanted:
                self.visit_next(after=row["id"])
        return self._open(dialog, saved)

    def after_visit(self, resident_id: str, method: str, day: date) -> None:
        """The board after one visit, without reading it all again: the row, the counts."""
        if self.current_board is not None:
            self.current_board.recorded(resident_id, method, day)
        self.board_model.forget(resident_id)
        self._update_counts()
        self._show_person(self.selected_row())

    def _announce(self) -> None:
        self._quiet = True
        try:
            self.events.pairings_changed.emit()
        finally:
            self._quiet = False

    def visit_next(self, after: str | None = None) -> VisitDialog | None:
        """The 走访记录 of the next person still to visit (in board order, as filtered)."""
        board = self.current_board
        shown = set(self.board_model.ids())
        nxt = board.next_due(after, among=shown) if board else None
        if nxt is None:
            self.tell(self.tr("走访记录"), self.tr("这一轮的走访都录完了。"))
            return None
        self.select(nxt)
        return self.record_visit()

    def edit_rules(self) -> RulesDialog | None:
        if not access.allowed(self.db, "settings", self):
            return None
        dialog = RulesDialog(self.db, self)

        def saved() -> None:
            self.tag_box.blockSignals(True)
            self.tag_box.clear()
            self.tag_box.addItem(self.tr("全部类别"), None)
            for tag in care.tags(self.db):
                self.tag_box.addItem(tag, tag)
            self.tag_box.blockSignals(False)
            self.reload()
        return self._open(dialog, saved)

    def edit_schedule(self) -> ScheduleDialog | None:
        row = self.selected_row()
        return row and self._open(ScheduleDialog(self.db, row, self), self.reload)

    def end_care(self) -> EndDialog | None:
        row = self.selected_row()
        return row and self._open(EndDialog(self.db, row, self.today(), self), self.reload)

    def record_vaccination(self) -> VaccinationDialog | None:
        row = self.selected_row()
        if row is None:
            return None

        def saved() -> None:
            self.board_model.forget(row["id"])
            self._show_person(self.selected_row())
        return self._open(VaccinationDialog(self.db, row, self.today(), self), saved)

    # --- needs -----------------------------------------------------------------------------
    def reload_needs(self) -> None:
        statuses = NEED_FILTERS[self.need_filter.currentData()][1]
        self.needs_model.set_rows(care.needs(self.db, statuses=statuses,
                                             communities=self._communities()))
        counts = care.need_counts(self.db, months=6, today=self.today(),
                                  communities=self._communities())
        columns = [Column("月份", lambda r: r["month"], width=80)]
        columns += [Column(label, lambda r, k=kind: r[k], align_right=True, width=56)
                    for kind, label in care.NEED_LABELS.items()]
        columns.append(Column("合计", lambda r: sum(r[k] for k in care.NEED_LABELS),
                              align_right=True, width=56))
        self.counts_model.columns = columns
        # Newest month first: the one the street asks for is the one in view.
        self.counts_model.set_rows([{"month": m, **c} for m, c in reversed(counts.items())])
        for i, column in enumerate(columns):
            self.counts_view.setColumnWidth(i, column.width)
        self._need_selection()

    def selected_need(self) -> dict[str, Any] | None:
        rows = self.needs_view.selectionModel().selectedRows()
        return rows[0].data(ROW_ROLE) if rows else None

    def _need_selection(self) -> None:
        need = self.selected_need()
        status = need["status"] if need else None
        self.need_buttons["request"].setEnabled(status == "open")
        self.need_buttons["refer"].setEnabled(status in ("open", "referred"))
        self.need_buttons["outcome"].setEnabled(status in ("open", "referred", "request"))
        access.limit(self.db, "pairing.edit", *self.need_buttons.values())

    def need_to_request(self) -> str | None:
        need = self.selected_need()
        if need is None:
            return None
        try:
            request_id = care.need_to_request(self.db, need["id"])
        except FormError as exc:
            self.tell(self.tr("转为诉求"), exc.message, warning=True)
            return None
        self.tell(self.tr("转为诉求"), self.tr("已转为居民诉求，可在“事件诉求”中派单办理。"))
        self.reload_needs()
        return request_id

    def refer_need(self) -> ReferDialog | None:
        need = self.selected_need()
        return need and self._open(ReferDialog(self.db, need, self.today(), self),
                                   self.reload_needs)

    def close_need(self) -> OutcomeDialog | None:
        need = self.selected_need()
        return need and self._open(OutcomeDialog(self.db, need, self.today(), self),
                                   self.reload_needs)

    def tell(self, title: str, text: str, warning: bool = False) -> QMessageBox:
        icon = QMessageBox.Icon.Warning if warning else QMessageBox.Icon.Information
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.last_message = box
        return box


def picked_day(dialog: VisitDialog) -> date:
    d = dialog.day.date()
    return date(d.year(), d.month(), d.day())


def person_html(p: dict[str, Any]) -> str:
    """One person for the detail pane: who, their schedule, the contact log, needs, vaccine."""
    e = html.escape
    age = f"{p['age']}岁　" if p.get("age") is not None else ""
    out = [f"<h3>{e(p['name'])}</h3><p>{age}{e(p.get('address') or '')}<br>"
           f"网格：{e(p.get('grid_name') or '')}　结对党员：{e(p.get('member_name') or '无')}</p>"]
    own = p.get("schedule")
    if own and own.get("ended_on"):
        out.append(f"<p style='color:#b71c1c'>已于{own['ended_on']}结束走访（"
                   f"{care.END_REASON_LABELS.get(own['end_reason'] or '', '')}）</p>")
    elif own and own.get("interval_days"):
        out.append(f"<p>个人安排：每{own['interval_days']}天</p>")
    if (p.get("age") or 0) >= care.VACCINE_AGE:
        shots = p.get("vaccinations") or []
        now = care.VACCINE_LABELS.get(shots[0]["status"], "") if shots else "未登记"
        when = f"（{shots[0]['recorded_on']}登记）" if shots else ""
        out.append(f"<p>疫苗接种：<b>{now}</b>{when}</p>")
    out.append("<h4>联系记录（走访与党员联户）</h4>")
    if not p["log"]:
        out.append("<p style='color:#5f6b7a'>还没有记录。</p>")
    for item in p["log"][:30]:
        kind = (care.METHOD_LABELS.get(item["kind"]) if item["source"] == "care"
                else {"visit": "党员上门", "phone": "党员电话", "wechat": "党员微信"}.get(
                    item["kind"], "党员服务"))
        who = e(item.get("by_name") or care.VISITOR_LABELS.get(item.get("visitor") or "", ""))
        out.append(f"<p>{item['contact_on']}　{kind}　{who}<br>"
                   f"<span style='color:#5f6b7a'>{e(item.get('note') or '')}</span></p>")
    if p["needs"]:
        out.append("<h4>发现的需求</h4>")
        for n in p["needs"]:
            out.append(f"<p>{n['found_on']}　{care.NEED_LABELS[n['kind']]}　"
                       f"{care.NEED_STATUS_LABELS[n['status']]}"
                       f"{'　' + e(n['referred_to']) if n['referred_to'] else ''}"
                       f"{'：' + e(n['outcome']) if n['outcome'] else ''}</p>")
    return "".join(out)
