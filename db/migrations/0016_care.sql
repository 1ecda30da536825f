-- 0016: care visits (关爱走访): visit intervals per tag, a person's own schedule, the visits,
-- the needs they find (with referrals), and 60+ vaccination status. Every table is synced
-- (UUIDv7 id, community_id, deleted); db/changelog.py gives them change-capture and audit
-- triggers after this migration, so a correction keeps what it replaced, who and when.
-- Nothing is hard-deleted. CHECKs are only of the `col IN (…)` form app/sync/incoming reads
-- (a bundle is checked against them before it is applied); ranges are app/care's.
-- One contact log: a visit by a paired Party member also writes a
-- member_contacts row (contact_id), and the view contact_log reads both as one.

CREATE TABLE care_rules (        -- the office's visit interval for a tag (独居老人 every 2 days)
    id            TEXT PRIMARY KEY,
    community_id  TEXT NOT NULL,
    tag           TEXT NOT NULL,                  -- a resident or household tag, or 高龄
    interval_days INTEGER NOT NULL,                -- 1…366, checked by app/care
    visitor       TEXT NOT NULL DEFAULT 'grid_worker'
                  CHECK (visitor IN ('grid_worker', 'member', 'volunteer')),
    deleted       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX care_rules_community ON care_rules (community_id, tag);

CREATE TABLE care_schedules (    -- a person's own interval / visitor, or the end of their care
    id            TEXT PRIMARY KEY,
    community_id  TEXT NOT NULL,
    resident_id   TEXT NOT NULL REFERENCES residents (id),
    interval_days INTEGER,                         -- NULL: as the person's tags say
    visitor       TEXT CHECK (visitor IN ('grid_worker', 'member', 'volunteer')),
    visitor_name  TEXT,                           -- a volunteer's name
    ended_on      TEXT,                           -- ISO date: no more visits from then on
    end_reason    TEXT,                           -- moved_away deceased declined other
    note          TEXT,
    deleted       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX care_schedules_resident ON care_schedules (resident_id);

CREATE TABLE care_visits (       -- one visit, call or attempt
    id            TEXT PRIMARY KEY,
    community_id  TEXT NOT NULL,
    resident_id   TEXT NOT NULL REFERENCES residents (id),
    household_id  TEXT REFERENCES households (id),
    visited_on    TEXT NOT NULL,                  -- ISO date
    method        TEXT NOT NULL CHECK (method IN ('visit', 'phone', 'absent')),
    visitor       TEXT NOT NULL CHECK (visitor IN ('grid_worker', 'member', 'volunteer')),
    visitor_name  TEXT,
    member_id     TEXT REFERENCES party_members (id),
    wellbeing     TEXT CHECK (wellbeing IN ('good', 'fair', 'poor')),
    needs         TEXT NOT NULL DEFAULT '',       -- space-separated need kinds, see app/care
    note          TEXT,
    contact_id    TEXT REFERENCES member_contacts (id),  -- the Party member's log entry
    recorded_at   TEXT,                           -- ISO timestamp
    recorded_by   TEXT,
    deleted       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX care_visits_day ON care_visits (visited_on);

CREATE TABLE care_needs (        -- a need a visit found, and what became of it
    id            TEXT PRIMARY KEY,
    community_id  TEXT NOT NULL,
    visit_id      TEXT REFERENCES care_visits (id),
    resident_id   TEXT NOT NULL REFERENCES residents (id),
    kind          TEXT NOT NULL CHECK (kind IN
                    ('medical', 'meals', 'repair', 'shopping', 'mental', 'other')),
    found_on      TEXT NOT NULL,                  -- ISO date
    note          TEXT,
    status        TEXT NOT NULL DEFAULT 'open' CHECK (status IN
                    ('open', 'request', 'referred', 'done')),
    request_id    TEXT,                           -- the request (app.incidents) it became
    referred_to   TEXT,                           -- 民政 残联 卫生服务中心 …
    referred_on   TEXT,
    outcome       TEXT,
    outcome_on    TEXT,
    deleted       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX care_needs_found ON care_needs (found_on, kind);
CREATE INDEX care_needs_resident ON care_needs (resident_id);

CREATE TABLE care_vaccinations ( -- a 60+ resident's vaccination status as recorded (newest wins)
    id            TEXT PRIMARY KEY,
    community_id  TEXT NOT NULL,
    resident_id   TEXT NOT NULL REFERENCES residents (id),
    status        TEXT NOT NULL CHECK (status IN
                    ('none', 'partial', 'full', 'booster', 'contraindicated', 'declined')),
    doses         INTEGER,
    last_dose_on  TEXT,
    recorded_on   TEXT NOT NULL,
    recorded_by   TEXT,
    note          TEXT,
    deleted       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX care_vaccinations_resident ON care_vaccinations (resident_id, recorded_on);

-- The board: everyone a rule matches, read from covering partial indexes (at 100,000
-- residents a scan of the residents table alone takes longer than the board may).
CREATE INDEX residents_care_tags ON residents (tags, community_id, household_id, id)
    WHERE deleted = 0 AND tags != '';
CREATE INDEX residents_care_born ON residents (birth_date, community_id, household_id, id)
    WHERE deleted = 0;
CREATE INDEX residents_care_head ON residents (household_id, id, community_id)
    WHERE deleted = 0 AND relation = '户主';
CREATE INDEX households_care_tags ON households (tags, community_id, id)
    WHERE deleted = 0 AND tags != '';
CREATE INDEX households_care_address ON households (id, unit_id, door_number)
    WHERE deleted = 0;
-- The last contact of each: care visits, and the household's Party-member contacts.
CREATE INDEX care_visits_seen ON care_visits (resident_id, visited_on, method)
    WHERE deleted = 0;
CREATE INDEX care_visits_contact ON care_visits (contact_id)
    WHERE contact_id IS NOT NULL AND deleted = 0;
CREATE INDEX member_contacts_seen ON member_contacts (household_id, contact_on)
    WHERE deleted = 0 AND kind IN ('visit', 'phone', 'wechat');

-- One log of contacts: the Party members' contacts (党员联户) and the care visits, each contact
-- once (a paired member's care visit is the member_contacts row its visit points to).
CREATE VIEW contact_log AS
    SELECT v.id, v.community_id, v.household_id, v.resident_id, v.visited_on AS contact_on,
           v.method AS kind, v.visitor, coalesce(m.name, v.visitor_name) AS by_name,
           v.member_id, v.note, 'care' AS source
      FROM care_visits v LEFT JOIN party_members m ON m.id = v.member_id
     WHERE v.deleted = 0
    UNION ALL
    SELECT k.id, k.community_id, k.household_id, NULL, k.contact_on, k.kind, 'member',
           m.name, k.member_id, k.note, 'pairing'
      FROM member_contacts k LEFT JOIN party_members m ON m.id = k.member_id
     WHERE k.deleted = 0
       AND NOT EXISTS (SELECT 1 FROM care_visits v WHERE v.contact_id = k.id AND v.deleted = 0);
