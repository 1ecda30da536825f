-- 0013: key-person lists (重点人员核查). A list comes from above to the district, each person
-- on it is matched to a community, verified there, and the result goes back up.
-- Ownership (see docs/decisions.md and app/sync/authorship.py):
--   keyperson_lists: owned by the district (shared: every community sees the list's title,
--     category and due time, no personal data); only the district writes it.
--   keypersons: owned by the community the person was matched to, so the row travels to that
--     community only; only the district writes it (app.sync.authorship.DISTRICT_WRITES).
--     A person matched nowhere or to two communities is owned by 'keypersons-unassigned', an
--     owner no peer receives, until assigned by hand. A row never changes owner (a row's
--     fields travel as per-field changes: a moved row would reach its new community half
--     and stay open at the old one): assigning or reassigning closes the row ('moved') and
--     writes a new one for the new community, `from_person` naming the old one.
--   keyperson_results: owned by the community; only it writes them (COMMUNITY_WRITES).
--     A new result is a new row: the earlier ones stay, with who and when.

CREATE TABLE keyperson_lists (
    id            TEXT PRIMARY KEY,
    community_id  TEXT NOT NULL,            -- the district's org unit
    title         TEXT NOT NULL,            -- 关于核查重点人员的通知（第3批）
    category      TEXT NOT NULL DEFAULT '', -- 中高风险地区返回 / 社区矫正 / …
    due_at        TEXT NOT NULL,            -- 'YYYY-MM-DD HH:MM', local time
    imported_at   TEXT NOT NULL,
    imported_by   TEXT NOT NULL DEFAULT '',
    source_file   TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'withdrawn')),
    withdrawn_at  TEXT,
    deleted       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX keyperson_lists_title ON keyperson_lists (title) WHERE deleted = 0;

CREATE TABLE keypersons (
    id            TEXT PRIMARY KEY,
    community_id  TEXT NOT NULL,            -- matched community, or 'keypersons-unassigned'
    list_id       TEXT NOT NULL REFERENCES keyperson_lists (id),
    source_rows   TEXT NOT NULL DEFAULT '', -- the list's row numbers: '7' or '7, 12'
    name          TEXT NOT NULL,
    id_kind       TEXT,
    id_number     TEXT,
    phone         TEXT,
    address       TEXT NOT NULL DEFAULT '',
    category      TEXT NOT NULL DEFAULT '',
    list_note     TEXT NOT NULL DEFAULT '',
    matched_by    TEXT NOT NULL DEFAULT '' CHECK (matched_by IN
                    ('', 'id_number', 'address', 'phone', 'hand')),
    resident_id   TEXT REFERENCES residents (id),
    household_id  TEXT REFERENCES households (id),
    candidates    TEXT NOT NULL DEFAULT '', -- unassigned: the communities found, or ''
    state         TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'moved')),
    moved_to      TEXT,                     -- the community it went to (an org unit id)
    moved_to_name TEXT,                     -- and its name (the old community has no row of it)
    moved_at      TEXT,
    moved_by      TEXT,
    from_person   TEXT,                     -- the row it replaced (another owner's: no FK)
    assigned_at   TEXT NOT NULL,
    deleted       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX keypersons_list ON keypersons (list_id, community_id, state);
CREATE INDEX keypersons_owner ON keypersons (community_id, state);
CREATE INDEX keypersons_id_number ON keypersons (list_id, id_number) WHERE id_number IS NOT NULL;

CREATE TABLE keyperson_results (
    id            TEXT PRIMARY KEY,
    community_id  TEXT NOT NULL,
    person_id     TEXT NOT NULL REFERENCES keypersons (id),
    result        TEXT NOT NULL CHECK (result IN
                    ('living_here', 'left', 'not_found', 'wrong_info', 'other')),
    detail        TEXT NOT NULL DEFAULT '', -- where they went / which item is wrong
    measure       TEXT NOT NULL DEFAULT '' CHECK (measure IN
                    ('', 'home_isolation', 'home_monitoring', 'added_resident')),
    measure_ref   TEXT,                     -- the case or resident it made
    note          TEXT,
    recorded_by   TEXT NOT NULL,
    recorded_at   TEXT NOT NULL,            -- 'YYYY-MM-DD HH:MM:SS', local time
    deleted       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX keyperson_results_person ON keyperson_results (person_id, recorded_at);
