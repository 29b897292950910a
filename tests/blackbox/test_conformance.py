#!/usr/bin/env python3
"""Conformance: every one of the spec's 30 operations, driven once over HTTP
against the real binary, each 2xx answer checked against its operation's
response schema in Twilio's OpenAPI spec (../shared/twilio/), and every
operation of the spec covered.

Usage: python3 tests/blackbox/test_conformance.py [--binary PATH]

SPDX-License-Identifier: MIT
"""

import json
import threading

import harness

ALICE = ('ACa11ce000000000000000000000000001', 'alice-auth-token')
BOB = ('ACb0b00000000000000000000000000002', 'bob-auth-token')
JSON = {'Content-Type': 'application/json'}


class Conformance(harness.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.srv = cls.class_server(['--quiet', '--knowledge-ready-after', '0'])
        cls.spec = harness.load_spec()
        cls.seen = {}

    def call(self, method, target, body=None, auth=ALICE, want=None):
        data = None if body is None else json.dumps(body).encode()
        r = self.srv.request(method, target, auth=auth,
                             headers=JSON if data is not None else None,
                             body=data)
        if want is not None:
            self.assertEqual(r.status, want, (method, target, r))
        oid, problems = harness.response_problems(self.spec, method, target,
                                                  r.status, r.body)
        if 200 <= r.status < 300:
            self.assertEqual(problems, [], (method, target, r))
            self.seen[oid] = self.seen.get(oid, 0) + 1
        return r

    def test_every_operation(self):
        c = self.call
        a = c('POST', '/v1/Assistants', {'name': 'Conf'}, want=201).json()
        aid = a['id']
        c('GET', '/v1/Assistants', want=200)
        c('GET', '/v1/Assistants/' + aid, want=200)
        c('PUT', '/v1/Assistants/' + aid, {'owner': 'o'}, want=200)
        t = c('POST', '/v1/Tools', {
            'name': 'T', 'type': 'WEBHOOK', 'enabled': True,
            'meta': {'url': 'https://example.com'}, 'assistant_id': aid,
            'policy': {'policy_details': {'k': 'v'}, 'name': 'p'}},
            want=201).json()
        tid = t['id']
        c('GET', '/v1/Tools', want=200)
        c('GET', '/v1/Tools?AssistantId=' + aid, want=200)
        c('GET', '/v1/Tools/' + tid, want=200)
        c('PUT', '/v1/Tools/' + tid, {'enabled': False}, want=200)
        k = c('POST', '/v1/Knowledge', {
            'name': 'K', 'type': 'Text',
            'knowledge_source_details': {'content': 'hello world'}},
            want=201).json()
        kid = k['id']
        c('GET', '/v1/Knowledge', want=200)
        c('GET', '/v1/Knowledge/' + kid, want=200)
        c('PUT', '/v1/Knowledge/' + kid, {'description': 'd'}, want=200)
        c('GET', '/v1/Knowledge/%s/Status' % kid, want=200)
        chunks = c('GET', '/v1/Knowledge/%s/Chunks' % kid, want=200).json()
        self.assertEqual([x['content'] for x in chunks['chunks']],
                         ['hello world'])
        c('GET', '/v1/Policies?ToolId=' + tid, want=200)
        c('POST', '/v1/Assistants/%s/Knowledge/%s' % (aid, kid), want=204)
        c('GET', '/v1/Assistants/%s/Knowledge' % aid, want=200)
        c('POST', '/v1/Assistants/%s/Tools/%s' % (aid, tid), want=204)
        c('GET', '/v1/Assistants/%s/Tools' % aid, want=200)
        fetched = c('GET', '/v1/Assistants/' + aid, want=200).json()
        self.assertEqual([x['id'] for x in fetched['tools']], [tid])
        self.assertEqual([x['id'] for x in fetched['knowledge']], [kid])
        sent = c('POST', '/v1/Assistants/%s/Messages' % aid,
                 {'identity': 'email:qa@example.com', 'body': 'Hi',
                  'session_id': 'conf'}, want=200).json()
        self.assertEqual(sent['body'], 'Echo: Hi')
        c('GET', '/v1/Sessions', want=200)
        c('GET', '/v1/Sessions/conf', want=200)
        msgs = c('GET', '/v1/Sessions/conf/Messages', want=200).json()
        mid = msgs['messages'][1]['id']
        c('POST', '/v1/Assistants/%s/Feedbacks' % aid,
          {'session_id': 'conf', 'message_id': mid, 'score': 1,
           'text': 'good'}, want=201)
        c('GET', '/v1/Assistants/%s/Feedbacks' % aid, want=200)
        # Bob sees none of it, on any path.
        for target in ('/v1/Assistants/' + aid, '/v1/Tools/' + tid,
                       '/v1/Knowledge/' + kid, '/v1/Sessions/conf',
                       '/v1/Assistants/%s/Feedbacks' % aid):
            self.assertEqual(c('GET', target, auth=BOB).status, 404, target)
        c('DELETE', '/v1/Assistants/%s/Tools/%s' % (aid, tid), want=204)
        c('DELETE', '/v1/Assistants/%s/Knowledge/%s' % (aid, kid), want=204)
        c('DELETE', '/v1/Tools/' + tid, want=204)
        c('DELETE', '/v1/Knowledge/' + kid, want=204)
        c('DELETE', '/v1/Assistants/' + aid, want=204)
        # Every operation of the spec was answered with a valid 2xx.
        ops = {op['operationId'] for item in self.spec['paths'].values()
               for m, op in item.items() if isinstance(op, dict) and
               'operationId' in op}
        self.assertEqual(len(ops), 30, ops)
        self.assertEqual(sorted(ops - set(self.seen)), [])


class AttachConcurrency(harness.TestCase):
    """Attach and detach from 8 threads at once: no error but 404 for a
    detach that lost the race, and the end state is what the last
    operation of each pair says."""

    def test_attach_detach_race(self):
        srv = self.start_server(['--quiet'])
        post = lambda p, b: srv.request(  # noqa: E731
            'POST', p, auth=ALICE, headers=JSON,
            body=json.dumps(b).encode())
        aid = post('/v1/Assistants', {'name': 'A'}).json()['id']
        tids = [post('/v1/Tools', {'name': 't%d' % i, 'type': 'WEBHOOK',
                                   'enabled': True}).json()['id']
                for i in range(4)]
        errors = []

        def work(n):
            for i in range(60):
                tid = tids[(n + i) % len(tids)]
                m = 'POST' if (n + i) % 3 else 'DELETE'
                r = srv.request(m, '/v1/Assistants/%s/Tools/%s' % (aid, tid),
                                auth=ALICE)
                if r.status not in (204, 404) or \
                        (r.status == 404 and m == 'POST'):
                    errors.append((m, r.status, r.body[:100]))

        threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        # Settle: attach all, detach one; lists and the fetch agree.
        for tid in tids:
            self.assertEqual(srv.request(
                'POST', '/v1/Assistants/%s/Tools/%s' % (aid, tid),
                auth=ALICE).status, 204)
        self.assertEqual(srv.request(
            'DELETE', '/v1/Assistants/%s/Tools/%s' % (aid, tids[0]),
            auth=ALICE).status, 204)
        listed = [t['id'] for t in srv.get(
            '/v1/Assistants/%s/Tools?PageSize=50' % aid, auth=ALICE).json()[
            'tools']]
        fetched = [t['id'] for t in srv.get('/v1/Assistants/' + aid,
                                            auth=ALICE).json()['tools']]
        self.assertEqual(sorted(listed), sorted(tids[1:]))
        self.assertEqual(sorted(fetched), sorted(tids[1:]))
        self.assertEqual(len(set(fetched)), len(fetched))


if __name__ == '__main__':
    harness.main()
