/*
 * knowledge.h - Knowledge (API.md §5): list (AssistantId filter), create,
 * fetch, update, delete and the processing status. Processing follows the
 * --knowledge-ready-after rule: a number of status polls or a duration
 * (knowledge_rule_parse), from QUEUED through PROCESSING to COMPLETED (or
 * FAILED for a File without a file), restarted by a change of content.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef ASSISTANTS_MOCK_KNOWLEDGE_H
#define ASSISTANTS_MOCK_KNOWLEDGE_H

#include <stdbool.h>
#include <stddef.h>

struct call;
struct json_object;

void knowledge_list(struct call *c);   /* GET /v1/Knowledge */
void knowledge_create(struct call *c); /* POST /v1/Knowledge: 201 */
void knowledge_fetch(struct call *c);  /* GET /v1/Knowledge/{id} (a poll) */
void knowledge_update(struct call *c); /* PUT /v1/Knowledge/{id} */
void knowledge_delete(struct call *c); /* DELETE /v1/Knowledge/{id}: 204 */
void knowledge_status(struct call *c); /* GET /v1/Knowledge/{id}/Status */
/* GET /v1/Knowledge/{id}/Chunks: none until COMPLETED (not a poll). */
void knowledge_chunks(struct call *c);

/*
 * Under a duration rule, moves on every knowledge source of the call's
 * account whose status time has made due, so that views which are not
 * polls (lists, an assistant's knowledge) show it. No-op under a polls rule.
 */
void knowledge_catch_up(struct call *c);

/* The processing rule: after polls polls, or after ms milliseconds. */
struct knowledge_rule {
    bool by_time;
    long long n; /* polls, or milliseconds */
};

/* Parses "N" (polls), "Ns" or "Nms". 0 or -1. */
int knowledge_rule_parse(const char *s, struct knowledge_rule *out);

#endif
