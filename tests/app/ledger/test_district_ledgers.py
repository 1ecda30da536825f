"""Ledgers at a district (issue 15, item 2): every ledger names each row's community in a 社区
column, `--community`/`--street` narrow it, and a community's own ledger is as before."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from app import community_scope
from app.cli import main
from app.database import open_community_db
from app.demo import build_demo_district
from app.errors import FormError

WHAT = ("residents", "households", "cases", "pairings")
NAMES = {"长江路社区", "建设路社区", "桐柏路社区"}


@pytest.fixture(scope="module")
def district(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("district") / "中原区.sqlite"
    build_demo_district(path, communities=3, residents=150)
    return path


def _sheet(path: Path) -> tuple[list, list[tuple]]:
    rows = list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))
    return list(rows[2]), [r for r in rows[3:] if r[0] is not None]


def _counts(path: Path) -> dict[str, Counter]:
    db = open_community_db(path)
    names = community_scope.names(db)
    sql = {"residents": "SELECT r.community_id FROM residents r JOIN households h "
                        "ON h.id = r.household_id WHERE r.deleted = 0 AND h.deleted = 0",
           "households": "SELECT community_id FROM households WHERE deleted = 0",
           "cases": "SELECT community_id FROM isolation_cases WHERE deleted = 0"}
    sql["pairings"] = sql["households"]
    out = {w: Counter(names[r[0]] for r in db.conn.execute(s)) for w, s in sql.items()}
    db.conn.close()
    return out


def test_every_ledger_at_the_district_has_a_community_column_with_each_rows_community(
        district, tmp_path):
    expected = _counts(district)
    for what in WHAT:
        out = tmp_path / f"{what}.xlsx"
        assert main(["excel", "export", "--db", str(district), "--what", what,
                     "--out", str(out)]) == 0
        header, rows = _sheet(out)
        assert header[:2] == ["序号", "社区"], what
        assert Counter(r[1] for r in rows) == expected[what], what
        assert set(expected[what]) == NAMES or what == "cases"
        # Community by community: each community's rows stand together.
        order = [r[1] for r in rows]
        assert order == sorted(order, key=order.index), what


def test_community_and_street_filters_narrow_each_ledger(district, tmp_path, capsys):
    expected = _counts(district)
    for what in WHAT:
        out = tmp_path / f"{what}.xlsx"
        assert main(["excel", "export", "--db", str(district), "--what", what,
                     "--community", "建设路社区", "--out", str(out)]) == 0
        _, rows = _sheet(out)
        assert {r[1] for r in rows} == {"建设路社区"}, what
        assert len(rows) == expected[what]["建设路社区"], what
    # By code as well as by name.
    out = tmp_path / "by_code.xlsx"
    assert main(["excel", "export", "--db", str(district), "--what", "households",
                 "--community", "410102009002", "--out", str(out)]) == 0
    assert {r[1] for r in _sheet(out)[1]} == {"桐柏路社区"}
    # A street: rename the street above 长江路社区 (every row of its code: the community's
    # copy and the district's shared row, which names it) and ask for it.
    db = open_community_db(district)
    db.conn.execute("UPDATE org_units SET name = '二七测试街道' WHERE level = 'street' AND code = "
                    "(SELECT s.code FROM org_units s JOIN org_units c ON c.parent_id = s.id "
                    "WHERE c.level = 'community' AND c.name = '长江路社区')")
    db.conn.commit()
    db.conn.close()
    out = tmp_path / "street.xlsx"
    assert main(["excel", "export", "--db", str(district), "--what", "residents",
                 "--street", "二七测试街道", "--out", str(out)]) == 0
    _, rows = _sheet(out)
    assert {r[1] for r in rows} == {"长江路社区"}
    assert len(rows) == expected["residents"]["长江路社区"]
    capsys.readouterr()
    assert main(["excel", "export", "--db", str(district), "--what", "residents",
                 "--community", "不存在社区", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "不存在社区" in err and "建设路社区" in err


def test_resolve_names_codes_and_streets(district):
    db = open_community_db(district)
    try:
        assert community_scope.resolve(db) is None
        ids = community_scope.resolve(db, "建设路社区")
        assert [community_scope.names(db)[i] for i in ids] == ["建设路社区"]
        with pytest.raises(FormError) as exc:
            community_scope.resolve(db, street="没有的街道")
        assert "没有名为“没有的街道”的街道" in exc.value.message
    finally:
        db.conn.close()


def test_a_community_ledger_has_no_community_column_and_refuses_the_filter(district, tmp_path,
                                                                           capsys):
    community = district.parent / "中原区-410102008001.sqlite"
    for what in WHAT:
        out = tmp_path / f"c-{what}.xlsx"
        assert main(["excel", "export", "--db", str(community), "--what", what,
                     "--out", str(out)]) == 0
        header, _ = _sheet(out)
        assert "社区" not in header, what
    assert main(["excel", "export", "--db", str(community), "--what", "residents",
                 "--community", "建设路社区", "--out", str(tmp_path / "x.xlsx")]) == 2
    assert "只用于区县数据库" in capsys.readouterr().err
