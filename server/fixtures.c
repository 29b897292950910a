/*
 * fixtures.c - see fixtures.h.
 *
 * A file is first scanned structurally (top-level keys and the extent of
 * each value, without building anything), then each account and each
 * assistant is parsed by json-c on its own. Every byte is checked by one or
 * the other: the scanner checks the top-level object and array syntax,
 * json-c each value. A plain assistant (nearly all of a large file) is read
 * by the fast path instead, straight from the bytes, which gives up on
 * anything it cannot vouch for (see "the fast path" below).
 *
 * SPDX-License-Identifier: MIT
 */
#include "fixtures.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "body.h"
#include "clock.h"
#include "embedded.h"
#include "render.h"
#include "resource.h"
#include "util.h"

#define BUNDLED_NAME "(bundled) fixtures/default.json"

/* A value's extent in a source. */
struct span {
    size_t start;
    size_t end;
    bool present;
};

/* One fixture file, mapped or borrowed. */
struct source {
    char *name;       /* owned */
    const char *data; /* mapped, borrowed, or NULL when empty */
    size_t len;
    bool mapped;
    struct span accounts;
    struct span sections[FIXTURES_N_SECTIONS]; /* as section_keys */
    bool ok;          /* scanned without errors */
    size_t released;  /* pages before this offset were dropped */
};

/*
 * The top-level arrays after "accounts", loaded in this order so that every
 * record's references point backwards: an assistant before its sessions,
 * a session before its messages, ...
 */
enum section {
    SEC_ASSISTANTS,
    SEC_TOOLS,
    SEC_KNOWLEDGE,
    SEC_POLICIES,
    SEC_SESSIONS,
    SEC_MESSAGES,
    SEC_FEEDBACKS,
    SEC_ATTACHMENTS,
    SEC_POLICY_LINKS,
    SEC_REPLIES,
};

static const char *const section_keys[FIXTURES_N_SECTIONS] = {
    "assistants", "tools",       "knowledge",    "policies", "sessions",
    "messages",   "feedbacks",   "attachments",  "policy_links", "replies",
};

/* The resource of each record section. */
static const struct resource *const section_res[FIXTURES_N_SECTIONS] = {
    &resource_assistant, &resource_tool,    &resource_knowledge,
    &resource_policy,    &resource_session, &resource_message,
    &resource_feedback,  NULL,              NULL,
    NULL,
};

/* Load-time state. */
struct loader {
    struct fixtures *fx;
    struct store *store;
    struct source *src;
    size_t n_src;
    int default_acct;
    int64_t now_ms;
    struct buf pre, post, cai, tmp;
    struct buf esc; /* fast_record's escaped strings */
    struct pipe *pipe; /* the insert thread, while it runs, or NULL */
    unsigned char fast_hint[16]; /* fast_record: field of the i-th key */
};

static void pipe_drain(struct loader *ld);

void
fixtures_init(struct fixtures *fx)
{
    memset(fx, 0, sizeof(*fx));
    buf_init(&fx->errors);
}

void
fixtures_release(struct fixtures *fx)
{
    size_t i;

    if (fx == NULL)
        return;
    for (i = 0; i < fx->n_replies; i++) {
        free(fx->replies[i].assistant_id);
        free(fx->replies[i].match);
        free(fx->replies[i].reply);
    }
    free(fx->replies);
    accounts_release(&fx->accts);
    buf_release(&fx->errors);
    fixtures_init(fx);
}

/* ---- problems ---- */

static void
problem(struct loader *ld, const char *file, const char *path, const char *fmt,
        ...) __attribute__((format(printf, 4, 5)));

static void
problem(struct loader *ld, const char *file, const char *path, const char *fmt,
        ...)
{
    struct fixtures *fx = ld->fx;
    char msg[512];
    va_list ap;

    pipe_drain(ld); /* the rows before this one report first */
    fx->n_errors++;
    if (fx->n_errors > FIXTURES_MAX_ERRORS)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (path && *path)
        buf_addf(&fx->errors, "%s: %s: %s\n", file, path, msg);
    else
        buf_addf(&fx->errors, "%s: %s\n", file, msg);
}

static size_t
line_of(const struct source *s, size_t off)
{
    size_t line = 1, i;

    if (off > s->len)
        off = s->len;
    for (i = 0; i < off; i++)
        if (s->data[i] == '\n')
            line++;
    return line;
}

static void
json_problem(struct loader *ld, const struct source *s, size_t off,
             const char *what)
{
    char where[64];

    pipe_drain(ld);
    snprintf(where, sizeof(where), "%zu", line_of(s, off));
    ld->fx->n_errors++;
    if (ld->fx->n_errors > FIXTURES_MAX_ERRORS)
        return;
    buf_addf(&ld->fx->errors, "%s:%s: invalid JSON: %s\n", s->name, where,
             what);
}

/* A short, escaped quotation of s for a message. */
static const char *
quote(struct loader *ld, const char *s, size_t n)
{
    buf_reset(&ld->tmp);
    buf_addc(&ld->tmp, '"');
    render_json_chars(&ld->tmp, s, n > 60 ? 60 : n);
    buf_adds(&ld->tmp, n > 60 ? "...\"" : "\"");
    return buf_failed(&ld->tmp) ? "\"?\"" : ld->tmp.data;
}

static const char *
type_name(json_object *v)
{
    switch (json_object_get_type(v)) {
    case json_type_null:
        return "null";
    case json_type_boolean:
        return "a boolean";
    case json_type_double:
    case json_type_int:
        return "a number";
    case json_type_object:
        return "an object";
    case json_type_array:
        return "an array";
    case json_type_string:
        return "a string";
    }
    return "?";
}

/* ---- structural scan ---- */

/* The first byte from p on that is not JSON whitespace (end at most). */
static const char *
fast_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r'))
        p++;
    return p;
}

/* fast_ws by index: s->data may be NULL (an empty source). */
static void
skip_ws(const struct source *s, size_t *i)
{
    while (*i < s->len && (s->data[*i] == ' ' || s->data[*i] == '\t' ||
                           s->data[*i] == '\n' || s->data[*i] == '\r'))
        (*i)++;
}

/* Finds the end of the string starting at *i ('"'). */
static int
skip_string(const struct source *s, size_t *i)
{
    size_t j = *i + 1;

    while (j < s->len) {
        const char *q = memchr(s->data + j, '"', s->len - j);
        size_t k, slashes = 0;

        if (q == NULL)
            break;
        k = (size_t)(q - s->data);
        /* Escaped when preceded by an odd number of backslashes. */
        while (k - slashes > *i + 1 && s->data[k - slashes - 1] == '\\')
            slashes++;
        if (slashes % 2 == 0) {
            *i = k + 1;
            return 0;
        }
        j = k + 1;
    }
    *i = s->len;
    return -1;
}

/* Finds the extent of the value at *i; json-c checks its inside later. */
static int
skip_value(const struct source *s, size_t *i)
{
    size_t depth = 0;

    if (*i >= s->len)
        return -1;
    if (s->data[*i] == '"')
        return skip_string(s, i);
    if (s->data[*i] != '{' && s->data[*i] != '[') {
        while (*i < s->len && !strchr(",]} \t\r\n", s->data[*i]))
            (*i)++;
        return 0;
    }
    while (*i < s->len) {
        char c = s->data[*i];
        if (c == '"') {
            if (skip_string(s, i) < 0)
                return -1;
            continue;
        }
        if (c == '{' || c == '[')
            depth++;
        else if (c == '}' || c == ']') {
            if (--depth == 0) {
                (*i)++;
                return 0;
            }
        }
        (*i)++;
    }
    return -1;
}

/*
 * Parses s[start..end) strictly (body.c: numbers kept as written, duplicate
 * keys refused) into *out (caller puts it; NULL for a JSON null). Returns
 * 0, or -1 after reporting the problem with its line.
 */
static int
parse_span(struct loader *ld, const struct source *s, size_t start,
           size_t end, json_object **out)
{
    struct body_error err;

    if (body_parse_ex(s->data + start, end - start, out, &err) == 0)
        return 0;
    json_problem(ld, s, start + err.offset, err.why);
    return -1;
}

static bool
key_is(const struct source *s, size_t start, size_t end, const char *key)
{
    size_t n = strlen(key);

    return end - start == n + 2 && memcmp(s->data + start + 1, key, n) == 0;
}

/* Scans the top-level object, recording where accounts and assistants are. */
static void
scan_source(struct loader *ld, struct source *s)
{
    size_t i = 0, errors = ld->fx->n_errors;
    bool meta = false;

    if (s->len >= 3 && memcmp(s->data, "\xef\xbb\xbf", 3) == 0)
        i = 3; /* UTF-8 byte order mark */
    skip_ws(s, &i);
    if (i >= s->len) {
        problem(ld, s->name, NULL, "empty file: expected a JSON object");
        return;
    }
    if (s->data[i] != '{') {
        if (s->data[i] == '[')
            problem(ld, s->name, NULL,
                    "expected a JSON object with \"accounts\" and "
                    "\"assistants\", got an array");
        else
            json_problem(ld, s, i, "expected '{'");
        return;
    }
    i++;
    skip_ws(s, &i);
    if (i < s->len && s->data[i] == '}') {
        i++;
        goto trailer;
    }
    for (;;) {
        size_t kstart, kend, vstart, k;
        struct span *target = NULL;

        skip_ws(s, &i);
        if (i >= s->len || s->data[i] != '"') {
            json_problem(ld, s, i, "expected a key string");
            return;
        }
        kstart = i;
        if (skip_string(s, &i) < 0) {
            json_problem(ld, s, kstart, "unterminated string");
            return;
        }
        kend = i;
        skip_ws(s, &i);
        if (i >= s->len || s->data[i] != ':') {
            json_problem(ld, s, i, "expected ':'");
            return;
        }
        i++;
        skip_ws(s, &i);
        vstart = i;
        if (skip_value(s, &i) < 0 || i == vstart) {
            json_problem(ld, s, vstart,
                         i >= s->len ? "unexpected end of file"
                                     : "expected a value");
            return;
        }
        if (key_is(s, kstart, kend, "accounts"))
            target = &s->accounts;
        for (k = 0; target == NULL && k < FIXTURES_N_SECTIONS; k++)
            if (key_is(s, kstart, kend, section_keys[k]))
                target = &s->sections[k];
        if (target) {
            if (target->present)
                problem(ld, s->name, NULL, "duplicate key %s",
                        quote(ld, s->data + kstart + 1, kend - kstart - 2));
            target->start = vstart;
            target->end = i;
            target->present = true;
        } else {
            /* meta (ignored) and unknown keys: still valid JSON? */
            json_object *v = NULL;
            if (parse_span(ld, s, vstart, i, &v) < 0)
                return;
            json_object_put(v);
            if (key_is(s, kstart, kend, "meta") && meta)
                problem(ld, s->name, NULL, "duplicate key \"meta\"");
            else if (key_is(s, kstart, kend, "meta"))
                meta = true;
            else
                problem(ld, s->name, NULL,
                        "unknown top-level key %s: expected \"accounts\", "
                        "\"assistants\", \"tools\", \"knowledge\", "
                        "\"policies\", \"sessions\", \"messages\", "
                        "\"feedbacks\", \"attachments\", "
                        "\"policy_links\", \"replies\" or \"meta\"",
                        quote(ld, s->data + kstart + 1, kend - kstart - 2));
        }
        skip_ws(s, &i);
        if (i < s->len && s->data[i] == ',') {
            i++;
            continue;
        }
        if (i < s->len && s->data[i] == '}') {
            i++;
            break;
        }
        json_problem(ld, s, i,
                     i >= s->len ? "unexpected end of file"
                                 : "expected ',' or '}'");
        return;
    }
trailer:
    skip_ws(s, &i);
    if (i < s->len) {
        json_problem(ld, s, i, "unexpected data after the top-level object");
        return;
    }
    s->ok = ld->fx->n_errors == errors;
}

/*
 * Drops the mapped pages before offset off from memory every few MiB, so a
 * large file is never resident as a whole (the store holds its content).
 */
static void
release_before(struct source *s, size_t off)
{
    const size_t step = 8u << 20;
    size_t upto;

    if (!s->mapped || off < s->released + step)
        return;
    upto = off & ~(size_t)(4096 - 1);
    madvise((void *)s->data, upto, MADV_DONTNEED);
    s->released = upto;
}

/*
 * Calls fn for each element of the array in span, with its index. Reports
 * structural problems; fn reports the rest.
 */
typedef void (*element_fn)(struct loader *ld, struct source *s, size_t index,
                           size_t start, size_t end);
/*
 * Takes the element at start (within end) whole, returning the offset past
 * it, or returns 0 to leave it to the element_fn, having done nothing.
 */
typedef size_t (*fast_fn)(struct loader *ld, struct source *s, size_t index,
                          size_t start, size_t end);

static void
each_element(struct loader *ld, struct source *s, const struct span *sp,
             const char *what, element_fn fn, fast_fn fast)
{
    size_t i = sp->start, index = 0;

    if (s->data[i] != '[') {
        json_object *v = NULL;
        if (parse_span(ld, s, sp->start, sp->end, &v) == 0) {
            problem(ld, s->name, what, "expected an array, got %s",
                    type_name(v));
            json_object_put(v);
        }
        return;
    }
    i++;
    skip_ws(s, &i);
    if (s->data[i] == ']')
        return;
    for (;;) {
        size_t vstart;

        skip_ws(s, &i);
        vstart = i;
        if (fast && vstart < sp->end &&
            (i = fast(ld, s, index, vstart, sp->end)) > 0) {
            index++;
        } else {
            i = vstart;
            if (skip_value(s, &i) < 0 || i == vstart) {
                json_problem(ld, s, vstart, "expected a value");
                return;
            }
            pipe_drain(ld); /* fn may use the store */
            fn(ld, s, index++, vstart, i);
        }
        release_before(s, i);
        skip_ws(s, &i);
        if (i < sp->end && s->data[i] == ',') {
            i++;
            continue;
        }
        if (i < sp->end && s->data[i] == ']')
            return;
        json_problem(ld, s, i, "expected ',' or ']'");
        return;
    }
}

/* ---- accounts ---- */

/* Checks that v is a string SID with prefix; reports at path otherwise. */
static bool
check_sid(struct loader *ld, const char *file, const char *path,
          json_object *v, const char *prefix)
{
    const char *s;
    size_t n;

    if (!json_object_is_type(v, json_type_string)) {
        problem(ld, file, path, "expected \"%s\" and 32 hex digits, got %s",
                prefix, type_name(v));
        return false;
    }
    s = json_object_get_string(v);
    n = (size_t)json_object_get_string_len(v);
    if (!util_is_sid(s, n, prefix)) {
        problem(ld, file, path, "expected \"%s\" and 32 hex digits, got %s",
                prefix, quote(ld, s, n));
        return false;
    }
    return true;
}

static bool
check_secret(struct loader *ld, const char *file, const char *path,
             json_object *v)
{
    size_t n;

    if (!json_object_is_type(v, json_type_string)) {
        problem(ld, file, path, "expected a string, got %s", type_name(v));
        return false;
    }
    n = (size_t)json_object_get_string_len(v);
    if (n == 0 || n > FIXTURES_MAX_SECRET) {
        problem(ld, file, path, "expected 1 to %d bytes, got %zu",
                FIXTURES_MAX_SECRET, n);
        return false;
    }
    if (memchr(json_object_get_string(v), '\0', n)) {
        /* HTTP Basic credentials cannot carry it: nobody could log in. */
        problem(ld, file, path, "must not contain NUL (\\u0000)");
        return false;
    }
    return true;
}

static void
load_api_keys(struct loader *ld, const char *file, const char *apath,
              json_object *keys, int acct)
{
    char path[96];
    size_t i, n;

    if (!json_object_is_type(keys, json_type_array)) {
        snprintf(path, sizeof(path), "%s.api_keys", apath);
        problem(ld, file, path, "expected an array, got %s", type_name(keys));
        return;
    }
    n = json_object_array_length(keys);
    for (i = 0; i < n; i++) {
        json_object *k = json_object_array_get_idx(keys, i), *sid = NULL,
                    *secret = NULL;
        char kpath[128];
        bool ok = true;

        snprintf(path, sizeof(path), "%s.api_keys[%zu]", apath, i);
        if (!json_object_is_type(k, json_type_object)) {
            problem(ld, file, path, "expected an object, got %s",
                    type_name(k));
            continue;
        }
        json_object_object_foreach(k, key, val) {
            if (strcmp(key, "sid") == 0)
                sid = val;
            else if (strcmp(key, "secret") == 0)
                secret = val;
            else {
                problem(ld, file, path,
                        "unknown key %s: expected \"sid\" or \"secret\"",
                        quote(ld, key, strlen(key)));
                ok = false;
            }
        }
        if (sid == NULL || secret == NULL) {
            problem(ld, file, path, "missing required field \"%s\"",
                    sid == NULL ? "sid" : "secret");
            continue;
        }
        snprintf(kpath, sizeof(kpath), "%s.sid", path);
        ok = check_sid(ld, file, kpath, sid, "SK") && ok;
        snprintf(kpath, sizeof(kpath), "%s.secret", path);
        ok = check_secret(ld, file, kpath, secret) && ok;
        if (!ok)
            continue;
        if (accounts_find_cred(&ld->fx->accts, json_object_get_string(sid))) {
            snprintf(kpath, sizeof(kpath), "%s.sid", path);
            problem(ld, file, kpath, "duplicate API key %s",
                    quote(ld, json_object_get_string(sid), 34));
            continue;
        }
        if (accounts_add_cred(&ld->fx->accts, json_object_get_string(sid),
                     json_object_get_string(secret),
                     (size_t)json_object_get_string_len(secret), acct) < 0)
            problem(ld, file, path, "out of memory");
    }
}

static void
load_account(struct loader *ld, struct source *s, size_t index, size_t start,
             size_t end)
{
    json_object *o = NULL, *sid = NULL, *token = NULL, *keys = NULL;
    char path[64], fpath[96];
    bool ok = true;
    int acct;

    if (parse_span(ld, s, start, end, &o) < 0)
        return;
    snprintf(path, sizeof(path), "accounts[%zu]", index);
    if (!json_object_is_type(o, json_type_object)) {
        problem(ld, s->name, path, "expected an object, got %s", type_name(o));
        goto out;
    }
    json_object_object_foreach(o, key, val) {
        if (strcmp(key, "sid") == 0)
            sid = val;
        else if (strcmp(key, "auth_token") == 0)
            token = val;
        else if (strcmp(key, "api_keys") == 0)
            keys = val;
        else {
            problem(ld, s->name, path,
                    "unknown key %s: expected \"sid\", \"auth_token\" or "
                    "\"api_keys\"",
                    quote(ld, key, strlen(key)));
            ok = false;
        }
    }
    if (sid == NULL) {
        problem(ld, s->name, path, "missing required field \"sid\"");
        goto out;
    }
    snprintf(fpath, sizeof(fpath), "%s.sid", path);
    if (!check_sid(ld, s->name, fpath, sid, "AC"))
        goto out;
    /*
     * An account with only a sid (as /__admin/export writes them) refers to
     * one whose credentials come from another file or TWILIO_*: it may
     * appear any number of times, beside at most one full definition.
     */
    acct = accounts_find(&ld->fx->accts, json_object_get_string(sid));
    if (acct >= 0 && token == NULL && keys == NULL)
        goto out;
    if (acct >= 0 && ld->fx->accts.accounts[acct].defined) {
        problem(ld, s->name, fpath, "duplicate account %s",
                quote(ld, json_object_get_string(sid), 34));
        goto out;
    }
    snprintf(fpath, sizeof(fpath), "%s.auth_token", path);
    if (token && !check_secret(ld, s->name, fpath, token))
        ok = false;
    if (!ok)
        goto out;
    if (acct < 0)
        acct = accounts_add(&ld->fx->accts, json_object_get_string(sid),
                            false);
    if (acct < 0) {
        problem(ld, s->name, path, "out of memory");
        goto out;
    }
    ld->fx->accts.accounts[acct].src = (int)(s - ld->src);
    ld->fx->accts.accounts[acct].src_index = (int)index;
    ld->fx->accts.accounts[acct].defined = token != NULL || keys != NULL;
    if (token &&
        accounts_add_cred(&ld->fx->accts, json_object_get_string(sid),
                 json_object_get_string(token),
                 (size_t)json_object_get_string_len(token), acct) < 0)
        problem(ld, s->name, path, "out of memory");
    if (keys)
        load_api_keys(ld, s->name, path, keys, acct);
out:
    json_object_put(o);
}

/* Adds the TWILIO_* credentials; sets the default account. */
static void
load_env(struct loader *ld, const struct fixtures_env *env)
{
    struct fixtures *fx = ld->fx;
    const char *sid = env->account_sid;
    int acct;

    ld->default_acct = fx->accts.n_accounts ? 0 : -1;
    if (sid == NULL || *sid == '\0') {
        if ((env->auth_token && *env->auth_token) ||
            (env->api_key && *env->api_key))
            problem(ld, "environment", "TWILIO_ACCOUNT_SID",
                    "must be set when TWILIO_AUTH_TOKEN or TWILIO_API_KEY is");
        return;
    }
    if (!util_is_sid(sid, strlen(sid), "AC")) {
        problem(ld, "environment", "TWILIO_ACCOUNT_SID",
                "expected \"AC\" and 32 hex digits, got %s",
                quote(ld, sid, strlen(sid)));
        return;
    }
    acct = accounts_find(&fx->accts, sid);
    if (acct < 0 && (acct = accounts_add(&fx->accts, sid, true)) < 0)
        return;
    ld->default_acct = acct;
    /*
     * The fixtures' limit on secrets (a longer one could never log in); the
     * secret is added all the same, so that the account does not also get
     * a "no credentials" problem.
     */
    if (env->auth_token && strlen(env->auth_token) > FIXTURES_MAX_SECRET)
        problem(ld, "environment", "TWILIO_AUTH_TOKEN",
                "expected 1 to %d bytes, got %zu", FIXTURES_MAX_SECRET,
                strlen(env->auth_token));
    if (env->auth_token && *env->auth_token &&
        accounts_add_cred(&fx->accts, sid, env->auth_token, strlen(env->auth_token), acct) < 0)
        problem(ld, "environment", "TWILIO_AUTH_TOKEN", "out of memory");
    if (env->api_key && *env->api_key) {
        const char *secret = env->api_secret ? env->api_secret : "";
        if (!util_is_sid(env->api_key, strlen(env->api_key), "SK"))
            problem(ld, "environment", "TWILIO_API_KEY",
                    "expected \"SK\" and 32 hex digits, got %s",
                    quote(ld, env->api_key, strlen(env->api_key)));
        else if (*secret == '\0')
            problem(ld, "environment", "TWILIO_API_SECRET",
                    "must be set when TWILIO_API_KEY is");
        else if (accounts_find_cred(&fx->accts, env->api_key))
            problem(ld, "environment", "TWILIO_API_KEY",
                    "API key %s is already defined in a fixture",
                    quote(ld, env->api_key, 34));
        else {
            if (strlen(secret) > FIXTURES_MAX_SECRET)
                problem(ld, "environment", "TWILIO_API_SECRET",
                        "expected 1 to %d bytes, got %zu",
                        FIXTURES_MAX_SECRET, strlen(secret));
            if (accounts_add_cred(&fx->accts, env->api_key, secret, strlen(secret), acct) < 0)
                problem(ld, "environment", "TWILIO_API_KEY", "out of memory");
        }
    }
}

/* ---- assistants ---- */

static void
str_of(json_object *v, struct render_str *out)
{
    out->s = json_object_get_string(v);
    out->n = (size_t)json_object_get_string_len(v);
}

/*
 * json-c cuts object keys at a NUL byte, so a key with \u0000 would come
 * back changed: find one in the raw text (rare: only looked for when the
 * escape occurs at all). Returns the object depth of the first such key
 * (1: the assistant's own keys), or 0.
 */
static int
has_nul_key(const struct source *s, size_t start, size_t end)
{
    size_t i = start;
    int depth = 0;

    if (memmem(s->data + start, end - start, "\\u0000", 6) == NULL)
        return 0;
    while (i < end) {
        char c = s->data[i];
        size_t from = i, j;
        bool nul = false;

        if (c == '{' || c == '[')
            depth++;
        else if (c == '}' || c == ']')
            depth--;
        if (c != '"') {
            i++;
            continue;
        }
        if (skip_string(s, &i) < 0 || i > end)
            return 0;
        for (j = from + 1; j + 6 <= i; j++) {
            if (s->data[j] == '\\') {
                if (memcmp(s->data + j, "\\u0000", 6) == 0)
                    nul = true;
                j++;
            }
        }
        if (nul) {
            size_t k = i;
            skip_ws(s, &k);
            if (k < end && s->data[k] == ':')
                return depth;
        }
    }
    return 0;
}

/* The section being loaded (fixtures are loaded by one thread). */
static _Thread_local enum section cur_section;

/* Formats "<section>[i]" or "<section>[i].field" into b (for messages). */
static const char *
apath(char *b, size_t cap, size_t index, const char *field)
{
    const char *sec = section_keys[cur_section];
    char num[24];
    size_t sl = strlen(sec), fl = field ? strlen(field) : 0, nl = 0, o;

    /* By hand: made for every field of every record, most never shown. */
    do {
        num[sizeof(num) - 1 - nl++] = (char)('0' + index % 10);
        index /= 10;
    } while (index);
    if (sl + nl + fl + 4 > cap) {
        /* Cut as snprintf cuts (never with the sections' short names). */
        if (field)
            snprintf(b, cap, "%s[%.*s].%s", sec, (int)nl,
                     num + sizeof(num) - nl, field);
        else
            snprintf(b, cap, "%s[%.*s]", sec, (int)nl,
                     num + sizeof(num) - nl);
        return b;
    }
    memcpy(b, sec, sl);
    o = sl;
    b[o++] = '[';
    memcpy(b + o, num + sizeof(num) - nl, nl);
    o += nl;
    b[o++] = ']';
    if (field) {
        b[o++] = '.';
        memcpy(b + o, field, fl);
        o += fl;
    }
    b[o] = '\0';
    return b;
}

static bool
check_sid_fast(struct loader *ld, const char *file, size_t index,
               json_object *v)
{
    char p[64];

    if (json_object_is_type(v, json_type_string) &&
        util_is_sid(json_object_get_string(v),
                    (size_t)json_object_get_string_len(v), "AC"))
        return true;
    return check_sid(ld, file, apath(p, sizeof(p), index, "account_sid"), v,
                     "AC");
}

/* The resource of the section being loaded. */
#define R (section_res[cur_section])
/* Most fields a resource has. */
#define FIXTURES_MAX_FIELDS 16

/* The value of field name among f (as check_fields filled it). */
static json_object *
field_value(const struct resource *r, json_object **f, const char *name)
{
    const struct field *fd = resource_field(r, name);

    return fd ? f[fd - r->fields] : NULL;
}

/*
 * Checks record o (an object) against r's fields, as a fixture: every
 * rendered field is required unless FIELD_OPTIONAL, unknown keys are
 * errors, each value must have its field's kind. f[i] gets field i's value
 * (NULL when absent or a null url); *created the date_created. Reports
 * every problem; returns true when there was none.
 */
static bool
check_fields(struct loader *ld, const char *file, size_t index,
             const struct resource *r, json_object *o, json_object **f,
             int64_t *created)
{
    char path[64], fpath[96];
    bool ok = true;
    size_t i;

    json_object_object_foreach(o, key, val) {
        const struct field *fd = resource_field(r, key);
        if (fd == NULL || (fd->flags & FIELD_WRITE_ONLY)) {
            problem(ld, file, apath(path, sizeof(path), index, NULL),
                    "unknown key %s", quote(ld, key, strlen(key)));
            ok = false;
            continue;
        }
        f[fd - r->fields] = val;
    }
    for (i = 0; i < r->n_fields; i++) {
        const struct field *fd = &r->fields[i];
        json_object *v = f[i];
        const char *fp = apath(fpath, sizeof(fpath), index, fd->name);
        struct render_str str;
        int64_t date;

        if (fd->flags & FIELD_WRITE_ONLY)
            continue;
        if (v == NULL || (fd->kind == FIELD_URL &&
                          json_object_is_type(v, json_type_null))) {
            f[i] = NULL;
            if (!(fd->flags & FIELD_OPTIONAL)) {
                problem(ld, file, apath(path, sizeof(path), index, NULL),
                        "missing required field \"%s\"", fd->name);
                ok = false;
            }
            continue;
        }
        if (fd->kind == FIELD_ACCOUNT) {
            ok = check_sid_fast(ld, file, index, v) && ok;
            continue;
        }
        if (fd->kind == FIELD_ANY)
            continue;
        if (fd->kind == FIELD_NUMBER) {
            if (!json_object_is_type(v, json_type_int) &&
                !json_object_is_type(v, json_type_double) &&
                !json_object_is_type(v, json_type_null)) {
                problem(ld, file, fp, "expected a number or null, got %s",
                        type_name(v));
                ok = false;
            }
            continue;
        }
        if ((fd->flags & FIELD_OPTIONAL) &&
            json_object_is_type(v, json_type_null)) {
            f[i] = NULL; /* an optional field given as null */
            continue;
        }
        if (fd->kind == FIELD_OBJECT || fd->kind == FIELD_BOOL) {
            json_type want = fd->kind == FIELD_OBJECT ? json_type_object
                                                      : json_type_boolean;
            if (!json_object_is_type(v, want)) {
                problem(ld, file, fp, "expected %s, got %s",
                        fd->kind == FIELD_OBJECT ? "an object" : "a boolean",
                        type_name(v));
                ok = false;
            }
            continue;
        }
        if (!json_object_is_type(v, json_type_string)) {
            problem(ld, file, fp, "expected a string, got %s", type_name(v));
            ok = false;
            continue;
        }
        str_of(v, &str);
        if (!render_utf8_valid(str.s, str.n)) {
            problem(ld, file, fp, "invalid UTF-8 in string");
            ok = false;
        }
        if (str.n > FIXTURES_MAX_STRING) {
            problem(ld, file, fp, "expected at most %d bytes, got %zu",
                    FIXTURES_MAX_STRING, str.n);
            ok = false;
        }
        if (fd->kind == FIELD_ID) {
            size_t pn = strlen(r->id_prefix);
            if (str.n <= pn || memcmp(str.s, r->id_prefix, pn) != 0 ||
                memchr(str.s, '\n', str.n)) {
                problem(ld, file, fp,
                        "expected \"%s\" followed by at least one "
                        "character, got %s",
                        r->id_prefix, quote(ld, str.s, str.n));
                ok = false;
            } else if (str.n > FIXTURES_MAX_ID) {
                problem(ld, file, fp, "expected at most %d bytes, got %zu",
                        FIXTURES_MAX_ID, str.n);
                ok = false;
            }
        } else if (fd->kind == FIELD_DATE) {
            if (util_parse_date(str.s, str.n, &date) < 0) {
                problem(ld, file, fp,
                        "expected a UTC date like \"2025-01-02T03:04:05Z\", "
                        "got %s",
                        quote(ld, str.s, str.n));
                ok = false;
            } else if (strcmp(fd->name, "date_created") == 0) {
                *created = date;
            }
        }
    }
    return ok;
}

/* The store id of an exisiting row of table t in account acct: true. */
static bool
row_exists(struct loader *ld, enum store_table t, int acct, const char *id)
{
    return store_txn_get(ld->store, t, acct, id, strlen(id), NULL, NULL) ==
           0;
}

/*
 * Checks that the string member key of o names a row of table t in the
 * record's account; reports it otherwise.
 */
static bool
check_ref(struct loader *ld, const char *file, size_t index, json_object *o,
          const char *key, enum store_table t, const char *what, int acct)
{
    char fpath[96];
    json_object *v = NULL;

    json_object_object_get_ex(o, key, &v);
    if (v == NULL || !store_is_new(ld->store) ||
        row_exists(ld, t, acct, json_object_get_string(v)))
        return true;
    problem(ld, file, apath(fpath, sizeof(fpath), index, key),
            "no %s %s in this account", what,
            quote(ld, json_object_get_string(v),
                  (size_t)json_object_get_string_len(v)));
    return false;
}

struct session_of {
    char session[1100];
};

static int
on_message_row(void *arg, const struct store_row *row)
{
    struct session_of *m = arg;
    json_object *rec = NULL, *secret = NULL, *v = NULL;

    if (resource_parse_row(row, &rec, &secret) == 0 &&
        json_object_object_get_ex(rec, "session_id", &v))
        snprintf(m->session, sizeof(m->session), "%s",
                 json_object_get_string(v));
    json_object_put(rec);
    json_object_put(secret);
    return 0;
}

/* A feedback's message must be a message of the feedback's session. */
static bool
check_message_session(struct loader *ld, const char *file, size_t index,
                      json_object *o, int acct)
{
    json_object *mid = NULL, *sid = NULL;
    struct session_of m = {""};
    char fpath[96];
    const char *id;

    json_object_object_get_ex(o, "message_id", &mid);
    json_object_object_get_ex(o, "session_id", &sid);
    if (mid == NULL || sid == NULL || !store_is_new(ld->store))
        return true;
    id = json_object_get_string(mid);
    store_txn_get(ld->store, STORE_MESSAGES, acct, id, strlen(id),
                  on_message_row, &m);
    if (strcmp(m.session, json_object_get_string(sid)) == 0)
        return true;
    problem(ld, file, apath(fpath, sizeof(fpath), index, "message_id"),
            "message %s is not in session %s",
            quote(ld, id, strlen(id)),
            quote(ld, json_object_get_string(sid),
                  (size_t)json_object_get_string_len(sid)));
    return false;
}

/*
 * The values the API itself would refuse: a tool's type, a knowledge
 * source's type and status, a message's role, a feedback's score.
 */
static bool
check_values(struct loader *ld, const char *file, size_t index,
             json_object *o)
{
    static const char *const know_types[] = {"Web", "Database", "Text",
                                             "File", NULL};
    static const char *const statuses[] = {"QUEUED", "PROCESSING",
                                           "COMPLETED", "FAILED", NULL};
    static const char *const tool_types[] = {"WEBHOOK", NULL};
    static const char *const roles[] = {"user", "assistant", "tool",
                                        "knowledge", "system", NULL};
    const struct {
        enum section sec;
        const char *key;
        const char *const *ok;
    } rules[] = {
        {SEC_TOOLS, "type", tool_types},
        {SEC_KNOWLEDGE, "type", know_types},
        {SEC_KNOWLEDGE, "status", statuses},
        {SEC_MESSAGES, "role", roles},
    };
    char fpath[96];
    bool good = true;
    size_t i, k;

    for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
        json_object *v = NULL;
        const char *s;
        bool found = false;
        if (rules[i].sec != cur_section ||
            !json_object_object_get_ex(o, rules[i].key, &v) ||
            !json_object_is_type(v, json_type_string))
            continue;
        s = json_object_get_string(v);
        for (k = 0; rules[i].ok[k]; k++)
            found = found || strcmp(s, rules[i].ok[k]) == 0;
        if (!found) {
            problem(ld, file, apath(fpath, sizeof(fpath), index, rules[i].key),
                    "unexpected value %s", quote(ld, s, strlen(s)));
            good = false;
        }
    }
    if (cur_section == SEC_FEEDBACKS) {
        json_object *v = NULL;
        if (json_object_object_get_ex(o, "score", &v) && v &&
            (json_object_get_double(v) < 0 || json_object_get_double(v) > 1)) {
            problem(ld, file, apath(fpath, sizeof(fpath), index, "score"),
                    "expected a number from 0 to 1");
            good = false;
        }
    }
    return good;
}

/* The references a record of the current section makes. */
static bool
check_refs(struct loader *ld, const char *file, size_t index, json_object *o,
           int acct)
{
    switch (cur_section) {
    case SEC_SESSIONS:
        return check_ref(ld, file, index, o, "assistant_id", STORE_ASSISTANTS,
                         "assistant", acct);
    case SEC_MESSAGES:
        return check_ref(ld, file, index, o, "assistant_id",
                         STORE_ASSISTANTS, "assistant", acct) &
               check_ref(ld, file, index, o, "session_id", STORE_SESSIONS,
                         "session", acct);
    case SEC_FEEDBACKS:
        return check_ref(ld, file, index, o, "assistant_id",
                         STORE_ASSISTANTS, "assistant", acct) &
               check_ref(ld, file, index, o, "session_id", STORE_SESSIONS,
                         "session", acct) &&
               check_ref(ld, file, index, o, "message_id", STORE_MESSAGES,
                         "message", acct) &&
               check_message_session(ld, file, index, o, acct);
    default:
        return true;
    }
}

/* Private fields a seeded record starts with, as JSON, or NULL. */
static const char *
seed_secret(struct loader *ld, json_object *last, char *buf, size_t cap)
{
    if (cur_section != SEC_KNOWLEDGE)
        return NULL;
    snprintf(buf, cap, "{\"polls\":0,\"since_ms\":%lld,\"last_status\":%s}",
             (long long)ld->now_ms,
             last && json_object_is_type(last, json_type_string)
                 ? json_object_to_json_string(last)
                 : "null");
    return buf;
}

/* The parent column of a seeded record: a message's session, ... */
static const char *
seed_parent(json_object *o)
{
    json_object *v = NULL;

    if (cur_section == SEC_MESSAGES)
        json_object_object_get_ex(o, "session_id", &v);
    else if (cur_section == SEC_FEEDBACKS)
        json_object_object_get_ex(o, "assistant_id", &v);
    return v ? json_object_get_string(v) : NULL;
}

/*
 * Reports what storing a record gave (rc of store_insert_item, and where
 * the first holder of a duplicate id came from), and counts it.
 */
static void
record_stored(struct loader *ld, struct source *s, size_t index, int acct,
              const struct render_str *id, int rc, int dup_file,
              int dup_index)
{
    char path[64], fpath[96];

    if (rc == 1) {
        problem(ld, s->name, apath(fpath, sizeof(fpath), index, "id"),
                "duplicate id %s (first in %s: %s[%d])",
                quote(ld, id->s, id->n),
                dup_file >= 0 && (size_t)dup_file < ld->n_src
                    ? ld->src[dup_file].name
                    : "?",
                section_keys[cur_section], dup_index);
    } else if (rc < 0) {
        problem(ld, s->name, apath(path, sizeof(path), index, NULL),
                "cannot store %s", R->name);
    } else if (cur_section == SEC_ASSISTANTS) {
        ld->fx->accts.accounts[acct].n_assistants++;
        ld->fx->n_assistants++;
    }
    ld->fx->n_records++;
}

/*
 * Stores the record rendered in pre and post (of account acct, with its
 * id, parent and private fields) and reports it (record_stored).
 */
static void
insert_record(struct loader *ld, struct source *s, size_t index, int acct,
              int64_t created, const struct render_str *id,
              const char *parent, const char *secret)
{
    struct store_item it;
    int dup_file = 0, dup_index = 0, rc;

    memset(&it, 0, sizeof(it));
    it.created = created;
    it.id = id->s;
    it.id_len = id->n;
    it.parent = parent;
    it.pre = ld->pre.data;
    it.pre_len = ld->pre.len;
    it.post = ld->post.len ? ld->post.data : NULL;
    it.post_len = ld->post.len;
    it.secret = secret;
    it.secret_len = secret ? strlen(secret) : 0;
    rc = store_insert_item(ld->store, R->table,
                           ld->fx->accts.accounts[acct].store_id, &it,
                           (int)(s - ld->src), (int)index, &dup_file,
                           &dup_index);
    record_stored(ld, s, index, acct, id, rc, dup_file, dup_index);
}

static void
load_record(struct loader *ld, struct source *s, size_t index, size_t start,
            size_t end)
{
    json_object *o, *f[FIXTURES_MAX_FIELDS] = {0}, *v, *last = NULL;
    struct render_str id;
    char path[64], fpath[96], secret[160];
#define P apath(path, sizeof(path), index, NULL)
#define FP(field) apath(fpath, sizeof(fpath), index, (field))
    int64_t created = 0;
    int acct = ld->default_acct, i;
    bool ok = true;
    size_t k;

    if (s->data[start] != '{') {
        o = NULL;
        if (parse_span(ld, s, start, end, &o) == 0)
            problem(ld, s->name, P, "expected an object, got %s",
                    type_name(o));
        json_object_put(o);
        return;
    }
    /* Before parsing, which refuses such a key without a JSON path. */
    if ((i = has_nul_key(s, start, end)) > 0) {
        problem(ld, s->name, i == 1 ? P : FP(cur_section == SEC_ASSISTANTS
                                                 ? "customer_ai"
                                                 : "object"),
                "object keys may not contain NUL (\\u0000): it would be "
                "lost");
        return;
    }
    o = NULL;
    if (parse_span(ld, s, start, end, &o) < 0)
        return;
    if (cur_section == SEC_KNOWLEDGE &&
        json_object_object_get_ex(o, "last_status", &last)) {
        /* The processing state a fixture may give beside the record. */
        json_object_get(last);
        json_object_object_del(o, "last_status");
        if (last && !json_object_is_type(last, json_type_string)) {
            problem(ld, s->name, FP("last_status"),
                    "expected a string or null, got %s", type_name(last));
            ok = false;
        }
    }
    if (!check_fields(ld, s->name, index, R, o, f, &created))
        ok = false;
    if (field_value(R, f, "account_sid") && ok) {
        acct = accounts_find(&ld->fx->accts, json_object_get_string(field_value(R, f, "account_sid")));
        if (acct < 0) {
            problem(ld, s->name, FP("account_sid"),
                    "account %s has no credentials: add it to \"accounts\" "
                    "or set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN",
                    quote(ld, json_object_get_string(field_value(R, f, "account_sid")), 34));
            ok = false;
        }
    } else if (ok && acct < 0) {
        problem(ld, s->name, P,
                "no \"account_sid\" and no default account: add \"accounts\" "
                "or set TWILIO_ACCOUNT_SID");
        ok = false;
    }
    if (!ok)
        goto out;
    for (k = 0; k < R->n_fields; k++) {
        const char *json;
        if (R->fields[k].kind != FIELD_OBJECT || f[k] == NULL)
            continue;
        json = json_object_to_json_string_ext(
            f[k], JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        if (!render_utf8_valid(json, strlen(json))) {
            problem(ld, s->name, FP(R->fields[k].name),
                    "invalid UTF-8 in string");
            goto out;
        }
    }
    if (!check_values(ld, s->name, index, o) ||
        !check_refs(ld, s->name, index, o,
                    ld->fx->accts.accounts[acct].store_id))
        goto out;
    if (field_value(R, f, "account_sid") == NULL) {
        json_object *sid = json_object_new_string_len(
            ld->fx->accts.accounts[acct].sid, 34);
        if (sid == NULL || json_object_object_add(o, "account_sid", sid)) {
            json_object_put(sid);
            problem(ld, s->name, P, "out of memory");
            goto out;
        }
    }
    v = field_value(R, f, "id");
    str_of(v, &id);
    buf_reset(&ld->pre);
    buf_reset(&ld->post);
    resource_render(R, o, &ld->pre, &ld->post);
    if (buf_failed(&ld->pre) || buf_failed(&ld->post)) {
        problem(ld, s->name, P, "out of memory");
        goto out;
    }
    insert_record(ld, s, index, acct, created, &id, seed_parent(o),
                  seed_secret(ld, last, secret, sizeof(secret)));
out:
    json_object_put(o);
    json_object_put(last);
#undef P
#undef FP
}

/* ---- the insert thread ---- */

/*
 * With two or more CPUs, the rows the fast path renders are stored by a
 * second thread, so that SQLite's inserts (about half of a load) overlap
 * the reading and rendering of the next rows. The rows go through a ring,
 * in order, and come back in order with what the insert gave; the loader
 * reports those results (a duplicate id) and counts the rows. The main
 * thread never touches the store while the insert thread has rows: any
 * other record, any problem and the end of a section drain the ring first
 * (pipe_drain), so every message and row comes in the order of a load
 * without the thread.
 */

#define PIPE_SLOTS 512 /* rows in flight, at most */
#define PIPE_BATCH STORE_SEED_BATCH /* rows handed over at a time */

struct pipe_row {
    struct buf pre, post, id; /* owned, kept from row to row */
    int64_t created;
    int acct;       /* the loader's account index */
    int store_acct; /* its store number */
    struct source *src;
    int src_file; /* its index in the loader's sources */
    size_t index;
    int rc, dup_file, dup_index; /* set by the insert thread */
};

struct pipe {
    pthread_t thread;
    pthread_mutex_t m;
    pthread_cond_t work; /* rows published, or stop */
    pthread_cond_t done; /* rows stored */
    struct store *store;
    enum store_table table;
    /* Row counts since the start (slot = count % PIPE_SLOTS). */
    size_t filled;    /* by the loader */
    size_t published; /* handed to the insert thread (under m) */
    size_t stored;    /* by the insert thread (under m) */
    size_t reported;  /* results taken by the loader */
    bool stop;        /* under m */
    bool draining;
    bool threaded;    /* else pipe_publish stores the rows itself */
    struct pipe_row rows[PIPE_SLOTS];
    struct store_seed seeds[PIPE_SLOTS]; /* pipe_insert's */
};

/* -1: as the CPUs allow, 0: never, 1: always (fixtures_set_pipeline). */
static int pipe_mode = -1;

void
fixtures_set_pipeline(int mode)
{
    pipe_mode = mode;
}

/* Stores rows [from, to) of the ring, in order, noting what each gave. */
static void
pipe_insert(struct pipe *p, size_t from, size_t to)
{
    struct store_seed *seed = p->seeds;
    size_t i, n = to - from;

    for (i = 0; i < n; i++) {
        struct pipe_row *r = &p->rows[(from + i) % PIPE_SLOTS];

        memset(&seed[i], 0, sizeof(seed[i]));
        seed[i].acct = r->store_acct;
        seed[i].item.created = r->created;
        seed[i].item.id = r->id.data;
        seed[i].item.id_len = r->id.len;
        seed[i].item.pre = r->pre.data;
        seed[i].item.pre_len = r->pre.len;
        seed[i].item.post = r->post.len ? r->post.data : NULL;
        seed[i].item.post_len = r->post.len;
        seed[i].src_file = r->src_file;
        seed[i].src_index = (int)r->index;
    }
    store_insert_many(p->store, p->table, seed, n);
    for (i = 0; i < n; i++) {
        struct pipe_row *r = &p->rows[(from + i) % PIPE_SLOTS];

        r->rc = seed[i].rc;
        r->dup_file = seed[i].dup_file;
        r->dup_index = seed[i].dup_index;
    }
}

static void *
pipe_main(void *arg)
{
    struct pipe *p = arg;
    size_t from, to;

    pthread_mutex_lock(&p->m);
    for (;;) {
        while (p->stored == p->published && !p->stop)
            pthread_cond_wait(&p->work, &p->m);
        if (p->stored == p->published)
            break;
        from = p->stored;
        to = p->published;
        pthread_mutex_unlock(&p->m);
        pipe_insert(p, from, to);
        pthread_mutex_lock(&p->m);
        p->stored = to;
        pthread_cond_signal(&p->done);
    }
    pthread_mutex_unlock(&p->m);
    return NULL;
}

/* Hands the filled rows to the insert thread (or stores them now). */
static void
pipe_publish(struct pipe *p)
{
    if (!p->threaded) {
        pipe_insert(p, p->stored, p->filled);
        p->published = p->stored = p->filled;
        return;
    }
    pthread_mutex_lock(&p->m);
    p->published = p->filled;
    pthread_cond_signal(&p->work);
    pthread_mutex_unlock(&p->m);
}

/* Waits until the insert thread has stored at least upto rows. */
static void
pipe_wait(struct pipe *p, size_t upto)
{
    if (!p->threaded)
        return; /* pipe_publish stored them */
    pthread_mutex_lock(&p->m);
    while (p->stored < upto)
        pthread_cond_wait(&p->done, &p->m);
    pthread_mutex_unlock(&p->m);
}

/* Reports the rows stored so far that are not reported yet, in order. */
static void
pipe_report(struct loader *ld, size_t upto)
{
    struct pipe *p = ld->pipe;

    p->draining = true; /* problem() must not drain from here */
    while (p->reported < upto) {
        struct pipe_row *r = &p->rows[p->reported % PIPE_SLOTS];
        struct render_str id = {r->id.data, r->id.len};

        record_stored(ld, r->src, r->index, r->acct, &id, r->rc, r->dup_file,
                      r->dup_index);
        p->reported++;
    }
    p->draining = false;
}

/*
 * Stores and reports every row handed over so far: afterwards the store
 * is the loader's again, and its messages are up to date.
 */
static void
pipe_drain(struct loader *ld)
{
    struct pipe *p = ld->pipe;

    if (p == NULL || p->draining || p->reported == p->filled)
        return;
    pipe_publish(p);
    pipe_wait(p, p->filled);
    pipe_report(ld, p->filled);
}

/* The next free row of the ring (reporting stored rows to make room). */
static struct pipe_row *
pipe_next(struct loader *ld)
{
    struct pipe *p = ld->pipe;
    struct pipe_row *r;

    if (p->filled - p->reported == PIPE_SLOTS) {
        pipe_publish(p);
        pipe_wait(p, p->reported + PIPE_BATCH);
        pipe_report(ld, p->reported + PIPE_BATCH);
    }
    r = &p->rows[p->filled % PIPE_SLOTS];
    buf_reset(&r->pre);
    buf_reset(&r->post);
    buf_reset(&r->id);
    return r;
}

/* The row from pipe_next is filled: hands it over with its batch. */
static void
pipe_push(struct loader *ld)
{
    struct pipe *p = ld->pipe;

    if (++p->filled - p->published >= PIPE_BATCH)
        pipe_publish(p);
}

/* Whether to store from a second thread: with two CPUs to run on. */
static bool
pipe_threaded(void)
{
    cpu_set_t set;

    if (pipe_mode >= 0)
        return pipe_mode > 0;
    return sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 1;
}

/*
 * Starts the ring for table t, and its insert thread when wanted; without
 * a ring (a reused store: nothing is inserted) rows go inline.
 */
static void
pipe_start(struct loader *ld, enum store_table t)
{
    struct pipe *p;
    sigset_t all, old;
    size_t i;
    int rc;

    if (!store_is_new(ld->store) || (p = calloc(1, sizeof(*p))) == NULL)
        return;
    for (i = 0; i < PIPE_SLOTS; i++) {
        buf_init(&p->rows[i].pre);
        buf_init(&p->rows[i].post);
        buf_init(&p->rows[i].id);
    }
    p->store = ld->store;
    p->table = t;
    ld->pipe = p;
    if (!pipe_threaded())
        return;
    pthread_mutex_init(&p->m, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->done, NULL);
    /* Signals stay with the main thread (main.c's start-up handler). */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = pthread_create(&p->thread, NULL, pipe_main, p);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        pthread_mutex_destroy(&p->m);
        pthread_cond_destroy(&p->work);
        pthread_cond_destroy(&p->done);
        return; /* inline, then */
    }
    p->threaded = true;
}

/* Drains the ring and ends the insert thread. */
static void
pipe_stop(struct loader *ld)
{
    struct pipe *p = ld->pipe;
    size_t i;

    if (p == NULL)
        return;
    pipe_drain(ld);
    if (p->threaded) {
        pthread_mutex_lock(&p->m);
        p->stop = true;
        pthread_cond_signal(&p->work);
        pthread_mutex_unlock(&p->m);
        pthread_join(p->thread, NULL);
        pthread_mutex_destroy(&p->m);
        pthread_cond_destroy(&p->work);
        pthread_cond_destroy(&p->done);
    }
    ld->pipe = NULL;
    for (i = 0; i < PIPE_SLOTS; i++) {
        buf_release(&p->rows[i].pre);
        buf_release(&p->rows[i].post);
        buf_release(&p->rows[i].id);
    }
    free(p);
}

/* ---- the fast path ---- */

/*
 * Nearly every record of a large file is plain: keys the resource knows,
 * each once, values of the right kind, strings without escapes, objects as
 * json-c would write them. fast_record reads such a record straight from
 * the source, checks it as check_fields and load_record would, and renders
 * it from its bytes (resource_render_texts), without json-c. At the first
 * thing it cannot vouch for, it gives up before any side effect, and
 * load_record does the record instead: every problem is found and
 * reported by load_record alone, so messages and their order cannot
 * differ. fuzz/fuzz_fixtures_fast.c checks that both paths give the same
 * rows and the same messages.
 */

static bool fast_path_on = true;

void
fixtures_set_fast_path(bool on)
{
    fast_path_on = on;
}

#define FAST_ESC 1u  /* a string holds an escape */
#define FAST_HIGH 2u /* a string holds bytes from 0x80 */
/* Nesting and keys of an object field the fast path takes, at most. */
#define FAST_MAX_DEPTH 8
#define FAST_MAX_KEYS 16


/*
 * The closing quote of the string whose first byte (after the opening
 * quote) is at p, noting escapes and high bytes in *flags; NULL at a
 * control character or the end.
 */
static const char *
fast_string(const char *p, const char *end, unsigned *flags)
{
    for (;;) {
        p += render_plain_len(p, (size_t)(end - p));
        if (p >= end)
            return NULL;
        if (*p == '"')
            return p;
        if (*p == '\\') {
            *flags |= FAST_ESC;
            if (end - p < 2)
                return NULL;
            p += 2;
        } else if ((unsigned char)*p < 0x20) {
            return NULL;
        } else {
            *flags |= FAST_HIGH;
            p++;
        }
    }
}

/* The end of literal word at p, or NULL. */
static const char *
fast_literal(const char *p, const char *end, const char *word, size_t n)
{
    return (size_t)(end - p) >= n && memcmp(p, word, n) == 0 ? p + n : NULL;
}

/*
 * The end of the JSON value at p if it is written exactly as json-c
 * serialises what body_parse makes of it (JSON_FLAGS: no whitespace, no
 * escapes, keys unique, and, to keep it short, no numbers), else NULL.
 */
static const char *
fast_canonical(const char *p, const char *end, int depth)
{
    struct render_str keys[FAST_MAX_KEYS];
    size_t n = 0, k;
    unsigned fl = 0;
    const char *q;

    if (p >= end)
        return NULL;
    switch (*p) {
    case '"':
        q = fast_string(p + 1, end, &fl);
        if (q == NULL || (fl & FAST_ESC) ||
            ((fl & FAST_HIGH) &&
             !render_utf8_valid(p + 1, (size_t)(q - p - 1))))
            return NULL;
        return q + 1;
    case 't':
        return fast_literal(p, end, "true", 4);
    case 'f':
        return fast_literal(p, end, "false", 5);
    case 'n':
        return fast_literal(p, end, "null", 4);
    case '[':
        if (depth >= FAST_MAX_DEPTH)
            return NULL;
        if (++p < end && *p == ']')
            return p + 1;
        for (;;) {
            if ((p = fast_canonical(p, end, depth + 1)) == NULL || p >= end)
                return NULL;
            if (*p == ']')
                return p + 1;
            if (*p++ != ',')
                return NULL;
        }
    case '{':
        if (depth >= FAST_MAX_DEPTH)
            return NULL;
        if (++p < end && *p == '}')
            return p + 1;
        for (;;) {
            if (p >= end || *p != '"' || n == FAST_MAX_KEYS)
                return NULL;
            fl = 0;
            q = fast_string(p + 1, end, &fl);
            if (q == NULL || fl)
                return NULL;
            keys[n].s = p + 1;
            keys[n].n = (size_t)(q - p - 1);
            for (k = 0; k < n; k++)
                if (keys[k].n == keys[n].n &&
                    memcmp(keys[k].s, keys[n].s, keys[n].n) == 0)
                    return NULL;
            n++;
            p = q + 1;
            if (p >= end || *p++ != ':')
                return NULL;
            if ((p = fast_canonical(p, end, depth + 1)) == NULL || p >= end)
                return NULL;
            if (*p == '}')
                return p + 1;
            if (*p++ != ',')
                return NULL;
        }
    default:
        return NULL;
    }
}

/*
 * The string value at p ('"') of field fd: its text for rendering in *val
 * (an escaped one decoded by body_parse, as load_record has it, and
 * rendered into ld->esc at *esc_off), its decoded bytes in *raw (NULL when
 * escaped). Returns the end of the value, or NULL to give up.
 */
static const char *
fast_string_value(struct loader *ld, const struct field *fd, const char *p,
                  const char *end, struct render_str *val,
                  struct render_str *raw, size_t *esc_off)
{
    unsigned fl = 0;
    const char *q = fast_string(p + 1, end, &fl);
    size_t n;

    if (q == NULL)
        return NULL;
    n = (size_t)(q - p - 1);
    raw->s = NULL;
    if (fl & FAST_ESC) {
        json_object *v = NULL;
        bool ok;

        /* Rare: only free text may have them here. */
        if (fd->kind != FIELD_STRING ||
            body_parse_ex(p, (size_t)(q + 1 - p), &v, NULL) < 0)
            return NULL;
        ok = json_object_is_type(v, json_type_string) &&
             (size_t)json_object_get_string_len(v) <= FIXTURES_MAX_STRING;
        if (ok) {
            *esc_off = ld->esc.len;
            render_json_string(&ld->esc, json_object_get_string(v),
                               (size_t)json_object_get_string_len(v));
            val->n = ld->esc.len - *esc_off;
        }
        json_object_put(v);
        return ok && !buf_failed(&ld->esc) ? q + 1 : NULL;
    }
    if (((fl & FAST_HIGH) && !render_utf8_valid(p + 1, n)) ||
        n > FIXTURES_MAX_STRING)
        return NULL;
    val->s = p;
    val->n = n + 2;
    raw->s = p + 1;
    raw->n = n;
    return q + 1;
}

/*
 * load_record of a plain record at s->data[start..] (within end): returns
 * the offset just past it when it was taken (rendered, stored, counted),
 * or 0 to leave it to load_record, having done nothing.
 */
static size_t
fast_record(struct loader *ld, struct source *s, size_t index, size_t start,
            size_t end)
{
    const struct resource *r = R;
    struct render_str vals[FIXTURES_MAX_FIELDS], raw, id = {NULL, 0};
    struct pipe_row *row;
    size_t esc_off[FIXTURES_MAX_FIELDS], k, n, pn;
    const char *p = s->data + start, *e = s->data + end, *q;
    char sid[UTIL_SID_LEN + 1], sid_text[UTIL_SID_LEN + 3];
    unsigned seen = 0, escaped = 0;
    size_t nkeys = 0;
    int64_t created = 0, date;
    int acct, acct_field = -1;

    if (r->n_fields > FIXTURES_MAX_FIELDS || *p != '{')
        return 0;
    buf_reset(&ld->esc);
    memset(vals, 0, sizeof(vals));
    sid[0] = '\0';
    p = fast_ws(p + 1, e);
    for (;;) {
        const struct field *fd = NULL;
        unsigned fl = 0;

        if (p >= e || *p != '"')
            return 0;
        q = fast_string(p + 1, e, &fl);
        if (q == NULL || fl)
            return 0;
        n = (size_t)(q - p - 1);
        /* Records of a file tend to list their keys in one order. */
        k = nkeys < sizeof(ld->fast_hint) ? ld->fast_hint[nkeys] : 0;
        if (k >= r->n_fields || strncmp(r->fields[k].name, p + 1, n) != 0 ||
            r->fields[k].name[n] != '\0') {
            for (k = 0; k < r->n_fields; k++)
                if (strncmp(r->fields[k].name, p + 1, n) == 0 &&
                    r->fields[k].name[n] == '\0')
                    break;
            if (nkeys < sizeof(ld->fast_hint) && k < r->n_fields)
                ld->fast_hint[nkeys] = (unsigned char)k;
        }
        nkeys++;
        if (k < r->n_fields)
            fd = &r->fields[k];
        if (fd == NULL || (fd->flags & FIELD_WRITE_ONLY) ||
            (seen & (1u << k)))
            return 0;
        seen |= 1u << k;
        p = fast_ws(q + 1, e);
        if (p >= e || *p != ':')
            return 0;
        p = fast_ws(p + 1, e);
        if (p >= e)
            return 0;
        if (*p == 'n') {
            /* null: a derived url, or "null" for another optional field */
            if (!(fd->flags & FIELD_OPTIONAL) || fd->kind == FIELD_ACCOUNT ||
                fd->kind == FIELD_NUMBER || fd->kind == FIELD_ANY ||
                (p = fast_literal(p, e, "null", 4)) == NULL)
                return 0;
            goto next;
        }
        switch (fd->kind) {
        case FIELD_BOOL:
            q = *p == 't' ? fast_literal(p, e, "true", 4)
                          : fast_literal(p, e, "false", 5);
            break;
        case FIELD_OBJECT:
            q = *p == '{' ? fast_canonical(p, e, 0) : NULL;
            break;
        case FIELD_STRING:
        case FIELD_ID:
        case FIELD_DATE:
        case FIELD_ACCOUNT:
        case FIELD_URL:
            if (*p != '"' || (q = fast_string_value(ld, fd, p, e, &vals[k],
                                                    &raw, &esc_off[k])) ==
                                 NULL)
                return 0;
            if (raw.s == NULL) {
                escaped |= 1u << k;
                p = q;
                goto next;
            }
            if (fd->kind == FIELD_ID) {
                pn = strlen(r->id_prefix);
                if (raw.n <= pn || raw.n > FIXTURES_MAX_ID ||
                    memcmp(raw.s, r->id_prefix, pn) != 0)
                    return 0;
                id = raw;
            } else if (fd->kind == FIELD_DATE) {
                if (util_parse_date(raw.s, raw.n, &date) < 0)
                    return 0;
                if (strcmp(fd->name, "date_created") == 0)
                    created = date;
            } else if (fd->kind == FIELD_ACCOUNT) {
                if (!util_is_sid(raw.s, raw.n, "AC"))
                    return 0;
                memcpy(sid, raw.s, UTIL_SID_LEN);
                sid[UTIL_SID_LEN] = '\0';
            }
            p = q;
            goto next;
        default:
            return 0; /* numbers and any value: load_record */
        }
        if (q == NULL)
            return 0;
        vals[k].s = p;
        vals[k].n = (size_t)(q - p);
        p = q;
next:
        p = fast_ws(p, e);
        if (p >= e)
            return 0;
        if (*p == '}')
            break;
        if (*p != ',')
            return 0;
        p = fast_ws(p + 1, e);
    }
    for (k = 0; k < r->n_fields; k++) {
        const struct field *fd = &r->fields[k];
        if (fd->flags & FIELD_WRITE_ONLY)
            continue;
        if (!(seen & (1u << k)) && !(fd->flags & FIELD_OPTIONAL))
            return 0; /* missing */
        if (fd->kind == FIELD_ACCOUNT)
            acct_field = (int)k;
        if (escaped & (1u << k))
            vals[k].s = ld->esc.data + esc_off[k];
    }
    if (id.s == NULL || acct_field < 0)
        return 0;
    acct = sid[0] ? accounts_find(&ld->fx->accts, sid) : ld->default_acct;
    if (acct < 0)
        return 0;
    if (sid[0] == '\0') {
        /* load_record adds the account's sid */
        sid_text[0] = '"';
        memcpy(sid_text + 1, ld->fx->accts.accounts[acct].sid, UTIL_SID_LEN);
        sid_text[UTIL_SID_LEN + 1] = '"';
        vals[acct_field].s = sid_text;
        vals[acct_field].n = UTIL_SID_LEN + 2;
    }
    if (ld->pipe == NULL) {
        buf_reset(&ld->pre);
        buf_reset(&ld->post);
        resource_render_texts(r, vals, id.s, id.n, &ld->pre, &ld->post);
        if (buf_failed(&ld->pre) || buf_failed(&ld->post))
            return 0;
        insert_record(ld, s, index, acct, created, &id, NULL, NULL);
        return (size_t)(p + 1 - s->data);
    }
    row = pipe_next(ld);
    resource_render_texts(r, vals, id.s, id.n, &row->pre, &row->post);
    buf_add(&row->id, id.s, id.n);
    if (buf_failed(&row->pre) || buf_failed(&row->post) ||
        buf_failed(&row->id))
        return 0; /* the row is not pushed: its slot is used again */
    row->created = created;
    row->acct = acct;
    row->store_acct = ld->fx->accts.accounts[acct].store_id;
    row->src = s;
    row->src_file = (int)(s - ld->src);
    row->index = index;
    pipe_push(ld);
    return (size_t)(p + 1 - s->data);
}

/*
 * A link record {"assistant_id", "tool_id" | "knowledge_id"} (attachments,
 * in attach order) or {"policy_id", "tool_id" | "knowledge_id"}
 * (policy_links), with an optional account_sid.
 */
static void
load_link(struct loader *ld, struct source *s, size_t index, size_t start,
          size_t end)
{
    const bool attach = cur_section == SEC_ATTACHMENTS;
    const char *owner_key = attach ? "assistant_id" : "policy_id";
    json_object *o = NULL, *owner = NULL, *tool = NULL, *know = NULL,
                *sidv = NULL;
    char path[64];
    int acct = ld->default_acct, store_acct;
    bool ok = true;

    if (parse_span(ld, s, start, end, &o) < 0)
        return;
    apath(path, sizeof(path), index, NULL);
    if (!json_object_is_type(o, json_type_object)) {
        problem(ld, s->name, path, "expected an object, got %s", type_name(o));
        goto out;
    }
    json_object_object_foreach(o, key, val) {
        if (strcmp(key, owner_key) == 0)
            owner = val;
        else if (strcmp(key, "tool_id") == 0)
            tool = val;
        else if (strcmp(key, "knowledge_id") == 0)
            know = val;
        else if (strcmp(key, "account_sid") == 0)
            sidv = val;
        else {
            problem(ld, s->name, path,
                    "unknown key %s: expected \"%s\", \"tool_id\" or "
                    "\"knowledge_id\"",
                    quote(ld, key, strlen(key)), owner_key);
            ok = false;
        }
    }
    if (owner == NULL || (tool == NULL) == (know == NULL)) {
        problem(ld, s->name, path,
                "expected \"%s\" and one of \"tool_id\" or \"knowledge_id\"",
                owner_key);
        goto out;
    }
    if (!json_object_is_type(owner, json_type_string) ||
        !json_object_is_type(tool ? tool : know, json_type_string) ||
        (sidv && !check_sid_fast(ld, s->name, index, sidv))) {
        problem(ld, s->name, path, "expected string ids");
        goto out;
    }
    if (sidv && (acct = accounts_find(&ld->fx->accts,
                                      json_object_get_string(sidv))) < 0) {
        problem(ld, s->name, path, "account %s has no credentials",
                quote(ld, json_object_get_string(sidv), 34));
        goto out;
    }
    if (!ok || acct < 0)
        goto out;
    store_acct = ld->fx->accts.accounts[acct].store_id;
    ok = check_ref(ld, s->name, index, o, owner_key,
                   attach ? STORE_ASSISTANTS : STORE_POLICIES,
                   attach ? "assistant" : "policy", store_acct) &
         check_ref(ld, s->name, index, o, tool ? "tool_id" : "knowledge_id",
                   tool ? STORE_TOOLS : STORE_KNOWLEDGE,
                   tool ? "tool" : "knowledge source", store_acct);
    if (!ok || !store_is_new(ld->store))
        goto out;
    if ((attach ? store_txn_attach(ld->store, store_acct,
                                   json_object_get_string(owner),
                                   tool ? STORE_TOOLS : STORE_KNOWLEDGE,
                                   json_object_get_string(tool ? tool : know))
                : store_txn_link_policy(
                      ld->store, store_acct,
                      json_object_get_string(tool ? tool : know),
                      json_object_get_string(owner))) < 0)
        problem(ld, s->name, path, "cannot store the link");
out:
    json_object_put(o);
}

/* A canned reply {"assistant_id"?, "match", "reply"}, first match wins. */
static void
load_reply(struct loader *ld, struct source *s, size_t index, size_t start,
           size_t end)
{
    json_object *o = NULL, *aid = NULL, *match = NULL, *reply = NULL;
    struct fixtures_reply *r;
    char path[64];
    bool ok = true;

    if (parse_span(ld, s, start, end, &o) < 0)
        return;
    apath(path, sizeof(path), index, NULL);
    if (!json_object_is_type(o, json_type_object)) {
        problem(ld, s->name, path, "expected an object, got %s", type_name(o));
        goto out;
    }
    json_object_object_foreach(o, key, val) {
        if (strcmp(key, "assistant_id") == 0)
            aid = val;
        else if (strcmp(key, "match") == 0)
            match = val;
        else if (strcmp(key, "reply") == 0)
            reply = val;
        else {
            problem(ld, s->name, path,
                    "unknown key %s: expected \"assistant_id\", \"match\" or "
                    "\"reply\"",
                    quote(ld, key, strlen(key)));
            ok = false;
        }
    }
    if (match == NULL || reply == NULL ||
        !json_object_is_type(match, json_type_string) ||
        !json_object_is_type(reply, json_type_string) ||
        (aid && !json_object_is_type(aid, json_type_string)) ||
        json_object_get_string_len(reply) > FIXTURES_MAX_REPLY) {
        problem(ld, s->name, path,
                "expected strings \"match\" and \"reply\" (at most %d bytes) "
                "and an optional \"assistant_id\"",
                FIXTURES_MAX_REPLY);
        goto out;
    }
    if (!ok)
        goto out;
    if (aid && store_is_new(ld->store)) {
        size_t a;
        bool found = false;
        for (a = 0; a < ld->fx->accts.n_accounts && !found; a++)
            found = row_exists(ld, STORE_ASSISTANTS,
                               ld->fx->accts.accounts[a].store_id,
                               json_object_get_string(aid));
        if (!found) {
            char fpath[96];
            problem(ld, s->name,
                    apath(fpath, sizeof(fpath), index, "assistant_id"),
                    "no assistant %s",
                    quote(ld, json_object_get_string(aid),
                          (size_t)json_object_get_string_len(aid)));
            goto out;
        }
    }
    r = realloc(ld->fx->replies,
                (ld->fx->n_replies + 1) * sizeof(*ld->fx->replies));
    if (r == NULL)
        goto out;
    ld->fx->replies = r;
    r += ld->fx->n_replies++;
    r->assistant_id = aid ? strdup(json_object_get_string(aid)) : NULL;
    r->match = strdup(json_object_get_string(match));
    r->reply = strdup(json_object_get_string(reply));
out:
    json_object_put(o);
}

/* ---- sources ---- */

static int
add_source(struct loader *ld, const char *name, const char *data, size_t len,
           bool mapped)
{
    struct source *s = realloc(ld->src, (ld->n_src + 1) * sizeof(*s));

    if (s == NULL)
        return -1;
    ld->src = s;
    s += ld->n_src;
    memset(s, 0, sizeof(*s));
    s->name = strdup(name);
    s->data = data;
    s->len = len;
    s->mapped = mapped;
    if (s->name == NULL)
        return -1;
    ld->n_src++;
    return 0;
}

static void
open_file(struct loader *ld, const char *path)
{
    struct stat st;
    void *data = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

    if (fd < 0) {
        problem(ld, path, NULL, "cannot open fixtures file: %s",
                strerror(errno));
        return;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        problem(ld, path, NULL, "not a regular file");
        close(fd);
        return;
    }
    if (st.st_size > 0) {
        data = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (data == MAP_FAILED) {
            problem(ld, path, NULL, "cannot read fixtures file: %s",
                    strerror(errno));
            close(fd);
            return;
        }
        madvise(data, (size_t)st.st_size, MADV_SEQUENTIAL);
    }
    close(fd);
    if (add_source(ld, path, data, (size_t)st.st_size, data != NULL) < 0) {
        if (data)
            munmap(data, (size_t)st.st_size);
        problem(ld, path, NULL, "out of memory");
    }
}

static int
cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool
has_json_suffix(const char *name)
{
    size_t n = strlen(name);

    return n > 5 && strcmp(name + n - 5, ".json") == 0 && name[0] != '.';
}

static void
open_dir(struct loader *ld, const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, i;

    if (d == NULL) {
        problem(ld, path, NULL, "cannot open fixtures directory: %s",
                strerror(errno));
        return;
    }
    while ((e = readdir(d)) != NULL) {
        char **nn;
        if (!has_json_suffix(e->d_name))
            continue;
        nn = realloc(names, (n + 1) * sizeof(*names));
        if (nn == NULL)
            break;
        names = nn;
        if ((names[n] = malloc(strlen(path) + strlen(e->d_name) + 2)) == NULL)
            break;
        sprintf(names[n], "%s%s%s", path,
                path[strlen(path) - 1] == '/' ? "" : "/", e->d_name);
        n++;
    }
    closedir(d);
    if (n == 0)
        problem(ld, path, NULL, "no *.json files in fixtures directory");
    if (n > 0)
        qsort(names, n, sizeof(*names), cmp_names);
    for (i = 0; i < n; i++) {
        open_file(ld, names[i]);
        free(names[i]);
    }
    free(names);
}

static void
open_path(struct loader *ld, const char *path)
{
    struct stat st;

    if (stat(path, &st) < 0) {
        problem(ld, path, NULL, "cannot open fixtures: %s", strerror(errno));
        return;
    }
    if (S_ISDIR(st.st_mode))
        open_dir(ld, path);
    else
        open_file(ld, path);
}

/* Drops the pages of a mapped file from memory once they are processed. */
static void
release_pages(const struct source *s)
{
    if (s->mapped)
        madvise((void *)s->data, s->len, MADV_DONTNEED);
}


static int
load_all(struct loader *ld, const struct fixtures_env *env)
{
    struct fixtures *fx = ld->fx;
    size_t i, k;

    fx->n_files = ld->n_src;
    for (i = 0; i < ld->n_src; i++) {
        scan_source(ld, &ld->src[i]);
        release_pages(&ld->src[i]);
    }
    for (i = 0; i < ld->n_src; i++)
        if (ld->src[i].ok && ld->src[i].accounts.present)
            each_element(ld, &ld->src[i], &ld->src[i].accounts, "accounts",
                         load_account, NULL);
    load_env(ld, env);
    for (i = 0; i < fx->accts.n_accounts; i++) {
        if (fx->accts.accounts[i].n_creds)
            continue;
        if (fx->accts.accounts[i].from_env) {
            problem(ld, "environment", "TWILIO_ACCOUNT_SID",
                    "account %s has no credentials: set TWILIO_AUTH_TOKEN "
                    "(or TWILIO_API_KEY and TWILIO_API_SECRET)",
                    fx->accts.accounts[i].sid);
        } else {
            char path[64];
            snprintf(path, sizeof(path), "accounts[%d]",
                     fx->accts.accounts[i].src_index);
            problem(ld, ld->src[fx->accts.accounts[i].src].name, path,
                    "no credentials: expected \"auth_token\" or "
                    "\"api_keys\" (or TWILIO_AUTH_TOKEN)");
        }
    }
    for (i = 0; i < fx->accts.n_accounts && fx->n_errors == 0; i++) {
        fx->accts.accounts[i].store_id =
            store_account(ld->store, fx->accts.accounts[i].sid);
        if (fx->accts.accounts[i].store_id < 0)
            return -1;
    }
    if (store_load_begin(ld->store) < 0)
        return -1;
    ld->now_ms = clock_now_ms();
    for (k = 0; k < FIXTURES_N_SECTIONS; k++) {
        cur_section = (enum section)k;
        if (k == SEC_ASSISTANTS && fast_path_on)
            pipe_start(ld, STORE_ASSISTANTS);
        for (i = 0; i < ld->n_src; i++) {
            if (ld->src[i].ok && ld->src[i].sections[k].present)
                each_element(ld, &ld->src[i], &ld->src[i].sections[k],
                             section_keys[k],
                             k == SEC_REPLIES ? load_reply
                             : k >= SEC_ATTACHMENTS ? load_link
                                                    : load_record,
                             k == SEC_ASSISTANTS && fast_path_on
                                 ? fast_record
                                 : NULL);
            release_pages(&ld->src[i]);
        }
        pipe_stop(ld);
    }
    cur_section = SEC_ASSISTANTS;
    if (fx->n_errors > FIXTURES_MAX_ERRORS)
        buf_addf(&fx->errors, "... and %zu more problems\n",
                 fx->n_errors - FIXTURES_MAX_ERRORS);
    if (fx->n_errors)
        return -1;
    return store_load_end(ld->store);
}

static int
finish(struct loader *ld, int rc)
{
    size_t i;

    for (i = 0; i < ld->n_src; i++) {
        if (ld->src[i].mapped)
            munmap((void *)ld->src[i].data, ld->src[i].len);
        free(ld->src[i].name);
    }
    free(ld->src);
    buf_release(&ld->pre);
    buf_release(&ld->post);
    buf_release(&ld->cai);
    buf_release(&ld->tmp);
    buf_release(&ld->esc);
    accounts_sort(&ld->fx->accts);
    return rc;
}

static void
loader_init(struct loader *ld, struct fixtures *fx, struct store *store)
{
    memset(ld, 0, sizeof(*ld));
    ld->fx = fx;
    ld->store = store;
    ld->default_acct = -1;
    buf_init(&ld->pre);
    buf_init(&ld->post);
    buf_init(&ld->cai);
    buf_init(&ld->tmp);
    buf_init(&ld->esc);
}

int
fixtures_load(struct fixtures *fx, struct store *store,
              const char *const *paths, size_t n_paths,
              const struct fixtures_env *env)
{
    struct loader ld;
    size_t i;

    loader_init(&ld, fx, store);
    if (n_paths == 0) {
        fx->bundled = true;
        if (add_source(&ld, BUNDLED_NAME, embedded_default_fixtures,
                       embedded_default_fixtures_len, false) < 0)
            return finish(&ld, -1);
    }
    for (i = 0; i < n_paths; i++)
        open_path(&ld, paths[i]);
    if (fx->n_errors)
        return finish(&ld, -1);
    return finish(&ld, load_all(&ld, env));
}

int
fixtures_load_buffer(struct fixtures *fx, struct store *store,
                     const char *name, const char *data, size_t len,
                     const struct fixtures_env *env)
{
    struct loader ld;

    loader_init(&ld, fx, store);
    if (add_source(&ld, name, len ? data : NULL, len, false) < 0)
        return finish(&ld, -1);
    return finish(&ld, load_all(&ld, env));
}
