"""The 同步 page says what compaction could free (or why nothing can be freed yet) and runs it
in the background at a click."""

from app.database import open_community_db
from app.sync import engine
from tests.app.sync.test_sync import new_community, send
from ui.events import AppEvents
from ui.sync.page import SyncPage


def test_the_page_says_what_compaction_frees_and_runs_it(qtbot, tmp_path):
    district = open_community_db(tmp_path / "district.sqlite", create=True)
    engine.create_district(district, "中原区", "410102")
    community = new_community(tmp_path, "长江路社区", "410102007003")
    page = SyncPage(community, tmp_path / "410102007003.sqlite", AppEvents())
    qtbot.addWidget(page)
    assert "从未被区县确认，全部保留" in page.state.text()     # never synced: the log stays
    engine.enroll_by_files(community, district, tmp_path / "enroll")
    send(community, district, tmp_path / "up")
    send(district, community, tmp_path / "down")        # the district's ack
    page.refresh()
    assert "约可节省" in page.state.text()
    logged = community.conn.execute("SELECT count(*) FROM change_log").fetchone()[0]
    task = page.compact()
    qtbot.waitUntil(lambda: not task.running, timeout=30_000)
    assert page.results.item(0).text().startswith("已整理同步记录：删除")
    assert community.conn.execute("SELECT count(*) FROM change_log").fetchone()[0] < logged
    assert "约可节省" not in page.state.text()
