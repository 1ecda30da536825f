"""`griddesk audit verify|heads|export`: check the audit log's hash chain (and, at the district,
the chain heads communities sent), export it to Excel."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli.args import CommandError, add_common, opened

COMMANDS = {"audit"}


def add_commands(sub: argparse._SubParsersAction) -> None:
    audit = sub.add_parser("audit", help="审计日志：校验哈希链、导出")
    actions = audit.add_subparsers(dest="action", required=True)
    verify = actions.add_parser("verify", help="校验审计日志有没有被修改、删除或调换顺序")
    add_common(verify)
    verify.add_argument("--backup", type=Path, action="append", default=[], metavar="FILE",
                        help="再与这份备份（.gdbak）记录的审计日志末端核对（可给多次）")
    heads = actions.add_parser("heads", help="在区县数据库上列出各社区同步时报来的审计日志末端，"
                                             "检查有没有倒退或被改写")
    add_common(heads)
    heads.add_argument("--community", metavar="CODE", help="只看这个社区（12位社区代码）")
    export = actions.add_parser("export", help="把审计日志导出为 Excel（需管理员）")
    add_common(export)
    export.add_argument("--out", type=Path, required=True)


def run(args: argparse.Namespace) -> int:
    from app.accounts import audit

    with opened(args, community=False) as db:
        if args.action == "verify":
            from app.accounts.backup import BackupError

            try:
                report = audit.verify(db, args.backup)
            except BackupError as exc:
                raise CommandError(exc.message) from exc
            print(report.message)
            for line in report.lines[:50]:
                print("  " + line)
            if report.ok:
                print(report.anchor)
            return 0 if report.ok else 1
        if args.action == "heads":
            return _heads(db, args.community)
        rows = audit.export_audit(db, args.out)
        print(f"已导出审计日志 {rows} 条 → {args.out}")
        return 0


def _heads(db, code: str | None) -> int:
    """The heads each community node sent, oldest first; 1 if any contradicts an earlier one."""
    from app import accounts
    from app.sync import anchor, engine

    if engine.role(db) != "district":
        raise CommandError("这不是区县数据库：griddesk audit heads 只能用于区县数据库"
                           "（社区请用 griddesk audit verify）。")
    found = anchor.histories(db, code)
    # A 街道 account sees only its street's communities, their sync records included.
    session = accounts.current(db)
    if session is not None and session.communities is not None:
        found = [node for node in found if node.peer["community_id"] in session.communities]
    if code and not found:
        raise CommandError(f"没有代码为 {code} 的已登记社区，请核对社区代码。")
    bad = 0
    for node in found:
        peer = node.peer
        state = "（已停用）" if peer["revoked"] else ""
        print(f"{peer['name']}（{peer['code']}）节点 {peer['node_id'][:8]}{state}：")
        if not node.heads:
            print("  还没有收到它的审计日志末端（它还没有发来同步包，或程序版本较旧）。")
            continue
        for h in node.heads:
            print(f"  {h.received_at.replace('T', ' ')} 收到  第 {h.seq} 条  {h.hash[:16]}")
        for problem in node.problems:
            print("  有问题：" + problem.text())
        if node.acknowledged:
            print(f"  区里向它确认到第 {node.acknowledged.seq} 条。")
        bad += len(node.problems)
    if bad:
        print(f"发现 {bad} 处倒退或改写：请保留数据库文件，并请该社区运行 griddesk audit verify。")
        return 1
    print("各社区报来的审计日志末端只增不减，没有发现改写。" if found else "还没有登记的社区。")
    return 0
