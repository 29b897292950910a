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
    secret    BLOB,              -- private fields (JSON object) or NULL
    parent    TEXT,              -- the owning row's id (a message's session,
                                 -- a feedback's assistant), or NULL
    origin    INTEGER NOT NULL,  -- 1: as seeded, 0: written since
    src_file  INTEGER NOT NULL,  -- where a seeded item was loaded from, for
    src_index INTEGER NOT NULL,  -- the duplicate-id message (-1: created)
    PRIMARY KEY (acct, created, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX assistants_id ON assistants (id);
CREATE TABLE assistants_undo (
    acct INTEGER NOT NULL, created INTEGER NOT NULL,
    id TEXT NOT NULL PRIMARY KEY, pre BLOB NOT NULL, post BLOB, secret BLOB,
    parent TEXT, origin INTEGER NOT NULL, src_file INTEGER NOT NULL,
    src_index INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE tools (
    acct      INTEGER NOT NULL,
    created   INTEGER NOT NULL,  -- date_created, seconds since the epoch
    id        TEXT    NOT NULL,
    pre       BLOB    NOT NULL,  -- JSON up to the base URL (or the whole item)
    post      BLOB,              -- JSON after the base URL; NULL: fixed url
    secret    BLOB,              -- private fields (JSON object) or NULL
    parent    TEXT,              -- the owning row's id (a message's session,
                                 -- a feedback's assistant), or NULL
    origin    INTEGER NOT NULL,  -- 1: as seeded, 0: written since
    src_file  INTEGER NOT NULL,  -- where a seeded item was loaded from, for
    src_index INTEGER NOT NULL,  -- the duplicate-id message (-1: created)
    PRIMARY KEY (acct, created, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX tools_id ON tools (id);
CREATE TABLE tools_undo (
    acct INTEGER NOT NULL, created INTEGER NOT NULL,
    id TEXT NOT NULL PRIMARY KEY, pre BLOB NOT NULL, post BLOB, secret BLOB,
    parent TEXT, origin INTEGER NOT NULL, src_file INTEGER NOT NULL,
    src_index INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE knowledge (
    acct      INTEGER NOT NULL,
    created   INTEGER NOT NULL,  -- date_created, seconds since the epoch
    id        TEXT    NOT NULL,
    pre       BLOB    NOT NULL,  -- JSON up to the base URL (or the whole item)
    post      BLOB,              -- JSON after the base URL; NULL: fixed url
    secret    BLOB,              -- private fields (JSON object) or NULL
    parent    TEXT,              -- the owning row's id (a message's session,
                                 -- a feedback's assistant), or NULL
    origin    INTEGER NOT NULL,  -- 1: as seeded, 0: written since
    src_file  INTEGER NOT NULL,  -- where a seeded item was loaded from, for
    src_index INTEGER NOT NULL,  -- the duplicate-id message (-1: created)
    PRIMARY KEY (acct, created, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX knowledge_id ON knowledge (id);
CREATE TABLE knowledge_undo (
    acct INTEGER NOT NULL, created INTEGER NOT NULL,
    id TEXT NOT NULL PRIMARY KEY, pre BLOB NOT NULL, post BLOB, secret BLOB,
    parent TEXT, origin INTEGER NOT NULL, src_file INTEGER NOT NULL,
    src_index INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE policies (
    acct      INTEGER NOT NULL,
    created   INTEGER NOT NULL,  -- date_created, seconds since the epoch
    id        TEXT    NOT NULL,
    pre       BLOB    NOT NULL,  -- JSON up to the base URL (or the whole item)
    post      BLOB,              -- JSON after the base URL; NULL: fixed url
    secret    BLOB,              -- private fields (JSON object) or NULL
    parent    TEXT,              -- the owning row's id (a message's session,
                                 -- a feedback's assistant), or NULL
    origin    INTEGER NOT NULL,  -- 1: as seeded, 0: written since
    src_file  INTEGER NOT NULL,  -- where a seeded item was loaded from, for
    src_index INTEGER NOT NULL,  -- the duplicate-id message (-1: created)
    PRIMARY KEY (acct, created, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX policies_id ON policies (id);
CREATE TABLE policies_undo (
    acct INTEGER NOT NULL, created INTEGER NOT NULL,
    id TEXT NOT NULL PRIMARY KEY, pre BLOB NOT NULL, post BLOB, secret BLOB,
    parent TEXT, origin INTEGER NOT NULL, src_file INTEGER NOT NULL,
    src_index INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE sessions (
    acct      INTEGER NOT NULL,
    created   INTEGER NOT NULL,  -- date_created, seconds since the epoch
    id        TEXT    NOT NULL,
    pre       BLOB    NOT NULL,  -- JSON up to the base URL (or the whole item)
    post      BLOB,              -- JSON after the base URL; NULL: fixed url
    secret    BLOB,              -- private fields (JSON object) or NULL
    parent    TEXT,              -- the owning row's id (a message's session,
                                 -- a feedback's assistant), or NULL
    origin    INTEGER NOT NULL,  -- 1: as seeded, 0: written since
    src_file  INTEGER NOT NULL,  -- where a seeded item was loaded from, for
    src_index INTEGER NOT NULL,  -- the duplicate-id message (-1: created)
    PRIMARY KEY (acct, created, id)
) WITHOUT ROWID;
-- Session ids are names chosen by clients: unique per account only.
CREATE UNIQUE INDEX sessions_id ON sessions (acct, id);
CREATE TABLE sessions_undo (
    acct INTEGER NOT NULL, created INTEGER NOT NULL,
    id TEXT NOT NULL, pre BLOB NOT NULL, post BLOB, secret BLOB,
    parent TEXT, origin INTEGER NOT NULL, src_file INTEGER NOT NULL,
    src_index INTEGER NOT NULL
,
    PRIMARY KEY (acct, id)
) WITHOUT ROWID;

CREATE TABLE messages (
    acct      INTEGER NOT NULL,
    created   INTEGER NOT NULL,  -- date_created, seconds since the epoch
    id        TEXT    NOT NULL,
    pre       BLOB    NOT NULL,  -- JSON up to the base URL (or the whole item)
    post      BLOB,              -- JSON after the base URL; NULL: fixed url
    secret    BLOB,              -- private fields (JSON object) or NULL
    parent    TEXT,              -- the owning row's id (a message's session,
                                 -- a feedback's assistant), or NULL
    origin    INTEGER NOT NULL,  -- 1: as seeded, 0: written since
    src_file  INTEGER NOT NULL,  -- where a seeded item was loaded from, for
    src_index INTEGER NOT NULL,  -- the duplicate-id message (-1: created)
    PRIMARY KEY (acct, created, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX messages_id ON messages (id);
CREATE INDEX messages_parent ON messages (acct, parent, created, id);
CREATE TABLE messages_undo (
    acct INTEGER NOT NULL, created INTEGER NOT NULL,
    id TEXT NOT NULL PRIMARY KEY, pre BLOB NOT NULL, post BLOB, secret BLOB,
    parent TEXT, origin INTEGER NOT NULL, src_file INTEGER NOT NULL,
    src_index INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE feedbacks (
    acct      INTEGER NOT NULL,
    created   INTEGER NOT NULL,  -- date_created, seconds since the epoch
    id        TEXT    NOT NULL,
    pre       BLOB    NOT NULL,  -- JSON up to the base URL (or the whole item)
    post      BLOB,              -- JSON after the base URL; NULL: fixed url
    secret    BLOB,              -- private fields (JSON object) or NULL
    parent    TEXT,              -- the owning row's id (a message's session,
                                 -- a feedback's assistant), or NULL
    origin    INTEGER NOT NULL,  -- 1: as seeded, 0: written since
    src_file  INTEGER NOT NULL,  -- where a seeded item was loaded from, for
    src_index INTEGER NOT NULL,  -- the duplicate-id message (-1: created)
    PRIMARY KEY (acct, created, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX feedbacks_id ON feedbacks (id);
CREATE INDEX feedbacks_parent ON feedbacks (acct, parent, created, id);
CREATE TABLE feedbacks_undo (
    acct INTEGER NOT NULL, created INTEGER NOT NULL,
    id TEXT NOT NULL PRIMARY KEY, pre BLOB NOT NULL, post BLOB, secret BLOB,
    parent TEXT, origin INTEGER NOT NULL, src_file INTEGER NOT NULL,
    src_index INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE chunks (
    acct      INTEGER NOT NULL,
    created   INTEGER NOT NULL,
    id        TEXT    NOT NULL,  -- the knowledge id, '#' and the index
    pre       BLOB    NOT NULL,
    post      BLOB,
    secret    BLOB,
    parent    TEXT,              -- the knowledge source
    origin    INTEGER NOT NULL,
    src_file  INTEGER NOT NULL,
    src_index INTEGER NOT NULL,
    PRIMARY KEY (acct, created, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX chunks_id ON chunks (id);
CREATE INDEX chunks_parent ON chunks (acct, parent, created, id);
CREATE TABLE chunks_undo (
    acct INTEGER NOT NULL, created INTEGER NOT NULL,
    id TEXT NOT NULL PRIMARY KEY, pre BLOB NOT NULL, post BLOB, secret BLOB,
    parent TEXT, origin INTEGER NOT NULL, src_file INTEGER NOT NULL,
    src_index INTEGER NOT NULL
) WITHOUT ROWID;

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
