/*
 * crud.h - the steps every resource's operations share, on top of the
 * resource descriptors and the store: check a body, make a new record,
 * render it into a row, merge an update into a stored row, and append
 * stored items to an answer with the request's link base. The resource
 * files (assistants.c, tools.c, knowledge.c, ...) add only what is their
 * own. No HTTP and no SQL here.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef ASSISTANTS_MOCK_CRUD_H
#define ASSISTANTS_MOCK_CRUD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "resource.h"
#include "store.h"

struct call;
struct json_object;

/* One record being written: its fields, its rendering, its row. */
struct crud_write {
    struct json_object *rec;    /* rendered fields (owned) */
    struct json_object *secret; /* private fields, or NULL (owned) */
    struct buf pre, post;
    struct store_item it;       /* points into the above */
    char id[64];                /* a new record's id */
    char date[21];              /* now */
};

void crud_write_init(struct crud_write *w);
void crud_write_release(struct crud_write *w);

/*
 * Answers 400 for a problem in body (checked as r's create or update body)
 * and returns true; prefix (NULL or e.g. "policy") goes before the field's
 * name in the message.
 */
bool crud_bad_body(struct call *c, const struct resource *r,
                   struct json_object *body, bool create, const char *prefix);

/*
 * Starts a new record of r in w for the call's account: account_sid, a new
 * id, date_created = date_updated = now, then body's fields (and defaults).
 * 0 or -1 out of memory.
 */
int crud_new(struct call *c, const struct resource *r,
             struct json_object *body, struct crud_write *w);

/* Sets a field of w->rec to a string / a boolean. 0 or -1. */
int crud_set_string(struct crud_write *w, const char *key, const char *v);
int crud_set_bool(struct crud_write *w, const char *key, bool v);

/* Renders w->rec (and w->secret) into w->pre/post and w->it. 0 or -1. */
int crud_render(const struct resource *r, struct crud_write *w);

/*
 * For store_update: parses the stored row old into w, merges body (an update
 * body), sets date_updated, renders. 0 or -1.
 */
int crud_merge(const struct resource *r, const struct store_row *old,
               struct json_object *body, struct crud_write *w,
               struct store_item *item);

/* Appends a stored item (pre + base + post) to out. */
void crud_add_item(struct call *c, struct buf *out, const void *pre,
                   size_t pre_len, const void *post, size_t post_len);

/*
 * Appends the item (acct, id) of table t to out. 0, 1 when there is no
 * such item, -1 on failure.
 */
int crud_fetch(struct call *c, enum store_table t, const char *id,
               struct buf *out);

/*
 * Appends "[item,item,...]" of the rows of t linked to owner
 * (store_list_linked). 0 or -1.
 */
int crud_add_linked(struct call *c, enum store_table t, const char *owner,
                    struct buf *out);

/* Answers 201 (created) or 200 with w's item. */
void crud_answer(struct call *c, unsigned status, struct crud_write *w);

/*
 * Answers the list page l of the call's account: parses the paging
 * parameters, renders the page, or answers the error.
 */
struct list_spec;
void crud_list_page(struct call *c, const struct list_spec *l);

/*
 * A fetch answered from the page cache (the list pages' cache): the key
 * and the account's write generation read before any row.
 */
struct crud_fetch {
    char key[2048];
    size_t key_len;
    uint64_t gen;
};

/*
 * Answers c (true) from the cache when the fetch of id (id_len bytes) in
 * table t is there, as of now; else fills f for crud_fetch_keep, to call
 * once c's 200 body is made (any other answer is not kept).
 */
bool crud_fetch_cached(struct call *c, enum store_table t, const char *id,
                       size_t id_len, struct crud_fetch *f);
void crud_fetch_keep(struct call *c, const struct crud_fetch *f);

/*
 * Answers the list of table t (envelope key, path) filtered by the query
 * parameter param (e.g. "AssistantId", or NULL: none) on the attachments:
 * the rows attached to the assistant it names.
 */
void crud_list_attached(struct call *c, enum store_table t, const char *key,
                        const char *path, const char *param);

/* A row of table t of the call's account with this id exists: 1, 0, -1. */
int crud_exists(struct call *c, enum store_table t, const char *id);

#endif
