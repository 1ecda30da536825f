"""`griddesk print …`: printed forms as PDF files from the command line (the same PDFs the
window previews and prints), or sent as that PDF to a printer's queue (`--printer NAME`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import sqlite_utils

from app.cli.args import add_common, opened
from app.errors import FormError

COMMANDS = ("print",)


def add_commands(sub: argparse._SubParsersAction) -> None:
    printing = sub.add_parser("print", help="把表单生成 PDF（楼栋党员联系户公示、党员联系卡、"
                                            "居家隔离文书）")
    psub = printing.add_subparsers(dest="form", required=True)
    pairings = psub.add_parser("pairings", help="楼栋党员联系户公示（每栋楼一页），或党员联系卡")
    add_common(pairings)
    pairings.add_argument("--building", action="append", default=[],
                          help="楼栋ID，或“楼院名+楼栋名”（如 锦绣花园3号楼）；可重复；"
                               "不写则打印全部楼栋")
    pairings.add_argument("--cards", action="store_true",
                          help="打印党员联系卡（每张A4十张，带裁切线），而不是公示")
    add_output(pairings)
    notices = psub.add_parser("notices", help="居家隔离告知书（含回执）、承诺书、观察卡、封条、"
                                              "楼口公示，每个案例一套")
    add_common(notices)
    notices.add_argument("--case", action="append", required=True, dest="cases",
                         help="案例ID；可重复，多个案例合成一个PDF")
    add_output(notices)
    release = psub.add_parser("release", help="解除居家隔离通知书（含存根和二维码）")
    add_common(release)
    release.add_argument("--case", required=True, dest="case", help="已解除案例的ID")
    add_output(release)
    from app.cli.person import add_print_commands

    add_print_commands(psub, add_common, add_output)
    from app.cli.duty import add_print_commands as add_duty_commands

    add_duty_commands(psub, add_common, add_output)
    from app.cli.places import add_print_commands as add_places_commands

    add_places_commands(psub, add_common, add_output)


def add_output(parser: argparse.ArgumentParser) -> None:
    """--out FILE (a PDF file) or --printer NAME (sent to that printer's queue as the PDF
    itself), one of them; with --printer, --copies and --duplex."""
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--out", type=Path, help="输出的 PDF 文件")
    where.add_argument("--printer", metavar="NAME",
                       help="直接发送到这台打印机（打印队列名，见 lpstat -e）")
    parser.add_argument("--copies", type=int, default=1, help="份数（与 --printer 一起用）")
    parser.add_argument("--duplex", action="store_true", help="双面打印（长边翻页）")


def deliver(args: argparse.Namespace, data: bytes, title: str) -> str:
    """Write the PDF to --out or send it to --printer; returns where it went (for the log).
    Raises DocumentSaveError or PrinterError with the Chinese message."""
    from app.documents import printer
    from app.documents.page import save_pdf

    if args.printer is None:
        save_pdf(data, args.out)
        return str(args.out.resolve())
    job = printer.send_pdf(data, args.printer, copies=args.copies, title=title,
                           sides=printer.LONG_EDGE if args.duplex else printer.ONE_SIDED)
    return job.printer


def said_where(args: argparse.Namespace) -> str:
    return (f"已发送到打印机“{args.printer}”" + (f"（{args.copies} 份）" if args.copies > 1 else "")
            if args.printer is not None else f"→ {args.out}")


def resolve_buildings(db: sqlite_utils.Database, wanted: list[str]) -> list[str]:
    """Building ids for ids or names (锦绣花园3号楼, 锦绣花园 3号楼); all when none given."""
    rows = db.conn.execute(
        "SELECT b.id, c.name || b.name FROM buildings b JOIN compounds c ON c.id = b.compound_id "
        "WHERE b.deleted = 0 AND c.deleted = 0 "
        "ORDER BY c.sort_order, c.name, b.sort_order, CAST(b.name AS INTEGER), b.name"
    ).fetchall()
    if not wanted:
        return [r[0] for r in rows]
    by_id = {r[0]: r[0] for r in rows}
    by_name = {r[1]: r[0] for r in rows}
    found = []
    for text in wanted:
        key = "".join(text.split())
        building = by_id.get(text.strip()) or by_name.get(key)
        if building is None:
            raise FormError({"building": f"找不到楼栋“{text}”。请写楼栋ID，或楼院名加楼栋名，"
                                         "例如“锦绣花园3号楼”。"})
        found.append(building)
    return found


def run_isolation(args: argparse.Namespace, db: sqlite_utils.Database) -> int:
    """`print notices` / `print release`: the PDF is written, then the print is logged."""
    from app.documents.page import DocumentSaveError
    from app.documents.printer import PrinterError
    from app.documents.templates import TemplateError
    from app.isolation import printing as isolation_print

    try:
        if args.form == "notices":
            result = isolation_print.notice_set_pdf(db, [c.strip() for c in args.cases])
            assert result is not None
            what = f"居家隔离文书（{len(dict.fromkeys(args.cases))} 个案例）"
        else:
            result = isolation_print.release_pdf(db, args.case.strip())
            what = "解除通知书"
        data, issued = result
        target = deliver(args, data, what)
    except (FormError, TemplateError, DocumentSaveError, PrinterError) as exc:
        print(exc.message, file=sys.stderr)
        return 1
    # Logged only now: the file is written or the queue holds the whole job.
    isolation_print.record_print(db, issued, copies=args.copies if args.printer else 1,
                                 target=target, by=isolation_print.current_user(db), pdf=data)
    serials = list(dict.fromkeys(i.serial for i in issued))
    print(f"已生成{what} {said_where(args)}（编号 {serials[0]}" +
          (f" 等 {len(serials)} 个" if len(serials) > 1 else "") + "）")
    return 0


def run(args: argparse.Namespace) -> int:
    # ReportLab loads only when printing (in _run and run_isolation): other commands start
    # without it.
    with opened(args) as db:
        return _run(args, db)


def _run(args: argparse.Namespace, db: sqlite_utils.Database) -> int:
    from app.documents.page import DocumentSaveError
    from app.documents.printer import PrinterError
    from app.pairing import forms as pairing_forms

    try:
        if args.form in ("notices", "release"):
            return run_isolation(args, db)
        from app.cli.duty import FORMS as DUTY_FORMS
        from app.cli.duty import run_print as run_duty_print

        if args.form in DUTY_FORMS:
            return run_duty_print(args, db, deliver, said_where)
        from app.cli.places import FORMS as PLACES_FORMS
        from app.cli.places import run_print as run_places_print

        if args.form in PLACES_FORMS:
            return run_places_print(args, db, deliver, said_where)
        from app.cli.person import FORMS, run_print

        if args.form in FORMS:
            return run_print(args, db, deliver, said_where)
        buildings = resolve_buildings(db, args.building)
        if not buildings:
            print("这个社区还没有楼栋，没有可打印的内容。", file=sys.stderr)
            return 1
        if args.cards:
            data = pairing_forms.contact_cards_pdf(db, buildings)
            what = "党员联系卡"
        else:
            data = pairing_forms.notice_board_pdf(db, buildings)
            what = f"楼栋党员联系户公示（{len(buildings)} 栋楼）"
        deliver(args, data, what)
    except (FormError, DocumentSaveError, PrinterError) as exc:
        print(exc.message, file=sys.stderr)
        return 1
    print(f"已生成{what} {said_where(args)}")
    return 0
