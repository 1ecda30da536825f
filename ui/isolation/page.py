"""The 居家隔离 page: the 今日 board of open cases (checks due and overdue, fever for the
doctor, tests missing, releases due), every case on record, and one case in full (its history,
checks, tests and prints). Registering, checks, tests, period changes, release and printing
start here; the work itself is app/isolation.py."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlite_utils
from PySide6.QtCore import QItemSelectionModel, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
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

from app import accounts, community_scope, isolation
from app.accounts import masking
from app.errors import FormError
from ui import access
from ui.categories.columns import annotate, category_column
from ui.events import AppEvents
from ui.isolation.dialogs import (
    CaseDialog,
    ChangeEndDialog,
    CheckDialog,
    CloseCaseDialog,
    EditCaseDialog,
    ReleaseDialog,
    SettingsDialog,
    TestDialog,
)
from ui.person.page import open_person
from ui.registry.staff_dialog import StaffDialog
from ui.widgets.community_filter import CommunityFilter, with_community_column
from ui.widgets.flow import FlowLayout
from ui.widgets.form import FormDialog
from ui.widgets.lazy_table import AMBER, GREEN, GREY, RED, Column
from ui.widgets.tables import ROW_ROLE, RowsTableModel, make_table

SLOT_TEXT = {"done": "✓ 已查", "due": "待查", "overdue": "逾期未查", "later": "下午再查",
             "none": "—"}
SLOT_TONE = {"done": GREEN, "due": AMBER, "overdue": RED, "later": None, "none": GREY}


def _slot(name: str) -> Column:
    return Column("上午" if name == "am" else "下午", lambda c: SLOT_TEXT[getattr(c, name)],
                  width=72, tone=lambda c: SLOT_TONE[getattr(c, name)])


def hints(case: isolation.BoardCase) -> str:
    """What needs doing about a case, most urgent first."""
    out = []
    if case.flags_open:
        out.append("体温/症状异常，待片医处理")
    if case.status == "planned":
        out.append(f"{isolation.short_date(case.started_on)}开始")
    pending = [t for t in case.tests if t["result"] == "pending"]
    if case.release_due:
        ended = "今日期满" if case.day_no == case.days else "已期满"
        ready = not (case.flags_open or case.missing_tests or case.test_today or pending)
        out.append(f"{ended}，可解除" if ready else ended)
    if case.missing_tests:
        out.append("缺核酸：" + "、".join(isolation.short_date(d) for d in case.missing_tests))
    if case.test_today:
        out.append("今日应做核酸")
    if pending:
        out.append("核酸待出结果")
    if case.missed:
        out.append(f"此前漏查{case.missed}次")
    return "；".join(out)


def _hint_tone(case: isolation.BoardCase) -> tuple[str, str] | None:
    if case.flags_open:
        return RED
    if case.release_due or case.missing_tests:
        return AMBER
    return None


def _tests(case: isolation.BoardCase) -> str:
    """阴性2 待出1: the case's tests by result."""
    counts = {r: sum(t["result"] == r for t in case.tests) for r in isolation.TEST_LABELS}
    return " ".join(f"{isolation.TEST_LABELS[r][:2]}{n}" for r, n in counts.items() if n)


def _tests_tone(case: isolation.BoardCase) -> tuple[str, str] | None:
    return RED if any(t["result"] == "positive" for t in case.tests) else None


# The urgent columns first (what to do today, the fever, the checks); the address last, taking
# what width is left (cut with its full text on hover), so the board never scrolls sideways
# at 1280 × 800 beside the detail panel.
BOARD_COLUMNS = [
    Column("姓名", lambda c: c.name, width=64),
    Column("提示", hints, width=230, tone=_hint_tone),
    Column("最近体温", lambda c: "" if c.last_temperature is None
           else f"{c.last_temperature:.1f}℃", align_right=True, width=64,
           tone=lambda c: RED if c.flags_open else None),
    _slot("am"),
    _slot("pm"),
    Column("核酸", _tests, width=96, tone=_tests_tone),
    Column("进度", lambda c: f"第{c.day_no}天/共{c.days}天" if c.day_no else "未开始",
           width=92),
    Column("类型", lambda c: c.kind_label, width=72),
    Column("住址", lambda c: c.address or "（无住址）", width=160),
]

CASE_COLUMNS = [
    Column("姓名", lambda r: r["name"], width=80),
    Column("住址", lambda r: r["address"] or "（无住址）", width=190),
    Column("类型", lambda r: isolation.KIND_LABELS[r["kind"]], width=96),
    Column("原因", lambda r: r["reason"], width=110),
    Column("开始", lambda r: r["started_on"], width=88),
    Column("预计解除", lambda r: r["planned_end"], width=88),
    Column("状态", lambda r: isolation.STATUS_LABELS[r["status"]], width=64,
           tone=lambda r: GREEN if r["status"] == "released" else
           (AMBER if r["status"] == "transferred" else None)),
    Column("解除/转出日期", lambda r: r["released_on"] or (
        r["status_on"] if r["status"] in ("transferred", "cancelled") else ""), width=100),
    Column("网格员", lambda r: r["grid_worker"], width=70),
]

FILTERS = [("all", "全部在管"), ("due", "待检测"), ("overdue", "逾期未查"),
           ("flagged", "异常待处理"), ("release_due", "待解除"), ("planned", "待开始")]


class IsolationPage(QWidget):
    def __init__(self, db: sqlite_utils.Database, events: AppEvents,
                 parent: QWidget | None = None, *, user: str | None = None,
                 clock: Callable[[], datetime] = datetime.now) -> None:
        super().__init__(parent)
        self.db, self.events, self.user, self.clock = db, events, user, clock
        self.current_board: isolation.Board | None = None
        self.filter = "all"
        # At a district: the board and the records grouped by community, and narrowed to the
        # street or community the shared filter shows.
        self.community_filter = (CommunityFilter(db, events)
                                 if community_scope.is_district(db) else None)
        self._case_community: dict[str, str] = {}

        title = QLabel(self.tr("居家隔离"))
        title.setStyleSheet("font-size: 16pt; font-weight: bold;")
        self.summary = QLabel()
        self.summary.setObjectName("isolationSummary")
        self.summary.setStyleSheet("color: #3d4a5a;")
        self.summary.setWordWrap(True)     # at 1024 × 768 it takes two lines, not more width
        top = QHBoxLayout()
        top.addWidget(title)
        top.addSpacing(16)
        if self.community_filter is not None:
            top.addWidget(self.community_filter)
            self.community_filter.changed.connect(self._communities_changed)
        top.addWidget(self.summary, 1)
        self.register_button = QPushButton(self.tr("登记隔离人员(&N)…"))
        self.register_button.clicked.connect(lambda: self.register_case())
        self.register_button.setToolTip(self.tr("登记隔离人员（Ctrl+N）"))
        top.addWidget(self.register_button)
        self.settings_button = settings_button = QPushButton(self.tr("政策设置(&S)…"))
        settings_button.setObjectName("isolationSettings")
        settings_button.setToolTip(self.tr("隔离天数、核酸检测日、发热标准、检测时间"))
        settings_button.clicked.connect(lambda: self.edit_settings())
        top.addWidget(settings_button)
        self.staff_button = staff_button = QPushButton(self.tr("工作人员(&W)…"))
        staff_button.setToolTip(self.tr("网格员、片警、片医名单（“三人小组”从这里选）"))
        staff_button.clicked.connect(lambda: self.edit_staff())
        top.addWidget(staff_button)
        self.verify_button = QPushButton(self.tr("扫码核验(&V)…"))
        self.verify_button.setObjectName("isolationVerify")
        self.verify_button.setToolTip(self.tr("扫描解除通知书上的二维码，核对是不是登记单位开具的原件"))
        self.verify_button.clicked.connect(lambda: self.verify_release())
        top.addWidget(self.verify_button)

        # The board: filter chips, the table, the actions on the selected cases.
        self.chips = QButtonGroup(self)
        chip_row = QHBoxLayout()
        self.chip_buttons: dict[str, QToolButton] = {}
        for key, label in FILTERS:
            chip = QToolButton()
            chip.setCheckable(True)
            chip.setObjectName(f"filter_{key}")
            chip.setProperty("label", label)
            chip.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            chip.clicked.connect(lambda _c=False, k=key: self.set_filter(k))
            self.chips.addButton(chip)
            chip_row.addWidget(chip)
            self.chip_buttons[key] = chip
        self.chip_buttons["all"].setChecked(True)
        chip_row.addStretch()
        self.board_model = RowsTableModel(self._board_columns(), self)
        self.board_view = make_table(self.board_model)
        self.board_view.setObjectName("boardView")
        self._address_takes_the_rest()
        self.board_view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.board_view.selectionModel().selectionChanged.connect(self._selection_changed)
        self.board_view.doubleClicked.connect(lambda _i: self.record_check())

        # The action buttons wrap onto a second line when the window is narrow (1024 × 768).
        actions = FlowLayout()
        self.buttons: dict[str, QPushButton] = {}
        for key, label, slot in [
            ("check", "录入体温(&T)…", self.record_check),
            ("test", "核酸(&C)…", self.record_test),
            ("seen", "片医已处理(&D)", self.doctor_seen),
            ("edit", "修改信息(&E)…", self.edit_case),
            ("extend", "调整期限(&J)…", self.change_end),
            ("release", "解除(&R)…", self.release),
            ("close", "转出/撤销(&Z)…", self.close_case),
            ("print", "打印告知书等(&P)…", self.print_notices),
            ("print_new", "打印新登记人员材料(&B)", self.print_new_today),
        ]:
            button = QPushButton(self.tr(label))
            button.setObjectName(f"action_{key}")
            button.clicked.connect(lambda _c=False, s=slot: s())
            actions.addWidget(button)
            self.buttons[key] = button
        self.buttons["print"].setToolTip(self.tr("打印所选人员的告知书等（Ctrl+P）"))

        board_box = QWidget()
        board_layout = QVBoxLayout(board_box)
        board_layout.setContentsMargins(0, 0, 0, 0)
        board_layout.addLayout(chip_row)
        board_layout.addWidget(self.board_view, 1)
        action_row = QWidget()
        action_row.setLayout(actions)
        board_layout.addWidget(action_row)

        # Every case on record, searchable.
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("按姓名、身份证号、住址或原因查找"))
        self.search.setClearButtonEnabled(True)
        self.search.setToolTip(self.tr("查找（Ctrl+F）"))
        self.search_timer = QTimer(self, singleShot=True, interval=200)
        self.search_timer.timeout.connect(self.reload_cases)
        self.search.textChanged.connect(lambda _t: self.search_timer.start())
        # The person's category (五色管理) beside the name, as in every list of people.
        self.cases_model = RowsTableModel(with_community_column(
            db, [CASE_COLUMNS[0], category_column(), *CASE_COLUMNS[1:]]), self)
        self.cases_view = make_table(self.cases_model)
        self.cases_view.setObjectName("casesView")
        self.cases_view.selectionModel().selectionChanged.connect(
            lambda *_: self._show_case(self._selected_record()))
        # A person listed: double-click or Enter opens their file (一人一档, ui/person).
        self.cases_view.doubleClicked.connect(lambda _i: open_person(
            self, self.db, (self._selected_record() or {}).get("resident_id")))
        self.print_release_button = QPushButton(self.tr("打印解除通知书(&P)…"))
        self.print_release_button.setObjectName("action_print_release")
        self.print_release_button.clicked.connect(lambda: self.print_release())
        cases_box = QWidget()
        cases_layout = QVBoxLayout(cases_box)
        cases_layout.setContentsMargins(0, 0, 0, 0)
        cases_layout.addWidget(self.search)
        cases_layout.addWidget(self.cases_view, 1)
        row = QHBoxLayout()
        row.addStretch()
        row.addWidget(self.print_release_button)
        cases_layout.addLayout(row)

        self.tabs = QTabWidget()
        self.tabs.addTab(board_box, self.tr("今日看板"))
        self.tabs.addTab(cases_box, self.tr("全部记录"))
        self.tabs.currentChanged.connect(lambda i: self.reload_cases() if i == 1 else None)

        self.detail = QTextBrowser()
        self.detail.setObjectName("caseDetail")
        self.detail.setOpenLinks(False)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.tabs)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([960, 300])

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)

        # Checks fall due and overdue as the clock moves: the board redraws each minute.
        # Only while the page is shown (showEvent/hideEvent).
        self.timer = QTimer(self, interval=60_000)
        self.timer.timeout.connect(self.reload)
        for signal in (events.registry_changed, events.isolation_changed):
            signal.connect(self.reload)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.reload()
        self.timer.start()

    def hideEvent(self, event) -> None:
        self.timer.stop()
        super().hideEvent(event)

    # --- the list 台账 › 导出当前列表 writes ---------------------------------------------------
    @property
    def view(self) -> QTableView:
        return self.board_view if self.tabs.currentIndex() == 0 else self.cases_view

    @property
    def list_title(self) -> QLabel:
        if self.tabs.currentIndex() == 1:
            return QLabel(self.tr("居家隔离全部记录"))
        label = dict(FILTERS)[self.filter]
        return QLabel(self.tr("居家隔离今日看板：{0}").format(label))

    # --- reading ---------------------------------------------------------------------------
    def reload(self) -> None:
        """Read the board again; a hidden page waits until it is shown (showEvent)."""
        if not self.isVisible():
            return
        selected = {c.id for c in self.selected_cases()}
        self.current_board = self._of_communities(isolation.board(self.db, self.clock()))
        counts = self.current_board.counts()
        summary = self.tr(
            "管控中 {active} 人（居家隔离 {home_isolation}，居家健康监测 {home_monitoring}）"
        ).format(**counts)
        if counts["planned"]:
            # 全部在管 counts those not yet started too: the two numbers must add up.
            summary += self.tr("，待开始 {0} 人").format(counts["planned"])
        self.summary.setText(summary)
        for key, label in FILTERS:
            n = len(self._filtered(key))
            chip = self.chip_buttons[key]
            chip.setText(f"{label} {n}")
            urgent = key in ("overdue", "flagged") and n > 0
            chip.setStyleSheet("color: #b71c1c; font-weight: bold;" if urgent else "")
        self._apply_filter(selected)
        if self.tabs.currentIndex() == 1:
            self.reload_cases()

    # --- at a district: by community ---------------------------------------------------------
    def _address_takes_the_rest(self) -> None:
        """Short columns fit their contents, the 提示 keeps its width (the full text on
        hover), and the last column (住址) stretches into the width the others leave."""
        header = self.board_view.horizontalHeader()
        header.setStretchLastSection(False)
        last = self.board_model.columnCount() - 1
        for column, spec in enumerate(self.board_model.columns):
            if column == last:
                mode = QHeaderView.ResizeMode.Stretch
            elif spec.header == "提示":
                mode = QHeaderView.ResizeMode.Interactive
            else:
                mode = QHeaderView.ResizeMode.ResizeToContents
            header.setSectionResizeMode(column, mode)

    def _board_columns(self) -> list[Column]:
        if self.community_filter is None:
            return BOARD_COLUMNS
        names = community_scope.names(self.db)
        return [Column("社区", lambda c: names.get(self._case_community.get(c.id, ""), ""),
                       width=90), *BOARD_COLUMNS]

    def _of_communities(self, board: isolation.Board) -> isolation.Board:
        """At a district, the board's cases of the filter's communities, community by
        community (each in address order, as the board reads them)."""
        if self.community_filter is None:
            return board
        self._case_community = community_scope.owners(
            self.db, "isolation_cases", [c.id for c in board.cases])
        wanted = self.community_filter.community_ids()
        order = {c.id: i for i, c in enumerate(community_scope.communities(self.db))}
        cases = [c for c in board.cases
                 if wanted is None or self._case_community.get(c.id) in wanted]
        cases.sort(key=lambda c: order.get(self._case_community.get(c.id, ""), len(order)))
        return isolation.Board(at=board.at, cases=cases)

    def _communities_changed(self) -> None:
        self.reload()            # the board, and the records when that tab is shown

    def _filtered(self, key: str) -> list[isolation.BoardCase]:
        board = self.current_board
        if board is None:
            return []
        return {"all": board.cases, "due": board.due, "overdue": board.overdue,
                "flagged": board.flagged, "release_due": board.release_due,
                "planned": [c for c in board.cases if c.status == "planned"]}[key]

    def _apply_filter(self, keep: set[str]) -> None:
        self.board_model.set_rows(self._filtered(self.filter))
        selection = self.board_view.selectionModel()
        for i, case in enumerate(self.board_model.rows):
            if case.id in keep:
                selection.select(self.board_model.index(i, 0),
                                 QItemSelectionModel.SelectionFlag.Select
                                 | QItemSelectionModel.SelectionFlag.Rows)
        self._selection_changed()

    def set_filter(self, key: str) -> None:
        self.filter = key
        self.chip_buttons[key].setChecked(True)
        self._apply_filter(set())

    def reload_cases(self) -> None:
        communities = (self.community_filter.community_ids()
                       if self.community_filter is not None else None)
        self.cases_model.set_rows(annotate(self.db, isolation.find_cases(
            self.db, self.search.text(), communities=communities), key="resident_id"))
        self.print_release_button.setEnabled(False)

    def selected_cases(self) -> list[isolation.BoardCase]:
        rows = sorted({i.row() for i in self.board_view.selectionModel().selectedRows()})
        return [self.board_model.rows[r] for r in rows if r < len(self.board_model.rows)]

    def _selected_record(self) -> dict[str, Any] | None:
        rows = self.cases_view.selectionModel().selectedRows()
        return rows[0].data(ROW_ROLE) if rows else None

    def select_case(self, case_id: str) -> None:
        if self.board_model.row_of(case_id) < 0:
            self.set_filter("all")
        row = self.board_model.row_of(case_id)
        if row >= 0:
            self.board_view.selectRow(row)

    def _selection_changed(self, *_args) -> None:
        cases = self.selected_cases()
        one = len(cases) == 1
        open_one = one and cases[0].status == "active"
        for key in ("check", "test", "extend", "release"):
            self.buttons[key].setEnabled(open_one if key != "extend" else one)
        self.buttons["close"].setEnabled(one)
        self.buttons["edit"].setEnabled(one)
        self.buttons["seen"].setEnabled(one and cases[0].flags_open > 0)
        self.buttons["print"].setEnabled(bool(cases))
        if not open_one and one:
            self.buttons["check"].setToolTip(self.tr("还没有开始管控，开始当天才能录入。"))
        else:
            self.buttons["check"].setToolTip("")
        self._limit_to_role()
        self._show_case({"id": cases[0].id} if one else None)

    def _limit_to_role(self) -> None:
        """What the signed-in role may not do stays disabled, the reason as its tooltip."""
        b = self.buttons
        access.limit(self.db, "cases.edit", self.register_button, b["edit"], b["extend"],
                     b["release"], b["close"])
        access.limit(self.db, "settings", self.settings_button)
        access.limit(self.db, "registry.structure", self.staff_button)
        access.limit(self.db, "print", b["print"], b["print_new"], self.print_release_button)
        if not (access.can(self.db, "health.edit") or access.can(self.db, "cases.edit")):
            access.limit(self.db, "health.edit", b["check"], b["test"], b["seen"])

    def _show_case(self, row: dict[str, Any] | None) -> None:
        if self.tabs.currentIndex() == 1:
            self.print_release_button.setEnabled(bool(row) and row["status"] == "released")
            access.limit(self.db, "print", self.print_release_button)
        if not row:
            self.detail.setHtml(
                "<p style='color:#5f6b7a'>" + self.tr("选中一人，这里显示其管控记录、检测、"
                                                       "核酸和打印记录。") + "</p>")
            return
        try:
            detail = isolation.case_detail(self.db, row["id"])
        except FormError as exc:
            self.detail.setPlainText(exc.message)
            return
        self.detail.setHtml(case_html(detail, accounts.current(self.db)))

    def tell(self, title: str, text: str, warning: bool = False) -> QMessageBox:
        """A message that does not block the event loop (the board keeps refreshing)."""
        icon = QMessageBox.Icon.Warning if warning else QMessageBox.Icon.Information
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.last_message = box
        return box

    # --- actions ---------------------------------------------------------------------------
    def _one(self) -> isolation.BoardCase | None:
        cases = self.selected_cases()
        return cases[0] if len(cases) == 1 else None

    def _changed(self, case_id: str | None = None) -> None:
        self.events.isolation_changed.emit()
        if case_id:
            self.select_case(case_id)

    # --- the window's shortcuts (ui/main_window.py) ---------------------------------------
    def focus_search(self) -> None:
        """Ctrl+F: 全部记录 and its search box."""
        self.tabs.setCurrentIndex(1)
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def new_item(self) -> CaseDialog | None:
        """Ctrl+N: 登记隔离人员, or why this role cannot."""
        if access.allowed(self.db, "cases.edit", self):
            return self.register_case()
        return None

    def print_current(self) -> Any:
        """Ctrl+P: the selected cases' notices on the board; the selected release form on
        全部记录 (what the tab's print button prints)."""
        if self.tabs.currentIndex() == 1:
            if self.print_release_button.isEnabled():
                return self.print_release()
            return None
        if self.buttons["print"].isEnabled():
            return self.print_notices()
        return None

    def _open(self, dialog: FormDialog, on_saved: Callable[[], None]) -> Any:
        """Open a form over the page (not blocking the board's clock); on_saved after a save."""
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(on_saved)
        dialog.open()
        return dialog

    def register_case(self) -> CaseDialog:
        dialog = CaseDialog(self.db, self, by=self.user, now=self.clock())
        return self._open(dialog, lambda: self._changed(dialog.result_id))

    def edit_settings(self) -> SettingsDialog:
        return self._open(SettingsDialog(self.db, self), self._changed)

    def edit_staff(self) -> StaffDialog:
        dialog = StaffDialog(self.db, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _r: self._changed())
        dialog.open()
        return dialog

    def record_check(self) -> CheckDialog | None:
        case = self._one()
        if case is None or case.status != "active":
            return None
        dialog = CheckDialog(self.db, case, self, by=self.user, now=self.clock())

        def saved() -> None:
            self._changed(case.id)
            if dialog.outcome and dialog.outcome.flagged:
                self.tell(self.tr("体温或症状异常"), dialog.outcome.message, warning=True)
            elif dialog.next_wanted:
                self.check_next_due(after=case.id)
        return self._open(dialog, saved)

    def check_next_due(self, after: str | None = None) -> CheckDialog | None:
        """The check of the next case (in board order, after `after`) with a check due or
        overdue now; tells when there is none left."""
        board = self.current_board
        due = [c for c in (board.cases if board else []) if c.check_due or c.overdue]
        ids = [c.id for c in (board.cases if board else [])]
        start = ids.index(after) + 1 if after in ids else 0
        upcoming = [c for c in due if ids.index(c.id) >= start] or due
        if not upcoming:
            self.tell(self.tr("录入体温"), self.tr("这一轮的检测都录完了。"))
            return None
        self.select_case(upcoming[0].id)
        return self.record_check()

    def record_test(self) -> TestDialog | None:
        case = self._one()
        return case and self._open(TestDialog(self.db, case, self),
                                   lambda: self._changed(case.id))

    def doctor_seen(self) -> None:
        case = self._one()
        if case is None:
            return
        for check in isolation.case_detail(self.db, case.id).checks:
            if check["flagged"] and not check["doctor_seen"]:
                isolation.mark_doctor_seen(self.db, check["id"], now=self.clock())
        self._changed(case.id)

    def edit_case(self) -> EditCaseDialog | None:
        case = self._one()
        return case and self._open(EditCaseDialog(self.db, case.id, self, by=self.user),
                                   lambda: self._changed(case.id))

    def change_end(self) -> ChangeEndDialog | None:
        case = self._one()
        return case and self._open(ChangeEndDialog(self.db, case, self, by=self.user),
                                   lambda: self._changed(case.id))

    def release(self) -> ReleaseDialog | None:
        case = self._one()
        if case is None:
            return None

        def released() -> None:
            self._changed()
            self.print_release(case.id)
        dialog = ReleaseDialog(self.db, case, self, by=self.user, now=self.clock())
        dialog.test_recorded.connect(lambda _id: self.events.isolation_changed.emit())
        return self._open(dialog, released)

    def close_case(self) -> CloseCaseDialog | None:
        case = self._one()
        return case and self._open(CloseCaseDialog(self.db, case, self, by=self.user),
                                   self._changed)

    # --- printing (ui/case_print.py builds, previews, prints and logs) ----------------------
    def print_notices(self, case_ids: list[str] | None = None) -> Any:
        from ui.isolation import printing as case_print

        ids = case_ids or [c.id for c in self.selected_cases()]
        if not ids:
            return None
        return case_print.print_cases(self, self.db, ids, title=self.tr("居家隔离告知书等"),
                                      user=self.user, on_logged=self._changed)

    def print_new_today(self) -> Any:
        """Every open case whose notice set was never printed (new since the last batch)."""
        from app.isolation import printing as isolation_print
        from ui.isolation import printing as case_print

        ids = isolation_print.cases_new_today(self.db)
        if not ids:
            self.tell(self.tr("打印新登记人员材料"),
                      self.tr("在管人员的告知书等材料都已打印过，没有新的要打印。"))
            return None
        return case_print.print_cases(
            self, self.db, ids, title=self.tr("新登记人员的材料（{0}人）").format(len(ids)),
            user=self.user, on_logged=self._changed)

    def print_release(self, case_id: str | None = None) -> Any:
        from ui.isolation import printing as case_print

        if case_id is None:
            row = self._selected_record()
            if not row or row["status"] != "released":
                return None
            case_id = row["id"]
        return case_print.print_release(self, self.db, case_id, user=self.user,
                                        on_logged=self._changed)

    def verify_release(self) -> Any:
        """扫码核验: the dialog a USB scanner types release forms' QR codes into."""
        from ui.isolation.verify_dialog import VerifyDialog

        dialog = VerifyDialog(self.db, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog


def case_html(detail: isolation.CaseDetail, session: accounts.Session | None = None) -> str:
    """One case in full for the side panel (the person's phone masked for a role that may
    not see it; staff phones are work numbers and show)."""
    c = detail.case
    e = html.escape

    def staff(name: str | None, phone: str | None) -> str:
        return e(name or "未指定") + (f" {e(phone)}" if phone else "")

    status = isolation.STATUS_LABELS[c["status"]]
    phone = masking.show(session, "phone", c["phone"] or c["resident_phone"], masking.LIST)
    parts = [
        f"<h3 style='margin:0'>{e(c['name'])} <span style='font-weight:normal;color:#5f6b7a'>"
        f"{e(isolation.KIND_LABELS[c['kind']])} · {e(status)}</span></h3>",
        f"<p>{e(c['address'] or '（无住址）')}<br>"
        f"原因：{e(c['reason'])}" + (f"（来自{e(c['origin'])}）" if c["origin"] else "")
        + f"<br>期限：{isolation.cn_date(c['started_on'])} 至 "
          f"{isolation.cn_date(c['planned_end'])}"
        + (f"<br>解除：{isolation.cn_date(c['released_on'])}" if c["released_on"] else "")
        + (f"<br>转往：{e(c['transfer_to'])}" if c["transfer_to"] else "")
        + f"<br>门禁：{isolation.DOOR_LABELS[c['door_measure']]}"
        + f"<br>联系电话：{e(phone or '（未登记）')}</p>",
        f"<p>网格员：{staff(c['grid_worker'], c['grid_worker_phone'])}<br>"
        f"片警：{staff(c['police'], c['police_phone'])}<br>"
        f"片医：{staff(c['doctor'], c['doctor_phone'])}</p>",
    ]
    if detail.checks:
        rows = "".join(
            f"<tr><td>{isolation.short_date(x['check_on'])}"
            f"{isolation.SLOT_LABELS[x['slot']]}</td>"
            f"<td style='color:{'#b71c1c' if x['flagged'] else '#222'}'>"
            f"{x['temperature']:.1f}℃</td>"
            f"<td>{e('、'.join(isolation.SYMPTOM_LABELS[s] for s in x['symptoms'].split()))}"
            f"</td><td>{isolation.METHOD_LABELS[x['method']]}</td></tr>"
            for x in reversed(detail.checks[-14:]))
        parts.append(f"<b>体温检测</b><table cellspacing=4>{rows}</table>")
    if detail.tests:
        parts.append("<b>核酸</b><br>" + "<br>".join(
            f"{isolation.short_date(t['test_on'])} {isolation.TEST_LABELS[t['result']]}"
            for t in detail.tests))
    parts.append("<p><b>记录</b><br>" + "<br>".join(
        f"{e(ev['at'][5:16])} {isolation.EVENT_LABELS.get(ev['kind'], ev['kind'])}"
        + (f" {e(ev['old_value'])}→{e(ev['new_value'])}" if ev["old_value"] else "")
        + (f"（{e(ev['reason'])}）" if ev["reason"] else "")
        + (f" — {e(ev['by_name'])}" if ev["by_name"] else "")
        for ev in detail.events) + "</p>")
    if detail.prints:
        parts.append("<p><b>打印记录</b><br>" + "<br>".join(
            f"{e(p['printed_at'][5:16])} "
            f"{e(isolation.FORM_LABELS.get(p['form'], p['form']))} ×{p['copies']}"
            + ("（补打）" if p["reprint"] else "") + (f" — {e(p['printed_by'])}"
                                                     if p["printed_by"] else "")
            for p in detail.prints) + "</p>")
    else:
        parts.append("<p style='color:#5f6b7a'>还没有打印过材料。</p>")
    return "".join(parts)
