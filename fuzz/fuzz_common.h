/*
 * fuzz_common.h - what the libFuzzer targets share: an exact-size copy of
 * the input (so ASan sees any read past its end) and a check that reports a
 * broken invariant and aborts, which libFuzzer records as a crash.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef ASSISTANTS_MOCK_FUZZ_COMMON_H
#define ASSISTANTS_MOCK_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Aborts with the failed condition when cond is false. */
#define FUZZ_CHECK(cond)                                                       \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__,         \
                    __LINE__, #cond);                                          \
            abort();                                                           \
        }                                                                      \
    } while (0)

/*
 * Returns a malloc'd copy of data[0..size) with extra more bytes (zeroed):
 * extra 0 gives a buffer of exactly size bytes, extra 1 a NUL-terminated
 * string. Never NULL.
 */
static inline char *
fuzz_copy(const uint8_t *data, size_t size, size_t extra)
{
    char *p = malloc(size + extra ? size + extra : 1);

    if (p == NULL)
        abort();
    if (size)
        memcpy(p, data, size);
    memset(p + size, 0, extra);
    return p;
}

static inline int
fuzz_is_token_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* Length of the valid UTF-8 sequence at s[0..n), or 0 (RFC 3629). */
static inline size_t
fuzz_utf8_len(const unsigned char *s, size_t n)
{
    size_t len, i;
    unsigned cp, min;

    if (s[0] < 0x80)
        return 1;
    if ((s[0] & 0xe0) == 0xc0)
        len = 2, cp = s[0] & 0x1f, min = 0x80;
    else if ((s[0] & 0xf0) == 0xe0)
        len = 3, cp = s[0] & 0x0f, min = 0x800;
    else if ((s[0] & 0xf8) == 0xf0)
        len = 4, cp = s[0] & 0x07, min = 0x10000;
    else
        return 0;
    if (n < len)
        return 0;
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

static inline int
fuzz_utf8_valid(const void *p, size_t n)
{
    const unsigned char *s = p;
    size_t i = 0, len;

    while (i < n) {
        if ((len = fuzz_utf8_len(s + i, n - i)) == 0)
            return 0;
        i += len;
    }
    return 1;
}

/*
 * True when FUZZ_STRICT=1: the checks for bugs already reported (and
 * excluded so fuzzing can go on) are on again. fuzz/run.sh --replay sets it.
 */
static inline int
fuzz_strict(void)
{
    static int strict = -1;

    if (strict < 0) {
        const char *e = getenv("FUZZ_STRICT");
        strict = e != NULL && strcmp(e, "1") == 0;
    }
    return strict;
}

#endif
