"""Dialogs of the 楼栋住户 page: buildings, households (add, edit, move) and residents."""

from __future__ import annotations

from typing import Any

import sqlite_utils
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QWidget,
)

from app import accounts, duplicates, registry
from app.accounts import masking
from app.errors import FormError
from app.validation import ID_KIND_LABELS, IdKind, ValidationError, validate_id_number
from ui.widgets.form import FormDialog


class UnitPicker:
    """Two linked combos, building then unit, filled from the registry tree."""

    def __init__(self, dialog: FormDialog, db: sqlite_utils.Database,
                 unit_id: str | None) -> None:
        nodes = registry.tree_nodes(db)
        compounds = {c["id"]: c["name"] for c in nodes["compounds"]}
        self.units: dict[str, list[dict[str, Any]]] = {}
        for u in nodes["units"]:
            self.units.setdefault(u["building_id"], []).append(u)
        self.building = QComboBox()
        for b in nodes["buildings"]:
            self.building.addItem(f"{compounds.get(b['compound_id'], '')} {b['name']}", b["id"])
        self.unit = QComboBox()
        dialog.add_field("building_id", dialog.tr("楼栋"), self.building)
        dialog.add_field("unit_id", dialog.tr("单元"), self.unit)
        self.building.currentIndexChanged.connect(self._fill_units)
        current_building = next((u["building_id"] for u in nodes["units"] if u["id"] == unit_id),
                                None)
        if current_building:
            self.building.setCurrentIndex(self.building.findData(current_building))
        self._fill_units()
        if unit_id:
            self.unit.setCurrentIndex(max(0, self.unit.findData(unit_id)))

    def _fill_units(self) -> None:
        self.unit.clear()
        for u in self.units.get(self.building.currentData(), []):
            self.unit.addItem(u["name"], u["id"])


class TagChecks(QWidget):
    def __init__(self, tags: tuple[str, ...], chosen: str | None) -> None:
        super().__init__()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        picked = set((chosen or "").split())
        self.boxes = []
        for tag in tags:
            box = QCheckBox(tag)
            box.setChecked(tag in picked)
            layout.addWidget(box)
            self.boxes.append(box)
        layout.addStretch()

    def value(self) -> str:
        return " ".join(b.text() for b in self.boxes if b.isChecked())


class BuildingDialog(FormDialog):
    def __init__(self, db: sqlite_utils.Database, compound_id: str | None = None,
                 building: dict[str, Any] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("编辑楼栋") if building else self.tr("新增楼栋"), parent)
        self.db, self.building = db, building
        nodes = registry.tree_nodes(db)
        self.compound = self.combo("compound_id", self.tr("楼院"),
                                   {c["id"]: c["name"] for c in nodes["compounds"]},
                                   building["compound_id"] if building else compound_id)
        self.compound.setEnabled(building is None)
        self.line("name", self.tr("楼栋名称"), building["name"] if building else "",
                  self.tr("例如 3号楼（只填数字会自动加“号楼”）"))
        self.spin("floors", self.tr("楼层数"), building["floors"] if building else None, 1, 120,
                  special=self.tr("未填"))
        if building is None:
            self.spin("units", self.tr("单元数"), 2, 1, 30)

    def save(self) -> str | None:
        if self.building:
            registry.edit_building(self.db, self.building["id"], self.value("name"),
                                   self.value("floors"))
            return self.building["id"]
        return registry.add_building(self.db, self.value("compound_id"), self.value("name"),
                                     self.value("floors"), self.value("units"))


class HouseholdDialog(FormDialog):
    def __init__(self, db: sqlite_utils.Database, unit_id: str | None = None,
                 household: dict[str, Any] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("编辑住户") if household else self.tr("新增住户"), parent)
        self.db, self.household = db, household
        h = household or {}
        self.picker = UnitPicker(self, db, h.get("unit_id", unit_id))
        self.line("door_number", self.tr("门牌号"), h.get("door_number"), self.tr("例如 501"))
        self.spin("floor", self.tr("楼层"), h.get("floor"), -5, 120,
                  special=self.tr("按门牌号推算"))
        self.line("phone", self.tr("联系电话"), h.get("phone"),
                  self.tr("手机号，或带区号的座机如 0371-65432100"))
        self.combo("dwelling", self.tr("居住情况"), registry.DWELLING_LABELS,
                   h.get("dwelling", "owner"))
        self.tags = TagChecks(registry.HOUSEHOLD_TAGS, h.get("tags"))
        self.add_field("tags", self.tr("标签"), self.tags)
        self.note("note", self.tr("备注"), h.get("note"))

    def data(self) -> dict[str, Any]:
        return {"unit_id": self.picker.unit.currentData(), "door_number": self.value("door_number"),
                "floor": self.value("floor"), "phone": self.value("phone"),
                "dwelling": self.value("dwelling"), "tags": self.tags.value(),
                "note": self.value("note")}

    def save(self) -> str | None:
        if self.household:
            registry.edit_household(self.db, self.household["id"], self.data())
            return self.household["id"]
        return registry.add_household(self.db, self.data())


class MoveHouseholdDialog(FormDialog):
    """Move a household with its residents to another door (a family moving within the
    community, or a door number entered under the wrong building)."""

    def __init__(self, db: sqlite_utils.Database, household: dict[str, Any],
                 parent: QWidget | None = None) -> None:
        super().__init__(self.tr("迁移住户"), parent)
        self.db, self.household = db, household
        self.buttons.button(self.buttons.StandardButton.Ok).setText(self.tr("迁移"))
        self.picker = UnitPicker(self, db, household["unit_id"])
        self.line("door_number", self.tr("新门牌号"), household["door_number"])

    def save(self) -> str | None:
        registry.move_household(self.db, self.household["id"], self.picker.unit.currentData(),
                                self.value("door_number"))
        return self.household["id"]


class ResidentDialog(FormDialog):
    def __init__(self, db: sqlite_utils.Database, household_id: str | None,
                 resident: dict[str, Any] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("编辑居民") if resident else self.tr("新增居民"), parent)
        self.db, self.resident, self.household_id = db, resident, household_id
        r = resident or {}
        self.line("name", self.tr("姓名"), r.get("name"))
        self.combo("id_kind", self.tr("证件类型"), {k.value: v for k, v in ID_KIND_LABELS.items()},
                   r.get("id_kind", IdKind.RESIDENT.value))
        self.id_edit = self.line("id_number", self.tr("证件号码"), r.get("id_number"),
                                 self.tr("18位身份证号；15位老号码会自动升位"))
        self.derived = self.combo("sex", self.tr("性别"),
                                  {"": self.tr("按身份证号"), "M": "男", "F": "女"}, r.get("sex"))
        self.line("birth_date", self.tr("出生日期"), r.get("birth_date"),
                  self.tr("按身份证号自动填写，或如 1980-05-01"))
        self.line("phone", self.tr("联系电话"), r.get("phone"))
        relation = self.combo("relation", self.tr("与户主关系"),
                              {x: x for x in registry.RELATIONS}, r.get("relation"),
                              editable=True)
        if not resident:
            relation.setCurrentIndex(-1 if household_id else 0)
        self.combo("residency", self.tr("居住类型"), registry.RESIDENCY_LABELS,
                   r.get("residency", "registered"))
        self.line("ethnicity", self.tr("民族"), r.get("ethnicity") or ("" if r else "汉族"))
        self.tags = TagChecks(registry.RESIDENT_TAGS, r.get("tags"))
        self.add_field("tags", self.tr("标签"), self.tags)
        self.note("note", self.tr("备注"), r.get("note"))
        self.id_edit.editingFinished.connect(self._check_id_now)
        self.masked: dict[str, str] = {}
        if resident:
            self._mask_personal(resident)
            self._district_notices(resident["id"])

    def _district_notices(self, resident_id: str) -> None:
        """The district's open notices about this person (registered in another community
        too), above the fields, so whoever edits the resident checks where they live."""
        for notice in duplicates.resident_notices(self.db, resident_id):
            label = QLabel(notice.text + self.tr("。请核实此人现住址，已搬走的请删除或迁出。"))
            label.setObjectName("duplicate_notice")
            label.setWordWrap(True)
            label.setStyleSheet("color: #8a4b00; background: #fff4e0; padding: 6px;")
            self.form.insertRow(0, label)

    def _mask_personal(self, resident: dict[str, Any]) -> None:
        """An ID number or phone the role may not see shows masked and read-only, with 显示
        beside it (recorded in the audit log); saving leaves a masked value as it was."""
        session = accounts.current(self.db)
        for name in ("id_number", "phone"):
            value = resident.get(name)
            if not value or masking.whole(session, name, masking.LIST):
                continue
            edit = self.field(name)
            edit.setText(masking.show(session, name, value, masking.LIST))
            edit.setReadOnly(True)
            self.masked[name] = value
            show = QPushButton(self.tr("显示"))
            show.setObjectName(f"reveal_{name}")
            show.setToolTip(self.tr("显示完整号码以便修改（会记入审计日志）"))
            show.clicked.connect(lambda _c=False, n=name, b=show: self.reveal(n, b))
            edit.parentWidget().layout().addWidget(show)

    def reveal(self, name: str, button: QPushButton | None = None) -> None:
        try:
            value = accounts.reveal(self.db, "residents", self.resident["id"], name)
        except FormError as exc:
            self.show_errors({name: exc.message})
            return
        edit = self.field(name)
        edit.setText(value)
        edit.setReadOnly(False)
        self.masked.pop(name, None)
        if button is not None:
            button.hide()

    def _check_id_now(self) -> None:
        """Say what is wrong with the ID number as soon as the field is left."""
        text = self.id_edit.text().strip()
        if not text or "id_number" in self.masked:
            return
        try:
            info = validate_id_number(text, IdKind(self.value("id_kind")))
        except ValidationError as exc:
            self.show_errors({"id_number": exc.message})
            return
        self.show_errors({})
        if info.number != text:
            self.id_edit.setText(info.number)
        if info.birth_date:
            self.field("birth_date").setText(info.birth_date.isoformat())
        if info.sex:
            self.derived.setCurrentIndex(self.derived.findData(info.sex))

    def data(self) -> dict[str, Any]:
        data = {name: self.value(name) for name in
                ("name", "id_kind", "id_number", "sex", "birth_date", "phone", "relation",
                 "residency", "ethnicity", "note")}
        data["tags"] = self.tags.value()
        data["household_id"] = self.household_id
        data.update(self.masked)          # still masked: saved as it was
        return data

    def save(self) -> str | None:
        if self.resident:
            registry.edit_resident(self.db, self.resident["id"], self.data())
            return self.resident["id"]
        return registry.add_resident(self.db, self.data())


class GridDialog(FormDialog):
    def __init__(self, db: sqlite_utils.Database, grid: dict[str, Any] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(self.tr("网格名称") if grid else self.tr("新增网格"), parent)
        self.db, self.grid = db, grid
        self.line("name", self.tr("网格名称"), grid["name"] if grid else "",
                  self.tr("例如 第五网格"))

    def save(self) -> str | None:
        if self.grid:
            registry.rename_grid(self.db, self.grid["id"], self.value("name"))
            return self.grid["id"]
        return registry.add_grid(self.db, self.value("name"))


class CompoundDialog(FormDialog):
    def __init__(self, db: sqlite_utils.Database, grid_id: str | None = None,
                 compound: dict[str, Any] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("编辑楼院") if compound else self.tr("新增楼院"), parent)
        self.db, self.compound = db, compound
        c = compound or {}
        grids = {g["id"]: g["name"] for g in registry.tree_nodes(db)["grids"]}
        self.combo("grid_id", self.tr("所属网格"), grids, c.get("grid_id", grid_id))
        self.line("name", self.tr("楼院名称"), c.get("name"), self.tr("例如 锦绣花园、建设路3号院"))
        self.combo("management_kind", self.tr("管理类型"), registry.MANAGEMENT_LABELS,
                   c.get("management_kind", "property"))
        self.line("address", self.tr("地址"), c.get("address"), self.tr("例如 中原区建设路3号"))

    def save(self) -> str | None:
        if self.compound:
            registry.edit_compound(self.db, self.compound["id"], self.value("name"),
                                   self.value("management_kind"), self.value("address"),
                                   self.value("grid_id"))
            return self.compound["id"]
        if not self.value("grid_id"):
            from app.errors import FormError

            raise FormError({"grid_id": self.tr("请先新增网格，再在网格下新增楼院。")})
        return registry.add_compound(self.db, self.value("grid_id"), self.value("name"),
                                     self.value("management_kind"), self.value("address"))
