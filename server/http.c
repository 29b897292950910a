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
 * SPDX-License-Identifier: MIT
 */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "errors.h"
#include "log.h"
#include "render.h"
#include "router.h"
#include "util.h"

#define HTTP_MAX_URI 8192
#define HTTP_MAX_HEADERS 16384
#define HTTP_CONNECTION_LIMIT 8192
#define HTTP_IDLE_TIMEOUT 60
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

struct http_server {
    struct MHD_Daemon *daemon;
    const struct config *cfg;
    struct app *app;
    atomic_int inflight;
    unsigned port;
};

/* One request, from the URI log callback to completion. */
struct req {
    char *uri; /* raw request-target, NUL-terminated */
    size_t uri_len;
    uint64_t t0;
    bool too_long;
    bool started; /* the headers call has been seen */
    struct buf body;
    bool body_too_large;
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

static void *
on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    struct http_server *srv = cls;
    struct req *r = calloc(1, sizeof(*r));
    size_t n;

    (void)c;
    atomic_fetch_add(&srv->inflight, 1);
    if (r == NULL)
        return NULL;
    r->t0 = util_now_ns();
    n = strlen(uri);
    if (n > HTTP_MAX_URI) {
        /* Kept: the path (its route decides the CORS headers), if short. */
        size_t path = strcspn(uri, "?");
        r->too_long = true;
        n = path <= HTTP_MAX_URI ? path : 64;
    }
    r->uri = malloc(n + 1);
    if (r->uri) {
        memcpy(r->uri, uri, n);
        r->uri[n] = '\0';
        r->uri_len = n;
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

    (void)c;
    (void)toe;
    atomic_fetch_sub(&srv->inflight, 1);
    if (r) {
        free(r->uri);
        buf_release(&r->body);
        free(r);
        *con_cls = NULL;
    }
}

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
    char line[512];

    (void)cls;
    vsnprintf(line, sizeof(line), fmt, ap);
    line[strcspn(line, "\r\n")] = '\0';
    log_error("http: %s", line);
}

/* Printable copy of s for the access log. */
static void
sanitize(char *dst, size_t cap, const char *s)
{
    size_t i;

    for (i = 0; s && s[i] && i + 1 < cap; i++)
        dst[i] = (s[i] > 0x20 && s[i] < 0x7f) ? s[i] : '?';
    dst[i] = '\0';
}

/* The access-log line: text (default) or one JSON object. */
static void
log_request(struct http_server *srv, const struct req *r, const char *method,
            const struct response *rs, size_t len, double secs, bool dropped)
{
    char m[16], u[512];

    sanitize(m, sizeof(m), method);
    sanitize(u, sizeof(u), r ? r->uri : "?");
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
        buf_add_long(&b, (long long)(secs * 1e6));
        buf_addc(&b, '}');
        if (!buf_failed(&b))
            log_out("%s", b.data);
        buf_release(&b);
    } else if (dropped) {
        log_out("%s %s dropped %s", m, u, rs->request_id);
    } else {
        log_out("%s %s %u %zu %.3fms %s", m, u, rs->status, len,
                secs * 1000.0, rs->request_id);
    }
}

static enum MHD_Result
respond(struct http_server *srv, struct MHD_Connection *c, struct req *r,
        const char *method, struct response *rs)
{
    struct MHD_Response *resp;
    enum MHD_Result ret;
    char num[32], dur[32];
    size_t len = 0, i;
    char *data;
    double secs;

    if (rs->drop) {
        /* A fault rule's "drop": close without an answer. */
        buf_release(&rs->body);
        if (!srv->cfg->quiet)
            log_request(srv, r, method, rs, 0, 0.0, true);
        return MHD_NO;
    }
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
    resp = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
    if (resp == NULL) {
        free(data);
        return MHD_NO;
    }
    for (i = rs->no_content ? 1 : 0;
         i < sizeof(common_headers) / sizeof(common_headers[0]); i++)
        MHD_add_response_header(resp, common_headers[i][0],
                                common_headers[i][1]);
    MHD_add_response_header(resp, "Access-Control-Allow-Methods",
                            rs->cors_methods ? rs->cors_methods
                                             : HTTP_CORS_METHODS);
    MHD_add_response_header(resp, "Twilio-Request-Id", rs->request_id);
    snprintf(num, sizeof(num), "%d", atomic_load(&srv->inflight));
    MHD_add_response_header(resp, "Twilio-Concurrent-Requests", num);
    secs = r ? (double)(util_now_ns() - r->t0) / 1e9 : 0.0;
    snprintf(dur, sizeof(dur), "%.3f", secs);
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
    ret = MHD_queue_response(c, rs->status, resp);
    MHD_destroy_response(resp);
    if (!srv->cfg->quiet)
        log_request(srv, r, method, rs, len, secs, false);
    return ret;
}

struct header_list {
    struct header v[REQUEST_MAX_HEADERS];
    size_t n;
    size_t total; /* bytes of all of them, counted beyond v too */
};

static enum MHD_Result
add_header(void *cls, enum MHD_ValueKind kind, const char *key,
           const char *value)
{
    struct header_list *h = cls;

    (void)kind;
    h->total += strlen(key) + (value ? strlen(value) : 0) + 4;
    if (h->n < REQUEST_MAX_HEADERS) {
        h->v[h->n].name = key;
        h->v[h->n].value = value ? value : "";
        h->n++;
    }
    return MHD_YES;
}

/*
 * http://ADDR:PORT of the address the client reached (for requests without
 * Host), into out; its length, 0 when unknown.
 */
static size_t
local_base(struct MHD_Connection *c, char *out, size_t cap)
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
        n = snprintf(out, cap, "http://[%s]:%u", addr, ntohs(a->sin6_port));
    } else {
        const struct sockaddr_in *a = (const struct sockaddr_in *)&ss;
        inet_ntop(AF_INET, &a->sin_addr, addr, sizeof(addr));
        n = snprintf(out, cap, "http://%s:%u", addr, ntohs(a->sin_port));
    }
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *c, const char *url,
       const char *method, const char *version, const char *upload_data,
       size_t *upload_data_size, void **con_cls)
{
    struct http_server *srv = cls;
    struct req *r = *con_cls;
    struct header_list hs;
    struct request rq;
    struct response rs;
    const char *uri, *qmark;
    char fallback[96] = "";

    (void)url;
    (void)version;
    if (r == NULL)
        return MHD_NO; /* out of memory in on_uri */
    if (!r->started) {
        /*
         * Answering on the headers call would be an "early response",
         * which makes libmicrohttpd close the connection: answer on the
         * last call, once the body (if any) has been read.
         */
        r->started = true;
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
    hs.n = 0;
    hs.total = 0;
    MHD_get_connection_values(c, MHD_HEADER_KIND, add_header, &hs);
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
    rq.host = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                          MHD_HTTP_HEADER_HOST);
    rq.authorization = MHD_lookup_connection_value(
        c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    rq.content_type = MHD_lookup_connection_value(
        c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    rq.body = r->body.data;
    rq.body_len = r->body.len;
    rq.body_too_large = r->body_too_large || buf_failed(&r->body);
    rq.uri_too_long = r->too_long;
    rq.header_bytes = hs.total;
    rq.headers = hs.v;
    rq.n_headers = hs.n;
    if (rq.host == NULL)
        rq.fallback_len = local_base(c, fallback, sizeof(fallback));
    rq.fallback_base = fallback;
    rq.t0 = r->t0;
    router_handle(srv->app, &rq, &rs);
    return respond(srv, c, r, method, &rs);
}

struct http_server *
http_start(const struct config *cfg, struct app *app)
{
    struct http_server *srv = calloc(1, sizeof(*srv));
    struct sockaddr_in sin;
    struct sockaddr_in6 sin6;
    const struct sockaddr *sa;
    const union MHD_DaemonInfo *info;
    /* ITC lets MHD_quiesce_daemon() stop accepting at shutdown. */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
                     MHD_USE_ITC | MHD_USE_ERROR_LOG;

    if (srv == NULL)
        return NULL;
    srv->cfg = cfg;
    srv->app = app;
    if (cfg->bind_ipv6) {
        memset(&sin6, 0, sizeof(sin6));
        sin6.sin6_family = AF_INET6;
        sin6.sin6_port = htons((uint16_t)cfg->port);
        inet_pton(AF_INET6, cfg->bind, &sin6.sin6_addr);
        sa = (const struct sockaddr *)&sin6;
        flags |= MHD_USE_IPv6;
    } else {
        memset(&sin, 0, sizeof(sin));
        sin.sin_family = AF_INET;
        sin.sin_port = htons((uint16_t)cfg->port);
        inet_pton(AF_INET, cfg->bind, &sin.sin_addr);
        sa = (const struct sockaddr *)&sin;
    }
    srv->daemon = MHD_start_daemon(
        flags, (uint16_t)cfg->port, NULL, NULL, handle, srv,
        MHD_OPTION_EXTERNAL_LOGGER, mhd_log, srv,
        MHD_OPTION_SOCK_ADDR, sa,
        /*
         * One thread: no pool, the polling thread serves (libmicrohttpd
         * warns about a pool of 0 or 1), so the slot repeats an option.
         */
        cfg->threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE
                         : MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)(cfg->threads > 1 ? cfg->threads : HTTP_CONNECTION_LIMIT),
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTP_CONNECTION_LIMIT,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_IDLE_TIMEOUT,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_POOL_SIZE,
        MHD_OPTION_CONNECTION_MEMORY_INCREMENT, (size_t)4096,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
        MHD_OPTION_END);
    if (srv->daemon == NULL) {
        log_error("cannot listen on %s port %u: %s", cfg->bind, cfg->port,
                  errno ? strerror(errno) : "libmicrohttpd failed to start");
        goto fail;
    }
    info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = info ? info->port : cfg->port;
    atomic_store(&app->ready, true);
    return srv;
fail:
    free(srv);
    return NULL;
}

unsigned
http_port(const struct http_server *srv)
{
    return srv->port;
}

void
http_stop(struct http_server *srv)
{
    MHD_socket fd;
    uint64_t deadline;

    if (srv == NULL)
        return;
    atomic_store(&srv->app->ready, false);
    /*
     * The quiesced socket is ours to close, but only after
     * MHD_stop_daemon(): its threads may still be polling it.
     */
    fd = MHD_quiesce_daemon(srv->daemon);
    deadline = util_now_ns() + (uint64_t)HTTP_DRAIN_MS * 1000000ULL;
    while (atomic_load(&srv->inflight) > 0 && util_now_ns() < deadline) {
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
    }
    MHD_stop_daemon(srv->daemon);
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
    free(srv);
}

int
http_probe_ready(const char *host, unsigned port)
{
    struct sockaddr_in6 sin6;
    struct sockaddr_in sin;
    struct sockaddr *sa;
    socklen_t sl;
    struct pollfd pfd;
    char req[128], resp[64];
    size_t got = 0;
    int fd, family, rc = -1;

    memset(&sin, 0, sizeof(sin));
    memset(&sin6, 0, sizeof(sin6));
    if (inet_pton(AF_INET, host, &sin.sin_addr) == 1) {
        sin.sin_family = AF_INET;
        sin.sin_port = htons((uint16_t)port);
        sa = (struct sockaddr *)&sin;
        sl = sizeof(sin);
        family = AF_INET;
    } else if (inet_pton(AF_INET6, host, &sin6.sin6_addr) == 1) {
        sin6.sin6_family = AF_INET6;
        sin6.sin6_port = htons((uint16_t)port);
        sa = (struct sockaddr *)&sin6;
        sl = sizeof(sin6);
        family = AF_INET6;
    } else {
        return -1;
    }
    fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, sa, sl) < 0 && errno != EINPROGRESS)
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
