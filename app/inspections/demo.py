"""Demo places and a month of inspections: about one shop per 27 residents (20 to 300, most
of them 九小场所, a few suspended or closed), fire-safety and epidemic checks over the past
30 days, problems found, some corrected and closed by a re-inspection, some still open and
some past their deadline, and a few reopening acceptances. Deterministic from the seed,
relative to today; bulk rows through the change log, so they sync like typed ones."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from app.inspections import DEFAULT_TEMPLATES, REOPENING_TEMPLATE
from app.places import SMALL_KINDS
from db import inspections as iq
from db import places as pq
from db.ids import uuid7
from db.node import get_meta, transaction

SHOP_WORDS = ("便民", "鑫源", "福满", "老街", "好再来", "惠民", "金泰", "同福", "盛世", "佳佳",
              "安康", "宏达", "顺心", "兴隆", "德润", "永和", "锦华", "百姓", "红旗", "新天地")
SHOP_KINDS = {"小商店": ("超市", "便利店", "五金店", "烟酒店", "水果店"),
              "小餐饮": ("烩面馆", "包子铺", "胡辣汤", "饺子馆", "烧烤店"),
              "小旅馆": ("宾馆", "快捷酒店"), "小歌舞娱乐场所": ("KTV",), "小网吧": ("网咖",),
              "小美容洗浴场所": ("理发店", "美容院", "足浴店"),
              "小生产加工企业": ("加工坊", "印刷厂"), "小学校或幼儿园": ("幼儿园", "培训学校"),
              "小医院（诊所）": ("诊所", "药店"), "农贸市场": ("农贸市场",),
              "写字楼": ("商务楼",)}
KIND_WEIGHTS = (22, 26, 3, 1, 2, 10, 3, 3, 6, 1, 1)
STREETS = ("建设路", "中原路", "桐柏路", "伏牛路", "嵩山路", "淮河路")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
GIVEN = ("建国", "秀英", "国强", "丽", "伟", "芳", "军", "红梅", "志强", "海燕", "磊", "静")
PROBLEMS = ("灭火器已过期，需更换", "安全出口堆放杂物", "电动车在店内充电", "私拉电线",
            "应急照明灯不亮", "未落实扫码登记", "消毒记录不全", "从业人员未佩戴口罩",
            "后厨燃气软管老化", "店内住人")
CORRECTIONS = ("已更换新灭火器", "已清理杂物，通道畅通", "已移出电动车并签订承诺",
               "已请电工重新布线", "已维修应急照明", "已张贴场所码并安排专人查验")


def add_demo(db: Any, seed: int, today: date | None = None) -> dict[str, int]:
    """Places, then the month's inspections; returns counts."""
    today = today or date.today()
    rng = random.Random(seed + 31)
    owner = get_meta(db, "community_id")
    residents = db.conn.execute("SELECT count(*) FROM residents WHERE deleted = 0").fetchone()[0]
    total = max(20, min(300, residents // 27))
    compounds = db.conn.execute("SELECT id, grid_id FROM compounds WHERE deleted = 0 "
                                "ORDER BY rowid").fetchall()
    if not compounds:
        return {}
    kinds = list(SHOP_KINDS)
    places: list[dict[str, Any]] = []
    for n in range(total):
        kind = rng.choices(kinds, KIND_WEIGHTS)[0]
        compound_id, grid = rng.choice(compounds)
        on_street = rng.random() < 0.6
        status = "open" if n >= 6 else ("suspended" if n < 4 else "closed")
        places.append({
            "id": uuid7(), "community_id": owner,
            "name": f"{rng.choice(SHOP_WORDS)}{rng.choice(SHOP_KINDS[kind])}"
                    + (f"（{n + 1}店）" if n % 7 == 0 else ""),
            "kind": kind, "small_place": int(kind in SMALL_KINDS),
            "compound_id": None if on_street else compound_id,
            "street_address": f"{rng.choice(STREETS)}{rng.randint(1, 300)}号" if on_street
            else f"临街门面{rng.randint(1, 40)}号",
            "grid_id": grid,
            "manager": rng.choice(SURNAMES) + rng.choice(GIVEN),
            "phone": f"13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}",
            "employees": rng.randint(1, 12),
            "licence_no": f"91410102MA{rng.randint(10_000_000, 99_999_999)}",
            "status": status, "note": None, "deleted": 0})
    inspections: list[dict[str, Any]] = []
    answers: list[dict[str, Any]] = []
    problems: list[dict[str, Any]] = []
    corrections: list[dict[str, Any]] = []
    workers = [r[0] for r in db.conn.execute(
        "SELECT name FROM staff WHERE deleted = 0 ORDER BY rowid LIMIT 6")] or ["网格员"]

    def inspection(place: dict[str, Any], template: str, day: date, purpose: str,
                   outcome: str, items: tuple[str, ...], nos: set[int]) -> dict[str, Any]:
        row = {"id": uuid7(), "community_id": owner, "subject_kind": "place",
               "subject_id": place["id"], "subject_name": place["name"],
               "template_name": template, "purpose": purpose, "inspected_on": day.isoformat(),
               "inspectors": "、".join(rng.sample(workers, min(2, len(workers)))),
               "outcome": outcome, "note": None, "recorded_by": "演示数据", "deleted": 0}
        inspections.append(row)
        answers.extend({"id": uuid7(), "community_id": owner, "inspection_id": row["id"],
                        "position": i, "item": item, "answer": "no" if i in nos else "yes",
                        "note": None, "deleted": 0} for i, item in enumerate(items))
        return row

    checked = rng.sample(places[6:], min(len(places) - 6, max(12, total // 5)))
    for n, place in enumerate(checked):
        template = "消防安全检查" if n % 3 else "疫情防控检查"
        items = DEFAULT_TEMPLATES[template][1]
        day = today - timedelta(days=rng.randint(1, 30) if n >= 3 else rng.randint(12, 25))
        found = n < 3 or rng.random() < 0.3     # the first three: past their deadline
        nos = {rng.randrange(len(items))} if found else set()
        row = inspection(place, template, day, "routine", "problems" if found else "passed",
                         items, nos)
        if not found:
            continue
        due = day + timedelta(days=7)
        problem = {"id": uuid7(), "community_id": owner, "inspection_id": row["id"],
                   "description": rng.choice(PROBLEMS), "due_on": due.isoformat(),
                   "responsible": place["manager"], "closed_by": None, "closed_on": None,
                   "deleted": 0}
        problems.append(problem)
        if n >= 3 and due < today and rng.random() < 0.75:   # corrected and re-checked
            fixed = min(today, due - timedelta(days=rng.randint(0, 5)))
            corrections.append({"id": uuid7(), "community_id": owner,
                                "problem_id": problem["id"], "corrected_on": fixed.isoformat(),
                                "note": rng.choice(CORRECTIONS), "recorded_by": "演示数据",
                                "deleted": 0})
            recheck = inspection(place, "整改复查", min(today, fixed + timedelta(days=1)),
                                 "recheck", "passed", (), set())
            problem["closed_by"], problem["closed_on"] = recheck["id"], recheck["inspected_on"]
    for place in places[:2]:      # two shops reopened after their acceptance
        items = DEFAULT_TEMPLATES[REOPENING_TEMPLATE][1]
        inspection(place, REOPENING_TEMPLATE, today - timedelta(days=2), "reopening",
                   "passed", items, set())
        place["status"] = "open"
    with transaction(db):
        pq.insert_many(db, "places", places)
        for table, new_rows in (("inspections", inspections), ("inspection_answers", answers),
                                ("inspection_problems", problems),
                                ("problem_corrections", corrections)):
            iq.insert_many(db, table, new_rows)
    return {"places": len(places), "inspections": len(inspections), "problems": len(problems),
            "closed": sum(1 for p in problems if p["closed_on"])}


def add_district_round(district: Any, community_id: str, community_name: str,
                       today: date | None = None) -> str:
    """A supervision round over one community with two problems, one past its deadline (for
    the demo district: it goes down with the next bundle)."""
    today = today or date.today()
    owner = get_meta(district, "community_id")
    items = DEFAULT_TEMPLATES["社区督查"][1]
    day = today - timedelta(days=12)
    inspection_id = uuid7()
    with transaction(district):
        iq.insert_many(district, "inspections", [{
            "id": inspection_id, "community_id": owner, "subject_kind": "community",
            "subject_id": community_id, "subject_name": community_name,
            "template_name": "社区督查", "purpose": "supervision",
            "inspected_on": day.isoformat(), "inspectors": "区督查组", "outcome": "problems",
            "note": None, "recorded_by": "演示数据", "deleted": 0}])
        iq.insert_many(district, "inspection_answers", [
            {"id": uuid7(), "community_id": owner, "inspection_id": inspection_id,
             "position": i, "item": item, "answer": "no" if i in (1, 3) else "yes",
             "note": None, "deleted": 0} for i, item in enumerate(items)])
        iq.insert_many(district, "inspection_problems", [
            {"id": uuid7(), "community_id": owner, "inspection_id": inspection_id,
             "description": text, "due_on": (day + timedelta(days=days)).isoformat(),
             "responsible": "社区书记", "closed_by": None, "closed_on": None, "deleted": 0}
            for text, days in (("卡口夜间值守人员不足", 7), ("部分场所检查未按期复查", 20))])
    return inspection_id

