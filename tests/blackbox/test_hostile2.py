#!/usr/bin/env python3
"""Black-box tests of hostile clients, round two (issue 13): zombie
connections, descriptor exhaustion, the connection limit, request smuggling
(Content-Length with Transfer-Encoding), unsupported codings, Host field
parsing, absolute-form request-targets, the last page number, long TWILIO_*
secrets, stalled readers, log injection and log floods, start-up with many
accounts, signals, and duplicate query parameters.

Floods are bounded (at most a few thousand connections, a few seconds) and
go to 127.0.0.1 only. Tests that need a low descriptor limit run the server
under prlimit(1) and skip without it.

Usage: python3 tests/blackbox/test_hostile2.py [--binary PATH]

SPDX-License-Identifier: MIT
"""

import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import threading
import time

import harness
from harness import account, assistant, sid

ACCT = sid('AC', 0x2013)
TOKEN = 'round-two-token'
AUTH = (ACCT, TOKEN)
AUTH_HDR = harness.basic(ACCT, TOKEN).encode()
N_ITEMS = 23

# The big-page fixture: 1,000 assistants of about 5 KB, a 5 MB page.
BIG_ACCT = sid('AC', 0x2014)
BIG_TOKEN = 'big-page-token'
BIG_AUTH_HDR = harness.basic(BIG_ACCT, BIG_TOKEN).encode()

PRLIMIT = shutil.which('prlimit')
MAX_PAGE = 2147483647
ESC_PATH = b'/v1/Assistants/%1b]0;pwned%07%1b[31mRED'


def fixture():
    items = [assistant('aia_asst_r2-%03d' % i, ACCT,
                       '2024-07-%02dT08:00:00Z' % (1 + i % 28))
             for i in range(N_ITEMS)]
    return {'accounts': [account(ACCT, TOKEN)], 'assistants': items}


def big_fixture():
    items = [assistant('aia_asst_big-%04d' % i, BIG_ACCT,
                       personality_prompt='p' * 5000)
             for i in range(1000)]
    return {'accounts': [account(BIG_ACCT, BIG_TOKEN)], 'assistants': items}


def req(target, host=b'127.0.0.1', extra=b'', auth=True, version=b'1.1',
        close=True, method=b'GET'):
    """Bytes of one request (host None: no Host header)."""
    out = method + b' ' + target + b' HTTP/' + version + b'\r\n'
    if host is not None:
        out += b'Host: ' + host + b'\r\n'
    if auth:
        out += b'Authorization: ' + (AUTH_HDR if auth is True else auth) + \
            b'\r\n'
    if close:
        out += b'Connection: close\r\n'
    return out + extra + b'\r\n'


def exchange(port, data, timeout=5.0):
    """Sends data, reads until the server closes or timeout. Returns
    (responses, closed, seconds): responses a list of harness.Response
    parsed from what arrived (Content-Length framed)."""
    s = socket.create_connection(('127.0.0.1', port), timeout=timeout)
    t0 = time.monotonic()
    buf = b''
    closed = False
    try:
        try:
            s.sendall(data)
        except OSError:
            pass
        deadline = t0 + timeout
        while time.monotonic() < deadline:
            s.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                closed = True
                break
            if not chunk:
                closed = True
                break
            buf += chunk
    finally:
        s.close()
    secs = time.monotonic() - t0
    out = []
    while True:
        head_end = buf.find(b'\r\n\r\n')
        if head_end < 0:
            break
        lines = buf[:head_end].decode('latin-1').split('\r\n')
        parts = lines[0].split(' ', 2)
        headers = []
        length = 0
        for line in lines[1:]:
            k, _, v = line.partition(':')
            headers.append((k.strip(), v.strip()))
            if k.strip().lower() == 'content-length':
                length = int(v.strip())
        body = buf[head_end + 4:head_end + 4 + length]
        out.append(harness.Response(int(parts[1]), parts[2], headers, body))
        buf = buf[head_end + 4 + length:]
    return out, closed, secs


def open_fds(pid):
    return len(os.listdir('/proc/%d/fd' % pid))


def cpu_seconds(pid):
    with open('/proc/%d/stat' % pid) as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def rss_mb(pid):
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) / 1024.0
    return 0.0


def zombie(port, data=b'GET /v1/Assistants HTTP/1.1\r\nHost: x\r\n'):
    """A connection that sends part of a request and closes at once."""
    s = socket.socket()
    try:
        s.connect(('127.0.0.1', port))
        s.send(data)
    finally:
        s.close()


def reset(port, data, pause=0.0):
    """Sends data and resets the connection (RST) without reading, after
    pause seconds."""
    s = socket.socket()
    try:
        s.connect(('127.0.0.1', port))
        s.sendall(data)
        if pause:
            time.sleep(pause)
        s.shutdown(socket.SHUT_RD)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                     struct.pack('ii', 1, 0))
    finally:
        s.close()


def probe(port, target=b'/healthz', auth=False, timeout=5.0):
    """(status or None, seconds) of one request on a fresh connection."""
    t0 = time.monotonic()
    try:
        rs, _, _ = exchange(port, req(target, auth=auth), timeout=timeout)
    except OSError:
        return None, time.monotonic() - t0
    return (rs[0].status if rs else None), time.monotonic() - t0


def stalled_reader(port, target=b'/v1/Assistants?PageSize=1000'):
    """A connection that asks for a big page and never reads it."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(5)
    s.connect(('127.0.0.1', port))
    s.sendall(req(target, auth=BIG_AUTH_HDR, close=False))
    return s


class Child:
    """The binary under prlimit, its stderr counted (not stored past 64 KB)
    so that a flood of lines cannot fill the test's memory."""

    def __init__(self, nofile, args=()):
        self.cmd = [PRLIMIT, '--nofile=%d:%d' % (nofile, nofile),
                    harness.BINARY, '--port', '0', '--quiet'] + list(args)
        self.err = b''
        self.err_bytes = 0
        self.err_lines = 0
        self.lock = threading.Lock()
        self.proc = None
        self.port = None

    def start(self):
        self.proc = subprocess.Popen(
            self.cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, env=harness.clean_env(),
            preexec_fn=harness._die_with_parent)
        with harness._children_lock:
            harness._children.add(self.proc)
        threading.Thread(target=self._drain_err, daemon=True).start()
        box = []
        t = threading.Thread(target=lambda: box.append(
            self.proc.stdout.readline()), daemon=True)
        t.start()
        t.join(harness.READY_TIMEOUT)
        m = re.search(rb'listening on http://[^\s]+:(\d+)', box[0]) \
            if box else None
        if not m:
            self.kill()
            raise AssertionError('no listening line: %r; stderr %r'
                                 % (box, self.err[:500]))
        self.port = int(m.group(1))
        threading.Thread(target=self._drain_out, daemon=True).start()
        return self

    def _drain_err(self):
        while True:
            chunk = self.proc.stderr.read1(1 << 16)
            if not chunk:
                return
            with self.lock:
                self.err_bytes += len(chunk)
                self.err_lines += chunk.count(b'\n')
                if len(self.err) < 65536:
                    self.err += chunk[:65536 - len(self.err)]

    def _drain_out(self):
        while self.proc.stdout.read1(1 << 16):
            pass

    def counts(self):
        with self.lock:
            return self.err_bytes, self.err_lines

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
        if self.proc:
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
            with harness._children_lock:
                harness._children.discard(self.proc)


class HostileRoundTwo(harness.TestCase):

    @classmethod
    def setUpClass(cls):
        d = cls.class_tmpdir()
        cls.fixture_path = harness.write_json(d, 'r2.json', fixture())
        cls.big_path = harness.write_json(d, 'big.json', big_fixture())
        cls.srv = cls.class_server(['--fixtures', cls.fixture_path,
                                    '--quiet'])

    def tearDown(self):
        self.assertIsNone(self.srv.proc.poll(), 'server died; stderr: %s'
                          % self.srv.stderr_text()[-2000:])
        r = self.srv.get('/v1/Assistants?PageSize=5', auth=AUTH)
        self.assertEqual(r.status, 200, r)

    def need_prlimit(self):
        if PRLIMIT is None:
            self.skipTest('prlimit(1) not found')

    def child(self, nofile, args=()):
        self.need_prlimit()
        c = Child(nofile, args)
        self.addCleanup(c.kill)
        return c.start()

    def assert_error(self, r, status, code, message):
        self.assertEqual(r.status, status, r)
        self.assertEqual(r.header('Content-Type'), 'application/json', r)
        self.assertEqual(r.ordered(), [
            ('code', code), ('message', message),
            ('more_info', 'https://www.twilio.com/docs/errors/%d' % code),
            ('status', status)], r)

    # -- 1. zombie connections --

    def test_zombie_flood(self):
        """1,000 connections that send half a request and close, against
        a 236-connection limit: /healthz and --healthcheck are served at
        once, and every slot is released within seconds (before: /healthz
        hung until the 60 s timeout)."""
        c = self.child(256)
        base = open_fds(c.proc.pid)
        t0 = time.monotonic()
        for _ in range(1000):
            zombie(c.port)
        flood = time.monotonic() - t0
        status, secs = probe(c.port)
        self.assertEqual(status, 200, 'healthz after the flood')
        self.assertLess(secs, 2.0)
        hc = harness.run_cli(['--healthcheck', '--port', str(c.port)],
                             timeout=10)
        self.assertEqual(hc.returncode, 0, hc)
        peak = open_fds(c.proc.pid)
        t0 = time.monotonic()
        while time.monotonic() - t0 < 12 and \
                open_fds(c.proc.pid) > base + 2:
            time.sleep(0.2)
        released = time.monotonic() - t0
        print('\n    zombies: 1000 in %.2f s, healthz %.3f s, %d descriptors '
              'held, released in %.1f s' % (flood, secs, peak, released),
              end=' ')
        self.assertLessEqual(open_fds(c.proc.pid), base + 2,
                             'zombie connections still held after 12 s')
        status, _ = probe(c.port, b'/v1/Assistants?PageSize=2', auth=True)
        self.assertEqual(status, 401)  # another account: served

    def test_silent_connection_closed(self):
        """A connection that sends nothing is closed within seconds, and
        so is one that stops in the middle of its headers."""
        port = self.srv.port
        s1 = socket.create_connection(('127.0.0.1', port), timeout=15)
        s2 = socket.create_connection(('127.0.0.1', port), timeout=15)
        try:
            s2.sendall(b'GET /v1/Assistants HTTP/1.1\r\nHost: a\r\n')
            t0 = time.monotonic()
            self.assertEqual(s1.recv(100), b'')
            self.assertEqual(s2.recv(100), b'')
            secs = time.monotonic() - t0
            self.assertLess(secs, 10.0)
        finally:
            s1.close()
            s2.close()

    def test_keep_alive_survives_request_timeout(self):
        """After an answer, an idle keep-alive connection stays usable for
        longer than the request timeout."""
        s = socket.create_connection(('127.0.0.1', self.srv.port),
                                     timeout=15)
        try:
            for i in range(2):
                s.sendall(req(b'/healthz', auth=False, close=False))
                buf = b''
                while b'{"status":"ok"}' not in buf:
                    chunk = s.recv(4096)
                    self.assertTrue(chunk, 'closed: %r' % buf)
                    buf += chunk
                if i == 0:
                    time.sleep(6.5)
        finally:
            s.close()

    # -- 2. descriptor exhaustion --

    def test_descriptor_limit(self):
        """Under RLIMIT_NOFILE 64 with 16 threads, 100 idle connections: no
        accept spin (server CPU under 0.5 s in 2 s), bounded stderr, the
        health check served meanwhile, service after they close (before:
        5.6 s of CPU and 570 MB of stderr in 3 s)."""
        c = self.child(64, ['--threads', '16'])
        socks = []
        try:
            for _ in range(100):
                s = socket.socket()
                s.settimeout(3)
                s.connect(('127.0.0.1', c.port))
                socks.append(s)
            cpu0 = cpu_seconds(c.proc.pid)
            b0, _ = c.counts()
            time.sleep(2.0)
            cpu = cpu_seconds(c.proc.pid) - cpu0
            b1, lines = c.counts()
            status, secs = probe(c.port, timeout=3)
            print('\n    100 idle connections at nofile 64: CPU %.2f s in '
                  '2 s, %d stderr bytes, healthz %s in %.3f s'
                  % (cpu, b1 - b0, status, secs), end=' ')
            self.assertLess(cpu, 0.5, 'accept spin')
            self.assertLess(b1, 20000, 'stderr flood: %r' % c.err[:300])
            self.assertEqual(status, 200)
        finally:
            for s in socks:
                s.close()
        time.sleep(0.5)
        status, _ = probe(c.port)
        self.assertEqual(status, 200)
        self.assertIn(b'connection limit 16 (RLIMIT_NOFILE 64)', c.err)

    def test_descriptor_limit_too_low(self):
        """A descriptor limit that leaves no connection per thread: exit 1
        at start with the reason."""
        self.need_prlimit()
        r = subprocess.run([PRLIMIT, '--nofile=40:40', harness.BINARY,
                            '--port', '0', '--threads', '16'],
                           capture_output=True, timeout=10,
                           env=harness.clean_env())
        self.assertEqual(r.returncode, 1, r)
        self.assertIn(b'RLIMIT_NOFILE 40', r.stderr)

    # -- 3. at the connection limit --

    def test_connection_limit_answers(self):
        """35 stalled readers against a 20-connection limit (RLIMIT_NOFILE
        40): a new API client gets a prompt answer (Twilio's 503 and close,
        or 200), the health check keeps working (before: both hung)."""
        c = self.child(40, ['--fixtures', self.big_path])
        socks = []
        try:
            for _ in range(35):
                try:
                    socks.append(stalled_reader(c.port))
                except OSError:
                    pass
            time.sleep(1.0)
            status, secs = probe(c.port, timeout=3)
            self.assertEqual(status, 200, 'healthz at the limit')
            self.assertLess(secs, 1.0)
            rs, closed, secs = exchange(
                c.port, req(b'/v1/Assistants?PageSize=1', auth=BIG_AUTH_HDR),
                timeout=3)
            self.assertTrue(rs, 'no answer at the limit')
            self.assertLess(secs, 1.5)
            if rs[0].status == 503:
                self.assert_error(rs[0], 503, 20503, 'Service Unavailable')
                self.assertEqual(rs[0].header('Retry-After'), '1')
                self.assertTrue(closed)
            else:
                self.assertEqual(rs[0].status, 200, rs[0])
            hc = harness.run_cli(['--healthcheck', '--port', str(c.port)],
                                 timeout=10)
            self.assertEqual(hc.returncode, 0, hc)
            print('\n    at the limit: healthz 200, API %d in %.3f s'
                  % (rs[0].status, secs), end=' ')
        finally:
            for s in socks:
                s.close()

    # -- 4. shutdown with connections in every state --

    def test_sigterm_with_zombies_and_stalled_readers(self):
        """SIGTERM with zombies, silent connections and stalled readers:
        exit 0 within a second."""
        srv = self.start_server(['--fixtures', self.big_path, '--quiet'])
        socks = [stalled_reader(srv.port) for _ in range(5)]
        socks += [socket.create_connection(('127.0.0.1', srv.port))
                  for _ in range(20)]
        for _ in range(200):
            zombie(srv.port)
        try:
            rc, secs = srv.signal(signal.SIGTERM)
            self.assertEqual(rc, 0, srv.stderr_text()[-2000:])
            self.assertLess(secs, 1.5)
            self.assertNotRegex(srv.stderr_text(), r'Sanitizer|runtime error')
        finally:
            for s in socks:
                s.close()

    # -- 5. Content-Length with Transfer-Encoding --

    def test_content_length_with_transfer_encoding(self):
        """Both framings: 400 and close, so trailing bytes never become a
        second request (before: read as chunked, the smuggled request
        answered on the same connection)."""
        smuggled = b'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'
        for order in (b'Content-Length: 5\r\nTransfer-Encoding: chunked\r\n',
                      b'Transfer-Encoding: chunked\r\nContent-Length: 4\r\n'):
            with self.subTest(order=order):
                data = req(b'/v1/Assistants?PageSize=1', close=False,
                           extra=order) + b'0\r\n\r\n' + smuggled
                rs, closed, secs = exchange(self.srv.port, data)
                self.assertEqual(len(rs), 1, rs)
                self.assert_error(rs[0], 400, 20001, 'Bad Request')
                self.assertTrue(closed, 'connection kept open')
                self.assertLess(secs, 2.0)
        # also on POST (a create must not happen)
        data = req(b'/v1/Assistants', method=b'POST', close=False,
                   extra=b'Content-Type: application/json\r\n'
                         b'Content-Length: 13\r\n'
                         b'Transfer-Encoding: chunked\r\n') + \
            b'd\r\n{"name":"sm"}\r\n0\r\n\r\n'
        rs, closed, _ = exchange(self.srv.port, data)
        self.assert_error(rs[0], 400, 20001, 'Bad Request')
        names = [a['name'] for a in self.srv.list_all(AUTH)]
        self.assertNotIn('sm', names)

    # -- 6. Transfer-Encoding other than chunked --

    def test_unsupported_transfer_encoding(self):
        """A coding other than a single chunked: 400 and close at once
        (before: no answer, the server waited up to 60 s)."""
        for te in (b'Transfer-Encoding: gzip\r\n',
                   b'Transfer-Encoding: chunked, gzip\r\n',
                   b'Transfer-Encoding: gzip, chunked\r\n',
                   b'Transfer-Encoding: identity\r\n',
                   b'Transfer-Encoding: chunked\r\n'
                   b'Transfer-Encoding: gzip\r\n',
                   b'Transfer-Encoding: chunked, chunked\r\n',
                   # libmicrohttpd would not read it as chunked
                   b'Transfer-Encoding: chunked  \r\n',
                   b'Transfer-Encoding: \r\n'):
            with self.subTest(te=te):
                rs, closed, secs = exchange(
                    self.srv.port, req(b'/v1/Assistants', close=False,
                                       extra=te) + b'abc', timeout=5)
                self.assertEqual(len(rs), 1, (rs, secs))
                self.assert_error(rs[0], 400, 20001, 'Bad Request')
                self.assertTrue(closed)
                self.assertLess(secs, 2.0)
        # HTTP/1.0 has no chunked coding
        rs, closed, _ = exchange(self.srv.port, req(
            b'/v1/Assistants', version=b'1.0',
            extra=b'Transfer-Encoding: chunked\r\n') + b'0\r\n\r\n')
        self.assert_error(rs[0], 400, 20001, 'Bad Request')
        # chunked alone (any case) is read as before
        for te in (b'chunked', b'Chunked', b'  CHUNKED'):
            with self.subTest(te=te):
                rs, _, _ = exchange(self.srv.port, req(
                    b'/v1/Assistants?PageSize=2',
                    extra=b'Transfer-Encoding: ' + te + b'\r\n') +
                    b'5\r\nhello\r\n0\r\n\r\n')
                self.assertEqual(rs[0].status, 200, rs)

    # -- 7. field parsing --

    def test_host_field_rules(self):
        """Two Host fields, a folded Host, none on HTTP/1.1: 400 Invalid Host
        header; whitespace before a colon: 400 and close; OWS around Host
        and Authorization is stripped."""
        t = b'/v1/Assistants?PageSize=2'
        for name, data in (
                ('two Host', req(t, host=b'a.example\r\nHost: b.example')),
                ('two Host, same value',
                 req(t, host=b'a.example\r\nHost: a.example')),
                ('folded Host', req(t, host=b'a.example\r\n b.example')),
                ('folded empty Host', req(t, host=b'\r\n a.example')),
                ('HTTP/1.1 without Host', req(t, host=None))):
            with self.subTest(name):
                rs, _, _ = exchange(self.srv.port, data)
                self.assert_error(rs[0], 400, 20001, 'Invalid Host header.')
                self.assertEqual(rs[0].header('Access-Control-Allow-Methods'),
                                 harness.ALLOW_LIST)
        for name, data in (
                ('space before colon', b'GET ' + t + b' HTTP/1.1\r\n'
                 b'Host : a.example\r\nAuthorization: ' + AUTH_HDR +
                 b'\r\n\r\n'),
                ('tab before colon', req(t, extra=b'X-Other\t: 1\r\n')),
                ('space in a name', req(t, extra=b'X Other: 1\r\n'))):
            with self.subTest(name):
                rs, closed, _ = exchange(self.srv.port, data)
                self.assert_error(rs[0], 400, 20001, 'Bad Request')
                self.assertTrue(closed)
        # HTTP/1.0 without Host: the listening address, as documented
        rs, _, _ = exchange(self.srv.port, req(t, host=None, version=b'1.0'))
        self.assertEqual(rs[0].status, 200)
        self.assertTrue(rs[0].json()['meta']['url'].startswith(
            'http://127.0.0.1:%d/' % self.srv.port))
        # OWS stripped
        for host in (b'a.example  ', b'a.example\t', b'  a.example \t'):
            with self.subTest(host=host):
                rs, _, _ = exchange(self.srv.port, req(t, host=host))
                self.assertEqual(rs[0].status, 200, rs)
                self.assertEqual(rs[0].json()['meta']['url'],
                                 'http://a.example/v1/Assistants?PageSize=2'
                                 '&Page=0')
        rs, _, _ = exchange(self.srv.port, req(t, auth=AUTH_HDR + b' \t '))
        self.assertEqual(rs[0].status, 200, rs)
        rs, _, _ = exchange(self.srv.port, req(t, auth=AUTH_HDR + b'x '))
        self.assertEqual(rs[0].status, 401, rs)

    # -- 8. absolute-form request-target --

    def test_absolute_form(self):
        """GET http://authority/path: served, the authority (not Host) in
        the links (before: 404)."""
        for target, base in (
                (b'http://mock.example:8123/v1/Assistants?PageSize=2',
                 'http://mock.example:8123'),
                (b'HTTP://Mock.Example/v1/Assistants?PageSize=2',
                 'http://Mock.Example'),
                (b'https://[::1]:9/v1/Assistants?PageSize=2',
                 'http://[::1]:9')):
            with self.subTest(target=target):
                rs, _, _ = exchange(self.srv.port,
                                    req(target, host=b'other.example'))
                self.assertEqual(rs[0].status, 200, rs)
                meta = rs[0].json()['meta']
                self.assertEqual(meta['url'], base +
                                 '/v1/Assistants?PageSize=2&Page=0')
                self.assertTrue(meta['next_page_url'].startswith(base + '/'))
        rs, _, _ = exchange(self.srv.port, req(
            b'http://mock.example/v1/Assistants/aia_asst_r2-001'))
        self.assertEqual(rs[0].status, 200, rs)
        self.assertEqual(rs[0].json()['url'], 'http://mock.example/v1/'
                         'Assistants/aia_asst_r2-001')
        for target in (b'http://user@mock.example/v1/Assistants',
                       b'http:///v1/Assistants',
                       b'http://' + b'h' * 300 + b'/v1/Assistants'):
            with self.subTest(target=target[:40]):
                rs, _, _ = exchange(self.srv.port, req(target))
                self.assert_error(rs[0], 400, 20001, 'Invalid Host header.')
        rs, _, _ = exchange(self.srv.port, req(b'http://mock.example',
                                               auth=False))
        self.assertEqual(rs[0].status, 404)
        rs, _, _ = exchange(self.srv.port, req(b'http://mock.example/healthz',
                                               auth=False))
        self.assertEqual(rs[0].status, 200)

    # -- 9. the last page number --

    def test_every_link_at_the_last_page_number(self):
        """At Page=2147483647 every link in meta is accepted (before: the
        next link said Page=2147483648, refused with 400)."""
        first = self.srv.get('/v1/Assistants?PageSize=2', auth=AUTH).json()
        tok = first['meta']['next_page_url'].split('&PageToken=', 1)[1]
        r = self.srv.get('/v1/Assistants?PageSize=2&Page=%d&PageToken=%s'
                         % (MAX_PAGE, tok), auth=AUTH)
        self.assertEqual(r.status, 200, r)
        meta = r.json()['meta']
        self.assertEqual(meta['page'], MAX_PAGE)
        self.assertIn('Page=%d&' % MAX_PAGE, meta['next_page_url'])
        for k in ('first_page_url', 'previous_page_url', 'url',
                  'next_page_url'):
            with self.subTest(link=k):
                r2 = self.srv.get_url(meta[k], auth=AUTH)
                self.assertEqual(r2.status, 200, (k, meta[k], r2))
                for k2, v in r2.json()['meta'].items():
                    if k2.endswith('url') and v:
                        self.assertEqual(self.srv.get_url(v, auth=AUTH)
                                         .status, 200, (k2, v))
        self.assertEqual(self.srv.get(
            '/v1/Assistants?PageSize=2&Page=%d&PageToken=%s'
            % (MAX_PAGE + 1, tok), auth=AUTH).status, 400)

    # -- 11. long TWILIO_* secrets --

    def test_long_environment_secrets(self):
        """TWILIO_AUTH_TOKEN or TWILIO_API_SECRET over 1024 bytes: refused
        at start like a fixture secret, exit 2 (before: loaded, and no
        request could authenticate); 1024 bytes works."""
        env_sid = sid('AC', 0x2015)
        key = sid('SK', 0x2015)
        for name, env in (
                ('TWILIO_AUTH_TOKEN', {'TWILIO_ACCOUNT_SID': env_sid,
                                       'TWILIO_AUTH_TOKEN': 't' * 1500}),
                ('TWILIO_API_SECRET', {'TWILIO_ACCOUNT_SID': env_sid,
                                       'TWILIO_AUTH_TOKEN': 'ok',
                                       'TWILIO_API_KEY': key,
                                       'TWILIO_API_SECRET': 's' * 1025})):
            with self.subTest(name):
                r = harness.run_cli(['--port', '0'], env=env)
                self.assertEqual(r.returncode, 2, r)
                got = len(env[name])
                self.assertIn(b'environment: %s: expected 1 to 1024 bytes, '
                              b'got %d' % (name.encode(), got), r.stderr)
                self.assertIn(b'fixtures rejected: 1 problem', r.stderr)
                self.assertNotIn(env[name].encode(), r.stderr + r.stdout)
        srv = self.start_server(['--quiet'], env={
            'TWILIO_ACCOUNT_SID': env_sid, 'TWILIO_AUTH_TOKEN': 'T' * 1024,
            'TWILIO_API_KEY': key, 'TWILIO_API_SECRET': 'S' * 1024})
        self.assertEqual(srv.get('/v1/Assistants',
                                 auth=(env_sid, 'T' * 1024)).status, 200)
        self.assertEqual(srv.get('/v1/Assistants',
                                 auth=(key, 'S' * 1024)).status, 200)

    # -- 12. stalled readers --

    def test_stalled_readers_released(self):
        """20 clients that never read a 5 MB page: their connections and
        memory are released within seconds (before: held for 60 s)."""
        srv = self.start_server(['--fixtures', self.big_path, '--quiet'])
        pid = srv.proc.pid
        base, rss0 = open_fds(pid), rss_mb(pid)
        socks = [stalled_reader(srv.port) for _ in range(20)]
        try:
            time.sleep(1.0)
            held, rss1 = open_fds(pid), rss_mb(pid)
            t0 = time.monotonic()
            while time.monotonic() - t0 < 12 and open_fds(pid) > base + 2:
                time.sleep(0.2)
            secs = time.monotonic() - t0 + 1.0
            print('\n    20 stalled readers: %d descriptors, RSS %.0f -> %.0f '
                  'MB, released after %.1f s, RSS %.0f MB'
                  % (held, rss0, rss1, secs, rss_mb(pid)), end=' ')
            self.assertGreaterEqual(held, base + 15, 'readers not stalled')
            self.assertLessEqual(open_fds(pid), base + 2,
                                 'stalled readers still held after 13 s')
            self.assertEqual(srv.get('/healthz').status, 200)
        finally:
            for s in socks:
                s.close()

    # -- 13. log injection and log floods --

    def test_log_lines_sanitised(self):
        """Control characters a client sends never reach stderr: neither in
        libmicrohttpd's own messages (a reset before the answer quotes the
        decoded path) nor in the server's (a fault rule's 5xx line)."""
        srv = self.start_server(['--fixtures', self.fixture_path, '--quiet'])
        harness.add_fault(srv, {'path': '/v1/Assistants/*', 'times': 0,
                                'error': {'status': 500}})
        rs, _, _ = exchange(srv.port, req(ESC_PATH))
        self.assertEqual(rs[0].status, 500)
        for _ in range(300):
            reset(srv.port, req(ESC_PATH, auth=False, close=False))
        time.sleep(0.5)
        err = srv.stderr_text()
        self.assertIn('by fault rule', err)
        self.assertIn('\\x1b]0;pwned\\x07\\x1b[31mRED', err)
        bad = [ch for ch in err if ch != '\n' and
               (ord(ch) < 0x20 or 0x7f <= ord(ch) < 0xa0)]
        self.assertEqual(bad, [], err[-1000:])

    def test_log_flood_rate_limited(self):
        """1,000 requests reset half-way in about a second, with --quiet: at
        most 10 lines a second from libmicrohttpd, then a 'suppressed N
        messages' line (before: about a line per client)."""
        srv = self.start_server(['--fixtures', self.fixture_path, '--quiet'])
        partial = b'GET /v1/Assistants HTTP/1.1\r\nHost: x\r\n'
        t0 = time.monotonic()
        for _ in range(1000):
            reset(srv.port, partial, pause=0.001)
        secs = time.monotonic() - t0
        time.sleep(1.2)
        for _ in range(5):
            reset(srv.port, partial, pause=0.001)
        time.sleep(0.5)
        lines = srv.stderr_text().splitlines()
        total = time.monotonic() - t0
        print('\n    1000 aborted requests in %.2f s: %d stderr lines'
              % (secs, len(lines)), end=' ')
        # 10 lines and a "suppressed" line per second started
        self.assertLessEqual(len(lines), 11 * (int(total) + 2), lines[:20])
        self.assertTrue(any(re.fullmatch(r'assistants-mock: suppressed \d+ '
                                         r'messages', l) for l in lines),
                        lines[-5:])

    # -- 14. start-up, signals, duplicate parameters --

    def test_startup_linear_in_accounts(self):
        """--check of 80,000 accounts costs about four times 20,000, not
        sixteen (before: 23 s for 100,000)."""
        d = self.tmpdir()
        times = {}
        for n in (20000, 80000):
            path = harness.write_json(d, 'a%d.json' % n, {'accounts': [
                {'sid': sid('AC', i + 1), 'auth_token': 't%d' % i}
                for i in range(n)]})
            t0 = time.monotonic()
            r = harness.run_cli(['--check', '--fixtures', path], timeout=30)
            times[n] = time.monotonic() - t0
            self.assertEqual(r.returncode, 0, r)
        print('\n    --check: 20,000 accounts %.2f s, 80,000 %.2f s'
              % (times[20000], times[80000]), end=' ')
        self.assertLess(times[80000], 8 * max(times[20000], 0.05), times)

    def test_sigterm_during_fixture_load(self):
        """SIGTERM while a big fixture loads: the process ends within a
        second, status 143 (128 + 15), a new --state file removed (before:
        it waited for the load)."""
        d = self.tmpdir()
        path = harness.write_json(d, 'many.json', {'accounts': [
            {'sid': sid('AC', i + 1), 'auth_token': 't%d' % i}
            for i in range(150000)]})
        state = os.path.join(d, 'state.db')
        proc = subprocess.Popen(
            [harness.BINARY, '--port', '0', '--fixtures', path, '--state',
             state], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=harness.clean_env(), preexec_fn=harness._die_with_parent)
        try:
            time.sleep(0.1)
            t0 = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            try:
                out, err = proc.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                out, err = proc.communicate()
            secs = time.monotonic() - t0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if b'listening on' in out:
            self.skipTest('the load ended within 0.1 s')
        print('\n    SIGTERM during the load: exit %r after %.2f s'
              % (proc.returncode, secs), end=' ')
        self.assertLess(secs, 1.0)
        self.assertEqual(proc.returncode, 143, err)
        self.assertIn(b'SIGTERM received during start-up', err)
        self.assertFalse(os.path.exists(state))

    def test_stop_signals(self):
        """SIGHUP and SIGQUIT drain and exit 0 like SIGTERM; SIGUSR1 and
        SIGUSR2 are ignored."""
        for sig in (signal.SIGHUP, signal.SIGQUIT):
            with self.subTest(sig=sig.name):
                srv = self.start_server(['--quiet'])
                rc, secs = srv.signal(sig)
                self.assertEqual(rc, 0, srv.stderr_text())
                self.assertLess(secs, 1.5)
                self.assertIn('%s received, stopping' % sig.name,
                              srv.stdout_lines())
        srv = self.start_server(['--quiet'])
        for sig in (signal.SIGUSR1, signal.SIGUSR2):
            srv.proc.send_signal(sig)
        time.sleep(0.3)
        self.assertIsNone(srv.proc.poll())
        self.assertEqual(srv.get('/healthz').status, 200)
        rc, _ = srv.signal(signal.SIGTERM)
        self.assertEqual(rc, 0)

    def test_duplicate_query_parameters_last_wins(self):
        """A repeated known parameter: the last one counts (documented)."""
        r = self.srv.get('/v1/Assistants?PageSize=2&PageSize=3', auth=AUTH)
        self.assertEqual(r.json()['meta']['page_size'], 3)
        r = self.srv.get('/v1/Assistants?PageSize=0&PageSize=4', auth=AUTH)
        self.assertEqual(r.status, 200)
        r = self.srv.get('/v1/Assistants?PageSize=4&PageSize=0', auth=AUTH)
        self.assertEqual(r.status, 400)
        r = self.srv.get('/v1/Assistants?Page=1&Page=0', auth=AUTH)
        self.assertEqual(r.status, 200)


if __name__ == '__main__':
    harness.main()
