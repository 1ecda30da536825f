-- 0018_district_orgs: at a district, the names each community has had and since when, so the
-- 审计 page names the community an audited record belongs to as it was called when the action
-- happened (a community renamed at its end keeps its old name in the audit). The district
-- learns a name from a bundle: db.district.ensure_streets appends a row after every import
-- when a community's name differs from its last one. Not a synced table (no id, no deleted):
-- it is the district's own memory. Existing communities start with their current name, known
-- since before the record began ('').
CREATE TABLE community_names (
    community_id TEXT NOT NULL,
    name         TEXT NOT NULL,
    since        TEXT NOT NULL,     -- ISO UTC, as audit_log.at; '' = before this table existed
    PRIMARY KEY (community_id, since)
);   -- a rowid table: SQLite 3.40's integrity_check misreads NOT NULL in WITHOUT ROWID ones

INSERT INTO community_names (community_id, name, since)
SELECT id, name, '' FROM org_units
WHERE level = 'community' AND id = community_id AND name IS NOT NULL
  AND (SELECT value FROM meta WHERE key = 'role') = 'district';
