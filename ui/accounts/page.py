"""The 账户 page (administrator): accounts and their roles, password resets, the lock settings."""

from __future__ import annotations

import sqlite_utils
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app import accounts
from app.accounts.audit import local_time
from app.errors import FormError
from db import registry as db_registry
from ui.widgets.form import FormDialog, run_dialog


class AccountDialog(FormDialog):
    """A new account, or (`account` given) another role, grids or name for an existing one."""

    def __init__(self, db: sqlite_utils.Database, parent: QWidget | None = None,
                 account: accounts.Account | None = None) -> None:
        super().__init__(self.tr("修改账户") if account else self.tr("新增账户"), parent)
        self.db, self.account = db, account
        self.line("display_name", self.tr("姓名"), account.display_name if account else "",
                  hint=self.tr("例如：李建国"))
        username = self.line("username", self.tr("用户名"), account.username if account else "",
                             hint=self.tr("登录用，例如 lijianguo"))
        username.setReadOnly(account is not None)
        self.district = district = accounts.at_district(db)
        self.combo("role", self.tr("角色"), accounts.roles_here(db),
                   account.role if account else ("district" if district else "grid_worker"))
        self.grid_boxes: list[tuple[QCheckBox, str]] = []
        if district:   # no grid workers at a district; a 街道 account names its street
            self.combo("street", self.tr("所属街道（街道账户）"), accounts.streets(db))
            self.field("street").setEnabled(account is None)
        else:
            grids = QWidget()
            box = QVBoxLayout(grids)
            box.setContentsMargins(0, 0, 0, 0)
            for grid in db_registry.org_units(db, "grid"):
                check = QCheckBox(grid["name"])
                check.setChecked(account is not None and grid["id"] in account.grid_ids)
                box.addWidget(check)
                self.grid_boxes.append((check, grid["id"]))
            self.add_field("grid_ids", self.tr("负责网格（网格员）"), grids)
        self.password = self.line("password", self.tr("初始密码"), hint=self.tr("至少 6 位"))
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setEnabled(account is None)

    def save(self) -> str | None:
        grids = [gid for check, gid in self.grid_boxes if check.isChecked()]
        if self.account is not None:
            if self.value("role") == "grid_worker" and not grids:
                raise FormError({"grid_ids": "网格员至少要负责一个网格，请勾选。"})
            accounts.update_account(self.db, self.account.username, role=self.value("role"),
                                    grid_ids=grids, display_name=self.value("display_name"))
            return self.account.username
        street = (self.value("street") or "") if self.district else ""
        accounts.create_account(self.db, self.value("username"), self.value("display_name"),
                                self.value("role"), self.password.text(), grids,
                                street=street)
        return self.value("username")


class PasswordDialog(FormDialog):
    def __init__(self, db: sqlite_utils.Database, username: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(self.tr("重设“{0}”的密码").format(username), parent)
        self.db, self.username = db, username
        self.password = self.line("password", self.tr("新密码"), hint=self.tr("至少 6 位"))
        self.again = self.line("password_again", self.tr("再输入一次"))
        for edit in (self.password, self.again):
            edit.setEchoMode(QLineEdit.EchoMode.Password)

    def save(self) -> str | None:
        accounts.set_password(self.db, self.username, self.password.text(), self.again.text())
        return self.username


class AccountsPage(QWidget):
    def __init__(self, db: sqlite_utils.Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.table = QTableWidget(0, 5)
        self.table.setObjectName("accountsTable")
        self.table.setHorizontalHeaderLabels(
            [self.tr(h) for h in ("用户名", "姓名", "角色", "状态", "上次登录")])
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        for i, width in enumerate((120, 160, 80, 80)):
            self.table.setColumnWidth(i, width)
        add = QPushButton(self.tr("新增账户(&N)…"))
        add.clicked.connect(lambda: run_dialog(AccountDialog(db, self), lambda _u: self.reload()))
        edit = QPushButton(self.tr("修改角色和网格(&E)…"))
        edit.clicked.connect(self.edit_account)
        reset = QPushButton(self.tr("重设密码(&P)…"))
        reset.clicked.connect(self.reset_password)
        toggle = QPushButton(self.tr("停用/启用(&T)"))
        toggle.clicked.connect(self.toggle_disabled)
        buttons = QHBoxLayout()
        for b in (add, edit, reset, toggle):
            buttons.addWidget(b)
        buttons.addStretch(1)

        self.idle = QSpinBox()
        self.idle.setRange(1, 240)
        self.idle.setSuffix(self.tr(" 分钟"))
        self.failures = QSpinBox()
        self.failures.setRange(3, 20)
        self.failures.setSuffix(self.tr(" 次"))
        self.lock_minutes = QSpinBox()
        self.lock_minutes.setRange(1, 1440)
        self.lock_minutes.setSuffix(self.tr(" 分钟"))
        save = QPushButton(self.tr("保存设置(&S)"))
        save.clicked.connect(self.save_settings)
        settings = QWidget()
        settings.setMaximumWidth(460)
        form = QFormLayout(settings)
        form.addRow(self.tr("无操作多久后锁定窗口"), self.idle)
        form.addRow(self.tr("密码连续输错几次锁定账户"), self.failures)
        form.addRow(self.tr("账户锁定多久"), self.lock_minutes)
        form.addRow("", save)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("每人一个账户，按角色决定能看什么、能改什么。"
                                        "账户只保存在这台电脑上，不会同步。")))
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(settings)
        self.reload()

    def reload(self) -> None:
        rows = accounts.accounts(self.db)
        self.table.setRowCount(len(rows))
        for i, a in enumerate(rows):
            state = self.tr("已停用") if a.disabled else self.tr("已锁定") if a.locked else \
                self.tr("正常")
            for j, text in enumerate((a.username, a.display_name, a.role_label, state,
                                      local_time(a.last_sign_in) if a.last_sign_in else "")):
                self.table.setItem(i, j, QTableWidgetItem(text))
        self.idle.setValue(accounts.setting(self.db, "idle_lock_minutes"))
        self.failures.setValue(accounts.setting(self.db, "signin_max_failures"))
        self.lock_minutes.setValue(accounts.setting(self.db, "signin_lock_minutes"))

    def _selected(self) -> accounts.Account | None:
        row = self.table.currentRow()
        rows = accounts.accounts(self.db)
        return rows[row] if 0 <= row < len(rows) else None

    def edit_account(self) -> None:
        account = self._selected()
        if account:
            run_dialog(AccountDialog(self.db, self, account), lambda _u: self.reload())

    def reset_password(self) -> None:
        account = self._selected()
        if account:
            run_dialog(PasswordDialog(self.db, account.username, self), lambda _u: self.reload())

    def toggle_disabled(self) -> None:
        account = self._selected()
        if not account:
            return
        try:
            accounts.update_account(self.db, account.username, disabled=not account.disabled)
        except FormError as exc:
            QMessageBox.warning(self, self.tr("无法完成"), exc.message)
        self.reload()

    def save_settings(self) -> None:
        try:
            accounts.set_setting(self.db, "idle_lock_minutes", self.idle.value())
            accounts.set_setting(self.db, "signin_max_failures", self.failures.value())
            accounts.set_setting(self.db, "signin_lock_minutes", self.lock_minutes.value())
        except FormError as exc:
            QMessageBox.warning(self, self.tr("无法保存"), exc.message)
            return
        window = self.window()
        lock = getattr(window, "idle_lock", None)
        if lock is not None:
            lock.apply_setting()
