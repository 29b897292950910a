/*
 * render.c - see render.h.
 *
 * SPDX-License-Identifier: MIT
 */
#include "render.h"

#include <stdbool.h>
#include <stdint.h>

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
            i++;
            run++;
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

static void
add_field(struct buf *b, const char *key, const struct render_str *v)
{
    buf_adds(b, key);
    render_json_string(b, v->s, v->n);
}

/* Percent-encodes what is not an RFC 3986 unreserved character. */
static void
add_path_segment(struct buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                     (c >= '0' && c <= '9') || c == '-' || c == '.' ||
                     c == '_' || c == '~';
        if (plain) {
            buf_addc(b, (char)c);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            buf_add(b, e, 3);
        }
    }
}

void
render_assistant(const struct render_assistant *a, struct buf *pre,
                 struct buf *post)
{
    struct buf *tail = pre;

    add_field(pre, "{\"account_sid\":", &a->account_sid);
    buf_adds(pre, ",\"customer_ai\":");
    buf_add(pre, a->customer_ai_json.s, a->customer_ai_json.n);
    add_field(pre, ",\"id\":", &a->id);
    add_field(pre, ",\"model\":", &a->model);
    add_field(pre, ",\"name\":", &a->name);
    add_field(pre, ",\"owner\":", &a->owner);
    if (a->url.s != NULL) {
        add_field(pre, ",\"url\":", &a->url);
    } else {
        buf_adds(pre, ",\"url\":\"");
        buf_adds(post, "/v1/Assistants/");
        add_path_segment(post, a->id.s, a->id.n);
        buf_addc(post, '"');
        tail = post;
    }
    add_field(tail, ",\"personality_prompt\":", &a->personality_prompt);
    add_field(tail, ",\"date_created\":", &a->date_created);
    add_field(tail, ",\"date_updated\":", &a->date_updated);
    buf_addc(tail, '}');
}
