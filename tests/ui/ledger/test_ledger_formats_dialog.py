"""The import dialog on the files offices receive: one "表格文件" filter offers every kind, and
a web page's tables are offered as 表格1, 表格2 with the ledger's one chosen."""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QWidget

from tests.app.ledger.test_ledger_formats import TITLE, write_html
from ui.ledger import import_dialog
from ui.ledger.import_dialog import LedgerImportDialog

WAIT = 15_000


def test_file_dialog_offers_every_ledger_kind_under_one_filter(qtbot, monkeypatch, tmp_path):
    asked = {}

    def fake(parent, title, folder, filters):
        asked["filters"] = filters
        return str(tmp_path / "名单.xls"), filters

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(fake))
    parent = QWidget()
    qtbot.addWidget(parent)
    assert import_dialog.choose_ledger_file(parent) == tmp_path / "名单.xls"
    first = asked["filters"].split(";;")[0]
    assert first.startswith("表格文件 (")
    for suffix in ("xlsx", "xls", "et", "ods", "xml", "htm", "html", "csv"):
        assert f"*.{suffix} " in first or f"*.{suffix})" in first, suffix


def test_web_export_opens_on_the_table_with_the_header(qtbot, community, tmp_path):
    path = tmp_path / "网页导出.xls"
    write_html(path)
    dialog = LedgerImportDialog(community, tmp_path / "community.sqlite", path)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.stack.currentWidget() is dialog.mapping_page, timeout=WAIT)
    info = dialog.layout_info.text()
    assert f"标题“{TITLE}”" in info and "表格“表格2”" in info and "GB18030" in info
    assert dialog.sheet_label.isVisible() and dialog.sheet_label.text() == "表格："
    assert [dialog.sheet_box.itemText(i) for i in range(dialog.sheet_box.count())] == \
        ["表格1", "表格2"]
    assert dialog.sheet_box.currentText() == "表格2" and "都像台账" not in info
    labels = [dialog.columns_table.item(r, 1).text()
              for r in range(dialog.columns_table.rowCount())]
    assert "公民身份号码" in labels and "联系电话" in labels
