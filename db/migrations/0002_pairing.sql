-- 0002: Party-member household pairing (党员联户), spot checks (晒网督查), the contact log.
-- All four tables are synced (UUIDv7 id, community_id, deleted): db/changelog.py gives them
-- change-capture triggers after this migration. Rows are never hard-deleted; a pairing that
-- changes is ended (ended_on, end_reason) and a new one begins, so its history stays.

CREATE TABLE pairings (
    id           TEXT PRIMARY KEY,
    community_id TEXT NOT NULL,
    household_id TEXT NOT NULL REFERENCES households (id),
    member_id    TEXT NOT NULL REFERENCES party_members (id),
    started_on   TEXT NOT NULL,                 -- ISO date
    start_reason TEXT NOT NULL DEFAULT 'assigned',  -- assigned | suggested | replaced
    ended_on     TEXT,                          -- NULL while the pairing holds
    end_reason   TEXT,              -- replaced | ended | member_left | household_gone
    note         TEXT,
    deleted      INTEGER NOT NULL DEFAULT 0
);
-- "One active member per household" is checked by app/pairing.py inside the write transaction,
-- not by a UNIQUE index: a constraint could make a whole sync bundle unappliable.
CREATE INDEX pairings_household ON pairings (household_id);
CREATE INDEX pairings_member ON pairings (member_id);
-- The active pairings only: coverage and loads read these (the WHERE matches the queries').
CREATE INDEX pairings_active_household ON pairings (household_id, member_id)
    WHERE ended_on IS NULL AND deleted = 0;
CREATE INDEX pairings_active_member ON pairings (member_id)
    WHERE ended_on IS NULL AND deleted = 0;
-- Live households by unit, id included: coverage counts them without reading the table
-- (a cold count over 37,000 households: 30 ms instead of 600 ms).
CREATE INDEX households_live_unit ON households (unit_id, id) WHERE deleted = 0;

CREATE TABLE spot_checks (       -- one random draw of households per grid (晒网督查)
    id           TEXT PRIMARY KEY,
    community_id TEXT NOT NULL,
    drawn_on     TEXT NOT NULL,                 -- ISO date
    seed         INTEGER NOT NULL,              -- the draw is random.Random(seed) over...
    per_grid     INTEGER NOT NULL,
    population   INTEGER NOT NULL,              -- ...this many paired households,
    digest       TEXT NOT NULL,                 -- whose ids hash to this (sha256)
    note         TEXT,
    deleted      INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE spot_check_items (  -- one drawn household and what its visit or call found
    id           TEXT PRIMARY KEY,
    community_id TEXT NOT NULL,
    check_id     TEXT NOT NULL REFERENCES spot_checks (id),
    position     INTEGER NOT NULL,
    grid_id      TEXT REFERENCES org_units (id),
    household_id TEXT NOT NULL REFERENCES households (id),
    member_id    TEXT REFERENCES party_members (id),  -- the household's member when drawn
    method       TEXT CHECK (method IN ('visit', 'phone')),
    checked_on   TEXT,
    knows_member INTEGER CHECK (knows_member IN (0, 1)),
    member_did   TEXT NOT NULL DEFAULT '',      -- space-separated: visit phone notice help …
    result       TEXT CHECK (result IN ('satisfied', 'basic', 'unsatisfied', 'unreachable')),
    note         TEXT,
    deleted      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX spot_check_items_check ON spot_check_items (check_id, position);
CREATE INDEX spot_check_items_household ON spot_check_items (household_id);

CREATE TABLE member_contacts (   -- a member's contact with or service to a household
    id           TEXT PRIMARY KEY,
    community_id TEXT NOT NULL,
    household_id TEXT NOT NULL REFERENCES households (id),
    member_id    TEXT REFERENCES party_members (id),
    contact_on   TEXT NOT NULL,                 -- ISO date
    kind         TEXT NOT NULL CHECK (kind IN
                   ('visit', 'phone', 'wechat', 'errand', 'medicine', 'rubbish', 'other')),
    note         TEXT,
    deleted      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX member_contacts_household ON member_contacts (household_id, contact_on);
CREATE INDEX member_contacts_member ON member_contacts (member_id, contact_on);
