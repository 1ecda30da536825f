"""关爱走访 (care visits): who is visited and how often (intervals per tag, a person's own
schedule), the visit board, recording visits (a paired Party member's visit is also their
党员联户 contact), needs found and where they went (a request, a referral), 60+ vaccination
status. Checked before anything is written, written in one transaction or not at all."""

from __future__ import annotations

import importlib
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlite_utils

from app import accounts, community_scope
from app.accounts import require, require_resident
from app.errors import FormError
from db import care as q
from db import registry as rq
from db.node import transaction

OLD_AGE_TAG = "高龄"     # a rule on this tag matches residents aged OLD_AGE and over
OLD_AGE = 80
VACCINE_AGE = 60         # vaccination status is shown and recorded from this age

VISITOR_LABELS = {"grid_worker": "网格员", "member": "结对党员", "volunteer": "志愿者"}
METHOD_LABELS = {"visit": "上门走访", "phone": "电话问候", "absent": "上门未见到"}
WELLBEING_LABELS = {"good": "良好", "fair": "一般", "poor": "较差，需关注"}
NEED_LABELS = {"medical": "就医", "meals": "助餐", "repair": "维修", "shopping": "代买",
               "mental": "心理", "other": "其他"}
NEED_STATUS_LABELS = {"open": "待处理", "request": "已转诉求", "referred": "已转介",
                      "done": "已办结"}
REFERRAL_BODIES = ("民政", "残联", "卫生服务中心", "街道", "老龄办", "妇联", "其他")
VACCINE_LABELS = {"none": "未接种", "partial": "未全程", "full": "已全程", "booster": "已加强",
                  "contraindicated": "有禁忌", "declined": "本人拒绝"}
END_REASON_LABELS = {"moved_away": "已迁出", "deceased": "已去世", "declined": "本人不需要",
                     "other": "其他"}
STATUS_LABELS = {"overdue": "逾期未访", "absent": "今日未见到", "due": "今日应访",
                 "done": "今日已访", "later": "未到期"}
# Moving away is recorded in the registry by deleting the resident or the household, or with
# one of these tags (a key-person check may set them).
MOVED_TAGS = ("已迁出", "迁出")

# The intervals an office starts with (the example); saved rules replace them.
DEFAULT_RULES: tuple[tuple[str, int, str], ...] = (
    ("独居老人", 2, "grid_worker"), ("高龄", 7, "member"), ("残疾", 30, "grid_worker"),
    ("低保", 30, "grid_worker"), ("特困", 30, "grid_worker"))
MAX_INTERVAL = 366


def _today(today: date | None) -> date:
    return today or date.today()


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:            # 29 February
        return day.replace(year=day.year - years, day=28)


def age_on(birth_date: str | None, day: date) -> int | None:
    if not birth_date:
        return None
    try:
        born = date.fromisoformat(birth_date)
    except ValueError:
        return None
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


# --- rules and schedules ----------------------------------------------------------------------

@dataclass(frozen=True)
class Rule:
    tag: str
    interval_days: int
    visitor: str

    @property
    def visitor_label(self) -> str:
        return VISITOR_LABELS[self.visitor]


def rules(db: sqlite_utils.Database, community_id: str | None = None) -> list[Rule]:
    """The office's rules (this community's, or `community_id`'s at a district); the default
    ones until the office saves its own."""
    owner = community_id or rq.community_id(db)
    stored = q.rules(db, [owner] if owner else None)
    if not stored:
        return [Rule(*r) for r in DEFAULT_RULES]
    return [Rule(r["tag"], r["interval_days"], r["visitor"]) for r in stored]


def _rule_rows(db: sqlite_utils.Database) -> list[tuple[str, str, int, str]]:
    """(community_id, tag, days, visitor) of every community here, defaults where none saved."""
    if community_scope.is_district(db):
        owners = [c.id for c in community_scope.communities(db)]
    else:
        owners = [rq.community_id(db) or ""]
    stored: dict[str, list[tuple[str, str, int, str]]] = {}
    for r in q.rules(db):
        stored.setdefault(r["community_id"], []).append(
            (r["community_id"], r["tag"], r["interval_days"], r["visitor"]))
    out = []
    for owner in owners:
        out += stored.get(owner) or [(owner, *r) for r in DEFAULT_RULES]
    return out


def _interval(errors: dict[str, str], field: str, value: Any, required: bool = True) -> int | None:
    if value in (None, ""):
        if required:
            errors[field] = "请填写走访间隔天数（1～366天）。"
        return None
    try:
        days = int(value)
    except (TypeError, ValueError):
        errors[field] = "走访间隔要填天数（整数，1～366）。"
        return None
    if not 1 <= days <= MAX_INTERVAL:
        errors[field] = "走访间隔要在1～366天之间。"
        return None
    return days


def set_rules(db: sqlite_utils.Database, items: Iterable[tuple[str, Any, str]]) -> None:
    """Replace the office's rules: (tag, interval in days, visitor) each; a tag once. Each
    community sets its own: at a district they would be rows of its own that no board reads
    (the district's board uses each community's rules), so they are refused there."""
    require(db, "settings")
    if community_scope.is_district(db):
        raise FormError({"rules": "走访间隔由各社区自己设定：请在社区的电脑上修改，"
                                  "同步后区里的看板会按新的间隔显示。"})
    errors: dict[str, str] = {}
    seen: set[str] = set()
    clean: list[tuple[str, int, str]] = []
    for i, (tag, days, visitor) in enumerate(items, 1):
        tag = (tag or "").strip()
        if not tag or any(c in tag for c in " ,，"):
            errors[f"tag{i}"] = f"第{i}行：请填写一个标签（如 独居老人），不要带空格或逗号。"
            continue
        if tag in seen:
            errors[f"tag{i}"] = f"第{i}行：标签“{tag}”重复了，每个标签只设一个间隔。"
            continue
        seen.add(tag)
        n = _interval(errors, f"interval{i}", days)
        if visitor not in VISITOR_LABELS:
            errors[f"visitor{i}"] = f"第{i}行：请选择由谁走访（网格员、结对党员或志愿者）。"
        if n is not None and visitor in VISITOR_LABELS:
            clean.append((tag, n, visitor))
    if errors:
        raise FormError(errors)
    owner = rq.community_id(db)
    with transaction(db):
        old = {r["tag"]: r for r in q.rules(db, [owner] if owner else None)}
        for tag, days, visitor in clean:
            row = old.pop(tag, None)
            if row is None:
                q.insert(db, "care_rules", {"tag": tag, "interval_days": days,
                                            "visitor": visitor})
            elif (row["interval_days"], row["visitor"]) != (days, visitor):
                q.update(db, "care_rules", row["id"], {"interval_days": days,
                                                       "visitor": visitor})
        for row in old.values():
            q.soft_delete(db, "care_rules", row["id"])


def schedule(db: sqlite_utils.Database, resident_id: str) -> dict[str, Any] | None:
    return q.schedule(db, resident_id)


def set_schedule(db: sqlite_utils.Database, resident_id: str, *,
                 interval_days: Any = None, visitor: str | None = None,
                 visitor_name: str | None = None, note: str | None = None) -> str:
    """A person's own interval and visitor (None: as their tags say); keeps any end date."""
    require_resident(db, "pairing.edit", resident_id)
    errors: dict[str, str] = {}
    days = _interval(errors, "interval_days", interval_days, required=False)
    if visitor is not None and visitor not in VISITOR_LABELS:
        errors["visitor"] = "请选择由谁走访（网格员、结对党员或志愿者）。"
    name = (visitor_name or "").strip() or None
    if visitor == "volunteer" and not name:
        errors["visitor_name"] = "由志愿者走访时，请填写志愿者姓名。"
    if errors:
        raise FormError(errors)
    values = {"interval_days": days, "visitor": visitor, "visitor_name": name,
              "note": (note or "").strip() or None}
    with transaction(db):
        row = q.schedule(db, resident_id)
        if row is None:
            return q.insert(db, "care_schedules", {"resident_id": resident_id, **values})
        q.update(db, "care_schedules", row["id"], values)
        return row["id"]


def end_schedule(db: sqlite_utils.Database, resident_id: str, reason: str, *,
                 on: date | None = None, note: str | None = None,
                 today: date | None = None) -> str:
    """No more visits for this person from `on` (today): moved away, died, declined."""
    require_resident(db, "pairing.edit", resident_id)
    if reason not in END_REASON_LABELS:
        raise FormError({"end_reason": "请选择结束走访的原因。"})
    day = (on or _today(today)).isoformat()
    text = (note or "").strip() or None
    with transaction(db):
        row = q.schedule(db, resident_id)
        values = {"ended_on": day, "end_reason": reason}
        if text:
            values["note"] = text
        if row is None:
            return q.insert(db, "care_schedules", {"resident_id": resident_id, **values})
        q.update(db, "care_schedules", row["id"], values)
        return row["id"]


def resume_schedule(db: sqlite_utils.Database, resident_id: str) -> None:
    require_resident(db, "pairing.edit", resident_id)
    with transaction(db):
        row = q.schedule(db, resident_id)
        if row is not None and row["ended_on"]:
            q.update(db, "care_schedules", row["id"], {"ended_on": None, "end_reason": None})


# --- the board -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Board:
    """Everyone to visit on `today`, most urgent first (light rows; `rows` reads a page)."""

    today: date
    entries: list[dict[str, Any]]

    def counts(self) -> dict[str, int]:
        found = Counter(e["status"] for e in self.entries)
        return {s: found.get(s, 0) for s in STATUS_LABELS} | {"all": len(self.entries)}

    def ids(self, statuses: Collection[str] | None = None) -> list[str]:
        return [e["id"] for e in self.entries if statuses is None or e["status"] in statuses]

    def entry(self, resident_id: str) -> dict[str, Any] | None:
        return next((e for e in self.entries if e["id"] == resident_id), None)

    def recorded(self, resident_id: str, method: str, day: date) -> dict[str, Any] | None:
        """The board after a visit was saved, without reading it again (a round of visits
        must not wait for the whole board): the person's entry moves to 今日已访 or 未见到,
        and stays where it stands in the list."""
        e = self.entry(resident_id)
        if e is None:
            return None
        if method != "absent" and day.isoformat() > (e["last_on"] or ""):
            e["last_on"] = day.isoformat()
            e["due_on"] = (day + timedelta(days=e["days"])).isoformat()
        if day == self.today:
            e["today_method"] = method if e.get("today_method") in (None, "absent") \
                else e["today_method"]
        if e["last_on"] == self.today.isoformat():
            e["status"] = "done"
        elif e.get("today_method") == "absent":
            e["status"] = "absent"
        elif e["due_on"] < self.today.isoformat():
            e["status"] = "overdue"
        else:
            e["status"] = "due" if e["due_on"] == self.today.isoformat() else "later"
        return e

    def next_due(self, after: str | None = None, among: Collection[str] | None = None
                 ) -> str | None:
        """The next person still to visit today (overdue or due) after `after` in board
        order, wrapping round; `among` limits it to the ids a filter shows."""
        todo = [e["id"] for e in self.entries if e["status"] in ("overdue", "due")
                and (among is None or e["id"] in among) and e["id"] != after]
        if not todo:
            return None
        order = {e["id"]: i for i, e in enumerate(self.entries)}
        start = order.get(after, -1) if after else -1
        return next((i for i in todo if order[i] > start), todo[0])


def board(db: sqlite_utils.Database, today: date | None = None, *, grid_id: str | None = None,
          tag: str | None = None, communities: Collection[str] | None = None) -> Board:
    """The visit board: who is overdue, not met today, due today, visited today, not yet
    due. A grid worker sees their own grids; `grid_id`, `tag` and (at a district)
    `communities` narrow it."""
    require(db, "pairing.view")
    day = _today(today)
    grids = accounts.grid_scope(db)
    if grid_id is not None:
        grids = {grid_id} if grids is None or grid_id in grids else set()
    entries = q.board(db, _rule_rows(db), today=day.isoformat(), old_tag=OLD_AGE_TAG,
                      old_born=_years_before(day, OLD_AGE).isoformat(), grid_ids=grids,
                      tag=tag or None, communities=communities)
    return Board(day, entries)


def board_rows(db: sqlite_utils.Database, board_: Board, ids: Sequence[str]
               ) -> list[dict[str, Any]]:
    """Display rows for a page of the board: the light entry with the person's name, address,
    grid, who visits, the last visit, vaccination (60+) and open needs."""
    entries = {e["id"]: e for e in board_.entries}
    out = []
    for r in q.person_rows(db, ids, board_.today.isoformat()):
        e = entries.get(r["id"], {})
        row = {**r, **e}
        row["age"] = age_on(r["birth_date"], board_.today)
        row["visitor_text"] = visitor_text(row)
        out.append(row)
    return out


def visitor_text(row: dict[str, Any]) -> str:
    """Who visits this person, by name where known."""
    kind = row.get("visitor") or "grid_worker"
    if kind == "member":
        return (f"党员 {row['member_name']}" if row.get("member_name")
                else f"网格员 {row.get('grid_worker') or ''}（未结对）".strip())
    if kind == "volunteer":
        return f"志愿者 {row.get('volunteer') or ''}".strip()
    return f"网格员 {row.get('grid_worker') or ''}".strip()


def grids(db: sqlite_utils.Database) -> list[tuple[str, str]]:
    """(id, name) of the grids for the board's filter (a grid worker's own only). At a
    district each is named with its community (every community has its 第一网格), grouped
    by community."""
    scope = accounts.grid_scope(db)
    found = [g for g in rq.org_units(db, "grid") if scope is None or g["id"] in scope]
    if not community_scope.is_district(db):
        return [(g["id"], g["name"]) for g in found]
    names = community_scope.names(db)
    order = {c.id: i for i, c in enumerate(community_scope.communities(db))}
    found.sort(key=lambda g: order.get(g["community_id"], len(order)))  # stable sort
    return [(g["id"], f"{names.get(g['community_id'], '另一社区')} › {g['name']}")
            for g in found]


def tags(db: sqlite_utils.Database) -> list[str]:
    """The tags the board can be filtered by: every rule's tag here."""
    return sorted({r[1] for r in _rule_rows(db)})


# --- visits ----------------------------------------------------------------------------------

class MovedAway(FormError):
    """The person has moved away (or was removed from the registry); nothing was saved. The
    window offers to end their care schedule (end_schedule with reason 'moved_away')."""

    def __init__(self, resident_id: str, name: str) -> None:
        super().__init__({"resident": f"{name}已迁出本社区（或已从居民登记中删除），"
                                      "不能再登记走访。如已确认迁出，请结束对其的关爱走访安排。"})
        self.resident_id = resident_id
        self.name = name


def has_moved(state: dict[str, Any]) -> bool:
    tags_ = (state.get("tags") or "").split()
    return bool(state["deleted"] or not state["household_id"] or state["household_deleted"]
                or any(t in tags_ for t in MOVED_TAGS))


def record_visit(db: sqlite_utils.Database, resident_id: str, *, method: str,
                 visitor: str = "grid_worker", wellbeing: str | None = None,
                 needs: Iterable[str] = (), note: str | None = None,
                 visitor_name: str | None = None, member_id: str | None = None,
                 visited_on: date | None = None, today: date | None = None) -> str:
    """Record a visit, call or attempt. A paired Party member's visit or call is also written
    to the 党员联户 contact log (one log: it counts for both). Returns the visit's id."""
    require_resident(db, "pairing.edit", resident_id)
    state = q.resident_state(db, resident_id)
    if state is None:
        raise FormError({"resident": "找不到这位居民，请刷新看板后重新选择。"})
    if has_moved(state):
        raise MovedAway(resident_id, state["name"])
    errors: dict[str, str] = {}
    day = visited_on or _today(today)
    if day > _today(today):
        errors["visited_on"] = "走访日期不能晚于今天。"
    if method not in METHOD_LABELS:
        errors["method"] = "请选择走访方式：上门走访、电话问候或上门未见到。"
    if visitor not in VISITOR_LABELS:
        errors["visitor"] = "请选择走访人：网格员、结对党员或志愿者。"
    if method in ("visit", "phone") and wellbeing not in WELLBEING_LABELS:
        errors["wellbeing"] = "请选择老人（居民）的身体和生活状况：良好、一般或较差。"
    if method == "absent":
        wellbeing = None
    needs = list(dict.fromkeys(needs))
    if any(n not in NEED_LABELS for n in needs):
        errors["needs"] = "需求只能是：就医、助餐、维修、代买、心理、其他。"
    if "other" in needs and not (note or "").strip():
        errors["note"] = "需求选了“其他”，请在备注里写明是什么需求。"
    name = (visitor_name or "").strip() or None
    if visitor == "member":
        if member_id is None:
            row = db.conn.execute(
                "SELECT member_id FROM pairings WHERE household_id = ? AND ended_on IS NULL "
                "AND deleted = 0 LIMIT 1", (state["household_id"],)).fetchone()
            member_id = row[0] if row else None
        if member_id is None:
            errors["visitor"] = ("这户还没有结对党员：请选择网格员或志愿者，或先在“党员联户”"
                                 "中安排联系党员。")
    elif visitor == "volunteer" and not name:
        errors["visitor_name"] = "志愿者走访，请填写志愿者姓名。"
    if errors:
        raise FormError(errors)
    text = (note or "").strip() or None
    with transaction(db):
        contact_id = None
        if visitor == "member" and method in ("visit", "phone"):
            # The same contact in the member's log (党员联户), through its own service.
            from app import pairing
            summary = "关爱走访" + (f"：{WELLBEING_LABELS[wellbeing]}" if wellbeing else "")
            if needs:
                summary += "，需求 " + "、".join(NEED_LABELS[n] for n in needs)
            contact_id = pairing.log_contact(
                db, state["household_id"], method, member_id=member_id, contact_on=day,
                note=f"{summary}{'；' + text if text else ''}", today=_today(today))
        visit_id = q.insert(db, "care_visits", {
            "resident_id": resident_id, "household_id": state["household_id"],
            "visited_on": day.isoformat(), "method": method, "visitor": visitor,
            "visitor_name": name, "member_id": member_id if visitor == "member" else None,
            "wellbeing": wellbeing, "needs": " ".join(needs), "note": text,
            "contact_id": contact_id, "recorded_at": datetime.now().isoformat(timespec="seconds"),
            "recorded_by": accounts.actor_name(db)}, owner=state["community_id"])
        for kind in needs:
            q.insert(db, "care_needs", {
                "visit_id": visit_id, "resident_id": resident_id, "kind": kind,
                "found_on": day.isoformat(), "note": text, "status": "open"},
                owner=state["community_id"])
    return visit_id


def person(db: sqlite_utils.Database, resident_id: str, today: date | None = None
           ) -> dict[str, Any]:
    """One person in full for the detail pane: who they are, their schedule, the one contact
    log (care visits and Party-member contacts), needs, vaccinations."""
    require_resident(db, "pairing.view", resident_id)
    day = _today(today)
    rows = q.person_rows(db, [resident_id], day.isoformat())
    if not rows:
        raise FormError({"resident": "找不到这位居民，请刷新后重新选择。"})
    row = rows[0]
    row["age"] = age_on(row["birth_date"], day)
    row["schedule"] = q.schedule(db, resident_id)
    row["log"] = q.contact_log(db, resident_id, row["household_id"])
    row["needs"] = _needs_of(db, resident_id)
    row["vaccinations"] = q.vaccinations_of(db, resident_id)
    return row


def _needs_of(db: sqlite_utils.Database, resident_id: str) -> list[dict[str, Any]]:
    cursor = db.conn.execute("SELECT * FROM care_needs WHERE resident_id = ? AND deleted = 0 "
                             "ORDER BY found_on DESC, id DESC", (resident_id,))
    cols = [d[0] for d in cursor.description]
    return [dict(zip(cols, r, strict=True)) for r in cursor]


# --- needs and referrals ---------------------------------------------------------------------

# Where a need's request stands, as the events list says it (app.incidents' statuses).
REQUEST_STATE_LABELS = {"open": "诉求待处理", "assigned": "诉求处理中",
                        "escalated": "诉求已上报区里", "resolved": "诉求已办结",
                        "closed": "诉求已办结并回访"}


def request_text(row: dict[str, Any]) -> str:
    """"诉求已办结：已联系物业维修" for a need passed on as a request; "" otherwise."""
    state = row.get("request_state")
    if not state:
        return ""
    status, result = state.split("|", 1)
    label = REQUEST_STATE_LABELS.get(status, status)
    return f"{label}：{result}" if result else label


def needs(db: sqlite_utils.Database, *, statuses: Sequence[str] | None = None,
          since: date | None = None, communities: Collection[str] | None = None
          ) -> list[dict[str, Any]]:
    """Needs found (newest first), each with `request_text`: where its request stands."""
    require(db, "pairing.view")
    rows = q.needs(db, statuses=statuses, since=since.isoformat() if since else None,
                   communities=communities, grid_ids=accounts.grid_scope(db))
    return [{**r, "request_text": request_text(r)} for r in rows]


def _need(db: sqlite_utils.Database, need_id: str) -> dict[str, Any]:
    row = q.get(db, "care_needs", need_id)
    if row is None or row["deleted"]:
        raise FormError({"need": "找不到这条需求，请刷新后重新选择。"})
    require_resident(db, "pairing.edit", row["resident_id"])
    return row


def need_to_request(db: sqlite_utils.Database, need_id: str, text: str | None = None) -> str:
    """Pass a need on as a resident's request (诉求) handled as a grid event; returns the
    request's id."""
    row = _need(db, need_id)
    if row["status"] != "open":
        raise FormError({"need": f"这条需求{NEED_STATUS_LABELS[row['status']]}，不能再转为诉求。"})
    words = (text or "").strip() or (f"走访发现{NEED_LABELS[row['kind']]}需求"
                                     + (f"：{row['note']}" if row["note"] else ""))
    try:
        incidents = importlib.import_module("app.incidents")
    except ImportError as exc:
        raise FormError({"need": "本机的事件和诉求功能还没有安装，暂时不能转为诉求；"
                                 "可以先转介或登记办理结果。"}) from exc
    with transaction(db):
        request_id = incidents.create_request(db, resident_id=row["resident_id"], text=words,
                                              kind=None, source="走访")
        q.update(db, "care_needs", need_id, {"status": "request", "request_id": request_id})
    return request_id


def refer_need(db: sqlite_utils.Database, need_id: str, to: str, *, on: date | None = None,
               note: str | None = None, today: date | None = None) -> None:
    """Refer a need to an outside body (民政, 残联, 卫生服务中心 …)."""
    row = _need(db, need_id)
    errors: dict[str, str] = {}
    body = (to or "").strip()
    if not body:
        errors["referred_to"] = "请填写转介到哪个部门或单位（如 民政、残联、卫生服务中心）。"
    if row["status"] == "done":
        errors["need"] = "这条需求已经办结，不能再转介。"
    day = on or _today(today)
    if day > _today(today):
        errors["referred_on"] = "转介日期不能晚于今天。"
    if errors:
        raise FormError(errors)
    values = {"status": "referred", "referred_to": body, "referred_on": day.isoformat()}
    if (note or "").strip():
        values["note"] = "；".join(p for p in (row["note"], note.strip()) if p)
    with transaction(db):
        q.update(db, "care_needs", need_id, values)


def close_need(db: sqlite_utils.Database, need_id: str, outcome: str, *,
               on: date | None = None, today: date | None = None) -> None:
    """Record what became of a need (the referral's or request's outcome); it is then done."""
    row = _need(db, need_id)
    text = (outcome or "").strip()
    errors: dict[str, str] = {}
    if not text:
        errors["outcome"] = "请填写办理结果（如 已联系卫生服务中心上门、已申请助餐补贴）。"
    day = on or _today(today)
    if day > _today(today):
        errors["outcome_on"] = "办结日期不能晚于今天。"
    if row["status"] == "done":
        errors["need"] = f"这条需求已于{row['outcome_on']}办结：{row['outcome']}。"
    if errors:
        raise FormError(errors)
    with transaction(db):
        q.update(db, "care_needs", need_id, {"status": "done", "outcome": text,
                                             "outcome_on": day.isoformat()})


def month_start(day: date) -> date:
    return day.replace(day=1)


def need_counts(db: sqlite_utils.Database, months: int = 6, today: date | None = None,
                communities: Collection[str] | None = None) -> dict[str, dict[str, int]]:
    """Needs found per month (YYYY-MM, the last `months` including this one) by kind, for
    the report the street asks for; every kind and month present, zeros included."""
    require(db, "pairing.view")
    end = month_start(_today(today))
    first = end
    for _ in range(months - 1):
        first = month_start(first - timedelta(days=1))
    following = month_start(end + timedelta(days=32))
    out = {}
    m = first
    while m < following:
        out[m.strftime("%Y-%m")] = dict.fromkeys(NEED_LABELS, 0)
        m = month_start(m + timedelta(days=32))
    for month, kind, n in q.need_counts(db, first.isoformat(), following.isoformat(),
                                        communities):
        out.setdefault(month, dict.fromkeys(NEED_LABELS, 0))[kind] = n
    return out


# --- vaccination (60+) -----------------------------------------------------------------------

def vaccination(db: sqlite_utils.Database, resident_id: str) -> dict[str, Any] | None:
    rows = q.vaccinations_of(db, resident_id)
    return rows[0] if rows else None


def record_vaccination(db: sqlite_utils.Database, resident_id: str, status: str, *,
                       doses: Any = None, last_dose_on: date | None = None,
                       note: str | None = None, today: date | None = None) -> str:
    """A 60+ resident's vaccination status as of today (a new row: earlier ones stay)."""
    session = accounts.current(db)
    permission = ("health.edit" if session is not None and session.can("health.edit")
                  and not session.can("pairing.edit") else "pairing.edit")
    require_resident(db, permission, resident_id)
    state = q.resident_state(db, resident_id)
    if state is None or state["deleted"]:
        raise FormError({"resident": "找不到这位居民，请刷新后重新选择。"})
    day = _today(today)
    errors: dict[str, str] = {}
    age = age_on(state["birth_date"], day)
    if age is None:
        errors["resident"] = "这位居民没有登记出生日期，请先在“楼栋住户”中补全后再登记接种情况。"
    elif age < VACCINE_AGE:
        errors["resident"] = f"接种情况只为{VACCINE_AGE}岁及以上老人登记（这位居民{age}岁）。"
    if status not in VACCINE_LABELS:
        errors["status"] = "请选择接种情况。"
    n = None
    if doses not in (None, ""):
        try:
            n = int(doses)
            if not 0 <= n <= 9:
                raise ValueError
        except (TypeError, ValueError):
            errors["doses"] = "剂次要填0～9的整数。"
    if last_dose_on is not None and last_dose_on > day:
        errors["last_dose_on"] = "最近一剂的日期不能晚于今天。"
    if errors:
        raise FormError(errors)
    with transaction(db):
        return q.insert(db, "care_vaccinations", {
            "resident_id": resident_id, "status": status, "doses": n,
            "last_dose_on": last_dose_on.isoformat() if last_dose_on else None,
            "recorded_on": day.isoformat(), "recorded_by": accounts.actor_name(db),
            "note": (note or "").strip() or None}, owner=state["community_id"])
