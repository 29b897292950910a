/*
 * tools.h - Tools (API.md §4): list (AssistantId filter), create, fetch
 * (with its policies), update and delete, on the route table's struct call.
 * A create or update may attach the tool to an assistant (assistant_id) and
 * give it a policy (policy); requires_auth says whether it has one.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef ASSISTANTS_MOCK_TOOLS_H
#define ASSISTANTS_MOCK_TOOLS_H

#include <stdbool.h>

struct call;
struct json_object;

void tools_list(struct call *c);   /* GET /v1/Tools */
void tools_create(struct call *c); /* POST /v1/Tools: 201 */
void tools_fetch(struct call *c);  /* GET /v1/Tools/{id} */
void tools_update(struct call *c); /* PUT /v1/Tools/{id} */
void tools_delete(struct call *c); /* DELETE /v1/Tools/{id}: 204 */

/*
 * Checks body's assistant_id (absent, null or "aia_asst_..."): answers 400
 * and returns true when it is wrong.
 */
bool tools_bad_assistant_id(struct call *c, struct json_object *body);

/*
 * Inside a store transaction: attaches target (of table kind) to body's
 * assistant_id, if any. 0, 1 when that assistant does not exist (404
 * answered), -1.
 */
int tools_attach_member(struct call *c, struct json_object *body, int kind,
                        const char *target);

#endif
