/*
 * buf.h - growable byte buffer, always NUL-terminated (after git's strbuf).
 *
 * A buffer grows on demand up to BUF_MAX bytes; past that, or when memory runs
 * out, it enters a sticky error state: further appends are no-ops and
 * buf_failed() reports it, so callers check once at the end (curl's dynbuf).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef ASSISTANTS_MOCK_BUF_H
#define ASSISTANTS_MOCK_BUF_H

#include <stdbool.h>
#include <stddef.h>

#define BUF_MAX ((size_t)1 << 30)

struct buf {
    char *data; /* owned; NULL until the first append */
    size_t len;
    size_t cap;
    bool failed;
};

#define BUF_INIT {NULL, 0, 0, false}

void buf_init(struct buf *b);
/* Frees the contents and re-initialises. Accepts NULL. */
void buf_release(struct buf *b);
/* Ensures room for extra more bytes plus the terminator. 0 or -1. */
int buf_grow(struct buf *b, size_t extra);
void buf_add(struct buf *b, const void *data, size_t len);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_addf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends the decimal form of v. */
void buf_add_long(struct buf *b, long long v);
void buf_reset(struct buf *b);
bool buf_failed(const struct buf *b);
/*
 * Hands the contents to the caller (malloc'd, NUL-terminated, never NULL
 * unless out of memory) and re-initialises the buffer.
 */
char *buf_detach(struct buf *b, size_t *len);

#endif
