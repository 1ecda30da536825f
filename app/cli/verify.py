"""`griddesk verify --db FILE "QR TEXT"`: check a release form's QR code (解除通知书) against
the keys of the offices the database knows, offline; print who released whom and when, or
refuse with a Chinese message and exit status 1."""

from __future__ import annotations

import argparse
import sys

from app.cli.args import CommandError, add_common, opened

COMMANDS = ("verify",)


def add_commands(sub: argparse._SubParsersAction) -> None:
    verify = sub.add_parser("verify", help="扫码核验解除居家隔离通知书的二维码（离线，核对签名）")
    add_common(verify)
    verify.add_argument("text", nargs="?", metavar="QR",
                        help="二维码的内容（不写则从标准输入读一行，例如扫码枪输入）")


def run(args: argparse.Namespace) -> int:
    from app.isolation import verify

    text = args.text if args.text is not None else sys.stdin.readline()
    with opened(args) as db:
        try:
            result = verify.check(db, text)
        except verify.VerifyError as exc:
            raise CommandError(exc.message) from exc
    for line in result.lines:
        print(line)
    return 0
