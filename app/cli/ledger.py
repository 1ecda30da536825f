"""`griddesk excel import …` and `griddesk excel export …`: ledgers from the command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app import accounts, community_scope
from app.cli.args import add_common, opened
from app.errors import FormError
from app.ledger.exporter import export_ledger
from app.ledger.importer import (
    FIELD_BY_CODE,
    ImportOptions,
    LedgerError,
    guess_mapping,
    import_ledger,
    plan_import,
    read_ledger,
    remembered_mapping,
    write_problems,
)
from app.ledger.xlsx import ExportCancelled, ExportError

COMMANDS = ("excel",)
SHOWN_PROBLEMS = 50


def add_commands(sub: argparse._SubParsersAction) -> None:
    excel = sub.add_parser("excel", help="导入居民台账（Excel/CSV），导出各类台账")
    esub = excel.add_subparsers(dest="action", required=True)
    imp = esub.add_parser("import", help="导入居民台账（Excel/WPS 表格 .xlsx、.xls、.et，.ods，"
                                         "网页导出的 .xls/.htm，XML 表格，.csv）")
    add_common(imp)
    imp.add_argument("ledger", type=Path)
    imp.add_argument("--what", choices=("residents", "places"), default="residents",
                     help="residents 居民台账（默认）；places 场所台账")
    imp.add_argument("--dry-run", action="store_true", help="只检查，不写入数据库")
    imp.add_argument("--problems", type=Path,
                     help="把有问题的行写到这个 .xlsx 文件（带“问题”列，改好后可再导入）")
    imp.add_argument("--compound", help="表格没有“小区”列时，居民导入到这个小区（楼院）")
    imp.add_argument("--sheet", help="导入哪个工作表（网页文件：表格1、表格2……；默认：表头最像"
                                     "居民台账的那个）")
    exp = esub.add_parser("export", help="导出居民台账、住户台账、居家隔离人员台账或党员联户台账"
                                         "为 .xlsx")
    add_common(exp)
    exp.add_argument("--what", choices=("residents", "households", "cases", "pairings",
                                        "events", "visits", "needs", "rosters",
                                        "places", "inspections", "problems",
                                        "checkpoints", "supplies"),
                     required=True, help="residents 居民台账；households 住户台账；"
                                         "cases 居家隔离人员台账；pairings 党员联户台账；"
                                         "events 事件和诉求台账；visits 关爱走访台账；"
                                         "needs 走访发现需求台账；"
                                         "rosters 值班表（--since 所在的一周，默认本周）；"
                                         "places 场所台账；inspections 检查台账；"
                                         "problems 问题整改台账；checkpoints 卡口台账；"
                                         "supplies 物资台账")
    exp.add_argument("--checkpoint", help="值班表：只导出这个卡口（卡口名称）的班次")
    exp.add_argument("--since", help="事件、走访、需求台账：只导出这天（YYYY-MM-DD）以来的")
    exp.add_argument("--out", type=Path, required=True)
    exp.add_argument("--community", help="区县库：只导出这个社区（社区编码或名称），默认全部社区")
    exp.add_argument("--street", help="区县库：只导出这个街道（街道名称）下的社区")


def run(args: argparse.Namespace) -> int:
    with opened(args) as db:
        if args.action == "export":
            return _export(db, args)
        return _import(db, args)


def _export(db, args: argparse.Namespace) -> int:
    # Imported here: the pairing ledger pulls in ReportLab (its dates), which other commands
    # start without.
    from app.pairing.ledger import LedgerSaveError, export_pairing_ledger

    if (args.community or args.street) and not community_scope.is_district(db):
        print("--community 和 --street 只用于区县数据库；社区数据库导出的就是本社区。",
              file=sys.stderr)
        return 2
    try:
        communities = community_scope.resolve(db, args.community, args.street)
    except FormError as exc:
        print(exc.message, file=sys.stderr)
        return 2
    try:
        if args.what == "pairings":
            count = export_pairing_ledger(db, args.out, communities=communities)
        elif args.what == "events":
            from app.incidents.ledger import export_events, parse_since
            count = export_events(db, args.out, since=parse_since(args.since),
                                  communities=communities)
        elif args.what in ("visits", "needs"):
            from app.care import ledger as care_ledger
            export = (care_ledger.export_visits if args.what == "visits"
                      else care_ledger.export_needs)
            count = export(db, args.out, since=care_ledger.parse_since(args.since),
                           communities=communities)
        elif args.what == "rosters":
            from app.cli.duty import export_rosters
            count = export_rosters(db, args, communities)
        elif args.what in ("places", "inspections", "problems"):
            from app.cli.places import export as export_places
            count = export_places(db, args, communities)
        elif args.what in ("checkpoints", "supplies"):
            from app.cli.duty import export_readiness
            count = export_readiness(db, args, communities)
        else:
            count = export_ledger(db, args.what, args.out, communities=communities)
    except (ExportError, ExportCancelled, LedgerSaveError) as exc:
        print(getattr(exc, "message", "已取消导出。"), file=sys.stderr)
        return 1
    except FormError as exc:
        if isinstance(exc, accounts.PermissionDenied):
            raise                  # the command line's own answer: exit status 3
        print(exc.message, file=sys.stderr)
        return 2
    unit = {"residents": "人", "households": "户", "cases": "人次", "pairings": "户",
            "events": "条", "visits": "次", "needs": "条",
            "rosters": "个班次", "places": "个", "inspections": "次",
            "problems": "个", "checkpoints": "个卡口", "supplies": "项"}[args.what]
    print(f"已导出 {count} {unit} → {args.out}")
    return 0


def _import(db, args: argparse.Namespace) -> int:
    if args.what == "places":
        from app.cli.places import run_import
        return run_import(db, args)
    try:
        ledger = read_ledger(args.ledger, sheet=args.sheet)
    except LedgerError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    mapping = guess_mapping(ledger, remembered_mapping(db))
    where = (f"{'表格' if ledger.kind == 'html' else '工作表'}“{ledger.sheet}”，"
             if ledger.sheet else "")
    if ledger.encoding:
        where += f"编码 {ledger.encoding}，"
    rows = "、".join(str(r) for r in ledger.header_rows)
    print(f"{args.ledger.name}：{where}表头在第 {rows} 行")
    if len(ledger.candidates) > 1:
        names = "、".join(ledger.candidates)
        print(f"  文件里有 {len(ledger.candidates)} 个表格都像台账（{names}），"
              f"读的是“{ledger.sheet}”；要导入别的，请加 --sheet 名称。")
    for col in ledger.columns:
        code = mapping.get(col.index)
        target = FIELD_BY_CODE[code].label if code else "（不导入）"
        print(f"  {col.letter}列 {col.label} → {target}")
    options = ImportOptions(default_compound=args.compound)
    try:
        if args.dry_run:
            plan = plan_import(db, ledger, mapping, options)
        else:
            plan = import_ledger(db, ledger, mapping, options)
    except FormError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    print("\n".join(plan.summary_lines()))
    for change in plan.updated_residents[:SHOWN_PROBLEMS]:
        what = "；".join(f"{label} {a} → {b}" for label, a, b in change.changes)
        print(f"  第{change.row}行 {change.name}：{what}")
    if plan.problems:
        print(f"有问题的行（{len(plan.problems)}）：")
        for p in plan.problems[:SHOWN_PROBLEMS]:
            print(f"  第{p.row}行 {p.name}：{'；'.join(p.messages)}")
        if len(plan.problems) > SHOWN_PROBLEMS:
            print(f"  …… 另有 {len(plan.problems) - SHOWN_PROBLEMS} 行，"
                  "用 --problems 文件.xlsx 导出全部")
        if args.problems:
            try:
                write_problems(args.problems, ledger, mapping, plan)
            except ExportError as exc:
                print(exc.message, file=sys.stderr)
                return 1
            print(f"问题行已写到 {args.problems}")
    if args.dry_run:
        print("（只检查，未写入数据库。去掉 --dry-run 即导入没有问题的行。）")
    return 0
