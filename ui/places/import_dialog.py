"""The 导入场所台账 dialog: the resident ledger's import wizard (ui/ledger/import_dialog) with
the places' fields, checks and import (app/places/ledger) — read the file, correct the column
mapping, see the dry run (new places, changed places and every problem row), then import the
good rows or nothing; every step in the background with progress and cancel."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QComboBox, QFileDialog, QLabel, QMessageBox, QTableWidgetItem

from app import places
from app.errors import FormError
from app.ledger.importer import IGNORE, ResidentChange, RowProblem
from app.ledger.xlsx import ExportError
from app.places import ledger as pl
from ui.ledger.import_dialog import LedgerImportDialog


class PlacesImportDialog(LedgerImportDialog):
    """Same pages and buttons as the resident import; `plan` is an app.places.ledger.Plan;
    `imported` (if set) is called once the rows are written, so the list shows them at once."""

    imported = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setWindowTitle(self.tr("导入场所台账"))
        # A place names its compound in its own column; no default compound to choose.
        self.compound_box.hide()
        for label in self.mapping_page.findChildren(QLabel):
            if label.text().startswith("表格中没有“小区”列"):
                label.hide()

    def read_file(self, sheet: str | None = None) -> None:
        path = self.path

        def read(_db: Any, progress, cancelled) -> pl.Ledger:
            return pl.read(path, sheet=sheet, progress=progress, cancelled=cancelled)

        self._run("read", self.tr("正在读取文件…"), read, self._read_done, needs_db=False)

    def _read_done(self, ledger: pl.Ledger) -> None:
        super()._read_done(ledger)
        self.mapping = pl.guess_mapping(ledger)
        self._fill_columns()

    def _fill_columns(self) -> None:
        ledger = self.ledger
        if ledger is None:
            return
        table = self.columns_table
        table.setRowCount(len(ledger.columns))
        for row, col in enumerate(ledger.columns):
            table.setItem(row, 0, QTableWidgetItem(col.letter))
            table.setItem(row, 1, QTableWidgetItem(col.label))
            table.setItem(row, 2, QTableWidgetItem("　".join(col.samples)))
            box = QComboBox()
            box.addItem(self.tr("（不导入）"), IGNORE)
            for f in pl.FIELDS:
                box.addItem(f.label, f.code)
            box.setCurrentIndex(max(0, box.findData(self.mapping.get(col.index, IGNORE))))
            box.setMaxVisibleItems(len(pl.FIELDS) + 1)
            table.setCellWidget(row, 3, box)

    def check(self) -> None:
        assert self.ledger is not None
        mapping = self.current_mapping()
        try:
            pl.check_mapping(mapping)
        except FormError as exc:
            self._show_mapping_error(exc.message)
            return
        self.mapping_error.hide()
        self.mapping = mapping
        ledger = self.ledger

        def dry_run(db, _progress, _cancelled) -> tuple[pl.Plan, list[ResidentChange]]:
            plan = pl.plan_import(db, ledger, mapping)
            return plan, _changes(db, plan)

        self._run("check", self.tr("正在检查每一行（不会写入数据库）…"), dry_run, self._checked)

    def _checked(self, result: tuple[pl.Plan, list[ResidentChange]]) -> None:
        plan, changes = result
        self.plan = plan
        self.summary.setText("\n".join(plan.summary_lines()))
        self.problems.set_items([RowProblem(p.row, p.name, "", p.messages) for p in plan.problems])
        self.changes.set_items(changes)
        for view in (self.problem_view, self.change_view):
            view.resizeRowsToContents()
        self.tabs.setTabText(0, self.tr("有问题的行（{0}）").format(len(plan.problems)))
        self.tabs.setTabText(1, self.tr("将更新的场所（{0}）").format(len(changes)))
        self.tabs.setCurrentIndex(0 if plan.problems or not changes else 1)
        self.b_problems.setEnabled(bool(plan.problems))
        good = len(plan.new) + len(plan.updates) + plan.unchanged
        self.b_import.setText(self.tr("导入没有问题的 {0} 行").format(good))
        self.b_import.setEnabled(bool(plan.new or plan.updates))
        self.stack.setCurrentWidget(self.review_page)

    def apply(self) -> None:
        assert self.ledger is not None
        ledger, mapping = self.ledger, self.mapping
        self.plan = None

        def run(db, _progress, _cancelled) -> pl.Plan:
            return pl.import_places(db, ledger, mapping)

        self._run("apply", self.tr("正在导入（全部完成前不会保存任何内容）…"), run, self._applied)

    def _applied(self, plan: pl.Plan) -> None:
        self.result = plan
        self.plan = plan
        if self.imported is not None:
            self.imported()
        lines = [self.tr("导入完成。"), "", *plan.summary_lines()]
        if plan.problems:
            lines.append(self.tr("有问题的 {0} 行没有导入：可以“导出问题行”，在 Excel 里改好后"
                                 "再导入那个文件。").format(len(plan.problems)))
        self._finish("\n".join(lines))

    def export_problems(self, path: Path | None = None) -> Path | None:
        if self.plan is None or self.ledger is None:
            return None
        if path is None:
            suggested = self.path.with_name(f"{self.path.stem}-问题行.xlsx")
            name, _ = QFileDialog.getSaveFileName(self, self.tr("导出问题行"), str(suggested),
                                                  "Excel 工作簿 (*.xlsx)")
            if not name:
                return None
            path = Path(name)
        try:
            pl.write_problems(path, self.ledger, self.plan)
        except ExportError as exc:
            QMessageBox.warning(self, self.tr("无法导出"), exc.message)
            return None
        return path


def _changes(db, plan: pl.Plan) -> list[ResidentChange]:
    """Each updated place with its fields before → after, in Chinese (the review tab)."""
    labels = {f.code: f.label for f in pl.FIELDS} | {"street_address": "地址",
                                                     "compound_id": "所在小区"}
    compounds = dict(places.compounds(db))
    out = []
    for row, place_id, changed in plan.updates:
        held = places.get(db, place_id)
        pairs = []
        for key, after in changed.items():
            before = held.get(key)
            if key == "compound_id":
                before, after = compounds.get(before, ""), compounds.get(after, "")
            pairs.append((labels.get(key, key), "" if before is None else str(before),
                          str(after)))
        out.append(ResidentChange(row, held["name"], pairs))
    return out
