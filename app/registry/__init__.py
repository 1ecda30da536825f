"""The community registry: grids, compounds, buildings, households, residents and Party members,
validated before anything is written."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import date
from typing import Any

import sqlite_utils

from app.accounts import (
    grid_scope,
    require,
    require_household,
    require_resident,
    require_unit,
)
from app.errors import FormError
from app.registry.search_keys import normalize_query
from app.validation import (
    IdKind,
    ValidationError,
    normalize_phone,
    optional_text,
    require_text,
    validate_birth_date,
    validate_id_number,
)
from db import community_scope as community_store
from db import pairing as pairing_store
from db import registry as q
from db import scope as db_scope
from db.node import transaction

SEX_LABELS = {"M": "男", "F": "女"}
RESIDENCY_LABELS = {"registered": "户籍", "resident": "常住", "floating": "流动"}
MANAGEMENT_LABELS = {"property": "有物业", "unmanaged": "无主管楼院", "village_group": "村民组"}
DWELLING_LABELS = {"owner": "自住", "rented": "出租", "empty": "空置"}
PARTY_KIND_LABELS = {"community": "自管党员", "stationed": "驻区党员", "reporting": "在职党员报到",
                     "retired": "离退休党员", "floating": "流动党员"}
STAFF_ROLE_LABELS = {"grid_chief": "网格长", "grid_worker": "网格员", "building_chief": "楼栋长",
                     "unit_chief": "单元长", "police": "片警", "doctor": "片医",
                     "volunteer": "志愿者", "cadre": "社区干部"}
RELATIONS = ("户主", "配偶", "子女", "父母", "孙子女", "兄弟姐妹", "儿媳", "女婿", "祖父母",
             "其他")
HOUSEHOLD_TAGS = ("独居老人", "空巢老人", "残疾", "困难", "低保", "优抚", "出租")
RESIDENT_TAGS = ("残疾", "低保", "慢性病", "孕产妇", "退役军人", "重点关注")


def _collect(errors: dict[str, str], field: str, fn: Callable[[], Any]) -> Any:
    """Run one field's check, noting its message instead of stopping at the first."""
    try:
        return fn()
    except ValidationError as exc:
        errors[exc.field or field] = exc.message
        return None


def _optional_phone(errors: dict[str, str], value: str | None, field: str = "phone") -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return _collect(errors, field, lambda: normalize_phone(value))


def _text(errors: dict[str, str], data: dict[str, Any], field: str, label: str, *,
          max_len: int | None = None, multiline: bool = False) -> str | None:
    """An optional text field, stripped; a note may span lines, nothing else may."""
    return _collect(errors, field, lambda: optional_text(
        data.get(field), field, label, max_len=max_len, multiline=multiline))


def _note(errors: dict[str, str], data: dict[str, Any]) -> str | None:
    return _text(errors, data, "note", "备注", multiline=True)


def _choice(value: Any, labels: dict[str, str]) -> bool:
    """Whether a value is one of a field's codes (a list or a number never is)."""
    return isinstance(value, str) and value in labels


def _tags(errors: dict[str, str], tags: Any) -> str:
    """Tags as one space-separated text, from a text or a list of texts."""
    if isinstance(tags, str):
        tags = tags.split()
    elif tags is None:
        tags = ()
    elif not isinstance(tags, list | tuple | set | frozenset):
        tags = [tags]
    kept = [_collect(errors, "tags", lambda tag=tag: optional_text(tag, "tags", "标签"))
            for tag in tags]
    return " ".join(dict.fromkeys(t for t in kept if t))


def _owner(db: sqlite_utils.Database) -> str:
    owner = q.community_id(db)
    if owner is None:
        raise FormError({"community": "还没有设置本社区，请先在“设置”中填写社区信息。"})
    return owner


def _live(db: sqlite_utils.Database, table: str, row_id: str | None, what: str) -> dict:
    row = q.get(db, table, row_id) if row_id and isinstance(row_id, str) else None
    if row is None or row["deleted"]:
        raise FormError({"id": f"{what}不存在或已被删除，请刷新后重试。"})
    return row


# --- grids and compounds ------------------------------------------------------------------------

def add_grid(db: sqlite_utils.Database, name: str, code: str | None = None) -> str:
    require(db, "registry.structure")
    errors: dict[str, str] = {}
    name = _collect(errors, "name", lambda: require_text(name, "name", "网格名称"))
    if errors:
        raise FormError(errors)
    owner = _owner(db)
    community = q.get(db, "org_units", owner)
    grids = q.org_units(db, "grid")
    code = code or f"{community['code']}{len(grids) + 1:02d}"
    with transaction(db):
        return q.insert(db, "org_units", {"level": "grid", "name": name, "code": code,
                                          "parent_id": owner, "sort_order": len(grids)})


def rename_grid(db: sqlite_utils.Database, grid_id: str, name: str) -> None:
    require(db, "registry.structure")
    errors: dict[str, str] = {}
    name = _collect(errors, "name", lambda: require_text(name, "name", "网格名称"))
    if errors:
        raise FormError(errors)
    _live(db, "org_units", grid_id, "网格")
    with transaction(db):
        q.update(db, "org_units", grid_id, {"name": name})


def _compound_name(name: str, management_kind: str, address: str | None = None
                   ) -> tuple[str, str | None]:
    """The checked name and address of a compound; refuses an empty name or an unknown
    kind."""
    errors: dict[str, str] = {}
    name = _collect(errors, "name", lambda: require_text(name, "name", "楼院名称"))
    if not _choice(management_kind, MANAGEMENT_LABELS):
        errors["management_kind"] = "请选择楼院的管理类型。"
    address = _text(errors, {"address": address}, "address", "地址", max_len=100)
    if errors:
        raise FormError(errors)
    return name, address


def edit_compound(db: sqlite_utils.Database, compound_id: str, name: str,
                  management_kind: str, address: str | None = None,
                  grid_id: str | None = None) -> None:
    require(db, "registry.structure")
    current = _live(db, "compounds", compound_id, "楼院")
    name, address = _compound_name(name, management_kind, address)
    grid_id = grid_id or current["grid_id"]
    _live(db, "org_units", grid_id, "网格")
    with transaction(db):
        q.update(db, "compounds", compound_id, {"name": name, "management_kind": management_kind,
                                                "address": address or None, "grid_id": grid_id})


def add_compound(db: sqlite_utils.Database, grid_id: str, name: str,
                 management_kind: str = "property", address: str | None = None) -> str:
    require(db, "registry.structure")
    name, address = _compound_name(name, management_kind, address)
    _live(db, "org_units", grid_id, "网格")
    with transaction(db):
        return q.insert(db, "compounds", {"grid_id": grid_id, "name": name,
                                          "management_kind": management_kind,
                                          "address": address})


# --- buildings -----------------------------------------------------------------------------------

def _building_fields(name: str, floors: Any) -> tuple[dict[str, Any], dict[str, str]]:
    errors: dict[str, str] = {}
    name = _collect(errors, "name", lambda: require_text(name, "name", "楼栋名称", max_len=20))
    if name and name.isdigit():
        name = f"{name}号楼"
    floors_value = None
    if floors not in (None, ""):
        try:
            floors_value = int(floors)
            if not 1 <= floors_value <= 120:
                raise ValueError
        except (TypeError, ValueError):
            errors["floors"] = "楼层数应为1到120之间的整数。"
    return {"name": name, "floors": floors_value}, errors


def add_building(db: sqlite_utils.Database, compound_id: str, name: str,
                 floors: int | None = None, units: int = 1) -> str:
    """A building with its units 1单元…N单元."""
    require(db, "registry.structure")
    values, errors = _building_fields(name, floors)
    if not isinstance(units, int) or not 1 <= units <= 30:
        errors["units"] = "单元数应为1到30之间的整数。"
    if not compound_id:
        errors["compound_id"] = "请选择楼栋所在的楼院；还没有楼院时，请先新增楼院。"
        raise FormError(errors)
    compound = _live(db, "compounds", compound_id, "楼院")
    if not errors and _building_named(db, compound_id, values["name"]):
        errors["name"] = f"{compound['name']}已有{values['name']}，请换一个名称。"
    if errors:
        raise FormError(errors)
    with transaction(db):
        building = q.insert(db, "buildings", {**values, "compound_id": compound_id})
        for n in range(1, units + 1):
            q.insert(db, "units", {"building_id": building, "name": f"{n}单元", "sort_order": n})
    return building


def _building_named(db: sqlite_utils.Database, compound_id: str, name: str,
                    exclude: str | None = None) -> bool:
    return any(b["compound_id"] == compound_id and b["name"] == name and b["id"] != exclude
               for b in q.tree_nodes(db)["buildings"])


def edit_building(db: sqlite_utils.Database, building_id: str, name: str,
                  floors: int | None = None) -> None:
    require(db, "registry.structure")
    building = _live(db, "buildings", building_id, "楼栋")
    values, errors = _building_fields(name, floors)
    if not errors and _building_named(db, building["compound_id"], values["name"], building_id):
        errors["name"] = f"同一楼院已有{values['name']}，请换一个名称。"
    if errors:
        raise FormError(errors)
    with transaction(db):
        q.update(db, "buildings", building_id, values)


def add_unit(db: sqlite_utils.Database, building_id: str) -> str:
    require(db, "registry.structure")
    _live(db, "buildings", building_id, "楼栋")
    existing = [u for u in q.tree_nodes(db)["units"] if u["building_id"] == building_id]
    n = len(existing) + 1
    with transaction(db):
        return q.insert(db, "units", {"building_id": building_id, "name": f"{n}单元",
                                      "sort_order": n})


def delete_building(db: sqlite_utils.Database, building_id: str) -> None:
    """Delete an empty building; one with households must be emptied first."""
    require(db, "registry.structure")
    _live(db, "buildings", building_id, "楼栋")
    count = len(q.household_ids(db, "building", building_id))
    if count:
        raise FormError({"id": f"这栋楼还有{count}户，不能删除。请先把住户迁出或删除。"})
    with transaction(db):
        for unit in q.tree_nodes(db)["units"]:
            if unit["building_id"] == building_id:
                q.soft_delete(db, "units", unit["id"])
        q.soft_delete(db, "buildings", building_id)


# --- households ----------------------------------------------------------------------------------

def _household_fields(db: sqlite_utils.Database, data: dict[str, Any],
                      exclude: str | None) -> dict[str, Any]:
    errors: dict[str, str] = {}
    unit_id = data.get("unit_id")
    if not unit_id:
        errors["unit_id"] = "请选择楼栋和单元。"
    door = _collect(errors, "door_number",
                    lambda: require_text(data.get("door_number"), "door_number", "门牌号",
                                         max_len=10))
    floor = data.get("floor")
    if floor in (None, "") and door and door.isdigit() and len(door) >= 3:
        floor = int(door[:-2])  # 501 → 5, 1203 → 12
    if floor not in (None, ""):
        try:
            floor = int(floor)
            if not -5 <= floor <= 120:
                raise ValueError
        except (TypeError, ValueError):
            errors["floor"] = "楼层应为整数，例如 5。"
    phone = _optional_phone(errors, data.get("phone"))
    dwelling = data.get("dwelling") or "owner"
    if not _choice(dwelling, DWELLING_LABELS):
        errors["dwelling"] = "请选择居住情况。"
    tags = _tags(errors, data.get("tags"))
    note = _note(errors, data)
    if not errors:
        _live(db, "units", unit_id, "单元")
        clash = q.household_by_door(db, unit_id, door, exclude)
        if clash:
            errors["door_number"] = (f"该单元已有门牌号{door}的住户，请核对门牌号，"
                                     "或直接编辑已有住户。")
    if errors:
        raise FormError(errors)
    return {"unit_id": unit_id, "door_number": door, "floor": floor, "phone": phone,
            "tags": tags, "dwelling": dwelling, "note": note}


def add_household(db: sqlite_utils.Database, data: dict[str, Any]) -> str:
    require_unit(db, "registry.edit", data.get("unit_id"))
    values = _household_fields(db, data, None)
    with transaction(db):
        return q.insert(db, "households", values)


def edit_household(db: sqlite_utils.Database, household_id: str, data: dict[str, Any]) -> None:
    require_household(db, "registry.edit", household_id)
    current = _live(db, "households", household_id, "住户")
    values = _household_fields(db, {**current, **data}, household_id)
    changed = {k: v for k, v in values.items() if current.get(k) != v}
    with transaction(db):
        q.update(db, "households", household_id, changed)


def move_household(db: sqlite_utils.Database, household_id: str, unit_id: str,
                   door_number: str | None = None) -> None:
    """Move a household (with its residents) to another unit and door."""
    require_unit(db, "registry.edit", unit_id)
    current = _live(db, "households", household_id, "住户")
    data = {"unit_id": unit_id, "door_number": door_number or current["door_number"]}
    if door_number:
        data["floor"] = None
    edit_household(db, household_id, data)


def delete_household(db: sqlite_utils.Database, household_id: str) -> int:
    """Delete a household and its residents; returns how many residents went with it."""
    require_household(db, "registry.edit", household_id)
    _live(db, "households", household_id, "住户")
    members = q.residents_of_household(db, household_id)
    with transaction(db):
        for r in members:
            q.soft_delete(db, "residents", r["id"])
        q.soft_delete(db, "households", household_id)
        pairing_store.end_stale_pairings(db, date.today().isoformat())
    return len(members)


# --- residents -----------------------------------------------------------------------------------

def _resident_fields(db: sqlite_utils.Database, data: dict[str, Any], exclude: str | None,
                     today: date | None) -> dict[str, Any]:
    errors: dict[str, str] = {}
    name = _collect(errors, "name", lambda: require_text(data.get("name"), "name", "姓名",
                                                         max_len=40))
    kind = data.get("id_kind") or IdKind.RESIDENT.value
    try:
        kind = IdKind(kind)
    except ValueError:
        errors["id_kind"] = "请选择证件类型。"
        kind = IdKind.RESIDENT
    raw_id = data.get("id_number") or ""
    raw_id = raw_id.strip() if isinstance(raw_id, str) else raw_id
    info = None
    if not raw_id:
        errors["id_number"] = "请填写证件号码。"
    else:
        info = _collect(errors, "id_number",
                        lambda: validate_id_number(raw_id, kind, today=today))
    birth = data.get("birth_date")
    birth_value = None
    if birth not in (None, ""):
        birth_value = _collect(errors, "birth_date",
                               lambda: validate_birth_date(birth, today=today))
    if info and info.birth_date:
        if birth_value and birth_value != info.birth_date:
            errors["birth_date"] = (f"出生日期与身份证号码不符：号码中的出生日期是"
                                    f"{info.birth_date:%Y年%m月%d日}，请核对。")
        birth_value = info.birth_date
    sex = data.get("sex") or None
    if info and info.sex:
        if sex and sex != info.sex:
            errors["sex"] = (f"性别与身份证号码不符：号码第17位表示"
                             f"{SEX_LABELS[info.sex]}性，请核对。")
        sex = info.sex
    if sex not in (None, "M", "F"):
        errors["sex"] = "请选择性别。"
    phone = _optional_phone(errors, data.get("phone"))
    residency = data.get("residency") or "registered"
    if not _choice(residency, RESIDENCY_LABELS):
        errors["residency"] = "请选择居住类型。"
    relation = _text(errors, data, "relation", "与户主关系", max_len=20)
    ethnicity = _text(errors, data, "ethnicity", "民族", max_len=20)
    tags = _tags(errors, data.get("tags"))
    note = _note(errors, data)
    household_id = data.get("household_id")
    if household_id:
        try:
            _live(db, "households", household_id, "住户")
        except FormError:
            errors["household_id"] = "所选住户不存在或已被删除，请重新选择。"
    number = info.number if info else None
    if number and "id_number" not in errors:
        twin = q.resident_by_id_number(db, _owner(db), number, exclude)
        if twin:
            where = f"（住址：{twin['address']}）" if twin.get("address") else ""
            errors["id_number"] = (f"证件号码与已登记的居民“{twin['name']}”{where}重复。"
                                   "同一人请直接编辑该居民，不要重复登记。")
    if errors:
        raise FormError(errors)
    return {
        "household_id": household_id, "name": name, "sex": sex, "id_kind": kind.value,
        "id_number": number, "birth_date": birth_value.isoformat() if birth_value else None,
        "phone": phone, "relation": relation, "residency": residency, "ethnicity": ethnicity,
        "tags": tags, "note": note,
    }


def add_resident(db: sqlite_utils.Database, data: dict[str, Any], *,
                 today: date | None = None) -> str:
    require_household(db, "registry.edit", data.get("household_id"))
    values = _resident_fields(db, data, None, today)
    with transaction(db):
        return q.insert(db, "residents", values)


def edit_resident(db: sqlite_utils.Database, resident_id: str, data: dict[str, Any], *,
                  today: date | None = None) -> None:
    require_resident(db, "registry.edit", resident_id)
    current = _live(db, "residents", resident_id, "居民")
    merged = {**current, **data}
    values = _resident_fields(db, merged, resident_id, today)
    changed = {k: v for k, v in values.items() if current.get(k) != v}
    with transaction(db):
        q.update(db, "residents", resident_id, changed)
        member = q.party_member_of_resident(db, resident_id)
        if member and "name" in changed:
            q.update(db, "party_members", member["id"], {"name": changed["name"]})


def move_resident(db: sqlite_utils.Database, resident_id: str, household_id: str) -> None:
    require_household(db, "registry.edit", household_id)
    edit_resident(db, resident_id, {"household_id": household_id})


def delete_resident(db: sqlite_utils.Database, resident_id: str) -> None:
    require_resident(db, "registry.edit", resident_id)
    _live(db, "residents", resident_id, "居民")
    with transaction(db):
        q.soft_delete(db, "residents", resident_id)
        # A Party member who moves out leaves their households unpaired.
        pairing_store.end_stale_pairings(db, date.today().isoformat())


# --- Party members -------------------------------------------------------------------------------

def _party_fields(db: sqlite_utils.Database, data: dict[str, Any], exclude: str | None
                  ) -> dict[str, Any]:
    errors: dict[str, str] = {}
    resident_id = data.get("resident_id") or None
    resident = None
    if resident_id:
        try:
            resident = _live(db, "residents", resident_id, "居民")
        except FormError:
            errors["resident_id"] = "所选居民不存在或已被删除，请重新选择。"
        other = q.party_member_of_resident(db, resident_id)
        if other and other["id"] != exclude:
            errors["resident_id"] = f"居民“{other['name']}”已登记为党员，请直接编辑。"
    name = data.get("name") or (resident["name"] if resident else "")
    name = _collect(errors, "name", lambda: require_text(name, "name", "党员姓名", max_len=40))
    kind = data.get("kind") or "community"
    if not _choice(kind, PARTY_KIND_LABELS):
        errors["kind"] = "请选择党员类别。"
    branch = _text(errors, data, "branch", "所在支部", max_len=50)
    note = _note(errors, data)
    phone = data.get("phone") or (resident["phone"] if resident else None)
    phone = _optional_phone(errors, phone)
    if not phone and "phone" not in errors:
        errors["phone"] = "请填写党员的联系电话，联户家庭要能找到他。"
    if errors:
        raise FormError(errors)
    return {"resident_id": resident_id, "name": name, "kind": kind, "branch": branch,
            "phone": phone, "note": note}


def add_party_member(db: sqlite_utils.Database, data: dict[str, Any]) -> str:
    require(db, "pairing.edit")
    values = _party_fields(db, data, None)
    with transaction(db):
        return q.insert(db, "party_members", values)


def edit_party_member(db: sqlite_utils.Database, member_id: str, data: dict[str, Any]) -> None:
    require(db, "pairing.edit")
    current = _live(db, "party_members", member_id, "党员")
    values = _party_fields(db, {**current, **data}, member_id)
    with transaction(db):
        q.update(db, "party_members", member_id,
                 {k: v for k, v in values.items() if current.get(k) != v})


def delete_party_member(db: sqlite_utils.Database, member_id: str) -> None:
    require(db, "pairing.edit")
    _live(db, "party_members", member_id, "党员")
    with transaction(db):
        q.soft_delete(db, "party_members", member_id)
        pairing_store.end_stale_pairings(db, date.today().isoformat())


# --- staff ---------------------------------------------------------------------------------------

def _staff_fields(db: sqlite_utils.Database, data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    name = _collect(errors, "name", lambda: require_text(data.get("name"), "name", "姓名",
                                                         max_len=40))
    role = data.get("role")
    if not _choice(role, STAFF_ROLE_LABELS):
        errors["role"] = "请选择岗位：网格员、片警、片医等。"
    phone = _optional_phone(errors, data.get("phone"))
    unit = data.get("org_unit_id") or _owner(db)
    if unit != _owner(db):
        _live(db, "org_units", unit, "网格")
    note = _note(errors, data)
    if errors:
        raise FormError(errors)
    return {"name": name, "role": role, "phone": phone, "org_unit_id": unit, "note": note}


def add_staff(db: sqlite_utils.Database, data: dict[str, Any]) -> str:
    """A grid worker, police officer, doctor, … of the community (of a grid when given)."""
    require(db, "registry.structure")
    values = _staff_fields(db, data)
    with transaction(db):
        return q.insert(db, "staff", values)


def edit_staff(db: sqlite_utils.Database, staff_id: str, data: dict[str, Any]) -> None:
    require(db, "registry.structure")
    current = _live(db, "staff", staff_id, "工作人员")
    values = _staff_fields(db, {**current, **data})
    with transaction(db):
        q.update(db, "staff", staff_id, {k: v for k, v in values.items() if current.get(k) != v})


# --- reading -------------------------------------------------------------------------------------

SEARCH_LIMIT = 2000     # results a search shows at most


def search_residents(db: sqlite_utils.Database, text: str, limit: int | None = None,
                     communities: Collection[str] | None = None) -> list[str]:
    """Resident ids for what was typed in the search box, best first (search_with_more)."""
    return search_with_more(db, text, limit, communities)[0]


def search_with_more(db: sqlite_utils.Database, text: str, limit: int | None = None,
                     communities: Collection[str] | None = None) -> tuple[list[str], bool]:
    """Resident ids for what was typed in the search box, best first, and whether more
    matched than these (the list is cut: say 请多输入几个字).

    Names, full pinyin and initials match from the first letter; ID numbers and
    phones only from 4 digits on (shorter digit runs match door numbers). At a district,
    `communities` (the 社区 filter) and a 街道 account's scope keep their own residents
    among the district's best `limit` matches: when those were cut at the cap, fewer than
    `limit` of theirs may show, and `more` says so.
    """
    limit = limit or SEARCH_LIMIT
    query = normalize_query(text)
    if not query:
        return [], False
    # Addresses keep their dashes: "3-2-501" is building 3, unit 2, door 501.
    address = "".join(text.split()).lower().replace("%", "").replace("_", "")
    people = not (query.isdigit() and len(query) < 4) and "-" not in address
    # No address is spelt in pinyin, and one character (单, 楼) would match every address.
    places = len(query) > 1 and not (query.isascii() and query.isalpha())
    found = q.search_resident_ids(db, query, address, people=people, places=places,
                                  limit=limit)
    more = len(found) >= limit           # the cap cut the district's matches
    # The index spans the district: a 街道 account's scope and the 社区 filter apply after
    # the cap. Asking again for more until enough of theirs are found cost seconds per
    # keystroke on 200,000 residents (bench/district.py): `more` tells them to narrow it.
    found = db_scope.visible(db, "residents", found)
    found = community_store.keep(db, "residents", found, communities)
    grids = grid_scope(db)
    if grids is None or not found:
        return found, more
    marks = ",".join("?" * len(found))
    mine = {r[0] for r in db.conn.execute(
        "SELECT r.id FROM residents r JOIN households h ON h.id = r.household_id "
        "JOIN units u ON u.id = h.unit_id JOIN buildings b ON b.id = u.building_id "
        f"JOIN compounds c ON c.id = b.compound_id WHERE r.id IN ({marks}) "
        f"AND c.grid_id IN ({','.join('?' * len(grids))})", [*found, *grids])}
    return [i for i in found if i in mine], more


# A grid worker's lists hold their own grids only (app.accounts.grid_scope); everyone else's
# the whole community.

def household_ids(db: sqlite_utils.Database, scope: str | None = None,
                  scope_id: str | None = None) -> list[str]:
    grids = grid_scope(db) if scope is None else None
    if grids is None:
        return q.household_ids(db, scope, scope_id)
    return [h for g in sorted(grids) for h in q.household_ids(db, "grid", g)]


def tree_nodes(db: sqlite_utils.Database) -> dict[str, list[dict[str, Any]]]:
    nodes = q.tree_nodes(db)
    grids = grid_scope(db)
    if grids is None:
        return nodes
    compounds = [c for c in nodes["compounds"] if c["grid_id"] in grids]
    kept = {c["id"] for c in compounds}
    buildings = [b for b in nodes["buildings"] if b["compound_id"] in kept]
    kept = {b["id"] for b in buildings}
    return {"grids": [g for g in nodes["grids"] if g["id"] in grids], "compounds": compounds,
            "buildings": buildings, "units": [u for u in nodes["units"]
                                              if u["building_id"] in kept]}


household_rows = q.household_rows
resident_rows = q.resident_rows
residents_of_household = q.residents_of_household
party_members = q.party_members
counts = q.counts
get = q.get
tag_counts = q.tag_counts


def resident_profile(db: sqlite_utils.Database, today: date | None = None) -> dict[str, int]:
    return q.resident_profile(db, (today or date.today()).isoformat())
