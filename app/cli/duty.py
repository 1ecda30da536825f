"""`griddesk print trio` (三人小组公示 and the office's phone list), `griddesk print roster`
(the week's 值班表) and `griddesk print volunteers` (a task force's phone list), as PDF files
or sent to a printer; and the ledgers `excel export --what rosters|checkpoints|supplies`.
Registered under `print` by app/cli/printing.py and under `excel export` by app/cli/ledger.py."""

from __future__ import annotations

import argparse
import sys
from datetime import date

import sqlite_utils

from app.errors import FormError

FORMS = ("trio", "roster", "volunteers")


def add_print_commands(psub: argparse._SubParsersAction, add_common, add_output) -> None:
    trio = psub.add_parser("trio", help="三人小组公示（每个网格一页，贴在小区门口）和办公室用的"
                                        "三人小组通讯录")
    add_common(trio)
    trio.add_argument("--grid", action="append", default=[],
                      help="网格名称或ID；可重复；不写则打印全部网格")
    only = trio.add_mutually_exclusive_group()
    only.add_argument("--list-only", action="store_true", help="只打印通讯录")
    only.add_argument("--notices-only", action="store_true", help="只打印公示")
    add_output(trio)
    roster = psub.add_parser("roster", help="值班表：社区值班室和各卡口一周的班次")
    add_common(roster)
    roster.add_argument("--week", help="这一周里的任一天（年-月-日），默认本周")
    add_output(roster)
    vols = psub.add_parser("volunteers", help="专班和志愿者通讯录（姓名、电话、技能、服务时长）")
    add_common(vols)
    vols.add_argument("--group", help="专班名称；不写则打印全部志愿者")
    add_output(vols)


def parse_day(text: str | None, option: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise FormError({option: f"{option} 要写成 年-月-日，例如 2026-12-07（收到的是“{text}”）。"}
                        ) from exc


def run_print(args: argparse.Namespace, db: sqlite_utils.Database, deliver, said_where) -> int:
    from app import duty
    from app.documents.page import DocumentSaveError
    from app.documents.printer import PrinterError
    from app.duty import printing

    try:
        if args.form == "trio":
            data = printing.trio_pdf(db, args.grid or None, notices=not args.list_only,
                                     phone_list=not args.notices_only)
            what = "三人小组通讯录" if args.list_only else "三人小组公示"
        elif args.form == "roster":
            start = duty.monday_of(parse_day(args.week, "--week") or date.today())
            data = printing.roster_pdf(db, start)
            what = f"值班表（{start:%m月%d日}起一周）"
        else:
            group = None
            if args.group:
                found = [t for t in duty.task_forces(db) if t["name"] == args.group.strip()]
                if not found:
                    names = ("、".join(t["name"] for t in duty.task_forces(db))
                             or "（还没有专班）")
                    raise FormError({"group": f"没有名为“{args.group}”的专班。"
                                              f"这里的专班有：{names}"})
                group = found[0]["id"]
            data = printing.volunteers_pdf(db, group)
            what = f"{args.group or '专班和志愿者'}通讯录"
        deliver(args, data, what)
    except (FormError, DocumentSaveError, PrinterError) as exc:
        print(exc.message, file=sys.stderr)
        return 1
    print(f"已生成{what} {said_where(args)}")
    return 0


def export_rosters(db: sqlite_utils.Database, args: argparse.Namespace, communities) -> int:
    """`excel export --what rosters [--since DAY] [--checkpoint NAME]`: the week from DAY's
    Monday, of one checkpoint when named."""
    from app import duty
    from app.duty.ledger import export_rosters as export

    day = parse_day(getattr(args, "since", None), "--since")
    return export(db, args.out, since=duty.monday_of(day or date.today()),
                  communities=communities,
                  checkpoint=find_checkpoint(db, getattr(args, "checkpoint", None),
                                             communities))


def find_checkpoint(db: sqlite_utils.Database, name: str | None, communities) -> dict | None:
    """The checkpoint named (its name or id), or a FormError listing the names there are."""
    if not name:
        return None
    from app import readiness

    held = readiness.checkpoints(db, communities)
    found = [c for c in held if name.strip() in (c["name"], c["id"])]
    if len(found) == 1:
        return found[0]
    names = "、".join(c["name"] for c in held) or "（还没有卡口）"
    said = (f"没有名为“{name}”的卡口" if not found else
            f"有 {len(found)} 个卡口都叫“{name}”，请再用 --community 指定社区")
    raise FormError({"checkpoint": f"{said}。这里的卡口有：{names}"})


def export_readiness(db: sqlite_utils.Database, args: argparse.Namespace, communities) -> int:
    """`excel export --what checkpoints|supplies`: the 卡口台账 or the 物资台账."""
    from app.readiness import ledger

    export = (ledger.export_checkpoints if args.what == "checkpoints"
              else ledger.export_supplies)
    return export(db, args.out, communities=communities)
