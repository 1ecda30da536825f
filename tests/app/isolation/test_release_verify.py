"""The release form anyone can verify, offline: its QR code is signed with the office's node
key, reads back from the printed page (150 dpi, and a small blurred phone-camera-like image),
and `griddesk verify` accepts it against the keys the database knows, names who released whom
and when (masked as the role requires), and refuses a changed character, another office's form,
an unknown key and another format with a Chinese message and a non-zero exit. The 骑缝 serial
runs across the stub's cut line."""

from __future__ import annotations

import base64
import io
from datetime import date

import pypdfium2 as pdfium
import pytest
from nacl.signing import SigningKey
from PIL import Image, ImageFilter

from app.accounts import Session, masking
from app.cli import main
from app.database import create_community, database_file, open_community_db
from app.isolation import printing as ip
from app.isolation import verify
from app.isolation.forms import CaseSheet, load_form_template
from app.sync import engine
from app.sync.keys import load_or_create_keys
from db import registry as rq
from db.node import node_state, transaction
from tests.app.isolation import test_isolation_documents as documents
from tests.app.isolation.test_isolation_documents import released_case

office = documents.office            # the fixture: a community with its trio of staff

zxingcpp = pytest.importorskip("zxingcpp")


def release(db, who="张三"):
    case_id = released_case(db, who)
    data, issued = ip.release_pdf(db, case_id, today=date(2026, 11, 27))
    return case_id, data, issued[0].serial


def render(data: bytes, dpi: float) -> Image.Image:
    document = pdfium.PdfDocument(data)
    try:
        bitmap = document[0].render(scale=dpi / 72, grayscale=True)
        image = bitmap.to_pil()
        bitmap.close()
        return image.copy()
    finally:
        document.close()


def read_qr(image: Image.Image):
    codes = zxingcpp.read_barcodes(image)
    assert len(codes) == 1, f"{len(codes)} codes read"
    return codes[0]


def phone_photo(data: bytes) -> Image.Image:
    """The whole A4 sheet in a 905 × 1280 pixel frame (a 720p phone camera's preview, about
    109 dpi: the QR code spans about 112 pixels, under three per module), softened by a lens
    blur and saved as a low-quality JPEG."""
    image = render(data, 300).resize((905, 1280), Image.Resampling.BILINEAR)
    image = image.filter(ImageFilter.GaussianBlur(0.6))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=50)
    return Image.open(io.BytesIO(buffer.getvalue()))


def verify_cli(db, text: str, capsys, *extra: str) -> tuple[int, str, str]:
    status = main(["verify", "--db", database_file(db), *extra, text])
    out = capsys.readouterr()
    return status, out.out, out.err


# --- the code on the page ---------------------------------------------------------------------

def test_the_printed_qr_is_signed_compact_and_reads_at_150_dpi(office, capsys):
    _case, data, serial = release(office)
    code = read_qr(render(data, 150))
    text = code.text
    assert text.startswith("GD1:")
    # Alphanumeric mode only (A–Z, 2–7, ":"): 144 characters for a two-character name (148
    # for three), version 6 (41 × 41 modules) at level M.
    assert set(text[4:]) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    assert len(text) == 144
    assert code.extra["Version"] == "6" and code.ec_level == "M"
    # Never the whole ID number, nor the readable serial: just what the key signed.
    resident = rq.get(office, "residents", office.ids["张三"])
    raw = base64.b32decode(text[4:] + "=" * (-len(text[4:]) % 8))
    assert resident["id_number"].encode() not in raw and serial.encode() not in raw
    status, out, err = verify_cli(office, text, capsys)
    assert status == 0, err
    assert "核验通过" in out and "长江路社区" in out and serial in out and "张三" in out
    assert "2026年11月27日" in out


def test_the_qr_reads_from_a_small_blurred_phone_camera_image(office, capsys):
    _case, data, serial = release(office)
    text = read_qr(phone_photo(data)).text
    status, out, _err = verify_cli(office, text, capsys)
    assert status == 0 and serial in out


def test_the_verdict_names_who_released_whom_and_when_masked_as_the_role_requires(office):
    _case, data, serial = release(office)
    text = read_qr(render(data, 150)).text
    whole = rq.get(office, "residents", office.ids["张三"])["id_number"]
    masked = whole[:6] + "********" + whole[-4:]
    police = verify.check(office, text, Session("p", "赵警官", "police"))
    worker = verify.check(office, text, Session("w", "王网格", "grid_worker"))
    district = verify.check(office, text, Session("d", "区里", "district"))
    assert police.id_shown == whole                 # the police see ID numbers in lists
    assert worker.id_shown == masked and district.id_shown == masked
    assert (worker.office, worker.code, worker.serial) == ("长江路社区", "410102007003", serial)
    assert worker.name == "张三" and worker.released_on == date(2026, 11, 27)
    assert worker.kind == "home_isolation" and not worker.notes
    assert any("长江路社区（410102007003）" in line for line in worker.lines)


def test_a_scanner_typing_lowercase_or_adding_a_newline_still_verifies(office):
    _case, data, serial = release(office)
    text = read_qr(render(data, 150)).text
    assert verify.check(office, "  " + text.lower() + "\r\n").serial == serial


# --- refusals ---------------------------------------------------------------------------------

B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def test_every_changed_character_is_refused(office, capsys):
    _case, data, _serial = release(office)
    text = read_qr(render(data, 150)).text
    for i in range(4, len(text)):
        other = B32[(B32.index(text[i]) + 1) % 32]
        changed = text[:i] + other + text[i + 1:]
        with pytest.raises(verify.VerifyError) as refused:
            verify.check(office, changed)
        assert "核验未通过" in refused.value.message or "不完整" in refused.value.message
    changed = text[:60] + B32[(B32.index(text[60]) + 7) % 32] + text[61:]
    status, out, err = verify_cli(office, changed, capsys)
    assert status == 1 and "核验未通过" in err and "不是原件" in err and out == ""
    status, _out, err = verify_cli(office, text[:-1], capsys)      # one character lost
    assert status == 1 and "不完整" in err


def other_office(tmp_path):
    """Another community (阳光花苑社区) with its own node key, and a release form it signed."""
    other = open_community_db(tmp_path / "other.sqlite", create=True)
    create_community(other, "阳光花苑社区", "410102005002", "林山寨街道", "中原区")
    sheet = CaseSheet("c", "x", "home_isolation", "seal", None, None,
                      {"community_code": "410102005002", "name": "王五",
                       "id_masked": "410102********153X"}, released_on=date(2026, 11, 28),
                      serials={"release": "410102005002-2026-JC-00001"})
    return other, verify.sign_release(other, sheet)


def test_another_offices_form_is_refused_here_and_verified_at_the_district(office, tmp_path,
                                                                           capsys):
    _case, data, serial = release(office)
    mine = read_qr(render(data, 150)).text
    other, theirs = other_office(tmp_path)
    assert verify.check(other, theirs).serial == "410102005002-2026-JC-00001"
    status, out, err = verify_cli(office, theirs, capsys)
    assert status == 1 and out == ""
    assert "密钥不属于本数据库认识的任何单位" in err and "其他社区" in err
    # The district knows both offices once they enrolled: each form names its own office.
    district = open_community_db(tmp_path / "district.sqlite", create=True)
    engine.create_district(district, "中原区", "410102")
    status, _out, err = verify_cli(district, mine, capsys)
    assert status == 1 and "未在本区登记的社区" in err
    engine.enroll_by_files(office, district, tmp_path / "e1")
    engine.enroll_by_files(other, district, tmp_path / "e2")
    status, out, _err = verify_cli(district, mine, capsys)
    assert status == 0 and "长江路社区（410102007003）" in out and serial in out
    assert "410102********" in out                       # no session: masked
    status, out, _err = verify_cli(district, theirs, capsys)
    assert status == 0 and "阳光花苑社区（410102005002）" in out and "王五" in out
    # The community knows its district's key, but a district never issues release forms:
    # a form claiming the district's key id with another signature is refused as altered.
    other.conn.close()
    district.conn.close()


def test_an_unknown_key_and_a_forged_signature_are_refused(office, capsys):
    _case, data, _serial = release(office)
    text = read_qr(render(data, 150)).text
    claim = verify.decode(text)
    stranger = SigningKey.generate()
    body = verify.key_id(stranger.verify_key) + claim.body[4:]
    forged = verify.encode(body, stranger.sign(verify.message("410102007003", body)).signature)
    status, _out, err = verify_cli(office, forged, capsys)
    assert status == 1 and "可能是伪造的" in err
    # The office's own key id on a body someone else signed: the signature does not match.
    stolen_id = verify.encode(claim.body, stranger.sign(claim.body).signature)
    status, _out, err = verify_cli(office, stolen_id, capsys)
    assert status == 1 and "不是原件" in err


@pytest.mark.parametrize("text, says", [
    ("https://weixin.qq.com/r/abc", "不是社区网格通解除通知书的二维码"),
    ("GRIDDESK RELEASE;NO=410102007003-2026-JC-00001;KIND=home_isolation;START=2026-11-20;"
     "END=2026-11-26;RELEASED=2026-11-27", "旧版"),
    ("GD2:AAAAAAAA", "请先升级"),
    ("GD1:", "不完整"),
    ("", "不是社区网格通"),
])
def test_another_format_is_refused_with_a_message(office, capsys, text, says):
    status, out, err = verify_cli(office, text, capsys)
    assert status == 1 and says in err and out == ""


def test_a_form_whose_case_was_reopened_verifies_with_a_warning(office):
    case_id, data, _serial = release(office)
    text = read_qr(render(data, 150)).text
    with transaction(office):
        rq.update(office, "isolation_cases", case_id, {"status": "active", "released_on": None})
    result = verify.check(office, text)
    assert any("已撤销解除" in note for note in result.notes)


def test_a_form_signed_before_a_restore_still_verifies(office):
    _case, data, serial = release(office)
    text = read_qr(render(data, 150)).text
    old = node_state(office).node_id
    load_or_create_keys(old)
    with transaction(office):
        office.conn.execute("INSERT INTO meta (key, value) VALUES ('previous_node_ids', ?)",
                            (old,))
    node_state(office).node_id = "restored-node"
    result = verify.check(office, text)
    assert result.serial == serial and any("已更换" in note for note in result.notes)


def test_only_the_issuing_office_signs_its_release_forms(office):
    _case, _data, _serial = release(office)
    sheet = ip.load_sheets(office, [_case])[0]
    sheet.context["community_code"] = "410102005002"
    assert not verify.signs_for(office, sheet)
    with pytest.raises(ValueError):
        verify.sign_release(office, sheet)


# --- 骑缝 ---------------------------------------------------------------------------------------

def test_the_seam_serial_runs_across_the_stubs_cut_line(office):
    _case, data, serial = release(office)
    document = pdfium.PdfDocument(data)
    try:
        page = document[0]
        text = page.get_textpage()
        full = text.get_text_range()
        # The cut line's label: where the blade goes (its baseline sits 3 pt under the line).
        words = load_form_template("release").text("cut", {})
        label = full.index(words[:6]) if words[:6] in full else None
        boxes = []
        start = 0
        while (found := full.find(serial, start)) >= 0:
            boxes.append([text.get_charbox(found + k) for k in range(len(serial))])
            start = found + 1
        assert label is not None
        cut = text.get_charbox(label)[1] + 3       # bottom of the label + its 3 pt drop
    finally:
        document.close()
    # One copy of the serial whose every character is cut in two by the line.
    straddling = [chars for chars in boxes
                  if all(bottom < cut - 1 and top > cut + 1
                         for _l, bottom, _r, top in chars if top - bottom > 1)]
    assert straddling, (cut, [(c[0][1], c[0][3]) for c in boxes])




# --- the command line with a signed-in role, and a scanner on standard input ------------------

def test_the_command_masks_the_id_number_as_the_signed_in_role_requires(office, capsys,
                                                                        monkeypatch):
    from app import accounts

    _case, data, serial = release(office)
    text = read_qr(render(data, 150)).text
    whole = rq.get(office, "residents", office.ids["张三"])["id_number"]
    accounts.create_first_admin(office, "admin", "刘书记", "secret12")
    accounts.create_account(office, "police1", "赵警官", "police", "secret12")
    accounts.create_account(office, "worker1", "王网格", "grid_worker", "secret12",
                            grid_ids=[office.ids["grid1"]])
    monkeypatch.setenv("GRIDDESK_PASSWORD", "secret12")
    try:
        status, out, _err = verify_cli(office, text, capsys, "--user", "police1")
        assert status == 0 and whole in out and serial in out
        accounts.forget_all()
        status, out, _err = verify_cli(office, text, capsys, "--user", "worker1")
        assert status == 0 and whole not in out and whole[:6] + "********" + whole[-4:] in out
    finally:
        accounts.forget_all()


def test_the_command_reads_a_scanned_line_from_standard_input(office, capsys, monkeypatch):
    _case, data, serial = release(office)
    text = read_qr(render(data, 150)).text
    monkeypatch.setattr("sys.stdin", io.StringIO(text + "\r\n"))
    assert main(["verify", "--db", database_file(office)]) == 0
    assert serial in capsys.readouterr().out


def test_rare_characters_long_names_and_passport_numbers_round_trip():
    key = SigningKey.generate()
    for name, number in (("欧阳𠀀娜", "E1*****78"), ("㛃" * 30, ""),
                         ("王五", "11010519491231002X")):     # a whole number is masked
        shown = masking.mask("id_number", number)
        body = verify.pack(verify.key_id(key.verify_key), "410102007003-2026-JC-01234",
                           "home_monitoring", date(2026, 12, 31), name, number)
        text = verify.encode(body, key.sign(verify.message("410102007003", body)).signature)
        claim = verify.decode(text)
        assert claim.serial("410102007003") == "410102007003-2026-JC-01234"
        assert claim.kind == "home_monitoring" and claim.released_on == date(2026, 12, 31)
        assert name.startswith(claim.name) and len(claim.name.encode()) <= 48
        assert claim.id_masked == shown and "1949" not in text


def test_the_installed_griddesk_command_verifies_and_refuses(office):
    """The same through the `griddesk` executable, as an office runs it (its own process, the
    key files found through the data folder it inherits)."""
    import subprocess
    import sys
    from pathlib import Path

    _case, data, serial = release(office)
    text = read_qr(render(data, 150)).text
    command = [str(Path(sys.executable).with_name("griddesk")), "verify", "--db",
               database_file(office)]
    done = subprocess.run([*command, text], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert serial in done.stdout and "核验通过" in done.stdout
    changed = text[:-3] + ("A" if text[-3] != "A" else "B") + text[-2:]
    done = subprocess.run([*command, changed], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "核验未通过" in done.stderr and done.stdout == ""

