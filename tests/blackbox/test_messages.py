#!/usr/bin/env python3
"""Black-box tests of SendMessage, Sessions, Messages, Feedbacks and webhook
delivery (issue 9, part 2).

SendMessage (POST /v1/Assistants/{id}/Messages): the 200 and 202 bodies
(bytes and key order), the session it makes or reuses (id rules: as given,
webhook:<name>, a new UUIDv4; length limits in bytes; stored fields kept,
date_updated moved), the two messages it appends, every validation error.
Sessions: list order, fetch by id, by bare webhook name, percent-encoded or
raw ':'; message history order, content and paging.  Feedbacks: create
rules (session, message of that session, score bounds and spelling, nulls),
list, cascade on assistant delete.  Account isolation, /__admin/reset,
the journal, headers (Allow per path, 405, OPTIONS, 401).  Webhooks: a local
receiver checks the form fields, Content-Type, User-Agent and
X-Twilio-Signature (twilio's validateRequest algorithm), that the 202 does
not wait for delivery, retries (2 more after 0.2 s and 1 s, 5 s per
attempt), the stderr line after 3 failures, an unreachable URL, --webhooks
off / ASSISTANTS_MOCK_WEBHOOKS=off, and an account with only API keys (no
signature).

Usage: python3 tests/blackbox/test_messages.py [--binary PATH]

SPDX-License-Identifier: MIT
"""

import calendar
import re
import time

import harness
from harness import (ALICE, ALICE_KEY, ALICE_KEY_SECRET, ALICE_TOKEN,
                     ALLOW_LIST, ALLOW_READ, ALLOW_SEND, BOB, BOB_TOKEN,
                     DATE_RE, FEEDBACK_ID_RE, FEEDBACK_KEYS, MESSAGE_ID_RE,
                     MESSAGE_KEYS, SEND_KEYS, SESSION_KEYS, UUID4_RE,
                     WEBHOOK_FAILED, WebhookReceiver,
                     create_feedback, feedbacks_path, messages_path,
                     send_message, session_messages_path, session_path)

AUTH_A = (ALICE, ALICE_TOKEN)
AUTH_K = (ALICE_KEY, ALICE_KEY_SECRET)
AUTH_B = (BOB, BOB_TOKEN)
CLOCK = '2030-01-01T00:00:00Z'
NOBODY = 'aia_asst_01900000-0000-7000-8000-000000000000'
NO_MESSAGE = 'aia_msg_01900000-0000-7000-8000-000000000000'
FORM_TYPE = 'application/x-www-form-urlencoded'
WEBHOOK_FIELDS = ['Aborted', 'AccountSid', 'AssistantSid', 'Body', 'Flagged',
                  'Identity', 'SessionId', 'Status']

_counter = [0]


def unique(prefix):
    """A session name no other test uses."""
    _counter[0] += 1
    return '%s-%d' % (prefix, _counter[0])


def not_found(path):
    return 'The requested resource %s was not found' % path


def not_allowed(path, method):
    return ('The requested resource %s does not support the attempted HTTP '
            'method %s' % (path, method))


def epoch(date):
    return calendar.timegm(time.strptime(date, '%Y-%m-%dT%H:%M:%SZ'))


def seeded_ids(srv, auth, n):
    return [a['id'] for a in srv.list_all(auth)[:n]]


class MsgCase(harness.TestCase):
    """Requests and exact assertions on the bodies of part 2."""

    def keys_of(self, r):
        try:
            pairs = r.ordered()
        except ValueError as e:
            self.fail('body is not JSON (%s): %r' % (e, r.body[:300]))
        return [k for k, _ in pairs]

    def now(self, srv):
        return harness._admin_ok(harness.admin(srv, 'GET', '/__admin/clock'),
                                 200, 'clock').json()['now']

    def advance(self, srv, seconds):
        return harness.set_clock(srv, advance=seconds)['now']

    # -- SendMessage --

    def send(self, srv, aid, identity='user:1', body='hello', auth=AUTH_A,
             **more):
        obj = {'identity': identity, 'body': body}
        obj.update(more)
        return send_message(srv, aid, obj, auth)

    def send_ok(self, srv, aid, identity='user:1', body='hello', auth=AUTH_A,
                account=ALICE, **more):
        """A SendMessage that must succeed: 200 Success (202 Queued with a
        webhook), the exact body bytes.  Returns the body."""
        r = self.send(srv, aid, identity, body, auth, **more)
        queued = more.get('webhook') is not None
        self.assertEqual(r.status, 202 if queued else 200, r)
        self.assert_standard_headers(r, allow_methods=ALLOW_SEND)
        self.assertEqual(self.keys_of(r), SEND_KEYS, r)
        b = r.json()
        want = {'status': 'Queued' if queued else 'Success',
                'flagged': False, 'aborted': False,
                'session_id': b['session_id'], 'account_sid': account,
                'body': None if queued else 'Echo: ' + body, 'error': None}
        self.assertEqual(r.body, harness.compact(want))
        name = more.get('session_id')
        if name is not None:
            self.assertEqual(b['session_id'],
                             ('webhook:' if queued else '') + name)
        return b

    # -- Sessions, Messages --

    def assert_session_body(self, r):
        self.assertEqual(r.status, 200, r)
        self.assert_standard_headers(r, allow_methods=ALLOW_READ)
        self.assertEqual(self.keys_of(r), SESSION_KEYS, r)
        s = r.json()
        for k in ('date_created', 'date_updated'):
            self.assertRegex(s[k], DATE_RE)
        self.assertIs(s['verified'], False)
        return s

    def session_ok(self, srv, session_id, auth=AUTH_A, path=None):
        r = srv.get(path or session_path(session_id), auth=auth)
        return self.assert_session_body(r)

    def history(self, srv, session_id, auth=AUTH_A, path=None, page_size=None):
        """GET .../Messages (first page, or every page with page_size): the
        items, each checked for key order, id and dates."""
        path = path or session_messages_path(session_id)
        if page_size is None:
            r = srv.get(path, auth=auth)
            self.assertEqual(r.status, 200, r)
            self.assert_standard_headers(r, allow_methods=ALLOW_READ)
            body = r.ordered()
            self.assertEqual([k for k, _ in body], ['messages', 'meta'])
            raw = [dict(m) for m in dict(body)['messages']]
            for m in raw:
                self.assertEqual(list(m), MESSAGE_KEYS, m)
            items = r.json()['messages']
            self.assertEqual(r.json()['meta']['key'], 'messages')
        else:
            items = harness.list_items(srv, path, 'messages', auth,
                                       page_size=page_size)
        for m in items:
            self.assertRegex(m['id'], MESSAGE_ID_RE)
            self.assertRegex(m['date_created'], DATE_RE)
            self.assertEqual(m['date_updated'], m['date_created'])
        return items

    def expected_pair(self, account, aid, session_id, identity, body, date):
        """The user message and the reply one SendMessage appends (ids
        left out)."""
        common = {'account_sid': account, 'assistant_id': aid,
                  'session_id': session_id, 'identity': identity}
        user = dict(common, role='user', content={'text': body}, meta={},
                    date_created=date, date_updated=date)
        reply = dict(common, role='assistant',
                     content={'text': 'Echo: ' + body},
                     meta={'flagged': False, 'aborted': False},
                     date_created=date, date_updated=date)
        return [user, reply]

    def without_ids(self, items):
        return [{k: v for k, v in m.items() if k != 'id'} for m in items]

    def assert_increasing_ids(self, items):
        ids = [m['id'] for m in items]
        self.assertEqual(ids, sorted(ids), ids)
        self.assertEqual(len(set(ids)), len(ids), ids)

    def session_ids(self, srv, auth=AUTH_A):
        return [s['id'] for s in harness.list_items(srv, '/v1/Sessions',
                                                    'sessions', auth)]

    # -- Feedbacks --

    def feedback_ok(self, srv, aid, obj, auth=AUTH_A):
        r = create_feedback(srv, aid, obj, auth)
        self.assertEqual(r.status, 201, r)
        self.assert_standard_headers(r, allow_methods=ALLOW_LIST)
        self.assertEqual(self.keys_of(r), FEEDBACK_KEYS, r)
        f = r.json()
        self.assertRegex(f['id'], FEEDBACK_ID_RE)
        self.assertRegex(f['date_created'], DATE_RE)
        self.assertEqual(f['date_updated'], f['date_created'])
        self.assertIsNone(f['user_sid'])
        self.assertEqual(f['assistant_id'], aid)
        return f, r

    def feedbacks(self, srv, aid, auth=AUTH_A, page_size=1000):
        return harness.list_items(srv, feedbacks_path(aid), 'feedbacks', auth,
                                  page_size=page_size)


# ---------------------------------------------------------------------------
# SendMessage, Sessions, Messages (deliveries off: no receiver needed)


class SendMessage(MsgCase):

    @classmethod
    def setUpClass(cls):
        cls.srv = cls.class_server(['--quiet', '--webhooks', 'off',
                                    '--clock', CLOCK])
        cls.aid, cls.aid2 = seeded_ids(cls.srv, AUTH_A, 2)
        cls.bob_aid = seeded_ids(cls.srv, AUTH_B, 1)[0]

    def test_send_creates_session_and_two_messages(self):
        srv, aid = self.srv, self.aid
        name = unique('plain')
        now = self.now(srv)
        b = self.send_ok(srv, aid, 'email:test@api.com', 'What is up?',
                         session_id=name)
        self.assertEqual(b['session_id'], name)
        s = self.session_ok(srv, name)
        self.assertEqual(s, {'id': name, 'account_sid': ALICE,
                             'assistant_id': aid, 'verified': False,
                             'identity': 'email:test@api.com',
                             'date_created': now, 'date_updated': now})
        items = self.history(srv, name)
        self.assertEqual(self.without_ids(items), self.expected_pair(
            ALICE, aid, name, 'email:test@api.com', 'What is up?', now))
        self.assert_increasing_ids(items)
        # the bodies satisfy the spec's response schemas
        spec = harness.load_spec()
        r = send_message(srv, aid, {'identity': 'x', 'body': 'y',
                                    'session_id': name}, AUTH_A)
        for method, target, resp in (
                ('POST', messages_path(aid), r),
                ('GET', session_path(name), srv.get(session_path(name),
                                                    auth=AUTH_A)),
                ('GET', session_messages_path(name),
                 srv.get(session_messages_path(name), auth=AUTH_A)),
                ('GET', '/v1/Sessions', srv.get('/v1/Sessions',
                                                auth=AUTH_A))):
            oid, problems = harness.response_problems(
                spec, method, target, resp.status, resp.body)
            self.assertEqual(problems, [], (oid, resp))

    def test_send_with_webhook_is_queued(self):
        srv, aid = self.srv, self.aid
        name = unique('wh')
        now = self.now(srv)
        b = self.send_ok(srv, aid, 'phone:+15550001', 'Hi there',
                         session_id=name,
                         webhook='https://example.com/hook?a=1')
        self.assertEqual(b['session_id'], 'webhook:' + name)
        s = self.session_ok(srv, 'webhook:' + name)
        self.assertEqual(s, {'id': 'webhook:' + name, 'account_sid': ALICE,
                             'assistant_id': aid, 'verified': False,
                             'identity': 'phone:+15550001',
                             'date_created': now, 'date_updated': now})
        # the reply is in the history even though the answer had no body
        items = self.history(srv, 'webhook:' + name)
        self.assertEqual(self.without_ids(items), self.expected_pair(
            ALICE, aid, 'webhook:' + name, 'phone:+15550001', 'Hi there',
            now))
        # no plain session of that name was made
        r = srv.get(session_path('webhook:webhook:' + name), auth=AUTH_A)
        self.assertEqual(r.status, 404, r)
        self.assertNotIn(name, self.session_ids(srv))
        # http:// works as well as https://
        self.send_ok(srv, aid, session_id=unique('wh-http'),
                     webhook='http://127.0.0.1:9/x')

    def test_session_reuse(self):
        srv, aid, aid2 = self.srv, self.aid, self.aid2
        name = unique('reuse')
        t0 = self.now(srv)
        self.send_ok(srv, aid, 'user:first', 'one', session_id=name)
        t1 = self.advance(srv, 7)
        self.assertEqual(epoch(t1), epoch(t0) + 7)
        # another identity and another assistant: stored fields unchanged
        self.send_ok(srv, aid2, 'user:second', 'two', session_id=name)
        s = self.session_ok(srv, name)
        self.assertEqual(s, {'id': name, 'account_sid': ALICE,
                             'assistant_id': aid, 'verified': False,
                             'identity': 'user:first',
                             'date_created': t0, 'date_updated': t1})
        t2 = self.advance(srv, 3)
        self.send_ok(srv, aid, 'user:third', 'three', session_id=name)
        s = self.session_ok(srv, name)
        self.assertEqual((s['identity'], s['assistant_id'],
                          s['date_created'], s['date_updated']),
                         ('user:first', aid, t0, t2))
        # messages: oldest first, each with its sender and assistant
        items = self.history(srv, name)
        want = (self.expected_pair(ALICE, aid, name, 'user:first', 'one', t0)
                + self.expected_pair(ALICE, aid2, name, 'user:second', 'two',
                                     t1)
                + self.expected_pair(ALICE, aid, name, 'user:third', 'three',
                                     t2))
        self.assertEqual(self.without_ids(items), want)
        self.assert_increasing_ids(items)
        # the same name with a webhook is another session
        self.send_ok(srv, aid, 'user:hook', 'four', session_id=name,
                     webhook='https://example.com/h')
        self.assertEqual(len(self.history(srv, name)), 6)
        self.assertEqual(len(self.history(srv, 'webhook:' + name)), 2)
        self.assertEqual(self.session_ok(srv, 'webhook:' + name)['identity'],
                         'user:hook')
        # the list shows each once
        ids = self.session_ids(srv)
        self.assertEqual(ids.count(name), 1)
        self.assertEqual(ids.count('webhook:' + name), 1)

    def test_no_session_id_makes_uuid4(self):
        srv, aid = self.srv, self.aid
        before = set(self.session_ids(srv))
        a = self.send_ok(srv, aid)['session_id']
        b = self.send_ok(srv, aid, session_id=None)['session_id']
        c = self.send_ok(srv, aid, webhook='https://example.com/w')[
            'session_id']
        self.assertRegex(a, UUID4_RE)
        self.assertRegex(b, UUID4_RE)
        self.assertTrue(c.startswith('webhook:'), c)
        self.assertRegex(c[len('webhook:'):], UUID4_RE)
        self.assertEqual(len({a, b, c[len('webhook:'):]}), 3)
        for sid_ in (a, b, c):
            self.assertEqual(self.session_ok(srv, sid_)['id'], sid_)
            self.assertEqual(len(self.history(srv, sid_)), 2)
        # the webhook one is also found by its bare uuid
        self.assertEqual(self.session_ok(srv, c[len('webhook:'):])['id'], c)
        self.assertEqual(set(self.session_ids(srv)) - before, {a, b, c})

    def test_session_id_limits(self):
        srv, aid = self.srv, self.aid
        before = self.session_ids(srv)
        bad = [('', 'empty'), ('x' * 513, '513 bytes'),
               ('\u00e9' * 256 + 'x', '513 bytes in 257 characters')]
        for value, what in bad:
            for webhook in (None, 'https://example.com/w'):
                with self.subTest(what=what, webhook=webhook):
                    obj = {'identity': 'u', 'body': 'b', 'session_id': value}
                    if webhook:
                        obj['webhook'] = webhook
                    r = send_message(srv, aid, obj, AUTH_A)
                    self.assert_error(r, 400, 20001,
                                      'Invalid parameter session_id')
                    self.assert_standard_headers(r, allow_methods=ALLOW_SEND)
        self.assertEqual(self.session_ids(srv), before)
        # exactly 512 bytes: accepted, and found again
        for value in ('\u00e9' * 256, 'y' * 512):
            with self.subTest(length=len(value)):
                self.send_ok(srv, aid, session_id=value)
                self.assertEqual(self.session_ok(srv, value)['id'], value)
                self.assertEqual(len(self.history(srv, value)), 2)
        # 512 bytes with a webhook: the id has 520 bytes, found by both
        name = 'z' * 512
        self.send_ok(srv, aid, session_id=name,
                     webhook='https://example.com/w')
        self.assertEqual(self.session_ok(srv, name)['id'], 'webhook:' + name)
        self.assertEqual(len(self.history(srv, name)), 2)
        with self.subTest(lookup='full 520-byte id'):
            self.assertEqual(self.session_ok(srv, 'webhook:' + name)['id'],
                             'webhook:' + name)
            self.assertEqual(len(self.history(srv, 'webhook:' + name)), 2)

    def test_lookup_forms(self):
        srv, aid = self.srv, self.aid
        name = unique('look')
        full = 'webhook:' + name
        self.send_ok(srv, aid, session_id=name,
                     webhook='https://example.com/w')
        want = self.session_ok(srv, full)
        self.assertEqual(want['id'], full)
        forms = ['/v1/Sessions/' + name,                 # bare name
                 '/v1/Sessions/webhook:' + name,         # raw ':'
                 '/v1/Sessions/webhook%3A' + name,       # %3A
                 '/v1/Sessions/webhook%3a' + name,       # %3a
                 '/v1/Sessions/' + ''.join('%%%02X' % c  # every byte
                                           for c in full.encode())]
        history = self.history(srv, full)
        for path in forms:
            with self.subTest(path=path):
                r = srv.get(path, auth=AUTH_A)
                self.assertEqual(self.assert_session_body(r), want)
                self.assertEqual(self.history(srv, None,
                                              path=path + '/Messages'),
                                 history)
        # HEAD: the same status, no body
        r = srv.head('/v1/Sessions/' + name, auth=AUTH_A)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body, b'')
        # names with '/', '+', spaces and non-ASCII (as seen in Twilio's
        # samples: messaging__<To>/<uuid>), plain and webhook
        for odd in ('messaging__+15550001111/6f1c2d aa', 'caf\u00e9 \u2713?#&'):
            with self.subTest(name=odd):
                self.send_ok(srv, aid, 'u', 'odd', session_id=odd)
                self.assertEqual(self.session_ok(srv, odd)['id'], odd)
                self.assertEqual(len(self.history(srv, odd)), 2)
                # its page links lead to its next page
                pages = harness.walk_list(srv, session_messages_path(odd),
                                          'messages', AUTH_A, page_size=1,
                                          limit=10)
                self.assertEqual([m['content']['text'] for p in pages
                                  for m in p], ['odd', 'Echo: odd'])
                self.send_ok(srv, aid, 'u', 'odd', session_id=odd,
                             webhook='https://example.com/w')
                self.assertEqual(self.session_ok(srv, 'webhook:' + odd)['id'],
                                 'webhook:' + odd)
        # an exact id wins over the bare-name rule
        dual = unique('dual')
        self.send_ok(srv, aid, 'plain', 'p', session_id=dual)
        self.send_ok(srv, aid, 'hooked', 'h', session_id=dual,
                     webhook='https://example.com/w')
        self.assertEqual(self.session_ok(srv, dual)['identity'], 'plain')
        self.assertEqual(self.session_ok(srv, 'webhook:' + dual)['identity'],
                         'hooked')
        self.assertEqual([m['content']['text']
                          for m in self.history(srv, dual)], ['p', 'Echo: p'])
        # only webhook sessions have a bare name
        plain = unique('plainonly')
        self.send_ok(srv, aid, session_id=plain)
        r = srv.get(session_path('webhook:' + plain), auth=AUTH_A)
        self.assert_error(r, 404, 20404,
                          not_found('/v1/Sessions/webhook:' + plain))

    def test_unknown_session(self):
        srv = self.srv
        for path, named in (
                ('/v1/Sessions/nope', '/v1/Sessions/nope'),
                ('/v1/Sessions/webhook%3Anope', '/v1/Sessions/webhook:nope'),
                ('/v1/Sessions/a%2Fb', '/v1/Sessions/a/b'),
                ('/v1/Sessions/nope/Messages', '/v1/Sessions/nope/Messages'),
                ('/v1/Sessions/no%20pe/Messages',
                 '/v1/Sessions/no pe/Messages')):
            with self.subTest(path=path):
                r = srv.get(path, auth=AUTH_A)
                self.assert_error(r, 404, 20404, not_found(named))
                self.assert_standard_headers(r, allow_methods=ALLOW_READ)
                r = srv.head(path, auth=AUTH_A)
                self.assertEqual((r.status, r.body), (404, b''))

    def test_validation_errors(self):
        srv, aid = self.srv, self.aid
        before = self.session_ids(srv)
        ok = {'identity': 'u', 'body': 'b'}
        cases = [
            ({}, 'Missing required parameter identity'),
            ({'body': 'b'}, 'Missing required parameter identity'),
            ({'identity': 'u'}, 'Missing required parameter body'),
            ({'identity': None, 'body': 'b'},
             'Missing required parameter identity'),
            ({'identity': 'u', 'body': None},
             'Missing required parameter body'),
            (dict(ok, identity=5), 'Invalid parameter identity'),
            (dict(ok, identity=['u']), 'Invalid parameter identity'),
            (dict(ok, body=True), 'Invalid parameter body'),
            (dict(ok, body={'text': 'b'}), 'Invalid parameter body'),
            (dict(ok, session_id=5), 'Invalid parameter session_id'),
            (dict(ok, session_id={}), 'Invalid parameter session_id'),
            (dict(ok, mode='sms'), 'Invalid parameter mode'),
            (dict(ok, mode='CHAT'), 'Invalid parameter mode'),
            (dict(ok, mode=''), 'Invalid parameter mode'),
            (dict(ok, mode=1), 'Invalid parameter mode'),
            (dict(ok, webhook='ftp://example.com/hook'),
             'Invalid parameter webhook'),
            (dict(ok, webhook='example.com/hook'),
             'Invalid parameter webhook'),
            (dict(ok, webhook='/relative/hook'), 'Invalid parameter webhook'),
            (dict(ok, webhook=''), 'Invalid parameter webhook'),
            (dict(ok, webhook=42), 'Invalid parameter webhook'),
            (dict(ok, webhook='https://example.com/' + 'a' * 2029),
             'Invalid parameter webhook'),  # 2049 bytes
        ]
        for obj, message in cases:
            with self.subTest(body=repr(obj)[:80]):
                r = send_message(srv, aid, obj, AUTH_A)
                self.assert_error(r, 400, 20001, message)
                self.assert_standard_headers(r, allow_methods=ALLOW_SEND)
        # the body rules shared by every JSON operation
        path = messages_path(aid)
        r = srv.post_json(path, ok, AUTH_A, content_type='text/plain')
        self.assert_error(r, 400, 20001,
                          'Content-Type must be application/json')
        r = srv.post_json(path, ok, AUTH_A, content_type=None)
        self.assert_error(r, 400, 20001,
                          'Content-Type must be application/json')
        for raw in (b'{"identity":"u",', b'[]', b'"x"',
                    b'{"identity":"u","identity":"v","body":"b"}',
                    b'{"identity":"u","body":"b"} x'):
            with self.subTest(raw=raw):
                r = srv.post_json(path, raw, AUTH_A)
                self.assert_error(r, 400, 20001,
                                  'Invalid JSON in request body')
        r = srv.post_json(path, b'', AUTH_A)
        self.assert_error(r, 400, 20001,
                          'Missing required parameter identity')
        r = srv.post_json(path, b'x' * (harness.MAX_BODY + 1), AUTH_A)
        self.assert_error(r, 413, 20001, 'Request Entity Too Large')
        self.assertEqual(self.session_ids(srv), before)
        # the accepted forms of the optional fields
        for mode in ('chat', 'email', 'voice', None):
            with self.subTest(mode=mode):
                self.send_ok(srv, aid, session_id=unique('mode'), mode=mode)
        self.send_ok(srv, aid, session_id=unique('long-url'),
                     webhook='https://example.com/' + 'a' * 2028)  # 2048
        self.send_ok(srv, aid, session_id=unique('null-hook'), webhook=None)
        # unknown keys and camelCase are ignored
        b = self.send_ok(srv, aid, sessionId='camel', extra={'x': 1})
        self.assertRegex(b['session_id'], UUID4_RE)

    def test_unknown_assistant(self):
        srv = self.srv
        before = self.session_ids(srv)
        name = unique('noasst')
        for aid, path in ((NOBODY, '/v1/Assistants/' + NOBODY),
                          (self.bob_aid, '/v1/Assistants/' + self.bob_aid),
                          ('aia_tool_x', '/v1/Assistants/aia_tool_x'),
                          ('a b:c', '/v1/Assistants/a b:c')):
            for webhook in (None, 'https://example.com/w'):
                with self.subTest(aid=aid, webhook=webhook):
                    obj = {'identity': 'u', 'body': 'b', 'session_id': name}
                    if webhook:
                        obj['webhook'] = webhook
                    r = send_message(srv, aid, obj, AUTH_A)
                    self.assert_error(r, 404, 20404, not_found(path))
                    self.assert_standard_headers(r, allow_methods=ALLOW_SEND)
        self.assertEqual(self.session_ids(srv), before)
        r = srv.get(session_path(name), auth=AUTH_A)
        self.assertEqual(r.status, 404, r)

    def test_content_round_trip(self):
        srv, aid = self.srv, self.aid
        name = unique('utf8')
        text = 'Ünïcode ✓ "quotes" \\ back\nslash\t\U0001F600 </script> &amp;'
        ident = 'whatsapp:+1555 ✓'
        now = self.now(srv)
        r = self.send(srv, aid, ident, text, session_id=name)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()['body'], 'Echo: ' + text)
        items = self.history(srv, name)
        self.assertEqual(self.without_ids(items), self.expected_pair(
            ALICE, aid, name, ident, text, now))
        self.assertEqual(self.session_ok(srv, name)['identity'], ident)
        # an empty body is a body
        b = self.send_ok(srv, aid, 'u', '', session_id=unique('empty'))
        self.assertEqual(self.history(srv, b['session_id'])[1]['content'],
                         {'text': 'Echo: '})

    def test_history_pages(self):
        srv, aid = self.srv, self.aid
        name = unique('pages')
        for i in range(3):
            self.send_ok(srv, aid, 'u%d' % i, 'm%d' % i, session_id=name)
        full = self.history(srv, name)
        self.assertEqual([(m['role'], m['content']['text'])
                          for m in full],
                         [('user', 'm0'), ('assistant', 'Echo: m0'),
                          ('user', 'm1'), ('assistant', 'Echo: m1'),
                          ('user', 'm2'), ('assistant', 'Echo: m2')])
        self.assert_increasing_ids(full)
        pages = harness.walk_list(srv, session_messages_path(name),
                                  'messages', AUTH_A, page_size=4)
        self.assertEqual([len(p) for p in pages], [4, 2])
        self.assertEqual([m for p in pages for m in p], full)
        r = srv.get(session_messages_path(name) + '?PageSize=4', auth=AUTH_A)
        meta = r.json()['meta']
        self.assertEqual((meta['key'], meta['page'], meta['page_size']),
                         ('messages', 0, 4))
        self.assertTrue(meta['url'].startswith(srv.base + '/v1/Sessions/'),
                        meta)
        self.assertIn('/Messages?', meta['url'])
        # a webhook session pages the same by its bare name
        hooked = unique('pages-wh')
        for i in range(2):
            self.send_ok(srv, aid, 'u', 'w%d' % i, session_id=hooked,
                         webhook='https://example.com/w')
        pages = harness.walk_list(srv, '/v1/Sessions/' + hooked + '/Messages',
                                  'messages', AUTH_A, page_size=3)
        self.assertEqual([len(p) for p in pages], [3, 1])
        self.assertEqual([m for p in pages for m in p],
                         self.history(srv, 'webhook:' + hooked))

    def test_sessions_list_order(self):
        srv = self.start_server(['--quiet', '--webhooks', 'off',
                                 '--clock', CLOCK])
        aid = self.aid
        seeded = self.session_ids(srv)  # all dated before CLOCK
        self.send_ok(srv, aid, session_id='first')
        self.advance(srv, 60)
        tag = unique('ord')
        for n in ('c', 'a', 'b'):
            self.send_ok(srv, aid, session_id='%s-%s' % (tag, n))
        self.advance(srv, 1)
        self.send_ok(srv, aid, session_id='%s-0' % tag)
        sessions = harness.list_items(srv, '/v1/Sessions', 'sessions', AUTH_A)
        ours = [s['id'] for s in sessions if s['id'].startswith(tag + '-')]
        self.assertEqual(ours, ['%s-a' % tag, '%s-b' % tag, '%s-c' % tag,
                                '%s-0' % tag])
        self.assertEqual([s['id'] for s in sessions],
                         seeded + ['first'] + ours)
        keys = [(s['date_created'], s['id']) for s in sessions]
        self.assertEqual(keys, sorted(keys))
        for s in sessions:
            self.assertEqual(list(s), SESSION_KEYS)
            self.assertEqual(s['account_sid'], ALICE)
        # a later message moves date_updated, not the order
        self.advance(srv, 5)
        self.send_ok(srv, aid, session_id='%s-a' % tag)
        again = harness.list_items(srv, '/v1/Sessions', 'sessions', AUTH_A)
        self.assertEqual([s['id'] for s in again],
                         [s['id'] for s in sessions])
        # paging walks every session once
        pages = harness.walk_list(srv, '/v1/Sessions', 'sessions', AUTH_A,
                                  page_size=3, limit=10)
        self.assertEqual([s['id'] for p in pages for s in p],
                         [s['id'] for s in again])
        n = len(again)
        self.assertEqual([len(p) for p in pages],
                         [3] * (n // 3) + ([n % 3] if n % 3 else []))
        r = srv.get('/v1/Sessions?PageSize=3', auth=AUTH_A)
        self.assert_standard_headers(r, allow_methods=ALLOW_READ)
        self.assertEqual(self.keys_of(r), ['sessions', 'meta'])
        self.assertEqual(r.json()['meta']['key'], 'sessions')
        self.assertEqual(r.json()['meta']['url'],
                         srv.base + '/v1/Sessions?PageSize=3&Page=0')

    def test_long_ids_page(self):
        """Session ids up to 512 bytes (520 with webhook:) in page
        tokens and links: every page walk sees each item once."""
        srv = self.start_server(['--quiet', '--webhooks', 'off',
                                 '--clock', CLOCK])
        aid = self.aid
        seeded = self.session_ids(srv)  # all dated before CLOCK
        names = ['a', 'b' * 300, 'c' * 512, '\u00e9' * 256, 'd']
        for name in names:
            self.send_ok(srv, aid, session_id=name)
        self.send_ok(srv, aid, session_id='e' * 512,
                     webhook='https://example.com/w')
        want = seeded + sorted(names + ['webhook:' + 'e' * 512])
        for size in (1, 2):
            with self.subTest(page_size=size):
                pages = harness.walk_list(srv, '/v1/Sessions', 'sessions',
                                          AUTH_A, page_size=size, limit=20)
                self.assertEqual([s['id'] for p in pages for s in p], want)
        for name in names[1:4] + ['e' * 512]:
            with self.subTest(messages_of=name[:3], length=len(name)):
                self.send_ok(srv, aid, 'u', 'second', session_id=name,
                             **({'webhook': 'https://example.com/w'}
                                if name[0] == 'e' else {}))
                pages = harness.walk_list(srv, session_messages_path(name),
                                          'messages', AUTH_A, page_size=1,
                                          limit=10)
                self.assertEqual([m['content']['text'] for p in pages
                                  for m in p],
                                 ['hello', 'Echo: hello', 'second',
                                  'Echo: second'])

    def test_methods_and_auth(self):
        srv, aid = self.srv, self.aid
        name = unique('meth')
        self.send_ok(srv, aid, session_id=name)
        paths = [(messages_path(aid), ALLOW_SEND),
                 (feedbacks_path(aid), ALLOW_LIST),
                 ('/v1/Sessions', ALLOW_READ),
                 (session_path(name), ALLOW_READ),
                 (session_messages_path(name), ALLOW_READ)]
        for path, allow in paths:
            with self.subTest(path=path):
                r = srv.options(path)
                self.assert_no_content(r, allow_methods=allow)
                self.assert_allow(r, allow)
                for method in ('GET', 'POST', 'PUT', 'DELETE'):
                    if method in allow.split(', '):
                        continue
                    r = srv.request(method, path, auth=AUTH_A)
                    self.assert_error(r, 405, 20004,
                                      not_allowed(path, method))
                    self.assert_allow(r, allow)
                # no or wrong credentials: 401 before anything else
                method = 'POST' if allow == ALLOW_SEND else 'GET'
                for auth in (None, (ALICE, 'wrong-token')):
                    r = srv.request(method, path, auth=auth)
                    self.assert_error(r, 401, 20003, 'Authenticate')
        # API key credentials act as the account
        b = self.send_ok(srv, aid, session_id=unique('key'), auth=AUTH_K)
        self.assertEqual(self.session_ok(srv, b['session_id'],
                                         auth=AUTH_K)['account_sid'], ALICE)

    def test_journal(self):
        srv, aid = self.srv, self.aid
        harness.clear_journal(srv, auth=AUTH_A)
        self.send_ok(srv, aid, session_id=unique('j1'), body='journaled')
        self.send_ok(srv, aid, session_id=unique('j2'),
                     webhook='https://example.com/w')
        srv.get('/v1/Sessions', auth=AUTH_A)
        path = messages_path(aid)
        self.assertEqual(harness.journal_count(
            srv, auth=AUTH_A, query={'path': path}), 2)
        self.assertEqual(harness.journal_count(
            srv, auth=AUTH_A, query={'path': path, 'status': 202}), 1)
        self.assertEqual(harness.journal_count(
            srv, auth=AUTH_A, query={'path': '/v1/Sessions'}), 1)
        entries = harness.journal(srv, auth=AUTH_A,
                                  query={'path': path})['requests']
        self.assertEqual([(e['method'], e['status']) for e in entries],
                         [('POST', 200), ('POST', 202)])
        self.assertIn('journaled', entries[0]['body'])


# ---------------------------------------------------------------------------
# Feedbacks


class Feedbacks(MsgCase):

    @classmethod
    def setUpClass(cls):
        cls.srv = cls.class_server(['--quiet', '--webhooks', 'off',
                                    '--clock', CLOCK])
        cls.aid, cls.aid2 = seeded_ids(cls.srv, AUTH_A, 2)
        cls.bob_aid = seeded_ids(cls.srv, AUTH_B, 1)[0]

    def session_with_messages(self, webhook=False):
        name = unique('fb')
        more = {'webhook': 'https://example.com/w'} if webhook else {}
        sid_ = self.send_ok(self.srv, self.aid, session_id=name,
                            **more)['session_id']
        return name, sid_, self.history(self.srv, sid_)

    def test_create_minimal(self):
        srv, aid = self.srv, self.aid
        name, sid_, _ = self.session_with_messages()
        now = self.now(srv)
        f, r = self.feedback_ok(srv, aid, {'session_id': sid_})
        want = {'assistant_id': aid, 'id': f['id'], 'account_sid': ALICE,
                'user_sid': None, 'message_id': None, 'score': None,
                'session_id': sid_, 'text': None, 'date_created': now,
                'date_updated': now}
        self.assertEqual(r.body, harness.compact(want))
        # explicit nulls are the same as absent
        f2, r2 = self.feedback_ok(srv, aid, {
            'session_id': sid_, 'message_id': None, 'score': None,
            'text': None})
        self.assertEqual(r2.body, harness.compact(dict(want, id=f2['id'])))
        self.assertGreater(f2['id'], f['id'])

    def test_create_full(self):
        srv, aid = self.srv, self.aid
        _, sid_, items = self.session_with_messages()
        now = self.now(srv)
        for msg in items:  # the user message and the reply
            f, r = self.feedback_ok(srv, aid, {
                'session_id': sid_, 'message_id': msg['id'], 'score': 0.75,
                'text': 'Helpful ✓ "yes"'})
            self.assertEqual(r.body, harness.compact({
                'assistant_id': aid, 'id': f['id'], 'account_sid': ALICE,
                'user_sid': None, 'message_id': msg['id'], 'score': 0.75,
                'session_id': sid_, 'text': 'Helpful ✓ "yes"',
                'date_created': now, 'date_updated': now}))
        # the feedback names the assistant of the request, not the session's
        f, _ = self.feedback_ok(srv, self.aid2, {'session_id': sid_,
                                                 'text': ''})
        self.assertEqual((f['assistant_id'], f['text']), (self.aid2, ''))

    def test_score(self):
        srv, aid = self.srv, self.aid
        _, sid_, _ = self.session_with_messages()
        path = feedbacks_path(aid)
        # kept as written
        for raw in ('0', '1', '0.0', '1.0', '0.250', '1E-1', '1e-3', '0.5e0',
                    '-0.0'):
            with self.subTest(score=raw):
                body = ('{"session_id":%s,"score":%s}'
                        % (harness.compact(sid_).decode(), raw)).encode()
                r = srv.post_json(path, body, AUTH_A)
                self.assertEqual(r.status, 201, r)
                self.assertIn(b',"score":' + raw.encode() + b',"session_id":',
                              r.body)
                self.assertEqual(r.json()['score'], float(raw))
        for score in (-0.0001, 1.0001, 2, -1, 1e300, '0.5', True, False, [],
                      {}, ''):
            with self.subTest(score=score):
                r = create_feedback(srv, aid, {'session_id': sid_,
                                               'score': score}, AUTH_A)
                self.assert_error(r, 400, 20001, 'Invalid parameter score')
                self.assert_standard_headers(r, allow_methods=ALLOW_LIST)

    def test_message_id(self):
        srv, aid = self.srv, self.aid
        _, sid_, items = self.session_with_messages()
        _, other, other_items = self.session_with_messages()
        for bad in ('msg_x', 'aia_msg_', 'aia_fdbk_x', 'AIA_MSG_x', 5, True,
                    {}, ''):
            with self.subTest(message_id=bad):
                r = create_feedback(srv, aid, {'session_id': sid_,
                                               'message_id': bad}, AUTH_A)
                self.assert_error(r, 400, 20001,
                                  'Invalid parameter message_id')
        for missing in (NO_MESSAGE, 'aia_msg_nope', other_items[0]['id'],
                        other_items[1]['id']):
            with self.subTest(message_id=missing):
                r = create_feedback(srv, aid, {'session_id': sid_,
                                               'message_id': missing}, AUTH_A)
                self.assert_error(r, 404, 20404,
                                  not_found('/v1/Messages/' + missing))
                self.assert_standard_headers(r, allow_methods=ALLOW_LIST)
        # the other session accepts its own
        f, _ = self.feedback_ok(srv, aid, {'session_id': other,
                                           'message_id': other_items[1]['id']})
        self.assertEqual(f['message_id'], other_items[1]['id'])

    def test_session_id(self):
        srv, aid = self.srv, self.aid
        for obj, message in (({}, 'Missing required parameter session_id'),
                             ({'session_id': None, 'score': 0.5},
                              'Missing required parameter session_id'),
                             ({'session_id': 5},
                              'Invalid parameter session_id'),
                             ({'session_id': ['s']},
                              'Invalid parameter session_id')):
            with self.subTest(body=obj):
                r = create_feedback(srv, aid, obj, AUTH_A)
                self.assert_error(r, 400, 20001, message)
        for unknown in ('nope', 'webhook:nope', 'a/b c'):
            with self.subTest(session_id=unknown):
                r = create_feedback(srv, aid, {'session_id': unknown}, AUTH_A)
                self.assert_error(r, 404, 20404,
                                  not_found('/v1/Sessions/' + unknown))
        # a webhook session by its bare name or its id
        name, sid_, items = self.session_with_messages(webhook=True)
        self.assertEqual(sid_, 'webhook:' + name)
        for given in (name, sid_):
            with self.subTest(given=given):
                f, _ = self.feedback_ok(srv, aid, {
                    'session_id': given, 'message_id': items[0]['id']})
                self.assertEqual(f['session_id'], sid_)
                self.assertEqual(f['message_id'], items[0]['id'])
        # text must be a string
        for text in (5, ['t'], {}, False):
            with self.subTest(text=text):
                r = create_feedback(srv, aid, {'session_id': sid_,
                                               'text': text}, AUTH_A)
                self.assert_error(r, 400, 20001, 'Invalid parameter text')
        # body rules
        r = srv.post_json(feedbacks_path(aid), {'session_id': sid_}, AUTH_A,
                          content_type='text/plain')
        self.assert_error(r, 400, 20001,
                          'Content-Type must be application/json')
        r = srv.post_json(feedbacks_path(aid), b'[1]', AUTH_A)
        self.assert_error(r, 400, 20001, 'Invalid JSON in request body')

    def test_unknown_assistant(self):
        srv = self.srv
        _, sid_, _ = self.session_with_messages()
        for aid in (NOBODY, self.bob_aid):
            with self.subTest(aid=aid):
                want = not_found('/v1/Assistants/' + aid)
                r = create_feedback(srv, aid, {'session_id': sid_}, AUTH_A)
                self.assert_error(r, 404, 20404, want)
                self.assert_standard_headers(r, allow_methods=ALLOW_LIST)
                r = srv.get(feedbacks_path(aid), auth=AUTH_A)
                self.assert_error(r, 404, 20404, want)
                self.assert_standard_headers(r, allow_methods=ALLOW_LIST)

    def test_list(self):
        srv = self.srv
        aid = srv.create({'name': 'feedback list'}, AUTH_A).json()['id']
        _, sid_, items = self.session_with_messages()
        r = srv.get(feedbacks_path(aid), auth=AUTH_A)
        self.assertEqual(r.status, 200, r)
        self.assert_standard_headers(r, allow_methods=ALLOW_LIST)
        self.assertEqual(self.keys_of(r), ['feedbacks', 'meta'])
        self.assertEqual(r.json()['feedbacks'], [])
        self.assertEqual(r.json()['meta']['key'], 'feedbacks')
        made = []
        for i in range(5):
            f, _ = self.feedback_ok(srv, aid, {
                'session_id': sid_, 'message_id': items[i % 2]['id'],
                'score': i / 4, 'text': 't%d' % i})
            made.append(f)
            if i == 2:
                self.advance(srv, 2)
        self.assertEqual(self.feedbacks(srv, aid), made)
        pages = harness.walk_list(srv, feedbacks_path(aid), 'feedbacks',
                                  AUTH_A, page_size=2)
        self.assertEqual([len(p) for p in pages], [2, 2, 1])
        self.assertEqual([f for p in pages for f in p], made)
        r = srv.get(feedbacks_path(aid) + '?PageSize=2', auth=AUTH_A)
        for item in r.ordered()[0][1]:
            self.assertEqual([k for k, _ in item], FEEDBACK_KEYS)
        # another assistant's list does not show them
        ids = {f['id'] for f in made}
        self.assertFalse(ids & {f['id'] for f in self.feedbacks(srv,
                                                                self.aid)})

    def test_delete_assistant_deletes_feedbacks_not_sessions(self):
        srv = self.srv
        aid = srv.create({'name': 'doomed'}, AUTH_A).json()['id']
        name = unique('doomed')
        self.send_ok(srv, aid, 'u', 'bye', session_id=name)
        history = self.history(srv, name)
        self.feedback_ok(srv, aid, {'session_id': name,
                                    'message_id': history[1]['id']})
        self.assertEqual(len(self.feedbacks(srv, aid)), 1)
        self.assert_no_content(srv.remove(aid, AUTH_A),
                               allow_methods=harness.ALLOW_INSTANCE)
        r = srv.get(feedbacks_path(aid), auth=AUTH_A)
        self.assert_error(r, 404, 20404,
                          not_found('/v1/Assistants/' + aid))
        s = self.session_ok(srv, name)
        self.assertEqual(s['assistant_id'], aid)
        self.assertEqual(self.history(srv, name), history)
        # its session takes messages of another assistant; the feedback of
        # the deleted one is not found anywhere
        self.send_ok(srv, self.aid, 'u', 'again', session_id=name)
        self.assertEqual(len(self.history(srv, name)), 4)
        self.assertEqual(self.session_ok(srv, name)['assistant_id'], aid)
        r = create_feedback(srv, aid, {'session_id': name}, AUTH_A)
        self.assert_error(r, 404, 20404, not_found('/v1/Assistants/' + aid))
        r = send_message(srv, aid, {'identity': 'u', 'body': 'x',
                                    'session_id': name}, AUTH_A)
        self.assert_error(r, 404, 20404, not_found('/v1/Assistants/' + aid))


# ---------------------------------------------------------------------------
# Accounts and reset


class Accounts(MsgCase):

    @classmethod
    def setUpClass(cls):
        cls.srv = cls.class_server(['--quiet', '--webhooks', 'off'])
        cls.aid = seeded_ids(cls.srv, AUTH_A, 1)[0]
        cls.bob_aid = seeded_ids(cls.srv, AUTH_B, 1)[0]

    def test_isolation(self):
        srv, aid, bob_aid = self.srv, self.aid, self.bob_aid
        name = unique('iso')
        a_sid = self.send_ok(srv, aid, 'alice:1', 'mine',
                             session_id=name)['session_id']
        a_hook = self.send_ok(srv, aid, 'alice:1', 'mine', session_id=name,
                              webhook='https://example.com/w')['session_id']
        a_msgs = self.history(srv, a_sid)
        self.feedback_ok(srv, aid, {'session_id': a_sid})
        # bob cannot use alice's assistant
        r = send_message(srv, aid, {'identity': 'bob', 'body': 'x'}, AUTH_B)
        self.assert_error(r, 404, 20404, not_found('/v1/Assistants/' + aid))
        for method in ('GET', 'POST'):
            r = srv.send_json(method, feedbacks_path(aid),
                              {'session_id': a_sid}, AUTH_B) \
                if method == 'POST' else srv.get(feedbacks_path(aid),
                                                 auth=AUTH_B)
            self.assert_error(r, 404, 20404,
                              not_found('/v1/Assistants/' + aid))
        # nor see alice's sessions and messages, by id or bare name
        for sid_ in (a_sid, a_hook):  # (a_sid is also a_hook's bare name)
            with self.subTest(session=sid_):
                r = srv.get(session_path(sid_), auth=AUTH_B)
                self.assert_error(r, 404, 20404,
                                  not_found('/v1/Sessions/' + sid_))
                r = srv.get(session_messages_path(sid_), auth=AUTH_B)
                self.assert_error(r, 404, 20404, not_found(
                    '/v1/Sessions/' + sid_ + '/Messages'))
        # a feedback of bob on alice's session or message: 404
        b_name = unique('bob')
        self.send_ok(srv, bob_aid, 'bob:1', 'his', auth=AUTH_B, account=BOB,
                     session_id=b_name)
        r = create_feedback(srv, bob_aid, {'session_id': a_sid}, AUTH_B)
        self.assert_error(r, 404, 20404, not_found('/v1/Sessions/' + a_sid))
        r = create_feedback(srv, bob_aid, {'session_id': b_name,
                                           'message_id': a_msgs[0]['id']},
                            AUTH_B)
        self.assert_error(r, 404, 20404,
                          not_found('/v1/Messages/' + a_msgs[0]['id']))
        # the lists never mix
        bob_sessions = harness.list_items(srv, '/v1/Sessions', 'sessions',
                                          AUTH_B)
        bob_ids = [s['id'] for s in bob_sessions]
        self.assertIn(b_name, bob_ids)
        self.assertNotIn(a_sid, bob_ids)
        self.assertNotIn(a_hook, bob_ids)
        self.assertTrue(all(s['account_sid'] == BOB for s in bob_sessions))
        alice_ids = self.session_ids(srv, AUTH_A)
        self.assertNotIn(b_name, alice_ids)
        self.assertIn(a_sid, alice_ids)

    def test_same_name_in_two_accounts(self):
        srv, aid, bob_aid = self.srv, self.aid, self.bob_aid
        for _ in range(2):
            self.send_ok(srv, aid, 'alice:s1', 'from alice', session_id='s1')
        self.send_ok(srv, bob_aid, 'bob:s1', 'from bob', auth=AUTH_B,
                     account=BOB, session_id='s1')
        a = self.session_ok(srv, 's1', AUTH_A)
        b = self.session_ok(srv, 's1', AUTH_B)
        self.assertEqual((a['account_sid'], a['assistant_id'], a['identity']),
                         (ALICE, aid, 'alice:s1'))
        self.assertEqual((b['account_sid'], b['assistant_id'], b['identity']),
                         (BOB, bob_aid, 'bob:s1'))
        am = self.history(srv, 's1', AUTH_A)
        bm = self.history(srv, 's1', AUTH_B)
        self.assertEqual([m['content']['text'] for m in am],
                         ['from alice', 'Echo: from alice'] * 2)
        self.assertEqual([m['content']['text'] for m in bm],
                         ['from bob', 'Echo: from bob'])
        self.assertTrue(all(m['account_sid'] == BOB for m in bm))
        # feedback on bob's s1 with alice's message: 404
        r = create_feedback(srv, bob_aid, {'session_id': 's1',
                                           'message_id': am[0]['id']}, AUTH_B)
        self.assertEqual(r.status, 404, r)
        f, _ = self.feedback_ok(srv, bob_aid, {'session_id': 's1',
                                               'message_id': bm[1]['id']},
                                AUTH_B)
        self.assertEqual(f['account_sid'], BOB)

    def test_reset(self):
        srv = self.start_server(['--quiet', '--webhooks', 'off'])
        aid, bob_aid = self.aid, self.bob_aid
        # the seeded state (the bundled fixtures may hold sessions,
        # messages and feedbacks)
        seeded_a = harness.list_items(srv, '/v1/Sessions', 'sessions', AUTH_A)
        seeded_b = harness.list_items(srv, '/v1/Sessions', 'sessions', AUTH_B)
        seeded_fa = self.feedbacks(srv, aid)
        seeded_fb = self.feedbacks(srv, bob_aid, AUTH_B)
        seeded_raw = {s['id']: (srv.get(session_path(s['id']),
                                        auth=AUTH_A).body,
                                srv.get(session_messages_path(s['id']),
                                        auth=AUTH_A).body)
                      for s in seeded_a}
        self.send_ok(srv, aid, session_id='r1')
        self.send_ok(srv, aid, session_id='r2', webhook='https://e.com/w')
        m = self.history(srv, 'r1')
        self.feedback_ok(srv, aid, {'session_id': 'r1',
                                    'message_id': m[0]['id']})
        for sid_ in seeded_raw:  # seeded sessions take new messages
            self.send_ok(srv, aid, 'intruder', 'later', session_id=sid_)
            self.assertEqual(self.history(srv, sid_, page_size=50)[-1][
                'content'], {'text': 'Echo: later'})
        self.send_ok(srv, bob_aid, auth=AUTH_B, account=BOB, session_id='b1')
        self.feedback_ok(srv, bob_aid, {'session_id': 'b1'}, AUTH_B)
        # an account reset: alice's back to the seed, bob's kept
        harness.reset(srv, auth=AUTH_A)
        self.assertEqual(harness.list_items(srv, '/v1/Sessions', 'sessions',
                                            AUTH_A), seeded_a)
        for path in (session_path('r1'), session_messages_path('r1'),
                     session_path('r2'), session_path('webhook:r2')):
            with self.subTest(path=path):
                self.assertEqual(srv.get(path, auth=AUTH_A).status, 404)
        for sid_, (body, msgs) in seeded_raw.items():
            with self.subTest(seeded=sid_):
                self.assertEqual(srv.get(session_path(sid_),
                                         auth=AUTH_A).body, body)
                self.assertEqual(srv.get(session_messages_path(sid_),
                                         auth=AUTH_A).body, msgs)
        self.assertEqual(self.feedbacks(srv, aid), seeded_fa)
        r = create_feedback(srv, aid, {'session_id': 'r1'}, AUTH_A)
        self.assert_error(r, 404, 20404, not_found('/v1/Sessions/r1'))
        self.assertEqual([s['id'] for s in harness.list_items(
            srv, '/v1/Sessions', 'sessions', AUTH_B)],
            [s['id'] for s in seeded_b] + ['b1'])
        self.assertEqual(len(self.feedbacks(srv, bob_aid, AUTH_B)),
                         len(seeded_fb) + 1)
        # the name is free again: a new session with the new sender
        self.send_ok(srv, aid, 'new:sender', 'again', session_id='r1')
        self.assertEqual(self.session_ok(srv, 'r1')['identity'], 'new:sender')
        self.assertEqual([x['content']['text']
                          for x in self.history(srv, 'r1')],
                         ['again', 'Echo: again'])
        # a global reset: every account back to the seed
        harness.reset(srv)
        self.assertEqual(harness.list_items(srv, '/v1/Sessions', 'sessions',
                                            AUTH_A), seeded_a)
        self.assertEqual(harness.list_items(srv, '/v1/Sessions', 'sessions',
                                            AUTH_B), seeded_b)
        self.assertEqual(self.feedbacks(srv, bob_aid, AUTH_B), seeded_fb)
        self.assertEqual(srv.get(session_path('b1'), auth=AUTH_B).status, 404)
        self.assertEqual(srv.get(session_path('r1'), auth=AUTH_A).status, 404)


# ---------------------------------------------------------------------------
# Canned replies (fixture "replies", README): the first match, else the echo


class Replies(MsgCase):

    ACCT = harness.sid('AC', 0x4e91)
    TOKEN = 'replies-token'
    A1 = 'aia_asst_replies-1'
    A2 = 'aia_asst_replies-2'

    @classmethod
    def setUpClass(cls):
        d = cls.class_tmpdir()
        path = harness.write_json(d, 'replies.json', {
            'accounts': [harness.account(cls.ACCT, cls.TOKEN)],
            'assistants': [harness.assistant(cls.A1, cls.ACCT),
                           harness.assistant(cls.A2, cls.ACCT)],
            'replies': [
                {'assistant_id': cls.A1, 'match': '*refund*',
                 'reply': 'A1 refunds'},
                {'match': '*refund*', 'reply': 'Any refunds'},
                {'match': 'hello', 'reply': 'Exactly hello'},
                {'match': 'a*b*c', 'reply': 'Glob ✓'},
            ]})
        cls.srv = cls.class_server(['--quiet', '--fixtures', path])

    def test_first_match_else_echo(self):
        srv, auth = self.srv, (self.ACCT, self.TOKEN)
        for aid, body, reply in (
                (self.A1, 'I want a refund please', 'A1 refunds'),
                (self.A1, 'refund', 'A1 refunds'),
                (self.A2, 'I want a refund please', 'Any refunds'),
                (self.A2, 'hello', 'Exactly hello'),
                (self.A1, 'hello there', 'Echo: hello there'),
                (self.A2, 'abc', 'Glob ✓'),
                (self.A2, 'a-refund-b-c', 'Any refunds'),
                (self.A2, 'aXbYc', 'Glob ✓'),
                (self.A2, 'aXbYcZ', 'Echo: aXbYcZ'),
                (self.A2, 'nothing', 'Echo: nothing')):
            with self.subTest(aid=aid, body=body):
                name = unique('canned')
                r = self.send(srv, aid, 'u', body, auth, session_id=name)
                self.assertEqual(r.status, 200, r)
                self.assertEqual(r.ordered(), [
                    ('status', 'Success'), ('flagged', False),
                    ('aborted', False), ('session_id', name),
                    ('account_sid', self.ACCT), ('body', reply),
                    ('error', None)])
                items = self.history(srv, name, auth)
                self.assertEqual([m['content'] for m in items],
                                 [{'text': body}, {'text': reply}])
                self.assertEqual(items[1]['meta'],
                                 {'flagged': False, 'aborted': False})

    def test_webhook_delivers_the_canned_reply(self):
        srv, auth = self.srv, (self.ACCT, self.TOKEN)
        with WebhookReceiver() as recv:
            url = recv.url('/canned')
            r = self.send(srv, self.A1, 'u', 'refund me', auth,
                          session_id='c1', webhook=url)
            self.assertEqual(r.status, 202, r)
            self.assertIsNone(r.json()['body'])
            reqs = recv.wait(1, 5)
        self.assertEqual(len(reqs), 1, srv.stderr_text())
        form = dict(reqs[0]['form'])
        self.assertEqual(form['Body'], 'A1 refunds')
        self.assertEqual(form['Status'], 'Success')
        sig = harness.header_of(reqs[0]['headers'], 'X-Twilio-Signature')
        self.assertEqual(sig, harness.twilio_signature(
            self.TOKEN, url, reqs[0]['form']))


# ---------------------------------------------------------------------------
# Webhook delivery


class Webhooks(MsgCase):

    @classmethod
    def setUpClass(cls):
        cls.srv = cls.class_server(['--quiet'])
        cls.aid = seeded_ids(cls.srv, AUTH_A, 1)[0]
        cls.bob_aid = seeded_ids(cls.srv, AUTH_B, 1)[0]

    def receiver(self, statuses=(204,), delay=0.0):
        recv = WebhookReceiver(statuses, delay)
        self.addCleanup(recv.close)
        return recv

    def failure_line(self, url, timeout):
        return harness.wait_for_stderr(
            self.srv, re.escape(WEBHOOK_FAILED % url) + r'.+', timeout)

    def assert_delivery(self, req, url, path, token, fields):
        """One delivery: POST to path, the form fields exactly, its headers,
        and the signature (token None: no signature header)."""
        self.assertEqual(req['method'], 'POST')
        self.assertEqual(req['path'], path)
        h = req['headers']
        self.assertEqual(harness.header_of(h, 'Content-Type'), FORM_TYPE, h)
        self.assertEqual(harness.header_of(h, 'User-Agent'),
                         harness.WEBHOOK_USER_AGENT, h)
        form = req['form']
        self.assertIsNotNone(form, req['body'])
        self.assertEqual(sorted(k for k, _ in form), WEBHOOK_FIELDS,
                         req['body'])
        self.assertEqual(dict(form), fields)
        sig = [v for k, v in h if k.lower() == 'x-twilio-signature']
        if token is None:
            self.assertEqual(sig, [], h)
            return
        self.assertEqual(len(sig), 1, h)
        self.assertEqual(sig[0], harness.twilio_signature(token, url, form))
        self.assertNotEqual(sig[0], harness.twilio_signature(
            token + 'x', url, form))

    def fields(self, account, aid, identity, body, session_id):
        return {'AccountSid': account, 'AssistantSid': aid,
                'Aborted': 'false', 'Body': 'Echo: ' + body,
                'Flagged': 'false', 'Identity': identity,
                'SessionId': session_id, 'Status': 'Success'}

    def test_delivery_form_and_signature_with_query(self):
        recv = self.receiver()
        path = '/hooks/q?x=1&y=a%20b&z=%E2%9C%93'
        url = recv.url(path)
        name = unique('sig')
        text = 'Tom & Jerry = 100% ünï + more\nline'
        b = self.send_ok(self.srv, self.aid, 'phone:+1 555&x=y', text,
                         session_id=name, webhook=url)
        reqs = recv.wait(1, 5)
        self.assertEqual(len(reqs), 1, self.srv.stderr_text())
        self.assert_delivery(reqs[0], url, path, ALICE_TOKEN, self.fields(
            ALICE, self.aid, 'phone:+1 555&x=y', text, 'webhook:' + name))
        self.assertEqual(b['session_id'], 'webhook:' + name)
        time.sleep(0.3)
        self.assertEqual(recv.count(), 1)

    def test_delivery_plain_url_bob(self):
        recv = self.receiver()
        url = recv.url('/bob')
        b = self.send_ok(self.srv, self.bob_aid, 'bob', 'hey', auth=AUTH_B,
                         account=BOB, webhook=url)
        reqs = recv.wait(1, 5)
        self.assertEqual(len(reqs), 1, self.srv.stderr_text())
        self.assert_delivery(reqs[0], url, '/bob', BOB_TOKEN, self.fields(
            BOB, self.bob_aid, 'bob', 'hey', b['session_id']))
        self.assertRegex(b['session_id'][len('webhook:'):], UUID4_RE)

    def test_api_key_sender_signed_with_auth_token(self):
        recv = self.receiver()
        url = recv.url('/key')
        name = unique('key')
        self.send_ok(self.srv, self.aid, 'k', 'via key', auth=AUTH_K,
                     session_id=name, webhook=url)
        reqs = recv.wait(1, 5)
        self.assertEqual(len(reqs), 1, self.srv.stderr_text())
        self.assert_delivery(reqs[0], url, '/key', ALICE_TOKEN, self.fields(
            ALICE, self.aid, 'k', 'via key', 'webhook:' + name))

    def test_answer_does_not_wait_for_delivery(self):
        recv = self.receiver(delay=1.0)
        url = recv.url('/slow')
        t0 = time.monotonic()
        self.send_ok(self.srv, self.aid, session_id=unique('slow'),
                     webhook=url)
        t_answer = time.monotonic()
        self.assertLess(t_answer - t0, 0.5)
        reqs = recv.wait_done(1, 5)
        self.assertEqual(len(reqs), 1, self.srv.stderr_text())
        self.assertGreater(reqs[0]['done'], t_answer)
        self.assertGreaterEqual(reqs[0]['done'] - t0, 1.0)
        # the server keeps answering while the delivery is pending
        recv2 = self.receiver(delay=1.0)
        self.send_ok(self.srv, self.aid, webhook=recv2.url('/slow2'))
        t1 = time.monotonic()
        self.assertEqual(self.srv.get('/healthz').status, 200)
        self.send_ok(self.srv, self.aid, 'u', 'meanwhile')
        self.assertLess(time.monotonic() - t1, 0.5)
        self.assertEqual(len(recv2.wait_done(1, 5)), 1)

    def test_retries_then_success(self):
        recv = self.receiver(statuses=(500, 500, 204))
        url = recv.url('/flaky')
        name = unique('flaky')
        self.send_ok(self.srv, self.aid, 'u', 'retry me', session_id=name,
                     webhook=url)
        reqs = recv.wait(3, 6)
        self.assertEqual(len(reqs), 3, self.srv.stderr_text())
        time.sleep(1.0)
        self.assertEqual(recv.count(), 3)
        self.assertIsNone(self.failure_line(url, 0))
        want = self.fields(ALICE, self.aid, 'u', 'retry me',
                           'webhook:' + name)
        for req in reqs:
            self.assert_delivery(req, url, '/flaky', ALICE_TOKEN, want)
        self.assertEqual(len({r['body'] for r in reqs}), 1)
        gaps = [reqs[1]['time'] - reqs[0]['time'],
                reqs[2]['time'] - reqs[1]['time']]
        self.assertGreaterEqual(gaps[0], 0.15, gaps)
        self.assertLess(gaps[0], 0.9, gaps)
        self.assertGreaterEqual(gaps[1], 0.9, gaps)
        self.assertLess(gaps[1], 2.5, gaps)

    def test_retries_exhausted(self):
        recv = self.receiver(statuses=(500,))
        url = recv.url('/broken?k=v')
        self.send_ok(self.srv, self.aid, webhook=url)
        line = self.failure_line(url, 6)
        self.assertIsNotNone(line, self.srv.stderr_text())
        self.assertEqual(recv.count(), 3)
        time.sleep(1.0)
        self.assertEqual(recv.count(), 3)
        self.assertEqual(self.srv.get('/healthz').status, 200)
        # other non-2xx answers count as failures too
        recv2 = self.receiver(statuses=(404, 302, 200))
        url2 = recv2.url('/mixed')
        self.send_ok(self.srv, self.aid, webhook=url2)
        self.assertEqual(len(recv2.wait(3, 6)), 3)
        time.sleep(0.5)
        self.assertEqual(recv2.count(), 3)
        self.assertIsNone(self.failure_line(url2, 0))

    def test_each_attempt_at_most_5s(self):
        recv = self.receiver(delay=7.0)  # would answer 204, too late
        url = recv.url('/hang')
        t0 = time.monotonic()
        self.send_ok(self.srv, self.aid, webhook=url)
        line = self.failure_line(url, 21)
        took = time.monotonic() - t0
        self.assertIsNotNone(line, self.srv.stderr_text())
        reqs = recv.wait(3, 0)
        self.assertEqual(len(reqs), 3)
        gaps = [reqs[1]['time'] - reqs[0]['time'],
                reqs[2]['time'] - reqs[1]['time']]
        self.assertGreaterEqual(gaps[0], 5.0, gaps)
        self.assertLess(gaps[0], 6.5, gaps)
        self.assertGreaterEqual(gaps[1], 5.8, gaps)
        self.assertLess(gaps[1], 7.5, gaps)
        self.assertLess(took, 19.0)

    def test_unreachable(self):
        port = harness.closed_port()
        url = 'http://127.0.0.1:%d/nobody' % port
        t0 = time.monotonic()
        b = self.send_ok(self.srv, self.aid, session_id=unique('gone'),
                         webhook=url)
        self.assertLess(time.monotonic() - t0, 0.5)
        line = self.failure_line(url, 6)
        self.assertIsNotNone(line, self.srv.stderr_text())
        self.assertGreaterEqual(time.monotonic() - t0, 1.1)
        self.assertIsNone(self.srv.proc.poll())
        self.assertEqual(self.srv.get('/healthz').status, 200)
        self.assertEqual(self.srv.get('/readyz').status, 200)
        self.assertEqual(len(self.history(self.srv, b['session_id'])), 2)
        self.send_ok(self.srv, self.aid, 'u', 'still fine')

    def test_webhooks_off(self):
        recv = self.receiver()
        flag = self.start_server(['--quiet', '--webhooks', 'off'])
        env = self.start_server(['--quiet'],
                                env={'ASSISTANTS_MOCK_WEBHOOKS': 'off'})
        for i, srv in enumerate((flag, env)):
            aid = seeded_ids(srv, AUTH_A, 1)[0]
            b = self.send_ok(srv, aid, 'u', 'quiet', session_id='off%d' % i,
                             webhook=recv.url('/off%d' % i))
            self.assertEqual(b['session_id'], 'webhook:off%d' % i)
            self.assertEqual(len(self.history(srv, b['session_id'])), 2)
        time.sleep(2.0)
        self.assertEqual(recv.count(), 0)
        for srv in (flag, env):
            self.assertNotIn('webhook delivery', srv.stderr_text())
        # the flag wins over the environment
        on = self.start_server(['--quiet', '--webhooks', 'on'],
                               env={'ASSISTANTS_MOCK_WEBHOOKS': 'off'})
        aid = seeded_ids(on, AUTH_A, 1)[0]
        self.send_ok(on, aid, webhook=recv.url('/on'))
        self.assertEqual(len(recv.wait(1, 5)), 1)

    def test_account_with_only_api_keys(self):
        acct = harness.sid('AC', 0x9e7)
        key = (harness.sid('SK', 0x9e7), 'keys-only-secret')
        path = harness.write_json(self.tmpdir(), 'keys.json', {
            'accounts': [harness.keys_only_account(acct, [key])],
            'assistants': [harness.assistant('aia_asst_keys-only-1', acct)]})
        srv = self.start_server(['--quiet', '--fixtures', path])
        recv = self.receiver()
        url = recv.url('/nosig')
        b = self.send_ok(srv, 'aia_asst_keys-only-1', 'k', 'unsigned',
                         auth=key, account=acct, webhook=url)
        reqs = recv.wait(1, 5)
        self.assertEqual(len(reqs), 1, srv.stderr_text())
        self.assert_delivery(reqs[0], url, '/nosig', None, self.fields(
            acct, 'aia_asst_keys-only-1', 'k', 'unsigned', b['session_id']))


if __name__ == '__main__':
    harness.main()
