/*
 * render.h - JSON text building for responses: string escaping and the
 * pre-rendering of one assistant into the fragments a list page is
 * concatenated from. Fixture parsing is fixtures.c's job, not this file's.
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
/* Same, between double quotes. */
void render_json_string(struct buf *out, const char *s, size_t n);

/* A string that may hold NUL bytes; borrowed. */
struct render_str {
    const char *s;
    size_t n;
};

/* The fields of one assistant, all borrowed, already validated. */
struct render_assistant {
    struct render_str account_sid;
    struct render_str customer_ai_json; /* serialised JSON object */
    struct render_str id;
    struct render_str model;
    struct render_str name;
    struct render_str owner;
    struct render_str url; /* s == NULL: derived from the base URL */
    struct render_str personality_prompt;
    struct render_str date_created;
    struct render_str date_updated;
};

/*
 * Renders a as a JSON object in the spec's key order, split where the base
 * URL goes: the item is pre + base + post. With a fixed url the whole item is
 * in pre and post is left empty (post->len == 0 means "no base").
 */
void render_assistant(const struct render_assistant *a, struct buf *pre,
                      struct buf *post);

#endif
