"""The `griddesk` command line: every command but the window itself, Qt-free."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.cli.args import CommandError, add_global_options


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="griddesk", description="社区网格通 GridDesk：社区网格化管理桌面程序")
    add_global_options(parser)
    parser.add_argument("--smoke", action="store_true",
                        help="打开主窗口，显示后立即以 0 退出（用于检查安装包）")
    sub = parser.add_subparsers(dest="command")
    demo = sub.add_parser("demo", help="生成一个演示社区数据库，或带几个社区的区县数据库")
    demo.add_argument("file", type=Path, nargs="?", help="演示社区数据库文件")
    demo.add_argument("--district", type=Path,
                      help="改为生成区县数据库：几个演示社区（文件放在它旁边）已向区里登记并"
                           "同步过一次")
    demo.add_argument("--communities", type=int, default=3, help="--district 时的社区数（1–5）")
    demo.add_argument("--streets", type=int,
                      help="--district 时把社区分到几个街道（1–5），各社区规模、隔离、联户覆盖"
                           "各不相同，其中一个社区4天未同步")
    demo.add_argument("--residents", type=int, default=8000, help="居民人数（默认 8000）")
    demo.add_argument("--seed", type=int, default=2026, help="随机种子（相同种子生成相同社区）")
    demo.add_argument("--force", action="store_true", help="文件已存在时覆盖")
    demo.add_argument("--name", help="社区名称（默认 长江路社区）")
    demo.add_argument("--code", help="12位社区代码（默认 410102007003）")
    from app.cli import sync as sync_cli

    sync_cli.add_commands(sub)
    from app.cli import ledger as ledger_cli

    ledger_cli.add_commands(sub)
    from app.cli import printing as print_cli

    print_cli.add_commands(sub)
    from app.cli import backup as backup_cli

    backup_cli.add_commands(sub)
    from app.cli import audit as audit_cli

    audit_cli.add_commands(sub)
    from app.cli import verify as verify_cli

    verify_cli.add_commands(sub)
    from app.cli import keypersons as keypersons_cli

    keypersons_cli.add_commands(sub)
    from app.cli import reports as reports_cli

    reports_cli.add_commands(sub)
    from app.cli import sweeps as sweeps_cli

    sweeps_cli.add_commands(sub)
    return parser


def run_command(args: argparse.Namespace) -> int:
    """Run a non-window command; returns the exit status."""
    from app import accounts

    if args.user:
        accounts.use_credentials(args.user, password_for(args.user))
    try:
        return _run_command(args)
    except accounts.PermissionDenied as exc:
        print(exc.message, file=sys.stderr)
        return 3
    except CommandError as exc:
        print(exc.message, file=sys.stderr)
        return exc.status


def password_for(user: str) -> str:
    """GRIDDESK_PASSWORD for scripts, else asked without echo."""
    import getpass
    import os

    return os.environ.get("GRIDDESK_PASSWORD") or getpass.getpass(f"{user} 的密码：")


def _run_command(args: argparse.Namespace) -> int:
    if args.command == "demo" and args.district:
        return _demo_district(args)
    if args.command == "demo":
        from app.demo import build_demo

        if args.file is None:
            print("请写出演示社区数据库的文件名，或用 --district 文件名 生成区县演示库。",
                  file=sys.stderr)
            return 2
        if args.file.exists():
            if not args.force:
                print(f"文件已存在：{args.file}。如要覆盖请加 --force。", file=sys.stderr)
                return 2
            for suffix in ("", "-wal", "-shm"):
                Path(f"{args.file}{suffix}").unlink(missing_ok=True)
        summary = build_demo(args.file, residents=args.residents, seed=args.seed,
                             name=args.name, code=args.code)
        print(f"已生成演示社区“{summary['community']}”：{summary['residents']} 名居民，"
              f"{summary['households']} 户，{summary['buildings']} 栋楼 → {args.file}")
        from app.accounts import DEMO_PASSWORD, create_demo_accounts
        from app.database import open_community_db

        db = open_community_db(args.file)
        made = create_demo_accounts(db)
        db.conn.close()
        print("演示账户（密码都是 " + DEMO_PASSWORD + "）：" +
              "，".join(f"{user}（{role}）" for user, role in made) +
              "。打开演示库时自动以 admin 登录。")
        return 0
    from app.cli import sync as sync_cli

    if args.command in sync_cli.COMMANDS:
        return sync_cli.run(args)
    from app.cli import ledger as ledger_cli

    if args.command in ledger_cli.COMMANDS:
        return ledger_cli.run(args)
    from app.cli import printing as print_cli

    if args.command in print_cli.COMMANDS:
        return print_cli.run(args)
    from app.cli import audit as audit_cli

    if args.command in audit_cli.COMMANDS:
        return audit_cli.run(args)
    from app.cli import backup as backup_cli

    if args.command in backup_cli.COMMANDS:
        return backup_cli.run(args)
    from app.cli import verify as verify_cli

    if args.command in verify_cli.COMMANDS:
        return verify_cli.run(args)
    from app.cli import keypersons as keypersons_cli

    if args.command in keypersons_cli.COMMANDS:
        return keypersons_cli.run(args)
    from app.cli import reports as reports_cli

    if args.command in reports_cli.COMMANDS:
        return reports_cli.run(args)
    from app.cli import sweeps as sweeps_cli

    if args.command in sweeps_cli.COMMANDS:
        return sweeps_cli.run(args)
    raise ValueError(f"unknown command {args.command}")


def _demo_district(args: argparse.Namespace) -> int:
    from app.demo import DEMO_COMMUNITIES, DEMO_STREETS, build_demo_district, plan_demo_district

    if not 1 <= args.communities <= len(DEMO_COMMUNITIES):
        print(f"--communities 应为 1 到 {len(DEMO_COMMUNITIES)}。", file=sys.stderr)
        return 2
    if args.streets is not None and not 1 <= args.streets <= len(DEMO_STREETS):
        print(f"--streets 应为 1 到 {len(DEMO_STREETS)}。", file=sys.stderr)
        return 2
    path: Path = args.district
    if path.exists() and not args.force:
        print(f"文件已存在：{path}。如要覆盖请加 --force。", file=sys.stderr)
        return 2
    if args.force:
        plans = plan_demo_district(len(DEMO_COMMUNITIES), args.streets)
        files = [path, *(path.with_name(f"{path.stem}-{c.code}.sqlite") for c in plans)]
        for file in files:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{file}{suffix}").unlink(missing_ok=True)
    residents = args.residents if args.residents != 8000 else 2000
    made = build_demo_district(path, communities=args.communities, residents=residents,
                               seed=args.seed, progress=lambda line: print(f"  {line}"),
                               streets=args.streets)
    print(f"已生成区县演示库 {made['district']}，含 {len(made['communities'])} 个已登记并同步"
          "的社区。用 griddesk --db 区县文件 打开区里的视图，用 griddesk --db 社区文件 "
          "打开某个社区。")
    from app.accounts import DEMO_PASSWORD

    print("区县演示账户（密码都是 " + DEMO_PASSWORD + "）：" +
          "，".join(f"{user}（{role}）" for user, role in made["accounts"]) +
          "。打开区县演示库时自动以 admin 登录（只能查看社区的数据）。")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command is None:
        print("请用 griddesk（不带子命令）打开窗口。", file=sys.stderr)
        return 2
    return run_command(args)
