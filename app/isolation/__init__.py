"""Home isolation (居家隔离) and home health monitoring (居家健康监测): registering cases, the
twice-daily checks, nucleic-acid tests, the 今日 board, changing a case's period, and releasing
it. Durations, test days, the fever line and the check deadlines are settings of the office
(policy changes often), never constants. Every change of a case's dates or status leaves a
case_events row saying who, when and why."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlite_utils

from app import accounts
from app.dates import cn_date, short_date
from app.errors import FormError
from app.registry import _resident_fields
from app.validation import ValidationError, normalize_phone
from db import audit as audit_log
from db import isolation as q
from db import registry as rq
from db.isolation import forms as isolation_forms
from db.isolation import policy as district_policy
from db.node import get_meta, set_meta, transaction

KIND_LABELS = {"home_isolation": "居家隔离", "home_monitoring": "居家健康监测"}
STATUS_LABELS = {"planned": "待开始", "active": "管控中", "released": "已解除",
                 "transferred": "已转出", "cancelled": "已撤销"}
METHOD_LABELS = {"visit": "入户", "phone": "电话", "video": "视频"}
SLOT_LABELS = {"am": "上午", "pm": "下午"}
DOOR_LABELS = {"seal": "门贴封条", "sensor": "电子门磁", "none": "不封门"}
TEST_LABELS = {"pending": "待出结果", "negative": "阴性", "positive": "阳性"}
# The symptoms the observation card ticks (DOMAIN.md); fever comes from the temperature too.
SYMPTOM_LABELS = {"fever": "发热", "cough": "干咳", "fatigue": "乏力", "sore_throat": "咽痛",
                  "smell_taste": "嗅(味)觉减退", "diarrhoea": "腹泻"}
BASIS_LABELS = {"period": "期满", "tests": "核酸阴性", "symptoms": "无异常症状"}
REASONS = ("密切接触者", "密接的密接", "入境人员", "中高风险地区返回", "涉疫场所暴露",
           "解除集中隔离后居家", "其他")
# The forms of a case (app/isolation_print.py renders them); codes as in case_forms.form.
FORM_LABELS = {"notice": "告知书", "pledge": "承诺书", "card": "观察卡", "seal": "封条",
               "board": "楼口公示", "release": "解除通知书"}
EVENT_LABELS = {"registered": "登记", "started": "开始管控", "extended": "延长期限",
                "shortened": "缩短期限", "released": "解除", "transferred": "转出",
                "cancelled": "撤销", "edited": "修改", "test_corrected": "更正核酸结果"}

TEMPERATURE_RANGE = (34.0, 43.0)


# --- settings ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Policy:
    """What the office applies to one kind of case."""

    days: int                      # length of the period, the start day counted as day 1
    test_days: tuple[int, ...]     # days of the period with a nucleic-acid test


@dataclass(frozen=True)
class Settings:
    policies: dict[str, Policy]
    fever: float = 37.3            # °C from which a temperature is fever
    am_deadline: time = time(12, 0)    # the morning check is overdue after this
    pm_start: time = time(12, 0)       # the afternoon check is due from this
    pm_deadline: time = time(18, 0)    # and overdue after this

    def policy(self, kind: str) -> Policy:
        return self.policies[kind]


DEFAULT_SETTINGS = Settings(policies={
    # The 9th edition of the national control plan: 7 days at home, tests on days 1, 4, 7.
    "home_isolation": Policy(7, (1, 4, 7)),
    "home_monitoring": Policy(7, (1, 4, 7)),
})
SETTINGS_KEY = "isolation.settings"
# A community's own adjustments of the district's policy (only where the district allows).
OVERRIDES_KEY = "isolation.overrides"
# The district policy row (id and values) this community last recorded in its audit log.
DISTRICT_SEEN_KEY = "isolation.district_policy_seen"
# The district_policy columns of each kind's period.
_KIND_COLUMNS = {"home_isolation": "isolation", "home_monitoring": "monitoring"}
CLOCK_FIELDS = ("am_deadline", "pm_start", "pm_deadline")
SOURCE_LABELS = {"district": "区里统一", "community": "本社区调整", "own": "本社区设置"}


@dataclass(frozen=True)
class DistrictRules:
    """What the district lets its communities change, per group of settings. A community may
    only be stricter where health is at stake (a longer period, more test days, a lower fever
    line); the check times follow each office's staffing, so when open they are free."""

    days_open: bool = False        # periods may be longer, never shorter
    tests_open: bool = False       # test days may be added, the district's kept
    fever_open: bool = False       # the fever line may be lower, never higher
    deadlines_open: bool = True    # the check times may be set freely


@dataclass(frozen=True)
class PolicyView:
    """The policy in force and where each value comes from (field name → a SOURCE_LABELS key;
    fields as the 政策设置 dialog names them: "home_isolation.days", "fever", …)."""

    settings: Settings
    mode: str                           # "district" (the district itself), "community"
                                        # (a district policy applies) or "own" (none yet)
    district: Settings | None = None    # the district's values (mode "community")
    rules: DistrictRules = DistrictRules()
    sources: dict[str, str] = field(default_factory=dict)
    changed_at: str | None = None
    changed_by: str | None = None

    def locked(self, name: str) -> str | None:
        """Why a community may not change this field (None: it may, or no district policy)."""
        if self.mode != "community" or self.district is None:
            return None
        group = _group(name)
        d = self.district
        if group == "days" and not self.rules.days_open:
            return "区里统一规定了隔离天数，社区不能修改。"
        if group == "tests" and not self.rules.tests_open:
            return "区里统一规定了核酸检测日，社区不能修改。"
        if group == "fever" and not self.rules.fever_open:
            return f"区里统一规定发热标准为 {d.fever:.1f}℃，社区不能修改。"
        if group == "deadlines" and not self.rules.deadlines_open:
            return "区里统一规定了检测时间，社区不能修改。"
        return None


    def allowed(self, name: str) -> str | None:
        """What a community may do with a field the district lets it adjust (None if locked
        or no district policy)."""
        if self.mode != "community" or self.district is None or self.locked(name):
            return None
        d, group = self.district, _group(name)
        if group == "days":
            days = d.policy(name.split(".")[0]).days
            return f"可以延长，不能短于区里的 {days} 天"
        if group == "tests":
            return "可以增加检测日，区里的检测日必须保留"
        if group == "fever":
            return f"可以调低，不能高于区里的 {d.fever:.1f}℃"
        return "可以按本社区情况设定"


def _group(name: str) -> str:
    if name.endswith(".days"):
        return "days"
    if name.endswith(".test_days"):
        return "tests"
    return "fever" if name == "fever" else "deadlines"


def _field_names() -> list[str]:
    return [*(f"{k}.{f}" for k in KIND_LABELS for f in ("days", "test_days")), "fever",
            *CLOCK_FIELDS]


def _parse_settings(data: dict[str, Any], base: Settings = DEFAULT_SETTINGS) -> Settings:
    policies = {kind: Policy(int(p["days"]), tuple(int(d) for d in p["test_days"]))
                for kind, p in data.get("policies", {}).items()}
    return Settings(
        policies={**base.policies, **policies},
        fever=float(data.get("fever", base.fever)),
        am_deadline=time.fromisoformat(data.get("am_deadline", base.am_deadline.isoformat())),
        pm_start=time.fromisoformat(data.get("pm_start", base.pm_start.isoformat())),
        pm_deadline=time.fromisoformat(data.get("pm_deadline", base.pm_deadline.isoformat())),
    )


def _settings_data(settings: Settings) -> dict[str, Any]:
    return {
        "policies": {k: {"days": p.days, "test_days": list(p.test_days)}
                     for k, p in settings.policies.items()},
        "fever": settings.fever,
        "am_deadline": settings.am_deadline.strftime("%H:%M"),
        "pm_start": settings.pm_start.strftime("%H:%M"),
        "pm_deadline": settings.pm_deadline.strftime("%H:%M"),
    }


def _own_settings(db: sqlite_utils.Database) -> Settings:
    raw = get_meta(db, SETTINGS_KEY)
    if not raw:
        return DEFAULT_SETTINGS
    try:
        return _parse_settings(json.loads(raw))
    except (ValueError, KeyError, TypeError, AttributeError):
        return DEFAULT_SETTINGS


def _row_settings(row: dict[str, Any]) -> tuple[Settings, DistrictRules]:
    policies = {kind: Policy(int(row[f"{col}_days"]),
                             tuple(int(d) for d in str(row[f"{col}_test_days"]).split()))
                for kind, col in _KIND_COLUMNS.items()}
    settings = Settings(policies=policies, fever=float(row["fever"]),
                        **{c: time.fromisoformat(row[c]) for c in CLOCK_FIELDS})
    rules = DistrictRules(**{f: bool(row[f]) for f in
                             ("days_open", "tests_open", "fever_open", "deadlines_open")})
    return settings, rules


def _is_district(db: sqlite_utils.Database) -> bool:
    return get_meta(db, "role") == "district"


def _district_row(db: sqlite_utils.Database) -> dict[str, Any] | None:
    district = _is_district(db)
    row = district_policy.current(db, get_meta(db, "community_id"), own=district)
    if row is None:
        return None
    try:
        _row_settings(row)
    except (ValueError, TypeError):
        return None
    return row


def _overrides(db: sqlite_utils.Database) -> dict[str, Any]:
    try:
        data = json.loads(get_meta(db, OVERRIDES_KEY) or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _combine(district: Settings, rules: DistrictRules, over: dict[str, Any]
             ) -> tuple[Settings, dict[str, str]]:
    """The district's policy with the community's overrides where (still) allowed and
    stricter; and each field's source."""
    sources = dict.fromkeys(_field_names(), "district")
    policies = dict(district.policies)
    for kind, p in district.policies.items():
        days, tests = p.days, p.test_days
        wanted = over.get("policies", {}).get(kind, {})
        try:
            if rules.days_open and int(wanted.get("days", 0)) > days:
                days = int(wanted["days"])
                sources[f"{kind}.days"] = "community"
            if rules.tests_open and wanted.get("test_days"):
                more = {int(d) for d in wanted["test_days"]} - set(tests)
                more = {d for d in more if 1 <= d <= days}
                if more:
                    tests = tuple(sorted(set(tests) | more))
                    sources[f"{kind}.test_days"] = "community"
        except (ValueError, TypeError):
            pass
        policies[kind] = Policy(days, tests)
    fever = district.fever
    try:
        if rules.fever_open and "fever" in over and float(over["fever"]) < fever:
            fever = float(over["fever"])
            sources["fever"] = "community"
    except (ValueError, TypeError):
        pass
    clock = {c: getattr(district, c) for c in CLOCK_FIELDS}
    if rules.deadlines_open:
        try:
            mine = {c: time.fromisoformat(over[c]) for c in CLOCK_FIELDS if c in over}
        except (ValueError, TypeError):
            mine = {}
        merged = {**clock, **mine}
        if mine and merged["am_deadline"] <= merged["pm_start"] < merged["pm_deadline"]:
            for c, value in mine.items():
                if value != clock[c]:
                    sources[c] = "community"
            clock = merged
    return Settings(policies=policies, fever=fever, **clock), sources


def policy_view(db: sqlite_utils.Database) -> PolicyView:
    """The policy in force here and where each value comes from. At a community that has
    received a district policy, the first read after it arrived or changed records it in
    the community's audit log."""
    row = _district_row(db)
    if row is None:
        own = _own_settings(db)
        mode = "district" if _is_district(db) else "own"
        return PolicyView(own, mode, sources=dict.fromkeys(_field_names(), "own"))
    district, rules = _row_settings(row)
    if _is_district(db):
        return PolicyView(district, "district", district, rules,
                          dict.fromkeys(_field_names(), "district"),
                          row["changed_at"], row["changed_by"])
    _note_district_policy(db, row)
    settings, sources = _combine(district, rules, _overrides(db))
    return PolicyView(settings, "community", district, rules, sources, row["changed_at"],
                      row["changed_by"])


def _note_district_policy(db: sqlite_utils.Database, row: dict[str, Any]) -> None:
    """Record in this community's audit log that the district's policy (as changed at
    row["changed_at"]) now applies here, once per change of its values."""
    values = {c: row[c] for c in district_policy.COLUMNS}
    seen = f"{row['id']} {json.dumps(values, sort_keys=True, ensure_ascii=False)}"
    if get_meta(db, DISTRICT_SEEN_KEY) == seen:
        return
    detail = {"after": values, "from": "区里"}
    by = row["changed_by"]
    by = f"区里（{by}）" if by and by != "区里" else "区里"
    try:
        with transaction(db):
            if get_meta(db, DISTRICT_SEEN_KEY) == seen:
                return
            audit_log.append(db, "setting", tbl="district_policy", row_id=row["id"],
                             detail=detail, actor=by)
            set_meta(db, DISTRICT_SEEN_KEY, seen)
    except sqlite3.OperationalError:   # a read-only or busy moment: recorded next time
        pass


def get_settings(db: sqlite_utils.Database) -> Settings:
    """The policy in force: the district's (with this community's allowed adjustments) once
    it has arrived, else this office's own settings."""
    return policy_view(db).settings


def _check_settings(settings: Settings) -> dict[str, str]:
    """What is wrong with the values themselves, per field (empty: nothing)."""
    errors: dict[str, str] = {}
    for kind, p in settings.policies.items():
        label = KIND_LABELS.get(kind, kind)
        if not 1 <= p.days <= 60:
            errors[f"{kind}.days"] = f"{label}天数应为1到60之间的整数，例如 7。"
        elif any(not 1 <= d <= p.days for d in p.test_days):
            errors[f"{kind}.test_days"] = (f"{label}的核酸检测日应在第1天到第{p.days}天之间，"
                                           "用空格分开，例如“1 4 7”。")
    if not 35.5 <= settings.fever <= 39.0:
        errors["fever"] = "发热标准应在35.5到39.0℃之间，一般为37.3℃。"
    if not settings.am_deadline <= settings.pm_start < settings.pm_deadline:
        errors["deadlines"] = ("检测时间应为：上午截止 ≤ 下午开始 < 下午截止，"
                               "例如12:00、12:00、18:00。")
    return errors


def save_settings(db: sqlite_utils.Database, settings: Settings) -> Settings:
    """Save the policy: at the district, the district's policy (its rules kept); at a
    community under a district policy, the adjustments the district allows (refused with the
    reason where it does not); else the office's own settings. Each change is audited."""
    _who(db, "settings")
    view = policy_view(db)
    if view.mode == "district":
        return save_district_policy(db, settings, view.rules)
    if view.mode == "community":
        return _save_overrides(db, view, settings)
    errors = _check_settings(settings)
    if errors:
        raise FormError(errors)
    with transaction(db):
        before = get_meta(db, SETTINGS_KEY)
        set_meta(db, SETTINGS_KEY, json.dumps(_settings_data(settings)))
        audit_log.append(db, "setting", tbl="meta", row_id=SETTINGS_KEY,
                         detail={"before": {SETTINGS_KEY: before},
                                 "after": {SETTINGS_KEY: get_meta(db, SETTINGS_KEY)}})
    return settings


def _save_overrides(db: sqlite_utils.Database, view: PolicyView, settings: Settings
                    ) -> Settings:
    district = view.district
    assert district is not None
    errors: dict[str, str] = {}
    over: dict[str, Any] = {"policies": {}}

    def refuse(name: str) -> bool:
        why = view.locked(name)
        if why:
            errors[name] = why
        return why is not None

    for kind, p in settings.policies.items():
        d = district.policies.get(kind)
        if d is None:
            continue
        label = KIND_LABELS.get(kind, kind)
        mine: dict[str, Any] = {}
        if p.days != d.days and not refuse(f"{kind}.days"):
            if p.days < d.days:
                errors[f"{kind}.days"] = (f"区里规定{label}至少 {d.days} 天，"
                                          "社区只能延长，不能缩短。")
            else:
                mine["days"] = p.days
        if set(p.test_days) != set(d.test_days) and not refuse(f"{kind}.test_days"):
            missing = sorted(set(d.test_days) - set(p.test_days))
            if missing:
                errors[f"{kind}.test_days"] = (
                    f"区里规定的{label}核酸检测日（第 {' '.join(map(str, d.test_days))} 天）"
                    "必须保留，社区只能增加检测日。")
            else:
                mine["test_days"] = sorted(set(p.test_days))
        if mine:
            over["policies"][kind] = mine
    if settings.fever != district.fever and not refuse("fever"):
        if settings.fever > district.fever:
            errors["fever"] = (f"区里规定发热标准为 {district.fever:.1f}℃，"
                               "社区只能调低（更严），不能调高。")
        else:
            over["fever"] = settings.fever
    for c in CLOCK_FIELDS:
        if getattr(settings, c) != getattr(district, c) and not refuse(c):
            over[c] = getattr(settings, c).strftime("%H:%M")
    # What the district refuses first (it says what may be done), then the values' own faults.
    errors = {**_check_settings(settings), **errors}
    if errors:
        raise FormError(errors)
    if not over["policies"]:
        del over["policies"]
    with transaction(db):
        before = _overrides(db)
        set_meta(db, OVERRIDES_KEY, json.dumps(over, sort_keys=True))
        if before != over:
            audit_log.append(db, "setting", tbl="meta", row_id=OVERRIDES_KEY,
                             detail={"before": {OVERRIDES_KEY: _describe_overrides(before)},
                                     "after": {OVERRIDES_KEY: _describe_overrides(over)}})
    return get_settings(db)


def _describe_overrides(over: dict[str, Any]) -> str:
    """A community's adjustments in words, for its audit log ("无" when it follows the
    district in everything)."""
    parts = []
    for kind, p in over.get("policies", {}).items():
        label = KIND_LABELS.get(kind, kind)
        if "days" in p:
            parts.append(f"{label}{p['days']}天")
        if "test_days" in p:
            parts.append(f"{label}核酸检测日第{' '.join(map(str, p['test_days']))}天")
    if "fever" in over:
        parts.append(f"发热标准{over['fever']}℃")
    names = {"am_deadline": "上午检测截止", "pm_start": "下午检测开始",
             "pm_deadline": "下午检测截止"}
    parts += [f"{label}{over[c]}" for c, label in names.items() if c in over]
    return "；".join(parts) or "无（全部按区里）"


def save_district_policy(db: sqlite_utils.Database, settings: Settings,
                         rules: DistrictRules) -> Settings:
    """At the district: set the policy of all its communities and what they may change. It
    travels down with each community's next bundle; the change is in the district's audit
    log (district_policy is a synced table, captured like any other)."""
    by = _who(db, "settings")
    if not _is_district(db):
        raise accounts.PermissionDenied("只有区里可以设置全区统一的隔离政策。")
    errors = _check_settings(settings)
    if errors:
        raise FormError(errors)
    values: dict[str, Any] = {
        "fever": settings.fever,
        **{c: getattr(settings, c).strftime("%H:%M") for c in CLOCK_FIELDS},
        "days_open": int(rules.days_open), "tests_open": int(rules.tests_open),
        "fever_open": int(rules.fever_open), "deadlines_open": int(rules.deadlines_open),
        "changed_at": _stamp(datetime.now()), "changed_by": by or "区里",
    }
    for kind, col in _KIND_COLUMNS.items():
        p = settings.policy(kind)
        values[f"{col}_days"] = p.days
        values[f"{col}_test_days"] = " ".join(map(str, p.test_days))
    with transaction(db):
        row = district_policy.current(db, get_meta(db, "community_id"), own=True)
        district_policy.write(db, get_meta(db, "community_id") or "",
                              row["id"] if row else None, values)
    return settings


# --- helpers ----------------------------------------------------------------------------------

def _day(value: Any, field_name: str, label: str, errors: dict[str, str]) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    errors[field_name] = f"请填写{label}，格式如 2026-11-23。"
    return None


def _stamp(now: datetime) -> str:
    return now.replace(microsecond=0).isoformat(sep=" ")


def _event(db: sqlite_utils.Database, case_id: str, kind: str, now: datetime, *,
           old: Any = None, new: Any = None, reason: str | None = None,
           by: str | None = None) -> None:
    rq.insert(db, "case_events", {"case_id": case_id, "at": _stamp(now), "kind": kind,
                                  "old_value": None if old is None else str(old),
                                  "new_value": None if new is None else str(new),
                                  "reason": reason or None, "by_name": by or None})


def _who(db: sqlite_utils.Database, *permissions: str) -> str | None:
    """Check the signed-in role may do any of `permissions` (PermissionDenied says why not);
    returns their name for the case's history (None before any account exists)."""
    session = accounts.current(db)
    if session is None:
        raise accounts.PermissionDenied("请先登录。")
    refusals = [accounts.refusal(db, p) for p in permissions]
    if None not in refusals:
        raise accounts.PermissionDenied(refusals[0])  # type: ignore[arg-type]
    return (session.display_name or session.username) if session.username else None


def _open_case(db: sqlite_utils.Database, case_id: str) -> dict[str, Any]:
    row = rq.get(db, "isolation_cases", case_id) if case_id else None
    if row is None or row["deleted"]:
        raise FormError({"case_id": "这条隔离记录不存在或已被删除，请刷新后重试。"})
    if row["status"] not in ("planned", "active"):
        raise FormError({"case_id": f"这条记录已{STATUS_LABELS[row['status']]}，不能再修改。"
                                    "如需重新管控，请重新登记。"})
    return row


def _staff(db: sqlite_utils.Database, staff_id: str | None, role: str, label: str,
           errors: dict[str, str]) -> str | None:
    if not staff_id:
        return None
    row = rq.get(db, "staff", staff_id)
    if row is None or row["deleted"]:
        errors[f"{role}_id"] = f"所选{label}不存在或已离职，请重新选择。"
        return None
    return staff_id


def default_trio(db: sqlite_utils.Database, household_id: str | None) -> dict[str, str | None]:
    """The grid worker of the household's grid, and the community's police officer and doctor
    (the first of each, by name), as a new case's responsible trio."""
    grid = rq.household_grid(db, household_id) if household_id else None
    people = rq.staff(db)
    workers = [s for s in people if s["role"] == "grid_worker"]
    worker = next((s for s in workers if s["org_unit_id"] == grid), None)
    if worker is None:
        worker = next((s for s in people if s["role"] == "grid_chief"
                       and s["org_unit_id"] == grid), workers[0] if workers else None)
    police = next((s for s in people if s["role"] == "police"), None)
    doctor = next((s for s in people if s["role"] == "doctor"), None)
    return {"grid_worker_id": worker["id"] if worker else None,
            "police_id": police["id"] if police else None,
            "doctor_id": doctor["id"] if doctor else None}


def planned_end_for(settings: Settings, kind: str, started_on: date) -> date:
    return started_on + timedelta(days=settings.policy(kind).days - 1)


# --- registering a case -----------------------------------------------------------------------

MONITORING_NOT_SEALED = "居家健康监测可以外出办理必要事务，不贴封条：请选择电子门磁或不封门。"


def default_door_measure(kind: str) -> str:
    """A door seal for home isolation; home health monitoring lets the person out on essential
    business, so its door is never sealed."""
    return "none" if kind == "home_monitoring" else "seal"


def register_case(db: sqlite_utils.Database, *, kind: str, reason: str, started_on: Any,
                  resident_id: str | None = None, newcomer: dict[str, Any] | None = None,
                  planned_end: Any = None, origin: str | None = None, arrived_on: Any = None,
                  grid_worker_id: str | None = None, police_id: str | None = None,
                  doctor_id: str | None = None, door_measure: str | None = None,
                  phone: str | None = None, note: str | None = None, by: str | None = None,
                  now: datetime | None = None) -> str:
    """Register a case for a resident, or for a newcomer who is added as a resident of a
    household in the same transaction. Returns the case id. The case is active at once when
    it starts today or earlier, else planned; the trio defaults to the household's grid
    worker and the community's police officer and doctor; the door measure to the kind's
    (a seal for home isolation; none for home health monitoring, which never seals a door)."""
    now = now or datetime.now()
    by = _who(db, "cases.edit") or by
    door_measure = door_measure or default_door_measure(kind)
    today = now.date()
    settings = get_settings(db)
    errors: dict[str, str] = {}
    if kind not in KIND_LABELS:
        errors["kind"] = "请选择管控类型：居家隔离或居家健康监测。"
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = "请填写管控原因，例如“密切接触者”。"
    start = _day(started_on, "started_on", "开始日期", errors)
    end = None
    if planned_end not in (None, ""):
        end = _day(planned_end, "planned_end", "预计解除日期", errors)
    arrived = _day(arrived_on, "arrived_on", "抵达日期", errors) if arrived_on else None
    if start and not errors.get("kind"):
        end = end or planned_end_for(settings, kind, start)
        if end < start:
            errors["planned_end"] = "预计解除日期不能早于开始日期。"
        if start > today + timedelta(days=30):
            errors["started_on"] = "开始日期不能晚于30天以后，请检查日期。"
    if door_measure not in DOOR_LABELS:
        errors["door_measure"] = "请选择门禁措施：门贴封条、电子门磁或不封门。"
    elif kind == "home_monitoring" and door_measure == "seal":
        errors["door_measure"] = MONITORING_NOT_SEALED
    if phone and phone.strip():
        try:
            phone = normalize_phone(phone)
        except ValidationError as exc:
            errors["phone"] = exc.message
    else:
        phone = None
    grid_worker_id = _staff(db, grid_worker_id, "grid_worker", "网格员", errors)
    police_id = _staff(db, police_id, "police", "片警", errors)
    doctor_id = _staff(db, doctor_id, "doctor", "片医", errors)

    resident_values = None
    household_id = None
    if newcomer is not None:
        try:
            resident_values = _resident_fields(db, newcomer, None, today)
        except FormError as exc:
            errors.update({f"newcomer.{k}": v for k, v in exc.errors.items()})
        else:
            household_id = resident_values.get("household_id")
    elif resident_id:
        resident = rq.get(db, "residents", resident_id)
        if resident is None or resident["deleted"]:
            errors["resident_id"] = "所选居民不存在或已迁出，请重新选择。"
        else:
            household_id = resident["household_id"]
            existing = q.open_case_of_resident(db, resident_id)
            if existing:
                errors["resident_id"] = (
                    f"{resident['name']}已有一条{KIND_LABELS[existing['kind']]}记录"
                    f"（{cn_date(existing['started_on'])}起），请在那条记录上延长或修改，"
                    "不要重复登记。")
    else:
        errors["resident_id"] = "请选择被管控的居民，或登记为新来人员。"
    if errors:
        raise FormError(errors)
    assert start is not None and end is not None
    trio = default_trio(db, household_id)
    with transaction(db):
        if resident_values is not None:
            resident_id = rq.insert(db, "residents", resident_values)
        status = "active" if start <= today else "planned"
        case_id = rq.insert(db, "isolation_cases", {
            "resident_id": resident_id, "household_id": household_id, "kind": kind,
            "reason": reason, "origin": (origin or "").strip() or None,
            "arrived_on": arrived.isoformat() if arrived else None,
            "started_on": start.isoformat(), "planned_end": end.isoformat(),
            "status": status, "status_on": today.isoformat(), "status_by": by,
            "grid_worker_id": grid_worker_id or trio["grid_worker_id"],
            "police_id": police_id or trio["police_id"],
            "doctor_id": doctor_id or trio["doctor_id"],
            "door_measure": door_measure, "phone": phone,
            "note": (note or "").strip() or None, "created_on": today.isoformat(),
        })
        _event(db, case_id, "registered", now,
               new=f"{start.isoformat()}~{end.isoformat()}", by=by)
        if status == "active":
            _event(db, case_id, "started", now, new=start.isoformat(), by=by)
    return case_id


def start_due_cases(db: sqlite_utils.Database, today: date | None = None) -> int:
    """Planned cases whose start day has come become active; returns how many."""
    today = today or date.today()
    due = [r[0] for r in db.conn.execute(
        "SELECT id FROM isolation_cases WHERE deleted = 0 AND status = 'planned' "
        "AND started_on <= ?", (today.isoformat(),))]
    if due:
        now = datetime.combine(today, datetime.now().time())
        with transaction(db):
            for case_id in due:
                rq.update(db, "isolation_cases", case_id,
                          {"status": "active", "status_on": today.isoformat()})
                _event(db, case_id, "started", now, new=today.isoformat(), by="系统")
    return len(due)


def edit_case(db: sqlite_utils.Database, case_id: str, data: dict[str, Any], *,
              by: str | None = None, now: datetime | None = None) -> None:
    """Change a case's details (not its dates or status: see change_end, release, …)."""
    now = now or datetime.now()
    by = _who(db, "cases.edit") or by
    current = _open_case(db, case_id)
    allowed = ("reason", "origin", "grid_worker_id", "police_id", "doctor_id", "door_measure",
               "phone", "note")
    errors: dict[str, str] = {}
    values = {k: (v.strip() if isinstance(v, str) else v) or None
              for k, v in data.items() if k in allowed}
    if "reason" in values and not values["reason"]:
        errors["reason"] = "请填写管控原因，例如“密切接触者”。"
    if "door_measure" in values and values["door_measure"] not in DOOR_LABELS:
        errors["door_measure"] = "请选择门禁措施：门贴封条、电子门磁或不封门。"
    elif values.get("door_measure") == "seal" and current["kind"] == "home_monitoring":
        errors["door_measure"] = MONITORING_NOT_SEALED
    if values.get("phone"):
        try:
            values["phone"] = normalize_phone(values["phone"])
        except ValidationError as exc:
            errors["phone"] = exc.message
    for key, role, label in (("grid_worker_id", "grid_worker", "网格员"),
                             ("police_id", "police", "片警"), ("doctor_id", "doctor", "片医")):
        if values.get(key):
            _staff(db, values[key], role, label, errors)
    if errors:
        raise FormError(errors)
    changed = {k: v for k, v in values.items() if current.get(k) != v}
    if not changed:
        return
    with transaction(db):
        rq.update(db, "isolation_cases", case_id, changed)
        _event(db, case_id, "edited", now, new=", ".join(sorted(changed)), by=by)


def change_end(db: sqlite_utils.Database, case_id: str, planned_end: Any, reason: str, *,
               by: str | None = None, now: datetime | None = None) -> str:
    """Extend or shorten a case's period; the old end stays in its history. Returns the
    event kind (extended / shortened)."""
    now = now or datetime.now()
    by = _who(db, "cases.edit") or by
    current = _open_case(db, case_id)
    errors: dict[str, str] = {}
    end = _day(planned_end, "planned_end", "新的预计解除日期", errors)
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = "请填写调整期限的原因，例如“核酸结果待复核，延长3天”。"
    if end and end < date.fromisoformat(current["started_on"]):
        errors["planned_end"] = "预计解除日期不能早于开始日期。"
    if end and end.isoformat() == current["planned_end"]:
        errors["planned_end"] = "新的日期和原来的一样，无需调整。"
    if errors:
        raise FormError(errors)
    assert end is not None
    kind = "extended" if end.isoformat() > current["planned_end"] else "shortened"
    with transaction(db):
        rq.update(db, "isolation_cases", case_id, {"planned_end": end.isoformat()})
        _event(db, case_id, kind, now, old=current["planned_end"], new=end.isoformat(),
               reason=reason, by=by)
    return kind


def transfer_case(db: sqlite_utils.Database, case_id: str, to: str, reason: str, *,
                  by: str | None = None, now: datetime | None = None) -> None:
    """The person goes to centralised isolation or hospital (集中隔离, 医院)."""
    now = now or datetime.now()
    by = _who(db, "cases.edit") or by
    _open_case(db, case_id)
    errors = {}
    if not (to or "").strip():
        errors["transfer_to"] = "请填写转往何处，例如“某某集中隔离点”或“某某医院”。"
    if not (reason or "").strip():
        errors["reason"] = "请填写转出原因，例如“核酸阳性，转定点医院”。"
    if errors:
        raise FormError(errors)
    with transaction(db):
        rq.update(db, "isolation_cases", case_id, {
            "status": "transferred", "status_on": now.date().isoformat(),
            "status_reason": reason.strip(), "status_by": by, "transfer_to": to.strip()})
        _event(db, case_id, "transferred", now, new=to.strip(), reason=reason.strip(), by=by)


def cancel_case(db: sqlite_utils.Database, case_id: str, reason: str, *,
                by: str | None = None, now: datetime | None = None) -> None:
    """Withdraw a case registered by mistake or called off by the district."""
    now = now or datetime.now()
    by = _who(db, "cases.edit") or by
    _open_case(db, case_id)
    if not (reason or "").strip():
        raise FormError({"reason": "请填写撤销原因，例如“登记错误”或“区里通知解除风险”。"})
    with transaction(db):
        rq.update(db, "isolation_cases", case_id, {
            "status": "cancelled", "status_on": now.date().isoformat(),
            "status_reason": reason.strip(), "status_by": by})
        _event(db, case_id, "cancelled", now, reason=reason.strip(), by=by)


# --- checks and tests -------------------------------------------------------------------------

class AlreadyRecorded(FormError):
    """The half-day already has a reading, or the test day a result: saving again must be
    asked for (`another=True` / `correct=True`), and what was there is kept. `earlier` holds
    the readings or the test as they are."""

    def __init__(self, field: str, message: str, earlier: list[dict[str, Any]]) -> None:
        super().__init__({field: message})
        self.earlier = earlier


def reading_text(check: dict[str, Any]) -> str:
    """A reading as the window and messages name it: 36.8℃（王秀英，14:05）."""
    temp = f"{check['temperature']:.1f}℃" if check.get("temperature") is not None else "—"
    who = check.get("checked_by") or "未填检测人"
    at = (check.get("checked_at") or "")[11:16]
    return f"{temp}（{who}{'，' + at if at else ''}）"


def readings_at(db: sqlite_utils.Database, case_id: str, slot: str, check_on: Any = None,
                *, now: datetime | None = None) -> list[dict[str, Any]]:
    """The readings a half-day already has (the check dialog says so before saving)."""
    day = check_on or (now or datetime.now()).date()
    return q.checks_at(db, case_id, str(day), slot)


@dataclass(frozen=True)
class CheckResult:
    check_id: str
    flagged: bool
    message: str          # what the window says after saving ("体温37.8℃，已提醒片医…")


def record_check(db: sqlite_utils.Database, case_id: str, *, slot: str,
                 temperature: Any, symptoms: Any = (), method: str = "visit",
                 checked_by: str | None = None, check_on: Any = None, note: str | None = None,
                 another: bool = False, now: datetime | None = None) -> CheckResult:
    """Record the morning or afternoon check of a case on a day. A fever (from the setting,
    37.3 ℃) or any symptom flags the check for the area doctor.

    A half-day that already has a reading raises AlreadyRecorded unless `another` is given;
    then the new reading is a record of its own beside the earlier one (the board shows the
    latest, the history all of them), never written over it."""
    now = now or datetime.now()
    who = _who(db, "health.edit", "cases.edit")
    checked_by = checked_by or who
    current = _open_case(db, case_id)
    settings = get_settings(db)
    errors: dict[str, str] = {}
    day = _day(check_on or now.date(), "check_on", "检测日期", errors)
    if slot not in SLOT_LABELS:
        errors["slot"] = "请选择上午或下午。"
    if method not in METHOD_LABELS:
        errors["method"] = "请选择检测方式：入户、电话或视频。"
    temp = None
    try:
        text = str(temperature).strip().replace("℃", "").replace("°C", "")
        if text:
            temp = round(float(text), 1)
    except ValueError:
        pass
    if temp is None or not TEMPERATURE_RANGE[0] <= temp <= TEMPERATURE_RANGE[1]:
        errors["temperature"] = "请填写体温，单位℃，保留一位小数，例如 36.5。"
    if isinstance(symptoms, str):
        symptoms = symptoms.split()
    symptoms = [s for s in dict.fromkeys(symptoms or ()) if s]
    unknown = [s for s in symptoms if s not in SYMPTOM_LABELS]
    if unknown:
        errors["symptoms"] = f"不认识的症状：{'、'.join(unknown)}。"
    if day:
        if day < date.fromisoformat(current["started_on"]):
            errors["check_on"] = (f"检测日期早于管控开始日期"
                                  f"（{cn_date(current['started_on'])}），请检查日期。")
        elif day > now.date():
            errors["check_on"] = "不能登记未来日期的检测。"
    if errors:
        raise FormError(errors)
    assert day is not None and temp is not None
    fever = temp >= settings.fever
    flagged = fever or bool(symptoms)
    values = {"case_id": case_id, "check_on": day.isoformat(), "slot": slot,
              "temperature": temp, "symptoms": " ".join(symptoms), "method": method,
              "checked_by": (checked_by or "").strip() or None, "checked_at": _stamp(now),
              "flagged": int(flagged), "doctor_seen": None,
              "note": (note or "").strip() or None}
    with transaction(db):
        earlier = q.checks_at(db, case_id, day.isoformat(), slot)
        if earlier and not another:
            raise AlreadyRecorded(
                "slot", f"{cn_date(day)}{SLOT_LABELS[slot]}已有体温读数："
                f"{'、'.join(reading_text(c) for c in earlier)}。再次保存会另记一条读数，"
                "原读数保留在记录中。", earlier)
        check_id = rq.insert(db, "case_checks", values)
    if flagged:
        what = [f"体温{temp:.1f}℃"] if fever else []
        what += [SYMPTOM_LABELS[s] for s in symptoms if not (s == "fever" and fever)]
        doctor = rq.get(db, "staff", current["doctor_id"]) if current["doctor_id"] else None
        who = (f"片医{doctor['name']}" + (f"（{doctor['phone']}）" if doctor["phone"] else "")
               if doctor else "片医")
        message = f"{'、'.join(what)}：已标记为异常，请立即通知{who}。"
    else:
        message = f"已记录{SLOT_LABELS[slot]}检测：体温{temp:.1f}℃，无异常。"
    return CheckResult(check_id, flagged, message)


def mark_doctor_seen(db: sqlite_utils.Database, check_id: str, *,
                     now: datetime | None = None) -> None:
    now = now or datetime.now()
    _who(db, "health.edit", "cases.edit")
    with transaction(db):
        rq.update(db, "case_checks", check_id, {"doctor_seen": _stamp(now)})


def record_test(db: sqlite_utils.Database, case_id: str, *, test_on: Any,
                result: str = "pending", note: str | None = None, correct: bool = False,
                now: datetime | None = None) -> str:
    """Record a nucleic-acid test of a case, or set the result of the one on that day.

    Filling in a pending result is the normal course. Changing a result already given
    (阴性 → 阳性, or back to 待出结果) is a correction: it raises AlreadyRecorded unless
    `correct` is given, and the case's history keeps the result it replaced, who and when."""
    now = now or datetime.now()
    by = _who(db, "health.edit", "cases.edit")
    current = _open_case(db, case_id)
    errors: dict[str, str] = {}
    day = _day(test_on, "test_on", "采样日期", errors)
    if result not in TEST_LABELS:
        errors["result"] = "请选择结果：待出结果、阴性或阳性。"
    if day and day < date.fromisoformat(current["started_on"]) - timedelta(days=2):
        errors["test_on"] = "采样日期早于管控开始日期，请检查日期。"
    if errors:
        raise FormError(errors)
    assert day is not None
    with transaction(db):
        same_day = [t for t in q.tests(db, [case_id]) if t["test_on"] == day.isoformat()]
        if same_day:
            test = same_day[0]
            if test["result"] != "pending" and test["result"] != result:
                before = TEST_LABELS[test["result"]]
                if not correct:
                    raise AlreadyRecorded(
                        "result", f"{cn_date(day)}的核酸结果已登记为“{before}”。要更正为"
                        f"“{TEST_LABELS[result]}”，请确认更正：原结果会记入案件记录。", [test])
                _event(db, case_id, "test_corrected", now, old=f"{day.isoformat()} {before}",
                       new=f"{day.isoformat()} {TEST_LABELS[result]}", by=by,
                       reason=(note or "").strip() or None)
            rq.update(db, "case_tests", test["id"],
                      {"result": result, "note": (note or "").strip() or test["note"]})
            return test["id"]
        return rq.insert(db, "case_tests", {"case_id": case_id, "test_on": day.isoformat(),
                                            "result": result,
                                            "note": (note or "").strip() or None})


# --- the 今日 board -----------------------------------------------------------------------------

@dataclass
class BoardCase:
    """One open case as the board shows it at a moment."""

    id: str
    name: str
    sex: str | None
    id_number: str | None
    phone: str | None
    address: str | None
    kind: str
    reason: str
    status: str
    started_on: date
    planned_end: date
    day_no: int                  # day N of the period (1 = the start day); 0 before it
    days: int                    # the period's length in days
    am: str                      # done / due / overdue / later / none
    pm: str
    missed: int                  # checks missing on earlier days of the period
    flags_open: int              # fever/symptom checks the doctor has not taken up
    last_temperature: float | None
    tests: list[dict[str, Any]] = field(default_factory=list)
    missing_tests: list[date] = field(default_factory=list)   # before today
    test_today: bool = False                                   # a test day, no sample yet
    release_due: bool = False
    grid_worker: str | None = None
    doctor: str | None = None

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def overdue(self) -> bool:
        return "overdue" in (self.am, self.pm)

    @property
    def check_due(self) -> bool:
        return "due" in (self.am, self.pm)


@dataclass
class Board:
    at: datetime
    cases: list[BoardCase]

    @property
    def due(self) -> list[BoardCase]:
        return [c for c in self.cases if c.check_due]

    @property
    def overdue(self) -> list[BoardCase]:
        return [c for c in self.cases if c.overdue]

    @property
    def flagged(self) -> list[BoardCase]:
        return [c for c in self.cases if c.flags_open]

    @property
    def release_due(self) -> list[BoardCase]:
        return [c for c in self.cases if c.release_due]

    def counts(self) -> dict[str, int]:
        by_kind = Counter(c.kind for c in self.cases if c.status == "active")
        return {"active": sum(by_kind.values()),
                "home_isolation": by_kind["home_isolation"],
                "home_monitoring": by_kind["home_monitoring"],
                "planned": sum(1 for c in self.cases if c.status == "planned"),
                "due": len(self.due), "overdue": len(self.overdue),
                "flagged": len(self.flagged), "release_due": len(self.release_due)}


def _slot_state(done: bool, slot: str, started: bool, now: datetime,
                settings: Settings) -> str:
    if not started:
        return "none"
    if done:
        return "done"
    clock = now.time()
    if slot == "am":
        return "due" if clock < settings.am_deadline else "overdue"
    if clock < settings.pm_start:
        return "later"
    return "due" if clock < settings.pm_deadline else "overdue"


def required_test_days(settings: Settings, kind: str, started_on: date,
                       planned_end: date) -> list[date]:
    """The days a case needs a test: the policy's test days within its period, and its last
    day when the period was extended past them."""
    days = [started_on + timedelta(days=d - 1) for d in settings.policy(kind).test_days]
    days = [d for d in days if d <= planned_end]
    if not days or days[-1] < planned_end - timedelta(days=1):
        days.append(planned_end)
    return sorted(set(days))


def missing_tests(settings: Settings, kind: str, started_on: date, planned_end: date,
                  tests: list[dict[str, Any]], until: date) -> list[date]:
    """Required test days up to `until` with no sample taken within a day of them."""
    taken = [date.fromisoformat(t["test_on"]) for t in tests]
    return [d for d in required_test_days(settings, kind, started_on, planned_end)
            if d <= until and not any(abs((t - d).days) <= 1 for t in taken)]


def board(db: sqlite_utils.Database, now: datetime | None = None) -> Board:
    """Every open case at `now`: which check is due or overdue, what the doctor must see,
    which tests are missing and which cases are due for release."""
    now = now or datetime.now()
    today = now.date()
    start_due_cases(db, today)
    settings = get_settings(db)
    rows = q.open_cases(db, today.isoformat())
    ids = [r["id"] for r in rows]
    tests_of: dict[str, list[dict[str, Any]]] = {i: [] for i in ids}
    for t in q.tests(db, ids):
        tests_of[t["case_id"]].append(t)
    last_temp: dict[str, float] = {}
    for x in q.checks(db, ids):            # ordered by day and slot: the last one wins
        if x["temperature"] is not None:
            last_temp[x["case_id"]] = x["temperature"]
    out = []
    for r in rows:
        start = date.fromisoformat(r["started_on"])
        end = date.fromisoformat(r["planned_end"])
        started = r["status"] == "active" and start <= today
        # Checks owed on the earlier days of the period (two a day from the start day).
        owed_days = max(0, (min(today, end + timedelta(days=1)) - start).days) if started else 0
        tests = tests_of[r["id"]]
        out.append(BoardCase(
            id=r["id"], name=r["name"], sex=r["sex"], id_number=r["id_number"],
            phone=r["phone"] or r["resident_phone"], address=r["address"], kind=r["kind"],
            reason=r["reason"], status=r["status"], started_on=start, planned_end=end,
            day_no=(today - start).days + 1 if started else 0, days=(end - start).days + 1,
            am=_slot_state(bool(r["am_check"]), "am", started, now, settings),
            pm=_slot_state(bool(r["pm_check"]), "pm", started, now, settings),
            missed=max(0, owed_days * 2 - r["checks_before"]),
            flags_open=r["flags_open"], last_temperature=last_temp.get(r["id"]),
            tests=tests,
            missing_tests=missing_tests(settings, r["kind"], start, end, tests,
                                        today - timedelta(days=1)),
            test_today=started and today in missing_tests(settings, r["kind"], start, end,
                                                          tests, today),
            release_due=started and end <= today,
            grid_worker=r["grid_worker"], doctor=r["doctor"],
        ))
    return Board(now, out)


# --- release ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReleaseCheck:
    """What stands between a case and its release on a day."""

    early: bool                   # the period is not over yet: needs a reason
    missing_tests: list[date]     # required test days with no sample
    pending_tests: list[date]     # samples without a result
    positive: bool                # a positive result: transfer, never release
    symptoms_open: int            # flagged checks the doctor has not taken up

    @property
    def blockers(self) -> list[str]:
        """Plain Chinese lines, one per thing still missing."""
        lines = []
        if self.positive:
            lines.append("有核酸阳性结果：不能解除，请按规定转运（转出）。")
        if self.missing_tests:
            lines.append("缺核酸检测：" + "、".join(short_date(d) for d in self.missing_tests))
        if self.pending_tests:
            lines.append("核酸结果未出：" + "、".join(short_date(d) for d in self.pending_tests))
        if self.symptoms_open:
            lines.append(f"有{self.symptoms_open}次体温或症状异常尚未经片医处理")
        return lines


def release_check(db: sqlite_utils.Database, case_id: str, on: date | None = None
                  ) -> ReleaseCheck:
    on = on or date.today()
    row = _open_case(db, case_id)
    settings = get_settings(db)
    start = date.fromisoformat(row["started_on"])
    end = date.fromisoformat(row["planned_end"])
    tests = q.tests(db, [case_id])
    flags = db.conn.execute(
        "SELECT count(*) FROM case_checks WHERE case_id = ? AND deleted = 0 AND flagged = 1 "
        "AND doctor_seen IS NULL", (case_id,)).fetchone()[0]
    return ReleaseCheck(
        early=on < end,
        missing_tests=missing_tests(settings, row["kind"], start, end, tests, on),
        pending_tests=[date.fromisoformat(t["test_on"]) for t in tests
                       if t["result"] == "pending"],
        positive=any(t["result"] == "positive" for t in tests),
        symptoms_open=flags,
    )


def release_case(db: sqlite_utils.Database, case_id: str, *, released_on: Any = None,
                 reason: str | None = None, by: str | None = None,
                 now: datetime | None = None) -> list[str]:
    """Release a case: its period is over (or an early release, with a reason), its tests are
    negative and no symptom is open. Returns the basis recorded (period, tests, symptoms).
    The release form (解除居家隔离通知书) is printed from the released case."""
    now = now or datetime.now()
    by = _who(db, "cases.edit") or by
    row = _open_case(db, case_id)
    errors: dict[str, str] = {}
    day = _day(released_on or now.date(), "released_on", "解除日期", errors)
    if errors:
        raise FormError(errors)
    assert day is not None
    if row["status"] != "active" or day < date.fromisoformat(row["started_on"]):
        raise FormError({"released_on": "这条记录还没有开始管控，不能解除；如登记有误，请撤销。"})
    if day > now.date():
        raise FormError({"released_on": "解除日期不能晚于今天。"})
    check = release_check(db, case_id, day)
    reason = (reason or "").strip()
    if check.blockers:
        raise FormError({"release": "还不能解除：\n" + "\n".join(check.blockers)})
    if check.early and not reason:
        raise FormError({"reason": f"期限到{cn_date(row['planned_end'])}，提前解除须填写原因"
                                   "（例如“区指挥部通知提前解除”）。"})
    basis = ["tests", "symptoms"] + ([] if check.early else ["period"])
    with transaction(db):
        rq.update(db, "isolation_cases", case_id, {
            "status": "released", "status_on": day.isoformat(), "released_on": day.isoformat(),
            "release_basis": " ".join(basis), "status_reason": reason or None,
            "status_by": by})
        _event(db, case_id, "released", now, new=day.isoformat(),
               reason=reason or ("提前解除" if check.early else None), by=by)
    return basis


# --- one case in full -------------------------------------------------------------------------

@dataclass
class CaseDetail:
    case: dict[str, Any]
    events: list[dict[str, Any]]
    checks: list[dict[str, Any]]
    tests: list[dict[str, Any]]
    prints: list[dict[str, Any]]


def case_detail(db: sqlite_utils.Database, case_id: str) -> CaseDetail:
    _who(db, "cases.view")
    row = q.case(db, case_id)
    if row is None or row["deleted"]:
        raise FormError({"case_id": "这条隔离记录不存在或已被删除，请刷新后重试。"})
    return CaseDetail(row, q.events(db, case_id), q.checks(db, [case_id]),
                      q.tests(db, [case_id]), isolation_forms.prints_of_case(db, case_id))


def find_cases(db: sqlite_utils.Database, text: str = "", statuses: tuple[str, ...] = (),
               communities: Collection[str] | None = None) -> list[dict[str, Any]]:
    """Cases matching `text`; at a district, of the `communities` given (None: all)."""
    _who(db, "cases.view")
    return q.cases(db, statuses or None, text.strip() or None, communities=communities)


# --- the overview -----------------------------------------------------------------------------

def active_per_day(db: sqlite_utils.Database, days: int = 30, today: date | None = None
                   ) -> list[tuple[date, int, int]]:
    """(day, home isolation, home monitoring) cases active on each of the last `days` days."""
    today = today or date.today()
    first = today - timedelta(days=days - 1)
    spans = []
    for kind, status, started, released, status_on in q.case_spans(db, first.isoformat()):
        start = date.fromisoformat(started)
        if status in ("planned", "active"):
            last = today
        else:
            # Released on day d: active through d - 1. Transferred on d: gone from d.
            last = date.fromisoformat(released or status_on) - timedelta(days=1)
        spans.append((kind, start, last))
    out = []
    for i in range(days):
        day = first + timedelta(days=i)
        counts = Counter(kind for kind, start, last in spans if start <= day <= last)
        out.append((day, counts["home_isolation"], counts["home_monitoring"]))
    return out
