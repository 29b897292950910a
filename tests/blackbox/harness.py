"""Shared helpers for the assistants-mock black-box tests.

Starts the real binary as a child process on a free port (--port 0), waits
for its "listening on http://ADDR:PORT" line (10 s deadline), keeps draining
its stdout and stderr on reader threads so it can never block on a full pipe,
and kills it on cleanup, at exit, and on SIGTERM of the test process.  Also:
HTTP requests over http.client or a raw socket, Basic auth, fixture writers,
a CLI runner, and the common entry point of every test script
(--binary PATH; exit 0 all passed, 1 some failed, 77 binary missing).
Server has JSON-body helpers (post_json, put_json, delete, create, fetch,
update, remove) and list walkers; every Response records its request-target
so assert_standard_headers can expect the Access-Control-Allow-Methods of
that path (ALLOW_LIST, ALLOW_INSTANCE, ALLOW_HEALTH, or Twilio's default
CORS_ALLOW_METHODS on an unknown path).

It does not know the server's internals: everything goes over the command
line, the environment, stdout/stderr and HTTP.  Python 3 stdlib only.

SPDX-License-Identifier: MIT
"""

import argparse
import atexit
import base64
import http.client
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse

REPO_ROOT = os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
READY_TIMEOUT = 10.0
HTTP_TIMEOUT = 15.0
BINARY = None  # set by main()

LISTEN_RE = re.compile(r'listening on http://(\[[0-9A-Fa-f:.]+\]|[^\s:/]+):(\d+)')
REQUEST_ID_RE = re.compile(r'RQ[0-9a-f]{32}')
TOKEN_RE = re.compile(r'[A-Za-z0-9_-]+')

ITEM_KEYS = ['account_sid', 'customer_ai', 'id', 'model', 'name', 'owner',
             'url', 'personality_prompt', 'date_created', 'date_updated']
META_KEYS = ['page', 'page_size', 'first_page_url', 'previous_page_url',
             'url', 'next_page_url', 'key']
ERROR_KEYS = ['code', 'message', 'more_info', 'status']

CORS_ALLOW_HEADERS = ('Accept, Authorization, Content-Type, If-Match, '
                      'If-Modified-Since, If-None-Match, If-Unmodified-Since, '
                      'Idempotency-Key')
# Twilio's default, sent on unknown paths (404); known paths list their own
# methods, the same in Allow (405, OPTIONS) and Access-Control-Allow-Methods.
CORS_ALLOW_METHODS = 'GET, POST, DELETE, OPTIONS'
ALLOW_LIST = 'GET, HEAD, POST, OPTIONS'
ALLOW_INSTANCE = 'GET, HEAD, PUT, DELETE, OPTIONS'
ALLOW_HEALTH = 'GET, HEAD, OPTIONS'

# The body of GET /v1/Assistants/{id}: the item plus knowledge and tools.
FETCH_KEYS = ITEM_KEYS + ['knowledge', 'tools']
CUSTOMER_AI_KEYS = ['perception_engine_enabled',
                    'personalization_engine_enabled']
# Server-made ids: aia_asst_ + lowercase hyphenated UUIDv7.
ASSISTANT_ID_RE = re.compile(
    r'^aia_asst_[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-'
    r'[0-9a-f]{12}$')
DATE_RE = re.compile(r'^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$')
MAX_BODY = 1048576  # request bodies larger than this: 413

# The bundled fixtures (no --fixtures).
ALICE = 'ACa11ce000000000000000000000000001'
ALICE_TOKEN = 'alice-auth-token'
ALICE_KEY = 'SKa11ce000000000000000000000000001'
ALICE_KEY_SECRET = 'alice-api-key-secret'
BOB = 'ACb0b00000000000000000000000000002'
BOB_TOKEN = 'bob-auth-token'
ALICE_N = 130
BOB_N = 12

# Variables of the server and of the Twilio credentials: never inherited from
# the environment of the test run, only set by a test on purpose.
_ENV_PREFIXES = ('ASSISTANTS_MOCK_', 'TWILIO_')

_children = set()
_children_lock = threading.Lock()


def _kill_children():
    with _children_lock:
        procs = list(_children)
    for proc in procs:
        if proc.poll() is None:
            try:
                proc.kill()
            except OSError:
                pass
        try:
            proc.wait(timeout=5)
        except (subprocess.TimeoutExpired, OSError):
            pass


atexit.register(_kill_children)


def _die_with_parent():
    """preexec_fn: the child gets SIGKILL if this test process dies."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    except Exception:  # not Linux, no ctypes: atexit still kills it
        pass


def clean_env(extra=None):
    """The test process environment without server and Twilio variables,
    plus extra (a value None removes the name)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(_ENV_PREFIXES)}
    for k, v in (extra or {}).items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    return env


def basic(user, password):
    """Value of an Authorization header for HTTP Basic auth."""
    raw = ('%s:%s' % (user, password)).encode('utf-8')
    return 'Basic ' + base64.b64encode(raw).decode('ascii')


def sid(prefix, n):
    """A Twilio-style SID: prefix + 32 lowercase hex digits."""
    return '%s%032x' % (prefix, n)


def keys_in_order(raw):
    """Parses JSON keeping every object as a list of (key, value) pairs."""
    return json.loads(raw, object_pairs_hook=lambda pairs: pairs)


def compact(obj):
    """The compact serialisation the server must produce for plain strings."""
    return json.dumps(obj, separators=(',', ':'),
                      ensure_ascii=False).encode('utf-8')


def json_body(obj):
    """Request body bytes: bytes as they are, anything else as JSON."""
    if isinstance(obj, (bytes, bytearray)):
        return bytes(obj)
    return json.dumps(obj, separators=(',', ':'),
                      ensure_ascii=False).encode('utf-8')


def assistant_path(aid):
    """/v1/Assistants/<aid>, percent-encoding what is not URL-safe."""
    return '/v1/Assistants/' + urllib.parse.quote(aid, safe='')


_BAD_PERCENT = re.compile(r'%(?![0-9A-Fa-f]{2})')


def allow_for_path(target):
    """The methods the server supports on the path of a request target
    (query ignored, segments percent-decoded): ALLOW_LIST, ALLOW_INSTANCE,
    ALLOW_HEALTH, or None for an unknown path."""
    if isinstance(target, bytes):
        target = target.decode('latin-1')
    path = target.split('?', 1)[0]
    segs = path.split('/')
    if any(_BAD_PERCENT.search(seg) for seg in segs):
        return None
    segs = [urllib.parse.unquote_to_bytes(seg) for seg in segs]
    if segs == [b'', b'v1', b'Assistants']:
        return ALLOW_LIST
    if len(segs) == 4 and segs[:3] == [b'', b'v1', b'Assistants'] and segs[3]:
        return ALLOW_INSTANCE
    if segs in ([b'', b'healthz'], [b'', b'readyz']):
        return ALLOW_HEALTH
    return None


_REQUEST_LINE = re.compile(rb'(?:^|\r\n\r\n)([A-Za-z-]+) (\S+) HTTP/')


def request_targets(data):
    """The request-targets of the request lines in raw request bytes (at
    the start and after each blank line), in order."""
    return [m.group(2).decode('latin-1')
            for m in _REQUEST_LINE.finditer(data)]


# ---------------------------------------------------------------------------
# HTTP


class Response:
    def __init__(self, status, reason, headers, body, target=None):
        self.status = status
        self.reason = reason
        self.headers = headers  # list of (name, value) as received
        self.body = body
        self.target = target  # the request-target, when known

    def header(self, name):
        """First value of header name (case-insensitive) or None."""
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def header_all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def json(self):
        return json.loads(self.body.decode('utf-8'))

    def ordered(self):
        return keys_in_order(self.body.decode('utf-8'))

    def __repr__(self):
        return '<Response %d %r>' % (self.status, self.body[:300])


def http_request(host, port, method, path, headers=None, body=None,
                 timeout=HTTP_TIMEOUT):
    """One request on a fresh connection.  A 'Host' entry in headers replaces
    the default Host header (127.0.0.1:PORT)."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=dict(headers or {}))
        resp = conn.getresponse()
        data = resp.read()
        return Response(resp.status, resp.reason, resp.getheaders(), data,
                        target=path)
    finally:
        conn.close()


def raw_request(host, port, data, timeout=HTTP_TIMEOUT):
    """Sends raw bytes, reads until the server closes (or Content-Length is
    satisfied), and parses one HTTP response."""
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(data)
        buf = b''
        head_end = -1
        length = None
        while True:
            if head_end < 0:
                head_end = buf.find(b'\r\n\r\n')
                if head_end >= 0:
                    for line in buf[:head_end].split(b'\r\n')[1:]:
                        k, _, v = line.partition(b':')
                        if k.strip().lower() == b'content-length':
                            length = int(v.strip())
            if head_end >= 0 and length is not None and \
                    len(buf) >= head_end + 4 + length:
                break
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
    if head_end < 0:
        raise AssertionError('no complete HTTP response: %r' % buf[:200])
    lines = buf[:head_end].decode('latin-1').split('\r\n')
    parts = lines[0].split(' ', 2)
    headers = []
    for line in lines[1:]:
        k, _, v = line.partition(':')
        headers.append((k.strip(), v.strip()))
    body = buf[head_end + 4:]
    if length is not None:
        body = body[:length]
    targets = request_targets(data)
    return Response(int(parts[1]), parts[2] if len(parts) > 2 else '',
                    headers, body, target=targets[0] if targets else None)


def streamed_request(host, port, data, timeout=HTTP_TIMEOUT, chunk=65536):
    """Sends raw bytes in pieces while watching for an answer: once the
    server answers (e.g. 413 before reading a big body), stops sending and
    reads the one final response (Content-Length, or until close; interim
    1xx responses are skipped)."""
    targets = request_targets(data[:65536])
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.setblocking(False)
        sent = 0
        buf = b''
        deadline = time.monotonic() + timeout
        head_end = -1
        length = None
        closed = False
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError('no complete response within %.0f s '
                                     '(sent %d of %d bytes); got %r'
                                     % (timeout, sent, len(data), buf[:200]))
            wl = [s] if sent < len(data) else []
            rl, wl, _ = select.select([s], wl, [], min(left, 1.0))
            if rl:
                try:
                    got = s.recv(65536)
                except (BlockingIOError, InterruptedError):
                    got = None
                except ConnectionResetError:
                    got = b''
                if got == b'':
                    closed = True
                elif got:
                    buf += got
            elif wl:
                try:
                    sent += s.send(data[sent:sent + chunk])
                except (BlockingIOError, InterruptedError):
                    pass
                except (BrokenPipeError, ConnectionResetError):
                    sent = len(data)  # the server stopped reading
            if head_end < 0:
                head_end = buf.find(b'\r\n\r\n')
                while head_end >= 0 and re.match(rb'HTTP/1\.[01] 1\d\d ',
                                                 buf):
                    buf = buf[head_end + 4:]  # 100 Continue: not the answer
                    head_end = buf.find(b'\r\n\r\n')
                if head_end >= 0:
                    for line in buf[:head_end].split(b'\r\n')[1:]:
                        k, _, v = line.partition(b':')
                        if k.strip().lower() == b'content-length':
                            length = int(v.strip())
            if head_end >= 0 and length is not None and \
                    len(buf) >= head_end + 4 + length:
                break
            if closed:
                break
    if head_end < 0:
        raise AssertionError('no complete HTTP response: %r' % buf[:200])
    lines = buf[:head_end].decode('latin-1').split('\r\n')
    parts = lines[0].split(' ', 2)
    headers = []
    for line in lines[1:]:
        k, _, v = line.partition(':')
        headers.append((k.strip(), v.strip()))
    body = buf[head_end + 4:]
    if length is not None:
        body = body[:length]
    return Response(int(parts[1]), parts[2] if len(parts) > 2 else '',
                    headers, body, target=targets[0] if targets else None)


# ---------------------------------------------------------------------------
# The server child


class _Drain(threading.Thread):
    """Reads a pipe line by line until EOF so the child never blocks."""

    def __init__(self, pipe, cond, lines):
        super().__init__(daemon=True)
        self.pipe = pipe
        self.cond = cond
        self.lines = lines

    def run(self):
        try:
            for raw in iter(self.pipe.readline, b''):
                line = raw.decode('utf-8', 'replace').rstrip('\r\n')
                with self.cond:
                    self.lines.append(line)
                    self.cond.notify_all()
        finally:
            with self.cond:
                self.lines.append(None)  # EOF marker
                self.cond.notify_all()


class ServerError(AssertionError):
    pass


class Server:
    """The binary as a child process.  Use start_server() or the Server
    methods start()/kill(); kill() is idempotent."""

    def __init__(self, args=(), env=None, port_flag=True, binary=None):
        self.binary = binary or BINARY
        self.args = list(args)
        self.env = env
        self.port_flag = port_flag
        self.proc = None
        self.addr = None
        self.port = None
        self._cond = threading.Condition()
        self._out = []
        self._err = []
        self._threads = []

    # -- lifecycle --

    def start(self):
        cmd = [self.binary]
        if self.port_flag:
            cmd += ['--port', '0']
        cmd += self.args
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, env=clean_env(self.env),
            preexec_fn=_die_with_parent)
        with _children_lock:
            _children.add(self.proc)
        for pipe, lines in ((self.proc.stdout, self._out),
                            (self.proc.stderr, self._err)):
            t = _Drain(pipe, self._cond, lines)
            t.start()
            self._threads.append(t)
        first = self.wait_line(0, READY_TIMEOUT)
        m = LISTEN_RE.fullmatch(first or '')
        if not m:
            self.kill()
            raise ServerError('first stdout line is not "listening on '
                              'http://ADDR:PORT": %r\nstderr: %s'
                              % (first, self.stderr_text()))
        self.addr = m.group(1)
        self.port = int(m.group(2))
        if not 0 < self.port < 65536:
            raise ServerError('bad port in %r' % first)
        return self

    def wait_line(self, index, timeout):
        """stdout line number index (0-based), waiting up to timeout s."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                lines = [l for l in self._out if l is not None]
                if len(lines) > index:
                    return lines[index]
                if None in self._out:
                    raise ServerError(
                        'server exited (rc %r) before stdout line %d; '
                        'stdout: %r stderr: %s'
                        % (self.proc.poll(), index + 1, lines,
                           self.stderr_text_locked()))
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ServerError('no stdout line %d within %.0f s; '
                                      'stdout: %r stderr: %s'
                                      % (index + 1, timeout, lines,
                                         self.stderr_text_locked()))
                self._cond.wait(left)

    def wait_for_output(self, pattern, timeout=5.0):
        """First stdout line fully matching regex pattern, or None."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for l in self._out:
                    if l is not None and rx.fullmatch(l):
                        return l
                left = deadline - time.monotonic()
                if left <= 0 or None in self._out:
                    return None
                self._cond.wait(left)

    def stdout_lines(self):
        with self._cond:
            return [l for l in self._out if l is not None]

    def stderr_text_locked(self):
        return '\n'.join(l for l in self._err if l is not None)

    def stderr_text(self):
        with self._cond:
            return self.stderr_text_locked()

    def signal(self, sig, timeout=5.0):
        """Sends sig and waits; returns (returncode or None, seconds)."""
        t0 = time.monotonic()
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            rc = None
        return rc, time.monotonic() - t0

    def kill(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                self.proc.kill()
            except OSError:
                pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        for t in self._threads:
            t.join(timeout=2)
        for pipe in (self.proc.stdout, self.proc.stderr):
            try:
                pipe.close()
            except OSError:
                pass
        with _children_lock:
            _children.discard(self.proc)

    # -- HTTP --

    @property
    def host(self):
        """Address to connect to."""
        a = self.addr
        if a.startswith('['):
            a = a[1:-1]
        if a == '0.0.0.0':
            return '127.0.0.1'
        if a == '::':
            return '::1'
        return a

    @property
    def base(self):
        """The link base for requests sent with the default Host header."""
        return 'http://127.0.0.1:%d' % self.port

    def request(self, method, path, auth=None, headers=None, body=None):
        h = dict(headers or {})
        if auth is not None:
            h['Authorization'] = basic(*auth)
        return http_request(self.host, self.port, method, path, h, body)

    def get(self, path, auth=None, headers=None):
        return self.request('GET', path, auth=auth, headers=headers)

    def get_url(self, url, auth=None, headers=None):
        """GET of an absolute link as the server gave it (verbatim path)."""
        m = re.match(r'^http://[^/]+(/.*)$', url)
        if not m:
            raise AssertionError('not an absolute http URL: %r' % url)
        return self.get(m.group(1), auth=auth, headers=headers)

    def raw(self, data):
        return raw_request(self.host, self.port, data)

    def streamed(self, data):
        """raw() that stops sending once the server answers."""
        return streamed_request(self.host, self.port, data)

    def head(self, path, auth=None, headers=None):
        return self.request('HEAD', path, auth=auth, headers=headers)

    def options(self, path, auth=None, headers=None):
        return self.request('OPTIONS', path, auth=auth, headers=headers)

    def send_json(self, method, path, obj, auth=None, headers=None,
                  content_type='application/json'):
        """method with body obj (bytes as they are, anything else as JSON);
        content_type None sends no Content-Type header."""
        h = dict(headers or {})
        if content_type is not None:
            h['Content-Type'] = content_type
        return self.request(method, path, auth=auth, headers=h,
                            body=json_body(obj))

    def post_json(self, path, obj, auth=None, headers=None,
                  content_type='application/json'):
        return self.send_json('POST', path, obj, auth, headers, content_type)

    def put_json(self, path, obj, auth=None, headers=None,
                 content_type='application/json'):
        return self.send_json('PUT', path, obj, auth, headers, content_type)

    def delete(self, path, auth=None, headers=None, body=None):
        return self.request('DELETE', path, auth=auth, headers=headers,
                            body=body)

    # -- assistants by id --

    def create(self, obj, auth, headers=None):
        """POST /v1/Assistants with JSON obj."""
        return self.post_json('/v1/Assistants', obj, auth, headers)

    def fetch(self, aid, auth, headers=None):
        return self.get(assistant_path(aid), auth=auth, headers=headers)

    def update(self, aid, obj, auth, headers=None):
        return self.put_json(assistant_path(aid), obj, auth, headers)

    def remove(self, aid, auth, headers=None):
        return self.delete(assistant_path(aid), auth=auth, headers=headers)

    def walk(self, auth, page_size=None, headers=None, limit=10000):
        """Follows next_page_url from the first page; returns the list of
        pages (each a list of items); AssertionError on a non-200."""
        path = '/v1/Assistants' + ('?PageSize=%d' % page_size
                                   if page_size else '')
        pages = []
        while True:
            r = self.get(path, auth=auth, headers=headers)
            if r.status != 200:
                raise AssertionError('list page %d: %r' % (len(pages), r))
            body = r.json()
            pages.append(body['assistants'])
            nxt = body['meta']['next_page_url']
            if nxt is None:
                return pages
            if len(pages) >= limit:
                raise AssertionError('more than %d pages' % limit)
            m = re.match(r'^http://[^/]+(/.*)$', nxt)
            if not m:
                raise AssertionError('not an absolute http URL: %r' % nxt)
            path = m.group(1)

    def list_all(self, auth, page_size=1000, headers=None):
        """Every item of the account's list, in list order."""
        return [a for p in self.walk(auth, page_size, headers) for a in p]


# ---------------------------------------------------------------------------
# Fixtures


def assistant(aid, account_sid=None, date_created='2025-01-01T00:00:00Z',
              **over):
    """A valid assistant record; over replaces or adds fields (a value of
    None removes the field)."""
    a = {
        'id': aid,
        'name': 'Assistant %s' % aid[-6:],
        'owner': 'Test Owner',
        'model': 'gpt-4o-mini',
        'personality_prompt': 'You are assistant %s.' % aid,
        'customer_ai': {'perception_engine_enabled': False,
                        'personalization_engine_enabled': True},
        'date_created': date_created,
        'date_updated': date_created,
    }
    if account_sid is not None:
        a['account_sid'] = account_sid
    for k, v in over.items():
        if v is None:
            a.pop(k, None)
        else:
            a[k] = v
    return a


def account(account_sid, token, api_keys=()):
    a = {'sid': account_sid, 'auth_token': token}
    if api_keys:
        a['api_keys'] = [{'sid': k, 'secret': s} for k, s in api_keys]
    return a


def write_json(directory, name, obj):
    path = os.path.join(directory, name)
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(obj, f, ensure_ascii=False, indent=2)
    return path


def write_text(directory, name, text):
    path = os.path.join(directory, name)
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text)
    return path


def run_cli(args, env=None, timeout=10):
    """Runs the binary to completion (no server expected); returns
    CompletedProcess with text stdout/stderr."""
    try:
        return subprocess.run([BINARY] + list(args), stdin=subprocess.DEVNULL,
                              capture_output=True, env=clean_env(env),
                              timeout=timeout, preexec_fn=_die_with_parent)
    except subprocess.TimeoutExpired as e:
        raise AssertionError('%r did not exit within %d s (stdout %r)'
                             % (args, timeout, e.stdout))


def text(b):
    return b.decode('utf-8', 'replace') if isinstance(b, bytes) else b


# ---------------------------------------------------------------------------
# Test case base and entry point


class TestCase(unittest.TestCase):
    """Adds a temp dir (removed at the end) and server management."""

    maxDiff = 4000

    def tmpdir(self):
        d = tempfile.mkdtemp(prefix='am-bb-')
        self.addCleanup(shutil.rmtree, d, True)
        return d

    def start_server(self, args=(), env=None, port_flag=True):
        srv = Server(args, env=env, port_flag=port_flag)
        self.addCleanup(srv.kill)
        srv.start()
        return srv

    @classmethod
    def class_tmpdir(cls):
        d = tempfile.mkdtemp(prefix='am-bb-')
        cls.addClassCleanup(shutil.rmtree, d, True)
        return d

    @classmethod
    def class_server(cls, args=(), env=None):
        srv = Server(args, env=env)
        cls.addClassCleanup(srv.kill)
        srv.start()
        return srv

    # -- shared assertions --

    def assert_error(self, resp, status, code, message):
        """Exact Twilio error: status, body (keys in order), content type,
        and WWW-Authenticate on 401."""
        self.assertEqual(resp.status, status, resp)
        self.assertEqual(resp.header('Content-Type'), 'application/json',
                         resp.headers)
        body = resp.ordered()
        self.assertEqual(body, [
            ('code', code), ('message', message),
            ('more_info', 'https://www.twilio.com/docs/errors/%d' % code),
            ('status', status)], resp)
        if status == 401:
            self.assertEqual(resp.header('WWW-Authenticate'),
                             'Basic realm="Twilio API"')

    def assert_standard_headers(self, resp, content_type=True,
                                allow_methods=None, path=None):
        """The headers of every response.  Access-Control-Allow-Methods must
        be allow_methods; by default the methods of path, else of the
        request-target the response records, Twilio's default for an
        unknown path (or when neither is known)."""
        if allow_methods is None:
            target = path if path is not None else resp.target
            if target is not None:
                allow_methods = allow_for_path(target)
            if allow_methods is None:
                allow_methods = CORS_ALLOW_METHODS
        h = resp.header
        self.assertRegex(h('Twilio-Request-Id') or '',
                         r'^RQ[0-9a-f]{32}$', resp.headers)
        self.assertRegex(h('Twilio-Concurrent-Requests') or '', r'^\d+$',
                         resp.headers)
        self.assertRegex(h('Twilio-Request-Duration') or '',
                         r'^\d+\.\d{3}$', resp.headers)
        self.assertEqual(h('X-Home-Region'), 'us1')
        self.assertEqual(h('X-Powered-By'), 'AT-5000')
        self.assertEqual(h('X-Shenanigans'), 'none')
        self.assertEqual(h('Access-Control-Allow-Origin'), '*')
        self.assertEqual(h('Access-Control-Allow-Headers'), CORS_ALLOW_HEADERS)
        self.assertEqual(h('Access-Control-Allow-Methods'), allow_methods,
                         resp.headers)
        self.assertEqual(h('Access-Control-Expose-Headers'), 'ETag')
        if content_type:
            self.assertEqual(h('Content-Type'), 'application/json')


    def assert_allow(self, resp, allow):
        """Allow (405, OPTIONS) and Access-Control-Allow-Methods are allow."""
        self.assertEqual(resp.header_all('Allow'), [allow], resp.headers)
        self.assertEqual(resp.header('Access-Control-Allow-Methods'), allow,
                         resp.headers)

    def assert_no_content(self, resp, allow_methods=None, path=None):
        """204: empty body, no Content-Type, the standard headers."""
        self.assertEqual(resp.status, 204, resp)
        self.assertEqual(resp.body, b'')
        self.assertIsNone(resp.header('Content-Type'), resp.headers)
        cl = resp.header('Content-Length')
        if cl is not None:
            self.assertEqual(cl, '0')
        self.assert_standard_headers(resp, content_type=False,
                                     allow_methods=allow_methods, path=path)


def _binary_from_args(argv):
    p = argparse.ArgumentParser(description='assistants-mock black-box tests')
    p.add_argument('--binary', default=None,
                   help='server binary (default: $ASSISTANTS_MOCK_BIN, else '
                        'build/assistants-mock in the repository)')
    p.add_argument('-k', dest='patterns', action='append', default=[],
                   help='only run tests whose name contains this substring')
    p.add_argument('-q', dest='quiet', action='store_true',
                   help='less output')
    return p.parse_args(argv)


def main(module='__main__'):
    global BINARY
    opts = _binary_from_args(sys.argv[1:])
    BINARY = opts.binary or os.environ.get('ASSISTANTS_MOCK_BIN') or \
        os.path.join(REPO_ROOT, 'build', 'assistants-mock')
    BINARY = os.path.abspath(BINARY)
    if not (os.path.isfile(BINARY) and os.access(BINARY, os.X_OK)):
        print('SKIP: server binary not found: %s' % BINARY)
        sys.exit(77)
    # Let SIGTERM (e.g. a meson test timeout) run the atexit cleanup.
    signal.signal(signal.SIGTERM, lambda s, f: sys.exit(1))

    loader = unittest.TestLoader()
    if opts.patterns:
        loader.testNamePatterns = ['*%s*' % p for p in opts.patterns]
    suite = loader.loadTestsFromModule(sys.modules[module])
    runner = unittest.TextTestRunner(stream=sys.stdout,
                                     verbosity=1 if opts.quiet else 2)
    result = runner.run(suite)

    def base_id(t):
        return getattr(t, 'test_case', t).id()
    failed_ids = {base_id(t) for t, _ in result.failures + result.errors}
    failed_ids |= {base_id(t) for t in result.unexpectedSuccesses}
    skipped = len(result.skipped)
    passed = max(0, result.testsRun - skipped -
                 len([i for i in failed_ids if not i.startswith(
                     ('setUpClass', 'tearDownClass', 'setUpModule'))]))
    failed = len(failed_ids)
    print('%d passed, %d failed' % (passed, failed))
    sys.exit(0 if failed == 0 and result.wasSuccessful() else 1)


# ---------------------------------------------------------------------------
# Test control (/__admin/, issue 10).  auth is (user, password) for an
# account's scope; bearer a --admin-token value; neither: global scope.


def admin_headers(auth=None, bearer=None, headers=None):
    """Request headers for an /__admin/ call in the scope of auth or bearer."""
    h = dict(headers or {})
    if auth is not None:
        h['Authorization'] = basic(*auth)
    elif bearer is not None:
        h['Authorization'] = 'Bearer ' + bearer
    return h


def admin_query(query):
    """'' or '?...' from a query string or a dict of filters."""
    if not query:
        return ''
    if isinstance(query, dict):
        query = urllib.parse.urlencode(query)
    return '?' + query.lstrip('?')


def admin(srv, method, path, obj=None, auth=None, bearer=None, headers=None):
    """One /__admin/ request; obj (not None) is sent as the JSON body."""
    h = admin_headers(auth, bearer, headers)
    body = None
    if obj is not None:
        h.setdefault('Content-Type', 'application/json')
        body = json_body(obj)
    return http_request(srv.host, srv.port, method, path, h, body)


def _admin_ok(resp, status, what):
    if resp.status != status:
        raise AssertionError('%s: expected %d, got %r' % (what, status, resp))
    return resp


def reset(srv, auth=None, bearer=None):
    """POST /__admin/reset (all, or auth's account); AssertionError unless
    204.  Returns the response."""
    return _admin_ok(admin(srv, 'POST', '/__admin/reset', auth=auth,
                           bearer=bearer), 204, 'reset')


def journal(srv, auth=None, query=None, bearer=None):
    """GET /__admin/requests with filters query (str or dict): the parsed
    {"requests": [...], "dropped": N}."""
    return _admin_ok(admin(srv, 'GET', '/__admin/requests' +
                           admin_query(query), auth=auth, bearer=bearer),
                     200, 'journal').json()


def journal_count(srv, auth=None, query=None, bearer=None):
    """GET /__admin/requests/count with filters query: N."""
    return _admin_ok(admin(srv, 'GET', '/__admin/requests/count' +
                           admin_query(query), auth=auth, bearer=bearer),
                     200, 'journal count').json()['count']


def clear_journal(srv, auth=None, bearer=None):
    return _admin_ok(admin(srv, 'DELETE', '/__admin/requests', auth=auth,
                           bearer=bearer), 204, 'clear journal')


def add_fault(srv, rule, auth=None, bearer=None):
    """POST /__admin/faults with rule (a dict): the created rule."""
    return _admin_ok(admin(srv, 'POST', '/__admin/faults', rule, auth=auth,
                           bearer=bearer), 201, 'add fault').json()


def faults(srv, auth=None, bearer=None):
    """GET /__admin/faults: the list of rules."""
    return _admin_ok(admin(srv, 'GET', '/__admin/faults', auth=auth,
                           bearer=bearer), 200, 'faults').json()['faults']


def clear_faults(srv, auth=None, bearer=None):
    return _admin_ok(admin(srv, 'DELETE', '/__admin/faults', auth=auth,
                           bearer=bearer), 204, 'clear faults')


# ---------------------------------------------------------------------------
# Tools, Knowledge, Policies and attachments (issue 9)

# Item keys in order (GET /v1/Tools/{id} adds 'policies' at the end).
TOOL_KEYS = ['account_sid', 'description', 'enabled', 'id', 'meta', 'name',
             'requires_auth', 'type', 'url', 'date_created', 'date_updated']
TOOL_FETCH_KEYS = TOOL_KEYS + ['policies']
KNOWLEDGE_KEYS = ['description', 'id', 'account_sid',
                  'knowledge_source_details', 'name', 'status', 'type', 'url',
                  'embedding_model', 'date_created', 'date_updated']
POLICY_KEYS = ['id', 'name', 'description', 'account_sid', 'user_sid',
               'type', 'policy_details', 'date_created', 'date_updated']
KNOWLEDGE_STATUS_KEYS = ['account_sid', 'status', 'last_status',
                         'date_updated']


def uuid7_id_re(prefix):
    """prefix + lowercase hyphenated UUIDv7, as a compiled regex."""
    return re.compile('^' + re.escape(prefix) +
                      r'[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-'
                      r'[0-9a-f]{12}$')


TOOL_ID_RE = uuid7_id_re('aia_tool_')
KNOWLEDGE_ID_RE = uuid7_id_re('aia_know_')
POLICY_ID_RE = uuid7_id_re('aia_plcy_')

# Allow / Access-Control-Allow-Methods of the read-only paths (/v1/Policies,
# /v1/Knowledge/{id}/Status, /v1/Assistants/{id}/Tools|Knowledge) and of the
# attachment paths (/v1/Assistants/{id}/Tools|Knowledge/{id}).
ALLOW_READ = 'GET, HEAD, OPTIONS'
ALLOW_ATTACH = 'POST, DELETE, OPTIONS'


def tool_path(tid):
    return '/v1/Tools/' + urllib.parse.quote(tid, safe='')


def knowledge_path(kid):
    return '/v1/Knowledge/' + urllib.parse.quote(kid, safe='')


def attach_path(aid, kind, oid):
    """/v1/Assistants/<aid>/<kind>/<oid>, kind 'Tools' or 'Knowledge'."""
    return '%s/%s/%s' % (assistant_path(aid), kind,
                         urllib.parse.quote(oid, safe=''))


def allow_for_any_path(target):
    """allow_for_path, plus the paths of issue 9 (Tools, Knowledge, their
    Status and Chunks, Policies, the per-assistant lists and attachments);
    None for an unknown path."""
    known = allow_for_path(target)
    if known is not None:
        return known
    if isinstance(target, bytes):
        target = target.decode('latin-1')
    path = target.split('?', 1)[0]
    segs = path.split('/')
    if any(_BAD_PERCENT.search(seg) for seg in segs):
        return None
    segs = [urllib.parse.unquote_to_bytes(seg) for seg in segs]
    if segs[:2] != [b'', b'v1'] or not all(segs[2:]):
        return None
    rest = segs[2:]
    if rest in ([b'Tools'], [b'Knowledge']):
        return ALLOW_LIST
    if len(rest) == 2 and rest[0] in (b'Tools', b'Knowledge'):
        return ALLOW_INSTANCE
    if len(rest) == 3 and rest[0] == b'Knowledge' and \
            rest[2] in (b'Status', b'Chunks'):
        return ALLOW_READ
    if rest == [b'Policies']:
        return ALLOW_READ
    if len(rest) == 3 and rest[0] == b'Assistants' and \
            rest[2] in (b'Tools', b'Knowledge'):
        return ALLOW_READ
    if len(rest) == 4 and rest[0] == b'Assistants' and \
            rest[2] in (b'Tools', b'Knowledge'):
        return ALLOW_ATTACH
    return None


def walk_list(srv, path, key, auth, page_size=None, headers=None,
              limit=10000):
    """Server.walk for any list: follows next_page_url from path (its query
    kept, PageSize=page_size added); returns the pages (lists of items)."""
    if page_size:
        path += ('&' if '?' in path else '?') + 'PageSize=%d' % page_size
    pages = []
    while True:
        r = srv.get(path, auth=auth, headers=headers)
        if r.status != 200:
            raise AssertionError('%s page %d: %r' % (key, len(pages), r))
        body = r.json()
        pages.append(body[key])
        nxt = body['meta']['next_page_url']
        if nxt is None:
            return pages
        if len(pages) >= limit:
            raise AssertionError('more than %d pages' % limit)
        m = re.match(r'^http://[^/]+(/.*)$', nxt)
        if not m:
            raise AssertionError('not an absolute http URL: %r' % nxt)
        path = m.group(1)


def list_items(srv, path, key, auth, page_size=1000, headers=None):
    """Every item of a list, in list order."""
    return [x for p in walk_list(srv, path, key, auth, page_size, headers)
            for x in p]


# -- the OpenAPI spec of the real API, and a validator for the subset of
#    JSON Schema it uses in responses (type, nullable, properties, required,
#    pattern, minLength, maxLength, format date-time, items, $ref) --

# ../shared beside the repository, or SHARED_DIR (tests/shared-dir.sh).
SPEC_PATH = os.path.join(os.environ.get('SHARED_DIR') or
                         os.path.join(REPO_ROOT, '..', 'shared'),
                         'twilio', 'twilio_assistants_v1.json')
_SPEC = None
_RFC3339_RE = re.compile(r'^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?'
                         r'(Z|[+-]\d{2}:\d{2})$')


def load_spec(path=None):
    """The parsed spec (cached for the default path)."""
    global _SPEC
    if path is not None:
        with open(path, encoding='utf-8') as f:
            return json.load(f)
    if _SPEC is None:
        with open(SPEC_PATH, encoding='utf-8') as f:
            _SPEC = json.load(f)
    return _SPEC


def spec_operation(spec, method, target):
    """(path template, operation object) of the spec operation serving
    method on target (query ignored, segments percent-decoded), or None.
    A template segment {x} matches any one non-empty segment; among
    matches the one with the most literal segments wins."""
    path = target.split('?', 1)[0]
    segs = [urllib.parse.unquote(s) for s in path.split('/')]
    best = None
    for tmpl, item in spec['paths'].items():
        ts = tmpl.split('/')
        if len(ts) != len(segs):
            continue
        literal = 0
        for t, s in zip(ts, segs):
            if t.startswith('{') and t.endswith('}'):
                if not s:
                    break
            elif t != s:
                break
            else:
                literal += 1
        else:
            op = item.get(method.lower())
            if op is not None and (best is None or literal > best[0]):
                best = (literal, tmpl, op)
    return None if best is None else (best[1], best[2])


def resolve_ref(spec, schema):
    while isinstance(schema, dict) and '$ref' in schema:
        ref = schema['$ref']
        if not ref.startswith('#/'):
            raise ValueError('external $ref %r' % ref)
        node = spec
        for part in ref[2:].split('/'):
            node = node[part]
        schema = node
    return schema


_JSON_TYPES = {
    'object': lambda v: isinstance(v, dict),
    'array': lambda v: isinstance(v, list),
    'string': lambda v: isinstance(v, str),
    'boolean': lambda v: isinstance(v, bool),
    'integer': lambda v: isinstance(v, int) and not isinstance(v, bool),
    'number': lambda v: isinstance(v, (int, float)) and
    not isinstance(v, bool),
}


def schema_problems(value, schema, spec, where='$', optional_null=True):
    """The ways value breaks schema, as a list of 'where: problem' strings
    (empty: valid).  A null is valid where the schema says nullable, and
    (optional_null) for a property the object does not require: the real
    API sends null for optional fields it has no value for (captured:
    knowledge.embedding_model, knowledge_status.account_sid and
    last_status), which is the same as absent to the SDKs."""
    schema = resolve_ref(spec, schema)
    if not isinstance(schema, dict) or not schema:
        return []  # {}: anything
    out = []
    if value is None:
        if schema.get('nullable'):
            return []
        if 'type' in schema:
            return ['%s: null, want %s' % (where, schema['type'])]
        return []
    t = schema.get('type')
    if t is not None:
        check = _JSON_TYPES.get(t)
        if check is None:
            return ['%s: schema type %r unknown to the validator' % (where, t)]
        if not check(value):
            return ['%s: %s, want %s' % (where, type(value).__name__, t)]
    if isinstance(value, str):
        if 'pattern' in schema and not re.search(schema['pattern'], value):
            out.append('%s: %r does not match %r'
                       % (where, value, schema['pattern']))
        if 'minLength' in schema and len(value) < schema['minLength']:
            out.append('%s: shorter than %d' % (where, schema['minLength']))
        if 'maxLength' in schema and len(value) > schema['maxLength']:
            out.append('%s: longer than %d' % (where, schema['maxLength']))
        if schema.get('format') == 'date-time' and \
                not _RFC3339_RE.match(value):
            out.append('%s: %r is not a date-time' % (where, value))
    if isinstance(value, dict):
        required = schema.get('required', [])
        for k in required:
            if k not in value:
                out.append('%s: required %r missing' % (where, k))
        for k, sub in schema.get('properties', {}).items():
            if k not in value:
                continue
            if value[k] is None and optional_null and k not in required:
                continue
            out += schema_problems(value[k], sub, spec, '%s.%s' % (where, k),
                                   optional_null)
    if isinstance(value, list) and 'items' in schema:
        for i, v in enumerate(value):
            out += schema_problems(v, schema['items'], spec,
                                   '%s[%d]' % (where, i), optional_null)
    return out


def response_problems(spec, method, target, status, body):
    """How a response breaks the spec operation of method + target: the
    status must be one the operation declares, a declared response without
    content must have an empty body, else body (bytes) must be JSON valid
    against its application/json schema.  Returns (operationId or None,
    [problems])."""
    found = spec_operation(spec, method, target)
    if found is None:
        return None, ['no spec operation for %s %s' % (method, target)]
    tmpl, op = found
    oid = op.get('operationId', tmpl)
    resp = op.get('responses', {}).get(str(status))
    if resp is None:
        return oid, ['%s: status %d not declared (declared: %s)'
                     % (oid, status, ', '.join(op.get('responses', {})))]
    content = (resp.get('content') or {}).get('application/json')
    if content is None:
        return oid, [] if body == b'' else ['%s: %d has no content in the '
                                            'spec, body %r'
                                            % (oid, status, body[:100])]
    try:
        value = json.loads(body.decode('utf-8'))
    except (UnicodeDecodeError, ValueError) as e:
        return oid, ['%s: body is not JSON (%s)' % (oid, e)]
    return oid, ['%s: %s' % (oid, p)
                 for p in schema_problems(value, content.get('schema', {}),
                                          spec)]


# ---------------------------------------------------------------------------
# SendMessage, Sessions, Messages, Feedbacks and webhooks (issue 9, part 2)

SEND_KEYS = ['status', 'flagged', 'aborted', 'session_id', 'account_sid',
             'body', 'error']
SESSION_KEYS = ['id', 'account_sid', 'assistant_id', 'verified', 'identity',
                'date_created', 'date_updated']
MESSAGE_KEYS = ['id', 'account_sid', 'assistant_id', 'session_id',
                'identity', 'role', 'content', 'meta', 'date_created',
                'date_updated']
FEEDBACK_KEYS = ['assistant_id', 'id', 'account_sid', 'user_sid',
                 'message_id', 'score', 'session_id', 'text', 'date_created',
                 'date_updated']
MESSAGE_ID_RE = uuid7_id_re('aia_msg_')
FEEDBACK_ID_RE = uuid7_id_re('aia_fdbk_')
UUID4_RE = re.compile(r'^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-'
                      r'[0-9a-f]{12}$')
# Allow of POST /v1/Assistants/{id}/Messages; the Feedbacks list path has
# ALLOW_LIST, the Sessions paths ALLOW_READ.
ALLOW_SEND = 'POST, OPTIONS'
WEBHOOK_USER_AGENT = 'TwilioProxy/1.1'
WEBHOOK_FAILED = 'assistants-mock: webhook delivery to %s failed after 3 attempts: '


def messages_path(aid):
    """/v1/Assistants/<aid>/Messages (SendMessage)."""
    return assistant_path(aid) + '/Messages'


def feedbacks_path(aid):
    return assistant_path(aid) + '/Feedbacks'


def session_path(session_id):
    """/v1/Sessions/<id>, every reserved byte percent-encoded (':' too)."""
    return '/v1/Sessions/' + urllib.parse.quote(session_id, safe='')


def session_messages_path(session_id):
    return session_path(session_id) + '/Messages'


def allow_for_message_path(target):
    """allow_for_any_path, plus the paths of issue 9 part 2: SendMessage
    (ALLOW_SEND), Feedbacks (ALLOW_LIST), Sessions, Sessions/{id} and
    Sessions/{id}/Messages (ALLOW_READ); None for an unknown path."""
    known = allow_for_any_path(target)
    if known is not None:
        return known
    if isinstance(target, bytes):
        target = target.decode('latin-1')
    segs = target.split('?', 1)[0].split('/')
    if any(_BAD_PERCENT.search(seg) for seg in segs):
        return None
    segs = [urllib.parse.unquote_to_bytes(seg) for seg in segs]
    if segs[:2] != [b'', b'v1'] or not all(segs[2:]):
        return None
    rest = segs[2:]
    if len(rest) == 3 and rest[0] == b'Assistants':
        if rest[2] == b'Messages':
            return ALLOW_SEND
        if rest[2] == b'Feedbacks':
            return ALLOW_LIST
    if rest == [b'Sessions'] or (rest[0] == b'Sessions' and len(rest) == 2) \
            or (len(rest) == 3 and rest[0] == b'Sessions' and
                rest[2] == b'Messages'):
        return ALLOW_READ
    return None


def send_message(srv, aid, obj, auth, headers=None):
    """POST /v1/Assistants/<aid>/Messages with JSON obj."""
    return srv.post_json(messages_path(aid), obj, auth, headers)


def create_feedback(srv, aid, obj, auth, headers=None):
    return srv.post_json(feedbacks_path(aid), obj, auth, headers)


def set_clock(srv, now=None, advance=None, auth=None, bearer=None):
    """POST /__admin/clock ({"now": now} or {"advance_seconds": advance}):
    the clock object."""
    obj = {'now': now} if now is not None else {'advance_seconds': advance}
    return _admin_ok(admin(srv, 'POST', '/__admin/clock', obj, auth=auth,
                           bearer=bearer), 200, 'clock').json()


def keys_only_account(account_sid, api_keys):
    """A fixture account with API keys and no auth token."""
    return {'sid': account_sid,
            'api_keys': [{'sid': k, 'secret': s} for k, s in api_keys]}


def twilio_signature(auth_token, url, params):
    """X-Twilio-Signature as twilio's validateRequest computes it: base64 of
    HMAC-SHA1(auth_token, url + each name followed by its value, sorted by
    name).  params: a dict or a list of (name, value) pairs."""
    import hashlib
    import hmac
    pairs = sorted(params.items() if isinstance(params, dict) else params,
                   key=lambda kv: kv[0])
    data = url + ''.join(k + v for k, v in pairs)
    mac = hmac.new(auth_token.encode('utf-8'), data.encode('utf-8'),
                   hashlib.sha1)
    return base64.b64encode(mac.digest()).decode('ascii')


def closed_port():
    """A local TCP port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class WebhookReceiver:
    """An HTTP server on 127.0.0.1 (free port) in a thread that records every
    request: dicts with time (monotonic, on arrival), done (after the answer
    was sent, or None), method, path (request-target), headers (list of
    pairs), body (bytes) and form (list of (name, value) pairs, UTF-8).
    Attempt i is answered with statuses[i] (the last one repeats) after
    delay seconds.  Use as a context manager or close()."""

    def __init__(self, statuses=(204,), delay=0.0):
        import http.server
        self.statuses = list(statuses)
        self.delay = delay
        self.requests = []
        self._cond = threading.Condition()
        recv = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'

            def log_message(self, *args):
                pass

            def _any(self):
                n = int(self.headers.get('Content-Length') or 0)
                body = self.rfile.read(n) if n else b''
                try:
                    form = urllib.parse.parse_qsl(
                        body.decode('utf-8'), keep_blank_values=True,
                        strict_parsing=bool(body), errors='strict')
                except (UnicodeDecodeError, ValueError):
                    form = None
                entry = {'time': time.monotonic(), 'done': None,
                         'method': self.command, 'path': self.path,
                         'headers': list(self.headers.items()),
                         'body': body, 'form': form}
                with recv._cond:
                    index = len(recv.requests)
                    recv.requests.append(entry)
                    recv._cond.notify_all()
                status = recv.statuses[min(index, len(recv.statuses) - 1)]
                if recv.delay:
                    time.sleep(recv.delay)
                try:
                    self.send_response(status)
                    self.send_header('Content-Length', '0')
                    self.send_header('Connection', 'close')
                    self.end_headers()
                    self.wfile.flush()
                except OSError:
                    pass  # the client gave up
                self.close_connection = True
                with recv._cond:
                    entry['done'] = time.monotonic()
                    recv._cond.notify_all()

            do_POST = do_GET = do_PUT = _any

        self.httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                     Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever,
                                        kwargs={'poll_interval': 0.05},
                                        daemon=True)
        self._thread.start()

    def url(self, path='/hook'):
        return 'http://127.0.0.1:%d%s' % (self.port, path)

    def wait(self, n, timeout):
        """Waits until n requests arrived (or timeout); returns a copy of
        the list of requests so far."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.requests) < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            return list(self.requests)

    def wait_done(self, n, timeout):
        """Like wait, until the first n requests were answered."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.requests) < n or \
                    any(r['done'] is None for r in self.requests[:n]):
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            return list(self.requests)

    def count(self):
        with self._cond:
            return len(self.requests)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def header_of(pairs, name):
    """First value of header name (case-insensitive) in a list of pairs."""
    for k, v in pairs:
        if k.lower() == name.lower():
            return v
    return None


def wait_for_stderr(srv, pattern, timeout=5.0):
    """First stderr line of srv fully matching regex pattern, waiting up to
    timeout s; None if none (or the server exited first)."""
    rx = re.compile(pattern)
    deadline = time.monotonic() + timeout
    with srv._cond:
        while True:
            for l in srv._err:
                if l is not None and rx.fullmatch(l):
                    return l
            left = deadline - time.monotonic()
            if left <= 0 or None in srv._err:
                return None
            srv._cond.wait(left)
