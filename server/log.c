/*
 * log.c - see log.h.
 *
 * SPDX-License-Identifier: MIT
 */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define LOG_LINE_MAX 2048

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

static void
vlog(int fd, const char *prefix, const char *fmt, va_list ap)
{
    char line[LOG_LINE_MAX];
    size_t n = strlen(prefix);
    int m;

    memcpy(line, prefix, n);
    m = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
    if (m < 0)
        return;
    n += (size_t)m < sizeof(line) - n - 1 ? (size_t)m : sizeof(line) - n - 2;
    line[n++] = '\n';
    write_all(fd, line, n);
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
