"""Demo daily reports: at a district demo, each community records outcomes of the district's
sweep and confirms a week of daily reports (the one that has not synced for days stops
confirming then), and sends them up, so the district's table shows a week with gaps."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from app import reports


def add_demo_reports(db: Any, days: int = 7, skip_last: int = 0,
                     today: date | None = None) -> int:
    """Confirm the reports of the last `days` days but the newest `skip_last`; returns how
    many were confirmed."""
    today = today or date.today()
    now = datetime.now()
    made = 0
    for back in range(days - 1, skip_last - 1, -1):
        day = today - timedelta(days=back)
        at = min(datetime.combine(day, datetime.min.time()).replace(hour=17, minute=30), now)
        reports.confirm(db, day, now=at)
        made += 1
    return made


def add_demo_week(community: Any, district: Any, folder: Path, seed: int,
                  silent_days: int = 0) -> None:
    """At a district demo, after a community's first sync: its outcomes of the district's
    sweeps and a week of reports, sent up to the district."""
    from app import accounts, sweeps
    from app.sweeps import demo as sweeps_demo
    from app.sync import engine

    accounts.demo_sign_in(community)     # the office's administrator confirms
    for sweep in sweeps.sweeps(community, open_only=True):
        if sweep.by_district:
            sweeps_demo.add_demo_visits(community, sweep.id, seed, share=0.6)
    add_demo_reports(community, skip_last=silent_days)
    peer = engine.district_peer(community)["node_id"]
    engine.export_bundles(community, peer, folder / "week")
    engine.import_folder(district, folder / "week")
