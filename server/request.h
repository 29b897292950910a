/*
 * request.h - the seam between the transport (http.c) and everything above
 * it: one parsed request in, one response out. Nothing above this line sees
 * libmicrohttpd; nothing below it knows a route.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef ASSISTANTS_MOCK_REQUEST_H
#define ASSISTANTS_MOCK_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Methods as bits, so a route can list several. */
enum http_method {
    HTTP_GET = 1 << 0,
    HTTP_HEAD = 1 << 1,
    HTTP_POST = 1 << 2,
    HTTP_PUT = 1 << 3,
    HTTP_DELETE = 1 << 4,
    HTTP_OPTIONS = 1 << 5,
    HTTP_OTHER = 1 << 6, /* PATCH, TRACE, anything else */
};

/* One request header, borrowed. */
struct header {
    const char *name;
    const char *value;
};

/* Most headers passed up (the journal keeps these); the rest are counted. */
#define REQUEST_MAX_HEADERS 64

/* Largest request body read; a larger one is drained and flagged. */
#define REQUEST_MAX_BODY (1024 * 1024)

/* One request; every pointer is borrowed from the transport. */
struct request {
    const char *method; /* as sent, NUL-terminated */
    unsigned m;         /* enum http_method */
    const char *path;   /* raw (not decoded) path, up to '?' */
    size_t path_len;
    const char *query;  /* raw query after '?', or NULL */
    size_t query_len;
    const char *host;   /* header values, NULL when absent */
    const char *authorization;
    const char *content_type;
    const char *body;   /* NULL when none */
    size_t body_len;
    bool body_too_large; /* more than REQUEST_MAX_BODY bytes were sent */
    bool uri_too_long;
    size_t header_bytes; /* all header names and values */
    const struct header *headers; /* in the order sent */
    size_t n_headers;
    const char *fallback_base; /* http(s)://ADDR:PORT of the listener */
    size_t fallback_len;
    uint64_t t0; /* util_now_ns() when the request line arrived */
    bool tls;    /* it came over the HTTPS side: https:// links */
};

/* One response, filled by the router, sent and released by the transport. */
struct response {
    unsigned status;
    struct buf body;
    /*
     * Or a body shared with others (a cached page), used instead of body
     * when shared is not NULL: the transport sends shared_len bytes from it
     * without a copy and calls shared_release(shared_ref) once they are
     * sent or the answer is dropped (exactly once, from any thread).
     */
    const char *shared;
    size_t shared_len;
    void *shared_ref;
    void (*shared_release)(void *ref);
    bool no_content;          /* no body and no Content-Type (204) */
    const char *content_type; /* instead of application/json, or NULL */
    const char *allow;        /* Allow header (405, OPTIONS) or NULL */
    const char *cors_methods; /* Access-Control-Allow-Methods, or NULL */
    bool www_authenticate;
    bool drop;             /* close the connection without an answer */
    int retry_after;       /* Retry-After seconds, or -1 */
    char request_id[35];   /* Twilio-Request-Id, set by router_handle */
    const char *account_sid; /* whom the request authenticated as, or NULL */
};

/* Releases rs's shared body, if any (then it has none). */
static inline void
response_unshare(struct response *rs)
{
    if (rs->shared) {
        if (rs->shared_release)
            rs->shared_release(rs->shared_ref);
        rs->shared = NULL;
        rs->shared_len = 0;
        rs->shared_ref = NULL;
        rs->shared_release = NULL;
    }
}

/* Returns the enum http_method bit of a method name. */
unsigned request_method(const char *name);

#endif
