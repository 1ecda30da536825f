"""The inspection dialog (a checklist from a template: each item 是/否/不适用 and a note, the
date, the inspectors, up to three problems with deadline and person responsible), and the
small dialogs of the 整改 tab: a correction, a re-inspection. A FormError shows under its
field (an unanswered item under that item) and nothing typed is lost."""

from __future__ import annotations

import sqlite_utils
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app import inspections, places
from app.errors import FormError
from ui.widgets.form import FormDialog

PROBLEM_ROWS = 3


class AnswerRow(QWidget):
    """One checklist item: its words, 是 / 否 / 不适用 (arrow keys move between them) and a
    note."""

    def __init__(self, number: int, item: str, answer: str | None = None) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        words = QLabel(f"{number}. {item}")
        words.setWordWrap(True)
        layout.addWidget(words)
        line = QHBoxLayout()
        self.group = QButtonGroup(self)
        for key, text in inspections.ANSWER_LABELS.items():
            button = QRadioButton(text)
            button.setObjectName(f"answer_{key}")
            button.setChecked(key == answer)
            self.group.addButton(button)
            button.setProperty("answer", key)
            line.addWidget(button)
        self.note = QLineEdit()
        self.note.setPlaceholderText(self.tr("说明（可不填）"))
        line.addWidget(self.note, 1)
        layout.addLayout(line)

    def answer(self) -> str | None:
        checked = self.group.checkedButton()
        return checked.property("answer") if checked else None

    def choose(self, answer: str) -> None:
        for button in self.group.buttons():
            if button.property("answer") == answer:
                button.setChecked(True)


class ProblemRow(QWidget):
    def __init__(self) -> None:
        super().__init__()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.description = QLineEdit()
        self.description.setPlaceholderText(self.tr("发现的问题"))
        self.due_on = QLineEdit()
        self.due_on.setPlaceholderText(self.tr("整改期限 2026-12-12"))
        self.due_on.setMaximumWidth(150)
        self.responsible = QLineEdit()
        self.responsible.setPlaceholderText(self.tr("责任人"))
        self.responsible.setMaximumWidth(110)
        for w in (self.description, self.due_on, self.responsible):
            layout.addWidget(w, 1 if w is self.description else 0)

    def value(self) -> inspections.ProblemInput:
        return inspections.ProblemInput(self.description.text(), self.due_on.text(),
                                        self.responsible.text())


class InspectionDialog(FormDialog):
    """`subject` is (kind, id, name); the template's items become the checklist."""

    def __init__(self, db: sqlite_utils.Database, subject: tuple[str, str, str],
                 template_name: str, parent: QWidget | None = None) -> None:
        super().__init__("登记检查", parent)
        self.db = db
        self.data = inspections.new_input(db, template_name, subject[0], subject[1], subject[2])
        self.setMinimumWidth(720)
        # The checklist may be long: the fields scroll, the buttons stay (fits 1024 × 768).
        outer = self.layout()
        outer.removeItem(self.form)
        holder = QWidget()
        holder.setLayout(self.form)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(holder)
        outer.insertWidget(1, scroll, 1)
        self.scroll = scroll
        self.resize(760, 660)
        title = QLabel(f"{inspections.SUBJECT_LABELS[subject[0]]}：{subject[2]}"
                       f"　　检查表：{self.data.template_name}")
        title.setStyleSheet("font-weight: bold;")
        self.add_field("subject", self.tr("检查对象"), title)
        self.line("inspected_on", self.tr("检查日期"), self.data.inspected_on,
                  self.tr("年-月-日，如 2026-12-05"))
        self.line("inspectors", self.tr("检查人"), "", self.tr("可填多人，用顿号分开"))
        self.rows: list[AnswerRow] = []
        for i, item in enumerate(self.data.items):
            row = AnswerRow(i + 1, item)
            self.add_field(f"item{i}", self.tr("第{0}项").format(i + 1), row)
            self.rows.append(row)
        self.all_yes = QCheckBox(self.tr("其余未选的项都选“是”(&Y)"))
        self.all_yes.toggled.connect(self._fill_yes)
        self.add_field("all_yes", "", self.all_yes)
        self.problems: list[ProblemRow] = []
        for n in range(1, PROBLEM_ROWS + 1):
            row = ProblemRow()
            self.add_field(f"problem{n}", self.tr("问题{0}").format(n), row)
            self.problems.append(row)
        self.note("note", self.tr("备注"), "")
        self.field("inspected_on").setFocus()
        self._fit_rows()

    def _fit_rows(self) -> None:
        # The scrolled form keeps the height its rows need (an error line adds one).
        holder = self.scroll.widget()
        holder.setMinimumHeight(holder.sizeHint().height())

    def show_errors(self, errors: dict[str, str]) -> None:
        super().show_errors(errors)
        self._fit_rows()
        for name in errors:               # the first faulty field scrolled into view
            if name in ("inspected_on", "inspectors") or name.startswith(("item", "problem")):
                self.scroll.ensureWidgetVisible(self.field(name))
                break

    def _fill_yes(self, on: bool) -> None:
        if on:
            for row in self.rows:
                if row.answer() is None:
                    row.choose("yes")

    def collect(self) -> inspections.InspectionInput:
        d = self.data
        d.inspected_on = self.value("inspected_on")
        d.inspectors = self.value("inspectors")
        d.answers = [r.answer() for r in self.rows]
        d.notes = [r.note.text() for r in self.rows]
        d.problems = [p.value() for p in self.problems]
        d.note = self.value("note")
        return d

    def save(self) -> str | None:
        return inspections.record(self.db, self.collect())


class TemplateChoice(FormDialog):
    """Which checklist: the templates for this kind of subject."""

    def __init__(self, db: sqlite_utils.Database, subject_kind: str,
                 parent: QWidget | None = None) -> None:
        super().__init__("选择检查表", parent)
        names = {t.name: f"{t.name}（{len(t.items)}项）"
                 for t in inspections.templates(db, subject_kind)}
        self.box: QComboBox = self.combo("template", self.tr("检查表"), names)
        self.save_button.setText(self.tr("下一步(&S)"))

    def save(self) -> str | None:
        return self.box.currentData()


class CompoundChoice(FormDialog):
    """Which compound (小区) to inspect; result_id is its id."""

    def __init__(self, db: sqlite_utils.Database, parent: QWidget | None = None) -> None:
        super().__init__("检查小区", parent)
        self.names = dict(places.compounds(db))
        self.box: QComboBox = self.combo("compound", self.tr("小区（楼院）"), self.names)
        self.save_button.setText(self.tr("下一步(&S)"))

    def save(self) -> str | None:
        if not self.box.currentData():
            raise FormError({"compound": "本社区还没有登记小区，请先在 楼栋住户 里添加。"})
        return self.box.currentData()


class CorrectionDialog(FormDialog):
    def __init__(self, db: sqlite_utils.Database, problem: dict,
                 parent: QWidget | None = None) -> None:
        super().__init__("登记整改情况", parent)
        self.db, self.problem = db, problem
        self.add_field("problem", self.tr("问题"), QLabel(
            f"{problem['subject_name']}：{problem['description']}（期限 {problem['due_on']}）"))
        self.line("corrected_on", self.tr("整改日期"), inspections.today_text())
        self.note("note", self.tr("整改情况"), "")
        self.field("note").setFocus()

    def save(self) -> str | None:
        return inspections.record_correction(self.db, self.problem["id"],
                                             self.value("corrected_on"), self.value("note"))


class RecheckDialog(FormDialog):
    def __init__(self, db: sqlite_utils.Database, problem: dict,
                 parent: QWidget | None = None) -> None:
        super().__init__("复查", parent)
        self.db, self.problem = db, problem
        self.add_field("problems", self.tr("问题"), QLabel(
            f"{problem['subject_name']}：{problem['description']}"))
        self.line("inspected_on", self.tr("复查日期"), inspections.today_text())
        self.line("inspectors", self.tr("复查人"), "")
        self.combo("passed", self.tr("结果"), {"yes": "已整改，销号", "no": "未整改到位"})
        self.note("note", self.tr("备注"), "")
        self.field("inspectors").setFocus()

    def save(self) -> str | None:
        return inspections.reinspect(self.db, [self.problem["id"]],
                                     inspected_on=self.value("inspected_on"),
                                     inspectors=self.value("inspectors"),
                                     passed=self.value("passed") == "yes",
                                     note=self.value("note"))
