"""The person page (一人一档) as a dialog that opens from anywhere a person is listed: who they
are (masked by role), household and its other members, Party membership, tags and category,
and the timeline newest first with who and when; print, edit, category, building view.

    open_person(parent, db, resident_id)       # what a list's double-click / Enter calls
"""

from __future__ import annotations

import sqlite_utils
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app import buildings, community_scope, person
from app.errors import FormError
from ui.access import limit
from ui.widgets.lazy_table import Column
from ui.widgets.tables import RowsTableModel, make_table

TIMELINE_COLUMNS = [
    Column("时间", lambda e: e.when, width=130),
    Column("类型", lambda e: e.kind, width=50),
    Column("内容", lambda e: e.text, width=330),
    Column("经办人", lambda e: e.by, width=100),
]
MEMBER_COLUMNS = [
    Column("姓名", lambda m: m["name"], width=80),
    Column("关系", lambda m: m["relation"], width=60),
    Column("性别", lambda m: m["sex"], width=40),
    Column("年龄", lambda m: m["age"], align_right=True, width=40),
]


class PersonDialog(QDialog):
    """One person's file. Double-click a household member to open theirs."""

    changed = Signal()     # a category was set by hand, or the person edited

    def __init__(self, db: sqlite_utils.Database, resident_id: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.resident_id = resident_id
        self.preview: QDialog | None = None    # the print preview, once opened
        self.touched = False      # something was saved here: the opener's lists re-read
        self.resize(1000, 680)
        self.title = QLabel()
        self.title.setObjectName("personTitle")
        self.title.setStyleSheet("font-size: 16pt; font-weight: bold;")
        self.chip = QLabel()
        self.chip.setObjectName("personCategory")
        for label in (self.title, self.chip):
            label.setTextFormat(Qt.TextFormat.PlainText)
        self.facts = QFormLayout()
        facts_box = QGroupBox(self.tr("基本信息"))
        facts_box.setLayout(self.facts)
        self.members = RowsTableModel(MEMBER_COLUMNS, self)
        self.member_view = make_table(self.members)
        self.member_view.setObjectName("personMembers")
        self.member_view.doubleClicked.connect(self._open_member)
        members_box = QGroupBox(self.tr("同户成员（双击查看其档案）"))
        QVBoxLayout(members_box).addWidget(self.member_view)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(facts_box)
        ll.addWidget(members_box, 1)

        self.timeline = RowsTableModel(TIMELINE_COLUMNS, self)
        self.timeline_view = make_table(self.timeline)
        self.timeline_view.setObjectName("personTimeline")
        self.timeline_title = QLabel()
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.timeline_title)
        rl.addWidget(self.timeline_view, 1)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setSizes([360, 640])

        self.b_print = QPushButton(self.tr("打印档案(&P)…"))
        self.b_print.setObjectName("printPerson")
        self.b_category = QPushButton(self.tr("调整类别(&L)…"))
        self.b_building = QPushButton(self.tr("楼栋图(&B)"))
        self.b_edit = QPushButton(self.tr("编辑居民(&E)…"))
        close = QPushButton(self.tr("关闭"))
        self.b_print.clicked.connect(self.print_file)
        self.b_category.clicked.connect(self.set_category)
        self.b_building.clicked.connect(self.open_building)
        self.b_edit.clicked.connect(self.edit)
        close.clicked.connect(self.reject)
        QShortcut(QKeySequence(Qt.Key.Key_F5), self, self.reload)
        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addWidget(self.chip)
        top.addStretch()
        buttons = QHBoxLayout()
        for b in (self.b_print, self.b_category, self.b_building, self.b_edit):
            buttons.addWidget(b)
        buttons.addStretch()
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        layout.addLayout(buttons)
        self.reload()

    def reload(self) -> None:
        f = self.file = person.person_file(self.db, self.resident_id)
        self.setWindowTitle(self.tr("个人档案 — {0}").format(f.name))
        self.title.setText(f"{f.name}　{f.sex}　{'' if f.age is None else f'{f.age}岁'}")
        if f.category is not None:
            how = self.tr("手动指定") if f.category.by_hand else self.tr("按规则")
            self.chip.setText(f" {f.category.name} · {f.category.category.meaning or how} ")
            self.chip.setToolTip(how)
            self.chip.setStyleSheet(f"background: {f.category.colour}; color: white; "
                                    "border-radius: 4px; padding: 2px 6px; font-size: 11pt;")
        else:
            self.chip.setText(self.tr("无类别"))
            self.chip.setStyleSheet("color: #5f6b7a;")
        while self.facts.rowCount():
            self.facts.removeRow(0)
        rows = [
            (self.tr("证件号码"), f.id_number or "—"),
            (self.tr("联系电话"), f.phone or "—"),
            (self.tr("出生日期"), f.birth_date or "—"),
            (self.tr("居住类型"), f.residency),
            (self.tr("与户主关系"), f.relation or "—"),
            (self.tr("住址"), f.address + (f"（{f.dwelling}）" if f.dwelling else "")),
            (self.tr("党员"), f.party or self.tr("否")),
            (self.tr("标签"), " ".join(filter(None, [f.tags, f.household_tags])) or "—"),
        ]
        if f.note:
            rows.append((self.tr("备注"), f.note))
        if community_scope.is_district(self.db):       # the district holds many communities
            rows.insert(0, (self.tr("社区"), f.community))
        for label, value in rows:
            text = QLabel(value)
            text.setTextFormat(Qt.TextFormat.PlainText)    # a value is never markup
            text.setWordWrap(True)
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.facts.addRow(label, text)
        self.members.set_rows(f.members)
        self.timeline.set_rows(f.timeline)
        self.timeline_title.setText(self.tr("大事记：共 {0} 条，最新在前").format(len(f.timeline)))
        self.b_building.setEnabled(f.household_id is not None)
        self.b_print.setEnabled(True)
        self.b_category.setEnabled(True)
        self.b_edit.setEnabled(True)
        limit(self.db, "print", self.b_print)
        limit(self.db, "registry.edit", self.b_category, self.b_edit)

    def _open_member(self, index) -> None:
        row = self.members.row_data(index.row())
        if row:
            self.resident_id = row["id"]
            self.reload()

    def print_file(self) -> None:
        # ReportLab and pdfium load when a file is first printed, not at start-up.
        from app.person import printing as person_print
        from ui.widgets.print_preview import PrintPreviewDialog

        try:
            data = person_print.person_pdf(self.db, self.resident_id)
        except FormError as exc:
            QMessageBox.information(self, self.tr("打印档案"), exc.message)
            return
        rid = self.resident_id
        self.preview = PrintPreviewDialog(data, self.tr("居民个人档案"),
                                          f"个人档案-{self.file.name}.pdf", self)
        # Recorded once it is printed or saved, and then on the timeline.
        self.preview.delivered.connect(lambda target, _copies: self._printed(rid, target))
        self.preview.open()

    def _printed(self, resident_id: str, target: str) -> None:
        from app.person import printing as person_print

        person_print.record_print(self.db, resident_id, target)
        if resident_id == self.resident_id:
            self.reload()

    def set_category(self) -> None:
        from ui.categories.dialogs import MarkDialog

        if MarkDialog(self.db, self.resident_id, self.file.name, self).exec():
            self.touched = True
            self.reload()
            self.changed.emit()

    def open_building(self) -> None:
        from ui.buildings.view import open_building

        if not self.file.household_id:
            return
        building = buildings.building_of_household(self.db, self.file.household_id)
        if building:
            open_building(self, self.db, building, self.file.household_id, self._switch_to)

    def _switch_to(self, resident_id: str) -> None:
        """A person picked in the building view: their file here (the view closes)."""
        sender = self.sender()
        if isinstance(sender, QDialog):
            sender.accept()
        self.resident_id = resident_id
        self.reload()

    def edit(self) -> None:
        from app import registry
        from ui.registry.dialogs import ResidentDialog

        full = registry.get(self.db, "residents", self.resident_id)
        if full and ResidentDialog(self.db, full["household_id"], full, parent=self).exec():
            self.touched = True
            self.reload()
            self.changed.emit()


def open_person(parent: QWidget, db: sqlite_utils.Database, resident_id: str | None
                ) -> PersonDialog | None:
    """Open a person's file over `parent` (modal; Esc closes). Says why when it cannot."""
    if not resident_id:
        return None
    try:
        dialog = PersonDialog(db, resident_id, parent)
    except FormError as exc:
        QMessageBox.information(parent, parent.tr("个人档案"), exc.message)
        return None
    dialog.exec()
    return dialog
