#!/usr/bin/env node
// assistants-mock driven by the real Twilio Node SDK (twilio 5.13.1, the last
// 5.x with the Assistants domain; 6.0.x is wire-identical, >= 6.1 has none).
//
// Starts the binary itself on a free port (--port 0, environment without
// ASSISTANTS_MOCK_* and TWILIO_*), waits up to 10 s for its first stdout line
// "listening on http://ADDR:PORT", points the SDK at it with
// `client.assistants.baseUrl`, and uses the SDK the way a user's integration
// test written against Twilio would: plain asserts on SDK results only.
//
//   node tests/sdk/test_sdk_node.js --binary build/assistants-mock
//
// Needs `npm ci` in tests/sdk (.ci/deps.sh --test does it). Last line
// "N passed, N failed"; exit 0 all passed, 1 some failed, 77 skipped (SDK or
// binary missing; with CI=true a missing SDK is a failure).
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
const IN_CI = process.env.CI === 'true';

const ALICE = 'ACa11ce000000000000000000000000001';
const ALICE_TOKEN = 'alice-auth-token';
const ALICE_KEY = 'SKa11ce000000000000000000000000001';
const ALICE_KEY_SECRET = 'alice-api-key-secret';
const BOB = 'ACb0b00000000000000000000000000002';
const BOB_TOKEN = 'bob-auth-token';
const ALICE_SEEDED = 130;
const BOB_SEEDED = 12;
const DEFAULT_MODEL = 'gpt-4.1';
const ID_RE = /^aia_asst_[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

// ---------------------------------------------------------------------------
// Arguments, SDK

function parseArgs(argv) {
  let binary = null;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--binary' && i + 1 < argv.length) binary = argv[++i];
    else if (argv[i].startsWith('--binary=')) binary = argv[i].slice(9);
    else if (argv[i] === '-h' || argv[i] === '--help') {
      console.log('usage: node test_sdk_node.js [--binary PATH]');
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

// Servers started besides the main one (part 2: --attach-returns-json).
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
    // The message, and where in this file it was thrown (no SDK frames).
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
  assert.ok(err instanceof RestException,
    `not a RestException: ${err && err.constructor && err.constructor.name}: ${err}`);
  assert.equal(err.status, status, `status (message ${JSON.stringify(err.message)})`);
  assert.equal(err.code, code, 'code');
  if (message !== undefined) assert.equal(err.message, message, 'message');
  assert.equal(err.moreInfo, `https://www.twilio.com/docs/errors/${code}`, 'moreInfo');
  return err;
}

// A plain-HTTP request to the mock's test-control API (/__admin/, no
// credentials: global scope): {status, text, json}.
function adminRequest(port, method, urlPath, body) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? null : Buffer.from(JSON.stringify(body));
    const headers = data ? { 'Content-Type': 'application/json', 'Content-Length': data.length } : {};
    const req = http.request({ host: '127.0.0.1', port, method, path: urlPath, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json = null;
        try {
          json = text ? JSON.parse(text) : null;
        } catch (e) {
          reject(new Error(`${method} ${urlPath}: not JSON: ${text.slice(0, 200)}`));
          return;
        }
        resolve({ status: res.statusCode, text, json });
      });
    });
    req.on('error', reject);
    req.setTimeout(10000, () => req.destroy(new Error(`${method} ${urlPath}: timeout`)));
    req.end(data || undefined);
  });
}

async function adminOk(port, method, urlPath, status, body) {
  const r = await adminRequest(port, method, urlPath, body);
  assert.equal(r.status, status, `${method} ${urlPath}: ${r.text}`);
  return r;
}

function collectEach(list, opts) {
  return new Promise((resolve, reject) => {
    const seen = [];
    list.each(Object.assign({}, opts, {
      callback: (item) => { seen.push(item); },
      done: (err) => (err ? reject(err) : resolve(seen)),
    }));
  });
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
  // The SDK itself reads TWILIO_REGION/TWILIO_EDGE (they would rewrite the
  // 127.0.0.1 host name), TWILIO_LOG_LEVEL, TWILIO_ACCOUNT_SID...: none of
  // the caller's values may reach this test.
  for (const k of Object.keys(process.env)) {
    if (k.startsWith('TWILIO_')) delete process.env[k];
  }
  twilio = loadSdk();
  RestException = twilio.RestException;

  let port;
  try {
    port = (await startServer(binary)).port;
  } catch (e) {
    console.log(`FAIL server start: ${e.message}`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
  const base = `http://127.0.0.1:${port}`;
  console.log(`server ${binary} on ${base}; twilio-node ${SDK_VERSION}`);

  const makeClient = (user, password, opts) => {
    const c = twilio(user, password, opts);
    c.assistants.baseUrl = base;
    return c;
  };
  const alice = makeClient(ALICE, ALICE_TOKEN);
  const A = alice.assistants.v1.assistants;

  const params = {
    name: 'SDK test assistant',
    owner: 'QA team',
    personality_prompt: 'You are terse. Ünïcode ✓ "quotes" \\ slashes.',
    customer_ai: { perception_engine_enabled: true, personalization_engine_enabled: false },
  };
  const customerAi = { perception_engine_enabled: true, personalization_engine_enabled: false };
  let created = null;
  let fetched = null;
  let renamed = null;
  let fullList = null;

  await check('create: snake_case params -> AssistantInstance with the spec fields', async () => {
    const a = await A.create(params);
    assert.match(a.id, ID_RE);
    assert.equal(a.accountSid, ALICE);
    assert.equal(a.name, params.name);
    assert.equal(a.owner, params.owner);
    assert.equal(a.personalityPrompt, params.personality_prompt);
    assert.deepEqual(a.customerAi, customerAi);
    assert.equal(a.model, DEFAULT_MODEL);
    assert.equal(a.url, `${base}/v1/Assistants/${a.id}`);
    assertRecentWholeSecond(a.dateCreated, 'dateCreated');
    assertRecentWholeSecond(a.dateUpdated, 'dateUpdated');
    assert.equal(a.dateUpdated.getTime(), a.dateCreated.getTime());
    // The create answer is the plain assistant: no tools/knowledge keys, which
    // the SDK turns into null.
    assert.equal(a.tools, null);
    assert.equal(a.knowledge, null);
    created = a;
  });

  await check('fetch: same fields plus tools [] and knowledge []', async () => {
    const id = needs(created, 'create').id;
    const a = await A(id).fetch();
    assert.equal(a.id, id);
    assert.equal(a.accountSid, ALICE);
    assert.equal(a.name, params.name);
    assert.equal(a.owner, params.owner);
    assert.equal(a.personalityPrompt, params.personality_prompt);
    assert.deepEqual(a.customerAi, customerAi);
    assert.equal(a.model, DEFAULT_MODEL);
    assert.equal(a.url, `${base}/v1/Assistants/${id}`);
    assertDate(a.dateCreated, 'dateCreated');
    assertDate(a.dateUpdated, 'dateUpdated');
    assert.equal(a.dateCreated.getTime(), created.dateCreated.getTime());
    assert.equal(a.dateUpdated.getTime(), created.dateUpdated.getTime());
    assert.deepEqual(a.tools, []);
    assert.deepEqual(a.knowledge, []);
    fetched = a;
  });

  await check('instance.fetch() on the created instance', async () => {
    const a = await needs(created, 'create').fetch();
    assert.equal(a.id, created.id);
    assert.equal(a.name, params.name);
    assert.deepEqual(a.tools, []);
  });

  await check('update({name}): name changes, the rest stays', async () => {
    const id = needs(created, 'create').id;
    const a = await A(id).update({ name: 'Renamed' });
    assert.equal(a.id, id);
    assert.equal(a.name, 'Renamed');
    assert.equal(a.owner, params.owner);
    assert.equal(a.personalityPrompt, params.personality_prompt);
    assert.deepEqual(a.customerAi, customerAi);
    assert.equal(a.model, DEFAULT_MODEL);
    assert.equal(a.accountSid, ALICE);
    assert.equal(a.url, `${base}/v1/Assistants/${id}`);
    assertDate(a.dateCreated, 'dateCreated');
    assertRecentWholeSecond(a.dateUpdated, 'dateUpdated');
    assert.equal(a.dateCreated.getTime(), created.dateCreated.getTime());
    assert.ok(a.dateUpdated.getTime() >= created.dateUpdated.getTime(), 'dateUpdated went back');
    assert.equal(a.tools, null);
    assert.equal(a.knowledge, null);
    renamed = a;
  });

  await check('update() with no params: accepted, nothing changes but dateUpdated', async () => {
    const id = needs(renamed, 'update').id;
    const a = await A(id).update();
    assert.equal(a.id, id);
    assert.equal(a.name, 'Renamed');
    assert.equal(a.owner, params.owner);
    assert.equal(a.personalityPrompt, params.personality_prompt);
    assert.deepEqual(a.customerAi, customerAi);
    assert.equal(a.dateCreated.getTime(), created.dateCreated.getTime());
    assert.ok(a.dateUpdated.getTime() >= renamed.dateUpdated.getTime(), 'dateUpdated went back');
  });

  await check('fetch after update: the new name, owner unchanged', async () => {
    const a = await A(needs(renamed, 'update').id).fetch();
    assert.equal(a.name, 'Renamed');
    assert.equal(a.owner, params.owner);
    assert.deepEqual(a.customerAi, customerAi);
  });

  await check(`list(): all ${ALICE_SEEDED + 1} of alice's (3 pages of 50), the new one last, renamed`, async () => {
    const items = await A.list();
    assert.equal(items.length, ALICE_SEEDED + 1);
    const ids = items.map((a) => a.id);
    assert.equal(new Set(ids).size, ids.length, 'duplicate ids in the list');
    for (const a of items) {
      assert.equal(a.accountSid, ALICE, `${a.id} is not alice's`);
      assertDate(a.dateCreated, `${a.id} dateCreated`);
    }
    const ours = items.filter((a) => a.id === needs(created, 'create').id);
    assert.equal(ours.length, 1, 'created assistant not in the list');
    assert.equal(ours[0].name, 'Renamed');
    assert.equal(ours[0].owner, params.owner);
    assert.equal(ours[0].model, DEFAULT_MODEL);
    assert.equal(items[items.length - 1].id, created.id, 'a new assistant sorts last');
    for (let i = 1; i < items.length; i++) {
      assert.ok(items[i - 1].dateCreated.getTime() <= items[i].dateCreated.getTime(),
        `list not ordered by date_created at ${i}`);
    }
    fullList = items;
  });

  await check('page(): 50 + 50 + 31 via nextPage(), then none', async () => {
    const all = needs(fullList, 'list()');
    const sizes = [];
    const ids = [];
    let page = await A.page();
    while (page) {
      sizes.push(page.instances.length);
      ids.push(...page.instances.map((a) => a.id));
      page = await page.nextPage();
      assert.ok(sizes.length < 10, 'paging does not end');
    }
    assert.deepEqual(sizes, [50, 50, ALICE_SEEDED + 1 - 100]);
    assert.deepEqual(ids, all.map((a) => a.id));
  });

  await check('list({limit: 5}): the first 5', async () => {
    const all = needs(fullList, 'list()');
    const items = await A.list({ limit: 5 });
    assert.equal(items.length, 5);
    assert.deepEqual(items.map((a) => a.id), all.slice(0, 5).map((a) => a.id));
  });

  await check('list({pageSize: 7, limit: 20}): 20 across pages', async () => {
    const all = needs(fullList, 'list()');
    const items = await A.list({ pageSize: 7, limit: 20 });
    assert.deepEqual(items.map((a) => a.id), all.slice(0, 20).map((a) => a.id));
  });

  await check('each({pageSize: 40}): every assistant once, in list order', async () => {
    const all = needs(fullList, 'list()');
    const items = await collectEach(A, { pageSize: 40 });
    assert.deepEqual(items.map((a) => a.id), all.map((a) => a.id));
  });

  await check('API key credentials (SK + secret, accountSid) see the same assistants', async () => {
    const id = needs(created, 'create').id;
    const keyClient = makeClient(ALICE_KEY, ALICE_KEY_SECRET, { accountSid: ALICE });
    const K = keyClient.assistants.v1.assistants;
    const a = await K(id).fetch();
    assert.equal(a.id, id);
    assert.equal(a.name, 'Renamed');
    assert.equal(a.accountSid, ALICE);
    const items = await K.list();
    assert.equal(items.length, ALICE_SEEDED + 1);
    assert.ok(items.some((x) => x.id === id), 'created assistant not listed with the API key');
  });

  await check("bob cannot fetch alice's assistant (404 20404)", async () => {
    const id = needs(created, 'create').id;
    const bob = makeClient(BOB, BOB_TOKEN);
    await assertRestError(bob.assistants.v1.assistants(id).fetch(), 404, 20404,
      `The requested resource /v1/Assistants/${id} was not found`);
  });

  await check("bob cannot update or remove alice's assistant (404)", async () => {
    const id = needs(created, 'create').id;
    const B = makeClient(BOB, BOB_TOKEN).assistants.v1.assistants;
    await assertRestError(B(id).update({ name: 'stolen' }), 404, 20404);
    await assertRestError(B(id).remove(), 404, 20404);
    const a = await A(id).fetch();
    assert.equal(a.name, 'Renamed', "bob's update changed alice's assistant");
  });

  await check(`bob's list(): his ${BOB_SEEDED}, none of alice's`, async () => {
    const items = await makeClient(BOB, BOB_TOKEN).assistants.v1.assistants.list();
    assert.equal(items.length, BOB_SEEDED);
    for (const a of items) assert.equal(a.accountSid, BOB);
    if (created) assert.ok(!items.some((a) => a.id === created.id));
  });

  await check('wrong auth token: list() rejects with RestException 401 20003', async () => {
    const bad = makeClient(ALICE, 'not-alice-auth-token');
    await assertRestError(bad.assistants.v1.assistants.list(), 401, 20003);
  });

  await check('wrong auth token: create() and fetch() reject with 401 20003', async () => {
    const B = makeClient(ALICE, 'not-alice-auth-token').assistants.v1.assistants;
    await assertRestError(B.create({ name: 'x' }), 401, 20003);
    await assertRestError(B(needs(created, 'create').id).fetch(), 401, 20003);
  });

  await check('create without name: RestException 400 20001', async () => {
    await assertRestError(A.create({ owner: 'nobody' }), 400, 20001,
      'Missing required parameter name');
  });

  await check('create with customer_ai missing a boolean: RestException 400 20001', async () => {
    await assertRestError(
      A.create({ name: 'x', customer_ai: { personalization_engine_enabled: true } }),
      400, 20001, 'Missing required parameter customer_ai.perception_engine_enabled');
  });

  await check('camelCase params (as the TS types say) are ignored', async () => {
    const a = await A.create({
      name: 'Typed',
      personalityPrompt: 'camel prompt',
      customerAi: { perceptionEngineEnabled: true, personalizationEngineEnabled: true },
    });
    try {
      assert.match(a.id, ID_RE);
      assert.equal(a.name, 'Typed');
      assert.equal(a.personalityPrompt, '');
      assert.equal(a.owner, '');
      assert.deepEqual(a.customerAi,
        { perception_engine_enabled: false, personalization_engine_enabled: false });
      const f = await A(a.id).fetch();
      assert.equal(f.personalityPrompt, '');
      const u = await A(a.id).update({ personalityPrompt: 'still ignored' });
      assert.equal(u.personalityPrompt, '');
    } finally {
      await A(a.id).remove();
    }
  });

  await check('createWithHttpInfo -> 201; removeWithHttpInfo -> 204', async () => {
    const r = await A.createWithHttpInfo({ name: 'http info' });
    assert.equal(r.statusCode, 201);
    assert.match(r.body.id, ID_RE);
    assert.equal(r.body.name, 'http info');
    assert.ok(!created || r.body.id > created.id, 'ids not increasing in creation order');
    const d = await A(r.body.id).removeWithHttpInfo();
    assert.equal(d.statusCode, 204);
    assert.equal(d.body, true);
  });

  await check('remove() resolves true', async () => {
    const ok = await A(needs(created, 'create').id).remove();
    assert.equal(ok, true);
  });

  await check('fetch after remove: RestException 404 20404', async () => {
    const id = needs(created, 'create').id;
    await assertRestError(A(id).fetch(), 404, 20404,
      `The requested resource /v1/Assistants/${id} was not found`);
  });

  await check('remove and update after remove: 404 20404', async () => {
    const id = needs(created, 'create').id;
    await assertRestError(A(id).remove(), 404, 20404);
    await assertRestError(A(id).update({ name: 'ghost' }), 404, 20404);
  });

  await check(`list() after remove: the ${ALICE_SEEDED} seeded ones, without it`, async () => {
    const items = await A.list();
    assert.equal(items.length, ALICE_SEEDED);
    if (created) assert.ok(!items.some((a) => a.id === created.id), 'removed assistant still listed');
  });

  await check('unknown id: fetch rejects with 404 20404', async () => {
    const id = 'aia_asst_00000000-0000-7000-8000-000000000000';
    await assertRestError(A(id).fetch(), 404, 20404,
      `The requested resource /v1/Assistants/${id} was not found`);
  });

  // The retry story: a fault rule makes the next calls answer 429, as
  // Twilio does under load. twilio-node's autoRetry retries 429s with
  // exponential backoff (full jitter, at most 200 ms then 400 ms here).
  const RETRY_RULE = {
    method: 'GET', path: '/v1/Assistants', times: 2,
    error: { status: 429, retry_after: 0 },
  };
  const count429 = '/__admin/requests/count?path=/v1/Assistants&status=429';

  await check('autoRetry: two 429s from a fault rule, then list() succeeds; the journal shows both', async () => {
    await adminOk(port, 'POST', '/__admin/reset', 204);
    const rule = (await adminOk(port, 'POST', '/__admin/faults', 201, RETRY_RULE)).json;
    assert.match(rule.id, /^FR[0-9a-f]{32}$/);
    assert.deepEqual(
      { method: rule.method, path: rule.path, times: rule.times, hits: rule.hits },
      { method: 'GET', path: '/v1/Assistants', times: 2, hits: 0 });
    assert.deepEqual(rule.error,
      { status: 429, code: 20429, message: 'Too Many Requests', retry_after: 0 });
    const retrying = makeClient(ALICE, ALICE_TOKEN, { autoRetry: true, maxRetries: 3 });
    const items = await retrying.assistants.v1.assistants.list();
    assert.equal(items.length, ALICE_SEEDED);
    for (const a of items) assert.equal(a.accountSid, ALICE);
    assert.deepEqual((await adminOk(port, 'GET', count429, 200)).json, { count: 2 });
    assert.deepEqual(
      (await adminOk(port, 'GET', '/__admin/requests/count?path=/v1/Assistants&status=200', 200)).json,
      { count: 3 }, 'three pages of 50');
    const rules = (await adminOk(port, 'GET', '/__admin/faults', 200)).json.faults;
    assert.deepEqual(rules.map((f) => [f.id, f.hits]), [[rule.id, 2]]);
  });

  await check('no autoRetry: a 429 fault rule -> RestException 429 20429; the next call succeeds', async () => {
    await adminOk(port, 'POST', '/__admin/reset', 204);
    await adminOk(port, 'POST', '/__admin/faults', 201, Object.assign({}, RETRY_RULE, { times: 1 }));
    await assertRestError(A.list(), 429, 20429, 'Too Many Requests');
    assert.deepEqual((await adminOk(port, 'GET', count429, 200)).json, { count: 1 });
    const items = await A.list({ limit: 5 });
    assert.equal(items.length, 5);
    await adminOk(port, 'DELETE', '/__admin/faults', 204);
  });

  await check('server still running', async () => {
    assert.equal(child.exitCode, null, `server exited; stderr: ${childErr.join('')}`);
  });

  killChild();
  console.log(`${results.passed} passed, ${results.failed} failed`);
  process.exit(results.failed === 0 ? 0 : 1);
}

main().catch((e) => {
  console.log(`FAIL unexpected error: ${e && e.stack ? e.stack : e}`);
  console.log(`${results.passed} passed, ${results.failed + 1} failed`);
  killChild();
  process.exit(1);
});
