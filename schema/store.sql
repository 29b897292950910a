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

-- The resource tables (assistants, tools, knowledge, policies, sessions,
-- messages, feedbacks, chunks) all have one shape, so store.c makes them
-- from one template (resource_table_sql), each with its *_undo twin:
--   acct, created, id      the list order and primary key (WITHOUT ROWID)
--   pre, post              the item rendered, split where the base URL goes
--                          (post NULL: a fixed url, or none)
--   secret                 private fields (JSON) or NULL
--   parent                 the owning row's id (a message's session, a
--                          feedback's assistant, a chunk's knowledge)
--   origin                 1: as seeded, 0: written since
--   src_file, src_index    where a seeded row came from (duplicate ids)

-- Attachments of tools and knowledge to assistants (kind: the table number
-- of the target, store.h enum store_table), in attach order (seq).
CREATE TABLE attachments (
    acct      INTEGER NOT NULL,
    assistant TEXT    NOT NULL,
    kind      INTEGER NOT NULL,
    target    TEXT    NOT NULL,
    seq       INTEGER NOT NULL,
    PRIMARY KEY (acct, assistant, kind, target)
) WITHOUT ROWID;
CREATE INDEX attachments_target ON attachments (acct, target);

-- Which policies a tool or a knowledge source has.
CREATE TABLE policy_links (
    acct   INTEGER NOT NULL,
    owner  TEXT    NOT NULL,  -- a tool's or a knowledge source's id
    policy TEXT    NOT NULL,
    seq    INTEGER NOT NULL,
    PRIMARY KEY (acct, owner, policy)
) WITHOUT ROWID;
CREATE INDEX policy_links_policy ON policy_links (acct, policy);

-- The link tables as seeded, for store_reset.
CREATE TABLE attachments_seed AS SELECT * FROM attachments WHERE 0;
CREATE TABLE policy_links_seed AS SELECT * FROM policy_links WHERE 0;
