#!/usr/bin/env node
// SendMessage, Sessions, Messages, Feedbacks and the signed webhook delivery
// of assistants-mock, driven by the real Twilio Node SDK (twilio 5.13.1).
//
// Starts the binary on a free port (--port 0, environment without
// ASSISTANTS_MOCK_* and TWILIO_*), like test_sdk_node.js, and an HTTP server
// in this process that receives the webhook deliveries and checks them with
// the SDK's own `twilio.validateRequest(authToken, signature, url, params)`
// (and `validateIncomingRequest`, as an Express app would).
//
//   node tests/sdk/test_webhook_node.js --binary build/assistants-mock
//
// Needs `npm ci` in tests/sdk. Last line "N passed, N failed"; exit 0 all
// passed, 1 some failed, 77 skipped (SDK or binary missing; with CI=true a
// missing SDK is a failure).
//
// SPDX-License-Identifier: MIT
'use strict';

const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');

const SDK_VERSION = '5.13.1';
const READY_TIMEOUT_MS = 10000;
const DELIVERY_TIMEOUT_MS = 5000;
const IN_CI = process.env.CI === 'true';

const ALICE = 'ACa11ce000000000000000000000000001';
const ALICE_TOKEN = 'alice-auth-token';
const ALICE_KEY = 'SKa11ce000000000000000000000000001';
const ALICE_KEY_SECRET = 'alice-api-key-secret';
const BOB = 'ACb0b00000000000000000000000000002';
const BOB_TOKEN = 'bob-auth-token';
const MSG_ID_RE = /^aia_msg_[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const FDBK_ID_RE = /^aia_fdbk_[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const UUID4_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const WEBHOOK_FIELDS = ['Aborted', 'AccountSid', 'AssistantSid', 'Body', 'Flagged',
  'Identity', 'SessionId', 'Status'];

// ---------------------------------------------------------------------------
// Arguments, SDK

function parseArgs(argv) {
  let binary = null;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--binary' && i + 1 < argv.length) binary = argv[++i];
    else if (argv[i].startsWith('--binary=')) binary = argv[i].slice(9);
    else if (argv[i] === '-h' || argv[i] === '--help') {
      console.log('usage: node test_webhook_node.js [--binary PATH]');
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
  return require(path.join(__dirname, 'node_modules', 'twilio'));
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

function killChild() {
  if (child && child.exitCode === null && child.signalCode === null) {
    try { child.kill('SIGKILL'); } catch (e) { /* already gone */ }
  }
}
process.on('exit', killChild);
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
  process.on(sig, () => {
    console.log(`interrupted by ${sig}`);
    killChild();
    process.exit(1);
  });
}

function startServer(binary) {
  return new Promise((resolve, reject) => {
    child = spawn(binary, ['--port', '0', '--quiet'], {
      env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'],
    });
    let buf = '';
    let done = false;
    const finish = (err, port) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) { killChild(); reject(err); } else resolve(port);
    };
    const timer = setTimeout(() => finish(new Error(
      `no "listening on" line within ${READY_TIMEOUT_MS / 1000} s; ` +
      `stderr: ${childErr.join('')}`)), READY_TIMEOUT_MS);
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    // Both pipes are drained for the whole run so the child never blocks.
    child.stderr.on('data', (d) => childErr.push(d));
    child.stdout.on('data', (d) => {
      childOut.push(d);
      if (done) return;
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      const first = buf.slice(0, nl).replace(/\r$/, '');
      const m = /^listening on http:\/\/(\[[0-9A-Fa-f:.]+\]|[^\s:/]+):(\d+)$/.exec(first);
      if (!m || !(Number(m[2]) > 0 && Number(m[2]) < 65536)) {
        finish(new Error(`first stdout line is not "listening on http://ADDR:PORT": ` +
          `${JSON.stringify(first)}; stderr: ${childErr.join('')}`));
      } else {
        finish(null, Number(m[2]));
      }
    });
    child.on('error', (e) => finish(new Error(`cannot start ${binary}: ${e.message}`)));
    child.on('exit', (code, signal) => finish(new Error(
      `server exited (code ${code}, signal ${signal}) before listening; ` +
      `stderr: ${childErr.join('')}`)));
  });
}

// ---------------------------------------------------------------------------
// The webhook receiver: records every request, answers 204.

const deliveries = [];
const waiters = [];

function startReceiver() {
  return new Promise((resolve, reject) => {
    const srv = http.createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const entry = {
          method: req.method, url: req.url, headers: req.headers, raw,
          params: Object.fromEntries(new URLSearchParams(raw)),
          names: [...new URLSearchParams(raw).keys()],
        };
        deliveries.push(entry);
        res.writeHead(204, { Connection: 'close' });
        res.end();
        for (const w of waiters.splice(0)) w();
      });
    });
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => resolve(srv));
  });
}

// The first delivery to pathAndQuery (as the receiver saw it), waiting.
async function deliveryTo(pathAndQuery, timeoutMs = DELIVERY_TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const d = deliveries.find((x) => x.url === pathAndQuery);
    if (d) return d;
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new Error(`no delivery to ${pathAndQuery} within ${timeoutMs} ms; ` +
        `got ${JSON.stringify(deliveries.map((x) => x.url))}; server stderr: ${childErr.join('')}`);
    }
    await new Promise((resolve) => {
      const t = setTimeout(resolve, Math.min(left, 200));
      waiters.push(() => { clearTimeout(t); resolve(); });
    });
  }
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
    const msg = (e && e.message !== undefined) ? `${e.name || 'Error'}: ${e.message}` : String(e);
    console.log(msg.split('\n').filter((l) => l.trim()).map((l) => '     ' + l).join('\n'));
    const here = ((e && e.stack) || '').split('\n').find((l) => l.includes(__filename));
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

function assertRecentWholeSecond(d, what) {
  assert.ok(d instanceof Date, `${what} is not a Date: ${JSON.stringify(d)}`);
  assert.ok(!Number.isNaN(d.getTime()), `${what} is an invalid Date`);
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
  assert.ok(err instanceof RestException,
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

// ---------------------------------------------------------------------------

let twilio;
let RestException;

async function main() {
  const binary = path.resolve(parseArgs(process.argv.slice(2)));
  try {
    fs.accessSync(binary, fs.constants.X_OK);
  } catch (e) {
    console.log(`SKIP: server binary not found: ${binary}`);
    process.exit(77);
  }
  for (const k of Object.keys(process.env)) {
    if (k.startsWith('TWILIO_')) delete process.env[k];
  }
  twilio = loadSdk();
  RestException = twilio.RestException;

  let port;
  let receiver;
  try {
    port = await startServer(binary);
    receiver = await startReceiver();
  } catch (e) {
    console.log(`FAIL server start: ${e.message}`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
  const base = `http://127.0.0.1:${port}`;
  const hookBase = `http://127.0.0.1:${receiver.address().port}`;
  console.log(`server ${binary} on ${base}; receiver on ${hookBase}; twilio-node ${SDK_VERSION}`);

  const makeClient = (user, password, opts) => {
    const c = twilio(user, password, opts);
    c.assistants.baseUrl = base;
    return c;
  };
  const alice = makeClient(ALICE, ALICE_TOKEN);
  const V1 = alice.assistants.v1;
  const bob = makeClient(BOB, BOB_TOKEN);

  let aid = null;
  let bobAid = null;
  let plain = null; // the session of the plain sends
  let plainMessages = null;
  let hooked = null; // the webhook session
  let feedback = null;
  const tag = `sdk-${process.pid}`;

  await check('an assistant to talk to (create)', async () => {
    const a = await V1.assistants.create({ name: 'Webhook SDK test' });
    aid = a.id;
    bobAid = (await bob.assistants.v1.assistants.list({ limit: 1 }))[0].id;
  });

  await check('messages.create without webhook: Success, Echo body, the given session', async () => {
    const m = await V1.assistants(needs(aid, 'create')).messages.create({
      identity: 'email:test@api.com', body: 'Hello ✓ "there"', session_id: `${tag}-plain`,
    });
    assert.equal(m.status, 'Success');
    assert.equal(m.body, 'Echo: Hello ✓ "there"');
    assert.equal(m.sessionId, `${tag}-plain`);
    assert.equal(m.accountSid, ALICE);
    assert.equal(m.flagged, false);
    assert.equal(m.aborted, false);
    assert.equal(m.error, null);
    plain = m.sessionId;
  });

  await check('messages.createWithHttpInfo: 200; a second message reuses the session', async () => {
    const r = await V1.assistants(needs(aid, 'create')).messages.createWithHttpInfo({
      identity: 'phone:+15550002', body: 'second', session_id: needs(plain, 'send'),
    });
    assert.equal(r.statusCode, 200);
    assert.equal(r.body.status, 'Success');
    assert.equal(r.body.sessionId, plain);
    assert.equal(r.body.body, 'Echo: second');
  });

  await check('messages.create without session_id: a new UUIDv4 session', async () => {
    const m = await V1.assistants(needs(aid, 'create')).messages.create({ identity: 'u', body: 'x' });
    assert.equal(m.status, 'Success');
    assert.match(m.sessionId, UUID4_RE);
  });

  await check('sessions(id).fetch(): the session of the first sender', async () => {
    const s = await V1.sessions(needs(plain, 'send')).fetch();
    assert.equal(s.id, plain);
    assert.equal(s.accountSid, ALICE);
    assert.equal(s.assistantId, aid);
    assert.equal(s.verified, false);
    assert.equal(s.identity, 'email:test@api.com');
    assertRecentWholeSecond(s.dateCreated, 'dateCreated');
    assertRecentWholeSecond(s.dateUpdated, 'dateUpdated');
    assert.ok(s.dateUpdated.getTime() >= s.dateCreated.getTime());
  });

  await check('sessions(id).messages.list(): user, reply, user, reply', async () => {
    const items = await V1.sessions(needs(plain, 'send')).messages.list();
    assert.deepEqual(items.map((m) => [m.role, m.content, m.identity]), [
      ['user', { text: 'Hello ✓ "there"' }, 'email:test@api.com'],
      ['assistant', { text: 'Echo: Hello ✓ "there"' }, 'email:test@api.com'],
      ['user', { text: 'second' }, 'phone:+15550002'],
      ['assistant', { text: 'Echo: second' }, 'phone:+15550002'],
    ]);
    assert.deepEqual(items.map((m) => m.meta), [
      {}, { flagged: false, aborted: false }, {}, { flagged: false, aborted: false }]);
    for (const m of items) {
      assert.match(m.id, MSG_ID_RE);
      assert.equal(m.accountSid, ALICE);
      assert.equal(m.assistantId, aid);
      assert.equal(m.sessionId, plain);
      assertRecentWholeSecond(m.dateCreated, 'dateCreated');
    }
    const ids = items.map((m) => m.id);
    assert.deepEqual([...ids].sort(), ids, 'message ids not increasing');
    const paged = await V1.sessions(plain).messages.list({ pageSize: 3 });
    assert.deepEqual(paged.map((m) => m.id), ids, 'pageSize 3 walk differs');
    plainMessages = items;
  });

  const hookPath = `/hooks/${tag}?src=sdk&x=a%20b`;
  const hookUrl = hookBase + hookPath;
  const hookBody = 'Tom & Jerry = 100% ünï + more';

  await check('messages.create with webhook: Queued, webhook:<name>, no body yet', async () => {
    const r = await V1.assistants(needs(aid, 'create')).messages.createWithHttpInfo({
      identity: 'whatsapp:+15550003', body: hookBody, session_id: `${tag}-hook`, webhook: hookUrl,
    });
    assert.equal(r.statusCode, 202);
    const m = r.body;
    assert.equal(m.status, 'Queued');
    assert.equal(m.sessionId, `webhook:${tag}-hook`);
    assert.equal(m.accountSid, ALICE);
    assert.equal(m.body, null);
    assert.equal(m.error, null);
    assert.equal(m.flagged, false);
    assert.equal(m.aborted, false);
    hooked = m.sessionId;
  });

  await check('the delivery: form fields, Content-Type, User-Agent', async () => {
    needs(hooked, 'webhook send');
    const d = await deliveryTo(hookPath);
    assert.equal(d.method, 'POST');
    assert.equal(d.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.equal(d.headers['user-agent'], 'TwilioProxy/1.1');
    assert.deepEqual([...d.names].sort(), WEBHOOK_FIELDS);
    assert.deepEqual(d.params, {
      AccountSid: ALICE, AssistantSid: aid, Aborted: 'false', Body: `Echo: ${hookBody}`,
      Flagged: 'false', Identity: 'whatsapp:+15550003', SessionId: hooked, Status: 'Success',
    });
  });

  await check('twilio.validateRequest(authToken, signature, url, params) is true; false with a wrong token', async () => {
    needs(hooked, 'webhook send');
    const d = await deliveryTo(hookPath);
    const sig = d.headers['x-twilio-signature'];
    assert.ok(sig, `no X-Twilio-Signature: ${JSON.stringify(d.headers)}`);
    assert.equal(twilio.validateRequest(ALICE_TOKEN, sig, hookUrl, d.params), true);
    assert.equal(twilio.validateRequest('not-alice-auth-token', sig, hookUrl, d.params), false);
    assert.equal(twilio.validateRequest(BOB_TOKEN, sig, hookUrl, d.params), false);
    const tampered = Object.assign({}, d.params, { Body: 'Echo: something else' });
    assert.equal(twilio.validateRequest(ALICE_TOKEN, sig, hookUrl, tampered), false);
    assert.equal(twilio.validateRequest(ALICE_TOKEN, sig, `${hookBase}/other`, d.params), false);
  });

  await check('validateIncomingRequest (what an Express app calls) accepts the delivery', async () => {
    needs(hooked, 'webhook send');
    const d = await deliveryTo(hookPath);
    const req = {
      protocol: 'http', headers: d.headers, originalUrl: d.url, body: d.params,
      header: (n) => d.headers[n.toLowerCase()],
    };
    assert.equal(twilio.validateIncomingRequest(req, ALICE_TOKEN), true);
    assert.equal(twilio.validateIncomingRequest(req, BOB_TOKEN), false);
  });

  await check("bob's delivery (plain URL, no session_id) validates with bob's token only", async () => {
    const p = `/hooks/${tag}-bob`;
    const m = await bob.assistants.v1.assistants(needs(bobAid, 'bob list')).messages.create({
      identity: 'bob', body: 'hi', webhook: hookBase + p,
    });
    assert.equal(m.status, 'Queued');
    assert.ok(m.sessionId.startsWith('webhook:'), m.sessionId);
    assert.match(m.sessionId.slice('webhook:'.length), UUID4_RE);
    const d = await deliveryTo(p);
    assert.equal(d.params.AccountSid, BOB);
    assert.equal(d.params.SessionId, m.sessionId);
    const sig = d.headers['x-twilio-signature'];
    assert.equal(twilio.validateRequest(BOB_TOKEN, sig, hookBase + p, d.params), true);
    assert.equal(twilio.validateRequest(ALICE_TOKEN, sig, hookBase + p, d.params), false);
  });

  await check("API-key client: the delivery is signed with the account's auth token", async () => {
    const p = `/hooks/${tag}-key`;
    const keyClient = makeClient(ALICE_KEY, ALICE_KEY_SECRET, { accountSid: ALICE });
    const m = await keyClient.assistants.v1.assistants(needs(aid, 'create')).messages.create({
      identity: 'k', body: 'via key', session_id: `${tag}-key`, webhook: hookBase + p,
    });
    assert.equal(m.status, 'Queued');
    const d = await deliveryTo(p);
    const sig = d.headers['x-twilio-signature'];
    assert.equal(twilio.validateRequest(ALICE_TOKEN, sig, hookBase + p, d.params), true);
    assert.equal(twilio.validateRequest(ALICE_KEY_SECRET, sig, hookBase + p, d.params), false);
  });

  await check('sessions(webhook:<name>).fetch() and sessions(<bare name>).fetch()', async () => {
    const full = await V1.sessions(needs(hooked, 'webhook send')).fetch();
    assert.equal(full.id, hooked);
    assert.equal(full.identity, 'whatsapp:+15550003');
    assert.equal(full.assistantId, aid);
    const bare = await V1.sessions(`${tag}-hook`).fetch();
    assert.equal(bare.id, hooked);
    assert.equal(bare.dateCreated.getTime(), full.dateCreated.getTime());
  });

  await check('the webhook session history holds the reply too', async () => {
    const items = await V1.sessions(needs(hooked, 'webhook send')).messages.list();
    assert.deepEqual(items.map((m) => [m.role, m.content.text]),
      [['user', hookBody], ['assistant', `Echo: ${hookBody}`]]);
    const bare = await V1.sessions(`${tag}-hook`).messages.list();
    assert.deepEqual(bare.map((m) => m.id), items.map((m) => m.id));
  });

  await check('sessions.list(): both sessions, only alice\'s', async () => {
    const items = await V1.sessions.list();
    const ids = items.map((s) => s.id);
    assert.ok(ids.includes(needs(plain, 'send')), 'plain session not listed');
    assert.ok(ids.includes(needs(hooked, 'webhook send')), 'webhook session not listed');
    for (const s of items) assert.equal(s.accountSid, ALICE);
    const bobs = await bob.assistants.v1.sessions.list();
    assert.ok(!bobs.some((s) => s.id === plain || s.id === hooked), "bob sees alice's sessions");
  });

  await check('feedbacks.create({session_id, message_id, score, text}) -> the feedback', async () => {
    const msgs = needs(plainMessages, 'messages.list');
    const f = await V1.assistants(aid).feedbacks.create({
      session_id: plain, message_id: msgs[1].id, score: 0.75, text: 'Good answer',
    });
    assert.match(f.id, FDBK_ID_RE);
    assert.equal(f.assistantId, aid);
    assert.equal(f.accountSid, ALICE);
    assert.equal(f.userSid, null);
    assert.equal(f.messageId, msgs[1].id);
    assert.equal(f.score, 0.75);
    assert.equal(f.sessionId, plain);
    assert.equal(f.text, 'Good answer');
    assertRecentWholeSecond(f.dateCreated, 'dateCreated');
    assertRecentWholeSecond(f.dateUpdated, 'dateUpdated');
    feedback = f;
  });

  let bareFeedback = null;
  await check('feedbacks.create({session_id}) only: optionals null; a bare webhook name resolves', async () => {
    const f = await V1.assistants(needs(aid, 'create')).feedbacks.create({ session_id: `${tag}-hook` });
    assert.match(f.id, FDBK_ID_RE);
    assert.equal(f.sessionId, needs(hooked, 'webhook send'));
    assert.equal(f.messageId, null);
    assert.equal(f.score, null);
    assert.equal(f.text, null);
    assert.equal(f.userSid, null);
    bareFeedback = f;
  });

  await check('feedbacks.list(): both, in creation order', async () => {
    const items = await V1.assistants(needs(aid, 'create')).feedbacks.list();
    assert.deepEqual(items.map((f) => f.id),
      [needs(feedback, 'feedback').id, needs(bareFeedback, 'bare feedback').id]);
    assert.equal(items[0].score, 0.75);
    assert.equal(items[0].text, 'Good answer');
    assert.equal(items[1].score, null);
    const paged = await V1.assistants(aid).feedbacks.list({ pageSize: 1 });
    assert.deepEqual(paged.map((f) => f.id), items.map((f) => f.id));
  });

  await check('errors: missing identity, bad mode, bad webhook -> RestException 400 20001', async () => {
    const M = V1.assistants(needs(aid, 'create')).messages;
    await assertRestError(M.create({ body: 'x' }), 400, 20001, 'Missing required parameter identity');
    await assertRestError(M.create({ identity: 'u' }), 400, 20001, 'Missing required parameter body');
    await assertRestError(M.create({ identity: 'u', body: 'x', mode: 'sms' }), 400, 20001,
      'Invalid parameter mode');
    await assertRestError(M.create({ identity: 'u', body: 'x', webhook: 'ftp://example.com/' }),
      400, 20001, 'Invalid parameter webhook');
    await assertRestError(M.create({ identity: 'u', body: 'x', session_id: '' }), 400, 20001,
      'Invalid parameter session_id');
  });

  await check('errors: feedback score out of range, message of another session, unknown session', async () => {
    const F = V1.assistants(needs(aid, 'create')).feedbacks;
    await assertRestError(F.create({ session_id: needs(plain, 'send'), score: 1.5 }), 400, 20001,
      'Invalid parameter score');
    await assertRestError(F.create({ session_id: plain, message_id: 'msg_1' }), 400, 20001,
      'Invalid parameter message_id');
    await assertRestError(F.create({}), 400, 20001, 'Missing required parameter session_id');
    const other = (await V1.sessions(needs(hooked, 'webhook send')).messages.list())[0].id;
    await assertRestError(F.create({ session_id: plain, message_id: other }), 404, 20404,
      notFound(`/v1/Messages/${other}`));
    await assertRestError(F.create({ session_id: `${tag}-nope` }), 404, 20404,
      notFound(`/v1/Sessions/${tag}-nope`));
  });

  await check('errors: unknown session and another account -> 404 20404', async () => {
    await assertRestError(V1.sessions(`${tag}-nope`).fetch(), 404, 20404,
      notFound(`/v1/Sessions/${tag}-nope`));
    await assertRestError(V1.sessions(`${tag}-nope`).messages.list(), 404, 20404);
    const B = bob.assistants.v1;
    await assertRestError(B.sessions(needs(plain, 'send')).fetch(), 404, 20404,
      notFound(`/v1/Sessions/${plain}`));
    await assertRestError(B.assistants(needs(aid, 'create')).messages.create({ identity: 'b', body: 'x' }),
      404, 20404, notFound(`/v1/Assistants/${aid}`));
    await assertRestError(B.assistants(aid).feedbacks.list(), 404, 20404,
      notFound(`/v1/Assistants/${aid}`));
  });

  await check('server still running, no delivery failure logged', async () => {
    assert.equal(child.exitCode, null, `server exited; stderr: ${childErr.join('')}`);
    assert.ok(!childErr.join('').includes('webhook delivery'), childErr.join(''));
  });

  killChild();
  receiver.close();
  console.log(`${results.passed} passed, ${results.failed} failed`);
  process.exit(results.failed === 0 ? 0 : 1);
}

main().catch((e) => {
  console.log(`FAIL unexpected error: ${e && e.stack ? e.stack : e}`);
  console.log(`${results.passed} passed, ${results.failed + 1} failed`);
  killChild();
  process.exit(1);
});
