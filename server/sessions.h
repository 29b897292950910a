/*
 * sessions.h - SendMessage, Sessions, Messages and Feedbacks (API.md §6,
 * §7). A message to an assistant creates its session on first use (keyed
 * per account by id: the session_id given, "webhook:" + it for webhook
 * sends, or a new UUID), appends the user's message and the reply, and
 * answers with the reply (200), or queues it for the webhook (202).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef ASSISTANTS_MOCK_SESSIONS_H
#define ASSISTANTS_MOCK_SESSIONS_H

struct call;

void sessions_send(struct call *c);     /* POST /v1/Assistants/{id}/Messages */
void sessions_list(struct call *c);     /* GET /v1/Sessions */
void sessions_fetch(struct call *c);    /* GET /v1/Sessions/{id} */
void sessions_messages(struct call *c); /* GET /v1/Sessions/{id}/Messages */
void feedbacks_create(struct call *c);  /* POST /v1/Assistants/{id}/Feedbacks */
void feedbacks_list(struct call *c);    /* GET /v1/Assistants/{id}/Feedbacks */

#endif
