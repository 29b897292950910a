/*
 * resource.c - see resource.h.
 *
 * SPDX-License-Identifier: MIT
 */
#include "resource.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "render.h"

#define JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct field customer_ai_members[] = {
    {"perception_engine_enabled", FIELD_BOOL, FIELD_REQUIRED, NULL, 0, NULL},
    {"personalization_engine_enabled", FIELD_BOOL, FIELD_REQUIRED, NULL, 0,
     NULL},
};

static const struct field segment_credential_members[] = {
    {"profile_api_key", FIELD_STRING, 0, NULL, 0, NULL},
    {"space_id", FIELD_STRING, 0, NULL, 0, NULL},
    {"write_key", FIELD_STRING, 0, NULL, 0, NULL},
};

/* Spec: assistants.v1.service.assistant + create/update_assistant_request. */
static const struct field assistant_fields[] = {
    {"account_sid", FIELD_ACCOUNT, FIELD_OPTIONAL, NULL, 0, NULL},
    {"customer_ai", FIELD_OBJECT, FIELD_WRITABLE, customer_ai_members,
     N(customer_ai_members),
     "{\"perception_engine_enabled\":false,"
     "\"personalization_engine_enabled\":false}"},
    {"id", FIELD_ID, 0, NULL, 0, NULL},
    {"model", FIELD_STRING, 0, NULL, 0, NULL},
    {"name", FIELD_STRING, FIELD_WRITABLE | FIELD_REQUIRED, NULL, 0, NULL},
    {"owner", FIELD_STRING, FIELD_WRITABLE, NULL, 0, "\"\""},
    {"url", FIELD_URL, FIELD_OPTIONAL, NULL, 0, NULL},
    {"personality_prompt", FIELD_STRING, FIELD_WRITABLE, NULL, 0, "\"\""},
    {"date_created", FIELD_DATE, 0, NULL, 0, NULL},
    {"date_updated", FIELD_DATE, 0, NULL, 0, NULL},
    {"segment_credential", FIELD_OBJECT, FIELD_WRITABLE | FIELD_WRITE_ONLY,
     segment_credential_members, N(segment_credential_members), NULL},
};

const struct resource resource_assistant = {
    "assistant",     "/v1/Assistants",   "aia_asst_",
    "assistants",    STORE_ASSISTANTS,   assistant_fields,
    N(assistant_fields),
};

/* Spec: assistants.v1.service.tool + create/update_tool_request. */
static const struct field tool_fields[] = {
    {"account_sid", FIELD_ACCOUNT, FIELD_OPTIONAL, NULL, 0, NULL},
    {"description", FIELD_STRING, FIELD_WRITABLE, NULL, 0, "\"\""},
    {"enabled", FIELD_BOOL, FIELD_WRITABLE | FIELD_REQUIRED, NULL, 0, NULL},
    {"id", FIELD_ID, 0, NULL, 0, NULL},
    {"meta", FIELD_OBJECT, FIELD_WRITABLE, NULL, 0, "{}"},
    {"name", FIELD_STRING, FIELD_WRITABLE | FIELD_REQUIRED, NULL, 0, NULL},
    {"requires_auth", FIELD_BOOL, 0, NULL, 0, NULL},
    {"type", FIELD_STRING, FIELD_WRITABLE | FIELD_REQUIRED, NULL, 0, NULL},
    {"url", FIELD_URL, FIELD_OPTIONAL, NULL, 0, NULL},
    {"date_created", FIELD_DATE, 0, NULL, 0, NULL},
    {"date_updated", FIELD_DATE, 0, NULL, 0, NULL},
};

const struct resource resource_tool = {
    "tool", "/v1/Tools", "aia_tool_", "tools", STORE_TOOLS, tool_fields,
    N(tool_fields),
};

/* Spec: assistants.v1.service.knowledge + create/update_knowledge_request. */
static const struct field knowledge_fields[] = {
    {"description", FIELD_STRING, FIELD_WRITABLE, NULL, 0, "\"\""},
    {"id", FIELD_ID, 0, NULL, 0, NULL},
    {"account_sid", FIELD_ACCOUNT, FIELD_OPTIONAL, NULL, 0, NULL},
    {"knowledge_source_details", FIELD_OBJECT, FIELD_WRITABLE, NULL, 0,
     "{}"},
    {"name", FIELD_STRING, FIELD_WRITABLE | FIELD_REQUIRED, NULL, 0, NULL},
    {"status", FIELD_STRING, 0, NULL, 0, NULL},
    {"type", FIELD_STRING, FIELD_WRITABLE | FIELD_REQUIRED, NULL, 0, NULL},
    {"url", FIELD_URL, FIELD_OPTIONAL, NULL, 0, NULL},
    {"embedding_model", FIELD_STRING, FIELD_WRITABLE | FIELD_OPTIONAL, NULL,
     0, NULL},
    {"date_created", FIELD_DATE, 0, NULL, 0, NULL},
    {"date_updated", FIELD_DATE, 0, NULL, 0, NULL},
};

const struct resource resource_knowledge = {
    "knowledge",     "/v1/Knowledge",    "aia_know_",
    "knowledge",     STORE_KNOWLEDGE,    knowledge_fields,
    N(knowledge_fields),
};

/* Spec: assistants.v1.service.policy + create_policy_request. */
static const struct field policy_fields[] = {
    {"id", FIELD_ID, 0, NULL, 0, NULL},
    {"name", FIELD_STRING, FIELD_WRITABLE | FIELD_OPTIONAL, NULL, 0, NULL},
    {"description", FIELD_STRING, FIELD_WRITABLE | FIELD_OPTIONAL, NULL, 0,
     NULL},
    {"account_sid", FIELD_ACCOUNT, FIELD_OPTIONAL, NULL, 0, NULL},
    {"user_sid", FIELD_STRING, FIELD_OPTIONAL, NULL, 0, NULL},
    {"type", FIELD_STRING, FIELD_WRITABLE, NULL, 0, "\"\""},
    {"policy_details", FIELD_ANY, FIELD_WRITABLE | FIELD_REQUIRED, NULL, 0,
     NULL},
    {"date_created", FIELD_DATE, 0, NULL, 0, NULL},
    {"date_updated", FIELD_DATE, 0, NULL, 0, NULL},
};

const struct resource resource_policy = {
    "policy",        "/v1/Policies",     "aia_plcy_",
    "policies",      STORE_POLICIES,     policy_fields,
    N(policy_fields),
};

/* Spec: assistants.v1.service.knowledge_chunk (no id, no url). */
static const struct field chunk_fields[] = {
    {"account_sid", FIELD_ACCOUNT, FIELD_OPTIONAL, NULL, 0, NULL},
    {"content", FIELD_STRING, 0, NULL, 0, NULL},
    {"metadata", FIELD_OBJECT, 0, NULL, 0, NULL},
    {"date_created", FIELD_DATE, 0, NULL, 0, NULL},
    {"date_updated", FIELD_DATE, 0, NULL, 0, NULL},
};

const struct resource resource_chunk = {
    "chunk", "/v1/Knowledge", "", "chunks", STORE_CHUNKS, chunk_fields,
    N(chunk_fields),
};

/* Spec: assistants.v1.service.session (ids are names: no prefix). */
static const struct field session_fields[] = {
    {"id", FIELD_STRING, 0, NULL, 0, NULL},
    {"account_sid", FIELD_ACCOUNT, FIELD_OPTIONAL, NULL, 0, NULL},
    {"assistant_id", FIELD_STRING, 0, NULL, 0, NULL},
    {"verified", FIELD_BOOL, 0, NULL, 0, NULL},
    {"identity", FIELD_STRING, 0, NULL, 0, NULL},
    {"date_created", FIELD_DATE, 0, NULL, 0, NULL},
    {"date_updated", FIELD_DATE, 0, NULL, 0, NULL},
};

const struct resource resource_session = {
    "session",       "/v1/Sessions",     "",
    "sessions",      STORE_SESSIONS,     session_fields,
    N(session_fields),
};

/* Spec: assistants.v1.service.message. */
static const struct field message_fields[] = {
    {"id", FIELD_ID, 0, NULL, 0, NULL},
    {"account_sid", FIELD_ACCOUNT, FIELD_OPTIONAL, NULL, 0, NULL},
    {"assistant_id", FIELD_STRING, 0, NULL, 0, NULL},
    {"session_id", FIELD_STRING, 0, NULL, 0, NULL},
    {"identity", FIELD_STRING, 0, NULL, 0, NULL},
    {"role", FIELD_STRING, 0, NULL, 0, NULL},
    {"content", FIELD_OBJECT, 0, NULL, 0, NULL},
    {"meta", FIELD_OBJECT, 0, NULL, 0, NULL},
    {"date_created", FIELD_DATE, 0, NULL, 0, NULL},
    {"date_updated", FIELD_DATE, 0, NULL, 0, NULL},
};

const struct resource resource_message = {
    "message",       "/v1/Sessions",     "aia_msg_",
    "messages",      STORE_MESSAGES,     message_fields,
    N(message_fields),
};

/* Spec: assistants.v1.service.feedback + create_feedback_request. */
static const struct field feedback_fields[] = {
    {"assistant_id", FIELD_STRING, 0, NULL, 0, NULL},
    {"id", FIELD_ID, 0, NULL, 0, NULL},
    {"account_sid", FIELD_ACCOUNT, FIELD_OPTIONAL, NULL, 0, NULL},
    {"user_sid", FIELD_STRING, FIELD_OPTIONAL, NULL, 0, NULL},
    {"message_id", FIELD_STRING, FIELD_WRITABLE | FIELD_OPTIONAL, NULL, 0,
     NULL},
    {"score", FIELD_NUMBER, FIELD_WRITABLE | FIELD_OPTIONAL, NULL, 0, NULL},
    {"session_id", FIELD_STRING, FIELD_WRITABLE | FIELD_REQUIRED, NULL, 0,
     NULL},
    {"text", FIELD_STRING, FIELD_WRITABLE | FIELD_OPTIONAL, NULL, 0, NULL},
    {"date_created", FIELD_DATE, 0, NULL, 0, NULL},
    {"date_updated", FIELD_DATE, 0, NULL, 0, NULL},
};

const struct resource resource_feedback = {
    "feedback",      "/v1/Assistants",   "aia_fdbk_",
    "feedbacks",     STORE_FEEDBACKS,    feedback_fields,
    N(feedback_fields),
};

/* Spec: assistant_send_message_request (a body only, never stored). */
static const struct field send_message_fields[] = {
    {"identity", FIELD_STRING, FIELD_WRITABLE | FIELD_REQUIRED, NULL, 0, NULL},
    {"session_id", FIELD_STRING, FIELD_WRITABLE, NULL, 0, NULL},
    {"body", FIELD_STRING, FIELD_WRITABLE | FIELD_REQUIRED, NULL, 0, NULL},
    {"webhook", FIELD_STRING, FIELD_WRITABLE, NULL, 0, NULL},
    {"mode", FIELD_STRING, FIELD_WRITABLE, NULL, 0, NULL},
};

const struct resource resource_send_message = {
    "message", "", "", "", STORE_MESSAGES, send_message_fields,
    N(send_message_fields),
};

const struct field *
resource_field(const struct resource *r, const char *name)
{
    size_t i;

    for (i = 0; i < r->n_fields; i++)
        if (strcmp(r->fields[i].name, name) == 0)
            return &r->fields[i];
    return NULL;
}

static bool
kind_ok(const struct field *f, json_object *v)
{
    switch (f->kind) {
    case FIELD_BOOL:
        return json_object_is_type(v, json_type_boolean);
    case FIELD_OBJECT:
        return json_object_is_type(v, json_type_object);
    case FIELD_ANY:
        return true;
    case FIELD_NUMBER:
        return json_object_is_type(v, json_type_int) ||
               json_object_is_type(v, json_type_double);
    default:
        return json_object_is_type(v, json_type_string);
    }
}

/* Checks the members of object v; prefix is the path of v. */
static enum api_err
check_members(const struct field *f, json_object *v, const char *prefix,
              char *field, size_t cap)
{
    size_t i;

    for (i = 0; i < f->n_members; i++) {
        const struct field *m = &f->members[i];
        json_object *mv = NULL;

        json_object_object_get_ex(v, m->name, &mv);
        if (mv == NULL) {
            if (m->flags & FIELD_REQUIRED) {
                snprintf(field, cap, "%s.%s", prefix, m->name);
                return API_ERR_MISSING_PARAM;
            }
            continue;
        }
        if (!kind_ok(m, mv)) {
            snprintf(field, cap, "%s.%s", prefix, m->name);
            return API_ERR_INVALID_PARAM;
        }
    }
    return API_OK;
}

enum api_err
resource_check_body(const struct resource *r, json_object *body, bool create,
                    char *field, size_t cap)
{
    size_t k;

    /* Plain fields first, then objects: each pass in descriptor order. */
    for (k = 0; k < 2 * r->n_fields; k++) {
        const struct field *f = &r->fields[k % r->n_fields];
        json_object *v = NULL;
        enum api_err e;

        if (!(f->flags & FIELD_WRITABLE) ||
            (f->kind == FIELD_OBJECT) != (k >= r->n_fields))
            continue;
        json_object_object_get_ex(body, f->name, &v);
        if (v == NULL) {
            if (create && (f->flags & FIELD_REQUIRED)) {
                snprintf(field, cap, "%s", f->name);
                return API_ERR_MISSING_PARAM;
            }
            continue;
        }
        if (!kind_ok(f, v)) {
            snprintf(field, cap, "%s", f->name);
            return API_ERR_INVALID_PARAM;
        }
        if (f->members &&
            (e = check_members(f, v, f->name, field, cap)) != API_OK)
            return e;
    }
    return API_OK;
}

/* A copy of v holding only f's members, in f's order. */
static json_object *
members_copy(const struct field *f, json_object *v)
{
    json_object *o = json_object_new_object();
    size_t i;

    if (o == NULL)
        return NULL;
    for (i = 0; i < f->n_members; i++) {
        json_object *mv = NULL;
        if (!json_object_object_get_ex(v, f->members[i].name, &mv) ||
            mv == NULL)
            continue;
        if (json_object_object_add(o, f->members[i].name,
                                   json_object_get(mv)) != 0) {
            json_object_put(mv);
            json_object_put(o);
            return NULL;
        }
    }
    return o;
}

int
resource_apply(const struct resource *r, json_object *rec,
               json_object **secret, json_object *body, bool create)
{
    size_t i;

    for (i = 0; i < r->n_fields; i++) {
        const struct field *f = &r->fields[i];
        json_object *v = NULL, *nv, *dst;

        if (!(f->flags & FIELD_WRITABLE))
            continue;
        json_object_object_get_ex(body, f->name, &v);
        if (v != NULL)
            nv = f->members ? members_copy(f, v) : json_object_get(v);
        else if (create && f->dflt)
            nv = json_tokener_parse(f->dflt);
        else
            continue;
        if (nv == NULL)
            return -1;
        dst = rec;
        if (f->flags & FIELD_WRITE_ONLY) {
            if (*secret == NULL && (*secret = json_object_new_object()) ==
                                       NULL) {
                json_object_put(nv);
                return -1;
            }
            dst = *secret;
        }
        if (json_object_object_add(dst, f->name, nv) != 0) {
            json_object_put(nv);
            return -1;
        }
    }
    return 0;
}

/* RFC 3986 unreserved: what a path segment carries as it is. */
static bool
unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
           c == '~';
}

/*
 * s (n bytes) percent-encoded but for RFC 3986 unreserved characters,
 * into o (room for 3 * n bytes); returns the end.
 */
static char *
put_path_segment(char *o, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        bool plain = unreserved(c);
        if (plain) {
            *o++ = (char)c;
        } else {
            *o++ = '%';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
    }
    return o;
}

/* put_path_segment at the end of b. */
static void
add_path_segment(struct buf *b, const char *s, size_t n)
{
    if (buf_grow(b, 3 * n) < 0)
        return;
    b->len = (size_t)(put_path_segment(b->data + b->len, s, n) - b->data);
    b->data[b->len] = '\0';
}

static void
add_value(struct buf *b, json_object *v)
{
    if (json_object_is_type(v, json_type_string))
        render_json_string(b, json_object_get_string(v),
                           (size_t)json_object_get_string_len(v));
    else
        buf_adds(b, json_object_to_json_string_ext(v, JSON_FLAGS));
}

void
resource_render(const struct resource *r, json_object *rec, struct buf *pre,
                struct buf *post)
{
    struct buf *out = pre;
    size_t i;
    bool first = true;


    buf_addc(pre, '{');
    for (i = 0; i < r->n_fields; i++) {
        const struct field *f = &r->fields[i];
        json_object *v = NULL;

        if (f->flags & FIELD_WRITE_ONLY)
            continue;
        json_object_object_get_ex(rec, f->name, &v);
        if (post == NULL && f->kind == FIELD_URL &&
            !json_object_is_type(v, json_type_string))
            continue;
        if (!first)
            buf_addc(out, ',');
        first = false;
        buf_addc(out, '"');
        buf_adds(out, f->name);
        buf_adds(out, "\":");
        if (f->kind == FIELD_URL && !json_object_is_type(v, json_type_string)) {
            json_object *id = NULL;
            json_object_object_get_ex(rec, "id", &id);
            buf_addc(out, '"');
            buf_adds(post, r->path);
            buf_addc(post, '/');
            add_path_segment(post, json_object_get_string(id),
                             (size_t)json_object_get_string_len(id));
            buf_addc(post, '"');
            out = post;
            continue;
        }
        if (v == NULL)
            buf_adds(out, "null");
        else
            add_value(out, v);
    }
    buf_addc(out, '}');
}

/* The name of field f as a key, '"name":', into o; returns the end. */
static char *
put_key(char *o, const struct field *f)
{
    size_t n = strlen(f->name);

    *o++ = '"';
    memcpy(o, f->name, n);
    o += n;
    *o++ = '"';
    *o++ = ':';
    return o;
}


void
resource_render_texts(const struct resource *r, const struct render_str *vals,
                      const char *id, size_t id_len, struct buf *pre,
                      struct buf *post)
{
    size_t i, need = 2;
    struct buf *out = pre;
    bool first = true;
    char *o;

    /*
     * resource_render's loop, on texts instead of json-c values, written
     * into room made once: both parts get room for the whole item.
     */
    for (i = 0; i < r->n_fields; i++)
        need += strlen(r->fields[i].name) + 4 +
                (vals[i].s ? vals[i].n : 4) +
                (r->fields[i].kind == FIELD_URL
                     ? strlen(r->path) + 3 * id_len + 4
                     : 0);
    if (buf_grow(pre, need) < 0 || buf_grow(post, need) < 0)
        return;
    o = pre->data + pre->len;
    *o++ = '{';
    for (i = 0; i < r->n_fields; i++) {
        const struct field *f = &r->fields[i];
        const struct render_str *v = &vals[i];

        if (f->flags & FIELD_WRITE_ONLY)
            continue;
        if (!first)
            *o++ = ',';
        first = false;
        o = put_key(o, f);
        if (f->kind == FIELD_URL && (v->s == NULL || v->s[0] != '"')) {
            *o++ = '"';
            if (out == pre) {
                pre->len = (size_t)(o - pre->data);
                out = post;
                o = post->data + post->len;
            }
            memcpy(o, r->path, strlen(r->path));
            o += strlen(r->path);
            *o++ = '/';
            o = put_path_segment(o, id, id_len);
            *o++ = '"';
            continue;
        }
        if (v->s == NULL) {
            memcpy(o, "null", 4);
            o += 4;
        } else {
            memcpy(o, v->s, v->n);
            o += v->n;
        }
    }
    *o++ = '}';
    out->len = (size_t)(o - out->data);
    pre->data[pre->len] = '\0';
    post->data[post->len] = '\0';
}

int
resource_parse_row(const struct store_row *row, json_object **rec,
                   json_object **secret)
{
    struct json_tokener *tok = json_tokener_new();
    json_object *o = NULL;
    int rc = -1;

    *rec = NULL;
    *secret = NULL;
    if (tok == NULL)
        return -1;
    o = json_tokener_parse_ex(tok, row->pre, (int)row->pre_len);
    if (row->post && json_tokener_get_error(tok) == json_tokener_continue)
        o = json_tokener_parse_ex(tok, row->post, (int)row->post_len);
    if (o == NULL || !json_object_is_type(o, json_type_object))
        goto out;
    if (row->post)
        json_object_object_del(o, "url"); /* derived: rendered anew */
    if (row->secret) {
        json_tokener_reset(tok);
        *secret = json_tokener_parse_ex(tok, row->secret,
                                        (int)row->secret_len);
        if (*secret == NULL)
            goto out;
    }
    *rec = o;
    o = NULL;
    rc = 0;
out:
    json_object_put(o);
    json_tokener_free(tok);
    return rc;
}
