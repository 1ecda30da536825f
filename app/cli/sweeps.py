"""`griddesk sweep list --db FILE` and `griddesk sweep progress --db FILE [--sweep TITLE]
[--by grid|building|community]`: the sweeps an office sees and how far each has got, from
the command line (at a community or the district); `griddesk sweep record --db COMMUNITY
--household ADDRESS --outcome WORD …`: a household's outcome, as the window records it."""

from __future__ import annotations

import argparse
import sys

from app.cli.args import CommandError, add_common, opened
from app.errors import FormError

COMMANDS = ("sweep",)
BY_WORDS = {"grid": "网格", "building": "楼栋", "community": "社区"}
# What a person may type for an outcome: the labels, their short forms, the codes.
OUTCOME_WORDS = {"已排查": "done", "无人在家": "absent", "无人在家（再访）": "absent",
                 "再访": "absent", "拒绝": "refused", "空置": "vacant",
                 "done": "done", "absent": "absent", "refused": "refused", "vacant": "vacant"}
SYMPTOM_WORDS = {"发热": "fever", "干咳": "cough", "咳嗽": "cough", "乏力": "fatigue",
                 "咽痛": "sore_throat", "嗅觉减退": "smell_taste", "味觉减退": "smell_taste",
                 "腹泻": "diarrhoea"}
# A FormError's field → the option to correct.
OPTIONS = {"people": "--people", "returnees": "--returnees", "returnee_origin": "--origin",
           "returned_on": "--returned-on", "elderly": "--elderly",
           "elderly_unvaccinated": "--unvaccinated", "visited_on": "--date",
           "symptoms": "--symptom", "household": "--household", "address": "--household",
           "outcome": "--outcome", "sweep": "--sweep", "community": "--db"}


def add_commands(sub: argparse._SubParsersAction) -> None:
    sweep = sub.add_parser("sweep", help="入户排查：列出排查，查看进度")
    ssub = sweep.add_subparsers(dest="sweep_command", required=True)
    listing = ssub.add_parser("list", help="列出本单位看到的入户排查（进行中的在前）")
    add_common(listing)
    progress = ssub.add_parser("progress", help="某次排查按网格、楼栋或社区的进度")
    add_common(progress)
    progress.add_argument("--sweep", help="排查名称（默认最新一次进行中的排查）")
    progress.add_argument("--by", default=None,
                          help="按 grid（网格）、building（楼栋）或 community（社区，区县用）汇总")
    record = ssub.add_parser("record", help="社区：登记一户的排查结果（不覆盖以前的记录）")
    add_common(record)
    record.add_argument("--sweep", help="排查名称（只有一次进行中的排查时可省略）")
    record.add_argument("--household", required=True,
                        help="住户地址，如“锦绣花园3号楼2单元501”或“3-2-501”")
    record.add_argument("--outcome", required=True, help="排查结果：" + "、".join(OUTCOME_WORDS))
    record.add_argument("--people", help="现住人数（已排查时填写）")
    record.add_argument("--returnees", default="0", help="外地返回人数")
    record.add_argument("--origin", help="外地返回人员从何地返回，如“广州市白云区”")
    record.add_argument("--returned-on", help="返回日期 YYYY-MM-DD")
    record.add_argument("--symptom", action="append", default=[],
                        help="发现的症状（可写多次）：" + "、".join(SYMPTOM_WORDS))
    record.add_argument("--elderly", help="60岁以上人数")
    record.add_argument("--unvaccinated", help="其中未接种疫苗的人数")
    record.add_argument("--date", help="排查日期 YYYY-MM-DD（默认今天）")
    record.add_argument("--note", help="备注")


def run(args: argparse.Namespace) -> int:
    from app import community_scope, sweeps

    if args.sweep_command == "record":
        return _record(args)
    with opened(args) as db:
        try:
            found = sweeps.sweeps(db)
            if args.sweep_command == "list":
                if not found:
                    print("还没有入户排查。")
                for s in found:
                    total = sweeps.total(sweeps.progress(db, s.id, "community"))
                    print(f"{s.label}：共{total.households}户，已完成{total.finished}户"
                          f"（{total.percent}%）")
                return 0
            by = args.by or ("community" if community_scope.is_district(db) else "grid")
            if by not in BY_WORDS:
                words = "、".join(f"{k}（{v}）" for k, v in BY_WORDS.items())
                raise CommandError(f"--by 只能是 {words}，收到“{by}”。", status=2)
            chosen = [s for s in found if args.sweep in (None, s.title)]
            if not chosen:
                names = "、".join(s.title for s in found) or "（还没有排查）"
                raise CommandError(f"没有名为“{args.sweep}”的排查。这里的排查有：{names}")
            sweep = chosen[0]
            rows = sweeps.progress(db, sweep.id, by)
        except FormError as exc:
            print(exc.message, file=sys.stderr)
            return 1
    print(f"{sweep.label}")
    print(f"{BY_WORDS[by]}\t户数\t已排查\t无人在家\t拒绝\t空置\t未完成\t完成率\t返回人员")
    for p in [*rows, sweeps.total(rows)]:
        print(f"{p.label}\t{p.households}\t{p.done}\t{p.absent}\t{p.refused}\t{p.vacant}\t"
              f"{p.pending}\t{p.percent}%\t{p.returnees}")
    return 0


def _record(args: argparse.Namespace) -> int:
    from app import community_scope, keypersons, sweeps

    outcome = OUTCOME_WORDS.get(args.outcome.strip())
    if outcome is None:
        raise CommandError(f"--outcome：不认识的排查结果“{args.outcome}”。可以填写："
                           "已排查、无人在家、拒绝、空置。", status=2)
    marks = []
    for word in args.symptom:
        if word.strip() not in SYMPTOM_WORDS:
            raise CommandError(f"--symptom：不认识的症状“{word}”。可以填写："
                               f"{'、'.join(SYMPTOM_WORDS)}。", status=2)
        marks.append(SYMPTOM_WORDS[word.strip()])
    with opened(args) as db:
        if community_scope.is_district(db):
            raise CommandError("入户排查的结果由社区登记：请在社区的数据库上运行这个命令。")
        try:
            found = [s for s in sweeps.sweeps(db, open_only=True)
                     if args.sweep in (None, s.title)]
            if len(found) != 1:
                names = "、".join(s.title for s in sweeps.sweeps(db, open_only=True))
                if not names:
                    raise CommandError("现在没有进行中的入户排查。")
                if args.sweep:
                    raise CommandError(f"--sweep：没有进行中的排查“{args.sweep}”。"
                                       f"进行中的有：{names}", status=2)
                raise CommandError(f"有几次排查在进行，请用 --sweep 指明是哪一次：{names}",
                                   status=2)
            sweep = found[0]
            household = keypersons.find_household(db, args.household)
            sweeps.record_visit(
                db, sweep.id, household, outcome, visited_on=args.date, people=args.people,
                returnees=args.returnees, returnee_origin=args.origin,
                returned_on=args.returned_on, symptoms=marks, elderly=args.elderly,
                elderly_unvaccinated=args.unvaccinated, note=args.note)
        except FormError as exc:
            raise CommandError("\n".join(f"{OPTIONS.get(k, k)}：{v}"
                                          for k, v in exc.errors.items()), status=2) from exc
        rows = sweeps.progress(db, sweep.id, "community")
    print(f"已登记“{args.household}”：{sweeps.OUTCOME_LABELS[outcome]}（{sweep.title}）。"
          f"本排查已完成 {sweeps.total(rows).finished}/{sweeps.total(rows).households} 户，"
          "下次同步时报给区里。")
    return 0
