-- 0006: the audit chain anchored outside the file. Every bundle a community sends carries
-- its audit head (the newest entry's seq and hash); the district keeps each head it receives
-- here, per sending node, and acknowledges the newest consistent one back (signed). Local to
-- the district: never synced (no community_id/deleted shape). See app/sync/anchor.py.
-- The community keeps the district's acknowledgement in meta (key 'audit_ack').

CREATE TABLE audit_heads (
    id           INTEGER PRIMARY KEY,
    node_id      TEXT NOT NULL,      -- the community node whose chain this is
    community_id TEXT NOT NULL,      -- its org unit
    bundle_id    TEXT NOT NULL,      -- uuid7 of the bundle that carried it
    change_seq   INTEGER NOT NULL,   -- the bundle's seq_to: with bundle_id, the sender's order
    seq          INTEGER NOT NULL,   -- the newest audit entry's sequence number
    hash         TEXT NOT NULL,      -- that entry's hash (64 hex digits)
    received_at  TEXT NOT NULL,      -- local time the district received it
    -- one row per distinct head of a node: a bundle's parts, the same bundle again, or a sync
    -- with nothing audited since add nothing (the first bundle that carried it is kept)
    UNIQUE (node_id, seq, hash)
);
