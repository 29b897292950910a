/*
 * log.c - see log.h.
 *
 * SPDX-License-Identifier: MIT
 */
#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "render.h"

#define LOG_LINE_MAX 2048

/* The rate limit of log_error_limited: lines per window, window length. */
static struct {
    pthread_mutex_t lock;
    time_t window; /* CLOCK_MONOTONIC second the window began */
    unsigned n;    /* lines written in it */
    unsigned long suppressed;
} limit = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0};

static void
write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        p += w;
        n -= (size_t)w;
    }
}

/*
 * Length of the UTF-8 sequence at s (n bytes left) if it is well formed
 * and not a C1 control (U+0080 to U+009F, which terminals obey like ESC),
 * else 0.
 */
static size_t
utf8_printable(const unsigned char *s, size_t n)
{
    size_t len, i;
    unsigned cp;

    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        len = 2, cp = s[0] & 0x1fu;
    else if (s[0] >= 0xe0 && s[0] <= 0xef)
        len = 3, cp = s[0] & 0x0fu;
    else if (s[0] >= 0xf0 && s[0] <= 0xf4)
        len = 4, cp = s[0] & 0x07u;
    else
        return 0;
    if (len > n)
        return 0;
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3fu);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || cp < 0xa0)
        return 0;
    return len;
}

/*
 * Copies line (n bytes) to out (cap bytes), every byte that could steer a
 * terminal (C0 and C1 controls, DEL, ill-formed UTF-8) written as \xHH;
 * returns the length written (cut at cap - 1).
 */
static size_t
sanitize(char *out, size_t cap, const char *line, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)line;
    size_t i = 0, o = 0;

    while (i < n) {
        size_t k = render_printable_words(line + i, n - i);
        if (k > 0) {
            /* Plain text, eight bytes at a time. */
            if (k > cap - 1 - o)
                k = cap - 1 - o;
            memcpy(out + o, s + i, k);
            o += k;
            i += k;
            if (o + 1 >= cap)
                break;
            continue;
        }
        k = 1;
        if (s[i] >= 0x20 && s[i] < 0x7f) {
            if (o + 1 >= cap)
                break;
            out[o++] = (char)s[i];
        } else if (s[i] >= 0x80 && (k = utf8_printable(s + i, n - i)) > 0) {
            if (o + k >= cap)
                break;
            memcpy(out + o, s + i, k);
            o += k;
        } else {
            k = 1;
            if (o + 4 >= cap)
                break;
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[s[i] >> 4];
            out[o++] = hex[s[i] & 15];
        }
        i += k;
    }
    return o;
}

/*
 * The access log's buffer: lines wait here for at most LOG_ACCESS_DELAY_MS
 * (the flusher thread writes them), or until the buffer is full, or until
 * any other line goes to stdout (which keeps the order), or until
 * log_access_stop at shutdown and at exit. One write(2) then carries many
 * lines.
 */
#define LOG_ACCESS_BUF (64 * 1024)
#define LOG_ACCESS_DELAY_MS 5
static struct {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    char buf[LOG_ACCESS_BUF];
    size_t len;
    bool started, stopping, stopped;
    pthread_t thread;
} acc = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, {0}, 0,
         false, false, false, 0};

/* Writes the buffered access lines; acc.lock held. */
static void
acc_flush_locked(void)
{
    if (acc.len) {
        write_all(STDOUT_FILENO, acc.buf, acc.len);
        acc.len = 0;
    }
}

static void *
acc_flusher(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&acc.lock);
    for (;;) {
        while (acc.len == 0 && !acc.stopping)
            pthread_cond_wait(&acc.wake, &acc.lock);
        if (acc.stopping)
            break;
        /* Let a few more lines come: one write for all of them. */
        pthread_mutex_unlock(&acc.lock);
        {
            struct timespec ts = {0, LOG_ACCESS_DELAY_MS * 1000000L};
            while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
                ;
        }
        pthread_mutex_lock(&acc.lock);
        acc_flush_locked();
    }
    acc_flush_locked();
    pthread_mutex_unlock(&acc.lock);
    return NULL;
}

static void
acc_at_exit(void)
{
    log_access_stop();
}

/* Formats one sanitised line (prefix + message + newline) into line. */
static size_t
format_line(char *line, size_t cap, const char *prefix, const char *fmt,
            va_list ap)
{
    char raw[LOG_LINE_MAX];
    size_t n = strlen(prefix);
    int m;

    memcpy(line, prefix, n);
    m = vsnprintf(raw, sizeof(raw), fmt, ap);
    if (m < 0)
        return 0;
    n += sanitize(line + n, cap - n - 1,
                  raw, (size_t)m < sizeof(raw) ? (size_t)m : sizeof(raw) - 1);
    line[n++] = '\n';
    return n;
}

static void
vlog(int fd, const char *prefix, const char *fmt, va_list ap)
{
    char line[LOG_LINE_MAX];
    size_t n = format_line(line, sizeof(line), prefix, fmt, ap);

    if (n == 0)
        return;
    if (fd != STDOUT_FILENO) {
        write_all(fd, line, n);
        return;
    }
    /* After the access lines before it. */
    pthread_mutex_lock(&acc.lock);
    acc_flush_locked();
    write_all(fd, line, n);
    pthread_mutex_unlock(&acc.lock);
}

static void acc_add(const char *line, size_t n);

void
log_access(const char *fmt, ...)
{
    char line[LOG_LINE_MAX];
    va_list ap;
    size_t n;

    va_start(ap, fmt);
    n = format_line(line, sizeof(line), "", fmt, ap);
    va_end(ap);
    if (n > 0)
        acc_add(line, n);
}

void
log_access_line(const char *s, size_t len)
{
    char line[LOG_LINE_MAX];
    size_t n = sanitize(line, sizeof(line) - 1, s,
                        len < sizeof(line) - 1 ? len : sizeof(line) - 1);

    line[n++] = '\n';
    acc_add(line, n);
}

/* Appends one finished line (newline included) to the access buffer. */
static void
acc_add(const char *line, size_t n)
{
    pthread_mutex_lock(&acc.lock);
    if (!acc.started && !acc.stopped) {
        acc.started = true;
        if (pthread_create(&acc.thread, NULL, acc_flusher, NULL) == 0)
            atexit(acc_at_exit);
        else
            acc.stopped = true; /* no thread: unbuffered */
    }
    if (acc.stopped) {
        write_all(STDOUT_FILENO, line, n);
        pthread_mutex_unlock(&acc.lock);
        return;
    }
    if (acc.len + n > sizeof(acc.buf))
        acc_flush_locked();
    memcpy(acc.buf + acc.len, line, n);
    if (acc.len == 0)
        pthread_cond_signal(&acc.wake);
    acc.len += n;
    pthread_mutex_unlock(&acc.lock);
}

void
log_access_stop(void)
{
    bool join;

    pthread_mutex_lock(&acc.lock);
    join = acc.started && !acc.stopped;
    acc.stopping = true;
    acc.stopped = true;
    pthread_cond_signal(&acc.wake);
    acc_flush_locked();
    pthread_mutex_unlock(&acc.lock);
    if (join)
        pthread_join(acc.thread, NULL);
}

void
log_error(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vlog(STDERR_FILENO, "assistants-mock: ", fmt, ap);
    va_end(ap);
}

void
log_out(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vlog(STDOUT_FILENO, "", fmt, ap);
    va_end(ap);
}

static time_t
now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec;
}

/* Reports and resets the suppressed count; limit.lock held. */
static void
report_suppressed(void)
{
    if (limit.suppressed)
        log_error("suppressed %lu messages", limit.suppressed);
    limit.suppressed = 0;
}

void
log_error_limited(const char *fmt, ...)
{
    time_t t = now_s();
    va_list ap;
    bool write;

    pthread_mutex_lock(&limit.lock);
    if (t != limit.window) {
        report_suppressed();
        limit.window = t;
        limit.n = 0;
    }
    write = limit.n < LOG_LIMIT_PER_SECOND;
    if (write)
        limit.n++;
    else
        limit.suppressed++;
    /* Written under the lock: the report comes before the next line. */
    if (write) {
        va_start(ap, fmt);
        vlog(STDERR_FILENO, "assistants-mock: ", fmt, ap);
        va_end(ap);
    }
    pthread_mutex_unlock(&limit.lock);
}

void
log_flush_suppressed(void)
{
    pthread_mutex_lock(&limit.lock);
    report_suppressed();
    pthread_mutex_unlock(&limit.lock);
}
