"""`griddesk report daily --db FILE [--date YYYY-MM-DD] --out FILE.pdf|FILE.xlsx`: the day's
report of a community (confirmed, else as assembled now) or the district's table of a day;
`griddesk report confirm --db FILE [--date …] [--reason …]`: a community confirms its day's
report so it goes up with the next sync."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.cli.args import CommandError, add_common, opened
from app.errors import FormError

COMMANDS = ("report",)


def add_commands(sub: argparse._SubParsersAction) -> None:
    report = sub.add_parser("report", help="日报：生成 PDF/Excel，或确认上报")
    rsub = report.add_subparsers(dest="report_command", required=True)
    daily = rsub.add_parser("daily", help="某天的日报（社区）或各社区日报汇总表（区县），"
                                          "写成一页 PDF 或 Excel")
    add_common(daily)
    daily.add_argument("--date", help="日期 YYYY-MM-DD（默认今天；不能是以后的日期）")
    daily.add_argument("--out", type=Path, required=True,
                       help="输出文件：.pdf（一页，正式版式）或 .xlsx")
    daily.add_argument("--community", help="区县：只汇总这个社区（名称或代码）")
    daily.add_argument("--street", help="区县：只汇总这个街道（名称或代码）")
    confirm = rsub.add_parser("confirm", help="社区：确认并上报某天的日报（随下次同步上报区里）")
    add_common(confirm)
    confirm.add_argument("--date", help="日期 YYYY-MM-DD（默认今天）")
    confirm.add_argument("--reason", help="已确认过的日报重新确认（更正）时，写明原因")


def run(args: argparse.Namespace) -> int:
    from app import community_scope, reports
    from app.documents.page import DocumentSaveError
    from app.ledger.xlsx import ExportError
    from app.reports import printing

    with opened(args) as db:
        try:
            if args.report_command == "confirm":
                done = reports.confirm(db, args.date, reason=args.reason)
                print(f"已确认{done.day.isoformat()}的日报（确认人：{done.confirmed_by}），"
                      "下次同步时上报区里。")
                for key, label in reports.FIGURES:
                    print(f"  {label}：{done.figures[key]}")
                return 0
            suffix = args.out.suffix.lower()
            if suffix not in (".pdf", ".xlsx"):
                raise CommandError("--out 的文件名应以 .pdf 或 .xlsx 结尾"
                                   f"（收到“{args.out.name}”）。", status=2)
            ids = None
            if args.community or args.street:
                if not community_scope.is_district(db):
                    raise CommandError("--community 和 --street 只在区县数据库上使用。", status=2)
                ids = community_scope.resolve(db, args.community, args.street)
            if suffix == ".pdf":
                out = printing.write_pdf(db, args.out, args.date, ids)
            else:
                out = printing.write_xlsx(db, args.out, args.date, ids)
        except (FormError, DocumentSaveError, ExportError) as exc:
            print(exc.message, file=sys.stderr)
            return 1
    print(f"已生成日报 → {out}")
    return 0
