-- store.sql - the SQLite schema of assistants-mock's store (in memory, or
-- the --state file). Embedded in the binary at build time and applied when
-- a store is created. STORE_SCHEMA_VERSION in store.c is its version: bump
-- both together.
--
-- Each resource row keeps its item pre-rendered (pre/post: the JSON item
-- split where the request's base URL goes), so a list page is one range
-- scan of the clustered primary key plus concatenation, and a fetch is one
-- seek. The rendered item is the row's only copy of its fields: an update
-- parses it back, merges and renders again (one source of truth, half the
-- memory of typed columns beside a cache). The key (acct, created, id) is
-- the list order, so a page cursor is a seek, whatever the page's depth.
--
-- Reset: rows loaded from the fixtures have origin = 1 until first written;
-- the first update or delete of such a row copies it to *_undo, so the
-- seeded state is (rows with origin = 1) + (the undo rows), restored by
-- store_reset in time proportional to what changed.
--
-- SPDX-License-Identifier: MIT

CREATE TABLE accounts (
    acct INTEGER PRIMARY KEY,  -- stable id, used by every other table
    sid  TEXT NOT NULL UNIQUE
);

CREATE TABLE assistants (
    acct      INTEGER NOT NULL,
    created   INTEGER NOT NULL,  -- date_created, seconds since the epoch
    id        TEXT    NOT NULL,
    pre       BLOB    NOT NULL,  -- JSON up to the base URL (or the whole item)
    post      BLOB,              -- JSON after the base URL; NULL: fixed url
    secret    BLOB,              -- write-only fields (JSON object) or NULL
    origin    INTEGER NOT NULL,  -- 1: as seeded, 0: written since
    src_file  INTEGER NOT NULL,  -- where a seeded item was loaded from, for
    src_index INTEGER NOT NULL,  -- the duplicate-id message (-1: created)
    PRIMARY KEY (acct, created, id)
) WITHOUT ROWID;

CREATE UNIQUE INDEX assistants_id ON assistants (id);

CREATE TABLE assistants_undo (
    acct      INTEGER NOT NULL,
    created   INTEGER NOT NULL,
    id        TEXT    NOT NULL PRIMARY KEY,
    pre       BLOB    NOT NULL,
    post      BLOB,
    secret    BLOB,
    origin    INTEGER NOT NULL,
    src_file  INTEGER NOT NULL,
    src_index INTEGER NOT NULL
) WITHOUT ROWID;
