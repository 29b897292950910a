/*
 * webhooks.c - see webhooks.h.
 *
 * SPDX-License-Identifier: MIT
 */
#include "webhooks.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buf.h"
#include "log.h"
#include "router.h"
#include "util.h"

#define N_PARAMS 8
#define ATTEMPTS 3
#define ATTEMPT_TIMEOUT_MS 5000L

/* ---- SHA-1 (FIPS 180-4) and HMAC (RFC 2104) ---- */

struct sha1 {
    uint32_t h[5];
    uint64_t len;
    unsigned char block[64];
    size_t used;
};

static uint32_t
rol(uint32_t x, int n)
{
    return x << n | x >> (32 - n);
}

static void
sha1_block(struct sha1 *s, const unsigned char *p)
{
    uint32_t w[80], a, b, c, d, e, t;
    int i;

    for (i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (; i < 80; i++)
        w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    a = s->h[0];
    b = s->h[1];
    c = s->h[2];
    d = s->h[3];
    e = s->h[4];
    for (i = 0; i < 80; i++) {
        uint32_t f, k;
        if (i < 20) {
            f = (b & c) | (~b & d);
            k = 0x5a827999;
        } else if (i < 40) {
            f = b ^ c ^ d;
            k = 0x6ed9eba1;
        } else if (i < 60) {
            f = (b & c) | (b & d) | (c & d);
            k = 0x8f1bbcdc;
        } else {
            f = b ^ c ^ d;
            k = 0xca62c1d6;
        }
        t = rol(a, 5) + f + e + k + w[i];
        e = d;
        d = c;
        c = rol(b, 30);
        b = a;
        a = t;
    }
    s->h[0] += a;
    s->h[1] += b;
    s->h[2] += c;
    s->h[3] += d;
    s->h[4] += e;
}

static void
sha1_init(struct sha1 *s)
{
    static const uint32_t h0[5] = {0x67452301, 0xefcdab89, 0x98badcfe,
                                   0x10325476, 0xc3d2e1f0};
    memcpy(s->h, h0, sizeof(h0));
    s->len = 0;
    s->used = 0;
}

static void
sha1_add(struct sha1 *s, const void *data, size_t n)
{
    const unsigned char *p = data;

    s->len += n;
    while (n > 0) {
        size_t k = 64 - s->used < n ? 64 - s->used : n;
        memcpy(s->block + s->used, p, k);
        s->used += k;
        p += k;
        n -= k;
        if (s->used == 64) {
            sha1_block(s, s->block);
            s->used = 0;
        }
    }
}

static void
sha1_end(struct sha1 *s, unsigned char out[20])
{
    uint64_t bits = s->len * 8;
    unsigned char pad = 0x80, zero = 0, len[8];
    int i;

    sha1_add(s, &pad, 1);
    while (s->used != 56)
        sha1_add(s, &zero, 1);
    for (i = 0; i < 8; i++)
        len[i] = (unsigned char)(bits >> (56 - 8 * i));
    sha1_add(s, len, 8);
    for (i = 0; i < 20; i++)
        out[i] = (unsigned char)(s->h[i / 4] >> (24 - 8 * (i % 4)));
}

void
webhooks_sign(const char *key, size_t key_len, const char *url,
              const char *const *names, const char *const *values, size_t n,
              char out[29])
{
    static const char b64[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    unsigned char k[64] = {0}, pad[64], inner[20], mac[20];
    size_t order[N_PARAMS], i, j, o = 0;
    struct sha1 s;

    if (key_len > 64) {
        sha1_init(&s);
        sha1_add(&s, key, key_len);
        sha1_end(&s, k);
    } else {
        memcpy(k, key, key_len);
    }
    for (i = 0; i < n && i < N_PARAMS; i++)
        order[i] = i;
    for (i = 1; i < n && i < N_PARAMS; i++) /* insertion sort by name */
        for (j = i; j > 0 && strcmp(names[order[j - 1]], names[order[j]]) > 0;
             j--) {
            size_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    for (i = 0; i < 64; i++)
        pad[i] = k[i] ^ 0x36;
    sha1_init(&s);
    sha1_add(&s, pad, 64);
    sha1_add(&s, url, strlen(url));
    for (i = 0; i < n && i < N_PARAMS; i++) {
        sha1_add(&s, names[order[i]], strlen(names[order[i]]));
        sha1_add(&s, values[order[i]], strlen(values[order[i]]));
    }
    sha1_end(&s, inner);
    for (i = 0; i < 64; i++)
        pad[i] = k[i] ^ 0x5c;
    sha1_init(&s);
    sha1_add(&s, pad, 64);
    sha1_add(&s, inner, 20);
    sha1_end(&s, mac);
    for (i = 0; i < 20; i += 3) {
        uint32_t v = (uint32_t)mac[i] << 16 |
                     (uint32_t)(i + 1 < 20 ? mac[i + 1] : 0) << 8 |
                     (i + 2 < 20 ? mac[i + 2] : 0);
        out[o++] = b64[v >> 18 & 63];
        out[o++] = b64[v >> 12 & 63];
        out[o++] = i + 1 < 20 ? b64[v >> 6 & 63] : '=';
        out[o++] = i + 2 < 20 ? b64[v & 63] : '=';
    }
    out[o] = '\0';
    explicit_bzero(k, sizeof(k));
    explicit_bzero(pad, sizeof(pad));
}

/* ---- the queue and its worker ---- */

struct job {
    char *url;
    char *names[N_PARAMS];
    char *values[N_PARAMS];
    size_t n;
    char *key; /* the signing auth token, wiped when freed; NULL: unsigned */
    size_t key_len;
    struct job *next;
};

static struct {
    pthread_t thread;
    bool running, stopping, off;
    struct job *head, *tail;
    size_t n;
    const struct accounts *accts;
} q;

/* The queue's lock and condition (static initialisers, not in q: C11
 * leaves the rest of q zeroed). */
static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_ready = PTHREAD_COND_INITIALIZER;

static void
job_free(struct job *j)
{
    size_t i;

    if (j == NULL)
        return;
    free(j->url);
    for (i = 0; i < j->n; i++) {
        free(j->names[i]);
        free(j->values[i]);
    }
    if (j->key) {
        explicit_bzero(j->key, j->key_len);
        free(j->key);
    }
    free(j);
}

/* Percent-encodes s for a form body (RFC 3986 unreserved stay as they are). */
static void
form_escape(struct buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";

    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
            c == '~') {
            buf_addc(b, (char)c);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            buf_add(b, e, 3);
        }
    }
}

/* An http:// URL's parts (host NUL-terminated, port as text). */
struct target {
    char host[256];
    char port[8];
    const char *path; /* from the first '/' (or "/") */
};

static int
parse_target(const char *url, struct target *t)
{
    const char *h = url + 7, *end = h + strcspn(h, "/?#"), *colon;
    size_t n;

    if (strncasecmp(url, "http://", 7) != 0)
        return -1;
    t->path = *end == '/' ? end : "/";
    if (*h == '[') {
        const char *close = memchr(h, ']', (size_t)(end - h));
        if (close == NULL)
            return -1;
        n = (size_t)(close - h - 1);
        colon = close + 1 < end && close[1] == ':' ? close + 1 : NULL;
        h++;
    } else {
        colon = memchr(h, ':', (size_t)(end - h));
        n = (size_t)((colon ? colon : end) - h);
    }
    if (n == 0 || n >= sizeof(t->host))
        return -1;
    memcpy(t->host, h, n);
    t->host[n] = '\0';
    if (colon) {
        size_t pn = (size_t)(end - colon - 1);
        if (pn == 0 || pn >= sizeof(t->port))
            return -1;
        memcpy(t->port, colon + 1, pn);
        t->port[pn] = '\0';
    } else {
        snprintf(t->port, sizeof(t->port), "80");
    }
    return 0;
}

/* Waits for fd to be ready for events until deadline (ms). 0 or -1. */
static int
wait_fd(int fd, short events, uint64_t deadline)
{
    struct pollfd p = {fd, events, 0};
    uint64_t now = util_now_ns() / 1000000;
    int rc;

    if (now >= deadline)
        return -1;
    rc = poll(&p, 1, (int)(deadline - now));
    return rc == 1 && !(p.revents & POLLNVAL) ? 0 : -1;
}

/* One POST of j; true on a 2xx. Plain HTTP/1.1, bounded in time. */
static bool
post_once(const struct job *j, char *err, size_t cap)
{
    uint64_t deadline = util_now_ns() / 1000000 + ATTEMPT_TIMEOUT_MS;
    struct addrinfo hints, *ai = NULL, *a;
    struct buf form = BUF_INIT, req = BUF_INIT;
    struct target t;
    char sig[29], resp[64];
    size_t i, sent = 0, got = 0;
    int fd = -1, rc, status = 0;
    bool ok = false;

    if (parse_target(j->url, &t) < 0) {
        snprintf(err, cap, "only http:// webhooks are delivered");
        return false;
    }
    for (i = 0; i < j->n; i++) {
        if (i)
            buf_addc(&form, '&');
        form_escape(&form, j->names[i]);
        buf_addc(&form, '=');
        form_escape(&form, j->values[i]);
    }
    buf_addf(&req,
             "POST %s HTTP/1.1\r\nHost: %s%s%s%s%s\r\n"
             "Content-Type: application/x-www-form-urlencoded\r\n"
             "User-Agent: TwilioProxy/1.1\r\nConnection: close\r\n"
             "Content-Length: %zu\r\n",
             t.path, strchr(t.host, ':') ? "[" : "", t.host,
             strchr(t.host, ':') ? "]" : "",
             strcmp(t.port, "80") ? ":" : "",
             strcmp(t.port, "80") ? t.port : "", form.len);
    if (j->key) {
        webhooks_sign(j->key, j->key_len, j->url,
                      (const char *const *)j->names,
                      (const char *const *)j->values, j->n, sig);
        buf_addf(&req, "X-Twilio-Signature: %s\r\n", sig);
    }
    buf_adds(&req, "\r\n");
    buf_add(&req, form.data ? form.data : "", form.len);
    if (buf_failed(&req)) {
        snprintf(err, cap, "out of memory");
        goto out;
    }
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    if ((rc = getaddrinfo(t.host, t.port, &hints, &ai)) != 0) {
        snprintf(err, cap, "%s", gai_strerror(rc));
        goto out;
    }
    for (a = ai; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    a->ai_protocol);
        if (fd < 0)
            continue;
        if ((connect(fd, a->ai_addr, a->ai_addrlen) < 0 &&
             errno != EINPROGRESS) ||
            wait_fd(fd, POLLOUT, deadline) < 0) {
            close(fd);
            fd = -1;
        } else {
            int e = 0;
            socklen_t el = sizeof(e);
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el);
            if (e) {
                errno = e;
                close(fd);
                fd = -1;
            }
        }
    }
    if (fd < 0) {
        snprintf(err, cap, "cannot connect: %s", strerror(errno));
        goto out;
    }
    while (sent < req.len) {
        ssize_t w = send(fd, req.data + sent, req.len - sent, MSG_NOSIGNAL);
        if (w > 0)
            sent += (size_t)w;
        else if ((w < 0 && errno != EAGAIN && errno != EINTR) ||
                 wait_fd(fd, POLLOUT, deadline) < 0) {
            snprintf(err, cap, "cannot send: %s",
                     w < 0 ? strerror(errno) : "timed out");
            goto out;
        }
    }
    while (got < sizeof(resp) - 1 && memchr(resp, '\n', got) == NULL) {
        ssize_t r = recv(fd, resp + got, sizeof(resp) - 1 - got, 0);
        if (r > 0)
            got += (size_t)r;
        else if (r == 0 ||
                 (errno != EAGAIN && errno != EINTR) ||
                 wait_fd(fd, POLLIN, deadline) < 0)
            break;
    }
    resp[got] = '\0';
    if (sscanf(resp, "HTTP/1.%*d %d", &status) != 1) {
        snprintf(err, cap, "no HTTP answer");
        goto out;
    }
    ok = status >= 200 && status <= 299;
    if (!ok)
        snprintf(err, cap, "HTTP %d", status);
out:
    if (fd >= 0)
        close(fd);
    if (ai)
        freeaddrinfo(ai);
    buf_release(&form);
    buf_release(&req);
    return ok;
}

static void
deliver(const struct job *j)
{
    static const long backoff_ms[ATTEMPTS] = {0, 200, 1000};
    char err[256] = "";
    int i;

    for (i = 0; i < ATTEMPTS; i++) {
        if (backoff_ms[i]) {
            struct timespec ts = {0, backoff_ms[i] * 1000000L};
            ts.tv_sec = ts.tv_nsec / 1000000000L;
            ts.tv_nsec %= 1000000000L;
            nanosleep(&ts, NULL);
        }
        if (post_once(j, err, sizeof(err)))
            return;
    }
    log_error("webhook delivery to %.200s failed after %d attempts: %s",
              j->url, ATTEMPTS, err);
}

static void *
worker(void *arg)
{
    (void)arg;
    for (;;) {
        struct job *j;

        pthread_mutex_lock(&q_lock);
        while (q.head == NULL && !q.stopping)
            pthread_cond_wait(&q_ready, &q_lock);
        j = q.head;
        if (j) {
            q.head = j->next;
            if (q.head == NULL)
                q.tail = NULL;
            q.n--;
        }
        pthread_mutex_unlock(&q_lock);
        if (j == NULL)
            break;
        deliver(j);
        job_free(j);
    }
    return NULL;
}

int
webhooks_start(const struct accounts *accts, bool off)
{
    /* The worker starts with the first delivery. */
    q.accts = accts;
    q.off = off;
    q.stopping = false;
    return 0;
}

/* Starts the worker if it is not running; with q_lock held. 0 or -1. */
static int
start_worker(void)
{
    if (q.running)
        return 0;
    if (pthread_create(&q.thread, NULL, worker, NULL) != 0)
        return -1;
    q.running = true;
    return 0;
}

void
webhooks_stop(void)
{
    struct job *j, *next;

    pthread_mutex_lock(&q_lock);
    if (!q.running) {
        q.stopping = true;
        pthread_mutex_unlock(&q_lock);
        return;
    }
    q.stopping = true;
    /* What is still queued is dropped: stopping must not wait on clients. */
    for (j = q.head; j; j = next) {
        next = j->next;
        job_free(j);
    }
    q.head = q.tail = NULL;
    q.n = 0;
    pthread_cond_broadcast(&q_ready);
    pthread_mutex_unlock(&q_lock);
    pthread_join(q.thread, NULL);
    q.running = false;
}

bool
webhooks_url_ok(const char *url)
{
    size_t n = strlen(url), i;
    const char *host;

    if (n > WEBHOOKS_MAX_URL)
        return false;
    if (strncasecmp(url, "http://", 7) == 0)
        host = url + 7;
    else if (strncasecmp(url, "https://", 8) == 0)
        host = url + 8;
    else
        return false;
    if (*host == '\0' || *host == '/')
        return false;
    for (i = 0; i < n; i++)
        if ((unsigned char)url[i] <= 0x20 || url[i] == 0x7f)
            return false;
    return true;
}

/* The auth token of account sid, or NULL. */
static const struct credential *
auth_token_of(const char *sid)
{
    size_t i;

    for (i = 0; q.accts && i < q.accts->n_creds; i++)
        if (strcmp(q.accts->creds[i].sid, sid) == 0)
            return &q.accts->creds[i];
    return NULL;
}

void
webhooks_deliver(struct call *c, const char *url, const char *session,
                 const char *identity, const char *reply)
{
    const char *names[N_PARAMS] = {"AccountSid", "AssistantSid", "Aborted",
                                   "Body",       "Flagged",      "Identity",
                                   "SessionId",  "Status"};
    const char *values[N_PARAMS] = {c->account->sid, c->param[0], "false",
                                    reply, "false", identity, session,
                                    "Success"};
    const struct credential *cred = auth_token_of(c->account->sid);
    struct job *j;
    size_t i;
    bool ok = true;

    if (q.off)
        return;
    j = calloc(1, sizeof(*j));
    if (j == NULL)
        return;
    j->url = strdup(url);
    ok = j->url != NULL;
    for (i = 0; ok && i < N_PARAMS; i++) {
        j->names[i] = strdup(names[i]);
        j->values[i] = strdup(values[i]);
        j->n = i + 1;
        ok = j->names[i] && j->values[i];
    }
    if (ok && cred) {
        j->key = malloc(cred->secret_len + 1);
        ok = j->key != NULL;
        if (ok) {
            memcpy(j->key, cred->secret, cred->secret_len + 1);
            j->key_len = cred->secret_len;
        }
    }
    pthread_mutex_lock(&q_lock);
    if (ok && !q.stopping && start_worker() < 0) {
        log_error("cannot start webhook delivery: a delivery to %.200s was "
                  "dropped",
                  url);
        ok = false;
    }
    if (!ok || q.n >= WEBHOOKS_QUEUE || q.stopping) {
        pthread_mutex_unlock(&q_lock);
        if (ok)
            log_error("webhook queue full (%d): a delivery to %.200s was "
                      "dropped",
                      WEBHOOKS_QUEUE, url);
        job_free(j);
        return;
    }
    if (q.tail)
        q.tail->next = j;
    else
        q.head = j;
    q.tail = j;
    q.n++;
    pthread_cond_signal(&q_ready);
    pthread_mutex_unlock(&q_lock);
}
