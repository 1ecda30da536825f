"""Printed forms of home isolation (居家隔离) and home health monitoring (居家健康监测):
per case the notice with its tear-off receipt (告知书＋回执), the pledge (承诺书), the
observation card (观察卡, a hand-fill grid), door-seal strips (封条, four to an A4 with
cutting guides), the building entrance notice (楼口公示: door and period, no name, no ID
number), and the release form (解除通知书 with its office stub and a QR code).

The wording comes from resources/templates/isolation/*.toml (app/documents/templates.py). A
case's data is gathered into a CaseSheet (plain values, field → text) first, then drawn; a form
whose template names a field the case has no value for is refused with a message saying what
to fill in, before anything is drawn."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import escapePDF

from app.accounts import Session, masking
from app.documents.fonts import FontSet, document_fonts
from app.documents.page import (
    BODY_LEADING,
    BODY_PITCH,
    BODY_SIZE,
    GUIDE,
    MARGIN_LEFT,
    PAGE_H,
    PAGE_W,
    SIZE_2,
    SIZE_3,
    SIZE_4,
    SIZE_5,
    SIZE_SMALL_4,
    TYPE_BOTTOM,
    TYPE_TOP,
    TYPE_W,
    Pen,
    cn_date,
    new_canvas,
)
from app.documents.seal import seal_centres
from app.documents.templates import Template, TemplateError, load_template
from app.documents.typography import break_lines
from app.errors import FormError
from app.isolation import REASONS

FAMILY = "isolation"
NOTICE_SET = ("notice", "pledge", "card", "seal", "board")
ALL_FORMS = (*NOTICE_SET, "release")
FORM_LABELS = {"notice": "告知书", "pledge": "承诺书", "card": "观察卡", "seal": "封条",
               "board": "楼口公示", "release": "解除通知书"}
# The letters of each form in its serial number: 410102003001-2026-GZ-00012.
SERIAL_LETTERS = {"notice": "GZ", "pledge": "CN", "card": "GC", "seal": "FT", "board": "GS",
                  "release": "JC"}
KIND_NAMES = {"home_isolation": "居家隔离", "home_monitoring": "居家健康监测"}

# Every field a template may name, with what it is called when a case lacks it and where the
# secretary fills it in.
FIELDS: dict[str, tuple[str, str]] = {
    "community": ("社区名称", "请在“设置”中填写社区信息"),
    "community_code": ("社区代码", "请在“设置”中填写12位社区代码"),
    "street": ("所属街道", "请在“设置”中填写社区信息"),
    "district": ("所属区县", "请在“设置”中填写社区信息"),
    "kind": ("管控类型", "请在案例中选择居家隔离或居家健康监测"),
    "name": ("姓名", "请在居民信息中填写姓名"),
    "sex": ("性别", "请在居民信息中填写性别或身份证号"),
    "id_number": ("身份证号", "请在居民信息中填写身份证号"),
    "id_masked": ("身份证号（中间隐去）", "请在居民信息中填写身份证号"),
    "phone": ("联系电话", "请在案例或居民信息中填写联系电话"),
    "address": ("隔离地址", "请在案例中选择隔离所在的住户（或先为该居民登记住户）"),
    "compound": ("楼院", "请在案例中选择隔离所在的住户"),
    "building": ("楼栋", "请在案例中选择隔离所在的住户"),
    "unit": ("单元", "请在案例中选择隔离所在的住户"),
    "door": ("门牌号", "请在案例中选择隔离所在的住户"),
    "reason": ("管控原因", "请在案例中填写原因"),
    "reason_phrase": ("管控原因", "请在案例中填写原因"),
    "origin": ("来源地", "请在案例中填写从何处来"),
    "arrived": ("抵达日期", "请在案例中填写抵达日期"),
    "start": ("开始日期", "请在案例中填写开始日期"),
    "end": ("预计解除日期", "请在案例中填写预计解除日期"),
    "days": ("天数", "请在案例中填写开始和解除日期"),
    "release_date": ("解除日期", "请先办理解除"),
    "release_basis": ("解除依据", "请先办理解除"),
    "actual_days": ("实际天数", "请先办理解除"),
    "early_reason": ("提前解除原因", "请在解除时填写原因"),
    "tests": ("核酸检测", "请登记核酸检测结果"),
    "grid_worker": ("网格员", "请在“修改信息…”中指定网格员"),
    "grid_worker_phone": ("网格员电话", "请在“居家隔离 › 工作人员…”中填写该网格员的电话"),
    "police": ("社区民警", "请在“修改信息…”中指定片警"),
    "police_phone": ("民警电话", "请在“居家隔离 › 工作人员…”中填写该民警的电话"),
    "doctor": ("社区医生", "请在“修改信息…”中指定片医"),
    "doctor_phone": ("社区医生电话", "请在“居家隔离 › 工作人员…”中填写该医生的电话"),
    "household_members": ("同住人员", ""),
    "serial": ("编号", ""),
    "date": ("日期", ""),
    "n": ("第几天", ""),
}
# The public notice at the building entrance never carries who lives there.
PRIVATE_FIELDS = frozenset({"name", "sex", "id_number", "id_masked", "phone",
                            "household_members"})
REQUIRED_KEYS: dict[str, tuple[str, ...]] = {
    "notice": ("title", "salutation", "intro", "rules", "door_seal", "door_sensor", "door_none",
               "consequences", "contacts", "signer", "cut", "receipt_title", "receipt",
               "receipt_sign"),
    "pledge": ("title", "table", "intro", "promises", "closing", "sign"),
    "card": ("title", "header", "columns", "day", "note", "signer"),
    "seal": ("heading", "lines", "warning", "stamp"),
    "board": ("title", "body", "thanks", "contacts", "privacy", "signer"),
    "release": ("title", "stub_title", "stub", "stub_sign", "cut", "salutation", "body",
                "body_early", "tests",
                "door_seal", "door_sensor", "door_none", "advice", "basis_period",
                "basis_tests", "basis_symptoms", "trio", "signer"),
}
TEST_RESULTS = {"pending": "结果待出", "negative": "阴性", "positive": "阳性"}
# Home health monitoring is not home isolation (DOMAIN.md): a form's [home_monitoring] table
# carries the wording of that kind, in place of the top-level keys (which read for 居家隔离).
KIND_TABLES = ("home_isolation", "home_monitoring")
KIND_REQUIRED: dict[str, dict[str, tuple[str, ...]]] = {
    "notice": {"home_monitoring": ("rules", "consequences")},
    "pledge": {"home_monitoring": ("promises",)},
}
# A reason is a noun (密切接触者) and never follows 因; a template says {reason_phrase}, the
# phrase its [reasons] table gives the case's reason (被判定为密切接触者). A reason typed by
# hand that the table does not know reads `reason_person` (系{reason}) when it names a kind of
# person, else `reason_other` (因{reason}).
REASON_TABLE = "reasons"
REASON_FALLBACKS = ("reason_person", "reason_other")
PERSON_ENDINGS = ("者", "人员", "员", "人", "密接")


def known_fields(form: str) -> frozenset[str]:
    """The fields a form's template may name ({n}, the day of the case, only on the card)."""
    known = frozenset(FIELDS) - ({"n"} if form != "card" else set())
    return known - PRIVATE_FIELDS if form == "board" else known


def load_form_template(form: str) -> Template:
    """The checked template of one form; a board naming a private field is refused."""
    if form == "board":
        # Checked against the other fields first, so a private one gets its own message.
        template = load_template(FAMILY, form, known_fields("notice"), REQUIRED_KEYS[form])
        private = sorted(template.fields & PRIVATE_FIELDS)
        if private:
            raise TemplateError(
                f"模板“{template.path}”用了字段“{{{private[0]}}}”：楼口公示张贴在楼栋入口，"
                "不能印姓名、身份证号或电话，没有打印。请从模板中删去该字段。")
    else:
        template = load_template(FAMILY, form, known_fields(form), REQUIRED_KEYS[form])
    _check_wording(form, template)
    return template


def _texts_of(value: str | tuple[str, ...]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else value


def _check_wording(form: str, t: Template) -> None:
    """The tables of a template: kinds' wording and reasons' phrases (see KIND_TABLES,
    REASON_TABLE); and no reason glued to 因."""
    where = f"模板“{t.path}”"
    for name in t.tables:
        if name not in (*KIND_TABLES, REASON_TABLE):
            raise TemplateError(
                f"{where}中的“[{name}]”不是本程序认得的一节，没有打印。可用的有："
                + "、".join(f"[{n}]" for n in (*KIND_TABLES, REASON_TABLE)) + "。")
    for kind in KIND_TABLES:
        table = t.table(kind)
        for key in table:
            if key not in t.values:
                raise TemplateError(
                    f"{where}“[{kind}]”一节中的“{key}”在文件开头没有对应的一项，没有打印。"
                    "这一节只能替换已有的项，请改正名称。")
        missing = [k for k in KIND_REQUIRED.get(form, {}).get(kind, ()) if k not in table]
        if missing:
            raise TemplateError(
                f"{where}缺少“[{kind}]”一节的“{'”“'.join(missing)}”：{KIND_NAMES[kind]}"
                "与居家隔离的要求不同，须单独写明，没有打印。请对照程序自带的模板补上。")
    # reason_other (因{reason}) is for a reason typed by hand that is not a noun.
    wording = [(key, text) for key, value in t.values.items() if key not in REASON_FALLBACKS
               for text in _texts_of(value)]
    wording += [(f"[{kind}] {key}", text) for kind in KIND_TABLES
                for key, value in t.table(kind).items() for text in _texts_of(value)]
    for key, text in wording:
        if "因{reason}" in text:
            raise TemplateError(
                f"{where}中“{key}”一项写作“因{{reason}}”：原因是名词（如“密切接触者”），"
                "不能直接接在“因”后面，没有打印。请改写为“{reason_phrase}”，"
                "并在文件末尾的“[reasons]”一节写明每种原因的说法。")
    if "reason_phrase" not in t.fields:
        return
    phrases = t.table(REASON_TABLE)
    missing = [r for r in REASONS if r not in phrases]
    missing += [k for k in REASON_FALLBACKS if k not in t.values]
    if missing:
        raise TemplateError(
            f"{where}用了“{{reason_phrase}}”，但没有写明管控原因“{'”“'.join(missing)}”"
            "的说法，没有打印。请在文件末尾的“[reasons]”一节补上，例如："
            "\"密切接触者\" = \"被判定为密切接触者\"。")
    for key, value in [*phrases.items(), *((k, t.values[k]) for k in REASON_FALLBACKS)]:
        if not isinstance(value, str):
            raise TemplateError(f"{where}中原因“{key}”的说法应为一段文字。")


def reason_phrase(t: Template, reason: str | None, context: Mapping[str, str | None]
                  ) -> str | None:
    """How a form says why the case is at home: the phrase of its reason in the template's
    [reasons] table; a reason typed by hand reads 系{reason} (a kind of person) or
    因{reason} (anything else), as the template's reason_person / reason_other say."""
    reason = (reason or "").strip()
    if not reason:
        return None
    phrase = t.table(REASON_TABLE).get(reason)
    if phrase is None:
        phrase = t.values[REASON_FALLBACKS[0] if reason.endswith(PERSON_ENDINGS)
                          else REASON_FALLBACKS[1]]
    assert isinstance(phrase, str)
    return phrase.format_map({**context, "reason": reason})


def _sex(sex: str | None, id_number: str | None) -> str | None:
    if sex in ("M", "F"):
        return "男" if sex == "M" else "女"
    if id_number and len(id_number) == 18 and id_number[16].isdigit():
        return "男" if int(id_number[16]) % 2 else "女"
    return None


# --- a case's data ----------------------------------------------------------------------------

@dataclass
class CaseSheet:
    """What every form of one case says: field → text, plus the few structured parts."""

    case_id: str
    community_id: str
    kind: str
    door_measure: str
    start: date | None
    end: date | None
    context: dict[str, str | None]
    released_on: date | None = None
    release_basis: tuple[str, ...] = ()
    serials: dict[str, str] = field(default_factory=dict)      # form → serial
    printed: dict[str, int] = field(default_factory=dict)      # form → earlier prints
    qr: str = ""          # the release form's signed QR text (app.isolation.verify)

    @property
    def name(self) -> str:
        return self.context.get("name") or "（未填姓名）"

    def values(self, form: str, template: Template) -> dict[str, str]:
        """The context for one form, its serial in it; raises FormError naming what is
        missing (nothing is drawn with a blank)."""
        ctx = dict(self.context)
        ctx["serial"] = self.serials.get(form)
        if form == "release" or "release_basis" in template.fields:
            # The release template says how each basis reads (期满, 核酸阴性, 无症状).
            wording = template if form == "release" else load_form_template("release")
            basis = {"period": "basis_period", "tests": "basis_tests",
                     "symptoms": "basis_symptoms"}
            parts = [wording.text(key, ctx) for code, key in basis.items()
                     if code in self.release_basis]
            ctx["release_basis"] = "，".join(parts) if parts else None
        if "reason_phrase" in template.fields:
            ctx["reason_phrase"] = reason_phrase(template, ctx.get("reason"), ctx)
        used = template.fields | ({"n"} if form == "card" else set())
        missing = [name for name in sorted(used)
                   if name != "n" and (ctx.get(name) is None or str(ctx[name]).strip() == "")]
        if missing:
            lines = [f"· {FIELDS[m][0]}：{FIELDS[m][1]}" if FIELDS[m][1] else f"· {FIELDS[m][0]}"
                     for m in missing]
            raise FormError({form: f"{self.name}的{self.kind_name}{FORM_LABELS[form]}缺少"
                                   f"{'、'.join(dict.fromkeys(FIELDS[m][0] for m in missing))}，"
                                   f"没有打印。请补全后重试：\n" + "\n".join(lines)})
        return {k: ("" if v is None else str(v)) for k, v in ctx.items()}

    @property
    def kind_name(self) -> str:
        return KIND_NAMES.get(self.kind, "居家隔离")


def door_number(door: str | None) -> str | None:
    """501室 → 501, so that “{door}室” never reads 501室室."""
    door = (door or "").strip()
    return door.removesuffix("室").strip() or None if door else None


def door_measure(kind: str, measure: str | None) -> str:
    """The door measure the forms speak of: 居家健康监测 never seals a door (the person may go
    out on essential business), so a seal recorded for it prints no strips and no seal rule."""
    if kind == "home_monitoring" and measure == "seal":
        return "none"
    return measure or "none"


def forms_of(sheet: CaseSheet, forms: Sequence[str]) -> list[str]:
    """The forms of `forms` a case has: seal strips only for a sealed door."""
    return [f for f in forms if f != "seal" or sheet.door_measure == "seal"]


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def make_sheet(row: Mapping, housemates: Sequence[str], tests: Sequence[Mapping],
               today: date, session: Session | None = None) -> CaseSheet:
    """A CaseSheet from db.isolation.forms.case_sheets' row, housemates and tests, printed by
    `session`: the pledge (the person's own) carries the whole ID number and phone only for a
    role that may reveal them, the release form the masked number for everyone
    (app.accounts.masking)."""
    start, end = _date(row["started_on"]), _date(row["planned_end"])
    released = _date(row["released_on"])
    kind = KIND_NAMES.get(row["kind"])
    address = None
    if row["door"]:
        address = f"{row['compound']} {row['building']}{row['unit']}{row['door']}"
    days = (end - start).days + 1 if start and end and end >= start else None
    test_text = "、".join(
        f"{_date(t['test_on']).month}月{_date(t['test_on']).day}日"   # type: ignore[union-attr]
        f"{TEST_RESULTS.get(t['result'], t['result'])}" for t in tests)
    context: dict[str, str | None] = {
        "community": row["community"], "community_code": row["community_code"],
        "street": row["street"], "district": row["district"],
        "kind": kind, "name": row["name"], "sex": _sex(row["sex"], row["id_number"]),
        "id_number": masking.show(session, "id_number", row["id_number"], masking.SIGNED)
        or None,
        "id_masked": masking.show(session, "id_number", row["id_number"], masking.PUBLIC)
        or None,
        # No phone on file: a line for the person to write it on (the pledge is theirs).
        "phone": masking.show(session, "phone", row["phone"] or row["resident_phone"]
                              or row["household_phone"], masking.SIGNED)
        or "＿＿＿＿＿＿＿＿＿＿",
        "address": address, "compound": row["compound"], "building": row["building"],
        # The number alone (a door recorded as 501室 is 501): the wording adds 室.
        "unit": row["unit"], "door": door_number(row["door"]),
        "reason": row["reason"], "origin": row["origin"],
        "arrived": cn_date(_date(row["arrived_on"])) if row["arrived_on"] else None,
        "start": cn_date(start) if start else None, "end": cn_date(end) if end else None,
        "days": str(days) if days else None,
        "release_date": cn_date(released) if released else None,
        "actual_days": str(max(1, (released - start).days)) if released and start else None,
        # Asked for only when the release came before the planned end.
        "early_reason": row["status_reason"] or (
            None if released and end and released <= end else "—"),
        "tests": test_text or "无记录",
        "grid_worker": row["grid_worker"], "grid_worker_phone": row["grid_worker_phone"],
        "police": row["police"], "police_phone": row["police_phone"],
        "doctor": row["doctor"], "doctor_phone": row["doctor_phone"],
        "household_members": "、".join(housemates) if housemates else "无",
        "date": cn_date(today),
    }
    return CaseSheet(row["id"], row["community_id"], row["kind"],
                     door_measure(row["kind"], row["door_measure"]), start,
                     end, context, released,
                     tuple((row["release_basis"] or "").split()))


# --- drawing ----------------------------------------------------------------------------------

RIGHT = MARGIN_LEFT + TYPE_W
CENTRE = MARGIN_LEFT + TYPE_W / 2


class BatchPen(Pen):
    """A Pen for batches of hundreds of forms: each distinct text is split into font subsets
    and escaped once per document, then written as PDF text operators (the way ReportLab's
    ttfonts module documents for dynamic fonts), instead of through a text object per run.
    The page is the same; a 500-case batch is several times faster."""

    def __init__(self, canvas, fonts: FontSet) -> None:
        super().__init__(canvas, fonts)
        self._ops: dict[tuple[str, str], list[tuple[str, str, float, int]]] = {}
        self._forms: dict[tuple, str] = {}

    def _encoded(self, text: str, role: str) -> list[tuple[str, str, float, int]]:
        """(PDF font name, escaped string, advance at 1 pt, characters) chunks of a text."""
        key = (role, text)
        ops = self._ops.get(key)
        if ops is None:
            doc = self.canvas._doc
            ops = []
            for name, run in self.fonts.runs(text, role):
                font = pdfmetrics.getFont(name)
                pos = 0
                for subset, chunk in font.splitString(run, doc):
                    piece = run[pos:pos + len(chunk)]    # one byte per character
                    pos += len(chunk)
                    ops.append((font.getSubsetInternalName(subset, doc), escapePDF(chunk),
                                self.fonts.width(piece, 1, role), len(piece)))
            self._ops[key] = ops
        return ops

    def reuse(self, key: tuple, draw: Callable[[], None], dy: float = 0.0) -> None:
        """Draw what `draw` draws, as a PDF form drawn once per document and placed again
        for every case with the same `key` (the rules, the grid, the seal's frame), `dy`
        lower or higher on the page."""
        name = self._forms.get(key)
        c = self.canvas
        if name is None:
            name = self._forms[key] = f"GDForm{len(self._forms)}"
            c.beginForm(name)
            draw()
            c.endForm()
        if dy:
            c.saveState()
            c.translate(0, dy)
            c.doForm(name)
            c.restoreState()
        else:
            c.doForm(name)

    def text(self, x: float, y: float, text: str, size: float, *, role: str = "body",
             align: str = "left", bold: bool = False, spacing: float = 0.0) -> float:
        if not text:
            return 0.0
        width = self.width(text, size, role) + spacing * max(0, len(text) - 1)
        if align == "center":
            x -= width / 2
        elif align == "right":
            x -= width
        code = self.canvas._code      # Tc and Tr outlive ET: set back (0 Tc) or restored (Q)
        code.append(f"q {size * 0.03:.3f} w BT 2 Tr" if bold else "BT")
        if spacing:
            code.append(f"{spacing:.4f} Tc")
        for name, escaped, advance, count in self._encoded(text, role):
            code.append(f"{name} {size:g} Tf 1 0 0 1 {x:.2f} {y:.2f} Tm ({escaped}) Tj")
            x += advance * size + spacing * count
        if spacing:
            code.append("0 Tc")
        code.append("ET Q" if bold else "ET")
        return width


def reuse(p: Pen, key: tuple, draw: Callable[[], None], dy: float = 0.0) -> None:
    """BatchPen.reuse, or for a plain Pen simply drawing it there."""
    if isinstance(p, BatchPen):
        p.reuse(key, draw, dy)
        return
    c = p.canvas
    c.saveState()
    c.translate(0, dy)
    draw()
    c.restoreState()


class Flow:
    """Text set from the top of the type area down, onto a new page when it runs out."""

    def __init__(self, p: Pen, on_new_page: Callable[[], None], top: float = TYPE_TOP,
                 bottom: float = TYPE_BOTTOM) -> None:
        self.p, self.on_new_page = p, on_new_page
        self.top, self.bottom, self.y = top, bottom, top

    def need(self, height: float) -> None:
        if self.y - height < self.bottom:
            self.p.canvas.showPage()
            self.on_new_page()
            self.y = self.top

    def gap(self, height: float) -> None:
        self.y -= height

    def line(self, text: str, size: float, leading: float, *, x: float = MARGIN_LEFT,
             align: str = "left", role: str = "body", bold: bool = False) -> None:
        self.need(leading)
        self.p.text(x, self.y - size, text, size, align=align, role=role, bold=bold)
        self.y -= leading

    def para(self, text: str, size: float, leading: float, *, indent: bool = True,
             x: float = MARGIN_LEFT, width: float = TYPE_W, pitch: float | None = None
             ) -> None:
        """A justified paragraph (两端对齐): every line but the last ends at x + width.
        `pitch`: the grid's character pitch the lines are broken on (BODY_PITCH)."""
        lines = cached_lines(self.p, ("\u3000\u3000" if indent else "") + text, width,
                             pitch or size)
        self._set(lines, size, leading, pitch, x, width)

    def _set(self, lines: Sequence[str], size: float, leading: float, pitch: float | None,
             x: float = MARGIN_LEFT, width: float = TYPE_W) -> None:
        """One paragraph's lines, justified, onto the next page where they run out: never
        one line of it alone at the foot of a page or at the head of the next."""
        n = len(lines)
        room = int((self.y - self.bottom) / leading + 1e-6)
        split = n
        if room < n:
            split = room if room >= 2 and n - room >= 2 else \
                room - 1 if room - 1 >= 2 and n - room + 1 >= 2 else 0
        for k, line in enumerate(lines):
            if k == split:
                self.need(self.y - self.bottom + 1)            # onto the next page
            self.need(leading)
            self.p.justified(x, self.y - size, line, width, size, last=k == n - 1,
                             pitch=pitch)
            self.y -= leading

    def block(self, paragraphs: Sequence[str], size: float, leading: float,
              pitch: float | None = None) -> None:
        """Indented, justified paragraphs that read the same on many cases' forms (the
        rules): set once per document and placed again, unless they must run onto the next
        page."""
        broken = [cached_lines(self.p, "\u3000\u3000" + text, TYPE_W, pitch or size)
                  for text in paragraphs]
        lines = [(line, k == len(part) - 1) for part in broken for k, line in enumerate(part)]
        height = len(lines) * leading
        if self.y - height < self.bottom:
            for part in broken:
                self._set(part, size, leading, pitch)
            return

        def draw() -> None:
            y = PAGE_H
            for line, last in lines:
                self.p.justified(MARGIN_LEFT, y - size, line, TYPE_W, size, last=last,
                                 pitch=pitch)
                y -= leading

        reuse(self.p, ("block", tuple(lines), size, leading, pitch), draw, self.y - PAGE_H)
        self.y -= height


_LINES: dict[tuple[int, str, float, float], list[str]] = {}


def cached_lines(p: Pen, text: str, width: float, size: float) -> list[str]:
    """Broken lines, remembered: the rules read the same on every case's notice."""
    key = (id(p.fonts), text, round(width, 2), size)
    lines = _LINES.get(key)
    if lines is None:
        if len(_LINES) > 20_000:
            _LINES.clear()
        lines = _LINES[key] = break_lines(text, width, p.fonts.measurer(size, "body", text))
    return lines


def reprint_mark(sheet: CaseSheet, form: str) -> str:
    """补打（第2次） when the form was printed before (empty for a first print)."""
    earlier = sheet.printed.get(form, 0)
    return f"补打（第{earlier + 1}次）" if earlier else ""


def _serial_mark(p: Pen, sheet: CaseSheet, form: str, y: float, x: float = RIGHT,
                 size: float = SIZE_5) -> None:
    """编号：… at the top right (and wherever else a part of the form carries its serial); a
    reprint says so beside it (补打, with which print it is)."""
    serial = sheet.serials.get(form, "")
    text = f"编号：{serial}"
    mark = reprint_mark(sheet, form)
    if mark:
        width = p.width(mark, size) + 2 * mm
        c = p.canvas
        c.saveState()
        c.setLineWidth(0.6)
        c.rect(x - width, y - size * 0.3, width, size * 1.35, stroke=1, fill=0)
        c.restoreState()
        p.text(x - 1 * mm, y, mark, size, align="right", bold=True)
        x -= width + 2 * mm
    p.text(x, y, text, size, align="right")


def _signer(flow: Flow, community_line: str, day: str, size: float = SIZE_4) -> None:
    """The issuing body and the date where the seal goes (app.documents.seal)."""
    flow.gap(4 * mm)
    issuer_x, date_x = seal_centres(flow.p, community_line, day, size, RIGHT)
    flow.need(2 * size * 1.7)
    flow.line(community_line, size, size * 1.7, x=issuer_x, align="center")
    flow.line(day, size, size * 1.7, x=date_x, align="center")


def _footer(p: Pen, t: Template, v: dict[str, str], y: float = 12 * mm) -> None:
    """The optional `footer` of a template, small, centred at the foot of the page."""
    if t.has("footer"):
        text = t.text("footer", v)
        p.text(PAGE_W / 2, y, text, p.fit(text, PAGE_W - 30 * mm, SIZE_5, 7), align="center")


def _cut_line(p: Pen, y: float, label: str) -> None:
    """A dashed line across the page with its label in a gap in the middle."""
    c = p.canvas
    c.saveState()
    c.setStrokeColorRGB(*GUIDE)
    c.setLineWidth(0.6)
    c.setDash(4, 3)
    label = f"✂ {label}" if not p.fonts.missing("✂") else label
    width = p.width(label, 9) + 6 * mm
    left, right = 10 * mm, PAGE_W - 10 * mm
    c.line(left, y, PAGE_W / 2 - width / 2, y)
    c.line(PAGE_W / 2 + width / 2, y, right, y)
    c.restoreState()
    c.setFillColorRGB(*GUIDE)
    p.text(PAGE_W / 2, y - 3, label, 9, align="center")
    c.setFillGray(0)


def _seam_serial(p: Pen, serial: str, y: float) -> None:
    """The serial printed across a cut line (骑缝编号), right of its label: the blade halves
    every character, so a stub and the form cut from it match only each other."""
    if not serial:
        return
    size = p.fit(serial, 62 * mm, 11, 8)
    width = p.width(serial, size)
    right = PAGE_W - 14 * mm
    c = p.canvas
    c.saveState()
    c.setFillGray(1)                    # the dashes stop under the digits, which stay legible
    c.rect(right - width - 1.5 * mm, y - size * 0.6, width + 3 * mm, size * 1.2, stroke=0,
           fill=1)
    c.restoreState()
    p.text(right, y - size * 0.36, serial, size, align="right")   # digits centred on the line


# The text forms (告知书, 承诺书, 解除通知书) are official documents (GB/T 9704-2012): 三号
# body on the 28 × 22 grid (broken on a 15.75 pt pitch, drawn at 16 pt, justified, 28.9 pt
# leading), 二号 titles, in the type area of an A4 page.
FORM_SIZE, FORM_LEADING, FORM_PITCH = BODY_SIZE, BODY_LEADING, BODY_PITCH
FORM_BOTTOM = TYPE_BOTTOM
TITLE_LEADING = 2 * BODY_LEADING            # the title, and a blank grid line under it


def _titled_flow(p: Pen, t: Template, sheet: CaseSheet, form: str, v: dict[str, str],
                 bottom: float = FORM_BOTTOM) -> Flow:
    """A text form's flow: the serial at the top of every page, then the title."""
    flow = Flow(p, lambda: _serial_mark(p, sheet, form, TYPE_TOP + 8 * mm), bottom=bottom)
    _serial_mark(p, sheet, form, TYPE_TOP + 8 * mm)
    flow.line(t.text("title", v), SIZE_2, TITLE_LEADING, x=CENTRE, align="center",
              role="title")
    return flow


RECEIPT_SIZE, RECEIPT_LEADING = SIZE_SMALL_4, 20      # the tear-off receipt: a slip, 小四
RECEIPT_BOTTOM = 14 * mm


def draw_notice(p: Pen, t: Template, sheet: CaseSheet, v: dict[str, str]) -> None:
    """The notice (GB/T 9704 body) with its tear-off receipt at the foot of its last page.
    Every page of the notice keeps the receipt's strip free: the receipt always fits under
    the notice's end (it is never a page of its own), and a notice of two pages printed on
    both sides of one sheet loses nothing of its text when the receipt is cut off."""
    receipt_size, receipt_leading = RECEIPT_SIZE, RECEIPT_LEADING
    receipt_lines = cached_lines(p, "\u3000\u3000" + t.text("receipt", v), TYPE_W,
                                 receipt_size)
    # The signature lines: the person's, and the 送达人's (who handed it over), each dated.
    sign_lines = t.texts("receipt_sign", v)
    height = (14 * mm + 9 * mm + len(receipt_lines) * receipt_leading + 12 * mm
              + (len(sign_lines) - 1) * receipt_leading * 1.3)
    top = RECEIPT_BOTTOM + height              # the cutting line
    size, leading = FORM_SIZE, FORM_LEADING
    flow = _titled_flow(p, t, sheet, "notice", v, bottom=max(FORM_BOTTOM, top + 6 * mm))
    flow.line(t.text("salutation", v), size, leading)
    flow.para(t.text("intro", v), size, leading, pitch=FORM_PITCH)
    door = {"seal": "door_seal", "sensor": "door_sensor"}.get(sheet.door_measure, "door_none")
    rules = [*t.texts("rules", v), *([t.text(door, v)] if t.text(door, v) else [])]
    flow.block([*rules, t.text("consequences", v)], size, leading, pitch=FORM_PITCH)
    contacts = t.texts("contacts", v)
    # The contacts go with the issuer and the date: a seal never stands alone on a page.
    flow.need(len(contacts) * leading + 4 * mm + 2 * size * 1.7)
    for contact in contacts:
        flow.line(contact, size, leading, x=MARGIN_LEFT + 2 * size)
    _signer(flow, t.text("signer", v), v["date"], size)

    _cut_line(p, top, t.text("cut", v))
    y = top - 11 * mm
    p.text(CENTRE, y, t.text("receipt_title", v), SIZE_3, role="title", align="center")
    _serial_mark(p, sheet, "notice", top - 5 * mm, size=9)
    y -= 9 * mm
    for k, line in enumerate(receipt_lines):
        p.justified(MARGIN_LEFT, y, line, TYPE_W, receipt_size,
                    last=k == len(receipt_lines) - 1)
        y -= receipt_leading
    y -= 5 * mm
    for line in sign_lines:
        p.text(MARGIN_LEFT + 2 * receipt_size, y, line, receipt_size)
        y -= receipt_leading * 1.3
    p.canvas.showPage()


def draw_pledge(p: Pen, t: Template, sheet: CaseSheet, v: dict[str, str]) -> None:
    size, leading = FORM_SIZE, FORM_LEADING
    flow = _titled_flow(p, t, sheet, "pledge", v)
    # Who they are: a two-column table, label | value.
    c = p.canvas
    label_w = 30 * mm
    rows = [row.split("|", 1) if "|" in row else [row, ""] for row in t.texts("table", v)]
    pad = 2 * mm
    top = flow.y
    y = top
    c.setLineWidth(0.8)
    for label, value in rows:
        lines = cached_lines(p, value, TYPE_W - label_w - 2 * pad, size)
        h = max(1, len(lines)) * size * 1.45 + 2 * pad
        p.text(MARGIN_LEFT + label_w / 2, y - pad - size, label, size, align="center")
        for k, line in enumerate(lines):
            p.text(MARGIN_LEFT + label_w + pad, y - pad - size - k * size * 1.45, line, size)
        y -= h
        c.setLineWidth(0.5)
        c.line(MARGIN_LEFT, y, RIGHT, y)
    c.setLineWidth(0.8)
    c.rect(MARGIN_LEFT, y, TYPE_W, top - y, stroke=1, fill=0)
    c.setLineWidth(0.5)
    c.line(MARGIN_LEFT + label_w, top, MARGIN_LEFT + label_w, y)
    flow.y = y - 6 * mm
    flow.para(t.text("intro", v), size, leading, pitch=FORM_PITCH)
    flow.block([*t.texts("promises", v), t.text("closing", v)], size, leading,
               pitch=FORM_PITCH)
    flow.gap(5 * mm)
    for line in t.texts("sign", v):
        flow.line(line, size, leading * 1.5, x=MARGIN_LEFT + 2 * size)
    _footer(p, t, v)
    p.canvas.showPage()


CARD_HEADER_H = 11 * mm
CARD_WIDTHS = (15 * mm, 22 * mm, 25 * mm, 25 * mm, 31 * mm, 15 * mm, 23 * mm)


def draw_card(p: Pen, t: Template, sheet: CaseSheet, v: dict[str, str]) -> None:
    """Name, address, period, and a grid of the case's days to fill by hand."""
    c = p.canvas
    days = max(1, int(v["days"]))
    columns = t.texts("columns", v)
    widths = list(CARD_WIDTHS[:len(columns)])
    if len(widths) < len(columns):          # an office added a column: share the width
        widths = [TYPE_W / len(columns)] * len(columns)
    scale = TYPE_W / sum(widths)
    widths = [w * scale for w in widths]
    top_margin = 20 * mm                     # a card on a door: more of the page for the grid
    page_top = PAGE_H - top_margin
    day_number = 0
    while day_number < days:
        _serial_mark(p, sheet, "card", page_top + 6 * mm)
        y = page_top - SIZE_2
        title = t.text("title", v) + ("（续）" if day_number else "")
        p.text(CENTRE, y, title, SIZE_2, role="title", align="center")
        y -= 12 * mm
        for line in t.texts("header", v):
            for part in cached_lines(p, line, TYPE_W, SIZE_SMALL_4):
                p.text(MARGIN_LEFT, y, part, SIZE_SMALL_4)
                y -= 7 * mm
        y -= 2 * mm
        note_lines = cached_lines(p, t.text("note", v), TYPE_W, SIZE_5)
        bottom = 15 * mm + len(note_lines) * 5.5 * mm + 4 * mm
        room = y - CARD_HEADER_H - bottom
        row_h = min(18 * mm, max(7.5 * mm, room / max(1, days - day_number)))
        rows = min(days - day_number, int(room / row_h + 1e-6))
        first = day_number
        table_top = y

        def grid(rows: int = rows, row_h: float = row_h, first: int = first,
                 note_lines: list[str] = note_lines) -> None:
            # Drawn with the table's top at the page top; placed lower by reuse().
            y = PAGE_H
            c.setFillGray(0.9)
            c.rect(MARGIN_LEFT, y - CARD_HEADER_H, TYPE_W, CARD_HEADER_H, stroke=0, fill=1)
            c.setFillGray(0)
            x = MARGIN_LEFT
            for title_text, w in zip(columns, widths, strict=True):
                # A long title takes two lines (上午体温 / （℃）) before it is set smaller.
                parts = cached_lines(p, title_text, w - 1.5 * mm, SIZE_5)
                hsize = SIZE_5
                if len(parts) > 2:
                    parts = [title_text]
                    hsize = p.fit(title_text, w - 1.5 * mm, SIZE_5, 7)
                first_base = y - CARD_HEADER_H / 2 - hsize * 0.35 + (len(parts) - 1) * 2.2 * mm
                for k, part in enumerate(parts):
                    p.text(x + w / 2, first_base - k * 4.4 * mm, part, hsize, align="center",
                           bold=True)
                x += w
            y -= CARD_HEADER_H
            c.setLineWidth(0.4)
            for k in range(rows):
                label = t.text("day", {**v, "n": str(first + k + 1)})
                p.text(MARGIN_LEFT + widths[0] / 2, y - row_h / 2 - SIZE_5 * 0.35, label,
                       SIZE_5, align="center")
                y -= row_h
                c.line(MARGIN_LEFT, y, RIGHT, y)
            c.setLineWidth(0.9)
            c.rect(MARGIN_LEFT, y, TYPE_W, PAGE_H - y, stroke=1, fill=0)
            c.setLineWidth(0.4)
            c.line(MARGIN_LEFT, PAGE_H - CARD_HEADER_H, RIGHT, PAGE_H - CARD_HEADER_H)
            x = MARGIN_LEFT
            for w in widths[:-1]:
                x += w
                c.line(x, PAGE_H, x, y)
            y -= 7 * mm
            for line in note_lines:
                p.text(MARGIN_LEFT, y, line, SIZE_5)
                y -= 5.5 * mm

        reuse(p, ("card", tuple(columns), tuple(widths), rows, round(row_h, 2), first,
                  t.text("day", {**v, "n": "1"}), tuple(note_lines)), grid, table_top - PAGE_H)
        # The dates, the only part of the grid that differs from case to case.
        y = table_top - CARD_HEADER_H
        date_x = MARGIN_LEFT + widths[0] + widths[1] / 2
        for _ in range(rows):
            day_number += 1
            day = sheet.start + timedelta(days=day_number - 1) if sheet.start else None
            if day:
                p.text(date_x, y - row_h / 2 - SIZE_5 * 0.35, f"{day.month}月{day.day}日",
                       SIZE_5, align="center")
            y -= row_h
        # The issuing body and the date on one line at the foot, the date four characters
        # in from the right, where the seal goes.
        issuer = t.text("signer", v)
        _, date_x = seal_centres(p, issuer, v["date"], SIZE_5, RIGHT)
        date_left = date_x - p.width(v["date"], SIZE_5) / 2
        p.text(date_left - SIZE_5, 12 * mm, issuer, SIZE_5, align="right")
        p.text(date_left, 12 * mm, v["date"], SIZE_5)
        c.showPage()


SEAL_W, SEAL_H = 182 * mm, 62 * mm
SEALS_PER_PAGE = 4
SEAL_LEFT = (PAGE_W - SEAL_W) / 2
SEAL_TOP = PAGE_H - (PAGE_H - SEALS_PER_PAGE * SEAL_H - (SEALS_PER_PAGE - 1) * 6 * mm) / 2


def _seal_guides(p: Pen, tops: Sequence[float]) -> None:
    c = p.canvas
    c.saveState()
    c.setStrokeColorRGB(*GUIDE)
    c.setLineWidth(0.4)
    c.setDash(3, 2)
    left, right = SEAL_LEFT, SEAL_LEFT + SEAL_W
    for top in tops:
        c.rect(left, top - SEAL_H, SEAL_W, SEAL_H, stroke=1, fill=0)
    c.setDash()
    for top in tops:                     # crop marks where the blade goes
        for y in (top, top - SEAL_H):
            c.line(left - 8 * mm, y, left - 2 * mm, y)
            c.line(right + 2 * mm, y, right + 8 * mm, y)
    c.restoreState()


def draw_seal(p: Pen, t: Template, sheet: CaseSheet, v: dict[str, str]) -> None:
    """Four strips for the door (two crossed on the door, two spare), with cutting guides."""
    c = p.canvas
    tops = [SEAL_TOP - i * (SEAL_H + 6 * mm) for i in range(SEALS_PER_PAGE)]
    heading = t.text("heading", v)
    spaced = " ".join(heading) if len(heading) <= 4 else heading
    lines = t.texts("lines", v)
    warning = t.text("warning", v)
    stamp = t.text("stamp", v)
    # Each strip its own serial: the form's, with -1 … -4.
    mark = reprint_mark(sheet, "seal")
    serials = [f"编号：{sheet.serials.get('seal', '')}-{k}" + (f"　{mark}" if mark else "")
               for k in range(1, SEALS_PER_PAGE + 1)]
    stamp_r = 17 * mm
    text_w = SEAL_W - 2 * stamp_r - 18 * mm
    centre = SEAL_LEFT + 6 * mm + text_w / 2
    heading_size = p.fit(spaced, text_w, 40, 22, role="title")
    line_y = [(top, top - 8 * mm - heading_size - 10 * mm) for top in tops]

    def frame() -> None:
        """What every strip of every case shares: guides, borders, heading, stamp area."""
        _seal_guides(p, tops)
        inner = 3 * mm
        for top, y in line_y:
            c.setStrokeColorRGB(0.75, 0, 0)
            c.setLineWidth(1.6)
            c.rect(SEAL_LEFT + inner, top - SEAL_H + inner, SEAL_W - 2 * inner,
                   SEAL_H - 2 * inner, stroke=1, fill=0)
            c.setLineWidth(0.5)
            c.rect(SEAL_LEFT + inner + 1.2 * mm, top - SEAL_H + inner + 1.2 * mm,
                   SEAL_W - 2 * inner - 2.4 * mm, SEAL_H - 2 * inner - 2.4 * mm, stroke=1,
                   fill=0)
            c.setFillColorRGB(0.75, 0, 0)       # the heading in seal red, stroked red too
            p.text(centre, top - 8 * mm - heading_size, spaced, heading_size, role="title",
                   align="center")
            c.setStrokeGray(0)
            c.setFillGray(0)
            size = p.fit(warning, text_w, SIZE_5, 8)
            p.text(centre, y - len(lines) * 7 * mm, warning, size, align="center")
            cx, cy = SEAL_LEFT + SEAL_W - 8 * mm - stamp_r, top - SEAL_H / 2 + 1 * mm
            c.saveState()
            c.setStrokeColorRGB(*GUIDE)
            c.setDash(2, 2)
            c.setLineWidth(0.6)
            c.circle(cx, cy, stamp_r, stroke=1, fill=0)
            c.restoreState()
            c.setFillColorRGB(*GUIDE)
            p.text(cx, cy - 3, stamp, SIZE_5, align="center")
            c.setFillGray(0)

    reuse(p, ("seal", spaced, heading_size, warning, stamp, len(lines)), frame)
    for (top, y), serial in zip(line_y, serials, strict=True):
        for line in lines:
            size = p.fit(line, text_w, SIZE_4, 9)
            p.text(centre, y, line, size, align="center")
            y -= 7 * mm
        p.text(SEAL_LEFT + SEAL_W - 6 * mm, top - SEAL_H + 5.5 * mm, serial, 7, align="right")
    c.showPage()


def draw_board(p: Pen, t: Template, sheet: CaseSheet, v: dict[str, str]) -> None:
    """The notice at the building entrance: door and period, contacts; no one's name."""
    c = p.canvas
    _serial_mark(p, sheet, "board", TYPE_TOP + 8 * mm)
    flow = Flow(p, lambda: _serial_mark(p, sheet, "board", TYPE_TOP + 8 * mm))
    title = t.text("title", v)
    size = p.fit(title, TYPE_W, 40, SIZE_2, role="title")
    flow.gap(6 * mm)
    flow.line(title, size, size + 16 * mm, x=CENTRE, align="center", role="title")
    c.setLineWidth(1.2)
    c.line(MARGIN_LEFT, flow.y + 10 * mm, RIGHT, flow.y + 10 * mm)
    body_size, leading = 18, 34
    flow.para(t.text("body", v), body_size, leading)
    flow.para(t.text("thanks", v), body_size, leading)
    flow.gap(10 * mm)
    for contact in t.texts("contacts", v):
        flow.line(contact, SIZE_3, 30, x=MARGIN_LEFT + 2 * SIZE_3)
    _signer(flow, t.text("signer", v), v["date"], SIZE_3)
    privacy = t.text("privacy", v)
    p.text(CENTRE, TYPE_BOTTOM, privacy, SIZE_5, align="center")
    c.showPage()


def qr_payload(sheet: CaseSheet) -> str:
    """What the release form's QR code says: the text app.isolation.verify.sign_release signed
    with the office's key (a form is never printed with a code nobody could check)."""
    if not sheet.qr:
        raise ValueError(f"release form of case {sheet.case_id} has no signed QR text")
    return sheet.qr


def _qr(p: Pen, payload: str, x: float, y: float, size: float) -> None:
    widget = QrCodeWidget(payload, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    # The renderer sets its default font (Helvetica, not embedded) unless told another.
    drawing.initialFontName = p.fonts.body.name
    drawing.add(widget)
    renderPDF.draw(drawing, p.canvas, x, y)


def draw_release(p: Pen, t: Template, sheet: CaseSheet, v: dict[str, str]) -> None:
    """The office's stub on top, a cutting line, and the person's release notice below."""
    c = p.canvas
    # The stub (存根): kept by the office.
    top = PAGE_H - 14 * mm
    _serial_mark(p, sheet, "release", top)
    y = top - 10 * mm
    p.text(CENTRE, y, t.text("stub_title", v), SIZE_3, role="title", align="center")
    y -= 9 * mm
    for line in t.texts("stub", v):
        for part in cached_lines(p, line, TYPE_W, SIZE_SMALL_4):
            p.text(MARGIN_LEFT, y, part, SIZE_SMALL_4)
            y -= 6.5 * mm
    y -= 2 * mm
    p.text(MARGIN_LEFT, y, t.text("stub_sign", v), SIZE_5)
    cut = y - 8 * mm
    _cut_line(p, cut, t.text("cut", v))
    mark = reprint_mark(sheet, "release")                   # a reprint's seam says so too
    _seam_serial(p, sheet.serials.get("release", "") + (f"　{mark}" if mark else ""), cut)
    # The notice.
    qr_size = 26 * mm
    flow = Flow(p, lambda: _serial_mark(p, sheet, "release", TYPE_TOP + 8 * mm),
                top=cut - 10 * mm, bottom=22 * mm)
    _serial_mark(p, sheet, "release", cut - 8 * mm)
    flow.gap(4 * mm)
    flow.line(t.text("title", v), SIZE_2, 14 * mm, x=CENTRE, align="center", role="title")
    size, leading, pitch = FORM_SIZE, FORM_LEADING, FORM_PITCH
    flow.line(t.text("salutation", v), size, leading)
    released = sheet.released_on
    early = bool(released and sheet.end and released <= sheet.end)
    body = t.text("body_early", v) if early else t.text("body", v)
    flow.para(body, size, leading, pitch=pitch)
    if v.get("tests") and v["tests"] != "无记录":
        flow.para(t.text("tests", v), size, leading, pitch=pitch)
    door = {"seal": "door_seal", "sensor": "door_sensor"}.get(sheet.door_measure, "door_none")
    if t.text(door, v):
        flow.para(t.text(door, v), size, leading, pitch=pitch)
    flow.para(t.text("advice", v), size, leading, pitch=pitch)
    flow.gap(3 * mm)
    trio_top = flow.y
    for line in t.texts("trio", v):
        flow.line(line, SIZE_SMALL_4, 22, x=MARGIN_LEFT + 2 * size)
    flow.y = min(flow.y, trio_top - qr_size - 4 * mm) if flow.y > flow.bottom + qr_size else flow.y
    # QR code at the left of the signature, the issuing body and date on the right.
    flow.need(qr_size + 8 * mm)
    qr_y = flow.y - qr_size
    _qr(p, qr_payload(sheet), MARGIN_LEFT, qr_y, qr_size)
    p.text(MARGIN_LEFT + qr_size / 2, qr_y - 4 * mm, "扫码核验真伪", 8, align="center")
    # Issued on the release day: a reprint weeks later (marked 补打) keeps that date; the
    # date four characters in from the right, where the seal goes (app.documents.seal).
    issued_on = v.get("release_date") or v["date"]
    issuer_x, date_x = seal_centres(p, t.text("signer", v), issued_on, size, RIGHT)
    p.text(issuer_x, qr_y + qr_size - 8 * mm, t.text("signer", v), size, align="center")
    p.text(date_x, qr_y + qr_size - 18 * mm, issued_on, size, align="center")
    c.showPage()


DRAW = {"notice": draw_notice, "pledge": draw_pledge, "card": draw_card, "seal": draw_seal,
        "board": draw_board, "release": draw_release}


def check_sheets(sheets: Sequence[CaseSheet], forms: Sequence[str]
                 ) -> tuple[dict[str, Template], list[list[tuple[str, dict[str, str]]]]]:
    """The templates, and every sheet's values per form it has (forms_of: no seal strips for an
    unsealed door), in the wording of its kind; raises TemplateError or FormError before
    anything is drawn."""
    templates = {form: load_form_template(form) for form in forms}
    values = [[(form, sheet.values(form, templates[form].variant(sheet.kind)))
               for form in forms_of(sheet, forms)]
              for sheet in sheets]
    return templates, values


def render_forms(sheets: Sequence[CaseSheet], forms: Sequence[str],
                 fonts: FontSet | None = None,
                 progress: Callable[[int, int], None] | None = None,
                 cancelled: Callable[[], bool] | None = None,
                 title: str = "居家隔离文书") -> bytes | None:
    """One PDF: each case's forms in `forms` order, case after case (a stack per person).
    Returns None when cancelled."""
    templates, values = check_sheets(sheets, forms)
    fonts = fonts or document_fonts()
    c, buffer = new_canvas(title, "居家隔离", fonts)
    p = BatchPen(c, fonts)
    total = len(sheets)
    for i, (sheet, per_form) in enumerate(zip(sheets, values, strict=True)):
        if cancelled and cancelled():
            return None
        for form, v in per_form:
            DRAW[form](p, templates[form].variant(sheet.kind), sheet, v)
        if progress and (i % 10 == 9 or i + 1 == total):
            progress(i + 1, total)
    if not sheets:
        c.showPage()
    c.save()
    return buffer.getvalue()
