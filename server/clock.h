/*
 * clock.h - the mock's clock: the time written into date_created and
 * date_updated, and into the request journal. It runs with the wall clock,
 * plus an offset, unless frozen (--clock, POST /__admin/clock), when it
 * stands still until set or advanced again. One clock per process, safe
 * from any thread.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef ASSISTANTS_MOCK_CLOCK_H
#define ASSISTANTS_MOCK_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

/* Seconds since the epoch, as the mock sees them. */
int64_t clock_now(void);
/* Milliseconds since the epoch, as the mock sees them. */
int64_t clock_now_ms(void);
/* True while the clock stands still. */
bool clock_frozen(void);
/* Freezes the clock at epoch seconds t. */
void clock_freeze(int64_t t);
/* Moves the clock by seconds (frozen: it stays frozen, at the new time). */
void clock_advance(int64_t seconds);
/* Back to the wall clock, no offset (for tests). */
void clock_reset(void);

#endif
