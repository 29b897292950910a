#!/usr/bin/env python3
"""Black-box tests of --state PATH (env ASSISTANTS_MOCK_STATE): the store in
a SQLite file that survives restarts.

First start (no file): created and seeded from the fixtures.  Later starts:
creates, updates and deletes made before the restart are as they were, and
the fixtures' assistants are not inserted again.  A file that is not an
assistants-mock state (random bytes, another application's SQLite database,
another schema version) or a path that cannot be written: exit status 2 (or
non-zero), one stderr line `assistants-mock: cannot use state file 'PATH':
...`, never a "listening on" line, and the file is left as it was.

Runs on the bundled fixtures (alice: 130 assistants, with an API key; bob:
12).  Uses python's sqlite3 module only to make foreign databases and to
change a copy's user_version, never to read the server's data.

Usage: python3 tests/blackbox/test_state.py [--binary PATH]

SPDX-License-Identifier: MIT
"""

import hashlib
import os
import shutil
import signal
import sqlite3
import stat
import time

import harness
from harness import (ALICE, ALICE_KEY, ALICE_KEY_SECRET, ALICE_N,
                     ALICE_TOKEN, BOB, BOB_N, BOB_TOKEN, ASSISTANT_ID_RE,
                     run_cli, text)

AUTH_A = (ALICE, ALICE_TOKEN)
AUTH_K = (ALICE_KEY, ALICE_KEY_SECRET)
AUTH_B = (BOB, BOB_TOKEN)


def digest(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


class StateCase(harness.TestCase):

    def start(self, path=None, env=None, extra=()):
        args = ['--quiet'] + list(extra)
        if path is not None:
            args += ['--state', path]
        return self.start_server(args, env=env)

    def stop(self, srv):
        rc, took = srv.signal(signal.SIGTERM)
        self.assertEqual(rc, 0, srv.stderr_text())
        self.assertLess(took, 5.0)
        srv.kill()

    def ids(self, srv, auth):
        return [a['id'] for a in srv.list_all(auth, page_size=7)]

    def fetch_body(self, srv, aid, auth=AUTH_A):
        """The fetched assistant without its url (that follows the port),
        after checking the url."""
        r = srv.fetch(aid, auth)
        self.assertEqual(r.status, 200, r)
        return self.no_url(srv, r.json())

    def no_url(self, srv, item):
        item = dict(item)
        self.assertEqual(item.pop('url'), '%s/v1/Assistants/%s'
                         % (srv.base, item['id']))
        return item

    def items(self, srv, auth):
        return [self.no_url(srv, a) for a in srv.list_all(auth)]

    def create(self, srv, obj, auth=AUTH_A):
        r = srv.create(obj, auth)
        self.assertEqual(r.status, 201, r)
        return r.json()

    def assert_refused(self, path, args=None, env=None, status=2,
                       exact=True):
        """The server refuses path: exit status (None: any but 0), one
        stderr line naming it (exact: `assistants-mock: cannot use state
        file 'PATH'...`, else `assistants-mock: ...PATH...`), never
        listening; returns the stderr text."""
        args = ['--port', '0'] + (['--state', path] if args is None
                                  else args)
        p = run_cli(args, env=env)
        out, err = text(p.stdout), text(p.stderr)
        self.assertNotIn('listening on', out, (out, err))
        if status is None:
            self.assertNotEqual(p.returncode, 0, (out, err))
        else:
            self.assertEqual(p.returncode, status, (out, err))
        lines = [l for l in err.split('\n') if l.strip()]
        self.assertEqual(len(lines), 1, err)
        if exact:
            self.assertTrue(lines[0].startswith(
                "assistants-mock: cannot use state file '%s'" % path), err)
        else:
            self.assertTrue(lines[0].startswith('assistants-mock: '), err)
            self.assertIn(path, lines[0])
        return err


class Persistence(StateCase):

    def test_restart_keeps_changes(self):
        d = self.tmpdir()
        path = os.path.join(d, 'state.db')
        srv = self.start(path)
        self.assertTrue(os.path.exists(path))
        # first start: seeded from the bundled fixtures
        seeded_a = self.ids(srv, AUTH_A)
        seeded_b = self.ids(srv, AUTH_B)
        self.assertEqual((len(seeded_a), len(seeded_b)), (ALICE_N, BOB_N))
        self.assertEqual(len(set(seeded_a)), ALICE_N)
        keep = self.create(srv, {'name': 'Keep', 'owner': 'Me',
                                 'personality_prompt': 'Prompt é 😀',
                                 'customer_ai': {
                                     'perception_engine_enabled': True,
                                     'personalization_engine_enabled': False},
                                 'segment_credential': {'write_key': 'wk'}})
        drop = self.create(srv, {'name': 'Drop'})
        keep_b = self.create(srv, {'name': 'Keep B'}, AUTH_B)
        via_key = self.create(srv, {'name': 'Via key'}, AUTH_K)
        time.sleep(1.1)
        r = srv.update(keep['id'], {'name': 'Kept'}, AUTH_A)
        self.assertEqual(r.status, 200, r)
        r = srv.update(seeded_a[3], {'owner': 'Changed owner'}, AUTH_A)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(srv.remove(drop['id'], AUTH_A).status, 204)
        self.assertEqual(srv.remove(seeded_a[0], AUTH_A).status, 204)
        self.assertEqual(srv.remove(seeded_b[-1], AUTH_B).status, 204)
        want_a = self.ids(srv, AUTH_A)
        want_b = self.ids(srv, AUTH_B)
        self.assertEqual(want_a, seeded_a[1:] + [keep['id'], via_key['id']])
        self.assertEqual(want_b, seeded_b[:-1] + [keep_b['id']])
        bodies = {aid: self.fetch_body(srv, aid) for aid in want_a}
        bodies.update({aid: self.fetch_body(srv, aid, AUTH_B)
                       for aid in want_b})
        lists = (self.items(srv, AUTH_A), self.items(srv, AUTH_B))
        self.stop(srv)

        # second and third start: everything as it was, nothing re-seeded
        for run in (2, 3):
            with self.subTest(run=run):
                srv = self.start(path)
                self.assertEqual(self.ids(srv, AUTH_A), want_a)
                self.assertEqual(self.ids(srv, AUTH_B), want_b)
                self.assertEqual((self.items(srv, AUTH_A),
                                  self.items(srv, AUTH_B)), lists)
                for aid in want_a:
                    self.assertEqual(self.fetch_body(srv, aid), bodies[aid])
                for aid in want_b:
                    self.assertEqual(self.fetch_body(srv, aid, AUTH_B),
                                     bodies[aid])
                k = bodies[keep['id']]
                self.assertEqual((k['name'], k['owner'],
                                  k['personality_prompt'], k['customer_ai']),
                                 ('Kept', 'Me', 'Prompt é 😀',
                                  {'perception_engine_enabled': True,
                                   'personalization_engine_enabled': False}))
                self.assertEqual(k['date_created'], keep['date_created'])
                self.assertGreater(k['date_updated'], keep['date_updated'])
                self.assertEqual(bodies[seeded_a[3]]['owner'], 'Changed owner')
                for aid, auth in ((drop['id'], AUTH_A), (seeded_a[0], AUTH_A),
                                  (seeded_b[-1], AUTH_B)):
                    r = srv.fetch(aid, auth)
                    self.assert_error(r, 404, 20404,
                                      'The requested resource /v1/Assistants/'
                                      '%s was not found' % aid)
                # credentials still come from the fixtures; isolation holds
                self.assertEqual(self.ids(srv, AUTH_K), want_a)
                self.assertEqual(srv.fetch(keep['id'], AUTH_B).status, 404)
                self.assertEqual(srv.get('/v1/Assistants',
                                         auth=(ALICE, 'wrong')).status, 401)
                self.stop(srv)

        # writes after a restart persist too, and ids keep increasing
        srv = self.start(path)
        new = self.create(srv, {'name': 'After restart'})
        self.assertRegex(new['id'], ASSISTANT_ID_RE)
        self.assertGreater(new['id'], max(want_a))
        r = srv.update(new['id'], {'owner': 'o2'}, AUTH_A)
        self.assertEqual(r.status, 200, r)
        self.stop(srv)
        srv = self.start(path)
        self.assertEqual(self.ids(srv, AUTH_A), want_a + [new['id']])
        self.assertEqual(self.fetch_body(srv, new['id'])['owner'], 'o2')

    def test_env_form(self):
        d = self.tmpdir()
        path = os.path.join(d, 'env-state.sqlite')
        env = {'ASSISTANTS_MOCK_STATE': path}
        srv = self.start(env=env)
        self.assertTrue(os.path.exists(path))
        made = self.create(srv, {'name': 'From env'}, AUTH_B)
        self.stop(srv)
        srv = self.start(env=env)
        ids = self.ids(srv, AUTH_B)
        self.assertEqual(len(ids), BOB_N + 1)
        self.assertEqual(ids[-1], made['id'])
        self.stop(srv)
        # the flag form reads the same file
        srv = self.start(path)
        self.assertEqual(self.ids(srv, AUTH_B), ids)

    def test_acknowledged_write_survives_kill(self):
        # a 2xx means the change is in the file: SIGKILL loses nothing
        d = self.tmpdir()
        path = os.path.join(d, 'state.db')
        srv = self.start(path)
        made = self.create(srv, {'name': 'Durable'})
        victim = self.ids(srv, AUTH_A)[7]
        self.assertEqual(srv.remove(victim, AUTH_A).status, 204)
        srv.kill()  # SIGKILL
        srv = self.start(path)
        ids = self.ids(srv, AUTH_A)
        self.assertIn(made['id'], ids)
        self.assertNotIn(victim, ids)
        self.assertEqual(len(ids), ALICE_N)

    def test_without_state_is_memory_only(self):
        d = self.tmpdir()
        path = os.path.join(d, 'state.db')
        srv = self.start(path)
        self.create(srv, {'name': 'Only in the file'})
        self.stop(srv)
        srv = self.start()
        self.assertEqual(len(self.ids(srv, AUTH_A)), ALICE_N)
        self.create(srv, {'name': 'Only in memory'})
        self.stop(srv)
        srv = self.start()
        self.assertEqual(len(self.ids(srv, AUTH_A)), ALICE_N)
        self.stop(srv)
        srv = self.start(path)
        self.assertEqual(len(self.ids(srv, AUTH_A)), ALICE_N + 1)

    def test_help_mentions_state(self):
        p = run_cli(['--help'])
        self.assertEqual(p.returncode, 0, p)
        out = text(p.stdout)
        self.assertIn('--state', out)
        self.assertIn('ASSISTANTS_MOCK_STATE', out)


class BadFiles(StateCase):

    def test_random_bytes(self):
        d = self.tmpdir()
        path = os.path.join(d, 'random.db')
        with open(path, 'wb') as f:
            f.write(os.urandom(8192))
        before = digest(path)
        err = self.assert_refused(path)
        print('\n    %s' % err.strip(), end=' ')
        self.assertEqual(digest(path), before, 'the file was changed')
        # also a text file that merely looks like something
        path2 = os.path.join(d, 'notes.txt')
        with open(path2, 'w') as f:
            f.write('SQLite format 3 is what this is not\n' * 100)
        before = digest(path2)
        self.assert_refused(path2)
        self.assertEqual(digest(path2), before)

    def test_other_sqlite_database(self):
        d = self.tmpdir()
        path = os.path.join(d, 'other-app.db')
        db = sqlite3.connect(path)
        db.execute('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)')
        db.commit()
        db.close()
        before = digest(path)
        err = self.assert_refused(path)
        print('\n    %s' % err.strip(), end=' ')
        self.assertEqual(digest(path), before, 'the file was changed')
        # and one whose table even has rows
        path2 = os.path.join(d, 'other-app2.db')
        db = sqlite3.connect(path2)
        db.execute('CREATE TABLE assistants (x TEXT)')
        db.execute("INSERT INTO assistants VALUES ('row')")
        db.commit()
        db.close()
        before = digest(path2)
        self.assert_refused(path2)
        self.assertEqual(digest(path2), before)

    def test_other_schema_version(self):
        d = self.tmpdir()
        good = os.path.join(d, 'good.db')
        srv = self.start(good)
        made = self.create(srv, {'name': 'Versioned'})
        self.stop(srv)
        for version in (999, 0, -1):
            with self.subTest(user_version=version):
                bad = os.path.join(d, 'v%d.db' % version)
                shutil.copyfile(good, bad)
                db = sqlite3.connect(bad)
                db.execute('PRAGMA user_version = %d' % version)
                db.commit()
                db.close()
                before = digest(bad)
                err = self.assert_refused(bad)
                self.assertEqual(digest(bad), before, 'the file was changed')
                print('\n    %s' % err.strip(), end=' ')
        # the original still works
        srv = self.start(good)
        self.assertEqual(self.ids(srv, AUTH_A)[-1], made['id'])

    def test_env_form_refused(self):
        d = self.tmpdir()
        path = os.path.join(d, 'random.db')
        with open(path, 'wb') as f:
            f.write(os.urandom(4096))
        self.assert_refused(path, args=[],
                            env={'ASSISTANTS_MOCK_STATE': path})

    def test_unwritable_location(self):
        d = self.tmpdir()
        paths = [os.path.join(d, 'no', 'such', 'dir', 'state.db')]
        plain = os.path.join(d, 'plain-file')
        with open(plain, 'w') as f:
            f.write('x')
        paths.append(os.path.join(plain, 'state.db'))  # parent not a dir
        paths.append(d)  # a directory, not a file
        if os.geteuid() != 0:  # root writes anywhere
            ro = os.path.join(d, 'read-only')
            os.mkdir(ro)
            os.chmod(ro, stat.S_IRUSR | stat.S_IXUSR)
            self.addCleanup(os.chmod, ro, stat.S_IRWXU)
            paths.append(os.path.join(ro, 'state.db'))
        for path in paths:
            with self.subTest(path=path):
                err = self.assert_refused(path, status=None, exact=False)
                print('\n    %s' % err.strip(), end=' ')


if __name__ == '__main__':
    harness.main()
