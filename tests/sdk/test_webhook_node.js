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
const http = require('node:http');

const {
  SDK_VERSION, ALICE, ALICE_TOKEN, ALICE_KEY, ALICE_KEY_SECRET, BOB, BOB_TOKEN,
  setup, startServer, mainServer, childErr,
  check, needs, assertRecentWholeSecond, assertRestError, notFound, run,
} = require('./harness');

const DELIVERY_TIMEOUT_MS = 5000;
const MSG_ID_RE = /^aia_msg_[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const FDBK_ID_RE = /^aia_fdbk_[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const UUID4_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const WEBHOOK_FIELDS = ['Aborted', 'AccountSid', 'AssistantSid', 'Body', 'Flagged',
  'Identity', 'SessionId', 'Status'];

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

async function main() {
  const { binary, twilio } = setup('test_webhook_node.js');

  let port;
  let receiver;
  try {
    ({ port } = await startServer(binary, ['--quiet']));
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
    assert.equal(mainServer().exitCode, null, `server exited; stderr: ${childErr.join('')}`);
    assert.ok(!childErr.join('').includes('webhook delivery'), childErr.join(''));
  });

  receiver.close();
}

run(main);
