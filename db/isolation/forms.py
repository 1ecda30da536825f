"""Queries behind the printed isolation forms: a case with everything its forms carry, serial
numbers issued per (case, form) in case_forms, and the print log. Plain values in and out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlite_utils

from db.registry import Row, _rows, insert

# One case, its person, where they are isolated, the issuing community and the trio.
SHEET_SQL = """
SELECT k.*, r.name, r.sex, r.id_number, r.birth_date, r.phone AS resident_phone,
       r.household_id AS resident_household_id,
       coalesce(k.household_id, r.household_id) AS place_id,
       c.name AS compound, b.name AS building, u.name AS unit, h.door_number AS door,
       h.phone AS household_phone,
       o.name AS community, o.code AS community_code, st.name AS street, di.name AS district,
       gw.name AS grid_worker, gw.phone AS grid_worker_phone,
       po.name AS police, po.phone AS police_phone,
       dr.name AS doctor, dr.phone AS doctor_phone
FROM isolation_cases k
JOIN residents r ON r.id = k.resident_id
LEFT JOIN households h ON h.id = coalesce(k.household_id, r.household_id) AND h.deleted = 0
LEFT JOIN units u ON u.id = h.unit_id
LEFT JOIN buildings b ON b.id = u.building_id
LEFT JOIN compounds c ON c.id = b.compound_id
LEFT JOIN org_units o ON o.id = k.community_id
LEFT JOIN org_units st ON st.id = o.parent_id
LEFT JOIN org_units di ON di.id = st.parent_id
LEFT JOIN staff gw ON gw.id = k.grid_worker_id AND gw.deleted = 0
LEFT JOIN staff po ON po.id = k.police_id AND po.deleted = 0
LEFT JOIN staff dr ON dr.id = k.doctor_id AND dr.deleted = 0
WHERE k.id IN ({marks}) AND k.deleted = 0
"""


def case_sheets(db: sqlite_utils.Database, case_ids: Sequence[str]) -> dict[str, Row]:
    """case id → the case row joined with person, place, community and trio."""
    found: dict[str, Row] = {}
    ids = list(dict.fromkeys(case_ids))
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for row in _rows(db, SHEET_SQL.format(marks=",".join("?" * len(chunk))), chunk):
            found[row["id"]] = row
    return found


def housemates(db: sqlite_utils.Database, pairs: Sequence[tuple[str, str]]
               ) -> dict[str, list[str]]:
    """household id → names of its live residents other than the case's person
    (`pairs` = (household id, resident id))."""
    out: dict[str, list[str]] = {}
    households = list({h for h, _ in pairs if h})
    by_household: dict[str, list[tuple[str, str]]] = {}
    for start in range(0, len(households), 500):
        chunk = households[start:start + 500]
        for hid, rid, name in db.conn.execute(
                f"SELECT household_id, id, name FROM residents WHERE deleted = 0 AND "
                f"household_id IN ({','.join('?' * len(chunk))}) "
                f"ORDER BY (relation = '户主') DESC, birth_date", chunk):
            by_household.setdefault(hid, []).append((rid, name))
    for hid, rid in pairs:
        out[rid] = [name for other, name in by_household.get(hid, []) if other != rid]
    return out


def case_tests(db: sqlite_utils.Database, case_ids: Sequence[str]) -> dict[str, list[Row]]:
    out: dict[str, list[Row]] = {}
    ids = list(case_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for row in _rows(db, f"SELECT * FROM case_tests WHERE deleted = 0 AND case_id IN "
                             f"({','.join('?' * len(chunk))}) ORDER BY test_on", chunk):
            out.setdefault(row["case_id"], []).append(row)
    return out


# --- serial numbers ---------------------------------------------------------------------------

def issued_forms(db: sqlite_utils.Database, case_ids: Sequence[str]
                 ) -> dict[tuple[str, str], Row]:
    """(case id, form) → its case_forms row (the first issued, should there be two)."""
    out: dict[tuple[str, str], Row] = {}
    ids = list(case_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for row in _rows(db, f"SELECT * FROM case_forms WHERE deleted = 0 AND case_id IN "
                             f"({','.join('?' * len(chunk))}) ORDER BY issued_at, serial",
                         chunk):
            out.setdefault((row["case_id"], row["form"]), row)
    return out


def last_sequence(db: sqlite_utils.Database, prefix: str) -> int:
    """The highest sequence number issued under a serial prefix (410102003001-2026-GZ-)."""
    row = db.conn.execute(
        "SELECT max(CAST(substr(serial, ?) AS INTEGER)) FROM case_forms "
        "WHERE serial LIKE ? ESCAPE '\\'",
        (len(prefix) + 1, prefix.replace("\\", "\\\\").replace("%", "\\%")
         .replace("_", "\\_") + "%")).fetchone()
    return row[0] or 0


def add_issued_form(db: sqlite_utils.Database, owner: str, values: dict[str, Any]) -> str:
    return insert(db, "case_forms", values, owner=owner)


def set_form_hash(db: sqlite_utils.Database, form_id: str, sha256: str) -> None:
    db.conn.execute("UPDATE case_forms SET sha256 = ? WHERE id = ? AND sha256 IS NULL",
                    (sha256, form_id))


# --- the print log ----------------------------------------------------------------------------

def print_counts(db: sqlite_utils.Database, case_ids: Sequence[str]
                 ) -> dict[tuple[str, str], int]:
    """(case id, form) → how many times it was printed or saved before."""
    out: dict[tuple[str, str], int] = {}
    ids = list(case_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for case_id, form, n in db.conn.execute(
                f"SELECT case_id, form, count(*) FROM print_log WHERE deleted = 0 AND "
                f"case_id IN ({','.join('?' * len(chunk))}) GROUP BY case_id, form", chunk):
            out[(case_id, form)] = n
    return out


def add_print(db: sqlite_utils.Database, owner: str, values: dict[str, Any]) -> str:
    return insert(db, "print_log", values, owner=owner)


def prints_of_case(db: sqlite_utils.Database, case_id: str) -> list[Row]:
    return _rows(db, "SELECT * FROM print_log WHERE deleted = 0 AND case_id = ? "
                     "ORDER BY printed_at DESC, form", (case_id,))


def never_printed(db: sqlite_utils.Database, forms: Sequence[str],
                  door_forms: Sequence[str] = ()) -> list[str]:
    """Open cases (planned or active) with at least one of `forms` never printed, oldest
    registration first, then by address. `door_forms` (the seal strips) count only for a
    sealed door of a home isolation (app.isolation.forms.forms_of and door_measure)."""
    marks = ",".join("?" * len(forms))
    counted = [f for f in forms if f in door_forms]
    sealed = "(k.door_measure = 'seal' AND k.kind <> 'home_monitoring')"
    door_clause = (f"AND (p.form NOT IN ({','.join('?' * len(counted))}) OR {sealed}) "
                   if counted else "")
    return [r[0] for r in db.conn.execute(
        f"SELECT k.id FROM isolation_cases k WHERE k.deleted = 0 "
        f"AND k.status IN ('planned', 'active') AND (SELECT count(DISTINCT p.form) "
        f"FROM print_log p WHERE p.case_id = k.id AND p.deleted = 0 AND p.form IN ({marks}) "
        f"{door_clause})"
        f" < ? - CASE WHEN {sealed} THEN 0 ELSE ? END "
        f"ORDER BY k.created_on, k.started_on, k.id",
        [*forms, *counted, len(forms), len(counted)])]
