/*
 * connect.h - the request head a client sends to an HTTP proxy to open a
 * tunnel (RFC 9110 9.3.6): "CONNECT host:port HTTP/1.1", header fields, an
 * empty line. Pure parsing, no I/O; proxy.c decides what is served.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef ASSISTANTS_MOCK_CONNECT_H
#define ASSISTANTS_MOCK_CONNECT_H

#include <stddef.h>

/* At most this many bytes of head are read before the answer is 431. */
#define CONNECT_MAX_HEAD 8192
#define CONNECT_MAX_HOST 253

enum connect_result {
    CONNECT_OK,
    CONNECT_INCOMPLETE, /* no empty line yet: read more */
    CONNECT_BAD,        /* not a well-formed CONNECT head: 400 */
    CONNECT_TOO_LONG,   /* no end within CONNECT_MAX_HEAD: 431 */
    CONNECT_NOT_CONNECT /* another method: not a tunnel request */
};

struct connect_target {
    char host[CONNECT_MAX_HOST + 1]; /* without brackets, NUL-terminated */
    size_t host_len;
    unsigned port;      /* 1 to 65535 */
    size_t head_len;    /* bytes up to and including the empty line */
};

/*
 * Parses the first len bytes a client sent. CONNECT_NOT_CONNECT as soon as
 * the bytes cannot start "CONNECT "; CONNECT_INCOMPLETE while they could
 * but the head has not ended. On CONNECT_OK, t is filled; the bytes after
 * head_len (if any) are the tunnel's.
 */
enum connect_result connect_parse(const char *buf, size_t len,
                                  struct connect_target *t);

#endif
