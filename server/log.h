/*
 * log.h - logging: errors and notices to stderr, the banner and the access
 * log to stdout. Each line goes out in one write(2), so lines from many
 * threads never interleave and nothing waits in a stdio buffer.
 * Secrets must never be passed here.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef ASSISTANTS_MOCK_LOG_H
#define ASSISTANTS_MOCK_LOG_H

/* One line to stderr ("assistants-mock: " + message + newline). */
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* One line to stdout (message + newline). */
void log_out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
