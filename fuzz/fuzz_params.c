/*
 * fuzz_params.c - the small parsers of issue 9's client input, each checked
 * against a plain reference model, not only for crashes:
 * - list_query_param (the AssistantId/ToolId/KnowledgeId filters): the
 *   value found must be the last occurrence's, percent-decoded ('+' is a
 *   space), as a reference split of the query says; -1 exactly when that
 *   value is badly encoded, holds a NUL or does not fit;
 * - knowledge_rule_parse (--knowledge-ready-after): accepts exactly
 *   digits, optionally followed by "s" or "ms", within the bounds;
 * - webhooks_url_ok: true exactly for http(s):// + a non-empty authority,
 *   at most WEBHOOKS_MAX_URL bytes, no byte <= 0x20 or 0x7f;
 * - webhooks_sign: deterministic, 28 base64 characters, and it changes
 *   when the key does.
 * The input selects the parser with its first byte.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdbool.h>
#include <strings.h>

#include "fuzz_common.h"
#include "knowledge.h"
#include "list.h"
#include "webhooks.h"

/* Reference percent-decoding: -1 on a bad escape or a NUL. */
static long
ref_decode(const char *s, size_t n, char *out)
{
    size_t i, o = 0;

    for (i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (c == '%') {
            int hi, lo;
            if (n - i < 3)
                return -1;
            hi = s[i + 1];
            lo = s[i + 2];
#define HEX(x)                                                                 \
    ((x) >= '0' && (x) <= '9'   ? (x) - '0'                                    \
     : (x) >= 'a' && (x) <= 'f' ? (x) - 'a' + 10                               \
     : (x) >= 'A' && (x) <= 'F' ? (x) - 'A' + 10                               \
                                : -1)
            if (HEX(hi) < 0 || HEX(lo) < 0)
                return -1;
            c = HEX(hi) << 4 | HEX(lo);
#undef HEX
            i += 2;
        } else if (c == '+') {
            c = ' ';
        }
        if (c == 0)
            return -1;
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return (long)o;
}

static void
check_query(const char *q, size_t n)
{
    static const char name[] = "AssistantId";
    char got[64], want[4096], key[4096];
    int rc = list_query_param(q, n, name, got, sizeof(got));
    int ref = 0;
    size_t i = 0;

    /* Reference: the last name=value whose decoded name is the name. */
    while (i < n) {
        size_t start = i, eq, end;
        long kn;
        while (i < n && q[i] != '&')
            i++;
        end = i++;
        for (eq = start; eq < end && q[eq] != '='; eq++)
            ;
        if (eq - start >= sizeof(key))
            continue;
        kn = ref_decode(q + start, eq - start, key);
        if (kn < 0 || strcmp(key, name) != 0 || eq - start >= 64)
            continue;
        if (eq >= end) {
            want[0] = '\0';
            ref = 1;
            continue;
        }
        if (end - eq - 1 >= sizeof(want) ||
            ref_decode(q + eq + 1, end - eq - 1, want) < 0 ||
            strlen(want) >= sizeof(got))
            return; /* the parser may stop at a bad one: -1 or an earlier */
        ref = 1;
    }
    if (ref == 0) {
        FUZZ_CHECK(rc == 0);
        return;
    }
    if (rc == 1)
        FUZZ_CHECK(strcmp(got, want) == 0);
    else
        FUZZ_CHECK(rc == -1);
}

static void
check_rule(const char *s)
{
    struct knowledge_rule r;
    int rc = knowledge_rule_parse(s, &r);
    size_t d = strspn(s, "0123456789");
    const char *unit = s + d;
    bool shape = d > 0 && d <= 8 &&
                 (*unit == '\0' || strcmp(unit, "s") == 0 ||
                  strcmp(unit, "ms") == 0);

    if (!shape) {
        /* Longer digit runs may overflow the bound: refused either way. */
        if (d == 0 || (*unit != '\0' && strcmp(unit, "s") != 0 &&
                       strcmp(unit, "ms") != 0))
            FUZZ_CHECK(rc < 0);
        return;
    }
    if (rc == 0) {
        long long v = atoll(s);
        FUZZ_CHECK(r.by_time == (*unit != '\0'));
        FUZZ_CHECK(r.n == (strcmp(unit, "s") == 0 ? v * 1000 : v));
        FUZZ_CHECK(r.n <= 86400000LL);
    } else {
        long long v = atoll(s);
        FUZZ_CHECK(v > 86400000LL ||
                   (strcmp(unit, "s") == 0 && v * 1000 > 86400000LL));
    }
}

static void
check_url(const char *s, size_t n)
{
    bool want;
    size_t i, skip = 0;

    if (strlen(s) != n)
        return; /* a C string API: NULs end it */
    if (strncasecmp(s, "http://", 7) == 0)
        skip = 7;
    else if (strncasecmp(s, "https://", 8) == 0)
        skip = 8;
    want = skip && n <= WEBHOOKS_MAX_URL && s[skip] != '\0' &&
           s[skip] != '/';
    for (i = 0; want && i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
            want = false;
    FUZZ_CHECK(webhooks_url_ok(s) == want);
}

static void
check_sign(const char *s, size_t n)
{
    const char *names[2] = {"Body", "AccountSid"};
    const char *values[2] = {s, "AC1"};
    char a[29], b[29], c[29];
    size_t i;

    webhooks_sign(s, n, "http://h/x", names, values, 2, a);
    webhooks_sign(s, n, "http://h/x", names, values, 2, b);
    webhooks_sign("other key", 9, "http://h/x", names, values, 2, c);
    FUZZ_CHECK(strcmp(a, b) == 0 && strlen(a) == 28 && a[27] == '=');
    for (i = 0; i < 27; i++)
        FUZZ_CHECK((a[i] >= 'A' && a[i] <= 'Z') ||
                   (a[i] >= 'a' && a[i] <= 'z') ||
                   (a[i] >= '0' && a[i] <= '9') || a[i] == '+' ||
                   a[i] == '/');
    if (n != 9 || memcmp(s, "other key", 9) != 0)
        FUZZ_CHECK(strcmp(a, c) != 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s;

    if (size < 1)
        return 0;
    s = fuzz_copy(data + 1, size - 1, 1);
    switch (data[0] % 4) {
    case 0:
        check_query(s, size - 1);
        break;
    case 1:
        if (strlen(s) == size - 1)
            check_rule(s);
        break;
    case 2:
        check_url(s, size - 1);
        break;
    default:
        check_sign(s, strlen(s));
        break;
    }
    free(s);
    return 0;
}
