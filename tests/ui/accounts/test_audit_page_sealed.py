"""The 审计 page finds an entry that 整理同步记录 sealed into a compressed block (issue 23)
by who, what and record, just as before, and its check still says the log is whole."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app import accounts, registry
from db import audit
from ui.accounts.audit_page import AuditPage


def test_the_audit_page_finds_a_sealed_entry(qtbot, community):
    accounts.create_first_admin(community, "admin", "王秀英", "secret12", "secret12")
    try:
        registry.edit_resident(community, community.ids["张三"], {"phone": "13600001111"})
        edit = audit.entries(community, actor="admin", actions=["update"], limit=1)[0]
        for k in range(60):
            audit.append(community, "export", detail={"n": k})
        while audit.seal_step(community, 16, 8):
            pass
        assert community.conn.execute("SELECT count(*) FROM audit_log WHERE seq = ?",
                                      (edit.seq,)).fetchone()[0] == 0   # sealed
        page = AuditPage(community)
        qtbot.addWidget(page)
        page.resize(1280, 700)
        page.show()
        page.actor.setCurrentIndex(page.actor.findData("admin"))
        page.action.setCurrentIndex(page.action.findData("update"))
        qtbot.keyClicks(page.record, "13600001111")     # text in its details
        qtbot.keyClick(page.record, Qt.Key.Key_Return)
        model = page.model
        shown = [[str(model.index(r, c).data()) for c in range(model.columnCount())]
                 for r in range(model.rowCount())]
        assert len(shown) == 1 and "王秀英" in shown[0] and "居民 张三" in shown[0]
        assert "电话：13912345678 → 13600001111" in shown[0]
        assert page.summary.text().startswith("共 1 条")
        assert page.verify().ok and "完好" in page.check_result.text()
    finally:
        accounts.forget_all()
