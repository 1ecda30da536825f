"""`griddesk sync …`, `griddesk district …` and `griddesk hub`: sync from the command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.cli.args import add_common, database_path
from app.database import OpenError, open_community_db
from app.errors import FormError
from app.sync.bundle import BundleError

COMMANDS = ("sync", "district", "hub")


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
    code = dsub.add_parser("code", help="生成一次性登记码（联网登记用，30分钟内有效）")
    add_common(code)

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
    fin = ssub.add_parser("enroll-finish", help="导入区里的登记回执")
    add_common(fin)
    fin.add_argument("response", type=Path)
    online = ssub.add_parser("online", help="联网与区里同步一次")
    add_common(online)
    online.add_argument("--url", required=True)
    eo = ssub.add_parser("enroll-online", help="用区里给的登记码联网登记")
    add_common(eo)
    eo.add_argument("--url", required=True)
    eo.add_argument("--code", required=True)


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
    from app.sync import client, engine, hub

    if args.command == "hub":
        hub.serve(database_path(args), args.host, args.port)
        return 0
    create = args.command == "district" and args.action == "init"
    db = open_community_db(database_path(args), create=create)
    from app.accounts import record, require

    require(db, "sync")
    record(db, "sync", what=f"{args.command} {args.action}")
    if args.command == "district":
        if args.action == "init":
            engine.create_district(db, args.name, args.code)
            print(f"已创建区县数据库“{args.name}”：{database_path(args)}")
            print(f"本机指纹：{engine.keys(db).fingerprint}")
        elif args.action == "accept":
            request = engine.read_enroll_request(args.request)
            print(f"社区：{request.name}（{request.code}）指纹：{request.fingerprint}")
            engine.accept_enroll_request(db, request)
            path = engine.write_enroll_response(db, request.node_id, args.out)
            print(f"已接受登记，回执：{path}")
        elif args.action == "code":
            print(hub.new_enroll_code(db))
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
            for outcome in outcomes:
                print(f"{outcome.file}：{outcome.message}")
                status = status or (1 if outcome.status == "refused" else 0)
        return status
    if args.action == "enroll-request":
        path, fingerprint = engine.write_enroll_request(db, args.out)
        print(f"登记申请：{path}\n本机指纹（请电话告诉区里核对）：{fingerprint}")
        return 0
    if args.action == "enroll-finish":
        district = engine.accept_enroll_response(db, args.response)
        print(f"已登记到“{district['name']}”。")
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
            district = client.enroll_online(db, args.url, args.code)
        except client.HubUnavailable as exc:
            print(exc.message, file=sys.stderr)
            return 1
        print(f"已登记到“{district['name']}”。")
        return 0
    raise ValueError(args.action)
