/*
 * render.c - see render.h.
 *
 * SPDX-License-Identifier: MIT
 */
#include "render.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/*
 * Eight bytes at a time (SWAR, after the bit tricks of "Bit Twiddling
 * Hacks"): ONES * c has c in every byte; has_less(w, c) is non-zero when
 * some byte of w is below c (c at most 0x80).
 */
#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL
#define has_less(w, c) (((w) - ONES * (c)) & ~(w) & HIGHS)
#define has_byte(w, c) has_less((w) ^ (ONES * (c)), 1)

static uint64_t
load8(const unsigned char *p)
{
    uint64_t w;

    memcpy(&w, p, 8);
    return w;
}

/* Bytes from p[0] on that are all ASCII, by whole words of eight. */
static size_t
ascii_words(const unsigned char *p, size_t n)
{
    size_t i = 0;

    while (i + 8 <= n && (load8(p + i) & HIGHS) == 0)
        i += 8;
    return i;
}

/*
 * Bytes from p[0] on, by whole words of eight, that a JSON string takes as
 * they are: ASCII from 0x20, but for '"' and '\\'.
 */
static size_t
plain_words(const unsigned char *p, size_t n)
{
    size_t i = 0;

    while (i + 8 <= n) {
        uint64_t w = load8(p + i);
        if ((w & HIGHS) || has_less(w, 0x20) || has_byte(w, '"') ||
            has_byte(w, '\\'))
            break;
        i += 8;
    }
    return i;
}

size_t
render_printable_words(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;

    while (i + 8 <= n) {
        uint64_t w = load8(p + i);
        if ((w & HIGHS) || has_less(w, 0x20) || has_byte(w, 0x7f))
            break;
        i += 8;
    }
    return i;
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t
utf8_seq_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len, i;
    uint32_t cp;

    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    /* Overlong forms, surrogates and code points past U+10FFFF. */
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
        return 0;
    return len;
}

bool
render_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, len;

    while (i < n) {
        if (p[i] < 0x80) {
            i++;
            i += ascii_words(p + i, n - i);
            continue;
        }
        len = utf8_seq_len(p + i, n - i);
        if (len == 0)
            return false;
        i += len;
    }
    return true;
}

void
render_json_chars(struct buf *out, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, run = 0;

    if (buf_grow(out, n + 2) < 0)
        return;
    while (i < n) {
        unsigned char c = p[i];
        size_t len;

        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            size_t k = 1 + plain_words(p + i + 1, n - i - 1);
            i += k;
            run += k;
            continue;
        }
        if (c >= 0x80 && (len = utf8_seq_len(p + i, n - i)) > 0) {
            i += len;
            run += len;
            continue;
        }
        buf_add(out, s + i - run, run);
        run = 0;
        switch (c) {
        case '"':
            buf_add(out, "\\\"", 2);
            break;
        case '\\':
            buf_add(out, "\\\\", 2);
            break;
        case '\n':
            buf_add(out, "\\n", 2);
            break;
        case '\r':
            buf_add(out, "\\r", 2);
            break;
        case '\t':
            buf_add(out, "\\t", 2);
            break;
        case '\b':
            buf_add(out, "\\b", 2);
            break;
        case '\f':
            buf_add(out, "\\f", 2);
            break;
        default:
            if (c < 0x20) {
                char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
                buf_add(out, e, sizeof(e));
            } else {
                buf_add(out, "\xef\xbf\xbd", 3); /* U+FFFD */
            }
        }
        i++;
    }
    buf_add(out, s + i - run, run);
}

void
render_json_string(struct buf *out, const char *s, size_t n)
{
    buf_addc(out, '"');
    render_json_chars(out, s, n);
    buf_addc(out, '"');
}

size_t
render_plain_len(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;

#ifdef __SSE2__
    /*
     * Sixteen at a time: as signed bytes, those below 0x20 are the control
     * characters and every byte from 0x80.
     */
    const __m128i space = _mm_set1_epi8(0x20), quote = _mm_set1_epi8('"'),
                  bslash = _mm_set1_epi8('\\');

    while (i + 16 <= n) {
        __m128i w = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        int m = _mm_movemask_epi8(
            _mm_or_si128(_mm_cmplt_epi8(w, space),
                         _mm_or_si128(_mm_cmpeq_epi8(w, quote),
                                      _mm_cmpeq_epi8(w, bslash))));
        if (m)
            return i + (size_t)__builtin_ctz((unsigned)m);
        i += 16;
    }
#endif
    i += plain_words(p + i, n - i);

    while (i < n && p[i] >= 0x20 && p[i] < 0x80 && p[i] != '"' &&
           p[i] != '\\')
        i++;
    return i;
}
