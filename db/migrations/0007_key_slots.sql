-- 0007_key_slots: the database's data key, wrapped once per account (by a key derived from
-- the account's password) and once by the recovery key printed for the secretary. Nothing
-- here unwraps without a password or the recovery key. Local to this node, never synced.

CREATE TABLE key_slots (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER UNIQUE REFERENCES accounts (id) ON DELETE CASCADE,  -- NULL: recovery
    kind       TEXT NOT NULL CHECK (kind IN ('password', 'recovery')),
    kdf        TEXT NOT NULL,   -- JSON: {"name": "argon2id", "salt", "opslimit", "memlimit"}
                                -- or {"name": "blake2b", "salt"} for the recovery key
    wrapped    BLOB NOT NULL,   -- nonce + XChaCha20-Poly1305 of the 32-byte data key
    key_id     TEXT NOT NULL,   -- which data key (a short hash of it): all slots agree
    created_at TEXT NOT NULL,
    CHECK ((kind = 'recovery') = (account_id IS NULL))
);

CREATE UNIQUE INDEX key_slots_one_recovery ON key_slots (kind) WHERE kind = 'recovery';
