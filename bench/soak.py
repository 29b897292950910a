#!/usr/bin/env python3
"""Soak test of assistants-mock: many mixed requests over many keep-alive
connections, checked byte for byte (issue 5, "Load and soak").

    bench/soak.py [--binary PATH] [--fixtures PATH] [--requests N]
                  [--connections C] [--procs P] [--seed S]
                  [--max-rss-drift PCT] [--server-threads T]

Starts the server itself (--port 0 --quiet; its stdout/stderr go to a log
file), with --fixtures or, without it, a generated set of 20,000 assistants
(bench/gen_fixtures.py --count 20000; alice's credentials, plus a second
account "bob" from TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN, so alice's tokens can
be tried by bob).

Before the run it walks the list (page sizes 1000, 50, 7), keeps the links
(next and previous pages) as the set of valid URLs at every depth, and fetches
a reference answer (status + body) for every URL it will send: valid pages,
deep pages (tokens from the last 10% of the list, also at small page sizes),
bad parameters (400) and bad credentials (401).

Then P worker processes (default 1 on 2 CPUs, else up to 4), each an asyncio
loop multiplexing its share of C connections (default 256), send N requests
(default 1,000,000): 55% valid pages, 15% deep pages, 15% bad parameters, 15%
bad credentials, one at a time per connection, keep-alive.

Violations (exit status 1): any 5xx; any connection dropped (closed or reset
by the server while a request was outstanding, or not announced by
"Connection: close"), connect failure or 30 s without an answer; any answer
whose status or body differs from the reference for its URL; the server's
RSS (VmRSS of /proc/PID/status) at the end more than --max-rss-drift percent
(default 5) above its RSS after the first 10,000 requests; the server not
exiting 0 on SIGTERM, or a sanitizer report in its log.

Prints a summary: requests, connections, req/s, answers by kind, errors by
kind, RSS after 10k and at the end, drift. Python (not the server) is usually
the bottleneck: the rate is the client's.

Python 3 standard library only.

SPDX-License-Identifier: MIT
"""

import argparse
import asyncio
import base64
import http.client
import multiprocessing as mp
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
ALICE = ('ACa11ce000000000000000000000000001', 'alice-auth-token')
ALICE_KEY = ('SKa11ce000000000000000000000000001', 'alice-api-key-secret')
BOB = ('ACb0b00000000000000000000000000002', 'bob-auth-token')
RSS_MARK = 10000
REQUEST_TIMEOUT = 30.0
SANITIZER_RE = re.compile(r'(Address|Leak|UndefinedBehavior)Sanitizer|'
                          r'runtime error:')
LISTEN_RE = re.compile(r'listening on http://(\S+):(\d+)')

KINDS = ('valid', 'deep', 'bad_params', 'bad_auth')
WEIGHTS = (55, 15, 15, 15)


def basic(user, pw):
    return 'Basic ' + base64.b64encode(('%s:%s' % (user, pw)).encode()) \
        .decode()


def rss_kb(pid):
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
    return -1


def log(msg):
    sys.stderr.write('soak: %s\n' % msg)
    sys.stderr.flush()


# ---------------------------------------------------------------------------
# Server


def start_server(binary, fixtures, env_extra, threads, logpath):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(('ASSISTANTS_MOCK_', 'TWILIO_'))}
    env.update(env_extra)
    cmd = [binary, '--port', '0', '--quiet', '--fixtures', fixtures]
    if threads:
        cmd += ['--threads', str(threads)]
    logf = open(logpath, 'wb')
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=logf,
                            stderr=subprocess.STDOUT, env=env)
    logf.close()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with open(logpath, 'rb') as f:
            m = LISTEN_RE.search(f.read(4096).decode('utf-8', 'replace'))
        if m:
            return proc, int(m.group(2))
        if proc.poll() is not None:
            break
        time.sleep(0.02)
    proc.kill()
    with open(logpath, 'rb') as f:
        sys.stderr.write(f.read()[-3000:].decode('utf-8', 'replace'))
    raise SystemExit('soak: server did not start')


# ---------------------------------------------------------------------------
# Reference set


class Plan:
    """URLs by kind: list of (request bytes, label) and their references."""

    def __init__(self):
        self.reqs = {k: [] for k in KINDS}  # kind -> [(bytes, key)]
        self.refs = {}  # key -> (status, body)


def walk(conn, auth, page_size, limit=None):
    """Walks next_page_url from page 0; returns list of (path, n_items,
    is_last) for every page, and the previous-page links seen."""
    path = '/v1/Assistants?PageSize=%d' % page_size
    pages, prevs = [], []
    while path and (limit is None or len(pages) < limit):
        conn.request('GET', path, headers={'Authorization': auth})
        resp = conn.getresponse()
        body = resp.read()
        if resp.status != 200:
            raise SystemExit('soak: walk %s -> %d %r' % (path, resp.status,
                                                         body[:200]))
        meta = body[body.rindex(b'"meta":'):]
        n = body.count(b'"account_sid":')
        nxt = re.search(rb'"next_page_url":(null|"([^"]*)")', meta)
        prv = re.search(rb'"previous_page_url":(null|"([^"]*)")', meta)
        pages.append((path, n))
        if prv.group(2):
            prevs.append(re.sub(r'^http://[^/]+', '',
                                prv.group(2).decode()))
        path = re.sub(r'^http://[^/]+', '', nxt.group(2).decode()) \
            if nxt.group(2) else None
    return pages, prevs


def token_of(path):
    m = re.search(r'PageToken=([A-Za-z0-9_-]+)', path)
    return m.group(1) if m else None


def build_plan(port, auth_pair, host, with_bob):
    auth = basic(*auth_pair)
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=60)
    plan = Plan()
    t0 = time.monotonic()
    p1000, prev1000 = walk(conn, auth, 1000)
    p50, prev50 = walk(conn, auth, 50)
    p7, prev7 = walk(conn, auth, 7, limit=400)
    total = sum(n for _, n in p1000)
    log('walked the list: %d assistants; %d + %d + %d pages in %.1f s'
        % (total, len(p1000), len(p50), len(p7), time.monotonic() - t0))

    def deepness(pages, i):
        return i >= int(len(pages) * 0.9)

    valid, deep = [], []
    for i, (path, _) in enumerate(p50):
        (deep if deepness(p50, i) and i > 0 else valid).append(path)
    valid += [path for path, _ in p7] + prev50 + prev7
    # page size 1000: rare (heavy), deep ones as deep
    for i, (path, _) in enumerate(p1000):
        (deep if i > 0 and deepness(p1000, i) else valid).append(path)
    # tokens minted at PageSize=1000 used with small page sizes: deep pages
    for path, _ in p1000[1:]:
        tok = token_of(path)
        for ps in (1, 5, 20):
            deep.append('/v1/Assistants?PageSize=%d&Page=%d&PageToken=%s'
                        % (ps, 900, tok))
    for path, _ in p50[-5:]:
        deep.append(path.replace('PageSize=50', 'PageSize=3'))

    tok = token_of(p50[len(p50) // 2][0]) or token_of(p50[-1][0])
    bad_params = [
        '/v1/Assistants?PageSize=0', '/v1/Assistants?PageSize=-1',
        '/v1/Assistants?PageSize=abc', '/v1/Assistants?PageSize=1001',
        '/v1/Assistants?PageSize=99999999999999999999',
        '/v1/Assistants?Page=-1', '/v1/Assistants?Page=x',
        '/v1/Assistants?Page=2', '/v1/Assistants?PageSize=5&Page=1',
        '/v1/Assistants?Page=1&PageToken=garbage',
        '/v1/Assistants?Page=1&PageToken=' + tok[:-2],
        '/v1/Assistants?Page=1&PageToken=' + tok + 'A',
        '/v1/Assistants?Page=1&PageToken=' + tok[:8] +
        ('B' if tok[8] != 'B' else 'C') + tok[9:],
        '/v1/Assistants?PageSize=%20',
        '/v1/Assistants?PageSize=1%00',
        '/v1/Assistants?PageToken=' + 'A' * 5000,
    ]
    bad_auths = [None, basic(auth_pair[0], 'wrong-password'),
                 basic('AC' + '0' * 32, auth_pair[1]),
                 basic(ALICE_KEY[0], 'nope'), 'Basic !!!', 'Bearer x',
                 basic(auth_pair[0], auth_pair[1] + 'x'),
                 basic(auth_pair[0], '')]

    def reqbytes(path, authv):
        out = 'GET %s HTTP/1.1\r\nHost: %s\r\n' % (path, host)
        if authv is not None:
            out += 'Authorization: %s\r\n' % authv
        return (out + '\r\n').encode()

    def add(kind, path, authv):
        key = (path, authv)
        if key not in plan.refs:
            conn.request('GET', path, headers={'Host': host, **(
                {'Authorization': authv} if authv else {})})
            resp = conn.getresponse()
            body = resp.read()
            # fetch twice: a reference must be deterministic
            conn.request('GET', path, headers={'Host': host, **(
                {'Authorization': authv} if authv else {})})
            resp2 = conn.getresponse()
            body2 = resp2.read()
            if (resp.status, body) != (resp2.status, body2):
                raise SystemExit('soak: answer to %s not deterministic' % path)
            want = {'valid': 200, 'deep': 200, 'bad_params': 400,
                    'bad_auth': 401}[kind]
            if resp.status != want:
                raise SystemExit('soak: reference %s %s -> %d, expected %d: '
                                 '%r' % (kind, path, resp.status, want,
                                         body[:200]))
            plan.refs[key] = (resp.status, body)
        plan.reqs[kind].append((reqbytes(path, authv), key))

    for path in valid:
        add('valid', path, auth)
    if auth_pair == ALICE:  # the same pages through alice's API key
        for path in valid[::25]:
            add('valid', path, basic(*ALICE_KEY))
    for path in deep:
        add('deep', path, auth)
    for path in bad_params:
        add('bad_params', path, auth)
    if with_bob:
        for path in (p50[1][0], p50[-1][0], p1000[-1][0]):
            add('bad_params', path, basic(*BOB))  # alice's token, bob
    for path in ('/v1/Assistants', '/v1/Assistants?PageSize=5', p50[1][0]):
        for a in bad_auths:
            add('bad_auth', path, a)
    conn.close()
    log('references: %s (%d distinct) in %.1f s'
        % (', '.join('%s %d' % (k, len(v)) for k, v in plan.reqs.items()),
           len(plan.refs), time.monotonic() - t0))
    return plan


# ---------------------------------------------------------------------------
# Load


class Stats:
    def __init__(self):
        self.by_kind = {k: 0 for k in KINDS}
        self.by_status = {}
        self.errors = {}
        self.examples = []

    def error(self, kind, detail):
        self.errors[kind] = self.errors.get(kind, 0) + 1
        if len(self.examples) < 10:
            self.examples.append('%s: %s' % (kind, detail))


class Conn(asyncio.Protocol):
    def __init__(self, w):
        self.w = w
        self.transport = None
        self.buf = bytearray()
        self.cur = None  # (kind, key, sent_at)
        self.head_end = -1
        self.length = 0
        self.closing = False
        self.announced_close = False

    def connection_made(self, transport):
        self.transport = transport
        self.w.conns.add(self)
        self.next()

    def next(self):
        w = self.w
        if w.issued >= w.quota:
            # quota reached: stay open (idle) until the RSS sample is taken
            w.idle.add(self)
            w.maybe_done()
            return
        w.issued += 1
        kind = w.rng.choices(KINDS, WEIGHTS)[0]
        data, key = w.rng.choice(w.plan.reqs[kind])
        self.cur = (kind, key, time.monotonic())
        self.transport.write(data)

    def data_received(self, data):
        self.buf += data
        while self.cur is not None:
            if self.head_end < 0:
                i = self.buf.find(b'\r\n\r\n')
                if i < 0:
                    return
                self.head_end = i + 4
                head = bytes(self.buf[:i])
                m = re.search(rb'\r\nContent-Length: *(\d+)', head, re.I)
                self.length = int(m.group(1)) if m else -1
                self.status = int(head[9:12])
                self.announced_close = re.search(
                    rb'\r\nConnection: *close', head, re.I) is not None
                if self.length < 0:
                    self.w.stats.error('no Content-Length', head[:200])
                    self.fail()
                    return
            if len(self.buf) < self.head_end + self.length:
                return
            body = bytes(self.buf[self.head_end:self.head_end + self.length])
            del self.buf[:self.head_end + self.length]
            self.head_end = -1
            self.done(body)
            if self.announced_close:
                # the server says it will close: not a drop, reconnect
                self.w.stats.error('closed by server (announced)',
                                   str(self.cur))
                self.closing = True
                self.transport.close()
                self.w.reconnect()
                return
            self.next()

    def done(self, body):
        w = self.w
        kind, key, _ = self.cur
        self.cur = None
        st = w.stats
        st.by_kind[kind] += 1
        st.by_status[self.status] = st.by_status.get(self.status, 0) + 1
        if self.status >= 500:
            st.error('5xx', '%s %r -> %d %r' % (kind, key[0][:120],
                                                self.status, body[:200]))
        ref_status, ref_body = w.plan.refs[key]
        if self.status != ref_status or body != ref_body:
            off = next((i for i, (a, b) in enumerate(zip(body, ref_body))
                        if a != b), min(len(body), len(ref_body)))
            st.error('differs from reference (%s)' % kind,
                     '%r: %d vs %d, %d vs %d bytes, first difference at %d: '
                     '%r' % (key[0][:120], self.status, ref_status, len(body),
                             len(ref_body), off, body[max(0, off - 40):
                                                      off + 60]))
        w.completed += 1
        w.shared.value = w.completed

    def fail(self):
        self.closing = True
        self.transport.abort()
        self.w.reconnect()

    def connection_lost(self, exc):
        self.w.conns.discard(self)
        if self.closing:
            self.w.maybe_done()
            return
        if self.cur is not None or not self.w.finished():
            self.w.stats.error('dropped connection',
                               '%r while %s' % (exc, 'waiting for %r'
                                                % (self.cur[1][0][:100],)
                                                if self.cur else 'idle'))
            if self.cur is not None:
                self.cur = None
            self.w.reconnect()
        self.w.maybe_done()


class Worker:
    def __init__(self, idx, port, plan, quota, nconns, seed, shared, result):
        self.idx = idx
        self.port = port
        self.plan = plan
        self.quota = quota
        self.nconns = nconns
        self.rng = random.Random(seed * 1000 + idx)
        self.shared = shared
        self.result = result
        self.issued = 0
        self.completed = 0
        self.stats = Stats()
        self.conns = set()
        self.idle = set()
        self.done_fut = None

    def finished(self):
        return self.issued >= self.quota

    def maybe_done(self):
        """Done when every request is answered and every connection idle
        (or gone)."""
        if self.finished() and self.done_fut and not self.done_fut.done() \
                and all(c in self.idle for c in self.conns):
            self.done_fut.set_result(None)

    def reconnect(self):
        if not self.finished():
            self.loop.create_task(self.connect())

    async def connect(self):
        for attempt in range(3):
            try:
                await self.loop.create_connection(lambda: Conn(self),
                                                  '127.0.0.1', self.port)
                return
            except OSError as e:
                self.stats.error('connect failed', repr(e))
                await asyncio.sleep(0.1)

    async def watchdog(self):
        while not self.done_fut.done():
            await asyncio.sleep(1.0)
            now = time.monotonic()
            for c in list(self.conns):
                if c.cur is not None and now - c.cur[2] > REQUEST_TIMEOUT:
                    self.stats.error('timeout', repr(c.cur[1][0][:100]))
                    c.cur = None
                    c.fail()

    async def run(self):
        self.loop = asyncio.get_running_loop()
        self.done_fut = self.loop.create_future()
        await asyncio.gather(*(self.connect() for _ in range(self.nconns)))
        self.maybe_done()
        wd = self.loop.create_task(self.watchdog())
        await self.done_fut
        wd.cancel()
        self.shared_done.value = 1
        # keep the connections open until the main process has sampled RSS
        while not self.release.is_set():
            await asyncio.sleep(0.01)
        for c in list(self.conns):
            c.closing = True
            c.transport.close()
        await asyncio.sleep(0.05)


def worker_main(idx, port, plan, quota, nconns, seed, shared, queue,
                shared_done, release):
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = nconns + 64
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE,
                           (want if hard == resource.RLIM_INFINITY
                            else min(want, hard), hard))
    w = Worker(idx, port, plan, quota, nconns, seed, shared, None)
    w.shared_done = shared_done
    w.release = release
    asyncio.run(w.run())
    queue.put((w.stats.by_kind, w.stats.by_status, w.stats.errors,
               w.stats.examples, w.completed))


# ---------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--binary', default=os.environ.get(
        'ASSISTANTS_MOCK_BIN', os.path.join(ROOT, 'build', 'assistants-mock')))
    ap.add_argument('--fixtures', help='fixture file or directory (default: '
                    '20,000 generated assistants)')
    ap.add_argument('--auth', default='%s:%s' % ALICE,
                    help='SID:SECRET of the account to page (default alice)')
    ap.add_argument('--requests', type=int, default=1000000)
    ap.add_argument('--connections', type=int, default=256)
    ap.add_argument('--procs', type=int, default=0,
                    help='client processes (default: 1 on <= 2 CPUs, else '
                    'min(4, CPUs / 2))')
    ap.add_argument('--server-threads', type=int, default=0)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--max-rss-drift', type=float, default=5.0,
                    help='percent (default 5)')
    ap.add_argument('--keep-log', action='store_true')
    args = ap.parse_args()
    if args.requests < 1 or args.connections < 1:
        ap.error('--requests and --connections must be >= 1')
    binary = os.path.abspath(args.binary)
    if not os.access(binary, os.X_OK):
        raise SystemExit('soak: no server binary at %s' % binary)
    cpus = os.cpu_count() or 1
    procs = args.procs or (1 if cpus <= 2 else min(4, cpus // 2))
    procs = max(1, min(procs, args.connections))
    user, _, pw = args.auth.partition(':')
    auth_pair = (user, pw)

    tmp = tempfile.mkdtemp(prefix='am-soak-')
    proc = None
    try:
        fixtures = args.fixtures
        if not fixtures:
            fixtures = os.path.join(tmp, 'soak.json')
            subprocess.check_call([sys.executable,
                                   os.path.join(HERE, 'gen_fixtures.py'),
                                   '--count', '20000', '--out', fixtures])
        with_bob = auth_pair == ALICE
        env = {'TWILIO_ACCOUNT_SID': BOB[0],
               'TWILIO_AUTH_TOKEN': BOB[1]} if with_bob else {}
        logpath = os.path.join(tmp, 'server.log')
        proc, port = start_server(binary, fixtures, env, args.server_threads,
                                  logpath)
        host = '127.0.0.1:%d' % port
        plan = build_plan(port, auth_pair, host, with_bob)
        rss_start = rss_kb(proc.pid)

        ctx = mp.get_context('fork')
        queue = ctx.Queue()
        shares = [ctx.Value('q', 0, lock=False) for _ in range(procs)]
        dones = [ctx.Value('i', 0, lock=False) for _ in range(procs)]
        release = ctx.Event()
        workers = []
        base_q, extra_q = divmod(args.requests, procs)
        base_c, extra_c = divmod(args.connections, procs)
        log('%d requests over %d connections from %d client process(es)'
            % (args.requests, args.connections, procs))
        t0 = time.monotonic()
        for i in range(procs):
            quota = base_q + (1 if i < extra_q else 0)
            nconns = max(1, base_c + (1 if i < extra_c else 0))
            p = ctx.Process(target=worker_main,
                            args=(i, port, plan, quota, nconns, args.seed,
                                  shares[i], queue, dones[i], release))
            p.start()
            workers.append(p)
        rss_10k = None
        rss_end = -1
        results = []
        last_report = t0
        elapsed = None
        while len(results) < procs:
            done = sum(s.value for s in shares)
            if not release.is_set() and all(d.value for d in dones):
                # every request answered, all connections still open
                elapsed = time.monotonic() - t0
                rss_end = rss_kb(proc.pid)
                release.set()
            if rss_10k is None and done >= min(RSS_MARK, args.requests):
                rss_10k = rss_kb(proc.pid)
                rss_10k_at = done
            now = time.monotonic()
            if now - last_report >= 10:
                last_report = now
                log('%d done, %.0f req/s, RSS %d kB'
                    % (done, done / (now - t0), rss_kb(proc.pid)))
            if proc.poll() is not None:
                log('server died with status %r' % proc.returncode)
                break
            try:
                results.append(queue.get(timeout=0.005))
            except Exception:
                pass
        release.set()
        if elapsed is None:
            elapsed = time.monotonic() - t0
        for p in workers:
            p.join(30)
            if p.is_alive():
                p.kill()
        server_alive = proc.poll() is None
        rss_closed = rss_kb(proc.pid) if server_alive else -1
        vmhwm = -1
        if server_alive:
            with open('/proc/%d/status' % proc.pid) as f:
                for line in f:
                    if line.startswith('VmHWM:'):
                        vmhwm = int(line.split()[1])
        # stop it
        rc = None
        if server_alive:
            proc.send_signal(signal.SIGTERM)
            t_sig = time.monotonic()
            try:
                rc = proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            stop_s = time.monotonic() - t_sig
        with open(logpath, 'rb') as f:
            server_log = f.read().decode('utf-8', 'replace')

        by_kind = {k: 0 for k in KINDS}
        by_status, errors, examples, completed = {}, {}, [], 0
        for bk, bs, er, ex, c in results:
            for k, v in bk.items():
                by_kind[k] += v
            for k, v in bs.items():
                by_status[k] = by_status.get(k, 0) + v
            for k, v in er.items():
                errors[k] = errors.get(k, 0) + v
            examples += ex
            completed += c
        violations = []
        if not server_alive:
            violations.append('server died during the run')
        if len(results) < procs:
            violations.append('%d client process(es) did not report'
                              % (procs - len(results)))
        if completed != args.requests:
            violations.append('%d of %d requests completed'
                              % (completed, args.requests))
        for k, v in errors.items():
            violations.append('%s: %d' % (k, v))
        drift = None
        if rss_end < 0 and server_alive:
            violations.append('no RSS sample at the end of the run')
        if rss_10k and rss_end > 0:
            drift = (rss_end - rss_10k) * 100.0 / rss_10k
            if drift > args.max_rss_drift:
                violations.append('RSS grew %.1f%% (> %.1f%%) from %d kB '
                                  'after %d requests to %d kB'
                                  % (drift, args.max_rss_drift, rss_10k,
                                     rss_10k_at, rss_end))
        if server_alive and rc != 0:
            violations.append('server exit status %r on SIGTERM' % rc)
        if server_alive and rc == 0 and stop_s >= 1.0:
            violations.append('server took %.2f s to stop' % stop_s)
        m = SANITIZER_RE.search(server_log)
        if m:
            i = m.start()
            violations.append('sanitizer report in the server log: %s'
                              % server_log[max(0, i - 200):i + 1500])

        print('soak summary')
        print('  server        %s (fixtures %s)' % (binary, args.fixtures or
                                                    'generated, 20,000'))
        print('  requests      %d of %d in %.1f s: %.0f req/s (client-bound, '
              '%d client process(es))' % (completed, args.requests, elapsed,
                                          completed / elapsed if elapsed
                                          else 0, procs))
        print('  connections   %d keep-alive' % args.connections)
        print('  by kind       %s' % ', '.join('%s %d' % kv
                                               for kv in by_kind.items()))
        print('  by status     %s' % ', '.join(
            '%d: %d' % kv for kv in sorted(by_status.items())))
        print('  errors        %s' % (', '.join('%s: %d' % kv for kv in
                                                sorted(errors.items()))
                                      or 'none'))
        print('  RSS           start %d kB, after %s requests %s kB, end %d '
              'kB (connections still open), drift %s; after closing them %d '
              'kB, peak (VmHWM) %d kB'
              % (rss_start, rss_10k_at if rss_10k else '-',
                 rss_10k if rss_10k else '-', rss_end,
                 '%+.2f%%' % drift if drift is not None else '-',
                 rss_closed, vmhwm))
        print('  stop          %s' % ('exit %r after %.3f s' % (rc, stop_s)
                                      if server_alive else 'server dead'))
        for ex in examples[:10]:
            print('  example       %s' % ex[:400])
        if violations:
            print('FAIL: %d violation(s):' % len(violations))
            for v in violations:
                print('  - %s' % v[:2000])
            if args.keep_log:
                keep = os.path.join(tempfile.gettempdir(),
                                    'am-soak-server-%d.log' % os.getpid())
                shutil.copy(logpath, keep)
                print('  server log kept at %s' % keep)
            return 1
        print('PASS')
        return 0
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
