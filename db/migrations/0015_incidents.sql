-- 0015: grid events (事件) and residents' requests (诉求), handled at the community and, when
-- escalated (上报), by the district. Every table is synced (UUIDv7 id, community_id, deleted)
-- and every row belongs to the community of its event: the district's handling of an
-- escalated event (incident_replies) is written at the district but owned by the event's
-- community, so it travels down to that community only. Rows are never hard-deleted, and
-- nothing is overwritten without a step in the event's history saying who, when and what.

CREATE TABLE incident_kinds (    -- the office's list of kinds (设施损坏, 环境卫生 …)
    id           TEXT PRIMARY KEY,
    community_id TEXT NOT NULL,
    name         TEXT NOT NULL,
    position     INTEGER NOT NULL DEFAULT 0,
    deleted      INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE incidents (
    id           TEXT PRIMARY KEY,
    community_id TEXT NOT NULL,
    category     TEXT NOT NULL DEFAULT 'event' CHECK (category IN ('event', 'request')),
    kind         TEXT NOT NULL,                 -- a name from incident_kinds when reported
    urgency      TEXT NOT NULL DEFAULT 'normal' CHECK (urgency IN ('normal', 'urgent', 'critical')),
    -- the place: a household, a building, a compound, or only the words typed
    household_id TEXT REFERENCES households (id),
    building_id  TEXT REFERENCES buildings (id),
    compound_id  TEXT REFERENCES compounds (id),
    grid_id      TEXT REFERENCES org_units (id),   -- the place's grid, for the grid filter
    place        TEXT NOT NULL,                 -- as shown: 锦绣花园3号楼2单元501, or typed
    description  TEXT NOT NULL,                 -- what happened / what the resident needs
    reporter_kind TEXT NOT NULL DEFAULT 'staff'
                 CHECK (reporter_kind IN ('staff', 'resident', 'hotline', 'other')),
    reporter_name TEXT,
    reporter_phone TEXT,
    resident_id  TEXT REFERENCES residents (id),   -- the resident who asked (诉求)
    source       TEXT NOT NULL DEFAULT '',      -- 网格员上报, 居民来电, 12345, 走访 …
    reported_at  TEXT NOT NULL,                 -- ISO local time 2026-12-05T09:30:00
    due_at       TEXT,                          -- deadline, from the urgency
    assignee     TEXT,                          -- who handles it (a name)
    assignee_kind TEXT CHECK (assignee_kind IN ('staff', 'party_member', 'property', 'other')),
    assignee_phone TEXT,
    status       TEXT NOT NULL DEFAULT 'open'
                 CHECK (status IN ('open', 'assigned', 'escalated', 'resolved', 'closed')),
    escalated_at TEXT,
    escalate_reason TEXT,
    resolved_at  TEXT,
    resolved_by  TEXT CHECK (resolved_by IN ('community', 'district')),
    result       TEXT,
    satisfaction TEXT CHECK (satisfaction IN ('satisfied', 'basic', 'unsatisfied', 'unreachable')),
    callback_at  TEXT,
    deleted      INTEGER NOT NULL DEFAULT 0
);
-- The events list reads this index alone, newest first, filtering on the columns it holds
-- (50,000 events: tens of milliseconds for any filter but the text search).
CREATE INDEX incidents_list ON incidents (deleted, reported_at, id, status, kind, category,
                                          grid_id, due_at, escalated_at, community_id);
CREATE INDEX incidents_due ON incidents (due_at) WHERE status IN ('open', 'assigned') AND deleted = 0;
CREATE INDEX incidents_resident ON incidents (resident_id) WHERE resident_id IS NOT NULL;
CREATE INDEX incidents_escalated ON incidents (escalated_at) WHERE escalated_at IS NOT NULL;

CREATE TABLE incident_steps (    -- the community's history of an event: who, when, what
    id           TEXT PRIMARY KEY,
    community_id TEXT NOT NULL,
    incident_id  TEXT NOT NULL REFERENCES incidents (id),
    at           TEXT NOT NULL,
    actor        TEXT NOT NULL DEFAULT '',
    action       TEXT NOT NULL CHECK (action IN ('report', 'assign', 'progress', 'escalate',
                 'resolve', 'callback', 'reopen', 'photo', 'conflict')),
    note         TEXT,
    deleted      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX incident_steps_incident ON incident_steps (incident_id, at);

CREATE TABLE incident_replies (  -- the district's handling of an escalated event
    id           TEXT PRIMARY KEY,
    community_id TEXT NOT NULL,                 -- the event's community (owner), not the district
    incident_id  TEXT NOT NULL REFERENCES incidents (id),
    at           TEXT NOT NULL,
    actor        TEXT NOT NULL DEFAULT '',
    action       TEXT NOT NULL CHECK (action IN ('accept', 'assign', 'progress', 'resolve',
                 'return')),
    department   TEXT,                          -- 区城管局, 区住建局 … (assign)
    note         TEXT,
    deleted      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX incident_replies_incident ON incident_replies (incident_id, at);

CREATE TABLE incident_photos (   -- a photo attached to an event; its bytes in parts below
    id           TEXT PRIMARY KEY,
    community_id TEXT NOT NULL,
    incident_id  TEXT NOT NULL REFERENCES incidents (id),
    added_at     TEXT NOT NULL,
    file_name    TEXT NOT NULL DEFAULT '',
    mime         TEXT NOT NULL CHECK (mime IN ('image/jpeg', 'image/png', 'image/gif',
                 'image/webp', 'image/bmp')),
    size         INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    width        INTEGER,
    height       INTEGER,
    thumb        TEXT,                          -- a small JPEG, base64 (a list shows it)
    parts        INTEGER NOT NULL,
    deleted      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX incident_photos_incident ON incident_photos (incident_id);

-- A photo's bytes as base64 text in parts under a bundle's text cap (20,000 characters), so
-- they travel through sync as any other field and are checked like one.
CREATE TABLE incident_photo_parts (
    id           TEXT PRIMARY KEY,
    community_id TEXT NOT NULL,
    photo_id     TEXT NOT NULL REFERENCES incident_photos (id),
    seq          INTEGER NOT NULL,
    data         TEXT NOT NULL,
    deleted      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX incident_photo_parts_photo ON incident_photo_parts (photo_id, seq);
