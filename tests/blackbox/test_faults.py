#!/usr/bin/env python3
"""Black-box tests of faults (issue 5, "Faults"): SIGTERM while 32 threads
hammer the server; fixture sources that are unreadable, not JSON, symlink
loops, FIFOs, devices, 1 GiB, truncated, or clash on ids; and
--inject-store-fault (a failed SQLite call on the request path).

SIGTERM: every response a client receives is complete and valid (a client may
instead find its connection refused or closed without a byte once the server
stops), and the server exits 0 within 1 s of the signal.  Bad fixtures: exit
status 2, a clear message on stderr naming the file, never "listening on".

Usage: python3 tests/blackbox/test_faults.py [--binary PATH]

SPDX-License-Identifier: MIT
"""

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import threading
import time

import harness
from harness import account, assistant, sid

ACCT = sid('AC', 0xfa017)
TOKEN = 'faults-token'
AUTH = (ACCT, TOKEN)
AUTH_HDR = harness.basic(ACCT, TOKEN).encode()
N_ITEMS = 600
SANITIZER_RE = re.compile(r'(Address|Leak|UndefinedBehavior|Thread)Sanitizer'
                          r'|runtime error:')


def big_fixture():
    items = [assistant('aia_asst_f-%04d' % i, ACCT,
                       '2024-%02d-%02dT08:00:00Z' % (1 + i % 12, 1 + i % 28),
                       personality_prompt='Prompt %d. ' % i + 'x' * 300)
             for i in range(N_ITEMS)]
    return {'accounts': [account(ACCT, TOKEN)], 'assistants': items}


def valid_fixture(prefix='aia_asst_v-', n=3):
    return {'accounts': [account(ACCT, TOKEN)],
            'assistants': [assistant('%s%d' % (prefix, i), ACCT)
                           for i in range(n)]}


def assert_no_sanitizer_report(tc, srv):
    err = srv.stderr_text()
    m = SANITIZER_RE.search(err)
    tc.assertIsNone(m, 'sanitizer report on stderr:\n%s' % err[-4000:])


class Outcome:
    OK = 'ok'
    REFUSED = 'refused'           # connect refused (server gone)
    NO_ANSWER = 'closed, no byte'  # EOF/reset before any response byte
    TRUNCATED = 'truncated'       # some bytes, not a whole response
    INVALID = 'invalid'           # whole response, wrong status or body
    TIMEOUT = 'timeout'


def one_exchange(sock, page_size, state):
    """Sends one request on sock and classifies the answer; returns
    (outcome, detail, time the request was fully written or None)."""
    data = (b'GET /v1/Assistants?PageSize=%d HTTP/1.1\r\nHost: 127.0.0.1\r\n'
            b'Authorization: %s\r\n\r\n' % (page_size, AUTH_HDR))
    buf = b''
    written = None
    try:
        sock.sendall(data)
        written = time.monotonic()
        while b'\r\n\r\n' not in buf:
            chunk = sock.recv(65536)
            if not chunk:
                return (Outcome.TRUNCATED if buf else Outcome.NO_ANSWER), \
                    buf, written
            buf += chunk
        head, _, body = buf.partition(b'\r\n\r\n')
        m = re.search(rb'\r\ncontent-length:\s*(\d+)', head, re.I)
        if not m:
            return Outcome.INVALID, buf, written
        length = int(m.group(1))
        while len(body) < length:
            chunk = sock.recv(65536)
            if not chunk:
                return Outcome.TRUNCATED, buf + body, written
            body += chunk
    except socket.timeout:
        return Outcome.TIMEOUT, buf, written
    except (ConnectionResetError, BrokenPipeError):
        return (Outcome.TRUNCATED if buf else Outcome.NO_ANSWER), buf, written
    if not head.startswith(b'HTTP/1.1 200 '):
        return Outcome.INVALID, head + b'\r\n\r\n' + body, written
    try:
        d = json.loads(body[:length])
        if len(d['assistants']) != page_size or \
                d['meta']['page_size'] != page_size:
            return Outcome.INVALID, body[:300], written
    except (ValueError, KeyError) as e:
        return Outcome.INVALID, ('%r: ' % e).encode() + body[:300], written
    if len(body) > length:
        return Outcome.INVALID, b'extra bytes after the body', written
    state['ok_bytes'] += length
    return Outcome.OK, b'', written


def one_exchange_rest(sock, page_size):
    """Reads and classifies the answer to a request already written."""
    class _Sent:
        def __init__(self, s):
            self.s = s

        def sendall(self, data):
            pass

        def recv(self, n):
            return self.s.recv(n)
    return one_exchange(_Sent(sock), page_size, {'ok_bytes': 0})


class SigtermUnderLoad(harness.TestCase):

    def hammer_and_stop(self, n_threads=32, load_s=1.0):
        d = self.tmpdir()
        path = harness.write_json(d, 'big.json', big_fixture())
        srv = self.start_server(['--fixtures', path])
        port = srv.port
        stop = threading.Event()
        lock = threading.Lock()
        results = []  # (t, outcome, detail)
        state = {'ok_bytes': 0}

        def worker(k):
            sock = None
            rng = k
            while not stop.is_set():
                if sock is None:
                    try:
                        sock = socket.create_connection(('127.0.0.1', port),
                                                        timeout=5)
                    except ConnectionRefusedError:
                        with lock:
                            results.append((None, Outcome.REFUSED, b''))
                        time.sleep(0.01)
                        continue
                    except OSError as e:
                        with lock:
                            results.append((None, Outcome.REFUSED,
                                            repr(e).encode()))
                        time.sleep(0.01)
                        continue
                rng = (rng * 1103515245 + 12345) & 0x7fffffff
                page_size = (50, 200, 600, 1)[rng % 4]
                out, detail, written = one_exchange(sock, page_size, state)
                with lock:
                    results.append((written, out, detail))
                # half the workers reconnect each time, half keep alive
                if out != Outcome.OK or k % 2 == 0:
                    sock.close()
                    sock = None
            if sock is not None:
                sock.close()

        threads = [threading.Thread(target=worker, args=(k,), daemon=True)
                   for k in range(n_threads)]
        for t in threads:
            t.start()
        time.sleep(load_s)
        with lock:
            before = len(results)
        t_sig = time.monotonic()
        srv.proc.send_signal(signal.SIGTERM)
        try:
            rc = srv.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            rc = None
        t_exit = time.monotonic()
        time.sleep(0.3)  # clients see the closed port
        stop.set()
        for t in threads:
            t.join(10)
        srv.kill()  # joins the output readers
        return srv, rc, t_exit - t_sig, t_sig, before, results, state

    # A request written this long before SIGTERM must be answered; within
    # the window the connection may be closed without a byte (the classic
    # keep-alive / accept-backlog race every HTTP client retries).
    RACE_WINDOW = 0.1

    def test_sigterm_while_hammered(self):
        """SIGTERM under 32 hammering threads, three times: exit 0 within
        1 s; no truncated or invalid response; every request written before
        the signal (less the race window) answered in full."""
        for round_ in range(3):
            with self.subTest(round=round_):
                srv, rc, secs, t_sig, before, results, state = \
                    self.hammer_and_stop()
                counts = {}
                for _, o, _ in results:
                    counts[o] = counts.get(o, 0) + 1
                near = sum(1 for t, o, _ in results
                           if o == Outcome.NO_ANSWER and t is not None and
                           t < t_sig)
                print('\n    round %d: %d requests before SIGTERM, outcomes '
                      '%r (%d closed without a byte were written in the %d ms '
                      'before the signal), exit %r after %.3f s'
                      % (round_, before, counts, near,
                         self.RACE_WINDOW * 1000, rc, secs), end=' ')
                self.assertEqual(rc, 0, srv.stderr_text())
                self.assertLess(secs, 1.0)
                self.assertGreater(counts.get(Outcome.OK, 0), 32)
                early = [('%.1f ms before' % ((t_sig - t) * 1e3), o, d[:200])
                         for t, o, d in results
                         if o != Outcome.OK and t is not None and
                         t < t_sig - self.RACE_WINDOW]
                self.assertEqual(early, [], 'requests written before the '
                                 'signal not answered')
                bad = [(o, d[:300]) for _, o, d in results
                       if o in (Outcome.TRUNCATED, Outcome.INVALID,
                                Outcome.TIMEOUT)]
                self.assertEqual(bad, [], 'truncated/invalid responses')
                assert_no_sanitizer_report(self, srv)

    def start_big(self):
        d = self.tmpdir()
        path = harness.write_json(d, 'big.json', big_fixture())
        return self.start_server(['--fixtures', path, '--quiet'])

    def test_sigterm_request_in_the_middle_of_its_headers(self):
        """Request line and part of the headers sent, then SIGTERM, then the
        rest 50/300 ms later: the request is in flight and answered in
        full; exit 0 within 1 s."""
        for delay in (0.05, 0.3):
            with self.subTest(delay=delay):
                srv = self.start_big()
                s = socket.create_connection(('127.0.0.1', srv.port),
                                             timeout=5)
                s.sendall(b'GET /v1/Assistants?PageSize=%d HTTP/1.1\r\n'
                          b'Host: 127.0.0.1\r\n' % N_ITEMS)
                time.sleep(0.1)
                t0 = time.monotonic()
                srv.proc.send_signal(signal.SIGTERM)
                time.sleep(delay)
                s.sendall(b'Authorization: ' + AUTH_HDR + b'\r\n\r\n')
                out, detail, _ = one_exchange_rest(s, N_ITEMS)
                s.close()
                rc = srv.proc.wait(5)
                secs = time.monotonic() - t0
                self.assertEqual(out, Outcome.OK, detail[:300])
                self.assertEqual(rc, 0)
                self.assertLess(secs, 1.0)

    def start_huge(self):
        """1,000 assistants of 5 KB: a 5 MB page, more than the socket
        buffers hold, so the server is still writing when the signal
        comes."""
        d = self.tmpdir()
        items = [assistant('aia_asst_g-%04d' % i, ACCT,
                           '2024-01-01T00:00:00Z',
                           personality_prompt='p%d ' % i + 'y' * 5000)
                 for i in range(1000)]
        path = harness.write_json(d, 'huge.json', {
            'accounts': [account(ACCT, TOKEN)], 'assistants': items})
        return self.start_server(['--fixtures', path, '--quiet'])

    def huge_request(self, srv):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.settimeout(10)
        s.connect(('127.0.0.1', srv.port))
        s.sendall(b'GET /v1/Assistants?PageSize=1000 HTTP/1.1\r\nHost: '
                  b'127.0.0.1\r\nAuthorization: %s\r\n\r\n' % AUTH_HDR)
        buf = s.recv(4096)
        time.sleep(0.1)  # the server fills its buffers and waits
        return s, buf

    def signal_and_time_exit(self, srv):
        t0 = time.monotonic()
        exit_after = []

        def waiter():
            try:
                srv.proc.wait(5)
            except subprocess.TimeoutExpired:
                pass
            exit_after.append(time.monotonic() - t0)
        th = threading.Thread(target=waiter, daemon=True)
        srv.proc.send_signal(signal.SIGTERM)
        th.start()
        return th, exit_after

    def test_sigterm_during_a_large_response(self):
        """A 5 MB answer still being written at SIGTERM, read by a client
        that keeps reading: it arrives whole; exit 0 within 1 s."""
        srv = self.start_huge()
        s, buf = self.huge_request(srv)
        th, exit_after = self.signal_and_time_exit(srv)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
        while True:
            chunk = s.recv(1 << 20)
            if not chunk:
                break
            buf += chunk
        s.close()
        th.join(6)
        head, _, body = buf.partition(b'\r\n\r\n')
        self.assertTrue(head.startswith(b'HTTP/1.1 200'), head[:100])
        length = int(re.search(rb'content-length:\s*(\d+)', head,
                               re.I).group(1))
        print('\n    %d of %d body bytes; exit after %.3f s'
              % (len(body), length, exit_after[0]), end=' ')
        self.assertEqual(len(body), length, 'body truncated')
        self.assertEqual(len(json.loads(body)['assistants']), 1000)
        self.assertEqual(srv.proc.returncode, 0)
        self.assertLess(exit_after[0], 1.0)

    def test_sigterm_stalled_reader_does_not_block_exit(self):
        """A client that stops reading a 5 MB answer does not hold the
        server: exit 0 within 1 s of SIGTERM."""
        srv = self.start_huge()
        s, _ = self.huge_request(srv)
        th, exit_after = self.signal_and_time_exit(srv)
        th.join(6)
        s.close()
        print('\n    exit after %.3f s' % exit_after[0], end=' ')
        self.assertEqual(srv.proc.returncode, 0)
        self.assertLess(exit_after[0], 1.0)

    def test_sigterm_idle_and_sigint(self):
        """SIGTERM with idle keep-alive connections open, and SIGINT: exit 0
        at once."""
        d = self.tmpdir()
        path = harness.write_json(d, 'v.json', valid_fixture())
        for sig in (signal.SIGTERM, signal.SIGINT):
            with self.subTest(sig=sig):
                srv = self.start_server(['--fixtures', path, '--quiet'])
                socks = []
                for _ in range(20):
                    s = socket.create_connection(('127.0.0.1', srv.port))
                    s.sendall(b'GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n')
                    socks.append(s)
                for s in socks:
                    s.settimeout(5)
                    self.assertTrue(s.recv(100).startswith(b'HTTP/1.1 200'))
                half = socket.create_connection(('127.0.0.1', srv.port))
                half.sendall(b'GET /v1/Assis')  # a request in the middle
                rc, secs = srv.signal(sig)
                self.assertEqual(rc, 0)
                self.assertLess(secs, 1.0)
                for s in socks + [half]:
                    s.close()
                srv.kill()
                assert_no_sanitizer_report(self, srv)


class BadFixtures(harness.TestCase):
    """Every bad fixture source: exit 2, a clear message naming it, nothing
    served.  Each runs as a server (--port 0) and with --check."""

    def assert_rejected(self, paths, patterns, timeout=20):
        args = []
        for p in paths:
            args += ['--fixtures', p]
        for mode in ([], ['--check']):
            cmd = [harness.BINARY] + (['--port', '0'] + args if not mode
                                      else mode + args)
            t0 = time.monotonic()
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                    stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE,
                                    env=harness.clean_env())
            try:
                out, err = proc.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                out, err = proc.communicate()
                self.fail('%r still running after %d s; stdout %r'
                          % (cmd, timeout, out[:300]))
            secs = time.monotonic() - t0
            out, err = harness.text(out), harness.text(err)
            self.assertEqual(proc.returncode, 2, (cmd, out, err))
            self.assertNotIn('listening on', out)
            self.assertNotIn('fixtures ok', out)
            for pat in patterns:
                self.assertRegex(err, pat, cmd)
            self.assertRegex(err, r'nothing served')
            self.assertIsNone(SANITIZER_RE.search(err), err[-3000:])
            # every line is "PATH...: problem" or the summary
            for line in err.strip().splitlines():
                self.assertTrue(
                    line.startswith('assistants-mock:') or
                    any(line.startswith(p.rstrip('/')) for p in paths),
                    'unclear stderr line %r' % line)
        return secs, err

    def test_unreadable_file(self):
        if os.geteuid() == 0:
            self.skipTest('running as root: root reads a chmod 000 file (and '
                          'an inaccessible directory), so unreadable cannot '
                          'be tested')
        d = self.tmpdir()
        p = harness.write_json(d, 'a.json', valid_fixture())
        os.chmod(p, 0)
        self.addCleanup(os.chmod, p, 0o600)
        self.assert_rejected([p], [re.escape(p) + r'.*[Pp]ermission denied'])
        # and inside a directory
        self.assert_rejected([d], [re.escape(p) + r'.*[Pp]ermission denied'])

    def test_directory_without_json(self):
        d = self.tmpdir()
        harness.write_text(d, 'README', 'hello')
        harness.write_text(d, 'a.txt', '{"accounts":[]}')
        harness.write_text(d, 'b.json.bak', '{}')
        harness.write_json(d, '.hidden.json', valid_fixture())
        self.assert_rejected([d], [re.escape(d) + r'.*no \*\.json files'])
        empty = self.tmpdir()
        self.assert_rejected([empty], [re.escape(empty) + r'.*no \*\.json'])

    def test_json_file_that_is_not_json(self):
        for name, content in (('a.json', 'hello, world\n'),
                              ('b.json', '\x00\x01\x02binary'),
                              ('c.json', '{"accounts": [}'),
                              ('d.json', '\xef\xbb\xbf{"accounts": [] '),
                              ('e.json', '[1, 2, 3]'),
                              ('f.json', '{"accounts":[]} trailing')):
            with self.subTest(name=name):
                d = self.tmpdir()
                harness.write_json(d, '0-good.json', valid_fixture())
                p = harness.write_text(d, name, content)
                # the good file does not make it a partial store
                self.assert_rejected([d], [re.escape(p) + r'(:\d+)?: '])

    def test_symlink_loop(self):
        d = self.tmpdir()
        a, b = os.path.join(d, 'a.json'), os.path.join(d, 'b.json')
        os.symlink('b.json', a)
        os.symlink('a.json', b)
        self.assert_rejected([a], [re.escape(a) + r'.*symbolic links'])
        self.assert_rejected([d], [re.escape(a) + r'.*symbolic links',
                                   re.escape(b) + r'.*symbolic links'])
        self_loop = os.path.join(d, 'self')
        os.symlink('self', self_loop)
        self.assert_rejected([self_loop], [re.escape(self_loop) +
                                           r'.*symbolic links'])
        dangling = os.path.join(self.tmpdir(), 'x.json')
        os.symlink('/nonexistent/x.json', dangling)
        self.assert_rejected([dangling], [re.escape(dangling) +
                                          r'.*No such file'])

    def test_not_regular_files(self):
        d = self.tmpdir()
        fifo = os.path.join(d, 'fifo.json')
        os.mkfifo(fifo)  # opening it for reading would block forever
        self.assert_rejected([fifo], [re.escape(fifo) + r': .*regular'])
        self.assert_rejected([d], [re.escape(fifo) + r': .*regular'])
        self.assert_rejected(['/dev/zero'], [r'/dev/zero: '], timeout=10)
        sub = self.tmpdir()
        os.mkdir(os.path.join(sub, 'dir.json'))
        harness.write_json(sub, 'ok.json', valid_fixture())
        self.assert_rejected([sub], [re.escape(os.path.join(sub, 'dir.json'))
                                     + r': '])

    def test_1gib_sparse_file(self):
        """A 1 GiB (sparse) fixture: exit 2 with a JSON error within 20 s.
        Prints time and the peak memory of the process."""
        for name, head in (('zeros.json', b''),
                           ('open-array.json', b'{"assistants":['),
                           ('long-string.json',
                            b'{"assistants":[],"meta":"')):
            with self.subTest(name=name):
                d = self.tmpdir()
                p = os.path.join(d, name)
                with open(p, 'wb') as f:
                    f.write(head)
                    f.truncate(1 << 30)
                t0 = time.monotonic()
                proc = subprocess.Popen(
                    [harness.BINARY, '--port', '0', '--fixtures', p],
                    stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE, env=harness.clean_env())
                deadline = t0 + 20
                while proc.poll() is None and time.monotonic() < deadline:
                    time.sleep(0.05)
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
                    self.fail('%s: still running after 20 s' % name)
                # os.wait4 is not usable after poll(); read the summary
                out, err = proc.communicate()
                secs = time.monotonic() - t0
                out, err = harness.text(out), harness.text(err)
                print('\n    %s: exit %d after %.2f s' % (name,
                                                          proc.returncode,
                                                          secs), end=' ')
                self.assertEqual(proc.returncode, 2, err)
                self.assertNotIn('listening on', out)
                self.assertRegex(err, re.escape(p) +
                                 r'(:\d+)?: (invalid JSON|.*too (large|big))')

    def test_truncated_json(self):
        with open(os.path.join(harness.REPO_ROOT, 'fixtures',
                               'default.json'), 'rb') as f:
            raw = f.read()
        d = self.tmpdir()
        for frac in (2, 3, 7):
            with self.subTest(cut='1/%d' % frac):
                p = os.path.join(d, 'cut%d.json' % frac)
                with open(p, 'wb') as f:
                    f.write(raw[:len(raw) // frac])
                self.assert_rejected([p], [re.escape(p) +
                                           r':\d+: invalid JSON'])
        # cut in the middle of a UTF-8 sequence or an escape
        p = os.path.join(d, 'mid.json')
        with open(p, 'wb') as f:
            f.write('{"accounts":[],"assistants":[{"id":"aia_asst_\u00e9'
                    .encode()[:-1])
        self.assert_rejected([p], [re.escape(p) + r':\d+: invalid JSON'])

    def test_duplicate_ids_across_files(self):
        d = self.tmpdir()
        a = harness.write_json(d, 'a.json', valid_fixture('aia_asst_dup-', 3))
        b = harness.write_json(d, 'b.json', {
            'assistants': [assistant('aia_asst_other', ACCT),
                           assistant('aia_asst_dup-1', ACCT)]})
        self.assert_rejected([d], [re.escape(b) + r': assistants\[1\]\.id: '
                                   r'.*duplicate.*aia_asst_dup-1.*'
                                   + re.escape(a)])
        # the same file given twice
        self.assert_rejected([a, a], [r'duplicate'])


class StoreFault(harness.TestCase):

    def test_inject_store_fault_every_third(self):
        """--inject-store-fault 3: every 3rd list query is a Twilio 500
        (code 20500), logged once on stderr; the next request is a 200, on
        the same keep-alive connection and on a new one."""
        d = self.tmpdir()
        path = harness.write_json(d, 'v.json', valid_fixture(n=7))
        srv = self.start_server(['--fixtures', path,
                                 '--inject-store-fault', '3'])
        statuses = []
        conn = http.client.HTTPConnection('127.0.0.1', srv.port,
                                                  timeout=10)
        hdr = {'Authorization': AUTH_HDR.decode()}
        n = 15
        for i in range(n):
            if i % 2:
                conn.request('GET', '/v1/Assistants?PageSize=2', headers=hdr)
                resp = conn.getresponse()
                r = harness.Response(resp.status, resp.reason,
                                     resp.getheaders(), resp.read(),
                                     target='/v1/Assistants?PageSize=2')
            else:
                r = srv.get('/v1/Assistants?PageSize=2', auth=AUTH)
            statuses.append(r.status)
            if r.status == 500:
                self.assert_error(r, 500, 20500, 'Internal Server Error')
                self.assert_standard_headers(r)
            else:
                self.assertEqual(r.status, 200, r)
                self.assertEqual(len(r.json()['assistants']), 2)
            # non-list requests neither fail nor count
            h = srv.get('/healthz')
            self.assertEqual(h.status, 200)
        conn.close()
        self.assertEqual(statuses, [200, 200, 500] * (n // 3))
        fails = statuses.count(500)
        # logged once per failure
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            lines = [l for l in srv.stderr_text().splitlines() if l]
            if len(lines) >= fails:
                break
            time.sleep(0.05)
        time.sleep(0.2)
        lines = [l for l in srv.stderr_text().splitlines() if l]
        self.assertEqual(len(lines), fails, lines)
        for l in lines:
            self.assertRegex(l, r'^assistants-mock: .*(store|query|SQL|sql)')
        access = [l for l in srv.stdout_lines()
                  if l.startswith('GET /v1/Assistants')]
        self.assertEqual([int(l.split()[2]) for l in access], statuses)
        rc, secs = srv.signal(signal.SIGTERM)
        self.assertEqual(rc, 0)
        srv.kill()
        assert_no_sanitizer_report(self, srv)


if __name__ == '__main__':
    harness.main()
