#!/usr/bin/env python3
"""Black-box tests of the test-control API (issue 10): /__admin/ reset,
request journal, fault rules, clock, export; --admin-token, --journal-size,
--clock, --seed, --log-format, and --rate-limit / --inject-store-fault as
built-in fault rules.

Checked exactly: statuses, bodies (Twilio errors through assert_error, key
order of journal entries, fault rules and log lines), the scope of every
admin request (an account's credentials act on that account only, none act
on all of them, or need the Bearer admin token), reset to byte-identical
seeded state (also under 8 concurrent writers), journal filters, cap,
ordering and redaction, fault rule counting (skip, times, their order over
overlapping rules, exactly `times` hits under 32 concurrent clients),
Retry-After, delays, dropped connections, deterministic runs (--seed with
--clock: byte-identical bodies and request ids), and export -> load ->
export byte-identical.

Secrets: every /__admin/ response made through harness.admin is searched for
every secret of the fixtures (and the admin tokens, and their Basic
encodings) the moment it arrives; the last class (ZzSecrets, unittest runs
classes in name order) searches the stdout and stderr of every server this
file started.  The bundled fixtures' start-up line "bundled fixtures:
AC...:alice-auth-token ..." is the one exception: it prints the public
credentials of the bundled fixtures on purpose.

Runs on the bundled fixtures (alice: 130 assistants, with an API key, and
tools, knowledge, policies, attachments, a session with messages and a
feedback; bob: 12 assistants and nothing else) unless a test writes its own.

Usage: python3 tests/blackbox/test_admin.py [--binary PATH]

SPDX-License-Identifier: MIT
"""

import base64
import calendar
import http.client
import json
import os
import random
import re
import socket
import threading
import time

import harness
from harness import (ALICE, ALICE_KEY, ALICE_KEY_SECRET, ALICE_N,
                     ALICE_TOKEN, BOB, BOB_N, BOB_TOKEN, DATE_RE, ITEM_KEYS,
                     Response, account, assistant, assistant_path, basic,
                     json_body, sid)

AUTH_A = (ALICE, ALICE_TOKEN)
AUTH_K = (ALICE_KEY, ALICE_KEY_SECRET)
AUTH_B = (BOB, BOB_TOKEN)
LIST = '/v1/Assistants'
CLOCK = '2025-01-01T00:00:00Z'
RULE_ID_RE = re.compile(r'^FR[0-9a-f]{32}$')
TIME_RE = re.compile(r'^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$')
ENTRY_KEYS = ['request_id', 'time', 'account_sid', 'method', 'path', 'query',
              'headers', 'body', 'status', 'duration_ms', 'route']
LOG_KEYS = ['request_id', 'account_sid', 'method', 'path', 'status', 'bytes',
            'duration_us']
EXPORT_ITEM_KEYS = [k for k in ITEM_KEYS if k != 'url']
# The sections of /__admin/export, in order (every one, even when empty).
EXPORT_SECTIONS = ['accounts', 'assistants', 'tools', 'knowledge',
                   'policies', 'sessions', 'messages', 'feedbacks',
                   'attachments', 'policy_links']
BODY_CAP = 65536
FIXED_HOST = 'mock.test:8080'

# A custom fixture: its secrets must never show either.
CUST = sid('AC', 0xc057)
CUST_TOKEN = 'cust-Auth-T0ken-9f8e7d'
CUST_KEY = sid('SK', 0xc057)
CUST_KEY_SECRET = 'cust-Key-S3cret-6c5b4a'
CUST2 = sid('AC', 0xc058)
CUST2_TOKEN = 'cust2-Auth-T0ken-3e2d1c'


def _b64(user, password):
    return base64.b64encode(('%s:%s' % (user, password)).encode()).decode()


# Every secret of the fixtures, and their Basic encodings.
SECRETS = set()
# Strings the bundled start-up line shows on purpose (see the docstring).
BUNDLED_PUBLIC = {ALICE_TOKEN, ALICE_KEY_SECRET, BOB_TOKEN}


def add_secret(user, secret):
    SECRETS.add(secret)
    if user is not None:
        SECRETS.add(_b64(user, secret))


for _u, _s in ((ALICE, ALICE_TOKEN), (ALICE_KEY, ALICE_KEY_SECRET),
               (BOB, BOB_TOKEN), (CUST, CUST_TOKEN),
               (CUST_KEY, CUST_KEY_SECRET), (CUST2, CUST2_TOKEN)):
    add_secret(_u, _s)

_SERVERS = []  # every server started here: ZzSecrets reads their output
_ADMIN_SEEN = [0]  # admin responses searched for secrets


def find_secrets(data):
    if isinstance(data, bytes):
        data = data.decode('utf-8', 'replace')
    return sorted(s for s in SECRETS if s in data)


_plain_admin = harness.admin


def _checked_admin(*args, **kw):
    """harness.admin, and no secret in the answer (body or headers)."""
    r = _plain_admin(*args, **kw)
    _ADMIN_SEEN[0] += 1
    found = find_secrets(r.body) + find_secrets(repr(r.headers))
    if found:
        raise AssertionError('secret %r in the answer to %r: %r'
                             % (found, args[1:3], r.body[:500]))
    return r


harness.admin = _checked_admin  # the harness helpers use it too
adm = _checked_admin
reset = harness.reset
journal = harness.journal
journal_count = harness.journal_count
add_fault = harness.add_fault
faults = harness.faults


def epoch(date):
    return calendar.timegm(time.strptime(date, '%Y-%m-%dT%H:%M:%SZ'))


def not_found(path):
    return 'The requested resource %s was not found' % path


def ok(resp, status, what=''):
    if resp.status != status:
        raise AssertionError('%s: expected %d, got %r' % (what, status, resp))
    return resp


class Conn:
    """A keep-alive HTTP/1.1 connection to srv (http.client), reopened when
    the server closed it."""

    def __init__(self, srv, auth=None, host=None):
        self.srv = srv
        self.auth = auth
        self.host = host
        self.c = None

    def close(self):
        if self.c is not None:
            self.c.close()
            self.c = None

    def request(self, method, path, obj=None, headers=None):
        h = {}
        if self.auth is not None:
            h['Authorization'] = basic(*self.auth)
        if self.host is not None:
            h['Host'] = self.host
        body = None
        if obj is not None:
            body = json_body(obj)
            h['Content-Type'] = 'application/json'
        h.update(headers or {})
        for attempt in (0, 1):
            fresh = self.c is None
            if fresh:
                self.c = http.client.HTTPConnection(
                    self.srv.host, self.srv.port, timeout=harness.HTTP_TIMEOUT)
            try:
                self.c.request(method, path, body=body, headers=h)
                r = self.c.getresponse()
                data = r.read()
            except (http.client.RemoteDisconnected, ConnectionResetError,
                    BrokenPipeError):
                self.close()
                if fresh or attempt:
                    raise
                continue
            if (r.getheader('Connection') or '').lower() == 'close':
                self.close()
            return Response(r.status, r.reason, r.getheaders(), data,
                            target=path)


def page_path(url):
    m = re.match(r'^http://[^/]+(/.*)$', url)
    if not m:
        raise AssertionError('not an absolute http URL: %r' % url)
    return m.group(1)


def raw_pages(srv, auth, page_size=None, host=None):
    """The raw bodies of a whole list walk (following next_page_url)."""
    path = LIST + ('?PageSize=%d' % page_size if page_size else '')
    headers = {'Host': host} if host else None
    pages = []
    while True:
        r = ok(srv.get(path, auth=auth, headers=headers), 200, path)
        pages.append(r.body)
        nxt = r.json()['meta']['next_page_url']
        if nxt is None:
            return pages
        if len(pages) > 500:
            raise AssertionError('list walk does not end')
        path = page_path(nxt)


def rid(resp):
    return resp.header('Twilio-Request-Id')


class AdminCase(harness.TestCase):
    """Registers its servers for ZzSecrets; admin assertions."""

    def start_server(self, args=(), env=None, port_flag=True):
        srv = super().start_server(args, env, port_flag)
        _SERVERS.append(srv)
        return srv

    @classmethod
    def class_server(cls, args=(), env=None):
        srv = super(AdminCase, cls).class_server(args, env)
        _SERVERS.append(srv)
        return srv

    def assert_204(self, resp):
        self.assertEqual(resp.status, 204, resp)
        self.assertEqual(resp.body, b'')
        self.assertIsNone(resp.header('Content-Type'), resp.headers)
        self.assertRegex(rid(resp) or '', r'^RQ[0-9a-f]{32}$')

    def assert_json(self, resp, status=200):
        self.assertEqual(resp.status, status, resp)
        self.assertEqual(resp.header('Content-Type'), 'application/json',
                         resp.headers)
        self.assertRegex(rid(resp) or '', r'^RQ[0-9a-f]{32}$')
        return resp.json()

    def assert_empty_journal(self, srv, auth=None, bearer=None):
        r = adm(srv, 'GET', '/__admin/requests', auth=auth, bearer=bearer)
        self.assertEqual(self.assert_json(r), {'requests': [], 'dropped': 0})
        self.assertEqual(r.body, b'{"requests":[],"dropped":0}')

    def ids(self, entries):
        return [e['request_id'] for e in entries]

    def created(self, srv, auth=AUTH_A, name='x', **fields):
        fields['name'] = name
        r = ok(srv.create(fields, auth), 201, 'create')
        return r.json()['id']

    def seeded_ids(self, srv, auth):
        return [a['id'] for a in srv.list_all(auth)]


# ---------------------------------------------------------------------------
# Scope


class Scope(AdminCase):
    """Account credentials act on that account; none act on all."""

    @classmethod
    def setUpClass(cls):
        cls.srv = cls.class_server()
        cls.a_ids = [a['id'] for a in cls.srv.list_all(AUTH_A)]
        cls.b_ids = [a['id'] for a in cls.srv.list_all(AUTH_B)]

    def setUp(self):
        reset(self.srv)

    def test_account_reset_keeps_the_other_accounts_state(self):
        srv = self.srv
        seeded_a = raw_pages(srv, AUTH_A)
        seeded_b = raw_pages(srv, AUTH_B)
        b_new = [self.created(srv, AUTH_B, 'bob new %d' % i) for i in (1, 2)]
        ok(srv.remove(self.b_ids[0], AUTH_B), 204)
        ok(srv.update(self.b_ids[1], {'name': 'bob renamed'}, AUTH_B), 200)
        a_new = self.created(srv, AUTH_A, 'alice new')
        ok(srv.remove(self.a_ids[0], AUTH_A), 204)
        ok(srv.update(self.a_ids[1], {'owner': 'changed'}, AUTH_A), 200)
        bob_before = raw_pages(srv, AUTH_B)
        self.assertNotEqual(bob_before, seeded_b)
        self.assert_204(reset(srv, auth=AUTH_A))
        self.assertEqual(raw_pages(srv, AUTH_A), seeded_a)
        self.assertEqual(srv.fetch(a_new, AUTH_A).status, 404)
        self.assertEqual(raw_pages(srv, AUTH_B), bob_before)
        for aid in b_new:
            self.assertEqual(srv.fetch(aid, AUTH_B).status, 200)
        self.assertEqual(srv.fetch(self.b_ids[0], AUTH_B).status, 404)
        # the API key acts on alice too
        a_new = self.created(srv, AUTH_A)
        self.assert_204(reset(srv, auth=AUTH_K))
        self.assertEqual(srv.fetch(a_new, AUTH_A).status, 404)
        self.assertEqual(raw_pages(srv, AUTH_B), bob_before)
        # and bob's reset restores bob, alice as she is
        a_new = self.created(srv, AUTH_A)
        self.assert_204(reset(srv, auth=AUTH_B))
        self.assertEqual(raw_pages(srv, AUTH_B), seeded_b)
        self.assertEqual(srv.fetch(a_new, AUTH_A).status, 200)

    def test_journal_of_an_account_shows_only_its_requests(self):
        srv = self.srv
        a1 = rid(ok(srv.get(LIST + '?PageSize=1', AUTH_A), 200))
        b1 = rid(ok(srv.get(LIST + '?PageSize=1', AUTH_B), 200))
        a2 = rid(ok(srv.get(LIST + '?PageSize=2', AUTH_K), 200))
        b2 = rid(ok(srv.fetch(self.b_ids[0], AUTH_B), 200))
        x1 = rid(ok(srv.get(LIST, (ALICE, 'not-the-token')), 401))
        for auth in (AUTH_A, AUTH_K):
            j = journal(srv, auth)
            self.assertEqual(self.ids(j['requests']), [a1, a2])
            self.assertEqual({e['account_sid'] for e in j['requests']},
                             {ALICE})
            self.assertEqual(journal_count(srv, auth), 2)
        j = journal(srv, AUTH_B)
        self.assertEqual(self.ids(j['requests']), [b1, b2])
        self.assertEqual({e['account_sid'] for e in j['requests']}, {BOB})
        g = journal(srv)['requests']
        self.assertEqual(self.ids(g), [a1, b1, a2, b2, x1])
        self.assertEqual([e['account_sid'] for e in g],
                         [ALICE, BOB, ALICE, BOB, None])
        self.assertEqual(journal_count(srv), 5)
        # alice clears hers only
        self.assert_204(adm(srv, 'DELETE', '/__admin/requests', auth=AUTH_A))
        self.assert_empty_journal(srv, AUTH_A)
        self.assertEqual(self.ids(journal(srv, AUTH_B)['requests']), [b1, b2])
        self.assertEqual(self.ids(journal(srv)['requests']), [b1, b2, x1])

    def test_rules_of_alice_never_touch_bob(self):
        srv = self.srv
        rule = add_fault(srv, {'times': 0, 'error': {'status': 503}},
                         auth=AUTH_A)
        self.assertEqual(rule['account_sid'], ALICE)
        got = []
        got.append(srv.get(LIST, AUTH_B).status)
        got.append(srv.fetch(self.b_ids[0], AUTH_B).status)
        aid = self.created(srv, AUTH_B)
        got.append(srv.update(aid, {'name': 'y'}, AUTH_B).status)
        got.append(srv.remove(aid, AUTH_B).status)
        self.assertEqual(got, [200, 200, 200, 204])
        self.assertEqual([e['status'] for e in journal(srv, AUTH_B)
                          ['requests']], [200, 200, 201, 200, 204])
        for auth in (AUTH_A, AUTH_K):
            r = srv.get(LIST, auth)
            self.assert_error(r, 503, 20503, 'Service Unavailable')
        self.assertEqual(faults(srv, AUTH_B), [])
        mine = faults(srv, AUTH_A)
        self.assertEqual([f['id'] for f in mine], [rule['id']])
        self.assertEqual(mine[0]['hits'], 2)
        self.assertIn(rule['id'], [f['id'] for f in faults(srv)])
        # bob can delete neither this rule nor, with DELETE all, any of hers
        path = '/__admin/faults/' + rule['id']
        self.assert_error(adm(srv, 'DELETE', path, auth=AUTH_B), 404, 20404,
                          not_found(path))
        self.assert_204(adm(srv, 'DELETE', '/__admin/faults', auth=AUTH_B))
        self.assertEqual([f['id'] for f in faults(srv, AUTH_A)], [rule['id']])
        self.assertEqual(srv.get(LIST, AUTH_A).status, 503)
        # alice deletes it
        self.assert_204(adm(srv, 'DELETE', path, auth=AUTH_A))
        self.assertEqual(srv.get(LIST, AUTH_A).status, 200)
        self.assertEqual(faults(srv), [])

    def test_global_rules_touch_every_account(self):
        srv = self.srv
        rule = add_fault(srv, {'times': 0, 'error': {'status': 429}})
        self.assertIsNone(rule['account_sid'])
        for auth in (AUTH_A, AUTH_K, AUTH_B):
            self.assert_error(srv.get(LIST, auth), 429, 20429,
                              'Too Many Requests')
        self.assertEqual(faults(srv)[0]['hits'], 3)
        self.assert_204(adm(srv, 'DELETE', '/__admin/faults'))
        self.assertEqual(faults(srv), [])
        self.assertEqual(srv.get(LIST, AUTH_B).status, 200)

    def test_wrong_credentials_are_401_on_every_route(self):
        srv = self.srv
        routes = [('POST', '/__admin/reset', None),
                  ('GET', '/__admin/requests', None),
                  ('DELETE', '/__admin/requests', None),
                  ('GET', '/__admin/requests/count', None),
                  ('POST', '/__admin/faults', {'drop': True}),
                  ('GET', '/__admin/faults', None),
                  ('DELETE', '/__admin/faults', None),
                  ('DELETE', '/__admin/faults/FR' + '0' * 32, None),
                  ('GET', '/__admin/clock', None),
                  ('POST', '/__admin/clock', {'advance_seconds': 1}),
                  ('GET', '/__admin/export', None)]
        aid = self.created(srv, AUTH_A)
        for auth in ((ALICE, 'wrong'), (ALICE_KEY, ALICE_TOKEN),
                     (sid('AC', 0xdead), 'x'), (BOB, ALICE_TOKEN)):
            for method, path, obj in routes:
                r = adm(srv, method, path, obj, auth=auth)
                self.assert_error(r, 401, 20003, 'Authenticate')
        # none of them did anything
        self.assertEqual(srv.fetch(aid, AUTH_A).status, 200)
        self.assertEqual(faults(srv), [])
        self.assertFalse(adm(srv, 'GET', '/__admin/clock').json()['frozen'])


class AdminToken(AdminCase):
    """--admin-token T: global scope needs 'Authorization: Bearer T'."""

    TOKEN = 'adm1n-T0ken-%08x' % random.getrandbits(32)
    ENV_TOKEN = 'env-adm1n-T0ken-%08x' % random.getrandbits(32)

    ROUTES = [('POST', '/__admin/reset', None),
              ('GET', '/__admin/requests', None),
              ('DELETE', '/__admin/requests', None),
              ('GET', '/__admin/requests/count', None),
              ('POST', '/__admin/faults', {'drop': True}),
              ('GET', '/__admin/faults', None),
              ('DELETE', '/__admin/faults', None),
              ('DELETE', '/__admin/faults/FR' + '0' * 32, None),
              ('GET', '/__admin/clock', None),
              ('POST', '/__admin/clock', {'advance_seconds': 1}),
              ('GET', '/__admin/export', None)]

    @classmethod
    def setUpClass(cls):
        add_secret(None, cls.TOKEN)
        add_secret(None, cls.ENV_TOKEN)
        cls.srv = cls.class_server(['--admin-token', cls.TOKEN])
        cls.env_srv = cls.class_server(
            env={'ASSISTANTS_MOCK_ADMIN_TOKEN': cls.ENV_TOKEN})

    def setUp(self):
        reset(self.srv, bearer=self.TOKEN)

    def test_no_credentials_401(self):
        srv = self.srv
        aid = self.created(srv, AUTH_A)
        for method, path, obj in self.ROUTES:
            r = adm(srv, method, path, obj)
            self.assert_error(r, 401, 20003, 'Authenticate')
        self.assertEqual(srv.fetch(aid, AUTH_A).status, 200)
        self.assertEqual(faults(srv, bearer=self.TOKEN), [])
        self.assertEqual(journal_count(srv, bearer=self.TOKEN), 2)

    def test_wrong_bearer_401(self):
        srv = self.srv
        for bearer in ('wrong', self.TOKEN + 'x', self.TOKEN[:-1],
                       self.ENV_TOKEN, ''):
            for method, path, obj in self.ROUTES:
                r = adm(srv, method, path, obj, bearer=bearer)
                self.assert_error(r, 401, 20003, 'Authenticate')
        # the token as Basic credentials is no account
        r = adm(srv, 'GET', '/__admin/requests', auth=(self.TOKEN, ''))
        self.assert_error(r, 401, 20003, 'Authenticate')
        self.assertEqual(faults(srv, bearer=self.TOKEN), [])

    def test_right_bearer_is_global(self):
        srv = self.srv
        a = self.created(srv, AUTH_A)
        b = self.created(srv, AUTH_B)
        g = journal(srv, bearer=self.TOKEN)['requests']
        self.assertEqual([e['account_sid'] for e in g], [ALICE, BOB])
        self.assertEqual(journal_count(srv, bearer=self.TOKEN), 2)
        rule = add_fault(srv, {'path': '/nothing', 'drop': True},
                         bearer=self.TOKEN)
        self.assertIsNone(rule['account_sid'])
        self.assertEqual(adm(srv, 'GET', '/__admin/export',
                             bearer=self.TOKEN).status, 200)
        self.assertEqual(adm(srv, 'GET', '/__admin/clock',
                             bearer=self.TOKEN).status, 200)
        self.assert_204(reset(srv, bearer=self.TOKEN))
        self.assertEqual(srv.fetch(a, AUTH_A).status, 404)
        self.assertEqual(srv.fetch(b, AUTH_B).status, 404)
        self.assertEqual(faults(srv, bearer=self.TOKEN), [])

    def test_account_credentials_still_work(self):
        srv = self.srv
        a = self.created(srv, AUTH_A)
        b = self.created(srv, AUTH_B)
        j = journal(srv, AUTH_A)['requests']
        self.assertEqual([e['account_sid'] for e in j], [ALICE])
        self.assertEqual(journal_count(srv, AUTH_K), 1)
        rule = add_fault(srv, {'path': '/nothing', 'drop': True}, AUTH_B)
        self.assertEqual(rule['account_sid'], BOB)
        self.assert_204(reset(srv, auth=AUTH_A))
        self.assertEqual(srv.fetch(a, AUTH_A).status, 404)
        self.assertEqual(srv.fetch(b, AUTH_B).status, 200)
        self.assertEqual(len(faults(srv, AUTH_B)), 1)

    def test_env_token(self):
        srv = self.env_srv
        for method, path, obj in self.ROUTES:
            self.assert_error(adm(srv, method, path, obj), 401, 20003,
                              'Authenticate')
            self.assert_error(adm(srv, method, path, obj, bearer=self.TOKEN),
                              401, 20003, 'Authenticate')
        self.assertEqual(journal(srv, bearer=self.ENV_TOKEN)['dropped'], 0)
        self.assertEqual(journal(srv, AUTH_B)['dropped'], 0)

    def test_z_token_not_in_the_output(self):
        for srv, tok in ((self.srv, self.TOKEN),
                         (self.env_srv, self.ENV_TOKEN)):
            ok(srv.get('/healthz'), 200)
            ok(adm(srv, 'GET', '/__admin/requests', bearer=tok), 200)
            out = '\n'.join(srv.stdout_lines()) + srv.stderr_text()
            self.assertNotIn(tok, out)
            self.assertIn('/__admin/requests', out)  # requests are logged


# ---------------------------------------------------------------------------
# Reset


class Reset(AdminCase):

    @classmethod
    def setUpClass(cls):
        cls.srv = cls.class_server(['--quiet'])
        cls.a_ids = [a['id'] for a in cls.srv.list_all(AUTH_A)]
        cls.b_ids = [a['id'] for a in cls.srv.list_all(AUTH_B)]
        # seeded ones the tests update or delete
        cls.targets_a = cls.a_ids[:6] + cls.a_ids[-6:]
        cls.targets_b = cls.b_ids[:6]
        cls.seeded = cls.snapshot(cls.srv)

    def setUp(self):
        reset(self.srv)

    @classmethod
    def snapshot_a(cls, srv):
        return {'a': raw_pages(srv, AUTH_A),
                'a7': raw_pages(srv, AUTH_A, 7),
                'a1000': raw_pages(srv, AUTH_A, 1000),
                'fa': [srv.fetch(i, AUTH_A).body for i in cls.targets_a]}

    @classmethod
    def snapshot_b(cls, srv):
        return {'b': raw_pages(srv, AUTH_B),
                'b5': raw_pages(srv, AUTH_B, 5),
                'fb': [srv.fetch(i, AUTH_B).body for i in cls.targets_b]}

    @classmethod
    def snapshot(cls, srv):
        s = cls.snapshot_a(srv)
        s.update(cls.snapshot_b(srv))
        return s

    def write_some(self, srv, auth, ids):
        full = {'name': 'new', 'owner': 'o', 'personality_prompt': 'p',
                'customer_ai': {'perception_engine_enabled': True,
                                'personalization_engine_enabled': True},
                'segment_credential': {'write_key': 'w'}}
        made = [ok(srv.create(full, auth), 201).json()['id']
                for _ in range(3)]
        ok(srv.update(ids[0], {'name': 'renamed', 'owner': 'other',
                               'customer_ai': full['customer_ai']}, auth), 200)
        ok(srv.update(ids[1], {}, auth), 200)
        ok(srv.remove(ids[2], auth), 204)
        ok(srv.remove(made[2], auth), 204)
        return made[:2]

    def test_reset_all(self):
        srv = self.srv
        made_a = self.write_some(srv, AUTH_A, self.targets_a)
        made_b = self.write_some(srv, AUTH_B, self.targets_b)
        for auth in (AUTH_A, AUTH_B, None):
            add_fault(srv, {'path': '/nothing', 'drop': True}, auth)
        self.assertNotEqual(self.snapshot(srv), self.seeded)
        self.assertGreater(journal_count(srv), 10)
        self.assert_204(reset(srv))
        self.assert_empty_journal(srv)
        self.assertEqual(faults(srv), [])
        self.assertEqual(self.snapshot(srv), self.seeded)
        for aid in made_a:
            self.assertEqual(srv.fetch(aid, AUTH_A).status, 404)
        for aid in made_b:
            self.assertEqual(srv.fetch(aid, AUTH_B).status, 404)
        # a reset of a seeded state changes nothing
        self.assert_204(reset(srv))
        self.assertEqual(self.snapshot(srv), self.seeded)

    def test_reset_of_one_account(self):
        srv = self.srv
        made_a = self.write_some(srv, AUTH_A, self.targets_a)
        self.write_some(srv, AUTH_B, self.targets_b)
        fa = add_fault(srv, {'path': '/nothing', 'drop': True}, AUTH_A)
        fb = add_fault(srv, {'path': '/nothing', 'drop': True}, AUTH_B)
        fg = add_fault(srv, {'path': '/nothing', 'drop': True})
        bob = self.snapshot_b(srv)
        bob_journal = journal(srv, AUTH_B)
        self.assertNotEqual(bob, {k: self.seeded[k] for k in bob})
        self.assert_204(reset(srv, auth=AUTH_A))
        self.assert_empty_journal(srv, AUTH_A)
        self.assertEqual(journal(srv, AUTH_B), bob_journal)
        self.assertEqual(faults(srv, AUTH_A), [])
        self.assertEqual(faults(srv, AUTH_B), [fb])
        self.assertEqual(sorted(f['id'] for f in faults(srv)),
                         sorted([fb['id'], fg['id']]))
        self.assertNotIn(fa['id'], [f['id'] for f in faults(srv)])
        a = self.snapshot_a(srv)
        self.assertEqual(a, {k: self.seeded[k] for k in a})
        self.assertEqual(self.snapshot_b(srv), bob)
        for aid in made_a:
            self.assertEqual(srv.fetch(aid, AUTH_A).status, 404)
        # then bob's
        self.assert_204(reset(srv, auth=AUTH_B))
        self.assertEqual(self.snapshot(srv), self.seeded)
        self.assertEqual([f['id'] for f in faults(srv)], [fg['id']])

    def test_reset_under_concurrent_writes(self):
        srv = self.srv
        N_WRITERS, SECONDS = 8, 2.0
        stop = threading.Event()
        problems = []
        counts = {}
        lock = threading.Lock()

        def writer(w):
            rnd = random.Random(w)
            conns = {'a': Conn(srv, AUTH_A), 'b': Conn(srv, AUTH_B)}
            mine = {'a': [], 'b': []}
            seeded = {'a': self.targets_a, 'b': self.targets_b}
            try:
                while not stop.is_set():
                    who = rnd.choice('ab')
                    c = conns[who]
                    op = rnd.choice(['create', 'create', 'update_seeded',
                                     'delete_seeded', 'update_mine',
                                     'delete_mine'])
                    if op.endswith('mine') and not mine[who]:
                        op = 'create'
                    if op == 'create':
                        r = c.request('POST', LIST, {'name': 'w%d' % w})
                        if r.status == 201:
                            mine[who].append(r.json()['id'])
                        want = (201,)
                    elif op == 'update_seeded':
                        r = c.request('PUT', assistant_path(
                            rnd.choice(seeded[who])), {'name': 'u%d' % w})
                        want = (200, 404)
                    elif op == 'delete_seeded':
                        r = c.request('DELETE', assistant_path(
                            rnd.choice(seeded[who])))
                        want = (204, 404)
                    elif op == 'update_mine':
                        r = c.request('PUT', assistant_path(
                            rnd.choice(mine[who])), {'owner': 'x'})
                        want = (200, 404)
                    else:
                        r = c.request('DELETE', assistant_path(
                            mine[who].pop(rnd.randrange(len(mine[who])))))
                        want = (204, 404)
                    with lock:
                        counts[r.status] = counts.get(r.status, 0) + 1
                        if r.status not in want:
                            problems.append((op, r))
            except Exception as e:  # a broken connection is a problem too
                with lock:
                    problems.append(('exception', repr(e)))
            finally:
                for c in conns.values():
                    c.close()

        threads = [threading.Thread(target=writer, args=(w,), daemon=True)
                   for w in range(N_WRITERS)]
        for t in threads:
            t.start()
        resets = 0
        scopes = [None, AUTH_A, AUTH_B, AUTH_K]
        deadline = time.monotonic() + SECONDS
        try:
            while time.monotonic() < deadline:
                r = adm(srv, 'POST', '/__admin/reset',
                        auth=scopes[resets % len(scopes)])
                if r.status != 204:
                    problems.append(('reset', r))
                resets += 1
                time.sleep(0.01)
        finally:
            stop.set()
            for t in threads:
                t.join(30)
        self.assertFalse(any(t.is_alive() for t in threads), 'writers hang')
        self.assertEqual(problems[:5], [], '%d problems, counts %r'
                         % (len(problems), counts))
        self.assertFalse([s for s in counts if s >= 500], counts)
        self.assertGreater(counts.get(201, 0), N_WRITERS)
        self.assertGreater(resets, 10)
        self.assert_204(reset(srv))
        self.assert_empty_journal(srv)
        self.assertEqual(self.snapshot(srv), self.seeded)
        print('\n    %d resets, answers %r' % (resets, sorted(counts.items())),
              end=' ')

    def test_reset_time_after_1000_creates(self):
        srv = self.srv
        c = Conn(srv, AUTH_A)
        try:
            for i in range(1000):
                ok(c.request('POST', LIST, {'name': 'bulk %d' % i}), 201)
        finally:
            c.close()
        self.assertEqual(len(srv.list_all(AUTH_A)), ALICE_N + 1000)
        t0 = time.perf_counter()
        r = adm(srv, 'POST', '/__admin/reset', auth=AUTH_A)
        dt = time.perf_counter() - t0
        self.assert_204(r)
        print('\n    reset of alice after 1,000 creates: %.2f ms '
              '(client side, one request)' % (dt * 1000), end=' ')
        self.assertEqual(self.snapshot(srv), self.seeded)


# ---------------------------------------------------------------------------
# Journal


def raw_http(srv, lines, body=b''):
    """A request from exact header lines (Connection: close is added)."""
    head = '\r\n'.join(lines) + '\r\nConnection: close\r\n\r\n'
    return srv.raw(head.encode('latin-1') + body)


class Journal(AdminCase):

    @classmethod
    def setUpClass(cls):
        cls.srv = cls.class_server()
        cls.a_ids = [a['id'] for a in cls.srv.list_all(AUTH_A)]

    def setUp(self):
        reset(self.srv)

    def entries(self, auth=None, query=None):
        return journal(self.srv, auth, query)['requests']

    def test_entry_keys_and_values(self):
        srv = self.srv
        body = b'{"name":"journaled","owner":"me"}'
        r = raw_http(srv, [
            'POST /v1/Assistants?Tag=one&x=%20y HTTP/1.1',
            'Host: ' + FIXED_HOST,
            'Authorization: ' + basic(*AUTH_A),
            'X-Test-Header: hello there',
            'Proxy-Authorization: ' + basic(*AUTH_B),
            'x-lower: v',
            'Content-Type: application/json',
            'Content-Length: %d' % len(body)], body)
        self.assertEqual(r.status, 201, r)
        aid = r.json()['id']
        t_now = time.time()
        raw = adm(srv, 'GET', '/__admin/requests', auth=AUTH_A)
        self.assert_json(raw)
        top = raw.ordered()
        self.assertEqual([k for k, _ in top], ['requests', 'dropped'])
        self.assertEqual(dict(top)['dropped'], 0)
        entries = dict(top)['requests']
        self.assertEqual(len(entries), 1)
        e = entries[0]
        self.assertEqual([k for k, _ in e], ENTRY_KEYS)
        e = dict(e)
        self.assertEqual(e['request_id'], rid(r))
        self.assertRegex(e['time'], TIME_RE)
        self.assertLess(abs(epoch(e['time'][:19] + 'Z') - t_now), 10)
        self.assertEqual(e['account_sid'], ALICE)
        self.assertEqual(e['method'], 'POST')
        self.assertEqual(e['path'], '/v1/Assistants')
        self.assertEqual(e['query'], 'Tag=one&x=%20y')
        self.assertEqual(e['headers'], [
            ('Host', FIXED_HOST), ('X-Test-Header', 'hello there'),
            ('x-lower', 'v'), ('Content-Type', 'application/json'),
            ('Content-Length', str(len(body))), ('Connection', 'close')])
        self.assertEqual(e['body'], body.decode())
        self.assertEqual(e['status'], 201)
        self.assertIsInstance(e['duration_ms'], (int, float))
        self.assertNotIsInstance(e['duration_ms'], bool)
        self.assertGreaterEqual(e['duration_ms'], 0)
        self.assertRegex(raw.body.decode(), r'"duration_ms":\d+\.\d{3},')
        self.assertEqual(e['route'], '/v1/Assistants')
        # a fetch: no query, empty body, the instance route
        f = srv.fetch(aid, AUTH_A)
        e = self.entries(AUTH_A)[-1]
        self.assertEqual((e['request_id'], e['method'], e['path'],
                          e['query'], e['body'], e['status'], e['route']),
                         (rid(f), 'GET', assistant_path(aid), None, '', 200,
                          '/v1/Assistants/{id}'))
        self.assertNotIn('Authorization',
                         [k.lower() for k in e['headers']])
        # the request target's query as sent, empty or not
        r = srv.get(LIST + '?PageSize=2&Page=0', AUTH_A)
        e = self.entries(AUTH_A)[-1]
        self.assertEqual((e['request_id'], e['query']),
                         (rid(r), 'PageSize=2&Page=0'))

    def test_unknown_v1_path_and_405(self):
        srv = self.srv
        r1 = srv.get('/v1/Nope/x?y=1', AUTH_A)
        self.assertEqual(r1.status, 404)
        r2 = srv.request('PATCH', LIST, AUTH_A)
        self.assertEqual(r2.status, 405)
        g = self.entries()
        self.assertEqual(self.ids(g), [rid(r1), rid(r2)])
        self.assertEqual((g[0]['path'], g[0]['query'], g[0]['status'],
                          g[0]['route'], g[0]['account_sid']),
                         ('/v1/Nope/x', 'y=1', 404, None, None))
        self.assertEqual((g[1]['method'], g[1]['status'], g[1]['route']),
                         ('PATCH', 405, '/v1/Assistants'))

    def test_401_only_in_the_global_view(self):
        srv = self.srv
        r1 = srv.get(LIST, (ALICE, 'wrong'))
        r2 = srv.get(LIST)
        r3 = srv.get(LIST, (ALICE_KEY, 'wrong'))
        for r in (r1, r2, r3):
            self.assertEqual(r.status, 401)
        g = self.entries()
        self.assertEqual(self.ids(g), [rid(r1), rid(r2), rid(r3)])
        for e in g:
            self.assertIsNone(e['account_sid'])
            self.assertEqual((e['status'], e['route']), (401, LIST))
            self.assertNotIn('authorization',
                             [k.lower() for k in e['headers']])
        self.assert_empty_journal(srv, AUTH_A)
        self.assertEqual(journal_count(srv, AUTH_A), 0)
        self.assertEqual(journal_count(srv, AUTH_B), 0)
        self.assertEqual(journal_count(srv), 3)

    def test_repeated_headers_joined(self):
        srv = self.srv
        r = raw_http(srv, ['GET /v1/Assistants?PageSize=1 HTTP/1.1',
                           'Host: x', 'X-Dup: a', 'Authorization: ' +
                           basic(*AUTH_A), 'X-Dup: b,c', 'X-Dup: d'])
        self.assertEqual(r.status, 200, r)
        e = self.entries(AUTH_A)[-1]
        self.assertEqual(e['request_id'], rid(r))
        self.assertEqual(e['headers'],
                         {'Host': 'x', 'X-Dup': 'a, b,c, d',
                          'Connection': 'close'})

    def test_body_cut_at_64_kib(self):
        srv = self.srv
        body = json_body({'name': 'n' * (100 * 1024)})
        r = srv.post_json(LIST, body, AUTH_A)
        self.assertEqual(r.status, 201, r)
        e = self.entries(AUTH_A)[-1]
        self.assertEqual(e['request_id'], rid(r))
        self.assertEqual(len(e['body']), BODY_CAP)
        self.assertEqual(e['body'], body[:BODY_CAP].decode())
        # a body of exactly 65536 bytes is whole
        body = json_body({'name': 'm' * (BODY_CAP - 11)})
        self.assertEqual(len(body), BODY_CAP)
        r = srv.post_json(LIST, body, AUTH_A)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(self.entries(AUTH_A)[-1]['body'], body.decode())

    def test_health_and_admin_not_recorded(self):
        srv = self.srv
        for path in ('/healthz', '/readyz'):
            ok(srv.get(path), 200)
            ok(srv.head(path), 200)
            ok(srv.get(path, AUTH_A), 200)
        for auth in (None, AUTH_A):
            ok(adm(srv, 'GET', '/__admin/requests', auth=auth), 200)
            ok(adm(srv, 'GET', '/__admin/requests/count', auth=auth), 200)
            ok(adm(srv, 'GET', '/__admin/faults', auth=auth), 200)
            ok(adm(srv, 'GET', '/__admin/clock', auth=auth), 200)
            ok(adm(srv, 'GET', '/__admin/export', auth=auth), 200)
            ok(adm(srv, 'GET', '/__admin/nope', auth=auth), 404)
        self.assert_empty_journal(srv)
        self.assert_empty_journal(srv, AUTH_A)

    def test_oldest_first_and_present_right_after_the_answer(self):
        srv = self.srv
        c = Conn(srv, AUTH_A)
        seen = []
        try:
            prev = None
            for i in range(30):
                r = c.request('GET', LIST + '?PageSize=1&i=%d' % i)
                self.assertEqual(r.status, 200)
                seen.append(rid(r))
                q = {'since': prev} if prev else None
                got = self.entries(AUTH_A, q)
                self.assertEqual(self.ids(got), [rid(r)], i)
                prev = rid(r)
        finally:
            c.close()
        es = self.entries(AUTH_A)
        self.assertEqual(self.ids(es), seen)
        self.assertEqual([e['query'] for e in es],
                         ['PageSize=1&i=%d' % i for i in range(30)])
        times = [e['time'] for e in es]
        self.assertEqual(times, sorted(times))

    def test_filters(self):
        srv = self.srv
        r1 = srv.get(LIST, AUTH_A)
        r2 = srv.create({'name': 'f'}, AUTH_A)
        aid = r2.json()['id']
        r3 = srv.fetch(aid, AUTH_A)
        r4 = srv.get(LIST + '/%61bc', AUTH_A)
        r5 = srv.update(aid, {'name': 'g'}, AUTH_A)
        r6 = srv.remove(aid, AUTH_A)
        r7 = srv.remove(aid, AUTH_A)
        r8 = srv.get(LIST + '?PageSize=2', AUTH_A)
        rs = [r1, r2, r3, r4, r5, r6, r7, r8]
        self.assertEqual([r.status for r in rs],
                         [200, 201, 200, 404, 200, 204, 404, 200])
        n = dict(zip(range(1, 9), [rid(r) for r in rs]))
        e4 = self.entries(AUTH_A, {'status': 404})[0]
        self.assertEqual((e4['path'], e4['route']),
                         ('/v1/Assistants/%61bc', '/v1/Assistants/{id}'))
        cases = [
            ({'method': 'GET'}, [1, 3, 4, 8]),
            ({'method': 'get'}, [1, 3, 4, 8]),
            ({'method': 'Delete'}, [6, 7]),
            ({'method': 'PATCH'}, []),
            ({'path': LIST}, [1, 2, 8]),
            ({'path': LIST + '/*'}, [3, 4, 5, 6, 7]),
            ({'path': '/v1/Assistants/abc'}, [4]),
            ({'path': '*abc'}, [4]),
            ({'path': '*%61bc'}, []),
            ({'path': '*'}, [1, 2, 3, 4, 5, 6, 7, 8]),
            ({'path': '*Assistants'}, [1, 2, 8]),
            ({'path': '/v1/*/' + aid}, [3, 5, 6, 7]),
            ({'path': '/v1/Assist'}, []),
            ({'status': 404}, [4, 7]),
            ({'status': '204'}, [6]),
            ({'status': 500}, []),
            ({'since': n[5]}, [6, 7, 8]),
            ({'since': n[8]}, []),
            ({'method': 'DELETE', 'status': 404}, [7]),
            ({'method': 'GET', 'path': LIST + '/*', 'since': n[3]}, [4]),
            ({'path': LIST, 'status': 200}, [1, 8]),
            ({'path': LIST, 'status': 200, 'since': n[1]}, [8]),
            ({'foo': 'bar', 'method': 'POST'}, [2]),
            ({'foo': 'bar'}, [1, 2, 3, 4, 5, 6, 7, 8]),
        ]
        for q, want in cases:
            got = self.entries(AUTH_A, q)
            self.assertEqual(self.ids(got), [n[i] for i in want], q)
            self.assertEqual(journal_count(srv, AUTH_A, q), len(want), q)
        # the same filters on the global view
        self.assertEqual(self.ids(self.entries(None, {'status': 404})),
                         [n[4], n[7]])

    def test_filter_errors(self):
        srv = self.srv
        ok(srv.get(LIST, AUTH_A), 200)
        bad = [('status=99', 'status'), ('status=600', 'status'),
               ('status=abc', 'status'), ('status=-1', 'status'),
               ('status=2OO', 'status'),
               ('since=RQ' + '0' * 32, 'since'), ('since=garbage', 'since'),
               ('method=GET&status=1000', 'status')]
        for q, name in bad:
            for path in ('/__admin/requests', '/__admin/requests/count'):
                for auth in (None, AUTH_A):
                    r = adm(srv, 'GET', path + '?' + q, auth=auth)
                    self.assert_error(r, 400, 20001,
                                      'Invalid parameter ' + name)

    def test_delete_clears(self):
        srv = self.srv
        for auth in (AUTH_A, AUTH_B, (ALICE, 'x')):
            srv.get(LIST, auth)
        self.assertEqual(journal_count(srv), 3)
        self.assert_204(adm(srv, 'DELETE', '/__admin/requests'))
        self.assert_empty_journal(srv)
        self.assert_empty_journal(srv, AUTH_B)
        self.assertEqual(journal_count(srv), 0)
        r = srv.get(LIST, AUTH_B)
        self.assertEqual(self.ids(self.entries()), [rid(r)])


class JournalSize(AdminCase):

    def requests(self, srv, auth, n, tag):
        return [rid(ok(srv.get(LIST + '?PageSize=1&%s=%d' % (tag, i), auth),
                       200)) for i in range(n)]

    def test_size_5_keeps_the_5_newest(self):
        srv = self.start_server(['--journal-size', '5', '--quiet'])
        ids = self.requests(srv, AUTH_A, 8, 'a')
        j = journal(srv, AUTH_A)
        self.assertEqual(self.ids(j['requests']), ids[3:])
        self.assertEqual(j['dropped'], 3)
        self.assertEqual(journal_count(srv, AUTH_A), 5)
        g = journal(srv)
        self.assertEqual((self.ids(g['requests']), g['dropped']),
                         (ids[3:], 3))
        # bob's ring is his own
        b = self.requests(srv, AUTH_B, 2, 'b')
        j = journal(srv, AUTH_B)
        self.assertEqual((self.ids(j['requests']), j['dropped']), (b, 0))
        self.assertEqual(journal(srv, AUTH_A)['dropped'], 3)
        # DELETE clears the dropped counts too
        self.assert_204(adm(srv, 'DELETE', '/__admin/requests', auth=AUTH_A))
        self.assert_empty_journal(srv, AUTH_A)
        self.assert_204(adm(srv, 'DELETE', '/__admin/requests'))
        self.assert_empty_journal(srv)
        ids = self.requests(srv, AUTH_A, 6, 'c')
        self.assertEqual(journal(srv, AUTH_A)['dropped'], 1)
        self.assert_204(reset(srv, auth=AUTH_A))
        self.assert_empty_journal(srv, AUTH_A)

    def test_size_from_the_environment(self):
        srv = self.start_server(['--quiet'],
                                env={'ASSISTANTS_MOCK_JOURNAL_SIZE': '2'})
        ids = self.requests(srv, AUTH_A, 4, 'e')
        j = journal(srv, AUTH_A)
        self.assertEqual((self.ids(j['requests']), j['dropped']),
                         (ids[2:], 2))

    def test_size_0_records_nothing(self):
        srv = self.start_server(['--journal-size', '0', '--quiet'])
        self.requests(srv, AUTH_A, 3, 'z')
        srv.get(LIST, (ALICE, 'wrong'))
        srv.get('/v1/Nope', AUTH_B)
        for auth in (None, AUTH_A, AUTH_B):
            self.assert_empty_journal(srv, auth)
            self.assertEqual(journal_count(srv, auth), 0)


class Redaction(AdminCase):
    """A custom fixture's secrets never show in an admin answer or a log."""

    def test_custom_fixture_secrets(self):
        d = self.tmpdir()
        path = harness.write_json(d, 'fx.json', {
            'accounts': [account(CUST, CUST_TOKEN,
                                 [(CUST_KEY, CUST_KEY_SECRET)]),
                         account(CUST2, CUST2_TOKEN)],
            'assistants': [assistant('aia_asst_c-%d' % i,
                                     CUST if i % 2 else CUST2)
                           for i in range(6)]})
        srv = self.start_server(['--fixtures', path])
        auths = [(CUST, CUST_TOKEN), (CUST_KEY, CUST_KEY_SECRET),
                 (CUST2, CUST2_TOKEN)]
        for auth in auths:
            ok(srv.get(LIST, auth), 200)
            ok(srv.get(LIST, (auth[0], auth[1] + 'x')), 401)
            ok(srv.get(LIST, (auth[0], auth[1][:-1])), 401)
            ok(srv.create({'name': 'r'}, auth), 201)
            ok(srv.get('/v1/Nope', auth), 404)
            ok(srv.get(LIST, headers={
                'Authorization': basic(*auth),
                'Proxy-Authorization': basic(*auth)}), 200)
            ok(raw_http(srv, ['GET /v1/Assistants HTTP/1.1', 'Host: h',
                              'authorization: ' + basic(*auth),
                              'X-Other: 1']), 200)
        add_fault(srv, {'path': '/v1/Assistants/*', 'times': 0,
                        'error': {'status': 500}}, (CUST, CUST_TOKEN))
        srv.fetch('aia_asst_c-1', (CUST, CUST_TOKEN))
        for scope in [None] + auths:
            for method, p in (('GET', '/__admin/requests'),
                              ('GET', '/__admin/requests/count'),
                              ('GET', '/__admin/requests?path=*'),
                              ('GET', '/__admin/faults'),
                              ('GET', '/__admin/clock'),
                              ('GET', '/__admin/export')):
                ok(adm(srv, method, p, auth=scope), 200, p)
        g = journal(srv)['requests']
        self.assertGreater(len(g), 20)
        for e in g:
            self.assertFalse([k for k in e['headers'] if k.lower() in
                              ('authorization', 'proxy-authorization')], e)
        out = '\n'.join(srv.stdout_lines() + [srv.stderr_text()])
        self.assertEqual(find_secrets(out), [])


# ---------------------------------------------------------------------------
# Fault rules


class Faults(AdminCase):

    @classmethod
    def setUpClass(cls):
        cls.srv = cls.class_server()
        cls.a_ids = [a['id'] for a in cls.srv.list_all(AUTH_A)]

    def setUp(self):
        reset(self.srv)

    def post_rule(self, rule, auth=None):
        r = adm(self.srv, 'POST', '/__admin/faults', rule, auth=auth)
        self.assert_json(r, 201)
        return r

    def test_rule_bodies(self):
        srv = self.srv
        r1 = self.post_rule({'method': 'get', 'path': '/v1/Assistants*',
                             'skip': 1, 'times': 2,
                             'error': {'status': 429, 'code': 20429,
                                       'message': 'Too Many Requests',
                                       'retry_after': 1}})
        b1 = r1.ordered()
        self.assertRegex(b1[0][1], RULE_ID_RE)
        self.assertEqual(b1, [
            ('id', b1[0][1]), ('account_sid', None), ('method', 'GET'),
            ('path', '/v1/Assistants*'), ('skip', 1), ('times', 2),
            ('hits', 0), ('error', [('status', 429), ('code', 20429),
                                    ('message', 'Too Many Requests'),
                                    ('retry_after', 1)])])
        r2 = self.post_rule({'drop': True}, AUTH_A)
        b2 = r2.ordered()
        self.assertEqual(b2, [
            ('id', b2[0][1]), ('account_sid', ALICE), ('method', None),
            ('path', '*'), ('skip', 0), ('times', 1), ('hits', 0),
            ('drop', True)])
        r3 = self.post_rule({'delay_ms': 250, 'method': 'Patch',
                             'path': '/nothing', 'times': 0}, AUTH_K)
        b3 = r3.ordered()
        self.assertEqual(b3, [
            ('id', b3[0][1]), ('account_sid', ALICE), ('method', 'PATCH'),
            ('path', '/nothing'), ('skip', 0), ('times', 0), ('hits', 0),
            ('delay_ms', 250)])
        r4 = self.post_rule({'path': '/nothing',
                             'error': {'status': 503, 'code': 12345,
                                       'message': 'Down'}}, AUTH_B)
        b4 = r4.ordered()
        self.assertEqual(b4, [
            ('id', b4[0][1]), ('account_sid', BOB), ('method', None),
            ('path', '/nothing'), ('skip', 0), ('times', 1), ('hits', 0),
            ('error', [('status', 503), ('code', 12345),
                       ('message', 'Down')])])
        ids = [b[0][1] for b in (b1, b2, b3, b4)]
        for i in ids:
            self.assertRegex(i, RULE_ID_RE)
        self.assertEqual(len(set(ids)), 4)
        # listed in creation order, the same bodies
        r = adm(srv, 'GET', '/__admin/faults')
        self.assert_json(r)
        self.assertEqual(r.body, b'{"faults":[' + b','.join(
            x.body for x in (r1, r2, r3, r4)) + b']}')
        self.assertEqual([f['id'] for f in faults(srv, AUTH_A)], ids[1:3])
        self.assertEqual([f['id'] for f in faults(srv, AUTH_B)], ids[3:])

    def test_error_default_codes(self):
        srv = self.srv
        for status, code, message in ((429, 20429, 'Too Many Requests'),
                                      (500, 20500, 'Internal Server Error'),
                                      (503, 20503, 'Service Unavailable'),
                                      (404, 20404, None), (401, 20003, None)):
            e = add_fault(srv, {'path': '/nothing',
                                'error': {'status': status}})['error']
            self.assertEqual((e['status'], e['code']), (status, code), e)
            if message is not None:
                self.assertEqual(e['message'], message)
            self.assertEqual(list(e), ['status', 'code', 'message'])

    def test_error_default_codes_of_other_statuses(self):
        # ISSUE10-BEHAVIOUR: "else 20001/20500" (4xx: 20001, 5xx: 20500)
        srv = self.srv
        got = {}
        for status in (400, 403, 418, 502, 504):
            got[status] = add_fault(srv, {'path': '/nothing', 'error': {
                'status': status}})['error']['code']
        self.assertEqual(got, {400: 20001, 403: 20001, 418: 20001,
                               502: 20500, 504: 20500})

    def test_error_rule_with_retry_after(self):
        srv = self.srv
        add_fault(srv, {'method': 'GET', 'path': LIST, 'times': 2,
                        'error': {'status': 429, 'retry_after': 7}})
        normal = ok(srv.get(LIST + '/' + self.a_ids[0], AUTH_A), 200)
        for _ in range(2):
            r = srv.get(LIST, AUTH_A)
            self.assert_error(r, 429, 20429, 'Too Many Requests')
            self.assertEqual(r.header_all('Retry-After'), ['7'])
            self.assert_standard_headers(r)
        r = srv.get(LIST, AUTH_A)
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.header('Retry-After'))
        self.assertEqual(normal.status, 200)
        self.assertEqual(faults(srv)[0]['hits'], 2)
        self.assertEqual([e['status'] for e in journal(srv)['requests']],
                         [200, 429, 429, 200])
        # custom code and message, no Retry-After without retry_after
        add_fault(srv, {'error': {'status': 503, 'code': 30001,
                                  'message': 'Down for maintenance'}})
        r = srv.create({'name': 'x'}, AUTH_B)
        self.assert_error(r, 503, 30001, 'Down for maintenance')
        self.assertIsNone(r.header('Retry-After'))
        self.assertEqual(len(srv.list_all(AUTH_B)), BOB_N)

    def test_skip_and_times_over_overlapping_rules(self):
        srv = self.srv
        r1 = add_fault(srv, {'path': LIST, 'skip': 1, 'times': 1,
                             'error': {'status': 500}})
        r2 = add_fault(srv, {'path': '/v1/*', 'times': 1,
                             'error': {'status': 503}})
        r3 = add_fault(srv, {'path': '*', 'skip': 1, 'times': 1,
                             'error': {'status': 429}})
        got = [srv.get(LIST, AUTH_A).status for _ in range(6)]
        # 1: r1 skips (counted, passed on), r2 takes it, r3 does not count
        # 2: r1 takes it; 3: r1, r2 used up, r3 skips it; 4: r3 takes it
        self.assertEqual(got, [503, 500, 200, 429, 200, 200])
        self.assertEqual([(f['id'], f['hits']) for f in faults(srv)],
                         [(r1['id'], 1), (r2['id'], 1), (r3['id'], 1)])

    def test_skip_then_times(self):
        srv = self.srv
        add_fault(srv, {'path': LIST, 'skip': 3, 'times': 2,
                        'error': {'status': 500}})
        got = [srv.get(LIST, AUTH_A).status for _ in range(7)]
        self.assertEqual(got, [200, 200, 200, 500, 500, 200, 200])
        self.assertEqual(faults(srv)[0]['hits'], 2)

    def test_times_0_is_forever(self):
        srv = self.srv
        rule = add_fault(srv, {'times': 0, 'error': {'status': 500}})
        got = [srv.get(LIST, AUTH_A).status for _ in range(25)]
        self.assertEqual(got, [500] * 25)
        self.assertEqual(faults(srv)[0]['hits'], 25)
        path = '/__admin/faults/' + rule['id']
        self.assert_204(adm(srv, 'DELETE', path))
        self.assertEqual(srv.get(LIST, AUTH_A).status, 200)
        self.assert_error(adm(srv, 'DELETE', path), 404, 20404,
                          not_found(path))

    def test_method_filter(self):
        srv = self.srv
        rule = add_fault(srv, {'method': 'post', 'times': 1,
                               'error': {'status': 500}})
        self.assertEqual(rule['method'], 'POST')
        self.assertEqual(srv.get(LIST, AUTH_A).status, 200)
        self.assertEqual(srv.update(self.a_ids[0], {}, AUTH_A).status, 200)
        self.assertEqual(srv.head(LIST, AUTH_A).status, 200)
        self.assert_error(srv.create({'name': 'x'}, AUTH_A), 500, 20500,
                          'Internal Server Error')
        self.assertEqual(len(srv.list_all(AUTH_A)), ALICE_N)
        self.assertEqual(srv.create({'name': 'x'}, AUTH_A).status, 201)
        for m in ('DELETE', 'PUT', 'GET', 'HEAD'):
            reset(srv)
            add_fault(srv, {'method': m.lower(), 'error': {'status': 503}})
            got = [srv.get(LIST, AUTH_A).status,
                   srv.head(LIST, AUTH_A).status,
                   srv.update(self.a_ids[0], {}, AUTH_A).status,
                   srv.remove(self.a_ids[1], AUTH_A).status]
            want = {'DELETE': [200, 200, 200, 503],
                    'PUT': [200, 200, 503, 204],
                    'GET': [503, 200, 200, 204],
                    'HEAD': [200, 503, 200, 204]}[m]
            self.assertEqual(got, want, m)

    def test_path_glob(self):
        srv = self.srv
        add_fault(srv, {'path': LIST + '/*', 'times': 0,
                        'error': {'status': 404, 'message': 'nope'}})
        self.assertEqual(srv.get(LIST, AUTH_A).status, 200)
        self.assertEqual(srv.create({'name': 'x'}, AUTH_A).status, 201)
        for r in (srv.fetch(self.a_ids[0], AUTH_A),
                  srv.update(self.a_ids[0], {'name': 'y'}, AUTH_A),
                  srv.remove(self.a_ids[0], AUTH_A)):
            self.assert_error(r, 404, 20404, 'nope')
        reset(srv)
        add_fault(srv, {'path': LIST, 'times': 0, 'error': {'status': 500}})
        self.assertEqual(srv.get(LIST, AUTH_A).status, 500)
        self.assertEqual(srv.get(LIST + '?PageSize=3', AUTH_A).status, 500)
        self.assertEqual(srv.fetch(self.a_ids[0], AUTH_A).status, 200)
        reset(srv)
        add_fault(srv, {'path': '*' + self.a_ids[2][-12:], 'times': 0,
                        'error': {'status': 500}})
        self.assertEqual(srv.fetch(self.a_ids[2], AUTH_A).status, 500)
        self.assertEqual(srv.fetch(self.a_ids[3], AUTH_A).status, 200)

    def test_not_applied_before_auth_nor_to_admin(self):
        srv = self.srv
        add_fault(srv, {'times': 0, 'error': {'status': 500}})
        self.assertEqual(srv.get('/healthz').status, 200)
        self.assertEqual(srv.get('/readyz').status, 200)
        self.assertEqual(srv.options(LIST).status, 204)
        self.assertEqual(srv.get(LIST, (ALICE, 'wrong')).status, 401)
        self.assertEqual(srv.request('PATCH', LIST, AUTH_A).status, 405)
        self.assertEqual(srv.get('/v1/Nope', AUTH_A).status, 404)
        for p in ('/__admin/requests', '/__admin/faults', '/__admin/clock',
                  '/__admin/export', '/__admin/requests/count'):
            self.assertEqual(adm(srv, 'GET', p, auth=AUTH_A).status, 200)
        self.assertEqual(srv.get(LIST, AUTH_A).status, 500)
        self.assertEqual(faults(srv)[0]['hits'], 1)

    def test_exactly_times_hits_among_32_clients(self):
        srv = self.srv
        N_CLIENTS, N_REQUESTS = 32, 200
        for skip, times in ((0, 37), (50, 20)):
            reset(srv)
            rule = add_fault(srv, {'method': 'GET', 'path': LIST,
                                   'skip': skip, 'times': times,
                                   'error': {'status': 429}})
            left = [N_REQUESTS]
            statuses = []
            errors = []
            lock = threading.Lock()
            go = threading.Barrier(N_CLIENTS)

            def client():
                c = Conn(srv, AUTH_A)
                try:
                    go.wait(10)
                    while True:
                        with lock:
                            if left[0] == 0:
                                return
                            left[0] -= 1
                        r = c.request('GET', LIST + '?PageSize=1')
                        with lock:
                            statuses.append(r.status)
                except Exception as e:
                    with lock:
                        errors.append(repr(e))
                finally:
                    c.close()

            threads = [threading.Thread(target=client, daemon=True)
                       for _ in range(N_CLIENTS)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            self.assertEqual(errors, [])
            self.assertEqual(len(statuses), N_REQUESTS)
            self.assertEqual(statuses.count(429), times, (skip, times))
            self.assertEqual(statuses.count(200), N_REQUESTS - times)
            got = [f for f in faults(srv) if f['id'] == rule['id']]
            self.assertEqual(got[0]['hits'], times)
            self.assertEqual(journal_count(srv, AUTH_A, {'status': 429}),
                             times)

    def test_delay(self):
        srv = self.srv
        normal = ok(srv.get(LIST + '?PageSize=3', AUTH_A), 200)
        add_fault(srv, {'path': LIST, 'delay_ms': 400})
        t0 = time.monotonic()
        r = srv.get(LIST + '?PageSize=3', AUTH_A)
        dt = time.monotonic() - t0
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body, normal.body)
        self.assertGreaterEqual(dt, 0.4)
        self.assertEqual(faults(srv)[0]['hits'], 1)
        # a create after a delay creates
        add_fault(srv, {'method': 'POST', 'delay_ms': 200})
        t0 = time.monotonic()
        r = srv.create({'name': 'slow'}, AUTH_A)
        self.assertGreaterEqual(time.monotonic() - t0, 0.2)
        self.assertEqual(r.status, 201)
        self.assertEqual(srv.fetch(r.json()['id'], AUTH_A).status, 200)

    def test_drop(self):
        srv = self.srv
        add_fault(srv, {'path': LIST, 'drop': True})
        req = ('GET /v1/Assistants HTTP/1.1\r\nHost: x\r\nAuthorization: '
               '%s\r\n\r\n' % basic(*AUTH_A)).encode()
        data = b''
        with socket.create_connection((srv.host, srv.port), timeout=10) as s:
            s.sendall(req)
            try:
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    data += chunk
            except ConnectionResetError:
                pass
        self.assertEqual(data, b'')
        # the server keeps serving
        r = srv.get(LIST, AUTH_A)
        self.assertEqual(r.status, 200)
        es = journal(srv, AUTH_A)['requests']
        self.assertEqual([(e['status'], e['route'], e['account_sid'])
                          for e in es],
                         [(None, LIST, ALICE), (200, LIST, ALICE)])
        self.assertEqual(es[1]['request_id'], rid(r))
        self.assertEqual(faults(srv)[0]['hits'], 1)
        self.assertEqual(journal_count(srv, AUTH_A, {'status': 200}), 1)
        # a dropped create with a body: no answer, nothing created
        add_fault(srv, {'method': 'POST', 'drop': True})
        body = b'{"name":"dropped"}'
        req = ('POST /v1/Assistants HTTP/1.1\r\nHost: x\r\nAuthorization: '
               '%s\r\nContent-Type: application/json\r\nContent-Length: %d'
               '\r\n\r\n' % (basic(*AUTH_B), len(body))).encode() + body
        data = b''
        with socket.create_connection((srv.host, srv.port), timeout=10) as s:
            try:
                s.sendall(req)
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    data += chunk
            except (ConnectionResetError, BrokenPipeError):
                pass
        self.assertEqual(data, b'')
        self.assertEqual(len(srv.list_all(AUTH_B)), BOB_N)

    def test_validation_errors(self):
        srv = self.srv
        cases = [
            ({}, 'Missing required parameter error'),
            ({'path': '/x', 'times': 3}, 'Missing required parameter error'),
            ({'error': {'status': 429}, 'drop': True},
             'Invalid parameter drop'),
            ({'error': {'status': 429}, 'delay_ms': 5, 'drop': True},
             'Invalid parameter drop'),
            ({'delay_ms': 5, 'drop': True}, 'Invalid parameter drop'),
            ({'error': {}}, 'Missing required parameter error.status'),
            ({'error': {'code': 20429}},
             'Missing required parameter error.status'),
            ({'error': {'status': 99}}, 'Invalid parameter error.status'),
            ({'error': {'status': 600}}, 'Invalid parameter error.status'),
            ({'error': {'status': '429'}}, 'Invalid parameter error.status'),
            ({'error': {'status': 429.5}}, 'Invalid parameter error.status'),
            # null is absent, as in every request body
            ({'error': {'status': None}},
             'Missing required parameter error.status'),
            ({'error': {'status': 429, 'code': 'x'}},
             'Invalid parameter error.code'),
            ({'error': {'status': 429, 'message': 5}},
             'Invalid parameter error.message'),
            ({'error': {'status': 429, 'retry_after': '1'}},
             'Invalid parameter error.retry_after'),
            ({'error': {'status': 429, 'extra': 1}},
             'Invalid parameter error.extra'),
            ({'error': 429}, 'Invalid parameter error'),
            ({'error': [429]}, 'Invalid parameter error'),
            ({'method': 'FOO', 'drop': True}, 'Invalid parameter method'),
            ({'method': 'CONNECT', 'drop': True}, 'Invalid parameter method'),
            ({'method': 5, 'drop': True}, 'Invalid parameter method'),
            ({'path': 5, 'drop': True}, 'Invalid parameter path'),
            ({'unknown': 1, 'drop': True}, 'Invalid parameter unknown'),
            ({'times': -1, 'drop': True}, 'Invalid parameter times'),
            ({'times': '1', 'drop': True}, 'Invalid parameter times'),
            ({'times': 1.5, 'drop': True}, 'Invalid parameter times'),
            ({'skip': -1, 'drop': True}, 'Invalid parameter skip'),
            ({'skip': True, 'drop': True}, 'Invalid parameter skip'),
            ({'delay_ms': 60001}, 'Invalid parameter delay_ms'),
            ({'delay_ms': -1}, 'Invalid parameter delay_ms'),
            ({'delay_ms': '5'}, 'Invalid parameter delay_ms'),
            ({'drop': False}, 'Invalid parameter drop'),
            ({'drop': 1}, 'Invalid parameter drop'),
            (b'not json', 'Invalid JSON in request body'),
            (b'[]', 'Invalid JSON in request body'),
            (b'{"drop":true,"drop":true}', 'Invalid JSON in request body'),
        ]
        wrong = []
        for auth in (None, AUTH_A):
            for body, message in cases:
                r = adm(srv, 'POST', '/__admin/faults', body, auth=auth)
                try:
                    self.assert_error(r, 400, 20001, message)
                except AssertionError:
                    wrong.append((body, message, r.status, r.body[:120]))
        self.assertEqual(wrong, [], '%d of %d wrong'
                         % (len(wrong), 2 * len(cases)))
        self.assertEqual(faults(srv), [])
        # the limits themselves are fine
        for rule in ({'delay_ms': 60000, 'path': '/nothing'},
                     {'delay_ms': 0, 'path': '/nothing'},
                     {'error': {'status': 100}, 'path': '/nothing'},
                     {'error': {'status': 599}, 'path': '/nothing'},
                     {'method': 'options', 'drop': True, 'times': 0,
                      'skip': 0, 'path': '/nothing'}):
            add_fault(srv, rule)
        self.assertEqual(len(faults(srv)), 5)

    def test_delete_one_and_all(self):
        srv = self.srv
        a = add_fault(srv, {'path': '/a', 'drop': True}, AUTH_A)
        b = add_fault(srv, {'path': '/b', 'drop': True}, AUTH_B)
        g = add_fault(srv, {'path': '/g', 'drop': True})
        for path, auth in (('/__admin/faults/' + a['id'], AUTH_B),
                           ('/__admin/faults/' + b['id'], AUTH_A),
                           ('/__admin/faults/FR' + '0' * 32, None),
                           ('/__admin/faults/nope', None),
                           ('/__admin/faults/FR' + '0' * 32, AUTH_A)):
            self.assert_error(adm(srv, 'DELETE', path, auth=auth), 404,
                              20404, not_found(path))
        self.assertEqual(len(faults(srv)), 3)
        self.assert_204(adm(srv, 'DELETE', '/__admin/faults/' + a['id'],
                            auth=AUTH_K))
        self.assertEqual([f['id'] for f in faults(srv)], [b['id'], g['id']])
        self.assert_204(adm(srv, 'DELETE', '/__admin/faults/' + b['id']))
        self.assertEqual([f['id'] for f in faults(srv)], [g['id']])
        add_fault(srv, {'path': '/b2', 'drop': True}, AUTH_B)
        self.assert_204(adm(srv, 'DELETE', '/__admin/faults'))
        self.assertEqual(faults(srv), [])
        self.assertEqual(faults(srv, AUTH_B), [])

    def test_5xx_hits_logged_to_stderr_once_each(self):
        srv = self.srv
        r5 = add_fault(srv, {'path': LIST, 'times': 3,
                             'error': {'status': 502}})
        r4 = add_fault(srv, {'path': LIST, 'times': 2,
                             'error': {'status': 429}})
        got = [srv.get(LIST, AUTH_A).status for _ in range(6)]
        self.assertEqual(got, [502, 502, 502, 429, 429, 200])
        deadline = time.monotonic() + 3
        while True:
            err = srv.stderr_text().splitlines()
            n = len([l for l in err if r5['id'] in l])
            if n >= 3 or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        self.assertEqual(n, 3, err[-10:])
        self.assertEqual([l for l in err if r4['id'] in l], [])


class BuiltinRules(AdminCase):
    """--rate-limit and --inject-store-fault are fault rules."""

    def test_listed(self):
        srv = self.start_server(['--rate-limit', '50',
                                 '--inject-store-fault', '4', '--quiet'])
        fs = faults(srv)
        self.assertEqual(len(fs), 2, fs)
        by = {f['error']['status']: f for f in fs}
        self.assertEqual(sorted(by), [429, 500])
        for f in fs:
            self.assertRegex(f['id'], RULE_ID_RE)
            self.assertIsNone(f['account_sid'])
            self.assertEqual(f['hits'], 0)
        self.assertEqual(by[429]['error']['code'], 20429)
        self.assertEqual(by[500]['error']['code'], 20500)
        self.assertEqual((by[500]['method'], by[500]['path']), ('GET', LIST))
        # account credentials and the admin DELETE leave them alone
        self.assert_204(adm(srv, 'DELETE', '/__admin/faults', auth=AUTH_A))
        self.assert_204(reset(srv))
        self.assertEqual(faults(srv), fs)

    def test_inject_store_fault_counts_restart_on_reset(self):
        srv = self.start_server(['--inject-store-fault', '3', '--quiet'])
        got = [srv.get(LIST, AUTH_A).status for _ in range(6)]
        self.assertEqual(got, [200, 200, 500, 200, 200, 500])
        self.assertEqual(faults(srv)[0]['hits'], 2)
        self.assert_204(reset(srv))
        fs = faults(srv)
        self.assertEqual(len(fs), 1)
        self.assertEqual(fs[0]['hits'], 0)
        got = [srv.get(LIST, AUTH_A).status for _ in range(3)]
        self.assertEqual(got, [200, 200, 500])

    def test_rate_limit(self):
        srv = self.start_server(['--rate-limit', '3', '--quiet'])
        fs = faults(srv)
        self.assertEqual([(f['error']['status'], f['error']['code'])
                          for f in fs], [(429, 20429)])
        c = Conn(srv, AUTH_A)
        try:
            got = [c.request('GET', LIST + '?PageSize=1').status
                   for _ in range(20)]
        finally:
            c.close()
        self.assertIn(429, got)
        self.assertEqual(got[:3], [200, 200, 200])


# ---------------------------------------------------------------------------
# Clock and seed


class Clock(AdminCase):

    @classmethod
    def setUpClass(cls):
        cls.srv = cls.class_server(['--clock', CLOCK, '--quiet'])

    def setUp(self):
        reset(self.srv)
        ok(adm(self.srv, 'POST', '/__admin/clock', {'now': CLOCK}), 200)

    def clock(self, obj=None, auth=None):
        r = adm(self.srv, 'POST' if obj is not None else 'GET',
                '/__admin/clock', obj, auth=auth)
        self.assert_json(r)
        self.assertEqual([k for k, _ in r.ordered()], ['now', 'frozen'])
        return r

    def test_frozen_dates(self):
        srv = self.srv
        self.assertEqual(self.clock().body,
                         b'{"now":"2025-01-01T00:00:00Z","frozen":true}')
        a = ok(srv.create({'name': 'c'}, AUTH_A), 201).json()
        self.assertEqual((a['date_created'], a['date_updated']),
                         (CLOCK, CLOCK))
        time.sleep(1.1)
        u = ok(srv.update(a['id'], {'name': 'd'}, AUTH_A), 200).json()
        self.assertEqual((u['date_created'], u['date_updated']),
                         (CLOCK, CLOCK))
        self.assertEqual(self.clock().body,
                         b'{"now":"2025-01-01T00:00:00Z","frozen":true}')
        for e in journal(srv)['requests']:
            self.assertEqual(e['time'], '2025-01-01T00:00:00.000Z')

    def test_set_and_advance(self):
        srv = self.srv
        r = self.clock({'now': '2030-06-15T12:30:45Z'})
        self.assertEqual(r.body,
                         b'{"now":"2030-06-15T12:30:45Z","frozen":true}')
        a = ok(srv.create({'name': 'c'}, AUTH_B), 201).json()
        self.assertEqual(a['date_created'], '2030-06-15T12:30:45Z')
        r = self.clock({'advance_seconds': 3600}, auth=AUTH_A)
        self.assertEqual(r.body,
                         b'{"now":"2030-06-15T13:30:45Z","frozen":true}')
        u = ok(srv.update(a['id'], {}, AUTH_B), 200).json()
        self.assertEqual((u['date_created'], u['date_updated']),
                         ('2030-06-15T12:30:45Z', '2030-06-15T13:30:45Z'))
        self.assertEqual(self.clock().body,
                         b'{"now":"2030-06-15T13:30:45Z","frozen":true}')
        self.assertEqual(self.clock({'advance_seconds': 0}).body,
                         b'{"now":"2030-06-15T13:30:45Z","frozen":true}')
        # the clock is the process's, whoever sets it
        self.assertEqual(self.clock(auth=AUTH_B).body,
                         b'{"now":"2030-06-15T13:30:45Z","frozen":true}')
        # a new assistant sorts after the older ones (date_created order)
        self.clock({'now': '2020-01-01T00:00:00Z'})
        old = ok(srv.create({'name': 'old'}, AUTH_B), 201).json()
        items = srv.list_all(AUTH_B)
        self.assertEqual(items[0]['id'], old['id'])

    def test_clock_errors(self):
        srv = self.srv
        cases = [({}, 'Missing required parameter now'),
                 ({'now': CLOCK, 'advance_seconds': 1},
                  'Invalid parameter advance_seconds'),
                 ({'now': 'bad'}, 'Invalid parameter now'),
                 ({'now': '2025-02-30T00:00:00Z'}, 'Invalid parameter now'),
                 ({'now': '2025-01-01 00:00:00'}, 'Invalid parameter now'),
                 ({'now': 5}, 'Invalid parameter now'),
                 ({'advance_seconds': 'x'},
                  'Invalid parameter advance_seconds'),
                 ({'advance_seconds': 1.5},
                  'Invalid parameter advance_seconds'),
                 (b'nope', 'Invalid JSON in request body')]
        for auth in (None, AUTH_A):
            for body, message in cases:
                r = adm(srv, 'POST', '/__admin/clock', body, auth=auth)
                self.assert_error(r, 400, 20001, message)
        self.assertEqual(self.clock().body,
                         b'{"now":"2025-01-01T00:00:00Z","frozen":true}')

    def test_running_clock(self):
        srv = self.start_server(['--quiet'])
        r = adm(srv, 'GET', '/__admin/clock')
        body = self.assert_json(r)
        self.assertFalse(body['frozen'])
        self.assertRegex(body['now'], DATE_RE)
        self.assertLess(abs(epoch(body['now']) - time.time()), 5)
        r = adm(srv, 'POST', '/__admin/clock', {'advance_seconds': 86400})
        body = self.assert_json(r)
        self.assertFalse(body['frozen'])
        self.assertLess(abs(epoch(body['now']) - time.time() - 86400), 5)
        a = ok(srv.create({'name': 'tomorrow'}, AUTH_A), 201).json()
        self.assertLess(abs(epoch(a['date_created']) - time.time() - 86400),
                        5)
        r = adm(srv, 'POST', '/__admin/clock', {'now': CLOCK})
        self.assertEqual(r.body, b'{"now":"2025-01-01T00:00:00Z",'
                                 b'"frozen":true}')

    def test_clock_from_the_environment(self):
        srv = self.start_server(['--quiet'], env={
            'ASSISTANTS_MOCK_CLOCK': '2026-02-03T04:05:06Z'})
        r = adm(srv, 'GET', '/__admin/clock')
        self.assertEqual(r.body, b'{"now":"2026-02-03T04:05:06Z",'
                                 b'"frozen":true}')
        a = ok(srv.create({'name': 'e'}, AUTH_A), 201).json()
        self.assertEqual(a['date_created'], '2026-02-03T04:05:06Z')


UUID7_MS_2025 = '%012x' % (epoch(CLOCK) * 1000)  # 01941f297c00


def id_ms(aid):
    """The 48-bit UUIDv7 time field of an assistant id, as 12 hex digits."""
    h = aid[len('aia_asst_'):].replace('-', '')
    return h[:12]


class Seed(AdminCase):
    """--seed with --clock: two runs of the same requests are identical."""

    def run_sequence(self, args, env=None):
        srv = self.start_server(['--quiet'] + list(args), env=env)
        h = {'Host': FIXED_HOST}
        out = []

        def note(label, r):
            out.append((label, r.status, r.body, rid(r)))
            return r

        a1 = note('create a1', srv.create({
            'name': 'one', 'owner': 'o', 'personality_prompt': 'p',
            'customer_ai': {'perception_engine_enabled': True,
                            'personalization_engine_enabled': False}},
            AUTH_A, h)).json()['id']
        a2 = note('create a2', srv.create({'name': 'two'}, AUTH_A, h)
                  ).json()['id']
        b1 = note('create b1', srv.create({'name': 'bob'}, AUTH_B, h)
                  ).json()['id']
        note('update a1', srv.update(a1, {'name': 'uno'}, AUTH_A, h))
        note('list a', srv.get(LIST + '?PageSize=200', AUTH_A, h))
        note('list a page', srv.get(LIST + '?PageSize=2', AUTH_A, h))
        note('fetch a2', srv.fetch(a2, AUTH_A, h))
        note('delete a2', srv.remove(a2, AUTH_A, h))
        note('fetch a2 again', srv.fetch(a2, AUTH_A, h))
        note('update b1', srv.update(b1, {'owner': 'b'}, AUTH_B, h))
        note('list b', srv.get(LIST, AUTH_B, h))
        note('unknown', srv.get('/v1/Nope', AUTH_A, h))
        note('401', srv.get(LIST, (ALICE, 'wrong'), h))
        note('fault', adm(srv, 'POST', '/__admin/faults',
                          {'path': '/nothing', 'drop': True}, headers=h))
        note('faults', adm(srv, 'GET', '/__admin/faults', headers=h))
        note('create a3', srv.create({'name': 'three'}, AUTH_A, h))
        note('export', adm(srv, 'GET', '/__admin/export', headers=h))
        note('clock', adm(srv, 'GET', '/__admin/clock', headers=h))
        j = journal(srv)['requests']
        for e in j:
            e.pop('duration_ms')
        out.append(('journal', None, json.dumps(j).encode(), None))
        srv.kill()
        return out, (a1, a2, b1)

    def test_two_runs_byte_identical_and_another_seed_differs(self):
        args = ['--seed', '42', '--clock', CLOCK]
        run1, ids1 = self.run_sequence(args)
        run2, ids2 = self.run_sequence(args)
        self.assertEqual(len(run1), len(run2))
        for x, y in zip(run1, run2):
            self.assertEqual(x, y, x[0])
        self.assertEqual(ids1, ids2)
        for aid in ids1:
            self.assertRegex(aid, harness.ASSISTANT_ID_RE)
            self.assertEqual(id_ms(aid), UUID7_MS_2025, aid)
        self.assertLess(ids1[0], ids1[1])
        self.assertLess(ids1[1], ids1[2])
        self.assertEqual([x[1] for x in run1[:13]],
                         [201, 201, 201, 200, 200, 200, 200, 204, 404, 200,
                          200, 404, 401])
        # the environment does the same
        run_env, _ = self.run_sequence([], env={
            'ASSISTANTS_MOCK_SEED': '42', 'ASSISTANTS_MOCK_CLOCK': CLOCK})
        self.assertEqual(run_env, run1)
        # another seed: other ids and request ids, the same statuses
        run3, ids3 = self.run_sequence(['--seed', '43', '--clock', CLOCK])
        self.assertEqual([x[1] for x in run3], [x[1] for x in run1])
        for aid, other in zip(ids3, ids1):
            self.assertNotEqual(aid, other)
            self.assertRegex(aid, harness.ASSISTANT_ID_RE)
        rids1 = [x[3] for x in run1 if x[3]]
        rids3 = [x[3] for x in run3 if x[3]]
        self.assertEqual(set(rids1) & set(rids3), set())
        self.assertNotEqual(run3[13][2], run1[13][2])  # the fault rule id

    def test_seed_without_clock(self):
        srv = self.start_server(['--seed', '7', '--quiet'])
        a = ok(srv.create({'name': 's'}, AUTH_A), 201).json()
        self.assertEqual(id_ms(a['id']), UUID7_MS_2025, a['id'])
        self.assertLess(abs(epoch(a['date_created']) - time.time()), 5)
        b = ok(srv.create({'name': 't'}, AUTH_A), 201).json()
        self.assertLess(a['id'], b['id'])


# ---------------------------------------------------------------------------
# Export


class Export(AdminCase):

    @classmethod
    def setUpClass(cls):
        cls.srv = cls.class_server(['--quiet'])

    def export(self, srv, auth=None):
        r = adm(srv, 'GET', '/__admin/export', auth=auth)
        self.assert_json(r)
        return r.body

    def pages(self, srv):
        return {'a': raw_pages(srv, AUTH_A, host=FIXED_HOST),
                'a7': raw_pages(srv, AUTH_A, 7, host=FIXED_HOST),
                'b': raw_pages(srv, AUTH_B, host=FIXED_HOST),
                'b5': raw_pages(srv, AUTH_B, 5, host=FIXED_HOST)}

    def test_export_and_reload(self):
        srv = self.srv
        reset(srv)
        a_ids = [a['id'] for a in srv.list_all(AUTH_A)]
        b_ids = [a['id'] for a in srv.list_all(AUTH_B)]
        seg = 'seg-Wr1te-Key-%08x' % random.getrandbits(32)
        ok(srv.create({'name': 'exported', 'owner': 'me',
                       'personality_prompt': 'Ünï "q" \\ \n',
                       'customer_ai': {'perception_engine_enabled': True,
                                       'personalization_engine_enabled': True},
                       'segment_credential': {'write_key': seg,
                                              'space_id': seg + 's'}},
                      AUTH_A), 201)
        ok(srv.update(a_ids[0], {'name': 'changed'}, AUTH_A), 200)
        ok(srv.remove(a_ids[1], AUTH_A), 204)
        ok(srv.create({'name': 'bob exported'}, AUTH_B), 201)
        ok(srv.remove(b_ids[0], AUTH_B), 204)
        everything = self.export(srv)
        mine = self.export(srv, AUTH_A)
        self.assertEqual(self.export(srv, AUTH_K), mine)
        bobs = self.export(srv, AUTH_B)
        for body in (everything, mine, bobs):
            self.assertNotIn(seg.encode(), body)
            self.assertEqual(find_secrets(body), [])
            self.assertNotIn(b'segment_credential', body)
            self.assertNotIn(b'auth_token', body)
            # every section, in order; no record has its derived url (a
            # tool's meta may hold a "url" of its own)
            top = harness.keys_in_order(body.decode())
            self.assertEqual([k for k, _ in top], EXPORT_SECTIONS)
            for section, records in top:
                for rec in records:
                    with self.subTest(section=section, record=rec):
                        self.assertNotIn('url', [k for k, _ in rec])
        # the shape
        top = dict(harness.keys_in_order(everything.decode()))
        self.assertEqual(top['accounts'], [[('sid', ALICE)], [('sid', BOB)]])
        for item in top['assistants']:
            self.assertEqual([k for k, _ in item], EXPORT_ITEM_KEYS)
        listed = {ALICE: srv.list_all(AUTH_A), BOB: srv.list_all(AUTH_B)}
        exp = json.loads(everything)['assistants']
        for acct, items in listed.items():
            want = [{k: v for k, v in a.items() if k != 'url'}
                    for a in items]
            self.assertEqual([a for a in exp if a['account_sid'] == acct],
                             want, acct)
        self.assertEqual(len(exp), ALICE_N + BOB_N)
        every = json.loads(everything)
        # tools, knowledge and policies as the API lists them, without url
        for path, key in (('/v1/Tools', 'tools'),
                          ('/v1/Knowledge', 'knowledge'),
                          ('/v1/Policies', 'policies')):
            for acct, auth in ((ALICE, AUTH_A), (BOB, AUTH_B)):
                want = [{k: v for k, v in x.items() if k != 'url'}
                        for x in harness.list_items(srv, path, key, auth)]
                self.assertEqual([x for x in every[key]
                                  if x['account_sid'] == acct], want,
                                 (key, acct))
        self.assertTrue(all(every[k] for k in EXPORT_SECTIONS),
                        'the bundled fixtures seed every section')

        def of(acct):
            """Every section of everything, only acct's records."""
            out = {'accounts': [{'sid': acct}]}
            for k in EXPORT_SECTIONS[1:-2]:
                out[k] = [x for x in every[k] if x['account_sid'] == acct]
            assistants = {a['id'] for a in out['assistants']}
            policies = {p['id'] for p in out['policies']}
            out['attachments'] = [x for x in every['attachments']
                                  if x['assistant_id'] in assistants]
            out['policy_links'] = [x for x in every['policy_links']
                                   if x['policy_id'] in policies]
            return out
        self.assertEqual(json.loads(mine), of(ALICE))
        self.assertEqual(json.loads(bobs), of(BOB))
        orig = self.pages(srv)
        orig_fetch = srv.fetch(a_ids[0], AUTH_A, {'Host': FIXED_HOST}).body

        d = self.tmpdir()
        # one account, credentials from TWILIO_*
        path = os.path.join(d, 'alice.json')
        with open(path, 'wb') as f:
            f.write(mine)
        one = self.start_server(['--fixtures', path, '--quiet'], env={
            'TWILIO_ACCOUNT_SID': ALICE, 'TWILIO_AUTH_TOKEN': ALICE_TOKEN})
        self.assertEqual(self.export(one, AUTH_A), mine)
        self.assertEqual(self.export(one), mine)
        self.assertEqual(raw_pages(one, AUTH_A, host=FIXED_HOST), orig['a'])
        self.assertEqual(raw_pages(one, AUTH_A, 7, host=FIXED_HOST),
                         orig['a7'])
        self.assertEqual(one.fetch(a_ids[0], AUTH_A,
                                   {'Host': FIXED_HOST}).body, orig_fetch)
        self.assertEqual(one.get(LIST, AUTH_B).status, 401)
        one.kill()
        # both accounts, credentials from a credentials-only fixture file
        creds = harness.write_json(d, 'creds.json', {'accounts': [
            account(ALICE, ALICE_TOKEN, [(ALICE_KEY, ALICE_KEY_SECRET)]),
            account(BOB, BOB_TOKEN)]})
        path = os.path.join(d, 'all.json')
        with open(path, 'wb') as f:
            f.write(everything)
        both = self.start_server(['--fixtures', creds, '--fixtures', path,
                                  '--quiet'])
        self.assertEqual(self.export(both), everything)
        self.assertEqual(self.export(both, AUTH_A), mine)
        self.assertEqual(self.export(both, AUTH_B), bobs)
        self.assertEqual(self.pages(both), orig)
        self.assertEqual(raw_pages(both, AUTH_K, host=FIXED_HOST), orig['a'])
        # and a reset there restores the loaded state
        ok(both.create({'name': 'later'}, AUTH_A), 201)
        self.assert_204(reset(both))
        self.assertEqual(self.export(both), everything)
        both.kill()


# ---------------------------------------------------------------------------
# --log-format json


STARTUP_RE = re.compile(r'^(listening on http://\S+|account AC[0-9a-f]{32}: '
                        r'\d+ assistants|bundled fixtures: .*)$')


class LogFormat(AdminCase):

    def log_line(self, srv, request_id, timeout=5.0):
        """The JSON log object (ordered pairs) of request_id."""
        deadline = time.monotonic() + timeout
        while True:
            for line in srv.stdout_lines():
                if request_id in line:
                    return line
            if time.monotonic() > deadline:
                self.fail('no log line with %s: %r'
                          % (request_id, srv.stdout_lines()[-5:]))
            time.sleep(0.02)

    def check_json_log(self, srv):
        reqs = [
            ('GET', LIST + '?PageSize=2', AUTH_A, None),
            ('POST', LIST, AUTH_K, {'name': 'logged'}),
            ('GET', '/v1/Nope?x=1', AUTH_A, None),
            ('GET', LIST, (ALICE, 'wrong'), None),
            ('GET', '/healthz', None, None),
            ('HEAD', LIST, AUTH_B, None),
            ('GET', '/__admin/requests/count', None, None),
            ('GET', '/__admin/clock', AUTH_B, None),
        ]
        seen = []
        for method, path, auth, obj in reqs:
            if obj is not None:
                r = srv.send_json(method, path, obj, auth)
            else:
                r = srv.request(method, path, auth)
            seen.append((method, path, auth, r))
        # a request-target with characters JSON must escape
        r = srv.raw(b'GET /v1/Assistants?q="x\\y"&t=%09 HTTP/1.1\r\n'
                    b'Host: x\r\nAuthorization: ' + basic(*AUTH_A).encode() +
                    b'\r\nConnection: close\r\n\r\n')
        seen.append(('GET', None, AUTH_A, r))
        for method, path, auth, r in seen:
            line = self.log_line(srv, rid(r))
            pairs = harness.keys_in_order(line)
            self.assertEqual([k for k, _ in pairs], LOG_KEYS, line)
            o = dict(pairs)
            self.assertEqual(o['request_id'], rid(r))
            want_sid = None
            if r.status != 401 and auth is not None and path is not None \
                    and not path.startswith('/v1/Nope'):
                want_sid = BOB if auth == AUTH_B else ALICE
            if path is not None:
                self.assertEqual(o['path'], path)
                self.assertEqual(o['account_sid'], want_sid, line)
            self.assertEqual(o['method'], method)
            self.assertEqual(o['status'], r.status)
            for k in ('status', 'bytes', 'duration_us'):
                self.assertIsInstance(o[k], int, line)
                self.assertNotIsInstance(o[k], bool, line)
            self.assertGreaterEqual(o['duration_us'], 0)
            if method != 'HEAD':
                self.assertEqual(o['bytes'], len(r.body), line)
        # every line is a start-up line (printed once the server listens,
        # so a first request's line may come before some) or one JSON
        # object per request
        lines = srv.stdout_lines()
        n_json = 0
        for l in lines:
            if STARTUP_RE.match(l):
                continue
            try:
                pairs = harness.keys_in_order(l)
            except ValueError as e:
                self.fail('log line is not JSON (%s): %r; stdout %r'
                          % (e, l, lines))
            self.assertEqual([k for k, _ in pairs], LOG_KEYS, l)
            n_json += 1
        self.assertEqual(n_json, len(seen), lines)

    def test_json_flag(self):
        self.check_json_log(self.start_server(['--log-format', 'json']))

    def test_json_from_the_environment(self):
        self.check_json_log(self.start_server(
            env={'ASSISTANTS_MOCK_LOG_FORMAT': 'json'}))

    def test_text_is_the_default(self):
        for args in ([], ['--log-format', 'text']):
            srv = self.start_server(args)
            r = srv.get(LIST, AUTH_A)
            line = self.log_line(srv, rid(r))
            self.assertFalse(line.startswith('{'), line)
            self.assertIn('GET /v1/Assistants', line)

    def test_bad_value_exits_2(self):
        for args, env in ((['--log-format', 'xml'], None),
                          (['--log-format', ''], None),
                          (['--log-format'], None),
                          ([], {'ASSISTANTS_MOCK_LOG_FORMAT': 'yaml'})):
            p = harness.run_cli(['--port', '0'] + args, env=env)
            self.assertEqual(p.returncode, 2, (args, env, p.stderr))
            self.assertNotIn(b'listening on', p.stdout)
            self.assertTrue(p.stderr.strip(), (args, env))


# ---------------------------------------------------------------------------
# Last (unittest runs classes in name order): the servers' output


class ZzSecrets(AdminCase):

    def test_no_secret_in_any_server_output(self):
        self.assertGreater(_ADMIN_SEEN[0], 0)
        problems = []
        for srv in _SERVERS:
            for stream, lines in (('stdout', srv.stdout_lines()),
                                  ('stderr', srv.stderr_text().splitlines())):
                for line in lines:
                    found = find_secrets(line)
                    if line.startswith('bundled fixtures: '):
                        found = [s for s in found if s not in BUNDLED_PUBLIC]
                    if found:
                        problems.append((srv.args, stream, found, line[:200]))
        self.assertEqual(problems[:5], [], '%d lines with secrets'
                         % len(problems))
        print('\n    %d servers, %d admin answers searched'
              % (len(_SERVERS), _ADMIN_SEEN[0]), end=' ')


if __name__ == '__main__':
    harness.main()
