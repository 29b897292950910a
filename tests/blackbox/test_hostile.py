#!/usr/bin/env python3
"""Black-box tests of hostile and unusual HTTP clients (issue 5, "Hostile
clients"): oversized request-targets and headers, thousands of query
parameters, invalid percent-encoding, NUL bytes, invalid UTF-8, poisoned Host
headers, SQL-injection-shaped values, 500 slow-loris connections, bodies on
GET, Expect: 100-continue, pipelining, HTTP/1.0 and HTTP/1.1 without Host and
Connection: close.

Malformed requests go over raw sockets.  After every test the server process
must still be alive and serve a normal request; no link in any body received
during the whole run may contain a poisoned Host.

Usage: python3 tests/blackbox/test_hostile.py [--binary PATH]

SPDX-License-Identifier: MIT
"""

import json
import re
import resource
import signal
import socket
import threading
import time
import urllib.parse

import harness
from harness import account, assistant, sid

ACCT = sid('AC', 0x40571e)
TOKEN = 'hostile-token-a'
ACCT_B = sid('AC', 0x40571f)
TOKEN_B = 'hostile-token-b'
N_ITEMS = 37
AUTH = (ACCT, TOKEN)
AUTH_HDR = harness.basic(ACCT, TOKEN).encode()

# Marker inside every poisoned Host value: must never reach a body.
POISON = 'poison'
SHORT_TIMEOUT = 5.0

SQLI = ["' OR 1=1 --", '1; DROP TABLE assistants', '"', '\\',
        "1' OR '1'='1", '1 UNION SELECT auth_token FROM accounts',
        "'); DELETE FROM assistants; --", '%', '_', '*', '0x1', '1e3',
        'NULL', '$(id)', '`id`']


def fixture():
    items = [assistant('aia_asst_h-%03d' % i, ACCT,
                       '2024-06-%02dT12:00:00Z' % (1 + i % 28))
             for i in range(N_ITEMS)]
    items += [assistant('aia_asst_hb-%03d' % i, ACCT_B) for i in range(3)]
    return {'accounts': [account(ACCT, TOKEN), account(ACCT_B, TOKEN_B)],
            'assistants': items}


# ---------------------------------------------------------------------------
# Raw HTTP helpers


def parse_head(head):
    lines = head.decode('latin-1').split('\r\n')
    parts = lines[0].split(' ', 2)
    if len(parts) < 2 or not parts[0].startswith('HTTP/1.') or \
            not parts[1].isdigit() or len(parts[1]) != 3:
        raise AssertionError('not an HTTP status line: %r' % lines[0])
    headers = []
    for line in lines[1:]:
        k, sep, v = line.partition(':')
        if not sep:
            raise AssertionError('malformed header line %r' % line)
        headers.append((k.strip(), v.strip()))
    return int(parts[1]), parts[2] if len(parts) > 2 else '', headers


class Conn:
    """A raw connection that reads whole responses (Content-Length)."""

    def __init__(self, port, timeout=SHORT_TIMEOUT):
        self.sock = socket.create_connection(('127.0.0.1', port),
                                             timeout=timeout)
        self.buf = b''
        self.eof = False
        self.targets = []  # request-targets sent and not yet answered

    def send(self, data):
        """Sends data; a reset while sending is recorded, not raised (the
        server may answer and close before reading all of it)."""
        self.targets += harness.request_targets(data)
        try:
            self.sock.sendall(data)
            return None
        except OSError as e:
            return e

    def _fill(self):
        try:
            chunk = self.sock.recv(65536)
        except ConnectionResetError:
            chunk = b''
        if not chunk:
            self.eof = True
        self.buf += chunk
        return bool(chunk)

    def response(self, head_only=False):
        """Next response as harness.Response; AssertionError on timeout,
        EOF before a complete response, or a malformed response."""
        try:
            while b'\r\n\r\n' not in self.buf:
                if not self._fill():
                    raise AssertionError(
                        'connection closed before a complete response head; '
                        'got %r' % self.buf[:300])
            head, _, rest = self.buf.partition(b'\r\n\r\n')
            status, reason, headers = parse_head(head)
            length = None
            for k, v in headers:
                if k.lower() == 'transfer-encoding':
                    raise AssertionError('unexpected Transfer-Encoding %r' % v)
                if k.lower() == 'content-length':
                    length = int(v)
            if head_only or status < 200 or status in (204, 304):
                length = 0
            if length is None:
                # body until close
                self.buf = rest
                while self._fill():
                    pass
                body, self.buf = self.buf, b''
            else:
                self.buf = rest
                while len(self.buf) < length:
                    if not self._fill():
                        raise AssertionError(
                            'body truncated: %d of %d bytes'
                            % (len(self.buf), length))
                body, self.buf = self.buf[:length], self.buf[length:]
        except socket.timeout:
            raise AssertionError('no complete response within %.0f s; got %r'
                                 % (self.sock.gettimeout(), self.buf[:300]))
        target = None
        if status >= 200 and self.targets:
            target = self.targets.pop(0)
        return harness.Response(status, reason, headers, body, target=target)

    def closed_by_peer(self, timeout=2.0):
        """True if the server closes the connection within timeout (with no
        further bytes)."""
        self.sock.settimeout(timeout)
        try:
            while not self.eof:
                if self._fill() and self.buf:
                    return False
            return self.buf == b''
        except socket.timeout:
            return False

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def req(target, host=b'127.0.0.1', extra=b'', auth=True, version=b'1.1',
        close=True, method=b'GET'):
    """Bytes of one request; target, host and extra are bytes (host None:
    no Host header)."""
    out = method + b' ' + target + b' HTTP/' + version + b'\r\n'
    if host is not None:
        out += b'Host: ' + host + b'\r\n'
    if auth:
        out += b'Authorization: ' + (AUTH_HDR if auth is True else auth) + \
            b'\r\n'
    if close:
        out += b'Connection: close\r\n'
    return out + extra + b'\r\n'


class Hostile(harness.TestCase):

    bodies = []  # every body received by the class, for the Host check

    @classmethod
    def setUpClass(cls):
        path = harness.write_json(cls.class_tmpdir(), 'hostile.json',
                                  fixture())
        cls.srv = cls.class_server(['--fixtures', path, '--quiet'])
        cls.reference = cls.srv.get('/v1/Assistants?PageSize=1000',
                                    auth=AUTH)
        assert cls.reference.status == 200, cls.reference

    @classmethod
    def tearDownClass(cls):
        # The server survived everything, stops cleanly on SIGTERM, and (in
        # a sanitizer build) reports no error or leak.
        rc, secs = cls.srv.signal(signal.SIGTERM)
        cls.srv.kill()
        err = cls.srv.stderr_text()
        if rc != 0 or secs >= 1.0:
            raise AssertionError('SIGTERM after the hostile run: exit %r '
                                 'after %.2f s; stderr: %s' % (rc, secs,
                                                               err[-2000:]))
        if re.search(r'Sanitizer|runtime error:', err):
            raise AssertionError('sanitizer report:\n' + err[-4000:])
        # A poisoned Host never reaches a link, in any body of the run.
        for body in cls.bodies:
            if POISON.encode() in body.lower():
                raise AssertionError('poisoned Host reached a body: %r'
                                     % body[:400])

    def tearDown(self):
        self.assert_alive()

    # -- helpers --

    def exchange(self, data, n=1, head_only=False):
        """Sends data on a fresh connection and reads n responses."""
        c = Conn(self.srv.port)
        try:
            c.send(data)
            out = [c.response(head_only) for _ in range(n)]
        finally:
            c.close()
        for r in out:
            self.bodies.append(r.body)
        return out if n > 1 else out[0]

    def assert_alive(self):
        self.assertIsNone(self.srv.proc.poll(),
                          'server died; stderr: %s' % self.srv.stderr_text())
        r = self.srv.get('/v1/Assistants?PageSize=1000', auth=AUTH)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body, self.reference.body,
                         'list changed after a hostile request')

    def assert_twilio_error(self, r, status=None, code=None, message=None):
        """A 4xx with a Twilio error body (exact when status/code/message
        are given)."""
        self.assertTrue(400 <= r.status < 500, r)
        self.assertEqual(r.header('Content-Type'), 'application/json',
                         (r, r.headers))
        try:
            body = r.ordered()
        except ValueError as e:
            self.fail('error body is not JSON (%s): %r' % (e, r.body[:300]))
        keys = [k for k, _ in body]
        self.assertEqual(keys, harness.ERROR_KEYS, r)
        d = dict(body)
        self.assertEqual(d['status'], r.status, r)
        self.assertEqual(d['more_info'],
                         'https://www.twilio.com/docs/errors/%d' % d['code'])
        if status is not None:
            self.assertEqual(r.status, status, r)
        if code is not None:
            self.assertEqual(d['code'], code, r)
        if message is not None:
            self.assertEqual(d['message'], message, r)
        self.assert_standard_headers(r)

    def assert_list(self, r, n=None, page_size=None, base=None):
        self.assertEqual(r.status, 200, r)
        try:
            d = r.json()
        except ValueError as e:
            self.fail('list body is not JSON (%s): %r' % (e, r.body[:300]))
        if n is not None:
            self.assertEqual(len(d['assistants']), n, r)
        if page_size is not None:
            self.assertEqual(d['meta']['page_size'], page_size, r)
        if base is not None:
            for k in ('first_page_url', 'url', 'next_page_url'):
                if d['meta'][k] is not None:
                    self.assertTrue(d['meta'][k].startswith(base + '/'),
                                    (k, d['meta'][k], base))
            for a in d['assistants']:
                self.assertTrue(a['url'].startswith(base + '/'), a['url'])
        return d

    def token(self, page_size=5):
        r = self.srv.get('/v1/Assistants?PageSize=%d' % page_size, auth=AUTH)
        nxt = r.json()['meta']['next_page_url']
        return nxt.split('&PageToken=', 1)[1]

    # -- oversized requests --

    def test_uri_over_8k(self):
        """A request-target over 8 KiB: 414 with Twilio's body, then the
        server still serves a normal request; 8 KiB exactly is served."""
        prefix = b'/v1/Assistants?PageSize=3&x='
        exact = prefix + b'a' * (8192 - len(prefix))
        self.assert_list(self.exchange(req(exact)), n=3)
        for size in (8193, 10000, 60000):
            with self.subTest(size=size):
                target = prefix + b'a' * (size - len(prefix))
                self.assert_twilio_error(self.exchange(req(target)), 414,
                                         20001, 'Request-URI Too Long')
                self.assert_alive()
        # also a long path (404 would echo it) and on a keep-alive connection
        r = self.exchange(req(b'/v1/' + b'p' * 9000, close=False))
        self.assert_twilio_error(r, 414, 20001, 'Request-URI Too Long')

    def test_headers_over_16k(self):
        """Headers over 16 KiB (one big or many small): 431 with Twilio's
        body."""
        cases = {
            'one 20 KB header': b'X-Big: ' + b'b' * 20000 + b'\r\n',
            '200 headers of 100 B': b''.join(
                b'X-H%d: %s\r\n' % (i, b'v' * 100) for i in range(200)),
            'big cookie': b'Cookie: ' + b'c=' + b'k' * 17000 + b'\r\n',
        }
        for name, extra in cases.items():
            with self.subTest(name):
                r = self.exchange(req(b'/v1/Assistants?PageSize=1',
                                      extra=extra))
                self.assert_twilio_error(r, 431, 20001,
                                         'Request Header Fields Too Large')
                self.assert_alive()

    OVERSIZE = [
        ('URI 100 KB', b'/v1/Assistants?x=' + b'a' * 100000, b'', 414),
        ('URI 1 MB', b'/v1/Assistants?x=' + b'a' * 1000000, b'', 414),
        ('URI 4 MB', b'/v1/Assistants?x=' + b'a' * 4000000, b'', 414),
        ('header 100 KB', b'/v1/Assistants',
         b'X-Big: ' + b'b' * 100000 + b'\r\n', 431),
        ('header 1 MB', b'/v1/Assistants',
         b'X-Big: ' + b'b' * 1000000 + b'\r\n', 431),
        ('header 4 MB', b'/v1/Assistants',
         b'X-Big: ' + b'b' * 4000000 + b'\r\n', 431),
    ]

    def oversize_responses(self):
        for name, target, extra, status in self.OVERSIZE:
            c = Conn(self.srv.port)
            try:
                c.send(req(target, extra=extra))
                r = c.response()
                self.bodies.append(r.body)
                closed = c.closed_by_peer()
            finally:
                c.close()
            self.assert_alive()
            yield name, status, r, closed

    def test_oversize_far_beyond_limits(self):
        """A request-target or header far beyond the limits (100 KB to 4 MB):
        a clean 414/431 status line, the connection closed, server up."""
        for name, status, r, closed in self.oversize_responses():
            with self.subTest(name):
                self.assertEqual(r.status, status, r)
                self.assertTrue(closed, 'connection not closed')

    # Requests over the limits (8 KiB target, 16 KiB headers) that still fit
    # the server's 64 KiB per-connection buffer reach the handler.
    OVER_LIMIT = [
        ('URI 9 KB', b'/v1/Assistants?x=' + b'a' * 9000, b'', 414),
        ('URI 40 KB', b'/v1/Assistants?x=' + b'a' * 40000, b'', 414),
        ('header 17 KB', b'/v1/Assistants',
         b'X-Big: ' + b'b' * 17000 + b'\r\n', 431),
        ('header 40 KB', b'/v1/Assistants',
         b'X-Big: ' + b'b' * 40000 + b'\r\n', 431),
    ]

    def test_over_limits_twilio_body(self):
        """Over the limits but within the connection buffer: Twilio's JSON
        error body and headers (README: "request-target over 8 KiB -> 414
        ... Request-URI Too Long", "headers over 16 KiB -> 431"). Far beyond
        (test_oversize_far_beyond_limits) libmicrohttpd answers 414/431
        itself, with its own body: a documented limitation."""
        problems = []
        for name, target, extra, status in self.OVER_LIMIT:
            c = Conn(self.srv.port)
            try:
                c.send(req(target, extra=extra))
                r = c.response()
            finally:
                c.close()
            self.assert_alive()
            try:
                self.assert_twilio_error(r, status, 20001)
            except AssertionError as e:
                problems.append('%s: %d %r (%s)' % (
                    name, r.status, r.body[:150], str(e)[:100]))
        if problems:
            self.fail('no Twilio JSON body:\n  ' + '\n  '.join(problems))

    # -- many parameters --

    def test_5000_query_parameters(self):
        """5,000 query parameters (10 KB, so over the 8 KiB limit): a valid
        answer (Twilio 414, or 200) within a few seconds, never silence."""
        for name, query in (
                ('a&a&...', b'&'.join([b'a'] * 5000)),
                ('p0=0&...', b'&'.join(b'p%d=%d' % (i, i)
                                       for i in range(5000)))):
            with self.subTest(name):
                target = b'/v1/Assistants?PageSize=2&' + query
                r = self.exchange(req(target))
                if r.status == 200:
                    self.assert_list(r, n=2, page_size=2)
                else:
                    self.assert_twilio_error(r, 414, 20001,
                                             'Request-URI Too Long')
                self.assert_alive()

    def test_5000_empty_query_parameters(self):
        """5,000 empty parameters ('&' x 5000, 5 KB): 200."""
        target = b'/v1/Assistants?' + b'&' * 2500 + b'PageSize=2' + \
            b'&' * 2500
        self.assert_list(self.exchange(req(target)), n=2, page_size=2)

    def test_1000_query_parameters_under_8k(self):
        """1,000 'a=1' parameters (4 KB, well under the 8 KiB limit): an
        ordinary 200."""
        for n in (500, 1000, 2000):
            with self.subTest(params=n):
                target = b'/v1/Assistants?' + b'a=1&' * n + b'PageSize=3'
                self.assertLessEqual(len(target), 8192)
                self.assert_list(self.exchange(req(target)), n=3, page_size=3)
                self.assert_alive()

    # -- encoding --

    def test_invalid_percent_encoding(self):
        base = b'/v1/Assistants?'
        for path in (b'/v1/Assist%zzants', b'/v1/Assistants%',
                     b'/v1/Assistants%4', b'/v1/%G1', b'/v1/Assistants%%'):
            with self.subTest(path=path):
                r = self.exchange(req(path + b'?PageSize=1'))
                self.assert_twilio_error(r, 404, 20404)
        for v in (b'%zz', b'%', b'1%', b'%4', b'%G0', b'%%', b'1%2', b'%-1'):
            with self.subTest(PageSize=v):
                self.assert_twilio_error(
                    self.exchange(req(base + b'PageSize=' + v)), 400, 20001,
                    'Invalid PageSize.')
            with self.subTest(Page=v):
                self.assert_twilio_error(
                    self.exchange(req(base + b'Page=' + v)), 400, 20001,
                    'Invalid Page.')
        tok = self.token().encode()
        for v in (b'%zz', b'%', tok + b'%', tok[:10] + b'%g' + tok[12:],
                  tok + b'%4', b'%%' + tok):
            with self.subTest(PageToken=v):
                self.assert_twilio_error(
                    self.exchange(req(base + b'PageSize=5&Page=1&PageToken=' +
                                      v)), 400, 20001, 'Invalid PageToken.')
        # a valid token with a percent-encoded (equivalent) character works
        r = self.exchange(req(base + b'PageSize=5&Page=1&PageToken=%' +
                              b'%02X' % tok[0] + tok[1:]))
        self.assert_list(r, n=5)

    def test_nul_bytes(self):
        base = b'/v1/Assistants?'
        tok = self.token().encode()
        cases = [
            (b'PageSize=1%00', 'Invalid PageSize.'),
            (b'PageSize=%001', 'Invalid PageSize.'),
            (b'PageSize=%00', 'Invalid PageSize.'),
            (b'Page=0%00', 'Invalid Page.'),
            (b'Page=%00', 'Invalid Page.'),
            (b'PageSize=5&Page=1&PageToken=' + tok + b'%00',
             'Invalid PageToken.'),
            (b'PageSize=5&Page=1&PageToken=' + tok[:8] + b'%00' + tok[8:],
             'Invalid PageToken.'),
            (b'PageSize=5&Page=1&PageToken=%00' + tok, 'Invalid PageToken.'),
        ]
        for q, msg in cases:
            with self.subTest(q=q):
                self.assert_twilio_error(self.exchange(req(base + q)), 400,
                                         20001, msg)
        # NUL in a parameter name: an unknown parameter, ignored
        for q in (b'PageSize%00=2', b'Page%00Size=2', b'x=%00&PageSize=2'):
            with self.subTest(q=q):
                d = self.assert_list(self.exchange(req(base + q)))
                self.assertEqual(d['meta']['page_size'],
                                 2 if q.startswith(b'x=') else 50)
        for path in (b'/v1/Assistants%00', b'/v1/Assistants%00/x',
                     b'/%00'):
            with self.subTest(path=path):
                self.assert_twilio_error(self.exchange(req(path)), 404, 20404)

    def test_invalid_utf8(self):
        """Raw invalid UTF-8 bytes in the query and the path: 200 for an
        unknown parameter, 400/404 otherwise, and every body valid UTF-8
        JSON."""
        base = b'/v1/Assistants?'
        bad = [b'\xff\xfe', b'\xc0\x80', b'\xed\xa0\x80', b'\xf8\x88\x80\x80',
               b'\x80', b'%ff%fe', b'%c0%80']
        for b in bad:
            with self.subTest(value=b):
                d = self.assert_list(self.exchange(req(base + b'x=' + b +
                                                       b'&PageSize=2')), n=2)
                self.assertNotIn('x=', d['meta']['url'])
                self.assert_list(self.exchange(req(base + b + b'=1&PageSize'
                                                   b'=2')), n=2)
                self.assert_twilio_error(
                    self.exchange(req(base + b'PageSize=' + b)), 400, 20001,
                    'Invalid PageSize.')
                self.assert_twilio_error(
                    self.exchange(req(base + b'PageSize=1&Page=1&PageToken=' +
                                      b)), 400, 20001, 'Invalid PageToken.')
                r = self.exchange(req(b'/v1/' + b))
                self.assert_twilio_error(r, 404, 20404)
                r.body.decode('utf-8')  # strict

    # -- Host header --

    def test_poisoned_host(self):
        """CR, spaces, quotes, <>, path/query/userinfo characters, invalid
        UTF-8 or 5,000 bytes in Host: 400 Invalid Host header, and the
        poison never reaches a body."""
        p = POISON.encode()
        hosts = [
            b'good.example ' + p, b' good.example' + b'\t' + p,
            b'good.example"' + p, b"good.example'" + p,
            b'good.example\r' + p, b'good.example\rX-' + p + b': 1',
            b'good.example<' + p + b'>', b'good.example/' + p,
            b'good.example?' + p, b'good.example#' + p, p + b'@good.example',
            b'good.example:80:' + p, b'good.example:' + p,
            b'[::1' + p + b']', b'good.example\\' + p, b'good.example,' + p,
            b'good.example;' + p, b'good.example%' + p, b'\xff' + p,
            p + b'.' + b'h' * 5000, b'h' * 5000 + p,
            p + b'.' + b'a' * 251,  # 258 bytes: over 255
        ]
        for h in hosts:
            with self.subTest(host=h[:60]):
                r = self.exchange(req(b'/v1/Assistants?PageSize=2', host=h))
                self.assert_twilio_error(r, 400, 20001, 'Invalid Host header.')
                for k, v in r.headers:
                    self.assertNotIn(POISON, v.lower(), (k, v))
        # the longest valid host (255 bytes) is accepted
        h255 = b'a' * 63 + b'.' + b'b' * 63 + b'.' + b'c' * 63 + b'.' + \
            b'd' * 63
        self.assertEqual(len(h255), 255)
        self.assert_list(self.exchange(req(b'/v1/Assistants?PageSize=2',
                                           host=h255)),
                         n=2, base='http://' + h255.decode())

    def test_host_line_tricks(self):
        """Header-line tricks around Host (bare LF, obs-fold, a second
        header after LF): the poison never reaches a link; the answer is a
        400 or a list whose links use a clean base."""
        p = POISON.encode()
        cases = [
            b'GET /v1/Assistants?PageSize=2 HTTP/1.1\r\nHost: good.example\n'
            b'X-' + p + b': 1\r\nAuthorization: ' + AUTH_HDR +
            b'\r\nConnection: close\r\n\r\n',
            b'GET /v1/Assistants?PageSize=2 HTTP/1.1\r\nHost: good.example'
            b'\r\n ' + p + b'.example\r\nAuthorization: ' + AUTH_HDR +
            b'\r\nConnection: close\r\n\r\n',
            b'GET /v1/Assistants?PageSize=2 HTTP/1.1\r\nHost:\r\n ' + p +
            b'.example\r\nAuthorization: ' + AUTH_HDR +
            b'\r\nConnection: close\r\n\r\n',
            b'GET /v1/Assistants?PageSize=2 HTTP/1.1\r\nHost: good.example'
            b'\x00' + p + b'\r\nAuthorization: ' + AUTH_HDR +
            b'\r\nConnection: close\r\n\r\n',
            b'GET /v1/Assistants?PageSize=2 HTTP/1.1\r\nHost : ' + p +
            b'.example\r\nAuthorization: ' + AUTH_HDR +
            b'\r\nConnection: close\r\n\r\n',
        ]
        for data in cases:
            with self.subTest(data=data[:90]):
                c = Conn(self.srv.port)
                try:
                    c.send(data)
                    try:
                        r = c.response()
                    except AssertionError:
                        # connection closed without an answer: acceptable
                        # for a request MHD rejects outright, poison-free
                        self.assertNotIn(p, c.buf.lower())
                        continue
                finally:
                    c.close()
                self.bodies.append(r.body)
                self.assertLess(r.status, 500, r)
                self.assertNotIn(p, r.body.lower(), r)
                if r.status == 200:
                    self.assert_list(r, n=2)

    # -- SQL-injection-shaped input --

    def test_sql_injection_values(self):
        """SQL-shaped values in every parameter: only 400 (200 where the
        parameter is unknown, so ignored), and the store is unchanged."""
        tok = self.token()
        for v in SQLI:
            enc = urllib.parse.quote(v, safe='')
            with self.subTest(value=v):
                for q, msg in (
                        ('PageSize=' + enc, 'Invalid PageSize.'),
                        ('Page=' + enc, 'Invalid Page.'),
                        ('PageSize=5&Page=1&PageToken=' + enc,
                         'Invalid PageToken.'),
                        ('PageToken=' + enc, 'Invalid PageToken.'),
                        ('PageSize=5&Page=1&PageToken=' + tok + enc,
                         'Invalid PageToken.'),
                        ('PageSize=5&Page=1&PageToken=' + enc + tok,
                         'Invalid PageToken.')):
                    r = self.srv.get('/v1/Assistants?' + q, auth=AUTH)
                    self.bodies.append(r.body)
                    self.assert_twilio_error(r, 400, 20001, msg)
                # as an unknown parameter name and value: ignored
                r = self.srv.get('/v1/Assistants?%s=%s&PageSize=4'
                                 % (enc, enc), auth=AUTH)
                self.assert_list(r, n=4, page_size=4)
                # raw (unencoded) where the request line allows it
                if ' ' not in v:
                    raw = v.encode()
                    r = self.exchange(req(b'/v1/Assistants?PageSize=' + raw))
                    self.assert_twilio_error(r, 400, 20001,
                                             'Invalid PageSize.')

    def test_sql_injection_credentials(self):
        """SQL-shaped user names and passwords: 401, and nothing else."""
        for v in SQLI + ["%s' --" % ACCT, "%s' OR '1'='1" % ACCT,
                         ACCT + '"', ACCT + '\\']:
            with self.subTest(value=v):
                for user, pw in ((v, TOKEN), (ACCT, v), (v, v),
                                 (ACCT, TOKEN + v), (ACCT + v, TOKEN),
                                 (ACCT, "x' OR '1'='1"), (sid('SK', 1), v)):
                    r = self.srv.get('/v1/Assistants?PageSize=2',
                                     auth=(user, pw))
                    self.bodies.append(r.body)
                    self.assert_twilio_error(r, 401, 20003, 'Authenticate')
        r = self.srv.get('/v1/Assistants?PageSize=1000', auth=AUTH)
        self.assertEqual(r.body, self.reference.body)
        self.assertEqual(len(r.json()['assistants']), N_ITEMS)

    # -- slow clients --

    def test_slow_loris(self):
        """500 connections each sending one header byte per second do not
        slow a normal client: 50 requests all answered, p99 < 200 ms."""
        n_slow, n_normal, budget = 500, 50, 0.200
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        want = n_slow + 200
        if soft != resource.RLIM_INFINITY and soft < want:
            new = want if hard == resource.RLIM_INFINITY else min(want, hard)
            resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
            if new < want:
                self.skipTest('RLIMIT_NOFILE hard limit %d too low' % hard)
        script = (b'GET /v1/Assistants?PageSize=1 HTTP/1.1\r\n'
                  b'Host: 127.0.0.1\r\nX-Slow: ' + b's' * 200)
        slow = []
        stop = threading.Event()
        sent = [0]
        dead = set()
        try:
            for _ in range(n_slow):
                s = socket.create_connection(('127.0.0.1', self.srv.port),
                                             timeout=5)
                s.setblocking(False)
                slow.append(s)

            def drip():
                while not stop.is_set():
                    i = sent[0]
                    for k, s in enumerate(slow):
                        if k in dead:
                            continue
                        try:
                            s.send(script[i:i + 1])
                        except OSError:
                            dead.add(k)
                    sent[0] = i + 1
                    stop.wait(1.0)

            t = threading.Thread(target=drip, daemon=True)
            t.start()
            time.sleep(2.2)
            lat = []
            failures = []
            for i in range(n_normal):
                t0 = time.perf_counter()
                try:
                    r = harness.http_request(
                        '127.0.0.1', self.srv.port, 'GET',
                        '/v1/Assistants?PageSize=20',
                        {'Authorization': AUTH_HDR.decode()}, timeout=5)
                    if r.status != 200 or \
                            len(r.json()['assistants']) != 20:
                        failures.append('request %d: %r' % (i, r))
                except (OSError, ValueError) as e:
                    failures.append('request %d: %r' % (i, e))
                lat.append(time.perf_counter() - t0)
                time.sleep(0.08)
            stop.set()
            t.join(5)
            lat.sort()
            p50 = lat[len(lat) // 2]
            p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
            print('\n    slow-loris: %d slow connections (%d closed by the '
                  'server after %d bytes each); normal client: p50 %.1f ms, '
                  'p99 %.1f ms, max %.1f ms'
                  % (n_slow, len(dead), sent[0], p50 * 1e3, p99 * 1e3,
                     lat[-1] * 1e3), end=' ')
            self.assertEqual(failures, [])
            self.assertLess(p99, budget, 'p99 %.1f ms' % (p99 * 1e3))
            # the slow clients are still served when they finish
            finished = 0
            for k, s in enumerate(slow[:20]):
                if k in dead:
                    continue
                s.setblocking(True)
                s.settimeout(5)
                s.sendall(script[sent[0]:] + b'\r\n\r\n')
                c = Conn.__new__(Conn)
                c.sock, c.buf, c.eof = s, b'', False
                c.targets = harness.request_targets(script)
                r = c.response()
                self.assert_twilio_error(r, 401, 20003, 'Authenticate')
                finished += 1
            self.assertGreater(finished, 0, 'every slow connection was '
                               'dropped within %d s' % sent[0])
        finally:
            stop.set()
            for s in slow:
                try:
                    s.close()
                except OSError:
                    pass

    # -- bodies, Expect, pipelining, versions, Connection: close --

    def test_get_with_content_length_body(self):
        """A GET with a Content-Length body: answered, the body consumed (not
        read as a request, even when it looks like one), the connection
        kept."""
        for body in (b'hello world', b'{"PageSize": 1000}',
                     b'GET /v1/Foo HTTP/1.1\r\nHost: x\r\n\r\n'):
            with self.subTest(body=body):
                data = req(b'/v1/Assistants?PageSize=3', close=False,
                           extra=b'Content-Type: application/json\r\n'
                                 b'Content-Length: %d\r\n' % len(body)) + \
                    body + req(b'/healthz', auth=False)
                c = Conn(self.srv.port)
                try:
                    c.send(data)
                    r1, r2 = c.response(), c.response()
                    self.assert_list(r1, n=3)
                    self.assertEqual((r2.status, r2.body),
                                     (200, b'{"status":"ok"}'), r2)
                    self.assertTrue(c.closed_by_peer(),
                                    'a third response (smuggled request?): '
                                    '%r' % c.buf[:200])
                finally:
                    c.close()

    def test_get_with_chunked_body(self):
        for chunks in ([b'hello'], [b'GET /v1/Foo HTTP/1.1\r\n', b'Host: x'
                                    b'\r\n\r\n'], [b'a' * 70000]):
            with self.subTest(first=chunks[0][:20]):
                body = b''.join(b'%x\r\n%s\r\n' % (len(ch), ch)
                                for ch in chunks) + b'0\r\n\r\n'
                data = req(b'/v1/Assistants?PageSize=3', close=False,
                           extra=b'Transfer-Encoding: chunked\r\n') + body + \
                    req(b'/healthz', auth=False)
                c = Conn(self.srv.port)
                try:
                    c.send(data)
                    r1, r2 = c.response(), c.response()
                    self.assert_list(r1, n=3)
                    self.assertEqual((r2.status, r2.body),
                                     (200, b'{"status":"ok"}'), r2)
                    self.assertTrue(c.closed_by_peer(),
                                    'a third response (smuggled request?): '
                                    '%r' % c.buf[:200])
                finally:
                    c.close()

    def test_expect_100_continue(self):
        """Expect: 100-continue with a body: 100 Continue (or the final
        answer at once), then the list after the body; without a body: the
        list."""
        c = Conn(self.srv.port)
        try:
            c.send(req(b'/v1/Assistants?PageSize=4', extra=b'Expect: 100-'
                       b'continue\r\nContent-Length: 5\r\n'))
            r = c.response()
            if r.status == 100:
                c.send(b'hello')
                r = c.response()
            self.bodies.append(r.body)
            self.assert_list(r, n=4)
        finally:
            c.close()
        # without a body: an (optional) interim 100, then the list
        c = Conn(self.srv.port)
        try:
            c.send(req(b'/v1/Assistants?PageSize=4',
                       extra=b'Expect: 100-continue\r\n'))
            r = c.response()
            if r.status == 100:
                r = c.response()
            self.assert_list(r, n=4)
        finally:
            c.close()

    def test_pipelined_requests(self):
        """10 pipelined requests on one connection: 10 correct responses in
        order; the connection then still serves an 11th."""
        data = b''.join(req(b'/v1/Assistants?PageSize=%d' % (i + 1),
                            close=False) for i in range(10))
        c = Conn(self.srv.port)
        try:
            c.send(data)
            for i in range(10):
                r = c.response()
                self.bodies.append(r.body)
                self.assert_list(r, n=i + 1, page_size=i + 1)
            c.send(req(b'/v1/Assistants?PageSize=11&Page=0'))
            self.assert_list(c.response(), n=11, page_size=11)
        finally:
            c.close()
        # a pipelined mix of errors and lists stays in order
        seq = [(b'/v1/Assistants?PageSize=2', 200), (b'/v1/Foo', 404),
               (b'/v1/Assistants?PageSize=0', 400), (b'/healthz', 200),
               (b'/v1/Assistants?PageSize=3', 200)]
        rs = self.exchange(b''.join(req(t, close=False) for t, _ in seq),
                           n=len(seq))
        self.assertEqual([r.status for r in rs], [s for _, s in seq])

    def test_http10_without_host(self):
        """HTTP/1.0 without Host: 200, links on http://127.0.0.1:PORT, the
        connection closed after the answer."""
        c = Conn(self.srv.port)
        try:
            c.send(req(b'/v1/Assistants?PageSize=2', host=None,
                       version=b'1.0', close=False))
            r = c.response()
            self.bodies.append(r.body)
            self.assert_list(r, n=2, base='http://127.0.0.1:%d'
                             % self.srv.port)
            self.assertTrue(c.closed_by_peer())
        finally:
            c.close()

    def test_http11_without_host(self):
        """HTTP/1.1 without Host: a 4xx Twilio error, or the fallback base
        (reported)."""
        r = self.exchange(req(b'/v1/Assistants?PageSize=2', host=None))
        if r.status == 200:
            self.assert_list(r, n=2, base='http://127.0.0.1:%d'
                             % self.srv.port)
            print('\n    HTTP/1.1 without Host: 200 with the fallback base',
                  end=' ')
        else:
            self.assert_twilio_error(r)
            print('\n    HTTP/1.1 without Host: %d' % r.status, end=' ')

    def test_connection_close(self):
        """Connection: close: one answer, then the server closes."""
        for target, status in ((b'/v1/Assistants?PageSize=2', 200),
                               (b'/v1/Assistants?PageSize=0', 400),
                               (b'/v1/Foo', 404)):
            with self.subTest(target=target):
                c = Conn(self.srv.port)
                try:
                    c.send(req(target))
                    r = c.response()
                    self.bodies.append(r.body)
                    self.assertEqual(r.status, status, r)
                    self.assertTrue(c.closed_by_peer(),
                                    'still open after Connection: close')
                finally:
                    c.close()
        # keep-alive by default: the same connection answers a second time
        c = Conn(self.srv.port)
        try:
            c.send(req(b'/v1/Assistants?PageSize=1', close=False))
            self.assert_list(c.response(), n=1)
            c.send(req(b'/v1/Assistants?PageSize=2'))
            self.assert_list(c.response(), n=2)
            self.assertTrue(c.closed_by_peer())
        finally:
            c.close()

    def test_garbage_request_lines(self):
        """Malformed request lines: a clean 4xx status line or a close, and
        the server stays up."""
        for data in (b'\r\n\r\n', b'GARBAGE\r\n\r\n', b'GET\r\n\r\n',
                     b'GET / HTTP/9.9\r\nHost: a\r\n\r\n',
                     b'GET /v1/Assistants HTTP/1.1 extra\r\nHost: a\r\n\r\n',
                     b'\x00\x01\x02\x03\r\n\r\n',
                     b'GET /v1/Assistants HTTP/1.1\r\nNoColon\r\n\r\n',
                     b'GET /v1/Assistants HTTP/1.1\r\nContent-Length: -1\r\n'
                     b'Host: a\r\n\r\n',
                     b'GET /v1/Assistants HTTP/1.1\r\nContent-Length: 1\r\n'
                     b'Content-Length: 2\r\nHost: a\r\n\r\nab'):
            with self.subTest(data=data[:40]):
                c = Conn(self.srv.port)
                try:
                    c.send(data)
                    try:
                        r = c.response()
                    except AssertionError:
                        self.assertEqual(c.buf, b'', 'partial answer')
                        continue
                    self.bodies.append(r.body)
                    self.assertTrue(400 <= r.status < 500 or
                                    r.status in (200, 401, 505), r)
                finally:
                    c.close()


if __name__ == '__main__':
    harness.main()
