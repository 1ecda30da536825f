"""Inspections (检查) and supervision rounds (督查): checklists from templates, recording an
inspection with its answers and problems, corrections, the re-inspection that closes a
problem, the lists (inspections, problems, overdue), and a shop's reopening acceptance.

An inspection's subject is a plain (subject_kind, subject_id) pair: a place, a compound, a
checkpoint (the readiness feature's; no foreign key, so neither feature depends on the
other) or, for a supervision round at the district, a community. Ownership: the community
owns its own inspections; a supervision round is owned by the district's org unit, so it
travels down, and the inspected community shows only the rounds whose subject it is. The
community answers a problem with a correction row it owns, which travels back up; only the
problem's owner closes it, by a re-inspection. Nothing is overwritten: a problem closed is a
field change (logged, audited), corrections are rows added.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlite_utils

from app import accounts, places
from app.errors import FormError
from db import inspections as q
from db import places as place_q
from db.node import get_meta, transaction

ANSWER_LABELS = {"yes": "是", "no": "否", "na": "不适用"}
ANSWER_BY_LABEL = {v: k for k, v in ANSWER_LABELS.items()}
PURPOSE_LABELS = {"routine": "日常检查", "reopening": "复工验收", "recheck": "整改复查",
                  "supervision": "督查"}
SUBJECT_LABELS = {"place": "场所", "compound": "小区", "checkpoint": "卡口", "community": "社区"}
OUTCOME_LABELS = {"passed": "合格", "problems": "发现问题", "failed": "不合格"}
RECHECK_TEMPLATE = "整改复查"
REOPENING_TEMPLATE = "复工复产验收"
MAX_TEXT = 2000

# The checklists an office starts with; it adds and edits its own (inspection_templates).
DEFAULT_TEMPLATES: dict[str, tuple[str, tuple[str, ...]]] = {
    "消防安全检查": ("place", (
        "灭火器配置数量足够且在有效期内", "安全出口、疏散通道畅通，无锁闭、堵塞",
        "应急照明和疏散指示标志完好", "电气线路无私拉乱接，无超负荷用电",
        "无电动车在室内停放、充电", "未违规住人（“三合一”场所）",
        "燃气使用规范，有报警装置", "从业人员会报警、会使用灭火器、会组织疏散")),
    "疫情防控检查": ("place", (
        "场所码（扫码登记）张贴醒目并落实", "进门测温、查验健康码",
        "从业人员按规定佩戴口罩", "每日消毒并有记录", "备有口罩、消毒液等防疫物资",
        "限流措施落实，无人员聚集")),
    REOPENING_TEMPLATE: ("place", (
        "已签订复工复产承诺书", "制定疫情防控方案和应急预案，有专人负责",
        "从业人员健康状况已登记，无异常", "消毒用品、测温设备、口罩储备充足",
        "场所已全面清洁消毒", "场所码张贴到位、扫码测温落实", "消防设施完好，通道畅通")),
    "九个有（卡口）": ("checkpoint", (
        "有帐篷", "有桌椅", "有标识牌", "有照明设备", "有测温设备", "有消毒用品",
        "有登记台账", "有值守人员", "有防护用品")),
    "小区防控检查": ("compound", (
        "出入口值守到位", "公示牌（三人小组、防控须知）张贴到位", "公共区域按时消毒",
        "垃圾及时清运", "楼道无杂物堆放")),
    "社区督查": ("community", (
        "居家隔离人员台账完整、每日健康监测有记录", "卡口值守和“九个有”落实",
        "重点场所检查按计划完成", "发现问题按期整改", "三人小组公示到位",
        "各类台账及时更新")),
}


def today_text() -> str:
    return date.today().isoformat()


def is_district(db: sqlite_utils.Database) -> bool:
    return get_meta(db, "role") == "district"


def own_id(db: sqlite_utils.Database) -> str:
    return get_meta(db, "community_id") or ""


def _who(db: sqlite_utils.Database) -> str:
    session = accounts.current(db)
    return session.display_name if session else ""


def _day(value: str | date | None, fld: str, label: str) -> str:
    if isinstance(value, date):
        return value.isoformat()
    text = (value or "").strip()
    if not text:
        raise FormError({fld: f"请填写{label}（如 {today_text()}）。"})
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError as exc:
        raise FormError({fld: f"{label}“{text}”不是有效日期，应为 YYYY-MM-DD（如 "
                              f"{today_text()}）。"}) from exc


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


# --- templates --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Template:
    name: str
    subject_kind: str
    items: tuple[str, ...]
    id: str | None = None       # None: built in


def templates(db: sqlite_utils.Database, subject_kind: str | None = None) -> list[Template]:
    """The checklists offered: the office's own (and at a community, the district's), then
    the built-in ones not replaced by an own one of the same name."""
    # A community holds only its own rows and the district's: all of them are offered.
    owners = [own_id(db)] if is_district(db) else q.template_owners(db)
    held = [Template(r["name"], r["subject_kind"], tuple(json.loads(r["items"])), r["id"])
            for r in q.templates(db, owners or [own_id(db)]) if not r["deleted"]]
    names = {t.name for t in held}
    found = [*held, *(Template(n, k, items) for n, (k, items) in DEFAULT_TEMPLATES.items()
                      if n not in names)]
    return [t for t in found if subject_kind is None or t.subject_kind == subject_kind]


def template(db: sqlite_utils.Database, name: str) -> Template:
    for t in templates(db):
        if t.name == name:
            return t
    raise FormError({"template": f"没有名为“{name}”的检查表，请重新选择。"})


def save_template(db: sqlite_utils.Database, name: str, subject_kind: str,
                  items: Sequence[str]) -> str:
    """The office keeps a checklist of its own (a new one, or its version of a built-in one;
    an edit replaces the items, the change log keeps the old ones)."""
    accounts.require(db, "supervision.edit" if is_district(db) else "places.edit")
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = "请填写检查表名称（如 消防安全检查）。"
    elif len(name) > 40:
        errors["name"] = "检查表名称太长（最多40个字）。"
    if subject_kind not in SUBJECT_LABELS:
        errors["subject_kind"] = "请选择检查对象：场所、小区、卡口或社区。"
    cleaned = [i.strip() for i in items if i and i.strip()]
    if not cleaned:
        errors["items"] = "检查表至少要有一项检查内容，每行一项。"
    elif any(len(i) > 200 for i in cleaned):
        errors["items"] = "有一项检查内容太长（最多200个字），请精简。"
    if errors:
        raise FormError(errors)
    text = json.dumps(cleaned, ensure_ascii=False)
    with transaction(db):
        for row in q.templates(db, [own_id(db)]):
            if row["name"] == name:
                q.update(db, "inspection_templates", row["id"],
                         {"subject_kind": subject_kind, "items": text, "deleted": 0})
                return row["id"]
        return q.insert(db, "inspection_templates",
                        {"name": name, "subject_kind": subject_kind, "items": text})


# --- recording --------------------------------------------------------------------------------

@dataclass
class ProblemInput:
    description: str = ""
    due_on: str = ""
    responsible: str = ""


@dataclass
class InspectionInput:
    """What the inspection dialog holds (kept whole when a FormError comes back)."""

    subject_kind: str = "place"
    subject_id: str = ""
    subject_name: str = ""      # needed for a checkpoint (not ours to look up)
    template_name: str = ""
    items: list[str] = field(default_factory=list)
    answers: list[str | None] = field(default_factory=list)   # yes / no / na, None: not yet
    notes: list[str] = field(default_factory=list)
    inspected_on: str = ""
    inspectors: str = ""
    problems: list[ProblemInput] = field(default_factory=list)
    note: str = ""
    purpose: str = "routine"


def new_input(db: sqlite_utils.Database, template_name: str, subject_kind: str = "",
              subject_id: str = "", subject_name: str = "") -> InspectionInput:
    """A blank inspection on a template: its items, nothing answered yet."""
    t = template(db, template_name)
    return InspectionInput(subject_kind=subject_kind or t.subject_kind, subject_id=subject_id,
                           subject_name=subject_name, template_name=t.name,
                           items=list(t.items), answers=[None] * len(t.items),
                           notes=[""] * len(t.items), inspected_on=today_text(),
                           purpose="reopening" if t.name == REOPENING_TEMPLATE else "routine")


def _subject(db: sqlite_utils.Database, data: InspectionInput) -> tuple[str, str]:
    """The subject's name and the inspection's owner, or a FormError."""
    kind, sid = data.subject_kind, (data.subject_id or "").strip()
    if kind not in SUBJECT_LABELS:
        raise FormError({"subject": "请选择检查对象：场所、小区、卡口或社区。"})
    if not sid:
        raise FormError({"subject": f"请选择要检查的{SUBJECT_LABELS[kind]}。"})
    if kind == "community":
        if not is_district(db):
            raise FormError({"subject": "督查社区只能在区县（或街道）的数据库里登记。"})
        from app import community_scope
        name = community_scope.names(db).get(sid)
        if name is None:
            raise FormError({"subject": "找不到这个社区，请重新选择。"})
        return name, own_id(db)
    if kind == "place":
        row = place_q.place(db, sid)
        if row is None or row["deleted"]:
            raise FormError({"subject": "找不到这个场所（可能已删除），请重新选择。"})
        return row["name"], row["community_id"]
    if kind == "compound":
        row = place_q.compound(db, sid)
        if row is None:
            raise FormError({"subject": "找不到这个小区（楼院），请重新选择。"})
        return row["name"], own_id(db)
    name = _text(data.subject_name, "subject", "卡口名称", required=True, limit=100)
    return name or "", own_id(db)


def check(db: sqlite_utils.Database, data: InspectionInput) -> dict[str, Any]:
    """Every fault at once, each under its field (an unanswered item named by its number
    and words), or the checked values."""
    errors: dict[str, str] = {}
    try:
        name, owner = _subject(db, data)
    except FormError as exc:
        errors.update(exc.errors)
        name, owner = "", ""
    if not (data.template_name or "").strip():
        errors["template"] = "请选择检查表（如 消防安全检查）。"
    try:
        day = _day(data.inspected_on, "inspected_on", "检查日期")
        if day > today_text():
            errors["inspected_on"] = f"检查日期 {day} 还没到，请填写实际检查的日期。"
    except FormError as exc:
        errors.update(exc.errors)
        day = ""
    try:
        inspectors = _text(data.inspectors, "inspectors", "检查人（可填多人，用顿号分开）",
                           required=True, limit=200)
    except FormError as exc:
        errors.update(exc.errors)
        inspectors = ""
    unanswered = [i for i, a in enumerate(data.answers) if a not in ANSWER_LABELS]
    if len(data.answers) != len(data.items):
        unanswered = list(range(len(data.items)))
    for i in unanswered[:1]:
        more = f"（还有 {len(unanswered) - 1} 项也没选）" if len(unanswered) > 1 else ""
        errors[f"item{i}"] = (f"第{i + 1}项“{data.items[i]}”还没有选择是、否或不适用{more}，"
                              "请选好后再保存。")
    problems = []
    for n, p in enumerate(data.problems, 1):
        if not any((p.description.strip(), p.due_on.strip(), p.responsible.strip())):
            continue   # an empty row the person added and left
        try:
            text = _text(p.description, f"problem{n}", f"第{n}个问题的内容", required=True)
            due = _day(p.due_on, f"problem{n}", f"第{n}个问题的整改期限")
            who = _text(p.responsible, f"problem{n}", f"第{n}个问题的整改责任人", required=True,
                        limit=100)
            if day and due < day:
                raise FormError({f"problem{n}": f"第{n}个问题的整改期限 {due} 早于检查日期 "
                                                 f"{day}，请改为检查当天或以后。"})
            problems.append({"description": text, "due_on": due, "responsible": who})
        except FormError as exc:
            errors.update(exc.errors)
    if data.purpose not in PURPOSE_LABELS:
        errors["purpose"] = "检查类别不对。"
    if errors:
        raise FormError(errors)
    failed = any(a == "no" for a in data.answers)
    outcome = "problems" if problems else "failed" if failed else "passed"
    purpose = "supervision" if data.subject_kind == "community" else data.purpose
    return {"owner": owner, "subject_name": name, "inspected_on": day, "inspectors": inspectors,
            "problems": problems, "outcome": outcome, "purpose": purpose}


def _require_for(db: sqlite_utils.Database, subject_kind: str) -> None:
    accounts.require(db, "supervision.edit" if subject_kind == "community" else "places.edit")


def record(db: sqlite_utils.Database, data: InspectionInput) -> str:
    """登记检查: the inspection, its answers and problems in one transaction; a reopening
    acceptance that passes opens the shop (营业), one that does not keeps it 停业.
    Returns the inspection's id."""
    _require_for(db, data.subject_kind)
    v = check(db, data)
    owner = v["owner"]
    with transaction(db):
        inspection_id = q.insert(db, "inspections", {
            "subject_kind": data.subject_kind, "subject_id": data.subject_id,
            "subject_name": v["subject_name"], "template_name": data.template_name.strip(),
            "purpose": v["purpose"], "inspected_on": v["inspected_on"],
            "inspectors": v["inspectors"], "outcome": v["outcome"],
            "note": (data.note or "").strip() or None, "recorded_by": _who(db)}, owner=owner)
        for i, (item, answer) in enumerate(zip(data.items, data.answers, strict=True)):
            note = data.notes[i].strip() if i < len(data.notes) and data.notes[i] else None
            q.insert(db, "inspection_answers", {"inspection_id": inspection_id, "position": i,
                                                "item": item, "answer": answer, "note": note},
                     owner=owner)
        for p in v["problems"]:
            q.insert(db, "inspection_problems", {"inspection_id": inspection_id, **p},
                     owner=owner)
        if v["purpose"] == "reopening" and data.subject_kind == "place":
            status = "open" if v["outcome"] == "passed" else "suspended"
            held = place_q.place(db, data.subject_id)
            if held and held["status"] != status:
                place_q.update(db, "places", data.subject_id, {"status": status})
    return inspection_id


def record_correction(db: sqlite_utils.Database, problem_id: str, corrected_on: str,
                      note: str) -> str:
    """整改情况: what the responsible side did (the inspected community, for a district's
    round). The problem stays open until its owner's re-inspection closes it."""
    accounts.require(db, "places.edit")
    problem = _problem(db, problem_id)
    if problem["inspection_owner"] != own_id(db) and not (
            problem["subject_kind"] == "community" and problem["subject_id"] == own_id(db)):
        raise FormError({"problem": "这个问题不是本社区的，不能登记整改情况。"})
    day = _day(corrected_on, "corrected_on", "整改日期")
    if day < problem["inspected_on"]:
        raise FormError({"corrected_on": f"整改日期 {day} 早于检查日期 "
                                         f"{problem['inspected_on']}，请核对。"})
    if day > today_text():
        raise FormError({"corrected_on": f"整改日期 {day} 还没到，请填写实际整改的日期。"})
    text = _text(note, "note", "整改情况（做了什么）", required=True)
    with transaction(db):
        return q.insert(db, "problem_corrections", {"problem_id": problem_id,
                                                    "corrected_on": day, "note": text,
                                                    "recorded_by": _who(db)})


def reinspect(db: sqlite_utils.Database, problem_ids: Sequence[str], *, inspected_on: str,
              inspectors: str, passed: bool, note: str = "") -> str:
    """复查: a re-inspection of the problems' subject; when it passes, it closes them (each
    problem keeps which re-inspection closed it and when). Only the problems' owner may."""
    if not problem_ids:
        raise FormError({"problems": "请先选中要复查的问题。"})
    found = [_problem(db, pid) for pid in problem_ids]
    first = found[0]
    _require_for(db, first["subject_kind"])
    if any(p["inspection_owner"] != own_id(db) for p in found):
        raise FormError({"problems": "只有发现问题的一方才能复查销号（区里督查发现的问题由区里"
                                     "复查）；本社区请登记整改情况。"})
    if any((p["subject_kind"], p["subject_id"]) != (first["subject_kind"], first["subject_id"])
           for p in found):
        raise FormError({"problems": "一次复查只能针对同一个检查对象的问题，请分开复查。"})
    closed = [p for p in found if p["closed_on"]]
    if closed:
        raise FormError({"problems": f"“{closed[0]['description'][:20]}”已于 "
                                     f"{closed[0]['closed_on']} 复查销号，不能再复查。"})
    day = _day(inspected_on, "inspected_on", "复查日期")
    latest = max(p["inspected_on"] for p in found)
    if day < latest:
        raise FormError({"inspected_on": f"复查日期 {day} 早于检查日期 {latest}，请核对。"})
    if day > today_text():
        raise FormError({"inspected_on": f"复查日期 {day} 还没到，请填写实际复查的日期。"})
    who = _text(inspectors, "inspectors", "复查人", required=True, limit=200)
    with transaction(db):
        inspection_id = q.insert(db, "inspections", {
            "subject_kind": first["subject_kind"], "subject_id": first["subject_id"],
            "subject_name": first["subject_name"], "template_name": RECHECK_TEMPLATE,
            "purpose": "recheck", "inspected_on": day, "inspectors": who,
            "outcome": "passed" if passed else "failed",
            "note": (note or "").strip() or None, "recorded_by": _who(db)})
        if passed:
            for p in found:
                q.update(db, "inspection_problems", p["id"],
                         {"closed_by": inspection_id, "closed_on": day})
    return inspection_id


def _problem(db: sqlite_utils.Database, problem_id: str) -> dict[str, Any]:
    row = q.problem(db, problem_id)
    if row is None or row["deleted"]:
        raise FormError({"problem": "找不到这个问题（可能已删除），请刷新列表。"})
    return row


# --- lists ------------------------------------------------------------------------------------

def scope(db: sqlite_utils.Database, communities: Collection[str] | None) -> Collection[str] | None:
    """At a community, always its own (and the rounds over it); at a district, the filter."""
    return communities if is_district(db) else {own_id(db)}


def inspection_ids(db: sqlite_utils.Database, *, text: str = "", purpose: str | None = None,
                   subject_kind: str | None = None, subject_id: str | None = None,
                   communities: Collection[str] | None = None) -> list[str]:
    return q.inspection_ids(db, text=text, purpose=purpose, subject_kind=subject_kind,
                            subject_id=subject_id, communities=scope(db, communities))


def inspections_by_ids(db: sqlite_utils.Database, ids: Sequence[str]) -> list[dict[str, Any]]:
    return q.inspections_by_ids(db, ids)


def problem_ids(db: sqlite_utils.Database, *, state: str | None = None, text: str = "",
                communities: Collection[str] | None = None) -> list[str]:
    return q.problem_ids(db, state=state, today=today_text(), text=text,
                         communities=scope(db, communities))


def problems_by_ids(db: sqlite_utils.Database, ids: Sequence[str]) -> list[dict[str, Any]]:
    return q.problems_by_ids(db, ids)


def overdue_count(db: sqlite_utils.Database, communities: Collection[str] | None = None) -> int:
    """Problems past their correction deadline and not closed (the overview's red figure)."""
    return q.overdue_count(db, today_text(), scope(db, communities))


@dataclass
class Detail:
    inspection: dict[str, Any]
    answers: list[dict[str, Any]]
    problems: list[dict[str, Any]]
    corrections: dict[str, list[dict[str, Any]]]


def detail(db: sqlite_utils.Database, inspection_id: str) -> Detail:
    row = q.inspection(db, inspection_id)
    if row is None or row["deleted"]:
        raise FormError({"inspection": "找不到这次检查（可能已删除），请刷新列表。"})
    found = q.problems_of(db, inspection_id)
    return Detail(row, q.answers(db, inspection_id), found,
                  {p["id"]: q.corrections(db, p["id"]) for p in found})


def corrections(db: sqlite_utils.Database, problem_id: str) -> list[dict[str, Any]]:
    return q.corrections(db, problem_id)


def problem_state(row: dict[str, Any], today: str | None = None) -> str:
    """已整改 / 已逾期 / 整改中, as the lists show it."""
    if row.get("closed_on"):
        return "已销号"
    if row["due_on"] < (today or today_text()):
        return "已逾期"
    return "已整改待复查" if row.get("last_correction") else "整改中"


def place_status_label(status: str) -> str:
    return places.STATUS_LABELS.get(status, status)
