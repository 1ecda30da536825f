-- 0017: local categories of people (五色管理 and others) and what the person page reads.
-- categories and category_marks are synced (UUIDv7 id, community_id, deleted): db/changelog.py
-- gives them change-capture triggers. A category row owned by the district (community_id =
-- the district's own org unit) travels down to every community and, while any is live, is
-- the set every community uses (like district_policy). Nothing is hard-deleted.

CREATE TABLE categories (
    id           TEXT PRIMARY KEY,
    community_id TEXT NOT NULL,
    name         TEXT NOT NULL,                 -- 红 / 重点关爱
    colour       TEXT NOT NULL,                 -- #rrggbb
    meaning      TEXT NOT NULL DEFAULT '',      -- 确诊/隔离中
    rule         TEXT NOT NULL DEFAULT 'manual'
                 CHECK (rule IN ('manual', 'case_kind', 'keyperson', 'tag', 'age_over')),
    rule_value   TEXT NOT NULL DEFAULT '',      -- the case kind, result, tag or age
    position     INTEGER NOT NULL DEFAULT 0,    -- rules are tried in this order: first wins
    changed_at   TEXT,
    changed_by   TEXT,
    deleted      INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1))
);

-- A category set by hand, or cleared (category_id NULL: back to the rules). Each change is a
-- new row, so what it replaced, who and when stay; the newest live row is in force.
CREATE TABLE category_marks (
    id           TEXT PRIMARY KEY,
    community_id TEXT NOT NULL,
    resident_id  TEXT NOT NULL REFERENCES residents (id),
    category_id  TEXT REFERENCES categories (id),
    set_at       TEXT NOT NULL,                 -- local time
    set_by       TEXT,
    reason       TEXT NOT NULL,
    deleted      INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1))
);
CREATE INDEX category_marks_resident ON category_marks (resident_id, set_at);

-- The person page reads one record's history from the audit log (not synced, local).
CREATE INDEX IF NOT EXISTS audit_log_row ON audit_log (row_id);
