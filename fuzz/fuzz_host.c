/*
 * fuzz_host.c - Host header validation, link building and JSON string
 * escaping on arbitrary bytes (an exact-size copy of the input).
 *
 * - paging_host_valid must agree with a plain reference of the contract
 *   (dot-separated labels of [A-Za-z0-9-] or [IPv6 chars], optional :port
 *   up to 65535, <= 255 bytes);
 * - for a valid host, the links built from "http://" + host hold only
 *   printable ASCII and none of '"', '\\', ' ' (so nothing that could break
 *   a JSON string or a header);
 * - render_json_chars of the bytes is valid JSON string content (no raw
 *   control character, valid UTF-8, known escapes only) that decodes to the
 *   input with each byte of an invalid UTF-8 sequence as U+FFFD, and json-c
 *   (strict, UTF-8 validating) reads the same string.
 *
 * SPDX-License-Identifier: MIT
 */
#include <json-c/json.h>
#include <stdbool.h>

#include "fuzz_common.h"
#include "paging.h"
#include "render.h"

static bool
is_alnum_dash(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
           (c >= 'A' && c <= 'Z') || c == '-';
}

/*
 * The contract: a name of non-empty labels of [A-Za-z0-9-] separated by
 * dots (one final dot allowed), or [ and at least 2 of [0-9A-Fa-f:.] and ],
 * then optionally ':' and a port of 1 to 5 digits up to 65535; at most 255
 * bytes in all.
 */
static bool
ref_host_valid(const unsigned char *h, size_t n)
{
    size_t i = 0, end, d;
    unsigned long port = 0;

    if (n == 0 || n > PAGING_MAX_HOST)
        return false;
    end = n;
    if (h[0] == '[') {
        const unsigned char *close = memchr(h, ']', n);
        if (close == NULL)
            return false;
        end = (size_t)(close - h);
        if (end - 1 < 2)
            return false;
        for (i = 1; i < end; i++)
            if (h[i] == 0 || !strchr("0123456789abcdefABCDEF:.", h[i]))
                return false;
        i = end + 1;
    } else {
        const unsigned char *colon = memchr(h, ':', n);
        size_t label = 0;
        end = colon ? (size_t)(colon - h) : n;
        if (end == 0)
            return false;
        for (i = 0; i < end; i++) {
            if (h[i] == '.') {
                if (label == 0)
                    return false;
                label = 0;
            } else if (is_alnum_dash(h[i])) {
                label++;
            } else {
                return false;
            }
        }
    }
    if (i == n)
        return true;
    if (h[i] != ':')
        return false;
    for (d = 0, i++; i < n; i++, d++) {
        if (h[i] < '0' || h[i] > '9')
            return false;
        port = port * 10 + (h[i] - '0');
        if (port > 65535)
            return false;
    }
    return d >= 1 && d <= 5;
}

static int
hexv(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/*
 * Checks that s[0..n) is valid JSON string content and decodes it into dec
 * (escapes resolved; \u only for code points below 0x80 is expected from
 * render_json_chars). Returns the decoded length.
 */
static size_t
check_json_chars(const unsigned char *s, size_t n, struct buf *dec)
{
    size_t i = 0, len;

    while (i < n) {
        unsigned char c = s[i];
        FUZZ_CHECK(c >= 0x20 && c != '"');
        if (c == '\\') {
            FUZZ_CHECK(i + 1 < n);
            switch (s[i + 1]) {
            case '"': buf_addc(dec, '"'); break;
            case '\\': buf_addc(dec, '\\'); break;
            case '/': buf_addc(dec, '/'); break;
            case 'b': buf_addc(dec, '\b'); break;
            case 'f': buf_addc(dec, '\f'); break;
            case 'n': buf_addc(dec, '\n'); break;
            case 'r': buf_addc(dec, '\r'); break;
            case 't': buf_addc(dec, '\t'); break;
            case 'u': {
                int v = 0, k;
                FUZZ_CHECK(i + 6 <= n);
                for (k = 2; k < 6; k++) {
                    int h = hexv(s[i + k]);
                    FUZZ_CHECK(h >= 0);
                    v = v << 4 | h;
                }
                /* render escapes only control characters this way. */
                FUZZ_CHECK(v < 0x20);
                buf_addc(dec, (char)v);
                i += 4;
                break;
            }
            default:
                FUZZ_CHECK(!"unknown escape");
            }
            i += 2;
            continue;
        }
        len = fuzz_utf8_len(s + i, n - i);
        FUZZ_CHECK(len > 0);
        buf_add(dec, s + i, len);
        i += len;
    }
    return dec->len;
}

static void
check_render(const char *in, size_t n)
{
    const unsigned char *p = (const unsigned char *)in;
    struct buf out = BUF_INIT, dec = BUF_INIT, want = BUF_INIT,
               quoted = BUF_INIT;
    json_tokener *tok;
    json_object *obj;
    size_t i = 0, len;

    render_json_chars(&out, in, n);
    FUZZ_CHECK(!buf_failed(&out));
    check_json_chars((const unsigned char *)(out.data ? out.data : ""),
                     out.len, &dec);
    while (i < n) {
        len = fuzz_utf8_len(p + i, n - i);
        if (len == 0) {
            buf_add(&want, "\xef\xbf\xbd", 3);
            i++;
        } else {
            buf_add(&want, p + i, len);
            i += len;
        }
    }
    FUZZ_CHECK(dec.len == want.len &&
               (dec.len == 0 || memcmp(dec.data, want.data, dec.len) == 0));

    render_json_string(&quoted, in, n);
    FUZZ_CHECK(quoted.len == out.len + 2 && quoted.data[0] == '"' &&
               quoted.data[quoted.len - 1] == '"');
    tok = json_tokener_new();
    json_tokener_set_flags(tok,
                           JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    obj = json_tokener_parse_ex(tok, quoted.data, (int)quoted.len);
    FUZZ_CHECK(json_tokener_get_error(tok) == json_tokener_success);
    FUZZ_CHECK(json_object_is_type(obj, json_type_string));
    FUZZ_CHECK((size_t)json_object_get_string_len(obj) == want.len &&
               memcmp(json_object_get_string(obj), want.data ? want.data : "",
                      want.len) == 0);
    json_object_put(obj);
    json_tokener_free(tok);
    buf_release(&out);
    buf_release(&dec);
    buf_release(&want);
    buf_release(&quoted);
}

static void
check_links(const char *host, size_t n)
{
    static const char tok[] = "QUFBQUFBQUFBYWlhX2Fzc3RfeA";
    struct buf base = BUF_INIT, url = BUF_INIT;
    size_t i;

    buf_adds(&base, "http://");
    buf_add(&base, host, n);
    paging_add_url(&url, base.data, base.len, "/v1/Assistants", NULL, 50, 0, NULL, 0);
    paging_add_url(&url, base.data, base.len, "/v1/Assistants", NULL, 1000, PAGING_MAX_PAGE, tok,
                   strlen(tok));
    FUZZ_CHECK(!buf_failed(&url));
    FUZZ_CHECK(strlen(url.data) == url.len);
    for (i = 0; i < url.len; i++) {
        unsigned char c = (unsigned char)url.data[i];
        FUZZ_CHECK(c > 0x20 && c < 0x7f && c != '"' && c != '\\');
    }
    buf_release(&base);
    buf_release(&url);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *in = fuzz_copy(data, size, 0);
    bool valid = paging_host_valid(in, size);

    FUZZ_CHECK(valid == ref_host_valid(data, size));
    if (valid)
        check_links(in, size);
    check_render(in, size);
    free(in);
    return 0;
}
