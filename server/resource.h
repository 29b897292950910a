/*
 * resource.h - resource descriptors: one table of fields per resource that
 * drives the checks of request bodies (create and update), the checks of
 * fixture records, and the rendering of items (list, fetch, create,
 * update). A record is a json-c object holding the rendered fields; the
 * write-only fields travel beside it, never rendered.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef ASSISTANTS_MOCK_RESOURCE_H
#define ASSISTANTS_MOCK_RESOURCE_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "errors.h"
#include "store.h"

struct json_object;

enum field_kind {
    FIELD_STRING,
    FIELD_BOOL,
    FIELD_OBJECT,  /* a JSON object; with members, checked member by member */
    FIELD_ACCOUNT, /* account_sid: the owning account */
    FIELD_ID,      /* the resource's id, with its prefix */
    FIELD_URL,     /* <base><path>/<id> unless a fixture fixes it */
    FIELD_DATE,    /* YYYY-MM-DDTHH:MM:SSZ, set by the server */
    FIELD_ANY,     /* any JSON value */
    FIELD_NUMBER,  /* a JSON number */
};

/* Field flags. */
enum {
    FIELD_REQUIRED = 1 << 0,   /* in a create body (and inside objects) */
    FIELD_WRITABLE = 1 << 1,   /* accepted in create and update bodies */
    FIELD_WRITE_ONLY = 1 << 2, /* accepted, stored, never rendered */
    FIELD_OPTIONAL = 1 << 3,   /* may be absent from a fixture record */
};

struct field {
    const char *name;
    enum field_kind kind;
    unsigned flags;
    const struct field *members; /* FIELD_OBJECT: checked members, or NULL */
    size_t n_members;
    const char *dflt; /* JSON text of the value a create without it gets */
};

struct resource {
    const char *name;      /* "assistant", for messages */
    const char *path;      /* "/v1/Assistants": item url = path/id */
    const char *id_prefix; /* "aia_asst_" */
    const char *list_key;  /* "assistants" */
    enum store_table table;
    const struct field *fields; /* in the spec's key order */
    size_t n_fields;
};

extern const struct resource resource_assistant;
extern const struct resource resource_tool;
extern const struct resource resource_knowledge;
extern const struct resource resource_policy;
extern const struct resource resource_chunk;
extern const struct resource resource_session;
extern const struct resource resource_message;
extern const struct resource resource_feedback;
extern const struct resource resource_send_message;

/* The field called name, or NULL. */
const struct field *resource_field(const struct resource *r,
                                   const char *name);

/*
 * Checks a request body (a JSON object) against r's writable fields: types,
 * required fields on create, members of objects; the plain fields first,
 * then the objects, each in descriptor order; the first problem is the
 * answer. Unknown keys are ignored;
 * a null value counts as absent. On a problem returns API_ERR_MISSING_PARAM
 * or API_ERR_INVALID_PARAM and writes the field's path ("customer_ai.x") to
 * field (cap bytes).
 */
enum api_err resource_check_body(const struct resource *r,
                                 struct json_object *body, bool create,
                                 char *field, size_t cap);

/*
 * Merges a checked body into rec (rendered fields) and secret (write-only
 * fields, may be NULL when there are none and the body has none: it is then
 * created): given fields replace, absent and null ones stay; on create,
 * absent fields with a default get it. Objects with members keep only those
 * members, in the descriptor's order. 0 or -1 out of memory.
 */
int resource_apply(const struct resource *r, struct json_object *rec,
                   struct json_object **secret, struct json_object *body,
                   bool create);

/*
 * Renders rec as r's JSON item, fields in descriptor order, split where the
 * base URL goes: item = pre + base + post; with a fixed url (a string "url"
 * in rec) the whole item is in pre and post stays empty. With post NULL it
 * renders a fixture record instead: all in pre, a derived url left out.
 */
void resource_render(const struct resource *r, struct json_object *rec,
                     struct buf *pre, struct buf *post);

/*
 * resource_render (with post) of a record given as the JSON text of each
 * field's value: vals[i] for field i, {NULL, 0} when the record has no such
 * field or it is null, else exactly the text resource_render writes for it
 * (a string as render_json_string escapes it, any other value as json-c
 * serialises it). id[0..id_len) is the record's id, for a derived url.
 * The same bytes as resource_render of that record.
 */
struct render_str;
void resource_render_texts(const struct resource *r,
                           const struct render_str *vals, const char *id,
                           size_t id_len, struct buf *pre, struct buf *post);

/*
 * Parses a stored row back into a record (*rec, caller puts it) and its
 * write-only fields (*secret, NULL when none). A derived url is dropped, a
 * fixed one kept. 0 or -1.
 */
int resource_parse_row(const struct store_row *row, struct json_object **rec,
                       struct json_object **secret);

#endif
