"""The events page's dialogs: reporting an event (place found as you type, photos), a
resident's request from a phone call in a few keystrokes, and each handling step."""

from __future__ import annotations

from pathlib import Path

import sqlite_utils
from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QWidget,
)

from app import incidents
from app.errors import FormError
from app.incidents import photos
from ui.widgets.form import FormDialog

SOURCES = ("网格员上报", "居民来电", "12345", "社区热线", "走访")
REQUEST_SOURCES = ("居民来电", "12345", "社区热线", "上门反映")
LIST_HEIGHT = 120


class _Finder(QListWidget):
    """Matches for what is typed in a line: filled after a short pause, the first selected;
    Enter or a click takes one."""

    def __init__(self, line: QLineEdit, find, label_of) -> None:
        super().__init__()
        self.setFixedHeight(LIST_HEIGHT)
        self._find, self._label_of, self._line = find, label_of, line
        self._timer = QTimer(self, singleShot=True, interval=200)
        self._timer.timeout.connect(self.search)
        line.textEdited.connect(lambda _t: self._timer.start())
        line.installEventFilter(self)       # ↓ in the line goes down to the matches

    def eventFilter(self, watched, event) -> bool:
        if (watched is self._line and event.type() == QEvent.Type.KeyPress
                and event.key() == Qt.Key.Key_Down and self.count()):
            self.setFocus()
            return True
        return super().eventFilter(watched, event)

    def search(self) -> None:
        self.clear()
        try:
            found = self._find(self._line.text())
        except FormError:
            found = []
        for thing in found:
            item = QListWidgetItem(self._label_of(thing))
            item.setData(Qt.ItemDataRole.UserRole, thing)
            self.addItem(item)
        if self.count():
            self.setCurrentRow(0)

    def chosen(self):
        item = self.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None


class _Photos(QWidget):
    """The photos chosen for a new event: each checked when added (too large or not an image
    is refused at once, naming the cap)."""

    def __init__(self, dialog: FormDialog) -> None:
        super().__init__()
        self.dialog = dialog
        self.checked: list[photos.Checked] = []
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.names = QLabel(self.tr("（没有照片）"))
        self.names.setWordWrap(True)
        add = QPushButton(self.tr("添加照片(&P)…"))
        add.setToolTip(self.tr("JPG、PNG 等图片，每张不超过 2 MB，最多 6 张"))
        add.clicked.connect(self.choose)
        row.addWidget(self.names, 1)
        row.addWidget(add)

    def choose(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, self.tr("选择照片"), "",
                                                self.tr("图片 (*.jpg *.jpeg *.png *.gif "
                                                        "*.webp *.bmp)"))
        self.add_files(files)

    def add_files(self, files: list[str]) -> None:
        problems = []
        for name in files:
            if len(self.checked) >= photos.MAX_PHOTOS:
                problems.append(self.tr("一条事件最多 {0} 张照片。").format(photos.MAX_PHOTOS))
                break
            try:
                self.checked.append(photos.check_file(name))
            except FormError as exc:
                problems.append(exc.errors["photo"])
        self.names.setText("、".join(p.file_name for p in self.checked)
                           or self.tr("（没有照片）"))
        self.dialog.show_errors({"photo": "\n".join(problems)} if problems else {})


class ReportDialog(FormDialog):
    """登记事件: kind, place (a door, building or compound found as you type, or words),
    what happened, who reported, urgency, photos."""

    def __init__(self, db: sqlite_utils.Database, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("登记事件"), parent)
        self.db = db
        self.setMinimumWidth(600)
        self.combo("kind", self.tr("事件类型"), {k: k for k in incidents.kinds(db)})
        self.combo("urgency", self.tr("紧急程度"), incidents.URGENCY_LABELS)
        self.place = self.line("place", self.tr("地点"),
                               hint=self.tr("输入小区、楼栋或门牌查找（↓ 选择，回车确定），"
                                            "或直接写位置"))
        self.places = _Finder(self.place, lambda t: incidents.find_places(db, t),
                              lambda p: p.label)
        self.places.setObjectName("placeMatches")
        self.form.addRow("", self.places)
        self.places.itemActivated.connect(self._take_place)
        self.line("description", self.tr("事件内容"), hint=self.tr("发生了什么，在哪里，影响谁"))
        self.combo("reporter_kind", self.tr("报告人"), incidents.REPORTER_LABELS)
        self.line("reporter_name", self.tr("报告人姓名"), hint=self.tr("网格员上报可不填"))
        self.line("reporter_phone", self.tr("报告人电话"))
        self.combo("source", self.tr("来源"), {s: s for s in SOURCES}, editable=True)
        self.photos = _Photos(self)
        self.add_field("photo", self.tr("照片"), self.photos)

    def _take_place(self, item: QListWidgetItem) -> None:
        self.place.setText(item.data(Qt.ItemDataRole.UserRole).label)

    def _picked_place(self) -> dict[str, str]:
        """The match whose label is what the place line says (a door, building or
        compound), else nothing: the words typed are the place."""
        chosen = self.places.chosen()
        if chosen is not None and chosen.label == self.value("place"):
            return {f"{chosen.kind}_id": chosen.id}
        return {}

    def save(self) -> str | None:
        event = incidents.report(
            self.db, kind=self.value("kind"), urgency=self.value("urgency"),
            place=self.value("place"), **self._picked_place(),
            description=self.value("description"), reporter_kind=self.value("reporter_kind"),
            reporter_name=self.value("reporter_name"),
            reporter_phone=self.value("reporter_phone"), source=self.value("source"))
        for photo in self.photos.checked:
            photos.attach(self.db, event, photo)
        return event


class RequestDialog(FormDialog):
    """来电诉求: find the caller (name, pinyin, phone or door), type what they need, Enter."""

    def __init__(self, db: sqlite_utils.Database, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("登记居民诉求（来电）"), parent)
        self.db = db
        self.setMinimumWidth(560)
        self.caller = self.line("resident", self.tr("来电居民"),
                                hint=self.tr("姓名、拼音首字母、电话或门牌号"))
        self.callers = _Finder(self.caller, lambda t: incidents.find_callers(db, t),
                               lambda c: c.label)
        self.callers.setObjectName("callerMatches")
        self.form.addRow("", self.callers)
        self.line("text", self.tr("诉求内容"), hint=self.tr("居民需要什么（回车保存）"))
        self.combo("kind", self.tr("类型"), {k: k for k in incidents.kinds(db)},
                   value="其他")
        self.combo("source", self.tr("来源"), {s: s for s in REQUEST_SOURCES}, editable=True)
        self.combo("urgency", self.tr("紧急程度"), incidents.URGENCY_LABELS)
        QWidget.setTabOrder(self.caller, self.callers)
        QWidget.setTabOrder(self.callers, self.field("text"))

    def save(self) -> str | None:
        chosen = self.callers.chosen()
        if chosen is None:
            self.callers.search()
            chosen = self.callers.chosen()
        if chosen is None:
            raise FormError({"resident": self.tr("没有找到这位居民：请输入姓名、电话或门牌号，"
                                                 "从下面的列表中选择。")})
        return incidents.create_request(self.db, resident_id=chosen.id, text=self.value("text"),
                                        kind=self.value("kind"), source=self.value("source"),
                                        urgency=self.value("urgency"))


class StepDialog(FormDialog):
    """One handling step on an event: 派单, 进展, 上报, 办结, 回访, or the district's answer."""

    def __init__(self, db: sqlite_utils.Database, incident_id: str, step: str,
                 parent: QWidget | None = None) -> None:
        titles = {"assign": "派单", "progress": "登记进展", "escalate": "上报区里",
                  "resolve": "办结", "callback": "回访", "reply": "区里答复"}
        super().__init__(self.tr(titles[step]), parent)
        self.db, self.incident_id, self.step = db, incident_id, step
        if step == "assign":
            self.line("assignee", self.tr("处理人"), hint=self.tr("姓名"))
            self.combo("assignee_kind", self.tr("处理人类型"), incidents.ASSIGNEE_LABELS)
            self.line("assignee_phone", self.tr("处理人电话"))
            self.line("due_at", self.tr("办理期限"),
                      hint=self.tr("不填按紧急程度：如 2026-12-08 18:00"))
            self.line("note", self.tr("说明"))
        elif step == "progress":
            self.line("note", self.tr("进展情况"))
        elif step == "escalate":
            self.line("reason", self.tr("上报理由"), hint=self.tr("社区为什么解决不了，需要谁协调"))
        elif step == "resolve":
            self.line("result", self.tr("办理结果"))
        elif step == "callback":
            self.combo("satisfaction", self.tr("满意度"), incidents.SATISFACTION_LABELS)
            self.line("note", self.tr("回访情况"))
        else:
            self.combo("action", self.tr("处理方式"),
                       {k: v.removeprefix("区里") for k, v in incidents.REPLY_LABELS.items()})
            self.combo("department", self.tr("交办部门"),
                       {d: d for d in ("", "区城市管理局", "区住房和城乡建设局", "区民政局",
                                       "区市场监督管理局", "区应急管理局", "区生态环境分局")},
                       editable=True)
            self.line("note", self.tr("说明/办理结果"))

    def save(self) -> str | None:
        db, event = self.db, self.incident_id
        if self.step == "assign":
            due = self.value("due_at").replace(" ", "T") or None
            if due and len(due) == 16:
                due += ":00"
            incidents.assign(db, event, assignee=self.value("assignee"),
                             assignee_kind=self.value("assignee_kind"),
                             phone=self.value("assignee_phone"), due_at=due,
                             note=self.value("note"))
        elif self.step == "progress":
            incidents.add_progress(db, event, self.value("note"))
        elif self.step == "escalate":
            incidents.escalate(db, event, self.value("reason"))
        elif self.step == "resolve":
            incidents.resolve(db, event, self.value("result"))
        elif self.step == "callback":
            incidents.callback(db, event, self.value("satisfaction"), self.value("note"))
        else:
            try:
                incidents.reply(db, event, self.value("action"),
                                department=self.value("department"), note=self.value("note"))
            except FormError as exc:
                errors = {("department" if k == "department" else
                           "note" if k == "note" else "action"): v
                          for k, v in exc.errors.items()}
                raise FormError(errors) from exc
        return event


def add_photo_files(db: sqlite_utils.Database, incident_id: str, files: list[str]) -> str:
    """Attach photo files to an event; returns what to tell the person (empty when all
    went in)."""
    problems = []
    for name in files:
        try:
            photos.attach(db, incident_id, photos.check_file(name))
        except FormError as exc:
            problems.append(exc.message)
    return "\n".join(problems)


def pick_photos(parent: QWidget) -> list[str]:
    files, _ = QFileDialog.getOpenFileNames(parent, parent.tr("添加照片"), str(Path.home()),
                                            parent.tr("图片 (*.jpg *.jpeg *.png *.gif *.webp "
                                                      "*.bmp)"))
    return files


def combo_value(box: QComboBox) -> str:
    return box.currentData() or ""
