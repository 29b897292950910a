/*
 * fuzz_connect.c - the CONNECT request-head parser of --proxy-port on
 * arbitrary bytes (an exact-size copy of the input).
 *
 * - CONNECT_NOT_CONNECT exactly when the bytes cannot start "CONNECT ";
 * - CONNECT_INCOMPLETE only while no "\r\n\r\n" ends a head within
 *   CONNECT_MAX_HEAD bytes, CONNECT_TOO_LONG only when none does and there
 *   are at least that many bytes;
 * - on CONNECT_OK: head_len ends just after the first "\r\n\r\n", the host
 *   is NUL-terminated, of its stated length, of name characters or an IPv6
 *   address, the port 1 to 65535; parsing every longer input gives the same
 *   target (nothing after the head is read), and the canonical head
 *   "CONNECT host:port HTTP/1.1\r\n\r\n" parses back to the same target.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdbool.h>
#include <stdio.h>

#include "connect.h"
#include "fuzz_common.h"

static const char *
find_end(const char *s, size_t n)
{
    size_t i;

    for (i = 3; i < n; i++)
        if (s[i - 3] == '\r' && s[i - 2] == '\n' && s[i - 1] == '\r' &&
            s[i] == '\n')
            return s + i + 1;
    return NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *in = fuzz_copy(data, size, 0);
    struct connect_target t, u;
    enum connect_result r = connect_parse(in, size, &t);
    size_t pre = size < 8 ? size : 8, i;
    const char *end = find_end(in, size < CONNECT_MAX_HEAD ? size
                                                            : CONNECT_MAX_HEAD);
    bool v6;

    FUZZ_CHECK((r == CONNECT_NOT_CONNECT) ==
               (memcmp(in, "CONNECT ", pre) != 0));
    if (r == CONNECT_INCOMPLETE)
        FUZZ_CHECK(end == NULL && size < CONNECT_MAX_HEAD);
    if (r == CONNECT_TOO_LONG)
        FUZZ_CHECK(end == NULL && size >= CONNECT_MAX_HEAD);
    if (r == CONNECT_BAD)
        FUZZ_CHECK(end != NULL && t.host_len == 0 && t.port == 0);
    if (r == CONNECT_OK) {
        char canon[CONNECT_MAX_HOST + 64];
        int n;

        FUZZ_CHECK(end != NULL && t.head_len == (size_t)(end - in));
        FUZZ_CHECK(t.host_len > 0 && t.host_len <= CONNECT_MAX_HOST &&
                   strlen(t.host) == t.host_len);
        FUZZ_CHECK(t.port >= 1 && t.port <= 65535);
        v6 = strchr(t.host, ':') != NULL;
        for (i = 0; i < t.host_len; i++) {
            char c = t.host[i];
            FUZZ_CHECK((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
                       (c >= 'A' && c <= 'Z') ||
                       (v6 ? (c == ':' || c == '.')
                           : (c == '-' || c == '.' || c == '_' || c == '~')));
        }
        /* Bytes after the head change nothing. */
        {
            char *longer = fuzz_copy(data, size, 5);

            memcpy(longer + size, "\x16\x03\x01\r\n", 5);
            FUZZ_CHECK(connect_parse(longer, size + 5, &u) == CONNECT_OK);
            FUZZ_CHECK(u.port == t.port && u.head_len == t.head_len &&
                       strcmp(u.host, t.host) == 0);
            free(longer);
        }
        n = snprintf(canon, sizeof(canon), "CONNECT %s%s%s:%u HTTP/1.1\r\n\r\n",
                     v6 ? "[" : "", t.host, v6 ? "]" : "", t.port);
        FUZZ_CHECK(n > 0 && (size_t)n < sizeof(canon));
        FUZZ_CHECK(connect_parse(canon, (size_t)n, &u) == CONNECT_OK);
        FUZZ_CHECK(u.port == t.port && strcmp(u.host, t.host) == 0 &&
                   u.head_len == (size_t)n);
    }
    free(in);
    return 0;
}
