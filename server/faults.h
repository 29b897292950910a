/*
 * faults.h - fault rules, the one place that decides when a request fails
 * on purpose (after SQLite's faultsimConfig: skip K matching requests, then
 * hit N). A rule matches on method and path glob, belongs to one account
 * (or to all: a rule made without account credentials, and those of
 * --rate-limit and --inject-store-fault), and hits with a Twilio error, a
 * delay before the normal answer, or a dropped connection. Evaluation is
 * serialised, so exactly `times` matching requests are hit whatever the
 * threads. The store and the handlers know nothing of this.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef ASSISTANTS_MOCK_FAULTS_H
#define ASSISTANTS_MOCK_FAULTS_H

#include <stdbool.h>
#include <stddef.h>

#include "accounts.h"
#include "buf.h"

struct json_object;
struct faults;

#define FAULTS_MAX_RULES 1000
#define FAULTS_MAX_MESSAGE 512
#define FAULTS_MAX_DELAY_MS 60000

/* The rules of the accounts of accts (borrowed, must outlive it). */
struct faults *faults_new(const struct accounts *accts);
void faults_free(struct faults *f);

enum fault_action { FAULT_NONE, FAULT_ERROR, FAULT_DELAY, FAULT_DROP };

/* What a hit does. */
struct fault_hit {
    enum fault_action action;
    unsigned status;
    int code;
    char message[FAULTS_MAX_MESSAGE + 1];
    int retry_after; /* -1: no Retry-After */
    unsigned delay_ms;
    bool builtin; /* from --inject-store-fault or --rate-limit */
    char rule_id[35];
};

/*
 * Adds the rule described by JSON object rule for scope (an account index,
 * or -1: every account) and appends it, as faults_render shows rules, to
 * out. Returns 0; -1 (a member is invalid) or -3 (a required one is
 * missing: "error" when no action is given) with the member's name in field
 * (cap bytes); or -2 when the rule limit is reached or memory ran out.
 */
int faults_add(struct faults *f, int scope, struct json_object *rule,
               struct buf *out, char *field, size_t cap);

/*
 * The shorthands: every nth GET of /v1/Assistants answers 500 20500
 * (--inject-store-fault), or more than n requests a second of one account
 * answer 429 20429 (--rate-limit). Scope: every account. 0 or -1.
 */
int faults_add_every(struct faults *f, unsigned n);
int faults_add_rate(struct faults *f, unsigned per_second);

/*
 * Decides for one authenticated request of account acct (index) whether a
 * rule hits it; fills *hit (FAULT_NONE when none does).
 */
void faults_match(struct faults *f, int acct, const char *method,
                  const char *path, size_t path_len, struct fault_hit *hit);

/* Appends {"faults":[...]} of scope (-1: all rules). */
void faults_render(struct faults *f, int scope, struct buf *out);
/* Deletes rule id if scope may see it (-1: any). 0, or 1 when not found. */
int faults_delete(struct faults *f, int scope, const char *id);
/* Deletes the rules of scope (-1: all, the shorthands' included). */
void faults_clear(struct faults *f, int scope);

#endif
