#!/usr/bin/env python3
"""Black-box tests of GET /v1/Assistants paging and of the list body.

Walks every page for several page sizes by following next_page_url verbatim
and back by previous_page_url, and checks the meta links, the order
(date_created then id), the key order, compactness, and that item strings come
back byte-faithful.  Does not test errors (test_errors.py) nor auth and link
bases other than the default Host (test_auth_links.py).  Token stability
under inserts/deletes needs mutation and is not tested.

Usage: python3 tests/blackbox/test_paging.py [--binary PATH]

SPDX-License-Identifier: MIT
"""

import math
import random
import re

import harness
from harness import (ITEM_KEYS, META_KEYS, TOKEN_RE, account, assistant,
                     compact, sid)

ACCT_A = sid('AC', 0xa1)
TOKEN_A = 'paging-token-a'
ACCT_B = sid('AC', 0xb2)
TOKEN_B = 'paging-token-b'
ACCT_EMPTY = sid('AC', 0xe3)
TOKEN_EMPTY = 'paging-token-empty'
ACCT_S = sid('AC', 0x5c)  # special strings
TOKEN_S = 'paging-token-special'

N_ITEMS = 21
FIXTURE_URL = 'https://assistants.twilio.com/v1/Assistants/aia_asst_fixed-url'

SPECIAL = {
    'name': 'Ünïcödé 名前 ✓ Ωmega – 😀🚀 \U0001F468\u200D\U0001F469',
    'owner': 'quote " backslash \\ slash / both \\" end\\',
    'model': 'ctl \u0001 nl \n tab \t cr \r bs \b ff \f us \u001f del \u007f',
    'personality_prompt': '</script> a/b/c http://x.test/y ' +
                          'not an escape: \\/ \\n \\u0041; ' +
                          'line seps \u2028 \u2029; bom \ufeff; ' +
                          '{"json": ["in", "a", "string"]}',
}
SPECIAL_CUSTOMER_AI = {
    'perception_engine_enabled': True,
    'personalization_engine_enabled': False,
    'nested': {'s': 'x/y " \\ 😀 \u0001', 'n': 42, 'neg': -3,
               'f': 1.5, 'arr': [1, 'two', None, False, {}], 'obj': {}},
}


def make_items():
    """N_ITEMS assistants of ACCT_A with many date_created ties, whose id
    order disagrees with the date order, shuffled in the file."""
    rnd = random.Random(20250101)
    dates = ['2024-01-31T23:59:59Z', '2024-02-01T00:00:00Z',
             '2024-02-29T12:00:00Z', '2024-12-31T23:59:59Z',
             '2025-01-01T00:00:00Z', '2025-01-01T00:00:01Z']
    items = []
    for i in range(N_ITEMS):
        aid = 'aia_asst_%08x-%04d' % (rnd.getrandbits(32), i)
        items.append(assistant(aid, ACCT_A, dates[rnd.randrange(len(dates))]))
    # an explicit tie whose ids differ only late in the string
    items[0]['date_created'] = items[1]['date_created'] = dates[2]
    items[0]['id'] = 'aia_asst_tie-b'
    items[1]['id'] = 'aia_asst_tie-a'
    items.sort(key=lambda a: (a['date_created'], a['id']), reverse=True)
    rnd.shuffle(items)
    return items


class Paging(harness.TestCase):

    @classmethod
    def setUpClass(cls):
        d = cls.class_tmpdir()
        cls.items_a = make_items()
        cls.expected_a = [a['id'] for a in sorted(
            cls.items_a, key=lambda a: (a['date_created'], a['id']))]
        # sanity: the fixture really has ties and a file order != sort order
        dc = [a['date_created'] for a in cls.items_a]
        assert len(set(dc)) < len(dc)
        assert [a['id'] for a in cls.items_a] != cls.expected_a
        items_b = [assistant('aia_asst_b-%02d' % i, ACCT_B,
                             '2024-02-01T00:00:00Z') for i in range(4)]
        special = [
            assistant('aia_asst_01948909-d7df-7801-b365-6b99e5a23fae',
                      ACCT_S, '2025-01-02T03:04:05Z',
                      customer_ai=SPECIAL_CUSTOMER_AI,
                      date_updated='2025-06-07T08:09:10Z', **SPECIAL),
            assistant('aia_asst_fixed-url', ACCT_S, '2025-01-03T00:00:00Z',
                      url=FIXTURE_URL, name='', owner='', model='',
                      personality_prompt=''),
            assistant('aia_asst_nul', ACCT_S, '2025-01-04T00:00:00Z',
                      name='before\u0000after', owner='\u0000',
                      customer_ai={'k': 'v\u0000w'}),
        ]
        cls.special = special
        fixture = {
            'accounts': [account(ACCT_A, TOKEN_A), account(ACCT_B, TOKEN_B),
                         account(ACCT_EMPTY, TOKEN_EMPTY),
                         account(ACCT_S, TOKEN_S)],
            'assistants': cls.items_a[:10] + items_b + special +
            cls.items_a[10:],
        }
        path = harness.write_json(d, 'paging.json', fixture)
        cls.srv = cls.class_server(['--fixtures', path, '--quiet'])
        cls.base = cls.srv.base
        cls.by_id = {a['id']: a for a in cls.items_a}

    # -- helpers --

    def get(self, path, auth=(ACCT_A, TOKEN_A), **kw):
        return self.srv.get(path, auth=auth, **kw)

    def get_ok(self, path, auth=(ACCT_A, TOKEN_A), **kw):
        r = self.get(path, auth=auth, **kw)
        self.assertEqual(r.status, 200, (path, r))
        self.assertEqual(r.header('Content-Type'), 'application/json')
        return r

    def link_re(self, n, p):
        return re.compile(r'^%s/v1/Assistants\?PageSize=%d&Page=%d'
                          r'&PageToken=([A-Za-z0-9_-]+)$'
                          % (re.escape(self.base), n, p))

    def first_url(self, n):
        return '%s/v1/Assistants?PageSize=%d&Page=0' % (self.base, n)

    def check_page(self, r, n, p, url):
        """Meta of page p of size n reached by url; returns the body."""
        body = r.json()
        meta = body['meta']
        self.assertEqual(meta['page'], p)
        self.assertEqual(meta['page_size'], n)
        self.assertEqual(meta['key'], 'assistants')
        self.assertEqual(meta['first_page_url'], self.first_url(n))
        self.assertEqual(meta['url'], url)
        if p == 0:
            self.assertIsNone(meta['previous_page_url'])
        else:
            self.assertRegex(meta['previous_page_url'] or '',
                             self.link_re(n, p - 1))
        if meta['next_page_url'] is not None:
            self.assertRegex(meta['next_page_url'], self.link_re(n, p + 1))
            self.assertEqual(len(body['assistants']), n,
                             'a page with a next link must be full')
        self.assertGreaterEqual(len(body['assistants']), 1,
                                'no page may be empty when items exist')
        self.assertLessEqual(len(body['assistants']), n)
        return body

    def walk_forward(self, n):
        r = self.get_ok('/v1/Assistants?PageSize=%d' % n)
        pages = []
        url = self.first_url(n)
        p = 0
        while True:
            body = self.check_page(r, n, p, url)
            pages.append((url, body))
            nxt = body['meta']['next_page_url']
            if nxt is None:
                break
            self.assertLess(p, N_ITEMS, 'paging does not end')
            url = nxt
            r = self.get_ok_url(nxt)
            p += 1
        return pages

    def get_ok_url(self, url):
        self.assertTrue(url.startswith(self.base + '/'), url)
        r = self.srv.get_url(url, auth=(ACCT_A, TOKEN_A))
        self.assertEqual(r.status, 200, (url, r))
        return r

    # -- tests --

    def test_walk_page_sizes(self):
        for n in (1, 2, 7, 50, 1000, N_ITEMS, 4, N_ITEMS - 1):
            with self.subTest(page_size=n):
                pages = self.walk_forward(n)
                ids = [a['id'] for _, b in pages for a in b['assistants']]
                self.assertEqual(ids, self.expected_a)
                self.assertEqual(len(pages), math.ceil(N_ITEMS / n))
                # every item is exactly the fixture record
                for _, b in pages:
                    for item in b['assistants']:
                        want = dict(self.by_id[item['id']])
                        want['url'] = '%s/v1/Assistants/%s' % (self.base,
                                                               item['id'])
                        self.assertEqual(item, want)

    def test_full_last_page_has_no_next(self):
        # 7 divides 21 and 21 == item count: the last page is full and the
        # look-ahead must give next_page_url null.
        for n in (7, N_ITEMS, 3):
            with self.subTest(page_size=n):
                pages = self.walk_forward(n)
                last = pages[-1][1]
                self.assertEqual(len(last['assistants']), n)
                self.assertIsNone(last['meta']['next_page_url'])
                self.assertEqual(len(pages), N_ITEMS // n)

    def test_walk_back_gives_same_pages(self):
        for n in (1, 2, 7, 4):
            with self.subTest(page_size=n):
                fwd = self.walk_forward(n)
                last_p = len(fwd) - 1
                prev = fwd[-1][1]['meta']['previous_page_url']
                p = last_p - 1
                while prev is not None:
                    r = self.get_ok_url(prev)
                    body = self.check_page(r, n, p, prev)
                    self.assertEqual(body['assistants'], fwd[p][1]['assistants'],
                                     'page %d differs going back' % p)
                    self.assertIsNotNone(body['meta']['next_page_url'])
                    # the next link of a page reached backwards leads to the
                    # same next page as going forwards
                    r2 = self.get_ok_url(body['meta']['next_page_url'])
                    self.assertEqual(r2.json()['assistants'],
                                     fwd[p + 1][1]['assistants'])
                    self.assertEqual(r2.json()['meta']['page'], p + 1)
                    prev = body['meta']['previous_page_url']
                    p -= 1
                self.assertEqual(p, -1, 'walk back did not reach page 0')

    def test_tokens_are_url_safe(self):
        for n in (1, 3):
            pages = self.walk_forward(n)
            for url, body in pages:
                for link in (body['meta']['next_page_url'],
                             body['meta']['previous_page_url'], url):
                    if link and 'PageToken=' in link:
                        tok = link.split('&PageToken=', 1)[1]
                        self.assertRegex(tok, r'^[A-Za-z0-9_-]+$')
                        self.assertTrue(TOKEN_RE.fullmatch(tok))

    def test_default_page_size_and_page(self):
        r = self.get_ok('/v1/Assistants')
        meta = r.json()['meta']
        self.assertEqual(meta['page'], 0)
        self.assertEqual(meta['page_size'], 50)
        self.assertEqual(meta['url'], self.first_url(50))
        self.assertEqual(meta['first_page_url'], self.first_url(50))
        self.assertIsNone(meta['previous_page_url'])
        self.assertIsNone(meta['next_page_url'])
        self.assertEqual([a['id'] for a in r.json()['assistants']],
                         self.expected_a)
        # Page=0 only: PageSize 50 still added
        r = self.get_ok('/v1/Assistants?Page=0')
        self.assertEqual(r.json()['meta']['url'], self.first_url(50))
        # PageSize only: Page=0 added
        r = self.get_ok('/v1/Assistants?PageSize=5')
        self.assertEqual(r.json()['meta']['url'], self.first_url(5))

    def test_empty_account(self):
        for q in ('', '?PageSize=3', '?Page=0'):
            with self.subTest(query=q):
                r = self.get_ok('/v1/Assistants' + q,
                                auth=(ACCT_EMPTY, TOKEN_EMPTY))
                n = 3 if 'PageSize' in q else 50
                self.assertEqual(r.ordered(), [
                    ('assistants', []),
                    ('meta', [
                        ('page', 0), ('page_size', n),
                        ('first_page_url', self.first_url(n)),
                        ('previous_page_url', None),
                        ('url', self.first_url(n)),
                        ('next_page_url', None),
                        ('key', 'assistants')])])
                self.assertEqual(r.body, compact(r.json()))

    def test_page_disagreeing_with_token_is_echoed(self):
        pages = self.walk_forward(3)
        nxt = pages[1][1]['meta']['next_page_url']  # Page=2
        tok = nxt.split('&PageToken=', 1)[1]
        for p in (7, 1, 0, 2):
            with self.subTest(page=p):
                r = self.get_ok('/v1/Assistants?PageSize=3&Page=%d&PageToken=%s'
                                % (p, tok))
                body = r.json()
                meta = body['meta']
                self.assertEqual(meta['page'], p)
                self.assertEqual(meta['url'],
                                 '%s/v1/Assistants?PageSize=3&Page=%d'
                                 '&PageToken=%s' % (self.base, p, tok))
                self.assertEqual(body['assistants'],
                                 pages[2][1]['assistants'])
                if p == 0:
                    self.assertIsNone(meta['previous_page_url'])
                else:
                    self.assertRegex(meta['previous_page_url'] or '',
                                     self.link_re(3, p - 1))
                self.assertRegex(meta['next_page_url'] or '',
                                 self.link_re(3, p + 1))

    def test_unknown_params_ignored(self):
        ref = self.get_ok('/v1/Assistants?PageSize=2')
        for q in ('Foo=1&PageSize=2', 'PageSize=2&Bar=', 'PageSize=2&x',
                  'Limit=7&PageSize=2&DateCreated=2024-01-01&Order=desc'):
            with self.subTest(query=q):
                r = self.get_ok('/v1/Assistants?' + q)
                self.assertEqual(r.body, ref.body)
                self.assertEqual(r.json()['meta']['url'], self.first_url(2))

    def test_params_in_any_order(self):
        pages = self.walk_forward(2)
        nxt = pages[0][1]['meta']['next_page_url']
        tok = nxt.split('&PageToken=', 1)[1]
        ref = self.get_ok('/v1/Assistants?PageSize=2&Page=1&PageToken=' + tok)
        self.assertEqual(ref.json()['assistants'], pages[1][1]['assistants'])
        for q in ('PageToken=%s&Page=1&PageSize=2',
                  'Page=1&PageToken=%s&PageSize=2',
                  'PageToken=%s&PageSize=2&Page=1'):
            with self.subTest(query=q):
                r = self.get_ok('/v1/Assistants?' + q % tok)
                self.assertEqual(r.body, ref.body)
        r = self.get_ok('/v1/Assistants?Page=0&PageSize=2')
        self.assertEqual(r.body,
                         self.get_ok('/v1/Assistants?PageSize=2&Page=0').body)
        self.assertEqual(r.json()['assistants'], pages[0][1]['assistants'])

    def test_form_content_type_on_get_ignored(self):
        ref = self.get_ok('/v1/Assistants?PageSize=4')
        for ct in ('application/x-www-form-urlencoded',
                   'application/x-www-form-urlencoded; charset=utf-8'):
            with self.subTest(content_type=ct):
                r = self.get_ok('/v1/Assistants?PageSize=4',
                                headers={'Content-Type': ct})
                self.assertEqual(r.body, ref.body)

    def test_items_byte_faithful(self):
        r = self.get_ok('/v1/Assistants', auth=(ACCT_S, TOKEN_S))
        # no escaped '/': a '\/' preceded by an even number of backslashes
        # (the fixture also holds a literal backslash-slash, sent as '\\/')
        self.assertIsNone(re.search(rb'(?<!\\)(?:\\\\)*\\/', r.body),
                          r.body)
        self.assertIn(b'not an escape: \\\\/ ', r.body)
        r.body.decode('utf-8')  # valid UTF-8
        items = r.json()['assistants']
        self.assertEqual(len(items), 3)
        got = items[0]
        for k, v in SPECIAL.items():
            self.assertEqual(got[k], v, k)
        self.assertEqual(got['customer_ai'], SPECIAL_CUSTOMER_AI)
        self.assertEqual(got['date_created'], '2025-01-02T03:04:05Z')
        self.assertEqual(got['date_updated'], '2025-06-07T08:09:10Z')
        self.assertEqual(got['account_sid'], ACCT_S)
        self.assertEqual(got['id'], self.special[0]['id'])
        # raw '/' appears unescaped in the body
        self.assertIn(b'</script> a/b/c http://x.test/y', r.body)
        self.assertIn(('"url":"%s/v1/Assistants/%s"'
                       % (self.base, got['id'])).encode(), r.body)
        # empty strings stay empty strings
        for k in ('name', 'owner', 'model', 'personality_prompt'):
            self.assertEqual(items[1][k], '', k)

    def test_nul_in_strings(self):
        # an embedded NUL is data like any other byte: not a terminator
        r = self.get_ok('/v1/Assistants', auth=(ACCT_S, TOKEN_S))
        item = r.json()['assistants'][2]
        self.assertEqual(item['id'], 'aia_asst_nul')
        self.assertEqual(item['name'], 'before\u0000after')
        self.assertEqual(item['owner'], '\u0000')
        self.assertEqual(item['customer_ai'], {'k': 'v\u0000w'})

    def test_nul_in_object_key_never_silently_changed(self):
        # a key with a NUL must either come back intact or the fixture be
        # rejected at load; truncating it ('k\0a' -> 'k') corrupts data
        d = self.tmpdir()
        cai = {'k\u0000a': 1, 'k\u0000b': 2, 'k': 3}
        path = harness.write_json(d, 'nulkey.json', {
            'accounts': [account(ACCT_A, TOKEN_A)],
            'assistants': [assistant('aia_asst_nulkey', ACCT_A,
                                     customer_ai=cai)]})
        p = harness.run_cli(['--check', '--fixtures', path])
        if p.returncode == 2:
            self.assertRegex(harness.text(p.stderr), '(?m)^%s: '
                             r'assistants\[0\]\.customer_ai\S*: .+'
                             % re.escape(path))
            return
        self.assertEqual(p.returncode, 0, p)
        srv = self.start_server(['--fixtures', path, '--quiet'])
        r = srv.get('/v1/Assistants', auth=(ACCT_A, TOKEN_A))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()['assistants'][0]['customer_ai'], cai)

    def test_item_url(self):
        r = self.get_ok('/v1/Assistants', auth=(ACCT_S, TOKEN_S))
        items = r.json()['assistants']
        self.assertEqual(items[0]['url'], '%s/v1/Assistants/%s'
                         % (self.base, items[0]['id']))
        self.assertEqual(items[1]['url'], FIXTURE_URL)

    def test_key_order_and_compact_body(self):
        for auth in ((ACCT_A, TOKEN_A), (ACCT_S, TOKEN_S)):
            r = self.get_ok('/v1/Assistants?PageSize=5', auth=auth)
            top = r.ordered()
            self.assertEqual([k for k, _ in top], ['assistants', 'meta'])
            meta = dict(top)['meta']
            self.assertEqual([k for k, _ in meta], META_KEYS)
            items = dict(top)['assistants']
            self.assertGreater(len(items), 0)
            for item in items:
                self.assertEqual([k for k, _ in item], ITEM_KEYS)
        # plain strings: the body is exactly the compact serialisation
        for n in (5, 50):
            r = self.get_ok('/v1/Assistants?PageSize=%d' % n)
            self.assertEqual(r.body, compact(r.json()))
            self.assertEqual(int(r.header('Content-Length')), len(r.body))

    def test_other_accounts_pages_unaffected(self):
        r = self.get_ok('/v1/Assistants?PageSize=2', auth=(ACCT_B, TOKEN_B))
        body = r.json()
        self.assertEqual([a['id'] for a in body['assistants']],
                         ['aia_asst_b-00', 'aia_asst_b-01'])
        r = self.srv.get_url(body['meta']['next_page_url'],
                             auth=(ACCT_B, TOKEN_B))
        self.assertEqual(r.status, 200, r)
        body = r.json()
        self.assertEqual([a['id'] for a in body['assistants']],
                         ['aia_asst_b-02', 'aia_asst_b-03'])
        self.assertIsNone(body['meta']['next_page_url'])


if __name__ == '__main__':
    harness.main()
