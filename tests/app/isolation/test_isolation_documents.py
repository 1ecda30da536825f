"""Printed isolation forms read back from their PDFs: the person's fields, dates and serial on
each, no name on the building notice, Chinese line breaking on every line, serials, reprints,
templates an office edits, missing data, the print log and `griddesk print notices/release`."""

from __future__ import annotations

import re
import shutil
from datetime import date, datetime
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from app.cli import main
from app.database import community_info, database_file
from app.documents import fonts as doc_fonts
from app.documents.page import DocumentSaveError, save_pdf
from app.documents.templates import TemplateError
from app.documents.typography import NO_LINE_END, NO_LINE_START
from app.errors import FormError
from app.isolation import printing as ip
from app.isolation import verify
from app.isolation.forms import NOTICE_SET
from db import registry as rq
from db.node import transaction

START, END = date(2026, 11, 20), date(2026, 11, 26)


@pytest.fixture
def office(community, tmp_path, monkeypatch):
    # Only the bundled font: the same PDF on every machine.
    monkeypatch.setenv(doc_fonts.FONT_DIRS_ENV, str(tmp_path / "no-fonts"))
    db = community
    with transaction(db):
        db.ids["worker"] = rq.insert(db, "staff", {"name": "王网格", "role": "grid_worker",
                                                   "org_unit_id": db.ids["grid1"],
                                                   "phone": "13700001111"})
        db.ids["police"] = rq.insert(db, "staff", {"name": "赵警官", "role": "police",
                                                   "phone": "13700002222"})
        db.ids["doctor"] = rq.insert(db, "staff", {"name": "钱医生", "role": "doctor",
                                                   "phone": "13700003333"})
    return db


def add_case(db, who="张三", kind="home_isolation", **values):
    resident = rq.get(db, "residents", db.ids[who])
    row = {"resident_id": resident["id"], "household_id": resident["household_id"],
           "kind": kind, "reason": "密切接触者", "origin": "上海市",
           "started_on": START.isoformat(), "planned_end": END.isoformat(),
           "status": "active", "grid_worker_id": db.ids["worker"],
           "police_id": db.ids["police"], "doctor_id": db.ids["doctor"],
           "door_measure": "seal", "created_on": START.isoformat()}
    row.update(values)
    with transaction(db):
        return rq.insert(db, "isolation_cases", row)


def released_case(db, who="张三", **values):
    case_id = add_case(db, who, status="released", released_on="2026-11-27",
                       release_basis="tests symptoms period", **values)
    with transaction(db):
        for day, result in (("2026-11-20", "negative"), ("2026-11-23", "negative"),
                            ("2026-11-26", "negative")):
            rq.insert(db, "case_tests", {"case_id": case_id, "test_on": day, "result": result})
    return case_id


# The pages of each form of a notice set: [start, end).
FORM_PAGES = ((0, 2), (2, 4), (4, 5), (5, 6), (6, 7))


def pages_text(data: bytes) -> list[str]:
    pdf = pdfium.PdfDocument(data)
    try:
        return [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
    finally:
        pdf.close()


def lines_of(page: str) -> list[str]:
    return [line.strip() for line in page.replace("\r", "").split("\n") if line.strip()]


def flat(page: str) -> str:
    """A page's text without line breaks (a field may wrap across two lines) and without the
    blank between spaced-out characters (回　执, which pdfium reads as U+3000 or a space)."""
    return "".join(lines_of(page)).replace("回　执", "回执").replace("回 执", "回执")


def assert_line_breaking(pages: list[str]) -> None:
    for page in pages:
        for line in lines_of(page):
            assert line[0] not in NO_LINE_START, line
            assert line[-1] not in NO_LINE_END, line


# --- the notice set ---------------------------------------------------------------------------

def test_the_notice_set_carries_the_persons_fields_dates_and_serials(office):
    case_id = add_case(office)
    data, issued = ip.notice_set_pdf(office, [case_id], today=date(2026, 11, 20))
    assert b"/FontFile2" in data                    # the TrueType font travels in the file
    pages = pages_text(data)
    # One A4 per form; the 告知书 and 承诺书, in 三号 (GB/T 9704), take two pages each: one
    # sheet printed on both sides.
    assert len(pages) == 7
    serials = {i.form: i.serial for i in issued}
    assert set(serials) == set(NOTICE_SET)
    code = community_info(office).code
    for form, serial in serials.items():
        assert re.fullmatch(rf"{code}-2026-[A-Z]{{2}}-\d{{5}}", serial), (form, serial)
    notice, pledge, card, seal, board = (flat("".join(pages[a:b])) for a, b in FORM_PAGES)
    for text in ("居家隔离告知书", "张三", "锦绣花园", "3号楼2单元501", "密切接触者",
                 "2026年11月20日", "2026年11月26日", "共7天", "王网格", "13700001111",
                 "钱医生", "13700003333", "长江路社区居民委员会", "回执", "封条",
                 serials["notice"]):
        assert text in notice, text
    assert notice.count(serials["notice"]) >= 3      # top, receipt title, receipt text
    for text in ("居家隔离承诺书", "张三", "男", "41010219800101131", "13912345678",
                 "锦绣花园 3号楼2单元501", "李四", serials["pledge"]):
        assert text in pledge, text
    for text in ("居家隔离观察卡", "张三", "第1天", "第7天", "11月20日", "11月26日",
                 "上午体温", "下午体温", "检查人签字", serials["card"]):
        assert text in card, text
    assert "第8天" not in card
    assert seal.count("居 家 隔 离") == 4 and seal.count(serials["seal"]) == 4
    assert "2026年11月20日" in seal and "2026年11月26日" in seal
    for text in ("居家隔离公示", "锦绣花园3号楼2单元501室", "2026年11月20日", "2026年11月26日",
                 "王网格", "13700001111", serials["board"]):
        assert text in board, text


def test_the_building_notice_names_no_one(office):
    case_id = add_case(office)
    board = pages_text(ip.notice_set_pdf(office, [case_id], ("board",))[0])[0]
    resident = rq.get(office, "residents", office.ids["张三"])
    assert "张三" not in board and "李四" not in board
    assert resident["id_number"] not in board
    assert resident["id_number"][-4:] not in board and "13912345678" not in board


def test_home_monitoring_titles_say_so(office):
    case_id = add_case(office, kind="home_monitoring")
    text = "".join(pages_text(ip.notice_set_pdf(office, [case_id])[0]))
    for title in ("居家健康监测告知书", "居家健康监测承诺书", "居家健康监测观察卡",
                  "居家健康监测公示"):
        assert title in text
    assert "居家隔离告知书" not in text


def test_every_line_of_every_form_keeps_the_line_breaking_rules(office):
    cases = [add_case(office, "张三"), add_case(office, "单田芳", kind="home_monitoring",
                                                door_measure="sensor")]
    data, _ = ip.notice_set_pdf(office, cases)
    pages = pages_text(data)
    assert sum("请勿撕毁" in page for page in pages) == 1     # no strips for the door sensor
    assert_line_breaking(pages)
    release = released_case(office, "曾志伟")
    assert_line_breaking(pages_text(ip.release_pdf(office, release)[0]))


def test_a_batch_is_one_pdf_case_after_case_and_reports_progress(office):
    cases = [add_case(office, who) for who in ("张三", "单田芳", "曾志伟")]
    seen = []
    data, issued = ip.notice_set_pdf(office, cases, progress=lambda d, t: seen.append((d, t)))
    pages = pages_text(data)
    assert len(pages) == 21 and len(issued) == 15
    assert "张三" in pages[0] and "单田芳" in pages[7] and "曾志伟" in pages[14]
    assert seen[-1] == (3, 3)
    assert ip.notice_set_pdf(office, cases, cancelled=lambda: True) is None


# --- serial numbers and reprints --------------------------------------------------------------

def test_serials_are_unique_kept_per_case_and_form_and_a_reprint_says_so(office):
    a, b = add_case(office, "张三"), add_case(office, "单田芳")
    first, issued = ip.notice_set_pdf(office, [a, b])
    serials = [i.serial for i in issued]
    assert len(set(serials)) == len(serials) == 10
    assert "补打" not in "".join(pages_text(first))
    ip.record_print(office, issued, copies=2, target="HP LaserJet", by="刘书记", pdf=first)
    again, issued_again = ip.notice_set_pdf(office, [a])
    assert [i.serial for i in issued_again] == serials[:5]         # the same serials
    text = pages_text(again)
    assert all("补打（第2次）" in page for page in text)
    ip.record_print(office, issued_again, copies=1, target="/tmp/x.pdf", by="刘书记")
    log = ip.print_log(office, a)
    assert len(log) == 10
    assert {e.form_label for e in log} == {"告知书", "承诺书", "观察卡", "封条", "楼口公示"}
    assert sorted(e.reprint for e in log) == [False] * 5 + [True] * 5
    assert {(e.copies, e.target, e.printed_by) for e in log} == {
        (2, "HP LaserJet", "刘书记"), (1, "/tmp/x.pdf", "刘书记")}
    # A new case continues the sequence; the first print's hash is kept.
    c = add_case(office, "曾志伟")
    _, issued_c = ip.notice_set_pdf(office, [c], ("notice",))
    assert issued_c[0].serial.endswith("-GZ-00003")
    hashes = office.conn.execute(
        "SELECT count(*) FROM case_forms WHERE case_id = ? AND sha256 IS NOT NULL", (a,))
    assert hashes.fetchone()[0] == 5


def test_serials_of_two_offices_never_meet(office, tmp_path):
    from app.database import create_community, open_community_db

    other = open_community_db(tmp_path / "other.sqlite", create=True)
    create_community(other, "阳光花苑社区", "410102005002", "林山寨街道", "中原区")
    a = add_case(office)
    _, mine = ip.notice_set_pdf(office, [a], ("notice",))
    assert mine[0].serial.startswith("410102007003-")
    assert not mine[0].serial.startswith("410102005002-")
    other.conn.close()


def test_new_today_is_every_open_case_with_a_form_never_printed(office):
    a, b = add_case(office, "张三"), add_case(office, "单田芳")
    add_case(office, "曾志伟", status="cancelled")
    assert ip.cases_new_today(office) == [a, b]
    _data, issued = ip.notice_set_pdf(office, [a])
    ip.record_print(office, issued, 1, "打印机", by="x")
    assert ip.cases_new_today(office) == [b]
    _, issued = ip.notice_set_pdf(office, [b], ("notice",))
    ip.record_print(office, issued, 1, "打印机", by="x")
    assert ip.cases_new_today(office) == [b]          # four of its forms still unprinted


# --- the release form -------------------------------------------------------------------------

def test_the_release_form_has_stub_masked_id_tests_trio_and_qr(office):
    case_id = released_case(office)
    data, issued = ip.release_pdf(office, case_id, today=date(2026, 11, 27))
    (serial,) = [i.serial for i in issued]
    assert "-JC-" in serial
    (page,) = pages_text(data)
    text = flat(page)
    resident = rq.get(office, "residents", office.ids["张三"])
    masked = resident["id_number"][:6] + "********" + resident["id_number"][-4:]
    for expected in ("解除居家隔离通知书（存根）", "解除居家隔离通知书", "张三", masked,
                     "锦绣花园 3号楼2单元501", "2026年11月20日", "2026年11月26日",
                     "2026年11月27日", "共7天", "11月20日阴性", "11月26日阴性",
                     "核酸检测结果均为阴性", "无发热等症状", "居家隔离期满", "揭除门口封条",
                     "王网格", "赵警官", "钱医生", "长江路社区居民委员会"):
        assert expected in text, expected
    assert resident["id_number"] not in text
    assert text.count(serial) >= 2                   # the stub and the notice
    sheet = ip.load_sheets(office, [case_id])[0]
    sheet.serials["release"] = serial
    payload = verify.sign_release(office, sheet)          # what the QR code says, signed
    claim = verify.decode(payload)
    assert claim.serial("410102007003") == serial and claim.released_on == date(2026, 11, 27)
    assert (claim.name, claim.id_masked) == ("张三", masked)
    assert payload.isascii() and resident["id_number"] not in payload


def test_the_release_forms_qr_code_reads_back_from_the_printed_page(office):
    zxingcpp = pytest.importorskip("zxingcpp")
    case_id = released_case(office)
    data, issued = ip.release_pdf(office, case_id)
    document = pdfium.PdfDocument(data)
    bitmap = document[0].render(scale=200 / 72, grayscale=True)
    try:
        (code,) = zxingcpp.read_barcodes(bitmap.to_numpy())
    finally:
        bitmap.close()
        document.close()
    assert code.text.startswith("GD1:")                   # signed: app.isolation.verify
    assert verify.check(office, code.text).serial == issued[0].serial


def test_a_release_form_reprinted_later_is_still_dated_the_release_day(office):
    case_id = released_case(office)                      # released on 27 November
    first, issued = ip.release_pdf(office, case_id, today=date(2026, 11, 27))
    ip.record_print(office, issued, 1, "PDF", pdf=first)
    data, issued = ip.release_pdf(office, case_id, today=date(2026, 12, 15))
    text = flat(pages_text(data)[0])
    assert issued[0].earlier_prints == 1 and "补打" in text
    assert "2026年11月27日" in text and "2026年12月15日" not in text


def test_release_of_an_open_case_is_refused(office):
    case_id = add_case(office)
    with pytest.raises(FormError) as err:
        ip.release_pdf(office, case_id)
    assert "还没有解除" in err.value.message
    assert office["case_forms"].count == 0


# --- templates and missing data ---------------------------------------------------------------

def office_template(tmp_path, form: str, text: str):
    folder = tmp_path / "data" / "templates" / "isolation"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{form}.toml").write_text(text, encoding="utf-8")
    return folder / f"{form}.toml"


def bundled(form: str) -> str:
    from app.resources import resource_path

    return resource_path(f"templates/isolation/{form}.toml").read_text(encoding="utf-8")


def test_an_office_copy_of_a_template_wins(office, tmp_path):
    office_template(tmp_path, "board", bundled("board").replace(
        "感谢您的理解与配合！", "感谢您对社区工作的支持！"))
    case_id = add_case(office)
    text = flat(pages_text(ip.notice_set_pdf(office, [case_id], ("board",))[0])[0])
    assert "感谢您对社区工作的支持！" in text and "感谢您的理解与配合" not in text


def test_a_template_naming_an_unknown_field_is_refused_and_nothing_is_issued(office, tmp_path):
    path = office_template(tmp_path, "notice", bundled("notice").replace("{reason}",
                                                                         "{reson}"))
    case_id = add_case(office)
    with pytest.raises(TemplateError) as err:
        ip.notice_set_pdf(office, [case_id])
    assert "{reson}" in err.value.message and str(path) in err.value.message
    assert "未知字段" in err.value.message
    assert office["case_forms"].count == 0


def test_a_building_notice_template_may_not_name_the_person(office, tmp_path):
    office_template(tmp_path, "board", bundled("board").replace("{door}室住户", "{door}室{name}"))
    with pytest.raises(TemplateError) as err:
        ip.notice_set_pdf(office, [add_case(office)], ("board",))
    assert "{name}" in err.value.message and "不能印姓名" in err.value.message


def test_a_broken_template_file_is_refused_with_its_name(office, tmp_path):
    path = office_template(tmp_path, "seal", 'heading = "{kind}\n')
    with pytest.raises(TemplateError) as err:
        ip.notice_set_pdf(office, [add_case(office)], ("seal",))
    assert str(path) in err.value.message and "格式有误" in err.value.message
    office_template(tmp_path, "seal", 'heading = "{kind}"\n')
    with pytest.raises(TemplateError) as err:
        ip.notice_set_pdf(office, [add_case(office, "单田芳")], ("seal",))
    assert "缺少" in err.value.message and "lines" in err.value.message


def test_a_case_without_an_address_says_what_to_fill_in_and_issues_nothing(office):
    with transaction(office):
        newcomer = rq.insert(office, "residents", {"name": "钱多多", "sex": "F"})
    office.ids["钱多多"] = newcomer
    case_id = add_case(office, "钱多多", household_id=None)
    with pytest.raises(FormError) as err:
        ip.notice_set_pdf(office, [add_case(office), case_id])
    message = err.value.message
    assert "钱多多" in message and "隔离地址" in message and "住户" in message
    assert office["case_forms"].count == 0
    assert office["print_log"].count == 0


def test_a_case_without_a_doctor_says_so(office):
    case_id = add_case(office, doctor_id=None)
    with pytest.raises(FormError) as err:
        ip.notice_set_pdf(office, [case_id])
    assert "社区医生" in err.value.message and "“修改信息…”中指定片医" in err.value.message


# --- saving and the print log -----------------------------------------------------------------

def test_a_failed_save_logs_nothing(office, tmp_path, monkeypatch):
    case_id = add_case(office)
    data, _issued = ip.notice_set_pdf(office, [case_id])
    with pytest.raises(DocumentSaveError) as err:
        save_pdf(data, tmp_path / "missing" / "x.pdf")
    assert "无法保存" in err.value.message
    # A full disk: the write fails part way, no half file is left.
    import os

    real_fdopen = os.fdopen

    class Full:
        def __init__(self, fd):
            self.f = real_fdopen(fd, "wb")

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

        def write(self, _data):
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fdopen", lambda fd, mode: Full(fd))
    with pytest.raises(DocumentSaveError) as err:
        save_pdf(data, tmp_path / "x.pdf")
    assert "磁盘是否已满" in err.value.message
    assert list(tmp_path.glob("*.pdf")) == [] and list(tmp_path.glob(".griddesk-*")) == []
    assert ip.print_log(office, case_id) == []


# --- the command line -------------------------------------------------------------------------

def test_print_notices_and_release_commands(office, tmp_path, capsys):
    path = database_file(office)
    a, b = add_case(office, "张三"), add_case(office, "单田芳")
    out = tmp_path / "告知书.pdf"
    assert main(["print", "notices", "--db", path, "--case", a, "--case", b,
                 "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert "已生成" in said and "-GZ-00001" in said
    pages = pages_text(out.read_bytes())
    assert len(pages) == 14 and "张三" in pages[0] and "单田芳" in pages[7]
    log = ip.print_log(office, a)
    assert len(log) == 5 and all(e.target == str(out.resolve()) for e in log)
    released = released_case(office, "曾志伟")
    rel = tmp_path / "解除.pdf"
    assert main(["print", "release", "--db", path, "--case", released, "--out", str(rel)]) == 0
    assert "解除居家隔离通知书" in pages_text(rel.read_bytes())[0]


def test_print_commands_refuse_bad_input_with_a_message_and_log_nothing(office, tmp_path,
                                                                        capsys):
    path = database_file(office)
    out = tmp_path / "x.pdf"
    assert main(["print", "notices", "--db", path, "--case", "nope", "--out", str(out)]) == 1
    assert "找不到案例“nope”" in capsys.readouterr().err
    a = add_case(office)
    assert main(["print", "release", "--db", path, "--case", a, "--out", str(out)]) == 1
    assert "还没有解除" in capsys.readouterr().err
    assert main(["print", "notices", "--db", path, "--case", a, "--out",
                 str(tmp_path / "missing" / "x.pdf")]) == 1
    assert "无法保存" in capsys.readouterr().err
    assert not out.exists()
    assert office["print_log"].count == 0


def test_record_print_stamps_time_and_user(office):
    case_id = add_case(office)
    _, issued = ip.notice_set_pdf(office, [case_id], ("card",))
    ip.record_print(office, issued, 3, "打印机A", by=None, now=datetime(2026, 11, 20, 9, 30))
    (entry,) = ip.print_log(office, case_id)
    assert entry.printed_at == "2026-11-20T09:30:00" and entry.copies == 3
    assert entry.printed_by == (ip.current_user(office) or None)


def test_an_early_release_says_so_with_its_reason(office):
    case_id = add_case(office, status="released", released_on="2026-11-24",
                       release_basis="tests symptoms", status_reason="区指挥部通知提前解除")
    text = flat(pages_text(ip.release_pdf(office, case_id)[0])[0])
    assert "提前解除" in text and "区指挥部通知提前解除" in text and "共4天" in text
    assert "期满" not in text


def test_a_long_period_card_continues_and_a_long_notice_keeps_its_receipt(office):
    case_id = add_case(office, planned_end="2026-12-31",
                       reason="与确诊病例在同一密闭空间共同工作超过两小时的密切接触者" * 6)
    data, _ = ip.notice_set_pdf(office, [case_id], ("notice", "card"))
    pages = pages_text(data)
    text = "".join(flat(p) for p in pages)
    assert "回执" in text and "第42天" in text and "12月31日" in text
    assert any("居家隔离观察卡（续）" in p for p in pages)
    assert_line_breaking(pages)


def test_units_and_days_stay_with_their_numbers():
    from app.documents.typography import break_lines

    for width in range(6, 20):
        for line in break_lines("体温达到37.3℃或出现干咳，自2026年11月20日起至2026年11月26日。",
                                width, len):
            assert not line.startswith(("℃", "日", "月", "年"))


def test_the_signed_in_account_is_who_prints_and_the_police_may_not(office):
    from app import accounts

    case_id = add_case(office)
    accounts.create_first_admin(office, "admin", "刘书记", "secret12", "secret12")
    accounts.create_account(office, "wangge", "王网格", "grid_worker", "secret12",
                            [office.ids["grid1"]])
    accounts.create_account(office, "cop", "赵警官", "police", "secret12", [])
    try:
        accounts.sign_in(office, "wangge", "secret12")
        _, issued = ip.notice_set_pdf(office, [case_id], ("card",))
        ip.record_print(office, issued, 1, "打印机A")
        assert ip.print_log(office, case_id)[0].printed_by == "王网格"
        assert office.conn.execute(
            "SELECT count(*) FROM audit_log WHERE action = 'print'").fetchone()[0] == 1
        accounts.sign_in(office, "cop", "secret12")
        with pytest.raises(accounts.PermissionDenied) as err:
            ip.notice_set_pdf(office, [case_id], ("card",))
        assert "片警不能打印文书" in err.value.message
    finally:
        accounts.forget_all()


def test_every_field_a_template_may_name_has_a_value_for_a_full_case(office, tmp_path):
    from app.isolation.forms import FIELDS

    fields = [f for f in FIELDS if f not in ("n", "early_reason")]
    office_template(tmp_path, "pledge", bundled("pledge").replace(
        'closing = "', 'closing = "' + "".join(f"[{{{f}}}]" for f in fields)))
    case_id = released_case(office, arrived_on="2026-11-19")
    pages = pages_text(ip.notice_set_pdf(office, [case_id], ("pledge",))[0])
    # Without 编号 at the top of each page, and without the blanks pdfium reads into a line
    # spread wide to end at the margin.
    text = "".join(flat("\n".join(lines_of(page)[1:])) for page in pages).replace(" ", "")
    for expected in ("[长江路社区]", "[410102007003]", "[林山寨街道]", "[中原区]", "[上海市]",
                     "[王网格]", "[13700002222]", "[2026年11月27日]", "[2026年11月19日]",
                     "[居家隔离期满，核酸检测结果均为阴性，无发热等症状]"):
        assert expected in text, expected
    assert "[]" not in text


DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


@pytest.mark.skipif(not DEJAVU.exists(), reason="needs fonts-dejavu-core")
def test_characters_the_office_font_lacks_fall_back_per_character(office, tmp_path,
                                                                   monkeypatch):
    # A stand-in for an office 仿宋 that has Latin letters and digits but no Chinese: every
    # line mixes both fonts, and reads back whole.
    fonts = tmp_path / "office-fonts"
    fonts.mkdir()
    shutil.copy(DEJAVU, fonts / "simfang.ttf")
    monkeypatch.setenv(doc_fonts.FONT_DIRS_ENV, str(fonts))
    office_fonts = doc_fonts.document_fonts()
    assert office_fonts.body.source == "office"
    # The paragraph indent (U+3000), which DejaVu lacks, is not left to draw as a box.
    assert {name for name, _ in office_fonts.runs("\u3000\u3000根据")} == {
        office_fonts.fallbacks[0].name}
    case_id = add_case(office)
    data, issued = ip.notice_set_pdf(office, [case_id])
    assert data.count(b"/FontFile2") >= 2
    notice = flat("".join(pages_text(data)[:2]))
    for text in ("张三", "锦绣花园", "3号楼2单元501", "2026年11月20日", "37.3℃", issued[0].serial):
        assert text in notice, text
    assert_line_breaking(pages_text(data))
