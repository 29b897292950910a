/*
 * webhooks.c - see webhooks.h.
 *
 * SPDX-License-Identifier: MIT
 */
#include "webhooks.h"

#include <curl/curl.h>
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

static size_t
discard(char *p, size_t size, size_t n, void *ctx)
{
    (void)p;
    (void)ctx;
    return size * n;
}

/* One POST of j; true on a 2xx. */
static bool
post_once(CURL *curl, const struct job *j, char *err, size_t cap)
{
    struct curl_slist *h = NULL;
    struct buf form = BUF_INIT;
    char sig[29], hdr[64];
    long status = 0;
    CURLcode rc;
    size_t i;

    for (i = 0; i < j->n; i++) {
        char *k = curl_easy_escape(curl, j->names[i], 0);
        char *v = curl_easy_escape(curl, j->values[i], 0);
        if (i)
            buf_addc(&form, '&');
        buf_adds(&form, k ? k : "");
        buf_addc(&form, '=');
        buf_adds(&form, v ? v : "");
        curl_free(k);
        curl_free(v);
    }
    h = curl_slist_append(h, "Content-Type: application/x-www-form-urlencoded");
    h = curl_slist_append(h, "User-Agent: TwilioProxy/1.1");
    if (j->key) {
        webhooks_sign(j->key, j->key_len, j->url,
                      (const char *const *)j->names,
                      (const char *const *)j->values, j->n, sig);
        snprintf(hdr, sizeof(hdr), "X-Twilio-Signature: %s", sig);
        h = curl_slist_append(h, hdr);
    }
    curl_easy_reset(curl);
    curl_easy_setopt(curl, CURLOPT_URL, j->url);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, form.data ? form.data : "");
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, ATTEMPT_TIMEOUT_MS);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
    rc = curl_easy_perform(curl);
    if (rc == CURLE_OK)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    if (rc != CURLE_OK)
        snprintf(err, cap, "%s", curl_easy_strerror(rc));
    else if (status < 200 || status > 299)
        snprintf(err, cap, "HTTP %ld", status);
    curl_slist_free_all(h);
    buf_release(&form);
    return rc == CURLE_OK && status >= 200 && status <= 299;
}

static void
deliver(CURL *curl, const struct job *j)
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
        if (post_once(curl, j, err, sizeof(err)))
            return;
    }
    log_error("webhook delivery to %.200s failed after %d attempts: %s",
              j->url, ATTEMPTS, err);
}

static void *
worker(void *arg)
{
    CURL *curl = curl_easy_init();

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
        if (curl)
            deliver(curl, j);
        job_free(j);
    }
    if (curl)
        curl_easy_cleanup(curl);
    return NULL;
}

int
webhooks_start(const struct accounts *accts, bool off)
{
    q.accts = accts;
    q.off = off;
    if (off || q.running)
        return 0;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return -1;
    q.stopping = false;
    if (pthread_create(&q.thread, NULL, worker, NULL) != 0)
        return -1;
    q.running = true;
    return 0;
}

void
webhooks_stop(void)
{
    struct job *j, *next;

    if (!q.running)
        return;
    pthread_mutex_lock(&q_lock);
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
    curl_global_cleanup();
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

    if (q.off || !q.running)
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
