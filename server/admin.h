/*
 * admin.h - the test-control API under /__admin/: reset, the request
 * journal, fault rules, the clock and export. Each acts on a scope: the
 * account whose credentials (auth token or API key) the request carries,
 * or every account when it carries none (then, with --admin-token, it must
 * carry "Authorization: Bearer TOKEN"). Admin requests are never journaled
 * and never hit by fault rules (their routes have R_ADMIN, not R_AUTH).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef ASSISTANTS_MOCK_ADMIN_H
#define ASSISTANTS_MOCK_ADMIN_H

#include "errors.h"

struct call;

/*
 * The scope of an admin request: *acct = the account's index, or -1 for
 * every account. API_OK or API_ERR_AUTH.
 */
enum api_err admin_scope(struct call *c, int *acct);

void admin_reset(struct call *c);          /* POST /__admin/reset: 204 */
void admin_requests(struct call *c);       /* GET /__admin/requests */
void admin_requests_count(struct call *c); /* GET /__admin/requests/count */
void admin_requests_clear(struct call *c); /* DELETE /__admin/requests */
void admin_faults(struct call *c);         /* GET /__admin/faults */
void admin_faults_add(struct call *c);     /* POST /__admin/faults: 201 */
void admin_faults_clear(struct call *c);   /* DELETE /__admin/faults */
void admin_fault_delete(struct call *c);   /* DELETE /__admin/faults/{id} */
void admin_clock(struct call *c);          /* GET /__admin/clock */
void admin_clock_set(struct call *c);      /* POST /__admin/clock */
void admin_export(struct call *c);         /* GET /__admin/export */
void admin_ca(struct call *c);             /* GET /__admin/ca.pem */

#endif
