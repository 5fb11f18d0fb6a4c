-- The portfolio, its exports and its summary are read from the projection with SQL (issue 15):
-- the columns those pages need that the projection did not have, and the indexes their filters,
-- sorts and orders use.
--
-- `placement_count` is what a positions clause counts; `search_text` is what the portfolio's
-- search matches (name, contract reference, authority, contractor, advisor, status code and its
-- labels, folded: lower case, accents dropped). Both are written by the projection at every
-- commit; the rows already stored get them here, `search_text` without the accent folding and the
-- labels until the worksite's next commit rewrites its rows.
ALTER TABLE worksites ADD COLUMN placement_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE worksites ADD COLUMN search_text TEXT NOT NULL DEFAULT '';

UPDATE worksites SET
    placement_count = (SELECT COUNT(*) FROM placements p WHERE p.document_id = worksites.document_id),
    search_text = lower(name || ' | ' || contract_reference || ' | ' || authority || ' | ' || contractor
                        || ' | ' || advisor || ' | ' || status);

-- Filters (advisor already has one) and the default sort.
CREATE INDEX worksites_authority ON worksites (authority);
CREATE INDEX worksites_status ON worksites (status);
CREATE INDEX worksites_name ON worksites (name);
-- The hours export and the yearly summary read hours by month.
CREATE INDEX placement_hours_month ON placement_hours (month);
