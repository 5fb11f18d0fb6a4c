-- The version of the projection's rows: the `projection::VERSION` of the server that wrote them.
-- A server whose VERSION is higher rebuilds every stored document's rows from its changes when it
-- starts (`reproject.rs`), then records its own. It starts at 0 so that a database whose rows were
-- written before versions were kept (and may lack what 0006, 0010 and 0011 added) is rebuilt once.
CREATE TABLE projection_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO projection_version (id, version) VALUES (1, 0);
