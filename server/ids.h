/*
 * ids.h - generated identifiers: resource ids (prefix + lowercase
 * hyphenated UUIDv7) and request ids (RQ + 32 hex digits). Random by
 * default; with ids_seed (--seed N) a deterministic sequence that does not
 * depend on the wall clock: two runs that make the same requests in the same
 * order get the same ids.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef ASSISTANTS_MOCK_IDS_H
#define ASSISTANTS_MOCK_IDS_H

#include <stdint.h>

/*
 * Makes the sequences deterministic from seed. The UUIDv7 timestamps then
 * come from the mock clock when it is frozen (--clock), else from
 * 2025-01-01T00:00:00Z. Call before serving.
 */
void ids_seed(uint64_t seed);

/*
 * Writes a new UUIDv7 (36 characters and a NUL). Ids of one process are
 * strictly increasing (a 12-bit counter in rand_a orders ids of one
 * millisecond, RFC 9562 method 1), whatever the thread, so creation order is
 * id order.
 */
void ids_uuid7(char out[37]);

/* Writes a new lowercase hyphenated UUIDv4 (36 characters and a NUL). */
void ids_uuid4(char out[37]);

/* Writes "RQ" + 32 lowercase hex digits and a NUL. */
void ids_request_id(char out[35]);

#endif
