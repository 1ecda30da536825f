"""The 重复登记 page: at the district, every ID number registered as living in more than one
community, with both communities, doors and when each registration last changed (and 重新核查
to bring the communities' notices up to date); at a community, the district's notices about
its residents (区里提示：此人也登记在××社区)."""

from __future__ import annotations

import sqlite_utils
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app import duplicates
from app.errors import FormError
from ui.events import AppEvents
from ui.widgets.lazy_table import Column
from ui.widgets.tables import RowsTableModel, make_table

DISTRICT_COLUMNS = [
    Column("证件号码", lambda r: r["id_number"], width=170),
    Column("姓名", lambda r: r["name"], width=80),
    Column("登记社区", lambda r: r["community"], width=120),
    Column("登记住址", lambda r: r["address"], width=260),
    Column("该处最后修改", lambda r: r["changed_at"] or "不详", width=130),
]
OPEN_TONE = ("#8a4b00", "#fff4e0")
COMMUNITY_COLUMNS = [
    Column("居民", lambda n: n.resident_name or "（已删除）", width=90),
    Column("也登记在", lambda n: n.other_community, width=120),
    Column("对方登记住址", lambda n: n.other_address, width=240),
    Column("对方最后修改", lambda n: n.other_changed_at or "不详", width=130),
    Column("区里发现于", lambda n: n.noted_at, width=130),
    Column("状态", lambda n: "待核实" if n.open else f"已解决（{n.resolved_at}）", width=170,
           tone=lambda n: OPEN_TONE if n.open else None),
]


class DuplicatesPage(QWidget):
    def __init__(self, db: sqlite_utils.Database, events: AppEvents,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.events = db, events
        self.at_district = duplicates.is_district(db)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.title = QLabel()
        self.title.setStyleSheet("font-size: 14pt; font-weight: bold;")
        top.addWidget(self.title)
        top.addStretch(1)
        self.recheck = QPushButton(self.tr("重新核查(&R)"))
        self.recheck.setToolTip(self.tr("按区里现有的居民重新查找重复登记，并更新发给各社区的"
                                         "提示（导入同步包后会自动核查）"))
        self.recheck.clicked.connect(self.run_recheck)
        self.recheck.setVisible(self.at_district)
        top.addWidget(self.recheck)
        layout.addLayout(top)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #5f6b7a;")
        layout.addWidget(self.hint)
        self.model = RowsTableModel(DISTRICT_COLUMNS if self.at_district
                                    else COMMUNITY_COLUMNS, self)
        self.table = make_table(self.model)
        layout.addWidget(self.table, 1)
        events.registry_changed.connect(self.reload)
        self.reload()

    def reload(self) -> None:
        try:
            if self.at_district:
                self._load_district()
            else:
                self._load_community()
        except FormError as exc:   # a role that may not see residents
            self.model.set_rows([])
            self.hint.setText(exc.message)

    def _load_district(self) -> None:
        found = duplicates.duplicates(self.db)
        self.model.set_rows([{"id": r.resident_id, "id_number": d.id_number, "name": r.name,
                              "community": r.community, "address": r.address,
                              "changed_at": r.changed_at}
                             for d in found for r in d.registrations])
        self.title.setText(self.tr("重复登记：{0} 个证件号码登记在多个社区").format(len(found)))
        self.hint.setText(self.tr(
            "同一证件号码登记在两个及以上社区的居民（多为流动人口搬走后原社区未删除）。"
            "每个相关社区下次同步时会收到提示，核实后由社区删除或迁出该居民；"
            "同步回区里后，这里的记录自动消失。") if found else self.tr(
            "没有发现同一证件号码登记在多个社区的居民。"))

    def _load_community(self) -> None:
        notices = duplicates.notices(self.db)
        pending = sum(n.open for n in notices)
        self.model.set_rows(notices)
        self.title.setText(self.tr("区里提示：{0} 位居民也登记在其他社区").format(pending))
        self.hint.setText(self.tr(
            "区里发现这些居民的证件号码也登记在其他社区。请核实此人现在住在哪里："
            "已搬走的，在“楼栋住户”中删除或迁出；确实住在本社区的，请联系对方社区删除。"
            "同步后区里会重新核查，提示自动变为已解决。") if notices else self.tr(
            "区里没有发来重复登记的提示。"))

    def run_recheck(self) -> None:
        try:
            result = duplicates.recheck(self.db)
        except FormError as exc:
            self.hint.setText(exc.message)
            return
        self.reload()
        self.hint.setText(self.tr("已重新核查：新发现 {0} 条，已解决 {1} 条，更新 {2} 条。"
                                  "下次同步时发给相关社区。").format(
            result.opened, result.resolved, result.updated))
