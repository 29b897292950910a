/*
 * fuzz_fixtures_fast.c - the loader's fast path of plain assistants
 * (fixtures.c: fast_record, which reads records without json-c) and its
 * insert thread against the general path: every input is loaded three
 * times, into a fresh store each time: without the fast path, with it but
 * without the thread, and with both (no TWILIO_* environment).
 *
 * All loads must give the same status, the same problems byte for byte,
 * the same counts, and the same rows of every account (created, id, pre,
 * post) in the same order.
 *
 * SPDX-License-Identifier: MIT
 */
#include <limits.h>
#include <stdbool.h>

#include "fixtures.h"
#include "fuzz_common.h"
#include "store.h"

static int
dump_row(void *ctx, const struct store_row *row)
{
    struct buf *b = ctx;

    buf_addf(b, "%lld ", (long long)row->key.created);
    buf_add(b, row->key.id, row->key.id_len);
    buf_addc(b, ' ');
    buf_add(b, row->pre, row->pre_len);
    if (row->post) {
        buf_adds(b, " BASE ");
        buf_add(b, row->post, row->post_len);
    }
    buf_addc(b, '\n');
    return 0;
}

/* Loads data into a fresh store; the outcome and every row, as text. */
static void
load_dump(const char *data, size_t size, bool fast, int pipeline,
          struct buf *out)
{
    static const struct fixtures_env env = {NULL, NULL, NULL, NULL};
    struct fixtures fx;
    struct store *st = store_open();
    size_t a;
    int rc;

    FUZZ_CHECK(st != NULL);
    fixtures_init(&fx);
    fixtures_set_fast_path(fast);
    fixtures_set_pipeline(pipeline);
    rc = fixtures_load_buffer(&fx, st, "fuzz.json", data, size, &env);
    fixtures_set_fast_path(true);
    fixtures_set_pipeline(-1);
    buf_addf(out, "rc %d, %zu errors, %ld assistants, %ld records\n%s", rc,
             fx.n_errors, fx.n_assistants, fx.n_records,
             fx.errors.data ? fx.errors.data : "");
    for (a = 0; rc == 0 && a < fx.accts.n_accounts; a++) {
        buf_addf(out, "%s: %ld\n", fx.accts.accounts[a].sid,
                 fx.accts.accounts[a].n_assistants);
        FUZZ_CHECK(store_list(st, STORE_ASSISTANTS,
                              fx.accts.accounts[a].store_id, STORE_AFTER,
                              NULL, INT_MAX, dump_row, out) >= 0);
    }
    FUZZ_CHECK(!buf_failed(out));
    fixtures_release(&fx);
    store_close(st);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = fuzz_copy(data, size, 0);
    struct buf slow = BUF_INIT;
    int pipeline;

    load_dump(copy, size, false, 0, &slow);
    for (pipeline = 0; pipeline < 2; pipeline++) {
        struct buf fast = BUF_INIT;

        load_dump(copy, size, true, pipeline, &fast);
        if (fast.len != slow.len ||
            memcmp(fast.data, slow.data, fast.len) != 0)
            fprintf(stderr, "fast path (insert thread: %d):\n%s\n"
                    "without it:\n%s", pipeline, fast.data, slow.data);
        FUZZ_CHECK(fast.len == slow.len &&
                   memcmp(fast.data, slow.data, fast.len) == 0);
        buf_release(&fast);
    }
    buf_release(&slow);
    free(copy);
    return 0;
}
