-- 0021: the people on duty (三人小组, 值班表, 专班, 志愿者) and readiness (卡口, 物资). Every
-- table is synced (UUIDv7 id, community_id, deleted); db/changelog.py gives them change-capture
-- and audit triggers after this migration, so a correction keeps what it replaced, who and
-- when. Nothing is hard-deleted. CHECKs are only of the `col IN (…)` form app/sync/incoming
-- reads; ranges and the rest are app/duty's and app/readiness's. A community owns all of it.
-- A stock level is never stored: it is the sum of the item's movements, so two offices'
-- movements merge without one overwriting the other.

CREATE TABLE duty_trios (        -- a grid's 三人小组: its grid worker, police officer, doctor
    id            TEXT PRIMARY KEY,
    community_id  TEXT NOT NULL,
    grid_id       TEXT NOT NULL REFERENCES org_units (id),
    grid_worker_id TEXT REFERENCES staff (id),
    police_id     TEXT REFERENCES staff (id),
    doctor_id     TEXT REFERENCES staff (id),
    deleted       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX duty_trios_grid ON duty_trios (grid_id, deleted);

CREATE TABLE checkpoints (       -- 卡口 at a compound gate
    id            TEXT PRIMARY KEY,
    community_id  TEXT NOT NULL,
    name          TEXT NOT NULL,
    compound_id   TEXT REFERENCES compounds (id),
    gate          TEXT,                       -- 东门, 北门 …
    registration  INTEGER NOT NULL DEFAULT 0 CHECK (registration IN (0, 1)),
    note          TEXT,
    deleted       INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE duty_shifts (       -- one person on duty at one place for one shift of one day
    id            TEXT PRIMARY KEY,
    community_id  TEXT NOT NULL,
    on_date       TEXT NOT NULL,              -- ISO date
    shift         TEXT NOT NULL CHECK (shift IN ('day', 'morning', 'evening', 'night')),
    place         TEXT NOT NULL CHECK (place IN ('office', 'checkpoint')),
    checkpoint_id TEXT REFERENCES checkpoints (id),
    person_name   TEXT NOT NULL,
    phone         TEXT,
    staff_id      TEXT REFERENCES staff (id),
    note          TEXT,
    deleted       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX duty_shifts_day ON duty_shifts (deleted, on_date, person_name);

CREATE TABLE duty_swaps (        -- a swap: who gave the shift, who took it, who agreed
    id            TEXT PRIMARY KEY,
    community_id  TEXT NOT NULL,
    shift_id      TEXT NOT NULL REFERENCES duty_shifts (id),
    from_name     TEXT NOT NULL,
    to_name       TEXT NOT NULL,
    agreed_by     TEXT NOT NULL,              -- who approved it (the secretary, the leader)
    agreed_on     TEXT NOT NULL,              -- ISO date
    reason        TEXT,
    recorded_by   TEXT,
    deleted       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX duty_swaps_shift ON duty_swaps (shift_id);

CREATE TABLE task_forces (       -- 专班 / 志愿服务队
    id            TEXT PRIMARY KEY,
    community_id  TEXT NOT NULL,
    name          TEXT NOT NULL,
    duty          TEXT,                       -- what it does
    leader        TEXT,
    leader_phone  TEXT,
    deleted       INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE volunteers (        -- a member of a task force or a volunteer
    id            TEXT PRIMARY KEY,
    community_id  TEXT NOT NULL,
    task_force_id TEXT REFERENCES task_forces (id),
    name          TEXT NOT NULL,
    phone         TEXT,
    skills        TEXT,                       -- space-separated: 驾驶 医护 心理 …
    note          TEXT,
    deleted       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX volunteers_group ON volunteers (deleted, task_force_id, name);

CREATE TABLE volunteer_hours (   -- hours a volunteer served on a day
    id            TEXT PRIMARY KEY,
    community_id  TEXT NOT NULL,
    volunteer_id  TEXT NOT NULL REFERENCES volunteers (id),
    on_date       TEXT NOT NULL,
    hours         REAL NOT NULL,
    activity      TEXT,
    recorded_by   TEXT,
    deleted       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX volunteer_hours_person ON volunteer_hours (volunteer_id, on_date);

CREATE TABLE checkpoint_counts ( -- people and vehicles through a checkpoint on a day (numbers)
    id            TEXT PRIMARY KEY,
    community_id  TEXT NOT NULL,
    checkpoint_id TEXT NOT NULL REFERENCES checkpoints (id),
    on_date       TEXT NOT NULL,
    people        INTEGER NOT NULL DEFAULT 0,
    vehicles      INTEGER NOT NULL DEFAULT 0,
    note          TEXT,
    recorded_by   TEXT,
    deleted       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX checkpoint_counts_day ON checkpoint_counts (checkpoint_id, on_date);

CREATE TABLE checkpoint_entries ( -- a person registered at the gate; only while switched on
    id            TEXT PRIMARY KEY,
    community_id  TEXT NOT NULL,
    checkpoint_id TEXT NOT NULL REFERENCES checkpoints (id),
    at            TEXT NOT NULL,              -- ISO date and time
    name          TEXT NOT NULL,
    phone         TEXT,
    plate         TEXT,
    direction     TEXT NOT NULL DEFAULT 'in' CHECK (direction IN ('in', 'out')),
    note          TEXT,
    recorded_by   TEXT,
    deleted       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX checkpoint_entries_at ON checkpoint_entries (checkpoint_id, at);

CREATE TABLE supplies (          -- 物资: an item kept in stock
    id            TEXT PRIMARY KEY,
    community_id  TEXT NOT NULL,
    name          TEXT NOT NULL,
    unit          TEXT NOT NULL DEFAULT '个',
    stored_at     TEXT,
    low_level     INTEGER NOT NULL DEFAULT 0,  -- at or below: flagged 库存不足
    note          TEXT,
    deleted       INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE supply_moves (      -- received (+) or issued (−), with who and why
    id            TEXT PRIMARY KEY,
    community_id  TEXT NOT NULL,
    supply_id     TEXT NOT NULL REFERENCES supplies (id),
    on_date       TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('in', 'out')),
    quantity      INTEGER NOT NULL,           -- always positive; kind gives the sign
    party         TEXT NOT NULL,              -- received from / issued to
    reason        TEXT NOT NULL,
    handled_by    TEXT,
    recorded_by   TEXT,
    deleted       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX supply_moves_item ON supply_moves (supply_id, on_date);
