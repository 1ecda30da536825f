-- 0008_restore_snapshot: the peers owed a snapshot of everything this node holds for them (a
-- community's node restored from a backup that replaced its old node at the district).
-- Local to the node, never synced.

CREATE TABLE snapshot_due (
    peer        TEXT PRIMARY KEY,   -- the node owed the snapshot (peers.node_id)
    through_seq INTEGER NOT NULL,   -- our change_log seq the snapshot stands for: confirmed
                                    -- once the peer acknowledges this seq
    noted_at    TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT ''
);
