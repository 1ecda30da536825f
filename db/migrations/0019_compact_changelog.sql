-- 0019_compact_changelog: packed field stamps for local inserts, and a compactable change log.
-- An insert's fields now share one stamp, kept as one row_clock entry (the scheme a district
-- already used for rows arriving by sync); field_clock holds only fields changed since. The
-- capture triggers (db/changelog.py) write both, so the per-change field_clock trigger goes.
-- Existing field_clock entries are packed, and acknowledged change_log entries removed, by
-- the compaction job (app/sync/compaction.py) in the background, after the upgrade backup.

DROP TRIGGER IF EXISTS change_log_clock;

CREATE TABLE IF NOT EXISTS row_clock (   -- one row's field stamps: "cols" and "hlcs"
    tbl    TEXT NOT NULL,                -- space-separated, in the same order; one stamp in
    row_id TEXT NOT NULL,                -- hlcs stands for every field in cols
    cols   TEXT NOT NULL,
    hlcs   TEXT NOT NULL,
    PRIMARY KEY (tbl, row_id)
) WITHOUT ROWID;
