"""A month of grid events for the demo community (some escalated, some past their deadline,
most closed with the reporter's satisfaction), and the district's handling of some escalated
ones for the demo district. Deterministic from the seed, relative to `now`."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from app.incidents import DEADLINE_HOURS
from db import incidents as q
from db.ids import uuid7
from db.node import get_meta, transaction
from db.registry import ADDRESS_SQL, HOUSEHOLD_JOIN

KIND_WEIGHTS = {"设施损坏": 30, "环境卫生": 25, "矛盾纠纷": 12, "安全隐患": 15, "特殊人群": 10,
                "其他": 8}
WHAT = {
    "设施损坏": ("楼道声控灯不亮，晚上上下楼看不见", "单元门禁损坏，门关不上",
                 "楼上卫生间漏水，渗到楼下天花板", "小区路灯两盏不亮", "下水道堵塞，污水外溢"),
    "环境卫生": ("楼道堆放杂物，影响通行", "垃圾桶满溢无人清运", "绿化带内有建筑垃圾",
                 "楼顶平台有积水，滋生蚊虫"),
    "矛盾纠纷": ("邻里因噪音发生争吵，请社区调解", "停车位纠纷，双方互不相让",
                 "楼上楼下因漏水赔偿发生纠纷"),
    "安全隐患": ("电动车在楼道内充电", "消防通道被车辆占用", "外墙瓷砖松动，有掉落危险",
                 "燃气管道有异味"),
    "特殊人群": ("独居老人两天未见出门，敲门无人应", "残疾居民轮椅坡道损坏，出行困难",
                 "低保户反映取暖困难"),
    "其他": ("居民咨询医保缴费", "要求开具居住证明", "反映流浪犬伤人隐患"),
}
RESULTS = ("已联系物业维修完毕", "已协调双方达成一致", "已清理完毕", "已上门查看并处理",
           "已更换新的设备", "已劝导整改到位")
DEPARTMENTS = ("区城市管理局", "区住房和城乡建设局", "区民政局", "区市场监督管理局",
               "区应急管理局")
STREET_PLACES = ("小区东门外人行道", "社区广场", "菜市场北侧路口", "公交站台旁")
SATISFACTION = ("satisfied", "satisfied", "satisfied", "basic", "unsatisfied", "unreachable")


def add_demo_incidents(db: Any, seed: int, now: datetime | None = None,
                       total: int | None = None) -> dict[str, int]:
    """About one event per 60 residents over the past 30 days (24 to 150: each row is
    change-captured field by field and the demo must stay quick; `total` for a benchmark);
    returns counts by status. Bulk rows through the change log, so they sync
    like typed ones."""
    now = (now or datetime.now()).replace(minute=0, second=0, microsecond=0)
    rng = random.Random(seed + 17)
    owner = get_meta(db, "community_id")
    residents = db.conn.execute("SELECT count(*) FROM residents WHERE deleted = 0").fetchone()[0]
    total = total or max(24, min(150, residents // 60))
    households = db.conn.execute(
        f"SELECT h.id, {ADDRESS_SQL}, c.grid_id, b.id, c.id, c.name || ' ' || b.name "
        f"FROM {HOUSEHOLD_JOIN} WHERE h.deleted = 0 ORDER BY h.rowid LIMIT 4000").fetchall()
    if not households:
        return {}
    people = {}
    for rid, hid, name, phone in db.conn.execute(
            "SELECT id, household_id, name, phone FROM residents WHERE deleted = 0 "
            "AND household_id IS NOT NULL ORDER BY rowid LIMIT 8000"):
        people.setdefault(hid, (rid, name, phone))
    workers = [r[0] for r in db.conn.execute(
        "SELECT name FROM staff WHERE role IN ('grid_worker', 'grid_chief') AND deleted = 0 "
        "ORDER BY rowid")] or ["网格员"]
    kinds, weights = list(KIND_WEIGHTS), list(KIND_WEIGHTS.values())
    events: list[dict[str, Any]] = []
    steps: list[dict[str, Any]] = []
    counts: dict[str, int] = {}

    def step(event: dict[str, Any], at: datetime, action: str, note: str, actor: str) -> None:
        steps.append({"id": uuid7(), "community_id": owner, "incident_id": event["id"],
                      "at": at.isoformat(timespec="seconds"), "actor": actor,
                      "action": action, "note": note})

    for n in range(total):
        # The first two are escalated and the next two past their deadline, in any demo.
        age_hours = rng.randint(1, 30 * 24) if n >= 4 else rng.randint(80, 10 * 24)
        reported = now - timedelta(hours=age_hours)
        kind = rng.choices(kinds, weights)[0]
        urgency = rng.choices(("normal", "urgent", "critical"), (70, 25, 5))[0]
        hid, address, grid, building, compound, building_place = rng.choice(households)
        roll = rng.random()
        place: dict[str, Any]
        if roll < 0.6:
            place = {"household_id": hid, "place": address, "grid_id": grid}
        elif roll < 0.85:
            place = {"building_id": building, "place": building_place, "grid_id": grid}
        elif roll < 0.93:
            place = {"compound_id": compound, "place": building_place.split(" ")[0],
                     "grid_id": grid}
        else:
            place = {"place": rng.choice(STREET_PLACES)}
        worker = rng.choice(workers)
        who = rng.random()
        person = people.get(hid)
        reporter: dict[str, Any]
        if who < 0.35 and person and "household_id" in place:
            reporter = {"category": "request", "reporter_kind": "resident",
                        "reporter_name": person[1], "reporter_phone": person[2],
                        "resident_id": person[0], "source": "居民来电"}
        elif who < 0.5:
            reporter = {"category": "event", "reporter_kind": "hotline",
                        "reporter_name": "12345热线", "source": "12345"}
        else:
            reporter = {"category": "event", "reporter_kind": "staff", "reporter_name": worker,
                        "source": "网格员上报"}
        due = reported + timedelta(hours=DEADLINE_HOURS[urgency])
        event = {"id": uuid7(), "community_id": owner, "kind": kind, "urgency": urgency,
                 **place, "description": rng.choice(WHAT[kind]), **reporter,
                 "reported_at": reported.isoformat(timespec="seconds"),
                 "due_at": due.isoformat(timespec="seconds"), "status": "open"}
        step(event, reported, "report", f"{kind}，来源：{reporter['source']}", worker)
        # What has happened since, by the event's age and a roll of the dice.
        fate = rng.random() if n >= 4 else 0.0 if n < 2 else 0.12
        handler = rng.choice(workers)
        if age_hours > 6:
            assigned = reported + timedelta(hours=1)
            event.update(status="assigned", assignee=handler, assignee_kind="staff")
            step(event, assigned, "assign", f"派给社区工作人员{handler}", worker)
        if fate < 0.1 and age_hours > 24:                       # escalated to the district
            at = reported + timedelta(hours=rng.randint(12, 24))
            reason = "涉及产权单位和多个部门，社区协调不了，请区里协调解决"
            event.update(status="escalated", escalated_at=at.isoformat(timespec="seconds"),
                         escalate_reason=reason)
            step(event, at, "escalate", reason, handler)
        elif fate < 0.16 and now > due:                         # past its deadline
            step(event, reported + timedelta(hours=2), "progress", "已联系相关人员，等待处理",
                 handler)
        elif age_hours < 60 and fate < 0.7:                     # still in hand
            pass
        else:
            done = min(now - timedelta(minutes=30),
                       reported + timedelta(hours=rng.randint(2, max(3, DEADLINE_HOURS[urgency]))))
            result = rng.choice(RESULTS)
            event.update(status="resolved", resolved_at=done.isoformat(timespec="seconds"),
                         resolved_by="community", result=result)
            step(event, done, "resolve", result, handler)
            if age_hours > 48 and rng.random() < 0.85:          # asked back
                back = done + timedelta(hours=rng.randint(4, 24))
                if back < now:
                    satisfaction = rng.choice(SATISFACTION)
                    event.update(status="closed", satisfaction=satisfaction,
                                 callback_at=back.isoformat(timespec="seconds"))
                    step(event, back, "callback", "电话回访", worker)
        counts[event["status"]] = counts.get(event["status"], 0) + 1
        events.append(event)
    columns = set().union(*(e.keys() for e in events))
    rows = [{c: e.get(c) for c in columns} for e in events]
    with transaction(db):
        q.insert_many(db, "incidents", rows)
        q.insert_many(db, "incident_steps", steps)
        for n, event in enumerate(events[:2]):      # a site photo on the first two
            _demo_photo(db, event, n)
    return counts


def _demo_photo(db: Any, event: dict[str, Any], n: int) -> None:
    """A small drawn "site photo" (a wall, a door, a lamp), attached as a typed one is."""
    import io

    from PIL import Image, ImageDraw

    from app.incidents import photos

    img = Image.new("RGB", (360, 270), (200 - 30 * n, 190, 170 + 25 * n))
    draw = ImageDraw.Draw(img)
    draw.rectangle((110, 40, 250, 260), fill=(120, 90, 60), outline=(40, 30, 20), width=5)
    draw.line((40, 30 + 40 * n, 320, 230 - 30 * n), fill=(30, 30, 30), width=4)   # a crack
    out = io.BytesIO()
    img.save(out, "JPEG", quality=80)
    checked = photos.check(out.getvalue(), f"现场{n + 1}.jpg")
    photos.store(db, event["id"], event["community_id"], checked, event["reported_at"])


def add_demo_replies(district: Any, community_id: str, seed: int,
                     now: datetime | None = None) -> int:
    """At the demo district: its handling of a community's escalated events (each accepted
    and passed to a department, about half resolved); the rows belong to the community and go
    down with the next bundle. Returns how many replies were written."""
    now = (now or datetime.now()).replace(second=0, microsecond=0)
    rng = random.Random(seed + 23)
    escalated = district.conn.execute(
        "SELECT id, escalated_at FROM incidents WHERE community_id = ? AND status = 'escalated' "
        "AND deleted = 0 ORDER BY escalated_at", (community_id,)).fetchall()
    rows = []
    for n, (incident_id, at) in enumerate(escalated):
        start = datetime.fromisoformat(at)
        department = rng.choice(DEPARTMENTS)
        script = [("accept", None, "区网格化管理中心已受理"),
                  ("assign", department, "请于3个工作日内办理")]
        if n % 2 == 0:
            script.append(("resolve", department, f"{department}已现场处理完毕"))
        elif n % 3 == 1:
            script = script[:1]       # just accepted: still waiting at the district
        for k, (action, dept, note) in enumerate(script):
            when = min(now, start + timedelta(hours=2 + 20 * k))
            rows.append({"id": uuid7(), "community_id": community_id, "incident_id": incident_id,
                         "at": when.isoformat(timespec="seconds"), "actor": "区网格化管理中心",
                         "action": action, "department": dept, "note": note})
    with transaction(district):
        q.insert_many(district, "incident_replies", rows)
    return len(rows)
