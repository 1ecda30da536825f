-- 0014: door-to-door sweeps (入户排查) and the daily report (日报).
-- Every table is synced (UUIDv7 id, community_id, deleted). A sweep made at the district is
-- owned by the district's org unit, so it travels down to every community; a community's own
-- sweep is its row. A household's outcome is always the community's row. A visit is never
-- overwritten: a second visit (再访) or a correction is a new row, the latest one counts.
-- A confirmed daily report is a stored row; a correction is a new row naming the one it
-- replaces, which is kept.

CREATE TABLE sweeps (
    id           TEXT PRIMARY KEY,
    community_id TEXT NOT NULL,          -- the district's org unit: every community's sweep
    title        TEXT NOT NULL,
    scope        TEXT NOT NULL DEFAULT 'community'
                 CHECK (scope IN ('community', 'grids', 'buildings')),
    scope_ids    TEXT NOT NULL DEFAULT '',   -- space-separated grid or building ids
    questions    TEXT NOT NULL DEFAULT '',   -- space-separated: people returnees symptoms vaccination
    starts_on    TEXT NOT NULL,
    due_on       TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    created_by   TEXT,
    created_at   TEXT NOT NULL,
    note         TEXT,
    deleted      INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1))
);

CREATE TABLE sweep_visits (
    id                   TEXT PRIMARY KEY,
    community_id         TEXT NOT NULL,
    sweep_id             TEXT NOT NULL REFERENCES sweeps (id),
    household_id         TEXT NOT NULL REFERENCES households (id),
    outcome              TEXT NOT NULL CHECK (outcome IN ('done', 'absent', 'refused', 'vacant')),
    visited_on           TEXT NOT NULL,
    visited_by           TEXT,
    recorded_at          TEXT NOT NULL,      -- ISO local time; the latest row counts
    people               INTEGER,            -- living here now
    returnees            INTEGER NOT NULL DEFAULT 0,
    returnee_origin      TEXT,               -- where they came back from
    returned_on          TEXT,
    symptoms             TEXT NOT NULL DEFAULT '',   -- isolation symptom codes, space-separated
    elderly              INTEGER,            -- aged 60 and over
    elderly_unvaccinated INTEGER,
    new_residents        INTEGER NOT NULL DEFAULT 0, -- added to the registry from this visit
    note                 TEXT,
    deleted              INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1))
);
CREATE INDEX sweep_visits_sweep ON sweep_visits (sweep_id, household_id, recorded_at);

CREATE TABLE daily_reports (
    id                TEXT PRIMARY KEY,
    community_id      TEXT NOT NULL,
    report_on         TEXT NOT NULL,
    active_isolation  INTEGER NOT NULL DEFAULT 0,
    active_monitoring INTEGER NOT NULL DEFAULT 0,
    new_cases         INTEGER NOT NULL DEFAULT 0,
    released          INTEGER NOT NULL DEFAULT 0,
    checks_done       INTEGER NOT NULL DEFAULT 0,
    checks_overdue    INTEGER NOT NULL DEFAULT 0,
    fevers            INTEGER NOT NULL DEFAULT 0,
    kp_received       INTEGER NOT NULL DEFAULT 0,
    kp_verified       INTEGER NOT NULL DEFAULT 0,
    kp_overdue        INTEGER NOT NULL DEFAULT 0,
    sweep_households  INTEGER NOT NULL DEFAULT 0,
    sweep_visited     INTEGER NOT NULL DEFAULT 0,
    returnees         INTEGER NOT NULL DEFAULT 0,
    returnee_origins  TEXT NOT NULL DEFAULT '',  -- JSON object: origin → count
    confirmed_by      TEXT NOT NULL,
    confirmed_at      TEXT NOT NULL,
    replaces          TEXT REFERENCES daily_reports (id),  -- the earlier report it corrects
    reason            TEXT,                                -- why it was corrected
    deleted           INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1))
);
CREATE INDEX daily_reports_day ON daily_reports (report_on, community_id);
CREATE INDEX daily_reports_replaces ON daily_reports (replaces) WHERE replaces IS NOT NULL;
