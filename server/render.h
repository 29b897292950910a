/*
 * render.h - JSON text building for responses: string escaping and UTF-8
 * checks. Items are rendered by resource.c; fixture parsing is fixtures.c's
 * job.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef ASSISTANTS_MOCK_RENDER_H
#define ASSISTANTS_MOCK_RENDER_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/*
 * Appends s[0..n) JSON-escaped, without quotes: '"', '\\' and control
 * characters are escaped, '/' and valid UTF-8 are copied as they are, and
 * each byte of an invalid UTF-8 sequence becomes U+FFFD, so the output is
 * always valid JSON text whatever the input.
 */
void render_json_chars(struct buf *out, const char *s, size_t n);
/* True if s[0..n) is valid UTF-8 (no overlong forms, no surrogates). */
bool render_utf8_valid(const char *s, size_t n);

/*
 * Bytes from s[0] on, by whole words of eight, that are all printable ASCII
 * (0x20 to 0x7e): what a log line can take as it is.
 */
size_t render_printable_words(const char *s, size_t n);
/* Same, between double quotes. */
void render_json_string(struct buf *out, const char *s, size_t n);

/* A string that may hold NUL bytes; borrowed. */
struct render_str {
    const char *s;
    size_t n;
};

/*
 * Number of leading bytes of s[0..n) that a JSON string holds as they are
 * and render_json_chars copies unchanged: ASCII from 0x20, but '"' and '\\'.
 */
size_t render_plain_len(const char *s, size_t n);

#endif
