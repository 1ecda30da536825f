-- 0012_street_role: the 街道 role (a street office at the district: read-only, its street's
-- communities only) and the street an account of that role names (`street`: the street's
-- 9-digit code, the same in every community's copy of the street and in the district's).
-- SQLite cannot alter a CHECK, so the accounts table is rebuilt with its rows and ids. With
-- foreign keys on (they are during migrations), dropping the old table would cascade to
-- key_slots: its rows are kept aside and put back. The table has no triggers of its own; the
-- audit log's append-only guard is on audit_log and is untouched.

CREATE TEMP TABLE street_role_key_slots AS SELECT * FROM key_slots;

CREATE TABLE accounts_0012 (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN
                    ('admin', 'grid_worker', 'doctor', 'police', 'district', 'street')),
    grid_ids      TEXT NOT NULL DEFAULT '',   -- space-separated org unit ids (grid workers)
    password_hash TEXT NOT NULL,              -- scrypt$n$r$p$salt$hash (hex)
    failed_count  INTEGER NOT NULL DEFAULT 0, -- failures since the last good sign-in
    locked_until  TEXT,                       -- ISO UTC; sign-in refused before it
    last_sign_in  TEXT,
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL,
    street        TEXT NOT NULL DEFAULT '',   -- the street's code (街道 accounts)
    CHECK ((role = 'street') = (street <> ''))
);

INSERT INTO accounts_0012 (id, username, display_name, role, grid_ids, password_hash,
                           failed_count, locked_until, last_sign_in, disabled, created_at)
SELECT id, username, display_name, role, grid_ids, password_hash, failed_count, locked_until,
       last_sign_in, disabled, created_at FROM accounts;

DELETE FROM key_slots;
DROP TABLE accounts;
ALTER TABLE accounts_0012 RENAME TO accounts;
INSERT INTO key_slots SELECT * FROM temp.street_role_key_slots;
DROP TABLE temp.street_role_key_slots;
