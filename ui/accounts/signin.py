"""Signing in: the sign-in dialog, and the first start that makes the administrator."""

from __future__ import annotations

import sqlite_utils
from PySide6.QtWidgets import QDialogButtonBox, QLabel, QLineEdit, QWidget

from app import accounts
from app.errors import FormError
from ui.widgets.form import FormDialog

HINT_STYLE = "color: #5f6b7a;"


def _hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet(HINT_STYLE)
    return label


class SignInDialog(FormDialog):
    """Username and password; a refusal is shown under the password and nothing else
    changes. `session` holds the signed-in session after acceptance."""

    def __init__(self, db: sqlite_utils.Database, community: str = "", username: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(self.tr("登录 — 社区网格通"), parent)
        self.setMinimumWidth(420)
        self.db = db
        self.session: accounts.Session | None = None
        title = QLabel(self.tr("社区网格通") + (f"　{community}" if community else ""))
        title.setStyleSheet("font-size: 16pt; font-weight: bold; color: #1f3a5f;")
        self.layout().insertWidget(0, title)
        self.layout().insertWidget(1, _hint(self.tr(
            "请输入您的用户名和密码。忘记密码请找社区管理员重设。")))
        self.line("username", self.tr("用户名"), username)
        self.password = self.line("password", self.tr("密码"))
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("登录"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("退出"))
        (self.password if username else self.field("username")).setFocus()

    def save(self) -> str | None:
        username = self.value("username")
        if not username:
            raise FormError({"username": "请输入用户名。"})
        try:
            self.session = accounts.sign_in(self.db, username, self.password.text())
        except accounts.SignInError as exc:
            self.password.clear()
            raise FormError({"password": exc.message}) from exc
        return username


class FirstAdminDialog(FormDialog):
    """First start: whoever sets up the office (usually the community secretary; at a district,
    the district's administrator) becomes the administrator, who later adds the others'
    accounts (grid workers, the doctor and the police; at a district, 区级 and 街道)."""

    def __init__(self, db: sqlite_utils.Database, community: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(self.tr("第一次使用：设置管理员"), parent)
        self.db = db
        self.session: accounts.Session | None = None
        if accounts.at_district(db):
            welcome = self.tr(
                "欢迎使用社区网格通{0}。这台电脑汇总了各社区同步来的居民信息，需要密码保护。"
                "请先设置区县管理员账户（一般由区里负责网格化管理的同志使用）。区县管理员"
                "负责同步和账户，并为区级、街道的同志添加各自的账户。各社区的数据在区里只能"
                "查看，更正由社区在本社区电脑上修改。\n"
                "请把密码记在安全的地方：忘记后只能由另一位管理员重设。")
        else:
            welcome = self.tr(
                "欢迎使用社区网格通{0}。这台电脑上的居民信息需要密码保护。"
                "请先设置管理员账户（一般由社区书记或主任使用）。管理员可以使用全部功能，"
                "并为网格员、片医、片警添加各自的账户。\n"
                "请把密码记在安全的地方：忘记后只能由另一位管理员重设。")
        self.layout().insertWidget(0, _hint(welcome.format(
            f"（{community}）" if community else "")))
        self.line("display_name", self.tr("您的姓名"), hint=self.tr(
            "例如：张卫东" if accounts.at_district(db) else "例如：王秀英"))
        self.line("username", self.tr("用户名"), "admin",
                  hint=self.tr("登录时输入，字母或数字，例如 admin"))
        self.password = self.line("password", self.tr("密码"),
                                  hint=self.tr("至少 6 位"))
        self.again = self.line("password_again", self.tr("再输入一次密码"))
        for edit in (self.password, self.again):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(
            self.tr("设置并登录"))
        self.field("display_name").setFocus()

    def save(self) -> str | None:
        self.session = accounts.create_first_admin(
            self.db, self.value("username"), self.value("display_name"),
            self.password.text(), self.again.text())
        return self.session.username
