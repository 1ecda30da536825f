"""Dialogs of 党员联户: pair a household, add households to a member, review the suggestion,
the limit, the contact log, spot-check draws and their results."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlite_utils
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QCompleter,
    QDateEdit,
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QStyledItemDelegate,
    QVBoxLayout,
    QWidget,
)

from app import pairing, registry
from app.errors import FormError
from app.pairing import AlreadyPaired
from ui.pairing.models import SuggestionModel
from ui.widgets.form import FormDialog, confirm
from ui.widgets.tables import make_table

MUTED = "color: #5f6b7a;"


def date_edit(value: date | None = None) -> QDateEdit:
    edit = QDateEdit()
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    day = value or date.today()
    edit.setDate(QDate(day.year, day.month, day.day))
    edit.setMaximumDate(QDate.currentDate())
    return edit


def picked_date(edit: QDateEdit) -> date:
    d = edit.date()
    return date(d.year(), d.month(), d.day())


def searchable(combo: QComboBox) -> QComboBox:
    """Type part of a name or phone to find a member among hundreds."""
    combo.setEditable(True)
    combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    completer = QCompleter(combo.model(), combo)
    completer.setFilterMode(Qt.MatchFlag.MatchContains)
    completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
    combo.setCompleter(completer)
    return combo


def member_combo(choices: list[pairing.MemberChoice], limit: int) -> QComboBox:
    combo = QComboBox()
    for c in choices:
        full = "（已满）" if c.load >= limit else ""
        combo.addItem(f"{c.name}  {c.phone or ''} · {pairing.TIER_LABELS[c.tier]} · "
                      f"已联系{c.load}户{full}", c.member_id)
    return searchable(combo)


def ask_replace(parent: QWidget, exc: AlreadyPaired) -> bool:
    """The household already has a member: replace them, or leave things as they are."""
    box = QMessageBox(QMessageBox.Icon.Question, parent.tr("更换联系党员"), exc.message,
                      parent=parent)
    yes = box.addButton(parent.tr("更换为“{0}”").format(exc.new_member_name),
                        QMessageBox.ButtonRole.AcceptRole)
    box.addButton(parent.tr("取消"), QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(box.buttons()[-1])
    box.exec()
    return box.clickedButton() is yes


class PartyMemberDialog(FormDialog):
    def __init__(self, db: sqlite_utils.Database, member: dict[str, Any] | None = None,
                 resident: dict[str, Any] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("编辑党员") if member else self.tr("登记党员"), parent)
        self.db, self.member = db, member
        m = member or {}
        self.resident_id = m.get("resident_id") or (resident or {}).get("id")
        if self.resident_id:
            who = registry.resident_rows(db, [self.resident_id])
            self.add_field("resident_id", self.tr("本社区居民"),
                           QLabel(f"{who[0]['name']}  {who[0]['address'] or ''}" if who else ""))
        self.line("name", self.tr("姓名"), m.get("name") or (resident or {}).get("name"))
        self.combo("kind", self.tr("党员类别"), registry.PARTY_KIND_LABELS,
                   m.get("kind", "community"))
        self.line("branch", self.tr("所在支部"), m.get("branch"), self.tr("例如 锦绣花园党支部"))
        self.line("phone", self.tr("联系电话"), m.get("phone") or (resident or {}).get("phone"))
        self.note("note", self.tr("备注"), m.get("note"))

    def save(self) -> str | None:
        data = {"resident_id": self.resident_id, "name": self.value("name"),
                "kind": self.value("kind"), "branch": self.value("branch"),
                "phone": self.value("phone"), "note": self.value("note")}
        if self.member:
            registry.edit_party_member(self.db, self.member["id"], data)
            return self.member["id"]
        return registry.add_party_member(self.db, data)


class PairDialog(FormDialog):
    """Choose the member of one household (nearest and least loaded listed first)."""

    def __init__(self, db: sqlite_utils.Database, household_id: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(self.tr("安排联系党员"), parent)
        self.db, self.household_id = db, household_id
        self.ask = ask_replace
        current = pairing.household_member(db, household_id)
        self.add_field("household", self.tr("住户"),
                       QLabel(pairing.household_address(db, household_id) or ""))
        if current:
            self.add_field("current", self.tr("现在的联系党员"), QLabel(
                f"{current.member_name}（{current.started_on:%Y-%m-%d} 起）"))
        limit = pairing.get_limit(db)
        self.members = member_combo(pairing.rank_members_for(db, household_id), limit)
        self.add_field("member_id", self.tr("联系党员"), self.members,
                       self.tr("可输入姓名或电话查找；排在前面的住得最近、联系户最少"))
        self.note("note", self.tr("备注"), None)

    def save(self) -> str | None:
        member = self.members.currentData()
        if not member:
            raise FormError({"member_id": self.tr("请选择一名党员。")})
        note = self.value("note")
        try:
            return pairing.pair_household(self.db, self.household_id, member, note=note)
        except AlreadyPaired as exc:
            if not self.ask(self, exc):
                raise FormError({"member_id": self.tr("没有更换：该户仍由“{0}”联系。").format(
                    exc.current.member_name)}) from None
            return pairing.pair_household(self.db, self.household_id, member, note=note,
                                          replace=True)


class AddHouseholdsDialog(QDialog):
    """Give a member households: unpaired ones nearest to them first, ticked in a list."""

    def __init__(self, db: sqlite_utils.Database, member: dict[str, Any],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.member = db, member
        self.setWindowTitle(self.tr("为党员“{0}”添加联系户").format(member["name"]))
        self.resize(520, 560)
        limit = pairing.get_limit(db)
        room = max(0, limit - member["load"])
        self.hint = QLabel(self.tr("已联系 {0} 户，上限 {1} 户，还可添加 {2} 户。"
                                   "下面是未联户的家庭，离党员最近的在前。").format(
            member["load"], limit, room))
        self.hint.setWordWrap(True)
        self.list = QListWidget()
        self.list.setObjectName("candidateList")
        for household_id, address, tier in pairing.nearest_unpaired(db, member["id"]):
            item = QListWidgetItem(f"{address}　（{pairing.TIER_LABELS[tier]}）")
            item.setData(Qt.ItemDataRole.UserRole, household_id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.list.addItem(item)
        self.error = QLabel()
        self.error.setStyleSheet("color: #c62828;")
        self.error.setWordWrap(True)
        ok = QPushButton(self.tr("添加所选住户"))
        cancel = QPushButton(self.tr("取消"))
        ok.clicked.connect(self.save)
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch()
        buttons.addWidget(ok)
        buttons.addWidget(cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(self.hint)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.added = 0

    def chosen(self) -> list[str]:
        return [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())
                if self.list.item(i).checkState() == Qt.CheckState.Checked]

    def save(self) -> None:
        try:
            self.added = pairing.accept_suggestions(
                self.db, [(h, self.member["id"]) for h in self.chosen()], reason="assigned")
        except FormError as exc:
            self.error.setText(exc.message)
            return
        self.accept()


class MemberDelegate(QStyledItemDelegate):
    """The 推荐党员 cell becomes a searchable list of members when edited."""

    def __init__(self, members: list[tuple[str, str]], parent=None) -> None:
        super().__init__(parent)
        self.members = members

    def createEditor(self, parent, option, index):
        combo = QComboBox(parent)
        for member_id, text in self.members:
            combo.addItem(text, member_id)
        return searchable(combo)

    def setEditorData(self, editor, index):
        editor.setCurrentIndex(max(0, editor.findData(index.data(Qt.ItemDataRole.EditRole))))

    def setModelData(self, editor, model, index):
        model.setData(index, editor.currentData(), Qt.ItemDataRole.EditRole)


class SuggestionDialog(QDialog):
    """为未联户家庭推荐: the proposal as a list to review, change and accept (all or some)."""

    def __init__(self, db: sqlite_utils.Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.setWindowTitle(self.tr("为未联户家庭推荐联系党员"))
        self.resize(860, 640)
        self.plan = pairing.suggest_pairings(db)
        members = pairing.member_rows(db)
        names = {m["id"]: m["name"] for m in members}
        loads = {m["id"]: m["load"] for m in members}
        self.model = SuggestionModel(self.plan.lines, names, loads, self)
        self.view = make_table(self.model)
        self.view.setObjectName("suggestionView")
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                  | QAbstractItemView.EditTrigger.SelectedClicked)
        self.view.setItemDelegateForColumn(SuggestionModel.MEMBER_COLUMN, MemberDelegate(
            [(m["id"], f"{m['name']}  {m['phone'] or ''} · 已联系{m['load']}户") for m in
             sorted(members, key=lambda m: m["name"])], self.view))
        summary = self.tr("共 {0} 户未联户，推荐了 {1} 户（每名党员最多 {2} 户）。"
                          "近的优先：同单元、同楼栋、同楼院、同网格，住在本社区的党员优先。"
                          "双击“推荐党员”可改为其他党员；去掉勾选的行不会保存。").format(
            len(self.plan.lines) + len(self.plan.unplaced), len(self.plan.lines),
            self.plan.limit)
        if self.plan.unplaced:
            summary += self.tr("\n另有 {0} 户没有可推荐的党员（党员联系户已满），"
                               "请增加党员或在“联户设置”中提高上限。").format(
                len(self.plan.unplaced))
        self.summary = QLabel(summary)
        self.summary.setWordWrap(True)
        self.error = QLabel()
        self.error.setObjectName("suggestionError")
        self.error.setStyleSheet("color: #c62828;")
        self.error.setWordWrap(True)
        all_on = QPushButton(self.tr("全选"))
        all_off = QPushButton(self.tr("全不选"))
        self.accept_button = QPushButton(self.tr("采纳所选"))
        self.accept_button.setDefault(True)
        cancel = QPushButton(self.tr("取消"))
        all_on.clicked.connect(lambda: self.model.set_all(True))
        all_off.clicked.connect(lambda: self.model.set_all(False))
        self.accept_button.clicked.connect(self.save)
        cancel.clicked.connect(self.reject)
        self.model.dataChanged.connect(lambda *_: self._count())
        self.model.modelReset.connect(self._count)
        buttons = QHBoxLayout()
        buttons.addWidget(all_on)
        buttons.addWidget(all_off)
        buttons.addStretch()
        buttons.addWidget(self.accept_button)
        buttons.addWidget(cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.accepted_count = 0
        self._count()

    def _count(self) -> None:
        n = len(self.model.selected())
        self.accept_button.setText(self.tr("采纳所选（{0} 户）").format(n))
        self.accept_button.setEnabled(n > 0)

    def save(self) -> None:
        try:
            self.accepted_count = pairing.accept_suggestions(self.db, self.model.selected())
        except FormError as exc:
            self.error.setText(exc.message)
            return
        self.accept()


class LimitDialog(FormDialog):
    def __init__(self, db: sqlite_utils.Database, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("联户设置"), parent)
        self.db = db
        self.spin("limit", self.tr("每名党员最多联系"), pairing.get_limit(db), 1,
                  pairing.MAX_LIMIT).setSuffix(self.tr(" 户"))
        hint = QLabel(self.tr("推荐和手动安排都不会超过这个户数；调低后，已超过的党员会列在"
                              "“超过上限的党员”中，请逐步调整。"))
        hint.setWordWrap(True)
        hint.setStyleSheet(MUTED)
        self.form.addRow(hint)

    def save(self) -> str | None:
        pairing.set_limit(self.db, self.value("limit"))
        return None


class ContactDialog(FormDialog):
    """A member's visit, call, WeChat message or service for one household."""

    def __init__(self, db: sqlite_utils.Database, household_id: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(self.tr("记录联系和服务"), parent)
        self.db, self.household_id = db, household_id
        self.add_field("household", self.tr("住户"),
                       QLabel(pairing.household_address(db, household_id) or ""))
        self.combo("kind", self.tr("方式或服务"), pairing.CONTACT_KIND_LABELS, "visit")
        current = pairing.household_member(db, household_id)
        choices = pairing.rank_members_for(db, household_id)
        if current:   # the household's own member first
            choices.sort(key=lambda c: c.member_id != current.member_id)
        self.members = member_combo(choices, pairing.get_limit(db))
        self.add_field("member_id", self.tr("党员"), self.members)
        self.when = date_edit()
        self.add_field("contact_on", self.tr("日期"), self.when)
        self.note("note", self.tr("情况"), None)

    def save(self) -> str | None:
        return pairing.log_contact(self.db, self.household_id, self.value("kind"),
                                   member_id=self.members.currentData(),
                                   contact_on=picked_date(self.when), note=self.value("note"))


class EndPairingDialog(FormDialog):
    def __init__(self, db: sqlite_utils.Database, pairing_row: dict[str, Any],
                 parent: QWidget | None = None) -> None:
        super().__init__(self.tr("结束联系"), parent)
        self.db, self.row = db, pairing_row
        self.add_field("household", self.tr("住户"), QLabel(pairing_row["address"]))
        self.note("note", self.tr("原因"), None)
        self.buttons.button(self.buttons.StandardButton.Ok).setText(self.tr("结束联系"))

    def save(self) -> str | None:
        pairing.end_pairing(self.db, self.row["id"], note=self.value("note"))
        return self.row["id"]


class DrawCheckDialog(FormDialog):
    """晒网督查: draw N paired households per grid, with a recorded seed (shown as 抽样编号)."""

    def __init__(self, db: sqlite_utils.Database, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("新的晒网督查抽样"), parent)
        self.db = db
        self.spin("per_grid", self.tr("每个网格抽查"), 5, 1, pairing.MAX_PER_GRID).setSuffix(
            self.tr(" 户"))
        self.line("seed", self.tr("抽样编号"), "",
                  self.tr("一般不填，自动生成；要照着以前的抽样重新抽取时，填那次的编号"))
        self.note("note", self.tr("备注"), None)

    def save(self) -> str | None:
        seed_text = self.value("seed")
        seed = None
        if seed_text:
            if not seed_text.isdigit() or len(seed_text) > 9:
                raise FormError({"seed": self.tr("抽样编号应为不超过9位的数字，或留空。")})
            seed = int(seed_text)
        check = pairing.draw_spot_check(self.db, self.value("per_grid"), seed=seed,
                                        note=self.value("note"))
        return check.id


class CheckResultDialog(FormDialog):
    """What a visit or call to a drawn household found."""

    def __init__(self, db: sqlite_utils.Database, item: dict[str, Any],
                 parent: QWidget | None = None) -> None:
        super().__init__(self.tr("记录督查结果"), parent)
        self.db, self.item = db, item
        self.add_field("household", self.tr("住户"), QLabel(
            f"{item['address']}　电话 {item['household_phone'] or '—'}"))
        self.add_field("member", self.tr("联系党员"), QLabel(item["member_name"] or "—"))
        self.combo("method", self.tr("方式"), pairing.CHECK_METHOD_LABELS,
                   item["method"] or "visit")
        knows = QWidget()
        row = QHBoxLayout(knows)
        row.setContentsMargins(0, 0, 0, 0)
        self.knows_yes = QRadioButton(self.tr("知道"))
        self.knows_no = QRadioButton(self.tr("不知道"))
        group = QButtonGroup(knows)
        for b in (self.knows_yes, self.knows_no):
            group.addButton(b)
            row.addWidget(b)
        row.addStretch()
        if item["knows_member"] is not None:
            (self.knows_yes if item["knows_member"] else self.knows_no).setChecked(True)
        self.add_field("knows_member", self.tr("是否知道联系党员"), knows)
        did = QWidget()
        row = QHBoxLayout(did)
        row.setContentsMargins(0, 0, 0, 0)
        done = set((item["member_did"] or "").split())
        self.did: dict[str, QCheckBox] = {}
        for code, label in pairing.MEMBER_DID_LABELS.items():
            box = QCheckBox(label)
            box.setChecked(code in done)
            row.addWidget(box)
            self.did[code] = box
        self.add_field("member_did", self.tr("党员做过什么"), did)
        self.combo("result", self.tr("结果"), pairing.CHECK_RESULT_LABELS,
                   item["result"] or "satisfied")
        self.when = date_edit()
        self.add_field("checked_on", self.tr("核查日期"), self.when)
        self.note("note", self.tr("备注"), item["note"])

    def save(self) -> str | None:
        knows = True if self.knows_yes.isChecked() else False if self.knows_no.isChecked() \
            else None
        def record(correct: bool) -> None:
            pairing.record_check_result(
                self.db, self.item["id"], method=self.value("method"),
                result=self.value("result"), knows_member=knows,
                member_did=[c for c, b in self.did.items() if b.isChecked()],
                checked_on=picked_date(self.when), note=self.value("note"), correct=correct)

        try:
            record(correct=False)
        except pairing.ResultRecorded as exc:
            if not confirm(self, self.tr("更正抽查结果"), exc.message, ok=self.tr("确认更正")):
                raise
            record(correct=True)
        return self.item["id"]
