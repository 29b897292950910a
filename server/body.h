/*
 * body.h - the strict JSON parser of request bodies (RFC 8259), building
 * json-c objects. Stricter than json-c's own tokener where a body must be
 * unambiguous: a duplicate key at any depth, invalid UTF-8 (overlong forms,
 * surrogates, past U+10FFFF, lone surrogate escapes), a NUL in a key,
 * nesting deeper than BODY_MAX_DEPTH and anything after the value are
 * errors, and so is a number of BODY_MAX_NUMBER characters or more. Numbers
 * keep their text: an integer that fits int64 is an int (but -0), anything
 * else a double that serialises as written.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef ASSISTANTS_MOCK_BODY_H
#define ASSISTANTS_MOCK_BODY_H

#include <stddef.h>

struct json_object;

#define BODY_MAX_DEPTH 64
#define BODY_MAX_NUMBER 128

/*
 * Parses data[0..len) as one JSON value into *out (caller puts it; a JSON
 * null gives NULL). Returns 0, or -1 when the text is not acceptable (*out
 * is then NULL).
 */
int body_parse(const char *data, size_t len, struct json_object **out);

/* Why a text was refused: the first problem and its byte offset. */
struct body_error {
    size_t offset;
    char why[128]; /* e.g. "duplicate key \"name\"" */
};

/* body_parse, telling why in *err (may be NULL) on -1. */
int body_parse_ex(const char *data, size_t len, struct json_object **out,
                  struct body_error *err);

#endif
