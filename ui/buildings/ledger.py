"""Exporting a tree node's ledger (三级台账) from the window: the file name asked first, the
workbook written on a worker thread with the shared progress dialog."""

from __future__ import annotations

from pathlib import Path

import sqlite_utils
from PySide6.QtWidgets import QMessageBox, QWidget

from app.buildings.ledger import LEVELS
from app.buildings.ledger import export_node_ledger as write_node_ledger
from app.database import database_file
from ui.access import allowed
from ui.ledger.actions import ExportRunner, ask_save_path, suggested_path


def export_node_ledger(parent: QWidget, db: sqlite_utils.Database, kind: str, node_id: str,
                       name: str, path: Path | None = None) -> ExportRunner | None:
    """Ask where, then write the grid's, compound's or building's ledger in the background."""
    if kind not in LEVELS:
        QMessageBox.information(parent, parent.tr("导出本级台账"),
                                parent.tr("请在左侧选择一个网格、小区或楼栋。"))
        return None
    if not allowed(db, "ledger.export", parent):
        return None
    clean = name.split("（")[0].strip()
    path = path or ask_save_path(parent, parent.tr("导出本级台账"),
                                 suggested_path(db, f"{clean}台账"))
    if path is None:
        return None

    def run(worker_db, _progress, _cancelled) -> int:
        return write_node_ledger(worker_db, kind, node_id, path)

    runner = ExportRunner(parent, Path(database_file(db)), run,
                          parent.tr("正在导出{0}的台账…").format(clean), path, "人")
    # The window stops it if it is closed meanwhile, as it does its other exports.
    window = parent.window()
    if isinstance(getattr(window, "exports", None), list):
        window.exports.append(runner)
        runner.finished.connect(lambda _r: window.exports.remove(runner))
    return runner
