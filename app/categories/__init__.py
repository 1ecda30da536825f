"""Local categories of people (五色管理 and others): the office's categories (a name, a colour,
a meaning), each given by hand or by one rule from a short list; a person's category is the
newest one set by hand, else the first rule that matches. The district may define the set for
all its communities (its own rows travel down; while any is live, communities use those).

    from app import categories
    categories.of(db, resident_ids)       # id → Category (name, colour, by_hand)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlite_utils

from app import accounts
from app.accounts import require, require_resident
from app.errors import FormError
from db import categories as q
from db.node import get_meta, transaction

RULE_LABELS = {
    "manual": "只手动指定",
    "case_kind": "有进行中的居家隔离/健康监测",
    "keyperson": "重点人员核查结果为",
    "tag": "带有标签（本人或本户）",
    "age_over": "年满（岁）",
}
CASE_KIND_CHOICES = {"": "任一种", "home_isolation": "居家隔离", "home_monitoring": "居家健康监测"}
COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
# 五色管理 as offices commonly set it up; the settings page offers it as a starting point.
FIVE_COLOURS = (
    ("红", "#d32f2f", "居家隔离中", "case_kind", "home_isolation"),
    ("橙", "#ef6c00", "居家健康监测中", "case_kind", "home_monitoring"),
    ("黄", "#f9a825", "重点关注", "tag", "重点关注"),
    ("蓝", "#1565c0", "80岁以上老人", "age_over", "80"),
    ("绿", "#2e7d32", "正常", "manual", ""),
)


@dataclass(frozen=True)
class Category:
    id: str
    name: str
    colour: str
    meaning: str
    rule: str
    rule_value: str
    position: int
    owner: str

    @property
    def rule_text(self) -> str:
        return rule_text(self.rule, self.rule_value)


def _keyperson_results() -> dict[str, str]:
    """The key-person lists' result codes → words (none when that feature is not here)."""
    try:
        from app.keypersons import RESULT_LABELS
    except ImportError:
        return {}
    return dict(RESULT_LABELS)


def rule_text(rule: str, value: str) -> str:
    """A rule as the settings page says it: 有进行中的居家隔离, 年满80岁 …"""
    if rule == "case_kind":
        kind = CASE_KIND_CHOICES.get(value, value)
        return "有进行中的居家隔离或健康监测" if not value else f"有进行中的{kind}"
    if rule == "tag":
        return f"带有标签“{value}”"
    if rule == "age_over":
        return f"年满{value}岁"
    if rule == "keyperson":
        return f"重点人员核查结果为“{_keyperson_results().get(value, value)}”"
    return RULE_LABELS["manual"]


@dataclass(frozen=True)
class Assigned:
    """A resident's category now."""

    category: Category
    by_hand: bool

    @property
    def name(self) -> str:
        return self.category.name

    @property
    def colour(self) -> str:
        return self.category.colour


@dataclass(frozen=True)
class CategorySet:
    categories: list[Category]
    from_district: bool      # the district's set, which this office reads and never edits
    owner: str               # whose rows they are


def _own(db: sqlite_utils.Database) -> str:
    own = get_meta(db, "community_id")
    if not own:
        raise FormError({"community": "还没有设置本社区，请先在“设置”中填写社区信息。"})
    return own


def _at_district(db: sqlite_utils.Database) -> bool:
    return get_meta(db, "role") == "district"


at_district = _at_district


def _category(row: dict[str, Any]) -> Category:
    # A row may have come in a bundle: a colour that is not #rrggbb never reaches a style
    # sheet or a PDF (grey stands in), nor a rule this version does not know.
    colour = row["colour"] if isinstance(row["colour"], str) and COLOUR_RE.match(
        row["colour"]) else "#9e9e9e"
    rule = row["rule"] if row["rule"] in RULE_LABELS else "manual"
    return Category(row["id"], str(row["name"]), colour, str(row["meaning"] or ""), rule,
                    str(row["rule_value"] or ""), int(row["position"] or 0),
                    row["community_id"])


def in_force(db: sqlite_utils.Database, community_id: str | None = None) -> CategorySet:
    """The categories a community uses: the district's when it has set any, else its own.
    At a community, `community_id` is itself; at a district, name the community (None: the
    district's own set)."""
    own = get_meta(db, "community_id") or ""
    if _at_district(db):
        district = [_category(r) for r in q.categories(db, own)]
        if district or community_id is None:
            return CategorySet(district, True, own)
        return CategorySet([_category(r) for r in q.categories(db, community_id)], False,
                           community_id)
    district = [_category(r) for r in q.categories(db, other_than=own)]
    if district:
        return CategorySet(district, True, district[0].owner)
    return CategorySet([_category(r) for r in q.categories(db, own)], False, own)


def in_force_for(db: sqlite_utils.Database, resident_id: str) -> CategorySet:
    """The categories the community of this resident uses (at a district, its own set)."""
    owners = q.resident_owners(db, [resident_id])
    return in_force(db, next(iter(owners), None))


def _sets_for(db: sqlite_utils.Database, ids: Sequence[str] | None
              ) -> list[tuple[CategorySet, Sequence[str] | None, str | None]]:
    """(the set in force, residents, the one community they belong to or None) per
    community: at a district each community may use its own set."""
    if not _at_district(db):
        return [(in_force(db), ids, None)]
    if ids is None:
        return [(in_force(db, c), None, c) for c in q.resident_communities(db)]
    return [(in_force(db, c), some, None) for c, some in q.resident_owners(db, ids).items()]


def of(db: sqlite_utils.Database, ids: Sequence[str] | None = None,
       today: date | None = None, *, hand: bool = True) -> dict[str, Assigned]:
    """Each given resident's category (every live resident's when ids is None); those in
    none are left out. Worked out afresh each time: nothing to go stale after an import.
    `hand=False` skips telling which were set by hand (by_hand is then False): counts."""
    today = today or date.today()
    out: dict[str, Assigned] = {}
    for cats, some, owner in _sets_for(db, ids):
        if not cats.categories:
            continue
        by_id = {c.id: c for c in cats.categories}
        rows = [{"id": c.id, "rule": c.rule, "rule_value": c.rule_value}
                for c in cats.categories]
        assigned = q.assign(db, rows, some, today, owner)
        marked = _hand_marked(db, list(assigned), set(by_id)) if hand else set()
        for rid, cid in assigned.items():
            out[rid] = Assigned(by_id[cid], rid in marked)
    return out


def _hand_marked(db: sqlite_utils.Database, ids: list[str], in_force_ids: set[str]) -> set[str]:
    """Which of these residents carry their category by hand (their newest mark names one)."""
    found: set[str] = set()
    if not ids:
        return found
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        for rid, cid in db.conn.execute(
                "SELECT r.id, (SELECT m.category_id FROM category_marks m "
                "WHERE m.resident_id = r.id AND m.deleted = 0 "
                "ORDER BY m.set_at DESC, m.id DESC LIMIT 1) FROM residents r "
                f"WHERE r.id IN ({','.join('?' * len(chunk))})", chunk):
            if cid in in_force_ids:
                found.add(rid)
    return found


def counts(db: sqlite_utils.Database, ids: Sequence[str] | None = None,
           today: date | None = None) -> dict[str, int]:
    """category id → how many of the residents (all when None) carry it."""
    out: dict[str, int] = {}
    for a in of(db, ids, today, hand=False).values():
        out[a.category.id] = out.get(a.category.id, 0) + 1
    return out


def rule_matches(db: sqlite_utils.Database, category: Category,
                 today: date | None = None) -> int:
    """How many residents its rule matches, whether or not an earlier rule took them."""
    if category.rule == "manual":
        return 0
    owner = category.owner if _at_district(db) and category.owner != get_meta(
        db, "community_id") else None
    return q.rule_matches(db, category.rule, category.rule_value, today or date.today(), owner)


def keyperson_list_present(db: sqlite_utils.Database) -> bool:
    return q.keyperson_table(db)


# --- changing the set ---------------------------------------------------------------------

def _who(db: sqlite_utils.Database) -> str:
    session = accounts.current(db)
    if session is None or not session.username:
        return "本机"
    return session.display_name or session.username


def _stamp() -> str:
    return datetime.now().replace(microsecond=0).isoformat(sep=" ")


def _editable_owner(db: sqlite_utils.Database) -> str:
    """Whose categories this office writes; refuses a community under the district's set."""
    require(db, "settings")
    own = _own(db)
    if not _at_district(db) and in_force(db).from_district:
        raise FormError({"category": "区里已统一设置人员类别，本社区不能修改。"
                                     "如需调整，请联系区里。"})
    return own


def _check(db: sqlite_utils.Database, data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    name = data.get("name")
    name = name.strip() if isinstance(name, str) else ""
    if not name:
        errors["name"] = "请填写类别名称，例如“红”或“重点关爱”。"
    elif len(name) > 10:
        errors["name"] = "类别名称最多10个字，请写简短些（含义写在“含义”里）。"
    colour = data.get("colour")
    if not isinstance(colour, str) or not COLOUR_RE.match(colour.strip()):
        errors["colour"] = "请选择一种颜色（如 #d32f2f）。"
        colour = ""
    meaning = data.get("meaning") or ""
    if not isinstance(meaning, str) or len(meaning) > 60 or "\n" in meaning:
        errors["meaning"] = "含义请写一行，最多60个字，例如“确诊或隔离中”。"
        meaning = ""
    rule = data.get("rule") or "manual"
    value = data.get("rule_value")
    value = str(value).strip() if value is not None else ""
    if rule == "case_kind":     # the kind may be typed in words: 居家隔离, 任一种
        value = {v: k for k, v in CASE_KIND_CHOICES.items()}.get(value, value)
    if rule == "keyperson":     # a result in words (在本社区居住) or its code
        value = {v: k for k, v in _keyperson_results().items()}.get(value, value)
    if rule not in RULE_LABELS:
        errors["rule"] = "请从列表中选择规则。"
    elif rule == "case_kind" and value not in CASE_KIND_CHOICES:
        errors["rule_value"] = "请选择隔离类型：任一种、居家隔离或居家健康监测。"
    elif rule == "tag" and not value:
        errors["rule_value"] = "请填写标签，例如“独居老人”。"
    elif rule == "keyperson" and value not in (_keyperson_results() or {value: value}):
        errors["rule_value"] = ("请填写核查结果：" + "、".join(_keyperson_results().values())
                                + "。")
    elif rule == "age_over" and not (value.isdigit() and 1 <= int(value) <= 120):
        errors["rule_value"] = "年龄请填1到120之间的整数，例如 80。"
    elif rule == "manual":
        value = ""
    if errors:
        raise FormError(errors)
    return {"name": name, "colour": colour.strip().lower(), "meaning": meaning.strip(),
            "rule": rule, "rule_value": value}


def save_category(db: sqlite_utils.Database, data: dict[str, Any],
                  category_id: str | None = None) -> str:
    """Add a category (at the end of the rule order) or change one; returns its id."""
    owner = _editable_owner(db)
    values = _check(db, data)
    current = [c for c in in_force(db).categories if c.owner == owner] \
        if not _at_district(db) else [_category(r) for r in q.categories(db, owner)]
    if any(c.name == values["name"] and c.id != category_id for c in current):
        raise FormError({"name": f"已有名为“{values['name']}”的类别，请换一个名称。"})
    if category_id is not None:
        row = q.get(db, category_id)
        if row is None or row["deleted"] or row["community_id"] != owner:
            raise FormError({"category": "这个类别不存在或已被删除，请刷新后重试。"})
    else:
        values["position"] = max((c.position for c in current), default=0) + 1
    values.update(changed_at=_stamp(), changed_by=_who(db))
    with transaction(db):
        return q.write(db, owner, category_id, values)


def add_five_colours(db: sqlite_utils.Database) -> list[str]:
    """The usual 五色 set (red to green) for an office that has none yet."""
    owner = _editable_owner(db)
    if q.categories(db, owner):
        raise FormError({"category": "已经设置了类别；五色模板只用于还没有类别的时候。"})
    with transaction(db):
        return [save_category(db, {"name": n, "colour": c, "meaning": m, "rule": r,
                                   "rule_value": v}) for n, c, m, r, v in FIVE_COLOURS]


def move_category(db: sqlite_utils.Database, category_id: str, step: int) -> None:
    """Move a category up (-1) or down (+1) in the rule order."""
    owner = _editable_owner(db)
    rows = q.categories(db, owner)
    ids = [r["id"] for r in rows]
    if category_id not in ids:
        raise FormError({"category": "这个类别不存在或已被删除，请刷新后重试。"})
    i = ids.index(category_id)
    j = max(0, min(len(ids) - 1, i + step))
    ids.insert(j, ids.pop(i))
    with transaction(db):
        for pos, cid in enumerate(ids, start=1):
            if rows[[r["id"] for r in rows].index(cid)]["position"] != pos:
                q.write(db, owner, cid, {"position": pos, "changed_at": _stamp(),
                                         "changed_by": _who(db)})


def delete_category(db: sqlite_utils.Database, category_id: str) -> None:
    """Delete a category nobody carries; one in use is refused, saying how many carry it."""
    owner = _editable_owner(db)
    row = q.get(db, category_id)
    if row is None or row["deleted"] or row["community_id"] != owner:
        raise FormError({"category": "这个类别不存在或已被删除，请刷新后重试。"})
    carried = counts(db).get(category_id, 0)
    if carried:
        raise FormError({"category": (
            f"有{carried}人属于“{row['name']}”类，不能删除。请先把规则改为“只手动指定”，"
            "并把手动指定的人改为其他类别，再删除。")})
    with transaction(db):
        q.soft_delete(db, category_id)


# --- by hand ------------------------------------------------------------------------------

def set_by_hand(db: sqlite_utils.Database, resident_id: str, category_id: str | None,
                reason: str) -> str:
    """Put a person in a category by hand (None: back to the rules), saying why. Each change
    is a new mark, so the one it replaced, who and when are kept."""
    require_resident(db, "registry.edit", resident_id)
    errors: dict[str, str] = {}
    reason = reason.strip() if isinstance(reason, str) else ""
    if not reason:
        errors["reason"] = "请写明调整类别的原因，例如“已解除隔离，经网格员核实”。"
    elif len(reason) > 200:
        errors["reason"] = "原因最多200个字。"
    resident = db.conn.execute("SELECT community_id, deleted FROM residents WHERE id = ?",
                               (resident_id,)).fetchone()
    if resident is None or resident[1]:
        raise FormError({"resident": "这位居民不存在或已被删除，请刷新后重试。"})
    cats = in_force(db, resident[0] if _at_district(db) else None)
    if category_id is not None and category_id not in {c.id for c in cats.categories}:
        errors["category"] = "请从列表中选择类别（可能已被删除，请刷新后重试）。"
    if errors:
        raise FormError(errors)
    with transaction(db):
        return q.add_mark(db, resident[0], resident_id, category_id, _stamp(), _who(db), reason)


def history(db: sqlite_utils.Database, resident_id: str) -> list[dict[str, Any]]:
    """A person's categories set by hand, newest first (category None: back to the rules)."""
    return q.marks_of(db, resident_id)
