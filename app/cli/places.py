"""`griddesk print bulletin` (the month's 检查和督查通报) and `griddesk print reopening` (a
shop's 复工复产承诺书 and 验收单); the places ledger in and out (`excel import --what places`,
`excel export --what places|inspections|problems`). Registered under `print` by
app/cli/printing.py and under `excel` by app/cli/ledger.py."""

from __future__ import annotations

import argparse
import sys

import sqlite_utils

from app.errors import FormError

FORMS = ("bulletin", "reopening")
EXPORTS = {"places": "个场所", "inspections": "次检查", "problems": "个问题"}
SHOWN_PROBLEMS = 50


def add_print_commands(psub: argparse._SubParsersAction, add_common, add_output) -> None:
    bulletin = psub.add_parser("bulletin", help="某月的检查和督查情况通报（检查次数、发现问题、"
                                                "整改、逾期，按社区或场所）")
    add_common(bulletin)
    bulletin.add_argument("--month", required=True, help="月份，年-月，如 2026-12")
    bulletin.add_argument("--community", help="区县库：只通报这个社区（社区编码或名称）")
    bulletin.add_argument("--street", help="区县库：只通报这个街道下的社区")
    add_output(bulletin)
    reopening = psub.add_parser("reopening", help="复工复产承诺书和验收单（再次打印即为补打，"
                                                  "编号不变）")
    add_common(reopening)
    reopening.add_argument("--place", required=True, help="场所名称或营业执照号")
    reopening.add_argument("--form", dest="forms", action="append",
                           choices=("pledge", "acceptance"),
                           help="pledge 承诺书；acceptance 验收单；可重复；不写则两份都打")
    add_output(reopening)


def run_print(args: argparse.Namespace, db: sqlite_utils.Database, deliver, said_where) -> int:
    from app import community_scope, places
    from app.documents.page import DocumentSaveError
    from app.documents.printer import PrinterError

    try:
        if args.form == "bulletin":
            from app.inspections.printing import bulletin_pdf
            communities = community_scope.resolve(db, args.community, args.street) \
                if community_scope.is_district(db) else None
            data = bulletin_pdf(db, args.month, communities)
            what = f"{args.month} 检查和督查情况通报"
        else:
            from app.places.forms import reopening_pdf
            place = places.find(db, args.place)
            data = reopening_pdf(db, place["id"], tuple(args.forms or ("pledge", "acceptance")))
            what = f"“{place['name']}”复工复产文书"
        deliver(args, data, what)
    except (FormError, DocumentSaveError, PrinterError) as exc:
        print(exc.message, file=sys.stderr)
        return 1
    print(f"已生成{what} {said_where(args)}")
    return 0


def export(db: sqlite_utils.Database, args: argparse.Namespace, communities) -> int:
    """`excel export --what places|inspections|problems`: the count written."""
    if args.what == "places":
        from app.places.ledger import export_places
        return export_places(db, args.out, communities=communities)
    from app.inspections import ledger
    writer = ledger.export_inspections if args.what == "inspections" else ledger.export_problems
    return writer(db, args.out, communities=communities)


def run_import(db: sqlite_utils.Database, args: argparse.Namespace) -> int:
    """`excel import --what places FILE`: the mapping found, then the dry run or the import."""
    from app.ledger.reader import LedgerError
    from app.ledger.xlsx import ExportError
    from app.places import ledger

    try:
        sheet = ledger.read(args.ledger, sheet=args.sheet)
    except LedgerError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    mapping = ledger.guess_mapping(sheet)
    print(f"{args.ledger.name}：表头在第 {'、'.join(str(r) for r in sheet.header_rows)} 行")
    for col in sheet.columns:
        code = mapping.get(col.index)
        print(f"  {col.letter}列 {col.label} → "
              f"{ledger.FIELD_BY_CODE[code].label if code else '（不导入）'}")
    try:
        plan = (ledger.plan_import(db, sheet, mapping) if args.dry_run
                else ledger.import_places(db, sheet, mapping))
    except FormError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    print("\n".join(plan.summary_lines()))
    if plan.problems:
        print(f"有问题的行（{len(plan.problems)}）：")
        for p in plan.problems[:SHOWN_PROBLEMS]:
            print(f"  第{p.row}行 {p.name}：{'；'.join(p.messages)}")
        if args.problems:
            try:
                ledger.write_problems(args.problems, sheet, plan)
            except ExportError as exc:
                print(exc.message, file=sys.stderr)
                return 1
            print(f"问题行已写到 {args.problems}")
    if args.dry_run:
        print("（只检查，未写入数据库。去掉 --dry-run 即导入没有问题的行。）")
    return 0
