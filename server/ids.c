/*
 * ids.c - see ids.h.
 *
 * SPDX-License-Identifier: MIT
 */
#include "ids.h"

#include <stdatomic.h>
#include <stdbool.h>

#include "clock.h"
#include "util.h"

/* 2025-01-01T00:00:00Z in milliseconds: the seeded ids' time base. */
#define IDS_SEED_EPOCH_MS 1735689600000LL

static bool seeded;
static uint64_t seed_value;
static _Atomic uint64_t seq;        /* draws from the seeded sequence */
static _Atomic uint64_t uuid7_last; /* milliseconds << 12 | counter */

void
ids_seed(uint64_t seed)
{
    seeded = true;
    seed_value = seed;
    atomic_store(&seq, 0);
    atomic_store(&uuid7_last, 0);
}

/* splitmix64 of the seed and the next position: a deterministic stream. */
static uint64_t
next_random(void)
{
    uint64_t z;

    if (!seeded) {
        char hex[32];
        uint64_t v = 0;
        int i;
        util_random_hex32(hex);
        for (i = 0; i < 16; i++)
            v = v << 4 | (uint64_t)util_hexval(hex[i]);
        return v;
    }
    z = seed_value + 0x9e3779b97f4a7c15ULL * (atomic_fetch_add(&seq, 1) + 1);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void
hex_bytes(const unsigned char *b, int n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    int i;

    for (i = 0; i < n; i++) {
        out[2 * i] = hex[b[i] >> 4];
        out[2 * i + 1] = hex[b[i] & 15];
    }
}

void
ids_uuid7(char out[37])
{
    unsigned char b[16];
    uint64_t now, cur, next, r1, r2;
    int i;

    if (!seeded || clock_frozen()) {
        int64_t ms = clock_now_ms();
        now = ms > 0 ? (uint64_t)ms : 0; /* before 1970: the epoch */
    } else {
        now = (uint64_t)IDS_SEED_EPOCH_MS;
    }
    now <<= 12;
    cur = atomic_load(&uuid7_last);
    do {
        next = now > cur ? now : cur + 1;
    } while (!atomic_compare_exchange_weak(&uuid7_last, &cur, next));
    r1 = next_random();
    r2 = next_random();
    for (i = 0; i < 6; i++)
        b[i] = (unsigned char)(next >> (12 + 8 * (5 - i)));
    b[6] = (unsigned char)(0x70 | ((next >> 8) & 0x0f));
    b[7] = (unsigned char)(next & 0xff);
    b[8] = (unsigned char)(0x80 | (r1 & 0x3f));
    for (i = 9; i < 16; i++)
        b[i] = (unsigned char)(r2 >> (8 * (i - 9)));
    hex_bytes(b, 4, out);
    out[8] = '-';
    hex_bytes(b + 4, 2, out + 9);
    out[13] = '-';
    hex_bytes(b + 6, 2, out + 14);
    out[18] = '-';
    hex_bytes(b + 8, 2, out + 19);
    out[23] = '-';
    hex_bytes(b + 10, 6, out + 24);
    out[36] = '\0';
}

void
ids_uuid4(char out[37])
{
    unsigned char b[16];
    uint64_t r1 = next_random(), r2 = next_random();
    int i;

    for (i = 0; i < 8; i++) {
        b[i] = (unsigned char)(r1 >> (8 * i));
        b[8 + i] = (unsigned char)(r2 >> (8 * i));
    }
    b[6] = (unsigned char)(0x40 | (b[6] & 0x0f));
    b[8] = (unsigned char)(0x80 | (b[8] & 0x3f));
    hex_bytes(b, 4, out);
    out[8] = '-';
    hex_bytes(b + 4, 2, out + 9);
    out[13] = '-';
    hex_bytes(b + 6, 2, out + 14);
    out[18] = '-';
    hex_bytes(b + 8, 2, out + 19);
    out[23] = '-';
    hex_bytes(b + 10, 6, out + 24);
    out[36] = '\0';
}

void
ids_request_id(char out[35])
{
    unsigned char b[16];
    uint64_t r1, r2;
    int i;

    out[0] = 'R';
    out[1] = 'Q';
    if (!seeded) {
        util_random_hex32(out + 2);
        out[34] = '\0';
        return;
    }
    r1 = next_random();
    r2 = next_random();
    for (i = 0; i < 8; i++) {
        b[i] = (unsigned char)(r1 >> (8 * i));
        b[8 + i] = (unsigned char)(r2 >> (8 * i));
    }
    hex_bytes(b, 16, out + 2);
    out[34] = '\0';
}
