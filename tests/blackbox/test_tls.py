#!/usr/bin/env python3
"""Black-box tests of the drop-in mode (issue 12): the HTTPS listener
(--tls-port) with its generated CA and server certificate, or --tls-cert and
--tls-key; https links; GET /__admin/ca.pem and --tls-ca-out; the CONNECT
proxy (--proxy-port): an allowed name tunnelled to the mock's own TLS side,
any other host refused, malformed heads; plain HTTP to the TLS port and TLS
to the plain port; slow handshakes and slow CONNECT heads that must not hold
up other clients; the option checks.

TLS is spoken with Python's ssl module (verification on, against the CA the
server wrote), and once with curl --resolve --cacert as the issue asks.

Usage: python3 tests/blackbox/test_tls.py [--binary PATH]

SPDX-License-Identifier: MIT
"""

import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import threading
import time

import harness

ALICE = ('ACa11ce000000000000000000000000001', 'alice-auth-token')
ALICE_HDR = harness.basic(*ALICE)
TWILIO = 'assistants.twilio.com'
HTTPS_RE = r'listening on https://(?:\[[0-9a-f:.]+\]|[^\s:/]+):(\d+)'
PROXY_RE = r'proxy \(CONNECT\) on http://(?:\[[0-9a-f:.]+\]|[^\s:/]+):(\d+)'


def port_of(srv, pattern):
    line = srv.wait_for_output(pattern)
    if line is None:
        raise AssertionError('no %r line: %r' % (pattern, srv.stdout_lines()))
    return int(re.fullmatch(pattern, line).group(1))


def context(cafile):
    ctx = ssl.create_default_context(cafile=cafile)
    ctx.check_hostname = True
    return ctx


def read_response(sock, timeout=10.0):
    """One HTTP/1.1 response with a Content-Length body from sock."""
    sock.settimeout(timeout)
    data = b''
    while b'\r\n\r\n' not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError('closed before a full head: %r' % data)
        data += chunk
    head, _, body = data.partition(b'\r\n\r\n')
    lines = head.decode('latin-1').split('\r\n')
    status = int(lines[0].split(' ')[1])
    headers = {}
    for l in lines[1:]:
        k, _, v = l.partition(':')
        headers[k.strip().lower()] = v.strip()
    n = int(headers.get('content-length', '0'))
    while len(body) < n:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return status, headers, body[:n]


def https_get(port, path, cafile, name=TWILIO, host_header=None,
              auth=ALICE_HDR, addr='127.0.0.1'):
    """GET over TLS to addr:port, verifying the certificate for name."""
    with socket.create_connection((addr, port), timeout=10) as raw:
        with context(cafile).wrap_socket(raw, server_hostname=name) as s:
            req = 'GET %s HTTP/1.1\r\nHost: %s\r\n' % (
                path, host_header or name)
            if auth:
                req += 'Authorization: %s\r\n' % auth
            s.sendall((req + 'Connection: close\r\n\r\n').encode())
            return read_response(s)


def connect_head(port, target, extra=''):
    """Sends a CONNECT head to the proxy; returns (socket, status line,
    rest of the answer read so far)."""
    s = socket.create_connection(('127.0.0.1', port), timeout=10)
    s.sendall(('CONNECT %s HTTP/1.1\r\nHost: %s\r\n%s\r\n'
               % (target, target, extra)).encode())
    data = b''
    while b'\r\n\r\n' not in data:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    line, _, rest = data.partition(b'\r\n')
    return s, line.decode('latin-1'), rest


def read_all(s, timeout=10.0):
    s.settimeout(timeout)
    out = b''
    while True:
        try:
            chunk = s.recv(65536)
        except (ConnectionResetError, socket.timeout):
            break
        if not chunk:
            break
        out += chunk
    return out


class TlsCase(harness.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.dir = cls.class_tmpdir()
        cls.ca = os.path.join(cls.dir, 'ca.pem')
        cls.srv = cls.class_server(
            ['--quiet', '--tls-port', '0', '--proxy-port', '0',
             '--tls-ca-out', cls.ca, '--tls-name', 'mock.internal',
             '--tls-name', '10.1.2.3'])
        cls.tls_port = port_of(cls.srv, HTTPS_RE)
        cls.proxy_port = port_of(cls.srv, PROXY_RE)

    def walk_https(self, port, name=TWILIO, expect_base=None):
        """Every page of alice's list over TLS, following next_page_url."""
        expect_base = expect_base or 'https://%s:%d' % (name, port)
        path, ids, pages = '/v1/Assistants?PageSize=17', [], 0
        while path:
            st, hdr, body = https_get(port, path, self.ca, name=name,
                                      host_header='%s:%d' % (name, port))
            self.assertEqual(st, 200, body)
            self.assertEqual(hdr['content-type'], 'application/json')
            page = json.loads(body)
            meta = page['meta']
            for k in ('url', 'first_page_url'):
                self.assertTrue(meta[k].startswith(expect_base + '/'), meta[k])
            ids += [a['id'] for a in page['assistants']]
            for a in page['assistants']:
                self.assertEqual(a['url'], expect_base + '/v1/Assistants/' +
                                 a['id'])
            nxt = meta['next_page_url']
            pages += 1
            if nxt is None:
                break
            self.assertTrue(nxt.startswith(expect_base + '/'), nxt)
            path = nxt[len(expect_base):]
        return ids, pages

    # -- the HTTPS listener --

    def test_full_paging_walk_over_https(self):
        """Every page over TLS, the same items in the same order as plain
        HTTP, every link https:// on the name the client used."""
        ids, pages = self.walk_https(self.tls_port)
        plain = [a['id'] for page in self.srv.walk(ALICE, page_size=17)
                 for a in page]
        self.assertEqual(len(ids), 130)
        self.assertEqual(ids, plain)
        self.assertEqual(pages, 8)

    def test_certificate_names(self):
        """The server certificate names assistants.twilio.com, localhost,
        127.0.0.1, ::1 and each --tls-name, is signed by the written CA,
        and is refused for any other name."""
        with socket.create_connection(('127.0.0.1', self.tls_port)) as raw:
            with context(self.ca).wrap_socket(
                    raw, server_hostname=TWILIO) as s:
                cert = s.getpeercert()
        sans = sorted(cert['subjectAltName'])
        self.assertEqual(sans, sorted([
            ('DNS', TWILIO), ('DNS', 'localhost'), ('DNS', 'mock.internal'),
            ('IP Address', '127.0.0.1'), ('IP Address', '0:0:0:0:0:0:0:1'),
            ('IP Address', '10.1.2.3')]))
        for name in ('localhost', 'mock.internal', '127.0.0.1'):
            st, _, _ = https_get(self.tls_port, '/healthz', self.ca,
                                 name=name, auth=None)
            self.assertEqual(st, 200)
        with self.assertRaises(ssl.SSLCertVerificationError):
            https_get(self.tls_port, '/healthz', self.ca,
                      name='api.twilio.com', auth=None)
        # A client that trusts only the system CAs refuses it.
        with socket.create_connection(('127.0.0.1', self.tls_port)) as raw:
            with self.assertRaises(ssl.SSLCertVerificationError):
                ssl.create_default_context().wrap_socket(
                    raw, server_hostname=TWILIO)

    def test_ca_served_and_written(self):
        """GET /__admin/ca.pem serves exactly what --tls-ca-out wrote: one
        CA certificate, no key; a second server has a different CA."""
        r = self.srv.get('/__admin/ca.pem')
        self.assertEqual(r.status, 200)
        self.assertEqual(r.header('Content-Type'), 'application/x-pem-file')
        with open(self.ca, 'rb') as f:
            written = f.read()
        self.assertEqual(r.body, written)
        self.assertEqual(written.count(b'-----BEGIN CERTIFICATE-----'), 1)
        self.assertNotIn(b'PRIVATE KEY', written)
        st, _, body = https_get(self.tls_port, '/__admin/ca.pem', self.ca,
                                auth=None)
        self.assertEqual((st, body), (200, written))
        other = self.start_server(['--quiet', '--tls-port', '0'])
        self.assertNotEqual(other.get('/__admin/ca.pem').body, written)
        # Without TLS there is no CA: a Twilio-shaped 404.
        plain = self.start_server(['--quiet'])
        r = plain.get('/__admin/ca.pem')
        self.assertEqual(r.status, 404)
        self.assertEqual(r.json()['code'], 20404)
        self.assertIn('No generated CA', r.json()['message'])

    def test_links_follow_the_scheme(self):
        """A TLS request gets https:// links, a plain one http://, both on
        their Host; --public-url wins for both."""
        st, _, body = https_get(self.tls_port, '/v1/Assistants?PageSize=1',
                                self.ca, host_header=TWILIO)
        meta = json.loads(body)['meta']
        self.assertTrue(meta['next_page_url'].startswith(
            'https://assistants.twilio.com/v1/Assistants?'), meta)
        r = self.srv.get('/v1/Assistants?PageSize=1', auth=ALICE,
                         headers={'Host': TWILIO})
        self.assertTrue(r.json()['meta']['next_page_url'].startswith(
            'http://assistants.twilio.com/v1/Assistants?'))
        ca = os.path.join(self.tmpdir(), 'ca.pem')
        pub = self.start_server(['--quiet', '--tls-port', '0',
                                 '--tls-ca-out', ca,
                                 '--public-url', 'http://mock:8080'])
        port = port_of(pub, HTTPS_RE)
        st, _, body = https_get(port, '/v1/Assistants?PageSize=1', ca)
        self.assertTrue(json.loads(body)['meta']['url'].startswith(
            'http://mock:8080/v1/Assistants?'))

    def test_tls_requests_are_authenticated_and_journaled(self):
        """Over TLS as over HTTP: 401 without credentials, the request in
        the account's journal."""
        st, hdr, body = https_get(self.tls_port, '/v1/Assistants', self.ca,
                                  auth=None)
        self.assertEqual(st, 401)
        self.assertEqual(json.loads(body)['code'], 20003)
        st, _, _ = https_get(self.tls_port, '/v1/Assistants?PageSize=3',
                             self.ca)
        self.assertEqual(st, 200)
        r = self.srv.get('/__admin/requests?path=/v1/Assistants', auth=ALICE)
        self.assertEqual(r.status, 200)
        self.assertTrue(any(e.get('query') == 'PageSize=3' or
                            'PageSize=3' in json.dumps(e)
                            for e in r.json()['requests']), r.json())

    def test_curl_resolve_cacert(self):
        """curl --resolve assistants.twilio.com:PORT:127.0.0.1 --cacert:
        a verified handshake and the first page."""
        curl = shutil.which('curl')
        if curl is None:
            self.skipTest('curl not installed')
        p = subprocess.run(
            [curl, '-sS', '--fail-with-body', '--cacert', self.ca,
             '--resolve', '%s:%d:127.0.0.1' % (TWILIO, self.tls_port),
             '-u', '%s:%s' % ALICE,
             'https://%s:%d/v1/Assistants?PageSize=5' % (TWILIO,
                                                          self.tls_port)],
            capture_output=True, timeout=20)
        self.assertEqual(p.returncode, 0, p.stderr)
        page = json.loads(p.stdout)
        self.assertEqual(len(page['assistants']), 5)
        self.assertTrue(page['meta']['next_page_url'].startswith(
            'https://%s:%d/' % (TWILIO, self.tls_port)))
        # And a name the certificate lacks fails verification.
        p = subprocess.run(
            [curl, '-sS', '--cacert', self.ca, '--resolve',
             'api.twilio.com:%d:127.0.0.1' % self.tls_port,
             'https://api.twilio.com:%d/healthz' % self.tls_port],
            capture_output=True, timeout=20)
        self.assertEqual(p.returncode, 60, p.stderr)  # peer cert not OK

    def test_own_certificate_and_key(self):
        """--tls-cert/--tls-key: that certificate is served; no CA to
        serve; a key of another certificate is refused at start."""
        openssl = shutil.which('openssl')
        if openssl is None:
            self.skipTest('openssl not installed')
        d = self.tmpdir()
        cert, key = os.path.join(d, 'c.pem'), os.path.join(d, 'k.pem')
        key2 = os.path.join(d, 'k2.pem')
        for k, c in ((key, cert), (key2, os.path.join(d, 'c2.pem'))):
            subprocess.run(
                [openssl, 'req', '-x509', '-newkey', 'ec', '-pkeyopt',
                 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', k,
                 '-out', c, '-days', '2', '-subj', '/CN=own.test',
                 '-addext', 'subjectAltName=DNS:own.test'],
                check=True, capture_output=True, timeout=30)
        srv = self.start_server(['--quiet', '--tls-port', '0',
                                 '--tls-cert', cert, '--tls-key', key])
        port = port_of(srv, HTTPS_RE)
        st, _, body = https_get(port, '/v1/Assistants?PageSize=2', cert,
                                name='own.test')
        self.assertEqual(st, 200)
        self.assertEqual(len(json.loads(body)['assistants']), 2)
        with self.assertRaises(ssl.SSLCertVerificationError):
            https_get(port, '/healthz', cert, name=TWILIO, auth=None)
        self.assertEqual(srv.get('/__admin/ca.pem').status, 404)
        p = harness.run_cli(['--port', '0', '--tls-port', '0', '--tls-cert',
                             cert, '--tls-key', key2])
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn('--tls-cert', harness.text(p.stderr))
        self.assertNotIn('PRIVATE', harness.text(p.stderr + p.stdout))
        p = harness.run_cli(['--port', '0', '--tls-port', '0', '--tls-cert',
                             os.path.join(d, 'missing.pem'), '--tls-key',
                             key])
        self.assertEqual(p.returncode, 2)
        self.assertIn("cannot read --tls-cert", harness.text(p.stderr))

    def test_option_checks(self):
        """Options that do not go together exit 2 with a message, before
        listening."""
        cases = [
            (['--tls-cert', 'c.pem', '--tls-key', 'k.pem'],
             'need --tls-port or --proxy-port'),
            (['--tls-port', '0', '--tls-cert', 'c.pem'],
             '--tls-cert and --tls-key go together'),
            (['--tls-port', '0', '--tls-cert', 'c', '--tls-key', 'k',
              '--tls-ca-out', 'x'], 'not with --tls-cert'),
            (['--tls-port', '0', '--tls-name', 'bad name'],
             "invalid --tls-name 'bad name'"),
            (['--tls-port', '0', '--tls-name', '-x.com'],
             'invalid --tls-name'),
            (['--tls-port', '70000'], 'invalid --tls-port'),
            (['--proxy-port', 'x'], 'invalid --proxy-port'),
        ]
        for args, msg in cases:
            with self.subTest(args=args):
                p = harness.run_cli(['--port', '0'] + args)
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertIn(msg, harness.text(p.stderr))
                self.assertNotIn('listening on', harness.text(p.stdout))
        p = harness.run_cli(['--port', '0', '--tls-port', '0'],
                            env={'ASSISTANTS_MOCK_TLS_NAMES': 'a.test,,b'
                                 ',bad_name'})
        self.assertEqual(p.returncode, 2)
        self.assertIn('ASSISTANTS_MOCK_TLS_NAMES', harness.text(p.stderr))
        p = harness.run_cli(['--port', '0', '--tls-port', '0',
                             '--tls-ca-out', '/nonexistent/dir/ca.pem'])
        self.assertEqual(p.returncode, 2)
        self.assertIn('cannot write --tls-ca-out', harness.text(p.stderr))

    def test_tls_names_from_the_environment(self):
        """ASSISTANTS_MOCK_TLS_NAMES (comma-separated) adds names; flags
        replace it."""
        ca = os.path.join(self.tmpdir(), 'ca.pem')
        srv = self.start_server(['--quiet', '--tls-port', '0',
                                 '--tls-ca-out', ca],
                                env={'ASSISTANTS_MOCK_TLS_NAMES':
                                     'One.Test,two.test'})
        port = port_of(srv, HTTPS_RE)
        for name in ('one.test', 'two.test', TWILIO):
            st, _, _ = https_get(port, '/healthz', ca, name=name, auth=None)
            self.assertEqual(st, 200)

    # -- the CONNECT proxy --

    def test_connect_allowed_name_is_served(self):
        """CONNECT assistants.twilio.com:443 (and a --tls-name, and the
        TLS port itself): 200, then TLS with the mock's certificate and the
        API on the other side, links on https://assistants.twilio.com."""
        for target, name in ((TWILIO + ':443', TWILIO),
                             ('ASSISTANTS.twilio.com:443', TWILIO),
                             ('mock.internal:443', 'mock.internal'),
                             ('localhost:%d' % self.tls_port, 'localhost'),
                             ('[::1]:443', '::1')):
            with self.subTest(target=target):
                s, line, rest = connect_head(self.proxy_port, target,
                                             'Proxy-Authorization: Basic eDp5'
                                             '\r\nUser-Agent: t\r\n')
                self.assertEqual(line, 'HTTP/1.1 200 Connection established')
                self.assertEqual(rest, b'\r\n')
                with context(self.ca).wrap_socket(
                        s, server_hostname=name) as t:
                    t.sendall(('GET /v1/Assistants?PageSize=2 HTTP/1.1\r\n'
                               'Host: %s\r\nAuthorization: %s\r\n\r\n'
                               % (TWILIO, ALICE_HDR)).encode())
                    st, _, body = read_response(t)
                    self.assertEqual(st, 200)
                    page = json.loads(body)
                    self.assertEqual(len(page['assistants']), 2)
                    self.assertTrue(page['meta']['next_page_url'].startswith(
                        'https://assistants.twilio.com/v1/Assistants?'))
                    # keep-alive through the tunnel: a second request
                    t.sendall(('GET /healthz HTTP/1.1\r\nHost: %s\r\n\r\n'
                               % TWILIO).encode())
                    st, _, body = read_response(t)
                    self.assertEqual((st, json.loads(body)),
                                     (200, {'status': 'ok'}))

    def test_connect_to_the_plain_port_is_tunnelled_plain(self):
        """CONNECT to a served name on the mock's own --port (a client that
        sends every request through its proxy, http:// too): 200, then
        plain HTTP through the tunnel, http:// links."""
        s, line, rest = connect_head(self.proxy_port,
                                     '127.0.0.1:%d' % self.srv.port)
        with s:
            self.assertEqual(line, 'HTTP/1.1 200 Connection established')
            s.sendall(('GET /v1/Assistants?PageSize=1 HTTP/1.1\r\nHost: '
                       '127.0.0.1:%d\r\nAuthorization: %s\r\n\r\n'
                       % (self.srv.port, ALICE_HDR)).encode())
            st, _, body = read_response(s)
        self.assertEqual(st, 200)
        self.assertTrue(json.loads(body)['meta']['url'].startswith(
            'http://127.0.0.1:%d/v1/Assistants?' % self.srv.port))

    def test_connect_other_host_refused(self):
        """CONNECT anywhere else: 403 with a Twilio-shaped body, the
        connection closed, nothing forwarded."""
        for target in ('example.com:443', 'api.twilio.com:443',
                       TWILIO + ':80', TWILIO + ':8443', '127.0.0.2:443',
                       '[::2]:443', '10.1.2.4:443'):
            with self.subTest(target=target):
                s, line, rest = connect_head(self.proxy_port, target)
                with s:
                    self.assertEqual(line, 'HTTP/1.1 403 Forbidden')
                    data = rest + read_all(s)
                    body = json.loads(data.partition(b'\r\n\r\n')[2])
                    self.assertEqual(list(body), harness.ERROR_KEYS)
                    self.assertEqual((body['code'], body['status']),
                                     (20403, 403))
                    self.assertIn('not an open proxy', body['message'])
                    self.assertNotIn(target.encode(), data)

    def test_connect_bad_heads(self):
        """Malformed CONNECT heads: 400 (431 when too long), and the proxy
        keeps serving."""
        bad = [b'CONNECT assistants.twilio.com HTTP/1.1\r\n\r\n',
               b'CONNECT assistants.twilio.com: HTTP/1.1\r\n\r\n',
               b'CONNECT assistants.twilio.com:0 HTTP/1.1\r\n\r\n',
               b'CONNECT assistants.twilio.com:99999 HTTP/1.1\r\n\r\n',
               b'CONNECT assistants.twilio.com:44a HTTP/1.1\r\n\r\n',
               b'CONNECT a\x00b:443 HTTP/1.1\r\n\r\n',
               b'CONNECT user@assistants.twilio.com:443 HTTP/1.1\r\n\r\n',
               b'CONNECT [::1:443 HTTP/1.1\r\n\r\n',
               b'CONNECT assistants.twilio.com:443 HTTP/2.0\r\n\r\n',
               b'CONNECT assistants.twilio.com:443\r\n\r\n',
               b'CONNECT  assistants.twilio.com:443 HTTP/1.1\r\n\r\n',
               b'CONNECT assistants.twilio.com:443 HTTP/1.1\r\nno colon\r\n'
               b'\r\n',
               b'CONNECT assistants.twilio.com:443 HTTP/1.1\r\n folded: x\r\n'
               b'\r\n',
               b'CONNECT assistants.twilio.com:443 HTTP/1.1\r\nX: a\rb\r\n'
               b'\r\n']
        for data in bad:
            with self.subTest(data=data):
                r = harness.raw_request('127.0.0.1', self.proxy_port, data)
                self.assertEqual(r.status, 400, r.body)
                self.assertEqual(r.json()['code'], 20001)
        r = harness.raw_request('127.0.0.1', self.proxy_port,
                                b'CONNECT ' + b'a' * 9000)
        self.assertEqual(r.status, 431)
        s, line, _ = connect_head(self.proxy_port, TWILIO + ':443')
        s.close()
        self.assertEqual(line, 'HTTP/1.1 200 Connection established')

    def test_proxy_port_serves_plain_and_tls_requests(self):
        """A proxy's plain-HTTP request (absolute form) is served as on
        --port; TLS straight to the proxy port is served as on --tls-port."""
        r = harness.raw_request(
            '127.0.0.1', self.proxy_port,
            ('GET http://assistants.twilio.com/v1/Assistants?PageSize=1 '
             'HTTP/1.1\r\nHost: assistants.twilio.com\r\nAuthorization: %s'
             '\r\nConnection: close\r\n\r\n' % ALICE_HDR).encode())
        self.assertEqual(r.status, 200)
        self.assertTrue(r.json()['meta']['next_page_url'].startswith(
            'http://assistants.twilio.com/v1/Assistants?'))
        st, _, body = https_get(self.proxy_port, '/v1/Assistants?PageSize=1',
                                self.ca)
        self.assertEqual(st, 200)
        self.assertTrue(json.loads(body)['meta']['url'].startswith(
            'https://assistants.twilio.com/'))

    def test_connect_on_the_plain_port(self):
        """CONNECT to --port: 405 naming --proxy-port, connection closed."""
        r = harness.raw_request('127.0.0.1', self.srv.port,
                                b'CONNECT assistants.twilio.com:443 HTTP/1.1'
                                b'\r\nHost: assistants.twilio.com:443\r\n\r\n')
        self.assertEqual(r.status, 405)
        self.assertEqual(r.json()['code'], 20004)
        self.assertIn('--proxy-port', r.json()['message'])
        self.assertEqual(r.header('Connection'), 'close')

    # -- wrong protocol, slow clients --

    def test_plain_http_to_the_tls_port(self):
        """Plain HTTP to the TLS port gets no HTTP answer and a closed
        connection within the request timeout; the server stays up."""
        t0 = time.monotonic()
        with socket.create_connection(('127.0.0.1', self.tls_port)) as s:
            s.sendall(b'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n')
            data = read_all(s, timeout=8)
        self.assertFalse(data.startswith(b'HTTP/'), data)
        self.assertLess(time.monotonic() - t0, 7)
        st, _, _ = https_get(self.tls_port, '/healthz', self.ca, auth=None)
        self.assertEqual(st, 200)

    def test_tls_to_the_plain_port(self):
        """A TLS client on the plain port fails its handshake (never a
        verified session) within the request timeout; the server stays
        up."""
        t0 = time.monotonic()
        with socket.create_connection(('127.0.0.1', self.srv.port),
                                      timeout=8) as raw:
            with self.assertRaises((ssl.SSLError, ConnectionError,
                                    socket.timeout)):
                context(self.ca).wrap_socket(raw, server_hostname=TWILIO)
        self.assertLess(time.monotonic() - t0, 8)
        self.assertEqual(self.srv.get('/healthz').status, 200)

    def test_slow_handshakes_do_not_block_others(self):
        """40 clients stalled mid-handshake on the TLS port and 40 stalled
        mid-head on the proxy port: a normal client is served at once on
        both."""
        stalled = []
        try:
            hello = b'\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03'
            for _ in range(40):
                s = socket.create_connection(('127.0.0.1', self.tls_port))
                s.sendall(hello)
                stalled.append(s)
                s = socket.create_connection(('127.0.0.1', self.proxy_port))
                s.sendall(b'CONNECT assistants.twi')
                stalled.append(s)
                s = socket.create_connection(('127.0.0.1', self.proxy_port))
                s.sendall(b'CONN')
                stalled.append(s)
            time.sleep(0.2)
            t0 = time.monotonic()
            st, _, _ = https_get(self.tls_port, '/v1/Assistants?PageSize=1',
                                 self.ca)
            self.assertEqual(st, 200)
            s, line, _ = connect_head(self.proxy_port, TWILIO + ':443')
            with context(self.ca).wrap_socket(
                    s, server_hostname=TWILIO) as t:
                t.sendall(b'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n')
                self.assertEqual(read_response(t)[0], 200)
            self.assertLess(time.monotonic() - t0, 2.0)
        finally:
            for s in stalled:
                s.close()

    def test_flood_of_silent_proxy_clients(self):
        """300 connections to the proxy that send nothing (more than its 256
        slots for heads): a new client closes the longest-waiting one and
        is served at once, not after the 5 s head timeout."""
        srv = self.start_server(['--quiet', '--proxy-port', '0',
                                 '--tls-ca-out',
                                 os.path.join(self.tmpdir(), 'ca.pem')])
        proxy = port_of(srv, PROXY_RE)
        silent = []
        try:
            for _ in range(300):
                silent.append(socket.create_connection(('127.0.0.1', proxy)))
            time.sleep(0.3)
            t0 = time.monotonic()
            s, line, _ = connect_head(proxy, TWILIO + ':443')
            s.close()
            self.assertEqual(line, 'HTTP/1.1 200 Connection established')
            self.assertLess(time.monotonic() - t0, 1.0)
            # The oldest were closed by the server: they read EOF.
            silent[0].settimeout(2)
            self.assertEqual(silent[0].recv(10), b'')
        finally:
            for c in silent:
                c.close()
        self.assertIn('closed the oldest', srv.stderr_text())

    def test_stalled_connect_head_times_out(self):
        """A CONNECT head that never ends is answered 408 and closed after
        the 5 s head timeout."""
        t0 = time.monotonic()
        with socket.create_connection(('127.0.0.1', self.proxy_port)) as s:
            s.sendall(b'CONNECT assistants.twilio.com:443 HTTP/1.1\r\n')
            data = read_all(s, timeout=10)
        secs = time.monotonic() - t0
        self.assertTrue(data.startswith(b'HTTP/1.1 408 '), (data, secs))
        self.assertGreater(secs, 4.0)
        self.assertLess(secs, 8.0)

    def test_many_tunnels_in_parallel(self):
        """16 threads, each with its own CONNECT tunnel, 20 requests each:
        every answer complete and correct."""
        errors = []

        def worker():
            try:
                s, line, _ = connect_head(self.proxy_port, TWILIO + ':443')
                if not line.endswith(' 200 Connection established'):
                    raise AssertionError(line)
                with context(self.ca).wrap_socket(
                        s, server_hostname=TWILIO) as t:
                    for _ in range(20):
                        t.sendall(('GET /v1/Assistants?PageSize=50 HTTP/1.1'
                                   '\r\nHost: %s\r\nAuthorization: %s\r\n\r\n'
                                   % (TWILIO, ALICE_HDR)).encode())
                        st, _, body = read_response(t)
                        if st != 200 or len(json.loads(
                                body)['assistants']) != 50:
                            raise AssertionError((st, body[:200]))
            except Exception as e:  # reported below
                errors.append(repr(e))

        threads = [threading.Thread(target=worker) for _ in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(errors, [])

    def test_sigterm_with_tls_and_proxy(self):
        """SIGTERM with both sides and an open tunnel: exit 0 at once."""
        srv = self.start_server(['--quiet', '--tls-port', '0',
                                 '--proxy-port', '0'])
        proxy = port_of(srv, PROXY_RE)
        s, line, _ = connect_head(proxy, TWILIO + ':443')
        try:
            rc, secs = srv.signal(15)
            self.assertEqual(rc, 0, srv.stderr_text())
            self.assertLess(secs, 2.0)
        finally:
            s.close()


if __name__ == '__main__':
    harness.main()
