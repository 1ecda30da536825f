"""Demo duty: every grid's trio confirmed from the staff list, three task forces with their
volunteers and some hours, and this week's roster (the office by day and by night, each
checkpoint in three shifts), with one swap and one person in two places at once, so the
page shows both; the same for the same seed and day."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import sqlite_utils

from app import duty
from db import duty as q
from db import registry as rq
from db.ids import uuid7
from db.node import transaction

TASK_FORCES = (("疫情防控专班", "核酸检测组织、居家隔离服务、卡口值守",
                ("医护", "驾驶", "信息录入")),
               ("防汛应急专班", "汛期巡查、转移群众、物资搬运", ("驾驶", "游泳", "电工", "搬运")),
               ("红马甲志愿服务队", "敬老助残、代买代送、文明劝导", ("心理", "理发", "代买",
                                                           "手语")))
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰建国红梅志强海燕"


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


def _phone(rng: random.Random) -> str:
    return rng.choice(("138", "139", "150", "186", "137")) + f"{rng.randrange(10**8):08d}"


def add_demo_duty(db: sqlite_utils.Database, seed: int, today: date | None = None
                  ) -> dict[str, int]:
    """Trios, task forces, volunteers with hours, this week's roster; returns counts."""
    today = today or date.today()
    rng = random.Random(seed + 19)
    owner = rq.community_id(db)
    if owner is None:
        return {}
    trios = [{"id": uuid7(), "grid_id": t.grid_id,
              "grid_worker_id": t.grid_worker.id if t.grid_worker else None,
              "police_id": t.police.id if t.police else None,
              "doctor_id": t.doctor.id if t.doctor else None} for t in duty.trios(db)]
    forces, people, hours = [], [], []
    for name, what, skills in TASK_FORCES:
        tf = {"id": uuid7(), "name": name, "duty": what, "leader": _name(rng),
              "leader_phone": _phone(rng)}
        forces.append(tf)
        for _ in range(rng.randint(8, 14)):
            v = {"id": uuid7(), "task_force_id": tf["id"], "name": _name(rng),
                 "phone": _phone(rng),
                 "skills": " ".join(rng.sample(skills, rng.randint(0, 2))) or None, "note": None}
            people.append(v)
            for _ in range(rng.randint(0, 4)):
                hours.append({"id": uuid7(), "volunteer_id": v["id"],
                              "on_date": (today - timedelta(days=rng.randint(1, 60))).isoformat(),
                              "hours": rng.choice((2, 3, 4, 4, 8, 1.5)),
                              "activity": rng.choice(("卡口值守", "入户排查", "代买代送",
                                                      "防汛巡查", "核酸检测秩序维护")),
                              "recorded_by": "admin"})
    staff = [s for s in q.staff_rows(db) if s["role"] in ("cadre", "grid_chief", "grid_worker")]
    checkpoints = q.checkpoint_choices(db)
    guards = [(_name(rng), _phone(rng)) for _ in range(8)] + [
        (v["name"], v["phone"]) for v in people[:6]]
    shifts: list[dict[str, Any]] = []
    monday = duty.monday_of(today)
    for d in range(7):
        day = (monday + timedelta(days=d)).isoformat()
        for shift in ("day", "night"):
            s = staff[(2 * d + (shift == "night")) % len(staff)] if staff else None
            if s:
                shifts.append({"id": uuid7(), "on_date": day, "shift": shift, "place": "office",
                               "checkpoint_id": None, "person_name": s["name"],
                               "phone": s["phone"], "staff_id": s["id"], "note": None})
        for k, cp in enumerate(checkpoints):
            for j, shift in enumerate(("morning", "evening", "night")):
                who, phone = guards[(d * 3 + j + k * 5) % len(guards)]
                shifts.append({"id": uuid7(), "on_date": day, "shift": shift,
                               "place": "checkpoint", "checkpoint_id": cp["id"],
                               "person_name": who, "phone": phone, "staff_id": None,
                               "note": None})
    swap = None
    if shifts and staff:
        # Wednesday's office day shift: its holder also takes a checkpoint's morning (a
        # clash the page flags), and Thursday's was swapped with the secretary's consent.
        wed = (monday + timedelta(days=2)).isoformat()
        office = next(s for s in shifts if s["on_date"] == wed and s["place"] == "office")
        cp_shift = next((s for s in shifts if s["on_date"] == wed and s["shift"] == "morning"),
                        None)
        if cp_shift:
            cp_shift["person_name"], cp_shift["phone"] = office["person_name"], office["phone"]
        thu = (monday + timedelta(days=3)).isoformat()
        swapped = next(s for s in shifts if s["on_date"] == thu and s["place"] == "office")
        giver = swapped["person_name"]
        taker = staff[-1]
        swapped.update(person_name=taker["name"], phone=taker["phone"], staff_id=taker["id"])
        swap = {"id": uuid7(), "shift_id": swapped["id"], "from_name": giver,
                "to_name": taker["name"], "agreed_by": "社区党委书记",
                "agreed_on": (monday - timedelta(days=1)).isoformat(), "reason": "家中有事",
                "recorded_by": "admin"}
    with transaction(db):
        q.insert_many(db, "duty_trios", trios, owner)
        q.insert_many(db, "task_forces", forces, owner)
        q.insert_many(db, "volunteers", people, owner)
        q.insert_many(db, "volunteer_hours", hours, owner)
        q.insert_many(db, "duty_shifts", shifts, owner)
        if swap:
            q.insert_many(db, "duty_swaps", [swap], owner)
    return {"trios": len(trios), "volunteers": len(people), "shifts": len(shifts)}
