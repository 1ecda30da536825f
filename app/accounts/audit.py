"""The audit trail as people read it: filtered lists, verification reports, Excel export."""

from __future__ import annotations

import json
import os
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlite_utils

from app import community_scope
from app.accounts import ROLE_LABELS, current, masking, require
from app.isolation import (
    DOOR_LABELS,
    EVENT_LABELS,
    FORM_LABELS,
    KIND_LABELS,
    METHOD_LABELS,
    SLOT_LABELS,
    STATUS_LABELS,
    TEST_LABELS,
)
from app.registry import DWELLING_LABELS, RESIDENCY_LABELS, SEX_LABELS
from app.sync import anchor
from app.sync.bundle import BundleError
from db import audit as store
from db import registry as rq

ACTION_LABELS = {
    "insert": "新增", "update": "修改", "delete": "删除", "undelete": "恢复",
    "sign_in": "登录", "sign_in_failed": "登录失败", "sign_out": "退出登录",
    "unlock": "解锁", "idle_lock": "闲置锁定", "lock": "手动锁定", "reveal": "查看完整信息",
    "print": "打印", "export": "导出", "import": "导入", "sync": "同步",
    "account_created": "新建账户", "account_changed": "修改账户",
    "password_changed": "修改密码", "setting": "修改设置",
    "backup": "备份", "restore": "从备份恢复",
    "data_key_created": "生成备份钥匙和恢复密钥", "recovery_key_renewed": "更换恢复密钥",
}
TABLE_LABELS = {
    "residents": "居民", "households": "住户", "party_members": "党员", "org_units": "网格/组织",
    "compounds": "楼院", "buildings": "楼栋", "units": "单元", "staff": "工作人员",
    "pairings": "联户", "spot_checks": "督查", "spot_check_items": "督查结果",
    "member_contacts": "联系记录", "accounts": "账户", "meta": "设置",
    "isolation_cases": "隔离案件", "case_events": "案件记录", "case_checks": "健康监测",
    "case_tests": "核酸检测", "case_forms": "文书", "print_log": "打印记录",
    "district_policy": "区里隔离政策",
    "incidents": "事件/诉求", "incident_steps": "事件办理", "incident_replies": "区里答复",
    "incident_kinds": "事件类型", "incident_photos": "事件照片",
    "incident_photo_parts": "事件照片内容",
    "sweeps": "入户排查", "sweep_visits": "入户排查记录", "daily_reports": "日报",
    "keyperson_lists": "重点人员名单", "keypersons": "重点人员",
    "keyperson_results": "重点人员核查结果",
    "categories": "人员类别", "category_marks": "人员类别调整",
    "care_rules": "走访间隔", "care_schedules": "个人走访安排", "care_visits": "关爱走访",
    "care_needs": "走访发现需求", "care_vaccinations": "疫苗接种情况",
    "places": "场所", "place_kinds": "场所类型", "place_forms": "复工复产文书",
    "inspections": "检查/督查", "inspection_templates": "检查表",
    "inspection_answers": "检查项结果", "inspection_problems": "检查发现的问题",
    "problem_corrections": "问题整改情况",
    "duty_trios": "三人小组", "duty_shifts": "值班班次", "duty_swaps": "换班记录",
    "task_forces": "专班", "volunteers": "志愿者", "volunteer_hours": "志愿服务时长",
    "checkpoints": "卡口", "checkpoint_counts": "卡口人车数量",
    "checkpoint_entries": "卡口人员登记",
    "supplies": "物资", "supply_moves": "物资出入库",
}
FIELD_LABELS = {
    "name": "姓名/名称", "id_number": "证件号码", "phone": "电话", "household_id": "住户",
    "door_number": "门牌", "deleted": "已删除", "tags": "标签", "note": "备注",
    "relation": "与户主关系", "residency": "居住类型", "birth_date": "出生日期", "sex": "性别",
    "unit_id": "单元", "member_id": "党员", "role": "角色", "field": "字段",
    "resident_id": "居民", "building_id": "楼栋", "compound_id": "楼院", "grid_id": "网格",
    "parent_id": "上级", "org_unit_id": "所属组织", "case_id": "隔离人员", "doctor_id": "片医",
    "police_id": "片警", "grid_worker_id": "网格员", "chief_id": "负责人",
    "id_kind": "证件类型", "ethnicity": "民族", "floor": "楼层", "dwelling": "居住情况",
    "kind": "类型", "status": "状态", "reason": "原因", "origin": "来源地",
    "arrived_on": "抵达日期", "started_on": "开始日期", "planned_end": "预计解除日期",
    "released_on": "解除日期", "release_basis": "解除依据", "door_measure": "门口措施",
    "status_on": "状态日期", "status_by": "经办人", "status_reason": "状态原因",
    "transfer_to": "转往", "at": "时间", "old_value": "原值", "new_value": "新值",
    "by_name": "经办人", "check_on": "日期", "slot": "时段", "temperature": "体温",
    "symptoms": "症状", "method": "方式", "checked_by": "检查人", "checked_at": "检查时间",
    "flagged": "异常", "doctor_seen": "片医已处理", "test_on": "检测日期", "result": "结果",
    "form": "文书", "serial": "编号", "issued_at": "编号时间", "printed_at": "打印时间",
    "printed_by": "打印人", "copies": "份数", "reprint": "补打", "target": "打印到",
    "created_on": "创建日期",
    # the isolation policy: the district's row and a community's own settings/adjustments
    "isolation_days": "居家隔离天数", "isolation_test_days": "居家隔离核酸检测日",
    "monitoring_days": "居家健康监测天数", "monitoring_test_days": "居家健康监测核酸检测日",
    "fever": "发热标准", "am_deadline": "上午检测截止", "pm_start": "下午检测开始",
    "pm_deadline": "下午检测截止", "days_open": "允许社区延长天数",
    "tests_open": "允许社区增加检测日", "fever_open": "允许社区调低发热标准",
    "deadlines_open": "允许社区设定检测时间", "changed_at": "修改时间", "changed_by": "修改人",
    "isolation.settings": "隔离政策", "isolation.overrides": "本社区对区里隔离政策的调整",
    # sweeps and daily reports (0014)
    "title": "名称", "scope": "范围", "questions": "排查内容", "starts_on": "开始日期",
    "due_on": "完成期限", "outcome": "排查结果", "visited_on": "排查日期",
    "visited_by": "排查人", "people": "现住人数", "returnees": "外地返回人数",
    "returnee_origin": "返回来源地", "returned_on": "返回日期", "elderly": "60岁以上人数",
    "elderly_unvaccinated": "60岁以上未接种", "report_on": "日报日期",
    "confirmed_by": "确认人", "confirmed_at": "确认时间", "replaces": "更正的日报",
}
# Coded values shown in words, by field ("kind" is a case's kind or a case event's).
VALUE_LABELS: dict[str, dict[str, str]] = {
    "sex": SEX_LABELS, "residency": RESIDENCY_LABELS, "dwelling": DWELLING_LABELS,
    "kind": {**KIND_LABELS, **EVENT_LABELS}, "status": STATUS_LABELS, "slot": SLOT_LABELS,
    "method": METHOD_LABELS, "door_measure": DOOR_LABELS, "result": TEST_LABELS,
    "form": FORM_LABELS,
    **{key: {"0": "不允许", "1": "允许"}
       for key in ("days_open", "tests_open", "fever_open", "deadlines_open")},
}
# Fields holding another row's id, and that row's table: shown by its name, not its id.
REFERENCES = {
    "household_id": "households", "unit_id": "units", "building_id": "buildings",
    "compound_id": "compounds", "grid_id": "org_units", "parent_id": "org_units",
    "org_unit_id": "org_units", "member_id": "party_members", "resident_id": "residents",
    "case_id": "isolation_cases", "doctor_id": "staff", "police_id": "staff",
    "grid_worker_id": "staff", "chief_id": "staff",
}
HIDDEN_FIELDS = frozenset({"community_id"})   # always this office's own: says nothing
FAIL_REASONS = {"wrong_password": "密码错误", "unknown_user": "没有这个用户",
                "locked": "账户已锁定", "wait": "需等待", "disabled": "账户已停用"}


def local_time(at: str) -> str:
    """An entry's UTC time shown in the office's local time, to the second."""
    moment = datetime.strptime(at[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def _day_start_utc(day: date) -> str:
    local = datetime(day.year, day.month, day.day).astimezone()
    return local.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _value(session, key: str, value: Any, labels: dict[tuple[str, str], str]) -> str:
    if value is None:
        return "（空）"
    if key in masking.KINDS:
        return masking.show(session, key, value, masking.LIST)
    if key in REFERENCES:
        return labels.get((REFERENCES[key], str(value)), str(value))
    return VALUE_LABELS.get(key, {}).get(str(value), str(value))


def describe(entry: store.Entry, session=None,
             labels: dict[tuple[str, str], str] | None = None) -> str:
    """What an entry did, in one line: changed fields before → after, or the event's facts.
    ID numbers and phones are masked as in every list; rows referred to are shown by the
    names in `labels` (see references())."""
    labels = labels or {}
    try:
        d = entry.details()
    except ValueError:
        return entry.detail or ""
    if not isinstance(d, dict):
        return str(d)
    if "before" in d or "after" in d:
        before, after = d.get("before") or {}, d.get("after") or {}
        parts = []
        for key in list(after) + [k for k in before if k not in after]:
            if key in HIDDEN_FIELDS:
                continue
            label = FIELD_LABELS.get(key, key)
            if key in before:
                parts.append(f"{label}：{_value(session, key, before.get(key), labels)} → "
                             f"{_value(session, key, after.get(key), labels)}")
            elif after.get(key) not in (None, "", 0):
                parts.append(f"{label}：{_value(session, key, after.get(key), labels)}")
        return "；".join(parts)
    if entry.action == "sign_in_failed":
        text = FAIL_REASONS.get(d.get("reason", ""), d.get("reason", ""))
        return text + (f"（第 {d['failures']} 次）" if d.get("failures") else "")
    if entry.action == "reveal":
        return f"查看了完整的{FIELD_LABELS.get(d.get('field', ''), d.get('field', ''))}"
    if "role" in d:
        d = {**d, "role": ROLE_LABELS.get(d["role"], d["role"])}
    d = {k: masking.show(session, k, v, masking.LIST) if k in masking.KINDS else v
         for k, v in d.items()}
    return "；".join(f"{k}：{'、'.join(map(str, v)) if isinstance(v, list) else v}"
                    for k, v in d.items())


@dataclass(frozen=True)
class AuditRow:
    seq: int
    time: str
    actor: str           # the username, as recorded (what the 操作人 filter matches)
    action: str
    what: str
    record: str
    detail: str
    by: str = ""         # the operator as people know them: 王秀英
    community: str = ""  # at a district: whose record, named as it was then (community_scope)


def rows(db: sqlite_utils.Database, *, actor: str | None = None, action: str | None = None,
         record: str | None = None, since: date | None = None, until: date | None = None,
         limit: int = 5000, communities: Collection[str] | None = None) -> list[AuditRow]:
    """The entries matching the filters (dates inclusive, local days), newest first;
    `communities` (at a district) keeps those about records of these communities."""
    session = require(db, "audit.view")
    actions = None
    if action:
        actions = ["update", "undelete"] if action == "update" else [action]
    found = store.entries(
        db, actor=actor or None, actions=actions, record=(record or "").strip() or None,
        since=_day_start_utc(since) if since else None,
        until=_day_start_utc(until + timedelta(days=1)) if until else None, limit=limit,
        communities=communities)
    labels = rq.row_labels(db, references(found))
    names = store.actor_names(db)
    whose = community_scope.audit_communities(db, found)
    return [AuditRow(seq=e.seq, time=local_time(e.at), actor=e.actor or "（系统）",
                     action=ACTION_LABELS.get(e.action, e.action),
                     what=_what(e, labels), record=e.row_id or "",
                     detail=describe(e, session, labels), by=actor_name(e.actor, names),
                     community=whose.get(e.seq, ""))
            for e in found]


def actor_name(actor: str | None, names: dict[str, str]) -> str:
    """An operator by name: "王秀英" for an account, the recorded text otherwise (a
    district's sign-in such as "区里 …", or （系统）)."""
    if not actor:
        return "（系统）"
    return names.get(actor) or actor


def references(entries: list[store.Entry]) -> dict[str, set[str]]:
    """The rows these entries are about or point to, by table: what row_labels() names."""
    wanted: dict[str, set[str]] = {}
    for e in entries:
        if e.tbl and e.row_id:
            wanted.setdefault(e.tbl, set()).add(e.row_id)
        try:
            d = e.details()
        except ValueError:
            continue
        if isinstance(d, dict):
            for side in (d.get("before"), d.get("after")):
                for key, value in (side or {}).items() if isinstance(side, dict) else ():
                    if key in REFERENCES and isinstance(value, str):
                        wanted.setdefault(REFERENCES[key], set()).add(value)
    return wanted


def _what(entry: store.Entry, labels: dict[tuple[str, str], str]) -> str:
    """"居民 张三": the table, and the row by its name where it has one."""
    kind = TABLE_LABELS.get(entry.tbl or "", entry.tbl or "")
    name = labels.get((entry.tbl or "", entry.row_id or ""))
    return f"{kind} {name}" if name else kind


def actors(db: sqlite_utils.Database) -> list[str]:
    require(db, "audit.view")
    return store.actors(db)


def actor_choices(db: sqlite_utils.Database) -> list[tuple[str, str]]:
    """(username, name shown) for the 操作人 filter."""
    require(db, "audit.view")
    names = store.actor_names(db)
    return [(a, actor_name(a, names)) for a in store.actors(db)]


@dataclass(frozen=True)
class VerifyReport:
    ok: bool
    entries: int
    message: str
    lines: list[str]
    problems: list[store.Problem]
    anchor: str = ""     # the comparison with the district's acknowledgement, in words


def problem_text(p: store.Problem) -> str:
    if p.kind == "edited":
        return f"第 {p.seq} 条记录的内容被改动过（与它的哈希不符）。"
    if p.kind == "moved":
        return f"第 {p.seq} 条记录被调换了位置（内容完好，但编号与原来不同）。"
    if p.kind == "removed":
        return f"第 {p.seq} 条之前缺少 {p.missing} 条记录（被删除）。"
    if p.kind == "damaged":
        if p.missing:
            return (f"从第 {p.seq} 条起的 {p.missing} 条封存记录无法读出（封存块被改动或损坏）。"
                    "请保留此文件并报告区里。")
        return (f"从第 {p.seq} 条起的封存块与它登记的范围、时间、操作人或记录索引不符"
                "（被改动过，按条件查找时可能漏掉其中的记录）。请保留此文件并报告区里。")
    return f"第 {p.seq} 条与前一条接不上：前面的记录被删除、替换或调换了顺序。"


def verify(db: sqlite_utils.Database, backups: Sequence[Path] = ()) -> VerifyReport:
    """Walk the whole chain, then compare it with the head the district last acknowledged
    and with the head each given backup recorded (a chain rewritten with recomputed hashes,
    or cut at its end, is whole by itself). Anyone may verify: it shows no personal data.
    A backup that cannot be read raises app.accounts.backup.BackupError."""
    problems, n = [], 0
    for _seq, problem in store.walk(db):
        n += 1
        if problem:
            problems.append(problem)
    check = anchor.check_acknowledged(db)
    outside = [(check.ok, check.text())] + [compare_with_backup(db, b) for b in backups]
    bad = [text for ok, text in outside if not ok]
    fine = "\n".join(text for ok, text in outside if ok)
    lines = bad + [problem_text(p) for p in problems]
    if problems:
        first = problems[0].seq
        return VerifyReport(False, n, f"审计日志被改动过：共 {n} 条记录，"
                            f"发现 {len(problems)} 处问题，最早在第 {first} 条。", lines,
                            problems, fine)
    if bad:
        what = {"cut": "审计日志末尾被截掉了", "rewritten": "审计日志被改写过",
                "forged": "审计日志无法与区里核对"}.get(check.status, "审计日志与备份不符")
        return VerifyReport(False, n, f"{what}：共 {n} 条记录，哈希链本身连续，"
                            "但与此前在本文件之外留下的记录不符。", lines, [], fine)
    return VerifyReport(True, n, f"审计日志完好：共 {n} 条记录，哈希链从头到尾连续。",
                        [], [], fine)


def compare_with_backup(db: sqlite_utils.Database, path: Path) -> tuple[bool, str]:
    """Whether the chain still holds the entry a backup recorded as its newest (the backup's
    clear header carries it; a backup kept on a stick is a copy outside this file)."""
    from app.accounts.backup import read_header

    header = read_header(path)
    made = str(header.get("created", ""))[:10]
    try:
        head = anchor.parse_head(header.get("audit_head"))
    except BundleError:
        return True, (f"备份 {Path(path).name} 没有记录审计日志末端（由旧版本制作或日志为空），"
                      "无法用它核对。")
    found = store.hash_at(db, head.seq)
    if found is None:
        return False, (f"{made} 的备份里审计日志到第 {head.seq} 条，本机已经没有这一条："
                       "审计日志末尾被截掉了。请保留此文件并报告区里。")
    if found != head.hash:
        return False, (f"第 {head.seq} 条记录与 {made} 的备份不同：第 {head.seq} 条及以前的记录"
                       "被改写过。请保留此文件并报告区里。")
    return True, f"与 {made} 的备份一致（到第 {head.seq} 条）。"


def export_audit(db: sqlite_utils.Database, path: str | os.PathLike[str], *,
                 actor: str | None = None, action: str | None = None,
                 record: str | None = None, since: date | None = None,
                 until: date | None = None, communities: Collection[str] | None = None) -> int:
    """The filtered entries as an Excel sheet (at a district with the 社区 column); the
    export itself is recorded."""
    from app.ledger.xlsx import ExportColumn, write_ledger

    found = rows(db, actor=actor, action=action, record=record, since=since, until=until,
                 limit=1_000_000, communities=communities)
    columns = [
        ExportColumn("序号", lambda r: r.seq, "number"),
        ExportColumn("时间", lambda r: r.time, width=20),
        ExportColumn("操作人", lambda r: r.by or r.actor),
        ExportColumn("操作", lambda r: r.action),
        ExportColumn("对象", lambda r: r.what),
        ExportColumn("记录编号", lambda r: r.record, "code", width=38),
        ExportColumn("内容", lambda r: r.detail, "wrap", width=60),
    ]
    if community_scope.is_district(db):
        columns.insert(0, ExportColumn("社区", lambda r: r.community))
    filters = {k: str(v) for k, v in (("actor", actor), ("action", action), ("record", record),
                                     ("since", since), ("until", until)) if v}
    if communities is not None:
        filters["community"] = community_scope.describe(db, communities)
    written = write_ledger(path, "审计日志", f"共 {len(found)} 条", columns, found,
                           total=len(found), sheet_name="审计日志")
    store.append(db, "export", detail={"what": "audit_log", "path": str(path),
                                       "rows": written, **filters})
    return written


def who(db: sqlite_utils.Database) -> str:
    session = current(db)
    return session.display_name if session else ""


def decoded(detail: str | None) -> Any:
    return json.loads(detail) if detail else None
