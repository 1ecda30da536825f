"""Demo care visits: a month of visits to everyone the board lists, by their interval and
visitor (some behind, so the board shows overdue people; some today), the needs found (some
referred, some done) and 60+ vaccination status; the same for the same seed and day."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import sqlite_utils

from app import care
from db import care as q
from db import registry as rq
from db.ids import uuid7
from db.node import transaction

NOTES = {"good": ("精神不错", "身体硬朗，家中整洁", "子女常来看望", None),
         "fair": ("血压偏高，按时服药", "腿脚不便", "睡眠不好", None),
         "poor": ("行动困难，需人照看", "近期住院刚出院", "情绪低落")}
NEED_NOTES = {"medical": "需要陪同去医院复查", "meals": "希望申请老年助餐",
              "repair": "厨房水管漏水", "shopping": "需要代买米面油",
              "mental": "独居孤单，希望常来聊天", "other": "咨询高龄津贴办理"}


def add_demo_visits(db: sqlite_utils.Database, seed: int, today: date | None = None
                    ) -> dict[str, int]:
    """A month of care visits up to `today` (the real day by default, so the board is live);
    returns counts of visits, needs and vaccinations written."""
    today = today or date.today()
    rng = random.Random(seed + 17)
    owner = rq.community_id(db)
    entries = care.board(db, today).entries
    people = {r["id"]: r for r in q.person_rows(db, [e["id"] for e in entries],
                                               today.isoformat())}
    visits: list[dict[str, Any]] = []
    contacts: list[dict[str, Any]] = []
    needs: list[dict[str, Any]] = []
    shots: list[dict[str, Any]] = []
    start = today - timedelta(days=30)
    short = 0                      # people visited weekly or more often, counted
    for e in entries:
        p = people[e["id"]]
        days = e["days"]
        r = rng.random()
        if r < 0.15:      # behind: the last visit longer ago than the interval
            last = today - timedelta(days=days + rng.randint(1, 4))
        elif r < 0.30:
            last = today  # visited today
        elif r < 0.40:
            last = today - timedelta(days=days)    # due today
        else:
            last = today - timedelta(days=rng.randint(1, max(1, days - 1)) if days > 1 else 0)
        # Every person's last contact; a month of them for one in twenty of those visited weekly
        # or more often, the first always (the demo must stay quick: every visit is
        # change-captured and audited field by field).
        keep = 1
        if days <= 7:
            short += 1
            keep = 16 if short % 20 == 1 else 1
        day, count = last, 0
        while (day >= start or count == 0) and count < keep:   # the last one always
            count += 1
            member = e["visitor"] == "member" and p["member_id"]
            method = rng.choices(("visit", "phone", "absent"), (70, 25, 5))[0]
            if day == last and method == "absent":
                method = "visit"  # the last contact counts: an attempt would leave it due
            wellbeing = (None if method == "absent"
                         else rng.choices(("good", "fair", "poor"), (60, 32, 8))[0])
            found = ([rng.choice(tuple(care.NEED_LABELS))]
                     if wellbeing and rng.random() < (0.4 if wellbeing == "poor" else 0.08)
                     else [])
            note = NEED_NOTES[found[0]] if found else (
                rng.choice(NOTES[wellbeing]) if wellbeing != "good" or rng.random() < 0.2
                else None) if wellbeing else "敲门无人应答，改日再访"
            visit_id, contact_id = uuid7(), None
            if member and method != "absent":
                contact_id = uuid7()
                contacts.append({"id": contact_id, "household_id": p["household_id"],
                                 "member_id": p["member_id"], "contact_on": day.isoformat(),
                                 "kind": method,
                                 "note": "关爱走访" + (f"：{note}" if note else "")})
            visits.append({
                "id": visit_id, "resident_id": e["id"], "household_id": p["household_id"],
                "visited_on": day.isoformat(), "method": method,
                "visitor": "member" if member else
                ("volunteer" if e["visitor"] == "volunteer" else "grid_worker"),
                "visitor_name": "志愿者" if e["visitor"] == "volunteer" else
                None if member else p["grid_worker"],
                "member_id": p["member_id"] if member else None, "wellbeing": wellbeing,
                "needs": " ".join(found), "note": note, "contact_id": contact_id,
                "recorded_at": None, "recorded_by": None})
            for kind in found:
                age = (today - day).days
                status = ("done" if age > 14 and rng.random() < 0.7 else
                          "referred" if rng.random() < 0.4 else "open")
                needs.append({
                    "id": uuid7(), "visit_id": visit_id, "resident_id": e["id"], "kind": kind,
                    "found_on": day.isoformat(), "note": note, "status": status,
                    "request_id": None,
                    "referred_to": rng.choice(("民政", "残联", "卫生服务中心"))
                    if status != "open" else None,
                    "referred_on": day.isoformat() if status != "open" else None,
                    "outcome": "已办理，居民满意" if status == "done" else None,
                    "outcome_on": (day + timedelta(days=7)).isoformat()
                    if status == "done" else None})
            day -= timedelta(days=days + rng.choice((0, 0, 1, -1 if days > 2 else 0)))
        age = care.age_on(p["birth_date"], today)
        if age is not None and age >= care.VACCINE_AGE and rng.random() < 0.3:
            status = rng.choices(tuple(care.VACCINE_LABELS), (8, 10, 40, 30, 7, 5))[0]
            shots.append({"id": uuid7(), "resident_id": e["id"], "status": status,
                          "doses": {"none": 0, "partial": 1, "full": 2, "booster": 3}.get(status),
                          "last_dose_on": None, "recorded_on": start.isoformat(),
                          "recorded_by": None, "note": None})
    with transaction(db):
        rq.insert_many(db, "member_contacts", contacts, owner)
        for table, rows in (("care_visits", visits), ("care_needs", needs),
                            ("care_vaccinations", shots)):
            q.insert_many(db, table, rows, owner)
    return {"visits": len(visits), "needs": len(needs), "vaccinations": len(shots)}
