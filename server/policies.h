/*
 * policies.h - Policies (API.md §8): the read-only list with its ToolId and
 * KnowledgeId filters, and the policy member of tool and knowledge writes,
 * which creates a policy (or links an existing one by id). No HTTP, no SQL.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef ASSISTANTS_MOCK_POLICIES_H
#define ASSISTANTS_MOCK_POLICIES_H

#include <stdbool.h>

struct call;
struct json_object;

void policies_list(struct call *c); /* GET /v1/Policies */

/*
 * Checks the policy member of a tool or knowledge body (NULL or absent:
 * fine). Answers 400 and returns true when it is wrong.
 */
bool policies_bad_member(struct call *c, struct json_object *body);

/*
 * Inside a store transaction: gives owner (a tool or knowledge id) the
 * policy of body's "policy" member, if any: links the existing one with its
 * id, or creates a new one; with replace, the owner's other links go first.
 * Returns 0, 1 when policy.id names no policy of the account (404 answered),
 * or -1.
 */
int policies_apply(struct call *c, const char *owner,
                   struct json_object *body, bool replace);

#endif
