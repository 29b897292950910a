// What the twilio-node test scripts in tests/sdk share: the fixture accounts,
// arguments, loading the pinned SDK, starting the binary on a free port and
// killing it at exit, and the check()/assert helpers that print one line per
// case and end with "N passed, N failed".
//
// SPDX-License-Identifier: MIT
'use strict';

const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const SDK_VERSION = '5.13.1';
const READY_TIMEOUT_MS = 10000;
const IN_CI = process.env.CI === 'true';

// The bundled fixtures' accounts (fixtures/default.json).
const ALICE = 'ACa11ce000000000000000000000000001';
const ALICE_TOKEN = 'alice-auth-token';
const ALICE_KEY = 'SKa11ce000000000000000000000000001';
const ALICE_KEY_SECRET = 'alice-api-key-secret';
const BOB = 'ACb0b00000000000000000000000000002';
const BOB_TOKEN = 'bob-auth-token';

// ---------------------------------------------------------------------------
// Arguments, SDK

function parseArgs(argv, script) {
  let binary = null;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--binary' && i + 1 < argv.length) binary = argv[++i];
    else if (argv[i].startsWith('--binary=')) binary = argv[i].slice(9);
    else if (argv[i] === '-h' || argv[i] === '--help') {
      console.log(`usage: node ${script} [--binary PATH]`);
      process.exit(0);
    } else {
      console.error(`unknown argument: ${argv[i]}`);
      process.exit(2);
    }
  }
  return binary ||
    process.env.ASSISTANTS_MOCK_BIN ||
    path.join(__dirname, '..', '..', 'build', 'assistants-mock');
}

let sdk = null;

function loadSdk() {
  const skip = (why) => {
    if (IN_CI) {
      console.log(`FAIL: ${why} (CI=true: the SDK must be installed by .ci/deps.sh --test)`);
      console.log('0 passed, 1 failed');
      process.exit(1);
    }
    console.log(`SKIP: ${why}; run \`npm ci\` in tests/sdk (or .ci/deps.sh --test)`);
    process.exit(77);
  };
  const pkg = path.join(__dirname, 'node_modules', 'twilio', 'package.json');
  if (!fs.existsSync(pkg)) skip(`twilio-node not installed (${pkg} missing)`);
  const version = JSON.parse(fs.readFileSync(pkg, 'utf8')).version;
  if (version !== SDK_VERSION) skip(`twilio-node ${version} installed, ${SDK_VERSION} wanted`);
  sdk = require(path.join(__dirname, 'node_modules', 'twilio'));
  return sdk;
}

// The server binary from the arguments, the SDK loaded: exits 77 (skip)
// without either. The SDK itself reads TWILIO_REGION/TWILIO_EDGE (they would
// rewrite the 127.0.0.1 host name), TWILIO_LOG_LEVEL, TWILIO_ACCOUNT_SID...:
// none of the caller's values may reach a test.
function setup(script) {
  const binary = path.resolve(parseArgs(process.argv.slice(2), script));
  try {
    fs.accessSync(binary, fs.constants.X_OK);
  } catch (e) {
    console.log(`SKIP: server binary not found: ${binary}`);
    process.exit(77);
  }
  for (const k of Object.keys(process.env)) {
    if (k.startsWith('TWILIO_')) delete process.env[k];
  }
  return { binary, twilio: loadSdk() };
}

// ---------------------------------------------------------------------------
// The server child

function cleanEnv() {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('ASSISTANTS_MOCK_') && !k.startsWith('TWILIO_')) env[k] = v;
  }
  return env;
}

let child = null;
const childOut = [];
const childErr = [];

// Servers started besides the main one (e.g. one with --attach-returns-json).
const extraServers = [];

function killProc(proc) {
  if (proc && proc.exitCode === null && proc.signalCode === null) {
    try { proc.kill('SIGKILL'); } catch (e) { /* already gone */ }
  }
}

function killChild() {
  killProc(child);
  for (const p of extraServers) killProc(p);
}
process.on('exit', killChild);
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
  process.on(sig, () => {
    console.log(`interrupted by ${sig}`);
    killChild();
    process.exit(1);
  });
}

// Starts the binary with --port 0 and extraArgs; resolves {port, proc}. The
// main server (sink omitted) is `child` with childOut/childErr; others are
// kept in extraServers and write into sink {out: [], err: []}.
function startServer(binary, extraArgs = [], sink = null) {
  return new Promise((resolve, reject) => {
    const proc = spawn(binary, ['--port', '0', ...extraArgs], {
      env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (sink) extraServers.push(proc); else child = proc;
    const outSink = sink ? sink.out : childOut;
    const errSink = sink ? sink.err : childErr;
    let buf = '';
    let done = false;
    const finish = (err, port) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) { killProc(proc); reject(err); } else resolve({ port, proc });
    };
    const timer = setTimeout(() => finish(new Error(
      `no "listening on" line within ${READY_TIMEOUT_MS / 1000} s; ` +
      `stderr: ${errSink.join('')}`)), READY_TIMEOUT_MS);
    proc.stdout.setEncoding('utf8');
    proc.stderr.setEncoding('utf8');
    // Both pipes are drained for the whole run so the child never blocks.
    proc.stderr.on('data', (d) => errSink.push(d));
    proc.stdout.on('data', (d) => {
      outSink.push(d);
      if (done) return;
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      const first = buf.slice(0, nl).replace(/\r$/, '');
      const m = /^listening on http:\/\/(\[[0-9A-Fa-f:.]+\]|[^\s:/]+):(\d+)$/.exec(first);
      if (!m || !(Number(m[2]) > 0 && Number(m[2]) < 65536)) {
        finish(new Error(`first stdout line is not "listening on http://ADDR:PORT": ` +
          `${JSON.stringify(first)}; stderr: ${errSink.join('')}`));
      } else {
        finish(null, Number(m[2]));
      }
    });
    proc.on('error', (e) => finish(new Error(`cannot start ${binary}: ${e.message}`)));
    proc.on('exit', (code, signal) => finish(new Error(
      `server exited (code ${code}, signal ${signal}) before listening; ` +
      `stderr: ${errSink.join('')}`)));
  });
}

function mainServer() {
  return child;
}

// ---------------------------------------------------------------------------
// Checks: each one is a test case

const results = { passed: 0, failed: 0 };

async function check(name, fn) {
  try {
    await fn();
    results.passed++;
    console.log(`ok   ${name}`);
  } catch (e) {
    results.failed++;
    console.log(`FAIL ${name}`);
    // The message, and where in the test script it was thrown (no SDK frames).
    const msg = (e && e.message !== undefined) ? `${e.name || 'Error'}: ${e.message}` : String(e);
    console.log(msg.split('\n').filter((l) => l.trim()).map((l) => '     ' + l).join('\n'));
    const here = ((e && e.stack) || '').split('\n').find((l) => l.includes(require.main.filename));
    if (here && e.name !== 'NotRun') console.log('     ' + here.trim());
    if (e && e.status !== undefined) {
      console.log(`     (status ${e.status}, code ${e.code}, message ${JSON.stringify(e.message)})`);
    }
    if (child && child.exitCode !== null) {
      console.log(`     server has exited (code ${child.exitCode}); stderr: ${childErr.join('')}`);
    }
  }
}

function needs(value, what) {
  if (value === undefined || value === null) {
    const e = new Error(`${what} failed earlier`);
    e.name = 'NotRun';
    throw e;
  }
  return value;
}

function assertDate(d, what) {
  assert.ok(d instanceof Date, `${what} is not a Date: ${JSON.stringify(d)}`);
  assert.ok(!Number.isNaN(d.getTime()), `${what} is an invalid Date`);
}

function assertRecentWholeSecond(d, what) {
  assertDate(d, what);
  assert.equal(d.getUTCMilliseconds(), 0, `${what} has a fraction of a second`);
  const age = Date.now() - d.getTime();
  assert.ok(age > -5000 && age < 300000, `${what} ${d.toISOString()} is not "now"`);
}

async function assertRestError(promise, status, code, message) {
  let err = null;
  try {
    await promise;
  } catch (e) {
    err = e;
  }
  assert.ok(err, `resolved, expected RestException ${status}/${code}`);
  assert.ok(err instanceof sdk.RestException,
    `not a RestException: ${err && err.constructor && err.constructor.name}: ${err}`);
  assert.equal(err.status, status, `status (message ${JSON.stringify(err.message)})`);
  assert.equal(err.code, code, 'code');
  if (message !== undefined) assert.equal(err.message, message, 'message');
  assert.equal(err.moreInfo, `https://www.twilio.com/docs/errors/${code}`, 'moreInfo');
  return err;
}

function notFound(p) {
  return `The requested resource ${p} was not found`;
}

// The last line, the exit status; and the same for an unexpected throw.
function finish() {
  killChild();
  console.log(`${results.passed} passed, ${results.failed} failed`);
  process.exit(results.failed === 0 ? 0 : 1);
}

function run(main) {
  main().then(finish, (e) => {
    console.log(`FAIL unexpected error: ${e && e.stack ? e.stack : e}`);
    console.log(`${results.passed} passed, ${results.failed + 1} failed`);
    killChild();
    process.exit(1);
  });
}

module.exports = {
  SDK_VERSION, IN_CI, ALICE, ALICE_TOKEN, ALICE_KEY, ALICE_KEY_SECRET, BOB, BOB_TOKEN,
  setup, startServer, mainServer, killProc, killChild, childOut, childErr,
  results, check, needs, assertDate, assertRecentWholeSecond, assertRestError, notFound, run,
};
