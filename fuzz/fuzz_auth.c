/*
 * fuzz_auth.c - Basic-auth decoding and checking on an arbitrary
 * Authorization header value (a NUL-terminated copy of the input).
 *
 * Checked against a plain reference decoder: auth_parse_basic must agree
 * with it on user and password, and auth_check must accept exactly the
 * known sid:secret pairs of a small set of fixtures built once, mapping
 * each to its account.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdbool.h>
#include <strings.h>

#include "auth.h"
#include "fixtures.h"
#include "fuzz_common.h"
#include "store.h"

static const char fixture[] =
    "{\"accounts\":["
    "{\"sid\":\"ACa11ce000000000000000000000000001\","
    "\"auth_token\":\"alice-auth-token\","
    "\"api_keys\":[{\"sid\":\"SKa11ce000000000000000000000000001\","
    "\"secret\":\"alice-api-key-secret\"}]},"
    "{\"sid\":\"ACb0b00000000000000000000000000002\","
    "\"auth_token\":\"bob:auth token\\u00e9\"}],"
    "\"assistants\":[]}";

static struct fixtures fx;
static struct store *store;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    struct fixtures_env env = {NULL, NULL, NULL, NULL};

    (void)argc;
    (void)argv;
    fixtures_init(&fx);
    store = store_open();
    if (store == NULL || fixtures_load_buffer(&fx, store, "auth.json",
                                              fixture, strlen(fixture),
                                              &env) < 0 ||
        fx.accts.n_creds != 3) {
        fprintf(stderr, "fuzz_auth: cannot load fixtures: %s\n",
                fx.errors.data ? fx.errors.data : "?");
        abort();
    }
    return 0;
}

static int
ref_b64val(unsigned char c)
{
    const char *abc =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char *p = c ? strchr(abc, c) : NULL;

    return p ? (int)(p - abc) : -1;
}

/*
 * The reference: "Basic" (any case), one space, optional spaces, standard
 * base64 (padding only on a multiple of 4), optional trailing spaces, at
 * most AUTH_MAX_HEADER - 1 bytes of payload looked at; decodes into out.
 * Returns the decoded length or -1.
 */
static long
ref_decode(const char *h, unsigned char *out)
{
    size_t n, i, o = 0;
    unsigned acc = 0;
    int bits = 0;

    if (strncasecmp(h, "Basic ", 6) != 0)
        return -1;
    h += 6;
    while (*h == ' ')
        h++;
    n = strlen(h);
    /* fuzz/crashes/auth-long-trailing-spaces: trim, then limit (fixed). */
    while (n > 0 && h[n - 1] == ' ')
        n--;
    if (n == 0 || n >= AUTH_MAX_HEADER)
        return -1;
    if (n % 4 == 0 && h[n - 1] == '=')
        n -= h[n - 2] == '=' ? 2 : 1;
    if (n % 4 == 1)
        return -1;
    for (i = 0; i < n; i++) {
        int v = ref_b64val((unsigned char)h[i]);
        if (v < 0)
            return -1;
        acc = (acc << 6 | (unsigned)v) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
        }
    }
    return (long)o;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *hdr = fuzz_copy(data, size, 1);
    char *out = malloc(AUTH_MAX_HEADER);
    unsigned char ref[AUTH_MAX_HEADER];
    const char *user = NULL, *pass = NULL;
    size_t pass_len = 0, i;
    long rn;
    int rc, acct = -1, want = -1;
    const unsigned char *colon = NULL;
    enum api_err e;

    if (out == NULL)
        abort();
    rn = ref_decode(hdr, ref);
    if (rn >= 0 && memchr(ref, '\0', (size_t)rn) == NULL)
        colon = memchr(ref, ':', (size_t)rn);
    rc = auth_parse_basic(hdr, out, &user, &pass, &pass_len);
    FUZZ_CHECK((rc == 0) == (colon != NULL));
    if (rc == 0) {
        size_t ulen = (size_t)(colon - ref);
        FUZZ_CHECK(user == out && strlen(user) == ulen &&
                   memcmp(user, ref, ulen) == 0);
        FUZZ_CHECK(pass == out + ulen + 1);
        FUZZ_CHECK(ulen + 1 + pass_len == (size_t)rn);
        FUZZ_CHECK(memcmp(pass, colon + 1, pass_len) == 0 &&
                   pass[pass_len] == '\0');
        for (i = 0; i < fx.accts.n_creds; i++)
            if (strcmp(fx.accts.creds[i].sid, user) == 0 &&
                fx.accts.creds[i].secret_len == pass_len &&
                memcmp(fx.accts.creds[i].secret, pass, pass_len) == 0)
                want = fx.accts.creds[i].acct;
    }
    e = auth_check(&fx.accts, hdr, &acct);
    FUZZ_CHECK(e == API_OK || e == API_ERR_AUTH);
    FUZZ_CHECK((e == API_OK) == (want >= 0));
    if (e == API_OK)
        FUZZ_CHECK(acct == want && acct >= 0 && (size_t)acct < fx.accts.n_accounts);
    if (size == 0)
        FUZZ_CHECK(auth_check(&fx.accts, NULL, &acct) == API_ERR_AUTH);
    free(out);
    free(hdr);
    return 0;
}
