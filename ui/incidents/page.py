"""The 事件诉求 page: the events list (filters in SQL, rows fetched as it scrolls, overdue in
red), the chosen event's history, photos and the next handling steps; at the district, the
events its communities escalated, with its answers."""

from __future__ import annotations

import sqlite_utils
from PySide6.QtCore import QByteArray, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QIcon, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app import incidents
from app.errors import FormError
from app.incidents import photos
from ui import access
from ui.events import AppEvents
from ui.incidents.dialogs import (
    ReportDialog,
    RequestDialog,
    StepDialog,
    add_photo_files,
    pick_photos,
)
from ui.widgets.community_filter import CommunityFilter, with_community_column
from ui.widgets.lazy_table import RED, Column, LazyTableModel
from ui.widgets.tables import make_table

OVERDUE = RED
ESCALATED = ("#8a4b00", "#fff4e0")
STATUS_CHOICES = {"": "全部状态", "todo": "未办结", "open": "待处理", "assigned": "处理中",
                  "overdue": "超期未办", "escalated": "已上报区里", "resolved": "已办结待回访",
                  "closed": "已回访"}
DISTRICT_CHOICES = {"waiting": "待区里办结", "done": "区里已办结", "all": "全部上报事件"}


def _tone(row: dict) -> tuple[str, str] | None:
    if row.get("overdue"):
        return OVERDUE
    if row["status"] == "escalated" and not (row["district_last"] or "").startswith("resolve"):
        return ESCALATED           # waiting for the district
    return None


COLUMNS = [
    # What the office works from first (when, where it stands, who has it, by when): in view
    # at 1280 × 800 beside the detail pane; the rest after.
    Column("登记时间", lambda r: incidents.list_time(r["reported_at"]), width=96),
    Column("状态", lambda r: ("超期 · " if r["overdue"] else "") + r["status_label"],
           width=110),
    Column("类型", lambda r: r["kind"], width=66),
    Column("地点", lambda r: r["place"], width=140),
    Column("内容", lambda r: r["description"], width=160),
    Column("处理人", lambda r: r["assignee"], width=60),
    Column("期限", lambda r: incidents.list_time(r["due_at"]), width=96),
    Column("紧急", lambda r: r["urgency_label"], width=44),
    Column("类别", lambda r: r["category_label"], width=44),
    Column("报告人", lambda r: r["reporter_name"] or r["reporter_label"], width=80),
    Column("照片", lambda r: r["photos"] or "", width=44, align_right=True),
]
DISTRICT_COLUMNS = [
    Column("上报时间", lambda r: incidents.list_time(r["escalated_at"]), width=96),
    Column("区里处理", lambda r: _district_word(r), width=230),
    Column("社区状态", lambda r: r["status_label"], width=160),
    Column("类型", lambda r: r["kind"], width=70),
    Column("地点", lambda r: r["place"], width=170),
    Column("内容", lambda r: r["description"], width=200),
    Column("上报理由", lambda r: r["escalate_reason"], width=220),
]


def _district_word(row: dict) -> str:
    if not row["district_last"]:
        return "待受理"
    action, department, at = row["district_last"].split("|", 2)
    return " ".join(p for p in (incidents.REPLY_LABELS.get(action, action).removeprefix("区里"),
                                department, incidents.shown_time(at)[5:10]) if p)


class EventsModel(LazyTableModel):
    """The lazy list, each row in its tone: overdue red, escalated amber."""

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if index.isValid() and role in (Qt.ItemDataRole.ForegroundRole,
                                        Qt.ItemDataRole.BackgroundRole):
            row = self.row_data(index.row())
            tone = _tone(row) if row else None      # the whole row: red when overdue
            if tone:
                return QColor(tone[0] if role == Qt.ItemDataRole.ForegroundRole else tone[1])
            return None
        return super().data(index, role)


class IncidentsPage(QWidget):
    def __init__(self, db: sqlite_utils.Database, events: AppEvents,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.events = db, events
        self.at_district = incidents.is_district(db)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.title = QLabel(self.tr("上报事件") if self.at_district else self.tr("事件和诉求"))
        self.title.setStyleSheet("font-size: 14pt; font-weight: bold;")
        top.addWidget(self.title)
        self.summary = QLabel()
        self.summary.setObjectName("incidentsSummary")
        top.addWidget(self.summary, 1)
        self.report_button = QPushButton(self.tr("登记事件(&N)"))
        self.report_button.setToolTip(self.tr("Ctrl+N"))
        self.report_button.clicked.connect(self.report)
        self.request_button = QPushButton(self.tr("来电诉求(&Q)"))
        self.request_button.setToolTip(self.tr("居民来电：查到居民，写下诉求，回车保存"
                                               "（Ctrl+Shift+N）"))
        self.request_button.clicked.connect(self.request)
        self.kinds_button = QPushButton(self.tr("事件类型(&K)…"))
        self.kinds_button.setToolTip(self.tr("增删、排列本社区的事件类型"))
        self.kinds_button.clicked.connect(self.edit_kinds)
        for button in (self.report_button, self.request_button, self.kinds_button):
            button.setVisible(not self.at_district)
            top.addWidget(button)
        if not self.at_district:
            # Ctrl+N, Ctrl+F and F5 are the window's (操作 menu: new_item, focus_search,
            # reload); Ctrl+Shift+N is this page's own.
            QShortcut(QKeySequence("Ctrl+Shift+N"), self, self.request)
            access.hold(db, "incidents.edit", self.report_button, self.request_button,
                        self.kinds_button)
        layout.addLayout(top)

        filters = QHBoxLayout()
        self.community = None
        if self.at_district:
            self.community = CommunityFilter(db, events)
            self.community.changed.connect(self.reload)
            filters.addWidget(self.community)
        self.status = QComboBox()
        self.status.setObjectName("statusFilter")
        for key, text in (DISTRICT_CHOICES if self.at_district else STATUS_CHOICES).items():
            self.status.addItem(self.tr(text), key)
        self.kind = QComboBox()
        self.kind.setObjectName("kindFilter")
        self.category = QComboBox()
        for key, text in {"": "事件和诉求", "event": "只看事件", "request": "只看诉求"}.items():
            self.category.addItem(self.tr(text), key)
        self.grid = QComboBox()
        self.grid.setObjectName("gridFilter")
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("搜索地点、内容、报告人"))
        self.search.setClearButtonEnabled(True)
        for box in (self.status, self.kind, self.category, self.grid):
            box.currentIndexChanged.connect(self.reload)
            filters.addWidget(box)
        self.grid.setVisible(not self.at_district)
        self.category.setVisible(not self.at_district)
        self._typing = QTimer(self, singleShot=True, interval=250)
        self._typing.timeout.connect(self.reload)
        self.search.textChanged.connect(lambda _t: self._typing.start())
        filters.addWidget(self.search, 1)
        layout.addLayout(filters)

        columns = DISTRICT_COLUMNS if self.at_district else COLUMNS
        self.model = EventsModel(with_community_column(db, columns),
                                 lambda ids: incidents.rows(db, list(ids)), self)
        self.table = make_table(self.model)
        self.table.setObjectName("incidentsTable")
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self.show_current())
        self.table.doubleClicked.connect(lambda _i: self.next_step())

        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(6, 0, 0, 0)
        self.detail = QTextBrowser()
        self.detail.setObjectName("incidentDetail")
        side_layout.addWidget(self.detail, 1)
        self.thumbs = QHBoxLayout()
        side_layout.addLayout(self.thumbs)
        actions = QGridLayout()
        self.buttons: dict[str, QPushButton] = {}
        steps = ([("reply", "答复(&R)")] if self.at_district else
                 [("assign", "派单(&T)"), ("progress", "进展(&G)"), ("escalate", "上报区里(&U)"),
                  ("resolve", "办结(&D)"), ("callback", "回访(&B)"), ("photo", "添加照片(&P)")])
        for n, (step, text) in enumerate(steps):
            button = QPushButton(self.tr(text))
            button.setObjectName(f"step_{step}")
            button.clicked.connect(lambda _c=False, s=step: self.do_step(s))
            actions.addWidget(button, n // 3, n % 3)
            self.buttons[step] = button
        side_layout.addLayout(actions)
        splitter = QSplitter()
        splitter.addWidget(self.table)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([760, 340])
        layout.addWidget(splitter, 1)
        self._fill_choices()
        self.reload()

    # --- the list ---------------------------------------------------------------------
    def _fill_choices(self) -> None:
        for box, items in ((self.kind, [("", "全部类型"), *((k, k) for k in
                                                        incidents.kinds(self.db))]),
                           (self.grid, [("", "全部网格"), *incidents.grid_choices(self.db)])):
            box.blockSignals(True)
            box.clear()
            for key, text in items:
                box.addItem(text, key)
            box.blockSignals(False)

    def filters(self) -> incidents.Filters:
        status = self.status.currentData() or ""
        communities = self.community.community_ids() if self.community else None
        common = {"kind": self.kind.currentData() or "", "text": self.search.text(),
                  "communities": communities}
        if self.at_district:
            done = {"waiting": False, "done": True}.get(status)
            # Waiting: neither end has resolved it (a community may solve it after all).
            return incidents.Filters(escalated=True, district_done=done,
                                     statuses=("escalated",) if status == "waiting" else (),
                                     **common)
        statuses = {"todo": ("open", "assigned", "escalated"), "overdue": (),
                    "": ()}.get(status, (status,))
        return incidents.Filters(statuses=statuses, overdue=status == "overdue",
                                 category=self.category.currentData() or "",
                                 grid_id=self.grid.currentData() or "", **common)

    def reload(self) -> None:
        current = self.current_id()
        try:
            ids = incidents.list_ids(self.db, self.filters())
            figures = incidents.counts(self.db, self.community.community_ids()
                                       if self.community else None)
        except FormError as exc:
            self.model.set_ids([])
            self.summary.setText(exc.message)
            return
        self.model.refresh(ids)
        if self.at_district:
            text = self.tr("　共 {0} 件；各社区上报待区里办结 {1} 件").format(
                len(ids), figures["escalated"])
        else:
            text = self.tr("　共 {0} 件；未办结 {1} 件，其中超期 {2} 件；"
                           "上报区里待办结 {3} 件").format(
                len(ids), figures["open"], figures["overdue"], figures["escalated"])
        self.summary.setText(text)
        self.summary.setStyleSheet("color: #b71c1c;" if figures["overdue"] else "")
        row = self.model.row_of(current) if current else -1
        if row < 0 and self.model.total():
            row = 0
        if row >= 0:
            self.table.selectRow(row)
        self.show_current()

    def current_id(self) -> str | None:
        index = self.table.currentIndex()
        return self.model.id_at(index.row()) if index.isValid() else None

    # --- the chosen event -------------------------------------------------------------
    def show_current(self) -> None:
        event = self.current_id()
        while self.thumbs.count():
            item = self.thumbs.takeAt(0)
            widget = item.widget()
            if widget is not None:
                widget.setParent(None)   # gone now, not at the next event loop
                widget.deleteLater()
        if event is None:
            self.detail.setHtml(self.tr("<p style='color:#5f6b7a'>没有选中的事件。</p>"))
            self._enable(None)
            return
        seen = incidents.detail(self.db, event)
        self.detail.setHtml(_detail_html(seen))
        for photo in seen.photos[:6]:
            thumb = QToolButton()           # a click (or Space) shows the photo whole
            pixmap = QPixmap()
            pixmap.loadFromData(QByteArray(photos.thumbnail(photo)))
            thumb.setIcon(QIcon(pixmap))
            thumb.setIconSize(QSize(72, 72))
            thumb.setToolTip(f"{photo['file_name']}  {photo['width']}×{photo['height']}  "
                             f"{photo['size'] // 1024} KB（点击查看原图）")
            thumb.clicked.connect(lambda _c=False, p=photo: self.show_photo(p))
            self.thumbs.addWidget(thumb)
        self.thumbs.addStretch(1)
        self._enable(seen)

    def show_photo(self, photo: dict) -> None:
        data = photos.photo_bytes(self.db, photo["id"])
        if data is None:
            QMessageBox.information(self, self.tr("照片"), self.tr(
                "这张照片还没有完整收到（或已损坏），下次同步后再看。"))
            return
        pixmap = QPixmap()
        pixmap.loadFromData(QByteArray(data))
        dialog = QDialog(self)
        dialog.setWindowTitle(photo["file_name"] or self.tr("照片"))
        box = QVBoxLayout(dialog)
        shown = QLabel()
        room = QSize(900, 620)                # fits a 1024 × 768 screen; never enlarged
        if pixmap.width() > room.width() or pixmap.height() > room.height():
            pixmap = pixmap.scaled(room, Qt.AspectRatioMode.KeepAspectRatio,
                                   Qt.TransformationMode.SmoothTransformation)
        shown.setPixmap(pixmap)
        box.addWidget(shown)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()                       # Esc closes it

    def _enable(self, seen: incidents.Detail | None) -> None:
        status = seen.row["status"] if seen else ""
        district_done = bool(seen) and seen.resolved_by == "district"
        back = bool(seen) and seen.returned          # 退回: the community's again
        allowed = {"assign": status in ("open", "assigned") or back,
                   "progress": status in ("open", "assigned", "escalated"),
                   "escalate": status in ("open", "assigned") or back,
                   "resolve": status in ("open", "assigned") or (status == "escalated"
                                                                  and not district_done),
                   "callback": status == "resolved" or (status == "escalated"
                                                        and district_done),
                   "photo": bool(seen) and status != "closed",
                   "reply": status == "escalated" and not district_done}
        permission = "incidents.reply" if self.at_district else "incidents.edit"
        for step, button in self.buttons.items():
            button.setEnabled(allowed[step])
            access.limit(self.db, permission, button)

    def next_step(self) -> None:
        """Enter or a double-click: the step the chosen event waits for."""
        for step in ("reply", "callback", "assign", "resolve"):
            button = self.buttons.get(step)
            if button is not None and button.isEnabled():
                self.do_step(step)
                return

    def do_step(self, step: str) -> None:
        event = self.current_id()
        permission = "incidents.reply" if self.at_district else "incidents.edit"
        if event is None or not access.allowed(self.db, permission, self):
            return
        if step == "photo":
            problems = add_photo_files(self.db, event, pick_photos(self))
            if problems:
                QMessageBox.warning(self, self.tr("照片没有添加"), problems)
            self.reload()
            return
        dialog = StepDialog(self.db, event, step, self)
        if dialog.exec():
            self.reload()

    def new_item(self) -> None:
        """Ctrl+N: 登记事件 (the district only answers)."""
        if not self.at_district:
            self.report()

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def report(self) -> None:
        if access.allowed(self.db, "incidents.edit", self) and ReportDialog(self.db,
                                                                            self).exec():
            self.reload()

    def request(self) -> None:
        if access.allowed(self.db, "incidents.edit", self) and RequestDialog(self.db,
                                                                             self).exec():
            self.reload()

    def edit_kinds(self) -> None:
        """The office's kinds, one a line, in order (a kind taken away stays on its events)."""
        if not access.allowed(self.db, "incidents.edit", self):
            return
        text, ok = QInputDialog.getMultiLineText(
            self, self.tr("事件类型"), self.tr("每行一种，按显示顺序排列："),
            "\n".join(incidents.kinds(self.db)))
        if not ok:
            return
        try:
            incidents.set_kinds(self.db, text.splitlines())
        except FormError as exc:
            QMessageBox.warning(self, self.tr("事件类型没有保存"), exc.message)
            return
        self._fill_choices()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.reload()     # events arrive by sync and from other pages' visits


def _esc(text: str | None) -> str:
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _detail_html(seen: incidents.Detail) -> str:
    r = seen.row
    overdue = incidents.is_overdue(r)
    lines = [
        f"<h3>{_esc(r['kind'])}　<small>{incidents.CATEGORY_LABELS[r['category']]} · "
        f"{incidents.URGENCY_LABELS[r['urgency']]}</small></h3>",
        f"<p><b>地点</b>　{_esc(r['place'])}<br><b>内容</b>　{_esc(r['description'])}<br>"
        f"<b>报告人</b>　{incidents.REPORTER_LABELS[r['reporter_kind']]} "
        f"{_esc(r['reporter_name'])} {_esc(r['reporter_phone'])}<br>"
        f"<b>期限</b>　<span style='color:{'#b71c1c' if overdue else 'inherit'}'>"
        f"{incidents.shown_time(r['due_at'])}{'（已超期）' if overdue else ''}</span>"
        + (f"<br><b>处理人</b>　{_esc(r['assignee'])}" if r["assignee"] else "")
        + (f"<br><b>结果</b>　{_esc(seen.result)}" if seen.result else "") + "</p>"]
    if seen.conflicts:
        lines.append("<p style='color:#b71c1c'><b>冲突</b><br>"
                     + "<br>".join(_esc(c) for c in seen.conflicts) + "</p>")
    lines.append("<p><b>办理经过</b></p>")
    for s in seen.steps:     # the district's steps in blue
        colour = "#1f5fa8" if s.side == "district" else "#333"
        lines.append(f"<p style='margin:2px 0'><span style='color:#5f6b7a'>{s.at[5:]}</span> "
                     f"<b style='color:{colour}'>{s.action}</b> {_esc(s.actor)}"
                     + (f"：{_esc(s.text)}" if s.text else "") + "</p>")
    return "".join(lines)
