-- The database's epoch: a random id sent in every sync answer. Restoring a backup gives the
-- database a new one (`terrain admin restore`, `terrain admin new-epoch`), so devices notice that
-- the server may lack changes it once acknowledged, and send them again.
CREATE TABLE store_epoch (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    epoch BLOB NOT NULL
);
INSERT INTO store_epoch (id, epoch) VALUES (1, randomblob(16));
