/*
 * http.c - see http.h.
 *
 * Transport only: the raw request-target comes from the URI log callback
 * (so path and query parsing are ours, strict and tested), a body is
 * collected up to REQUEST_MAX_BODY, and once the request is complete it
 * becomes a struct request for router_handle; the struct response comes
 * back as one buffer handed over with MHD_RESPMEM_MUST_FREE, with Twilio's
 * common headers.
 *
 * Hostile clients are handled here, before anything reaches the router:
 * framing that cannot be read safely (Content-Length with Transfer-Encoding,
 * a coding other than chunked), a missing, repeated or malformed Host,
 * whitespace in a field name, and an absolute-form request-target (whose
 * authority then stands for Host). Connections are tracked so that at the
 * connection limit idle ones are closed first and a new client is answered
 * 503 rather than left in the backlog; a request must make progress every
 * HTTP_REQUEST_TIMEOUT seconds until its answer is sent, and only an idle
 * keep-alive connection gets HTTP_IDLE_TIMEOUT. libmicrohttpd's own messages
 * are rate-limited (log.h sanitises every line).
 *
 * SPDX-License-Identifier: MIT
 */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "errors.h"
#include "ids.h"
#include "log.h"
#include "paging.h"
#include "proxy.h"
#include "render.h"
#include "router.h"
#include "tls.h"
#include "util.h"

#define HTTP_MAX_URI 8192
#define HTTP_MAX_HEADERS 16384
#define HTTP_CONNECTION_LIMIT 8192
/*
 * Seconds a connection may go without progress while a request is read or
 * its answer is sent: a client that stalls (or vanished: libmicrohttpd
 * 0.9.75 in epoll mode misses a FIN that arrives with the last data) loses
 * its slot after this. Between requests, a keep-alive connection may idle
 * for HTTP_IDLE_TIMEOUT.
 */
#define HTTP_REQUEST_TIMEOUT 5
#define HTTP_IDLE_TIMEOUT 60
/* A request that took longer than this restarts its clock for the answer. */
#define HTTP_FRESH_CLOCK_NS (500ull * 1000 * 1000)
/*
 * Descriptors kept out of the connection limit: stdio, the listening
 * socket, SQLite's files (a --state database, its WAL and shared memory),
 * and slack; each worker thread also holds an epoll and an eventfd.
 */
#define HTTP_FD_RESERVE 16
#define HTTP_FD_PER_THREAD 2
/* Connections above the soft limit (an eighth below the hard one) evict. */
#define HTTP_SOFT_LIMIT(hard) ((hard) - ((hard) / 8 > 0 ? (hard) / 8 : 1))
/*
 * Per-connection memory for the request line and headers. Larger than the
 * limits above, so that a request somewhat over them reaches the handler and
 * gets a Twilio error; one that does not fit at all gets libmicrohttpd's own
 * 414 or 431. Not larger: libmicrohttpd zeroes the whole pool after every
 * request (a third of the instructions of a list request), and it is
 * resident memory per keep-alive connection.
 */
#define HTTP_POOL_SIZE (64 * 1024)
#define HTTP_DRAIN_MS 600
#define HTTP_TLS_PRIORITIES                                                    \
    "NORMAL:-CIPHER-ALL:+AES-128-GCM:+CHACHA20-POLY1305:+AES-256-GCM:"        \
    "+AES-128-CCM:+AES-256-CCM:+AES-128-CBC:+AES-256-CBC:%SERVER_PRECEDENCE"

/*
 * The request's header fields, read once at the headers call (borrowed
 * from libmicrohttpd, valid until the request completes), with what the
 * checks, the router and the journal want of them.
 */
struct header_list {
    size_t n;
    size_t total; /* bytes of all of them, counted beyond v too */
    unsigned n_host, n_te, n_cl;
    bool bad_name;
    /* The first of each, or NULL. */
    const char *host, *te, *authorization, *content_type;
    struct header v[REQUEST_MAX_HEADERS]; /* last: not zeroed */
};

/* One request, from the URI log callback to completion. */
struct req {
    char *uri; /* raw path and query, NUL-terminated */
    size_t uri_len;
    char *authority; /* of an absolute-form request-target, or NULL */
    uint64_t t0;
    bool too_long;
    bool started; /* the headers call has been seen */
    bool bad_host; /* none on HTTP/1.1, or more than one */
    struct buf body;
    bool body_too_large;
    char host[PAGING_MAX_HOST + 2]; /* Host without OWS, if it fits */
    char *auth; /* Authorization without OWS, when it had some; a secret */
    struct conn *owner; /* the connection it is embedded in, or NULL */
    struct header_list hs; /* last, its v not zeroed */
};

/*
 * One connection, from accept to close (libmicrohttpd's socket context).
 * While it waits for a request, or reads one, it is on the server's idle
 * list (oldest first): those are what the connection limit evicts.
 */
struct conn {
    struct conn *prev, *next;
    MHD_socket fd;
    bool listed;  /* on the idle list */
    bool evicted; /* shut down to make room; closing */
    bool reject;  /* accepted over the soft limit: answer 503 */
    bool req_busy; /* req holds the connection's request */
    struct req req; /* its request, without an allocation per request */
};

/* What a request handler's cls is: the server and which side it is. */
struct listener {
    struct http_server *srv;
    bool tls;
};

struct http_server {
    struct MHD_Daemon *daemon;
    struct MHD_Daemon *tls_daemon; /* NULL without --tls-port/--proxy-port */
    struct proxy *proxy;           /* NULL without --proxy-port */
    struct listener plain, secure;
    const struct tls_material *tls;
    unsigned tls_port; /* 0 when the HTTPS side has no listening socket */
    const struct config *cfg;
    struct app *app;
    atomic_int inflight;
    unsigned port;
    unsigned limit;      /* connections in all (both sides) */
    unsigned plain_limit, tls_limit; /* libmicrohttpd's limit of each side */
    unsigned soft_limit; /* above it, evict or answer 503 */
    pthread_mutex_t lock; /* guards the fields below */
    unsigned n_conns;
    struct conn *idle_head, *idle_tail;
};

static const char *const common_headers[][2] = {
    {"Content-Type", "application/json"},
    {"X-Home-Region", "us1"},
    {"X-Powered-By", "AT-5000"},
    {"X-Shenanigans", "none"},
    {"Access-Control-Allow-Origin", "*"},
    {"Access-Control-Allow-Headers",
     "Accept, Authorization, Content-Type, If-Match, If-Modified-Since, "
     "If-None-Match, If-Unmodified-Since, Idempotency-Key"},
    {"Access-Control-Expose-Headers", "ETag"},
};

/* Twilio's Access-Control-Allow-Methods, for paths the table does not know. */
#define HTTP_CORS_METHODS "GET, POST, DELETE, OPTIONS"

/* The connection's struct conn (NULL when it could not be allocated). */
static struct conn *
conn_of(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

    return ci ? ci->socket_context : NULL;
}

/* Idle list operations; srv->lock held. */
static void
idle_remove(struct http_server *srv, struct conn *k)
{
    if (!k->listed)
        return;
    if (k->prev)
        k->prev->next = k->next;
    else
        srv->idle_head = k->next;
    if (k->next)
        k->next->prev = k->prev;
    else
        srv->idle_tail = k->prev;
    k->prev = k->next = NULL;
    k->listed = false;
}

static void
idle_append(struct http_server *srv, struct conn *k)
{
    if (k->listed)
        return;
    k->prev = srv->idle_tail;
    k->next = NULL;
    if (srv->idle_tail)
        srv->idle_tail->next = k;
    else
        srv->idle_head = k;
    srv->idle_tail = k;
    k->listed = true;
}

/* Marks k idle (waiting for or reading a request) or busy (answering). */
static void
conn_set_idle(struct http_server *srv, struct conn *k, bool idle)
{
    if (k == NULL)
        return;
    pthread_mutex_lock(&srv->lock);
    idle_remove(srv, k);
    if (idle && !k->evicted)
        idle_append(srv, k);
    pthread_mutex_unlock(&srv->lock);
}

/*
 * Connection start and end. Above the soft limit a new connection makes
 * room: the longest-idle connection is shut down (its worker then sees the
 * hang-up and closes it; the descriptor stays valid until
 * MHD_CONNECTION_NOTIFY_CLOSED, which takes the same lock), or, when every
 * connection is busy answering, the new one is answered 503.
 */
static void
on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
              enum MHD_ConnectionNotificationCode code)
{
    struct http_server *srv = cls;
    struct conn *k = *socket_context;
    bool evicted = false, rejected = false;
    unsigned n;

    if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        pthread_mutex_lock(&srv->lock);
        if (k)
            idle_remove(srv, k);
        srv->n_conns--;
        pthread_mutex_unlock(&srv->lock);
        free(k);
        *socket_context = NULL;
        return;
    }
    k = calloc(1, sizeof(*k));
    if (k) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        k->fd = ci ? ci->connect_fd : MHD_INVALID_SOCKET;
    }
    pthread_mutex_lock(&srv->lock);
    n = ++srv->n_conns;
    if (n > srv->soft_limit) {
        struct conn *victim = srv->idle_head;
        if (victim && victim->fd != MHD_INVALID_SOCKET) {
            idle_remove(srv, victim);
            victim->evicted = true;
            shutdown(victim->fd, SHUT_RDWR);
            evicted = true;
        } else if (k) {
            k->reject = true;
            rejected = true;
        }
    }
    if (k)
        idle_append(srv, k);
    pthread_mutex_unlock(&srv->lock);
    *socket_context = k;
    if (evicted)
        log_error_limited("http: %u connections (limit %u): closed the "
                          "longest-idle one",
                          n, srv->limit);
    else if (rejected)
        log_error_limited("http: %u connections (limit %u), none idle: "
                          "answering 503",
                          n, srv->limit);
}

/* Sets the connection's inactivity timeout, restarting its clock. */
static void
set_timeout(struct MHD_Connection *c, unsigned seconds)
{
    /* From 0, libmicrohttpd restarts the clock (microhttpd.h). */
    MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT, 0u);
    MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT, seconds);
}

/*
 * Length of the "http://" or "https://" of an absolute-form
 * request-target, or 0.
 */
static size_t
absolute_scheme(const char *uri)
{
    if (strncasecmp(uri, "http://", 7) == 0)
        return 7;
    if (strncasecmp(uri, "https://", 8) == 0)
        return 8;
    return 0;
}

static void *
on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    struct http_server *srv = cls;
    struct conn *k = conn_of(c), *owner = NULL;
    struct req *r;
    const char *src = uri;
    size_t n, scheme;
    bool slash;

    atomic_fetch_add(&srv->inflight, 1);
    /* A new request: it must make progress until its answer is sent. */
    MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT,
                              (unsigned)HTTP_REQUEST_TIMEOUT);
    conn_set_idle(srv, k, true); /* to the tail: it is active */
    /* One request at a time per connection: the connection's own slot. */
    if (k && !k->req_busy) {
        k->req_busy = true;
        r = &k->req;
        owner = k;
    } else if ((r = malloc(sizeof(*r))) == NULL) {
        return NULL;
    }
    memset(r, 0, offsetof(struct req, hs.v));
    r->owner = owner;
    r->t0 = util_now_ns();
    scheme = absolute_scheme(uri);
    if (scheme) {
        /*
         * Absolute form (RFC 9112 3.2.2): the authority replaces Host. One
         * longer than a valid Host is kept at PAGING_MAX_HOST + 1 bytes,
         * which the link base refuses.
         */
        size_t alen = strcspn(uri + scheme, "/?#");
        size_t keep = alen <= PAGING_MAX_HOST ? alen : PAGING_MAX_HOST + 1;
        r->authority = malloc(keep + 1);
        if (r->authority) {
            memcpy(r->authority, uri + scheme, keep);
            r->authority[keep] = '\0';
        } else {
            r->bad_host = true; /* never a base from the wrong field */
        }
        src = uri + scheme + alen;
    }
    n = strlen(src);
    if (n > HTTP_MAX_URI) {
        /* Kept: the path (its route decides the CORS headers), if short. */
        size_t path = strcspn(src, "?");
        r->too_long = true;
        n = path <= HTTP_MAX_URI ? path : 64;
    }
    /* "http://host" and "http://host?q" mean the path "/". */
    slash = scheme && src[0] != '/';
    r->uri = malloc(n + 2);
    if (r->uri) {
        if (slash)
            r->uri[0] = '/';
        memcpy(r->uri + slash, src, n);
        r->uri[n + slash] = '\0';
        r->uri_len = n + slash;
    }
    /*
     * The query is parsed by paging.c, from the copy above. Empty it in
     * libmicrohttpd's own buffer (the connection's, writable; it has already
     * noted where '?' is): otherwise it also stores a record per parameter
     * in the connection's memory pool, where a few thousand parameters do
     * not fit and the request would stall.
     */
    {
        char *q = strchr(uri, '?');
        if (q)
            q[1] = '\0';
    }
    return r;
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
             enum MHD_RequestTerminationCode toe)
{
    struct http_server *srv = cls;
    struct req *r = *con_cls;

    atomic_fetch_sub(&srv->inflight, 1);
    if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK) {
        /* Answer sent: idle keep-alive until the next request line. */
        set_timeout(c, HTTP_IDLE_TIMEOUT);
        conn_set_idle(srv, conn_of(c), true);
    }
    if (r) {
        free(r->uri);
        free(r->authority);
        if (r->auth) {
            explicit_bzero(r->auth, strlen(r->auth));
            free(r->auth);
        }
        buf_release(&r->body);
        if (r->owner)
            r->owner->req_busy = false;
        else
            free(r);
        *con_cls = NULL;
    }
}

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
    char line[512];
    size_t n;

    (void)cls;
    vsnprintf(line, sizeof(line), fmt, ap);
    n = strlen(line);
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    /*
     * These lines can be made by any client (a reset, a bad request), and
     * some quote its bytes: rate-limited, and sanitised by log.c.
     */
    log_error_limited("http: %s", line);
}

/*
 * Printable copy of s for the access log (cap bytes with the NUL); its
 * length.
 */
static size_t
sanitize(char *dst, size_t cap, const char *s)
{
    size_t i;

    for (i = 0; s && s[i] && i + 1 < cap; i++)
        dst[i] = (s[i] > 0x20 && s[i] < 0x7f) ? s[i] : '?';
    dst[i] = '\0';
    return i;
}

/* Writes v in decimal at out (NUL-terminated); its length. */
static size_t
put_u64(char *out, unsigned long long v)
{
    char tmp[24];
    size_t n = 0, i;

    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = '\0';
    return n;
}

/* Writes v thousandths as "I.FFF" (what "%.3f" makes of v / 1000.0). */
static size_t
put_milli(char *out, unsigned long long v)
{
    size_t n = put_u64(out, v / 1000);
    unsigned f = (unsigned)(v % 1000);

    out[n++] = '.';
    out[n++] = (char)('0' + f / 100);
    out[n++] = (char)('0' + f / 10 % 10);
    out[n++] = (char)('0' + f % 10);
    out[n] = '\0';
    return n;
}

/* The access-log line: text (default) or one JSON object. */
static void
log_request(struct http_server *srv, const struct req *r, const char *method,
            const struct response *rs, size_t len, uint64_t ns, bool dropped)
{
    char m[16], u[512];
    size_t ml = sanitize(m, sizeof(m), method);
    size_t ul = sanitize(u, sizeof(u), r ? r->uri : "?");

    if (srv->cfg->log_json) {
        struct buf b = BUF_INIT;
        buf_adds(&b, "{\"request_id\":\"");
        buf_adds(&b, rs->request_id);
        buf_adds(&b, "\",\"account_sid\":");
        if (rs->account_sid)
            render_json_string(&b, rs->account_sid, strlen(rs->account_sid));
        else
            buf_adds(&b, "null");
        buf_adds(&b, ",\"method\":");
        render_json_string(&b, m, strlen(m));
        buf_adds(&b, ",\"path\":");
        render_json_string(&b, u, strlen(u));
        buf_adds(&b, ",\"status\":");
        if (dropped)
            buf_adds(&b, "null");
        else
            buf_add_long(&b, rs->status);
        buf_adds(&b, ",\"bytes\":");
        buf_add_long(&b, (long long)len);
        buf_adds(&b, ",\"duration_us\":");
        buf_add_long(&b, (long long)(ns / 1000));
        buf_addc(&b, '}');
        if (!buf_failed(&b))
            log_access("%s", b.data);
        buf_release(&b);
    } else if (dropped) {
        log_access("%s %s dropped %s", m, u, rs->request_id);
    } else {
        /* "GET /path?q 200 1234 0.123ms RQ..." without printf. */
        char line[sizeof(m) + sizeof(u) + 128];
        size_t n = 0;

        memcpy(line + n, m, ml);
        n += ml;
        line[n++] = ' ';
        memcpy(line + n, u, ul);
        n += ul;
        line[n++] = ' ';
        n += put_u64(line + n, rs->status);
        line[n++] = ' ';
        n += put_u64(line + n, len);
        line[n++] = ' ';
        n += put_milli(line + n, (ns + 500) / 1000);
        memcpy(line + n, "ms ", 3);
        n += 3;
        ul = strnlen(rs->request_id, sizeof(rs->request_id));
        memcpy(line + n, rs->request_id, ul);
        n += ul;
        log_access_line(line, n);
    }
}

/*
 * Queues rs (its body handed over) with the common headers and logs it;
 * close adds "Connection: close" (libmicrohttpd then closes after sending).
 */
static enum MHD_Result
respond(struct http_server *srv, struct MHD_Connection *c, struct req *r,
        const char *method, struct response *rs, bool close)
{
    struct MHD_Response *resp;
    enum MHD_Result ret;
    char num[32], dur[32];
    size_t len = 0, i;
    char *data;
    uint64_t ns;

    if (rs->drop) {
        /* A fault rule's "drop": close without an answer. */
        response_unshare(rs);
        buf_release(&rs->body);
        if (!srv->cfg->quiet)
            log_request(srv, r, method, rs, 0, 0, true);
        return MHD_NO;
    }
    if (rs->no_content)
        response_unshare(rs);
    if (rs->shared) {
        /* A cached page: sent from where it is, released once sent. */
        buf_release(&rs->body);
        len = rs->shared_len;
        resp = MHD_create_response_from_buffer_with_free_callback_cls(
            len, (void *)rs->shared, rs->shared_release, rs->shared_ref);
        if (resp == NULL) {
            response_unshare(rs);
            return MHD_NO;
        }
    } else {
        if (buf_failed(&rs->body)) {
            buf_release(&rs->body);
            api_err_render(&rs->body, API_ERR_INTERNAL, NULL, NULL);
            rs->status = 500;
            rs->no_content = false;
        }
        if (rs->no_content)
            buf_reset(&rs->body);
        data = buf_detach(&rs->body, &len);
        if (data == NULL)
            return MHD_NO;
        resp = MHD_create_response_from_buffer(len, data,
                                               MHD_RESPMEM_MUST_FREE);
        if (resp == NULL) {
            free(data);
            return MHD_NO;
        }
    }
    if (rs->content_type && !rs->no_content)
        MHD_add_response_header(resp, "Content-Type", rs->content_type);
    for (i = rs->no_content || rs->content_type ? 1 : 0;
         i < sizeof(common_headers) / sizeof(common_headers[0]); i++)
        MHD_add_response_header(resp, common_headers[i][0],
                                common_headers[i][1]);
    MHD_add_response_header(resp, "Access-Control-Allow-Methods",
                            rs->cors_methods ? rs->cors_methods
                                             : HTTP_CORS_METHODS);
    MHD_add_response_header(resp, "Twilio-Request-Id", rs->request_id);
    {
        int k = atomic_load(&srv->inflight);
        put_u64(num, k > 0 ? (unsigned long long)k : 0);
    }
    MHD_add_response_header(resp, "Twilio-Concurrent-Requests", num);
    ns = r ? util_now_ns() - r->t0 : 0;
    put_milli(dur, (ns + 500000) / 1000000);
    MHD_add_response_header(resp, "Twilio-Request-Duration", dur);
    if (rs->www_authenticate)
        MHD_add_response_header(resp, "WWW-Authenticate",
                                "Basic realm=\"Twilio API\"");
    if (rs->allow)
        MHD_add_response_header(resp, "Allow", rs->allow);
    if (rs->retry_after >= 0) {
        snprintf(num, sizeof(num), "%d", rs->retry_after);
        MHD_add_response_header(resp, "Retry-After", num);
    }
    if (close)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    ret = MHD_queue_response(c, rs->status, resp);
    MHD_destroy_response(resp);
    if (!srv->cfg->quiet)
        log_request(srv, r, method, rs, len, ns, false);
    return ret;
}

/*
 * http://ADDR:PORT of the address the client reached (for requests without
 * Host), into out; its length, 0 when unknown.
 */
static size_t
local_base(struct MHD_Connection *c, bool tls, char *out, size_t cap)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    char addr[INET6_ADDRSTRLEN];
    int n;

    if (ci == NULL ||
        getsockname(ci->connect_fd, (struct sockaddr *)&ss, &sl) < 0)
        return 0;
    if (ss.ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&ss;
        inet_ntop(AF_INET6, &a->sin6_addr, addr, sizeof(addr));
        n = snprintf(out, cap, "%s://[%s]:%u", tls ? "https" : "http", addr,
                     ntohs(a->sin6_port));
    } else {
        const struct sockaddr_in *a = (const struct sockaddr_in *)&ss;
        inet_ntop(AF_INET, &a->sin_addr, addr, sizeof(addr));
        n = snprintf(out, cap, "%s://%s:%u", tls ? "https" : "http", addr,
                     ntohs(a->sin_port));
    }
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

/* RFC 9110 5.6.2 tchar: the bytes of a field name. */
static bool
tchar(unsigned char ch)
{
    static const char extra[] = "!#$%&'*+-.^_`|~";

    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
           (ch >= 'A' && ch <= 'Z') || (ch && memchr(extra, ch, 15));
}

/* name (n bytes) is the field name lit (lower case, NUL-terminated). */
static bool
name_is(const char *name, size_t n, const char *lit, size_t lit_len)
{
    return n == lit_len && strncasecmp(name, lit, n) == 0;
}
#define NAME_IS(name, n, lit) name_is((name), (n), (lit), sizeof(lit) - 1)

/* One field into the request's header_list. */
static enum MHD_Result
scan_header(void *cls, enum MHD_ValueKind kind, const char *key,
            const char *value)
{
    struct header_list *h = cls;
    size_t kl = 0, vl;
    bool token = true;

    (void)kind;
    if (value == NULL)
        value = "";
    for (; key[kl]; kl++)
        token = token && tchar((unsigned char)key[kl]);
    vl = strlen(value);
    h->total += kl + vl + 4;
    if (h->n < REQUEST_MAX_HEADERS) {
        h->v[h->n].name = key;
        h->v[h->n++].value = value;
    }
    if (!token || kl == 0) {
        h->bad_name = true; /* e.g. "Host : x" arrives as "Host " */
        return MHD_YES;
    }
    switch (key[0] | 0x20) {
    case 'h':
        if (NAME_IS(key, kl, "host") && h->n_host++ == 0)
            h->host = value;
        break;
    case 't':
        if (NAME_IS(key, kl, "transfer-encoding") && h->n_te++ == 0)
            h->te = value;
        break;
    case 'c':
        if (NAME_IS(key, kl, "content-length"))
            h->n_cl++;
        else if (NAME_IS(key, kl, "content-type") && !h->content_type)
            h->content_type = value;
        break;
    case 'a':
        if (NAME_IS(key, kl, "authorization") && !h->authorization)
            h->authorization = value;
        break;
    }
    return MHD_YES;
}

/* s without leading and trailing spaces and tabs: start and length. */
static const char *
trim_ows(const char *s, size_t *len)
{
    size_t n;

    while (*s == ' ' || *s == '\t')
        s++;
    n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    *len = n;
    return s;
}

/*
 * The checks of the headers call, before any body is read (RFC 9112 3.2,
 * 5.1, 6.1, 6.3): a field name that is not a token (whitespace before the
 * colon), Transfer-Encoding with Content-Length, on HTTP/1.0, or other than
 * a single "chunked" (libmicrohttpd would read such a body as chunked, or
 * wait for one it cannot delimit), more than one Content-Length: all
 * API_ERR_BAD_REQUEST, to answer at once and close (the body cannot be
 * trusted). Then more than one Host, or none on HTTP/1.1 (libmicrohttpd
 * 0.9.75 also turns an obs-folded Host into a field named "Host" + the
 * folded text): API_ERR_HOST. Else API_OK.
 */
static enum api_err
check_head(struct MHD_Connection *c, const char *version,
           struct header_list *h)
{
    bool http10 = strcmp(version, MHD_HTTP_VERSION_1_0) == 0;

    MHD_get_connection_values(c, MHD_HEADER_KIND, scan_header, h);
    if (h->bad_name)
        return API_ERR_BAD_REQUEST;
    /* Exactly what libmicrohttpd reads as chunked (it keeps trailing OWS). */
    if (h->n_te && (h->n_cl || http10 || h->n_te > 1 ||
                    strcasecmp(h->te, "chunked") != 0))
        return API_ERR_BAD_REQUEST;
    if (h->n_cl > 1)
        return API_ERR_BAD_REQUEST;
    if (h->n_host > 1 || (h->n_host == 0 && !http10))
        return API_ERR_HOST;
    return API_OK;
}

/* An answer made here, not by the router: an error, then close. */
static enum MHD_Result
refuse(struct http_server *srv, struct MHD_Connection *c, struct req *r,
       const char *method, enum api_err e)
{
    struct response rs;

    memset(&rs, 0, sizeof(rs));
    buf_init(&rs.body);
    ids_request_id(rs.request_id);
    api_err_render(&rs.body, e, NULL, NULL);
    rs.status = api_err_status(e);
    rs.retry_after = e == API_ERR_UNAVAILABLE ? 1 : -1;
    return respond(srv, c, r, method, &rs, true);
}

/* The probes, answered even at the connection limit. */
static bool
is_probe(const char *uri)
{
    size_t n = strcspn(uri, "?");

    return (n == 8 && memcmp(uri, "/healthz", 8) == 0) ||
           (n == 7 && memcmp(uri, "/readyz", 7) == 0);
}

/*
 * A header value without OWS (libmicrohttpd strips only leading spaces):
 * the value itself when it has none, else a copy in buf (cap bytes) or, when
 * buf is NULL or too small, in *heap (malloc'd; NULL out of memory: the
 * value as sent is used).
 */
static const char *
value_trimmed(const char *v, char *buf, size_t cap, char **heap)
{
    size_t n;
    const char *t;
    char *p;

    if (v == NULL)
        return NULL;
    t = trim_ows(v, &n);
    if (t == v && t[n] == '\0')
        return v;
    if (buf && n < cap) {
        p = buf;
    } else if (heap) {
        if ((p = malloc(n + 1)) == NULL)
            return v;
        *heap = p;
    } else {
        return v; /* too long for any valid value: refused as it is */
    }
    memcpy(p, t, n);
    p[n] = '\0';
    return p;
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *c, const char *url,
       const char *method, const char *version, const char *upload_data,
       size_t *upload_data_size, void **con_cls)
{
    struct listener *l = cls;
    struct http_server *srv = l->srv;
    struct req *r = *con_cls;
    struct request rq;
    struct response rs;
    const char *uri, *qmark;
    char fallback[96] = "";

    (void)url;
    if (r == NULL)
        return MHD_NO; /* out of memory in on_uri */
    if (!r->started) {
        struct conn *k = conn_of(c);
        enum api_err e = check_head(c, version, &r->hs);

        r->started = true;
        /*
         * An answer on this call is an "early response": libmicrohttpd
         * sends it without reading a body and closes the connection.
         * Otherwise answer on the last call, once the body (if any) has
         * been read.
         */
        /*
         * A Host problem is the router's to answer, in its order of checks
         * (400 where a link base is needed): an empty Host stands for it.
         */
        if (strcmp(method, MHD_HTTP_METHOD_CONNECT) == 0)
            return refuse(srv, c, r, method, API_ERR_CONNECT);
        if (e == API_ERR_HOST)
            r->bad_host = true;
        else if (e != API_OK)
            return refuse(srv, c, r, method, e);
        if (k && k->reject && !(r->uri && is_probe(r->uri)))
            return refuse(srv, c, r, method, API_ERR_UNAVAILABLE);
        return MHD_YES;
    }
    if (*upload_data_size != 0) {
        size_t n = *upload_data_size;
        if (!r->body_too_large && r->body.len + n <= REQUEST_MAX_BODY)
            buf_add(&r->body, upload_data, n);
        else {
            r->body_too_large = true;
            buf_release(&r->body);
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    /* Complete: not idle (not evictable) until its answer is sent. */
    conn_set_idle(srv, conn_of(c), false);
    memset(&rq, 0, sizeof(rq));
    memset(&rs, 0, sizeof(rs));
    buf_init(&rs.body);
    uri = r->uri ? r->uri : "";
    qmark = strchr(uri, '?');
    rq.method = method;
    rq.m = request_method(method);
    rq.path = uri;
    rq.path_len = qmark ? (size_t)(qmark - uri) : strlen(uri);
    rq.query = qmark ? qmark + 1 : NULL;
    rq.query_len = qmark ? strlen(qmark + 1) : 0;
    if (r->bad_host)
        rq.host = "";
    else if (r->authority)
        rq.host = r->authority; /* RFC 9112 3.2.2: Host is ignored */
    else
        rq.host = value_trimmed(r->hs.host, r->host, sizeof(r->host), NULL);
    rq.authorization =
        value_trimmed(r->hs.authorization, NULL, 0, &r->auth);
    rq.content_type = r->hs.content_type;
    rq.body = r->body.data;
    rq.body_len = r->body.len;
    rq.body_too_large = r->body_too_large || buf_failed(&r->body);
    rq.uri_too_long = r->too_long;
    rq.header_bytes = r->hs.total;
    rq.headers = r->hs.v;
    rq.n_headers = r->hs.n;
    if (rq.host == NULL)
        rq.fallback_len = local_base(c, l->tls, fallback, sizeof(fallback));
    rq.fallback_base = fallback;
    rq.t0 = r->t0;
    rq.tls = l->tls;
    router_handle(srv->app, &rq, &rs);
    /*
     * If the router waited (a fault rule's delay, a busy store), the answer
     * gets a fresh clock; a quick answer still has most of the one set
     * when its request line came.
     */
    if (util_now_ns() - r->t0 > HTTP_FRESH_CLOCK_NS)
        set_timeout(c, HTTP_REQUEST_TIMEOUT);
    return respond(srv, c, r, method, &rs, false);
}

/*
 * The connection limit the descriptor limit allows: RLIMIT_NOFILE less a
 * reserve (extra more: the proxy's), at most HTTP_CONNECTION_LIMIT (0 when
 * nothing is left). threads counts every daemon's worker threads.
 */
static unsigned
connection_limit(unsigned threads, unsigned long long extra,
                 unsigned long long *nofile)
{
    struct rlimit rl;
    unsigned long long reserve = HTTP_FD_RESERVE + extra +
                                 (unsigned long long)HTTP_FD_PER_THREAD * threads;

    *nofile = 0;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
        return HTTP_CONNECTION_LIMIT;
    *nofile = (unsigned long long)rl.rlim_cur;
    if (*nofile <= reserve)
        return 0;
    return *nofile - reserve < HTTP_CONNECTION_LIMIT
               ? (unsigned)(*nofile - reserve)
               : HTTP_CONNECTION_LIMIT;
}

/*
 * One libmicrohttpd daemon on sa (the plain side, or with tls the HTTPS
 * side; without listen, one that only takes the proxy's connections).
 */
static struct MHD_Daemon *
start_daemon(struct http_server *srv, unsigned flags, unsigned port,
             const struct sockaddr *sa, unsigned threads, bool tls,
             bool listen)
{
    unsigned limit = tls ? srv->tls_limit : srv->plain_limit;

    if (tls)
        flags |= MHD_USE_TLS;
    if (!listen)
        flags |= MHD_USE_NO_LISTEN_SOCKET;
    return MHD_start_daemon(
        flags, (uint16_t)port, NULL, NULL, handle,
        tls ? &srv->secure : &srv->plain,
        MHD_OPTION_EXTERNAL_LOGGER, mhd_log, srv,
        MHD_OPTION_SOCK_ADDR, sa,
        /*
         * One thread: no pool, the polling thread serves (libmicrohttpd
         * warns about a pool of 0 or 1), so the slot repeats an option.
         */
        threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE
                    : MHD_OPTION_CONNECTION_LIMIT,
        threads > 1 ? threads : limit,
        MHD_OPTION_CONNECTION_LIMIT, limit,
        /* Until a first request line; on_uri and on_completed switch. */
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_REQUEST_TIMEOUT,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_POOL_SIZE,
        MHD_OPTION_CONNECTION_MEMORY_INCREMENT, (size_t)4096,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv,
        tls ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END,
        srv->tls->key_pem,
        MHD_OPTION_HTTPS_MEM_CERT, srv->tls->cert_pem,
        /*
         * GnuTLS's defaults, with AES-128-GCM first: clients offer it
         * too, and the answers (a 34 KB page) cost their encryption.
         */
        MHD_OPTION_HTTPS_PRIORITIES, HTTP_TLS_PRIORITIES,
        MHD_OPTION_END);
}

/* The HTTPS side: its certificate, then its daemon on --tls-port. */
static int
start_tls(struct http_server *srv, unsigned flags, unsigned threads)
{
    const struct config *cfg = srv->cfg;
    struct sockaddr_storage ss;
    const union MHD_DaemonInfo *info;
    unsigned port;

    /* The plain side's address, with the TLS port. */
    port = cfg->tls_port >= 0 ? (unsigned)cfg->tls_port : 0;
    util_sockaddr(cfg->bind, port, &ss);
    srv->tls_daemon = start_daemon(srv, flags, port, (struct sockaddr *)&ss,
                                   threads, true, cfg->tls_port >= 0);
    if (srv->tls_daemon == NULL) {
        log_error("cannot listen on %s port %d (--tls-port): %s", cfg->bind,
                  cfg->tls_port,
                  errno ? strerror(errno) : "libmicrohttpd failed to start");
        return -1;
    }
    if (cfg->tls_port >= 0) {
        info = MHD_get_daemon_info(srv->tls_daemon, MHD_DAEMON_INFO_BIND_PORT);
        srv->tls_port = info ? info->port : (unsigned)cfg->tls_port;
    }
    return 0;
}

/* The proxy's connections: to the HTTPS side after CONNECT, else plain. */
static void
handoff(void *cls, int fd, const struct sockaddr *sa, socklen_t len, bool tls)
{
    struct http_server *srv = cls;

    /* On failure libmicrohttpd has closed the socket. */
    if (MHD_add_connection(tls ? srv->tls_daemon : srv->daemon, fd, sa,
                           len) != MHD_YES)
        log_error_limited("proxy: could not hand over a connection: %s",
                          strerror(errno));
}

struct http_server *
http_start(const struct config *cfg, struct app *app,
           const struct tls_material *tls)
{
    struct http_server *srv = calloc(1, sizeof(*srv));
    struct sockaddr_storage ss;
    const struct sockaddr *sa;
    const union MHD_DaemonInfo *info;
    unsigned long long nofile, extra;
    unsigned threads, sides;
    /* ITC lets MHD_quiesce_daemon() stop accepting at shutdown. */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
                     MHD_USE_ITC | MHD_USE_ERROR_LOG;

    if (srv == NULL)
        return NULL;
    srv->cfg = cfg;
    srv->app = app;
    srv->tls = tls;
    threads = cfg->threads > 1 ? cfg->threads : 1;
    /*
     * Never more connections than descriptors: at EMFILE, libmicrohttpd's
     * worker without a connection retries accept() in a busy loop, logging
     * each time.
     */
    /*
     * With the HTTPS side, a second daemon (its own threads) and, with the
     * proxy, its listening socket, eventfd and pending heads share the
     * descriptors: the HTTPS side gets a quarter of the connections.
     */
    sides = cfg->tls_port >= 0 || cfg->proxy_port >= 0 ? 2 : 1;
    extra = cfg->proxy_port >= 0 ? PROXY_MAX_PENDING + 2 : 0;
    srv->limit = connection_limit(threads * sides, extra, &nofile);
    if (srv->limit < threads * sides) {
        log_error("cannot serve: the descriptor limit (RLIMIT_NOFILE %llu) "
                  "leaves %u connections for %u threads; raise it (ulimit "
                  "-n) above %llu",
                  nofile, srv->limit, threads * sides,
                  HTTP_FD_RESERVE + extra +
                      (HTTP_FD_PER_THREAD + 1ULL) * threads * sides);
        free(srv);
        return NULL;
    }
    srv->tls_limit = sides == 1             ? 0
                     : srv->limit / 4 < threads ? threads
                                                : srv->limit / 4;
    srv->plain_limit = srv->limit - srv->tls_limit;
    if (srv->limit < HTTP_CONNECTION_LIMIT)
        log_error("connection limit %u (RLIMIT_NOFILE %llu)", srv->limit,
                  nofile);
    srv->soft_limit = HTTP_SOFT_LIMIT(srv->limit);
    if (pthread_mutex_init(&srv->lock, NULL) != 0) {
        free(srv);
        return NULL;
    }
    util_sockaddr(cfg->bind, cfg->port, &ss); /* config checked it */
    sa = (const struct sockaddr *)&ss;
    if (cfg->bind_ipv6)
        flags |= MHD_USE_IPv6;
    srv->plain.srv = srv;
    srv->secure.srv = srv;
    srv->secure.tls = true;
    srv->daemon =
        start_daemon(srv, flags, cfg->port, sa, threads, false, true);
    if (srv->daemon == NULL) {
        log_error("cannot listen on %s port %u: %s", cfg->bind, cfg->port,
                  errno ? strerror(errno) : "libmicrohttpd failed to start");
        goto fail;
    }
    info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = info ? info->port : cfg->port;
    if ((cfg->tls_port >= 0 || cfg->proxy_port >= 0) &&
        start_tls(srv, flags, threads) < 0)
        goto fail;
    if (cfg->proxy_port >= 0) {
        srv->proxy =
            proxy_start(cfg, srv->tls_port, srv->port, handoff, srv);
        if (srv->proxy == NULL)
            goto fail;
    }
    atomic_store(&app->ready, true);
    return srv;
fail:
    if (srv->tls_daemon)
        MHD_stop_daemon(srv->tls_daemon);
    if (srv->daemon)
        MHD_stop_daemon(srv->daemon);
    pthread_mutex_destroy(&srv->lock);
    free(srv);
    return NULL;
}

unsigned
http_tls_port(const struct http_server *srv)
{
    return srv->tls_port;
}

unsigned
http_proxy_port(const struct http_server *srv)
{
    return srv->proxy ? proxy_port(srv->proxy) : 0;
}

unsigned
http_port(const struct http_server *srv)
{
    return srv->port;
}

void
http_stop(struct http_server *srv)
{
    MHD_socket fd, tls_fd;
    uint64_t deadline;

    if (srv == NULL)
        return;
    atomic_store(&srv->app->ready, false);
    proxy_stop(srv->proxy);
    /*
     * The quiesced socket is ours to close, but only after
     * MHD_stop_daemon(): its threads may still be polling it.
     */
    fd = MHD_quiesce_daemon(srv->daemon);
    tls_fd = srv->tls_daemon && srv->tls_port
                 ? MHD_quiesce_daemon(srv->tls_daemon)
                 : MHD_INVALID_SOCKET;
    deadline = util_now_ns() + (uint64_t)HTTP_DRAIN_MS * 1000000ULL;
    while (atomic_load(&srv->inflight) > 0 && util_now_ns() < deadline) {
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
    }
    if (srv->tls_daemon)
        MHD_stop_daemon(srv->tls_daemon);
    MHD_stop_daemon(srv->daemon);
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
    if (tls_fd != MHD_INVALID_SOCKET)
        close(tls_fd);
    log_access_stop(); /* every request's line, before the exit */
    log_flush_suppressed();
    pthread_mutex_destroy(&srv->lock);
    free(srv);
}

int
http_probe_ready(const char *host, unsigned port)
{
    struct sockaddr_storage ss;
    socklen_t sl = util_sockaddr(host, port, &ss);
    struct pollfd pfd;
    char req[128], resp[64];
    size_t got = 0;
    int fd, rc = -1;

    if (sl == 0)
        return -1;
    fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&ss, sl) < 0 && errno != EINPROGRESS)
        goto out;
    pfd.fd = fd;
    pfd.events = POLLOUT;
    if (poll(&pfd, 1, 2000) != 1 || (pfd.revents & (POLLERR | POLLHUP)))
        goto out;
    snprintf(req, sizeof(req),
             "GET /readyz HTTP/1.0\r\nHost: localhost\r\n\r\n");
    if (send(fd, req, strlen(req), MSG_NOSIGNAL) != (ssize_t)strlen(req))
        goto out;
    while (got < sizeof(resp) - 1) {
        ssize_t n;
        pfd.events = POLLIN;
        if (poll(&pfd, 1, 2000) != 1)
            goto out;
        n = recv(fd, resp + got, sizeof(resp) - 1 - got, 0);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    resp[got] = '\0';
    if (strncmp(resp, "HTTP/1.", 7) == 0 && strncmp(resp + 8, " 200", 4) == 0)
        rc = 0;
out:
    close(fd);
    return rc;
}
