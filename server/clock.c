/*
 * clock.c - see clock.h.
 *
 * SPDX-License-Identifier: MIT
 */
#include "clock.h"

#include <pthread.h>
#include <time.h>

static pthread_mutex_t clock_lock = PTHREAD_MUTEX_INITIALIZER;
static bool frozen;
static int64_t frozen_ms;  /* the time while frozen */
static int64_t offset_ms;  /* added to the wall clock otherwise */

static int64_t
wall_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
clock_now_ms(void)
{
    int64_t t;

    pthread_mutex_lock(&clock_lock);
    t = frozen ? frozen_ms : wall_ms() + offset_ms;
    pthread_mutex_unlock(&clock_lock);
    return t;
}

int64_t
clock_now(void)
{
    int64_t ms = clock_now_ms();

    return ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
}

bool
clock_frozen(void)
{
    bool f;

    pthread_mutex_lock(&clock_lock);
    f = frozen;
    pthread_mutex_unlock(&clock_lock);
    return f;
}

void
clock_freeze(int64_t t)
{
    pthread_mutex_lock(&clock_lock);
    frozen = true;
    frozen_ms = t * 1000;
    pthread_mutex_unlock(&clock_lock);
}

void
clock_advance(int64_t seconds)
{
    pthread_mutex_lock(&clock_lock);
    if (frozen)
        frozen_ms += seconds * 1000;
    else
        offset_ms += seconds * 1000;
    pthread_mutex_unlock(&clock_lock);
}

void
clock_reset(void)
{
    pthread_mutex_lock(&clock_lock);
    frozen = false;
    frozen_ms = 0;
    offset_ms = 0;
    pthread_mutex_unlock(&clock_lock);
}
