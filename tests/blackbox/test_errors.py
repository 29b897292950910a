#!/usr/bin/env python3
"""Black-box tests of every error of the contract's table, the route order,
the standard headers, OPTIONS, HEAD and the health endpoints.

Each error is checked exactly: status, body (code, message, more_info,
status, in that order), Content-Type, WWW-Authenticate on 401.  Rate limiting
(--rate-limit) and store faults (--inject-store-fault) run on servers of
their own.  Host validation and link bases are in test_auth_links.py.

Usage: python3 tests/blackbox/test_errors.py [--binary PATH]

SPDX-License-Identifier: MIT
"""

import base64
import math
import time

import harness
from harness import account, assistant, sid

ACCT_A = sid('AC', 0xa)
TOKEN_A = 'errors-token-a'
KEY_A = sid('SK', 0xa)
SECRET_A = 'errors-key-secret-a'
ACCT_B = sid('AC', 0xb)
TOKEN_B = 'errors-token-b'
ACCT_UNKNOWN = sid('AC', 0xdead)

AUTH_A = (ACCT_A, TOKEN_A)
AUTH_B = (ACCT_B, TOKEN_B)


def fixture():
    items = [assistant('aia_asst_a-%02d' % i, ACCT_A,
                       '2024-05-%02dT10:00:00Z' % (i + 1)) for i in range(9)]
    items += [assistant('aia_asst_b-%02d' % i, ACCT_B,
                        '2024-05-%02dT10:00:00Z' % (i + 1)) for i in range(5)]
    return {'accounts': [account(ACCT_A, TOKEN_A, [(KEY_A, SECRET_A)]),
                         account(ACCT_B, TOKEN_B)],
            'assistants': items}


def write_fixture(d):
    return harness.write_json(d, 'errors.json', fixture())


class Errors(harness.TestCase):

    @classmethod
    def setUpClass(cls):
        path = write_fixture(cls.class_tmpdir())
        cls.srv = cls.class_server(['--fixtures', path])

    def token_of(self, auth, page_size=2):
        """A valid token (from next_page_url of page 0) for auth."""
        r = self.srv.get('/v1/Assistants?PageSize=%d' % page_size, auth=auth)
        self.assertEqual(r.status, 200, r)
        nxt = r.json()['meta']['next_page_url']
        self.assertIsNotNone(nxt)
        return nxt.split('&PageToken=', 1)[1]

    def assert_bad_request(self, query, message, code=20001, auth=AUTH_A):
        r = self.srv.get('/v1/Assistants' + query, auth=auth)
        self.assert_error(r, 400, code, message)
        self.assert_standard_headers(r)
        return r

    # -- 401 --

    def test_401_variants(self):
        cases = {
            'no auth': None,
            'malformed base64': 'Basic !!!not-base64!!!',
            'no colon': 'Basic ' + base64.b64encode(
                ACCT_A.encode()).decode(),
            'empty basic': 'Basic ',
            'bearer scheme': 'Bearer ' + TOKEN_A,
            'wrong token': harness.basic(ACCT_A, 'wrong-token'),
            'empty password': harness.basic(ACCT_A, ''),
            'token prefix': harness.basic(ACCT_A, TOKEN_A[:-1]),
            'token plus char': harness.basic(ACCT_A, TOKEN_A + 'x'),
            'other account token': harness.basic(ACCT_A, TOKEN_B),
            'unknown sid': harness.basic(ACCT_UNKNOWN, TOKEN_A),
            'empty user': harness.basic('', TOKEN_A),
            'api key wrong secret': harness.basic(KEY_A, 'nope'),
            'api key with account token': harness.basic(KEY_A, TOKEN_A),
            'account with key secret': harness.basic(ACCT_A, SECRET_A),
            'lowercase prefix sid': harness.basic('ac' + ACCT_A[2:], TOKEN_A),
            'sid with trailing space': harness.basic(ACCT_A + ' ', TOKEN_A),
        }
        for name, value in cases.items():
            for method in ('GET', 'HEAD'):
                with self.subTest(case=name, method=method):
                    headers = {} if value is None else {'Authorization': value}
                    r = self.srv.request(method, '/v1/Assistants',
                                         headers=headers)
                    if method == 'GET':
                        self.assert_error(r, 401, 20003, 'Authenticate')
                        self.assert_standard_headers(r)
                    else:
                        self.assertEqual(r.status, 401)
                        self.assertEqual(r.body, b'')
                        self.assertEqual(r.header('WWW-Authenticate'),
                                         'Basic realm="Twilio API"')

    def test_auth_checked_before_params(self):
        for q in ('?PageSize=abc', '?PageSize=5000', '?Page=-1', '?Page=3',
                  '?PageToken=garbage'):
            with self.subTest(query=q):
                r = self.srv.get('/v1/Assistants' + q)
                self.assert_error(r, 401, 20003, 'Authenticate')
                r = self.srv.get('/v1/Assistants' + q,
                                 auth=(ACCT_A, 'wrong'))
                self.assert_error(r, 401, 20003, 'Authenticate')

    def test_valid_credentials_ok(self):
        for auth in (AUTH_A, (KEY_A, SECRET_A), AUTH_B):
            with self.subTest(user=auth[0]):
                r = self.srv.get('/v1/Assistants', auth=auth)
                self.assertEqual(r.status, 200, r)
                self.assertIsNone(r.header('WWW-Authenticate'))

    # -- PageSize / Page --

    def test_invalid_page_size(self):
        for v in ('0', '-1', 'abc', '1.5', '', '0x10', '1e3', '12abc',
                  '-0', '%205', '5%20', '%2B%2B5', '-1000'):
            with self.subTest(PageSize=v):
                self.assert_bad_request('?PageSize=' + v, 'Invalid PageSize.')

    def test_page_size_too_large(self):
        for v in ('1001', '5000', '1000000'):
            with self.subTest(PageSize=v):
                self.assert_bad_request(
                    '?PageSize=' + v,
                    'Page size too large. The maximum page size is 1000.',
                    code=20007)

    def test_huge_numbers(self):
        # integers beyond any machine type: rejected, never wrapped around
        big = '99999999999999999999999'
        self.assert_bad_request('?PageSize=' + big,
                                'Page size too large. The maximum page size '
                                'is 1000.', code=20007)
        self.assert_bad_request('?PageSize=18446744073709551617',
                                'Page size too large. The maximum page size '
                                'is 1000.', code=20007)
        self.assert_bad_request('?PageSize=-' + big, 'Invalid PageSize.')
        tok = self.token_of(AUTH_A)
        for q in ('?Page=' + big, '?PageSize=2&Page=%s&PageToken=%s'
                  % (big, tok)):
            with self.subTest(query=q):
                r = self.srv.get('/v1/Assistants' + q, auth=AUTH_A)
                self.assertEqual(r.status, 400, r)
                self.assertEqual(r.json()['code'], 20001)
                self.assertIn(r.json()['message'],
                              ('Invalid Page.',
                               'PageToken is required for paging.'))

    def test_page_size_limits_ok(self):
        for v in (1, 1000):
            with self.subTest(PageSize=v):
                r = self.srv.get('/v1/Assistants?PageSize=%d' % v, auth=AUTH_A)
                self.assertEqual(r.status, 200, r)
                self.assertEqual(r.json()['meta']['page_size'], v)

    def test_invalid_page(self):
        for v in ('-1', 'x', '', '1.0', '0x1', '1e1', '-0x1'):
            with self.subTest(Page=v):
                self.assert_bad_request('?Page=' + v, 'Invalid Page.')
                self.assert_bad_request('?PageSize=2&Page=' + v,
                                        'Invalid Page.')

    def test_page_without_token(self):
        for v in ('1', '2', '100'):
            with self.subTest(Page=v):
                self.assert_bad_request('?Page=' + v,
                                        'PageToken is required for paging.')
                self.assert_bad_request('?PageSize=2&Page=' + v,
                                        'PageToken is required for paging.')

    # -- PageToken --

    def test_garbled_tokens(self):
        good = self.token_of(AUTH_A)
        cands = ['x', 'garbage', 'notatoken', 'AAAA', 'PA' + 'a' * 32,
                 'PAaia_asst_a-03', '0', '_', '-', good[::-1], good[:2],
                 good[:len(good) // 2]]
        cands = [c for c in cands if c != good]
        for tok in cands:
            with self.subTest(token=tok):
                self.assert_bad_request('?PageSize=2&Page=1&PageToken=' + tok,
                                        'Invalid PageToken.')

    def test_garbled_token_on_page_0(self):
        self.assert_bad_request('?PageToken=garbage', 'Invalid PageToken.')
        self.assert_bad_request('?PageSize=2&Page=0&PageToken=garbage',
                                'Invalid PageToken.')

    def test_tokens_with_bad_chars(self):
        good = self.token_of(AUTH_A)
        for enc in ('%21', '.', '~', '%2F', '%20', '+', '%3D', '%25', '%00',
                    '%C3%A9', '%0A', '%22', '%2B'):
            for tok in (good + enc, enc + good, 'abc' + enc + 'def'):
                with self.subTest(token=tok):
                    self.assert_bad_request(
                        '?PageSize=2&Page=1&PageToken=' + tok,
                        'Invalid PageToken.')

    def test_overlong_token(self):
        for tok in ('A' * 5000, self.token_of(AUTH_A) + 'A' * 4000):
            with self.subTest(length=len(tok)):
                self.assert_bad_request('?PageSize=2&Page=1&PageToken=' + tok,
                                        'Invalid PageToken.')

    def test_foreign_account_token(self):
        tok_a = self.token_of(AUTH_A)
        tok_b = self.token_of(AUTH_B)
        self.assert_bad_request('?PageSize=2&Page=1&PageToken=' + tok_a,
                                'Invalid PageToken.', auth=AUTH_B)
        self.assert_bad_request('?PageSize=2&Page=1&PageToken=' + tok_b,
                                'Invalid PageToken.', auth=AUTH_A)
        self.assert_bad_request('?PageSize=2&Page=1&PageToken=' + tok_b,
                                'Invalid PageToken.', auth=(KEY_A, SECRET_A))
        # while each works for its own account, also through A's API key
        for auth, tok in ((AUTH_A, tok_a), ((KEY_A, SECRET_A), tok_a),
                          (AUTH_B, tok_b)):
            r = self.srv.get('/v1/Assistants?PageSize=2&Page=1&PageToken='
                             + tok, auth=auth)
            self.assertEqual(r.status, 200, r)

    # -- 404 / 405 --

    def test_404(self):
        for path in ('/v1/Foo', '/', '/v2/Assistants', '/v1/Assistants/x/y',
                     '/v1', '/v1/', '/v1/AssistantsX', '/healthzz'):
            for auth in (None, AUTH_A):
                with self.subTest(path=path, auth=auth is not None):
                    r = self.srv.get(path, auth=auth)
                    self.assert_error(
                        r, 404, 20404,
                        'The requested resource %s was not found' % path)
                    self.assert_standard_headers(r)

    def test_404_unknown_id(self):
        # /v1/Assistants/{id} is a known path: auth first, then the lookup
        # (an unknown id, or one of another account, is a 404)
        for path in ('/v1/Assistants/extra', '/v1/Assistants/aia_asst_a-99',
                     '/v1/Assistants/aia_asst_b-01'):
            with self.subTest(path=path):
                r = self.srv.get(path, auth=AUTH_A)
                self.assert_error(
                    r, 404, 20404,
                    'The requested resource %s was not found' % path)
                self.assert_standard_headers(r)
                r = self.srv.get(path)
                self.assert_error(r, 401, 20003, 'Authenticate')
                self.assert_standard_headers(r)

    def test_404_ignores_query(self):
        r = self.srv.get('/v1/Foo?PageSize=abc', auth=AUTH_A)
        self.assertEqual(r.status, 404, r)
        self.assertEqual(r.json()['code'], 20404)
        self.assertIn('/v1/Foo', r.json()['message'])

    def test_404_odd_path_chars(self):
        # quotes, backslashes, control chars and NUL in the path: the body
        # stays valid JSON with the Twilio shape
        for path in ('/v1/Foo%22%5C', '/v1/Foo%0Abar', '/v1/Foo%1B%5B31m',
                     '/v1/F%00oo', '/v1/%E2%9C%93', '/v1/%FF%FE'):
            with self.subTest(path=path):
                r = self.srv.get(path, auth=AUTH_A)
                self.assertEqual(r.status, 404, r)
                self.assertEqual(r.header('Content-Type'), 'application/json')
                body = r.ordered()
                self.assertEqual([k for k, _ in body], harness.ERROR_KEYS)
                body = dict(body)
                self.assertEqual(body['code'], 20404)
                self.assertEqual(body['status'], 404)
                self.assertRegex(body['message'],
                                 r'(?s)^The requested resource /v1/.+ was not '
                                 r'found$')
                self.assert_standard_headers(r)

    def test_oversized_request_gets_twilio_error(self):
        # a request over the limits (8 KiB target, 16 KiB headers) that fits
        # the 64 KiB connection buffer gets a JSON Twilio error with the
        # standard headers (beyond the buffer libmicrohttpd answers itself:
        # see test_hostile.py)
        auth = 'Authorization: %s\r\n' % harness.basic(*AUTH_A)
        reqs = {
            'long query': 'GET /v1/Assistants?PageSize=2&x=%s HTTP/1.1\r\n'
                          'Host: a.test\r\n%sConnection: close\r\n\r\n'
                          % ('a' * 40000, auth),
            'big header': 'GET /v1/Assistants HTTP/1.1\r\nHost: a.test\r\n'
                          'X-Big: %s\r\n%sConnection: close\r\n\r\n'
                          % ('a' * 40000, auth),
        }
        for name, req in reqs.items():
            with self.subTest(case=name):
                r = self.srv.raw(req.encode())
                self.assertGreaterEqual(r.status, 400, r)
                self.assertLess(r.status, 500, r)
                self.assertEqual(r.header('Content-Type'), 'application/json',
                                 r)
                body = r.ordered()
                self.assertEqual([k for k, _ in body], harness.ERROR_KEYS, r)
                body = dict(body)
                self.assertEqual(body['status'], r.status)
                self.assertEqual(body['more_info'],
                                 'https://www.twilio.com/docs/errors/%d'
                                 % body['code'])
                self.assert_standard_headers(r)
        # and the server is still fine
        r = self.srv.get('/v1/Assistants', auth=AUTH_A)
        self.assertEqual(r.status, 200)

    def test_405(self):
        for method in ('DELETE', 'PUT', 'PATCH'):
            with self.subTest(method=method):
                body = b'' if method in ('DELETE',) else b'{}'
                r = self.srv.request(method, '/v1/Assistants', auth=AUTH_A,
                                     body=body)
                self.assert_error(
                    r, 405, 20004,
                    'The requested resource /v1/Assistants does not '
                    'support the attempted HTTP method %s' % method)
                self.assert_standard_headers(r)
                self.assert_allow(r, harness.ALLOW_LIST)
        # POST is create now: with a body that fails validation it is a 400
        # (nothing created), not a 405
        r = self.srv.request('POST', '/v1/Assistants', auth=AUTH_A,
                             body=b'{}',
                             headers={'Content-Type': 'application/json'})
        self.assert_error(r, 400, 20001, 'Missing required parameter name')
        self.assert_standard_headers(r)
        self.assertIsNone(r.header('Allow'))

    def test_auth_before_405(self):
        for method in ('DELETE', 'POST', 'PUT', 'PATCH'):
            for auth in (None, (ACCT_A, 'wrong-token')):
                with self.subTest(method=method, auth=auth is not None):
                    body = b'' if method in ('DELETE',) else b'{}'
                    r = self.srv.request(method, '/v1/Assistants', auth=auth,
                                         body=body)
                    self.assert_error(r, 401, 20003, 'Authenticate')
                    self.assert_standard_headers(r)

    def test_route_order(self):
        # unknown path 404 before bad Host, auth and wrong method
        r = self.srv.request('DELETE', '/v1/Foo')
        self.assert_error(r, 404, 20404,
                          'The requested resource /v1/Foo was not found')
        # bad Host before auth before wrong method 405
        r = self.srv.raw(b'DELETE /v1/Assistants HTTP/1.1\r\n'
                         b'Host: bad/host\r\nConnection: close\r\n\r\n')
        self.assert_error(r, 400, 20001, 'Invalid Host header.')
        r = self.srv.request('DELETE', '/v1/Assistants')
        self.assert_error(r, 401, 20003, 'Authenticate')
        r = self.srv.request('DELETE', '/v1/Assistants', auth=AUTH_A)
        self.assert_error(r, 405, 20004,
                          'The requested resource /v1/Assistants does not '
                          'support the attempted HTTP method DELETE')
        # 404 before bad Host
        r = self.srv.raw(b'GET /v1/Foo HTTP/1.1\r\n'
                         b'Host: bad/host\r\nConnection: close\r\n\r\n')
        self.assertEqual(r.status, 404, r)
        # bad Host before auth
        r = self.srv.raw(b'GET /v1/Assistants HTTP/1.1\r\n'
                         b'Host: bad/host\r\nConnection: close\r\n\r\n')
        self.assert_error(r, 400, 20001, 'Invalid Host header.')
        # auth before params
        r = self.srv.get('/v1/Assistants?PageSize=0')
        self.assertEqual(r.status, 401)

    # -- headers --

    def test_standard_headers(self):
        reqs = [
            ('GET', '/v1/Assistants', AUTH_A, 200),
            ('GET', '/v1/Assistants?PageSize=2', (KEY_A, SECRET_A), 200),
            ('HEAD', '/v1/Assistants', AUTH_A, 200),
            ('GET', '/v1/Assistants', None, 401),
            ('GET', '/v1/Assistants?PageSize=0', AUTH_A, 400),
            ('GET', '/v1/Nope', None, 404),
            ('DELETE', '/v1/Assistants', AUTH_A, 405),
            ('POST', '/v1/Assistants', None, 401),
            ('GET', '/healthz', None, 200),
            ('GET', '/readyz', None, 200),
        ]
        for method, path, auth, status in reqs:
            with self.subTest(method=method, path=path):
                r = self.srv.request(method, path, auth=auth)
                self.assertEqual(r.status, status, r)
                self.assert_standard_headers(r)

    def test_request_ids_differ(self):
        ids = []
        for path, auth in (('/v1/Assistants', AUTH_A), ('/v1/Assistants', None),
                           ('/healthz', None)) * 5:
            r = self.srv.get(path, auth=auth)
            ids.append(r.header('Twilio-Request-Id'))
        for i in ids:
            self.assertRegex(i or '', r'^RQ[0-9a-f]{32}$')
        self.assertEqual(len(set(ids)), len(ids), ids)

    def test_options(self):
        for path in ('/v1/Assistants', '/v1/Assistants?PageSize=abc'):
            for headers in ({}, {'Origin': 'http://app.test',
                                 'Access-Control-Request-Method': 'GET',
                                 'Access-Control-Request-Headers':
                                     'Authorization'}):
                with self.subTest(path=path, preflight=bool(headers)):
                    r = self.srv.request('OPTIONS', path, headers=headers)
                    self.assertEqual(r.status, 204, r)
                    self.assertEqual(r.body, b'')
                    self.assertIsNone(r.header('WWW-Authenticate'))
                    self.assert_standard_headers(r, content_type=False)
                    self.assert_allow(r, harness.ALLOW_LIST)

    def test_options_unknown_path_404(self):
        r = self.srv.request('OPTIONS', '/v1/Foo')
        self.assert_error(r, 404, 20404,
                          'The requested resource /v1/Foo was not found')

    def test_health(self):
        for path, status in (('/healthz', 'ok'), ('/readyz', 'ready')):
            for auth in (None, AUTH_A, ('nobody', 'bad')):
                with self.subTest(path=path, auth=auth):
                    r = self.srv.get(path, auth=auth)
                    self.assertEqual(r.status, 200, r)
                    self.assertEqual(r.header('Content-Type'),
                                     'application/json')
                    self.assertEqual(r.json(), {'status': status})

    def test_head(self):
        g = self.srv.get('/v1/Assistants?PageSize=3', auth=AUTH_A)
        h = self.srv.request('HEAD', '/v1/Assistants?PageSize=3', auth=AUTH_A)
        self.assertEqual(h.status, 200, h)
        self.assertEqual(h.body, b'')
        self.assertEqual(h.header('Content-Type'), 'application/json')
        cl = h.header('Content-Length')
        if cl is not None:
            self.assertEqual(int(cl), len(g.body))
        self.assert_standard_headers(h)
        h = self.srv.request('HEAD', '/v1/Assistants?PageSize=0', auth=AUTH_A)
        self.assertEqual(h.status, 400)
        self.assertEqual(h.body, b'')
        h = self.srv.request('HEAD', '/v1/Foo')
        self.assertEqual(h.status, 404)


class RateLimit(harness.TestCase):

    @classmethod
    def setUpClass(cls):
        path = write_fixture(cls.class_tmpdir())
        cls.srv = cls.class_server(['--fixtures', path, '--quiet',
                                    '--rate-limit', '2'])

    def burst(self, n, auth=AUTH_A, query=''):
        t0 = time.monotonic()
        rs = [self.srv.get('/v1/Assistants' + query, auth=auth)
              for _ in range(n)]
        return rs, time.monotonic() - t0

    def test_429(self):
        time.sleep(1.1)
        rs, elapsed = self.burst(30)
        statuses = [r.status for r in rs]
        self.assertEqual(statuses[0], 200, statuses)
        self.assertEqual(set(statuses), {200, 429}, statuses)
        n_ok = statuses.count(200)
        self.assertGreaterEqual(statuses.count(429), 1, statuses)
        self.assertLessEqual(n_ok, 2 * (math.ceil(elapsed) + 1),
                             (statuses, elapsed))
        for r in rs:
            if r.status == 429:
                self.assert_error(r, 429, 20429, 'Too Many Requests')
                self.assert_standard_headers(r)

    def test_limit_is_per_account(self):
        time.sleep(1.1)
        rs, _ = self.burst(10)
        self.assertEqual(rs[-1].status, 429, [r.status for r in rs])
        r = self.srv.get('/v1/Assistants', auth=AUTH_B)
        self.assertEqual(r.status, 200, r)

    def test_limit_shared_by_credentials_of_account(self):
        time.sleep(1.1)
        rs, _ = self.burst(6)
        self.assertEqual(rs[-1].status, 429)
        r = self.srv.get('/v1/Assistants', auth=(KEY_A, SECRET_A))
        self.assert_error(r, 429, 20429, 'Too Many Requests')

    def test_limit_recovers(self):
        time.sleep(1.1)
        rs, _ = self.burst(10)
        self.assertEqual(rs[-1].status, 429)
        time.sleep(1.2)
        r = self.srv.get('/v1/Assistants', auth=AUTH_A)
        self.assertEqual(r.status, 200, r)

    def test_auth_before_rate(self):
        time.sleep(1.1)
        rs, _ = self.burst(10)
        self.assertEqual(rs[-1].status, 429)
        r = self.srv.get('/v1/Assistants', auth=(ACCT_A, 'wrong'))
        self.assert_error(r, 401, 20003, 'Authenticate')
        r = self.srv.get('/v1/Assistants')
        self.assert_error(r, 401, 20003, 'Authenticate')

    def test_rate_before_params(self):
        time.sleep(1.1)
        rs, _ = self.burst(8, query='?PageSize=abc')
        statuses = [r.status for r in rs]
        self.assertEqual(set(statuses), {400, 429}, statuses)
        self.assertEqual(statuses[0], 400, statuses)

    def test_env_form(self):
        path = write_fixture(self.tmpdir())
        srv = self.start_server(['--fixtures', path, '--quiet'],
                                env={'ASSISTANTS_MOCK_RATE_LIMIT': '2'})
        statuses = [srv.get('/v1/Assistants', auth=AUTH_A).status
                    for _ in range(12)]
        self.assertEqual(statuses[0], 200, statuses)
        self.assertIn(429, statuses)
        # flag wins over env: 0 = off
        srv = self.start_server(['--fixtures', path, '--quiet',
                                 '--rate-limit', '0'],
                                env={'ASSISTANTS_MOCK_RATE_LIMIT': '1'})
        statuses = [srv.get('/v1/Assistants', auth=AUTH_A).status
                    for _ in range(12)]
        self.assertEqual(set(statuses), {200}, statuses)

    def test_health_not_limited(self):
        time.sleep(1.1)
        self.burst(10)
        for _ in range(5):
            r = self.srv.get('/healthz')
            self.assertEqual(r.status, 200, r)


class StoreFault(harness.TestCase):

    @classmethod
    def setUpClass(cls):
        path = write_fixture(cls.class_tmpdir())
        cls.srv = cls.class_server(['--fixtures', path, '--quiet',
                                    '--inject-store-fault', '2'])

    def test_500_then_recover(self):
        rs = [self.srv.get('/v1/Assistants?PageSize=3', auth=AUTH_A)
              for _ in range(12)]
        statuses = [r.status for r in rs]
        self.assertEqual(set(statuses), {200, 500}, statuses)
        self.assertGreaterEqual(statuses.count(500), 3, statuses)
        for i, r in enumerate(rs):
            if r.status == 500:
                self.assert_error(r, 500, 20500, 'Internal Server Error')
                self.assert_standard_headers(r)
                if i + 1 < len(rs):
                    self.assertEqual(statuses[i + 1], 200,
                                     'request after a 500: %s' % statuses)
            else:
                self.assertEqual(len(r.json()['assistants']), 3)
        # a 200 after a fault is a full, correct page
        ok = [r for r in rs if r.status == 200]
        self.assertTrue(all(r.body == ok[0].body for r in ok))

    def test_env_form(self):
        path = write_fixture(self.tmpdir())
        srv = self.start_server(['--fixtures', path, '--quiet'],
                                env={'ASSISTANTS_MOCK_INJECT_STORE_FAULT': '3'})
        statuses = [srv.get('/v1/Assistants', auth=AUTH_A).status
                    for _ in range(9)]
        self.assertEqual(set(statuses), {200, 500}, statuses)
        self.assertGreaterEqual(statuses.count(500), 2, statuses)

    def test_no_faults_without_flag(self):
        path = write_fixture(self.tmpdir())
        srv = self.start_server(['--fixtures', path, '--quiet'])
        statuses = [srv.get('/v1/Assistants', auth=AUTH_A).status
                    for _ in range(10)]
        self.assertEqual(set(statuses), {200}, statuses)

    def test_health_unaffected(self):
        for _ in range(6):
            self.assertEqual(self.srv.get('/healthz').status, 200)
            self.assertEqual(self.srv.get('/readyz').status, 200)


if __name__ == '__main__':
    harness.main()
