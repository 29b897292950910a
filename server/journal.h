/*
 * journal.h - the request journal: a bounded ring of recent /v1 requests
 * per account (after Redis' slowlog), plus one ring for requests that did
 * not authenticate. What a request carried is copied when it is recorded
 * (Authorization never: the account says whom it resolved to) and rendered
 * as JSON only when asked for. Safe from any thread; an entry is in the
 * journal as soon as journal_add returns.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef ASSISTANTS_MOCK_JOURNAL_H
#define ASSISTANTS_MOCK_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "request.h"

/* Longest body kept per entry; the rest is cut. */
#define JOURNAL_MAX_BODY (64 * 1024)

struct journal;

/*
 * A journal of n_accounts + 1 rings of cap entries each (cap 0: records
 * nothing). Ring n_accounts holds the requests without an account. NULL
 * out of memory.
 */
struct journal *journal_new(size_t n_accounts, size_t cap);
void journal_free(struct journal *j);

/* What one request was; all borrowed. */
struct journal_record {
    int ring;                /* the account's index, or -1: no account */
    const char *account_sid; /* NULL: none */
    const char *request_id;
    int64_t time_ms;         /* the mock clock */
    const struct request *rq;
    unsigned status;         /* 0: the connection was dropped */
    uint64_t duration_us;
    const char *route;       /* the route's pattern, or NULL */
};

void journal_add(struct journal *j, const struct journal_record *r);

/* Which entries a query wants; NULL members match everything. */
struct journal_filter {
    const char *method;
    const char *path; /* a glob on the path: '*' matches any run */
    unsigned status;  /* 0: any */
    const char *since; /* a request id: only entries after it */
};

/*
 * Appends {"requests":[...],"dropped":N} of ring (-1: every ring, merged in
 * arrival order), oldest first. Returns 0, -1 when since names no entry
 * in scope, or -2 out of memory (nothing appended then).
 */
int journal_render(struct journal *j, int ring,
                   const struct journal_filter *f, struct buf *out);
/* Number of matching entries, or -1/-2 as journal_render. */
long journal_count(struct journal *j, int ring,
                   const struct journal_filter *f);
/* Empties ring (-1: every ring) and zeroes its dropped count. */
void journal_clear(struct journal *j, int ring);

/* True if s matches glob g, where '*' matches any run of characters. */
bool journal_glob(const char *g, const char *s, size_t n);

#endif
