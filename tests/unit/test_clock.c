/*
 * test_clock.c - unit tests of clock.c and ids.c: the mock clock (wall
 * clock, offset, frozen, advanced either way, reset, seconds against
 * milliseconds before 1970), and the ids: UUIDv7 form, strict order in one
 * thread and across threads, the time field, request ids, and the seeded
 * sequence (repeatable, seed-dependent, its time field).
 *
 * Both modules are process-global, and ids_seed cannot be undone: the
 * tests run in this order, unseeded ones first, and each starts by
 * resetting the clock (and, once seeded, the seed).
 *
 * SPDX-License-Identifier: MIT
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "ids.h"
#include "unit.h"

/* 2025-01-01T00:00:00Z. */
#define T2025 1735689600LL

/* ---- helpers ---- */

static int64_t
wall_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) != 0)
        ;
}

static bool
is_lower_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* Checks s is a lowercase hyphenated UUID of version 7, variant 10. */
static void
check_uuid7(const char *s)
{
    size_t i;

    if (strlen(s) != 36)
        goto bad;
    for (i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                goto bad;
        } else if (!is_lower_hex(s[i])) {
            goto bad;
        }
    }
    if (s[14] != '7' || !strchr("89ab", s[19]))
        goto bad;
    return;
bad:
    print_error("not a lowercase UUIDv7: '%s'\n", s);
    fail();
}

/* The 48-bit unix_ts_ms field of a UUIDv7. */
static int64_t
uuid7_ms(const char *s)
{
    int64_t ms = 0;
    int i;

    for (i = 0; i < 13; i++) {
        if (i == 8)
            continue;
        ms = ms << 4 | (s[i] <= '9' ? s[i] - '0' : s[i] - 'a' + 10);
    }
    return ms;
}

static void
check_request_id(const char *s)
{
    size_t i;

    if (strlen(s) != 34 || s[0] != 'R' || s[1] != 'Q')
        goto bad;
    for (i = 2; i < 34; i++)
        if (!is_lower_hex(s[i]))
            goto bad;
    return;
bad:
    print_error("not a request id: '%s'\n", s);
    fail();
}

/* ---- clock ---- */

static void
test_clock_wall(void **state)
{
    int64_t before, ms, after, s;

    (void)state;
    clock_reset();
    assert_false(clock_frozen());
    before = wall_ms();
    ms = clock_now_ms();
    s = clock_now();
    after = wall_ms();
    assert_true(ms >= before && ms <= after);
    assert_true(s >= before / 1000 && s <= after / 1000);
    /* It runs. */
    sleep_ms(20);
    assert_true(clock_now_ms() >= ms + 20);
}

static void
test_clock_freeze(void **state)
{
    (void)state;
    clock_reset();
    clock_freeze(T2025);
    assert_true(clock_frozen());
    assert_int_equal(clock_now(), T2025);
    assert_int_equal(clock_now_ms(), T2025 * 1000);
    sleep_ms(20);
    assert_int_equal(clock_now_ms(), T2025 * 1000);
    /* Advanced, it stays frozen, at the new time; either way. */
    clock_advance(90);
    assert_true(clock_frozen());
    assert_int_equal(clock_now(), T2025 + 90);
    assert_int_equal(clock_now_ms(), (T2025 + 90) * 1000);
    clock_advance(-3600);
    assert_int_equal(clock_now(), T2025 + 90 - 3600);
    clock_advance(0);
    assert_int_equal(clock_now(), T2025 + 90 - 3600);
    assert_true(clock_frozen());
    /* Frozen again: at the new time, not relative to the old one. */
    clock_freeze(0);
    assert_int_equal(clock_now(), 0);
    assert_int_equal(clock_now_ms(), 0);
    clock_freeze(253402300799LL); /* 9999-12-31T23:59:59Z */
    assert_int_equal(clock_now(), 253402300799LL);
    clock_reset();
    assert_false(clock_frozen());
}

static void
test_clock_before_1970(void **state)
{
    (void)state;
    clock_reset();
    clock_freeze(-1);
    assert_int_equal(clock_now(), -1);
    assert_int_equal(clock_now_ms(), -1000);
    clock_freeze(-62167219200LL); /* 0000-01-01T00:00:00Z */
    assert_int_equal(clock_now(), -62167219200LL);
    clock_advance(-1);
    assert_int_equal(clock_now(), -62167219201LL);
    clock_reset();
    /*
     * Running, an offset past the epoch: seconds are the floor of the
     * milliseconds, not their truncation.
     */
    clock_advance(-(wall_ms() / 1000) - 10);
    {
        int64_t ms1 = clock_now_ms(), s = clock_now(), ms2 = clock_now_ms();
        int64_t f1 = ms1 >= 0 ? ms1 / 1000 : -((-ms1 + 999) / 1000);
        int64_t f2 = ms2 >= 0 ? ms2 / 1000 : -((-ms2 + 999) / 1000);
        assert_true(ms1 < 0);
        assert_true(s >= f1 && s <= f2);
        assert_true(s <= -9 && s >= -11);
    }
    clock_reset();
}

static void
test_clock_offset(void **state)
{
    int64_t before, ms, after;

    (void)state;
    clock_reset();
    clock_advance(86400);
    assert_false(clock_frozen());
    before = wall_ms();
    ms = clock_now_ms();
    after = wall_ms();
    assert_true(ms >= before + 86400000 && ms <= after + 86400000);
    /* Offsets add up, negative ones too; the clock still runs. */
    clock_advance(-2 * 86400);
    before = wall_ms();
    ms = clock_now_ms();
    after = wall_ms();
    assert_true(ms >= before - 86400000 && ms <= after - 86400000);
    clock_advance(-3153600000LL);
    before = wall_ms();
    ms = clock_now_ms();
    after = wall_ms();
    assert_true(ms >= before - 86400000 - 3153600000000LL &&
                ms <= after - 86400000 - 3153600000000LL);
    sleep_ms(20);
    assert_true(clock_now_ms() >= ms + 20);
    /* Frozen, then reset: the offset is gone too. */
    clock_freeze(T2025);
    clock_reset();
    before = wall_ms();
    ms = clock_now_ms();
    after = wall_ms();
    assert_true(ms >= before && ms <= after);
    /* Freezing sets the time: an offset before it does not count. */
    clock_advance(100);
    clock_freeze(T2025);
    assert_int_equal(clock_now(), T2025);
    clock_reset();
}

/* ---- ids, unseeded ---- */

/* Before any burst of ids: the time field is the mock clock's. */
static void
test_uuid7_time(void **state)
{
    char id[37], id2[37];
    int64_t before, after;

    (void)state;
    clock_reset();
    before = wall_ms();
    ids_uuid7(id);
    after = wall_ms();
    check_uuid7(id);
    assert_true(uuid7_ms(id) >= before && uuid7_ms(id) <= after);
    /* Frozen in the future: the frozen time. */
    clock_freeze(T2025 + 10 * 365 * 86400LL);
    ids_uuid7(id);
    assert_int_equal(uuid7_ms(id), (T2025 + 10 * 365 * 86400LL) * 1000);
    /* Back to the wall clock, in the past: ids still increase. */
    clock_reset();
    ids_uuid7(id2);
    check_uuid7(id2);
    assert_true(strcmp(id, id2) < 0);
    clock_reset();
}

static void
test_uuid7_format(void **state)
{
    char id[37];
    int i;

    (void)state;
    clock_reset();
    for (i = 0; i < 1000; i++) {
        memset(id, 'X', sizeof(id));
        ids_uuid7(id);
        check_uuid7(id);
    }
}

#define N_IDS 100000

static void
test_uuid7_increasing(void **state)
{
    char prev[37], id[37];
    int i;

    (void)state;
    clock_reset();
    ids_uuid7(prev);
    for (i = 0; i < N_IDS; i++) {
        ids_uuid7(id);
        if (strcmp(prev, id) >= 0) {
            print_error("not increasing at %d: %s then %s\n", i, prev, id);
            fail();
        }
        memcpy(prev, id, sizeof(id));
    }
}

#define N_THREADS 4
#define PER_THREAD 25000

struct maker {
    char (*ids)[37];
};

static void *
maker_run(void *arg)
{
    struct maker *m = arg;
    int i;

    for (i = 0; i < PER_THREAD; i++)
        ids_uuid7(m->ids[i]);
    return NULL;
}

static int
cmp_id(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* N_THREADS threads at once: each in order, all distinct, all valid. */
static void
threads_increasing(void)
{
    struct maker m[N_THREADS];
    pthread_t th[N_THREADS];
    char(*all)[37] = malloc(sizeof(*all) * N_THREADS * PER_THREAD);
    int t, i;

    assert_non_null(all);
    for (t = 0; t < N_THREADS; t++) {
        m[t].ids = all + (size_t)t * PER_THREAD;
        assert_int_equal(pthread_create(&th[t], NULL, maker_run, &m[t]), 0);
    }
    for (t = 0; t < N_THREADS; t++)
        assert_int_equal(pthread_join(th[t], NULL), 0);
    for (t = 0; t < N_THREADS; t++) {
        for (i = 0; i < PER_THREAD; i++) {
            check_uuid7(m[t].ids[i]);
            if (i && strcmp(m[t].ids[i - 1], m[t].ids[i]) >= 0) {
                print_error("thread %d: not increasing at %d\n", t, i);
                fail();
            }
        }
    }
    qsort(all, (size_t)N_THREADS * PER_THREAD, sizeof(*all), cmp_id);
    for (i = 1; i < N_THREADS * PER_THREAD; i++) {
        if (strcmp(all[i - 1], all[i]) == 0) {
            print_error("duplicate id %s\n", all[i]);
            fail();
        }
        /* The time and counter part alone is unique. */
        if (memcmp(all[i - 1], all[i], 18) == 0) {
            print_error("same time and counter: %s %s\n", all[i - 1], all[i]);
            fail();
        }
    }
    free(all);
}

static void
test_uuid7_threads(void **state)
{
    (void)state;
    clock_reset();
    threads_increasing();
}

static void
test_request_id(void **state)
{
    char id[35], prev[35];
    int i;

    (void)state;
    clock_reset();
    prev[0] = '\0';
    for (i = 0; i < 1000; i++) {
        memset(id, 'X', sizeof(id));
        ids_request_id(id);
        check_request_id(id);
        assert_string_not_equal(id, prev);
        memcpy(prev, id, sizeof(id));
    }
}

/* ---- ids, seeded (from here on the process stays seeded) ---- */

/* n uuid7 and request ids, alternating, into one string. */
static char *
sequence(int n)
{
    size_t size = (size_t)n * (37 + 35) + 1, len = 0;
    char *s = malloc(size), id[37], rid[35];
    int i;

    assert_non_null(s);
    s[0] = '\0';
    for (i = 0; i < n; i++) {
        ids_uuid7(id);
        check_uuid7(id);
        ids_request_id(rid);
        check_request_id(rid);
        len += (size_t)snprintf(s + len, size - len, "%s %s\n", id, rid);
    }
    return s;
}

static void
test_seed_repeatable(void **state)
{
    char *a, *b, *c;

    (void)state;
    clock_reset();
    ids_seed(42);
    a = sequence(50);
    /* The wall clock moves; the sequence does not depend on it. */
    sleep_ms(5);
    ids_seed(42);
    b = sequence(50);
    assert_string_equal(a, b);
    /* Another seed, another sequence: no id in common. */
    ids_seed(43);
    c = sequence(50);
    assert_string_not_equal(a, c);
    {
        const char *p = c;
        while (*p) {
            const char *nl = strchr(p, '\n');
            char line[80];
            memcpy(line, p, (size_t)(nl - p));
            line[nl - p] = '\0';
            line[36] = '\0';
            /* Time and counter are the same; the random part is not. */
            assert_null(strstr(a, line + 19));
            assert_null(strstr(a, line + 37));
            p = nl + 1;
        }
    }
    free(a);
    free(b);
    free(c);
    /* Seed 0 is a seed like any other. */
    ids_seed(0);
    a = sequence(3);
    ids_seed(0);
    b = sequence(3);
    assert_string_equal(a, b);
    free(a);
    free(b);
}

static void
test_seed_time_field(void **state)
{
    char id[37], prev[37];
    int i;

    (void)state;
    /* Not frozen: 2025-01-01T00:00:00Z, the counter from 0. */
    clock_reset();
    clock_advance(12345);
    ids_seed(7);
    ids_uuid7(id);
    assert_int_equal(uuid7_ms(id), T2025 * 1000);
    assert_memory_equal(id, "01941f29-7c00-7000-", 19);
    ids_uuid7(id);
    assert_memory_equal(id, "01941f29-7c00-7001-", 19);
    /* 4096 ids fill the counter; the next is in the next millisecond. */
    for (i = 2; i < 4096; i++) {
        memcpy(prev, id, sizeof(id));
        ids_uuid7(id);
        assert_true(strcmp(prev, id) < 0);
        assert_int_equal(uuid7_ms(id), T2025 * 1000);
    }
    assert_memory_equal(id, "01941f29-7c00-7fff-", 19);
    ids_uuid7(id);
    assert_memory_equal(id, "01941f29-7c01-7000-", 19);
    /* Frozen: the frozen clock's milliseconds, and it follows an advance. */
    clock_freeze(T2025 + 86400);
    ids_seed(7);
    ids_uuid7(id);
    assert_int_equal(uuid7_ms(id), (T2025 + 86400) * 1000);
    assert_memory_equal(id + 14, "7000", 4);
    clock_advance(10);
    ids_uuid7(id);
    assert_int_equal(uuid7_ms(id), (T2025 + 86410) * 1000);
    assert_memory_equal(id + 14, "7000", 4);
    ids_uuid7(id);
    assert_int_equal(uuid7_ms(id), (T2025 + 86410) * 1000);
    assert_memory_equal(id + 14, "7001", 4);
    /* Moved back while frozen: the ids still increase. */
    memcpy(prev, id, sizeof(id));
    clock_advance(-86400);
    ids_uuid7(id);
    assert_true(strcmp(prev, id) < 0);
    assert_int_equal(uuid7_ms(id), (T2025 + 86410) * 1000);
    /* Frozen before the seeded epoch, reseeded: the frozen time. */
    clock_freeze(0);
    ids_seed(7);
    ids_uuid7(id);
    assert_int_equal(uuid7_ms(id), 0);
    assert_memory_equal(id, "00000000-0000-7", 15);
    clock_reset();
}

/* The same seed and clock give the same ids whatever the time of day. */
static void
test_seed_frozen_repeatable(void **state)
{
    char *a, *b;

    (void)state;
    clock_reset();
    clock_freeze(T2025 + 3600);
    ids_seed(99);
    a = sequence(20);
    clock_reset();
    sleep_ms(5);
    clock_freeze(T2025 + 3600);
    ids_seed(99);
    b = sequence(20);
    assert_string_equal(a, b);
    free(a);
    free(b);
    clock_reset();
}

static void
test_seed_increasing(void **state)
{
    char prev[37], id[37];
    int i;

    (void)state;
    clock_reset();
    ids_seed(1);
    ids_uuid7(prev);
    for (i = 0; i < N_IDS; i++) {
        ids_uuid7(id);
        if (strcmp(prev, id) >= 0) {
            print_error("not increasing at %d: %s then %s\n", i, prev, id);
            fail();
        }
        memcpy(prev, id, sizeof(id));
    }
    ids_seed(1);
    threads_increasing();
}

static const struct CMUnitTest tests[] = {
    /* Clock. */
    cmocka_unit_test(test_clock_wall),
    cmocka_unit_test(test_clock_freeze),
    cmocka_unit_test(test_clock_before_1970),
    cmocka_unit_test(test_clock_offset),
    /* Ids, unseeded: the time test first, before any burst of ids. */
    cmocka_unit_test(test_uuid7_time),
    cmocka_unit_test(test_uuid7_format),
    cmocka_unit_test(test_uuid7_increasing),
    cmocka_unit_test(test_uuid7_threads),
    cmocka_unit_test(test_request_id),
    /* Ids, seeded: ids_seed cannot be undone. */
    cmocka_unit_test(test_seed_repeatable),
    cmocka_unit_test(test_seed_time_field),
    cmocka_unit_test(test_seed_frozen_repeatable),
    cmocka_unit_test(test_seed_increasing),
};

UNIT_MAIN(tests)
