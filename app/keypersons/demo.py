"""Synthetic key-person lists (for the demo, tests and the benchmark) and the demo's list in
progress: imported at the district, partly verified by each community, synced both ways."""

from __future__ import annotations

import csv
import json
import os
import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlite_utils
from openpyxl import Workbook

from app.validation import check_character

HEADER = ("序号", "姓名", "身份证号", "联系电话", "现住址", "类别", "备注")
DEMO_TITLE = "关于核查中高风险地区返郑人员的通知（第3批）"


def _outsider(rng: random.Random) -> str:
    """A name for someone the district does not know (from another district)."""
    return rng.choice("王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗") + "".join(
        rng.choice("伟芳娜敏静磊洋勇军杰娟涛明超秀霞平刚桂英华") for _ in range(rng.randint(1, 2)))


def _fake_id(rng: random.Random) -> str:
    body = f"4101{rng.randint(10, 99)}{rng.randint(1960, 2004)}{rng.randint(1, 12):02d}" \
           f"{rng.randint(1, 28):02d}{rng.randint(100, 999)}"
    return body + check_character(body)


def sample_rows(db: sqlite_utils.Database, people: int, *, seed: int = 7,
                by_id: float = 0.7, by_address: float = 0.2,
                community_id: str | None = None) -> list[list[Any]]:
    """List rows drawn from the district's residents (or one community's): `by_id` of them
    named by ID number, `by_address` by address only (name and door, no number), the rest
    nobody here."""
    rng = random.Random(seed)
    n_id, n_addr = int(people * by_id), int(people * by_address)
    wanted = n_id + n_addr
    owner = "" if community_id is None else "AND community_id = ?"
    args: list[Any] = [] if community_id is None else [community_id]
    ids = [r[0] for r in db.conn.execute(
        "SELECT rowid FROM residents WHERE deleted = 0 AND id_kind = 'resident' "
        f"AND id_number IS NOT NULL AND household_id IS NOT NULL {owner}", args)]
    picked_ids = rng.sample(ids, min(wanted, len(ids)))
    picked = db.conn.execute(
        "SELECT r.name, r.id_number, r.phone, c.name || b.name || u.name || h.door_number "
        "FROM json_each(?) j JOIN residents r ON r.rowid = j.value "
        "JOIN households h ON h.id = r.household_id "
        "JOIN units u ON u.id = h.unit_id JOIN buildings b ON b.id = u.building_id "
        "JOIN compounds c ON c.id = b.compound_id ORDER BY j.key",
        (json.dumps(picked_ids),)).fetchall()
    out: list[list[Any]] = []
    for i, (name, number, phone, address) in enumerate(picked):
        if i < n_id:
            out.append([name, number, phone or "", address, "中高风险地区返回", ""])
        else:   # the list has the door written another way and no ID number
            out.append([name, "", "", address.replace("号楼", "栋"), "中高风险地区返回", ""])
    for i in range(people - len(out)):
        out.append([_outsider(rng), _fake_id(rng), "", f"郑州市金水区文化路{90 + i}号",
                    "中高风险地区返回", "原籍外区"])
    rng.shuffle(out)
    return [[i + 1, *r] for i, r in enumerate(out)]


def write_list(path: str | os.PathLike[str], rows: Sequence[Sequence[Any]], *,
               title: str = DEMO_TITLE, header: Sequence[str] = HEADER) -> Path:
    """An .xlsx (or .csv, by the name) as lists come: a title row, the header, the rows;
    ID numbers as text."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            out = csv.writer(fh)
            out.writerow([title])
            out.writerow(list(header))
            out.writerows(rows)
        return path
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("名单")
    ws.append([title])
    ws.append(list(header))
    for r in rows:
        ws.append(list(r))
    path = Path(path)
    wb.save(path)
    return path


def import_demo_part(district: sqlite_utils.Database, community_id: str, folder: Path, *,
                     seed: int = 7, people: int = 12, unmatched: bool = False,
                     now: datetime | None = None) -> str:
    """At a district demo, after a community's first sync: its part of the demo list (the
    same title each time, so the list grows community by community; `unmatched` adds
    people the district cannot place). Imported before the district has accounts."""
    from app.keypersons import importer

    rows = sample_rows(district, people, seed=seed, by_id=0.7, by_address=0.3,
                       community_id=community_id)
    if unmatched:
        rng = random.Random(seed)
        rows += [[len(rows) + i + 1, _outsider(rng), _fake_id(rng), "",
                  f"郑州市二七区大学路{10 + i}号", "中高风险地区返回", "原籍外区"]
                 for i in range(3)]
    folder.mkdir(parents=True, exist_ok=True)
    path = write_list(folder / "重点人员名单.csv", rows)
    now = now or datetime.now()
    plan = importer.import_list(district, path, title=DEMO_TITLE, category="中高风险地区返回",
                                due=(now - timedelta(hours=2)).strftime("%Y-%m-%dT%H:00"),
                                now=now)
    return plan.list_id or ""


def verify_demo_part(community: sqlite_utils.Database, *, seed: int = 7,
                     share: float = 0.5) -> int:
    """At a district demo, once the community has its people and before its next bundle
    up: about `share` of them verified (the bundle carries the results). Returns how many."""
    from app import accounts

    if accounts.current(community) is None:
        accounts.demo_sign_in(community)
    return verify_some(community, share, seed)


def verify_some(community: sqlite_utils.Database, share: float = 0.5, seed: int = 7) -> int:
    """A community's work in progress: about `share` of its open people verified."""
    from app import keypersons
    from db import keypersons as q

    rng = random.Random(seed)
    owner = keypersons.own_owner(community)
    done = 0
    for row in q.page_rows(community, q.page_ids(community, owner, pending_only=True)):
        if rng.random() >= share:
            continue
        if row["resident_id"]:
            keypersons.verify(community, row["id"], "living_here", note="已电话联系，本人在家")
        else:
            keypersons.verify(community, row["id"], "not_found", note="入户核查，门牌下无此人")
        done += 1
    return done
