-- 0020: non-residential places (场所), inspections with their checklists, the problems they
-- find and the corrections made. Every table is synced (UUIDv7 id, community_id, deleted);
-- rows are never hard-deleted.
--
-- Ownership: a community owns its places, kinds, templates, inspections, answers, problems
-- and corrections. A supervision round (督查) made at the district or by a street is owned
-- by the district's own org unit (its subject: the inspected community), so it travels
-- down; the inspected community answers each problem with a correction row it owns, which
-- travels back up. An inspection's subject is a plain (subject_kind, subject_id) pair: a
-- place, a compound, a checkpoint (the duty/readiness feature's table) or a community.

CREATE TABLE place_kinds (       -- the office's list of kinds beyond the built-in ones
    id           TEXT PRIMARY KEY,
    community_id TEXT NOT NULL,
    name         TEXT NOT NULL,
    position     INTEGER NOT NULL DEFAULT 0,
    deleted      INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE places (
    id            TEXT PRIMARY KEY,
    community_id  TEXT NOT NULL,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL,              -- a name from the kinds list when registered
    small_place   INTEGER NOT NULL DEFAULT 0, -- 九小场所
    compound_id   TEXT REFERENCES compounds (id),
    street_address TEXT,                      -- on a street, or the door in the compound
    grid_id       TEXT REFERENCES org_units (id),
    manager       TEXT,                       -- owner or manager
    phone         TEXT,
    employees     INTEGER,
    licence_no    TEXT,
    status        TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'suspended', 'closed')),
    note          TEXT,
    deleted       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX places_list ON places (deleted, name, kind, status, grid_id, compound_id);

CREATE TABLE inspection_templates (   -- checklists the office keeps
    id           TEXT PRIMARY KEY,
    community_id TEXT NOT NULL,
    name         TEXT NOT NULL,
    subject_kind TEXT NOT NULL CHECK (subject_kind IN ('place', 'compound', 'checkpoint',
                                                        'community')),
    items        TEXT NOT NULL,           -- the checklist: a JSON array of item texts
    position     INTEGER NOT NULL DEFAULT 0,
    deleted      INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE inspections (
    id            TEXT PRIMARY KEY,
    community_id  TEXT NOT NULL,          -- the district's org unit for a supervision round
    subject_kind  TEXT NOT NULL CHECK (subject_kind IN ('place', 'compound', 'checkpoint',
                                                         'community')),
    subject_id    TEXT NOT NULL,
    subject_name  TEXT NOT NULL,          -- as shown when inspected
    template_name TEXT NOT NULL,
    purpose       TEXT NOT NULL DEFAULT 'routine'
                  CHECK (purpose IN ('routine', 'reopening', 'recheck', 'supervision')),
    inspected_on  TEXT NOT NULL,          -- YYYY-MM-DD
    inspectors    TEXT NOT NULL,
    outcome       TEXT NOT NULL DEFAULT 'passed'
                  CHECK (outcome IN ('passed', 'problems', 'failed')),
    note          TEXT,
    recorded_by   TEXT NOT NULL DEFAULT '',
    deleted       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX inspections_list ON inspections (deleted, inspected_on, subject_kind, subject_id);
CREATE INDEX inspections_subject ON inspections (subject_kind, subject_id);

CREATE TABLE inspection_answers (
    id            TEXT PRIMARY KEY,
    community_id  TEXT NOT NULL,
    inspection_id TEXT NOT NULL REFERENCES inspections (id),
    position      INTEGER NOT NULL,
    item          TEXT NOT NULL,
    answer        TEXT NOT NULL CHECK (answer IN ('yes', 'no', 'na')),
    note          TEXT,
    deleted       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX inspection_answers_of ON inspection_answers (inspection_id, position);

CREATE TABLE inspection_problems (
    id            TEXT PRIMARY KEY,
    community_id  TEXT NOT NULL,
    inspection_id TEXT NOT NULL REFERENCES inspections (id),
    description   TEXT NOT NULL,
    due_on        TEXT NOT NULL,          -- correction deadline, not before the inspection
    responsible   TEXT NOT NULL,
    closed_by     TEXT REFERENCES inspections (id),   -- the re-inspection that closed it
    closed_on     TEXT,
    deleted       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX inspection_problems_open ON inspection_problems (due_on)
    WHERE closed_on IS NULL AND deleted = 0;
CREATE INDEX inspection_problems_of ON inspection_problems (inspection_id);

CREATE TABLE problem_corrections (    -- what the responsible side did (the community's word)
    id            TEXT PRIMARY KEY,
    community_id  TEXT NOT NULL,
    problem_id    TEXT NOT NULL REFERENCES inspection_problems (id),
    corrected_on  TEXT NOT NULL,
    note          TEXT NOT NULL,
    recorded_by   TEXT NOT NULL DEFAULT '',
    deleted       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX problem_corrections_of ON problem_corrections (problem_id);

CREATE TABLE place_forms (            -- a reopening pledge or acceptance form issued, its serial
    id            TEXT PRIMARY KEY,
    community_id  TEXT NOT NULL,
    place_id      TEXT NOT NULL REFERENCES places (id),
    form          TEXT NOT NULL CHECK (form IN ('pledge', 'acceptance')),
    serial        TEXT NOT NULL,          -- community code, year, form letter, sequence
    inspection_id TEXT REFERENCES inspections (id),   -- the acceptance it records
    issued_at     TEXT NOT NULL,
    prints        INTEGER NOT NULL DEFAULT 1,   -- more than 1: 补打 (reprinted)
    printed_at    TEXT NOT NULL,
    deleted       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX place_forms_place ON place_forms (place_id, form);
