#!/usr/bin/env python3
"""Black-box tests of credentials, account isolation, the link base (Host
header, HTTP/1.0, --public-url), the environment forms of the flags,
concurrent paging and shutdown on SIGTERM/SIGINT.

Does not test the error table itself (test_errors.py) nor paging details
(test_paging.py).

Usage: python3 tests/blackbox/test_auth_links.py [--binary PATH]

SPDX-License-Identifier: MIT
"""

import http.client
import json
import random
import re
import signal
import socket
import threading
import time

import harness
from harness import account, assistant, sid

ACCT_A = sid('AC', 0xaa01)
TOKEN_A = 'links-token-a'
KEY_A = sid('SK', 0xaa01)
SECRET_A = 'links-key-secret-a'
KEY_A2 = sid('SK', 0xaa02)
SECRET_A2 = 'links-key-secret-a2'
ACCT_B = sid('AC', 0xbb02)
TOKEN_B = 'links-token-b'
KEY_B = sid('SK', 0xbb02)
SECRET_B = 'links-key-secret-b'

AUTH_A = (ACCT_A, TOKEN_A)
AUTH_B = (ACCT_B, TOKEN_B)

N_A = 23
N_B = 9
FIXED_URL = 'https://assistants.twilio.com/v1/Assistants/aia_asst_a-fixed'


def items_a():
    out = [assistant('aia_asst_a-%03d' % i, ACCT_A,
                     '2024-03-%02dT08:00:00Z' % (1 + i // 2))
           for i in range(N_A - 1)]
    out.append(assistant('aia_asst_a-fixed', ACCT_A, '2030-01-01T00:00:00Z',
                         url=FIXED_URL))
    return out


def items_b():
    # same dates as A's: interleaved in the store, never in a list
    return [assistant('aia_asst_b-%03d' % i, ACCT_B,
                      '2024-03-%02dT08:00:00Z' % (1 + i // 2))
            for i in range(N_B)]


def fixture():
    a, b = items_a(), items_b()
    mixed = [x for pair in zip(a, b) for x in pair] + a[len(b):]
    return {'accounts': [account(ACCT_A, TOKEN_A,
                                 [(KEY_A, SECRET_A), (KEY_A2, SECRET_A2)]),
                         account(ACCT_B, TOKEN_B, [(KEY_B, SECRET_B)])],
            'assistants': mixed}


EXPECTED_A = sorted(((a['date_created'], a['id']) for a in items_a()))
EXPECTED_A = [i for _, i in EXPECTED_A]
EXPECTED_B = [i for _, i in sorted((b['date_created'], b['id'])
                                   for b in items_b())]


def all_links(body):
    m = body['meta']
    return [m['first_page_url'], m['url'], m['previous_page_url'],
            m['next_page_url']] + [a['url'] for a in body['assistants']]


class Auth(harness.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.path = harness.write_json(cls.class_tmpdir(), 'links.json',
                                      fixture())
        cls.srv = cls.class_server(['--fixtures', cls.path, '--quiet'])

    def walk(self, auth, n):
        r = self.srv.get('/v1/Assistants?PageSize=%d' % n, auth=auth)
        bodies = []
        while True:
            self.assertEqual(r.status, 200, r)
            body = r.json()
            bodies.append(body)
            nxt = body['meta']['next_page_url']
            if nxt is None:
                return bodies
            self.assertLess(len(bodies), 100)
            r = self.srv.get_url(nxt, auth=auth)

    def ids(self, bodies):
        return [a['id'] for b in bodies for a in b['assistants']]

    def test_isolation(self):
        for n in (1, 4, 50):
            with self.subTest(page_size=n):
                a = self.walk(AUTH_A, n)
                b = self.walk(AUTH_B, n)
                self.assertEqual(self.ids(a), EXPECTED_A)
                self.assertEqual(self.ids(b), EXPECTED_B)
                for body in a:
                    for item in body['assistants']:
                        self.assertEqual(item['account_sid'], ACCT_A)
                for body in b:
                    for item in body['assistants']:
                        self.assertEqual(item['account_sid'], ACCT_B)

    def test_api_key_same_pages_as_token(self):
        for n in (1, 5, 50):
            with self.subTest(page_size=n):
                by_token = self.walk(AUTH_A, n)
                for key in ((KEY_A, SECRET_A), (KEY_A2, SECRET_A2)):
                    by_key = self.walk(key, n)
                    self.assertEqual(by_key, by_token)
                self.assertEqual(self.walk((KEY_B, SECRET_B), n),
                                 self.walk(AUTH_B, n))

    def test_mixed_credentials_rejected(self):
        bad = [(KEY_A, TOKEN_A), (ACCT_A, SECRET_A), (KEY_A, SECRET_A2),
               (KEY_A2, SECRET_A), (KEY_B, SECRET_A), (KEY_A, SECRET_B),
               (ACCT_B, TOKEN_A), (ACCT_A, TOKEN_B), (KEY_B, TOKEN_B)]
        for user, pw in bad:
            with self.subTest(user=user, password=pw):
                r = self.srv.get('/v1/Assistants', auth=(user, pw))
                self.assert_error(r, 401, 20003, 'Authenticate')

    def raw_auth(self, *values, name=b'Authorization'):
        """A GET with each of values as an Authorization field, in order."""
        fields = b''.join(name + b': ' + harness.basic(*v).encode() + b'\r\n'
                          for v in values)
        return harness.raw_request(
            self.srv.host, self.srv.port,
            b'GET /v1/Assistants?PageSize=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
            fields + b'Connection: close\r\n\r\n')

    def test_first_authorization_field_counts(self):
        """With two Authorization fields the first decides, whatever the
        second; the field name in any case."""
        bad = (ACCT_A, 'wrong')
        self.assertEqual(self.raw_auth(AUTH_A, bad).status, 200)
        self.assertEqual(self.raw_auth(AUTH_B, AUTH_A).status, 200)
        self.assertEqual(self.raw_auth(bad, AUTH_A).status, 401)
        for name in (b'authorization', b'AUTHORIZATION', b'aUtHoRiZaTiOn'):
            with self.subTest(name=name):
                self.assertEqual(self.raw_auth(AUTH_A, name=name).status,
                                 200)
        # Not the field: a longer or shorter name is no credential.
        for name in (b'Authorizations', b'Authorizatio', b'X-Authorization'):
            with self.subTest(name=name):
                self.assertEqual(self.raw_auth(AUTH_A, name=name).status,
                                 401)

    def test_token_usable_with_other_credential_of_same_account(self):
        r = self.srv.get('/v1/Assistants?PageSize=3', auth=AUTH_A)
        nxt = r.json()['meta']['next_page_url']
        by_token = self.srv.get_url(nxt, auth=AUTH_A)
        by_key = self.srv.get_url(nxt, auth=(KEY_A2, SECRET_A2))
        self.assertEqual(by_token.status, 200)
        self.assertEqual(by_key.body, by_token.body)
        r = self.srv.get_url(nxt, auth=(KEY_B, SECRET_B))
        self.assert_error(r, 400, 20001, 'Invalid PageToken.')

    # -- Host --

    def test_host_header_decides_base(self):
        for host in ('example.test:9999', 'localhost', 'localhost:8080',
                     '127.0.0.1:1', 'mock.local', 'a-b.c-d.example:65535',
                     '[::1]:8080', '[::1]', 'MiXeD.Example.TEST:80',
                     'x' * 250):
            with self.subTest(host=host):
                base = 'http://' + host
                r = self.srv.get('/v1/Assistants?PageSize=2', auth=AUTH_A,
                                 headers={'Host': host})
                self.assertEqual(r.status, 200, r)
                body = r.json()
                m = body['meta']
                self.assertEqual(m['first_page_url'],
                                 base + '/v1/Assistants?PageSize=2&Page=0')
                self.assertEqual(m['url'], m['first_page_url'])
                self.assertTrue(m['next_page_url'].startswith(
                    base + '/v1/Assistants?PageSize=2&Page=1&PageToken='),
                    m['next_page_url'])
                for item in body['assistants']:
                    self.assertEqual(item['url'], '%s/v1/Assistants/%s'
                                     % (base, item['id']))
                # following the link verbatim, same Host
                path = m['next_page_url'][len(base):]
                r2 = self.srv.get(path, auth=AUTH_A, headers={'Host': host})
                self.assertEqual(r2.status, 200, r2)
                m2 = r2.json()['meta']
                self.assertEqual(m2['url'], m['next_page_url'])
                self.assertTrue(m2['previous_page_url'].startswith(
                    base + '/v1/Assistants?PageSize=2&Page=0&PageToken='))

    def test_fixture_url_kept_whatever_host(self):
        r = self.srv.get('/v1/Assistants?PageSize=1000', auth=AUTH_A,
                         headers={'Host': 'example.test:9999'})
        last = r.json()['assistants'][-1]
        self.assertEqual(last['id'], 'aia_asst_a-fixed')
        self.assertEqual(last['url'], FIXED_URL)

    def test_invalid_host(self):
        for host in ('bad host', 'bad"host', "bad'host", 'bad/host',
                     'user@host', 'host@', 'a' * 300, 'a' * 256,
                     'host:port', 'host:80:80', 'host\\x', 'host<x>',
                     'host?x', 'host#x', 'ho%2Fst', 'host_name', '[::1',
                     'http://host', 'host,other', '*'):
            with self.subTest(host=host):
                req = ('GET /v1/Assistants HTTP/1.1\r\nHost: %s\r\n'
                       'Authorization: %s\r\nConnection: close\r\n\r\n'
                       % (host, harness.basic(*AUTH_A))).encode()
                r = self.srv.raw(req)
                self.assert_error(r, 400, 20001, 'Invalid Host header.')
                self.assert_standard_headers(r)

    def test_http10_without_host(self):
        for path in ('/v1/Assistants?PageSize=2', '/v1/Assistants'):
            with self.subTest(path=path):
                req = ('GET %s HTTP/1.0\r\nAuthorization: %s\r\n\r\n'
                       % (path, harness.basic(*AUTH_A))).encode()
                r = self.srv.raw(req)
                self.assertEqual(r.status, 200, r)
                body = r.json()
                for link in all_links(body):
                    if link is None or link == FIXED_URL:
                        continue
                    self.assertTrue(link.startswith(
                        'http://127.0.0.1:%d/v1/Assistants'
                        % self.srv.port), link)
                self.assertEqual(body['meta']['first_page_url'],
                                 'http://127.0.0.1:%d/v1/Assistants'
                                 '?PageSize=%d&Page=0'
                                 % (self.srv.port, 2 if '=' in path else 50))


class WildcardBind(harness.TestCase):

    def test_http10_without_host_on_wildcard_bind(self):
        path = harness.write_json(self.tmpdir(), 'links.json', fixture())
        srv = self.start_server(['--fixtures', path, '--quiet',
                                 '--bind', '0.0.0.0'])
        self.assertEqual(srv.addr, '0.0.0.0')
        req = ('GET /v1/Assistants?PageSize=2 HTTP/1.0\r\n'
               'Authorization: %s\r\n\r\n' % harness.basic(*AUTH_A)).encode()
        r = srv.raw(req)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()['meta']['url'],
                         'http://127.0.0.1:%d/v1/Assistants?PageSize=2&Page=0'
                         % srv.port)

    def test_bind_env(self):
        path = harness.write_json(self.tmpdir(), 'links.json', fixture())
        srv = self.start_server(['--fixtures', path, '--quiet'],
                                env={'ASSISTANTS_MOCK_BIND': '0.0.0.0',
                                     'ASSISTANTS_MOCK_THREADS': '2'})
        self.assertEqual(srv.addr, '0.0.0.0')
        self.assertEqual(srv.get('/v1/Assistants', auth=AUTH_A).status, 200)

    def test_ipv6_loopback(self):
        try:
            s = socket.socket(socket.AF_INET6)
            s.bind(('::1', 0))
            s.close()
        except OSError:
            self.skipTest('no IPv6 loopback')
        path = harness.write_json(self.tmpdir(), 'links.json', fixture())
        srv = self.start_server(['--fixtures', path, '--quiet',
                                 '--bind', '::1'])
        self.assertEqual(srv.addr, '[::1]')
        r = srv.get('/v1/Assistants?PageSize=2', auth=AUTH_A)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()['meta']['url'],
                         'http://[::1]:%d/v1/Assistants?PageSize=2&Page=0'
                         % srv.port)
        req = ('GET /v1/Assistants?PageSize=2 HTTP/1.0\r\n'
               'Authorization: %s\r\n\r\n' % harness.basic(*AUTH_A)).encode()
        r = srv.raw(req)
        self.assertEqual(r.json()['meta']['url'],
                         'http://[::1]:%d/v1/Assistants?PageSize=2&Page=0'
                         % srv.port)


class PublicUrl(harness.TestCase):

    def start(self, args=(), env=None):
        path = harness.write_json(self.tmpdir(), 'links.json', fixture())
        return self.start_server(['--fixtures', path, '--quiet'] + list(args),
                                 env=env)

    def check_base(self, srv, base, host=None):
        headers = {'Host': host} if host else {}
        r = srv.get('/v1/Assistants?PageSize=2', auth=AUTH_A,
                    headers=headers)
        self.assertEqual(r.status, 200, r)
        body = r.json()
        m = body['meta']
        self.assertEqual(m['first_page_url'],
                         base + '/v1/Assistants?PageSize=2&Page=0')
        self.assertEqual(m['url'], m['first_page_url'])
        self.assertRegex(m['next_page_url'],
                         '^' + re.escape(base) +
                         r'/v1/Assistants\?PageSize=2&Page=1'
                         r'&PageToken=[A-Za-z0-9_-]+$')
        for item in body['assistants']:
            self.assertEqual(item['url'], '%s/v1/Assistants/%s'
                             % (base, item['id']))
        # next link: previous also on the public base
        r = srv.get(m['next_page_url'][len(base):], auth=AUTH_A,
                    headers=headers)
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.json()['meta']['previous_page_url'].startswith(
            base + '/v1/Assistants?PageSize=2&Page=0&PageToken='))
        # the fixture's own url is still kept
        r = srv.get('/v1/Assistants?PageSize=1000', auth=AUTH_A,
                    headers=headers)
        self.assertEqual(r.json()['assistants'][-1]['url'], FIXED_URL)

    def test_public_url_overrides_host(self):
        srv = self.start(['--public-url', 'http://mock.example.com:1234'])
        for host in (None, 'example.test:9999', 'localhost'):
            with self.subTest(host=host):
                self.check_base(srv, 'http://mock.example.com:1234', host)
        req = ('GET /v1/Assistants?PageSize=2 HTTP/1.0\r\n'
               'Authorization: %s\r\n\r\n' % harness.basic(*AUTH_A)).encode()
        r = srv.raw(req)
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.json()['meta']['url'].startswith(
            'http://mock.example.com:1234/v1/Assistants?'))

    def test_public_url_trailing_slash(self):
        srv = self.start(['--public-url', 'http://mock.example.com:1234/'])
        self.check_base(srv, 'http://mock.example.com:1234', 'x.test')

    def test_public_url_https(self):
        srv = self.start(['--public-url', 'https://api.example.com'])
        self.check_base(srv, 'https://api.example.com', 'example.test:9999')

    def test_env_forms(self):
        d = self.tmpdir()
        fa = {'accounts': [account(ACCT_A, TOKEN_A)],
              'assistants': items_a()}
        fb = {'accounts': [account(ACCT_B, TOKEN_B)],
              'assistants': items_b()}
        pa = harness.write_json(d, 'a.json', fa)
        pb = harness.write_json(d, 'b.json', fb)
        srv = self.start_server(port_flag=False, env={
            'ASSISTANTS_MOCK_PORT': '0',
            'ASSISTANTS_MOCK_PUBLIC_URL': 'http://env.example.com:5678',
            'ASSISTANTS_MOCK_FIXTURES': pa + ':' + pb,
            'ASSISTANTS_MOCK_QUIET': '1'})
        self.assertNotEqual(srv.port, 8080)
        self.check_base(srv, 'http://env.example.com:5678', 'x.test:1')
        r = srv.get('/v1/Assistants?PageSize=1000', auth=AUTH_B)
        self.assertEqual(r.status, 200, r)
        self.assertEqual([a['id'] for a in r.json()['assistants']],
                         EXPECTED_B)

    def test_flag_wins_over_env(self):
        d = self.tmpdir()
        path = harness.write_json(d, 'links.json', fixture())
        srv = self.start_server(
            ['--fixtures', path, '--public-url', 'http://flag.example.com:1',
             '--quiet'],
            env={'ASSISTANTS_MOCK_PUBLIC_URL': 'http://env.example.com:2',
                 'ASSISTANTS_MOCK_FIXTURES': d + '/does-not-exist.json',
                 'ASSISTANTS_MOCK_PORT': '1'})
        self.check_base(srv, 'http://flag.example.com:1')


def env_fixture():
    """Assistants without account_sid: they belong to the env account."""
    return {'assistants': [
        assistant('aia_asst_env-%02d' % i, None,
                  '2024-07-%02dT00:00:00Z' % (i + 1)) for i in range(6)]}


class EnvCredentials(harness.TestCase):

    ENV = {'TWILIO_ACCOUNT_SID': sid('AC', 0xe1),
           'TWILIO_AUTH_TOKEN': 'env-auth-token',
           'TWILIO_API_KEY': sid('SK', 0xe1),
           'TWILIO_API_SECRET': 'env-api-secret'}

    def test_env_credentials(self):
        path = harness.write_json(self.tmpdir(), 'env.json', env_fixture())
        srv = self.start_server(['--fixtures', path, '--quiet'], env=self.ENV)
        acct = self.ENV['TWILIO_ACCOUNT_SID']
        for auth in ((acct, self.ENV['TWILIO_AUTH_TOKEN']),
                     (self.ENV['TWILIO_API_KEY'],
                      self.ENV['TWILIO_API_SECRET'])):
            with self.subTest(user=auth[0]):
                r = srv.get('/v1/Assistants?PageSize=4', auth=auth)
                self.assertEqual(r.status, 200, r)
                items = r.json()['assistants']
                self.assertEqual([a['id'] for a in items],
                                 ['aia_asst_env-%02d' % i for i in range(4)])
                for a in items:
                    self.assertEqual(a['account_sid'], acct)
        for auth in ((acct, 'wrong'), (self.ENV['TWILIO_API_KEY'],
                                       self.ENV['TWILIO_AUTH_TOKEN']),
                     (acct, self.ENV['TWILIO_API_SECRET'])):
            with self.subTest(bad=auth):
                r = srv.get('/v1/Assistants', auth=auth)
                self.assert_error(r, 401, 20003, 'Authenticate')
        self.assertIsNotNone(srv.wait_for_output(
            r'account %s: 6 assistants\b.*' % acct), srv.stdout_lines())

    def test_env_account_without_api_key(self):
        env = {k: v for k, v in self.ENV.items() if 'API' not in k}
        path = harness.write_json(self.tmpdir(), 'env.json', env_fixture())
        srv = self.start_server(['--fixtures', path, '--quiet'], env=env)
        r = srv.get('/v1/Assistants', auth=(env['TWILIO_ACCOUNT_SID'],
                                            env['TWILIO_AUTH_TOKEN']))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(len(r.json()['assistants']), 6)
        r = srv.get('/v1/Assistants', auth=(self.ENV['TWILIO_API_KEY'],
                                            self.ENV['TWILIO_API_SECRET']))
        self.assertEqual(r.status, 401)

    def test_env_account_next_to_fixture_accounts(self):
        f = fixture()
        f['assistants'] += env_fixture()['assistants']
        path = harness.write_json(self.tmpdir(), 'both.json', f)
        srv = self.start_server(['--fixtures', path, '--quiet'], env=self.ENV)
        r = srv.get('/v1/Assistants?PageSize=1000',
                    auth=(self.ENV['TWILIO_API_KEY'],
                          self.ENV['TWILIO_API_SECRET']))
        self.assertEqual(r.status, 200, r)
        self.assertEqual([a['id'] for a in r.json()['assistants']],
                         ['aia_asst_env-%02d' % i for i in range(6)])
        r = srv.get('/v1/Assistants?PageSize=1000', auth=AUTH_A)
        self.assertEqual([a['id'] for a in r.json()['assistants']],
                         EXPECTED_A)


class OddSecrets(harness.TestCase):

    def test_secrets_with_colons_and_unicode(self):
        acct = sid('AC', 0x0dd)
        key = sid('SK', 0x0dd)
        token = 'tok:with:colons'
        secret = 'sécret ✓:x'
        f = {'accounts': [account(acct, token, [(key, secret)])],
             'assistants': [assistant('aia_asst_odd', acct)]}
        path = harness.write_json(self.tmpdir(), 'odd.json', f)
        srv = self.start_server(['--fixtures', path, '--quiet'])
        for auth in ((acct, token), (key, secret)):
            with self.subTest(user=auth[0]):
                r = srv.get('/v1/Assistants', auth=auth)
                self.assertEqual(r.status, 200, r)
                self.assertEqual(r.json()['assistants'][0]['id'],
                                 'aia_asst_odd')
        for auth in ((acct, 'tok'), (acct, 'tok:with'), (acct, 'tok:with:colon'),
                     (key, 'sécret ✓'), (acct, token + ':')):
            with self.subTest(bad=auth):
                r = srv.get('/v1/Assistants', auth=auth)
                self.assert_error(r, 401, 20003, 'Authenticate')


class Concurrency(harness.TestCase):

    def test_concurrent_paging(self):
        path = harness.write_json(self.tmpdir(), 'links.json', fixture())
        srv = self.start_server(['--fixtures', path, '--quiet'])
        creds = [(AUTH_A, EXPECTED_A), ((KEY_A, SECRET_A), EXPECTED_A),
                 (AUTH_B, EXPECTED_B), ((KEY_B, SECRET_B), EXPECTED_B)]
        errors = []
        counts = []
        start = threading.Barrier(16)

        def worker(k):
            rnd = random.Random(k)
            auth, expected = creds[k % len(creds)]
            done = 0
            conn = None
            try:
                start.wait(10)
                link = None
                page = 0
                n = 0
                while done < 50:
                    if link is None:
                        n = rnd.choice((1, 2, 3, 7, 50))
                        path_q = '/v1/Assistants?PageSize=%d' % n
                        page = 0
                    else:
                        path_q = link[len(srv.base):]
                    if conn is None:
                        conn = http.client.HTTPConnection(
                            srv.host, srv.port, timeout=15)
                    conn.request('GET', path_q, headers={
                        'Authorization': harness.basic(*auth)})
                    resp = conn.getresponse()
                    data = resp.read()
                    if resp.will_close:
                        conn.close()
                        conn = None
                    done += 1
                    if resp.status != 200:
                        errors.append((k, path_q, resp.status, data[:200]))
                        link = None
                        continue
                    body = json.loads(data)
                    ids = [a['id'] for a in body['assistants']]
                    want = expected[page * n:(page + 1) * n]
                    if ids != want or body['meta']['page'] != page:
                        errors.append((k, path_q, ids, want))
                    link = body['meta']['next_page_url']
                    page += 1
            except Exception as e:  # report, never hang the main thread
                errors.append((k, 'exception', repr(e)))
            finally:
                if conn is not None:
                    conn.close()
                counts.append(done)

        threads = [threading.Thread(target=worker, args=(k,), daemon=True)
                   for k in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        self.assertFalse(any(t.is_alive() for t in threads), 'workers hung')
        self.assertEqual(errors, [])
        self.assertEqual(sorted(counts), [50] * 16)
        self.assertIsNone(srv.proc.poll(), 'server died')


class Signals(harness.TestCase):

    def start(self):
        path = harness.write_json(self.tmpdir(), 'links.json', fixture())
        srv = self.start_server(['--fixtures', path])
        r = srv.get('/v1/Assistants', auth=AUTH_A)
        self.assertEqual(r.status, 200)
        return srv

    def test_sigterm(self):
        srv = self.start()
        rc, took = srv.signal(signal.SIGTERM)
        self.assertEqual(rc, 0, srv.stderr_text())
        self.assertLess(took, 1.0)

    def test_sigint(self):
        srv = self.start()
        rc, took = srv.signal(signal.SIGINT)
        self.assertEqual(rc, 0, srv.stderr_text())
        self.assertLess(took, 1.0)

    def test_sigterm_with_idle_connections(self):
        srv = self.start()
        # a keep-alive connection after one request (if the server keeps it)
        conn = http.client.HTTPConnection(srv.host, srv.port, timeout=5)
        self.addCleanup(conn.close)
        conn.request('GET', '/healthz')
        resp = conn.getresponse()
        resp.read()
        self.assertEqual(resp.status, 200)
        # and a connection that never sends anything
        s = socket.create_connection((srv.host, srv.port), timeout=5)
        self.addCleanup(s.close)
        time.sleep(0.1)
        rc, took = srv.signal(signal.SIGTERM)
        self.assertEqual(rc, 0, srv.stderr_text())
        self.assertLess(took, 1.0)

    def test_sigterm_with_half_sent_request(self):
        srv = self.start()
        s = socket.create_connection((srv.host, srv.port), timeout=5)
        self.addCleanup(s.close)
        s.sendall(b'GET /v1/Assistants HTTP/1.1\r\nHost: x\r\n')
        time.sleep(0.1)
        rc, took = srv.signal(signal.SIGTERM)
        self.assertEqual(rc, 0, srv.stderr_text())
        self.assertLess(took, 1.0)


if __name__ == '__main__':
    harness.main()
