-- 0024_clock_column_sets: a packed stamp's column list stored once per distinct list.
-- row_clock kept each row's columns as text ("community_id household_id name ..."), about
-- half of its 188 bytes a row; a file holds a few dozen distinct lists (73 in a demo
-- community), so each is kept once in clock_columns and row_clock refers to it by number.
-- The list still says which fields the row's stamp covers: a column added by a later
-- migration is not in an old row's list, so that row's stamp never covers it.
-- Converted in place, set-based (a 100,000-resident file: about a second); the capture
-- triggers are made again for the new layout by db/changelog.install_triggers after every
-- migration (the old ones are not run in between: capture is off while migrating).

CREATE TABLE IF NOT EXISTS clock_columns (   -- one distinct column list of a table
    id   INTEGER PRIMARY KEY,
    tbl  TEXT NOT NULL,
    cols TEXT NOT NULL,                      -- space-separated, in the order of the stamps
    UNIQUE (tbl, cols)
);

INSERT OR IGNORE INTO clock_columns (tbl, cols)
SELECT DISTINCT tbl, cols FROM row_clock ORDER BY tbl, cols;

CREATE TEMP TABLE row_clock_0024 AS
SELECT r.tbl AS tbl, r.row_id AS row_id, k.id AS cols_id, r.hlcs AS hlcs
FROM row_clock r JOIN clock_columns k ON k.tbl = r.tbl AND k.cols = r.cols;

DROP TABLE row_clock;

CREATE TABLE row_clock (                 -- one row's field stamps: the columns of
    tbl     TEXT NOT NULL,               -- clock_columns.cols and the stamps of hlcs
    row_id  TEXT NOT NULL,               -- (space-separated, same order); one stamp in
    cols_id INTEGER NOT NULL,            -- hlcs stands for them all (no REFERENCES:
    hlcs    TEXT NOT NULL,               -- a lookup per row of a snapshot import, and
    PRIMARY KEY (tbl, row_id)
) WITHOUT ROWID;                          -- clock_columns loses no row)

INSERT INTO row_clock (tbl, row_id, cols_id, hlcs)
SELECT tbl, row_id, cols_id, hlcs FROM temp.row_clock_0024 ORDER BY tbl, row_id;

DROP TABLE temp.row_clock_0024;
