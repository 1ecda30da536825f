"""Grid events and residents' requests without a window: reporting (bad input refused at its
field), handling and callbacks, photos under the cap, escalation to the district and its
answer coming back through real bundles, both ends acting at once, the events ledger."""

import base64
import io
import shutil
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook
from PIL import Image

from app import incidents
from app.cli import main
from app.database import create_community, open_community_db
from app.errors import FormError
from app.incidents import photos
from app.sync import engine
from tests.app.sync.test_sync import new_community


def send(src, dst, folder):
    shutil.rmtree(folder, ignore_errors=True)
    engine.export_bundles(src, dst._griddesk.node_id, folder)
    return engine.import_folder(dst, folder)


@pytest.fixture(scope="module")
def keys_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("incidents-data")


@pytest.fixture(autouse=True)
def _own_data_dir(keys_dir, monkeypatch):
    """The nodes' private keys live in the data folder: one for the module's world."""
    monkeypatch.setenv("GRIDDESK_DATA_DIR", str(keys_dir))


@pytest.fixture(scope="module")
def world(tmp_path_factory, keys_dir):
    """A district and two enrolled communities (one set for the whole module: each test
    works on events of its own)."""
    tmp = tmp_path_factory.mktemp("incidents")
    patch = pytest.MonkeyPatch()
    patch.setenv("GRIDDESK_DATA_DIR", str(keys_dir))
    district = open_community_db(tmp / "district.sqlite", create=True)
    engine.create_district(district, "中原区", "410102")
    a = new_community(tmp, "长江路社区", "410102007003")
    b = new_community(tmp, "建设路社区", "410102008001", (("王五", "153"),))
    for community in (a, b):
        engine.enroll_by_files(community, district, tmp / "usb" / community.ids["household"])
    yield district, a, b, tmp
    for db in (district, a, b):
        db.conn.close()
    patch.undo()


def png(size=(40, 30), colour=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def test_an_event_without_a_kind_or_a_place_is_refused_at_those_fields(world):
    _, a, _, _ = world
    before = a.conn.execute("SELECT count(*) FROM incidents").fetchone()[0]
    with pytest.raises(FormError) as refused:
        incidents.report(a, kind="", place="  ", description="楼道灯不亮")
    assert set(refused.value.errors) == {"kind", "place"}
    assert "事件类型" in refused.value.errors["kind"] and "地点" in refused.value.errors["place"]
    with pytest.raises(FormError) as refused:
        incidents.report(a, kind="设施损坏", place="3号楼", description="",
                         reporter_phone="12345")
    assert set(refused.value.errors) == {"description", "reporter_phone"}
    assert a.conn.execute("SELECT count(*) FROM incidents").fetchone()[0] == before


def test_report_assign_resolve_and_callback_keep_who_when_what(world):
    _, a, _, _ = world
    event = incidents.report(a, kind="设施损坏", household_id=a.ids["household"],
                             description="楼上漏水渗到楼下", urgency="urgent",
                             reporter_kind="resident", reporter_name="李四",
                             reporter_phone="13912345678")
    row = incidents.detail(a, event).row
    assert row["place"] == "长江路社区小区 1号楼1单元101" and row["status"] == "open"
    reported = datetime.fromisoformat(row["reported_at"])
    assert datetime.fromisoformat(row["due_at"]) - reported == timedelta(hours=24)   # 紧急
    incidents.assign(a, event, assignee="物业老王", assignee_kind="property")
    incidents.add_progress(a, event, "已上门查看，需更换水管")
    with pytest.raises(FormError, match="办结后才能回访"):
        incidents.callback(a, event, "satisfied")
    incidents.resolve(a, event, "已更换水管，不再渗漏")
    incidents.callback(a, event, "basic", "居民说维修慢了点")
    seen = incidents.detail(a, event)
    assert seen.row["status"] == "closed" and seen.row["satisfaction"] == "basic"
    assert [s.action for s in seen.steps] == ["登记", "派单", "进展", "办结", "回访"]
    assert seen.steps[1].text == "派给物业物业老王" and seen.steps[-1].text.startswith("基本满意")


def test_a_request_from_a_phone_call_takes_the_callers_home_and_phone(world):
    _, a, _, _ = world
    caller = a.ids["张三"]
    event = incidents.create_request(a, resident_id=caller, text="家里老人需要助餐",
                                     kind="特殊人群", source="居民来电")
    row = incidents.detail(a, event).row
    assert (row["category"], row["reporter_kind"], row["reporter_name"]) == \
        ("request", "resident", "张三")
    assert row["household_id"] == a.ids["household"] and row["resident_id"] == caller
    ids = incidents.list_ids(a, incidents.Filters(category="request", text="助餐"))
    assert ids == [event]
    with pytest.raises(FormError) as refused:
        incidents.create_request(a, resident_id="no-such-person", text="x")
    assert "找不到这位居民" in refused.value.errors["resident"]


def test_overdue_events_are_counted_and_filtered(world):
    _, a, _, _ = world
    long_ago = (datetime.now() - timedelta(days=5)).isoformat(timespec="seconds")
    late = incidents.report(a, kind="环境卫生", place="社区广场", description="垃圾满溢",
                            reported_at=long_ago)
    in_time = incidents.report(a, kind="环境卫生", place="社区广场", description="落叶清扫")
    overdue = incidents.list_ids(a, incidents.Filters(overdue=True))
    assert late in overdue and in_time not in overdue
    assert incidents.counts(a)["overdue"] >= 1
    [row] = incidents.rows(a, [late])
    assert row["overdue"] and row["status_label"] == "待处理"


def test_photos_too_large_or_not_images_are_refused_naming_the_cap(tmp_path):
    with pytest.raises(FormError) as refused:
        photos.check(b"\xff\xd8" + b"0" * (photos.MAX_BYTES + 1), "大图.jpg")
    assert "2 MB" in refused.value.errors["photo"] and "大图.jpg" in refused.value.errors["photo"]
    with pytest.raises(FormError) as refused:
        photos.check(b"%PDF-1.7 not a photo", "通知.pdf")
    assert "不是能打开的图片" in refused.value.errors["photo"]
    assert "2 MB" in refused.value.errors["photo"]
    big = tmp_path / "big.jpg"
    big.write_bytes(b"\0" * (photos.MAX_BYTES + 10))
    with pytest.raises(FormError, match="2 MB"):
        photos.check_file(big)
    checked = photos.check(png((800, 600)), "楼道.png")
    assert (checked.mime, checked.width, checked.height) == ("image/png", 800, 600)
    assert Image.open(io.BytesIO(photos.thumbnail({"thumb": checked.thumb}))).size[0] <= 160
    forged = base64.b64encode(png((2000, 2000))).decode()    # a thumbnail from a bundle
    assert photos.thumbnail({"thumb": forged}) == b"" == photos.thumbnail({"thumb": "%%"})


def test_escalation_round_trip_through_bundles_with_photos(world):
    district, a, b, tmp = world
    event = incidents.report(a, kind="安全隐患", place="1号楼外墙",
                             description="外墙瓷砖松动，有掉落危险", urgency="critical")
    noise = png((1200, 900), (10, 120, 200))
    noise_photo = photos.attach(a, event, photos.check(noise, "外墙.png"))
    incidents.escalate(a, event, "需要产权单位和区住建局协调")
    with pytest.raises(FormError) as refused:   # escalated twice: refused, the reason kept
        incidents.escalate(a, event, "再报一次")
    assert "不能重复上报" in refused.value.errors["reason"]
    assert any("再报一次" in c for c in incidents.detail(a, event).conflicts)

    send(a, district, tmp / "up1")
    waiting = incidents.list_ids(district, incidents.Filters(escalated=True,
                                                              district_done=False))
    assert event in waiting
    [row] = incidents.rows(district, [event])
    assert row["status_label"] == "已上报" and row["photos"] == 1
    assert photos.photo_bytes(district, noise_photo) == noise     # whole, hash checked
    incidents.reply(district, event, "accept", note="已受理")
    with pytest.raises(FormError, match="交办部门"):
        incidents.reply(district, event, "assign")
    incidents.reply(district, event, "assign", department="区住房和城乡建设局",
                    note="请3日内处理")
    incidents.reply(district, event, "resolve", note="已拆除松动瓷砖并加固")
    with pytest.raises(FormError, match="区里已于"):
        incidents.reply(district, event, "progress", note="再说一句")
    with pytest.raises(FormError, match="只有区里"):
        incidents.reply(a, event, "accept")

    send(district, a, tmp / "down-a")
    send(district, b, tmp / "down-b")
    assert b.conn.execute("SELECT count(*) FROM incident_replies").fetchone()[0] == 0
    [row] = incidents.rows(a, [event])
    assert row["status_label"] == "区里已办结，待回访"
    steps = incidents.detail(a, event).steps
    assert [s.action for s in steps if s.side == "district"] == ["区里受理", "区里交办",
                                                               "区里办结"]
    assert steps[-2].text == "区住房和城乡建设局：请3日内处理"
    with pytest.raises(FormError, match="请直接回访"):
        incidents.resolve(a, event, "社区也办了")
    incidents.callback(a, event, "satisfied")
    closed = incidents.detail(a, event)
    assert closed.row["status"] == "closed" and closed.row["resolved_by"] == "district"
    assert closed.result == "已拆除松动瓷砖并加固"

    send(a, district, tmp / "up2")                 # the district sees the loop closed
    assert incidents.detail(district, event).row["satisfaction"] == "satisfied"


def test_an_event_the_district_returns_is_the_communitys_again(world):
    district, a, _, tmp = world
    event = incidents.report(a, kind="矛盾纠纷", place="3号楼", description="邻里噪音纠纷")
    incidents.escalate(a, event, "调解两次未果")
    send(a, district, tmp / "r-up")
    waiting = incidents.Filters(escalated=True, district_done=False, statuses=("escalated",))
    before = incidents.counts(district)["escalated"]
    incidents.reply(district, event, "return", note="属社区调解范围，请社区继续调解")
    assert event not in incidents.list_ids(district, waiting)    # no longer the district's
    assert incidents.counts(district)["escalated"] == before - 1
    send(district, a, tmp / "r-down")
    [row] = incidents.rows(a, [event])
    assert row["status_label"] == "区里退回，待社区处理"
    assert incidents.detail(a, event).returned
    incidents.assign(a, event, assignee="调解员老李")            # back in the community's hands
    assert incidents.detail(a, event).row["status"] == "assigned"
    incidents.escalate(a, event, "调解员再调解，仍无果")
    send(a, district, tmp / "r-up2")
    incidents.reply(district, event, "return", note="请先申请人民调解")
    send(district, a, tmp / "r-down2")
    incidents.escalate(a, event, "人民调解也未果，请司法所介入")     # sent straight up again
    seen = incidents.detail(a, event)
    assert not seen.returned and seen.conflicts == []
    assert seen.row["escalate_reason"] == "人民调解也未果，请司法所介入"
    assert seen.steps[-1].text == "区里退回后再次上报：人民调解也未果，请司法所介入"
    with pytest.raises(FormError, match="不能重复上报"):           # once, as before
        incidents.escalate(a, event, "又一次")
    send(a, district, tmp / "r-up3")
    assert event in incidents.list_ids(district, waiting)        # up again: waiting again
    incidents.reply(district, event, "assign", department="区司法局", note="请司法所调解")


def test_closed_at_both_ends_at_once_one_wins_the_other_is_listed(world):
    district, a, _, tmp = world
    event = incidents.report(a, kind="设施损坏", place="2号楼", description="单元门坏了")
    incidents.escalate(a, event, "门禁厂家不配合")
    send(a, district, tmp / "c-up")
    incidents.reply(district, event, "resolve", note="区里已督促厂家修好")   # the district
    incidents.resolve(a, event, "社区找人修好了")                          # and, unaware, a
    send(district, a, tmp / "c-down")
    send(a, district, tmp / "c-up2")
    here, there = incidents.detail(a, event), incidents.detail(district, event)
    for seen in (here, there):                   # both ends agree on the winner
        assert seen.resolved_by == "district" and seen.result == "区里已督促厂家修好"
        [conflict] = seen.conflicts
        assert "社区也于" in conflict and "社区找人修好了" in conflict   # nothing lost


def test_events_ledger_at_the_district_has_a_community_column(world, tmp_path):
    district, a, b, tmp = world
    incidents.report(b, kind="矛盾纠纷", place="建设路社区小区", description="停车纠纷")
    send(a, district, tmp / "l-a")
    send(b, district, tmp / "l-b")
    out = tmp_path / "events.xlsx"
    db_file = district.conn.execute("PRAGMA database_list").fetchone()[2]
    assert main(["excel", "export", "--db", db_file, "--what", "events", "--out",
                 str(out)]) == 0
    sheet = load_workbook(out).active
    header = [c.value for c in sheet[3]]
    assert header[:3] == ["序号", "社区", "类别"]
    rows = [dict(zip(header, (c.value for c in r), strict=True))
            for r in sheet.iter_rows(min_row=4)]
    assert {r["社区"] for r in rows} == {"长江路社区", "建设路社区"}
    assert any(r["事件内容"] == "停车纠纷" for r in rows)
    assert any(r["报告人电话"] == "13912345678" for r in rows)   # text, not 1.39E+10
    tomorrow = (datetime.now() + timedelta(days=1)).date().isoformat()
    assert main(["excel", "export", "--db", db_file, "--what", "events", "--since",
                 tomorrow, "--out", str(out)]) == 0
    assert load_workbook(out).active.max_row == 3           # the headers, nothing since
    assert main(["excel", "export", "--db", db_file, "--what", "events", "--since",
                 "2026-13-01", "--out", str(out)]) == 2


def test_kinds_are_the_offices_own(tmp_path):
    db = open_community_db(tmp_path / "k.sqlite", create=True)
    create_community(db, "长江路社区", "410102007003", "林山寨街道", "中原区")
    assert incidents.kinds(db)[:2] == ["设施损坏", "环境卫生"]
    incidents.set_kinds(db, ["设施损坏", "噪音扰民", "其他"])
    assert incidents.kinds(db) == ["设施损坏", "噪音扰民", "其他"]
    with pytest.raises(FormError, match="至少要有一种"):
        incidents.set_kinds(db, ["  "])
    db.conn.close()


def test_hostile_bundles_writing_the_other_sides_rows_are_refused(world):
    """A community may not send the district's answer; the district may not close the
    community's event itself: each such bundle is refused whole."""
    from db import incidents as q
    from db.node import transaction

    district, a, _, tmp = world
    event = incidents.report(a, kind="其他", place="社区广场", description="路灯不亮")
    incidents.escalate(a, event, "供电局的线路")
    send(a, district, tmp / "h-up")
    with transaction(a):        # a forged answer, as a broken program at the community would
        q.insert(a, "incident_replies", {"incident_id": event, "at": "2026-12-05T10:00:00",
                                         "action": "resolve", "note": "区里办结了（伪造）"})
    [outcome] = send(a, district, tmp / "h-up2")
    assert outcome.status == "refused" and "区里对上报事件的答复" in outcome.message
    assert incidents.detail(district, event).resolved_by == ""

    with transaction(district):  # the district closing the community's event on its own
        q.update(district, "incidents", event, {"status": "closed"})
    [outcome] = send(district, a, tmp / "h-down")
    assert outcome.status == "refused" and "事件和诉求" in outcome.message
    assert incidents.detail(a, event).row["status"] == "escalated"


def test_roles_a_grid_worker_sees_their_grids_a_doctor_may_not_report(tmp_path):
    from app import accounts, registry

    db = open_community_db(tmp_path / "roles.sqlite", create=True)
    create_community(db, "长江路社区", "410102007003", "林山寨街道", "中原区")
    mine, other = registry.add_grid(db, "第一网格"), registry.add_grid(db, "第二网格")
    here = registry.add_compound(db, mine, "锦绣花园")
    there = registry.add_compound(db, other, "棉纺宿舍")
    accounts.create_first_admin(db, "admin", "刘书记", "secret12", "secret12")
    accounts.create_account(db, "wang", "王网格", "grid_worker", "secret12", [mine])
    accounts.create_account(db, "doc", "钱医生", "doctor", "secret12", [])
    a = incidents.report(db, kind="其他", compound_id=here, description="路灯")
    b = incidents.report(db, kind="其他", compound_id=there, description="井盖")
    c = incidents.report(db, kind="其他", place="公交站台", description="积水")
    assert set(incidents.list_ids(db)) == {a, b, c}         # the admin (signed in) sees all
    accounts.sign_in(db, "wang", "secret12")
    assert set(incidents.list_ids(db)) == {a, c}            # their grid, and typed places
    incidents.add_progress(db, a, "已联系物业")
    assert incidents.detail(db, a).steps[-1].actor == "王网格"
    accounts.sign_in(db, "doc", "secret12")
    with pytest.raises(accounts.PermissionDenied, match="片医不能登记和办理事件"):
        incidents.report(db, kind="其他", place="x", description="y")
    db.conn.close()
