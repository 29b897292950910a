/*
 * test_resource.c - unit tests of resource.c with the assistant
 * descriptor: request-body checks (errors and field paths), the merge of a
 * body into a record (null = absent, defaults on create, object members
 * copied in the descriptor's order, unknown members dropped, write-only
 * fields kept apart), rendering byte for byte, and parsing a stored row
 * back (derived and fixed url).
 *
 * SPDX-License-Identifier: MIT
 */
#include <json-c/json.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "body.h"
#include "resource.h"
#include "unit.h"

#define R (&resource_assistant)
#define JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
#define A1 "ACa11ce000000000000000000000000001"

/* Parses a literal with the strict body parser (must be accepted). */
static json_object *
js(const char *text)
{
    json_object *o = NULL;

    if (body_parse(text, strlen(text), &o) != 0) {
        print_error("bad test JSON: %s\n", text);
        fail();
    }
    return o;
}

static const char *
ser(json_object *o)
{
    return json_object_to_json_string_ext(o, JSON_FLAGS);
}

/* ---- the descriptor ---- */

static void
test_descriptor(void **state)
{
    static const char *const order[] = {
        "account_sid",
        "customer_ai",
        "id",
        "model",
        "name",
        "owner",
        "url",
        "personality_prompt",
        "date_created",
        "date_updated",
        "segment_credential",
    };
    const struct field *f;
    size_t i;

    (void)state;
    assert_string_equal(R->name, "assistant");
    assert_string_equal(R->path, "/v1/Assistants");
    assert_string_equal(R->id_prefix, "aia_asst_");
    assert_string_equal(R->list_key, "assistants");
    assert_int_equal(R->table, STORE_ASSISTANTS);
    assert_int_equal(R->n_fields, sizeof(order) / sizeof(order[0]));
    for (i = 0; i < R->n_fields; i++)
        assert_string_equal(R->fields[i].name, order[i]);
    f = resource_field(R, "name");
    assert_non_null(f);
    assert_int_equal(f->kind, FIELD_STRING);
    assert_true(f->flags & FIELD_REQUIRED);
    assert_true(f->flags & FIELD_WRITABLE);
    f = resource_field(R, "segment_credential");
    assert_non_null(f);
    assert_true(f->flags & FIELD_WRITE_ONLY);
    assert_int_equal(resource_field(R, "url")->kind, FIELD_URL);
    assert_null(resource_field(R, "nope"));
    assert_null(resource_field(R, ""));
    assert_null(resource_field(R, "Name"));
}

/* ---- resource_check_body ---- */

/* Checks text as a body; expects e and, unless API_OK, the field path. */
static void
check(const char *text, bool create, enum api_err e, const char *field)
{
    json_object *body = js(text);
    char got[128] = "untouched";
    enum api_err rc = resource_check_body(R, body, create, got, sizeof(got));

    if (rc != e || (e != API_OK && strcmp(got, field) != 0)) {
        print_error("%s (%s): got %d \"%s\", want %d \"%s\"\n", text,
                    create ? "create" : "update", rc, got, e,
                    field ? field : "");
        json_object_put(body);
        fail();
    }
    json_object_put(body);
}

#define MISSING API_ERR_MISSING_PARAM
#define INVALID API_ERR_INVALID_PARAM

static void
test_check_required(void **state)
{
    (void)state;
    check("{}", true, MISSING, "name");
    check("{\"name\":null}", true, MISSING, "name");
    check("{\"owner\":\"o\"}", true, MISSING, "name");
    check("{\"name\":\"n\"}", true, API_OK, NULL);
    check("{\"name\":\"\"}", true, API_OK, NULL);
    /* An update needs nothing. */
    check("{}", false, API_OK, NULL);
    check("{\"name\":null}", false, API_OK, NULL);
    check("{\"owner\":\"o\"}", false, API_OK, NULL);
}

static void
test_check_types(void **state)
{
    static const char *const not_strings[] = {
        "1", "-1.5", "true", "false", "{}", "[]", "[\"n\"]", "{\"a\":\"b\"}"};
    static const char *const not_objects[] = {"1", "true", "\"x\"", "[]",
                                              "[{}]"};
    static const char *const strings[] = {"name", "owner",
                                          "personality_prompt"};
    char text[128];
    size_t i, j;
    int k;

    (void)state;
    for (k = 0; k < 2; k++) {
        bool create = k == 0;
        for (i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
            for (j = 0; j < sizeof(not_strings) / sizeof(not_strings[0]); j++) {
                snprintf(text, sizeof(text), "{\"name\":\"n\",\"%s\":%s}",
                         strings[i], not_strings[j]);
                if (strcmp(strings[i], "name") == 0)
                    snprintf(text, sizeof(text), "{\"name\":%s}",
                             not_strings[j]);
                check(text, create, INVALID, strings[i]);
            }
        for (j = 0; j < sizeof(not_objects) / sizeof(not_objects[0]); j++) {
            snprintf(text, sizeof(text), "{\"name\":\"n\",\"customer_ai\":%s}",
                     not_objects[j]);
            check(text, create, INVALID, "customer_ai");
            snprintf(text, sizeof(text),
                     "{\"name\":\"n\",\"segment_credential\":%s}",
                     not_objects[j]);
            check(text, create, INVALID, "segment_credential");
        }
    }
    /*
     * The first problem is the one reported: plain fields first, then
     * objects, each in the descriptor's order.
     */
    check("{\"owner\":1,\"name\":2}", true, INVALID, "name");
    check("{\"personality_prompt\":1,\"owner\":1}", false, INVALID, "owner");
    check("{\"owner\":1}", true, MISSING, "name");
    check("{\"customer_ai\":2,\"owner\":1}", false, INVALID, "owner");
    check("{\"customer_ai\":2}", true, MISSING, "name");
    check("{\"customer_ai\":{},\"personality_prompt\":false}", false, INVALID,
          "personality_prompt");
    check("{\"segment_credential\":1,\"customer_ai\":2}", false, INVALID,
          "customer_ai");
}

static void
test_check_members(void **state)
{
    (void)state;
    /* customer_ai: both members required, booleans. */
    check("{\"name\":\"n\",\"customer_ai\":{}}", true, MISSING,
          "customer_ai.perception_engine_enabled");
    check("{\"customer_ai\":{\"perception_engine_enabled\":true}}", false,
          MISSING, "customer_ai.personalization_engine_enabled");
    check("{\"customer_ai\":{\"perception_engine_enabled\":null,"
          "\"personalization_engine_enabled\":true}}",
          false, MISSING, "customer_ai.perception_engine_enabled");
    check("{\"customer_ai\":{\"perception_engine_enabled\":\"true\","
          "\"personalization_engine_enabled\":true}}",
          false, INVALID, "customer_ai.perception_engine_enabled");
    check("{\"customer_ai\":{\"perception_engine_enabled\":true,"
          "\"personalization_engine_enabled\":1}}",
          false, INVALID, "customer_ai.personalization_engine_enabled");
    check("{\"customer_ai\":{\"perception_engine_enabled\":false,"
          "\"personalization_engine_enabled\":true,\"extra\":[1]}}",
          false, API_OK, NULL);
    check("{\"customer_ai\":null}", false, API_OK, NULL);
    /* segment_credential: optional string members. */
    check("{\"segment_credential\":{}}", false, API_OK, NULL);
    check("{\"segment_credential\":{\"write_key\":\"w\",\"space_id\":null,"
          "\"other\":5}}",
          false, API_OK, NULL);
    check("{\"segment_credential\":{\"write_key\":1}}", false, INVALID,
          "segment_credential.write_key");
    check("{\"segment_credential\":{\"profile_api_key\":\"p\","
          "\"space_id\":true}}",
          false, INVALID, "segment_credential.space_id");
}

static void
test_check_ignored(void **state)
{
    json_object *body;
    char field[8];

    (void)state;
    /* Unknown keys, and fields the client does not write, are ignored. */
    check("{\"name\":\"n\",\"bogus\":{\"x\":[1,2]},\"Name\":1}", true, API_OK,
          NULL);
    check("{\"name\":\"n\",\"id\":1,\"model\":2,\"account_sid\":3,\"url\":4,"
          "\"date_created\":5,\"date_updated\":6}",
          true, API_OK, NULL);
    /* The field path is cut to the room given. */
    body = js("{\"customer_ai\":{}}");
    assert_int_equal(resource_check_body(R, body, false, field, sizeof(field)),
                     MISSING);
    assert_string_equal(field, "custome");
    json_object_put(body);
}

/* ---- resource_apply ---- */

/* Applies text to rec (and *secret); must succeed. */
static void
apply(json_object *rec, json_object **secret, const char *text, bool create)
{
    json_object *body = js(text);
    char field[128];

    assert_int_equal(resource_check_body(R, body, create, field, sizeof(field)),
                     API_OK);
    assert_int_equal(resource_apply(R, rec, secret, body, create), 0);
    /* The record does not depend on the body staying alive. */
    json_object_put(body);
}

static void
test_apply_create_defaults(void **state)
{
    json_object *rec = js("{\"id\":\"aia_asst_1\"}"), *secret = NULL;

    (void)state;
    apply(rec, &secret, "{\"name\":\"n\"}", true);
    assert_string_equal(ser(rec), "{\"id\":\"aia_asst_1\",\"customer_ai\":{"
                                  "\"perception_engine_enabled\":false,"
                                  "\"personalization_engine_enabled\":false},"
                                  "\"name\":\"n\",\"owner\":\"\","
                                  "\"personality_prompt\":\"\"}");
    /* segment_credential has no default: no secret at all. */
    assert_null(secret);
    json_object_put(rec);
    /* A null value gets the default on create too. */
    rec = json_object_new_object();
    apply(rec, &secret, "{\"name\":\"n\",\"owner\":null,\"customer_ai\":null}",
          true);
    assert_string_equal(ser(rec), "{\"customer_ai\":{"
                                  "\"perception_engine_enabled\":false,"
                                  "\"personalization_engine_enabled\":false},"
                                  "\"name\":\"n\",\"owner\":\"\","
                                  "\"personality_prompt\":\"\"}");
    json_object_put(rec);
}

static void
test_apply_create_given(void **state)
{
    json_object *rec = json_object_new_object(), *secret = NULL;

    (void)state;
    apply(rec, &secret,
          "{\"personality_prompt\":\"pp\",\"owner\":\"o\",\"name\":\"n\","
          "\"customer_ai\":{\"x\":1,\"personalization_engine_enabled\":true,"
          "\"perception_engine_enabled\":false,\"y\":null},"
          "\"segment_credential\":{\"space_id\":\"s\",\"bogus\":1,"
          "\"write_key\":\"w\",\"profile_api_key\":null},"
          "\"id\":\"evil\",\"model\":\"m\",\"extra\":true}",
          true);
    /*
     * Descriptor order of application; members in the descriptor's order,
     * unknown and null members dropped; read-only and unknown keys left.
     */
    assert_string_equal(ser(rec), "{\"customer_ai\":{"
                                  "\"perception_engine_enabled\":false,"
                                  "\"personalization_engine_enabled\":true},"
                                  "\"name\":\"n\",\"owner\":\"o\","
                                  "\"personality_prompt\":\"pp\"}");
    /* The write-only field went to the secret only. */
    assert_non_null(secret);
    assert_string_equal(ser(secret),
                        "{\"segment_credential\":{"
                        "\"space_id\":\"s\",\"write_key\":\"w\"}}");
    json_object_put(rec);
    json_object_put(secret);
}

static void
test_apply_update(void **state)
{
    json_object *rec = json_object_new_object(), *secret = NULL;

    (void)state;
    apply(rec, &secret,
          "{\"name\":\"n\",\"owner\":\"o\",\"segment_credential\":"
          "{\"write_key\":\"w\"}}",
          true);
    /* Given fields replace, absent and null ones stay; no defaults. */
    apply(rec, &secret, "{\"owner\":null,\"name\":\"m\"}", false);
    assert_string_equal(ser(rec), "{\"customer_ai\":{"
                                  "\"perception_engine_enabled\":false,"
                                  "\"personalization_engine_enabled\":false},"
                                  "\"name\":\"m\",\"owner\":\"o\","
                                  "\"personality_prompt\":\"\"}");
    assert_string_equal(ser(secret),
                        "{\"segment_credential\":{\"write_key\":\"w\"}}");
    /* An object is replaced whole (members not merged). */
    apply(rec, &secret,
          "{\"customer_ai\":{\"personalization_engine_enabled\":true,"
          "\"perception_engine_enabled\":true},"
          "\"segment_credential\":{\"space_id\":\"s2\"}}",
          false);
    assert_string_equal(ser(rec), "{\"customer_ai\":{"
                                  "\"perception_engine_enabled\":true,"
                                  "\"personalization_engine_enabled\":true},"
                                  "\"name\":\"m\",\"owner\":\"o\","
                                  "\"personality_prompt\":\"\"}");
    assert_string_equal(ser(secret),
                        "{\"segment_credential\":{\"space_id\":\"s2\"}}");
    /* An empty body changes nothing; an update without defaults. */
    apply(rec, &secret, "{}", false);
    assert_string_equal(ser(secret),
                        "{\"segment_credential\":{\"space_id\":\"s2\"}}");
    json_object_put(rec);
    json_object_put(secret);
    /* On update, a record without a field does not get its default. */
    rec = json_object_new_object();
    secret = NULL;
    apply(rec, &secret, "{\"name\":\"x\"}", false);
    assert_string_equal(ser(rec), "{\"name\":\"x\"}");
    assert_null(secret);
    /* A secret is created on the first write-only field. */
    apply(rec, &secret, "{\"segment_credential\":{}}", false);
    assert_non_null(secret);
    assert_string_equal(ser(secret), "{\"segment_credential\":{}}");
    json_object_put(rec);
    json_object_put(secret);
}

/* ---- resource_render ---- */

/* A complete record as assistants_create builds it. */
static json_object *
full_record(const char *name)
{
    json_object *rec = js("{\"account_sid\":\"" A1 "\","
                          "\"id\":\"aia_asst_1\",\"model\":\"gpt-4.1\","
                          "\"date_created\":\"2025-01-02T03:04:05Z\","
                          "\"date_updated\":\"2025-01-02T03:04:05Z\"}"),
                *secret = NULL, *body, *v;
    char field[64];

    body = json_object_new_object();
    v = json_object_new_string(name);
    assert_int_equal(json_object_object_add(body, "name", v), 0);
    assert_int_equal(resource_check_body(R, body, true, field, sizeof(field)),
                     API_OK);
    assert_int_equal(resource_apply(R, rec, &secret, body, true), 0);
    json_object_put(body);
    assert_null(secret);
    return rec;
}

static const char want_pre[] =
    "{\"account_sid\":\"" A1 "\",\"customer_ai\":{"
    "\"perception_engine_enabled\":false,"
    "\"personalization_engine_enabled\":false},\"id\":\"aia_asst_1\","
    "\"model\":\"gpt-4.1\",\"name\":\"n\",\"owner\":\"\",\"url\":\"";
static const char want_post[] =
    "/v1/Assistants/aia_asst_1\",\"personality_prompt\":\"\","
    "\"date_created\":\"2025-01-02T03:04:05Z\","
    "\"date_updated\":\"2025-01-02T03:04:05Z\"}";

static void
test_render_bytes(void **state)
{
    json_object *rec = full_record("n"), *v;
    struct buf pre = BUF_INIT, post = BUF_INIT;

    (void)state;
    resource_render(R, rec, &pre, &post);
    assert_bytes_equal(pre.data, pre.len, want_pre, sizeof(want_pre) - 1);
    assert_bytes_equal(post.data, post.len, want_post, sizeof(want_post) - 1);
    /* It appends; write-only and unknown keys are never rendered. */
    buf_reset(&pre);
    buf_reset(&post);
    buf_adds(&pre, "[");
    buf_adds(&post, "<");
    v = js("{\"write_key\":\"secret\"}");
    assert_int_equal(json_object_object_add(rec, "segment_credential", v), 0);
    v = json_object_new_int(5);
    assert_int_equal(json_object_object_add(rec, "bogus", v), 0);
    resource_render(R, rec, &pre, &post);
    assert_int_equal(pre.data[0], '[');
    assert_bytes_equal(pre.data + 1, pre.len - 1, want_pre,
                       sizeof(want_pre) - 1);
    assert_bytes_equal(post.data + 1, post.len - 1, want_post,
                       sizeof(want_post) - 1);
    json_object_put(rec);
    buf_release(&pre);
    buf_release(&post);
}

static void
test_render_missing_and_odd_values(void **state)
{
    json_object *rec = js("{\"id\":\"aia_asst_a b\",\"name\":\"\\u0000\","
                          "\"customer_ai\":{\"n\":[1.50,-0,1e400,"
                          "123456789012345678901234567890],"
                          "\"s\":\"a/\\\"\\u0001\"},"
                          "\"url\":\"https://x/y\",\"owner\":null}");
    struct buf pre = BUF_INIT, post = BUF_INIT;

    (void)state;
    resource_render(R, rec, &pre, &post);
    /* Absent and null fields are null; a fixed url keeps all in pre. */
    assert_string_equal(pre.data,
                        "{\"account_sid\":null,\"customer_ai\":{\"n\":[1.50,-0,"
                        "1e400,123456789012345678901234567890],"
                        "\"s\":\"a/\\\"\\u0001\"},\"id\":\"aia_asst_a b\","
                        "\"model\":null,\"name\":\"\\u0000\",\"owner\":null,"
                        "\"url\":\"https://x/y\",\"personality_prompt\":null,"
                        "\"date_created\":null,\"date_updated\":null}");
    assert_int_equal(post.len, 0);
    /* Without the fixed url: derived, the id percent-encoded. */
    json_object_object_del(rec, "url");
    buf_reset(&pre);
    resource_render(R, rec, &pre, &post);
    assert_non_null(strstr(pre.data, ",\"url\":\""));
    assert_int_equal(pre.data[pre.len - 1], '"');
    assert_string_equal(post.data, "/v1/Assistants/aia_asst_a%20b\","
                                   "\"personality_prompt\":null,"
                                   "\"date_created\":null,"
                                   "\"date_updated\":null}");
    /* An empty record still renders every key. */
    json_object_put(rec);
    rec = json_object_new_object();
    buf_reset(&pre);
    buf_reset(&post);
    resource_render(R, rec, &pre, &post);
    assert_string_equal(pre.data, "{\"account_sid\":null,\"customer_ai\":null,"
                                  "\"id\":null,\"model\":null,\"name\":null,"
                                  "\"owner\":null,\"url\":\"");
    assert_string_equal(post.data, "/v1/Assistants/\","
                                   "\"personality_prompt\":null,"
                                   "\"date_created\":null,"
                                   "\"date_updated\":null}");
    json_object_put(rec);
    buf_release(&pre);
    buf_release(&post);
}

/* ---- resource_parse_row ---- */

/* Renders rec into a row (secret: its JSON text or NULL). */
static void
to_row(json_object *rec, const char *secret, struct buf *pre, struct buf *post,
       struct store_row *row)
{
    buf_reset(pre);
    buf_reset(post);
    resource_render(R, rec, pre, post);
    memset(row, 0, sizeof(*row));
    row->pre = pre->data;
    row->pre_len = pre->len;
    row->post = post->len ? post->data : NULL;
    row->post_len = post->len;
    row->secret = secret;
    row->secret_len = secret ? strlen(secret) : 0;
}

static void
test_parse_row_round_trip(void **state)
{
    json_object *rec = full_record("Night \"Loyalty\" \xf0\x9f\x98\x80\n"),
                *back = NULL, *secret = NULL, *v;
    struct buf pre = BUF_INIT, post = BUF_INIT, pre2 = BUF_INIT,
               post2 = BUF_INIT;
    struct store_row row;

    (void)state;
    /* Derived url: dropped when parsed, rendered anew. */
    to_row(rec, "{\"segment_credential\":{\"write_key\":\"w\"}}", &pre, &post,
           &row);
    assert_non_null(row.post);
    assert_int_equal(resource_parse_row(&row, &back, &secret), 0);
    assert_non_null(back);
    assert_false(json_object_object_get_ex(back, "url", NULL));
    assert_true(json_object_object_get_ex(back, "name", &v));
    assert_string_equal(json_object_get_string(v),
                        "Night \"Loyalty\" \xf0\x9f\x98\x80\n");
    assert_non_null(secret);
    assert_string_equal(ser(secret),
                        "{\"segment_credential\":{\"write_key\":\"w\"}}");
    to_row(back, NULL, &pre2, &post2, &row);
    assert_bytes_equal(pre2.data, pre2.len, pre.data, pre.len);
    assert_bytes_equal(post2.data, post2.len, post.data, post.len);
    json_object_put(back);
    json_object_put(secret);

    /* Fixed url: kept; no secret: NULL. */
    v = json_object_new_string("https://assistants.twilio.com/v1/x\"y");
    assert_int_equal(json_object_object_add(rec, "url", v), 0);
    to_row(rec, NULL, &pre, &post, &row);
    assert_null(row.post);
    assert_int_equal(resource_parse_row(&row, &back, &secret), 0);
    assert_null(secret);
    assert_true(json_object_object_get_ex(back, "url", &v));
    assert_string_equal(json_object_get_string(v),
                        "https://assistants.twilio.com/v1/x\"y");
    to_row(back, NULL, &pre2, &post2, &row);
    assert_bytes_equal(pre2.data, pre2.len, pre.data, pre.len);
    assert_int_equal(post2.len, 0);
    json_object_put(back);

    /* NUL bytes in values survive. */
    v = json_object_new_string_len("a\0b", 3);
    assert_int_equal(json_object_object_add(rec, "owner", v), 0);
    to_row(rec, NULL, &pre, &post, &row);
    assert_int_equal(resource_parse_row(&row, &back, &secret), 0);
    assert_true(json_object_object_get_ex(back, "owner", &v));
    assert_int_equal(json_object_get_string_len(v), 3);
    assert_memory_equal(json_object_get_string(v), "a\0b", 3);
    json_object_put(back);

    json_object_put(rec);
    buf_release(&pre);
    buf_release(&post);
    buf_release(&pre2);
    buf_release(&post2);
}

/* A row that is not an item: -1, and nothing to put. */
static void
parse_row_fails(const char *pre, const char *post, const char *secret)
{
    struct store_row row;
    json_object *rec = (json_object *)&row, *sec = (json_object *)&row;

    memset(&row, 0, sizeof(row));
    row.pre = pre;
    row.pre_len = strlen(pre);
    row.post = post;
    row.post_len = post ? strlen(post) : 0;
    row.secret = secret;
    row.secret_len = secret ? strlen(secret) : 0;
    assert_int_equal(resource_parse_row(&row, &rec, &sec), -1);
    assert_null(rec);
    assert_null(sec);
}

static void
test_parse_row_bad(void **state)
{
    (void)state;
    parse_row_fails("", NULL, NULL);
    parse_row_fails("garbage", NULL, NULL);
    parse_row_fails("[1,2]", NULL, NULL);
    parse_row_fails("\"s\"", NULL, NULL);
    parse_row_fails("{\"url\":\"", NULL, NULL);      /* cut, no post */
    parse_row_fails("{\"url\":\"", "x", NULL);       /* cut after post */
    parse_row_fails("{\"url\":\"", "/p\",:}", NULL); /* bad post */
    parse_row_fails("{\"a\":1}", NULL, "{\"s\":");   /* bad secret */
    parse_row_fails("{\"a\":1}", NULL, "not json");
}

/* The path of a create: body text, checks, apply, render, parse back. */
static void
test_create_path(void **state)
{
    json_object *rec = js("{\"account_sid\":\"" A1 "\",\"id\":\"aia_asst_1\","
                          "\"model\":\"gpt-4.1\","
                          "\"date_created\":\"2025-01-02T03:04:05Z\","
                          "\"date_updated\":\"2025-01-02T03:04:05Z\"}"),
                *secret = NULL, *back = NULL, *bsecret = NULL;
    struct buf pre = BUF_INIT, post = BUF_INIT;
    struct store_row row;

    (void)state;
    apply(rec, &secret,
          "{\"segment_credential\":{\"write_key\":\"w\"},\"name\":\"n\"}",
          true);
    to_row(rec, ser(secret), &pre, &post, &row);
    assert_bytes_equal(pre.data, pre.len, want_pre, sizeof(want_pre) - 1);
    assert_bytes_equal(post.data, post.len, want_post, sizeof(want_post) - 1);
    assert_null(strstr(pre.data, "write_key"));
    assert_null(strstr(post.data, "write_key"));
    assert_int_equal(resource_parse_row(&row, &back, &bsecret), 0);
    /* An update on what came back. */
    apply(back, &bsecret, "{\"name\":\"m\",\"segment_credential\":{}}", false);
    assert_string_equal(ser(bsecret), "{\"segment_credential\":{}}");
    buf_reset(&pre);
    buf_reset(&post);
    resource_render(R, back, &pre, &post);
    assert_non_null(strstr(pre.data, "\"name\":\"m\",\"owner\":\"\""));
    json_object_put(rec);
    json_object_put(secret);
    json_object_put(back);
    json_object_put(bsecret);
    buf_release(&pre);
    buf_release(&post);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_descriptor),
    cmocka_unit_test(test_check_required),
    cmocka_unit_test(test_check_types),
    cmocka_unit_test(test_check_members),
    cmocka_unit_test(test_check_ignored),
    cmocka_unit_test(test_apply_create_defaults),
    cmocka_unit_test(test_apply_create_given),
    cmocka_unit_test(test_apply_update),
    cmocka_unit_test(test_render_bytes),
    cmocka_unit_test(test_render_missing_and_odd_values),
    cmocka_unit_test(test_parse_row_round_trip),
    cmocka_unit_test(test_parse_row_bad),
    cmocka_unit_test(test_create_path),
};

UNIT_MAIN(tests)
