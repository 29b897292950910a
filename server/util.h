/*
 * util.h - small, pure helpers: strict number and date parsing, SID checks,
 * constant-time comparison, base64url, hashing, percent-decoding and random
 * request ids. No I/O and no global state beyond a per-thread PRNG.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef ASSISTANTS_MOCK_UTIL_H
#define ASSISTANTS_MOCK_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define UTIL_SID_LEN 34

/*
 * Parses s[0..len) as a decimal integer in [min, max]: ASCII digits only, no
 * sign, no spaces, at least one digit. Returns 0 and sets *out, or -1.
 */
int util_parse_int(const char *s, size_t len, long long min, long long max,
                   long long *out);

/* True if s is prefix (2 letters) followed by exactly 32 hex digits. */
bool util_is_sid(const char *s, size_t len, const char *prefix);

/*
 * Parses "YYYY-MM-DDTHH:MM:SSZ" exactly (a real calendar date, 00:00:00 to
 * 23:59:59, UTC) into seconds since the epoch. Returns 0 or -1.
 */
int util_parse_date(const char *s, size_t len, int64_t *epoch);

/*
 * Compares the client-supplied a[0..alen) with the secret b[0..blen) in time
 * that depends only on blen. True when equal.
 */
bool util_ct_equal(const void *a, size_t alen, const void *b, size_t blen);

/* base64url without padding. out must hold util_b64_len(n) + 1 bytes. */
size_t util_b64_len(size_t n);
size_t util_b64url_encode(const unsigned char *in, size_t n, char *out);
/*
 * Decodes base64: with url, the URL-safe alphabet without padding and with
 * canonical trailing bits only; else the standard alphabet with optional '='
 * padding. Rejects any other character. Returns the decoded length or -1;
 * out must hold n * 3 / 4 + 1 bytes.
 */
long util_base64_decode(const char *in, size_t n, unsigned char *out,
                        bool url);

/* 64-bit FNV-1a over data, continuing from h (start with UTIL_HASH_INIT). */
#define UTIL_HASH_INIT 0xcbf29ce484222325ULL
uint64_t util_hash(uint64_t h, const void *data, size_t len);

/* Value of a hex digit (either case), or -1. */
int util_hexval(char c);

/*
 * Percent-decodes in[0..len) ('+' is a space when plus_is_space, as in a
 * query string). Returns the decoded length, or -1 on a malformed escape or
 * a decoded NUL byte. out must hold len + 1 bytes; it is NUL-terminated.
 */
long util_percent_decode(const char *in, size_t len, char *out,
                         bool plus_is_space);

/* Writes 32 random lowercase hex digits (not NUL-terminated). */
void util_random_hex32(char out[32]);

/* Formats epoch seconds as "YYYY-MM-DDTHH:MM:SSZ" (out: 21 bytes). */
void util_format_date(int64_t epoch, char out[21]);

/* Monotonic clock in nanoseconds. */
uint64_t util_now_ns(void);

/* Number of online CPUs, at least 1. */
int util_ncpu(void);

/*
 * addr (an IPv4 or IPv6 address as text) and port as a socket address in
 * *ss (zeroed first). Its length, or 0 when addr is neither.
 */
socklen_t util_sockaddr(const char *addr, unsigned port,
                        struct sockaddr_storage *ss);

#endif
