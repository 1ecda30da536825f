"""`griddesk sync …`, `griddesk district …` and `griddesk hub`: sync from the command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.cli.args import add_common, database_path
from app.database import OpenError, open_community_db
from app.errors import FormError
from app.sync.bundle import BundleError

if TYPE_CHECKING:
    from app.sync.enrollment import PendingRequest

COMMANDS = ("sync", "district", "hub")
REASON_HELP = "登记原因，区里确认时会看到：首次登记、换新电脑、从备份恢复，或其他说明"


def add_commands(sub: argparse._SubParsersAction) -> None:
    hub = sub.add_parser("hub", help="运行区县同步服务（区里的电脑上）")
    add_common(hub)
    hub.add_argument("--host", default="127.0.0.1")
    hub.add_argument("--port", type=int, default=8787)

    district = sub.add_parser("district", help="区县数据库：创建、接受社区登记、登记码")
    dsub = district.add_subparsers(dest="action", required=True)
    init = dsub.add_parser("init", help="创建区县数据库")
    add_common(init)
    init.add_argument("--name", required=True)
    init.add_argument("--code", required=True)
    accept = dsub.add_parser("accept", help="接受社区的登记申请文件，写出登记回执")
    add_common(accept)
    accept.add_argument("request", type=Path)
    accept.add_argument("--out", type=Path, required=True)
    code = dsub.add_parser("code", help="生成一次性登记码（联网登记用，30分钟内有效，"
                                        "输错5次即作废）")
    add_common(code)
    pending = dsub.add_parser("pending", help="列出等待区里确认的登记申请（替换已登记的电脑）")
    add_common(pending)
    confirm = dsub.add_parser("confirm", help="核对两台电脑的指纹后，确认替换（原电脑停用）")
    add_common(confirm)
    confirm.add_argument("id", type=int, help="待确认申请的编号（见 griddesk district pending）")
    confirm.add_argument("--out", type=Path, help="同时把登记回执写到这个文件夹（U盘登记时用）")
    refuse = dsub.add_parser("refuse", help="拒绝一份待确认的登记申请（原电脑照常同步）")
    add_common(refuse)
    refuse.add_argument("id", type=int, help="待确认申请的编号（见 griddesk district pending）")
    status = dsub.add_parser("status", help="每个社区一行：代码、名称、街道、居民、在管隔离、"
                                            "最近同步包及距今多久")
    add_common(status)

    sync = sub.add_parser("sync", help="与区里同步：导出、导入同步包，登记，联网同步")
    ssub = sync.add_subparsers(dest="action", required=True)
    export = ssub.add_parser("export", help="导出同步包到文件夹（U盘）")
    add_common(export)
    export.add_argument("--to", type=Path, required=True)
    export.add_argument("--peer", help="只导出给这个节点（区里默认导出给所有社区）")
    export.add_argument("--part-changes", type=int, metavar="N",
                        help="每个同步包文件最多包含的变更数（默认二十万；文件要小些时调小）")
    imp = ssub.add_parser("import", help="导入同步包（文件或文件夹）")
    add_common(imp)
    imp.add_argument("paths", type=Path, nargs="+")
    req = ssub.add_parser("enroll-request", help="写出本社区的登记申请文件")
    add_common(req)
    req.add_argument("--out", type=Path, required=True)
    req.add_argument("--reason", default="", help=REASON_HELP)
    fin = ssub.add_parser("enroll-finish", help="导入区里的登记回执")
    add_common(fin)
    fin.add_argument("response", type=Path)
    online = ssub.add_parser("online", help="联网与区里同步一次")
    add_common(online)
    online.add_argument("--url", required=True)
    eo = ssub.add_parser("enroll-online", help="用区里给的登记码联网登记")
    add_common(eo)
    eo.add_argument("--url", required=True)
    eo.add_argument("--code", default="", help="区里给的6位登记码（区里确认后再次登记时可不填）")
    eo.add_argument("--reason", default="", help=REASON_HELP)
    eo.add_argument("--wait", type=float, default=0, metavar="分钟",
                    help="需要区里确认时，最多等这么多分钟（每30秒问一次）")


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except (OpenError, BundleError) as exc:
        print(exc.message, file=sys.stderr)
        return 1
    except FormError as exc:
        print(exc.message, file=sys.stderr)
        return 1


def _run(args: argparse.Namespace) -> int:
    from app.sync import client, engine, enrollment, hub

    if args.command == "hub":
        hub.serve(database_path(args), args.host, args.port)
        return 0
    create = args.command == "district" and args.action == "init"
    db = open_community_db(database_path(args), create=create)
    from app.accounts import record, require

    # `district status` only reads (a 街道 account sees its street's communities: db.scope).
    reading = args.command == "district" and args.action == "status"
    require(db, "registry.view" if reading else "sync")
    record(db, "sync", what=f"{args.command} {args.action}")
    if args.command == "district":
        if args.action == "status":
            return _print_status(db)
        if args.action == "init":
            engine.create_district(db, args.name, args.code)
            print(f"已创建区县数据库“{args.name}”：{database_path(args)}")
            print(f"本机指纹：{engine.keys(db).fingerprint}")
        elif args.action == "accept":
            request = engine.read_enroll_request(args.request)
            print(f"社区：{request.name}（{request.code}）指纹：{request.fingerprint}")
            if engine.accept_enroll_request(db, request) == "pending":
                _print_pending(next(p for p in enrollment.pending(db)
                                    if p.node_id == request.node_id
                                    and p.fingerprint == request.fingerprint))
                print("这份申请要替换已登记的电脑，没有自动接受，也没有写出回执。请电话核对两台电脑的"
                      "指纹和原因，再运行 griddesk district confirm 编号 --out 文件夹"
                      "（或 refuse 编号 拒绝）。")
                return 0
            path = engine.write_enroll_response(db, request.node_id, args.out)
            print(f"已接受登记，回执：{path}")
        elif args.action == "code":
            print(enrollment.issue_code(db).notice())
        elif args.action == "pending":
            waiting = enrollment.pending(db)
            for item in waiting:
                _print_pending(item)
            print(f"共 {len(waiting)} 份待确认的登记申请。" if waiting
                  else "没有待确认的登记申请。")
        elif args.action == "confirm":
            done = enrollment.confirm(db, args.id)
            print(f"已确认：“{done.name}”（{done.code}）改用指纹为 {done.fingerprint} 的电脑，"
                  "原来的电脑已停用。")
            if args.out:
                path = engine.write_enroll_response(db, done.node_id, args.out)
                print(f"登记回执：{path}")
            else:
                print("社区再次联网登记即可完成（无需登记码）；U盘登记的，请用 griddesk "
                      "district accept 原申请文件 --out 文件夹 写出登记回执。")
        elif args.action == "refuse":
            done = enrollment.refuse(db, args.id)
            print(f"已拒绝“{done.name}”（{done.code}）指纹为 {done.fingerprint} 的登记申请；"
                  "原来的电脑照常同步。")
        return 0
    if args.action == "export":
        peers = [args.peer] if args.peer else [
            p["node_id"] for p in engine.store.peers(db) if not p["revoked"]]
        if not peers:
            print("还没有登记的同步对象，请先完成登记。", file=sys.stderr)
            return 1
        for peer in peers:
            for path in engine.export_bundles(
                    db, peer, args.to, part_size=max(1, args.part_changes or engine.PART_CHANGES)):
                print(f"已写入并校验：{path}")
        return 0
    if args.action == "import":
        status = 0
        for path in args.paths:
            outcomes = engine.import_folder(db, path) if path.is_dir() else [
                engine.import_bundle(db, path)]
            if path.is_dir() and not engine.bundle_files(path):
                # Nothing to import is not success: the stick may be the wrong one, or the
                # export was cut short (a leftover .part is listed below).
                print(f"文件夹“{path}”里没有完整的同步包（*.gdsync）。请确认选对了U盘上的文件夹，"
                      "或请对方重新导出。", file=sys.stderr)
                status = 1
            for outcome in outcomes:
                print(f"{outcome.file}：{outcome.message}")
                status = status or (1 if outcome.status == "refused" else 0)
        return status
    if args.action == "enroll-request":
        path, fingerprint = engine.write_enroll_request(db, args.out, args.reason)
        print(f"登记申请：{path}\n本机指纹（请电话告诉区里核对）：{fingerprint}")
        return 0
    if args.action == "enroll-finish":
        district = engine.accept_enroll_response(db, args.response)
        print(engine.enrolled_message(district))
        return 0
    if args.action == "online":
        try:
            print(client.sync_once(db, args.url).message)
        except client.HubUnavailable as exc:
            print(exc.message, file=sys.stderr)
            return 1
        return 0
    if args.action == "enroll-online":
        try:
            district = client.enroll_online(db, args.url, args.code, reason=args.reason,
                                            wait_s=args.wait * 60)
        except client.EnrollmentPending as exc:
            print(exc.message, file=sys.stderr)
            return 4        # waiting for the district: not a failure, not done either
        except client.HubUnavailable as exc:
            print(exc.message, file=sys.stderr)
            return 1
        print(engine.enrolled_message(district))
        return 0
    raise ValueError(args.action)


def _print_status(db: Any) -> int:
    from app import district

    if not district.is_district(db):
        print("这不是区县数据库。请用 --db 指定区里的数据库文件。", file=sys.stderr)
        return 2
    from app.district import overview

    lines = district.status_lines(db, stale_days=overview.stale_after_days(db))
    for line in lines:
        print(line)
    print(f"共 {len(lines)} 个社区。" if lines
          else "还没有社区的数据。请先接受社区登记并导入同步包。")
    return 0


def _print_pending(item: PendingRequest) -> None:
    print(f"[{item.id}] {item.name}（{item.code}）{item.requested_at.replace('T', ' ')}"
          f"  {'联网' if item.via == 'online' else 'U盘文件'}\n"
          f"    情况：{item.why_text}；社区说明的原因：{item.reason_text}\n"
          f"    原电脑指纹：{item.old_fingerprint or '—'}\n"
          f"    新电脑指纹：{item.fingerprint}")
