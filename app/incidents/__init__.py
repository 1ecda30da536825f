"""Grid events (事件) and residents' requests (诉求): reporting, handling, escalating to the
district and the district's handling coming back, callbacks; the events list and its filters.

Ownership: every row belongs to the event's community. The community writes the event and its
steps; the district writes only incident_replies (owned by the event's community, so each
reply travels down to that community alone). Where both ends act at once (the community
resolves while the district also resolves), one result wins (the earlier) and the other is
listed as a conflict: both rows stay, nothing is lost.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlite_utils

from app import accounts, registry
from app.accounts import masking
from app.errors import FormError
from app.validation import ValidationError, normalize_phone
from db import incidents as q
from db.node import get_meta, transaction

DEFAULT_KINDS = ("设施损坏", "环境卫生", "矛盾纠纷", "安全隐患", "特殊人群", "其他")
CATEGORY_LABELS = {"event": "事件", "request": "诉求"}
URGENCY_LABELS = {"normal": "一般", "urgent": "紧急", "critical": "特急"}
# The deadline an urgency gives (hours from the report); a deadline typed by hand overrides.
DEADLINE_HOURS = {"normal": 72, "urgent": 24, "critical": 4}
STATUS_LABELS = {"open": "待处理", "assigned": "处理中", "escalated": "已上报",
                 "resolved": "已办结", "closed": "已回访"}
REPORTER_LABELS = {"staff": "网格员", "resident": "居民", "hotline": "热线", "other": "其他"}
ASSIGNEE_LABELS = {"staff": "社区工作人员", "party_member": "党员", "property": "物业",
                   "other": "其他"}
SATISFACTION_LABELS = {"satisfied": "满意", "basic": "基本满意", "unsatisfied": "不满意",
                       "unreachable": "联系不上"}
STEP_LABELS = {"report": "登记", "assign": "派单", "progress": "进展", "escalate": "上报",
               "resolve": "办结", "callback": "回访", "reopen": "重新办理", "photo": "照片",
               "conflict": "冲突"}
REPLY_LABELS = {"accept": "区里受理", "assign": "区里交办", "progress": "区里进展",
                "resolve": "区里办结", "return": "区里退回"}
MAX_TEXT = 2000


def now_text() -> str:
    return datetime.now().isoformat(timespec="seconds")


def shown_time(at: str | None) -> str:
    """"2026-12-05 09:30" from an ISO time."""
    return (at or "")[:16].replace("T", " ")


def list_time(at: str | None, today: date | None = None) -> str:
    """A time as a list column shows it: "12-05 09:30" this year, "2025-12-05" before (the
    full "2026-12-05 09:30" did not fit its column at 1280 × 800)."""
    if not at:
        return ""
    if at[:4] == str((today or date.today()).year):
        return at[5:16].replace("T", " ")
    return at[:10]


def is_district(db: sqlite_utils.Database) -> bool:
    return get_meta(db, "role") == "district"


def due_for(urgency: str, reported_at: str) -> str:
    """The deadline an urgency gives an event reported at `reported_at`."""
    start = datetime.fromisoformat(reported_at)
    return (start + timedelta(hours=DEADLINE_HOURS[urgency])).isoformat(timespec="seconds")


# --- kinds ------------------------------------------------------------------------------------

def kinds(db: sqlite_utils.Database) -> list[str]:
    """The kinds a report offers: the office's list, or the usual six until it sets its own.
    At a district: every kind its communities used."""
    if is_district(db):
        return list(dict.fromkeys([*DEFAULT_KINDS, *q.used_kinds(db)]))
    rows = q.kinds(db)
    if not rows:
        return list(DEFAULT_KINDS)
    return [r["name"] for r in rows if not r["deleted"]]


def set_kinds(db: sqlite_utils.Database, names: list[str]) -> list[str]:
    """The office edits its kinds (设置): the list in this order. A kind taken away stays on
    the events that have it (their kind is their own text); it is only no longer offered."""
    accounts.require(db, "incidents.edit")
    cleaned = list(dict.fromkeys(n.strip() for n in names if n.strip()))
    if not cleaned:
        raise FormError({"kinds": "事件类型至少要有一种，请填写后再保存。"})
    too_long = [n for n in cleaned if len(n) > 20]
    if too_long:
        raise FormError({"kinds": f"事件类型“{too_long[0]}”太长（最多20个字），请改短。"})
    with transaction(db):
        held = {r["name"]: r for r in q.kinds(db)}
        for position, name in enumerate(cleaned):
            row = held.pop(name, None)
            if row is None:
                q.insert(db, "incident_kinds", {"name": name, "position": position})
            elif row["position"] != position or row["deleted"]:
                q.update(db, "incident_kinds", row["id"], {"position": position, "deleted": 0})
        for row in held.values():
            if not row["deleted"]:
                q.update(db, "incident_kinds", row["id"], {"deleted": 1})
    return cleaned


# --- reporting --------------------------------------------------------------------------------

def _text(value: str | None, fld: str, label: str, *, required: bool = False,
          limit: int = MAX_TEXT) -> str | None:
    text = (value or "").strip()
    if not text:
        if required:
            raise FormError({fld: f"请填写{label}。"})
        return None
    if len(text) > limit:
        raise FormError({fld: f"{label}太长（{len(text)}个字，最多{limit}个），请精简。"})
    return text


def _phone(value: str | None, fld: str) -> str | None:
    text = (value or "").strip()
    if not text:
        return None
    try:
        return normalize_phone(text)
    except ValidationError as exc:
        raise FormError({fld: exc.message}) from exc


def _place(db: sqlite_utils.Database, household_id: str | None, building_id: str | None,
           compound_id: str | None, place: str | None) -> dict[str, Any]:
    """The place columns for what was picked: a household, building or compound (its address
    is kept as the place's words), or only words typed."""
    for key, find in (("household_id", q.household_place), ("building_id", q.building_place),
                      ("compound_id", q.compound_place)):
        picked = {"household_id": household_id, "building_id": building_id,
                  "compound_id": compound_id}[key]
        if picked:
            row = find(db, picked)
            if row is None:
                raise FormError({"place": "选中的地点已不在登记中，请重新选择或直接填写地点。"})
            typed = (place or "").strip()
            return {key: picked, "grid_id": row["grid_id"],
                    "place": typed if typed and typed != row["place"] else row["place"]}
    text = _text(place, "place", "地点（住户、楼栋、楼院，或直接填写位置）", required=True,
                 limit=200)
    return {"place": text}


def report(db: sqlite_utils.Database, *, kind: str | None, description: str | None,
           place: str | None = None, household_id: str | None = None,
           building_id: str | None = None, compound_id: str | None = None,
           urgency: str = "normal", reporter_kind: str = "staff",
           reporter_name: str | None = None, reporter_phone: str | None = None,
           resident_id: str | None = None, source: str = "", category: str = "event",
           reported_at: str | None = None, due_at: str | None = None) -> str:
    """登记事件. A missing kind or place or description is a FormError at that field and
    nothing is saved; returns the new event's id."""
    session = accounts.require(db, "incidents.edit")
    errors: dict[str, str] = {}
    kind = (kind or "").strip()
    if not kind:
        errors["kind"] = "请选择事件类型（如设施损坏、环境卫生）。"
    elif len(kind) > 20:
        errors["kind"] = "事件类型太长（最多20个字）。"
    try:
        spot = _place(db, household_id, building_id, compound_id, place)
    except FormError as exc:
        errors.update(exc.errors)
        spot = {}
    try:
        text = _text(description, "description", "事件内容（发生了什么）", required=True)
    except FormError as exc:
        errors.update(exc.errors)
    if urgency not in URGENCY_LABELS:
        errors["urgency"] = "紧急程度只能是一般、紧急或特急。"
    if reporter_kind not in REPORTER_LABELS:
        errors["reporter_kind"] = "请选择报告人类型（网格员、居民、热线或其他）。"
    if category not in CATEGORY_LABELS:
        errors["category"] = "只能登记事件或诉求。"
    try:
        phone = _phone(reporter_phone, "reporter_phone")
        name = _text(reporter_name, "reporter_name", "报告人姓名", limit=50)
    except FormError as exc:
        errors.update(exc.errors)
    at = reported_at or now_text()
    try:
        datetime.fromisoformat(at)
        if due_at:
            datetime.fromisoformat(due_at)
    except ValueError:
        errors["reported_at"] = "时间格式不对，应为 2026-12-05 09:30。"
    if errors:
        raise FormError(errors)
    if reporter_kind == "staff" and not name:
        name = session.display_name
    values = {"category": category, "kind": kind, "urgency": urgency, **spot,
              "description": text, "reporter_kind": reporter_kind, "reporter_name": name,
              "reporter_phone": phone, "resident_id": resident_id, "source": source,
              "reported_at": at, "due_at": due_at or due_for(urgency, at), "status": "open"}
    with transaction(db):
        incident_id = q.insert(db, "incidents", values)
        _step(db, incident_id, "report",
              f"{CATEGORY_LABELS[category]}：{kind}，{URGENCY_LABELS[urgency]}"
              + (f"，来源：{source}" if source else ""), at=at)
    return incident_id


def create_request(db: sqlite_utils.Database, *, resident_id: str, text: str,
                   kind: str | None = None, source: str = "走访", urgency: str = "normal",
                   phone: str | None = None, reported_at: str | None = None) -> str:
    """A resident's request (诉求) to handle: from a phone call, the hotline, or a need found on
    a care visit. The place is the resident's home, the reporter the resident. Returns the
    new event's id (a FormError names the field when something is missing)."""
    person = q.resident_place(db, resident_id)
    if person is None:
        raise FormError({"resident": "找不到这位居民（可能已迁出或删除），请重新查找。"})
    accounts.require_household(db, "incidents.edit", person["household_id"])
    return report(
        db, kind=kind or "其他", description=text,
        household_id=person["household_id"],
        place=None if person["household_id"] else "（居民未登记住址）",
        urgency=urgency, reporter_kind="hotline" if source in ("热线", "12345") else "resident",
        reporter_name=person["name"], reporter_phone=phone or person["phone"],
        resident_id=resident_id, source=source, category="request", reported_at=reported_at)


def _step(db: sqlite_utils.Database, incident_id: str, action: str, note: str | None, *,
          at: str | None = None) -> str:
    return q.insert(db, "incident_steps", {"incident_id": incident_id, "at": at or now_text(),
                                           "actor": _who(db),
                                           "action": action, "note": note},
                    owner=_owner(db, incident_id))


def _who(db: sqlite_utils.Database) -> str:
    session = accounts.current(db)
    return session.display_name if session else ""


def _owner(db: sqlite_utils.Database, incident_id: str) -> str:
    row = q.incident(db, incident_id)
    return row["community_id"] if row else get_meta(db, "community_id") or ""


def _held(db: sqlite_utils.Database, incident_id: str) -> dict[str, Any]:
    row = q.incident(db, incident_id)
    if row is None or row["deleted"]:
        raise FormError({"incident": "找不到这条事件（可能已删除），请刷新列表。"})
    return row


# --- handling at the community ----------------------------------------------------------------

def assign(db: sqlite_utils.Database, incident_id: str, *, assignee: str | None,
           assignee_kind: str = "staff", phone: str | None = None,
           due_at: str | None = None, note: str | None = None) -> None:
    """派单: who handles it (staff, a Party member, property staff) and by when."""
    accounts.require(db, "incidents.edit")
    name = _text(assignee, "assignee", "处理人", required=True, limit=50)
    if assignee_kind not in ASSIGNEE_LABELS:
        raise FormError({"assignee_kind": "请选择处理人类型。"})
    number = _phone(phone, "assignee_phone")
    note = _text(note, "note", "说明")
    if due_at:
        try:
            datetime.fromisoformat(due_at)
        except ValueError:
            raise FormError({"due_at": "办理期限格式不对，应为 2026-12-05 18:00。"}) from None
    with transaction(db):
        row = _held(db, incident_id)
        back = row["status"] == "escalated" and _returned(q.steps(db, incident_id))
        if row["status"] not in q.OPEN and not back:
            raise FormError({"assignee": f"这条事件{STATUS_LABELS[row['status']]}，不能再派单。"})
        change: dict[str, Any] = {"assignee": name, "assignee_kind": assignee_kind,
                                  "assignee_phone": number, "status": "assigned"}
        if due_at:
            change["due_at"] = due_at
        q.update(db, "incidents", incident_id, change)
        _step(db, incident_id, "assign",
              f"派给{ASSIGNEE_LABELS[assignee_kind]}{name}"
              + (f"，期限{shown_time(due_at)}" if due_at else "")
              + (f"（原处理人：{row['assignee']}）" if row["assignee"] else "")
              + (f"。{note}" if note else ""))


def add_progress(db: sqlite_utils.Database, incident_id: str, note: str | None) -> None:
    """A progress note (进展); the event's state does not change."""
    accounts.require(db, "incidents.edit")
    text = _text(note, "note", "进展情况", required=True)
    with transaction(db):
        _held(db, incident_id)
        _step(db, incident_id, "progress", text)


def escalate(db: sqlite_utils.Database, incident_id: str, reason: str | None) -> None:
    """上报: what the community cannot solve goes to the district in the next bundle. An event
    already escalated is not escalated again: the reason given is kept in its history as a
    conflict, and the FormError says who escalated it and when."""
    accounts.require(db, "incidents.edit")
    text = _text(reason, "reason", "上报理由（社区为什么解决不了）", required=True)
    with transaction(db):
        row = _held(db, incident_id)
        if row["status"] in q.OPEN:
            q.update(db, "incidents", incident_id, {"status": "escalated",
                                                    "escalated_at": now_text(),
                                                    "escalate_reason": text})
            _step(db, incident_id, "escalate", text)
            return
        if row["status"] == "escalated" and _returned(q.steps(db, incident_id)):
            q.update(db, "incidents", incident_id, {"escalated_at": now_text(),
                                                    "escalate_reason": text})
            _step(db, incident_id, "escalate", f"区里退回后再次上报：{text}")
            return
        if row["status"] == "escalated":
            _step(db, incident_id, "conflict",
                  f"重复上报未生效（已于{shown_time(row['escalated_at'])}上报）。本次理由：{text}")
    if row["status"] == "escalated":
        raise FormError({"reason": f"这条事件已于{shown_time(row['escalated_at'])}上报，"
                                   "不能重复上报；您填写的理由已记入事件记录。"})
    raise FormError({"reason": f"这条事件{STATUS_LABELS[row['status']]}，不能上报。"})


def _district_resolve(db: sqlite_utils.Database, incident_id: str) -> dict[str, Any] | None:
    for r in reversed(q.steps(db, incident_id)):
        if r["side"] == "district" and r["action"] == "resolve":
            return r
    return None


def _returned(steps: list[dict[str, Any]]) -> bool:
    """The district sent the event back (退回) and the community has not sent it up again:
    it is back in the community's hands, to assign or escalate with a new reason. Each 退回
    answers one escalation, so they are counted, not compared by time (the two ends'
    clocks differ)."""
    returns = sum(s["side"] == "district" and s["action"] == "return" for s in steps)
    ups = sum(s["side"] == "community" and s["action"] == "escalate" for s in steps)
    return returns > 0 and returns >= ups


def resolve(db: sqlite_utils.Database, incident_id: str, result: str | None) -> None:
    """办结 at the community with its result (an escalated event too: the community solved it
    after all). If the district has already resolved it, use callback instead."""
    accounts.require(db, "incidents.edit")
    text = _text(result, "result", "办理结果", required=True)
    with transaction(db):
        row = _held(db, incident_id)
        if row["status"] in ("resolved", "closed"):
            raise FormError({"result": f"这条事件已于{shown_time(row['resolved_at'])}办结。"})
        done = _district_resolve(db, incident_id)
        if done is not None:
            raise FormError({"result": f"区里已于{shown_time(done['at'])}办结这条事件，"
                                       "请直接回访居民并登记满意度。"})
        q.update(db, "incidents", incident_id, {"status": "resolved", "resolved_at": now_text(),
                                                "resolved_by": "community", "result": text})
        _step(db, incident_id, "resolve", text)


def callback(db: sqlite_utils.Database, incident_id: str, satisfaction: str,
             note: str | None = None) -> None:
    """回访: the reporter asked back; closes the event. An escalated event the district has
    resolved is closed with the district's result (the community closes the loop)."""
    accounts.require(db, "incidents.edit")
    if satisfaction not in SATISFACTION_LABELS:
        raise FormError({"satisfaction": "请选择满意度（满意、基本满意、不满意或联系不上）。"})
    note = _text(note, "note", "回访情况")
    with transaction(db):
        row = _held(db, incident_id)
        change: dict[str, Any] = {"status": "closed", "satisfaction": satisfaction,
                                  "callback_at": now_text()}
        if row["status"] == "escalated":
            done = _district_resolve(db, incident_id)
            if done is None:
                raise FormError({"satisfaction": "区里还没有办结这条事件，办结后才能回访。"})
            change.update(resolved_at=done["at"], resolved_by="district",
                          result=done["note"] or "区里已办结")
        elif row["status"] != "resolved":
            raise FormError({"satisfaction": f"这条事件{STATUS_LABELS[row['status']]}，"
                                             "办结后才能回访。"})
        q.update(db, "incidents", incident_id, change)
        _step(db, incident_id, "callback",
              SATISFACTION_LABELS[satisfaction] + (f"：{note}" if note else ""))


# --- the district -----------------------------------------------------------------------------

REPLY_NEEDS = {"assign": ("department", "交办部门（如区城管局）")}


def reply(db: sqlite_utils.Database, incident_id: str, action: str, *,
          department: str | None = None, note: str | None = None) -> str:
    """At the district: its handling of an escalated event (受理, 交办 to a department, 进展,
    办结 with the result, 退回). The row belongs to the event's community, so it goes down to
    that community only. A resolve needs a result; nothing after the district's resolve."""
    accounts.require(db, "incidents.reply")
    if not is_district(db):
        raise FormError({"action": "只有区里能答复上报的事件。"})
    if action not in REPLY_LABELS:
        raise FormError({"action": "请选择处理方式（受理、交办、进展、办结或退回）。"})
    dept = _text(department, "department", "交办部门", required=action == "assign", limit=50)
    text = _text(note, "note", "办理结果" if action == "resolve" else "说明",
                 required=action in ("resolve", "progress", "return"))
    with transaction(db):
        row = _held(db, incident_id)
        if not row["escalated_at"]:
            raise FormError({"action": "这条事件没有上报到区里。"})
        if row["status"] in ("resolved", "closed") and row["resolved_by"] == "community":
            raise FormError({"action": f"社区已于{shown_time(row['resolved_at'])}自行办结，"
                                       "无需区里再处理。"})
        done = _district_resolve(db, incident_id)
        if done is not None:
            raise FormError({"action": f"区里已于{shown_time(done['at'])}办结这条事件。"})
        return q.insert(db, "incident_replies", {
            "incident_id": incident_id, "at": now_text(), "actor": _who(db), "action": action,
            "department": dept, "note": text}, owner=row["community_id"])


# --- reading ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Step:
    at: str
    side: str          # community | district
    actor: str
    action: str        # its label: 登记, 上报, 区里交办 …
    text: str


@dataclass(frozen=True)
class Detail:
    row: dict[str, Any]
    steps: list[Step]
    conflicts: list[str] = field(default_factory=list)
    # Who resolved it as it stands (the earlier when both ends did): community | district | ""
    resolved_by: str = ""
    result: str = ""
    photos: list[dict[str, Any]] = field(default_factory=list)
    # The district sent it back (退回) and the community has not yet sent it up again
    returned: bool = False


def _conflicts(row: dict[str, Any], steps: list[dict[str, Any]]
               ) -> tuple[list[str], str, str]:
    """Both ends resolved (neither knowing of the other): the earlier wins, the other is
    listed. Returns (conflicts, who resolved, the result that stands)."""
    out = [f"{shown_time(s['at'])} {s['note']}" for s in steps
           if s["side"] == "community" and s["action"] == "conflict"]
    district = next((s for s in steps if s["side"] == "district" and s["action"] == "resolve"),
                    None)
    community = row["resolved_by"] == "community" and row["escalated_at"] and row["resolved_at"]
    if district is not None and community:
        if district["at"] <= row["resolved_at"]:
            out.append(f"社区也于{shown_time(row['resolved_at'])}办结（结果：{row['result']}）；"
                       f"区里办结在先（{shown_time(district['at'])}），以区里的为准。")
            return out, "district", district["note"] or ""
        out.append(f"区里也于{shown_time(district['at'])}办结（结果：{district['note']}）；"
                   f"社区办结在先（{shown_time(row['resolved_at'])}），以社区的为准。")
        return out, "community", row["result"] or ""
    if row["resolved_by"]:
        return out, row["resolved_by"], row["result"] or ""
    if district is not None:
        return out, "district", district["note"] or ""
    return out, "", ""


def detail(db: sqlite_utils.Database, incident_id: str) -> Detail:
    """One event with its whole history (the community's steps and the district's replies in
    time order), its photos (thumbnails) and any conflict between the two ends."""
    session = accounts.require(db, "incidents.view")
    row = _held(db, incident_id)
    row = {**row, "reporter_phone": masking.show(session, "phone", row["reporter_phone"],
                                                 masking.LIST),
           "assignee_phone": masking.show(session, "phone", row["assignee_phone"],
                                          masking.LIST)}
    raw = q.steps(db, incident_id)
    steps = [Step(shown_time(s["at"]), s["side"], s["actor"] or "",
                  (STEP_LABELS if s["side"] == "community" else REPLY_LABELS)[s["action"]],
                  "：".join(x for x in (s["department"], s["note"]) if x))
             for s in raw]
    conflicts, by, result = _conflicts(row, raw)
    return Detail(row, steps, conflicts, by, result, q.photos(db, incident_id),
                  returned=row["status"] == "escalated" and _returned(raw))


@dataclass(frozen=True)
class Filters:
    """What the events list is narrowed to (every field optional)."""

    statuses: tuple[str, ...] = ()
    kind: str = ""
    category: str = ""
    grid_id: str = ""
    overdue: bool = False
    escalated: bool = False
    district_done: bool | None = None
    since: str = ""
    text: str = ""
    communities: Collection[str] | None = None


def list_ids(db: sqlite_utils.Database, filters: Filters = Filters(), *,
             now: str | None = None) -> list[str]:
    """The events list: ids matching the filters, newest first. A grid worker sees the
    events of their grids and those at a typed place (no grid)."""
    accounts.require(db, "incidents.view")
    scope = accounts.grid_scope(db)
    grids: Collection[str] | None = None
    if filters.grid_id:
        grids = {filters.grid_id} if scope is None or filters.grid_id in scope else set()
    elif scope is not None:
        grids = scope
    return q.list_ids(db, statuses=filters.statuses or None, kind=filters.kind or None,
                      category=filters.category or None, grid_ids=grids,
                      ungridded=scope is not None and not filters.grid_id,
                      community_ids=filters.communities,
                      overdue_at=(now or now_text()) if filters.overdue else None,
                      escalated=filters.escalated, district_done=filters.district_done,
                      since=filters.since or None, text=filters.text.strip() or None)


def state_label(row: dict[str, Any]) -> str:
    """What the list's 状态 column says, with the district's last word on an escalated one."""
    label = STATUS_LABELS.get(row["status"], row["status"])
    last = row.get("district_last")
    if row["status"] == "escalated" and last:
        action = last.split("|", 1)[0]
        if row.get("returned"):
            return "区里退回，待社区处理"
        return "区里已办结，待回访" if action == "resolve" else \
            f"已上报（{REPLY_LABELS.get(action, action)}）"
    return label


def is_overdue(row: dict[str, Any], now: str | None = None) -> bool:
    return row["status"] in q.OPEN and bool(row["due_at"]) and row["due_at"] < (now or now_text())


def rows(db: sqlite_utils.Database, ids: list[str]) -> list[dict[str, Any]]:
    """The list's rows for a page of ids, phones masked for the role, with labels."""
    session = accounts.require(db, "incidents.view")
    now = now_text()
    out = []
    for r in q.rows_by_id(db, ids):
        out.append({**r, "reporter_phone": masking.show(session, "phone", r["reporter_phone"],
                                                        masking.LIST),
                    "status_label": state_label(r), "overdue": is_overdue(r, now),
                    "category_label": CATEGORY_LABELS.get(r["category"], r["category"]),
                    "urgency_label": URGENCY_LABELS.get(r["urgency"], r["urgency"]),
                    "reporter_label": REPORTER_LABELS.get(r["reporter_kind"], ""),
                    "satisfaction_label": SATISFACTION_LABELS.get(r["satisfaction"] or "", "")})
    return out


def counts(db: sqlite_utils.Database, communities: Collection[str] | None = None
           ) -> dict[str, int]:
    """Open, overdue and escalated events (the 概览's figures)."""
    return q.counts(db, now_text(), communities)


# --- finding a caller and a place (the dialogs) ------------------------------------------------

@dataclass(frozen=True)
class Caller:
    id: str
    name: str
    phone: str          # as the role may see it in a list
    address: str

    @property
    def label(self) -> str:
        return "  ".join(p for p in (self.name, self.address or "（未登记住址）", self.phone) if p)


def find_callers(db: sqlite_utils.Database, text: str, limit: int = 20) -> list[Caller]:
    """Residents by name, pinyin, phone or door number (the registry's search), for a phone
    call: who is calling."""
    session = accounts.require(db, "incidents.edit")
    if not text.strip():
        return []
    ids = registry.search_residents(db, text, limit=limit)
    return [Caller(r["id"], r["name"], masking.show(session, "phone", r["phone"], masking.LIST),
                   r["address"]) for r in q.callers(db, ids[:limit])]


@dataclass(frozen=True)
class Place:
    kind: str           # compound | building | household
    id: str
    label: str


def find_places(db: sqlite_utils.Database, text: str, limit: int = 12) -> list[Place]:
    """Compounds, buildings and doors matching what was typed as the place."""
    accounts.require(db, "incidents.view")
    if not text.strip():
        return []
    return [Place(r["kind"], r["id"], r["label"]) for r in q.places(db, text.strip(), limit)]


def grid_choices(db: sqlite_utils.Database) -> list[tuple[str, str]]:
    """(id, name) of the community's grids, for the list's grid filter."""
    return [(r["id"], r["name"]) for r in q.grids(db)]
