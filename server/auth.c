/*
 * auth.c - see auth.h.
 *
 * SPDX-License-Identifier: MIT
 */
#include "auth.h"

#include <string.h>
#include <strings.h>

#include "util.h"

int
auth_parse_basic(const char *header, char *out, const char **user,
                 const char **password, size_t *password_len)
{
    size_t n;
    long len;
    char *colon;

    if (header == NULL || strncasecmp(header, "Basic ", 6) != 0)
        return -1;
    header += 6;
    while (*header == ' ')
        header++;
    n = strlen(header);
    while (n > 0 && header[n - 1] == ' ')
        n--;
    if (n == 0 || n >= AUTH_MAX_HEADER)
        return -1;
    len = util_base64_decode(header, n, (unsigned char *)out, false);
    if (len < 0)
        return -1;
    out[len] = '\0';
    if (memchr(out, '\0', (size_t)len) != NULL)
        return -1;
    colon = memchr(out, ':', (size_t)len);
    if (colon == NULL)
        return -1;
    *colon = '\0';
    *user = out;
    *password = colon + 1;
    *password_len = (size_t)(out + len - (colon + 1));
    return 0;
}

static int
cmp_sid(const void *key, const void *elem)
{
    return strcmp(key, ((const struct credential *)elem)->sid);
}

enum api_err
auth_check(const struct accounts *a, const char *header, int *acct)
{
    char decoded[AUTH_MAX_HEADER];
    const char *user, *pass;
    size_t pass_len, lo, hi;
    enum api_err rc = API_ERR_AUTH;
    int found = -1;

    if (auth_parse_basic(header, decoded, &user, &pass, &pass_len) < 0)
        goto out;
    if (strlen(user) != UTIL_SID_LEN || a->n_creds == 0)
        goto out;
    /* Find the run of credentials with this sid (an account may have two). */
    lo = 0;
    hi = a->n_creds;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cmp_sid(user, &a->creds[mid]) > 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < a->n_creds && cmp_sid(user, &a->creds[lo]) == 0; lo++) {
        const struct credential *c = &a->creds[lo];
        if (util_ct_equal(pass, pass_len, c->secret, c->secret_len))
            found = c->acct;
    }
    if (found >= 0) {
        *acct = found;
        rc = API_OK;
    }
out:
    explicit_bzero(decoded, sizeof(decoded));
    return rc;
}
