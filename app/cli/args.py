"""What every command shares: one --db and one --user, given before or after the command, and
opening the command's database with messages a person can act on."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from app.database import OpenError, community_info, open_community_db

DB_HELP = "数据库文件"
USER_HELP = "以此账户登录（密码在提示时输入，或取自环境变量 GRIDDESK_PASSWORD）"


class CommandError(Exception):
    """A command cannot go on; `message` (Chinese) says why and what to do, `status` is the
    exit status (2: the command was written wrongly, 1: it could not be carried out)."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def add_global_options(parser: argparse.ArgumentParser) -> None:
    """--db and --user on the top-level parser: `griddesk --db F --user U print …`."""
    parser.add_argument("--db", type=Path, help="打开指定的数据库文件（默认：本机数据文件夹）")
    parser.add_argument("--user", help=USER_HELP)


def add_common(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The same --db and --user on a command, so `griddesk print … --db F` works too. Their
    default is to leave the value given before the command, if any, in place."""
    parser.add_argument("--db", type=Path, default=argparse.SUPPRESS, help=DB_HELP)
    parser.add_argument("--user", default=argparse.SUPPRESS, help=USER_HELP)
    return parser


def database_path(args: argparse.Namespace) -> Path:
    if getattr(args, "db", None) is None:
        raise CommandError(f"请用 --db 指明数据库文件，例如：griddesk {args.command} … "
                           "--db 社区.sqlite", status=2)
    return args.db


@contextmanager
def opened(args: argparse.Namespace, *, create: bool = False,
           community: bool = True) -> Iterator[sqlite_utils.Database]:
    """The command's database, closed afterwards. With `community`, a database that has no
    community yet is refused: there is nothing a command could do with it."""
    path = database_path(args)
    try:
        db = open_community_db(path, create=create)
    except OpenError as exc:
        raise CommandError(exc.message) from exc
    try:
        if community and community_info(db) is None:
            raise CommandError(f"{path} 里还没有社区信息，请先用 griddesk 打开它填写社区信息。")
        yield db
    finally:
        db.conn.close()
