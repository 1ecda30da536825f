"""A synthetic demo community: grids, compounds, buildings, households, residents, staff and
Party members that look like an old Zhengzhou neighbourhood, the same for the same seed.

Everything is planned in memory first (one `random.Random(seed)`, one seeded Faker used only
to fill name pools), then written with bulk inserts in a few transactions. The change-capture
triggers log every inserted field, as they would for data typed in by hand.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from faker import Faker

from app import registry
from app.database import create_community, open_community_db
from app.validation import check_character
from db import registry as q
from db.ids import uuid7
from db.node import transaction

Progress = Callable[[int, int], None]

COMMUNITY = ("长江路社区", "410102007003", "林山寨街道", "中原区")

# Ages are counted from this day, so that a seed gives the same community on every day.
DEMO_TODAY = date(2026, 1, 1)

# Shape of the default community (8,000 residents); other sizes scale from it.
BASE_RESIDENTS = 8000
BASE_BUILDINGS = 33
BASE_COMPOUNDS = 8
BASE_GRIDS = 4
PARTY_SHARE = 150 / 8000
SLOW_GROWTH = 0.64  # compounds and grids grow as size**0.64: 12.5x residents → 5x grids

HOUSEHOLD_SIZES = (1, 2, 3, 4, 5, 6)
SIZE_WEIGHTS = (20, 30, 27, 13, 7, 3)  # mean ≈ 2.66 residents per household

# --- places -----------------------------------------------------------------------------------

ROADS = ("建设路", "棉纺路", "桐柏路", "伏牛路", "嵩山路", "秦岭路", "中原路", "互助路",
         "友爱路", "协作路", "工人路", "淮河路", "华山路", "五龙口路", "西站路", "航海路")
PROPERTY_NAMES = ("锦绣花园", "阳光新城", "翠竹苑", "嵩山花园", "碧水云天", "幸福里小区",
                  "百合苑", "金桥名苑", "绿城家园", "桐柏苑", "紫荆山庄", "康桥华城", "中原新城",
                  "天伦家园", "和谐家园", "盛世名门", "龙湖花园", "兴华园", "丽景苑", "秦岭枫景",
                  "银杏苑", "四季花城", "凯旋门小区", "华庭小区")
OLD_PROPERTY_NAMES = ("电力小区", "邮电小区", "供电局小区", "铁路小区", "建设小区", "工人新村",
                      "桐柏小区", "煤炭设计院小区")
OLD_YARD_NAMES = ("棉纺宿舍", "国棉三厂家属院", "国棉六厂家属院", "文化宫家属院", "电缆厂家属院",
                  "第二中学家属院", "油化厂家属院", "粮食局家属院", "纺织机械厂宿舍",
                  "水利局家属院", "市政公司家属院", "医药公司宿舍")
VILLAGE_GROUPS = ("林山寨村民组", "西岗村民组", "罗庄村民组", "陈寨村民组")

STATIONED_UNITS = ("郑州市第二中学", "林山寨街道办事处", "中原区人民医院", "国网郑州供电公司",
                   "郑州市市政工程总公司", "建设路小学", "中原区税务局", "郑州公交一公司")

# --- identity numbers -------------------------------------------------------------------------

HOME_CODE = "410102"  # 中原区
ZHENGZHOU_CODES = ("410103", "410104", "410105", "410108", "410122", "410181", "410182",
                   "410183", "410184", "410185")
HENAN_CODES = ("410302", "410402", "410502", "410702", "410802", "411002", "411102", "411302",
               "411402", "411502", "411602", "411702")
PROVINCE_CODES = ("340102", "510104", "130102", "370102", "420102", "320102", "610102", "140105",
                  "430102", "500103", "360102", "450103", "530102", "220102")

MOBILE_PREFIXES = ("130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150",
                   "151", "152", "155", "156", "157", "158", "159", "166", "173", "176", "177",
                   "178", "180", "181", "182", "183", "185", "186", "187", "188", "189", "191",
                   "198", "199")

# --- names ------------------------------------------------------------------------------------

# Given names by birth era (before 1960, 1960–1984, 1985–2004, from 2005).
ERA_NAMES = {
    "M": (
        ("建国", "国庆", "建军", "卫东", "国强", "建华", "志刚", "振华", "德胜", "保国", "金生",
         "福来", "长顺", "学军", "红旗", "树林", "文明", "玉山", "庆丰", "新民", "德明", "广才"),
        ("伟", "军", "勇", "刚", "斌", "强", "志强", "海涛", "建伟", "红军", "晓东", "卫国",
         "永刚", "俊峰", "建新", "国栋", "宏伟", "明亮", "立新", "海军", "志勇", "东升"),
        ("磊", "鹏", "超", "浩", "洋", "帅", "杰", "宇", "鑫", "凯", "晨阳", "一帆", "鹏飞",
         "俊杰", "博", "天宇", "家豪", "志远", "亚飞", "腾飞"),
        ("子轩", "浩然", "梓豪", "宇轩", "一诺", "皓轩", "俊熙", "沐辰", "梓睿", "博文", "铭泽",
         "奕辰", "思远", "景行", "子墨", "宸宇", "锦程", "书恒"),
    ),
    "F": (
        ("秀英", "桂兰", "玉兰", "秀兰", "桂英", "凤英", "淑珍", "玉珍", "素珍", "秀珍", "翠花",
         "春兰", "冬梅", "爱华", "美华", "淑芬", "桂芝", "玉梅", "素梅", "兰英", "秀云", "凤兰"),
        ("丽", "红", "艳", "敏", "霞", "娟", "丽娟", "艳红", "晓燕", "红梅", "海燕", "静", "丽华",
         "小红", "春燕", "玉洁", "慧", "建萍", "晓丽", "丽萍", "亚萍", "秋菊"),
        ("婷", "倩", "晶", "雪", "佳", "欣", "颖", "丹", "蕾", "璐", "莹", "梦瑶", "佳琪",
         "思琪", "雅静", "晓雪", "雨婷", "一丹", "明月", "文静"),
        ("子涵", "梓涵", "欣怡", "诗涵", "雨涵", "可馨", "一诺", "梓萱", "语桐", "思涵", "若汐",
         "芷若", "雨桐", "沐晴", "安琪", "语嫣", "梓琪", "佳怡"),
    ),
}
# 生僻字 that names really carry; 㛃 and 䶮 are in CJK Extension A, 𫖮 beyond U+FFFF.
RARE_GIVEN = {"M": ("喆", "堃", "赟", "昇", "翀", "犇", "䶮", "𫖮", "子喆", "一堃"),
              "F": ("玥", "珺", "㛃", "赟", "婧玥", "语珺", "玥彤")}
SPECIAL_SURNAMES = ("单", "曾", "解", "仇", "区", "查", "朴", "覃", "翟", "盖", "缪")

OTHER_ETHNICITIES = ("满族", "蒙古族", "壮族", "土家族", "苗族", "朝鲜族")

CHINESE_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 14 → 十四, 20 → 二十, 23 → 二十三 (1..99)."""
    tens, ones = divmod(n, 10)
    if tens == 0:
        return CHINESE_DIGITS[ones]
    head = "" if tens == 1 else CHINESE_DIGITS[tens]
    return head + "十" + (CHINESE_DIGITS[ones] if ones else "")


# --- the plan in memory -----------------------------------------------------------------------

# Building style → (floors min, max), (units min, max), (doors per floor min, max).
BUILDING_LIMITS = {
    "walkup": ((5, 7), (1, 4), (2, 3)),   # old brick walk-ups
    "mid": ((9, 18), (1, 3), (2, 3)),
    "tower": ((19, 33), (1, 3), (2, 4)),
}


@dataclass
class Building:
    compound: int
    style: str          # walkup | mid | tower
    floors: int
    units: int
    doors: int          # per floor and unit
    id: str = field(default_factory=uuid7)

    @property
    def capacity(self) -> int:
        return self.floors * self.units * self.doors

    def options(self, step: int) -> list[str]:
        """The dimensions that can still change by `step` (+1 or -1)."""
        (fl, fh), (ul, uh), (dl, dh) = BUILDING_LIMITS[self.style]
        if step > 0:
            pairs = (("floors", self.floors < fh), ("units", self.units < uh),
                     ("doors", self.doors < dh))
        else:
            pairs = (("floors", self.floors > fl), ("units", self.units > ul),
                     ("doors", self.doors > dl))
        return [name for name, ok in pairs if ok]

    def change(self, attr: str, step: int) -> int:
        """Change one dimension; returns the change in capacity."""
        before = self.capacity
        setattr(self, attr, getattr(self, attr) + step)
        return self.capacity - before


class _Planner:
    """Draws the whole community in memory from one seeded Random."""

    def __init__(self, residents: int, seed: int, today: date) -> None:
        self.n = max(1, residents)
        self.rng = random.Random(seed)
        self.today = today
        fake = Faker("zh_CN")
        fake.seed_instance(seed)
        # Pools drawn from Faker once; everything after samples them with self.rng.
        self.surnames = [fake.last_name() for _ in range(4000)]
        self.faker_given = {
            "M": list(dict.fromkeys(fake.first_name_male() for _ in range(600))),
            "F": list(dict.fromkeys(fake.first_name_female() for _ in range(600))),
        }
        self.used_ids: set[str] = set()
        self.used_phones: set[str] = set()

    # small draws ------------------------------------------------------------------------------

    def phone(self) -> str:
        rng = self.rng
        while True:
            number = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(100_000_000):08d}"
            if number not in self.used_phones:
                self.used_phones.add(number)
                return number

    def landline(self) -> str:
        return f"0371-6{self.rng.randrange(10_000_000):07d}"

    def surname(self) -> str:
        if self.rng.random() < 0.015:
            return self.rng.choice(SPECIAL_SURNAMES)
        return self.rng.choice(self.surnames)

    def given_name(self, sex: str, birth_year: int) -> str:
        rng = self.rng
        if rng.random() < 0.008:
            return rng.choice(RARE_GIVEN[sex])
        era = 0 if birth_year < 1960 else 1 if birth_year < 1985 else 2 if birth_year < 2005 else 3
        if era in (1, 2) and rng.random() < 0.5:
            pool = self.faker_given[sex]
            if rng.random() < 0.35:  # two characters from Faker's single-character names
                singles = [g for g in pool if len(g) == 1]
                return rng.choice(singles) + rng.choice(singles)
            return rng.choice(pool)
        return rng.choice(ERA_NAMES[sex][era])

    def birth_date(self, age: int) -> date:
        # Somewhere in the year between the age-th and the (age+1)-th birthday before today.
        start = _years_before(self.today, age + 1) + timedelta(days=1)
        end = _years_before(self.today, age)
        return start + timedelta(days=self.rng.randrange((end - start).days + 1))

    def id_number(self, region: str, born: date, sex: str) -> str:
        rng = self.rng
        stem = region + born.strftime("%Y%m%d")
        while True:
            seq = rng.randrange(500) * 2 + (1 if sex == "M" else 0)
            first17 = f"{stem}{seq:03d}"
            if first17 not in self.used_ids:
                self.used_ids.add(first17)
                return first17 + check_character(first17)

    def region(self, residency: str, age: int) -> str:
        r = self.rng.random()
        if residency == "registered":
            local = 0.85 if age < 30 else 0.55
            if r < local:
                return HOME_CODE
            if r < local + 0.30 * (1 - local) / 0.45:
                return self.rng.choice(ZHENGZHOU_CODES)
            return self.rng.choice(HENAN_CODES)
        if residency == "resident":
            if r < 0.30:
                return self.rng.choice(ZHENGZHOU_CODES)
            return self.rng.choice(HENAN_CODES if r < 0.75 else PROVINCE_CODES)
        return self.rng.choice(HENAN_CODES if r < 0.55 else PROVINCE_CODES)

    def kid_age(self, parent_age: int) -> int:
        """A child of someone this old: born when the parent was 22–35."""
        if parent_age < 22:
            return 0
        age = parent_age - self.rng.randint(22, 35)
        return age if age >= 0 else self.rng.randint(0, parent_age - 22)

    # households -------------------------------------------------------------------------------

    def family(self, size: int, rented: bool) -> tuple[list[list[Any]], bool]:
        """Members as [relation, age, sex, surname]; second value: an elderly person alone."""
        rng = self.rng
        tri = rng.triangular
        members: list[list[Any]] = []
        alone = False

        def add(relation: str, age: int, sex: str, surname: str) -> list[Any]:
            person = [relation, max(0, min(int(age), 99)), sex, surname]
            members.append(person)
            return person

        def couple(lo: int, hi: int, mode: int) -> tuple[list[Any], list[Any]]:
            head_sex = "M" if rng.random() < 0.8 else "F"
            head = add("户主", tri(lo, hi, mode), head_sex, self.surname())
            gap = rng.randint(-2, 5)
            spouse_age = head[1] - gap if head_sex == "M" else head[1] + gap
            spouse = add("配偶", max(20, spouse_age), "F" if head_sex == "M" else "M",
                         self.surname())
            return head, spouse

        def father_surname(a: list[Any], b: list[Any] | None) -> str:
            father = a if a[2] == "M" or b is None else b
            return father[3] if rng.random() < 0.93 else (b or a)[3]

        def children(a: list[Any], b: list[Any] | None, count: int,
                     relation: str = "子女") -> list[list[Any]]:
            young = min(a[1], b[1]) if b else a[1]
            surname = father_surname(a, b)
            out, age = [], self.kid_age(young)
            for _ in range(count):
                out.append(add(relation, age, rng.choice("MF"), surname))
                age = max(0, age - rng.randint(1, 8))
            return out

        def parents(head: list[Any], count: int) -> None:
            age = min(98, head[1] + rng.randint(22, 35))
            sexes = ("M", "F") if count == 2 else (rng.choice("MFF"),)
            for sex in sexes:
                surname = head[3] if sex == "M" else self.surname()
                add("父母", age + (rng.randint(0, 5) if sex == "M" else 0), sex, surname)

        def child_couple(head: list[Any], spouse: list[Any]) -> tuple[list[Any], list[Any]]:
            kid = children(head, spouse, 1)[0]
            kid[1] = max(kid[1], 24)
            if kid[2] == "M":
                in_law = add("儿媳", kid[1] - rng.randint(-2, 4), "F", self.surname())
            else:
                in_law = add("女婿", kid[1] + rng.randint(-2, 4), "M", self.surname())
            return kid, in_law

        if rented:
            if size == 1:
                add("户主", tri(19, 48, 26), rng.choice("MF"), self.surname())
            elif size == 2 and rng.random() < 0.3:
                head = add("户主", tri(19, 32, 23), rng.choice("MF"), self.surname())
                add("其他", head[1] + rng.randint(-3, 3), rng.choice("MF"), self.surname())
            else:
                head, spouse = couple(23, 45, 30)
                if size >= 3:
                    children(head, spouse, min(size - 2, 2))
                if size >= 5:
                    parents(head, size - 4)
            return members, alone

        r = rng.random()
        if size == 1:
            if r < 0.5:
                alone = True
                add("户主", tri(65, 96, 78), "F" if rng.random() < 0.68 else "M", self.surname())
            elif r < 0.75:
                add("户主", tri(40, 65, 56), rng.choice("MF"), self.surname())
            else:
                add("户主", tri(22, 40, 30), rng.choice("MF"), self.surname())
        elif size == 2:
            if r < 0.45:
                couple(60, 90, 70)
            elif r < 0.65:
                couple(45, 65, 56)
            elif r < 0.85:
                couple(24, 38, 29)
            else:
                head = add("户主", tri(38, 85, 60), "F" if rng.random() < 0.6 else "M",
                           self.surname())
                children(head, None, 1)
        elif size == 3:
            if r < 0.6:
                head, spouse = couple(28, 62, 47)
                children(head, spouse, 1)
            elif r < 0.85:
                head, spouse = couple(30, 58, 45)
                parents(head, 1)
            else:
                head, spouse = couple(58, 86, 68)
                kid = children(head, spouse, 1)[0]
                kid[1] = max(kid[1], 25)
        elif size == 4:
            if r < 0.55:
                head, spouse = couple(30, 58, 44)
                children(head, spouse, 2)
            elif r < 0.85:
                head, spouse = couple(30, 58, 42)
                children(head, spouse, 1)
                parents(head, 1)
            else:
                head, spouse = couple(56, 82, 64)
                child_couple(head, spouse)
        elif size == 5:
            if r < 0.45:
                head, spouse = couple(58, 84, 66)
                kid, in_law = child_couple(head, spouse)
                children(kid, in_law, 1, "孙子女")
            elif r < 0.75:
                head, spouse = couple(30, 55, 40)
                children(head, spouse, 1)
                parents(head, 2)
            else:
                head, spouse = couple(30, 55, 40)
                children(head, spouse, 2)
                parents(head, 1)
        else:
            if r < 0.5:
                head, spouse = couple(58, 84, 66)
                kid, in_law = child_couple(head, spouse)
                children(kid, in_law, size - 4, "孙子女")
            else:
                head, spouse = couple(30, 55, 40)
                children(head, spouse, size - 4)
                parents(head, 2)
        return members, alone


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _split(total: int, weights: list[float], minimum: int = 1) -> list[int]:
    """Split `total` into len(weights) whole parts proportional to weights, each ≥ minimum."""
    parts = [minimum] * len(weights)
    rest = total - minimum * len(weights)
    if rest <= 0:
        return parts
    scale = sum(weights)
    shares = [rest * w / scale for w in weights]
    floors = [int(s) for s in shares]
    left = rest - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: floors[i] - shares[i])
    for i in order[:left]:
        floors[i] += 1
    return [p + f for p, f in zip(parts, floors, strict=True)]


def _weighted_pick(rng: random.Random, items: list[Any], weights: list[float], k: int
                   ) -> list[Any]:
    """k distinct items, heavier ones likelier (Efraimidis–Spirakis), in input order."""
    if k >= len(items):
        return list(items)
    keyed = sorted(((rng.random() ** (1.0 / w), i) for i, w in enumerate(weights)), reverse=True)
    chosen = sorted(i for _, i in keyed[:k])
    return [items[i] for i in chosen]


# --- the build --------------------------------------------------------------------------------

def plan_demo(residents: int = BASE_RESIDENTS, seed: int = 2026, *, owner: str = "",
              community_code: str = COMMUNITY[1], today: date = DEMO_TODAY
              ) -> dict[str, list[dict[str, Any]]]:
    """Every row of the demo community, per table, ready for db.registry.insert_many."""
    p = _Planner(residents, seed, today)
    rng = p.rng
    n = p.n
    scale = n / BASE_RESIDENTS
    slow = scale ** SLOW_GROWTH
    n_buildings = max(1, round(BASE_BUILDINGS * scale))
    n_compounds = max(1, min(n_buildings, round(BASE_COMPOUNDS * slow)))
    n_grids = max(1, min(n_compounds, round(BASE_GRIDS * slow), 99))

    # Household sizes first: they fix the number of households.
    sizes: list[int] = []
    left = n
    while left > 0:
        size = min(left, rng.choices(HOUSEHOLD_SIZES, SIZE_WEIGHTS)[0])
        sizes.append(size)
        left -= size
    n_households = len(sizes)

    # Grids.
    grids = [{"id": uuid7(), "parent_id": owner, "level": "grid",
              "code": f"{community_code}{i + 1:02d}", "name": f"第{chinese_number(i + 1)}网格",
              "sort_order": i + 1} for i in range(n_grids)]

    # Compounds: mostly property-managed, a quarter old unmanaged yards, maybe a village group.
    kinds = ["property"] * n_compounds
    n_unmanaged = round(n_compounds * 0.25)
    slots = rng.sample(range(n_compounds), n_compounds)
    for i in slots[:n_unmanaged]:
        kinds[i] = "unmanaged"
    if n_compounds >= 5:
        kinds[slots[n_unmanaged]] = "village_group"
    names = {"property": list(PROPERTY_NAMES), "old": list(OLD_PROPERTY_NAMES),
             "unmanaged": list(OLD_YARD_NAMES), "village_group": list(VILLAGE_GROUPS)}
    for pool in names.values():
        rng.shuffle(pool)
    used_names: set[str] = set()
    compounds, styles = [], []
    grid_of = _split(n_compounds, [1.0] * n_grids)
    grid_index = [g for g, count in enumerate(grid_of) for _ in range(count)]
    for i, kind in enumerate(kinds):
        road = rng.choice(ROADS)
        number = rng.randint(1, 199)
        style = kind
        if kind == "property" and rng.random() < 0.3:
            style = "old"
        pool = names[style]
        name = pool.pop() if pool else f"{road}{number}号院"
        while name in used_names:
            number += 1
            name = f"{road}{number}号院"
        used_names.add(name)
        if name.endswith("号院"):
            address_number = name.removeprefix(road).removesuffix("号院")
            address = f"{COMMUNITY[3]}{road}{address_number}号"
        else:
            address = f"{COMMUNITY[3]}{road}{number}号"
        compounds.append({"id": uuid7(), "grid_id": grids[grid_index[i]]["id"], "name": name,
                          "management_kind": kind, "address": address, "sort_order": i + 1})
        styles.append(style)

    # Buildings: walk-ups in old yards, mid-rises and towers in newer estates; then grow or
    # shrink them until the households fill 86–94 % of the doors.
    weights = [2.0 if s == "property" else 1.0 for s in styles]
    per_compound = _split(n_buildings, weights)
    buildings: list[Building] = []
    for c, count in enumerate(per_compound):
        for _ in range(count):
            if styles[c] == "property":
                style = "tower" if rng.random() < 0.45 else "mid"
            else:
                style = "walkup"
            (fl, fh), (ul, uh), (dl, dh) = BUILDING_LIMITS[style]
            buildings.append(Building(c, style, rng.randint(fl, fh), rng.randint(ul, uh),
                                      rng.randint(dl, dh)))
    occupancy = rng.uniform(0.86, 0.94)
    want = n_households / occupancy
    capacity = sum(b.capacity for b in buildings)
    while capacity < n_households or capacity < want * 0.98:
        growable = [b for b in buildings if b.options(+1)]
        if not growable:
            c = max(range(n_compounds), key=lambda i: (weights[i], -i))
            style = "tower" if styles[c] == "property" else "walkup"
            buildings.append(Building(c, style, BUILDING_LIMITS[style][0][0], 1, 2))
            capacity += buildings[-1].capacity
            continue
        b = rng.choice(growable)
        capacity += b.change(rng.choice(b.options(+1)), +1)
    failures = 0
    while capacity > want * 1.03 and failures < 50:
        b = rng.choice(buildings)
        options = b.options(-1)
        if not options:
            failures += 1
            continue
        attr = rng.choice(options)
        delta = b.change(attr, -1)
        if capacity + delta < n_households:
            b.change(attr, +1)
            failures += 1
            continue
        capacity += delta
    buildings.sort(key=lambda b: b.compound)

    # Doors in address order; a random n_households of them are lived in.
    doors: list[tuple[int, str, int, str]] = []  # building index, unit id, floor, door number
    unit_rows, building_rows = [], []
    number_in_compound: dict[int, int] = {}
    for bi, b in enumerate(buildings):
        number_in_compound[b.compound] = number_in_compound.get(b.compound, 0) + 1
        building_rows.append({"id": b.id, "compound_id": compounds[b.compound]["id"],
                              "name": f"{number_in_compound[b.compound]}号楼", "floors": b.floors,
                              "chief_id": None, "sort_order": number_in_compound[b.compound]})
        for u in range(1, b.units + 1):
            unit_id = uuid7()
            unit_rows.append({"id": unit_id, "building_id": b.id, "name": f"{u}单元",
                              "sort_order": u})
            for floor in range(1, b.floors + 1):
                for d in range(1, b.doors + 1):
                    doors.append((bi, unit_id, floor, f"{floor * 100 + d}"))
    occupied = sorted(rng.sample(range(len(doors)), n_households))

    # Households and their residents.
    household_rows, resident_rows = [], []
    by_building: list[list[dict[str, Any]]] = [[] for _ in buildings]
    resident_age: dict[str, int] = {}
    for size, door_index in zip(sizes, occupied, strict=True):
        bi, unit_id, floor, door_number = doors[door_index]
        rented = rng.random() < (0.12 if size <= 3 else 0.05)
        members, alone = p.family(size, rented)
        household_id = uuid7()
        residency = ("floating" if rented
                     else "registered" if rng.random() < 0.84 else "resident")
        er = rng.random()
        ethnicity = "汉族" if er < 0.983 else "回族" if er < 0.996 else rng.choice(
            OTHER_ETHNICITIES)
        h_tags: list[str] = []
        if alone:
            h_tags.append("独居老人")
        elif size == 2 and all(m[1] >= 60 for m in members) and rng.random() < 0.6:
            h_tags.append("空巢老人")
        poor = rng.random() < 0.015
        if poor:
            h_tags.append("低保")
        if rng.random() < 0.025 or (poor and rng.random() < 0.5):
            h_tags.append("困难")
        rows = []
        for relation, age, sex, surname in members:
            born = p.birth_date(age)
            name = surname + p.given_name(sex, born.year)
            has_phone = rng.random() < (0 if age < 12 else 0.45 if age < 18 else 0.95
                                        if age < 70 else 0.75 if age < 80 else 0.45)
            tags = []
            if rng.random() < (0.045 if age >= 60 else 0.01):
                tags.append("残疾")
            if rng.random() < (0.25 if age >= 60 else 0.08 if age >= 45 else 0.0):
                tags.append("慢性病")
            if poor and relation == "户主":
                tags.append("低保")
            if sex == "F" and 22 <= age <= 38 and rng.random() < 0.02:
                tags.append("孕产妇")
            if sex == "M" and 35 <= age <= 85 and rng.random() < 0.03:
                tags.append("退役军人")
            if age >= 18 and rng.random() < 0.003:
                tags.append("重点关注")
            own_residency = residency
            if residency == "resident" and age < 18 and rng.random() < 0.5:
                own_residency = "registered"
            own_ethnicity = ethnicity if relation not in ("配偶", "儿媳", "女婿") or \
                rng.random() < 0.85 else "汉族"
            row = {"id": uuid7(), "household_id": household_id, "name": name, "sex": sex,
                   "id_kind": "resident",
                   "id_number": p.id_number(p.region(own_residency, age), born, sex),
                   "birth_date": born.isoformat(), "phone": p.phone() if has_phone else None,
                   "relation": relation, "residency": own_residency, "ethnicity": own_ethnicity,
                   "tags": " ".join(tags), "note": None}
            rows.append(row)
            resident_age[row["id"]] = age
        if any("残疾" in r["tags"] for r in rows):
            h_tags.append("残疾")
        if any("退役军人" in r["tags"] for r in rows) and rng.random() < 0.4:
            h_tags.append("优抚")
        if rented:
            h_tags.append("出租")
        phone = rows[0]["phone"] or next((r["phone"] for r in rows if r["phone"]), None)
        if phone is None:
            phone = p.landline()
        household_rows.append({"id": household_id, "unit_id": unit_id,
                               "door_number": door_number, "floor": floor, "phone": phone,
                               "tags": " ".join(h_tags),
                               "dwelling": "rented" if rented else "owner", "note": None})
        resident_rows.extend(rows)
        by_building[bi].extend(rows)

    # Staff: grid chiefs and workers, the area police officer and doctor, community cadres,
    # one building chief per building (a resident of it), a few volunteers.
    staff_rows: list[dict[str, Any]] = []

    def staff(role: str, unit: str, name: str | None = None, phone: str | None = None,
              note: str | None = None) -> dict[str, Any]:
        if name is None:
            sex = rng.choice("MF")
            name = p.surname() + p.given_name(sex, today.year - rng.randint(25, 50))
        row = {"id": uuid7(), "org_unit_id": unit, "name": name, "role": role,
               "phone": phone or p.phone(), "note": note}
        staff_rows.append(row)
        return row

    staff("cadre", owner, note="社区党委书记、居委会主任")
    staff("cadre", owner, note="社区居委会副主任")
    for grid in grids:
        staff("grid_chief", grid["id"])
        for _ in range(rng.randint(1, 2)):
            staff("grid_worker", grid["id"])
    n_trio = max(1, round(n_grids / 4))
    for i in range(n_trio):
        covered = "、".join(g["name"] for g in grids[i::n_trio])
        staff("police", owner, note=f"林山寨派出所社区民警(负责{covered})")
        staff("doctor", owner, note=f"林山寨街道社区卫生服务中心(负责{covered})")
    grid_of_compound = [c["grid_id"] for c in compounds]
    for bi, b in enumerate(buildings):
        grid_id = grid_of_compound[b.compound]
        where = f"{compounds[b.compound]['name']}{building_rows[bi]['name']}"
        candidates = [r for r in by_building[bi]
                      if r["phone"] and 40 <= resident_age[r["id"]] <= 75]
        if candidates:
            r = rng.choice(candidates)
            chief = staff("building_chief", grid_id, r["name"], r["phone"], where)
        else:
            chief = staff("building_chief", grid_id, note=where)
        building_rows[bi]["chief_id"] = chief["id"]
    adults = [r for r in resident_rows if r["phone"] and 18 <= resident_age[r["id"]] <= 72]
    household_grid = {}
    unit_building = {u["id"]: u["building_id"] for u in unit_rows}
    building_grid = {b.id: grid_of_compound[b.compound] for b in buildings}
    for h in household_rows:
        household_grid[h["id"]] = building_grid[unit_building[h["unit_id"]]]
    n_volunteers = max(3, round(6 * slow))
    for r in rng.sample(adults, min(n_volunteers, len(adults))):
        staff("volunteer", household_grid[r["household_id"]], r["name"], r["phone"],
              rng.choice(("红马甲志愿服务队", "红袖章巡逻队", "楼院志愿者")))

    # Party members: most live here; some work in the area or report here from elsewhere.
    n_party = round(n * PARTY_SHARE)
    n_outside = round(n_party * 0.18)
    compound_of_household = {}
    building_compound = {b.id: b.compound for b in buildings}
    for h in household_rows:
        compound_of_household[h["id"]] = building_compound[unit_building[h["unit_id"]]]
    candidates = [r for r in resident_rows if r["phone"] and resident_age[r["id"]] >= 23]
    weights_party = [3.0 if resident_age[r["id"]] >= 60 else 2.0 if resident_age[r["id"]] >= 40
                     else 1.0 for r in candidates]
    chosen = _weighted_pick(rng, candidates, weights_party, n_party - n_outside)
    party_rows = []
    for r in chosen:
        age = resident_age[r["id"]]
        if r["residency"] == "floating":
            kind = "floating"
        elif age >= 60:
            kind = "retired" if rng.random() < 0.7 else "community"
        else:
            kind = "community" if rng.random() < 0.6 else "reporting"
        branch = compounds[compound_of_household[r["household_id"]]]["name"] + "党支部"
        party_rows.append({"id": uuid7(), "resident_id": r["id"], "name": r["name"],
                           "kind": kind, "branch": branch, "phone": r["phone"], "note": None})
    for _ in range(n_party - len(party_rows)):
        sex = "M" if rng.random() < 0.55 else "F"
        name = p.surname() + p.given_name(sex, today.year - rng.randint(25, 58))
        kind = rng.choice(("stationed", "reporting"))
        unit = rng.choice(STATIONED_UNITS)
        note = f"驻区单位:{unit}" if kind == "stationed" else f"工作单位:{unit},到社区报到"
        party_rows.append({"id": uuid7(), "resident_id": None, "name": name, "kind": kind,
                           "branch": rng.choice(compounds)["name"] + "党支部", "phone": p.phone(),
                           "note": note})

    return {"org_units": grids, "staff": staff_rows, "compounds": compounds,
            "buildings": building_rows, "units": unit_rows, "households": household_rows,
            "residents": resident_rows, "party_members": party_rows}


INSERT_ORDER = ("org_units", "staff", "compounds", "buildings", "units", "households",
                "residents", "party_members")
BATCH = 5000           # rows per executemany (and per progress report)
ROWS_PER_TRANSACTION = 40_000


def build_demo(path: str | os.PathLike[str], *, residents: int = BASE_RESIDENTS,
               seed: int = 2026, progress: Progress | None = None,
               today: date = DEMO_TODAY, name: str | None = None,
               code: str | None = None, pairings: bool = True,
               isolation_cases: bool = True, street: str | None = None
               ) -> dict[str, Any]:
    """Create the database file at `path` and fill it with a demo community.

    `progress(done, total)` is called now and then with inserted rows so far. Returns the
    community's name and how many residents, households, buildings, compounds, grids and
    Party members it got. `name` and `code` make a second demo community of the same
    street (for trying sync). `pairings` pairs most households with Party members
    (add_demo_pairings), as a community a year into 党员联户 would look; `isolation_cases`
    adds home-isolation cases around the real today (add_demo_cases).
    """
    db = open_community_db(path, create=True)
    try:
        _name, _code, _street, district = COMMUNITY
        name, code, street = name or _name, code or _code, street or _street
        community = create_community(db, name, code, street, district)
        plan = plan_demo(residents, seed, owner=community.id, community_code=code, today=today)
        total = sum(len(rows) for rows in plan.values())
        done = 0
        if progress:
            progress(0, total)
        # A bigger page cache for this connection only: the indexes of change_log and
        # field_clock grow by millions of entries.
        db.conn.execute("PRAGMA cache_size = -65536")
        # Batches of rows, grouped into a few transactions (so the WAL file stays bounded).
        batches = [(table, plan[table][i:i + BATCH]) for table in INSERT_ORDER
                   for i in range(0, len(plan[table]), BATCH)]
        groups: list[list[tuple[str, list[dict[str, Any]]]]] = [[]]
        rows_in_group = 0
        for batch in batches:
            if rows_in_group >= ROWS_PER_TRANSACTION:
                groups.append([])
                rows_in_group = 0
            groups[-1].append(batch)
            rows_in_group += len(batch[1])
        for group in groups:
            with transaction(db):
                for table, chunk in group:
                    q.insert_many(db, table, chunk, community.id)
                    done += len(chunk)
                    if progress:
                        progress(done, total)
        paired = add_demo_pairings(db, seed, today) if pairings else 0
        cases = add_demo_cases(db, seed) if isolation_cases else {}
        from app.care.demo import add_demo_visits  # a month of care visits, some overdue
        add_demo_visits(db, seed)
        from app.incidents.demo import add_demo_incidents  # a month of grid events
        add_demo_incidents(db, seed)
        from app.categories.demo import add_demo_categories
        add_demo_categories(db, seed)
        from app.sweeps.demo import add_demo_sweep  # a sweep under way
        add_demo_sweep(db, seed)
        from app.inspections.demo import add_demo as add_demo_places  # shops, inspections
        add_demo_places(db, seed)
        from app.readiness.demo import add_demo_readiness  # checkpoints, supplies
        add_demo_readiness(db, seed)
        from app.duty.demo import add_demo_duty  # trios, volunteers, this week's roster
        add_demo_duty(db, seed)
        db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return {
            "pairings": paired,
            "cases": cases,
            "community": community.name,
            "residents": len(plan["residents"]),
            "households": len(plan["households"]),
            "buildings": len(plan["buildings"]),
            "compounds": len(plan["compounds"]),
            "grids": len(plan["org_units"]),
            "party_members": len(plan["party_members"]),
        }
    finally:
        db.conn.close()


# --- Party-member pairing ---------------------------------------------------------------------

CONTACT_KINDS = ("visit", "phone", "wechat", "errand", "medicine", "rubbish")
CONTACT_WEIGHTS = (40, 30, 15, 8, 4, 3)
CONTACT_NOTES = {"visit": ("了解家庭近况", "宣传社区通知", "看望老人", None),
                 "phone": ("电话问候", "提醒缴纳水电费", None),
                 "wechat": ("转发社区通知", "微信群答疑", None),
                 "errand": ("代买米面油", "代买蔬菜", "代缴水电费"),
                 "medicine": ("代购降压药", "代取慢病药"),
                 "rubbish": ("代收生活垃圾",)}
DID_CHOICES = (["visit"], ["phone"], ["visit", "notice"], ["phone", "notice"],
               ["visit", "help"], ["errand", "notice"])


def add_demo_pairings(db: Any, seed: int, today: date = DEMO_TODAY) -> int:
    """Pair most households the way an office would have over the past year: the suggestion
    accepted (a few households still waiting), some members changed, contacts logged, and
    one spot check visited. Returns the number of current pairings."""
    from app import pairing

    rng = random.Random(seed + 4)
    owner = q.community_id(db)
    plan = pairing.suggest_pairings(db)
    member_ids = [m["id"] for m in q.party_members(db)]
    pairings, contacts = [], []
    for line in plan.lines:
        if rng.random() < 0.04:       # not yet paired: the page has something to suggest
            continue
        started = today - timedelta(days=rng.randint(20, 420))
        if rng.random() < 0.03 and len(member_ids) > 1:  # an earlier member, replaced
            before = rng.choice([m for m in member_ids if m != line.member_id])
            earlier = started - timedelta(days=rng.randint(200, 600))
            pairings.append({"id": uuid7(), "household_id": line.household_id,
                             "member_id": before, "started_on": earlier.isoformat(),
                             "start_reason": "assigned", "ended_on": started.isoformat(),
                             "end_reason": "replaced", "note": None})
        pairings.append({"id": uuid7(), "household_id": line.household_id,
                         "member_id": line.member_id, "started_on": started.isoformat(),
                         "start_reason": "assigned", "ended_on": None, "end_reason": None,
                         "note": None})
        if rng.random() < 0.35:
            for _ in range(rng.randint(1, 3)):
                kind = rng.choices(CONTACT_KINDS, CONTACT_WEIGHTS)[0]
                day = today - timedelta(days=rng.randint(1, min(90, (today - started).days)))
                contacts.append({"id": uuid7(), "household_id": line.household_id,
                                 "member_id": line.member_id, "contact_on": day.isoformat(),
                                 "kind": kind, "note": rng.choice(CONTACT_NOTES[kind])})
    with transaction(db):
        for i in range(0, len(pairings), BATCH):
            q.insert_many(db, "pairings", pairings[i:i + BATCH], owner)
        for i in range(0, len(contacts), BATCH):
            q.insert_many(db, "member_contacts", contacts[i:i + BATCH], owner)
    current = sum(p["ended_on"] is None for p in pairings)
    if current:
        check = pairing.draw_spot_check(db, 5, seed=seed, today=today - timedelta(days=10))
        for item in pairing.spot_check_items(db, check.id):
            r = rng.random()
            if r < 0.15:
                continue                              # not visited yet
            if r < 0.22:
                pairing.record_check_result(db, item["id"], method="phone",
                                            result="unreachable", today=today)
                continue
            knows = r > 0.3
            pairing.record_check_result(
                db, item["id"], method=rng.choice(("visit", "phone")),
                result=("satisfied" if r > 0.5 else "basic") if knows else "unsatisfied",
                knows_member=knows, member_did=rng.choice(DID_CHOICES) if knows else ["nothing"],
                checked_on=today - timedelta(days=rng.randint(1, 9)), today=today,
                note=None if knows else "住户不知道联系党员是谁")
    return current


# --- home isolation ---------------------------------------------------------------------------

ORIGINS = ("上海市", "广州市", "北京市朝阳区", "郑州市金水区", "新疆乌鲁木齐市", "境外（泰国）",
           "西安市", "成都市")


def _registered_at(day: date, now: datetime) -> datetime:
    """An hour before this time of day on `day`, never before that day began: made just
    after midnight, the demo once registered its cases the evening before they started, as
    planned ones that could then not be released."""
    return max(datetime.combine(day, now.time()) - timedelta(hours=1),
               datetime.combine(day, time(0, 0)))


def add_demo_cases(db: Any, seed: int, now: datetime | None = None, scale: float = 1.0
                   ) -> dict[str, int]:
    """Isolation cases around `now` (the real clock by default, so the 今日 board is live):
    released ones from the past weeks, active ones at every day of their period with their
    checks and tests, a few due for release today, one fever for the doctor, one transferred
    and one planned. Returns counts by status."""
    from app import isolation

    now = now or datetime.now()
    today = now.date()
    rng = random.Random(seed + 7)
    residents = [r[0] for r in db.conn.execute(
        "SELECT id FROM residents WHERE deleted = 0 AND household_id IS NOT NULL "
        "AND birth_date < ? ORDER BY id", ((today - timedelta(days=365 * 18)).isoformat(),))]
    total = max(2, int(max(8, min(60, len(residents) // 150)) * scale))   # scale: demo variety
    people = rng.sample(residents, min(total, len(residents)))
    settings = isolation.get_settings(db)
    counts: dict[str, int] = {}
    for i, resident in enumerate(people):
        share = i / len(people)
        kind = "home_monitoring" if rng.random() < 0.35 else "home_isolation"
        days = settings.policy(kind).days
        if share < 0.35:                       # released in the past weeks
            start = today - timedelta(days=rng.randint(days + 1, 30))
        elif share < 0.5:                      # due for release today
            start = today - timedelta(days=days - 1)
        elif share < 0.93 and i < len(people) - 1:   # somewhere in their period
            start = today - timedelta(days=rng.randint(0, days - 2))
        else:                                  # arriving in a day or two
            start = today + timedelta(days=rng.randint(1, 2))
        by = "社区居委会"
        case_id = isolation.register_case(
            db, resident_id=resident, kind=kind, reason=rng.choice(isolation.REASONS[:5]),
            origin=rng.choice(ORIGINS), arrived_on=start - timedelta(days=rng.randint(0, 1)),
            started_on=start, door_measure=rng.choice(
                ("seal", "seal", "sensor") if kind == "home_isolation" else ("none", "sensor")),
            by=by, now=_registered_at(min(start, today), now))
        if start > today:
            counts["planned"] = counts.get("planned", 0) + 1
            continue
        end = start + timedelta(days=days - 1)
        last = min(end, today)
        day = start
        while day <= last:
            for slot, hour in (("am", 9), ("pm", 15)):
                moment = datetime.combine(day, time(hour, rng.randint(0, 50)))
                if moment > now or (day == today and i % 3 == 0):
                    continue                   # today's checks partly still to do
                fever = (i == len(people) // 2 and slot == "pm"
                         and day == max(start, last - timedelta(days=1)))
                isolation.record_check(
                    db, case_id, slot=slot, check_on=day,
                    temperature=37.8 if fever else round(rng.uniform(36.0, 37.0), 1),
                    symptoms=["cough"] if fever else [],
                    method=rng.choice(("visit", "phone", "phone", "video")),
                    checked_by="网格员", now=moment)
            day += timedelta(days=1)
        for test_day in isolation.required_test_days(settings, kind, start, end):
            if test_day <= today:
                result = "pending" if test_day == today else "negative"
                isolation.record_test(db, case_id, test_on=test_day, result=result)
        moment = datetime.combine(last, time(17, 0))
        if end < today:
            isolation.release_case(db, case_id, released_on=end + timedelta(days=1),
                                   by=by, now=datetime.combine(end + timedelta(days=1),
                                                               time(10, 0)))
            status = "released"
        elif i == len(people) // 2 + 1:
            isolation.transfer_case(db, case_id, "市第一集中隔离点", "转为密切接触者，集中隔离",
                                    by=by, now=min(moment, now))
            status = "transferred"
        else:
            status = "active"
        counts[status] = counts.get(status, 0) + 1
    return counts


# --- a demo district --------------------------------------------------------------------------

DISTRICT = ("中原区", "410102")
DEMO_COMMUNITIES = (("长江路社区", "410102007003"), ("建设路社区", "410102008001"),
                    ("桐柏路社区", "410102009002"), ("汝河路社区", "410102010004"),
                    ("棉纺路社区", "410102011005"))
DEMO_STREETS = (("林山寨街道", "410102007"), ("建设路街道", "410102008"),
                ("桐柏路街道", "410102009"), ("汝河路街道", "410102010"),
                ("棉纺路街道", "410102011"))
# With --streets: how each community differs (share of the residents asked for, Party-member
# pairing, isolation cases, days since its last bundle reached the district).
DEMO_VARIETY = ((1.0, True, 1.0, 0), (0.55, False, 0.5, 4), (1.5, True, 3.0, 0),
                (0.8, True, 0.0, 0), (1.25, True, 1.5, 1))


@dataclass(frozen=True)
class DemoCommunity:
    name: str
    code: str
    street: str
    residents: int
    pairings: bool = True
    case_scale: float = 1.0       # isolation cases, against a community of its size
    silent_days: int = 0          # its last bundle reached the district this long ago


def plan_demo_district(communities: int = 3, streets: int | None = None,
                       residents: int = 2000) -> list[DemoCommunity]:
    """The demo district's communities. Without `streets`, each in the street of its code,
    all alike. With `streets` (1..5), spread over that many streets (codes from the street),
    and differing: sizes, case loads, pairing coverage, and one silent for four days."""
    street_of = {code: name for name, code in DEMO_STREETS}
    if streets is None:
        return [DemoCommunity(name, code, street_of[code[:9]], residents)
                for name, code in DEMO_COMMUNITIES[:communities]]
    if not 1 <= streets <= len(DEMO_STREETS):
        raise ValueError(f"streets must be 1..{len(DEMO_STREETS)}")
    made = []
    for i, (name, _code) in enumerate(DEMO_COMMUNITIES[:communities]):
        street, street_code = DEMO_STREETS[i % streets]
        share, pairings, cases, silent = DEMO_VARIETY[i]
        made.append(DemoCommunity(name, f"{street_code}{i + 1:03d}", street,
                                  max(60, int(residents * share)), pairings, cases, silent))
    return made


def build_demo_district(path: str | os.PathLike[str], *, communities: int = 3,
                        residents: int = 2000, seed: int = 2026,
                        progress: Callable[[str], None] | None = None,
                        streets: int | None = None, accounts: bool = True) -> dict[str, Any]:
    """A district database at `path` with `communities` demo communities beside it
    (<stem>-<code>.sqlite), each enrolled with the district by files, as on a USB stick,
    and synced once both ways, so the district view shows them all. `streets` spreads them
    over that many streets and makes them differ (plan_demo_district). With `accounts`, the
    district gets its demo accounts (create_demo_district_accounts); without, it is left
    unclaimed for a test to set up its own. Returns the files and the accounts made."""
    import tempfile
    from pathlib import Path

    from app import district as district_views
    from app.accounts import create_demo_accounts, create_demo_district_accounts
    from app.sync import engine

    path = Path(path)
    floating: dict[str, Any] | None = None   # a person registered in two communities
    if not 1 <= communities <= len(DEMO_COMMUNITIES):
        raise ValueError(f"communities must be 1..{len(DEMO_COMMUNITIES)}")
    district = open_community_db(path, create=True)
    made: list[Path] = []
    try:
        engine.create_district(district, *DISTRICT)
        with tempfile.TemporaryDirectory(prefix="griddesk-demo-district-") as tmp:
            stick = Path(tmp)
            from app.sweeps.demo import add_district_sweep  # goes down to every community
            add_district_sweep(district)
            for i, plan in enumerate(plan_demo_district(communities, streets, residents)):
                name, code = plan.name, plan.code
                file = path.with_name(f"{path.stem}-{code}.sqlite")
                if progress:
                    progress(f"{plan.street} › {name}（{plan.residents} 名居民）→ {file}")
                build_demo(file, residents=plan.residents, seed=seed + i, name=name, code=code,
                           street=plan.street, pairings=plan.pairings,
                           isolation_cases=plan.case_scale == 1.0)
                community = open_community_db(file)
                try:
                    if plan.case_scale not in (0.0, 1.0):   # before accounts: no sign-in
                        add_demo_cases(community, seed + i, scale=plan.case_scale)
                    floating = _register_twice(community, floating)
                    create_demo_accounts(community)
                    seen = engine.enroll_by_files(community, district, stick / code)
                    peer = engine.district_peer(community)["node_id"]
                    engine.export_bundles(community, peer, stick / code / "up")
                    engine.import_folder(district, stick / code / "up")
                    from app.keypersons.demo import import_demo_part  # its key persons
                    import_demo_part(district, q.community_id(community), stick / code,
                                     seed=seed + i, unmatched=i == 0)
                    from app.incidents.demo import add_demo_replies  # answers go down
                    add_demo_replies(district, q.community_id(community), seed + i)
                    from app.inspections.demo import add_district_round  # 督查, goes down
                    add_district_round(district, q.community_id(community), name)
                    engine.export_bundles(district, seen.node_id, stick / code / "down")
                    engine.import_folder(community, stick / code / "down")
                    if i == 0:   # half its key persons verified (the next bundle up)
                        from app.keypersons.demo import verify_demo_part
                        verify_demo_part(community, seed=seed + i)
                    from app.reports.demo import add_demo_week  # outcomes, a week of 日报
                    add_demo_week(community, district, stick / code, seed + i,
                                  plan.silent_days)
                    if plan.silent_days:    # its last bundle came days ago
                        _backdate_last_bundle(district, seen.node_id, plan.silent_days)
                finally:
                    community.conn.close()
                made.append(file)
        # The district opens as its administrator (read-only on community data, as it is for
        # every district account), with a 区级 viewer and a 街道 account per street.
        made_accounts = create_demo_district_accounts(
            district, [(s["code"], s["name"]) for s in district_views.streets(district)]
        ) if accounts else []
        district.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        district.conn.close()
    return {"district": path, "communities": made, "accounts": made_accounts}


def _register_twice(community: Any, floating: dict[str, Any] | None) -> dict[str, Any]:
    """A floating resident the offices forgot to remove: the first community's first resident
    is registered again in the second community (the district's 重复登记 list shows them)."""
    if floating is None:
        row = community.conn.execute(
            "SELECT name, id_number, sex, birth_date FROM residents WHERE deleted = 0 "
            "AND id_kind = 'resident' AND id_number IS NOT NULL ORDER BY id LIMIT 1"
        ).fetchone()
        return {"name": row[0], "id_number": row[1], "done": False} if row else {"done": True}
    if not floating["done"]:
        household = community.conn.execute(
            "SELECT id FROM households WHERE deleted = 0 ORDER BY id LIMIT 1").fetchone()
        if household:
            registry.add_resident(community, {
                "household_id": household[0], "name": floating["name"],
                "id_number": floating["id_number"], "relation": "其他",
                "residency": "floating"})
        floating["done"] = True
    return floating


def _backdate_last_bundle(district: Any, node_id: str, days: int) -> None:
    from db import sync as sync_store

    at = (datetime.now() - timedelta(days=days)).isoformat(timespec="seconds")
    with transaction(district):
        sync_store.update_peer(district, node_id, last_import_at=at)
