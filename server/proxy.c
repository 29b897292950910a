/*
 * proxy.c - see proxy.h.
 *
 * Nothing past a CONNECT head is ever read here: the head is found with
 * MSG_PEEK and exactly its bytes are consumed, so a client's first TLS
 * bytes stay in the socket for the HTTPS side. Bytes that are not a head
 * are consumed as they arrive (a head cannot be longer than
 * CONNECT_MAX_HEAD); a connection whose first bytes are not "CONNECT " is
 * handed over before anything is consumed.
 *
 * SPDX-License-Identifier: MIT
 */
#include "proxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "buf.h"
#include "connect.h"
#include "errors.h"
#include "log.h"
#include "tls.h"
#include "util.h"

/* A partial "CONNECT " prefix is looked at again after this. */
#define PROXY_PREFIX_RETRY_MS 10

struct pending {
    int fd;
    struct sockaddr_storage sa;
    socklen_t sa_len;
    uint64_t deadline, retry_at; /* util_now_ns() */
    bool is_connect;             /* "CONNECT " seen: reading its head */
    size_t len;
    char head[CONNECT_MAX_HEAD];
};

struct proxy {
    const struct config *cfg;
    unsigned tls_port, plain_port;
    proxy_handoff_fn fn;
    void *cls;
    int lfd, efd;
    unsigned port;
    uint64_t accept_after; /* after EMFILE and the like: a pause */
    pthread_t thread;
    struct pending *p[PROXY_MAX_PENDING];
    size_t n;
};

/* The answers made here: Twilio's error body (errors.c) with these. */
static const char refused_msg[] =
    "assistants-mock is not an open proxy: CONNECT is served only to its own "
    "names (assistants.twilio.com, localhost, 127.0.0.1, ::1 and each "
    "--tls-name) on port 443, its --tls-port or its --port";
static const char bad_msg[] =
    "Malformed CONNECT request: expected 'CONNECT host:port HTTP/1.1', "
    "header fields and an empty line";
static const char long_msg[] = "CONNECT request head larger than 8192 bytes";
static const char timeout_msg[] =
    "CONNECT request head not complete within 5 seconds";

/*
 * Best effort: the socket is non-blocking and closed right after. code is
 * the Twilio error code of the body.
 */
static void
answer(int fd, unsigned status, const char *reason, int code,
       const char *message)
{
    struct buf body = BUF_INIT;
    char head[256];
    int n;

    api_err_render_custom(&body, status, code, message);
    if (buf_failed(&body)) {
        buf_release(&body);
        return;
    }
    n = snprintf(head, sizeof(head),
                 "HTTP/1.1 %u %s\r\nContent-Type: application/json\r\n"
                 "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                 status, reason, body.len);
    if (send(fd, head, (size_t)n, MSG_NOSIGNAL) == n)
        (void)!send(fd, body.data, body.len, MSG_NOSIGNAL);
    shutdown(fd, SHUT_WR);
    buf_release(&body);
}

static void
drop(struct proxy *px, size_t i, bool close_fd)
{
    struct pending *k = px->p[i];

    if (close_fd)
        close(k->fd);
    free(k);
    px->p[i] = px->p[--px->n];
}

/*
 * The access log line of a CONNECT (target: host:port, or what was wrong),
 * as text or JSON like http.c's. The host holds only name characters or
 * an IPv6 address: nothing to escape.
 */
static void
log_connect(const struct proxy *px, const struct connect_target *t,
            unsigned status)
{
    char target[CONNECT_MAX_HOST + 16];
    bool v6 = t && strchr(t->host, ':');

    if (px->cfg->quiet)
        return;
    if (t)
        snprintf(target, sizeof(target), "%s%s%s:%u", v6 ? "[" : "", t->host,
                 v6 ? "]" : "", t->port);
    else
        snprintf(target, sizeof(target), "%s",
                 status == 431 ? "(head too long)" : "(malformed)");
    if (px->cfg->log_json)
        log_out("{\"request_id\":null,\"account_sid\":null,\"method\":"
                "\"CONNECT\",\"path\":\"%s\",\"status\":%u,\"bytes\":0,"
                "\"duration_us\":0}",
                target, status);
    else
        log_out("CONNECT %s %u", target, status);
}

/* A complete, well-formed head: serve the tunnel or refuse it. */
static void
decide(struct proxy *px, size_t i, const struct connect_target *t)
{
    static const char ok[] = "HTTP/1.1 200 Connection established\r\n\r\n";
    struct pending *k = px->p[i];
    bool plain = t->port == px->plain_port && t->port != 443;

    if (!tls_name_served(px->cfg, t->host, t->host_len) ||
        (t->port != 443 && t->port != px->tls_port && !plain)) {
        log_connect(px, t, 403);
        answer(k->fd, 403, "Forbidden", 20403, refused_msg);
        drop(px, i, true);
        return;
    }
    if (send(k->fd, ok, sizeof(ok) - 1, MSG_NOSIGNAL) !=
        (ssize_t)(sizeof(ok) - 1)) {
        drop(px, i, true);
        return;
    }
    log_connect(px, t, 200);
    px->fn(px->cls, k->fd, (struct sockaddr *)&k->sa, k->sa_len, !plain);
    drop(px, i, false);
}

/* Reads what pending connection i sent; may hand it over or drop it. */
static void
on_readable(struct proxy *px, size_t i, uint64_t now)
{
    struct pending *k = px->p[i];
    struct connect_target t;
    enum connect_result r;
    ssize_t n;

    n = recv(k->fd, k->head + k->len, sizeof(k->head) - k->len, MSG_PEEK);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    if (n <= 0) {
        drop(px, i, true);
        return;
    }
    r = connect_parse(k->head, k->len + (size_t)n, &t);
    if (!k->is_connect) {
        if (r == CONNECT_NOT_CONNECT) {
            /* 0x16: a TLS handshake record, for the HTTPS side. */
            px->fn(px->cls, k->fd, (struct sockaddr *)&k->sa, k->sa_len,
                   k->head[0] == 0x16);
            drop(px, i, false);
            return;
        }
        if ((size_t)n < 8) { /* a prefix of "CONNECT ": wait for more */
            k->retry_at = now + PROXY_PREFIX_RETRY_MS * 1000000ULL;
            return;
        }
        k->is_connect = true;
    }
    switch (r) {
    case CONNECT_OK:
        /* Consume exactly the head: the rest is the tunnel's. */
        if (recv(k->fd, k->head + k->len, t.head_len - k->len, 0) !=
            (ssize_t)(t.head_len - k->len)) {
            drop(px, i, true);
            return;
        }
        decide(px, i, &t);
        return;
    case CONNECT_INCOMPLETE:
        if (recv(k->fd, k->head + k->len, (size_t)n, 0) != n) {
            drop(px, i, true);
            return;
        }
        k->len += (size_t)n;
        return;
    case CONNECT_TOO_LONG:
        answer(k->fd, 431, "Request Header Fields Too Large", 20001,
               long_msg);
        break;
    default:
        answer(k->fd, 400, "Bad Request", 20001, bad_msg);
        break;
    }
    log_connect(px, NULL, r == CONNECT_TOO_LONG ? 431 : 400);
    drop(px, i, true);
}

/*
 * All PROXY_MAX_PENDING slots hold clients that have not sent a whole head:
 * the one waiting longest is closed, so that a flood of silent or slow
 * connections cannot keep a new client waiting.
 */
static void
evict_oldest(struct proxy *px)
{
    size_t i, old = 0;

    for (i = 1; i < px->n; i++)
        if (px->p[i]->deadline < px->p[old]->deadline)
            old = i;
    drop(px, old, true);
    log_error_limited("proxy: %d connections without a complete head: "
                      "closed the oldest",
                      PROXY_MAX_PENDING);
}

static void
accept_all(struct proxy *px, uint64_t now)
{
    for (;;) {
        struct pending *k = malloc(sizeof(*k));
        if (k == NULL)
            return;
        k->sa_len = sizeof(k->sa);
        k->fd = accept4(px->lfd, (struct sockaddr *)&k->sa, &k->sa_len,
                        SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (k->fd < 0) {
            /* Out of descriptors: not a busy loop, a pause. */
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
                errno != ECONNABORTED) {
                px->accept_after = now + 100000000ULL;
                log_error_limited("proxy: accept: %s", strerror(errno));
            }
            free(k);
            return;
        }
        k->deadline = now + PROXY_HEAD_TIMEOUT_MS * 1000000ULL;
        k->retry_at = 0;
        k->is_connect = false;
        k->len = 0;
        if (px->n == PROXY_MAX_PENDING)
            evict_oldest(px);
        px->p[px->n++] = k;
    }
}

static void *
run(void *arg)
{
    struct proxy *px = arg;
    struct pollfd fds[PROXY_MAX_PENDING + 2];
    size_t idx[PROXY_MAX_PENDING];

    for (;;) {
        uint64_t now = util_now_ns(), next = now + 1000000000ULL;
        size_t nf = 0, i;
        int timeout;

        fds[nf].fd = px->efd;
        fds[nf++].events = POLLIN;
        fds[nf].fd = px->lfd;
        fds[nf++].events = px->accept_after <= now ? POLLIN : 0;
        if (px->accept_after > now && px->accept_after < next)
            next = px->accept_after;
        for (i = 0; i < px->n; i++) {
            struct pending *k = px->p[i];
            if (k->deadline < next)
                next = k->deadline;
            if (k->retry_at > now) {
                if (k->retry_at < next)
                    next = k->retry_at;
                continue;
            }
            idx[nf - 2] = i;
            fds[nf].fd = k->fd;
            fds[nf++].events = POLLIN;
        }
        /* A deadline may have passed since now was read: no wait then. */
        timeout = next > now ? (int)((next - now) / 1000000ULL) + 1 : 0;
        if (poll(fds, nf, timeout) < 0 && errno != EINTR)
            break;
        if (fds[0].revents)
            break;
        now = util_now_ns();
        /* Highest index first: drop() moves the last entry down. */
        for (i = nf; i-- > 2;)
            if (fds[i].revents)
                on_readable(px, idx[i - 2], now);
        for (i = px->n; i-- > 0;)
            if (px->p[i]->deadline <= now) {
                answer(px->p[i]->fd, 408, "Request Timeout", 20001,
                       timeout_msg);
                drop(px, i, true);
            }
        if (fds[1].revents & POLLIN)
            accept_all(px, now);
    }
    return NULL;
}

struct proxy *
proxy_start(const struct config *cfg, unsigned tls_port, unsigned plain_port,
            proxy_handoff_fn fn, void *cls)
{
    struct proxy *px = calloc(1, sizeof(*px));
    struct sockaddr_storage ss;
    socklen_t sl;
    int one = 1;

    if (px == NULL)
        return NULL;
    px->cfg = cfg;
    px->tls_port = tls_port;
    px->plain_port = plain_port;
    px->fn = fn;
    px->cls = cls;
    px->efd = -1;
    sl = util_sockaddr(cfg->bind, (unsigned)cfg->proxy_port, &ss);
    px->lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                     0);
    if (px->lfd < 0)
        goto fail;
    setsockopt(px->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(px->lfd, (struct sockaddr *)&ss, sl) < 0 ||
        listen(px->lfd, 1024) < 0)
        goto fail;
    sl = sizeof(ss);
    if (getsockname(px->lfd, (struct sockaddr *)&ss, &sl) < 0)
        goto fail;
    px->port = ntohs(ss.ss_family == AF_INET6
                         ? ((struct sockaddr_in6 *)&ss)->sin6_port
                         : ((struct sockaddr_in *)&ss)->sin_port);
    px->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (px->efd < 0 || pthread_create(&px->thread, NULL, run, px) != 0)
        goto fail;
    return px;
fail:
    log_error("cannot listen on %s port %d (--proxy-port): %s", cfg->bind,
              cfg->proxy_port, strerror(errno));
    if (px->lfd >= 0)
        close(px->lfd);
    if (px->efd >= 0)
        close(px->efd);
    free(px);
    return NULL;
}

unsigned
proxy_port(const struct proxy *p)
{
    return p->port;
}

void
proxy_stop(struct proxy *p)
{
    uint64_t one = 1;

    if (p == NULL)
        return;
    (void)!write(p->efd, &one, sizeof(one));
    pthread_join(p->thread, NULL);
    while (p->n > 0)
        drop(p, p->n - 1, true);
    close(p->lfd);
    close(p->efd);
    free(p);
}
