"""First start: name this office's community (or open a database that already exists)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QLabel, QPushButton, QWidget

from app.database import create_community, open_community_db, validate_community
from app.errors import FormError
from ui.widgets.form import FormDialog


class CommunityDialog(FormDialog):
    """Creates the database at `path` only when the particulars are right."""

    def __init__(self, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("欢迎使用社区网格通"), parent)
        self.path = path
        self.opened_path: Path | None = None
        intro = QLabel(self.tr("第一次使用，请先填写本社区的基本信息。以后可在“设置”中查看。"))
        intro.setWordWrap(True)
        self.form.addRow(intro)
        self.line("name", self.tr("社区名称"), "", self.tr("例如 长江路社区"))
        self.line("code", self.tr("社区代码"), "", self.tr("12位统计用区划代码，如 410102007003"))
        self.line("street", self.tr("所属街道"), "", self.tr("例如 林山寨街道"))
        self.line("district", self.tr("所属区县"), "", self.tr("例如 中原区"))
        where = QLabel(self.tr("数据将保存在：{0}").format(path))
        where.setWordWrap(True)
        where.setStyleSheet("color: #5f6b7a;")
        self.form.addRow(where)
        self.buttons.button(self.buttons.StandardButton.Ok).setText(self.tr("开始使用"))
        open_existing = QPushButton(self.tr("打开已有数据库…"))
        self.buttons.addButton(open_existing, self.buttons.ButtonRole.ActionRole)
        open_existing.clicked.connect(self._open_existing)

    def save(self) -> str | None:
        values = {k: self.value(k) for k in ("name", "code", "street", "district")}
        errors = validate_community(**values)
        if errors:
            raise FormError(errors)
        db = open_community_db(self.path, create=True)
        try:
            return create_community(db, **values).id
        finally:
            db.conn.close()

    def _open_existing(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, self.tr("打开数据库"), str(Path.home()),
                                              self.tr("社区网格通数据库 (*.sqlite *.db)"))
        if name:
            self.opened_path = Path(name)
            self.accept()
