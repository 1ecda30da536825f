-- 0003: home isolation (居家隔离 / 居家健康监测): cases, their history, twice-daily checks,
-- nucleic-acid tests, the forms issued for a case (serial numbers) and the print log.
-- Every table is synced (UUIDv7 id, community_id, deleted); db/changelog.py gives them
-- change-capture triggers after this migration. Nothing is hard-deleted, and a case's dates
-- and status are never overwritten without a case_events row saying who, when and why.

CREATE TABLE isolation_cases (
    id            TEXT PRIMARY KEY,
    community_id  TEXT NOT NULL,
    resident_id   TEXT NOT NULL REFERENCES residents (id),
    household_id  TEXT REFERENCES households (id),  -- where the person is isolated
    kind          TEXT NOT NULL CHECK (kind IN ('home_isolation', 'home_monitoring')),
    reason        TEXT NOT NULL,                  -- 密接 次密接 入境 中高风险地区返回 …
    origin        TEXT,                           -- where they came from
    arrived_on    TEXT,                           -- ISO date of return / last exposure
    started_on    TEXT NOT NULL,                  -- ISO date
    planned_end   TEXT NOT NULL,                  -- ISO date, last day of the case
    status        TEXT NOT NULL DEFAULT 'planned' CHECK (status IN
                    ('planned', 'active', 'released', 'transferred', 'cancelled')),
    status_on     TEXT,                           -- ISO date the status last changed
    status_reason TEXT,
    status_by     TEXT,                           -- who changed it (staff / user name)
    released_on   TEXT,
    release_basis TEXT,                           -- space-separated: period tests symptoms
    transfer_to   TEXT,                           -- 集中隔离点 / 医院 name when transferred
    grid_worker_id TEXT REFERENCES staff (id),    -- the responsible trio
    police_id     TEXT REFERENCES staff (id),
    doctor_id     TEXT REFERENCES staff (id),
    door_measure  TEXT NOT NULL DEFAULT 'seal' CHECK (door_measure IN ('seal', 'sensor', 'none')),
    phone         TEXT,                           -- reachable during the case
    note          TEXT,
    created_on    TEXT NOT NULL,
    deleted       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX isolation_cases_resident ON isolation_cases (resident_id);
CREATE INDEX isolation_cases_household ON isolation_cases (household_id);
-- The board reads the open cases only.
CREATE INDEX isolation_cases_open ON isolation_cases (status, planned_end)
    WHERE deleted = 0 AND status IN ('planned', 'active');

CREATE TABLE case_events (       -- a case's history: registered, started, extended, …
    id            TEXT PRIMARY KEY,
    community_id  TEXT NOT NULL,
    case_id       TEXT NOT NULL REFERENCES isolation_cases (id),
    at            TEXT NOT NULL,                  -- ISO timestamp, local time
    kind          TEXT NOT NULL,   -- registered started extended shortened released
                                   -- transferred cancelled edited
    old_value     TEXT,
    new_value     TEXT,
    reason        TEXT,
    by_name       TEXT,
    deleted       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX case_events_case ON case_events (case_id, at);

CREATE TABLE case_checks (       -- one morning or afternoon check
    id            TEXT PRIMARY KEY,
    community_id  TEXT NOT NULL,
    case_id       TEXT NOT NULL REFERENCES isolation_cases (id),
    check_on      TEXT NOT NULL,                  -- ISO date
    slot          TEXT NOT NULL CHECK (slot IN ('am', 'pm')),
    temperature   REAL,                           -- °C, one decimal
    symptoms      TEXT NOT NULL DEFAULT '',       -- space-separated codes, see app/isolation.py
    method        TEXT NOT NULL DEFAULT 'visit' CHECK (method IN ('visit', 'phone', 'video')),
    checked_by    TEXT,
    checked_at    TEXT,                           -- ISO timestamp
    flagged       INTEGER NOT NULL DEFAULT 0,     -- fever or symptom: for the doctor
    doctor_seen   TEXT,                           -- ISO timestamp the doctor took it up
    note          TEXT,
    deleted       INTEGER NOT NULL DEFAULT 0
);
-- One check per case, day and slot is kept by app/isolation.py in the write transaction
-- (a UNIQUE index could make a sync bundle unappliable).
CREATE INDEX case_checks_case ON case_checks (case_id, check_on, slot);
CREATE INDEX case_checks_flagged ON case_checks (flagged, doctor_seen) WHERE flagged = 1;

CREATE TABLE case_tests (        -- nucleic-acid test days and results
    id            TEXT PRIMARY KEY,
    community_id  TEXT NOT NULL,
    case_id       TEXT NOT NULL REFERENCES isolation_cases (id),
    test_on       TEXT NOT NULL,                  -- ISO date
    result        TEXT NOT NULL DEFAULT 'pending'
                  CHECK (result IN ('pending', 'negative', 'positive')),
    note          TEXT,
    deleted       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX case_tests_case ON case_tests (case_id, test_on);

CREATE TABLE case_forms (        -- a form issued for a case, with its serial number
    id            TEXT PRIMARY KEY,
    community_id  TEXT NOT NULL,
    case_id       TEXT NOT NULL REFERENCES isolation_cases (id),
    form          TEXT NOT NULL,   -- notice pledge card seal board release
    serial        TEXT NOT NULL,   -- community code, year, form letter, sequence
    issued_at     TEXT NOT NULL,
    sha256        TEXT,            -- of the first printed PDF's pages for this form
    deleted       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX case_forms_case ON case_forms (case_id, form);
CREATE INDEX case_forms_serial ON case_forms (serial);

CREATE TABLE print_log (         -- every print or PDF save of a case's forms
    id            TEXT PRIMARY KEY,
    community_id  TEXT NOT NULL,
    case_id       TEXT REFERENCES isolation_cases (id),
    form          TEXT NOT NULL,
    serial        TEXT,
    printed_at    TEXT NOT NULL,
    printed_by    TEXT,
    copies        INTEGER NOT NULL DEFAULT 1,
    reprint       INTEGER NOT NULL DEFAULT 0,
    target        TEXT,            -- printer name, or the PDF file written
    deleted       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX print_log_case ON print_log (case_id, printed_at);
