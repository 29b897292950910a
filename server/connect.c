/*
 * connect.c - see connect.h.
 *
 * SPDX-License-Identifier: MIT
 */
#include "connect.h"

#include <string.h>

static const char method[] = "CONNECT ";
#define METHOD_LEN (sizeof(method) - 1)

static int
is_tchar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* RFC 3986 reg-name characters (percent-encoding is not a name here). */
static int
is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
           c == '~';
}

/* host:port of the request line (s, n bytes) into t. */
static int
parse_authority(const char *s, size_t n, struct connect_target *t)
{
    size_t i, host_start, host_end;
    unsigned long port = 0;

    if (n == 0)
        return -1;
    if (s[0] == '[') {
        host_start = 1;
        for (i = 1; i < n && s[i] != ']'; i++)
            if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
                  (s[i] >= 'A' && s[i] <= 'F') || s[i] == ':' || s[i] == '.'))
                return -1;
        if (i == n || i == 1)
            return -1;
        host_end = i++;
    } else {
        host_start = 0;
        for (i = 0; i < n && is_name_char(s[i]); i++)
            ;
        if (i == 0)
            return -1;
        host_end = i;
    }
    if (i == n || s[i] != ':' || i + 1 == n || n - i - 1 > 5)
        return -1; /* CONNECT needs an explicit port */
    for (i++; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        port = port * 10 + (unsigned long)(s[i] - '0');
    }
    if (port == 0 || port > 65535 || host_end - host_start > CONNECT_MAX_HOST)
        return -1;
    memcpy(t->host, s + host_start, host_end - host_start);
    t->host_len = host_end - host_start;
    t->host[t->host_len] = '\0';
    t->port = (unsigned)port;
    return 0;
}

/* One header field line (no CRLF): a token, ':', any visible value. */
static int
valid_field(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n && is_tchar(s[i]); i++)
        ;
    if (i == 0 || i == n || s[i] != ':')
        return 0;
    for (i++; i < n; i++)
        if (((unsigned char)s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f)
            return 0;
    return 1;
}

enum connect_result
connect_parse(const char *buf, size_t len, struct connect_target *t)
{
    const char *end, *line, *sp;
    size_t n, head, lim = len < CONNECT_MAX_HEAD ? len : CONNECT_MAX_HEAD;

    memset(t, 0, sizeof(*t));
    n = len < METHOD_LEN ? len : METHOD_LEN;
    if (memcmp(buf, method, n) != 0)
        return CONNECT_NOT_CONNECT;
    end = NULL;
    for (head = 3; head < lim; head++)
        if (buf[head] == '\n' && buf[head - 1] == '\r' &&
            buf[head - 2] == '\n' && buf[head - 3] == '\r') {
            end = buf + head + 1;
            break;
        }
    if (end == NULL)
        return len >= CONNECT_MAX_HEAD ? CONNECT_TOO_LONG : CONNECT_INCOMPLETE;
    t->head_len = (size_t)(end - buf);
    /* The request line: CONNECT SP authority SP HTTP/1.x CRLF */
    line = memchr(buf, '\r', t->head_len);
    if (line == NULL || line[1] != '\n')
        return CONNECT_BAD;
    sp = memchr(buf + METHOD_LEN, ' ', (size_t)(line - buf - METHOD_LEN));
    if (sp == NULL)
        return CONNECT_BAD;
    if (parse_authority(buf + METHOD_LEN, (size_t)(sp - buf - METHOD_LEN),
                        t) < 0)
        goto bad;
    if ((size_t)(line - sp - 1) != 8 || memcmp(sp + 1, "HTTP/1.", 7) != 0 ||
        (sp[8] != '0' && sp[8] != '1'))
        goto bad;
    /* Header fields, up to the empty line. */
    for (line += 2; line < end - 2;) {
        const char *eol = memchr(line, '\r', (size_t)(end - line));
        if (eol == NULL || eol[1] != '\n' ||
            !valid_field(line, (size_t)(eol - line)))
            goto bad;
        line = eol + 2;
    }
    return CONNECT_OK;
bad:
    memset(t->host, 0, sizeof(t->host));
    t->host_len = 0;
    t->port = 0;
    return CONNECT_BAD;
}
