"""A dialog of labelled fields that shows each Chinese error message under its field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.errors import FormError

ERROR_STYLE = "color: #c62828;"


class FormDialog(QDialog):
    """Subclasses add fields and implement `save()`, which calls app/ and may raise FormError;
    the dialog stays open with the messages beside the fields, and nothing is saved."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(520)
        self._fields: dict[str, QWidget] = {}
        self._errors: dict[str, QLabel] = {}
        outer = QVBoxLayout(self)
        self.general_error = QLabel()
        self.general_error.setStyleSheet(ERROR_STYLE)
        self.general_error.setWordWrap(True)
        self.general_error.hide()
        outer.addWidget(self.general_error)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        outer.addLayout(self.form)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        # Keyboard: Enter in a line and Ctrl+S save (保存 is the default button), Esc closes
        # (QDialog), Alt+S / Alt+C press the buttons.
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.save_button.setText(self.tr("保存(&S)"))
        self.save_button.setToolTip(self.tr("快捷键：Ctrl+S 或回车"))
        cancel = self.cancel_button = self.buttons.button(
            QDialogButtonBox.StandardButton.Cancel)
        cancel.setText(self.tr("取消(&C)"))
        cancel.setToolTip(self.tr("不保存，关闭（Esc）"))
        self.buttons.accepted.connect(self._try_save)
        self.buttons.rejected.connect(self.reject)
        QShortcut(QKeySequence.StandardKey.Save, self, self._try_save)
        outer.addWidget(self.buttons)
        self.save_button.setDefault(True)   # once in the dialog, so it stays the default
        self.result_id: str | None = None

    # --- building the form -----------------------------------------------------------
    def add_field(self, name: str, label: str, widget: QWidget, hint: str = "") -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(widget)
        error = QLabel()
        error.setObjectName(f"error_{name}")
        error.setStyleSheet(ERROR_STYLE)
        error.setWordWrap(True)
        error.hide()
        layout.addWidget(error)
        if hint:
            widget.setToolTip(hint)
            if isinstance(widget, QLineEdit):
                widget.setPlaceholderText(hint)
        widget.setObjectName(name)
        self.form.addRow(label, box)
        # Tab order: the fields top to bottom, then 保存, 取消 (the buttons were made first).
        if self._fields:
            QWidget.setTabOrder(list(self._fields.values())[-1], widget)
        else:
            widget.setFocus()   # the dialog opens in its first field, not on 保存
        QWidget.setTabOrder(widget, self.save_button)
        QWidget.setTabOrder(self.save_button, self.cancel_button)
        self._fields[name] = widget
        self._errors[name] = error
        return widget

    def line(self, name: str, label: str, value: Any = "", hint: str = "") -> QLineEdit:
        edit = QLineEdit("" if value is None else str(value))
        self.add_field(name, label, edit, hint)
        return edit

    def combo(self, name: str, label: str, choices: dict[str, str], value: Any = None,
              editable: bool = False) -> QComboBox:
        box = QComboBox()
        box.setEditable(editable)
        for key, text in choices.items():
            box.addItem(text, key)
        if value is not None:
            at = box.findData(value)
            if at >= 0:
                box.setCurrentIndex(at)
            elif editable:
                box.setEditText(str(value))
        self.add_field(name, label, box)
        return box

    def spin(self, name: str, label: str, value: int | None, low: int, high: int,
             special: str = "") -> QSpinBox:
        box = QSpinBox()
        box.setRange(low - (1 if special else 0), high)
        if special:
            box.setSpecialValueText(special)
        box.setValue(value if value is not None else box.minimum())
        self.add_field(name, label, box)
        return box

    def note(self, name: str, label: str, value: str | None) -> QPlainTextEdit:
        edit = QPlainTextEdit(value or "")
        edit.setFixedHeight(60)
        self.add_field(name, label, edit)
        return edit

    def field(self, name: str) -> QWidget:
        return self._fields[name]

    def value(self, name: str) -> Any:
        w = self._fields[name]
        if isinstance(w, QComboBox):
            return w.currentText().strip() if w.isEditable() else w.currentData()
        if isinstance(w, QSpinBox):
            return None if w.specialValueText() and w.value() == w.minimum() else w.value()
        if isinstance(w, QPlainTextEdit):
            return w.toPlainText().strip()
        if isinstance(w, QLineEdit):
            return w.text().strip()
        raise TypeError(type(w))

    # --- saving ----------------------------------------------------------------------
    def save(self) -> str | None:  # pragma: no cover - subclasses implement
        raise NotImplementedError

    def show_errors(self, errors: dict[str, str]) -> None:
        for label in self._errors.values():
            label.hide()
        general = []
        first: QWidget | None = None
        for name, message in errors.items():
            label = self._errors.get(name)
            if label is None:
                general.append(message)
                continue
            label.setText(message)
            label.show()
            first = first or self._fields[name]
        self.general_error.setText("\n".join(general))
        self.general_error.setVisible(bool(general))
        if first is not None:
            first.setFocus(Qt.FocusReason.OtherFocusReason)
        # Wrapped messages need height the layout only finds after a new size hint.
        self.layout().activate()
        self.resize(self.width(), max(self.height(), self.sizeHint().height()))

    def error_text(self, name: str) -> str:
        label = self._errors[name]
        return label.text() if not label.isHidden() else ""

    def _try_save(self) -> None:
        try:
            self.result_id = self.save()
        except FormError as exc:
            self.show_errors(exc.errors)
            return
        self.accept()


def confirm(parent: QWidget, title: str, text: str, ok: str = "删除") -> bool:
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(QMessageBox.Icon.Warning, title, text, parent=parent)
    yes = box.addButton(ok, QMessageBox.ButtonRole.DestructiveRole)
    box.addButton("取消", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(box.buttons()[-1])
    box.exec()
    return box.clickedButton() is yes


def run_dialog(dialog: FormDialog, on_saved: Callable[[str | None], None]) -> None:
    if dialog.exec() == QDialog.DialogCode.Accepted:
        on_saved(dialog.result_id)
