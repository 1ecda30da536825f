"""`griddesk print person` and `griddesk print building`: a person's file (一人一档) and a
building's door grid (楼栋门户图, public or with names), as PDF files or sent to a printer.
Registered under `print` by app/cli/printing.py."""

from __future__ import annotations

import argparse
import sys

import sqlite_utils

from app.errors import FormError

FORMS = ("person", "building")


def add_print_commands(psub: argparse._SubParsersAction, add_common, add_output) -> None:
    person = psub.add_parser("person", help="居民个人档案（一人一档）：按登录角色遮挡证件号和电话")
    add_common(person)
    person.add_argument("--resident", required=True, help="居民ID")
    add_output(person)
    building = psub.add_parser("building", help="楼栋门户图：楼层×门号，按颜色和花纹区分"
                                                "（黑白打印也能分清）；默认不含姓名，可贴楼口")
    add_common(building)
    building.add_argument("--building", required=True, dest="building_name",
                          help="楼栋ID，或“楼院名+楼栋名”（如 锦绣花园3号楼）")
    building.add_argument("--by", default="category",
                          choices=("category", "isolation", "dwelling", "pairing"),
                          help="按什么着色：category 人员类别（默认）、isolation 隔离/监测、"
                               "dwelling 自住/出租/空置、pairing 党员联户")
    building.add_argument("--private", action="store_true",
                          help="网格员用：格子里写上姓名（请勿张贴）")
    add_output(building)


def run_print(args: argparse.Namespace, db: sqlite_utils.Database, deliver, said_where) -> int:
    from app.documents.page import DocumentSaveError
    from app.documents.printer import PrinterError

    try:
        if args.form == "person":
            from app.person import printing as person_print

            data = person_pdf = person_print.person_pdf(db, args.resident.strip())
            what = "居民个人档案"
            target = deliver(args, person_pdf, what)
            # Recorded only now: the file is written or the queue holds the job.
            person_print.record_print(db, args.resident.strip(), target)
        else:
            from app import buildings
            from app.buildings import printing as building_print

            building = buildings.find(db, args.building_name)
            data = building_print.building_pdf(db, building, aspect=args.by,
                                               private=args.private)
            what = "楼栋门户图" + ("（含姓名）" if args.private else "")
            target = deliver(args, data, what)
            building_print.record_print(db, building, aspect=args.by, private=args.private,
                                        target=target)
    except (FormError, DocumentSaveError, PrinterError) as exc:
        print(exc.message, file=sys.stderr)
        return 1
    print(f"已生成{what} {said_where(args)}")
    return 0
