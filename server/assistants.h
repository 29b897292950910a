/*
 * assistants.h - the Assistants operations (API.md §3): list, create,
 * fetch, update and delete, on the route table's struct call. Validation
 * and rendering come from resource_assistant; storage from store.c. No HTTP
 * and no SQL here.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef ASSISTANTS_MOCK_ASSISTANTS_H
#define ASSISTANTS_MOCK_ASSISTANTS_H

struct call;

void assistants_list(struct call *c);   /* GET /v1/Assistants */
void assistants_create(struct call *c); /* POST /v1/Assistants: 201 */
void assistants_fetch(struct call *c);  /* GET /v1/Assistants/{id} */
void assistants_update(struct call *c); /* PUT /v1/Assistants/{id} */
void assistants_delete(struct call *c); /* DELETE /v1/Assistants/{id}: 204 */
/* GET /v1/Assistants/{id}/Tools and /Knowledge: the attached ones. */
void assistants_attached(struct call *c);
/* POST and DELETE /v1/Assistants/{id}/Tools/{id}, /Knowledge/{id}: 204. */
void assistants_attach(struct call *c);
void assistants_detach(struct call *c);

#endif
