/*
 * fixtures.h - loading and validating fixture files into the store, and the
 * accounts and credentials they (and the TWILIO_* variables) define.
 *
 * Loading is all-or-nothing: every problem is collected as one line
 * "FILE: JSONPATH: problem" (or "FILE:LINE: invalid JSON: ...") and the
 * caller refuses to serve when there is any. A large file is scanned in
 * place (mmap) and each assistant is parsed, validated, pre-rendered and
 * inserted on its own, so memory does not hold a second copy of the file.
 * Does not serve anything: the store does that.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef ASSISTANTS_MOCK_FIXTURES_H
#define ASSISTANTS_MOCK_FIXTURES_H

#include <stdbool.h>
#include <stddef.h>

#include "accounts.h"
#include "buf.h"
#include "store.h"

#define FIXTURES_MAX_ID 200
#define FIXTURES_MAX_STRING (1024 * 1024)
#define FIXTURES_MAX_SECRET 1024
#define FIXTURES_MAX_ERRORS 50
#define FIXTURES_N_SECTIONS 10
#define FIXTURES_MAX_REPLY (64 * 1024)

/* A canned reply: to a message of assistant (NULL: any) matching glob. */
struct fixtures_reply {
    char *assistant_id; /* owned, or NULL */
    char *match;        /* owned; '*' matches any run of characters */
    char *reply;        /* owned */
};

/* Credentials from the environment (TWILIO_*); NULL when unset; borrowed. */
struct fixtures_env {
    const char *account_sid;
    const char *auth_token;
    const char *api_key;
    const char *api_secret;
};

struct fixtures {
    struct accounts accts; /* accounts and credentials */
    long n_assistants;
    long n_records; /* of every section */
    struct fixtures_reply *replies;
    size_t n_replies;
    size_t n_files;
    bool bundled; /* the compiled-in default fixtures were loaded */
    struct buf errors; /* problems, one per line */
    size_t n_errors;
};

void fixtures_init(struct fixtures *fx);
/* Frees everything, wiping secrets. Accepts NULL. */
void fixtures_release(struct fixtures *fx);

/*
 * Loads the files and directories in paths (directories: their *.json files
 * in name order), or the bundled fixtures when n_paths is 0, into store, and
 * sorts fx->creds by sid. Returns 0, or -1 when any problem was found (they
 * are in fx->errors) or the store failed.
 */
int fixtures_load(struct fixtures *fx, struct store *store,
                  const char *const *paths, size_t n_paths,
                  const struct fixtures_env *env);

/*
 * Loads one fixture held in memory, named name in messages; the other steps
 * are as fixtures_load. For tests and fuzzing.
 */
int fixtures_load_buffer(struct fixtures *fx, struct store *store,
                         const char *name, const char *data, size_t len,
                         const struct fixtures_env *env);

/*
 * With false, every record goes through the general path (json-c), which
 * the fast path of plain assistants must match byte for byte: rows,
 * messages, exit status. Default true. For tests and fuzzing; not
 * thread-safe.
 */
void fixtures_set_fast_path(bool on);
/*
 * Whether the fast path's rows are stored by a second thread, overlapping
 * SQLite's inserts with the reading of the next rows (same rows, same
 * messages): -1 (default) when the process may run on two or more CPUs
 * and the store is new, 0 never, 1 always (with a new store). For tests;
 * not thread-safe.
 */
void fixtures_set_pipeline(int mode);

#endif
