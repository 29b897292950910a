/*
 * log.h - logging: errors and notices to stderr, the banner and the access
 * log to stdout. Each line goes out whole in one write(2), so lines from
 * many threads never interleave. Access-log lines (log_access) are buffered
 * for at most a few milliseconds and written many in one write(2); any other
 * stdout line first writes those before it, and log_access_stop (called at
 * shutdown and at exit) writes what is left, so no line is lost or reordered
 * on a normal exit.
 *
 * Every line is sanitised on the way out: C0 and C1 control characters,
 * DEL and ill-formed UTF-8 are written as \xHH, so no byte a client sent
 * can move the cursor, recolour or retitle a terminal, or forge a line.
 * Secrets must never be passed here.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef ASSISTANTS_MOCK_LOG_H
#define ASSISTANTS_MOCK_LOG_H

#include <stdbool.h>
#include <stddef.h>

/* Lines log_error_limited writes per second, all callers together. */
#define LOG_LIMIT_PER_SECOND 10

/* One line to stderr ("assistants-mock: " + message + newline). */
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* One line to stdout (message + newline). */
void log_out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* One access-log line to stdout (message + newline), buffered (see above). */
void log_access(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same for a line already formatted (len bytes, no newline). */
void log_access_line(const char *s, size_t len);
/*
 * Writes the buffered access lines and stops buffering (later lines go out
 * at once). Thread-safe; idempotent.
 */
void log_access_stop(void);
/*
 * log_error for lines a client can cause (libmicrohttpd's messages): at most
 * LOG_LIMIT_PER_SECOND a second; the rest are counted, and the first line
 * of a later second is preceded by "suppressed N messages". Thread-safe.
 */
void log_error_limited(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
/* Writes the "suppressed N messages" line now, if any were (at shutdown). */
void log_flush_suppressed(void);

#endif
