/*
 * webhooks.h - delivery of SendMessage replies to a webhook, as Twilio
 * does: a form-encoded POST (Status, Body, Identity, SessionId, AccountSid,
 * AssistantSid, Flagged, Aborted) signed with X-Twilio-Signature, the
 * base64 HMAC-SHA1 of the URL followed by the sorted parameter names and
 * values, keyed with the account's auth token (what twilio's
 * validateRequest checks). Deliveries run on one worker thread from a
 * bounded queue, each attempt bounded in time, retried twice; a failure is
 * logged, never fatal. --webhooks off drops them.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef ASSISTANTS_MOCK_WEBHOOKS_H
#define ASSISTANTS_MOCK_WEBHOOKS_H

#include <stdbool.h>
#include <stddef.h>

#include "accounts.h"

struct call;

#define WEBHOOKS_MAX_URL 2048
#define WEBHOOKS_QUEUE 256

/* Starts the worker (unless off). 0 or -1. accts borrowed. */
int webhooks_start(const struct accounts *accts, bool off);
/* Delivers what is queued (bounded in time) and stops the worker. */
void webhooks_stop(void);

/* True if url is an absolute http(s) URL the mock may call. */
bool webhooks_url_ok(const char *url);

/* Queues the reply of the call's assistant in session to url. */
void webhooks_deliver(struct call *c, const char *url, const char *session,
                      const char *identity, const char *reply);

/*
 * Twilio's signature of a form POST: base64(HMAC-SHA1(key, url + k1 + v1 +
 * k2 + v2 ...)) over the parameters sorted by name. out: 29 bytes.
 */
void webhooks_sign(const char *key, size_t key_len, const char *url,
                   const char *const *names, const char *const *values,
                   size_t n, char out[29]);

#endif
