#!/usr/bin/env python3
"""Black-box tests of the fixture sections beyond accounts and assistants:
tools, knowledge, policies, sessions, messages, feedbacks, attachments,
policy_links and replies (issue 9).

- Served back exactly: every record of a fixture comes back from its list and
  fetch as written (dict and key order), plus what the server derives: the
  url of assistants, tools and knowledge (a fixed url stays), the default
  account_sid, null for omitted optional fields; knowledge without the
  private last_status (which /Status shows); tools' policies and assistants'
  tools and knowledge from policy_links and attachments, in link and attach
  order; messages oldest first; /__admin/reset restores them.
- Recorded Twilio list responses of every resource load as they stand with
  TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN and are served unchanged (the ones that
  name other records together with those).
- Every kind of invalid record of every section (missing field, wrong type,
  bad id prefix, bad date, unknown key; link and reply shapes) exits 2 with
  the exact line `FILE: section[i][.field]: problem`.
- Cross references (unknown or another account's assistant, session,
  message, tool, knowledge, policy; duplicate ids) exit 2 naming the
  reference; references work across files in any file order.
- Canned replies answer SendMessage: the first match in file order wins,
  an assistant's own reply does not beat an earlier global one; '*' is the
  only wildcard; the reply is stored in the session history.
- All or nothing: after any problem the server exits 2 and never listens.

Usage: python3 tests/blackbox/test_fixtures_all.py [--binary PATH] [-k NAME]

SPDX-License-Identifier: MIT
"""

import os
import re
import socket
import urllib.parse

import harness
from harness import (FEEDBACK_KEYS, FETCH_KEYS, ITEM_KEYS, KNOWLEDGE_KEYS,
                     KNOWLEDGE_STATUS_KEYS, MESSAGE_KEYS, POLICY_KEYS,
                     SESSION_KEYS, TOOL_FETCH_KEYS, TOOL_KEYS, assistant_path,
                     feedbacks_path, knowledge_path, run_cli, session_path,
                     session_messages_path, sid, text, tool_path)

ACCT_A = sid('AC', 0xf1a1)
TOKEN_A = 'fixtures-all-token-a'
ACCT_B = sid('AC', 0xf1b2)
TOKEN_B = 'fixtures-all-token-b'
AUTH_A = (ACCT_A, TOKEN_A)
AUTH_B = (ACCT_B, TOKEN_B)
D0 = '2025-01-01T00:00:00Z'
D1 = '2025-01-02T03:04:05Z'
D2 = '2025-01-03T03:04:05Z'
REJECTED = re.compile(r'assistants-mock: fixtures rejected: (\d+) problems?, '
                      r'nothing served')


def date(day, sec=0):
    return '2025-02-%02dT10:00:%02dZ' % (day, sec)


# ---------------------------------------------------------------------------
# A world of every section (account A, and a little of B)

def world():
    asst = [
        harness.assistant('aia_asst_fx-1', ACCT_A, D0),
        harness.assistant('aia_asst_fx-2', ACCT_A, D1, url=(
            'https://assistants.twilio.com/v1/Assistants/aia_asst_fx-2')),
        harness.assistant('aia_asst_fx-b1', ACCT_B, D0),
    ]
    tools = [
        # listed by date: t3, t1, t2 (file order differs)
        {'account_sid': ACCT_A, 'description': 'Looks up an order.',
         'enabled': True, 'id': 'aia_tool_fx-1',
         'meta': {'url': 'https://example.com/orders', 'method': 'GET',
                  'input_schema': 'export type Data = { id: string }'},
         'name': 'Order Lookup', 'requires_auth': True, 'type': 'WEBHOOK',
         'date_created': date(2), 'date_updated': date(3)},
        {'account_sid': ACCT_A, 'description': '', 'enabled': False,
         'id': 'aia_tool_fx-2', 'meta': {}, 'name': 'Ünïcode "tool" \\ /',
         'requires_auth': False, 'type': 'WEBHOOK',
         'url': 'https://assistants.twilio.com/v1/Tools/aia_tool_fx-2',
         'date_created': date(4), 'date_updated': date(4)},
        # no account_sid: the first account's
        {'description': 'Third.', 'enabled': True, 'id': 'aia_tool_fx-3',
         'meta': {'nested': {'a': [1, 2.5, None, True]}}, 'name': 'T3',
         'requires_auth': False, 'type': 'WEBHOOK', 'url': None,
         'date_created': date(1), 'date_updated': date(1)},
        {'account_sid': ACCT_B, 'description': 'b', 'enabled': True,
         'id': 'aia_tool_fx-b1', 'meta': {}, 'name': 'B tool',
         'requires_auth': False, 'type': 'WEBHOOK',
         'date_created': date(1), 'date_updated': date(1)},
    ]
    knowledge = [
        {'description': 'done', 'id': 'aia_know_fx-done', 'account_sid': ACCT_A,
         'knowledge_source_details': {'content': 'Refunds take 5 days.'},
         'name': 'Return policy', 'status': 'COMPLETED', 'type': 'Text',
         'embedding_model': None, 'date_created': date(5),
         'date_updated': date(5, 30), 'last_status': 'FAILED'},
        {'description': 'failed', 'id': 'aia_know_fx-fail',
         'account_sid': ACCT_A, 'knowledge_source_details': {},
         'name': 'Upload', 'status': 'FAILED', 'type': 'File',
         'date_created': date(6), 'date_updated': date(6, 9)},
        {'description': 'queued', 'id': 'aia_know_fx-queued',
         'account_sid': ACCT_A,
         'knowledge_source_details': {'source': 'https://example.com/help',
                                      'crawl_depth': 1},
         'name': 'Help center', 'status': 'QUEUED', 'type': 'Web',
         'embedding_model': None,
         'url': 'https://knowledge.twilio.com/v1/Knowledge/aia_know_fx-queued',
         'date_created': date(7), 'date_updated': date(7)},
        {'description': 'processing', 'id': 'aia_know_fx-proc',
         'account_sid': ACCT_A,
         'knowledge_source_details': {'source': 'catalogue.products'},
         'name': 'Catalogue', 'status': 'PROCESSING', 'type': 'Database',
         'embedding_model': 'text-embedding-3-small',
         'date_created': date(8), 'date_updated': date(8, 5)},
    ]
    policies = [
        {'id': 'aia_plcy_fx-1', 'name': 'Verified only',
         'description': 'Needs a verified session.', 'account_sid': ACCT_A,
         'user_sid': sid('US', 1), 'type': 'IDENTITY',
         'policy_details': {'require_verified_session': True},
         'date_created': date(9), 'date_updated': date(9)},
        # name, description, user_sid omitted: null
        {'id': 'aia_plcy_fx-2', 'account_sid': ACCT_A, 'type': '',
         'policy_details': ['any', 'json', 1],
         'date_created': date(10), 'date_updated': date(10)},
    ]
    sessions = [
        {'id': 's1', 'account_sid': ACCT_A, 'assistant_id': 'aia_asst_fx-1',
         'verified': False, 'identity': 'email:jane@example.com',
         'date_created': date(11), 'date_updated': date(11, 50)},
        {'id': 'webhook:s2', 'account_sid': ACCT_A,
         'assistant_id': 'aia_asst_fx-2', 'verified': True,
         'identity': 'phone:+15005550006', 'date_created': date(12),
         'date_updated': date(12)},
        # the same id in another account
        {'id': 's1', 'account_sid': ACCT_B, 'assistant_id': 'aia_asst_fx-b1',
         'verified': False, 'identity': 'user_id:b',
         'date_created': date(11), 'date_updated': date(11)},
    ]

    def msg(n, session, role, txt, sec, account=ACCT_A,
            asst_id='aia_asst_fx-1'):
        return {'id': 'aia_msg_fx-%s' % n, 'account_sid': account,
                'assistant_id': asst_id, 'session_id': session,
                'identity': 'email:jane@example.com', 'role': role,
                'content': {'text': txt},
                'meta': {} if role == 'user' else {'flagged': False,
                                                   'aborted': False},
                'date_created': date(11, sec), 'date_updated': date(11, sec)}
    messages = [  # file order is not history order
        msg('3', 's1', 'user', 'And a refund?', 30),
        msg('1', 's1', 'user', 'Where is my order?', 10),
        msg('4', 's1', 'assistant', 'Refunds take 5 days.', 40),
        msg('2', 's1', 'assistant', 'It ships today.', 20),
        msg('5', 'webhook:s2', 'user', 'Hi', 1, asst_id='aia_asst_fx-2'),
        msg('b1', 's1', 'user', 'B', 1, ACCT_B, 'aia_asst_fx-b1'),
    ]
    feedbacks = [
        {'assistant_id': 'aia_asst_fx-1', 'id': 'aia_fdbk_fx-1',
         'account_sid': ACCT_A, 'user_sid': None,
         'message_id': 'aia_msg_fx-4', 'score': 0.25, 'session_id': 's1',
         'text': 'Good', 'date_created': date(13), 'date_updated': date(13)},
        # message_id, score, text, user_sid omitted: null
        {'assistant_id': 'aia_asst_fx-1', 'id': 'aia_fdbk_fx-2',
         'account_sid': ACCT_A, 'session_id': 's1',
         'date_created': date(14), 'date_updated': date(14)},
    ]
    attachments = [
        {'assistant_id': 'aia_asst_fx-1', 'tool_id': 'aia_tool_fx-2'},
        {'assistant_id': 'aia_asst_fx-1', 'tool_id': 'aia_tool_fx-1'},
        {'assistant_id': 'aia_asst_fx-1', 'knowledge_id': 'aia_know_fx-fail'},
        {'assistant_id': 'aia_asst_fx-1', 'knowledge_id': 'aia_know_fx-done'},
        {'assistant_id': 'aia_asst_fx-1', 'tool_id': 'aia_tool_fx-2'},  # again
        {'assistant_id': 'aia_asst_fx-2', 'knowledge_id': 'aia_know_fx-done',
         'account_sid': ACCT_A},
        {'assistant_id': 'aia_asst_fx-b1', 'tool_id': 'aia_tool_fx-b1',
         'account_sid': ACCT_B},
    ]
    policy_links = [
        {'policy_id': 'aia_plcy_fx-2', 'tool_id': 'aia_tool_fx-1'},
        {'policy_id': 'aia_plcy_fx-1', 'tool_id': 'aia_tool_fx-1'},
        {'policy_id': 'aia_plcy_fx-2', 'knowledge_id': 'aia_know_fx-done'},
    ]
    return {'accounts': [harness.account(ACCT_A, TOKEN_A),
                         harness.account(ACCT_B, TOKEN_B)],
            'assistants': asst, 'tools': tools, 'knowledge': knowledge,
            'policies': policies, 'sessions': sessions, 'messages': messages,
            'feedbacks': feedbacks, 'attachments': attachments,
            'policy_links': policy_links}


OPTIONAL_NULL = {'url', 'embedding_model', 'name', 'description', 'user_sid',
                 'message_id', 'score', 'text'}


def served(rec, keys, base=None, path=None):
    """The body the server gives for fixture record rec: keys in order,
    account_sid filled in, omitted optional fields null, a derived url."""
    body = {}
    for k in keys:
        if k == 'url' and rec.get('url') is None:
            body[k] = '%s%s/%s' % (base, path,
                                   urllib.parse.quote(rec['id'], safe=''))
        elif k == 'account_sid' and rec.get(k) is None:
            body[k] = ACCT_A
        elif k in rec:
            body[k] = rec[k]
        else:
            assert k in OPTIONAL_NULL, k
            body[k] = None
    return body


def by_id(items):
    return {x['id']: x for x in items}


def of(doc, section, account=ACCT_A):
    return [r for r in doc[section] if r.get('account_sid', ACCT_A) == account]


def ordered(items):
    return sorted(items, key=lambda r: (r['date_created'], r['id']))


class Base(harness.TestCase):

    def ok_json(self, r, keys=None):
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header('Content-Type'), 'application/json')
        if keys is not None:
            self.assertEqual([k for k, _ in r.ordered()], keys, r)
        return r.json()

    def items(self, srv, path, key, auth=AUTH_A, keys=None):
        """Every item of a list (page size 2 to cross pages), with each
        item's key order checked."""
        out = []
        for page in harness.walk_list(srv, path, key, auth, page_size=2):
            out += page
        r = srv.get(path, auth=auth)
        body = self.ok_json(r)
        if keys is not None:
            for item in dict(r.ordered())[key]:
                self.assertEqual([k for k, _ in item], keys, item)
        return out

    def check_rejected(self, doc, lines, env=None, name='bad.json',
                       modes=(('--check',),)):
        """doc (a dict, or a dict of file name -> dict for a directory)
        exits 2 with exactly these problem lines (FILE is replaced by the
        path) and the summary; never listens."""
        d = self.tmpdir()
        if name.endswith('/'):
            path = os.path.join(d, name.rstrip('/'))
            os.mkdir(path)
            for fname, part in doc.items():
                harness.write_json(path, fname, part)
        else:
            path = harness.write_json(d, name, doc)
        want = [l.replace('FILE', path) for l in lines]
        for mode in modes:
            with self.subTest(mode=mode[0]):
                p = run_cli(list(mode) + ['--fixtures', path], env=env)
                err = text(p.stderr).rstrip('\n').split('\n')
                self.assertEqual(p.returncode, 2, err)
                self.assertNotIn('listening on', text(p.stdout))
                self.assertRegex(err[-1], REJECTED)
                self.assertEqual(err[:-1], want)
                self.assertEqual(int(REJECTED.fullmatch(err[-1]).group(1)),
                                 len(want))
        return path


# ---------------------------------------------------------------------------

class ServedBack(Base):
    """The world loaded once: everything comes back as written."""

    @classmethod
    def setUpClass(cls):
        d = cls.class_tmpdir()
        cls.doc = world()
        cls.path = harness.write_json(d, 'world.json', cls.doc)
        cls.srv = cls.class_server(['--fixtures', cls.path, '--quiet'])
        cls.base = cls.srv.base

    def test_check_summary(self):
        p = run_cli(['--check', '--fixtures', self.path])
        self.assertEqual(p.returncode, 0, p)
        out = text(p.stdout)
        self.assertRegex(out, r'(?m)^account %s: 2 assistants$' % ACCT_A)
        self.assertRegex(out, r'(?m)^account %s: 1 assistants$' % ACCT_B)

    def test_tools(self):
        items = self.items(self.srv, '/v1/Tools', 'tools', keys=TOOL_KEYS)
        want = [served(t, TOOL_KEYS, self.base, '/v1/Tools')
                for t in ordered(of(self.doc, 'tools'))]
        self.assertEqual(items, want)
        self.assertEqual([t['id'] for t in items],
                         ['aia_tool_fx-3', 'aia_tool_fx-1', 'aia_tool_fx-2'])
        self.assertEqual(items[2]['url'],
                         'https://assistants.twilio.com/v1/Tools/aia_tool_fx-2')
        self.assertEqual(items[0]['account_sid'], ACCT_A)

    def test_tool_fetch_with_policies_in_link_order(self):
        pols = by_id(self.doc['policies'])
        for t in of(self.doc, 'tools'):
            with self.subTest(tool=t['id']):
                body = self.ok_json(self.srv.get(tool_path(t['id']),
                                                 auth=AUTH_A),
                                    TOOL_FETCH_KEYS)
                want = served(t, TOOL_KEYS, self.base, '/v1/Tools')
                want['policies'] = [served(pols[p], POLICY_KEYS) for p in
                                    (['aia_plcy_fx-2', 'aia_plcy_fx-1']
                                     if t['id'] == 'aia_tool_fx-1' else [])]
                self.assertEqual(body, want)

    def test_knowledge_list_shows_seeded_status(self):
        items = self.items(self.srv, '/v1/Knowledge', 'knowledge',
                           keys=KNOWLEDGE_KEYS)
        want = [served(k, KNOWLEDGE_KEYS, self.base, '/v1/Knowledge')
                for k in ordered(of(self.doc, 'knowledge'))]
        self.assertEqual(items, want)
        self.assertEqual([k['status'] for k in items],
                         ['COMPLETED', 'FAILED', 'QUEUED', 'PROCESSING'])
        self.assertNotIn(b'last_status', self.srv.get(
            '/v1/Knowledge', auth=AUTH_A).body)

    def test_knowledge_fetch_and_status_of_final_states(self):
        for k in of(self.doc, 'knowledge')[:2]:  # COMPLETED, FAILED
            with self.subTest(knowledge=k['id']):
                for _ in range(3):  # polls do not move a final status
                    body = self.ok_json(self.srv.get(knowledge_path(k['id']),
                                                     auth=AUTH_A),
                                        KNOWLEDGE_KEYS)
                    self.assertEqual(body, served(k, KNOWLEDGE_KEYS,
                                                  self.base, '/v1/Knowledge'))
                st = self.ok_json(self.srv.get(
                    knowledge_path(k['id']) + '/Status', auth=AUTH_A),
                    KNOWLEDGE_STATUS_KEYS)
                self.assertEqual(st, {'account_sid': None,
                                      'status': k['status'],
                                      'last_status': k.get('last_status'),
                                      'date_updated': k['date_updated']})

    def test_policies(self):
        items = self.items(self.srv, '/v1/Policies', 'policies',
                           keys=POLICY_KEYS)
        self.assertEqual(items, [served(p, POLICY_KEYS) for p in
                                 ordered(of(self.doc, 'policies'))])
        self.assertEqual([items[1][k] for k in ('name', 'description',
                                                'user_sid')],
                         [None, None, None])
        pols = by_id(self.doc['policies'])
        for query, want in (
                ('ToolId=aia_tool_fx-1', ['aia_plcy_fx-1', 'aia_plcy_fx-2']),
                ('KnowledgeId=aia_know_fx-done', ['aia_plcy_fx-2']),
                ('ToolId=aia_tool_fx-1&KnowledgeId=aia_know_fx-done',
                 ['aia_plcy_fx-2']),
                ('ToolId=aia_tool_fx-2', [])):
            with self.subTest(query=query):
                got = self.items(self.srv, '/v1/Policies?' + query,
                                 'policies')
                self.assertEqual(got, [served(pols[p], POLICY_KEYS)
                                       for p in want])

    def test_assistants_with_attachments(self):
        items = self.items(self.srv, '/v1/Assistants', 'assistants',
                           keys=ITEM_KEYS)
        self.assertEqual(items, [served(a, ITEM_KEYS, self.base,
                                        '/v1/Assistants')
                                 for a in ordered(of(self.doc, 'assistants'))])
        tools = by_id(self.doc['tools'])
        know = by_id(self.doc['knowledge'])
        for aid, tids, kids in (
                ('aia_asst_fx-1', ['aia_tool_fx-2', 'aia_tool_fx-1'],
                 ['aia_know_fx-fail', 'aia_know_fx-done']),
                ('aia_asst_fx-2', [], ['aia_know_fx-done'])):
            with self.subTest(assistant=aid):
                body = self.ok_json(self.srv.fetch(aid, AUTH_A), FETCH_KEYS)
                a = by_id(self.doc['assistants'])[aid]
                want = served(a, ITEM_KEYS, self.base, '/v1/Assistants')
                want['knowledge'] = [served(know[k], KNOWLEDGE_KEYS, self.base,
                                            '/v1/Knowledge') for k in kids]
                want['tools'] = [served(tools[t], TOOL_KEYS, self.base,
                                        '/v1/Tools') for t in tids]
                self.assertEqual(body, want)  # attach order, no duplicate
                # the sub-lists: list order (date_created, id)
                self.assertEqual(
                    self.items(self.srv, assistant_path(aid) + '/Tools',
                               'tools'),
                    ordered(want['tools']))
                self.assertEqual(
                    self.items(self.srv, assistant_path(aid) + '/Knowledge',
                               'knowledge'),
                    ordered(want['knowledge']))
        self.assertEqual(
            [t['id'] for t in self.items(
                self.srv, '/v1/Tools?AssistantId=aia_asst_fx-1', 'tools')],
            ['aia_tool_fx-1', 'aia_tool_fx-2'])

    def test_sessions(self):
        items = self.items(self.srv, '/v1/Sessions', 'sessions',
                           keys=SESSION_KEYS)
        mine = ordered(of(self.doc, 'sessions'))
        self.assertEqual(items, [served(s, SESSION_KEYS) for s in mine])
        for s, paths in ((mine[0], ['s1']),
                         (mine[1], ['webhook:s2', 's2'])):
            for p in paths:
                with self.subTest(path=p):
                    self.assertEqual(
                        self.ok_json(self.srv.get(session_path(p),
                                                  auth=AUTH_A),
                                     SESSION_KEYS),
                        served(s, SESSION_KEYS))

    def test_messages_oldest_first(self):
        msgs = of(self.doc, 'messages')
        for session in ('s1', 'webhook:s2'):
            with self.subTest(session=session):
                items = self.items(self.srv, session_messages_path(session),
                                   'messages', keys=MESSAGE_KEYS)
                self.assertEqual(items, [served(m, MESSAGE_KEYS) for m in
                                         ordered(msgs)
                                         if m['session_id'] == session])
        items = self.items(self.srv, session_messages_path('s1'), 'messages')
        self.assertEqual([m['role'] for m in items],
                         ['user', 'assistant', 'user', 'assistant'])

    def test_feedbacks(self):
        items = self.items(self.srv, feedbacks_path('aia_asst_fx-1'),
                           'feedbacks', keys=FEEDBACK_KEYS)
        self.assertEqual(items, [served(f, FEEDBACK_KEYS)
                                 for f in ordered(self.doc['feedbacks'])])
        self.assertEqual([items[1][k] for k in ('message_id', 'score', 'text',
                                                'user_sid')],
                         [None, None, None, None])
        self.assertIn(b'"score":0.25,', self.srv.get(
            feedbacks_path('aia_asst_fx-1'), auth=AUTH_A).body)
        self.assertEqual(self.items(self.srv, feedbacks_path('aia_asst_fx-2'),
                                    'feedbacks'), [])

    def test_other_account(self):
        b = {'tools': ['aia_tool_fx-b1'], 'knowledge': [], 'policies': [],
             'sessions': ['s1']}
        for key, want in b.items():
            with self.subTest(list=key):
                got = self.items(self.srv, '/v1/' + key.capitalize(), key,
                                 AUTH_B)
                self.assertEqual([x['id'] for x in got], want)
        got = self.items(self.srv, session_messages_path('s1'), 'messages',
                         AUTH_B)
        self.assertEqual([m['id'] for m in got], ['aia_msg_fx-b1'])
        self.assertEqual(self.srv.get(session_path('s1'), auth=AUTH_B).json(),
                         served(self.doc['sessions'][2], SESSION_KEYS))
        for path in (tool_path('aia_tool_fx-1'),
                     knowledge_path('aia_know_fx-done'),
                     session_path('webhook:s2'),
                     feedbacks_path('aia_asst_fx-1')):
            with self.subTest(path=path):
                self.assertEqual(self.srv.get(path, auth=AUTH_B).status, 404)
        body = self.ok_json(self.srv.fetch('aia_asst_fx-b1', AUTH_B))
        self.assertEqual([t['id'] for t in body['tools']], ['aia_tool_fx-b1'])

    def test_reset_restores_the_fixtures(self):
        srv = self.start_server(['--fixtures', self.path, '--quiet'])
        before = self.items(srv, session_messages_path('s1'), 'messages')
        r = harness.send_message(srv, 'aia_asst_fx-1',
                                 {'identity': 'x', 'body': 'more',
                                  'session_id': 's1'}, AUTH_A)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(srv.delete(tool_path('aia_tool_fx-1'),
                                    auth=AUTH_A).status, 204)
        self.assertEqual(len(self.items(srv, session_messages_path('s1'),
                                        'messages')), 6)
        harness.reset(srv)
        self.assertEqual(self.items(srv, session_messages_path('s1'),
                                    'messages'), before)
        body = self.ok_json(srv.get(tool_path('aia_tool_fx-1'), auth=AUTH_A))
        self.assertEqual([p['id'] for p in body['policies']],
                         ['aia_plcy_fx-2', 'aia_plcy_fx-1'])
        self.assertEqual([t['id'] for t in self.ok_json(
            srv.fetch('aia_asst_fx-1', AUTH_A))['tools']],
            ['aia_tool_fx-2', 'aia_tool_fx-1'])


class SeededProcessing(Base):
    """Knowledge seeded QUEUED or PROCESSING goes on from where the fixture
    left it: forward only, by the processing rule."""

    def doc(self):
        d = world()
        d['attachments'] = d['policy_links'] = []
        return d

    def test_duration_rule_keeps_young_seeded_status(self):
        # 1 h: nothing moves during the test. QUEUED stays QUEUED;
        # PROCESSING must not go back to QUEUED.
        d = self.doc()
        path = harness.write_json(self.tmpdir(), 'w.json', d)
        srv = self.start_server(['--fixtures', path, '--quiet',
                                 '--knowledge-ready-after', '3600s'])
        for k in d['knowledge'][2:]:
            with self.subTest(status=k['status']):
                want = served(k, KNOWLEDGE_KEYS, srv.base, '/v1/Knowledge')
                for _ in range(2):
                    self.assertEqual(self.ok_json(srv.get(
                        knowledge_path(k['id']), auth=AUTH_A)), want)

    def test_poll_rule_moves_seeded_status_forward(self):
        d = self.doc()
        path = harness.write_json(self.tmpdir(), 'w.json', d)
        srv = self.start_server(['--fixtures', path, '--quiet',
                                 '--knowledge-ready-after', '3'])
        for kid in ('aia_know_fx-queued', 'aia_know_fx-proc'):
            with self.subTest(knowledge=kid):
                seen = [self.ok_json(srv.get(knowledge_path(kid) + '/Status',
                                             auth=AUTH_A))['status']
                        for _ in range(4)]
                self.assertEqual(seen, ['PROCESSING', 'PROCESSING',
                                        'COMPLETED', 'COMPLETED'])


# ---------------------------------------------------------------------------
# Recorded Twilio list responses

TWILIO = 'https://assistants.twilio.com'
ENV_A = {'TWILIO_ACCOUNT_SID': ACCT_A, 'TWILIO_AUTH_TOKEN': TOKEN_A}


def envelope(key, items, path):
    url = '%s%s?PageSize=50&Page=0' % (TWILIO, path)
    return {key: items, 'meta': {
        'page': 0, 'page_size': 50, 'first_page_url': url,
        'previous_page_url': None, 'url': url, 'next_page_url': None,
        'key': key}}


REC_ASST = 'aia_asst_019456dc-80e5-70bc-84f7-72f045aad4d0'
REC_SESSION = 'webhook:messaging__+15005550006/5f0c6e0a-2b8e-4d1e-9a57-0a6b0d2c1f33'
REC_MSG = ['aia_msg_01948910-0a1b-7c2d-8e3f-4a5b6c7d8e9f',
           'aia_msg_01948910-0b2c-7d3e-9f40-5b6c7d8e9fa0']
RECORDED = {
    'assistants': envelope('assistants', [{
        'account_sid': ACCT_A,
        'customer_ai': {'perception_engine_enabled': True,
                        'personalization_engine_enabled': False},
        'date_created': '2025-01-02T03:04:05Z',
        'date_updated': '2025-01-02T03:04:05Z', 'id': REC_ASST,
        'model': 'gpt-4o', 'name': 'Owl Shoes', 'owner': 'Owl Shoes',
        'personality_prompt': 'You are a helpful assistant.',
        'url': TWILIO + '/v1/Assistants/' + REC_ASST}], '/v1/Assistants'),
    # keys in the alphabetical order of a captured response
    'tools': envelope('tools', [{
        'account_sid': ACCT_A, 'date_created': '2025-01-02T03:05:00Z',
        'date_updated': '2025-01-02T03:05:00Z',
        'description': 'Fetch the order status', 'enabled': True,
        'id': 'aia_tool_019456dc-815e-7864-91cd-aa2ba554c5e7',
        'meta': {'url': 'https://example.com', 'method': 'POST',
                 'input_schema': 'export type Data = { date: string }'},
        'name': 'Order status', 'requires_auth': False, 'type': 'WEBHOOK',
        'url': TWILIO + '/v1/Tools/aia_tool_019456dc-815e-7864-91cd-'
               'aa2ba554c5e7'}], '/v1/Tools'),
    'knowledge': envelope('knowledge', [{
        'account_sid': ACCT_A, 'date_created': '2025-06-10T23:54:43Z',
        'date_updated': '2025-06-10T23:54:43Z',
        'description': 'Text description', 'embedding_model': None,
        'id': 'aia_know_01976d3c-6b1a-7f39-a1c3-0f4b3d1e2a9c',
        'knowledge_source_details': {
            'content': 'Text source with all the details'},
        'name': 'Text source', 'status': 'QUEUED', 'type': 'Text',
        'url': 'https://knowledge.twilio.com/v1/Knowledge/aia_know_'
               '01976d3c-6b1a-7f39-a1c3-0f4b3d1e2a9c'}], '/v1/Knowledge'),
    'policies': envelope('policies', [{
        'account_sid': ACCT_A, 'date_created': '2025-01-02T03:06:00Z',
        'date_updated': '2025-01-02T03:06:00Z', 'description': None,
        'id': 'aia_plcy_019456dd-0000-7000-8000-000000000001',
        'name': 'Verified users', 'policy_details': {'verified': True},
        'type': 'USER', 'user_sid': sid('US', 0xabc)}], '/v1/Policies'),
    'sessions': envelope('sessions', [{
        'account_sid': ACCT_A, 'assistant_id': REC_ASST,
        'date_created': '2025-01-03T10:00:00Z',
        'date_updated': '2025-01-03T10:00:09Z', 'id': REC_SESSION,
        'identity': 'phone:+15005550006', 'verified': False}],
        '/v1/Sessions'),
    'messages': envelope('messages', [
        {'account_sid': ACCT_A, 'assistant_id': REC_ASST,
         'content': {'text': 'Hi'}, 'date_created': '2025-01-03T10:00:00Z',
         'date_updated': '2025-01-03T10:00:00Z', 'id': REC_MSG[0],
         'identity': 'phone:+15005550006', 'meta': {}, 'role': 'user',
         'session_id': REC_SESSION},
        {'account_sid': ACCT_A, 'assistant_id': REC_ASST,
         'content': {'text': 'Hello! How can I help?'},
         'date_created': '2025-01-03T10:00:09Z',
         'date_updated': '2025-01-03T10:00:09Z', 'id': REC_MSG[1],
         'identity': 'phone:+15005550006',
         'meta': {'flagged': False, 'aborted': False}, 'role': 'assistant',
         'session_id': REC_SESSION}],
        '/v1/Sessions/%s/Messages' % urllib.parse.quote(REC_SESSION, safe='')),
    'feedbacks': envelope('feedbacks', [{
        'account_sid': ACCT_A, 'assistant_id': REC_ASST,
        'date_created': '2025-01-03T10:01:00Z',
        'date_updated': '2025-01-03T10:01:00Z',
        'id': 'aia_fdbk_01948911-0000-7000-8000-000000000001',
        'message_id': REC_MSG[1], 'score': 0.9, 'session_id': REC_SESSION,
        'text': 'Great answer', 'user_sid': sid('US', 0xabc)}],
        '/v1/Assistants/%s/Feedbacks' % REC_ASST),
}
LIST_PATHS = {
    'assistants': '/v1/Assistants', 'tools': '/v1/Tools',
    'knowledge': '/v1/Knowledge', 'policies': '/v1/Policies',
    'sessions': '/v1/Sessions',
    'messages': session_messages_path(REC_SESSION),
    'feedbacks': feedbacks_path(REC_ASST)}


class RecordedResponses(Base):

    def assert_served_as_recorded(self, srv, key):
        got = self.items(srv, LIST_PATHS[key], key)
        self.assertEqual(got, RECORDED[key][key])

    def test_standalone_envelopes(self):
        """Tools, knowledge and policies name nothing else: each recorded
        list alone is a fixture, served exactly as recorded."""
        d = self.tmpdir()
        for key in ('assistants', 'tools', 'knowledge', 'policies'):
            with self.subTest(resource=key):
                path = harness.write_json(d, key + '.json', RECORDED[key])
                p = run_cli(['--check', '--fixtures', path], env=ENV_A)
                self.assertEqual(p.returncode, 0, p)
                srv = self.start_server(['--fixtures', path, '--quiet'],
                                        env=ENV_A)
                self.assert_served_as_recorded(srv, key)

    def test_directory_of_envelopes(self):
        """Every recorded list as it stands, one file each: the sessions,
        messages and feedbacks find the records they name in the others."""
        d = os.path.join(self.tmpdir(), 'recorded')
        os.mkdir(d)
        # names against the load order: sections load in their own order
        for n, key in enumerate(['feedbacks', 'messages', 'sessions',
                                 'policies', 'knowledge', 'tools',
                                 'assistants']):
            harness.write_json(d, '%d-%s.json' % (n, key), RECORDED[key])
        p = run_cli(['--check', '--fixtures', d], env=ENV_A)
        self.assertEqual(p.returncode, 0, p)
        srv = self.start_server(['--fixtures', d, '--quiet'], env=ENV_A)
        for key in RECORDED:
            with self.subTest(resource=key):
                self.assert_served_as_recorded(srv, key)
        # the bare name of a webhook session finds it
        r = srv.get(session_path(REC_SESSION[len('webhook:'):]), auth=AUTH_A)
        self.assertEqual(r.json(), RECORDED['sessions']['sessions'][0])

    def test_envelope_naming_absent_records(self):
        """A recorded sessions list alone names an assistant nobody loaded:
        refused like any dangling reference."""
        self.check_rejected(
            RECORDED['sessions'],
            ['FILE: sessions[0].assistant_id: no assistant "%s" in this '
             'account' % REC_ASST], env=ENV_A)


# ---------------------------------------------------------------------------
# Invalid records

def chain(section):
    """A minimal valid document for section: its record twice (ids ..-1 and
    ..-2) and what it needs, nothing referring to it."""
    w = world()
    need = {
        'assistants': [], 'tools': [], 'knowledge': [], 'policies': [],
        'sessions': ['assistants'], 'messages': ['assistants', 'sessions'],
        'feedbacks': ['assistants', 'sessions', 'messages'],
        'attachments': ['assistants', 'tools', 'knowledge'],
        'policy_links': ['policies', 'tools', 'knowledge'],
        'replies': ['assistants']}[section]
    doc = {'accounts': [harness.account(ACCT_A, TOKEN_A),
                        harness.account(ACCT_B, TOKEN_B)]}
    for k in need + [section]:
        doc[k] = [r for r in w.get(k, [])
                  if r.get('account_sid', ACCT_A) == ACCT_A]
    if section in ('attachments', 'policy_links', 'replies'):
        doc[section] = {
            'attachments': [{'assistant_id': 'aia_asst_fx-1',
                             'tool_id': 'aia_tool_fx-1'},
                            {'assistant_id': 'aia_asst_fx-1',
                             'knowledge_id': 'aia_know_fx-done'}],
            'policy_links': [{'policy_id': 'aia_plcy_fx-1',
                              'tool_id': 'aia_tool_fx-1'},
                             {'policy_id': 'aia_plcy_fx-1',
                              'knowledge_id': 'aia_know_fx-done'}],
            'replies': [{'match': '*', 'reply': 'a'},
                        {'assistant_id': 'aia_asst_fx-1', 'match': '*x*',
                         'reply': 'b'}]}[section]
    else:
        doc[section] = doc[section][:2]
    return doc


def with_record(section, index=1, **over):
    d = chain(section)
    r = d[section][index]
    for k, v in over.items():
        if v is Ellipsis:
            r.pop(k, None)
        else:
            r[k] = v
    return d


DATE_MSG = ('expected a UTC date like "2025-01-02T03:04:05Z", got '
            '"2025-01-02 03:04:05"')
# section -> (required field to drop, field + wrong value + message,
#             bad id + message or None)
INVALID = {
    'assistants': ('model', ('customer_ai', True,
                             'expected an object, got a boolean'),
                   ('asst_1', 'expected "aia_asst_" followed by at least one '
                              'character, got "asst_1"')),
    'tools': ('requires_auth', ('enabled', 'yes',
                                'expected a boolean, got a string'),
              ('aia_tol_1', 'expected "aia_tool_" followed by at least one '
                            'character, got "aia_tol_1"')),
    'knowledge': ('status', ('knowledge_source_details', 'x',
                             'expected an object, got a string'),
                  ('know_1', 'expected "aia_know_" followed by at least one '
                             'character, got "know_1"')),
    'policies': ('policy_details', ('type', 1,
                                    'expected a string, got a number'),
                 ('aia_plcy_', 'expected "aia_plcy_" followed by at least '
                               'one character, got "aia_plcy_"')),
    'sessions': ('verified', ('identity', ['x'],
                              'expected a string, got an array'),
                 None),
    'messages': ('role', ('content', 'hi', 'expected an object, got a string'),
                 ('msg_2', 'expected "aia_msg_" followed by at least one '
                           'character, got "msg_2"')),
    'feedbacks': ('session_id', ('score', '0.5',
                                 'expected a number or null, got a string'),
                  ('aia_feedback_2', 'expected "aia_fdbk_" followed by at '
                                     'least one character, got '
                                     '"aia_feedback_2"')),
}


class InvalidRecords(Base):

    def test_every_kind_in_every_section(self):
        for sec, (missing, (field, value, msg), bad_id) in INVALID.items():
            cases = [
                ('missing', with_record(sec, **{missing: ...}),
                 'FILE: %s[1]: missing required field "%s"' % (sec, missing)),
                ('null required', with_record(sec, **{missing: None}),
                 'FILE: %s[1]: missing required field "%s"' % (sec, missing)),
                ('wrong type', with_record(sec, **{field: value}),
                 'FILE: %s[1].%s: %s' % (sec, field, msg)),
                ('bad date', with_record(sec, date_updated='2025-01-02 '
                                                           '03:04:05'),
                 'FILE: %s[1].date_updated: %s' % (sec, DATE_MSG)),
                ('unknown key', with_record(sec, dateCreated=D1),
                 'FILE: %s[1]: unknown key "dateCreated"' % sec),
                ('bad account_sid', with_record(sec, account_sid='AC123'),
                 'FILE: %s[1].account_sid: expected "AC" and 32 hex digits, '
                 'got "AC123"' % sec),
                ('not an object', None,
                 'FILE: %s[1]: expected an object, got a string' % sec),
            ]
            if bad_id:
                cases.append(('bad id prefix', with_record(sec, id=bad_id[0]),
                              'FILE: %s[1].id: %s' % (sec, bad_id[1])))
            else:
                cases.append(('id not a string', with_record(sec, id=7),
                              'FILE: %s[1].id: expected a string, got a '
                              'number' % sec))
            for what, doc, line in cases:
                if doc is None:
                    doc = chain(sec)
                    doc[sec][1] = 'x'
                with self.subTest(section=sec, case=what):
                    self.check_rejected(doc, [line])

    def test_every_problem_is_reported(self):
        d = chain('tools')
        d['tools'][0]['enabled'] = 'no'
        d['tools'][0]['extra'] = 1
        d['tools'][1]['date_created'] = '2025-02-30T00:00:00Z'
        d['tools'][1].pop('name')
        self.check_rejected(d, [
            'FILE: tools[0]: unknown key "extra"',
            'FILE: tools[0].enabled: expected a boolean, got a string',
            'FILE: tools[1]: missing required field "name"',
            'FILE: tools[1].date_created: expected a UTC date like '
            '"2025-01-02T03:04:05Z", got "2025-02-30T00:00:00Z"'])

    def test_knowledge_last_status(self):
        self.check_rejected(with_record('knowledge', last_status=3), [
            'FILE: knowledge[1].last_status: expected a string or null, got '
            'a number'])

    def test_sections_not_arrays(self):
        for sec in ('tools', 'knowledge', 'policies', 'sessions', 'messages',
                    'feedbacks', 'attachments', 'policy_links', 'replies'):
            with self.subTest(section=sec):
                d = chain(sec)
                d[sec] = {}
                self.check_rejected(d, ['FILE: %s: expected an array, got '
                                        'an object' % sec])

    def test_links(self):
        for sec, owner in (('attachments', 'assistant_id'),
                           ('policy_links', 'policy_id')):
            shape = ('FILE: %s[1]: expected "%s" and one of "tool_id" or '
                     '"knowledge_id"' % (sec, owner))
            for what, over, line in (
                    ('both', {'tool_id': 'aia_tool_fx-1'}, shape),
                    ('neither', {'knowledge_id': ...}, shape),
                    ('no owner', {owner: ...}, shape),
                    ('owner null', {owner: None}, shape),
                    ('number id', {'knowledge_id': 5},
                     'FILE: %s[1]: expected string ids' % sec),
                    ('unknown key', {'note': 'x'},
                     'FILE: %s[1]: unknown key "note": expected "%s", '
                     '"tool_id" or "knowledge_id"' % (sec, owner)),
                    ('account without credentials',
                     {'account_sid': sid('AC', 0xdead)},
                     'FILE: %s[1]: account "%s" has no credentials'
                     % (sec, sid('AC', 0xdead))),
                    ('not an object', None,
                     'FILE: %s[1]: expected an object, got a number' % sec)):
                with self.subTest(section=sec, case=what):
                    if over is None:
                        doc = chain(sec)
                        doc[sec][1] = 5
                    else:
                        doc = with_record(sec, **over)
                    self.check_rejected(doc, [line])

    def test_replies(self):
        shape = ('FILE: replies[1]: expected strings "match" and "reply" (at '
                 'most 65536 bytes) and an optional "assistant_id"')
        for what, over, line in (
                ('no match', {'match': ...}, shape),
                ('no reply', {'reply': ...}, shape),
                ('match a number', {'match': 1}, shape),
                ('reply null', {'reply': None}, shape),
                ('assistant_id a number', {'assistant_id': 1}, shape),
                ('reply too long', {'reply': 'r' * 65537}, shape),
                ('unknown key', {'body': 'x'},
                 'FILE: replies[1]: unknown key "body": expected '
                 '"assistant_id", "match" or "reply"')):
            with self.subTest(case=what):
                self.check_rejected(with_record('replies', **over), [line])
        d = chain('replies')
        d['replies'][1] = ['*', 'x']
        self.check_rejected(d, ['FILE: replies[1]: expected an object, got '
                                'an array'])


# ---------------------------------------------------------------------------
# Cross references

def no_ref(sec, index, key, what, value):
    return ('FILE: %s[%d].%s: no %s "%s" in this account'
            % (sec, index, key, what, value))


class CrossReferences(Base):

    def test_dangling_references(self):
        W = world
        cases = []

        def case(name, mutate, lines):
            d = W()
            mutate(d)
            cases.append((name, d, lines))

        def setr(sec, i, **kv):
            return lambda d: d[sec][i].update(kv)

        case('session of an unknown assistant',
             setr('sessions', 1, assistant_id='aia_asst_nope'),
             [no_ref('sessions', 1, 'assistant_id', 'assistant',
                     'aia_asst_nope'),
              # its message then has no session
              no_ref('messages', 4, 'session_id', 'session', 'webhook:s2')])
        case('message of an unknown session',
             setr('messages', 4, session_id='s9'),
             [no_ref('messages', 4, 'session_id', 'session', 's9')])
        case('message of an unknown assistant',
             setr('messages', 4, assistant_id='aia_asst_nope'),
             [no_ref('messages', 4, 'assistant_id', 'assistant',
                     'aia_asst_nope')])
        case('feedback of an unknown assistant',
             setr('feedbacks', 1, assistant_id='aia_asst_nope'),
             [no_ref('feedbacks', 1, 'assistant_id', 'assistant',
                     'aia_asst_nope')])
        case('feedback of an unknown session',
             setr('feedbacks', 1, session_id='s9'),
             [no_ref('feedbacks', 1, 'session_id', 'session', 's9')])
        case('feedback on an unknown message',
             setr('feedbacks', 0, message_id='aia_msg_nope'),
             [no_ref('feedbacks', 0, 'message_id', 'message',
                     'aia_msg_nope')])
        case('attachment of an unknown assistant',
             setr('attachments', 2, assistant_id='aia_asst_nope'),
             [no_ref('attachments', 2, 'assistant_id', 'assistant',
                     'aia_asst_nope')])
        case('attachment of an unknown tool',
             setr('attachments', 1, tool_id='aia_tool_nope'),
             [no_ref('attachments', 1, 'tool_id', 'tool', 'aia_tool_nope')])
        case('attachment of unknown knowledge',
             setr('attachments', 3, knowledge_id='aia_know_nope'),
             [no_ref('attachments', 3, 'knowledge_id', 'knowledge source',
                     'aia_know_nope')])
        case('policy link of an unknown policy',
             setr('policy_links', 0, policy_id='aia_plcy_nope'),
             [no_ref('policy_links', 0, 'policy_id', 'policy',
                     'aia_plcy_nope')])
        case('policy link of an unknown tool',
             setr('policy_links', 1, tool_id='aia_tool_nope'),
             [no_ref('policy_links', 1, 'tool_id', 'tool', 'aia_tool_nope')])
        case('policy link of unknown knowledge',
             setr('policy_links', 2, knowledge_id='aia_know_nope'),
             [no_ref('policy_links', 2, 'knowledge_id', 'knowledge source',
                     'aia_know_nope')])
        case('session of another account\'s assistant',
             setr('sessions', 2, assistant_id='aia_asst_fx-1'),
             [no_ref('sessions', 2, 'assistant_id', 'assistant',
                     'aia_asst_fx-1'),
              no_ref('messages', 5, 'session_id', 'session', 's1')])
        case('attachment of another account\'s tool',
             setr('attachments', 6, tool_id='aia_tool_fx-1'),
             [no_ref('attachments', 6, 'tool_id', 'tool', 'aia_tool_fx-1')])
        case('link in the default account to B\'s tool',
             lambda d: d['policy_links'].append(
                 {'policy_id': 'aia_plcy_fx-1', 'tool_id': 'aia_tool_fx-b1'}),
             [no_ref('policy_links', 3, 'tool_id', 'tool', 'aia_tool_fx-b1')])
        case('reference to an invalid record',
             setr('tools', 1, enabled='no'),
             ['FILE: tools[1].enabled: expected a boolean, got a string',
              no_ref('attachments', 0, 'tool_id', 'tool', 'aia_tool_fx-2'),
              no_ref('attachments', 4, 'tool_id', 'tool', 'aia_tool_fx-2')])
        for name, doc, lines in cases:
            with self.subTest(case=name):
                self.check_rejected(doc, lines)

    def test_duplicate_ids(self):
        d = world()
        d['tools'].append(dict(d['tools'][3], account_sid=ACCT_A))
        d['sessions'].append(dict(d['sessions'][0], identity='other'))
        d['messages'].append(dict(d['messages'][0]))
        self.check_rejected(d, [
            'FILE: tools[4].id: duplicate id "aia_tool_fx-b1" (first in '
            'FILE: tools[3])',
            'FILE: sessions[3].id: duplicate id "s1" (first in FILE: '
            'sessions[0])',
            'FILE: messages[6].id: duplicate id "aia_msg_fx-3" (first in '
            'FILE: messages[0])'])

    def test_references_across_files_in_any_order(self):
        w = world()
        d = os.path.join(self.tmpdir(), 'split')
        os.mkdir(d)
        # a.json has the records that refer, z.json what they refer to
        refer = ['sessions', 'messages', 'feedbacks', 'attachments',
                 'policy_links']
        harness.write_json(d, 'a.json', {k: w[k] for k in refer})
        harness.write_json(d, 'z.json', {k: v for k, v in w.items()
                                         if k not in refer})
        p = run_cli(['--check', '--fixtures', d])
        self.assertEqual(p.returncode, 0, p)
        srv = self.start_server(['--fixtures', d, '--quiet'])
        self.assertEqual(len(self.items(srv, session_messages_path('s1'),
                                        'messages')), 4)
        # a duplicate across files names the first file
        self.check_rejected({'a.json': {'tools': [w['tools'][0]]},
                             'b.json': w}, [
            'FILE/b.json: tools[0].id: duplicate id "aia_tool_fx-1" (first in '
            'FILE/a.json: tools[0])'], name='dup/')


# ---------------------------------------------------------------------------
# Canned replies

class CannedReplies(Base):

    def send(self, srv, aid, body, session=None):
        obj = {'identity': 'email:r@example.com', 'body': body}
        if session:
            obj['session_id'] = session
        r = harness.send_message(srv, aid, obj, AUTH_A)
        self.assertEqual(r.status, 200, r)
        return r.json()['body']

    def server(self, replies):
        d = world()
        d['replies'] = replies
        path = harness.write_json(self.tmpdir(), 'r.json', d)
        return self.start_server(['--fixtures', path, '--quiet'])

    def test_first_match_wins(self):
        srv = self.server([
            {'assistant_id': 'aia_asst_fx-1', 'match': '*refund*',
             'reply': 'A1: refunds take 5 days.'},
            {'match': '*refund*', 'reply': 'Anyone: refunds take a week.'},
            {'assistant_id': 'aia_asst_fx-1', 'match': '*refund please*',
             'reply': 'never: an earlier entry matches first'},
            {'match': 'hours', 'reply': '9 to 5'},
            {'match': 'a*b*c', 'reply': 'abc'},
            {'match': '*?', 'reply': 'A question.'},
            {'assistant_id': None, 'match': '', 'reply': 'Say something.'},
            {'match': '*Ünï "q" \\*', 'reply': 'Ünï "reply" \\ /\n\ttab'},
        ])
        for aid, body, want in (
                ('aia_asst_fx-1', 'I want a refund please', 'A1: refunds take 5 days.'),
                ('aia_asst_fx-2', 'I want a refund please',
                 'Anyone: refunds take a week.'),
                ('aia_asst_fx-1', 'refund', 'A1: refunds take 5 days.'),
                ('aia_asst_fx-1', 'REFUND', 'Echo: REFUND'),  # case matters
                ('aia_asst_fx-1', 'hours', '9 to 5'),
                ('aia_asst_fx-1', 'opening hours', 'Echo: opening hours'),
                ('aia_asst_fx-1', 'hours?', 'A question.'),  # '?' literal
                ('aia_asst_fx-1', 'why', 'Echo: why'),
                ('aia_asst_fx-1', 'aXbYc', 'abc'),
                ('aia_asst_fx-1', 'abcd', 'Echo: abcd'),
                ('aia_asst_fx-1', '', 'Say something.'),  # '' matches ''
                ('aia_asst_fx-2', 'x Ünï "q" \\ y', 'Ünï "reply" \\ /\n\ttab')):
            with self.subTest(assistant=aid, body=body):
                self.assertEqual(self.send(srv, aid, body), want)

    def test_order_not_specificity(self):
        srv = self.server([
            {'match': '*refund*', 'reply': 'global'},
            {'assistant_id': 'aia_asst_fx-1', 'match': '*refund*',
             'reply': 'own'},
        ])
        self.assertEqual(self.send(srv, 'aia_asst_fx-1', 'refund?'), 'global')
        self.assertEqual(self.send(srv, 'aia_asst_fx-2', 'refund?'), 'global')

    def test_reply_in_the_history(self):
        srv = self.server([{'match': '*refund*', 'reply': 'Canned.'}])
        self.assertEqual(self.send(srv, 'aia_asst_fx-1', 'a refund', 'hist'),
                         'Canned.')
        items = self.items(srv, session_messages_path('hist'), 'messages')
        self.assertEqual([(m['role'], m['content']) for m in items],
                         [('user', {'text': 'a refund'}),
                          ('assistant', {'text': 'Canned.'})])

    def test_without_replies_echo(self):
        srv = self.server([])
        self.assertEqual(self.send(srv, 'aia_asst_fx-1', 'refund'),
                         'Echo: refund')


# ---------------------------------------------------------------------------
# The bundled fixtures

class Bundled(Base):
    """fixtures/default.json gives alice a small world of every section, and
    it loads whatever account TWILIO_ACCOUNT_SID adds."""

    def test_alice_world(self):
        other = sid('AC', 0xb0d1ed)
        for env in (None, {'TWILIO_ACCOUNT_SID': other,
                           'TWILIO_AUTH_TOKEN': 'other-token'}):
            with self.subTest(env=bool(env)):
                srv = self.start_server(['--quiet'], env=env)
                alice = (harness.ALICE, harness.ALICE_TOKEN)
                first = srv.list_all(alice)[0]['id']
                body = self.ok_json(srv.fetch(first, alice), FETCH_KEYS)
                self.assertEqual(len(body['tools']), 3)
                self.assertEqual({k['type'] for k in body['knowledge']},
                                 {'Web', 'Database', 'Text', 'File'})
                know = self.items(srv, '/v1/Knowledge', 'knowledge', alice)
                self.assertEqual(len({(k['type'], k['status'])
                                      for k in know}), 16)
                tools = self.items(srv, '/v1/Tools', 'tools', alice)
                self.assertEqual([t['requires_auth'] for t in tools],
                                 [bool(self.ok_json(srv.get(
                                     tool_path(t['id']), auth=alice))[
                                     'policies']) for t in tools])
                sessions = self.items(srv, '/v1/Sessions', 'sessions', alice)
                self.assertEqual(len(sessions), 1)
                self.assertEqual(len(self.items(
                    srv, session_messages_path(sessions[0]['id']),
                    'messages', alice)), 4)
                self.assertEqual(len(self.items(srv, feedbacks_path(first),
                                                'feedbacks', alice)), 1)
                r = harness.send_message(srv, first, {
                    'identity': 'x', 'body': 'Can I get a refund?'}, alice)
                self.assertTrue(r.json()['body'].startswith('Refunds go'), r)
                r = harness.send_message(srv, first, {
                    'identity': 'x', 'body': 'hello'}, alice)
                self.assertEqual(r.json()['body'], 'Echo: hello')
                for path, key in (('/v1/Tools', 'tools'),
                                  ('/v1/Sessions', 'sessions')):
                    self.assertEqual(self.items(
                        srv, path, key, (harness.BOB, harness.BOB_TOKEN)), [])


# ---------------------------------------------------------------------------
# All or nothing

class AllOrNothing(Base):

    def free_port(self):
        return harness.closed_port()

    def assert_never_listens(self, path):
        port = self.free_port()
        p = run_cli(['--port', str(port), '--fixtures', path])
        self.assertEqual(p.returncode, 2, p)
        self.assertNotIn('listening on', text(p.stdout))
        self.assertRegex(text(p.stderr).rstrip('\n').split('\n')[-1],
                         REJECTED)
        with self.assertRaises(OSError):
            socket.create_connection(('127.0.0.1', port), timeout=1).close()

    def test_one_bad_record_among_many(self):
        for sec, over in (('replies', {'reply': 1}),
                          ('attachments', {'tool_id': 'aia_tool_nope'}),
                          ('feedbacks', {'score': 'high'}),
                          ('knowledge', {'status': None})):
            with self.subTest(section=sec):
                d = world()
                if sec == 'replies':
                    d['replies'] = [{'match': '*', 'reply': 'x'}, {}]
                d[sec][-1].update(over)
                path = harness.write_json(self.tmpdir(), 'w.json', d)
                self.assert_never_listens(path)

    def test_bad_file_in_a_directory(self):
        d = os.path.join(self.tmpdir(), 'dir')
        os.mkdir(d)
        harness.write_json(d, '1-good.json', world())
        harness.write_json(d, '2-bad.json', {'messages': [dict(
            world()['messages'][0], id='aia_msg_other', session_id='gone')]})
        self.assert_never_listens(d)
        p = run_cli(['--check', '--fixtures', d])
        self.assertEqual(text(p.stderr).split('\n')[0],
                         no_ref('messages', 0, 'session_id', 'session',
                                'gone').replace('FILE',
                                                os.path.join(d, '2-bad.json')))


if __name__ == '__main__':
    harness.main()
