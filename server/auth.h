/*
 * auth.h - HTTP Basic authentication against the loaded credentials:
 * AccountSid:AuthToken or ApiKeySid:ApiKeySecret, each scoped to one
 * account. Secrets are compared in constant time, wiped after use and never
 * logged.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef ASSISTANTS_MOCK_AUTH_H
#define ASSISTANTS_MOCK_AUTH_H

#include <stddef.h>

#include "errors.h"
#include "accounts.h"

/* Longest Authorization header value looked at. */
#define AUTH_MAX_HEADER 2048

/*
 * Decodes a Basic Authorization header value into user and password
 * (NUL-terminated, in out, which must hold AUTH_MAX_HEADER bytes; the caller
 * wipes it). Returns 0, or -1 when the header is malformed.
 */
int auth_parse_basic(const char *header, char *out, const char **user,
                     const char **password, size_t *password_len);

/*
 * Checks the Authorization header value (NULL when absent) against
 * a->creds (sorted by sid). Returns API_OK and sets *acct (the account's
 * index), or API_ERR_AUTH.
 */
enum api_err auth_check(const struct accounts *a, const char *header,
                        int *acct);

#endif
