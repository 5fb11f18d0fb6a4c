-- The device whose commit took a document's current `seq` (NULL before this migration, or for a
-- commit made by no device). A device's own commits are not news to it: `changed_since_by_others`
-- leaves out the documents whose latest commit is the asking device's, while its cursor still
-- covers them (protocol 3.3).
ALTER TABLE documents ADD COLUMN seq_device UUID;
