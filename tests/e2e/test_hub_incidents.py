"""An escalated event through the real hub process: the community's escalation goes up on one
sync, the district's answer (typed in its window, on its database) comes down on the next,
and the community closes the loop with the resident."""

from app import incidents
from app.database import open_community_db
from app.sync import client
from tests.app.sync.test_sync import new_community
from tests.e2e.test_hub import hub, issue_code  # noqa: F401  (the fixture)


def test_escalation_and_the_districts_answer_through_the_hub(hub, tmp_path):  # noqa: F811
    url, district_path, env = hub
    community = new_community(tmp_path, "长江路社区", "410102007003")
    client.enroll_online(community, url, issue_code(district_path, env))
    event = incidents.create_request(community, resident_id=community.ids["张三"],
                                     text="楼顶漏水，物业不管", kind="设施损坏",
                                     source="居民来电")
    incidents.escalate(community, event, "物业公司拒不维修，需区住建局督办")
    assert client.sync_once(community, url).uploaded > 0

    district = open_community_db(district_path)
    try:
        [waiting] = incidents.list_ids(district, incidents.Filters(escalated=True))
        assert waiting == event
        incidents.reply(district, event, "assign", department="区住房和城乡建设局",
                        note="督促物业3日内维修")
        incidents.reply(district, event, "resolve", note="物业已修复楼顶防水")
    finally:
        district.conn.close()

    assert client.sync_once(community, url).received >= 2
    [row] = incidents.rows(community, [event])
    assert row["status_label"] == "区里已办结，待回访"
    incidents.callback(community, event, "satisfied", "居民表示满意")
    seen = incidents.detail(community, event)
    assert seen.row["status"] == "closed" and seen.result == "物业已修复楼顶防水"
    assert [s.action for s in seen.steps if s.side == "district"] == ["区里交办", "区里办结"]
    client.sync_once(community, url)
    district = open_community_db(district_path)
    try:
        assert incidents.detail(district, event).row["satisfaction"] == "satisfied"
    finally:
        district.conn.close()
