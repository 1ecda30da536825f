"""The people on duty without a window (issue 19, items 5–7): each grid's trio from the staff
list, its notice and phone list read back from the PDF (every phone), duty shifts with a clash
flagged and a swap that keeps who agreed, the roster PDF and ledger, task forces and
volunteers with their hours and phone list, and who may write."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from app import accounts, duty
from app.cli import main as cli_main
from app.database import open_community_db
from app.demo import build_demo
from app.duty import printing
from app.errors import FormError

MONDAY = date(2026, 12, 7)


def pdf_text(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    path = tmp_path_factory.mktemp("duty") / "c.sqlite"
    build_demo(path, residents=300, seed=7, isolation_cases=False)
    return path


@pytest.fixture
def db(built, tmp_path):
    path = tmp_path / "c.sqlite"
    shutil.copy(built, path)
    db = open_community_db(path)
    db.path = path
    yield db
    db.conn.close()


# --- the trio --------------------------------------------------------------------------------

def test_the_demo_confirms_every_grids_trio_from_the_staff_list(db):
    trios = duty.trios(db)
    assert trios and all(t.saved for t in trios)
    roles = {r[0]: r[1] for r in db.conn.execute("SELECT id, role FROM staff")}
    for t in trios:
        assert roles[t.grid_worker.id] in ("grid_worker", "grid_chief")
        assert roles[t.police.id] == "police" and roles[t.doctor.id] == "doctor"
        assert t.compounds


def test_setting_a_trio_refuses_someone_in_the_wrong_role_and_keeps_the_old_one(db):
    trio = duty.trios(db)[0]
    with pytest.raises(FormError) as bad:
        duty.set_trio(db, trio.grid_id, grid_worker_id=trio.grid_worker.id,
                      police_id=trio.doctor.id, doctor_id=trio.doctor.id)
    assert "社区民警" in bad.value.errors["police"]
    assert duty.trios(db)[0].police == trio.police
    other = db.conn.execute("SELECT id, name FROM staff WHERE role = 'grid_chief' AND id != ? "
                            "LIMIT 1", (trio.grid_worker.id,)).fetchone()
    duty.set_trio(db, trio.grid_id, grid_worker_id=other[0], police_id=trio.police.id,
                  doctor_id=None)
    again = duty.trios(db)[0]
    assert again.grid_worker.name == other[1] and again.doctor is None
    # The change is in the change log: who was there before is kept.
    assert db.conn.execute("SELECT COUNT(*) FROM change_log WHERE tbl = 'duty_trios' "
                           "AND col = 'grid_worker_id'").fetchone()[0] >= 2


def test_the_trio_notice_and_phone_list_carry_every_phone(db, tmp_path):
    out = tmp_path / "trio.pdf"
    assert cli_main(["print", "trio", "--db", str(db.path), "--out", str(out)]) == 0
    text = pdf_text(out)
    trios = duty.trios(db)
    assert text.count("三人小组公示") == len(trios)
    assert "三人小组通讯录" in text
    for t in trios:
        assert t.grid in text
        for _role, person in t.seats():
            # Each phone twice: on the grid's notice and in the office's list.
            assert text.count(person.phone) >= 2, (t.grid, person)
            assert person.name in text
    only_list = tmp_path / "list.pdf"
    assert cli_main(["print", "trio", "--db", str(db.path), "--list-only",
                     "--out", str(only_list)]) == 0
    assert "三人小组公示" not in pdf_text(only_list)


def test_printing_an_unknown_grid_names_the_grids_there_are(db, tmp_path, capsys):
    assert cli_main(["print", "trio", "--db", str(db.path), "--grid", "第九十九网格",
                     "--out", str(tmp_path / "x.pdf")]) == 1
    assert "找不到网格“第九十九网格”" in capsys.readouterr().err
    assert not (tmp_path / "x.pdf").exists()


# --- shifts ----------------------------------------------------------------------------------

def test_one_person_in_two_places_at_once_is_flagged_not_refused(db):
    checkpoint = duty.checkpoint_choices(db)[0]
    first, clash = duty.add_shift(db, on_date=MONDAY + timedelta(days=14), shift="day",
                                  place="office", person_name="赵值班", phone="13800001111")
    assert clash == ""
    second, clash = duty.add_shift(db, on_date=MONDAY + timedelta(days=14), shift="morning",
                                   place="checkpoint", checkpoint_id=checkpoint["id"],
                                   person_name="赵值班")
    assert clash == "同一时间还在社区值班室（白班）"
    week = {s.id: s for s in duty.roster(db, MONDAY + timedelta(days=14))}
    assert week[first].clash and week[second].clash
    # The evening does not overlap the day shift: no clash.
    _third, clash = duty.add_shift(db, on_date=MONDAY + timedelta(days=14), shift="night",
                                   place="office", person_name="赵值班")
    assert clash == ""


def test_a_shift_with_bad_input_names_each_field(db):
    with pytest.raises(FormError) as bad:
        duty.add_shift(db, on_date="下周一", shift="lunch", place="checkpoint",
                       person_name=" ", phone="12345")
    assert set(bad.value.errors) >= {"on_date", "shift", "checkpoint", "person_name", "phone"}
    assert "年-月-日" in bad.value.errors["on_date"]


def test_a_swap_keeps_who_gave_who_took_and_who_agreed(db):
    shift_id, _ = duty.add_shift(db, on_date=MONDAY, shift="evening", place="office",
                                 person_name="钱原班")
    with pytest.raises(FormError) as bad:
        duty.swap_shift(db, shift_id, to_name="孙接班", agreed_by="")
    assert "同意" in bad.value.errors["agreed_by"]
    duty.swap_shift(db, shift_id, to_name="孙接班", to_phone="13900002222",
                    agreed_by="王书记", reason="家中有事", on=MONDAY - timedelta(days=1))
    [swap] = duty.swaps(db, shift_id)
    assert (swap["from_name"], swap["to_name"], swap["agreed_by"]) == ("钱原班", "孙接班",
                                                                       "王书记")
    shift = next(s for s in duty.roster(db, MONDAY) if s.id == shift_id)
    assert (shift.person_name, shift.swaps) == ("孙接班", 1)


def test_the_demo_week_prints_and_exports_with_its_clash_and_swap(db, tmp_path):
    monday = duty.monday_of(date.today())
    shifts = duty.roster(db, monday)
    assert any(s.clash for s in shifts) and any(s.swaps for s in shifts)
    out = tmp_path / "roster.pdf"
    assert cli_main(["print", "roster", "--db", str(db.path), "--out", str(out)]) == 0
    text = pdf_text(out)
    assert f"共{len(shifts)}个班次" in text
    for s in shifts[:12]:
        assert s.person_name in text
    xlsx = tmp_path / "rosters.xlsx"
    assert cli_main(["excel", "export", "--db", str(db.path), "--what", "rosters",
                     "--out", str(xlsx)]) == 0
    sheet = load_workbook(xlsx).active
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    header = next(r for r in rows if r and r[0] == "序号")
    body = rows[rows.index(header) + 1:]
    assert len(body) == len(shifts)
    swap_col, clash_col = header.index("换班"), header.index("冲突提示")
    assert any(r[swap_col] and "同意" in r[swap_col] for r in body)
    assert any(r[clash_col] for r in body)


# --- task forces and volunteers --------------------------------------------------------------

def test_volunteers_by_group_with_hours_and_a_phone_list_to_copy(db, tmp_path):
    group = duty.save_task_force(db, name="扫雪专班", duty="冬季扫雪除冰", leader="周队长",
                                 leader_phone="13700003333")
    with pytest.raises(FormError) as bad:
        duty.save_volunteer(db, name="吴志愿", phone="", task_force_id=group)
    assert "电话" in bad.value.errors["phone"]
    wu = duty.save_volunteer(db, name="吴志愿", phone="13600004444", skills="驾驶，铲车",
                             task_force_id=group)
    duty.save_volunteer(db, name="郑志愿", phone="13600005555", task_force_id=group)
    duty.add_hours(db, wu, on_date=MONDAY, hours="3.5", activity="扫雪")
    duty.add_hours(db, wu, on_date=MONDAY + timedelta(days=1), hours=2)
    with pytest.raises(FormError) as bad:
        duty.add_hours(db, wu, on_date=MONDAY, hours="30")
    assert "24" in bad.value.errors["hours"]
    people = {v["name"]: v for v in duty.volunteers(db, group)}
    assert set(people) == {"吴志愿", "郑志愿"}
    assert people["吴志愿"]["hours"] == 5.5 and people["吴志愿"]["skills"] == "驾驶 铲车"
    assert duty.phone_list(db, group).splitlines() == ["吴志愿\t13600004444\t驾驶 铲车",
                                                       "郑志愿\t13600005555"]
    drivers = {v["name"] for v in duty.volunteers(db, skill="铲车")}
    assert drivers == {"吴志愿"}
    out = tmp_path / "group.pdf"
    assert cli_main(["print", "volunteers", "--db", str(db.path), "--group", "扫雪专班",
                     "--out", str(out)]) == 0
    text = pdf_text(out)
    assert "扫雪专班通讯录" in text and "13600004444" in text and "13600005555" in text


def test_a_police_account_may_look_but_not_put_anyone_on_duty(db):
    accounts.create_first_admin(db, "admin", "王书记", "secret12")
    accounts.create_account(db, "pianjing", "刘警官", "police", "secret12")
    accounts.forget_all()
    accounts.sign_in(db, "pianjing", "secret12")
    try:
        with pytest.raises(FormError) as refused:
            duty.add_shift(db, on_date=MONDAY, shift="day", place="office", person_name="刘警官")
        assert "登记值班" in refused.value.message
        assert duty.trios(db)
    finally:
        accounts.sign_out(db)


def test_the_notices_take_one_page_a_grid(db, tmp_path):
    out = tmp_path / "notices.pdf"
    out.write_bytes(printing.trio_pdf(db, notices=True, phone_list=False))
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True,
                          check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines()
                     if line.startswith("Pages:")))
    assert pages == len(duty.trios(db))


# --- the readiness ledgers and one checkpoint's roster ------------------------------------------

def _sheet(path):
    rows = [[c.value for c in r] for r in load_workbook(path).active.iter_rows()]
    header = next(r for r in rows if r and r[0] == "序号")
    return header, rows[rows.index(header) + 1:], rows


def test_checkpoints_supplies_and_one_checkpoints_roster_export(db, tmp_path, capsys):
    from app import readiness

    monday = duty.monday_of(date.today())
    cps = readiness.checkpoints(db)
    assert cps                    # one a compound (two in a demo of several compounds)
    out = tmp_path / "cp.xlsx"
    assert cli_main(["excel", "export", "--db", str(db.path), "--what", "checkpoints",
                     "--out", str(out)]) == 0
    header, body, rows = _sheet(out)
    assert "卡口台账" in str(rows[0][0])
    assert [r[header.index("卡口")] for r in body] == [c["name"] for c in cps]
    people = header.index("当日人员(人次)")
    assert [r[people] for r in body] == [c["last_people"] for c in cps]
    out = tmp_path / "supplies.xlsx"
    assert cli_main(["excel", "export", "--db", str(db.path), "--what", "supplies",
                     "--out", str(out)]) == 0
    header, body, _ = _sheet(out)
    items = readiness.supplies(db)
    assert {r[header.index("物资名称")]: r[header.index("库存")] for r in body} == \
        {s.name: s.stock for s in items}
    assert sum(1 for r in body if r[header.index("库存提示")] == "库存不足") == \
        sum(1 for s in items if s.low) >= 1
    one = cps[0]
    mine = duty.roster(db, monday, checkpoint_id=one["id"])
    assert mine and len(mine) < len(duty.roster(db, monday))
    assert {s.checkpoint_id for s in mine} == {one["id"]}
    out = tmp_path / "one.xlsx"
    assert cli_main(["excel", "export", "--db", str(db.path), "--what", "rosters",
                     "--checkpoint", one["name"], "--out", str(out)]) == 0
    header, body, rows = _sheet(out)
    assert len(body) == len(mine) and one["name"] in str(rows[0][0])
    capsys.readouterr()
    assert cli_main(["excel", "export", "--db", str(db.path), "--what", "rosters",
                     "--checkpoint", "没有这个卡口", "--out", str(out)]) == 2
    said = capsys.readouterr().err
    assert "没有名为“没有这个卡口”的卡口" in said and one["name"] in said
