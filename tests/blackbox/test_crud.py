#!/usr/bin/env python3
"""Black-box tests of the assistant CRUD operations (issue 8): create
(POST /v1/Assistants), fetch (GET/HEAD /v1/Assistants/{id}), update (PUT),
delete (DELETE), and how the list reflects them.

Checked exactly: status, body (values, key order, date and id formats),
headers (the standard ones, Allow and Access-Control-Allow-Methods per path,
no Content-Type on 204), every error row of the contract with its check
order (404 path, OPTIONS, Host, auth, 405, 429, body, store), the body
limits (1 MiB, Content-Type, JSON shape, depth, duplicate keys, types),
write-only segment_credential, account isolation, API-key credentials,
percent-encoded ids, --default-model / ASSISTANTS_MOCK_DEFAULT_MODEL, and
16 writers racing 4 paging readers.

Runs on the bundled fixtures (alice: 130 assistants, with an API key; bob:
12).  --state is in test_state.py.

Usage: python3 tests/blackbox/test_crud.py [--binary PATH]

SPDX-License-Identifier: MIT
"""

import calendar
import json
import threading
import time

import harness
from harness import (ALICE, ALICE_KEY, ALICE_KEY_SECRET, ALICE_N,
                     ALICE_TOKEN, ALLOW_HEALTH, ALLOW_INSTANCE, ALLOW_LIST,
                     ASSISTANT_ID_RE, BOB, BOB_N, BOB_TOKEN, DATE_RE,
                     FETCH_KEYS, ITEM_KEYS, MAX_BODY, assistant_path,
                     json_body)

AUTH_A = (ALICE, ALICE_TOKEN)
AUTH_K = (ALICE_KEY, ALICE_KEY_SECRET)
AUTH_B = (BOB, BOB_TOKEN)
DEFAULT_MODEL = 'gpt-4.1'
LIST = '/v1/Assistants'
CA_OFF = {'perception_engine_enabled': False,
          'personalization_engine_enabled': False}
CA_ON = {'perception_engine_enabled': True,
         'personalization_engine_enabled': True}
# A well-formed id nobody has.
NOBODY = 'aia_asst_01900000-0000-7000-8000-000000000000'


def not_found(path):
    return 'The requested resource %s was not found' % path


def not_allowed(path, method):
    return ('The requested resource %s does not support the attempted HTTP '
            'method %s' % (path, method))


def epoch(date):
    return calendar.timegm(time.strptime(date, '%Y-%m-%dT%H:%M:%SZ'))


def pct_all(s, fmt='%%%02X'):
    """Every byte of s percent-encoded."""
    return ''.join(fmt % b for b in s.encode('utf-8'))


class CrudCase(harness.TestCase):
    """Assertions on assistant bodies."""

    def assert_item(self, r, want=None, keys=ITEM_KEYS, base=None,
                    server_id=True):
        """r's body is one assistant with exactly keys (in order), a valid
        id, dates and url, customer_ai keys in order, no segment_credential;
        values equal want's (a dict of the fields to check).  Returns it."""
        try:
            pairs = r.ordered()
            body = r.json()
        except ValueError as e:
            self.fail('body is not JSON (%s): %r' % (e, r.body[:300]))
        self.assertEqual([k for k, _ in pairs], keys, r)
        self.assertEqual([k for k, _ in dict(pairs)['customer_ai']],
                         harness.CUSTOMER_AI_KEYS, r)
        self.assertNotIn(b'segment_credential', r.body)
        if server_id:
            self.assertRegex(body['id'], ASSISTANT_ID_RE)
        for k in ('date_created', 'date_updated'):
            self.assertRegex(body[k], DATE_RE, r)
        self.assertLessEqual(body['date_created'], body['date_updated'])
        for k in ('account_sid', 'id', 'model', 'name', 'owner', 'url',
                  'personality_prompt'):
            self.assertIsInstance(body[k], str, (k, r))
        for k in harness.CUSTOMER_AI_KEYS:
            self.assertIsInstance(body['customer_ai'][k], bool, (k, r))
        if base is not None:
            self.assertEqual(body['url'], '%s/v1/Assistants/%s'
                             % (base, body['id']))
        if keys == FETCH_KEYS:
            self.assertEqual(body['knowledge'], [])
            self.assertEqual(body['tools'], [])
            self.assertTrue(r.body.endswith(b'"knowledge":[],"tools":[]}'),
                            r.body[-80:])
        if want:
            self.assertEqual({k: body[k] for k in want}, want, r)
        return body

    def assert_now(self, date, slack=5):
        self.assertLessEqual(abs(epoch(date) - time.time()), slack, date)

    def create_ok(self, srv, obj, auth=AUTH_A, headers=None):
        r = srv.create(obj, auth, headers)
        self.assertEqual(r.status, 201, r)
        self.assert_standard_headers(r)
        return self.assert_item(r)

    def created(self, srv, name='x', auth=AUTH_A, **fields):
        fields['name'] = name
        return self.create_ok(srv, fields, auth)

    def fetch_ok(self, srv, aid, auth=AUTH_A, headers=None):
        r = srv.fetch(aid, auth, headers)
        self.assertEqual(r.status, 200, r)
        self.assert_standard_headers(r, allow_methods=ALLOW_INSTANCE)
        return self.assert_item(r, keys=FETCH_KEYS)

    def update_ok(self, srv, aid, obj, auth=AUTH_A, **kw):
        r = srv.update(aid, obj, auth, **kw)
        self.assertEqual(r.status, 200, r)
        self.assert_standard_headers(r, allow_methods=ALLOW_INSTANCE)
        return self.assert_item(r)

    def assert_gone(self, srv, aid, auth=AUTH_A):
        path = assistant_path(aid)
        for r in (srv.fetch(aid, auth), srv.update(aid, {'name': 'z'}, auth),
                  srv.remove(aid, auth)):
            self.assert_error(r, 404, 20404, not_found(path))
            self.assert_standard_headers(r, allow_methods=ALLOW_INSTANCE)
        r = srv.head(path, auth)
        self.assertEqual(r.status, 404, r)
        self.assertEqual(r.body, b'')

    def without_dates(self, d):
        return {k: v for k, v in d.items()
                if k not in ('date_updated', 'knowledge', 'tools')}

    def list_ids(self, srv, auth=AUTH_A, page_size=1000):
        return [a['id'] for a in srv.list_all(auth, page_size)]


# ---------------------------------------------------------------------------
# The operations


class Crud(CrudCase):

    @classmethod
    def setUpClass(cls):
        cls.srv = cls.class_server(['--quiet'])

    def test_lifecycle(self):
        srv = self.srv
        before = srv.list_all(AUTH_A)
        # create
        r = srv.create({'name': 'Lifecycle'}, AUTH_A)
        self.assertEqual(r.status, 201, r)
        self.assert_standard_headers(r, allow_methods=ALLOW_LIST)
        a = self.assert_item(r, base=srv.base)
        want = {'account_sid': ALICE, 'customer_ai': CA_OFF, 'id': a['id'],
                'model': DEFAULT_MODEL, 'name': 'Lifecycle', 'owner': '',
                'url': '%s/v1/Assistants/%s' % (srv.base, a['id']),
                'personality_prompt': '', 'date_created': a['date_created'],
                'date_updated': a['date_created']}
        self.assertEqual(a, want)
        self.assertEqual(r.body, harness.compact(want))
        self.assert_now(a['date_created'])
        aid = a['id']
        # fetch: the same plus knowledge and tools
        f = self.fetch_ok(srv, aid)
        self.assertEqual(f, dict(want, knowledge=[], tools=[]))
        # list: last, equal to the created body
        after = srv.list_all(AUTH_A)
        self.assertEqual(after[:-1], before)
        self.assertEqual(after[-1], want)
        # update
        u = self.update_ok(srv, aid, {'name': 'Renamed'})
        self.assertEqual(self.without_dates(u),
                         self.without_dates(dict(want, name='Renamed')))
        self.assertEqual(u['date_created'], want['date_created'])
        # list shows the new name, same place
        after = srv.list_all(AUTH_A, page_size=7)
        self.assertEqual(after[:-1], before)
        self.assertEqual(after[-1], u)
        self.assertEqual(self.fetch_ok(srv, aid),
                         dict(u, knowledge=[], tools=[]))
        # delete
        r = srv.remove(aid, AUTH_A)
        self.assert_no_content(r, allow_methods=ALLOW_INSTANCE)
        self.assert_gone(srv, aid)
        self.assertEqual(srv.list_all(AUTH_A), before)

    def test_create_all_fields(self):
        body = {'name': 'Full', 'owner': 'Owl Shoes',
                'personality_prompt': 'You are Owl.',
                'customer_ai': {'perception_engine_enabled': True,
                                'personalization_engine_enabled': False},
                'segment_credential': {'profile_api_key': 'pk',
                                       'space_id': 'sp', 'write_key': 'wk'}}
        a = self.create_ok(self.srv, body)
        self.assertEqual(a['customer_ai'], body['customer_ai'])
        for k in ('name', 'owner', 'personality_prompt'):
            self.assertEqual(a[k], body[k])
        self.assertEqual(a['model'], DEFAULT_MODEL)
        self.assertEqual(a['date_created'], a['date_updated'])
        f = self.fetch_ok(self.srv, a['id'])
        self.assertEqual(self.without_dates(f), self.without_dates(a))
        self.assertEqual(f['date_updated'], a['date_updated'])
        # the other flag combination, separately
        a = self.create_ok(self.srv, {'name': 'F2', 'customer_ai': {
            'perception_engine_enabled': False,
            'personalization_engine_enabled': True}})
        self.assertEqual(a['customer_ai'],
                         {'perception_engine_enabled': False,
                          'personalization_engine_enabled': True})

    def test_create_nulls_are_absent(self):
        # twilio-python sends every key, None included
        a = self.create_ok(self.srv, {
            'name': 'Nulls', 'owner': None, 'personality_prompt': None,
            'customer_ai': None, 'segment_credential': None})
        self.assertEqual((a['owner'], a['personality_prompt'],
                          a['customer_ai']), ('', '', CA_OFF))
        a = self.create_ok(self.srv, {'name': 'SCNulls', 'segment_credential':
                                      {'profile_api_key': None,
                                       'space_id': None, 'write_key': None}})
        self.assertEqual(a['name'], 'SCNulls')

    def test_create_ignores_unknown_and_camel_case_keys(self):
        a = self.create_ok(self.srv, {
            'name': 'Camel', 'personalityPrompt': 'camel prompt',
            'customerAi': {'perceptionEngineEnabled': True,
                           'personalizationEngineEnabled': True},
            'segmentCredential': {'writeKey': 'camel-wk'},
            'Owner': 'cap', 'NAME': 'upper', 'model': 'my-model',
            'id': 'aia_asst_chosen', 'account_sid': BOB,
            'date_created': '2001-01-01T00:00:00Z',
            'date_updated': '2001-01-01T00:00:00Z',
            'url': 'http://evil.example/x', 'knowledge': [1], 'tools': [2],
            'extra': {'deep': [1, 2, {'x': None}]}, 'num': 1e300})
        self.assertEqual(a['name'], 'Camel')
        self.assertEqual((a['owner'], a['personality_prompt'],
                          a['customer_ai'], a['model'], a['account_sid']),
                         ('', '', CA_OFF, DEFAULT_MODEL, ALICE))
        self.assertNotEqual(a['id'], 'aia_asst_chosen')
        self.assert_now(a['date_created'])
        self.assertEqual(a['url'], '%s/v1/Assistants/%s'
                         % (self.srv.base, a['id']))
        # camelCase in customer_ai does not stand in for the snake keys
        r = self.srv.create({'name': 'c', 'customer_ai': {
            'perceptionEngineEnabled': True,
            'personalizationEngineEnabled': True}}, AUTH_A)
        self.assert_error(r, 400, 20001, 'Missing required parameter '
                          'customer_ai.perception_engine_enabled')
        # nor does camelCase update anything
        u = self.update_ok(self.srv, a['id'], {
            'personalityPrompt': 'p', 'customerAi': CA_ON, 'Name': 'n',
            'model': 'm', 'id': NOBODY, 'account_sid': BOB,
            'date_created': '2001-01-01T00:00:00Z'})
        self.assertEqual(self.without_dates(u), self.without_dates(a))
        self.assertEqual(u['date_created'], a['date_created'])

    def test_strings_round_trip(self):
        for name in ('é 😀 日本', 'quote " backslash \\ slash /',
                     'tab\tnewline\ncr\r', '\x01\x1f\x7f', '<script>&amp;',
                     ' padded ', 'x' * 5000, ''.join(map(chr, range(32, 127)))):
            with self.subTest(name=name[:20]):
                a = self.create_ok(self.srv, {'name': name, 'owner': name,
                                              'personality_prompt': name})
                self.assertEqual((a['name'], a['owner'],
                                  a['personality_prompt']), (name,) * 3)
                f = self.fetch_ok(self.srv, a['id'])
                self.assertEqual(f['name'], name)
                r = self.srv.remove(a['id'], AUTH_A)
                self.assertEqual(r.status, 204, r)
        # JSON escapes are decoded (surrogate pairs too)
        r = self.srv.create(
            b'{"name":"\\u00e9\\ud83d\\ude00\\"\\/\\b\\f","owner":"\\u0041"}',
            AUTH_A)
        self.assertEqual(r.status, 201, r)
        a = self.assert_item(r)
        self.assertEqual((a['name'], a['owner']), ('é😀"/\b\f', 'A'))

    def test_nul_in_string(self):
        # "\u0000" is a valid JSON string character: kept, not truncated
        r = self.srv.create(b'{"name":"a\\u0000b"}', AUTH_A)
        self.assertEqual(r.status, 201, r)
        a = self.assert_item(r)
        self.assertEqual(a['name'], 'a\x00b')
        self.assertEqual(self.fetch_ok(self.srv, a['id'])['name'], 'a\x00b')

    def test_empty_strings(self):
        a = self.create_ok(self.srv, {'name': 'E', 'owner': '',
                                      'personality_prompt': ''})
        self.assertEqual((a['owner'], a['personality_prompt']), ('', ''))

    def test_ids_and_order(self):
        made = []
        for i in range(24):
            auth = (AUTH_A, AUTH_K, AUTH_B)[i % 3]
            a = self.created(self.srv, 'order-%02d' % i, auth)
            made.append(a)
        ids = [a['id'] for a in made]
        for aid in ids:
            self.assertRegex(aid, ASSISTANT_ID_RE)
        self.assertEqual(ids, sorted(ids), 'ids not increasing')
        self.assertEqual(len(set(ids)), len(ids))
        dates = [a['date_created'] for a in made]
        self.assertEqual(dates, sorted(dates))
        for a in made:
            self.assert_now(a['date_created'])
        # the UUIDv7 timestamp is the creation time (ms)
        for a in made:
            ms = int(a['id'][9:17] + a['id'][18:22], 16)
            self.assertLessEqual(abs(ms / 1000 - epoch(a['date_created'])),
                                 2, a)
        # new ones sort last, in creation order, in each account's list
        for auth, acct in ((AUTH_A, ALICE), (AUTH_B, BOB)):
            items = self.srv.list_all(auth, page_size=7)
            keys = [(a['date_created'], a['id']) for a in items]
            self.assertEqual(keys, sorted(keys))
            self.assertEqual(len(set(keys)), len(keys))
            mine = [a['id'] for a in made if a['account_sid'] == acct]
            self.assertEqual([a['id'] for a in items[-len(mine):]], mine)
            self.assertTrue(all(a['account_sid'] == acct for a in items))

    def test_url_follows_host(self):
        r = self.srv.create({'name': 'Hosted'}, AUTH_A,
                            headers={'Host': 'mock.example.test:8080'})
        self.assertEqual(r.status, 201, r)
        a = self.assert_item(r, base='http://mock.example.test:8080')
        f = self.srv.fetch(a['id'], AUTH_A, headers={'Host': 'other.test'})
        self.assert_item(f, keys=FETCH_KEYS, base='http://other.test')
        u = self.srv.update(a['id'], {}, AUTH_A,
                            headers={'Host': '10.1.2.3:9'})
        self.assert_item(u, base='http://10.1.2.3:9')

    def test_head(self):
        a = self.created(self.srv, 'Head')
        path = assistant_path(a['id'])
        g = self.srv.get(path, auth=AUTH_A)
        h = self.srv.head(path, auth=AUTH_A)
        self.assertEqual(h.status, 200, h)
        self.assertEqual(h.body, b'')
        self.assertEqual(h.header('Content-Type'), 'application/json')
        cl = h.header('Content-Length')
        if cl is not None:
            self.assertEqual(int(cl), len(g.body))
        self.assert_standard_headers(h, allow_methods=ALLOW_INSTANCE)
        h = self.srv.head(assistant_path(NOBODY), auth=AUTH_A)
        self.assertEqual(h.status, 404, h)
        self.assertEqual(h.body, b'')
        h = self.srv.head(path)
        self.assertEqual(h.status, 401, h)
        self.assertEqual(h.body, b'')

    def test_fetch_fixture_assistant(self):
        items = self.srv.list_all(AUTH_B)
        for item in items[:3]:
            f = self.fetch_ok(self.srv, item['id'], AUTH_B)
            self.assertEqual(self.without_dates(f), self.without_dates(item))
            self.assertEqual(f['date_updated'], item['date_updated'])

    def test_query_ignored_on_id_paths(self):
        a = self.created(self.srv, 'Query')
        path = assistant_path(a['id'])
        r = self.srv.get(path + '?PageSize=abc&x=1', auth=AUTH_A)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()['id'], a['id'])

    def test_body_on_get_and_delete_ignored(self):
        a = self.created(self.srv, 'Bodies')
        path = assistant_path(a['id'])
        for ct in ('text/plain', 'application/json'):
            r = self.srv.request('GET', path, auth=AUTH_A, body=b'not json{',
                                 headers={'Content-Type': ct})
            self.assertEqual(r.status, 200, r)
            r = self.srv.request('GET', LIST + '?PageSize=2', auth=AUTH_A,
                                 body=b'[1,', headers={'Content-Type': ct})
            self.assertEqual(r.status, 200, r)
        r = self.srv.delete(path, AUTH_A, body=b'\xff garbage',
                            headers={'Content-Type': 'text/plain'})
        self.assert_no_content(r, allow_methods=ALLOW_INSTANCE)
        self.assert_gone(self.srv, a['id'])

    def test_delete_twice_and_fixture_delete(self):
        a = self.created(self.srv, 'Twice', AUTH_B)
        self.assertEqual(self.srv.remove(a['id'], AUTH_B).status, 204)
        r = self.srv.remove(a['id'], AUTH_B)
        self.assert_error(r, 404, 20404, not_found(assistant_path(a['id'])))
        # a bundled assistant can be deleted too (bob's list shrinks by 1)
        before = self.srv.list_all(AUTH_B)
        victim = before[0]['id']
        self.assert_no_content(self.srv.remove(victim, AUTH_B),
                               allow_methods=ALLOW_INSTANCE)
        self.assertEqual(self.srv.list_all(AUTH_B), before[1:])
        self.assert_gone(self.srv, victim, AUTH_B)

    def test_segment_credential_write_only(self):
        m = {'profile_api_key': 'SCMARK-profile-91f3',
             'space_id': 'SCMARK-space-27ab', 'write_key': 'SCMARK-write-55e0'}
        m2 = {'profile_api_key': 'SCMARK-profile2-0c1d',
              'space_id': 'SCMARK-space2-4e4e',
              'write_key': 'SCMARK-write2-8a8a'}
        resps = []
        r = self.srv.create({'name': 'Seg', 'segment_credential': m}, AUTH_A)
        self.assertEqual(r.status, 201, r)
        resps.append(r)
        aid = r.json()['id']
        path = assistant_path(aid)
        resps.append(self.srv.fetch(aid, AUTH_A))
        resps.append(self.srv.head(path, AUTH_A))
        resps.append(self.srv.update(aid, {'segment_credential': m2},
                                     AUTH_A))
        resps.append(self.srv.update(aid, {'name': 'Seg2'}, AUTH_A))
        resps.append(self.srv.fetch(aid, AUTH_A))
        # a partial credential, and errors naming its members
        resps.append(self.srv.update(aid, {'segment_credential': {
            'write_key': 'SCMARK-partial-1111'}}, AUTH_A))
        resps.append(self.srv.update(aid, {'segment_credential': {
            'space_id': 'SCMARK-bad-2222', 'write_key': 7}}, AUTH_A))
        resps.append(self.srv.create({'name': 'Seg3', 'segment_credential': {
            'profile_api_key': 'SCMARK-bad-3333', 'space_id': 5}}, AUTH_A))
        for page_size in (1000, 7):
            path_q = LIST + '?PageSize=%d' % page_size
            while path_q:
                r = self.srv.get(path_q, auth=AUTH_A)
                self.assertEqual(r.status, 200, r)
                resps.append(r)
                nxt = r.json()['meta']['next_page_url']
                path_q = nxt and nxt[len(self.srv.base):]
        for r in resps:
            self.assertLess(r.status, 500, r)
            self.assertNotIn(b'SCMARK', r.body)
            if r.status < 300:  # (error messages name the field)
                self.assertNotIn(b'segment_credential', r.body)
            for k, v in r.headers:
                self.assertNotIn('SCMARK', v, (k, v))
        self.assertEqual(resps[4].json()['name'], 'Seg2')
        self.assertEqual(resps[6].status, 200, resps[6])

    def test_default_model_and_model_not_settable(self):
        a = self.create_ok(self.srv, {'name': 'M', 'model': 'gpt-9'})
        self.assertEqual(a['model'], DEFAULT_MODEL)
        u = self.update_ok(self.srv, a['id'], {'model': 'gpt-9'})
        self.assertEqual(u['model'], DEFAULT_MODEL)

    def test_keep_alive_sequence(self):
        """Writes, failed writes (their bodies read and dropped) and reads
        on one keep-alive connection, each answered in turn."""
        import http.client
        conn = http.client.HTTPConnection(self.srv.host, self.srv.port,
                                          timeout=10)
        self.addCleanup(conn.close)
        auth = {'Authorization': harness.basic(*AUTH_A)}
        js = dict(auth, **{'Content-Type': 'application/json'})

        def ask(method, path, body=None, headers=js):
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            return harness.Response(resp.status, resp.reason,
                                    resp.getheaders(), resp.read(),
                                    target=path)
        r = ask('POST', LIST, b'{"name":"ka"}')
        self.assertEqual(r.status, 201, r)
        aid = r.json()['id']
        path = assistant_path(aid)
        steps = [('POST', LIST, b'{"name":', 400),
                 ('POST', LIST, b'{"name":"x","name":"y"}', 400),
                 ('PUT', path, b'{"owner":"ka-owner"}', 200),
                 ('PUT', path, b'[' * 100, 400),
                 ('POST', path, b'{"name":"405"}', 405),
                 ('PUT', LIST, b'{}', 405),
                 ('GET', path, b'ignored body', 200),
                 ('PUT', path, b'', 200),
                 ('DELETE', path, b'ignored', 204),
                 ('GET', path, None, 404),
                 ('DELETE', path, None, 404),
                 ('POST', LIST, b'{"name":"ka2"}', 201)]
        for method, p, body, status in steps:
            with self.subTest(method=method, path=p, body=body):
                r = ask(method, p, body)
                self.assertEqual(r.status, status, r)
                self.assert_standard_headers(r, content_type=status != 204)
        r = ask('PUT', path, b'{"name":"x"}',
                headers=dict(auth, **{'Content-Type': 'text/plain'}))
        self.assertEqual(r.status, 400, r)
        r = ask('GET', LIST + '?PageSize=1', headers=auth)
        self.assertEqual(r.status, 200, r)

    def test_expect_100_continue(self):
        # curl sends Expect: 100-continue for bodies over 1 KiB
        body = json_body({'name': 'expect', 'personality_prompt': 'e' * 5000})
        head = ('POST /v1/Assistants HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n'
                'Authorization: %s\r\nContent-Type: application/json\r\n'
                'Expect: 100-continue\r\nContent-Length: %d\r\n'
                'Connection: close\r\n\r\n'
                % (self.srv.port, harness.basic(*AUTH_A), len(body)))
        r = self.srv.streamed(head.encode() + body)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json()['personality_prompt'], 'e' * 5000)

    def test_help_mentions_default_model(self):
        p = harness.run_cli(['--help'])
        self.assertEqual(p.returncode, 0, p)
        out = harness.text(p.stdout)
        self.assertIn('--default-model', out)
        self.assertIn('ASSISTANTS_MOCK_DEFAULT_MODEL', out)


class Update(CrudCase):

    @classmethod
    def setUpClass(cls):
        cls.srv = cls.class_server(['--quiet'])

    FULL = {'name': 'Base', 'owner': 'Owner0', 'personality_prompt': 'P0',
            'customer_ai': {'perception_engine_enabled': True,
                            'personalization_engine_enabled': False}}

    def base(self):
        return self.create_ok(self.srv, dict(self.FULL))

    def test_partial_merge(self):
        a = self.base()
        steps = [
            ({'owner': 'Owner1'}, {'owner': 'Owner1'}),
            ({'name': 'N1'}, {'name': 'N1'}),
            ({'personality_prompt': 'P1'}, {'personality_prompt': 'P1'}),
            ({'personality_prompt': ''}, {'personality_prompt': ''}),
            ({'owner': ''}, {'owner': ''}),
            ({'customer_ai': CA_ON}, {'customer_ai': CA_ON}),
            ({'customer_ai': {'personalization_engine_enabled': False,
                              'perception_engine_enabled': False}},
             {'customer_ai': CA_OFF}),
            ({'name': 'N2', 'owner': 'O2'}, {'name': 'N2', 'owner': 'O2'}),
            ({'segment_credential': {'write_key': 'w'}}, {}),
            ({'name': None, 'owner': None, 'personality_prompt': None,
              'customer_ai': None, 'segment_credential': None}, {}),
            ({}, {}),
        ]
        cur = a
        for body, change in steps:
            with self.subTest(body=body):
                u = self.update_ok(self.srv, a['id'], body)
                want = dict(self.without_dates(cur), **change)
                self.assertEqual(self.without_dates(u), want)
                self.assertEqual(u['date_created'], a['date_created'])
                self.assertGreaterEqual(u['date_updated'], cur['date_updated'])
                f = self.fetch_ok(self.srv, a['id'])
                self.assertEqual(f, dict(u, knowledge=[], tools=[]))
                cur = u
        self.assertEqual(cur['id'], a['id'])
        self.assertEqual(cur['model'], a['model'])
        self.assertEqual(cur['account_sid'], ALICE)

    def test_empty_body(self):
        a = self.base()
        path = assistant_path(a['id'])
        for headers in ({}, {'Content-Type': 'application/json'},
                        {'Content-Type': 'text/plain'},
                        {'Content-Type': 'application/x-www-form-urlencoded'}):
            with self.subTest(headers=headers):
                r = self.srv.request('PUT', path, auth=AUTH_A, body=b'',
                                     headers=headers)
                self.assertEqual(r.status, 200, r)
                u = self.assert_item(r)
                self.assertEqual(self.without_dates(u), self.without_dates(a))

    def test_dates(self):
        a = self.base()
        self.assertEqual(a['date_created'], a['date_updated'])
        time.sleep(1.1)
        # even an empty update moves date_updated
        u = self.update_ok(self.srv, a['id'], {})
        self.assertEqual(u['date_created'], a['date_created'])
        self.assertGreater(u['date_updated'], a['date_updated'])
        self.assert_now(u['date_updated'])
        u2 = self.update_ok(self.srv, a['id'], {'name': 'Later'})
        self.assertEqual(u2['date_created'], a['date_created'])
        self.assertGreaterEqual(u2['date_updated'], u['date_updated'])
        f = self.fetch_ok(self.srv, a['id'])
        self.assertEqual((f['date_created'], f['date_updated']),
                         (u2['date_created'], u2['date_updated']))
        item = [x for x in self.srv.list_all(AUTH_A) if x['id'] == a['id']]
        self.assertEqual(item, [u2])

    def test_update_keeps_list_position(self):
        a = self.base()
        b = self.base()
        self.update_ok(self.srv, a['id'], {'name': 'moved?'})
        ids = self.list_ids(self.srv)
        self.assertLess(ids.index(a['id']), ids.index(b['id']))

    def test_update_fixture_assistant(self):
        item = self.srv.list_all(AUTH_A)[5]
        u = self.update_ok(self.srv, item['id'], {'owner': 'New Owner'})
        self.assertEqual(self.without_dates(u),
                         dict(self.without_dates(item), owner='New Owner'))
        self.assertEqual(u['date_created'], item['date_created'])
        self.assertEqual(u['model'], item['model'])
        self.assertEqual(self.srv.list_all(AUTH_A)[5], u)

    def test_failed_update_changes_nothing(self):
        a = self.base()
        bad = [
            ({'name': 'new', 'owner': 5}, 'Invalid parameter owner'),
            ({'name': 'new', 'customer_ai': {'perception_engine_enabled':
                                             True}},
             'Missing required parameter '
             'customer_ai.personalization_engine_enabled'),
            ({'name': 'new', 'segment_credential': {'write_key': 1}},
             'Invalid parameter segment_credential.write_key'),
        ]
        for body, msg in bad:
            with self.subTest(body=body):
                r = self.srv.update(a['id'], body, AUTH_A)
                self.assert_error(r, 400, 20001, msg)
                self.assert_standard_headers(r, allow_methods=ALLOW_INSTANCE)
        for body in (b'{"name":"new"', b'{"name":"new","name":"newer"}'):
            r = self.srv.update(a['id'], body, AUTH_A)
            self.assert_error(r, 400, 20001, 'Invalid JSON in request body')
        r = self.srv.put_json(assistant_path(a['id']), {'name': 'new'},
                              AUTH_A, content_type='text/plain')
        self.assert_error(r, 400, 20001,
                          'Content-Type must be application/json')
        f = self.fetch_ok(self.srv, a['id'])
        self.assertEqual(f, dict(a, knowledge=[], tools=[]))


# ---------------------------------------------------------------------------
# Errors and their order


class Errors(CrudCase):

    @classmethod
    def setUpClass(cls):
        cls.srv = cls.class_server(['--quiet'])
        cls.aid = cls.srv.create({'name': 'Errors target'}, AUTH_A).json()['id']
        cls.path = assistant_path(cls.aid)

    def assert_bad(self, r, message, allow=ALLOW_LIST):
        self.assert_error(r, 400, 20001, message)
        self.assert_standard_headers(r, allow_methods=allow)

    def both(self, body, message, content_type='application/json'):
        """body is the same 400 on create and on update."""
        with self.subTest(op='create', body=body):
            r = self.srv.post_json(LIST, body, AUTH_A,
                                   content_type=content_type)
            self.assert_bad(r, message)
        with self.subTest(op='update', body=body):
            r = self.srv.put_json(self.path, body, AUTH_A,
                                  content_type=content_type)
            self.assert_bad(r, message, ALLOW_INSTANCE)

    def test_405(self):
        for method in ('PUT', 'DELETE', 'PATCH'):
            with self.subTest(method=method):
                r = self.srv.request(method, LIST, auth=AUTH_A, body=b'{}',
                                     headers={'Content-Type':
                                              'application/json'})
                self.assert_error(r, 405, 20004, not_allowed(LIST, method))
                self.assert_allow(r, ALLOW_LIST)
                self.assert_standard_headers(r)
        for path in (self.path, assistant_path(NOBODY),
                     '/v1/Assistants/unknown'):
            for method in ('POST', 'PATCH'):
                with self.subTest(path=path, method=method):
                    r = self.srv.post_json(path, {'name': 'x'}, AUTH_A) \
                        if method == 'POST' else \
                        self.srv.send_json(method, path, {'name': 'x'},
                                           AUTH_A)
                    self.assert_error(r, 405, 20004, not_allowed(path, method))
                    self.assert_allow(r, ALLOW_INSTANCE)
                    self.assert_standard_headers(r)
        for path in ('/healthz', '/readyz'):
            for method in ('POST', 'PUT', 'DELETE'):
                with self.subTest(path=path, method=method):
                    r = self.srv.request(method, path, body=b'')
                    self.assert_error(r, 405, 20004, not_allowed(path, method))
                    self.assert_allow(r, ALLOW_HEALTH)
                    self.assert_standard_headers(r)

    def test_options(self):
        for path, allow in ((LIST, ALLOW_LIST), (LIST + '?x=1', ALLOW_LIST),
                            (self.path, ALLOW_INSTANCE),
                            (assistant_path(NOBODY), ALLOW_INSTANCE),
                            ('/healthz', ALLOW_HEALTH),
                            ('/readyz', ALLOW_HEALTH)):
            for auth in (None, ('ACnobody', 'bad'), AUTH_B):
                with self.subTest(path=path, auth=auth):
                    r = self.srv.options(path, auth=auth, headers={
                        'Origin': 'http://app.test',
                        'Access-Control-Request-Method': 'PUT'})
                    self.assert_no_content(r, allow_methods=allow)
                    self.assert_allow(r, allow)
                    self.assertIsNone(r.header('WWW-Authenticate'))
        # OPTIONS comes before the Host check
        for path, allow in ((LIST, ALLOW_LIST), (self.path, ALLOW_INSTANCE)):
            with self.subTest(path=path, host='bad'):
                r = self.srv.raw(b'OPTIONS %s HTTP/1.1\r\nHost: bad/host\r\n'
                                 b'Connection: close\r\n\r\n'
                                 % path.encode())
                self.assert_no_content(r, allow_methods=allow)
                self.assert_allow(r, allow)
        r = self.srv.options('/v1/Assistants/a/b')
        self.assert_error(r, 404, 20404, not_found('/v1/Assistants/a/b'))
        self.assert_standard_headers(r)
        self.assertEqual(r.header('Access-Control-Allow-Methods'),
                         harness.CORS_ALLOW_METHODS)

    def test_auth_before_method(self):
        bad_auths = (None, (ALICE, 'wrong-token'), (ALICE, BOB_TOKEN),
                     (ALICE_KEY, ALICE_TOKEN))
        cases = [(m, LIST) for m in ('POST', 'PUT', 'DELETE', 'PATCH')]
        cases += [(m, self.path) for m in ('POST', 'PUT', 'DELETE', 'PATCH',
                                           'GET')]
        cases += [(m, assistant_path(NOBODY)) for m in ('POST', 'PUT',
                                                         'DELETE', 'GET')]
        for method, path in cases:
            for auth in bad_auths:
                with self.subTest(method=method, path=path, auth=auth):
                    # a body that would fail every later check, too
                    r = self.srv.send_json(method, path, b'{"name":',
                                           auth, content_type='text/plain')
                    self.assert_error(r, 401, 20003, 'Authenticate')
                    self.assert_standard_headers(r)
                    self.assertIsNone(r.header('Allow'))
        self.assertEqual(self.fetch_ok(self.srv, self.aid)['name'],
                         'Errors target')

    def test_host_before_auth(self):
        for method, path in (('POST', LIST), ('PUT', self.path),
                             ('DELETE', self.path), ('DELETE', LIST)):
            for auth in (b'', b'Authorization: %s\r\n'
                         % harness.basic(*AUTH_A).encode()):
                with self.subTest(method=method, path=path, auth=bool(auth)):
                    r = self.srv.raw(
                        b'%s %s HTTP/1.1\r\nHost: bad/host\r\n%s'
                        b'Content-Type: application/json\r\n'
                        b'Content-Length: 12\r\nConnection: close\r\n\r\n'
                        b'{"name":"h"}' % (method.encode(), path.encode(),
                                           auth))
                    self.assert_error(r, 400, 20001, 'Invalid Host header.')
                    self.assert_standard_headers(r)

    def test_method_before_body(self):
        r = self.srv.send_json('PUT', LIST, b'not json', AUTH_A,
                               content_type='text/plain')
        self.assert_error(r, 405, 20004, not_allowed(LIST, 'PUT'))
        r = self.srv.post_json(self.path, b'{', AUTH_A)
        self.assert_error(r, 405, 20004, not_allowed(self.path, 'POST'))

    def test_body_before_store(self):
        path = assistant_path(NOBODY)
        r = self.srv.put_json(path, b'{"name":', AUTH_A)
        self.assert_bad(r, 'Invalid JSON in request body', ALLOW_INSTANCE)
        r = self.srv.put_json(path, {'name': 'x'}, AUTH_A,
                              content_type='text/plain')
        self.assert_bad(r, 'Content-Type must be application/json',
                        ALLOW_INSTANCE)
        r = self.srv.put_json(path, {'name': 1}, AUTH_A)
        self.assert_bad(r, 'Invalid parameter name', ALLOW_INSTANCE)
        for body in ({'name': 'x'}, {}, b''):
            r = self.srv.put_json(path, body, AUTH_A)
            self.assert_error(r, 404, 20404, not_found(path))
        # a body on DELETE is ignored: still the store's 404
        r = self.srv.delete(path, AUTH_A, body=b'{',
                            headers={'Content-Type': 'text/plain'})
        self.assert_error(r, 404, 20404, not_found(path))

    def test_not_found_ids(self):
        bob_id = self.srv.list_all(AUTH_B)[0]['id']
        up = self.aid.upper().replace('AIA_ASST_', 'aia_asst_')
        cases = {
            'unknown well-formed': NOBODY,
            'other account': bob_id,
            'wrong prefix': 'aia_know_' + self.aid[9:],
            'no prefix': self.aid[9:],
            'uppercase': up,
            'prefix only': 'aia_asst_',
            'id plus char': self.aid + '0',
            'id minus char': self.aid[:-1],
            'trailing space': self.aid + ' ',
            'slash inside': 'a/b',
            'quote and backslash': 'aia_asst_"\\',
            'unicode': 'aia_asst_✓',
            'sql': "' OR 1=1 --",
            'percent': '100%',
            'long': 'aia_asst_' + 'a' * 200,
        }
        for name, aid in cases.items():
            path = assistant_path(aid)
            shown = '/v1/Assistants/' + aid
            for method in ('GET', 'PUT', 'DELETE'):
                with self.subTest(case=name, method=method):
                    if method == 'PUT':
                        r = self.srv.put_json(path, {'name': 'z'}, AUTH_A)
                    else:
                        r = self.srv.request(method, path, auth=AUTH_A)
                    self.assert_error(r, 404, 20404, not_found(shown))
                    self.assert_standard_headers(r,
                                                 allow_methods=ALLOW_INSTANCE)
        # a very long id: the echo in the message may be cut short (error
        # bodies stay small), but it is still this 404
        path = assistant_path('aia_asst_' + 'a' * 3000)
        for method in ('GET', 'PUT', 'DELETE'):
            with self.subTest(case='very long', method=method):
                r = self.srv.request(method, path, auth=AUTH_A, body=b'{}',
                                     headers={'Content-Type':
                                              'application/json'})
                self.assertEqual(r.status, 404, r)
                d = r.json()
                self.assertEqual((d['code'], d['status']), (20404, 404))
                self.assertRegex(d['message'], r'^The requested resource '
                                 r'/v1/Assistants/aia_asst_a{100,3000} was '
                                 r'not found$')
        # undecodable percent-encoding and NUL / invalid UTF-8 in the id: a
        # 404 with a valid JSON body
        for path in ('/v1/Assistants/%zz', '/v1/Assistants/%', '/v1/Assistants/'
                     'aia_asst_%00', '/v1/Assistants/%FF%FE',
                     '/v1/Assistants/%C0%AF'):
            with self.subTest(path=path):
                r = self.srv.get(path, auth=AUTH_A)
                self.assertEqual(r.status, 404, r)
                d = json.loads(r.body.decode('utf-8'))
                self.assertEqual((d['code'], d['status']), (20404, 404))
        self.assertEqual(self.fetch_ok(self.srv, bob_id, AUTH_B)['id'], bob_id)

    def test_percent_encoded_ids(self):
        a = self.created(self.srv, 'Encoded')
        aid = a['id']
        for enc in (pct_all(aid), pct_all(aid, '%%%02x'),
                    aid[:9] + pct_all(aid[9:13]) + aid[13:],
                    aid.replace('-', '%2D'), aid.replace('_', '%5f')):
            path = '/v1/Assistants/' + enc
            with self.subTest(path=path):
                r = self.srv.get(path, auth=AUTH_A)
                self.assertEqual(r.status, 200, r)
                self.assertEqual(r.json()['id'], aid)
                self.assertEqual(r.json()['url'], '%s/v1/Assistants/%s'
                                 % (self.srv.base, aid))
                r = self.srv.put_json(path, {'owner': enc}, AUTH_A)
                self.assertEqual(r.status, 200, r)
                self.assertEqual(r.json()['id'], aid)
        self.assertEqual(self.fetch_ok(self.srv, aid)['owner'],
                         aid.replace('_', '%5f'))
        r = self.srv.delete('/v1/Assistants/' + pct_all(aid), AUTH_A)
        self.assert_no_content(r, allow_methods=ALLOW_INSTANCE)
        self.assert_gone(self.srv, aid)
        # the 404 names the decoded id
        r = self.srv.get('/v1/Assistants/' + pct_all(aid), auth=AUTH_A)
        self.assert_error(r, 404, 20404, not_found('/v1/Assistants/' + aid))

    # -- body: size --

    def raw_request(self, method, path, body, auth=AUTH_A,
                    content_type='application/json', chunked=False):
        head = ['%s %s HTTP/1.1' % (method, path),
                'Host: 127.0.0.1:%d' % self.srv.port]
        if auth:
            head.append('Authorization: ' + harness.basic(*auth))
        if content_type:
            head.append('Content-Type: ' + content_type)
        if chunked:
            head.append('Transfer-Encoding: chunked')
            out = b''
            for i in range(0, len(body), 65536):
                piece = body[i:i + 65536]
                out += b'%x\r\n%s\r\n' % (len(piece), piece)
            body = out + b'0\r\n\r\n'
        else:
            head.append('Content-Length: %d' % len(body))
        head.append('Connection: close')
        data = ('\r\n'.join(head) + '\r\n\r\n').encode() + body
        return self.srv.streamed(data)

    def big_body(self, size, name='big'):
        """A valid create body of exactly size bytes."""
        empty = json_body({'name': name, 'personality_prompt': ''})
        n = size - len(empty)
        body = json_body({'name': name, 'personality_prompt': 'p' * n})
        self.assertEqual(len(body), size)
        return body

    def test_413(self):
        n_before = len(self.srv.list_all(AUTH_A))
        for size in (MAX_BODY + 1, MAX_BODY + 4096, 4 * MAX_BODY):
            body = self.big_body(size)
            for method, path, allow in (('POST', LIST, ALLOW_LIST),
                                        ('PUT', self.path, ALLOW_INSTANCE)):
                for chunked in (False, True):
                    with self.subTest(size=size, method=method,
                                      chunked=chunked):
                        r = self.raw_request(method, path, body,
                                             chunked=chunked)
                        self.assert_error(r, 413, 20001,
                                          'Request Entity Too Large')
                        self.assert_standard_headers(r, allow_methods=allow)
        self.assertEqual(len(self.srv.list_all(AUTH_A)), n_before)
        self.assertEqual(self.fetch_ok(self.srv, self.aid)['name'],
                         'Errors target')
        # auth first: an unauthenticated oversized body is a 401
        r = self.raw_request('POST', LIST, self.big_body(MAX_BODY + 1),
                             auth=None)
        self.assert_error(r, 401, 20003, 'Authenticate')

    def test_body_at_limit(self):
        body = self.big_body(MAX_BODY, 'at-limit')
        r = self.srv.post_json(LIST, body, AUTH_A)
        self.assertEqual(r.status, 201, r)
        a = self.assert_item(r)
        want = json.loads(body)['personality_prompt']
        self.assertEqual(a['personality_prompt'], want)
        self.assertEqual(self.fetch_ok(self.srv, a['id'])['personality_prompt'],
                         want)
        # PUT at the limit, and chunked just under it
        upd = self.big_body(MAX_BODY, 'at-limit2')
        r = self.srv.put_json(assistant_path(a['id']), upd, AUTH_A)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()['name'], 'at-limit2')
        r = self.raw_request('PUT', assistant_path(a['id']),
                             self.big_body(MAX_BODY - 1000, 'chunked'),
                             chunked=True)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()['name'], 'chunked')
        self.assertEqual(self.srv.remove(a['id'], AUTH_A).status, 204)

    def test_chunked_create(self):
        r = self.raw_request('POST', LIST, json_body({'name': 'chunky'}),
                             chunked=True)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json()['name'], 'chunky')

    # -- body: Content-Type --

    def test_content_type(self):
        bad = [None, 'text/plain', 'application/x-www-form-urlencoded',
               'multipart/form-data; boundary=x', 'application/jsonx',
               'application/json-patch+json', 'application/ld+json',
               'text/json', 'json', 'application', 'application/',
               '*/*', 'application/xml', '']
        for ct in bad:
            for body in (b'{"name":"ct"}', b'name=ct', b'{'):
                self.both(body, 'Content-Type must be application/json',
                          content_type=ct)
        ok = ['application/json', 'APPLICATION/JSON', 'Application/Json',
              'application/json; charset=utf-8',
              'application/json;charset=UTF-8',
              'application/json; charset="utf-8"']
        for ct in ok:
            with self.subTest(content_type=ct):
                r = self.srv.post_json(LIST, {'name': 'ct-ok'}, AUTH_A,
                                       content_type=ct)
                self.assertEqual(r.status, 201, r)
                r = self.srv.put_json(self.path, {'owner': ct}, AUTH_A,
                                      content_type=ct)
                self.assertEqual(r.status, 200, r)
                self.assertEqual(r.json()['owner'], ct)

    def test_bodyless_create(self):
        # no body at all (any Content-Type): {} -> name missing
        for ct in (None, 'application/x-www-form-urlencoded', 'text/plain',
                   'application/json'):
            with self.subTest(content_type=ct):
                r = self.srv.post_json(LIST, b'', AUTH_A, content_type=ct)
                self.assert_bad(r, 'Missing required parameter name')

    # -- body: JSON --

    def test_invalid_json(self):
        bodies = [
            b'not json', b'{', b'}', b'{"name":"x"', b'{"name":"x",}',
            b'{"name":}', b'{"name"}', b'{"name" "x"}', b'{,}',
            b'{"name":"x",,"owner":"y"}', b"{'name':'x'}", b'{name:"x"}',
            b'{"name":"unterminated}', b'{"name":"x"}}', b'{"name":"x"} x',
            b'{"name":"x"}{}', b'{"name":"x"}\x00', b'{"name":"x"}[]',
            b'{"name":"bad \\q escape"}', b'{"name":"\\u12"}',
            b'{"name":"\\u12G4"}', b'{"name":"raw \x01 control"}',
            b'{"name":"raw \n newline"}', b'{"name":"x","u":01}',
            b'{"name":"x","u":NaN}', b'{"name":"x","u":Infinity}',
            b'{"name":"x","u":+1}', b'{"name":"x","u":.5}',
            b'{"name":"x","u":1.}', b'{"name":"x","u":0x1}',
            b'{"name":"x","u":tru}', b'{"name":"x","u":nul}',
            b'{"name":"x","u":True}', b'{"name":"x"/*c*/}',
            b'{"name":"x"}//c', b'{"name":"x","u":[1,2,]}', b'{"name":"x",]',
            # JSON, but not an object
            b'[]', b'[{"name":"x"}]', b'"x"', b'1', b'-1.5', b'null',
            b'true', b'false',
            # invalid UTF-8 (in a value, a key, an ignored value)
            b'{"name":"a\xffb"}', b'{"name":"\xc3"}', b'{"name":"\xc0\xaf"}',
            b'{"name":"\xed\xa0\x80"}', b'{"name":"\xf8\x88\x80\x80\x80"}',
            b'{"name":"\xf4\x90\x80\x80"}', b'{"\xff":1,"name":"x"}',
            b'{"name":"x","u":"\xfe"}', b'\xff{"name":"x"}',
        ]
        # nesting deeper than 64, in an ignored key, a known one, or around
        for depth in (65, 100, 1000):
            bodies += [
                b'{"name":"x","u":' + b'[' * depth + b']' * depth + b'}',
                b'{"name":"x","u":' + b'{"a":' * depth + b'1' +
                b'}' * depth + b'}',
                b'{"name":"x","customer_ai":{"perception_engine_enabled":'
                b'true,"personalization_engine_enabled":true,"u":' +
                b'[' * depth + b']' * depth + b'}}',
                b'{"name":' + b'[' * depth + b']' * depth + b'}',
            ]
        bodies.append(b'{"name":"x","u":' + b'[' * 200000)
        # duplicate keys at any depth (also spelled with an escape)
        bodies += [
            b'{"name":"a","name":"b"}', b'{"name":"a","name":"a"}',
            b'{"name":"a","n\\u0061me":"b"}',
            b'{"name":"a","owner":"o","owner":"o"}',
            b'{"name":"a","u":1,"u":2}',
            b'{"name":"x","customer_ai":{"perception_engine_enabled":true,'
            b'"perception_engine_enabled":false,'
            b'"personalization_engine_enabled":true}}',
            b'{"name":"x","customer_ai":{"perception_engine_enabled":true,'
            b'"personalization_engine_enabled":true,"z":1,"z":1}}',
            b'{"name":"x","segment_credential":{"write_key":"a",'
            b'"write_key":"b"}}',
            b'{"name":"x","u":{"k":1,"k":2}}',
            b'{"name":"x","u":[{"a":[{"k":1,"k":2}]}]}',
        ]
        n_before = len(self.srv.list_all(AUTH_A))
        for body in bodies:
            self.both(body, 'Invalid JSON in request body')
        self.assertEqual(len(self.srv.list_all(AUTH_A)), n_before)
        self.assertEqual(self.fetch_ok(self.srv, self.aid)['name'],
                         'Errors target')

    def test_valid_json_variants(self):
        deep = 40
        bodies = [
            b' \t\r\n{"name":"ws"} \t\r\n',
            b'{ "name" : "ws2" , "owner" : "o" }',
            b'{"name":"n","u":' + b'[' * deep + b']' * deep + b'}',
            b'{"name":"n","u":' + b'{"a":' * deep + b'1' + b'}' * deep + b'}',
            b'{"name":"n","u":[1e400,-0,0.5e-3,123456789012345678901234567890'
            b',true,false,null,"s",{}]}',
            b'{"name":"n","u":{"name":5,"owner":[]}}',
            b'{"name":"n","customer_ai":{"perception_engine_enabled":true,'
            b'"personalization_engine_enabled":false,"extra":[1]}}',
            b'{"name":"n","segment_credential":{"write_key":"w","other":1}}',
            b'{"name":"n","segment_credential":{}}',
        ]
        for body in bodies:
            with self.subTest(body=body[:60]):
                r = self.srv.post_json(LIST, body, AUTH_A)
                self.assertEqual(r.status, 201, r)
                self.assert_item(r)
                r = self.srv.put_json(self.path, body, AUTH_A)
                self.assertEqual(r.status, 200, r)
        r = self.srv.put_json(self.path, {'name': 'Errors target',
                                          'owner': ''}, AUTH_A)
        self.assertEqual(r.status, 200, r)

    # -- body: fields --

    def test_missing_name(self):
        for body in ({}, {'owner': 'x'}, {'name': None}, {'Name': 'x'},
                     {'NAME': 'x', 'personality_prompt': 'p'},
                     {'owner': 1}, {'customer_ai': 5},
                     {'personality_prompt': []}):
            with self.subTest(body=body):
                r = self.srv.create(body, AUTH_A)
                self.assert_bad(r, 'Missing required parameter name')

    def test_customer_ai_members_required(self):
        pe = 'customer_ai.perception_engine_enabled'
        pz = 'customer_ai.personalization_engine_enabled'
        cases = [
            ({}, pe), ({'perception_engine_enabled': True}, pz),
            ({'personalization_engine_enabled': True}, pe),
            ({'perception_engine_enabled': None,
              'personalization_engine_enabled': True}, pe),
            ({'perception_engine_enabled': False,
              'personalization_engine_enabled': None}, pz),
            ({'perceptionEngineEnabled': True,
              'personalization_engine_enabled': True}, pe),
            ({'personalization_engine_enabled': 'yes'}, pe),
        ]
        for ca, field in cases:
            self.both({'name': 'x', 'customer_ai': ca},
                      'Missing required parameter ' + field)

    def test_wrong_types(self):
        not_str = [1, 0, -1.5, True, False, [], ['x'], {}, {'x': 'y'}]
        not_obj = ['x', '', 1, 0, True, False, [], [{}]]
        not_bool = ['true', 'false', '', 1, 0, 1.0, [], {}, [True]]
        fields = []
        for f in ('name', 'owner', 'personality_prompt'):
            fields += [({f: v}, f) for v in not_str]
        fields += [({'customer_ai': v}, 'customer_ai') for v in not_obj]
        for m in harness.CUSTOMER_AI_KEYS:
            other = [k for k in harness.CUSTOMER_AI_KEYS if k != m][0]
            fields += [({'customer_ai': {m: v, other: True}},
                        'customer_ai.' + m) for v in not_bool]
        fields += [({'segment_credential': v}, 'segment_credential')
                   for v in not_obj]
        for m in ('profile_api_key', 'space_id', 'write_key'):
            fields += [({'segment_credential': {m: v}},
                        'segment_credential.' + m) for v in not_str]
        for body, field in fields:
            full = dict({'name': 'typed'}, **body)
            self.both(full, 'Invalid parameter ' + field)

    def test_validation_order(self):
        ca_bad = {'perception_engine_enabled': 'x',
                  'personalization_engine_enabled': 'y'}
        cases = [
            ({'name': 1, 'owner': 2}, 'Invalid parameter name'),
            ({'owner': 2, 'name': 1}, 'Invalid parameter name'),
            ({'segment_credential': 1, 'customer_ai': 1,
              'personality_prompt': 1, 'owner': 1, 'name': 1},
             'Invalid parameter name'),
            ({'segment_credential': 1, 'customer_ai': 1,
              'personality_prompt': 1, 'owner': 1, 'name': 'n'},
             'Invalid parameter owner'),
            ({'segment_credential': 1, 'customer_ai': 1,
              'personality_prompt': 1, 'name': 'n'},
             'Invalid parameter personality_prompt'),
            ({'segment_credential': 1, 'customer_ai': 1, 'name': 'n'},
             'Invalid parameter customer_ai'),
            ({'segment_credential': 1, 'customer_ai': ca_bad, 'name': 'n'},
             'Invalid parameter customer_ai.perception_engine_enabled'),
            ({'segment_credential': 1, 'customer_ai': {
                'personalization_engine_enabled': 'y'}, 'name': 'n'},
             'Missing required parameter '
             'customer_ai.perception_engine_enabled'),
            ({'segment_credential': {'write_key': 1}, 'customer_ai': CA_ON,
              'name': 'n'}, 'Invalid parameter segment_credential.write_key'),
            ({'segment_credential': 1, 'name': 'n'},
             'Invalid parameter segment_credential'),
        ]
        for body, msg in cases:
            self.both(body, msg)
        # on create a missing name comes before later wrong types
        for body in ({'owner': 1}, {'customer_ai': {}},
                     {'segment_credential': 'x'}):
            with self.subTest(body=body):
                self.assert_bad(self.srv.create(body, AUTH_A),
                                'Missing required parameter name')
        # on update a wrong-typed later field is named without a name
        r = self.srv.update(self.aid, {'owner': 1}, AUTH_A)
        self.assert_bad(r, 'Invalid parameter owner', ALLOW_INSTANCE)

    def test_zz_errors_create_nothing(self):
        """After every rejected create of this class, the list holds only
        what the successful ones made: no half-made assistant."""
        items = self.srv.list_all(AUTH_A, page_size=7)
        names = [a['name'] for a in items]
        self.assertNotIn('typed', names)
        self.assertNotIn('x', names)
        self.assertNotIn('big', names)
        self.assertEqual(len({a['id'] for a in items}), len(items))


class Paging(CrudCase):

    def test_page_token_survives_writes(self):
        """A next_page_url handed out before writes still continues right
        after its last item, even when that item is deleted."""
        srv = self.start_server(['--quiet'])
        bob = self.list_ids(srv, AUTH_B)
        self.assertEqual(len(bob), BOB_N)
        r = srv.get(LIST + '?PageSize=5', auth=AUTH_B)
        self.assertEqual(r.status, 200, r)
        page0 = r.json()
        self.assertEqual([a['id'] for a in page0['assistants']], bob[:5])
        nxt = page0['meta']['next_page_url']
        # delete the cursor item and one ahead of it, add one at the end,
        # rename one ahead
        self.assertEqual(srv.remove(bob[4], AUTH_B).status, 204)
        self.assertEqual(srv.remove(bob[6], AUTH_B).status, 204)
        new = self.created(srv, 'Paged', AUTH_B)
        self.update_ok(srv, bob[7], {'name': 'renamed on the way'}, AUTH_B)
        r = srv.get_url(nxt, auth=AUTH_B)
        self.assertEqual(r.status, 200, r)
        page1 = r.json()
        self.assertEqual([a['id'] for a in page1['assistants']],
                         [bob[5], bob[7], bob[8], bob[9], bob[10]])
        self.assertEqual(page1['assistants'][1]['name'], 'renamed on the way')
        r = srv.get_url(page1['meta']['next_page_url'], auth=AUTH_B)
        self.assertEqual(r.status, 200, r)
        page2 = r.json()
        self.assertEqual([a['id'] for a in page2['assistants']],
                         [bob[11], new['id']])
        self.assertIsNone(page2['meta']['next_page_url'])
        # an assistant created after the last page was fetched is reached
        # through the same token again
        newer = self.created(srv, 'Paged later', AUTH_B)
        r = srv.get_url(page1['meta']['next_page_url'], auth=AUTH_B)
        self.assertEqual([a['id'] for a in r.json()['assistants']],
                         [bob[11], new['id'], newer['id']])


class RateLimited(CrudCase):

    def test_rate_limit_before_body_and_counts_writes(self):
        srv = self.start_server(['--quiet', '--rate-limit', '2'])
        time.sleep(1.1)
        statuses = [srv.post_json(LIST, b'{', AUTH_A).status
                    for _ in range(8)]
        self.assertEqual(statuses[0], 400, statuses)
        self.assertEqual(set(statuses), {400, 429}, statuses)
        time.sleep(1.1)
        rs = [srv.create({'name': 'r%d' % i}, AUTH_A) for i in range(8)]
        self.assertEqual(rs[0].status, 201, rs[0])
        self.assertEqual({r.status for r in rs}, {201, 429})
        for r in rs:
            if r.status == 429:
                self.assert_error(r, 429, 20429, 'Too Many Requests')
        # auth before the rate limit
        r = srv.create({'name': 'r'}, (ALICE, 'wrong'))
        self.assert_error(r, 401, 20003, 'Authenticate')
        # 405 before the rate limit
        r = srv.request('DELETE', LIST, auth=AUTH_A)
        self.assert_error(r, 405, 20004, not_allowed(LIST, 'DELETE'))
        time.sleep(1.1)
        made = [r.json()['id'] for r in rs if r.status == 201]
        ids = self.list_ids(srv)
        self.assertEqual(ids[-len(made):], made)
        self.assertEqual(len(ids), ALICE_N + len(made))


# ---------------------------------------------------------------------------
# Accounts


class Isolation(CrudCase):

    @classmethod
    def setUpClass(cls):
        cls.srv = cls.class_server(['--quiet'])

    def test_other_account_sees_nothing(self):
        srv = self.srv
        a = self.created(srv, 'Alice only', owner='A',
                         personality_prompt='secret-ish prompt')
        aid = a['id']
        path = assistant_path(aid)
        bob_before = srv.list_all(AUTH_B)
        shown = not_found(path)
        for r in (srv.fetch(aid, AUTH_B),
                  srv.update(aid, {'name': 'taken'}, AUTH_B),
                  srv.update(aid, {}, AUTH_B), srv.update(aid, b'', AUTH_B),
                  srv.remove(aid, AUTH_B)):
            self.assert_error(r, 404, 20404, shown)
            self.assertNotIn(b'Alice only', r.body)
        r = srv.head(path, AUTH_B)
        self.assertEqual((r.status, r.body), (404, b''))
        # the same answer as for an id nobody has
        r1 = srv.fetch(aid, AUTH_B)
        r2 = srv.fetch(NOBODY, AUTH_B)
        self.assertEqual(r1.body.replace(aid.encode(), b'ID'),
                         r2.body.replace(NOBODY.encode(), b'ID'))
        # bob's list never shows it, at any page size
        for ps in (1000, 5, 1):
            ids = [x['id'] for x in srv.list_all(AUTH_B, ps)]
            self.assertNotIn(aid, ids)
        self.assertEqual(srv.list_all(AUTH_B), bob_before)
        # alice's assistant is unchanged
        f = self.fetch_ok(srv, aid)
        self.assertEqual(f, dict(a, knowledge=[], tools=[]))

    def test_bob_cannot_touch_alice_fixtures(self):
        srv = self.srv
        alice_items = srv.list_all(AUTH_A)
        for item in alice_items[:3] + alice_items[-2:]:
            with self.subTest(id=item['id']):
                for r in (srv.fetch(item['id'], AUTH_B),
                          srv.update(item['id'], {'name': 'b'}, AUTH_B),
                          srv.remove(item['id'], AUTH_B)):
                    self.assert_error(r, 404, 20404,
                                      not_found(assistant_path(item['id'])))
        self.assertEqual(srv.list_all(AUTH_A), alice_items)

    def test_alice_cannot_touch_bob(self):
        srv = self.srv
        b = self.created(srv, 'Bob only', AUTH_B)
        self.assertEqual(b['account_sid'], BOB)
        for auth in (AUTH_A, AUTH_K):
            for r in (srv.fetch(b['id'], auth),
                      srv.update(b['id'], {'name': 'a'}, auth),
                      srv.remove(b['id'], auth)):
                self.assert_error(r, 404, 20404,
                                  not_found(assistant_path(b['id'])))
            self.assertNotIn(b['id'], self.list_ids(srv, auth))
        self.assertEqual(self.fetch_ok(srv, b['id'], AUTH_B),
                         dict(b, knowledge=[], tools=[]))
        self.assertEqual(self.list_ids(srv, AUTH_B)[-1], b['id'])

    def test_api_key_is_the_account(self):
        srv = self.srv
        n_bob = len(srv.list_all(AUTH_B))
        a = self.created(srv, 'Via key', AUTH_K)
        self.assertEqual(a['account_sid'], ALICE)
        self.assertEqual(self.fetch_ok(srv, a['id'], AUTH_A),
                         self.fetch_ok(srv, a['id'], AUTH_K))
        u = self.update_ok(srv, a['id'], {'name': 'Key renamed'}, AUTH_A)
        self.assertEqual(self.fetch_ok(srv, a['id'], AUTH_K)['name'],
                         'Key renamed')
        self.assertEqual(self.list_ids(srv, AUTH_A), self.list_ids(srv,
                                                                   AUTH_K))
        self.assertEqual(self.list_ids(srv, AUTH_A)[-1], a['id'])
        self.assertEqual(u['account_sid'], ALICE)
        t = self.created(srv, 'Via token', AUTH_A)
        self.update_ok(srv, t['id'], {'owner': 'k'}, AUTH_K)
        self.assert_no_content(srv.remove(a['id'], AUTH_A),
                               allow_methods=ALLOW_INSTANCE)
        self.assert_no_content(srv.remove(t['id'], AUTH_K),
                               allow_methods=ALLOW_INSTANCE)
        self.assert_gone(srv, a['id'], AUTH_K)
        self.assert_gone(srv, t['id'], AUTH_A)
        self.assertEqual(len(srv.list_all(AUTH_B)), n_bob)


# ---------------------------------------------------------------------------
# Server options


class Options(CrudCase):

    def test_default_model_flag(self):
        srv = self.start_server(['--quiet', '--default-model', 'flag-model-7'])
        a = self.created(srv, 'F')
        self.assertEqual(a['model'], 'flag-model-7')
        self.assertEqual(self.fetch_ok(srv, a['id'])['model'], 'flag-model-7')
        # bundled assistants keep their own model
        item = srv.list_all(AUTH_B)[0]
        self.assertNotEqual(item['model'], 'flag-model-7')
        self.assertEqual(self.fetch_ok(srv, item['id'], AUTH_B)['model'],
                         item['model'])

    def test_default_model_env(self):
        srv = self.start_server(['--quiet'], env={
            'ASSISTANTS_MOCK_DEFAULT_MODEL': 'env-model-8'})
        self.assertEqual(self.created(srv, 'E')['model'], 'env-model-8')
        srv = self.start_server(['--quiet', '--default-model', 'flag-wins'],
                                env={'ASSISTANTS_MOCK_DEFAULT_MODEL': 'env'})
        self.assertEqual(self.created(srv, 'W')['model'], 'flag-wins')

    def test_custom_fixture_ids(self):
        acct = harness.sid('AC', 0xc0de)
        token = 'crud-custom-token'
        fixed = 'https://assistants.twilio.com/v1/Assistants/aia_asst_fixed'
        items = [harness.assistant('aia_asst_c-%02d' % i, acct,
                                   '2024-02-%02dT00:00:00Z' % (i + 1))
                 for i in range(3)]
        items.append(harness.assistant('aia_asst_fixed', acct,
                                       '2024-03-01T00:00:00Z', url=fixed))
        path = harness.write_json(self.tmpdir(), 'custom.json', {
            'accounts': [harness.account(acct, token)], 'assistants': items})
        srv = self.start_server(['--quiet', '--fixtures', path])
        auth = (acct, token)
        listed = srv.list_all(auth)
        self.assertEqual([a['id'] for a in listed],
                         [a['id'] for a in items])
        for item in listed:
            with self.subTest(id=item['id']):
                r = srv.fetch(item['id'], auth)
                self.assertEqual(r.status, 200, r)
                f = self.assert_item(r, keys=FETCH_KEYS, server_id=False)
                self.assertEqual(f, dict(item, knowledge=[], tools=[]))
        self.assertEqual(listed[-1]['url'], fixed)
        u = srv.update('aia_asst_c-01', {'name': 'custom renamed'}, auth)
        self.assertEqual(u.status, 200, u)
        self.assertEqual(u.json()['name'], 'custom renamed')
        self.assertEqual(srv.remove('aia_asst_fixed', auth).status, 204)
        a = self.created(srv, 'New in custom', auth)
        self.assertEqual(a['account_sid'], acct)
        self.assertEqual(self.list_ids(srv, auth),
                         ['aia_asst_c-00', 'aia_asst_c-01', 'aia_asst_c-02',
                          a['id']])

    def test_public_url(self):
        srv = self.start_server(['--quiet', '--public-url',
                                 'https://api.example.com'])
        r = srv.create({'name': 'P'}, AUTH_A, headers={'Host': 'x.test'})
        self.assertEqual(r.status, 201, r)
        a = self.assert_item(r, base='https://api.example.com')
        f = srv.fetch(a['id'], AUTH_A, headers={'Host': 'y.test'})
        self.assert_item(f, keys=FETCH_KEYS, base='https://api.example.com')


# ---------------------------------------------------------------------------
# Concurrency


N_WRITERS = 16
N_READERS = 4
RUN_SECONDS = 3.0


class Concurrency(CrudCase):

    def test_writers_and_paging_readers(self):
        srv = self.start_server(['--quiet'])
        seeded = self.list_ids(srv)
        self.assertEqual(len(seeded), ALICE_N)
        seeded_set = set(seeded)
        lock = threading.Lock()
        created = {}      # id -> monotonic time the 201 arrived
        delete_start = {}  # id -> monotonic time before the DELETE was sent
        deleted = {}      # id -> monotonic time the 204 arrived
        last_name = {}    # id -> last name written (a 2xx answer)
        problems = []     # (op, detail)
        walks = []        # (t0, t1, [ids])
        counts = {'create': 0, 'update': 0, 'delete': 0, 'page': 0}
        stop_at = time.monotonic() + RUN_SECONDS

        def problem(op, r):
            with lock:
                problems.append((op, r))

        made_by = [[] for _ in range(N_WRITERS)]

        def writer(w):
            mine = []
            seeded_mine = seeded[w::N_WRITERS]
            i = 0
            try:
                while time.monotonic() < stop_at:
                    i += 1
                    name = 'w%02d-c%d' % (w, i)
                    r = srv.create({'name': name, 'owner': 'w%d' % w}, AUTH_A)
                    if r.status != 201:
                        problem('create', r)
                        continue
                    aid = r.json()['id']
                    with lock:
                        created[aid] = time.monotonic()
                        last_name[aid] = name
                        counts['create'] += 1
                    mine.append(aid)
                    made_by[w].append(aid)
                    # rename one of mine
                    target = mine[i % len(mine)]
                    name = 'w%02d-u%d' % (w, i)
                    r = srv.update(target, {'name': name}, AUTH_A)
                    if r.status != 200 or r.json()['name'] != name:
                        problem('update', r)
                    else:
                        with lock:
                            last_name[target] = name
                            counts['update'] += 1
                    # rename a bundled one (each writer owns its own)
                    if i % 3 == 0:
                        target = seeded_mine[i % len(seeded_mine)]
                        name = 'w%02d-s%d' % (w, i)
                        r = srv.update(target, {'name': name}, AUTH_A)
                        if r.status != 200:
                            problem('update seeded', r)
                        else:
                            with lock:
                                last_name[target] = name
                                counts['update'] += 1
                    # delete the oldest of mine every other round
                    if i % 2 == 0 and len(mine) > 1:
                        victim = mine.pop(0)
                        with lock:
                            delete_start[victim] = time.monotonic()
                        r = srv.remove(victim, AUTH_A)
                        if r.status != 204 or r.body != b'':
                            problem('delete', r)
                        else:
                            with lock:
                                deleted[victim] = time.monotonic()
                                counts['delete'] += 1
            except Exception as e:  # connection errors are failures too
                problem('writer %d' % w, repr(e))

        def reader(k):
            try:
                while time.monotonic() < stop_at:
                    t0 = time.monotonic()
                    ids = []
                    keys = []
                    path = LIST + '?PageSize=7'
                    ok = True
                    while path:
                        r = srv.get(path, auth=AUTH_A)
                        with lock:
                            counts['page'] += 1
                        if r.status != 200:
                            problem('page', r)
                            ok = False
                            break
                        body = r.json()
                        items = body['assistants']
                        if len(items) > 7 or body['meta']['page_size'] != 7:
                            problem('page size', r)
                        for a in items:
                            ids.append(a['id'])
                            keys.append((a['date_created'], a['id']))
                            if a['account_sid'] != ALICE:
                                problem('foreign item', a)
                        nxt = body['meta']['next_page_url']
                        path = nxt and nxt[len(srv.base):]
                    t1 = time.monotonic()
                    if ok:
                        if keys != sorted(keys) or len(set(ids)) != len(ids):
                            problem('walk order/duplicates', ids)
                        with lock:
                            walks.append((t0, t1, ids))
            except Exception as e:
                problem('reader %d' % k, repr(e))

        threads = [threading.Thread(target=writer, args=(w,))
                   for w in range(N_WRITERS)]
        threads += [threading.Thread(target=reader, args=(k,))
                    for k in range(N_READERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(RUN_SECONDS + 60)
        self.assertFalse(any(t.is_alive() for t in threads), 'threads hang')
        self.assertEqual(problems[:5], [], '%d problems (%r)'
                         % (len(problems), counts))
        self.assertGreater(counts['create'], N_WRITERS, counts)
        self.assertGreater(counts['delete'], 0, counts)
        self.assertGreater(len(walks), N_READERS, counts)
        # one thread's creates are sequential: its ids increase
        for w, ids in enumerate(made_by):
            self.assertEqual(ids, sorted(ids), 'writer %d' % w)
        all_made = [a for ids in made_by for a in ids]
        self.assertEqual(len(set(all_made)), len(all_made))
        # every walk: each assistant that existed throughout appears exactly
        # once; an assistant deleted before the walk began never appears
        all_ids = seeded_set | set(created)
        for t0, t1, ids in walks:
            seen = set(ids)
            self.assertLessEqual(seen, all_ids, 'unknown ids in a walk')
            need = set(seeded_set)
            need |= {a for a, t in created.items()
                     if t < t0 and delete_start.get(a, float('inf')) > t1}
            self.assertEqual(need - seen, set(),
                             'a walk missed assistants that existed '
                             'throughout it')
            gone = {a for a, t in deleted.items() if t < t0}
            self.assertEqual(seen & gone, set(),
                             'a walk showed assistants deleted before it')
            self.assertEqual(len(ids), len(seen))
        # afterwards: one full walk sees every survivor exactly once
        survivors = (seeded_set | set(created)) - set(deleted)
        items = srv.list_all(AUTH_A, page_size=7)
        ids = [a['id'] for a in items]
        self.assertEqual(len(ids), len(set(ids)))
        self.assertEqual(set(ids), survivors)
        self.assertEqual(ids[:ALICE_N], seeded)
        keys = [(a['date_created'], a['id']) for a in items]
        self.assertEqual(keys, sorted(keys))
        by_id = {a['id']: a for a in items}
        for aid in sorted(survivors):
            if aid in last_name:
                self.assertEqual(by_id[aid]['name'], last_name[aid], aid)
        # and each fetch returns its last written name
        for aid in sorted(last_name):
            if aid in deleted:
                continue
            r = srv.fetch(aid, AUTH_A)
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.json()['name'], last_name[aid])
        for aid in list(deleted)[:20]:
            self.assertEqual(srv.fetch(aid, AUTH_A).status, 404)
        self.assertEqual(len(srv.list_all(AUTH_B)), BOB_N)
        print('\n    %r, %d walks' % (counts, len(walks)), end=' ')


if __name__ == '__main__':
    harness.main()
