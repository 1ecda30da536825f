"""A ledger whose cells hold control characters: the row is refused with its reason, like a
name typed in the window (issue 13.10); a note may keep its line breaks."""

from __future__ import annotations

from app import registry
from app.ledger import importer as li
from tests.conftest import make_id


def test_a_name_with_an_escape_character_in_a_ledger_row_is_refused_and_a_notes_lines_are_kept(
        community, tmp_path):
    path = tmp_path / "台账.csv"
    bad, good = make_id(birth="19700505", seq="293"), make_id(birth="19700506", seq="305")
    path.write_text("姓名,身份证号码,小区,楼栋,单元,门牌号,备注\n"
                    f"马\x1b一,{bad},锦绣花园,3号楼,2单元,501,\n"
                    f'马二,{good},锦绣花园,3号楼,2单元,501,"行动不便\n需上门"\n',
                    encoding="utf-8")
    ledger = li.read_ledger(path)
    mapping = li.guess_mapping(ledger, li.remembered_mapping(community))
    plan = li.plan_import(community, ledger, mapping)
    (refused,) = [p for p in plan.problems if p.skipped]
    assert "控制字符" in " ".join(refused.messages)
    li.import_ledger(community, ledger, mapping)
    assert registry.search_residents(community, bad) == []
    (row,) = registry.resident_rows(community, registry.search_residents(community, good))
    assert registry.get(community, "residents", row["id"])["note"] == "行动不便\n需上门"
