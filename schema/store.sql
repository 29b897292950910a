-- store.sql - the SQLite schema of assistants-mock's in-memory store.
-- Embedded in the binary at build time and applied at start-up.
--
-- Each assistant is kept pre-rendered (pre/post: the JSON item split where
-- the request's base URL goes), so a list page is one range scan of the
-- clustered primary key plus concatenation. The key (acct, created, id) is
-- the list order, so a page cursor is a seek, whatever the page's depth.
--
-- SPDX-License-Identifier: MIT

CREATE TABLE assistants (
    acct      INTEGER NOT NULL,  -- index into the loaded accounts
    created   INTEGER NOT NULL,  -- date_created, seconds since the epoch
    id        TEXT    NOT NULL,
    pre       BLOB    NOT NULL,  -- JSON up to the base URL (or the whole item)
    post      BLOB,              -- JSON after the base URL; NULL: fixed url
    src_file  INTEGER NOT NULL,  -- where the item was loaded from, for
    src_index INTEGER NOT NULL,  -- the duplicate-id message
    PRIMARY KEY (acct, created, id)
) WITHOUT ROWID;

CREATE UNIQUE INDEX assistants_id ON assistants (id);
