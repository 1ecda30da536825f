"""The key-person dialogs: a community's result for one person (with the one-step measures),
the district's hand assignment, and the list import (columns, dry run, import)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlite_utils
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app import keypersons
from app.errors import FormError
from ui.widgets import background
from ui.widgets.form import FormDialog

MEASURES = {"": "不采取措施", "home_monitoring": "登记居家健康监测（一步完成）",
            "home_isolation": "登记居家隔离（一步完成）",
            "added_resident": "登记为本社区居民（一步完成）"}


class VerifyDialog(FormDialog):
    """填写核查结果: the list's fields and what the registry knows on top, then the result."""

    def __init__(self, db: sqlite_utils.Database, row: dict[str, Any],
                 parent: QWidget | None = None) -> None:
        super().__init__(self.tr("填写核查结果 — {0}").format(row["name"]), parent)
        self.db, self.row = db, row
        facts = QLabel(self.tr("名单：{0}（截止 {1}）\n名单上：{2}　{3}　{4}\n本社区：{5}").format(
            row["title"], row["due_at"], row["id_shown"] or "无证件号码",
            row["phone_shown"] or "无电话", row["address"] or "无住址", row["known"]))
        facts.setWordWrap(True)
        facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.form.addRow(facts)
        self.combo("result", self.tr("核查结果"), keypersons.RESULT_LABELS, "living_here")
        self.line("detail", self.tr("去向 / 哪项有误"), "",
                  self.tr("已离开本社区时写去向（如 建设路社区）；信息有误时写哪一项"))
        self.combo("measure", self.tr("措施"), MEASURES, "")
        self.line("address", self.tr("居住的住户"), "",
                  self.tr("未在本社区登记的人：写他住的住户，如 锦绣花园3号楼2单元501"))
        self.line("id_number", self.tr("证件号码（名单上没有时）"), "")
        self.line("reason", self.tr("管控原因"), row.get("category") or "中高风险地区返回")
        self.note("note", self.tr("备注"), "")
        registered = bool(row["resident_id"])
        self.field("address").setEnabled(not registered)
        self.field("id_number").setEnabled(not registered and not row["id_number"])

    def save(self) -> str | None:
        result, measure = self.value("result"), self.value("measure")
        detail, note = self.value("detail") or "", self.value("note") or ""
        if measure and result != "living_here":
            raise FormError({"measure": "只有“在本社区居住”的人才能登记措施，"
                                        "请先把核查结果选为“在本社区居住”。"})
        household = None
        if measure and not self.row["resident_id"]:
            address = (self.value("address") or "").strip()
            if address:
                household = keypersons.find_household(self.db, address)
            elif not self.row["household_id"]:
                raise FormError({"address": "此人未在本社区登记：请写他居住的住户，"
                                            "如 锦绣花园3号楼2单元501。"})
        extra = {"id_number": self.value("id_number")} if self.value("id_number") else {}
        pid = self.row["id"]
        if measure in ("home_isolation", "home_monitoring"):
            return keypersons.verify_with_case(
                self.db, pid, kind=measure, reason=self.value("reason") or "",
                started_on=date.today(), note=note, household_id=household,
                newcomer_data=extra)[0]
        if measure == "added_resident":
            return keypersons.verify_adding_resident(
                self.db, pid, household or self.row["household_id"], extra, note=note)[0]
        return keypersons.verify(self.db, pid, result, detail=detail, note=note)


class AssignDialog(FormDialog):
    """分配给社区: a person waiting (or at another community) given to a community."""

    def __init__(self, db: sqlite_utils.Database, row: dict[str, Any],
                 communities: dict[str, str], suggested: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(self.tr("分配给社区 — {0}").format(row["name"]), parent)
        self.db, self.row = db, row
        info = QLabel(self.tr("名单住址：{0}\n{1}").format(
            row.get("address") or "无", (self.tr("可能在：{0}").format(row["candidates"])
                                         if row.get("candidates") else "")))
        info.setWordWrap(True)
        self.form.addRow(info)
        choices = {cid: name for cid, name in communities.items()
                   if cid != row.get("community_id")}
        self.combo("community", self.tr("分配给"), choices, suggested)

    def save(self) -> str | None:
        return keypersons.assign(self.db, self.row["id"], self.value("community"))


class ImportListDialog(QDialog):
    """导入重点人员名单: the file's columns as read (the ledger reader's header detection),
    each mapped to a field; 试导入 shows the matching and the row errors; 导入 writes."""

    def __init__(self, db: sqlite_utils.Database, db_path: Path, path: Path,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from app.keypersons import importer

        self.setWindowTitle(self.tr("导入重点人员名单 — {0}").format(path.name))
        self.setMinimumWidth(640)
        self.db, self.db_path, self.path = db, db_path, path
        self.imported = None
        self.task = None
        layout = QVBoxLayout(self)
        form = QFormLayout()
        layout.addLayout(form)
        self.ledger, mapping = importer.read_list(path)
        self.title = QLineEdit(self.ledger.title or path.stem)
        form.addRow(self.tr("名单标题"), self.title)
        self.category = QLineEdit()
        self.category.setPlaceholderText(self.tr("名单没有“类别”列时填写，如 中高风险地区返回"))
        form.addRow(self.tr("类别"), self.category)
        self.due = QLineEdit((datetime.now() + timedelta(days=1)).strftime("%Y-%m-%d 18:00"))
        form.addRow(self.tr("核查截止"), self.due)
        self.combos: dict[int, QComboBox] = {}
        fields = {"": self.tr("（不导入）"), **importer.FIELD_LABELS}
        for col in self.ledger.columns:
            combo = QComboBox()
            for code, label in fields.items():
                combo.addItem(label, code)
            combo.setCurrentIndex(max(0, combo.findData(mapping.get(col.index, ""))))
            sample = "、".join(col.samples[:2])
            form.addRow(f"{col.letter}列 {col.label}" + (f"（如 {sample}）" if sample else ""),
                        combo)
            self.combos[col.index] = combo
        self.report = QPlainTextEdit()
        self.report.setReadOnly(True)
        self.report.setPlaceholderText(self.tr("按“试导入”查看每个社区分到多少人、哪些行有问题。"))
        layout.addWidget(self.report, 1)
        buttons = QDialogButtonBox()
        self.dry = QPushButton(self.tr("试导入(&T)"))
        self.go = QPushButton(self.tr("导入(&I)"))
        buttons.addButton(self.dry, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.go, QDialogButtonBox.ButtonRole.AcceptRole)
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.setText(self.tr("关闭"))
        buttons.rejected.connect(self.reject)
        self.dry.clicked.connect(lambda: self.run(dry_run=True))
        self.go.clicked.connect(lambda: self.run(dry_run=False))
        layout.addWidget(buttons)

    def mapping(self) -> dict[int, str]:
        return {i: c.currentData() for i, c in self.combos.items() if c.currentData()}

    def run(self, dry_run: bool) -> None:
        from app.keypersons import importer

        args = {"title": self.title.text(), "category": self.category.text(),
                "due": self.due.text(), "mapping": self.mapping(), "dry_run": dry_run}
        path = self.path
        self.dry.setEnabled(False)
        self.go.setEnabled(False)
        self.report.setPlainText(self.tr("正在读取和匹配……"))
        self.task = background.start(
            self, lambda db, _p, _c: importer.import_list(db, path, **args), self.db_path)
        self.task.done.connect(lambda plan: self._done(plan, dry_run))
        self.task.error.connect(self._failed)

    def _done(self, plan, dry_run: bool) -> None:
        self.dry.setEnabled(True)
        self.go.setEnabled(dry_run)
        self.report.setPlainText("\n".join(plan.lines()))
        if not dry_run:
            self.imported = plan

    def _failed(self, exc: BaseException) -> None:
        self.dry.setEnabled(True)
        self.go.setEnabled(True)
        self.report.setPlainText(getattr(exc, "message", None) or str(exc))
