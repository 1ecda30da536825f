"""A key-person list through the real district hub: imported at the district on the command
line, matched, fetched by the community from the hub, verified on the community's command
line, uploaded, and in the district's result ledger."""

from __future__ import annotations

import openpyxl

from app import keypersons
from app.cli import main
from app.database import open_community_db
from app.keypersons import demo as kp_demo
from app.sync import client
from db import keypersons as q
from tests.app.sync.test_sync import new_community
from tests.conftest import make_id
from tests.e2e.test_hub import hub, issue_code  # noqa: F401  (the hub fixture)


def test_a_list_goes_down_and_its_results_come_up_through_the_hub(hub, tmp_path,  # noqa: F811
                                                                  capsys):
    url, district_path, env = hub
    community = new_community(tmp_path, "长江路社区", "410102007003")
    client.enroll_online(community, url, issue_code(district_path, env))
    client.sync_once(community, url)                      # its residents reach the district

    rows = [[1, "张三", make_id("410102", seq="131"), "", "", "社区矫正", ""],
            [2, "李四", make_id("410102", seq="142"), "", "", "社区矫正", ""],
            [3, "外来人", make_id("410105", seq="999"), "", "", "社区矫正", ""]]
    path = kp_demo.write_list(tmp_path / "名单.xlsx", rows, title="社区矫正对象核查（12月）")
    # the commands run in this process (the hub holds the district file open meanwhile)
    assert main(["keypersons", "import", "--db", str(district_path), str(path)]) == 0
    out = capsys.readouterr().out
    assert "长江路社区：2 人" in out and "待区里分配" in out

    client.sync_once(community, url)                      # the list comes down
    owner = keypersons.own_owner(community)
    names = sorted(r["name"] for r in q.page_rows(community, q.page_ids(community, owner)))
    assert names == ["张三", "李四"]

    db_file = tmp_path / "410102007003.sqlite"
    assert main(["keypersons", "verify", "--db", str(db_file), "--name", "张三",
                 "--result", "在本社区居住"]) == 0
    community.conn.close()
    community = open_community_db(db_file)
    assert client.sync_once(community, url).uploaded > 0  # the result goes up

    out = tmp_path / "结果.xlsx"
    assert main(["keypersons", "export", "--db", str(district_path), "--out", str(out)]) == 0
    sheet = openpyxl.load_workbook(out).active
    values = [[c.value for c in r] for r in sheet.iter_rows()]
    header = next(r for r in values if r and r[0] == "名单")
    found = {r[header.index("姓名")]: r for r in values[values.index(header) + 1:]}
    assert found["张三"][header.index("核查结果")] == "在本社区居住"
    assert found["李四"][header.index("状态")] == "待核实"
    assert found["外来人"][header.index("社区")] == "待分配"
    capsys.readouterr()
    assert main(["keypersons", "status", "--db", str(district_path)]) == 0
    assert "长江路社区：已核实 1/2" in capsys.readouterr().out
