-- 0010_district_policy: the isolation policy the district sets for all its communities.
-- One synced row owned by the district (community_id = the district's own org unit), so it
-- travels down with every community's bundle; a community reads it and never writes it.
-- Per group of settings, whether a community may override it, and then only to be stricter
-- (longer periods, more test days, a lower fever line) or, for the check times, freely.
CREATE TABLE district_policy (
    id                    TEXT PRIMARY KEY,
    community_id          TEXT NOT NULL,
    isolation_days        INTEGER NOT NULL,
    isolation_test_days   TEXT NOT NULL,        -- space-separated days, e.g. "1 4 7"
    monitoring_days       INTEGER NOT NULL,
    monitoring_test_days  TEXT NOT NULL,
    fever                 REAL NOT NULL,
    am_deadline           TEXT NOT NULL,        -- HH:MM
    pm_start              TEXT NOT NULL,
    pm_deadline           TEXT NOT NULL,
    days_open             INTEGER NOT NULL DEFAULT 0 CHECK (days_open IN (0, 1)),
    tests_open            INTEGER NOT NULL DEFAULT 0 CHECK (tests_open IN (0, 1)),
    fever_open            INTEGER NOT NULL DEFAULT 0 CHECK (fever_open IN (0, 1)),
    deadlines_open        INTEGER NOT NULL DEFAULT 1 CHECK (deadlines_open IN (0, 1)),
    changed_at            TEXT,                 -- local time of the last change
    changed_by            TEXT,                 -- who changed it at the district
    deleted               INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1))
);
