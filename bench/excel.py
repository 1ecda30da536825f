"""Ledger benchmark: export the demo community's residents ledger to .xlsx, then read, dry-run
and import that file into a fresh community database. Prints figures; asserts nothing.

    python bench/excel.py [--residents 100000] [--small 20000] [--keep]

Runs the 20,000-row case first (targets: dry run ≤ 10 s, import ≤ 15 s, dry run + import
≤ 8 s; the .xlsx read by python-calamine beside openpyxl; the same ledger written as an HTML
table saved as .xls and as SpreadsheetML 2003: each dry run ≤ 1.5 × the .xlsx one), then the
100,000-resident demo (target: export ≤ 20 s). Demo databases are built into the temporary
folder once (seed 7) and reused.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from measure import peak_mb  # noqa: E402


def demo_db(residents: int) -> Path:
    from app.demo import build_demo

    path = Path(tempfile.gettempdir()) / f"griddesk-bench-{residents}.sqlite"
    if not path.exists():
        t0 = time.perf_counter()
        summary = build_demo(path, residents=residents, seed=7)
        print(f"built demo community ({summary['residents']} residents) in "
              f"{time.perf_counter() - t0:.1f} s → {path}")
    return path


def run(residents: int, work: Path, targets: dict[str, float]) -> None:
    from app.database import community_info, create_community, open_community_db
    from app.ledger import exporter as ledger_export
    from app.ledger import importer as ledger_import

    def target(name: str) -> str:
        return f" (target ≤ {targets[name]:.0f} s)" if name in targets else ""

    print(f"\n== {residents:,} residents ==")
    source = open_community_db(demo_db(residents))
    info = community_info(source)
    out = work / f"residents-{residents}.xlsx"
    t0 = time.perf_counter()
    rows = ledger_export.export_ledger(source, "residents", out)
    t_export = time.perf_counter() - t0
    print(f"export residents ledger: {rows:,} rows in {t_export:.1f} s "
          f"({rows / t_export:,.0f} rows/s, {out.stat().st_size / 1e6:.1f} MB){target('export')}")
    t0 = time.perf_counter()
    households = ledger_export.export_ledger(source, "households", work / "households.xlsx")
    print(f"export households ledger: {households:,} rows in {time.perf_counter() - t0:.1f} s")
    source.conn.close()

    fresh_path = work / f"fresh-{residents}.sqlite"
    fresh = open_community_db(fresh_path, create=True)
    create_community(fresh, info.name, info.code, info.street, info.district)

    if "formats" in targets:
        compare_xlsx_readers(out)
    t0 = time.perf_counter()
    ledger = ledger_import.read_ledger(out)
    t_read = time.perf_counter() - t0
    mapping = ledger_import.guess_mapping(ledger)
    t1 = time.perf_counter()
    plan = ledger_import.plan_import(fresh, ledger, mapping)
    t_check = time.perf_counter() - t1
    t_dry = t_read + t_check
    print(f"dry run: {plan.data_rows:,} rows in {t_dry:.1f} s (reading {t_read:.1f} s, "
          f"checking {t_check:.1f} s; {plan.data_rows / t_dry:,.0f} rows/s; "
          f"{len(plan.problems)} problems){target('dry_run')}")
    del plan   # as the dialog does: the import works the plan out again
    if "formats" in targets:
        other_formats(ledger, fresh, t_dry, targets["formats"], work)
    t0 = time.perf_counter()
    done = ledger_import.import_ledger(fresh, ledger, mapping)
    t_import = time.perf_counter() - t0
    print(f"import into a fresh community: {done.new_residents:,} residents, "
          f"{done.new_households:,} households, {len(done.new_party_members):,} Party members "
          f"in {t_import:.1f} s ({done.new_residents / t_import:,.0f} rows/s; "
          f"with reading: {t_read + t_import:.1f} s){target('import')}")
    if "dry_run_and_import" in targets:
        print(f"dry run + import (what she waits for in the dialog): "
              f"{t_dry + t_import:.1f} s (target ≤ {targets['dry_run_and_import']:.0f} s)")
    t0 = time.perf_counter()
    again = ledger_import.plan_import(fresh, ledger, mapping)
    print(f"dry run of the same file again: {again.unchanged_residents:,} unchanged, "
          f"{len(again.updated_residents)} updated, {again.new_residents} new "
          f"in {time.perf_counter() - t0:.1f} s (reading not counted)")
    fresh.conn.close()
    print(f"peak memory so far: {peak_mb():.0f} MB")


def compare_xlsx_readers(path: Path) -> None:
    """The same .xlsx read by openpyxl (read-only mode, merged ranges from the sheet XML) and
    by python-calamine, which the import uses: the same cells either way."""
    from app.ledger import reader

    t0 = time.perf_counter()
    by_openpyxl = reader._read_xlsx(path, None, None, None)
    t_openpyxl = time.perf_counter() - t0
    t0 = time.perf_counter()
    by_calamine = reader._read_calamine(path, None, None, None, "xlsx")
    t_calamine = time.perf_counter() - t0

    def shown(rows: list[list]) -> list[list[str]]:
        out = []
        for r in rows:
            texts = [reader.cell_text(v) for v in r]
            while texts and not texts[-1]:
                texts.pop()
            out.append(texts)
        return out

    same = shown(by_openpyxl.rows) == shown(by_calamine.rows)
    print(f"reading the .xlsx: openpyxl {t_openpyxl:.2f} s, python-calamine {t_calamine:.2f} s "
          f"({t_openpyxl / t_calamine:.1f}× faster; same cells as shown: "
          f"{'yes' if same else 'NO'})")


def write_html(ledger, path: Path) -> None:
    """The ledger as a web platform exports it: an HTML table named .xls, GBK, the title
    across all columns, mso-number-format '@' on every cell."""
    from html import escape

    from app.ledger.reader import cell_text

    width = max(len(r) for r in ledger.rows)
    parts = ['<html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk">'
             "<style>td{mso-number-format:'\\@';}</style></head><body><table border=1>",
             f"<tr><td colspan={width}>{escape(cell_text(ledger.rows[0][0]))}</td></tr>"]
    for row in ledger.rows[1:]:
        parts.append("<tr>" + "".join(f"<td>{escape(cell_text(v))}</td>" for v in row)
                     + "</tr>\n")
    parts.append("</table></body></html>")
    path.write_bytes("".join(parts).encode("gb18030"))


def write_spreadsheetml(ledger, path: Path) -> None:
    """The ledger as WPS saves an "XML 表格": the title merged across, text as String,
    numbers as Number, dates as DateTime, empty cells left out (ss:Index on the next)."""
    from datetime import date, datetime
    from html import escape

    width = max(len(r) for r in ledger.rows)
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<?mso-application progid="Excel.Sheet"?>'
             '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
             'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">'
             '<Worksheet ss:Name="居民台账"><Table>',
             f'<Row><Cell ss:MergeAcross="{width - 1}"><Data ss:Type="String">'
             f"{escape(str(ledger.rows[0][0]))}</Data></Cell></Row>"]
    for row in ledger.rows[1:]:
        cells, gap = [], False
        for i, v in enumerate(row, 1):
            if v is None:
                gap = True
                continue
            at = f' ss:Index="{i}"' if gap else ""
            gap = False
            if isinstance(v, datetime | date):
                kind, text = "DateTime", f"{v:%Y-%m-%d}T00:00:00.000"
            elif isinstance(v, int | float):
                kind, text = "Number", str(int(v)) if float(v).is_integer() else repr(v)
            else:
                kind, text = "String", escape(str(v))
            cells.append(f'<Cell{at}><Data ss:Type="{kind}">{text}</Data></Cell>')
        parts.append("<Row>" + "".join(cells) + "</Row>\n")
    parts.append("</Table></Worksheet></Workbook>")
    path.write_text("".join(parts), encoding="utf-8")


def other_formats(ledger, fresh, t_xlsx: float, ratio: float, work: Path) -> None:
    """Dry runs of the same ledger as HTML-.xls and SpreadsheetML, beside the .xlsx one."""
    from app.ledger import importer as ledger_import

    for label, write, name in (("HTML table saved as .xls", write_html, "网页导出.xls"),
                               ("SpreadsheetML 2003", write_spreadsheetml, "XML表格.xml")):
        path = work / name
        write(ledger, path)
        t0 = time.perf_counter()
        other = ledger_import.read_ledger(path)
        t_read = time.perf_counter() - t0
        plan = ledger_import.plan_import(fresh, other, ledger_import.guess_mapping(other))
        t_dry = time.perf_counter() - t0
        print(f"dry run, {label}: {plan.data_rows:,} rows in {t_dry:.1f} s (reading "
              f"{t_read:.1f} s; {path.stat().st_size / 1e6:.1f} MB; {len(plan.problems)} "
              f"problems) = {t_dry / t_xlsx:.2f} × the .xlsx (target ≤ {ratio:.1f} ×)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=20_000)
    parser.add_argument("--keep", action="store_true", help="keep the exported files")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="griddesk-ledger-") as tmp:
        work = Path(tmp)
        if args.small:
            run(args.small, work, {"dry_run": 10, "import": 15, "dry_run_and_import": 8,
                                   "formats": 1.5})
        if args.residents:
            run(args.residents, work, {"export": 20})
        if args.keep:
            import shutil

            kept = Path(tempfile.gettempdir()) / "griddesk-ledger-bench"
            shutil.copytree(work, kept, dirs_exist_ok=True)
            print(f"files kept in {kept}")


if __name__ == "__main__":
    main()
