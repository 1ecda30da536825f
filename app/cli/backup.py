"""`griddesk backup` and `griddesk restore`: the same backups as the 设置 page, from a shell."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from app.accounts import backup
from app.accounts.backup import BackupError
from app.cli.args import add_common, database_path
from app.database import OpenError, open_community_db
from app.errors import FormError

COMMANDS = ("backup", "restore")


def add_commands(sub: argparse._SubParsersAction) -> None:
    make = sub.add_parser("backup", help="立即备份数据库到文件夹（U盘），可加口令保护")
    add_common(make)
    make.add_argument("--to", type=Path, required=True, help="备份写入的文件夹")
    make.add_argument("--passphrase-env", metavar="VAR",
                      help="从这个环境变量读取口令（不给则交互输入；自动化可用）")
    make.add_argument("--no-passphrase", action="store_true",
                      help="不另设口令：用账户密码和恢复密钥保护（管理员从未登录过的数据库"
                           "则不加密，U盘丢失会泄露数据）")
    restore = sub.add_parser("restore", help="从备份恢复数据库（原数据库改名保留）")
    add_common(restore)
    restore.add_argument("file", type=Path, help="备份文件（.gdbak）")
    restore.add_argument("--passphrase-env", metavar="VAR",
                         help="从这个环境变量读取备份口令；自动备份则是账户密码或恢复密钥")
    restore.add_argument("--yes", action="store_true", help="不再询问，直接恢复")


def _passphrase(var: str | None, twice: bool) -> str:
    if var:
        value = os.environ.get(var)
        if not value:
            raise BackupError("passphrase_needed", f"环境变量 {var} 里没有口令。")
        return value
    first = getpass.getpass("备份口令：")
    if twice and getpass.getpass("再输入一次：") != first:
        raise BackupError("passphrase_mismatch", "两次输入的口令不一致，没有备份。")
    return first


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except (BackupError, OpenError, FormError) as exc:
        print(exc.message, file=sys.stderr)
        return 1


def _run(args: argparse.Namespace) -> int:
    if args.command == "backup":
        passphrase = None if args.no_passphrase else _passphrase(args.passphrase_env, True)
        if passphrase is not None and len(passphrase) < 8:
            raise BackupError("weak_passphrase", "口令至少8个字符。")
        db = open_community_db(database_path(args))
        try:
            info = backup.manual_backup(db, args.to, passphrase=passphrase)
        finally:
            db.conn.close()
        print(f"已写入并校验：{info.path}\n{backup.describe(info)}")
        return 0
    path: Path = args.file
    passphrase = None
    if backup.is_encrypted(path):
        if not args.passphrase_env:      # a 口令, or a password / the recovery key if sealed
            print(backup.secret_prompt(path), file=sys.stderr)
        passphrase = _passphrase(args.passphrase_env, False)
    print("正在校验备份…", file=sys.stderr)
    info = backup.verify_backup(path, passphrase)
    print(backup.describe(info))
    if backup.in_use_by_window(database_path(args)):
        raise BackupError("in_use", "这个数据库正在社区网格通窗口中打开。请在窗口的"
                          "“设置 → 从备份恢复”里恢复，或先关闭窗口。")
    if Path(database_path(args)).exists():
        current = open_community_db(database_path(args))
        try:
            backup.check_may_restore(current, path)
        finally:
            current.conn.close()
    if not args.yes:
        answer = input(f"用这份备份替换 {database_path(args)}？原数据库会改名保留。输入 y 确认：")
        if answer.strip().lower() not in ("y", "yes", "是"):
            print("已取消，没有改动。")
            return 1
    info, aside = backup.restore_backup(path, database_path(args), passphrase)
    print(f"已恢复：{database_path(args)}")
    if aside:
        print(f"原数据库已改名保留：{aside}")
    print("恢复后的数据库是新的同步节点：请到“同步”页重新向区里登记。")
    return 0
