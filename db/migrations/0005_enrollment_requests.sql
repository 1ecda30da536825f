-- 0005_enrollment_requests: the online enrollment code with its wrong-guess count, and the
-- enrollment requests that wait for the district operator (a community already enrolled, or
-- a node to replace). Both are local to the district node, never synced.

CREATE TABLE enroll_code (          -- the one online enrollment code in force, if any
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    code       TEXT NOT NULL,
    expires_at REAL NOT NULL,       -- unix time
    wrong      INTEGER NOT NULL DEFAULT 0,  -- wrong guesses so far, by anyone
    issued_at  TEXT NOT NULL
);

-- The old code was a meta value without a guess count: it is void from this version on.
DELETE FROM meta WHERE key = 'enroll_code';

CREATE TABLE enroll_requests (      -- waiting for the district operator to confirm or refuse
    id              INTEGER PRIMARY KEY,
    node_id         TEXT NOT NULL,  -- the requesting node
    fingerprint     TEXT NOT NULL,  -- of its keys
    community_id    TEXT NOT NULL,
    code            TEXT NOT NULL,
    name            TEXT NOT NULL,
    old_node        TEXT,           -- the enrolled node it would replace
    old_fingerprint TEXT,
    why             TEXT NOT NULL CHECK (why IN ('community', 'replaces', 'node')),
    reason          TEXT NOT NULL DEFAULT '',   -- what the office said (换新电脑, 从备份恢复…)
    via             TEXT NOT NULL CHECK (via IN ('online', 'file')),
    requested_at    TEXT NOT NULL,
    request         TEXT NOT NULL,  -- the request's fields (JSON), checked and verified on arrival
    UNIQUE (node_id, fingerprint)
);
