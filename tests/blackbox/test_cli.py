#!/usr/bin/env python3
"""Black-box tests of the command line: --help, --version, bad flags and
values, --check, fixture validation errors (file: JSON path: problem, exit 2,
never listening), accepted fixture forms (recorded Twilio responses,
directories, repeated --fixtures), the bundled default data, the access log,
--quiet and --healthcheck.

Does not test HTTP behaviour beyond what proves a fixture was served.

Usage: python3 tests/blackbox/test_cli.py [--binary PATH]

SPDX-License-Identifier: MIT
"""

import copy
import os
import re
import socket
import time

import harness
from harness import account, assistant, run_cli, sid, text

ACCT_A = sid('AC', 0xc1)
TOKEN_A = 'cli-token-a-SECRET'
KEY_A = sid('SK', 0xc1)
SECRET_A = 'cli-key-secret-a-SECRET'
ACCT_B = sid('AC', 0xc2)
TOKEN_B = 'cli-token-b-SECRET'

ALICE = 'ACa11ce000000000000000000000000001'
ALICE_TOKEN = 'alice-auth-token'
ALICE_KEY = 'SKa11ce000000000000000000000000001'
ALICE_SECRET = 'alice-api-key-secret'
BOB = 'ACb0b00000000000000000000000000002'
BOB_TOKEN = 'bob-auth-token'

FLAGS = ['--port', '--bind', '--fixtures', '--public-url', '--threads',
         '--quiet', '--rate-limit', '--inject-store-fault', '--check',
         '--healthcheck', '--help', '--version']
ENV_VARS = ['ASSISTANTS_MOCK_PORT', 'ASSISTANTS_MOCK_BIND',
            'ASSISTANTS_MOCK_FIXTURES', 'ASSISTANTS_MOCK_PUBLIC_URL',
            'ASSISTANTS_MOCK_THREADS', 'ASSISTANTS_MOCK_QUIET',
            'ASSISTANTS_MOCK_RATE_LIMIT', 'ASSISTANTS_MOCK_INJECT_STORE_FAULT',
            'TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_API_KEY',
            'TWILIO_API_SECRET']


def good_fixture():
    items = [assistant('aia_asst_c-%02d' % i, ACCT_A,
                       '2024-09-%02dT00:00:00Z' % (i + 1)) for i in range(3)]
    items += [assistant('aia_asst_d-%02d' % i, ACCT_B,
                        '2024-09-%02dT00:00:00Z' % (i + 1)) for i in range(2)]
    return {'accounts': [account(ACCT_A, TOKEN_A, [(KEY_A, SECRET_A)]),
                         account(ACCT_B, TOKEN_B)],
            'assistants': items}


def with_assistant(index, **over):
    """good_fixture() with assistants[index] changed (None removes a key)."""
    f = good_fixture()
    for k, v in over.items():
        if v is None:
            f['assistants'][index].pop(k, None)
        else:
            f['assistants'][index][k] = v
    return f


def one_line(s):
    lines = [l for l in text(s).split('\n') if l != '']
    return len(lines) == 1


class Basics(harness.TestCase):

    def test_help(self):
        p = run_cli(['--help'])
        self.assertEqual(p.returncode, 0, p)
        out = text(p.stdout)
        for word in FLAGS + ENV_VARS:
            with self.subTest(word=word):
                self.assertRegex(out, r'(?<![\w-])%s(?![\w-])'
                                 % re.escape(word))
        self.assertNotIn('listening on', out)

    def test_help_and_readme_name_the_same_options(self):
        """Every flag and variable --help names is in README's Command line
        table, and every flag of that table is in --help."""
        out = text(run_cli(['--help']).stdout)
        with open(os.path.join(harness.REPO_ROOT, 'README.md')) as f:
            readme = f.read()
        table = readme.split('## Command line', 1)[1].split('\n## ', 1)[0]
        help_flags = set(re.findall(r'^  (--[a-z][a-z-]*)', out, re.M))
        help_vars = set(re.findall(r'ASSISTANTS_MOCK_[A-Z_]*[A-Z]', out))
        table_flags = set(re.findall(r'^\| `(--[a-z][a-z-]*)', table, re.M))
        table_flags |= set(re.findall(r'`, `(--[a-z][a-z-]*)', table))
        self.assertGreater(len(help_flags), 25)
        for flag in sorted(help_flags):
            with self.subTest(flag=flag):
                self.assertRegex(table, r'`%s[ `]' % re.escape(flag))
        for var in sorted(help_vars):
            with self.subTest(var=var):
                self.assertIn(var, table)
        for flag in sorted(table_flags):
            with self.subTest(flag=flag):
                self.assertIn(flag, help_flags)

    def test_version(self):
        p = run_cli(['--version'])
        self.assertEqual(p.returncode, 0, p)
        self.assertTrue(one_line(p.stdout), p.stdout)
        self.assertRegex(text(p.stdout), r'assistants-mock\D*\d+\.\d+')

    def test_unknown_flag(self):
        for args in (['--bogus'], ['--port', '0', '--bogus'], ['-z'],
                     ['--helpme']):
            with self.subTest(args=args):
                p = run_cli(args)
                self.assertEqual(p.returncode, 2, p)
                self.assertTrue(one_line(p.stderr), p.stderr)
                self.assertIn(args[-1] if args[-1].startswith('-')
                              else args[-2], text(p.stderr))
                self.assertNotIn('listening on', text(p.stdout))

    def test_bad_values(self):
        for args in (['--port', 'abc'], ['--port', '-1'],
                     ['--port', '70000'], ['--port', '65536'],
                     ['--port', ''], ['--port', '80x'], ['--port'],
                     ['--threads', 'abc'], ['--threads', '-2'],
                     ['--rate-limit', 'abc'], ['--rate-limit', '-1'],
                     ['--inject-store-fault', 'x'],
                     ['--inject-store-fault', '-3'], ['--fixtures'],
                     ['--public-url']):
            with self.subTest(args=args):
                p = run_cli(args)
                self.assertEqual(p.returncode, 2, p)
                self.assertTrue(one_line(p.stderr), p.stderr)
                self.assertNotIn('listening on', text(p.stdout))

    def test_bad_env_values(self):
        for args, env in (([], {'ASSISTANTS_MOCK_PORT': 'abc'}),
                          ([], {'ASSISTANTS_MOCK_PORT': '70000'}),
                          (['--port', '0'],
                           {'ASSISTANTS_MOCK_RATE_LIMIT': 'x'}),
                          (['--port', '0'],
                           {'ASSISTANTS_MOCK_THREADS': 'many'})):
            with self.subTest(env=env):
                p = run_cli(args, env=env)
                self.assertEqual(p.returncode, 2, p)
                self.assertTrue(one_line(p.stderr), p.stderr)


class Check(harness.TestCase):

    def test_check_good(self):
        path = harness.write_json(self.tmpdir(), 'good.json', good_fixture())
        t0 = time.monotonic()
        p = run_cli(['--check', '--fixtures', path])
        self.assertLess(time.monotonic() - t0, 5)
        self.assertEqual(p.returncode, 0, p)
        self.assertEqual(text(p.stderr), '')
        out = text(p.stdout)
        self.assertNotIn('listening on', out)
        for acct, n in ((ACCT_A, 3), (ACCT_B, 2)):
            self.assertRegex(out, r'(?m)^.*%s\b.*\b%d\b.*$' % (acct, n))

    def test_check_default_fixtures(self):
        p = run_cli(['--check'])
        self.assertEqual(p.returncode, 0, p)
        out = text(p.stdout)
        self.assertRegex(out, r'(?m)^.*%s\b.*\b130\b.*$' % ALICE)
        self.assertRegex(out, r'(?m)^.*%s\b.*\b12\b.*$' % BOB)

    def test_check_accepts_edge_values(self):
        f = good_fixture()
        f['meta'] = {'page': 0, 'key': 'assistants'}
        a = f['assistants']
        a[0]['id'] = 'aia_asst_' + 'x' * (200 - len('aia_asst_'))
        a[0]['date_created'] = '2024-02-29T23:59:59Z'
        a[0]['date_updated'] = '2000-01-01T00:00:00Z'
        a[1]['personality_prompt'] = 'p' * (1 << 20)
        a[1]['url'] = 'https://assistants.twilio.com/v1/Assistants/x'
        a[2]['customer_ai'] = {}
        a[2]['name'] = ''
        path = harness.write_json(self.tmpdir(), 'edge.json', f)
        p = run_cli(['--check', '--fixtures', path])
        self.assertEqual(p.returncode, 0, text(p.stderr))


def invalid_json_text():
    return ('{\n'
            '  "accounts": [],\n'
            '  "assistants": [ @@@ ]\n'
            '}\n')


# (name, fixture object or raw text, JSON path regex, extra regex on line)
BAD_CASES = [
    ('missing id', with_assistant(1, id=None), r'assistants\[1\](\.id)?', 'id'),
    ('missing name', with_assistant(1, name=None),
     r'assistants\[1\](\.name)?', 'name'),
    ('missing owner', with_assistant(1, owner=None),
     r'assistants\[1\](\.owner)?', 'owner'),
    ('missing model', with_assistant(1, model=None),
     r'assistants\[1\](\.model)?', 'model'),
    ('missing personality_prompt', with_assistant(1, personality_prompt=None),
     r'assistants\[1\](\.personality_prompt)?', 'personality_prompt'),
    ('missing customer_ai', with_assistant(1, customer_ai=None),
     r'assistants\[1\](\.customer_ai)?', 'customer_ai'),
    ('missing date_created', with_assistant(1, date_created=None),
     r'assistants\[1\](\.date_created)?', 'date_created'),
    ('missing date_updated', with_assistant(1, date_updated=None),
     r'assistants\[1\](\.date_updated)?', 'date_updated'),
    ('name as number', with_assistant(0, name=123),
     r'assistants\[0\]\.name', None),
    ('name as bool', with_assistant(0, name=False),
     r'assistants\[0\]\.name', None),
    ('customer_ai as string', with_assistant(0, customer_ai='{}'),
     r'assistants\[0\]\.customer_ai', None),
    ('customer_ai as array', with_assistant(0, customer_ai=[]),
     r'assistants\[0\]\.customer_ai', None),
    ('date as number', with_assistant(0, date_created=20250101),
     r'assistants\[0\]\.date_created', None),
    ('id as number', with_assistant(0, id=7), r'assistants\[0\]\.id', None),
    ('url as number', with_assistant(0, url=5), r'assistants\[0\]\.url', None),
    ('account_sid as number', with_assistant(0, account_sid=5),
     r'assistants\[0\]\.account_sid', None),
    ('bad id prefix', with_assistant(2, id='asst_123'),
     r'assistants\[2\]\.id', None),
    ('bad id empty suffix', with_assistant(0, id='aia_asst_'),
     r'assistants\[0\]\.id', None),
    ('bad id empty', with_assistant(0, id=''), r'assistants\[0\]\.id', None),
    ('bad id case', with_assistant(0, id='AIA_ASST_x'),
     r'assistants\[0\]\.id', None),
    ('id too long', with_assistant(0, id='aia_asst_' + 'x' * 192),
     r'assistants\[0\]\.id', None),
    ('string too long', with_assistant(0, owner='o' * ((1 << 20) + 1)),
     r'assistants\[0\]\.owner', None),
    ('account_sid short', with_assistant(0, account_sid='AC' + 'a' * 31),
     r'assistants\[0\]\.account_sid', None),
    ('account_sid long', with_assistant(0, account_sid='AC' + 'a' * 33),
     r'assistants\[0\]\.account_sid', None),
    ('account_sid not hex', with_assistant(0, account_sid='AC' + 'g' * 32),
     r'assistants\[0\]\.account_sid', None),
    ('account_sid SK', with_assistant(0, account_sid=KEY_A),
     r'assistants\[0\]\.account_sid', None),
    ('account without credentials',
     with_assistant(0, account_sid=sid('AC', 0x999)),
     r'assistants\[0\]\.account_sid', None),
    ('date month 13', with_assistant(0, date_created='2025-13-01T00:00:00Z'),
     r'assistants\[0\]\.date_created', None),
    ('date Feb 30', with_assistant(0, date_created='2025-02-30T00:00:00Z'),
     r'assistants\[0\]\.date_created', None),
    ('date Feb 29 non-leap',
     with_assistant(0, date_created='2023-02-29T00:00:00Z'),
     r'assistants\[0\]\.date_created', None),
    ('date with space', with_assistant(0, date_created='2025-01-01 00:00:00'),
     r'assistants\[0\]\.date_created', None),
    ('date fractional',
     with_assistant(0, date_created='2025-01-01T00:00:00.123Z'),
     r'assistants\[0\]\.date_created', None),
    ('date offset', with_assistant(0, date_created='2025-01-01T00:00:00+00:00'),
     r'assistants\[0\]\.date_created', None),
    ('date hour 24', with_assistant(0, date_created='2025-01-01T24:00:00Z'),
     r'assistants\[0\]\.date_created', None),
    ('date only', with_assistant(0, date_created='2025-01-01'),
     r'assistants\[0\]\.date_created', None),
    ('date_updated bad', with_assistant(1, date_updated='2025-01-32T00:00:00Z'),
     r'assistants\[1\]\.date_updated', None),
    ('unknown assistant key', with_assistant(0, colour='blue'),
     r'assistants\[0\](\.colour)?', 'colour'),
]


def _dup_in_file():
    f = good_fixture()
    f['assistants'][2]['id'] = f['assistants'][0]['id']
    return f


def _unknown_top():
    f = good_fixture()
    f['extra'] = 1
    return f


def _unknown_account_key():
    f = good_fixture()
    f['accounts'][1]['email'] = 'x@example.com'
    return f


def _unknown_key_key():
    f = good_fixture()
    f['accounts'][0]['api_keys'][0]['friendly_name'] = 'k'
    return f


def _bad_account_sid():
    f = good_fixture()
    f['accounts'][1]['sid'] = 'ACxyz'
    for a in f['assistants']:
        a.setdefault('account_sid', ACCT_A)
        if a['account_sid'] == ACCT_B:
            a['account_sid'] = ACCT_A
    return f


def _bad_key_sid():
    f = good_fixture()
    f['accounts'][0]['api_keys'][0]['sid'] = 'SKxyz'
    return f


def _token_number():
    f = good_fixture()
    f['accounts'][0]['auth_token'] = 42
    return f


BAD_CASES += [
    ('duplicate id in file', _dup_in_file(), r'assistants\[2\]\.id', None),
    # a top-level key has no JSON path to speak of: any wording naming it
    ('unknown top-level key', _unknown_top(), r'.*', 'extra'),
    ('unknown account key', _unknown_account_key(),
     r'accounts\[1\](\.email)?', 'email'),
    ('unknown api key key', _unknown_key_key(),
     r'accounts\[0\]\.api_keys\[0\](\.friendly_name)?', 'friendly_name'),
    ('bad accounts sid', _bad_account_sid(), r'accounts\[1\]\.sid', None),
    ('bad api key sid', _bad_key_sid(),
     r'accounts\[0\]\.api_keys\[0\]\.sid', None),
    ('auth_token as number', _token_number(),
     r'accounts\[0\]\.auth_token', None),
    ('assistants not array', {'accounts': [], 'assistants': {}},
     r'assistants', None),
    ('accounts not array', {'accounts': {}, 'assistants': []},
     r'accounts', None),
]


class BadFixtures(harness.TestCase):

    def assert_rejected(self, path, line_re, args_extra=(), env=None,
                        also_serve=True):
        """--check and server mode both exit 2 with a stderr line fully
        matching line_re, and the server never listens."""
        for mode in (['--check'], ['--port', '0']) if also_serve else \
                (['--check'],):
            with self.subTest(mode=mode[0]):
                p = run_cli(mode + ['--fixtures', path] + list(args_extra),
                            env=env)
                err = text(p.stderr)
                self.assertEqual(p.returncode, 2, err)
                self.assertNotIn('listening on', text(p.stdout))
                lines = err.split('\n')
                self.assertTrue(any(re.fullmatch(line_re, l) for l in lines),
                                'no stderr line matches %r:\n%s'
                                % (line_re, err[:3000]))

    def test_bad_fixture_cases(self):
        d = self.tmpdir()
        for i, (name, fix, jpath, extra) in enumerate(BAD_CASES):
            with self.subTest(case=name):
                path = harness.write_json(d, 'bad%02d.json' % i, fix)
                rx = re.escape(path) + r': (?:%s): .+' % jpath
                if extra:
                    rx = r'(?=.*%s)' % re.escape(extra) + rx
                self.assert_rejected(path, rx)

    def test_exact_account_sid_message(self):
        path = harness.write_json(self.tmpdir(), 'x.json',
                                  with_assistant(3, account_sid='ACxyz'))
        self.assert_rejected(
            path, re.escape('%s: assistants[3].account_sid: expected "AC" '
                            'and 32 hex digits, got "ACxyz"' % path))

    def test_invalid_json_line_number(self):
        path = harness.write_text(self.tmpdir(), 'broken.json',
                                  invalid_json_text())
        self.assert_rejected(path, re.escape(path) + r':3: invalid JSON: .+')

    def test_invalid_json_later_line(self):
        body = harness.json.dumps(good_fixture(), indent=2).split('\n')
        body.insert(10, '  garbage')
        path = harness.write_text(self.tmpdir(), 'broken2.json',
                                  '\n'.join(body))
        self.assert_rejected(path, re.escape(path) + r':11: invalid JSON: .+')

    def test_all_errors_reported(self):
        f = good_fixture()
        f['assistants'][0]['name'] = 1
        f['assistants'][2]['date_created'] = 'yesterday'
        path = harness.write_json(self.tmpdir(), 'two.json', f)
        p = run_cli(['--check', '--fixtures', path])
        self.assertEqual(p.returncode, 2)
        err = text(p.stderr)
        self.assertRegex(err, '(?m)^%s: assistants\\[0\\]\\.name: .+$'
                         % re.escape(path))
        self.assertRegex(err, '(?m)^%s: assistants\\[2\\]\\.date_created: .+$'
                         % re.escape(path))

    def test_missing_file(self):
        path = os.path.join(self.tmpdir(), 'nope.json')
        for mode in (['--check'], ['--port', '0']):
            with self.subTest(mode=mode[0]):
                p = run_cli(mode + ['--fixtures', path])
                self.assertEqual(p.returncode, 2, p)
                self.assertIn(path, text(p.stderr))
                self.assertNotIn('listening on', text(p.stdout))

    def test_duplicate_across_files_in_directory(self):
        d = self.tmpdir()
        f = good_fixture()
        second = {'assistants': [assistant(f['assistants'][1]['id'], ACCT_A)]}
        # written in reverse name order: name order must win, not readdir's
        harness.write_json(d, 'b.json', second)
        harness.write_json(d, 'a.json', f)
        self.assert_rejected(
            d, re.escape(d) + r'/+b\.json: assistants\[0\]\.id: .+')
        # written in name order: same result
        d2 = self.tmpdir()
        harness.write_json(d2, 'a.json', f)
        harness.write_json(d2, 'b.json', second)
        self.assert_rejected(
            d2, re.escape(d2) + r'/+b\.json: assistants\[0\]\.id: .+')

    def test_duplicate_across_two_flags(self):
        d = self.tmpdir()
        f = good_fixture()
        p1 = harness.write_json(d, 'one.json', f)
        p2 = harness.write_json(d, 'two.json', {'assistants': [
            assistant(f['assistants'][0]['id'], ACCT_B)]})
        self.assert_rejected(p1, re.escape(p2) + r': assistants\[0\]\.id: .+',
                             args_extra=['--fixtures', p2])

    def test_bad_file_in_directory(self):
        d = self.tmpdir()
        harness.write_json(d, 'a.json', good_fixture())
        harness.write_json(d, 'z.json', with_assistant(0, name=5))
        self.assert_rejected(d, re.escape(d) +
                             r'/+z\.json: assistants\[0\]\.name: .+')


class GoodFixtures(harness.TestCase):

    def list_ids(self, srv, auth):
        r = srv.get('/v1/Assistants?PageSize=1000', auth=auth)
        self.assertEqual(r.status, 200, r)
        return [a['id'] for a in r.json()['assistants']]

    def test_recorded_twilio_response(self):
        acct = sid('AC', 0x7e)
        items = []
        for i, uid in enumerate(('01948909-d7df-7801-b365-6b99e5a23fae',
                                 '01948909-d7df-7801-b365-6b99e5a23faf',
                                 '0194890a-0000-7000-8000-000000000000')):
            aid = 'aia_asst_' + uid
            items.append({
                'account_sid': acct,
                'customer_ai': {'perception_engine_enabled': i % 2 == 0,
                                'personalization_engine_enabled': True},
                'id': aid, 'model': 'gpt-4o', 'name': 'Recorded %d' % i,
                'owner': 'Twilio', 'url':
                'https://assistants.twilio.com/v1/Assistants/' + aid,
                'personality_prompt': 'You are recorded #%d.' % i,
                'date_created': '2025-01-%02dT12:00:00Z' % (10 - i),
                'date_updated': '2025-02-01T00:00:00Z'})
        recorded = {'assistants': items, 'meta': {
            'page': 0, 'page_size': 50,
            'first_page_url':
                'https://assistants.twilio.com/v1/Assistants?PageSize=50&Page=0',
            'previous_page_url': None,
            'url':
                'https://assistants.twilio.com/v1/Assistants?PageSize=50&Page=0',
            'next_page_url': None, 'key': 'assistants'}}
        path = harness.write_json(self.tmpdir(), 'recorded.json', recorded)
        env = {'TWILIO_ACCOUNT_SID': acct, 'TWILIO_AUTH_TOKEN': 'rec-token'}
        p = run_cli(['--check', '--fixtures', path], env=env)
        self.assertEqual(p.returncode, 0, p)
        srv = self.start_server(['--fixtures', path, '--quiet'], env=env)
        r = srv.get('/v1/Assistants', auth=(acct, 'rec-token'))
        self.assertEqual(r.status, 200, r)
        got = r.json()['assistants']
        self.assertEqual(got, list(reversed(items)))
        self.assertEqual([k for k, _ in r.ordered()[0][1][0]],
                         harness.ITEM_KEYS)

    def test_multiple_fixtures_flags(self):
        d = self.tmpdir()
        f = good_fixture()
        fa = {'accounts': [f['accounts'][0]], 'assistants': f['assistants'][:3]}
        fb = {'accounts': [f['accounts'][1]], 'assistants': f['assistants'][3:]}
        pa = harness.write_json(d, 'fa.json', fa)
        pb = harness.write_json(d, 'fb.json', fb)
        srv = self.start_server(['--fixtures', pa, '--fixtures', pb,
                                 '--quiet'])
        self.assertEqual(self.list_ids(srv, (ACCT_A, TOKEN_A)),
                         ['aia_asst_c-%02d' % i for i in range(3)])
        self.assertEqual(self.list_ids(srv, (ACCT_B, TOKEN_B)),
                         ['aia_asst_d-%02d' % i for i in range(2)])

    def test_directory(self):
        d = self.tmpdir()
        f = good_fixture()
        # accounts in one file, assistants split over two others
        harness.write_json(d, '2-assistants.json',
                           {'assistants': f['assistants'][3:]})
        harness.write_json(d, '1-assistants.json',
                           {'assistants': f['assistants'][:3]})
        harness.write_json(d, '0-accounts.json', {'accounts': f['accounts']})
        harness.write_text(d, 'README.txt', 'not json {{{')
        harness.write_text(d, 'x.json.bak', 'not json {{{')
        os.mkdir(os.path.join(d, 'sub'))
        p = run_cli(['--check', '--fixtures', d])
        self.assertEqual(p.returncode, 0, p)
        srv = self.start_server(['--fixtures', d, '--quiet'])
        self.assertEqual(self.list_ids(srv, (ACCT_A, TOKEN_A)),
                         ['aia_asst_c-%02d' % i for i in range(3)])
        self.assertEqual(self.list_ids(srv, (KEY_A, SECRET_A)),
                         ['aia_asst_c-%02d' % i for i in range(3)])
        self.assertEqual(self.list_ids(srv, (ACCT_B, TOKEN_B)),
                         ['aia_asst_d-%02d' % i for i in range(2)])

    def test_startup_lines(self):
        path = harness.write_json(self.tmpdir(), 'good.json', good_fixture())
        srv = self.start_server(['--fixtures', path, '--quiet'])
        self.assertEqual(srv.addr, '127.0.0.1')
        self.assertIsNotNone(srv.wait_for_output(
            r'account %s: 3 assistants\b.*' % ACCT_A), srv.stdout_lines())
        self.assertIsNotNone(srv.wait_for_output(
            r'account %s: 2 assistants\b.*' % ACCT_B), srv.stdout_lines())
        srv.get('/healthz')
        time.sleep(0.2)
        out = '\n'.join(srv.stdout_lines()) + srv.stderr_text()
        for secret in (TOKEN_A, SECRET_A, TOKEN_B):
            self.assertNotIn(secret, out)


class DefaultData(harness.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.srv = cls.class_server(['--quiet'])

    def walk(self, auth, n=None):
        path = '/v1/Assistants' + ('?PageSize=%d' % n if n else '')
        pages = []
        while True:
            r = self.srv.get(path, auth=auth)
            self.assertEqual(r.status, 200, r)
            body = r.json()
            pages.append(body['assistants'])
            nxt = body['meta']['next_page_url']
            if nxt is None:
                return pages
            self.assertLess(len(pages), 200)
            self.assertTrue(nxt.startswith(self.srv.base + '/'), nxt)
            path = nxt[len(self.srv.base):]

    def test_alice(self):
        for auth in ((ALICE, ALICE_TOKEN), (ALICE_KEY, ALICE_SECRET)):
            with self.subTest(user=auth[0]):
                pages = self.walk(auth)
                self.assertEqual([len(p) for p in pages], [50, 50, 30])
                items = [a for p in pages for a in p]
                self.assertEqual(len({a['id'] for a in items}), 130)
                self.assertTrue(all(a['account_sid'] == ALICE for a in items))
                keys = [(a['date_created'], a['id']) for a in items]
                self.assertEqual(keys, sorted(keys))

    def test_bob(self):
        pages = self.walk((BOB, BOB_TOKEN))
        self.assertEqual([len(p) for p in pages], [12])
        self.assertTrue(all(a['account_sid'] == BOB for p in pages for a in p))
        self.assertEqual([len(p) for p in self.walk((BOB, BOB_TOKEN), 5)],
                         [5, 5, 2])

    def test_default_startup_lines(self):
        for acct, n in ((ALICE, 130), (BOB, 12)):
            self.assertIsNotNone(self.srv.wait_for_output(
                r'account %s: %d assistants\b.*' % (acct, n)),
                self.srv.stdout_lines())

    def test_wrong_default_credentials(self):
        for auth in ((ALICE, BOB_TOKEN), (BOB, ALICE_TOKEN),
                     (ALICE_KEY, ALICE_TOKEN)):
            r = self.srv.get('/v1/Assistants', auth=auth)
            self.assertEqual(r.status, 401, (auth, r))


class AccessLog(harness.TestCase):

    LINE = (r'(?P<m>[A-Z]+) (?P<p>\S+) (?P<s>\d{3}) (?P<b>\d+) '
            r'(?P<ms>\d+(?:\.\d+)?)ms (?P<rq>RQ[0-9a-f]{32})')

    def fixture_path(self):
        return harness.write_json(self.tmpdir(), 'good.json', good_fixture())

    def test_access_log_lines(self):
        srv = self.start_server(['--fixtures', self.fixture_path()])
        reqs = [('GET', '/v1/Assistants?PageSize=2', (ACCT_A, TOKEN_A), 200),
                ('GET', '/v1/Assistants?PageSize=2', (KEY_A, SECRET_A), 200),
                ('GET', '/v1/Assistants', (ACCT_A, 'wrong-SECRET'), 401),
                ('GET', '/v1/Nope', None, 404),
                ('DELETE', '/v1/Assistants', None, 401),
                ('DELETE', '/v1/Assistants', (ACCT_A, TOKEN_A), 405),
                ('GET', '/v1/Assistants?PageSize=0', (ACCT_A, TOKEN_A), 400)]
        for method, path, auth, status in reqs:
            with self.subTest(method=method, path=path):
                r = srv.request(method, path, auth=auth)
                self.assertEqual(r.status, status)
                rq = r.header('Twilio-Request-Id')
                line = srv.wait_for_output(r'.*%s.*' % rq, timeout=3)
                self.assertIsNotNone(line, 'no log line with %s: %r'
                                     % (rq, srv.stdout_lines()))
                m = re.fullmatch(self.LINE, line)
                self.assertIsNotNone(m, line)
                self.assertEqual(m.group('m'), method)
                self.assertEqual(m.group('p'), path)
                self.assertEqual(int(m.group('s')), status)
                self.assertEqual(int(m.group('b')), len(r.body))
                self.assertEqual(m.group('rq'), rq)
        out = '\n'.join(srv.stdout_lines()) + srv.stderr_text()
        for secret in (TOKEN_A, SECRET_A, 'wrong-SECRET',
                       harness.basic(ACCT_A, TOKEN_A)[6:]):
            self.assertNotIn(secret, out)

    def test_access_log_not_injectable(self):
        srv = self.start_server(['--fixtures', self.fixture_path()])
        ids = []
        for path in ('/v1/Foo%0Afake-line%20200', '/v1/Foo%0D%0Afake2',
                     '/v1/Assistants?x=%0Afake3'):
            r = srv.get(path, auth=(ACCT_A, TOKEN_A))
            ids.append(r.header('Twilio-Request-Id'))
        for rq in ids:
            self.assertIsNotNone(srv.wait_for_output(r'.*%s' % rq, timeout=3))
        for line in srv.stdout_lines():
            self.assertFalse(line.startswith('fake'), srv.stdout_lines())
            self.assertNotIn('\r', line)

    def assert_quiet(self, srv):
        ids = []
        for _ in range(3):
            r = srv.get('/v1/Assistants', auth=(ACCT_A, TOKEN_A))
            self.assertEqual(r.status, 200)
            ids.append(r.header('Twilio-Request-Id'))
            r = srv.get('/v1/Nope')
            self.assertEqual(r.status, 404)
            ids.append(r.header('Twilio-Request-Id'))
        time.sleep(0.3)
        out = srv.stdout_lines() + srv.stderr_text().split('\n')
        self.assertFalse([l for l in out if re.fullmatch(self.LINE, l) or
                          '/v1/' in l or any(i in l for i in ids)], out)

    def test_quiet_flag(self):
        self.assert_quiet(self.start_server(['--fixtures',
                                             self.fixture_path(), '--quiet']))

    def test_quiet_env(self):
        self.assert_quiet(self.start_server(
            ['--fixtures', self.fixture_path()],
            env={'ASSISTANTS_MOCK_QUIET': '1'}))


class Healthcheck(harness.TestCase):

    def test_healthcheck(self):
        path = harness.write_json(self.tmpdir(), 'good.json', good_fixture())
        srv = self.start_server(['--fixtures', path, '--quiet',
                                 '--bind', '127.0.0.1'])
        p = run_cli(['--healthcheck', '--port', str(srv.port)])
        self.assertEqual(p.returncode, 0, p)
        p = run_cli(['--healthcheck'],
                    env={'ASSISTANTS_MOCK_PORT': str(srv.port)})
        self.assertEqual(p.returncode, 0, p)
        # nothing listening there
        s = socket.socket()
        s.bind(('127.0.0.1', 0))
        free = s.getsockname()[1]
        s.close()
        t0 = time.monotonic()
        p = run_cli(['--healthcheck', '--port', str(free)])
        self.assertEqual(p.returncode, 1, p)
        self.assertLess(time.monotonic() - t0, 4)

    def test_healthcheck_no_answer_times_out(self):
        # a listener that accepts and never answers: 2 s timeout, exit 1
        s = socket.socket()
        self.addCleanup(s.close)
        s.bind(('127.0.0.1', 0))
        s.listen(4)
        t0 = time.monotonic()
        p = run_cli(['--healthcheck', '--port', str(s.getsockname()[1])])
        took = time.monotonic() - t0
        self.assertEqual(p.returncode, 1, p)
        self.assertLess(took, 4)
        self.assertGreater(took, 1)

    def test_healthcheck_wildcard_bind(self):
        path = harness.write_json(self.tmpdir(), 'good.json', good_fixture())
        srv = self.start_server(['--fixtures', path, '--quiet',
                                 '--bind', '0.0.0.0'])
        p = run_cli(['--healthcheck', '--port', str(srv.port),
                     '--bind', '0.0.0.0'])
        self.assertEqual(p.returncode, 0, p)
        p = run_cli(['--healthcheck'],
                    env={'ASSISTANTS_MOCK_PORT': str(srv.port),
                         'ASSISTANTS_MOCK_BIND': '0.0.0.0'})
        self.assertEqual(p.returncode, 0, p)

    def test_bind_and_threads(self):
        path = harness.write_json(self.tmpdir(), 'good.json', good_fixture())
        srv = self.start_server(['--fixtures', path, '--quiet',
                                 '--bind', '127.0.0.1', '--threads', '2'])
        self.assertEqual(srv.addr, '127.0.0.1')
        r = srv.get('/v1/Assistants', auth=(ACCT_A, TOKEN_A))
        self.assertEqual(r.status, 200)


if __name__ == '__main__':
    harness.main()
