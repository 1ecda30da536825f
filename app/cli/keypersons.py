"""`griddesk keypersons …`: key-person lists from the command line. At the district: import a
list, see progress and who waits, assign by hand, withdraw a list; at a community: record a
result; at either: export the result ledger."""

from __future__ import annotations

import argparse
import re

from app.cli.args import CommandError, add_common, opened
from app.errors import FormError
from app.ledger.reader import LedgerError
from app.ledger.xlsx import ExportError

COMMANDS = ("keypersons",)


def add_commands(sub: argparse._SubParsersAction) -> None:
    group = sub.add_parser("keypersons",
                           help="重点人员核查：区里导入名单、分配，社区填写核查结果，导出结果台账")
    verbs = group.add_subparsers(dest="verb", required=True)
    imp = add_common(verbs.add_parser("import", help="在区里导入上级下发的重点人员名单（Excel）"))
    imp.add_argument("file", help="名单文件（.xlsx/.xls/.csv）")
    imp.add_argument("--title", help="名单标题（默认取表格上方的标题行）")
    imp.add_argument("--category", help="类别，例如“中高风险地区返回”（名单里没有“类别”列时用）")
    imp.add_argument("--due", help="核查截止时间：YYYY-MM-DD 或 YYYY-MM-DDTHH:MM（默认明天18:00）")
    imp.add_argument("--dry-run", action="store_true", help="只检查和匹配，不导入")
    status = add_common(verbs.add_parser("status", help="各名单各社区的核查进度，以及待分配的人员"))
    status.add_argument("--list", dest="list_title", help="只看这份名单（标题）")
    ver = add_common(verbs.add_parser("verify", help="在社区填写一名重点人员的核查结果"))
    who = ver.add_mutually_exclusive_group(required=True)
    who.add_argument("--name", help="姓名")
    who.add_argument("--id-number", help="证件号码")
    ver.add_argument("--result", required=True,
                     help="核查结果：在本社区居住、已离开本社区、查无此人、信息有误、其他")
    ver.add_argument("--detail", default="", help="去向（已离开本社区时）或哪项有误（信息有误时）")
    ver.add_argument("--note", default="", help="备注")
    asg = add_common(verbs.add_parser("assign",
                                      help="在区里把一名重点人员分配（或改派）给某个社区"))
    who = asg.add_mutually_exclusive_group(required=True)
    who.add_argument("--name", help="姓名")
    who.add_argument("--id-number", help="证件号码")
    asg.add_argument("--community",
                     help="社区名称或12位代码（不写时：按社区报的“已离开本社区，去向××社区”改派）")
    wd = add_common(verbs.add_parser("withdraw", help="在区里撤回一份名单（已填的结果保留）"))
    wd.add_argument("--list", dest="list_title", required=True, help="名单标题")
    exp = add_common(verbs.add_parser("export", help="导出核查结果台账（.xlsx）"))
    exp.add_argument("--out", required=True, help="输出文件（.xlsx）")
    exp.add_argument("--list", dest="list_title", help="只导出这份名单（标题）")


def run(args: argparse.Namespace) -> int:
    try:
        with opened(args) as db:
            return _VERBS[args.verb](db, args)
    except FormError as exc:
        raise CommandError(exc.message) from exc
    except (LedgerError, ExportError) as exc:
        raise CommandError(exc.message) from exc


def _import(db, args: argparse.Namespace) -> int:
    from app.keypersons import importer

    plan = importer.import_list(db, args.file, title=args.title, category=args.category,
                               due=args.due, dry_run=args.dry_run)
    for line in plan.lines():
        print(line)
    if args.dry_run:
        print("（试导入：没有写入任何数据。去掉 --dry-run 即可导入。）")
    return 0


def _status(db, args: argparse.Namespace) -> int:
    from app import keypersons
    from db import keypersons as q

    list_id = None
    if args.list_title:
        found = q.list_by_title(db, args.list_title)
        if found is None:
            raise CommandError(f"没有名为“{args.list_title}”的名单。")
        list_id = found["id"]
    rows = keypersons.progress(db, list_id=list_id)
    if not rows:
        print("还没有重点人员名单。")
        return 0
    title = None
    for r in rows:
        if r.title != title:
            title = r.title
            withdrawn = "，" + keypersons.WITHDRAWN if r.withdrawn else ""
            print(f"{r.title}（截止 {r.due_at}{withdrawn}）")
        print(f"  {r.community}：已核实 {r.verified}/{r.total}，逾期 {r.overdue}")
    if keypersons.is_district(db):
        waiting = q.unassigned(db)
        if waiting:
            print(f"待分配 {len(waiting)} 人（用 griddesk keypersons assign --name 姓名 "
                  "--community 社区 分配）：")
            for p in waiting[:50]:
                print(f"  {p['name']}（第{p['source_rows']}行，{p['address'] or '无住址'}）"
                      f"{'：可能在 ' + p['candidates'] if p['candidates'] else '：本区未找到'}")
        try:    # the commands to run only for an account that may run them
            keypersons.require_district_writer(db)
            writer = True
        except FormError:
            writer = False
        for p in keypersons.reassignable(db):
            if not writer:
                print(f"已离开：{p['name']}（{p['community']}报“{keypersons.result_text(p)}”）"
                      "，请区里改派。")
            elif p["target"]:
                print(f"已离开：{p['name']}（{p['community']}报“{keypersons.result_text(p)}”）"
                      f"，改派给{p['target_name']}：griddesk keypersons assign "
                      f"--name {p['name']}")
            else:
                print(f"已离开：{p['name']}（{p['community']}报“{keypersons.result_text(p)}”）"
                      "，去向没有写明本区另一个社区；如需改派：griddesk keypersons assign "
                      f"--name {p['name']} --community 社区")
        for c in keypersons.conflicts(db):
            print(f"冲突：{c['community']}在{c['recorded_at']}填写了“{c['name']}”的结果"
                  f"（{keypersons.result_text(c)}），但区里已在{c['moved_at']}把此人转给"
                  f"{c['moved_to_name']}。")
    return 0


def _one(db, args: argparse.Namespace, owner: str | None) -> dict:
    from app.validation import ValidationError, validate_id_number
    from db import keypersons as q

    number = args.id_number
    if number:
        try:
            number = validate_id_number(number).number
        except ValidationError as exc:
            raise CommandError(f"--id-number：{exc.message}", status=2) from exc
    found = q.find_people(db, owner, name=args.name, id_number=number)
    what = f"姓名“{args.name}”" if args.name else f"证件号码“{args.id_number}”"
    if not found:
        raise CommandError(f"没有{what}的待核查重点人员。用 griddesk keypersons status 查看名单。")
    if len(found) > 1:
        lines = "\n".join(f"  {p['name']}（{p['title']}，第{p['source_rows']}行）" for p in found)
        raise CommandError(f"{what}对应 {len(found)} 人，请改用 --id-number 指明：\n{lines}")
    return found[0]


def _verify(db, args: argparse.Namespace) -> int:
    from app import keypersons

    word, detail = args.result.strip(), args.detail.strip()
    said = _WITH_DETAIL.fullmatch(word)      # 已离开本社区，去向建设路社区 / 信息有误（电话）
    if said and said.group(1) in keypersons.RESULT_WORDS:
        word, detail = said.group(1), detail or said.group(2).strip()
    try:   # an unknown word: the valid ones listed
        code = keypersons.result_code(word)
    except FormError as exc:
        raise CommandError(exc.message, status=2) from exc
    if keypersons.is_district(db):
        raise CommandError(keypersons.NO_RESULTS_AT_DISTRICT)
    person = _one(db, args, keypersons.own_owner(db))
    try:
        keypersons.verify(db, person["id"], code, detail=detail, note=args.note)
    except FormError as exc:   # name the option to add, not the window's field
        raise CommandError("\n".join(f"{_OPTIONS.get(k, k)}：{v}" for k, v in exc.errors.items()),
                           status=2) from exc
    shown = keypersons.result_text({"result": code, "detail": detail})
    print(f"已记录“{person['name']}”的核查结果：{shown}。下次同步时报给区里。")
    return 0


_WITH_DETAIL = re.compile(r"([^，,（(]+)[，,（(](?:去向)?([^）)]+)[）)]?")
_OPTIONS = {"detail": "--detail", "note": "--note", "result": "--result",
            "person": "--name/--id-number"}


def _assign(db, args: argparse.Namespace) -> int:
    from app import community_scope, keypersons

    person = _one(db, args, None)
    if args.community:
        ids = community_scope.resolve(db, community=args.community)
        if not ids or len(ids) != 1:
            raise CommandError(f"“{args.community}”不是唯一的一个社区，请写社区的12位代码。")
        target = next(iter(ids))
    else:   # one step: to the community the 已离开 result names
        target = keypersons.reassign_target(db, person["id"])
        if target is None:
            raise CommandError(f"“{person['name']}”没有写明去向本区某个社区的“已离开本社区”"
                               "结果，请用 --community 指明分配给哪个社区。", status=2)
    keypersons.assign(db, person["id"], target)
    name = keypersons.community_names(db).get(target, args.community)
    print(f"已把“{person['name']}”分配给{name}，下次同步时下发。")
    return 0


def _withdraw(db, args: argparse.Namespace) -> int:
    from app import keypersons
    from db import keypersons as q

    found = q.list_by_title(db, args.list_title)
    if found is None:
        raise CommandError(f"没有名为“{args.list_title}”的名单。")
    keypersons.withdraw(db, found["id"])
    print(f"已撤回名单“{args.list_title}”。各社区同步后会看到“已撤回”，已填的结果保留。")
    return 0


def _export(db, args: argparse.Namespace) -> int:
    from pathlib import Path

    from app.keypersons import ledger

    if Path(args.out).suffix.lower() != ".xlsx":
        raise CommandError(f"--out 的文件名应以 .xlsx 结尾（收到“{Path(args.out).name}”）。",
                           status=2)
    n = ledger.export(db, args.out, list_title=args.list_title)
    print(f"已导出 {n} 人的核查结果 → {args.out}")
    return 0


_VERBS = {"import": _import, "status": _status, "verify": _verify, "assign": _assign,
          "withdraw": _withdraw, "export": _export}
