-- Privacy: erased documents (tombstones) and the last contact of a person.

-- A destroyed document. Only its id remains, so worksites that refer to it still count its hours,
-- and a device that still holds or pushes it is told to destroy its copy. `seq` is the commit
-- number taken at erasure: devices whose cursor is below it are told at their next sync.
CREATE TABLE erased_documents (
    id UUID NOT NULL PRIMARY KEY,
    seq BIGINT NOT NULL,
    erased_at TIMESTAMPTZ NOT NULL,
    -- 'request' (an office user erased the person) or 'retention' (the retention period ran out).
    reason TEXT NOT NULL CHECK (reason IN ('request', 'retention')),
    -- The user who erased it (none for the retention job).
    erased_by UUID
);
CREATE INDEX erased_documents_seq ON erased_documents (seq);

-- Latest dated note or evaluation of a person: with placements and referrals, what the retention
-- date counts from.
ALTER TABLE people ADD COLUMN last_contact DATE;
