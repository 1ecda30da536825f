"""`griddesk audit verify|export`: check the audit log's hash chain, export it to Excel."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli.args import add_common, opened

COMMANDS = {"audit"}


def add_commands(sub: argparse._SubParsersAction) -> None:
    audit = sub.add_parser("audit", help="审计日志：校验哈希链、导出")
    actions = audit.add_subparsers(dest="action", required=True)
    verify = actions.add_parser("verify", help="校验审计日志有没有被修改、删除或调换顺序")
    add_common(verify)
    export = actions.add_parser("export", help="把审计日志导出为 Excel（需管理员）")
    add_common(export)
    export.add_argument("--out", type=Path, required=True)


def run(args: argparse.Namespace) -> int:
    from app.accounts import audit

    with opened(args, community=False) as db:
        if args.action == "verify":
            report = audit.verify(db)
            print(report.message)
            for line in report.lines[:50]:
                print("  " + line)
            return 0 if report.ok else 1
        rows = audit.export_audit(db, args.out)
        print(f"已导出审计日志 {rows} 条 → {args.out}")
        return 0
