#!/usr/bin/env python3
"""Black-box tests of the rendered-page cache (issue 11) and the buffered
access log.

The list cache must never be visible: every list answer is what a server
without it (--list-cache-mb 0) answers to the same requests.  Two servers
(same --seed and --clock, so the same ids and dates, and the same Host
header, so the same links) get the same sequence of requests; after every
kind of write, every list of both accounts is asked twice of each and must
be byte-identical, so a page cached before the write and served after it
fails.  Then: different Host headers and --public-url give their own links,
two accounts stay apart, auth, fault rules and the journal still apply to
cached pages, HEAD, a small budget, and the access log (no line lost on
exit, lines out promptly).

    test_cache.py --binary PATH

SPDX-License-Identifier: MIT
"""

import json
import os
import signal
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import (ALICE, ALICE_KEY, ALICE_KEY_SECRET, ALICE_TOKEN, BOB,  # noqa: E402
                     BOB_TOKEN, add_fault, admin, assistant_path,
                     create_feedback, journal_count, send_message)

AUTH_A = (ALICE, ALICE_TOKEN)
AUTH_B = (BOB, BOB_TOKEN)
HOST = 'mock.cache.test:8080'
COMMON = ['--seed', '11', '--clock', '2025-01-01T00:00:00Z', '--webhooks',
          'off', '--threads', '2']


def quote(s):
    return urllib.parse.quote(s, safe='')


class TwinTest(harness.TestCase):
    """The cached server against the uncached one, step by step."""

    @classmethod
    def setUpClass(cls):
        cls.cached = cls.class_server(COMMON)
        cls.plain = cls.class_server(COMMON + ['--list-cache-mb', '0'])

    def both(self, method, path, auth, obj=None, headers=None, expect=None):
        """The same request to both servers: same status and body (the
        answer of the cached one, parsed when JSON)."""
        h = {'Host': HOST}
        h.update(headers or {})
        out = []
        for srv in (self.cached, self.plain):
            if obj is not None:
                r = srv.send_json(method, path, obj, auth, h)
            else:
                r = srv.request(method, path, auth=auth, headers=h)
            out.append(r)
        a, b = out
        self.assertEqual((a.status, a.body), (b.status, b.body),
                         '%s %s' % (method, path))
        if expect is not None:
            self.assertEqual(a.status, expect, a)
        try:
            return json.loads(a.body) if a.body else None
        except ValueError:
            return a.body

    def list_paths(self, auth, ids):
        """Every list of the account: plain, paged, with tokens, filtered,
        under its assistant, tool, knowledge source and session; and the
        fetch of its assistant (cached too: it lists its knowledge and
        tools) and of the first one listed."""
        paths = ['/v1/Assistants', '/v1/Assistants?PageSize=1000',
                 '/v1/Assistants?PageSize=3', '/v1/Assistants?Page=0&PageSize=3',
                 '/v1/Tools', '/v1/Knowledge', '/v1/Policies', '/v1/Sessions']
        # The token links of a small page, both ways.
        first = self.both('GET', '/v1/Assistants?PageSize=3', auth)
        nxt = first['meta']['next_page_url']
        if nxt:
            u = urllib.parse.urlsplit(nxt)
            paths.append(u.path + '?' + u.query)
            second = self.both('GET', u.path + '?' + u.query, auth)
            prev = second['meta']['previous_page_url']
            if prev:
                u = urllib.parse.urlsplit(prev)
                paths.append(u.path + '?' + u.query)
        aid, tid, kid, sess = (ids.get(k) for k in ('aid', 'tid', 'kid',
                                                    'session'))
        if first['assistants']:
            paths.append(assistant_path(first['assistants'][0]['id']))
        if aid:
            paths += [assistant_path(aid),
                      assistant_path(aid) + '/Tools',
                      assistant_path(aid) + '/Knowledge',
                      assistant_path(aid) + '/Feedbacks',
                      '/v1/Tools?AssistantId=' + quote(aid)]
        if tid:
            paths.append('/v1/Policies?ToolId=' + quote(tid))
        if kid:
            paths.append('/v1/Policies?KnowledgeId=' + quote(kid))
        if sess:
            paths.append('/v1/Sessions/' + quote(sess) + '/Messages')
        return paths

    def check_lists(self, ids_a, ids_b):
        """Every list of both accounts, twice on both servers."""
        for auth, ids in ((AUTH_A, ids_a), (AUTH_B, ids_b)):
            for path in self.list_paths(auth, ids):
                for _ in range(2):
                    self.both('GET', path, auth)

    def test_every_write_shows_at_once(self):
        ids_a, ids_b = {}, {}
        self.check_lists(ids_a, ids_b)
        steps = []

        def step(name):
            steps.append(name)
            with self.subTest(step=name):
                self.check_lists(ids_a, ids_b)

        # Assistants: create, update, delete (alice), create (bob).
        a = self.both('POST', '/v1/Assistants', AUTH_A,
                      {'name': 'cache one', 'owner': 'o'}, expect=201)
        ids_a['aid'] = a['id']
        step('create assistant')
        listed = self.both('GET', '/v1/Assistants?PageSize=1000', AUTH_A)
        self.assertIn(a['id'], [x['id'] for x in listed['assistants']])
        self.both('PUT', assistant_path(a['id']), AUTH_A,
                  {'name': 'cache one renamed'}, expect=200)
        step('update assistant')
        listed = self.both('GET', '/v1/Assistants?PageSize=1000', AUTH_A)
        self.assertIn('cache one renamed',
                      [x['name'] for x in listed['assistants']])
        gone = self.both('POST', '/v1/Assistants', AUTH_A,
                         {'name': 'to delete'}, expect=201)
        step('create another')
        self.both('DELETE', assistant_path(gone['id']), AUTH_A, expect=204)
        step('delete assistant')
        listed = self.both('GET', '/v1/Assistants?PageSize=1000', AUTH_A)
        self.assertNotIn(gone['id'], [x['id'] for x in listed['assistants']])
        b = self.both('POST', '/v1/Assistants', AUTH_B, {'name': 'bob new'},
                      expect=201)
        ids_b['aid'] = b['id']
        step('create assistant of bob')

        # Tools with a policy; update; attach and detach.
        t = self.both('POST', '/v1/Tools', AUTH_A,
                      {'name': 'tool', 'type': 'WEBHOOK', 'enabled': True,
                       'policy': {'policy_details': {'a': 1}}}, expect=201)
        ids_a['tid'] = t['id']
        step('create tool with policy')
        self.both('PUT', '/v1/Tools/' + quote(t['id']), AUTH_A,
                  {'name': 'tool renamed'}, expect=200)
        step('update tool')
        self.both('POST', assistant_path(a['id']) + '/Tools/' +
                  quote(t['id']), AUTH_A, expect=204)
        step('attach tool')
        tools = self.both('GET', assistant_path(a['id']) + '/Tools', AUTH_A)
        self.assertEqual([x['id'] for x in tools['tools']], [t['id']])

        # Knowledge: create, its status moving on polls, attach.
        k = self.both('POST', '/v1/Knowledge', AUTH_A,
                      {'name': 'know', 'type': 'Text',
                       'knowledge_source_details': {'content': 'Text.'}},
                      expect=201)
        ids_a['kid'] = k['id']
        step('create knowledge')
        statuses = []
        for i in range(3):
            self.both('GET', '/v1/Knowledge/' + quote(k['id']) + '/Status',
                      AUTH_A, expect=200)
            step('knowledge status poll %d' % (i + 1))
            listed = self.both('GET', '/v1/Knowledge', AUTH_A)
            statuses += [x['status'] for x in listed['knowledge']
                         if x['id'] == k['id']]
        self.assertEqual(statuses[-1], 'COMPLETED', statuses)
        self.assertGreater(len(set(statuses)), 1, statuses)
        self.both('GET', '/v1/Knowledge/' + quote(k['id']) + '/Chunks',
                  AUTH_A, expect=200)
        step('knowledge chunks made')
        self.both('POST', assistant_path(a['id']) + '/Knowledge/' +
                  quote(k['id']), AUTH_A, expect=204)
        step('attach knowledge')

        # SendMessage makes a session and its messages; feedback.
        m = self.both('POST', assistant_path(a['id']) + '/Messages', AUTH_A,
                      {'identity': 'u', 'body': 'hi', 'session_id': 'cs'},
                      expect=200)
        ids_a['session'] = m['session_id']
        step('send message (new session)')
        self.both('POST', assistant_path(a['id']) + '/Messages', AUTH_A,
                  {'identity': 'u', 'body': 'again', 'session_id': 'cs'},
                  expect=200)
        step('send message (same session)')
        self.both('POST', assistant_path(a['id']) + '/Feedbacks', AUTH_A,
                  {'session_id': m['session_id'], 'score': 0.5}, expect=201)
        step('create feedback')

        # The clock moves, then a write carries the new date.
        for srv in (self.cached, self.plain):
            harness.set_clock(srv, advance=3600)
        step('clock advanced')
        self.both('PUT', assistant_path(a['id']), AUTH_A, {'owner': 'later'},
                  expect=200)
        step('update after the clock moved')

        # Detach, deletes with what hangs on them.
        self.both('DELETE', assistant_path(a['id']) + '/Tools/' +
                  quote(t['id']), AUTH_A, expect=204)
        step('detach tool')
        self.both('DELETE', '/v1/Tools/' + quote(t['id']), AUTH_A,
                  expect=204)
        step('delete tool')
        self.both('DELETE', '/v1/Knowledge/' + quote(k['id']), AUTH_A,
                  expect=204)
        step('delete knowledge')

        # Reset of one account, then of all.
        for srv in (self.cached, self.plain):
            harness.reset(srv, auth=AUTH_A)
        step('reset alice')
        listed = self.both('GET', '/v1/Assistants?PageSize=1000', AUTH_A)
        self.assertEqual(len(listed['assistants']), harness.ALICE_N)
        listed = self.both('GET', '/v1/Assistants?PageSize=1000', AUTH_B)
        self.assertEqual(len(listed['assistants']), harness.BOB_N + 1)
        for srv in (self.cached, self.plain):
            harness.reset(srv)
        step('reset all')
        listed = self.both('GET', '/v1/Assistants?PageSize=1000', AUTH_B)
        self.assertEqual(len(listed['assistants']), harness.BOB_N)
        self.assertEqual(len(steps), 24)


class CacheTest(harness.TestCase):
    """One cached server: links, accounts, the pipeline around the cache."""

    @classmethod
    def setUpClass(cls):
        cls.srv = cls.class_server(['--threads', '2'])

    def get(self, path, auth=AUTH_A, host=None, srv=None):
        h = {'Host': host} if host else None
        return (srv or self.srv).get(path, auth=auth, headers=h)

    def test_host_headers_get_their_own_links(self):
        for _ in range(2):
            for host in ('one.cache.test', 'two.cache.test:81', '[::1]:9'):
                r = self.get('/v1/Assistants?PageSize=2', host=host)
                self.assertEqual(r.status, 200, r)
                meta = r.json()['meta']
                self.assertTrue(meta['url'].startswith('http://%s/v1/' % host),
                                meta)
                for a in r.json()['assistants']:
                    self.assertTrue(a['url'].startswith('http://%s/' % host))

    def test_public_url_links(self):
        srv = self.start_server(['--public-url', 'https://pub.cache.test'])
        for host in ('x.cache.test', 'y.cache.test'):
            r = self.get('/v1/Assistants?PageSize=2', host=host, srv=srv)
            self.assertEqual(r.status, 200, r)
            self.assertTrue(r.json()['meta']['url'].startswith(
                'https://pub.cache.test/v1/'), r.json()['meta'])

    def test_accounts_apart(self):
        srv = self.start_server()
        a0 = self.get('/v1/Assistants?PageSize=1000', srv=srv).body
        b0 = self.get('/v1/Assistants?PageSize=1000', AUTH_B, srv=srv).body
        self.assertNotEqual(a0, b0)
        r = srv.create({'name': 'only bob'}, AUTH_B)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(self.get('/v1/Assistants?PageSize=1000',
                                  srv=srv).body, a0)
        b1 = self.get('/v1/Assistants?PageSize=1000', AUTH_B, srv=srv).json()
        self.assertIn(r.json()['id'], [x['id'] for x in b1['assistants']])
        # Another account's token is refused, cached or not.
        nxt = json.loads(b0)['meta']['next_page_url']
        self.assertIsNone(nxt)
        page = self.get('/v1/Assistants?PageSize=2', srv=srv).json()
        u = urllib.parse.urlsplit(page['meta']['next_page_url'])
        for _ in range(2):
            self.assertEqual(self.get(u.path + '?' + u.query, AUTH_B,
                                      srv=srv).status, 400)
            self.assertEqual(self.get(u.path + '?' + u.query,
                                      srv=srv).status, 200)

    def test_same_body_for_token_and_api_key(self):
        a = self.get('/v1/Assistants?PageSize=7')
        k = self.get('/v1/Assistants?PageSize=7', (ALICE_KEY, ALICE_KEY_SECRET))
        self.assertEqual((a.status, a.body), (k.status, k.body))

    def test_auth_faults_journal_still_apply(self):
        srv = self.start_server()
        path = '/v1/Assistants?PageSize=4'
        ok = self.get(path, srv=srv)
        self.assertEqual(ok.status, 200)
        self.assertEqual(self.get(path, srv=srv).body, ok.body)
        bad = self.get(path, (ALICE, 'wrong'), srv=srv)
        self.assertEqual(bad.status, 401, bad)
        self.assertEqual(self.get(path, None, srv=srv).status, 401)
        n = journal_count(srv, AUTH_A)
        rule = add_fault(srv, {'path': '/v1/Assistants', 'times': 1,
                               'error': {'status': 503}}, AUTH_A)
        self.assertIn('id', rule)
        self.assertEqual(self.get(path, srv=srv).status, 503)
        again = self.get(path, srv=srv)
        self.assertEqual((again.status, again.body), (200, ok.body))
        self.assertEqual(journal_count(srv, AUTH_A), n + 2)
        # Fresh request ids and durations on every cached answer.
        ids = {self.get(path, srv=srv).header('Twilio-Request-Id')
               for _ in range(3)}
        self.assertEqual(len(ids), 3)

    def test_head_of_a_cached_page(self):
        path = '/v1/Assistants?PageSize=3'
        g = self.get(path)
        h = self.srv.head(path, auth=AUTH_A)
        self.assertEqual(h.status, 200)
        self.assertEqual(h.body, b'')
        self.assertEqual(h.header('Content-Length'), str(len(g.body)))

    def test_small_budget_stays_correct(self):
        srv = self.start_server(['--list-cache-mb', '1'])
        bodies = {}
        for rnd in range(3):
            for i in range(24):   # 24 pages of about 90 KB: over 1 MB
                host = 'h%d.cache.test' % i
                r = self.get('/v1/Assistants?PageSize=1000', host=host,
                             srv=srv)
                self.assertEqual(r.status, 200)
                if rnd == 0:
                    bodies[host] = r.body
                    self.assertIn(('http://%s/' % host).encode(), r.body)
                else:
                    self.assertEqual(r.body, bodies[host])
            if rnd == 1:
                c = srv.create({'name': 'budget'}, AUTH_A)
                self.assertEqual(c.status, 201)
                for host in bodies:
                    r = self.get('/v1/Assistants?PageSize=1000', host=host,
                                 srv=srv)
                    self.assertIn(c.json()['id'].encode(), r.body)
                    bodies[host] = r.body

    def test_knowledge_by_time_with_the_clock(self):
        srv = self.start_server(['--knowledge-ready-after', '10s', '--clock',
                                 '2025-01-01T00:00:00Z'])
        r = srv.post_json('/v1/Knowledge', {
            'name': 'k', 'type': 'Text',
            'knowledge_source_details': {'content': 'x'}}, AUTH_A)
        self.assertEqual(r.status, 201, r)
        kid = r.json()['id']

        def status():
            items = self.get('/v1/Knowledge', srv=srv).json()['knowledge']
            return [x['status'] for x in items if x['id'] == kid][0]
        self.assertEqual([status(), status()], ['QUEUED', 'QUEUED'])
        harness.set_clock(srv, advance=6)
        self.assertEqual([status(), status()], ['PROCESSING', 'PROCESSING'])
        harness.set_clock(srv, advance=6)
        self.assertEqual([status(), status()], ['COMPLETED', 'COMPLETED'])

    def test_fetched_assistant_follows_its_knowledge_by_time(self):
        """A fetch lists the assistant's knowledge: a cached fetch still
        shows each status as the clock moves it, and each attach/detach."""
        srv = self.start_server(['--knowledge-ready-after', '10s', '--clock',
                                 '2025-01-01T00:00:00Z'])
        a = srv.create({'name': 'fetch cache'}, AUTH_A)
        self.assertEqual(a.status, 201, a)
        aid = a.json()['id']
        r = srv.post_json('/v1/Knowledge', {
            'name': 'k', 'type': 'Text',
            'knowledge_source_details': {'content': 'x'}}, AUTH_A)
        self.assertEqual(r.status, 201, r)
        kid = r.json()['id']

        def fetched():
            body = self.get(assistant_path(aid), srv=srv).json()
            return [k['status'] for k in body['knowledge']]
        self.assertEqual([fetched(), fetched()], [[], []])
        r = srv.request('POST', assistant_path(aid) + '/Knowledge/' +
                        quote(kid), auth=AUTH_A)
        self.assertIn(r.status, (200, 201, 204), r)
        self.assertEqual([fetched(), fetched()], [['QUEUED'], ['QUEUED']])
        harness.set_clock(srv, advance=6)
        self.assertEqual(fetched(), ['PROCESSING'])
        harness.set_clock(srv, advance=6)
        self.assertEqual([fetched(), fetched()],
                         [['COMPLETED'], ['COMPLETED']])
        r = srv.request('DELETE', assistant_path(aid) + '/Knowledge/' +
                        quote(kid), auth=AUTH_A)
        self.assertIn(r.status, (200, 204), r)
        self.assertEqual(fetched(), [])
        r = srv.update(aid, {'name': 'renamed'}, AUTH_A)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.get(assistant_path(aid), srv=srv).json()['name'],
                         'renamed')
        r = srv.request('DELETE', assistant_path(aid), auth=AUTH_A)
        self.assertEqual(r.status, 204, r)
        self.assertEqual(self.get(assistant_path(aid), srv=srv).status, 404)


class ConcurrencyTest(harness.TestCase):
    """Readers on their own connections while a writer creates: a list that
    begins after a create has answered always shows it."""

    def test_readers_see_every_finished_write(self):
        import threading
        srv = self.start_server(['--threads', '4'])
        done = []          # ids created, in order, appended once answered
        lock = threading.Lock()
        stop = threading.Event()
        errors = []

        def reader():
            conn = harness.http.client.HTTPConnection(srv.host, srv.port,
                                                      timeout=30)
            auth = {'Authorization': harness.basic(*AUTH_A)}
            while not stop.is_set():
                with lock:
                    before = list(done)
                conn.request('GET', '/v1/Assistants?PageSize=1000',
                             headers=auth)
                r = conn.getresponse()
                body = r.read()
                if r.status != 200:
                    errors.append(r.status)
                    return
                listed = {x['id'] for x in json.loads(body)['assistants']}
                missing = [i for i in before if i not in listed]
                if missing:
                    errors.append(missing)
                    return
            conn.close()

        threads = [threading.Thread(target=reader) for _ in range(4)]
        for t in threads:
            t.start()
        try:
            for i in range(60):
                r = srv.create({'name': 'conc %d' % i}, AUTH_A)
                self.assertEqual(r.status, 201, r)
                with lock:
                    done.append(r.json()['id'])
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=60)
        self.assertEqual(errors, [])
        final = srv.get('/v1/Assistants?PageSize=1000', auth=AUTH_A).json()
        self.assertEqual(len(final['assistants']), harness.ALICE_N + 60)


class AccessLogTest(harness.TestCase):

    def test_no_line_lost_on_exit(self):
        for fmt in ('text', 'json'):
            with self.subTest(log_format=fmt):
                srv = self.start_server(['--log-format', fmt])
                n = 500
                conn = harness.http.client.HTTPConnection(srv.host, srv.port,
                                                          timeout=10)
                for i in range(n):
                    conn.request('GET', '/v1/Assistants?PageSize=1&i=%d' % i,
                                 headers={'Authorization':
                                          harness.basic(*AUTH_A)})
                    conn.getresponse().read()
                conn.close()
                rc, _ = srv.signal(signal.SIGTERM)
                self.assertEqual(rc, 0)
                for t in srv._threads:
                    t.join(timeout=5)
                lines = [l for l in srv.stdout_lines() if 'PageSize=1&i=' in l]
                self.assertEqual(len(lines), n)
                # In order, and none after "stopping" but in-flight ones.
                order = [int(l.split('i=')[1].split()[0].split('"')[0])
                         for l in lines]
                self.assertEqual(order, list(range(n)))
                stop = [i for i, l in enumerate(srv.stdout_lines())
                        if 'received, stopping' in l]
                self.assertEqual(len(stop), 1)
                self.assertLess(srv.stdout_lines().index(lines[-1]), stop[0])

    def test_line_out_promptly(self):
        srv = self.start_server()
        r = srv.get('/v1/Assistants?PageSize=1&prompt=1', auth=AUTH_A)
        self.assertEqual(r.status, 200)
        rid = r.header('Twilio-Request-Id')
        t0 = time.monotonic()
        line = srv.wait_for_output(r'GET /v1/Assistants\?PageSize=1&prompt=1 '
                                   r'200 \d+ [0-9.]+ms ' + rid, timeout=2.0)
        self.assertIsNotNone(line, srv.stdout_lines())
        self.assertLess(time.monotonic() - t0, 1.0)


if __name__ == '__main__':
    harness.main()
