-- 0023: sealed audit blocks (issue 23). Entries older than the live tail move, a block of
-- consecutive entries at a time, out of audit_log into one compressed row each; their hash
-- chain is unchanged (db/audit.py walks blocks and the tail as one chain). Sealing is done
-- by the compaction run the office starts (app/sync/compaction), never by this migration.
CREATE TABLE audit_sealed (
    first_seq INTEGER PRIMARY KEY,    -- the block's first entry
    last_seq  INTEGER NOT NULL,       -- its last entry
    entries   INTEGER NOT NULL,       -- how many entries it holds
    min_at    TEXT NOT NULL,          -- the earliest and latest `at` inside: time filters
    max_at    TEXT NOT NULL,          --   skip a block without opening it
    actors    TEXT NOT NULL,          -- JSON list of the distinct actors: the 操作人 filter
    head      TEXT NOT NULL,          -- the hash of its last entry (hash_at, the chain's tail)
    body      BLOB NOT NULL           -- the entries, all nine columns as stored (db/audit_sealed.py)
);
-- A record's entries in sealed blocks (the person page's timeline): a 64-bit hash of the
-- row id (not the 36-character text), the block; a look-up decodes only those blocks.
CREATE TABLE audit_sealed_rows (
    row_key   INTEGER NOT NULL,
    first_seq INTEGER NOT NULL,
    PRIMARY KEY (row_key, first_seq)
) WITHOUT ROWID;

-- Not named audit_…: db.audit.install_triggers drops those on every table but audit_log.
CREATE TRIGGER sealed_audit_no_update BEFORE UPDATE ON audit_sealed BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER sealed_audit_no_delete BEFORE DELETE ON audit_sealed BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
-- An entry leaves audit_log only once a sealed block covering its seq exists (sealing
-- inserts the block and deletes its entries in one transaction); any other delete is refused.
DROP TRIGGER IF EXISTS audit_log_no_delete;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
WHEN COALESCE((SELECT last_seq >= old.seq FROM audit_sealed WHERE first_seq <= old.seq
               ORDER BY first_seq DESC LIMIT 1), 0) = 0
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
