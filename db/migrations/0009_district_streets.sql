-- 0009_district_streets: at a district, its own row for each street.
-- A district database holds each community's own copies of the district and street rows (a
-- union of the communities' rows, left as they are). The district's levels are its own
-- rows: its org unit and one shared street row per 9-digit street code (id from the code,
-- owning itself, so no peer's: never logged or sent), which a community belongs to by its
-- street's code (db/district.py; the same statement runs after every import). The capture
-- trigger is dropped first so the insert is not logged; db.changelog.install_triggers
-- recreates it right after migrating.
DROP TRIGGER IF EXISTS sync_org_units_insert;

INSERT INTO org_units (id, community_id, parent_id, level, code, name)
SELECT '00000000-0000-8000-8002-' || substr('000000000000' || o.code, -12),
       '00000000-0000-8000-8002-' || substr('000000000000' || o.code, -12), d.value,
       'street', o.code, min(o.name)
FROM org_units o, meta d
WHERE d.key = 'community_id' AND (SELECT value FROM meta WHERE key = 'role') = 'district'
  AND o.level = 'street' AND o.community_id NOT IN (d.value, o.id)
GROUP BY o.code ON CONFLICT (id) DO NOTHING;
