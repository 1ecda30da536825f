"""The wording and marks of the isolation forms read back from their PDFs (issue 14, items
6–10): each reason's phrase (never a noun glued to 因), each kind's own rules, seal strips only
for a sealed door, the seal positions, no 室室, and 补打 beside every serial of a reprint."""

from __future__ import annotations

import re
import tomllib
from datetime import date

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest

from app.documents.page import MARGIN_LEFT, TYPE_W
from app.documents.templates import TemplateError
from app.errors import FormError
from app.isolation import REASONS
from app.isolation import printing as ip
from tests.app.isolation import test_isolation_documents as documents
from tests.app.isolation.test_isolation_documents import (
    add_case,
    bundled,
    office_template,
    pages_text,
    released_case,
)

office = documents.office                        # the same community, staff and font

KINDS = ("home_isolation", "home_monitoring")
# What a reason is called: none of these may follow 因 directly.
REASON_NOUNS = [r for r in REASONS if r != "其他"] + ["密接", "入境人员", "中高风险地区"]
# Rules only a home isolation has (the person stays in, the door is sealed).
ISOLATION_ONLY = ("期间不外出", "不接待来访", "封条", "故意外出", "代买代送")


def phrases(form: str) -> dict[str, str]:
    return tomllib.loads(bundled(form))["reasons"]


def bare(page: str) -> str:
    """A page's text without any spacing (justified lines may read back with spaces)."""
    return re.sub(r"\s", "", page)


def text_of(data: bytes) -> str:
    return "".join(bare(page) for page in pages_text(data))


# --- item 6: the reason's phrase --------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_every_reason_reads_as_a_phrase_on_every_form_never_glued_to_因(office, kind):
    for reason in REASONS:
        case_id = released_case(office, kind=kind, reason=reason)
        texts = {"notice": text_of(ip.notice_set_pdf(office, [case_id], ("notice",))[0]),
                 "pledge": text_of(ip.notice_set_pdf(office, [case_id], ("pledge",))[0]),
                 "release": text_of(ip.release_pdf(office, case_id)[0])}
        for form, text in texts.items():
            for noun in REASON_NOUNS:
                assert f"因{noun}" not in text, (kind, reason, form, noun)
            assert "因其他，" not in text
            subject = "本人" if form == "pledge" else "您"
            assert f"{subject}{phrases(form)[reason]}，" in text, (kind, reason, form)
    # The bundled phrases read as they should.
    case_id = add_case(office, kind=kind, reason="入境人员")
    text = text_of(ip.notice_set_pdf(office, [case_id], ("notice", "pledge"))[0])
    assert "您自境外入境，按规定需于2026年11月20日至2026年11月26日" in text
    assert "本人自境外入境，于2026年11月20日至2026年11月26日" in text


def test_a_reason_typed_by_hand_reads_系_for_a_person_and_因_for_anything_else(office):
    person = add_case(office, reason="境外返乡人员")
    other = add_case(office, "单田芳", reason="与确诊病例同乘航班")
    text = text_of(ip.notice_set_pdf(office, [person, other], ("notice", "pledge"))[0])
    assert "您系境外返乡人员，" in text and "本人系境外返乡人员，" in text
    assert "您因与确诊病例同乘航班，" in text and "本人因与确诊病例同乘航班，" in text


def test_a_template_without_a_reasons_phrase_is_refused_naming_the_file_and_reason(office,
                                                                                    tmp_path):
    path = office_template(tmp_path, "pledge", bundled("pledge").replace(
        '"入境人员" = "自境外入境"\n', ""))
    case_id = add_case(office)
    with pytest.raises(TemplateError) as err:
        ip.notice_set_pdf(office, [case_id])
    assert str(path) in err.value.message and "入境人员" in err.value.message
    assert office["case_forms"].count == 0
    # An office copy from before still saying 因{reason} is refused too, saying why.
    path = office_template(tmp_path, "pledge", bundled("pledge").replace(
        "本人{reason_phrase}", "本人因{reason}"))
    with pytest.raises(TemplateError) as err:
        ip.notice_set_pdf(office, [case_id])
    assert str(path) in err.value.message and "{reason_phrase}" in err.value.message
    assert office["case_forms"].count == 0


# --- item 7: each kind its own rules ----------------------------------------------------------

def test_home_health_monitoring_has_its_own_rules_not_the_isolations(office):
    # Registered with a door seal (the dialog's default): monitoring still seals nothing.
    monitoring = add_case(office, kind="home_monitoring", door_measure="seal")
    isolation = add_case(office, "单田芳")
    data, issued = ip.notice_set_pdf(office, [monitoring])
    text = text_of(data)
    assert "居家健康监测告知书" in text and "非必要不外出" in text
    for rule in ISOLATION_ONLY:
        assert rule not in text, rule
    assert "FT" not in {i.serial.split("-")[2] for i in issued}
    iso = text_of(ip.notice_set_pdf(office, [isolation], ("notice", "pledge", "board"))[0])
    assert "居家隔离期间不外出" in iso and "门口张贴封条" in iso and "代买代送" in iso


def test_a_template_without_the_monitoring_rules_is_refused(office, tmp_path):
    text = bundled("notice")
    path = office_template(tmp_path, "notice", text[:text.index("[home_monitoring]")]
                           + text[text.index("\n[reasons]"):])
    with pytest.raises(TemplateError) as err:
        ip.notice_set_pdf(office, [add_case(office)], ("notice",))
    assert str(path) in err.value.message and "home_monitoring" in err.value.message


# --- item 8: seal strips only for a sealed door -----------------------------------------------

def test_a_door_sensor_gets_no_seal_strips_and_its_notice_speaks_of_the_sensor(office):
    sensor = add_case(office, door_measure="sensor")
    data, issued = ip.notice_set_pdf(office, [sensor])
    assert {i.form for i in issued} == {"notice", "pledge", "card", "board"}
    pages = pages_text(data)
    assert not any("请勿撕毁" in page for page in pages)
    notice = text_of(ip.notice_set_pdf(office, [sensor], ("notice",))[0])
    assert "门口安装电子门磁" in notice and "封条" not in notice
    # Printed in full, it is no longer "new today" for a strip it will never have.
    ip.record_print(office, issued, 1, "打印机", by="x")
    assert sensor not in ip.cases_new_today(office)
    with pytest.raises(FormError) as err:
        ip.notice_set_pdf(office, [sensor], ("seal",))
    assert "没有封条可打印" in err.value.message


def test_each_strip_carries_its_own_serial_and_the_issuer_in_full(office):
    data, issued = ip.notice_set_pdf(office, [add_case(office)], ("seal",))
    (serial,) = [i.serial for i in issued]
    (page,) = pages_text(data)
    for k in range(1, 5):
        assert page.count(f"{serial}-{k}") == 1
    assert f"{serial}-5" not in page
    seal = bare(page)
    assert seal.count("长江路社区居民委员会（盖章）2026年11月20日封") == 4


# --- item 9: seal positions, 室 ----------------------------------------------------------------

def date_inset(data: bytes, page: int, day: str) -> float:
    """How far (in characters of its own size) the `day` after the issuer's （盖章） ends from
    the right edge of the type area."""
    pdf = pdfium.PdfDocument(data)
    try:
        textpage = pdf[page].get_textpage()

        def hits(text: str) -> list[tuple[int, int]]:
            search, found = textpage.search(text), []
            while hit := search.get_next():
                found.append(hit)
            return found

        seal = hits("（盖章）")[-1][0]
        index, count = next(h for h in hits(day) if h[0] > seal)
        last = index + count - 1
        right = textpage.get_charbox(last)[2]
        size = pdfium_c.FPDFText_GetFontSize(textpage.raw, last)
        return (MARGIN_LEFT + TYPE_W - right) / size
    finally:
        pdf.close()


def test_the_seal_goes_over_the_date_on_notice_board_and_card(office):
    case_id = add_case(office)
    day = "2026年11月20日"
    for form in ("notice", "board", "card"):
        data, _ = ip.notice_set_pdf(office, [case_id], (form,), today=date(2026, 11, 20))
        pages = pages_text(data)
        last = max(i for i, page in enumerate(pages) if "（盖章）" in page)
        assert "长江路社区居民委员会（盖章）" in bare(pages[last]), form
        assert 3.5 <= date_inset(data, last, day) <= 4.5, form


def test_the_receipt_has_lines_for_who_delivered_it_and_when(office):
    text = text_of(ip.notice_set_pdf(office, [add_case(office)], ("notice",))[0])
    receipt = text[text.index("回执由社区留存"):]
    assert "送达人（签字）" in receipt and receipt.count("日期：") == 2


def test_the_building_notice_never_doubles_室(office):
    case_id = add_case(office)
    office.conn.execute("UPDATE households SET door_number = '501室' WHERE door_number = '501'")
    text = text_of(ip.notice_set_pdf(office, [case_id], ("board",))[0])
    assert "2单元501室住户" in text and "室室" not in text


# --- item 10: reprints marked beside every serial ---------------------------------------------

# A serial, and what stands before and after it.
SERIAL = re.compile(r"(（编号：)?(\d{12}-\d{4}-[A-Z]{2}-\d{5}(?:-\d)?)(补打（第2次）)?")


def test_a_reprint_marks_every_serial_on_every_page(office):
    case_id = released_case(office)
    _, issued = ip.notice_set_pdf(office, [case_id])
    _, released = ip.release_pdf(office, case_id)
    ip.record_print(office, [*issued, *released], 1, "打印机", by="x")
    again = pages_text(ip.notice_set_pdf(office, [case_id])[0])
    again += pages_text(ip.release_pdf(office, case_id)[0])
    assert len(again) >= 6
    for page in again:
        found = list(SERIAL.finditer(bare(page)))
        assert found
        for match in found:
            if not match[1]:                     # not the one named in the receipt's sentence
                assert match[3], (match[2], bare(page)[:40])
    release_text = bare(again[-1])                   # stub, 骑缝 serial on the cut, notice
    serial = released[0].serial
    assert "存根" in release_text and release_text.count(serial) == 3
    assert release_text.count(f"{serial}补打（第2次）") == 3
    notice = "".join(bare(p) for p in again if "-GZ-" in p)
    assert notice[notice.index("回执由社区留存"):].count("补打（第2次）") == 1
