/*
 * test_util.c - unit tests of util.c: strict integers and dates, SIDs,
 * constant-time comparison, base64, percent-decoding and request ids.
 *
 * SPDX-License-Identifier: MIT
 */
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "util.h"

/* ---- util_parse_int ---- */

static int
parse_int(const char *s, long long min, long long max, long long *out)
{
    return util_parse_int(s, strlen(s), min, max, out);
}

static void
test_parse_int_valid(void **state)
{
    long long v = -1;

    (void)state;
    assert_int_equal(parse_int("0", 0, 10, &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(parse_int("7", 0, 10, &v), 0);
    assert_int_equal(v, 7);
    assert_int_equal(parse_int("007", 0, 10, &v), 0);
    assert_int_equal(v, 7);
    assert_int_equal(parse_int("1000", 1, 1000, &v), 0);
    assert_int_equal(v, 1000);
    assert_int_equal(parse_int("2147483647", 0, 2147483647LL, &v), 0);
    assert_int_equal(v, 2147483647LL);
    /* Only len bytes are read. */
    assert_int_equal(util_parse_int("123x", 3, 0, 1000, &v), 0);
    assert_int_equal(v, 123);
    assert_int_equal(util_parse_int("123", 2, 0, 1000, &v), 0);
    assert_int_equal(v, 12);
}

static void
test_parse_int_bounds(void **state)
{
    long long v = 42;

    (void)state;
    assert_int_equal(parse_int("5", 5, 10, &v), 0);
    assert_int_equal(v, 5);
    assert_int_equal(parse_int("10", 5, 10, &v), 0);
    assert_int_equal(v, 10);
    assert_int_equal(parse_int("4", 5, 10, &v), -1);
    assert_int_equal(parse_int("11", 5, 10, &v), -1);
    assert_int_equal(parse_int("1001", 1, 1000, &v), -1);
    assert_int_equal(parse_int("0", 1, 1000, &v), -1);
    assert_int_equal(parse_int("2147483648", 0, 2147483647LL, &v), -1);
}

static void
test_parse_int_signs_spaces_empty(void **state)
{
    static const char *const bad[] = {
        "",    "-1", "+1",  "-0", " 1", "1 ", "1 2", "\t1", "1\n", "0x10",
        "1e3", "1.", "1.5", ".5", "a",  "1a", "٣",   "١٢",  "+",   "-",
    };
    long long v = 42;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (parse_int(bad[i], LLONG_MIN, LLONG_MAX, &v) != -1) {
            print_error("accepted \"%s\"\n", bad[i]);
            fail();
        }
    }
    assert_int_equal(v, 42);
    /* An embedded NUL is not a digit. */
    assert_int_equal(util_parse_int("1\0"
                                    "2",
                                    3, 0, 1000, &v),
                     -1);
    assert_int_equal(util_parse_int("5", 0, 0, 10, &v), -1);
}

static void
test_parse_int_long(void **state)
{
    long long v = 42;

    (void)state;
    /* 18 digits: fits. */
    assert_int_equal(parse_int("999999999999999999", 0, LLONG_MAX, &v), 0);
    assert_int_equal(v, 999999999999999999LL);
    /* 19 and more digits past LLONG_MAX: refused, without overflow. */
    assert_int_equal(parse_int("9999999999999999999", 0, LLONG_MAX, &v), -1);
    assert_int_equal(parse_int("9223372036854775808", 0, LLONG_MAX, &v), -1);
    assert_int_equal(parse_int("99999999999999999999", 0, LLONG_MAX, &v), -1);
    assert_int_equal(
        parse_int("99999999999999999999999999999999999999", 0, LLONG_MAX, &v),
        -1);
    assert_int_equal(parse_int("1000000000000000000", 0, 1000, &v), -1);
    assert_int_equal(parse_int("0000000000000000001000", 0, 999, &v), -1);
}

/* util.h: "a decimal integer in [min, max]": 19 digits can be in range. */
static void
test_parse_int_19_digits_in_range(void **state)
{
    long long v = 42;

    (void)state;
    assert_int_equal(parse_int("1000000000000000000", 0, LLONG_MAX, &v), 0);
    assert_int_equal(v, 1000000000000000000LL);
    assert_int_equal(parse_int("9223372036854775807", 0, LLONG_MAX, &v), 0);
    assert_int_equal(v, LLONG_MAX);
    assert_int_equal(parse_int("0000000000000000005", 1, 1000, &v), 0);
    assert_int_equal(v, 5);
}

/* ---- util_is_sid ---- */

static void
test_is_sid(void **state)
{
    const char *ok = "AC0123456789abcdefABCDEF0123456789";

    (void)state;
    assert_int_equal(strlen(ok), UTIL_SID_LEN);
    assert_true(util_is_sid(ok, strlen(ok), "AC"));
    assert_false(util_is_sid(ok, strlen(ok), "SK"));
    assert_true(util_is_sid("SKa11ce000000000000000000000000001", 34, "SK"));
    assert_false(util_is_sid("ac0123456789abcdefABCDEF0123456789", 34, "AC"));
    assert_false(util_is_sid("AC0123456789abcdefABCDEF012345678", 33, "AC"));
    assert_false(util_is_sid("AC0123456789abcdefABCDEF01234567890", 35, "AC"));
    assert_false(util_is_sid(ok, 33, "AC"));
    assert_false(util_is_sid("AC0123456789abcdefABCDEF012345678g", 34, "AC"));
    assert_false(util_is_sid("AC0123456789abcdef ABCDEF012345678", 34, "AC"));
    assert_false(util_is_sid("AC0123456789abcdef\0ABCDEF012345678", 34, "AC"));
    assert_false(util_is_sid("", 0, "AC"));
    assert_false(util_is_sid("ACxyz", 5, "AC"));
}

/* ---- util_parse_date ---- */

static int
parse_date(const char *s, int64_t *e)
{
    return util_parse_date(s, strlen(s), e);
}

static void
test_parse_date_epoch(void **state)
{
    static const struct {
        const char *s;
        int64_t epoch;
    } cases[] = {
        {"1970-01-01T00:00:00Z", 0},
        {"1970-01-01T00:00:01Z", 1},
        {"1969-12-31T23:59:59Z", -1},
        {"2025-01-02T03:04:05Z", 1735787045},
        {"2000-02-29T00:00:00Z", 951782400},
        {"2024-02-29T12:00:00Z", 1709208000},
        {"1900-01-01T00:00:00Z", -2208988800LL},
        {"0001-01-01T00:00:00Z", -62135596800LL},
        {"9999-12-31T23:59:59Z", 253402300799LL},
        {"2023-12-31T23:59:59Z", 1704067199},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t e = 12345;
        if (parse_date(cases[i].s, &e) != 0 || e != cases[i].epoch) {
            print_error("%s: got %lld, want %lld\n", cases[i].s, (long long)e,
                        (long long)cases[i].epoch);
            fail();
        }
    }
}

static void
test_parse_date_calendar(void **state)
{
    static const char *const ok[] = {
        "2024-02-29T00:00:00Z", "2000-02-29T00:00:00Z", "2023-02-28T23:59:59Z",
        "2023-01-31T00:00:00Z", "2023-04-30T00:00:00Z", "2023-12-31T00:00:00Z",
    };
    static const char *const bad[] = {
        "2023-02-29T00:00:00Z", /* not a leap year */
        "1900-02-29T00:00:00Z", /* century, not /400 */
        "2100-02-29T00:00:00Z", "2024-02-30T00:00:00Z", "2023-04-31T00:00:00Z",
        "2025-13-01T00:00:00Z",                         /* month 13 */
        "2025-00-01T00:00:00Z", "2025-01-32T00:00:00Z", /* day 32 */
        "2025-01-00T00:00:00Z", "2025-01-02T24:00:00Z", /* hour 24 */
        "2025-01-02T23:60:00Z", "2025-01-02T23:59:60Z", "2025-01-02T99:00:00Z",
    };
    int64_t e;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        if (parse_date(ok[i], &e) != 0) {
            print_error("refused %s\n", ok[i]);
            fail();
        }
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (parse_date(bad[i], &e) != -1) {
            print_error("accepted %s\n", bad[i]);
            fail();
        }
}

static void
test_parse_date_format(void **state)
{
    static const char *const bad[] = {
        "",
        "2025-01-02",
        "2025-01-02T03:04:05",
        "2025-01-02T03:04:05.123Z", /* fractional seconds */
        "2025-01-02T03:04:05.0Z",
        "2025-01-02t03:04:05Z",      /* lowercase t */
        "2025-01-02T03:04:05z",      /* lowercase z */
        "2025-01-02T03:04:05+00:00", /* offsets */
        "2025-01-02T03:04:05-0100",
        "2025-01-02T03:04:05+01",
        "2025-01-02 03:04:05Z",
        "2025/01/02T03:04:05Z",
        "25-01-02T03:04:05Z",
        "+2025-01-02T03:04:05Z",
        "-025-01-02T03:04:05Z",
        "2025-1-02T03:04:05Z ",
        "2025-01-02T3:04:05Z ",
        " 2025-01-02T03:04:05Z",
        "2025-01-02T03:04:05Z ",
        "2025-01-02T03:04:05ZZ",
        "2025-0a-02T03:04:05Z",
        "2025-01-02T03:04:0 Z",
        "Thu, 02 Jan 2025 03:04:05 +0000",
    };
    int64_t e = 7;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (parse_date(bad[i], &e) != -1) {
            print_error("accepted \"%s\"\n", bad[i]);
            fail();
        }
    assert_int_equal(e, 7);
    /* Only len bytes are read: a prefix of a valid date is not one. */
    assert_int_equal(util_parse_date("2025-01-02T03:04:05Z", 19, &e), -1);
    assert_int_equal(util_parse_date("2025-01-02T03:04:05Zjunk", 20, &e), 0);
    assert_int_equal(e, 1735787045);
}

/* ---- util_ct_equal ---- */

static void
test_ct_equal(void **state)
{
    (void)state;
    assert_true(util_ct_equal("secret", 6, "secret", 6));
    assert_false(util_ct_equal("secreT", 6, "secret", 6));
    assert_false(util_ct_equal("Secret", 6, "secret", 6));
    assert_false(util_ct_equal("secre", 5, "secret", 6));
    assert_false(util_ct_equal("secrets", 7, "secret", 6));
    assert_false(util_ct_equal("", 0, "secret", 6));
    assert_false(util_ct_equal("secret", 6, "", 0));
    assert_true(util_ct_equal("", 0, "", 0));
    assert_true(util_ct_equal("a\0b", 3, "a\0b", 3));
    assert_false(util_ct_equal("a\0c", 3, "a\0b", 3));
    /* A prefix whose next byte would equal the secret's complement. */
    assert_false(util_ct_equal("\xff", 1, "\xff\x00", 2));
    assert_false(util_ct_equal("\x00", 1, "\x00\xff", 2));
}

/* ---- base64 ---- */

static void
test_b64url_encode_vectors(void **state)
{
    static const struct {
        const char *in;
        size_t n;
        const char *out;
    } v[] = {
        {"", 0, ""},
        {"f", 1, "Zg"},
        {"fo", 2, "Zm8"},
        {"foo", 3, "Zm9v"},
        {"foob", 4, "Zm9vYg"},
        {"fooba", 5, "Zm9vYmE"},
        {"foobar", 6, "Zm9vYmFy"},
        {"\xfb\xff", 2, "-_8"},
        {"\x00\x00\x00", 3, "AAAA"},
        {"\xff\xff\xff", 3, "____"},
    };
    char out[64];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        size_t n;
        memset(out, 'x', sizeof(out));
        n = util_b64url_encode((const unsigned char *)v[i].in, v[i].n, out);
        assert_int_equal(n, util_b64_len(v[i].n));
        assert_int_equal(n, strlen(v[i].out));
        assert_string_equal(out, v[i].out);
    }
}

static void
test_base64_decode_vectors(void **state)
{
    static const struct {
        const char *in;
        bool url;
        const char *out;
        size_t n;
    } v[] = {
        {"", true, "", 0},
        {"Zg", true, "f", 1},
        {"Zm8", true, "fo", 2},
        {"Zm9v", true, "foo", 3},
        {"Zm9vYmFy", true, "foobar", 6},
        {"-_8", true, "\xfb\xff", 2},
        {"", false, "", 0},
        {"Zg==", false, "f", 1},
        {"Zm8=", false, "fo", 2},
        {"Zm9v", false, "foo", 3},
        {"Zm9vYg==", false, "foob", 4},
        {"Zm9vYmE=", false, "fooba", 5},
        {"Zm9vYg", false, "foob", 4}, /* padding is optional */
        {"+/8=", false, "\xfb\xff", 2},
        {"YWxpY2U6c2VjcmV0", false, "alice:secret", 12},
    };
    unsigned char out[64];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        long n = util_base64_decode(v[i].in, strlen(v[i].in), out, v[i].url);
        if (n != (long)v[i].n || memcmp(out, v[i].out, v[i].n) != 0) {
            print_error("\"%s\" (%s): got %ld\n", v[i].in,
                        v[i].url ? "url" : "std", n);
            fail();
        }
    }
}

static void
test_base64_decode_invalid(void **state)
{
    static const struct {
        const char *in;
        bool url;
    } v[] = {
        {"Z", true},
        {"Zm9vY", true},
        {"Zm9v!", true},
        {"Zm9v Yg", true},
        {"Zg==", true},
        {"Zg=", true},
        {"+/8", true},
        {"Zm9v\n", true},
        {"Zm\xc3\xa9", true},
        /* Non-canonical trailing bits. */
        {"Zh", true},
        {"Zm9", true},
        {"_", true},
        {"__", true},
        {"AB", true},
        {"AAB", true},
        {"Z", false},
        {"Zm9vY", false},
        {"-_8=", false},
        {"Zg=", false},
        {"Z===", false},
        {"====", false},
        {"=Zg=", false},
        {"Zg==Zg==", false},
        {"Zm9v!", false},
        {"Zg==\n", false},
        {"Zm 9v", false},
        {"Zg=A", false},
    };
    unsigned char out[64];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
        if (util_base64_decode(v[i].in, strlen(v[i].in), out, v[i].url) != -1) {
            print_error("accepted \"%s\" (%s)\n", v[i].in,
                        v[i].url ? "url" : "std");
            fail();
        }
    /* An embedded NUL is not in either alphabet. */
    assert_int_equal(util_base64_decode("Zg\0A", 4, out, true), -1);
    assert_int_equal(util_base64_decode("Zg\0A", 4, out, false), -1);
}

static void
test_base64_round_trip(void **state)
{
    unsigned char in[300], back[300];
    char enc[420];
    size_t n, i;

    (void)state;
    srand(1);
    for (n = 0; n < sizeof(in); n++) {
        size_t m;
        long d;
        for (i = 0; i < n; i++)
            in[i] = (unsigned char)(rand() & 0xff);
        if (n >= 3) /* every byte value, including the '-' and '_' digits */
            in[n - 1] = (unsigned char)n;
        m = util_b64url_encode(in, n, enc);
        assert_int_equal(m, util_b64_len(n));
        assert_int_equal(strlen(enc), m);
        for (i = 0; i < m; i++)
            assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn"
                                   "opqrstuvwxyz0123456789-_",
                                   enc[i]));
        d = util_base64_decode(enc, m, back, true);
        assert_int_equal(d, (long)n);
        assert_memory_equal(back, in, n);
        /* The same bytes in the standard alphabet, padded. */
        for (i = 0; i < m; i++)
            enc[i] = enc[i] == '-' ? '+' : enc[i] == '_' ? '/' : enc[i];
        while (m % 4)
            enc[m++] = '=';
        d = util_base64_decode(enc, m, back, false);
        assert_int_equal(d, (long)n);
        assert_memory_equal(back, in, n);
    }
}

/*
 * The decoder (four characters at a time) against the obvious one, a
 * character at a time, on random strings over both alphabets, '=' and a
 * few bytes outside them, at every length up to 64.
 */
static int
ref_b64val(unsigned char c, bool url)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == (url ? '-' : '+'))
        return 62;
    if (c == (url ? '_' : '/'))
        return 63;
    return -1;
}

static long
ref_b64_decode(const char *in, size_t n, unsigned char *out, bool url)
{
    size_t i, o = 0;
    uint32_t acc = 0;
    int bits = 0;

    if (!url && n % 4 == 0 && n > 0 && in[n - 1] == '=')
        n -= in[n - 2] == '=' ? 2 : 1;
    if (n % 4 == 1)
        return -1;
    for (i = 0; i < n; i++) {
        int v = ref_b64val((unsigned char)in[i], url);
        if (v < 0)
            return -1;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits & 0xff);
        }
    }
    if (url && bits && (acc & ((1u << bits) - 1)))
        return -1;
    return (long)o;
}

static void
test_base64_decode_reference(void **state)
{
    static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrs"
                                "tuvwxyz0123456789+/-_=\x80\xff \n.";
    char in[64];
    unsigned char a[64], b[64];
    size_t n, i, round;

    (void)state;
    srand(7);
    for (round = 0; round < 20000; round++) {
        bool url = round & 1;
        n = (size_t)rand() % sizeof(in);
        for (i = 0; i < n; i++) {
            /* Mostly valid characters, so that long valid runs occur. */
            size_t k = rand() % 16 ? (size_t)rand() % 64
                                   : (size_t)rand() % (sizeof(alpha) - 1);
            in[i] = alpha[k];
            if (url && k == 62)
                in[i] = '-';
            if (url && k == 63)
                in[i] = '_';
        }
        if (n >= 2 && !url && rand() % 4 == 0)
            in[n - 1] = '=';
        {
            long ra = util_base64_decode(in, n, a, url);
            long rb = ref_b64_decode(in, n, b, url);
            assert_int_equal(ra, rb);
            if (ra > 0)
                assert_memory_equal(a, b, (size_t)ra);
        }
    }
}

/* ---- util_percent_decode ---- */

static long
pdec(const char *in, char *out, bool plus)
{
    return util_percent_decode(in, strlen(in), out, plus);
}

static void
test_percent_decode(void **state)
{
    char out[64];

    (void)state;
    assert_int_equal(pdec("%41", out, false), 1);
    assert_string_equal(out, "A");
    assert_int_equal(pdec("a%4a%4A%7e", out, true), 4);
    assert_string_equal(out, "aJJ~");
    assert_int_equal(pdec("", out, true), 0);
    assert_string_equal(out, "");
    assert_int_equal(pdec("PageSize", out, true), 8);
    assert_string_equal(out, "PageSize");
    assert_int_equal(pdec("%25%32%30", out, true), 3);
    assert_string_equal(out, "%20"); /* decoded once, not twice */
    assert_int_equal(pdec("%C3%A9", out, true), 2);
    assert_string_equal(out, "\xc3\xa9");
    assert_int_equal(pdec("%ff", out, true), 1);
    assert_string_equal(out, "\xff");
    /* Only len bytes are read. */
    assert_int_equal(util_percent_decode("ab%41", 2, out, true), 2);
    assert_string_equal(out, "ab");
}

static void
test_percent_decode_bad(void **state)
{
    static const char *const bad[] = {
        "%",    "%4",   "a%4", "%zz",   "%4z", "%z4", "%g0",
        "% 41", "%%41", "%00", "a%00b", "%-1", "%+1",
    };
    char out[64];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (pdec(bad[i], out, true) != -1 || pdec(bad[i], out, false) != -1) {
            print_error("accepted \"%s\"\n", bad[i]);
            fail();
        }
    }
    /* A raw NUL byte is refused like a decoded one. */
    assert_int_equal(util_percent_decode("a\0b", 3, out, true), -1);
    /* "%4" cut by len is incomplete even if the next byte is a digit. */
    assert_int_equal(util_percent_decode("%41", 2, out, true), -1);
}

static void
test_percent_decode_plus(void **state)
{
    char out[64];

    (void)state;
    assert_int_equal(pdec("a+b", out, true), 3);
    assert_string_equal(out, "a b");
    assert_int_equal(pdec("a+b", out, false), 3);
    assert_string_equal(out, "a+b");
    assert_int_equal(pdec("%2B", out, true), 1);
    assert_string_equal(out, "+");
    assert_int_equal(pdec("%2b", out, false), 1);
    assert_string_equal(out, "+");
    assert_int_equal(pdec("%20+", out, true), 2);
    assert_string_equal(out, "  ");
    assert_int_equal(pdec("+++", out, false), 3);
    assert_string_equal(out, "+++");
}

/* ---- util_random_hex32, util_hash, clocks ---- */

static void
test_random_hex32(void **state)
{
    char a[33], b[33];
    unsigned seen = 0;
    int i, j;

    (void)state;
    a[32] = b[32] = '\0';
    for (i = 0; i < 200; i++) {
        memset(a, 'X', 32);
        util_random_hex32(a);
        for (j = 0; j < 32; j++) {
            char c = a[j];
            assert_true((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
            seen |= 1u << (c <= '9' ? c - '0' : c - 'a' + 10);
        }
        util_random_hex32(b);
        assert_string_not_equal(a, b);
    }
    assert_int_equal(seen, 0xffffu);
}

static void
test_hash_and_clocks(void **state)
{
    uint64_t t0, t1;

    (void)state;
    /* FNV-1a 64 test vectors. */
    assert_true(util_hash(UTIL_HASH_INIT, "", 0) == 0xcbf29ce484222325ULL);
    assert_true(util_hash(UTIL_HASH_INIT, "a", 1) == 0xaf63dc4c8601ec8cULL);
    assert_true(util_hash(UTIL_HASH_INIT, "foobar", 6) ==
                0x85944171f73967e8ULL);
    assert_true(util_hash(util_hash(UTIL_HASH_INIT, "foo", 3), "bar", 3) ==
                0x85944171f73967e8ULL);
    t0 = util_now_ns();
    t1 = util_now_ns();
    assert_true(t1 >= t0);
    assert_true(util_ncpu() >= 1);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_parse_int_valid),
    cmocka_unit_test(test_parse_int_bounds),
    cmocka_unit_test(test_parse_int_signs_spaces_empty),
    cmocka_unit_test(test_parse_int_long),
    cmocka_unit_test(test_parse_int_19_digits_in_range),
    cmocka_unit_test(test_is_sid),
    cmocka_unit_test(test_parse_date_epoch),
    cmocka_unit_test(test_parse_date_calendar),
    cmocka_unit_test(test_parse_date_format),
    cmocka_unit_test(test_ct_equal),
    cmocka_unit_test(test_b64url_encode_vectors),
    cmocka_unit_test(test_base64_decode_vectors),
    cmocka_unit_test(test_base64_decode_invalid),
    cmocka_unit_test(test_base64_round_trip),
    cmocka_unit_test(test_base64_decode_reference),
    cmocka_unit_test(test_percent_decode),
    cmocka_unit_test(test_percent_decode_bad),
    cmocka_unit_test(test_percent_decode_plus),
    cmocka_unit_test(test_random_hex32),
    cmocka_unit_test(test_hash_and_clocks),
};

UNIT_MAIN(tests)
