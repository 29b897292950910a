#!/usr/bin/env python3
"""The drop-in mode with real, unmodified clients (issue 12): twilio-node
5.13.1 (tests/sdk/dropin.js: no baseUrl, credentials from the environment)
and the Twilio CLI (tests/cli: `twilio api:assistants:v1:assistants:list`)
reach the mock where they believe https://assistants.twilio.com is, and list
the bundled fixtures in the mock's order:

- through the proxy: HTTP_PROXY=http://127.0.0.1:PROXY (what twilio-node
  reads, for https too; it ignores HTTPS_PROXY), HTTPS_PROXY for the CLI
  (it reads either), and NODE_EXTRA_CA_CERTS=the CA the mock wrote;
- through a name mapping: in a private mount and network namespace
  (unshare), /etc/hosts bind-mounted with "127.0.0.1 assistants.twilio.com"
  (the machine's file is never touched) and the mock on port 443 there.

Also Python's own urllib through HTTPS_PROXY with SSL_CERT_FILE.

Needs node with tests/sdk/node_modules and tests/cli/node_modules (npm ci
in each, as .ci/deps.sh --test does); skips (77) without them unless
CI=true. The namespace cases need unshare(1) with mount and network
namespaces (root, or unprivileged user namespaces); they skip without, but
fail in CI when run as root.

Usage: python3 tests/blackbox/test_dropin.py [--binary PATH]

SPDX-License-Identifier: MIT
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import urllib.request

import harness

ALICE = ('ACa11ce000000000000000000000000001', 'alice-auth-token')
BOB = ('ACb0b00000000000000000000000000002', 'bob-auth-token')
TWILIO = 'assistants.twilio.com'
SDK_DIR = os.path.join(harness.REPO_ROOT, 'tests', 'sdk')
CLI_DIR = os.path.join(harness.REPO_ROOT, 'tests', 'cli')
DROPIN_JS = os.path.join(SDK_DIR, 'dropin.js')
CLI_BIN = os.path.join(CLI_DIR, 'node_modules', '.bin', 'twilio')
IN_CI = os.environ.get('CI') == 'true'
PROXY_RE = r'proxy \(CONNECT\) on http://[^\s:/]+:(\d+)'


def missing_tools():
    if shutil.which('node') is None:
        return 'node not installed'
    if not os.path.isfile(os.path.join(SDK_DIR, 'node_modules', 'twilio',
                                       'package.json')):
        return 'tests/sdk/node_modules missing (npm ci there)'
    if not os.path.exists(CLI_BIN):
        return 'tests/cli/node_modules missing (npm ci there)'
    return None


def client_env(home, account, extra):
    """A clean environment for a client: its own HOME (the CLI writes its
    config there), the CLI on PATH (it spawns itself), credentials."""
    env = {
        'PATH': os.path.dirname(CLI_BIN) + os.pathsep +
                os.environ.get('PATH', '/usr/bin:/bin'),
        'HOME': home,
        'TWILIO_ACCOUNT_SID': account[0],
        'TWILIO_AUTH_TOKEN': account[1],
    }
    env.update(extra)
    return env


def cli_command():
    return [CLI_BIN, 'api:assistants:v1:assistants:list', '--no-limit',
            '--properties', 'id,url', '-o', 'json']


def namespace_prefix():
    """The unshare command line for a private mount + network namespace,
    or None when this machine cannot make one."""
    unshare = shutil.which('unshare')
    if unshare is None or shutil.which('ip') is None:
        return None
    base = [unshare, '--mount', '--net']
    if os.geteuid() != 0:
        base = [unshare, '--map-root-user', '--mount', '--net']
    p = subprocess.run(base + ['true'], capture_output=True, timeout=10)
    return base if p.returncode == 0 else None


# The script run inside the namespace: loopback up, the hosts file mapped,
# the mock on 443 (TLS) with its CA written, then the client; the mock's
# output goes to $LOG.
NS_SCRIPT = textwrap.dedent('''\
    set -eu
    ip link set lo up
    mount --bind "$HOSTS" /etc/hosts
    "$BIN" --port 0 --tls-port 443 --tls-ca-out "$CA" >"$LOG" 2>&1 &
    mock=$!
    i=0
    until grep -q '^listening on https://' "$LOG"; do
        i=$((i + 1))
        if [ $i -gt 200 ] || ! kill -0 $mock 2>/dev/null; then
            echo "mock did not start" >&2; cat "$LOG" >&2; exit 3
        fi
        sleep 0.05
    done
    rc=0
    NODE_EXTRA_CA_CERTS="$CA" "$@" || rc=$?
    kill $mock
    wait $mock || true
    exit $rc
''')


class DropIn(harness.TestCase):

    @classmethod
    def setUpClass(cls):
        why = missing_tools()
        if why:
            if IN_CI:
                raise AssertionError('CI=true but ' + why)
            raise harness.unittest.SkipTest(why)
        cls.dir = cls.class_tmpdir()
        cls.ca = os.path.join(cls.dir, 'ca.pem')
        cls.srv = cls.class_server(['--quiet', '--proxy-port', '0',
                                    '--tls-ca-out', cls.ca])
        line = cls.srv.wait_for_output(PROXY_RE)
        cls.proxy = int(re.fullmatch(PROXY_RE, line).group(1))
        cls.proxy_url = 'http://127.0.0.1:%d' % cls.proxy
        # The mock's own order of the fixtures, over plain HTTP.
        cls.want = {}
        for acct in (ALICE, BOB):
            cls.want[acct[0]] = [a['id'] for page in
                                 cls.srv.walk(acct, page_size=1000)
                                 for a in page]
        assert len(cls.want[ALICE[0]]) == 130, cls.want
        assert len(cls.want[BOB[0]]) == 12, cls.want

    def run_client(self, cmd, account, extra, prefix=(), timeout=120):
        home = self.tmpdir()
        p = subprocess.run(list(prefix) + cmd,
                           env=client_env(home, account, extra),
                           capture_output=True, timeout=timeout,
                           stdin=subprocess.DEVNULL)
        self.assertEqual(p.returncode, 0,
                         'rc %d\nstdout: %s\nstderr: %s'
                         % (p.returncode, p.stdout[-2000:],
                            p.stderr[-4000:]))
        return harness.text(p.stdout)

    def check_sdk(self, out, account):
        res = json.loads(out.strip().splitlines()[-1])
        self.assertEqual(res['ids'], self.want[account[0]])
        self.assertEqual(res['firstUrl'], 'https://%s/v1/Assistants/%s'
                         % (TWILIO, res['ids'][0]))
        self.assertEqual(res['fetched'], 'drop-in')
        self.assertTrue(res['created'].startswith('aia_asst_'))

    def check_cli(self, out, account):
        items = json.loads(out)
        self.assertEqual([a['id'] for a in items], self.want[account[0]])
        for a in items:
            self.assertEqual(a['url'], 'https://%s/v1/Assistants/%s'
                             % (TWILIO, a['id']))

    # -- through the proxy --

    def test_twilio_node_through_http_proxy(self):
        """twilio-node, unmodified, with HTTP_PROXY and NODE_EXTRA_CA_CERTS:
        lists alice's 130 and bob's 12 in order, creates, fetches and
        deletes one; the mock saw CONNECT, never a host but its own."""
        for acct in (ALICE, BOB):
            with self.subTest(account=acct[0]):
                out = self.run_client(
                    ['node', DROPIN_JS], acct,
                    {'HTTP_PROXY': self.proxy_url,
                     'NODE_EXTRA_CA_CERTS': self.ca})
                self.check_sdk(out, acct)
        # The journal has the create, with the Host the SDK sent.
        r = self.srv.get('/__admin/requests?method=POST', auth=ALICE)
        posts = [e for e in r.json()['requests']
                 if e['path'] == '/v1/Assistants' and e['status'] == 201]
        self.assertTrue(posts, r.json())
        self.assertEqual(posts[-1]['headers']['Host'], TWILIO)
        self.assertIn('twilio-node/5.13.1',
                      posts[-1]['headers']['User-Agent'])

    def test_twilio_cli_through_a_proxy_variable(self):
        """twilio api:assistants:v1:assistants:list with HTTPS_PROXY (or
        HTTP_PROXY, which it also reads) and NODE_EXTRA_CA_CERTS: every
        fixture of the account, in order, each url on
        https://assistants.twilio.com."""
        for acct, var in ((ALICE, 'HTTPS_PROXY'), (BOB, 'HTTP_PROXY')):
            with self.subTest(account=acct[0], variable=var):
                out = self.run_client(
                    cli_command(), acct,
                    {var: self.proxy_url, 'NODE_EXTRA_CA_CERTS': self.ca})
                self.check_cli(out, acct)

    def test_python_urllib_through_https_proxy(self):
        """Python's urllib with HTTPS_PROXY and SSL_CERT_FILE (what
        REQUESTS_CA_BUNDLE is to requests): the first page, verified."""
        code = textwrap.dedent('''\
            import base64, json, sys, urllib.request
            req = urllib.request.Request(
                'https://assistants.twilio.com/v1/Assistants?PageSize=5')
            req.add_header('Authorization', 'Basic ' + base64.b64encode(
                b'%s:%s').decode())
            page = json.load(urllib.request.urlopen(req, timeout=20))
            print(json.dumps([a['id'] for a in page['assistants']]))
            print(page['meta']['next_page_url'])
        ''' % ALICE)
        p = subprocess.run([sys.executable, '-c', code], capture_output=True,
                           timeout=60, env={
                               'PATH': os.environ.get('PATH', '/usr/bin'),
                               'HTTPS_PROXY': self.proxy_url,
                               'SSL_CERT_FILE': self.ca})
        self.assertEqual(p.returncode, 0, p.stderr)
        ids, nxt = harness.text(p.stdout).splitlines()
        self.assertEqual(json.loads(ids), self.want[ALICE[0]][:5])
        self.assertTrue(nxt.startswith('https://assistants.twilio.com/'))

    def test_without_the_ca_the_clients_refuse(self):
        """The tunnel is only trusted with the mock's CA: without
        NODE_EXTRA_CA_CERTS, twilio-node fails (never talks to Twilio)."""
        home = self.tmpdir()
        p = subprocess.run(['node', DROPIN_JS],
                           env=client_env(home, ALICE,
                                          {'HTTP_PROXY': self.proxy_url}),
                           capture_output=True, timeout=60)
        self.assertEqual(p.returncode, 1)
        self.assertRegex(harness.text(p.stderr),
                         r'self[- ]signed|unable to (get|verify)|'
                         r'UNABLE_TO|SELF_SIGNED')

    # -- through a name mapping --

    def in_namespace(self, cmd, account):
        prefix = namespace_prefix()
        if prefix is None:
            if IN_CI and os.geteuid() == 0:
                self.fail('CI as root but no mount+network namespace '
                          '(unshare, ip)')
            self.skipTest('no mount+network namespace here (unshare)')
        d = self.tmpdir()
        hosts = os.path.join(d, 'hosts')
        with open(hosts, 'w') as f:
            f.write('127.0.0.1 localhost\n127.0.0.1 %s\n' % TWILIO)
        with open('/etc/hosts', 'rb') as f:
            before = f.read()
        script = prefix + ['sh', '-c', NS_SCRIPT, 'ns']
        out = self.run_client(
            script + cmd, account,
            {'HOSTS': hosts, 'BIN': harness.BINARY,
             'CA': os.path.join(d, 'ca.pem'), 'LOG': os.path.join(d, 'log')})
        with open('/etc/hosts', 'rb') as f:
            self.assertEqual(f.read(), before)  # never touched
        return out

    def test_twilio_node_through_a_name_mapping(self):
        """twilio-node with assistants.twilio.com -> 127.0.0.1 in its own
        /etc/hosts and the mock on 443: the same list, create, fetch."""
        self.check_sdk(self.in_namespace(['node', DROPIN_JS], ALICE), ALICE)

    def test_twilio_cli_through_a_name_mapping(self):
        """The Twilio CLI the same way: every fixture, in order."""
        self.check_cli(self.in_namespace(cli_command(), BOB), BOB)


if __name__ == '__main__':
    harness.main()
