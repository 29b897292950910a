#!/usr/bin/env python3
"""Black-box security tests (issue 5, "Security"): secrets never appear in the
server's stdout/stderr nor in any response; a PageToken of one account gives
nothing of it to another; no response header reflects request input.

Usage: python3 tests/blackbox/test_security.py [--binary PATH]

SPDX-License-Identifier: MIT
"""

import base64
import json
import re
import signal
import urllib.parse

import harness
from harness import account, assistant, sid

ACCT_A = sid('AC', 0x5ec1)
ACCT_B = sid('AC', 0x5ec2)
ACCT_ENV = sid('AC', 0x5ec3)
KEY_A = sid('SK', 0x5ec1)
KEY_ENV = sid('SK', 0x5ec3)

TOKEN_A = 's3cr3t-token-XYZ'
KEY_SECRET_A = 'ap1-k3y-s3cr3t-QRS'
TOKEN_B = 'b0b-s3cr3t-token-LMN'
ENV_TOKEN = 'env-s3cr3t-token-UVW'
ENV_KEY_SECRET = 'env-ap1-s3cr3t-JKL'
SECRETS = [TOKEN_A, KEY_SECRET_A, TOKEN_B, ENV_TOKEN, ENV_KEY_SECRET]

N_A = 25
N_B = 7


def fixture():
    # A and B share dates, so their items interleave in the store
    items = [assistant('aia_asst_sa-%03d' % i, ACCT_A,
                       '2024-02-%02dT10:00:00Z' % (1 + i % 20))
             for i in range(N_A)]
    items += [assistant('aia_asst_sb-%03d' % i, ACCT_B,
                        '2024-02-%02dT10:00:00Z' % (1 + i % 20))
              for i in range(N_B)]
    return {'accounts': [account(ACCT_A, TOKEN_A, [(KEY_A, KEY_SECRET_A)]),
                         account(ACCT_B, TOKEN_B)],
            'assistants': items}


def secret_forms(secret):
    """The secret and the encodings it could leak in."""
    forms = {secret, urllib.parse.quote(secret, safe='')}
    for user in (ACCT_A, ACCT_B, ACCT_ENV, KEY_A, KEY_ENV, 'x', ''):
        forms.add(base64.b64encode(('%s:%s' % (user, secret)).encode())
                  .decode())
    return forms


def all_responses_text(resps):
    out = []
    for r in resps:
        out.append(r.body.decode('latin-1'))
        for k, v in r.headers:
            out.append('%s: %s' % (k, v))
    return '\n'.join(out)


class Secrets(harness.TestCase):

    def test_secrets_never_logged_nor_answered(self):
        d = self.tmpdir()
        path = harness.write_json(d, 'sec.json', fixture())
        env = {'TWILIO_ACCOUNT_SID': ACCT_ENV, 'TWILIO_AUTH_TOKEN': ENV_TOKEN,
               'TWILIO_API_KEY': KEY_ENV, 'TWILIO_API_SECRET': ENV_KEY_SECRET}
        srv = self.start_server(['--fixtures', path], env=env)
        resps = []

        def get(target, auth=None, headers=None, method='GET'):
            r = srv.request(method, target, auth=auth, headers=headers)
            resps.append(r)
            return r

        good = [(ACCT_A, TOKEN_A), (KEY_A, KEY_SECRET_A), (ACCT_B, TOKEN_B),
                (ACCT_ENV, ENV_TOKEN), (KEY_ENV, ENV_KEY_SECRET)]
        for auth in good:
            self.assertEqual(get('/v1/Assistants?PageSize=3', auth).status,
                             200, auth)
            self.assertEqual(get('/v1/Assistants', auth, method='HEAD')
                             .status, 200)
            self.assertEqual(get('/v1/Assistants?PageSize=0', auth).status,
                             400)
            self.assertEqual(get('/v1/Assistants?Page=1&PageToken=zz',
                                 auth).status, 400)
            self.assertEqual(get('/v1/Foo', auth).status, 404)
            self.assertEqual(get('/v1/Assistants', auth,
                                 method='DELETE').status, 405)
        # every secret as the wrong password of every other principal, as a
        # user name, alone, in other schemes, and in garbled headers
        principals = [ACCT_A, ACCT_B, ACCT_ENV, KEY_A, KEY_ENV,
                      sid('AC', 0xdead), sid('SK', 0xdead)]
        for secret in SECRETS:
            for p in principals:
                if (p, secret) in good:
                    continue
                self.assertEqual(get('/v1/Assistants', (p, secret)).status,
                                 401, (p, secret))
            for h in (secret, 'Basic ' + secret, 'Bearer ' + secret,
                      'Basic ' + base64.b64encode(secret.encode()).decode(),
                      'Basic ' + base64.b64encode(
                          (secret + ':' + secret).encode()).decode(),
                      'Basic ' + base64.b64encode(
                          (ACCT_A + ':' + secret).encode()).decode() + '!!',
                      'Basic ' + base64.b64encode(
                          (ACCT_A + ':' + secret).encode()).decode()[:-3]):
                self.assertEqual(
                    get('/v1/Assistants', headers={'Authorization': h})
                    .status, 401, h)
            self.assertEqual(get('/v1/Assistants', (secret, secret)).status,
                             401)
            self.assertEqual(get('/v1/Assistants', (secret, TOKEN_A)).status,
                             401)
            # a secret as Host (invalid: '-' and letters are fine, so it is a
            # valid host name and will be in the links; skip) or in errors
            self.assertEqual(get('/v1/Assistants', (ACCT_A, secret + 'x'))
                             .status, 401)
        rc, _ = srv.signal(signal.SIGTERM)
        self.assertEqual(rc, 0)
        srv.kill()
        logs = '\n'.join(srv.stdout_lines()) + '\n' + srv.stderr_text()
        self.assertNotRegex(srv.stderr_text(), r'Sanitizer|runtime error:')
        answers = all_responses_text(resps)
        self.assertGreater(len(srv.stdout_lines()), len(resps),
                           'expected one access-log line per request')
        for secret in SECRETS:
            for form in secret_forms(secret):
                self.assertNotIn(form, logs, 'secret %r (as %r) in the '
                                 'server output' % (secret, form))
                self.assertNotIn(form, answers, 'secret %r (as %r) in a '
                                 'response' % (secret, form))

    def test_secrets_not_in_fixture_errors(self):
        """Fixture problems next to (or in) a secret never print it."""
        d = self.tmpdir()
        bad = [
            {'accounts': [{'sid': 'ACxyz', 'auth_token': TOKEN_A}]},
            {'accounts': [{'sid': ACCT_A, 'auth_token': TOKEN_A + 'x' * 1100}]},
            {'accounts': [{'sid': ACCT_A, 'auth_token': TOKEN_A,
                           'api_keys': [{'sid': 'SKbad',
                                         'secret': KEY_SECRET_A}]}]},
            {'accounts': [{'sid': ACCT_A, 'auth_token': TOKEN_A,
                           'api_keys': [{'sid': KEY_A, 'secret': KEY_SECRET_A,
                                         'secert': KEY_SECRET_A}]}]},
            {'accounts': [{'sid': ACCT_A, 'auth_token': TOKEN_A,
                           'token': TOKEN_B}]},
            {'accounts': [{'sid': ACCT_A, 'auth_token': [TOKEN_A]}]},
            {'accounts': [{'sid': ACCT_A, 'auth_token': TOKEN_A},
                          {'sid': ACCT_A, 'auth_token': TOKEN_B}]},
            {'accounts': [{'sid': ACCT_A, 'auth_token': TOKEN_A,
                           'api_keys': [{'sid': KEY_A, 'secret': KEY_SECRET_A},
                                        {'sid': KEY_A,
                                         'secret': TOKEN_B}]}]},
        ]
        raw_bad = ['{"accounts":[{"sid":"%s","auth_token":"%s"' % (ACCT_A,
                                                                   TOKEN_A),
                   '{"accounts":[{"sid":"%s","auth_token":"%s\x01"}],}'
                   % (ACCT_A, TOKEN_B),
                   '{"accounts":[{"sid":"%s","auth_token":"%s\\q"}]}'
                   % (ACCT_A, TOKEN_A)]
        outputs = []
        for i, obj in enumerate(bad):
            p = harness.write_json(d, 'bad%d.json' % i, obj)
            for mode in (['--check'], ['--port', '0']):
                r = harness.run_cli(mode + ['--fixtures', p])
                self.assertEqual(r.returncode, 2, (obj, r.stderr))
                outputs.append(harness.text(r.stdout) + harness.text(r.stderr))
        for i, text in enumerate(raw_bad):
            p = harness.write_text(d, 'raw%d.json' % i, text)
            r = harness.run_cli(['--check', '--fixtures', p])
            self.assertEqual(r.returncode, 2, (text, r.stderr))
            outputs.append(harness.text(r.stdout) + harness.text(r.stderr))
        # env credentials with problems
        for env in ({'TWILIO_ACCOUNT_SID': 'ACbad', 'TWILIO_AUTH_TOKEN':
                     ENV_TOKEN},
                    {'TWILIO_API_KEY': 'SKbad', 'TWILIO_API_SECRET':
                     ENV_KEY_SECRET, 'TWILIO_ACCOUNT_SID': ACCT_ENV},
                    {'TWILIO_API_KEY': KEY_ENV, 'TWILIO_API_SECRET':
                     ENV_KEY_SECRET}):
            r = harness.run_cli(['--check'], env=env)
            outputs.append(harness.text(r.stdout) + harness.text(r.stderr))
        text = '\n'.join(outputs)
        for secret in SECRETS:
            for form in secret_forms(secret):
                self.assertNotIn(form, text, 'secret %r in:\n%s'
                                 % (secret, text[:3000]))

    def test_secret_with_nul(self):
        """A secret holding a NUL (JSON \\u0000) is either rejected by
        validation (exit 2, message without the secret) or works with its
        exact bytes -- never loaded as a credential nothing can match, and
        never matched by its prefix."""
        d = self.tmpdir()
        items = [assistant('aia_asst_nul-1', ACCT_A)]
        for who, acct in (('auth_token', account(ACCT_A, TOKEN_A + '\0zz')),
                          ('api key', account(ACCT_A, 'other-token',
                                              [(KEY_A, KEY_SECRET_A +
                                                '\0zz')]))):
            with self.subTest(who):
                p = harness.write_json(d, 'nul.json', {
                    'accounts': [acct], 'assistants': items})
                r = harness.run_cli(['--check', '--fixtures', p])
                if r.returncode == 2:
                    self.assertNotIn(TOKEN_A, harness.text(r.stderr))
                    self.assertNotIn(KEY_SECRET_A, harness.text(r.stderr))
                    continue
                self.assertEqual(r.returncode, 0, r.stderr)
                srv = self.start_server(['--fixtures', p, '--quiet'])
                user = ACCT_A if who == 'auth_token' else KEY_A
                secret = (TOKEN_A if who == 'auth_token' else KEY_SECRET_A)
                statuses = {}
                for pw in (secret, secret + '\0', secret + '\0zz'):
                    h = 'Basic ' + base64.b64encode(
                        (user + ':' + pw).encode()).decode()
                    statuses[pw] = srv.get('/v1/Assistants', headers={
                        'Authorization': h}).status
                srv.kill()
                self.assertEqual(statuses, {secret: 401, secret + '\0': 401,
                                            secret + '\0zz': 200},
                                 'loaded a secret with NUL (exit 0) but the '
                                 'exact bytes do not authenticate')

    def test_check_summary_has_no_secret(self):
        d = self.tmpdir()
        p = harness.write_json(d, 'ok.json', fixture())
        r = harness.run_cli(['--check', '--fixtures', p],
                            env={'TWILIO_ACCOUNT_SID': ACCT_ENV,
                                 'TWILIO_AUTH_TOKEN': ENV_TOKEN})
        self.assertEqual(r.returncode, 0, r.stderr)
        text = harness.text(r.stdout) + harness.text(r.stderr)
        for secret in SECRETS:
            self.assertNotIn(secret, text)


class CrossAccountTokens(harness.TestCase):

    @classmethod
    def setUpClass(cls):
        path = harness.write_json(cls.class_tmpdir(), 'x.json', fixture())
        cls.srv = cls.class_server(['--fixtures', path, '--quiet'])

    def walk(self, auth, page_size):
        """All next_page_url tokens of auth's list, with the ids seen."""
        tokens, ids = [], []
        url = '/v1/Assistants?PageSize=%d' % page_size
        while url:
            r = self.srv.get(url, auth=auth)
            self.assertEqual(r.status, 200, r)
            d = r.json()
            ids += [a['id'] for a in d['assistants']]
            for k in ('next_page_url', 'previous_page_url'):
                u = d['meta'][k]
                if u:
                    tokens.append(u.split('&PageToken=', 1)[1])
            nxt = d['meta']['next_page_url']
            url = re.sub(r'^http://[^/]+', '', nxt) if nxt else None
        return sorted(set(tokens)), ids

    def test_token_of_a_used_by_b(self):
        """Every token minted for A (first, middle, last, previous links) is
        refused for B (400 Invalid PageToken) and the answer holds none of
        A's data; and the other way round."""
        toks_a, ids_a = self.walk((ACCT_A, TOKEN_A), 2)
        toks_b, ids_b = self.walk((ACCT_B, TOKEN_B), 2)
        self.assertEqual(len(ids_a), N_A)
        self.assertEqual(len(ids_b), N_B)
        self.assertGreater(len(toks_a), 10)
        cases = [((ACCT_B, TOKEN_B), t, ids_a) for t in toks_a] + \
                [((ACCT_A, TOKEN_A), t, ids_b) for t in toks_b] + \
                [((KEY_A, KEY_SECRET_A), t, ids_b) for t in toks_b]
        for auth, tok, foreign in cases:
            for q in ('PageSize=2&Page=1&PageToken=%s' % tok,
                      'PageSize=1000&Page=1&PageToken=%s' % tok,
                      'PageToken=%s' % tok,
                      'PageSize=2&Page=0&PageToken=%s' % tok):
                r = self.srv.get('/v1/Assistants?' + q, auth=auth)
                self.assert_error(r, 400, 20001, 'Invalid PageToken.')
                for i in foreign:
                    self.assertNotIn(i.encode(), r.body)
                self.assertNotIn(tok.encode(), r.body)
        # A's tokens still work for A, also with A's API key
        r = self.srv.get('/v1/Assistants?PageSize=2&Page=1&PageToken=%s'
                         % toks_a[0], auth=(KEY_A, KEY_SECRET_A))
        self.assertEqual(r.status, 200, r)
        for a in r.json()['assistants']:
            self.assertEqual(a['account_sid'], ACCT_A)

    def test_tampered_tokens(self):
        """Tokens of A with any one character changed: 400 for A and B, or a
        page of the requester's own data -- never another account's item."""
        toks_a, ids_a = self.walk((ACCT_A, TOKEN_A), 3)
        _, ids_b = self.walk((ACCT_B, TOKEN_B), 3)
        alphabet = 'AZaz09_-Qg'
        for tok in toks_a[:4]:
            for i in range(len(tok)):
                for ch in alphabet[i % len(alphabet)], '_':
                    if tok[i] == ch:
                        continue
                    t = tok[:i] + ch + tok[i + 1:]
                    for auth, own, foreign in (((ACCT_A, TOKEN_A), ids_a,
                                                ids_b),
                                               ((ACCT_B, TOKEN_B), ids_b,
                                                ids_a)):
                        r = self.srv.get('/v1/Assistants?PageSize=3&Page=1&'
                                         'PageToken=' + t, auth=auth)
                        if r.status == 200:
                            for a in r.json()['assistants']:
                                self.assertIn(a['id'], own, (t, auth))
                        else:
                            self.assert_error(r, 400, 20001,
                                              'Invalid PageToken.')
                        for f in foreign:
                            self.assertNotIn(f.encode(), r.body)


class NoReflectedHeaders(harness.TestCase):

    MARKERS = {
        'User-Agent': 'ua-refl-7f3k',
        'X-Forwarded-Host': 'xfh-refl-9q2z.example',
        'X-Forwarded-Proto': 'xfp-refl-ftp',
        'X-Forwarded-For': '203.0.113.77',
        'Forwarded': 'for=198.51.100.9;host=fwd-refl-2w3e.example',
        'Origin': 'https://origin-refl-4m8p.example',
        'Referer': 'https://referer-refl-6y7u.example/',
        'X-Custom-Thing': 'custom-refl-1a2b',
        'Cookie': 'sess=cookie-refl-3c4d',
        'Accept-Language': 'xx-refl-lang',
        'Accept': 'application/x-refl-accept',
        'X-Request-Id': 'xrid-refl-8i9o',
        'Twilio-Request-Id': 'RQ0123456789abcdef0123456789abcdef',
        'If-None-Match': '"etag-refl-5r6t"',
        'Access-Control-Request-Method': 'PATCH-REFL',
        'Access-Control-Request-Headers': 'x-acrh-refl-0p1l',
        'X-HTTP-Method-Override': 'DELETE-REFL',
        'Content-Type': 'application/x-ct-refl',
        'Idempotency-Key': 'idem-refl-9z8x',
    }
    QUERY_MARKER = 'q-refl-5t6y'
    PATH_MARKER = 'path-refl-2k3j'

    def test_no_header_reflects_input(self):
        d = self.tmpdir()
        path = harness.write_json(d, 'r.json', fixture())
        srv = self.start_server(['--fixtures', path, '--quiet'])
        auth = harness.basic(ACCT_A, TOKEN_A)
        markers = list(self.MARKERS.values()) + [self.QUERY_MARKER,
                                                 self.PATH_MARKER]
        requests = [
            ('GET', '/v1/Assistants?PageSize=2&x=%s' % self.QUERY_MARKER,
             True, 200),
            ('HEAD', '/v1/Assistants?x=%s' % self.QUERY_MARKER, True, 200),
            ('GET', '/v1/Assistants?PageSize=%s' % self.QUERY_MARKER, True,
             400),
            ('GET', '/v1/Assistants?x=%s' % self.QUERY_MARKER, False, 401),
            ('GET', '/v1/%s' % self.PATH_MARKER, True, 404),
            ('DELETE', '/v1/Assistants?x=%s' % self.QUERY_MARKER, True, 405),
            ('PATCH-REFL', '/v1/Assistants', True, None),
            ('OPTIONS', '/v1/Assistants?x=%s' % self.QUERY_MARKER, False, 204),
            ('OPTIONS', '/v1/%s' % self.PATH_MARKER, False, 404),
            ('GET', '/healthz?x=%s' % self.QUERY_MARKER, False, 200),
            ('GET', '/readyz?x=%s' % self.QUERY_MARKER, False, 200),
        ]
        for method, target, with_auth, status in requests:
            with self.subTest(method=method, target=target):
                h = dict(self.MARKERS)
                if with_auth:
                    h['Authorization'] = auth
                r = srv.request(method, target, headers=h)
                if status is not None:
                    self.assertEqual(r.status, status, r)
                self.assertEqual(r.header('Access-Control-Allow-Origin'),
                                 '*', r.headers)
                self.assertNotEqual(r.header('Twilio-Request-Id'),
                                    self.MARKERS['Twilio-Request-Id'])
                for k, v in r.headers:
                    for m in markers:
                        self.assertNotIn(m.lower(), v.lower(),
                                         'response header %s: %s reflects '
                                         'input' % (k, v))
                        self.assertNotIn(m.lower(), k.lower())
                # the body links never use X-Forwarded-Host / Forwarded
                for m in ('xfh-refl', 'fwd-refl', 'xfp-refl'):
                    self.assertNotIn(m.encode(), r.body)
        # a Host header is not reflected in a header either (only in links)
        r = srv.request('GET', '/v1/Assistants?PageSize=1',
                        headers={'Authorization': auth,
                                 'Host': 'host-refl-8u9i.example'})
        self.assertEqual(r.status, 200, r)
        for k, v in r.headers:
            self.assertNotIn('host-refl', v.lower(), (k, v))


if __name__ == '__main__':
    harness.main()
