-- 0011: the same person registered in two communities (F17).
-- The district finds ID numbers held by live residents of more than one community and
-- writes one notice per resident concerned, owned by that resident's community: the
-- district writes it, it travels down to that community only (a notice names another
-- community and its door: it must not reach every community), and it points at a resident
-- of the same community, as every row a community receives must.

CREATE TABLE duplicate_notices (
    id                 TEXT PRIMARY KEY,
    community_id       TEXT NOT NULL,           -- the community whose resident it concerns
    resident_id        TEXT NOT NULL REFERENCES residents (id),
    other_community_id TEXT NOT NULL,           -- the org unit of the other registration
    other_community    TEXT NOT NULL,           -- its name: 建设路社区
    other_address      TEXT NOT NULL,           -- its door: 锦绣花园3号楼2单元501
    other_changed_at   TEXT,                    -- when that registration last changed
    status             TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
    noted_at           TEXT NOT NULL,           -- when the district first saw it
    resolved_at        TEXT,
    deleted            INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX duplicate_notices_resident ON duplicate_notices (resident_id, status);
CREATE INDEX duplicate_notices_status ON duplicate_notices (status, community_id);

-- Live residents by ID number across communities: the district's duplicate query reads
-- only this index (200,000 residents in tens of milliseconds).
CREATE INDEX residents_live_id_number ON residents (id_number, community_id)
    WHERE deleted = 0 AND id_number IS NOT NULL;
