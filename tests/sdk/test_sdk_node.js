#!/usr/bin/env node
// assistants-mock driven by the real Twilio Node SDK (twilio 5.13.1, the last
// 5.x with the Assistants domain; 6.0.x is wire-identical, >= 6.1 has none).
//
// Starts the binary itself on a free port (--port 0, environment without
// ASSISTANTS_MOCK_* and TWILIO_*), waits up to 10 s for its first stdout line
// "listening on http://ADDR:PORT", points the SDK at it with
// `client.assistants.baseUrl`, and uses the SDK the way a user's integration
// test written against Twilio would: plain asserts on SDK results only.
// Part 1 covers assistants (CRUD, paging, accounts, retries); part 2 the rest
// of the API: tools, policies, knowledge (processing with the default rule of
// 2 polls, chunks), attachments (the spec's 204 makes the SDK's attach create()
// throw SyntaxError; a second server with --attach-returns-json resolves),
// SendMessage, sessions, messages and feedbacks, filtered paging, errors.
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
const http = require('node:http');

const {
  SDK_VERSION, ALICE, ALICE_TOKEN, ALICE_KEY, ALICE_KEY_SECRET, BOB, BOB_TOKEN,
  setup, startServer, mainServer, killProc, childErr,
  check, needs, assertDate, assertRecentWholeSecond, assertRestError, notFound, run,
} = require('./harness');

const ALICE_SEEDED = 130;
const BOB_SEEDED = 12;
const DEFAULT_MODEL = 'gpt-4.1';
const ID_RE = /^aia_asst_[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

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
// Part 2: the rest of the API (tools, policies, knowledge, attachments,
// messages, sessions, feedbacks), driven through the SDK only, the way a
// user's integration test would. State: the bundled fixtures after part 1's
// last reset (assistants; for alice also tools, knowledge, policies, a
// session with messages and a feedback: the unfiltered lists are compared
// against what the setup saw, the rest is filtered to what this part made).

const UUID7 = '[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}';
const idRe = (kind) => new RegExp(`^aia_${kind}_${UUID7}$`);
const TOOL_RE = idRe('tool');
const KNOW_RE = idRe('know');
const PLCY_RE = idRe('plcy');
const MSG_RE = idRe('msg');
const FDBK_RE = idRe('fdbk');
const UUID4_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const NO_TOOL = 'aia_tool_00000000-0000-7000-8000-000000000000';
const NO_KNOW = 'aia_know_00000000-0000-7000-8000-000000000000';
const NO_PLCY = 'aia_plcy_00000000-0000-7000-8000-000000000000';
const NO_ASST = 'aia_asst_00000000-0000-7000-8000-000000000000';
const NO_MSG = 'aia_msg_00000000-0000-7000-8000-000000000000';

// The spec's attach answer (204, no body) makes Version.create JSON.parse("").
async function assertEmptyJsonSyntaxError(promise) {
  let err = null;
  try {
    await promise;
  } catch (e) {
    err = e;
  }
  assert.ok(err, 'resolved; expected SyntaxError from the 204 without a body');
  assert.ok(err instanceof SyntaxError,
    `not a SyntaxError: ${err && err.constructor && err.constructor.name}: ${err && err.message}` +
    ` (status ${err && err.status}, code ${err && err.code})`);
  assert.equal(err.message, 'Unexpected end of JSON input');
}

// Every page of a list via page()/nextPage(): [{size, nextPageUrl}], ids.
async function walkPages(list, opts) {
  const pages = [];
  const ids = [];
  let page = await list.page(opts);
  while (page) {
    pages.push({ size: page.instances.length, nextPageUrl: page.nextPageUrl });
    ids.push(...page.instances.map((x) => x.id));
    page = await page.nextPage();
    assert.ok(pages.length < 20, 'paging does not end');
  }
  return { pages, ids };
}

// knowledgeStatus().fetch() until COMPLETED or FAILED: the statuses seen.
async function pollStatus(K, kid, max = 10) {
  const seen = [];
  for (let i = 0; i < max; i++) {
    const s = await K(kid).knowledgeStatus().fetch();
    seen.push(s.status);
    if (s.status === 'COMPLETED' || s.status === 'FAILED') return { seen, last: s };
  }
  assert.fail(`knowledge ${kid} not done after ${max} polls: ${seen.join(', ')}`);
  return null;
}

async function partTwo(ctx) {
  const { base, binary, makeClient } = ctx;
  const alice = makeClient(ALICE, ALICE_TOKEN);
  const V = alice.assistants.v1;
  const A = V.assistants;
  const T = V.tools;
  const K = V.knowledge;
  const P = V.policies;
  const S = V.sessions;
  const bobV = makeClient(BOB, BOB_TOKEN).assistants.v1;

  let asstX = null; // gets tools and knowledge
  let asstY = null; // removed later: its tools/knowledge survive
  let lookup = null; // tool with assistant_id X and a new policy
  let lookupPolicy = null;
  let plain = null; // tool without policy
  let plainPolicy = null;
  // What the bundled fixtures seeded for alice before this part made
  // anything: ids of her tools and policies, [id, status] of her knowledge.
  // The unfiltered lists show them first, then what this part made.
  let seeded = null;

  await check('part 2 setup: the seeded tools, knowledge, policies; two assistants created', async () => {
    seeded = {
      tools: (await T.list()).map((t) => t.id),
      knowledge: (await K.list()).map((k) => [k.id, k.status]),
      policies: (await P.list()).map((p) => p.id),
    };
    asstX = await A.create({ name: 'Part 2 X' });
    asstY = await A.create({ name: 'Part 2 Y' });
    assert.match(asstX.id, ID_RE);
    assert.match(asstY.id, ID_RE);
  });

  // ---- Tools ---------------------------------------------------------------
  const lookupParams = {
    name: 'Order lookup',
    type: 'WEBHOOK',
    enabled: true,
    description: 'Looks up an order',
    meta: { url: 'https://example.com/hook', method: 'POST', input_schema: 'export type Data = { id: string }' },
    policy: {
      name: 'Lookup policy', description: 'who may look up', type: 'TOOL',
      policy_details: { allow: ['email:*'], nested: { n: 1, ok: true } },
    },
  };

  await check('tools.create({.., assistant_id, policy}) -> ToolInstance, requiresAuth true', async () => {
    const x = needs(asstX, 'setup').id;
    const t = await T.create(Object.assign({ assistant_id: x }, lookupParams));
    assert.match(t.id, TOOL_RE);
    assert.equal(t.accountSid, ALICE);
    assert.equal(t.name, lookupParams.name);
    assert.equal(t.type, 'WEBHOOK');
    assert.equal(t.enabled, true);
    assert.equal(t.description, lookupParams.description);
    assert.deepEqual(t.meta, lookupParams.meta);
    assert.equal(t.requiresAuth, true);
    assert.equal(t.url, `${base}/v1/Tools/${t.id}`);
    assertRecentWholeSecond(t.dateCreated, 'dateCreated');
    assertRecentWholeSecond(t.dateUpdated, 'dateUpdated');
    assert.equal(t.policies, null, 'create answer carries no policies');
    lookup = t;
  });

  await check('tools(id).fetch(): the tool plus policies [the new policy]', async () => {
    const t = await T(needs(lookup, 'tools.create').id).fetch();
    assert.equal(t.id, lookup.id);
    assert.equal(t.name, lookupParams.name);
    assert.deepEqual(t.meta, lookupParams.meta);
    assert.equal(t.requiresAuth, true);
    assert.equal(t.dateCreated.getTime(), lookup.dateCreated.getTime());
    assert.ok(Array.isArray(t.policies), `policies: ${JSON.stringify(t.policies)}`);
    assert.equal(t.policies.length, 1);
    const p = t.policies[0];
    assert.match(p.id, PLCY_RE);
    assert.equal(p.name, 'Lookup policy');
    assert.equal(p.description, 'who may look up');
    assert.equal(p.accountSid, ALICE);
    assert.equal(p.userSid, null);
    assert.equal(p.type, 'TOOL');
    assert.deepEqual(p.policyDetails, lookupParams.policy.policy_details);
    // Nested policy objects are not deserialized by the SDK: raw strings.
    assertDate(new Date(p.dateCreated), 'policy date_created');
    lookupPolicy = p;
  });

  await check('tools.create() minimal: description "", meta {}, requiresAuth false, fetch policies []', async () => {
    const t = await T.create({ name: 'Plain', type: 'WEBHOOK', enabled: false });
    assert.match(t.id, TOOL_RE);
    assert.ok(t.id > needs(lookup, 'tools.create').id, 'ids not increasing');
    assert.equal(t.description, '');
    assert.deepEqual(t.meta, {});
    assert.equal(t.enabled, false);
    assert.equal(t.requiresAuth, false);
    const f = await T(t.id).fetch();
    assert.deepEqual(f.policies, []);
    assert.equal(f.requiresAuth, false);
    plain = t;
  });

  await check('tools(id).update({name, enabled}): merged, policy kept, no policies in the answer', async () => {
    const id = needs(lookup, 'tools.create').id;
    const t = await T(id).update({ name: 'Order lookup v2', enabled: false });
    assert.equal(t.id, id);
    assert.equal(t.name, 'Order lookup v2');
    assert.equal(t.enabled, false);
    assert.equal(t.type, 'WEBHOOK');
    assert.equal(t.description, lookupParams.description);
    assert.deepEqual(t.meta, lookupParams.meta);
    assert.equal(t.requiresAuth, true);
    assert.equal(t.policies, null);
    assert.equal(t.dateCreated.getTime(), lookup.dateCreated.getTime());
    assertRecentWholeSecond(t.dateUpdated, 'dateUpdated');
    assert.ok(t.dateUpdated.getTime() >= lookup.dateUpdated.getTime());
    const f = await T(id).fetch();
    assert.equal(f.name, 'Order lookup v2');
    assert.deepEqual(f.policies.map((p) => p.id), [needs(lookupPolicy, 'tools fetch').id]);
  });

  await check('tools(id).update({policy: {id}}): links the existing policy, requiresAuth true', async () => {
    const id = needs(plain, 'minimal tool').id;
    const pid = needs(lookupPolicy, 'tools fetch').id;
    const t = await T(id).update({ policy: { id: pid, policy_details: {} } });
    assert.equal(t.requiresAuth, true);
    const f = await T(id).fetch();
    assert.deepEqual(f.policies.map((p) => p.id), [pid]);
    assert.deepEqual(f.policies[0].policyDetails, lookupParams.policy.policy_details,
      'linking must not change the existing policy');
  });

  await check('tools(id).update({policy: new}): replaces the link; the old policy stays', async () => {
    const id = needs(plain, 'minimal tool').id;
    const pid = needs(lookupPolicy, 'tools fetch').id;
    await T(id).update({ policy: { policy_details: { rate: 5 } } });
    const f = await T(id).fetch();
    assert.equal(f.policies.length, 1);
    assert.notEqual(f.policies[0].id, pid);
    assert.match(f.policies[0].id, PLCY_RE);
    assert.equal(f.policies[0].name, null, 'name not given -> null');
    assert.equal(f.policies[0].description, null, 'description not given -> null');
    assert.equal(f.policies[0].type, '', 'type default ""');
    assert.deepEqual(f.policies[0].policyDetails, { rate: 5 });
    plainPolicy = f.policies[0];
    const all = await P.list();
    assert.deepEqual(all.map((p) => p.id).sort(),
      [...needs(seeded, 'setup').policies, pid, plainPolicy.id].sort());
  });

  await check('tools(id).update({assistant_id}): attaches the tool to that assistant', async () => {
    const id = needs(plain, 'minimal tool').id;
    const y = needs(asstY, 'setup').id;
    const t = await T(id).update({ assistant_id: y });
    assert.equal(t.id, id);
    const onY = await T.list({ assistantId: y });
    assert.deepEqual(onY.map((x) => x.id), [id]);
  });

  await check('tools.list(): the seeded ones and both; list({assistantId}) only the attached; unknown id -> []', async () => {
    const all = await T.list();
    const before = needs(seeded, 'setup').tools;
    assert.deepEqual(all.map((t) => t.id),
      [...before, needs(lookup, 'tools.create').id, needs(plain, 'minimal tool').id]);
    for (const t of all) {
      assert.equal(t.accountSid, ALICE);
      assert.equal(t.policies, null, 'list items carry no policies');
    }
    assert.equal(all[before.length].name, 'Order lookup v2');
    const onX = await T.list({ assistantId: needs(asstX, 'setup').id });
    assert.deepEqual(onX.map((t) => t.id), [lookup.id]);
    assert.deepEqual(await T.list({ assistantId: NO_ASST }), []);
  });

  await check('tools.create type "FUNCTION": RestException 400 20001 Invalid parameter type', async () => {
    await assertRestError(T.create({ name: 'x', type: 'FUNCTION', enabled: true }), 400, 20001,
      'Invalid parameter type');
  });

  await check('tools.create without enabled / name / type: 400 20001 Missing required parameter', async () => {
    await assertRestError(T.create({ name: 'x', type: 'WEBHOOK' }), 400, 20001,
      'Missing required parameter enabled');
    await assertRestError(T.create({ type: 'WEBHOOK', enabled: true }), 400, 20001,
      'Missing required parameter name');
    await assertRestError(T.create({ name: 'x', enabled: true }), 400, 20001,
      'Missing required parameter type');
  });

  await check('tools.create policy without policy_details: 400 Missing required parameter policy.policy_details', async () => {
    await assertRestError(T.create({ name: 'x', type: 'WEBHOOK', enabled: true, policy: { name: 'p' } }),
      400, 20001, 'Missing required parameter policy.policy_details');
  });

  await check('tools.create assistant_id not aia_asst_: 400 Invalid parameter assistant_id', async () => {
    await assertRestError(T.create({ name: 'x', type: 'WEBHOOK', enabled: true, assistant_id: 'asst_1' }),
      400, 20001, 'Invalid parameter assistant_id');
  });

  await check('tools.create with unknown assistant_id / policy.id: 404, nothing created', async () => {
    await assertRestError(T.create({ name: 'x', type: 'WEBHOOK', enabled: true, assistant_id: NO_ASST }),
      404, 20404, notFound(`/v1/Assistants/${NO_ASST}`));
    await assertRestError(
      T.create({ name: 'x', type: 'WEBHOOK', enabled: true, policy: { id: NO_PLCY, policy_details: {} } }),
      404, 20404, notFound(`/v1/Policies/${NO_PLCY}`));
    const before = needs(seeded, 'setup');
    assert.equal((await T.list()).length, before.tools.length + 2, 'a failed create left a tool');
    assert.equal((await P.list()).length, before.policies.length + 2, 'a failed create left a policy');
  });

  await check('tools(unknown): fetch / update / remove -> RestException 404 20404', async () => {
    await assertRestError(T(NO_TOOL).fetch(), 404, 20404, notFound(`/v1/Tools/${NO_TOOL}`));
    await assertRestError(T(NO_TOOL).update({ name: 'x' }), 404, 20404, notFound(`/v1/Tools/${NO_TOOL}`));
    await assertRestError(T(NO_TOOL).remove(), 404, 20404, notFound(`/v1/Tools/${NO_TOOL}`));
  });

  await check("bob: 404 for alice's tool, his tools/policies lists are empty", async () => {
    const id = needs(lookup, 'tools.create').id;
    await assertRestError(bobV.tools(id).fetch(), 404, 20404, notFound(`/v1/Tools/${id}`));
    await assertRestError(bobV.tools(id).remove(), 404, 20404);
    assert.deepEqual(await bobV.tools.list(), []);
    assert.deepEqual(await bobV.policies.list(), []);
    assert.deepEqual(await bobV.tools.list({ assistantId: needs(asstX, 'setup').id }), []);
  });

  // ---- Knowledge -------------------------------------------------------------
  // ~2.6 kB with multi-byte characters: more than two ~1000-byte chunks.
  const TEXT = Array.from({ length: 40 }, (_, i) =>
    `Q${i}: Where is my order? Ünïcode ✓ A${i}: in transit.`).join('\n');
  let textK = null; // Text, assistant X, linked to lookupPolicy
  let webK = null;
  let dbK = null;
  let fileK = null; // File with file_name
  let failK = null; // File without file_name -> FAILED

  await check('knowledge.create Text {assistant_id, policy:{id}} -> QUEUED, embeddingModel null', async () => {
    const x = needs(asstX, 'setup').id;
    const pid = needs(lookupPolicy, 'tools fetch').id;
    const k = await K.create({
      name: 'FAQ', type: 'Text', description: 'faq',
      knowledge_source_details: { content: TEXT }, assistant_id: x,
      policy: { id: pid, policy_details: {} },
    });
    assert.match(k.id, KNOW_RE);
    assert.equal(k.accountSid, ALICE);
    assert.equal(k.name, 'FAQ');
    assert.equal(k.type, 'Text');
    assert.equal(k.description, 'faq');
    assert.deepEqual(k.knowledgeSourceDetails, { content: TEXT });
    assert.equal(k.status, 'QUEUED');
    assert.equal(k.embeddingModel, null);
    assert.equal(k.url, `${base}/v1/Knowledge/${k.id}`);
    assertRecentWholeSecond(k.dateCreated, 'dateCreated');
    assertRecentWholeSecond(k.dateUpdated, 'dateUpdated');
    textK = k;
  });

  await check('knowledge.list() shows QUEUED and is not a poll; list({assistantId}) has it', async () => {
    const id = needs(textK, 'Text create').id;
    const before = needs(seeded, 'setup').knowledge;
    for (let i = 0; i < 2; i++) {
      const all = await K.list();
      assert.deepEqual(all.map((k) => [k.id, k.status]), [...before, [id, 'QUEUED']]);
    }
    const onX = await K.list({ assistantId: needs(asstX, 'setup').id });
    assert.deepEqual(onX.map((k) => k.id), [id]);
    assert.deepEqual(await K.list({ assistantId: needs(asstY, 'setup').id }), []);
    assert.deepEqual(await K.list({ assistantId: NO_ASST }), []);
  });

  await check('default rule 2 polls: /Status PROCESSING (poll 1), fetch() COMPLETED (poll 2), stays', async () => {
    const id = needs(textK, 'Text create').id;
    const s1 = await K(id).knowledgeStatus().fetch();
    assert.equal(s1.status, 'PROCESSING');
    assert.equal(s1.lastStatus, null);
    assert.equal(s1.accountSid, null);
    assertDate(s1.dateUpdated, 'status dateUpdated');
    const k = await K(id).fetch();
    assert.equal(k.status, 'COMPLETED');
    assert.equal(k.id, id);
    assert.deepEqual(k.knowledgeSourceDetails, { content: TEXT });
    assert.ok(k.dateUpdated.getTime() >= textK.dateUpdated.getTime());
    const s3 = await K(id).knowledgeStatus().fetch();
    assert.equal(s3.status, 'COMPLETED');
    assert.equal(s3.lastStatus, null, 'last_status stays null after the first run');
    assert.equal(s3.dateUpdated.getTime(), k.dateUpdated.getTime(), '/Status and knowledge disagree');
    assert.equal((await K.list()).find((x) => x.id === id).status, 'COMPLETED');
  });

  // Spec: "A poll is a GET of /v1/Knowledge/{id} or /v1/Knowledge/{id}/Status";
  // listing chunks is neither. Own knowledge, so no other check depends on it.
  await check('chunks.list() before COMPLETED: [] and not a poll (still QUEUED after it)', async () => {
    const k = await K.create({ name: 'Pending', type: 'Text', knowledge_source_details: { content: 'p' } });
    try {
      assert.deepEqual(await K(k.id).chunks.list(), []);
      const all = await K.list();
      assert.equal(all.find((x) => x.id === k.id).status, 'QUEUED', 'chunks.list() counted as a poll');
    } finally {
      await K(k.id).remove();
    }
  });

  await check('chunks.list() of a COMPLETED Text: the content in order, metadata {source, chunk_index}', async () => {
    const id = needs(textK, 'Text create').id;
    const chunks = await K(id).chunks.list();
    assert.ok(chunks.length >= 3, `${chunks.length} chunks for ${Buffer.byteLength(TEXT)} bytes`);
    assert.equal(chunks.map((c) => c.content).join(''), TEXT, 'chunks do not add up to the content');
    chunks.forEach((c, i) => {
      assert.equal(c.accountSid, ALICE);
      assert.deepEqual(c.metadata, { source: 'FAQ', chunk_index: i });
      assert.ok(!c.content.includes('\uFFFD'), `chunk ${i} cut inside a character`);
      assert.ok(Buffer.byteLength(c.content) <= 1100, `chunk ${i} is ${Buffer.byteLength(c.content)} bytes`);
      assertDate(c.dateCreated, `chunk ${i} dateCreated`);
      assertDate(c.dateUpdated, `chunk ${i} dateUpdated`);
    });
    const paged = await K(id).chunks.list({ pageSize: 2 });
    assert.deepEqual(paged.map((c) => c.metadata.chunk_index), chunks.map((c, i) => i));
  });

  await check('knowledge.create Web: knowledgeStatus polled until COMPLETED in exactly 2 polls, one chunk', async () => {
    const details = { source: 'https://example.com/docs', crawl_depth: 1 };
    const k = await K.create({ name: 'Docs site', type: 'Web', knowledge_source_details: details });
    assert.equal(k.status, 'QUEUED');
    assert.deepEqual(k.knowledgeSourceDetails, details);
    assert.equal(k.description, '');
    const { seen, last } = await pollStatus(K, k.id);
    assert.deepEqual(seen, ['PROCESSING', 'COMPLETED']);
    assert.equal(last.lastStatus, null);
    assert.equal((await K(k.id).fetch()).status, 'COMPLETED');
    const chunks = await K(k.id).chunks.list();
    assert.equal(chunks.length, 1, 'Web: one placeholder chunk');
    assert.equal(chunks[0].accountSid, ALICE);
    webK = k;
  });

  await check('knowledge.create Database with embedding_model: echoed, COMPLETED after 2 polls', async () => {
    const k = await K.create({
      name: 'Orders DB', type: 'Database', embedding_model: 'text-embedding-3-small',
      knowledge_source_details: { table: 'orders' },
    });
    assert.match(k.id, KNOW_RE);
    assert.equal(k.type, 'Database');
    assert.equal(k.embeddingModel, 'text-embedding-3-small');
    assert.deepEqual(k.knowledgeSourceDetails, { table: 'orders' });
    assert.equal(k.status, 'QUEUED');
    const { seen } = await pollStatus(K, k.id);
    assert.deepEqual(seen, ['PROCESSING', 'COMPLETED']);
    dbK = k;
  });

  await check('knowledge.create File with file_name -> COMPLETED; without -> FAILED (2 polls each)', async () => {
    const f = await K.create({ name: 'Manual', type: 'File', knowledge_source_details: { file_name: 'Manual.pdf' } });
    assert.equal(f.type, 'File');
    assert.equal(f.status, 'QUEUED');
    assert.deepEqual((await pollStatus(K, f.id)).seen, ['PROCESSING', 'COMPLETED']);
    assert.equal((await K(f.id).chunks.list()).length, 1, 'File: one placeholder chunk');
    fileK = f;
    const g = await K.create({ name: 'No upload', type: 'File' });
    assert.deepEqual(g.knowledgeSourceDetails, {});
    const r = await pollStatus(K, g.id);
    assert.deepEqual(r.seen, ['PROCESSING', 'FAILED']);
    assert.equal(r.last.lastStatus, null);
    assert.equal((await K(g.id).fetch()).status, 'FAILED');
    assert.deepEqual(await K(g.id).chunks.list(), [], 'a FAILED source has no chunks');
    failK = g;
  });

  await check('Database without embedding_model (or camelCase embeddingModel): 400 20001', async () => {
    await assertRestError(K.create({ name: 'db', type: 'Database' }), 400, 20001,
      'Missing required parameter embedding_model');
    await assertRestError(K.create({ name: 'db', type: 'Database', embeddingModel: 'text-embedding-3-small' }),
      400, 20001, 'Missing required parameter embedding_model');
  });

  await check('knowledge.create bad type / embedding_model on Text / missing source or content: 400 20001', async () => {
    await assertRestError(K.create({ name: 'v', type: 'Video' }), 400, 20001, 'Invalid parameter type');
    await assertRestError(
      K.create({ name: 't', type: 'Text', knowledge_source_details: { content: 'x' }, embedding_model: 'e' }),
      400, 20001, 'Invalid parameter embedding_model');
    await assertRestError(K.create({ name: 'w', type: 'Web', knowledge_source_details: {} }), 400, 20001,
      'Missing required parameter knowledge_source_details.source');
    await assertRestError(K.create({ name: 't', type: 'Text' }), 400, 20001,
      'Missing required parameter knowledge_source_details.content');
    await assertRestError(K.create({ name: 't', type: 'Text', knowledge_source_details: { content: 7 } }),
      400, 20001, 'Invalid parameter knowledge_source_details.content');
    await assertRestError(K.create({ type: 'Text', knowledge_source_details: { content: 'x' } }), 400, 20001,
      'Missing required parameter name');
    assert.equal((await K.list()).length, needs(seeded, 'setup').knowledge.length + 5,
      'a refused create left knowledge behind');
  });

  await check('knowledge update({name, description}): no restart, status stays COMPLETED', async () => {
    const id = needs(textK, 'Text create').id;
    const k = await K(id).update({ name: 'FAQ v2', description: 'faq v2' });
    assert.equal(k.name, 'FAQ v2');
    assert.equal(k.description, 'faq v2');
    assert.equal(k.status, 'COMPLETED');
    assert.equal(k.type, 'Text');
    assert.deepEqual(k.knowledgeSourceDetails, { content: TEXT });
    assert.equal(k.dateCreated.getTime(), textK.dateCreated.getTime());
    const s = await K(id).knowledgeStatus().fetch();
    assert.equal(s.status, 'COMPLETED');
    assert.equal(s.lastStatus, null);
  });

  await check('knowledge update({knowledge_source_details}): QUEUED, lastStatus COMPLETED, new chunks', async () => {
    const id = needs(textK, 'Text create').id;
    const k = await K(id).update({ knowledge_source_details: { content: 'Short new content.' } });
    assert.equal(k.status, 'QUEUED');
    assert.equal(k.name, 'FAQ v2');
    assert.deepEqual(k.knowledgeSourceDetails, { content: 'Short new content.' });
    const s1 = await K(id).knowledgeStatus().fetch();
    assert.equal(s1.status, 'PROCESSING');
    assert.equal(s1.lastStatus, 'COMPLETED');
    const s2 = await K(id).knowledgeStatus().fetch();
    assert.equal(s2.status, 'COMPLETED');
    assert.equal(s2.lastStatus, 'COMPLETED');
    const chunks = await K(id).chunks.list();
    assert.deepEqual(chunks.map((c) => [c.content, c.metadata]),
      [['Short new content.', { source: 'FAQ v2', chunk_index: 0 }]]);
  });

  await check('chunks dropped while reprocessing, remade when COMPLETED again', async () => {
    const id = needs(textK, 'Text create').id;
    const k = await K(id).update({ knowledge_source_details: { content: 'Newest content.' } });
    assert.equal(k.status, 'QUEUED');
    assert.deepEqual(await K(id).chunks.list(), [], 'old chunks kept while reprocessing');
    const r = await pollStatus(K, id);
    assert.equal(r.last.status, 'COMPLETED');
    assert.equal(r.last.lastStatus, 'COMPLETED');
    const chunks = await K(id).chunks.list();
    assert.deepEqual(chunks.map((c) => [c.content, c.metadata]),
      [['Newest content.', { source: 'FAQ v2', chunk_index: 0 }]]);
  });

  await check('FAILED File updated with a file_name: QUEUED, then COMPLETED with lastStatus FAILED', async () => {
    const id = needs(failK, 'File create').id;
    const k = await K(id).update({ knowledge_source_details: { file_name: 'Later.pdf' } });
    assert.equal(k.status, 'QUEUED');
    const r = await pollStatus(K, id);
    assert.deepEqual(r.seen, ['PROCESSING', 'COMPLETED']);
    assert.equal(r.last.lastStatus, 'FAILED');
  });

  await check('knowledge update({embedding_model}) on Database restarts; Text -> Database without one: 400', async () => {
    const id = needs(dbK, 'Database create').id;
    const k = await K(id).update({ embedding_model: 'text-embedding-3-large' });
    assert.equal(k.embeddingModel, 'text-embedding-3-large');
    assert.equal(k.status, 'QUEUED');
    const r = await pollStatus(K, id);
    assert.deepEqual(r.seen, ['PROCESSING', 'COMPLETED']);
    assert.equal(r.last.lastStatus, 'COMPLETED');
    const tid = needs(textK, 'Text create').id;
    await assertRestError(K(tid).update({ type: 'Database' }), 400, 20001,
      'Missing required parameter embedding_model');
    await assertRestError(K(tid).update({ embedding_model: 'e' }), 400, 20001,
      'Invalid parameter embedding_model');
    const t = await K(tid).fetch();
    assert.equal(t.type, 'Text', 'a refused update changed the knowledge');
    assert.equal(t.embeddingModel, null);
  });

  await check('knowledge update({assistant_id}) is ignored (no attachment)', async () => {
    const id = needs(webK, 'Web create').id;
    const y = needs(asstY, 'setup').id;
    const k = await K(id).update({ assistant_id: y, description: 'web docs' });
    assert.equal(k.description, 'web docs');
    assert.equal(k.status, 'COMPLETED', 'a description change restarted processing');
    assert.deepEqual(await K.list({ assistantId: y }), []);
  });

  await check('knowledge(unknown): fetch / update / remove / status / chunks -> 404 20404', async () => {
    await assertRestError(K(NO_KNOW).fetch(), 404, 20404, notFound(`/v1/Knowledge/${NO_KNOW}`));
    await assertRestError(K(NO_KNOW).update({ name: 'x' }), 404, 20404, notFound(`/v1/Knowledge/${NO_KNOW}`));
    await assertRestError(K(NO_KNOW).remove(), 404, 20404, notFound(`/v1/Knowledge/${NO_KNOW}`));
    await assertRestError(K(NO_KNOW).knowledgeStatus().fetch(), 404, 20404);
    await assertRestError(K(NO_KNOW).chunks.list(), 404, 20404);
  });

  await check("bob: 404 for alice's knowledge, his knowledge list is empty", async () => {
    const id = needs(textK, 'Text create').id;
    await assertRestError(bobV.knowledge(id).fetch(), 404, 20404, notFound(`/v1/Knowledge/${id}`));
    await assertRestError(bobV.knowledge(id).knowledgeStatus().fetch(), 404, 20404);
    await assertRestError(bobV.knowledge(id).chunks.list(), 404, 20404);
    assert.deepEqual(await bobV.knowledge.list(), []);
  });

  // ---- Policies ----------------------------------------------------------------
  await check('policies.list({toolId}) / ({knowledgeId}) / both / unknown', async () => {
    const pid = needs(lookupPolicy, 'tools fetch').id;
    const ppid = needs(plainPolicy, 'policy replace').id;
    const byTool = await P.list({ toolId: needs(lookup, 'tools.create').id });
    assert.deepEqual(byTool.map((p) => p.id), [pid]);
    const p = byTool[0];
    assert.equal(p.accountSid, ALICE);
    assert.equal(p.userSid, null);
    assert.equal(p.name, 'Lookup policy');
    assert.equal(p.type, 'TOOL');
    assert.deepEqual(p.policyDetails, lookupParams.policy.policy_details);
    assertDate(p.dateCreated, 'policy dateCreated');
    assertDate(p.dateUpdated, 'policy dateUpdated');
    const byKnow = await P.list({ knowledgeId: needs(textK, 'Text create').id });
    assert.deepEqual(byKnow.map((x) => x.id), [pid]);
    assert.deepEqual((await P.list({ toolId: lookup.id, knowledgeId: textK.id })).map((x) => x.id), [pid]);
    assert.deepEqual(await P.list({ toolId: needs(plain, 'minimal tool').id, knowledgeId: textK.id }), []);
    assert.deepEqual((await P.list({ toolId: plain.id })).map((x) => x.id), [ppid]);
    assert.deepEqual(await P.list({ toolId: NO_TOOL }), []);
    assert.deepEqual(await P.list({ knowledgeId: needs(webK, 'Web create').id }), []);
  });

  // ---- Attachments (default server: the spec's 204) ---------------------------------
  let loose = null; // tool created without assistant_id
  let looseK = null;

  await check('assistantsTools(tid).create() on the spec 204: SyntaxError "Unexpected end of JSON input"', async () => {
    loose = await T.create({ name: 'Loose', type: 'WEBHOOK', enabled: true });
    const x = needs(asstX, 'setup').id;
    await assertEmptyJsonSyntaxError(A(x).assistantsTools(loose.id).create());
  });

  await check('... and assistantsTools.list() shows the attachment (after the one from create)', async () => {
    const x = needs(asstX, 'setup').id;
    const items = await A(x).assistantsTools.list();
    assert.deepEqual(items.map((t) => t.id), [needs(lookup, 'tools.create').id, needs(loose, 'attach').id]);
    const l = items[1];
    assert.equal(l.name, 'Loose');
    assert.equal(l.accountSid, ALICE);
    assert.equal(l.type, 'WEBHOOK');
    assert.equal(l.requiresAuth, false);
    assert.equal(l.url, `${base}/v1/Tools/${l.id}`);
    assertDate(l.dateCreated, 'dateCreated');
    assert.deepEqual((await T.list({ assistantId: x })).map((t) => t.id), items.map((t) => t.id));
  });

  await check('attaching the same tool again: SyntaxError again, still one attachment', async () => {
    const x = needs(asstX, 'setup').id;
    await assertEmptyJsonSyntaxError(A(x).assistantsTools(needs(loose, 'attach').id).create());
    const items = await A(x).assistantsTools.list();
    assert.deepEqual(items.map((t) => t.id), [needs(lookup, 'tools.create').id, loose.id]);
  });

  await check('assistantsKnowledge(kid).create(): SyntaxError, then assistantsKnowledge.list() has it', async () => {
    const x = needs(asstX, 'setup').id;
    looseK = await K.create({ name: 'Loose text', type: 'Text', knowledge_source_details: { content: 'loose' } });
    await assertEmptyJsonSyntaxError(A(x).assistantsKnowledge(looseK.id).create());
    const items = await A(x).assistantsKnowledge.list();
    assert.deepEqual(items.map((k) => k.id), [needs(textK, 'Text create').id, looseK.id]);
    assert.equal(items[1].name, 'Loose text');
    assert.equal(items[1].type, 'Text');
    assert.equal(items[1].accountSid, ALICE);
    assert.equal(items[1].status, 'QUEUED', 'the list is not a poll');
    assert.equal(items[1].embeddingModel, null);
    assert.equal(items[1].url, `${base}/v1/Knowledge/${looseK.id}`);
    await assertEmptyJsonSyntaxError(A(x).assistantsKnowledge(looseK.id).create());
    assert.equal((await A(x).assistantsKnowledge.list()).length, 2, 'attaching twice made two');
    assert.deepEqual((await K.list({ assistantId: x })).map((k) => k.id), items.map((k) => k.id));
  });

  await check('assistants(aid).fetch(): tools and knowledge arrays in attach order, tools without policies', async () => {
    const x = needs(asstX, 'setup').id;
    const a = await A(x).fetch();
    assert.deepEqual(a.tools.map((t) => t.id), [needs(lookup, 'tools.create').id, needs(loose, 'attach').id]);
    assert.deepEqual(a.knowledge.map((k) => k.id), [needs(textK, 'Text create').id, needs(looseK, 'attach').id]);
    const t0 = a.tools[0];
    assert.equal(t0.name, 'Order lookup v2');
    assert.equal(t0.requiresAuth, true);
    assert.equal(t0.accountSid, ALICE);
    assert.deepEqual(t0.meta, lookupParams.meta);
    assert.equal(t0.url, `${base}/v1/Tools/${t0.id}`);
    assertDate(new Date(t0.dateCreated), 'tools[0].date_created');
    assert.equal(a.knowledge[0].name, 'FAQ v2');
    assert.equal(a.knowledge[0].status, 'COMPLETED');
    assert.equal(a.knowledge[0].type, 'Text');
    assert.equal(a.knowledge[0].embeddingModel, null);
    const y = await A(needs(asstY, 'setup').id).fetch();
    assert.deepEqual(y.tools.map((t) => t.id), [needs(plain, 'minimal tool').id]);
    assert.deepEqual(y.knowledge, []);
  });

  await check('assistantsTools(tid).remove() -> true, gone from the lists; again -> 404 naming the path', async () => {
    const x = needs(asstX, 'setup').id;
    const tid = needs(loose, 'attach').id;
    assert.equal(await A(x).assistantsTools(tid).remove(), true);
    assert.deepEqual((await A(x).assistantsTools.list()).map((t) => t.id), [needs(lookup, 'tools.create').id]);
    assert.deepEqual((await A(x).fetch()).tools.map((t) => t.id), [lookup.id]);
    await assertRestError(A(x).assistantsTools(tid).remove(), 404, 20404,
      notFound(`/v1/Assistants/${x}/Tools/${tid}`));
    assert.equal((await T(tid).fetch()).id, tid, 'detaching deleted the tool');
  });

  await check('assistantsKnowledge(kid).remove() -> true, gone; again -> 404 naming the path', async () => {
    const x = needs(asstX, 'setup').id;
    const kid = needs(looseK, 'attach').id;
    assert.equal(await A(x).assistantsKnowledge(kid).remove(), true);
    assert.deepEqual((await A(x).assistantsKnowledge.list()).map((k) => k.id), [needs(textK, 'Text create').id]);
    assert.deepEqual((await A(x).fetch()).knowledge.map((k) => k.id), [textK.id]);
    await assertRestError(A(x).assistantsKnowledge(kid).remove(), 404, 20404,
      notFound(`/v1/Assistants/${x}/Knowledge/${kid}`));
    assert.equal((await K(kid).fetch()).id, kid, 'detaching deleted the knowledge');
  });

  await check('attach/detach/list with an unknown assistant, tool or knowledge: 404 naming the missing one', async () => {
    const x = needs(asstX, 'setup').id;
    const tid = needs(loose, 'attach').id;
    const kid = needs(looseK, 'attach').id;
    await assertRestError(A(NO_ASST).assistantsTools(tid).create(), 404, 20404,
      notFound(`/v1/Assistants/${NO_ASST}`));
    await assertRestError(A(x).assistantsTools(NO_TOOL).create(), 404, 20404, notFound(`/v1/Tools/${NO_TOOL}`));
    await assertRestError(A(NO_ASST).assistantsKnowledge(kid).create(), 404, 20404,
      notFound(`/v1/Assistants/${NO_ASST}`));
    await assertRestError(A(x).assistantsKnowledge(NO_KNOW).create(), 404, 20404,
      notFound(`/v1/Knowledge/${NO_KNOW}`));
    await assertRestError(A(NO_ASST).assistantsTools(tid).remove(), 404, 20404);
    await assertRestError(A(x).assistantsKnowledge(NO_KNOW).remove(), 404, 20404);
    await assertRestError(A(NO_ASST).assistantsTools.list(), 404, 20404);
    await assertRestError(A(NO_ASST).assistantsKnowledge.list(), 404, 20404);
  });

  await check("bob cannot attach alice's tool to his assistant, nor list alice's attachments (404)", async () => {
    const bobAsst = (await bobV.assistants.list({ limit: 1 }))[0];
    assert.ok(bobAsst, 'bob has no assistant');
    const tid = needs(loose, 'attach').id;
    await assertRestError(bobV.assistants(bobAsst.id).assistantsTools(tid).create(), 404, 20404,
      notFound(`/v1/Tools/${tid}`));
    await assertRestError(bobV.assistants(needs(asstX, 'setup').id).assistantsTools.list(), 404, 20404);
    assert.deepEqual(await bobV.assistants(bobAsst.id).assistantsTools.list(), []);
  });

  await check('tools(id).remove() detaches it; its policy stays, unlinked', async () => {
    const x = needs(asstX, 'setup').id;
    const tid = needs(lookup, 'tools.create').id;
    const pid = needs(lookupPolicy, 'tools fetch').id;
    assert.equal(await T(tid).remove(), true);
    await assertRestError(T(tid).fetch(), 404, 20404, notFound(`/v1/Tools/${tid}`));
    assert.deepEqual(await A(x).assistantsTools.list(), []);
    assert.deepEqual((await A(x).fetch()).tools, []);
    assert.deepEqual(await T.list({ assistantId: x }), []);
    assert.deepEqual(await P.list({ toolId: tid }), []);
    assert.ok((await P.list()).some((p) => p.id === pid), 'the policy went with the tool');
    assert.deepEqual((await P.list({ knowledgeId: needs(textK, 'Text create').id })).map((p) => p.id), [pid]);
  });

  await check('knowledge(id).remove() -> true; then 404 on fetch/status/chunks, detached', async () => {
    const x = needs(asstX, 'setup').id;
    const kid = needs(textK, 'Text create').id;
    assert.equal(await K(kid).remove(), true);
    await assertRestError(K(kid).fetch(), 404, 20404, notFound(`/v1/Knowledge/${kid}`));
    await assertRestError(K(kid).knowledgeStatus().fetch(), 404, 20404);
    await assertRestError(K(kid).chunks.list(), 404, 20404);
    await assertRestError(K(kid).remove(), 404, 20404);
    assert.deepEqual(await A(x).assistantsKnowledge.list(), []);
    assert.deepEqual((await A(x).fetch()).knowledge, []);
    assert.deepEqual(await K.list({ assistantId: x }), []);
    assert.deepEqual(await P.list({ knowledgeId: kid }), []);
  });

  await check('assistants(id).remove() keeps its tools (detached)', async () => {
    const y = needs(asstY, 'setup').id;
    const tid = needs(plain, 'minimal tool').id;
    assert.equal(await A(y).remove(), true);
    const t = await T(tid).fetch();
    assert.equal(t.id, tid);
    assert.deepEqual(await T.list({ assistantId: y }), []);
    await assertRestError(A(y).assistantsTools.list(), 404, 20404, notFound(`/v1/Assistants/${y}`));
  });

  // ---- Attachments with --attach-returns-json (200 {}) -----------------------------
  await check('second server --attach-returns-json: attach create() resolves, the lists show it', async () => {
    const sink = { out: [], err: [] };
    const { port: port2, proc } = await startServer(binary, ['--attach-returns-json'], sink);
    try {
      const c = twilio(ALICE, ALICE_TOKEN);
      c.assistants.baseUrl = `http://127.0.0.1:${port2}`;
      const V2 = c.assistants.v1;
      const a = await V2.assistants.create({ name: 'json attach' });
      const t = await V2.tools.create({ name: 'json tool', type: 'WEBHOOK', enabled: true });
      const k = await V2.knowledge.create({ name: 'json k', type: 'Text', knowledge_source_details: { content: 'c' } });
      const at = await V2.assistants(a.id).assistantsTools(t.id).create();
      assert.ok(at, 'resolved to nothing');
      assert.equal(at.id, undefined, '200 {} has no id');
      assertDate(at.dateCreated, 'dateCreated (the SDK makes it "now")');
      const info = await V2.assistants(a.id).assistantsKnowledge(k.id).createWithHttpInfo();
      assert.equal(info.statusCode, 200);
      assert.equal(info.body.id, undefined);
      assert.deepEqual((await V2.assistants(a.id).assistantsTools.list()).map((x) => x.id), [t.id]);
      assert.deepEqual((await V2.assistants(a.id).assistantsKnowledge.list()).map((x) => x.id), [k.id]);
      const f = await V2.assistants(a.id).fetch();
      assert.deepEqual(f.tools.map((x) => x.id), [t.id]);
      assert.deepEqual(f.knowledge.map((x) => x.id), [k.id]);
      // Errors keep their 404 body; detach keeps its 204.
      await assertRestError(V2.assistants(a.id).assistantsTools(NO_TOOL).create(), 404, 20404,
        notFound(`/v1/Tools/${NO_TOOL}`));
      const d = await V2.assistants(a.id).assistantsTools(t.id).removeWithHttpInfo();
      assert.equal(d.statusCode, 204);
      assert.equal(await V2.assistants(a.id).assistantsKnowledge(k.id).remove(), true);
      assert.deepEqual(await V2.assistants(a.id).assistantsTools.list(), []);
      assert.deepEqual(await V2.assistants(a.id).assistantsKnowledge.list(), []);
      assert.equal(proc.exitCode, null, `second server exited; stderr: ${sink.err.join('')}`);
    } finally {
      killProc(proc);
    }
  });

  // ---- Paging with a filter --------------------------------------------------------------
  let pagingAsst = null;
  let pagingTools = [];

  await check('tools.list({assistantId, pageSize: 2}): the 5 attached of 10 tools, across 3 pages', async () => {
    pagingAsst = await A.create({ name: 'paging' });
    const ids = [];
    for (let i = 0; i < 5; i++) {
      const t = await T.create({ name: `paged ${i}`, type: 'WEBHOOK', enabled: true, assistant_id: pagingAsst.id });
      ids.push(t.id);
      if (i % 2 === 0) await T.create({ name: `unattached ${i}`, type: 'WEBHOOK', enabled: true });
    }
    pagingTools = ids;
    // the seeded ones + plain + loose + 5 paged + 3 unattached
    assert.equal((await T.list()).length, needs(seeded, 'setup').tools.length + 10);
    const items = await T.list({ assistantId: pagingAsst.id, pageSize: 2 });
    assert.deepEqual(items.map((t) => t.id), ids);
  });

  await check('tools.page({assistantId, pageSize: 2}): next_page_url carries AssistantId; pages 2, 2, 1', async () => {
    const aid = needs(pagingAsst, 'paging setup').id;
    const { pages, ids } = await walkPages(T, { assistantId: aid, pageSize: 2 });
    assert.deepEqual(pages.map((p) => p.size), [2, 2, 1]);
    assert.deepEqual(ids, pagingTools);
    for (const p of pages.slice(0, 2)) {
      const u = new URL(p.nextPageUrl);
      assert.equal(u.pathname, '/v1/Tools');
      assert.equal(u.searchParams.get('AssistantId'), aid, `next_page_url ${p.nextPageUrl}`);
      assert.equal(u.searchParams.get('PageSize'), '2');
      assert.ok(p.nextPageUrl.startsWith(`${base}/v1/Tools?AssistantId=${aid}&`),
        `filter not first: ${p.nextPageUrl}`);
    }
    assert.ok(!pages[2].nextPageUrl, 'last page has a next_page_url');
  });

  await check('tools.each({assistantId, pageSize: 2}) and assistantsTools.list({pageSize: 2}): the same 5', async () => {
    const aid = needs(pagingAsst, 'paging setup').id;
    const seen = await collectEach(T, { assistantId: aid, pageSize: 2 });
    assert.deepEqual(seen.map((t) => t.id), pagingTools);
    const sub = await A(aid).assistantsTools.list({ pageSize: 2 });
    assert.deepEqual(sub.map((t) => t.id), pagingTools);
    const { pages } = await walkPages(A(aid).assistantsTools, { pageSize: 2 });
    assert.deepEqual(pages.map((p) => p.size), [2, 2, 1]);
    assert.ok(new URL(pages[0].nextPageUrl).pathname === `/v1/Assistants/${aid}/Tools`, pages[0].nextPageUrl);
  });

  await check('tools.list({pageSize: 3, limit: 7}) unfiltered: the first 7 (seeded first) in creation order', async () => {
    const all = await T.list();
    const items = await T.list({ pageSize: 3, limit: 7 });
    assert.deepEqual(items.map((t) => t.id), all.slice(0, 7).map((t) => t.id));
    for (let i = 1; i < all.length; i++) assert.ok(all[i - 1].id < all[i].id, 'tools not in creation order');
  });

  await check('knowledge.list({assistantId, pageSize: 2}): 3 attached of 4 across 2 pages', async () => {
    const aid = needs(pagingAsst, 'paging setup').id;
    const ids = [];
    for (let i = 0; i < 3; i++) {
      const k = await K.create({ name: `pk ${i}`, type: 'Text', knowledge_source_details: { content: `c${i}` },
        assistant_id: aid });
      ids.push(k.id);
      if (i === 1) await K.create({ name: 'unattached', type: 'Text', knowledge_source_details: { content: 'u' } });
    }
    assert.deepEqual((await K.list({ assistantId: aid, pageSize: 2 })).map((k) => k.id), ids);
    const { pages } = await walkPages(K, { assistantId: aid, pageSize: 2 });
    assert.deepEqual(pages.map((p) => p.size), [2, 1]);
    assert.equal(new URL(pages[0].nextPageUrl).searchParams.get('AssistantId'), aid, pages[0].nextPageUrl);
    assert.deepEqual((await A(aid).assistantsKnowledge.list({ pageSize: 2 })).map((k) => k.id), ids);
  });

  await check('policies.list({toolId, pageSize: 1}) of a tool: next_page_url keeps ToolId', async () => {
    const t = await T.create({ name: 'pol', type: 'WEBHOOK', enabled: true, policy: { policy_details: { a: 1 } } });
    const pid = (await T(t.id).fetch()).policies[0].id;
    // More policies in the account (the seeded ones, lookup's, plain's): only this one comes back.
    const { pages, ids } = await walkPages(P, { toolId: t.id, pageSize: 1 });
    assert.deepEqual(ids, [pid]);
    assert.ok(pages.length <= 2, `${pages.length} pages`);
    if (pages[0].nextPageUrl) {
      assert.equal(new URL(pages[0].nextPageUrl).searchParams.get('ToolId'), t.id, pages[0].nextPageUrl);
    }
    const all = await P.list({ pageSize: 1 });
    assert.ok(all.length >= 3 && all.some((p) => p.id === pid), `policies: ${all.length}`);
  });

  // ---- SendMessage, Sessions, Messages ------------------------------------------------------
  const SID = 'sdk-session-1';
  let sessX = null; // assistant for messages and feedbacks
  let anonSession = null;
  let sessionMessages = null;

  await check('messages.create({identity, body, session_id}) -> status Success, body "Echo: ..."', async () => {
    sessX = needs(asstX, 'setup');
    const m = await A(sessX.id).messages.create({ identity: 'email:qa@example.com', body: 'Hello', session_id: SID });
    assert.equal(m.status, 'Success');
    assert.equal(m.flagged, false);
    assert.equal(m.aborted, false);
    assert.equal(m.sessionId, SID);
    assert.equal(m.accountSid, ALICE);
    assert.equal(m.body, 'Echo: Hello');
    assert.equal(m.error, null);
  });

  await check('messages.create in the same session with another identity: Echo, same session', async () => {
    const m = await A(needs(sessX, 'first message').id).messages.create({
      identity: 'phone:+15550001111', body: 'Ünïcode ✓ second', session_id: SID,
    });
    assert.equal(m.status, 'Success');
    assert.equal(m.sessionId, SID);
    assert.equal(m.body, 'Echo: Ünïcode ✓ second');
  });

  await check('messages.create without session_id: a new UUIDv4 session', async () => {
    const m = await A(needs(sessX, 'first message').id).messages.create({ identity: 'user_id:7', body: 'anon' });
    assert.equal(m.status, 'Success');
    assert.match(m.sessionId, UUID4_RE);
    assert.equal(m.body, 'Echo: anon');
    anonSession = m.sessionId;
  });

  await check('messages.create errors: missing identity/body, bad mode/session_id 400; unknown assistant 404', async () => {
    const x = needs(sessX, 'first message').id;
    const M = A(x).messages;
    await assertRestError(M.create({ body: 'b' }), 400, 20001, 'Missing required parameter identity');
    await assertRestError(M.create({ identity: 'i' }), 400, 20001, 'Missing required parameter body');
    await assertRestError(M.create({ identity: 'i', body: 'b', mode: 'sms' }), 400, 20001,
      'Invalid parameter mode');
    await assertRestError(M.create({ identity: 'i', body: 'b', session_id: '' }), 400, 20001,
      'Invalid parameter session_id');
    await assertRestError(M.create({ identity: 'i', body: 'b', webhook: 'ftp://example.com/x' }), 400, 20001,
      'Invalid parameter webhook');
    await assertRestError(A(NO_ASST).messages.create({ identity: 'i', body: 'b' }), 404, 20404,
      notFound(`/v1/Assistants/${NO_ASST}`));
    await assertRestError(bobV.assistants(x).messages.create({ identity: 'i', body: 'b' }), 404, 20404,
      notFound(`/v1/Assistants/${x}`));
  });

  await check('sessions.list(): both sessions, ordered by date_created then id, alice\'s', async () => {
    const items = await S.list();
    const ours = items.filter((s) => s.id === SID || s.id === needs(anonSession, 'anon message'));
    assert.equal(ours.length, 2, `listed: ${items.map((s) => s.id).join(', ')}`);
    // Order date_created, then id (whole seconds: usually a tie broken by id).
    const key = (s) => [s.dateCreated.getTime(), s.id];
    const expected = ours.slice().sort((a, b) => {
      const [ta, ia] = key(a);
      const [tb, ib] = key(b);
      return ta !== tb ? ta - tb : (ia < ib ? -1 : ia > ib ? 1 : 0);
    });
    assert.deepEqual(ours.map((s) => s.id), expected.map((s) => s.id));
    for (let i = 1; i < items.length; i++) {
      const [ta, ia] = key(items[i - 1]);
      const [tb, ib] = key(items[i]);
      assert.ok(ta < tb || (ta === tb && ia < ib), `sessions not ordered at ${i}`);
    }
    for (const s of items) {
      assert.equal(s.accountSid, ALICE);
      assertDate(s.dateCreated, `${s.id} dateCreated`);
    }
    const paged = await S.list({ pageSize: 1 });
    assert.deepEqual(paged.map((s) => s.id), items.map((s) => s.id));
  });

  await check('sessions(id).fetch(): the first sender\'s identity, assistantId, verified false', async () => {
    const s = await S(SID).fetch();
    assert.equal(s.id, SID);
    assert.equal(s.accountSid, ALICE);
    assert.equal(s.assistantId, needs(sessX, 'first message').id);
    assert.equal(s.verified, false);
    assert.equal(s.identity, 'email:qa@example.com');
    assertRecentWholeSecond(s.dateCreated, 'dateCreated');
    assertRecentWholeSecond(s.dateUpdated, 'dateUpdated');
    assert.ok(s.dateUpdated.getTime() >= s.dateCreated.getTime());
    const a = await S(needs(anonSession, 'anon message')).fetch();
    assert.equal(a.identity, 'user_id:7');
  });

  await check('sessions(id).messages.list(): user, assistant, user, assistant with content and meta', async () => {
    const x = needs(sessX, 'first message').id;
    const msgs = await S(SID).messages.list();
    assert.deepEqual(msgs.map((m) => [m.role, m.identity, m.content]), [
      ['user', 'email:qa@example.com', { text: 'Hello' }],
      ['assistant', 'email:qa@example.com', { text: 'Echo: Hello' }],
      ['user', 'phone:+15550001111', { text: 'Ünïcode ✓ second' }],
      ['assistant', 'phone:+15550001111', { text: 'Echo: Ünïcode ✓ second' }],
    ]);
    msgs.forEach((m, i) => {
      assert.match(m.id, MSG_RE);
      if (i > 0) assert.ok(msgs[i - 1].id < m.id, `message ids not increasing at ${i}`);
      assert.equal(m.accountSid, ALICE);
      assert.equal(m.assistantId, x);
      assert.equal(m.sessionId, SID);
      assert.deepEqual(m.meta, m.role === 'user' ? {} : { flagged: false, aborted: false });
      assertDate(m.dateCreated, `message ${i} dateCreated`);
      assertDate(m.dateUpdated, `message ${i} dateUpdated`);
    });
    const paged = await S(SID).messages.list({ pageSize: 3 });
    assert.deepEqual(paged.map((m) => m.id), msgs.map((m) => m.id));
    sessionMessages = msgs;
  });

  await check('a later message from another assistant reuses the session, stored fields unchanged', async () => {
    const other = await A.create({ name: 'other sender' });
    const m = await A(other.id).messages.create({ identity: 'email:z@example.com', body: 'third', session_id: SID });
    assert.equal(m.sessionId, SID);
    const s = await S(SID).fetch();
    assert.equal(s.assistantId, needs(sessX, 'first message').id);
    assert.equal(s.identity, 'email:qa@example.com');
    const msgs = await S(SID).messages.list();
    assert.equal(msgs.length, 6);
    assert.deepEqual(msgs.slice(4).map((x) => [x.role, x.assistantId, x.content.text]),
      [['user', other.id, 'third'], ['assistant', other.id, 'Echo: third']]);
    await A(other.id).remove();
    assert.equal((await S(SID).fetch()).id, SID, 'removing an assistant removed a session');
  });

  await check('sessions: unknown id -> 404 naming the path; bob sees none of alice\'s', async () => {
    await assertRestError(S('no-such-session').fetch(), 404, 20404, notFound('/v1/Sessions/no-such-session'));
    await assertRestError(S('no-such-session').messages.list(), 404, 20404);
    await assertRestError(bobV.sessions(SID).fetch(), 404, 20404, notFound(`/v1/Sessions/${SID}`));
    await assertRestError(bobV.sessions(SID).messages.list(), 404, 20404);
    const bobs = await bobV.sessions.list();
    assert.ok(!bobs.some((s) => s.id === SID), "bob lists alice's session");
  });

  // ---- Feedbacks ------------------------------------------------------------------------------
  let fb = null;

  await check('feedbacks.create({session_id, message_id, score, text}) -> FeedbackInstance', async () => {
    const x = needs(sessX, 'first message').id;
    const reply = needs(sessionMessages, 'messages.list')[1];
    const f = await A(x).feedbacks.create({ session_id: SID, message_id: reply.id, score: 0.9, text: 'good' });
    assert.match(f.id, FDBK_RE);
    assert.equal(f.assistantId, x);
    assert.equal(f.accountSid, ALICE);
    assert.equal(f.userSid, null);
    assert.equal(f.sessionId, SID);
    assert.equal(f.messageId, reply.id);
    assert.equal(f.score, 0.9);
    assert.equal(f.text, 'good');
    assertRecentWholeSecond(f.dateCreated, 'dateCreated');
    assertRecentWholeSecond(f.dateUpdated, 'dateUpdated');
    fb = f;
  });

  await check('feedbacks.create({session_id}) only: messageId, score, text null', async () => {
    const x = needs(sessX, 'first message').id;
    const f = await A(x).feedbacks.create({ session_id: needs(anonSession, 'anon message') });
    assert.match(f.id, FDBK_RE);
    assert.equal(f.sessionId, anonSession);
    assert.equal(f.messageId, null);
    assert.equal(f.score, null);
    assert.equal(f.text, null);
  });

  await check('feedbacks.list(): both, in creation order', async () => {
    const x = needs(sessX, 'first message').id;
    const items = await A(x).feedbacks.list();
    assert.equal(items.length, 2);
    assert.equal(items[0].id, needs(fb, 'feedbacks.create').id);
    assert.equal(items[0].score, 0.9);
    assert.equal(items[0].text, 'good');
    assert.equal(items[1].sessionId, anonSession);
    assert.deepEqual((await A(x).feedbacks.list({ pageSize: 1 })).map((f) => f.id), items.map((f) => f.id));
  });

  await check('feedbacks.create errors: 400 session_id/score/message_id; 404 session, message, assistant', async () => {
    const x = needs(sessX, 'first message').id;
    const F = A(x).feedbacks;
    const anonMsg = (await S(needs(anonSession, 'anon message')).messages.list())[0].id;
    await assertRestError(F.create({ score: 0.5 }), 400, 20001, 'Missing required parameter session_id');
    await assertRestError(F.create({ session_id: SID, score: 1.5 }), 400, 20001, 'Invalid parameter score');
    await assertRestError(F.create({ session_id: SID, score: 'high' }), 400, 20001, 'Invalid parameter score');
    await assertRestError(F.create({ session_id: SID, message_id: 'msg_1' }), 400, 20001,
      'Invalid parameter message_id');
    await assertRestError(F.create({ session_id: 'no-such-session' }), 404, 20404,
      notFound('/v1/Sessions/no-such-session'));
    await assertRestError(F.create({ session_id: SID, message_id: anonMsg }), 404, 20404,
      notFound(`/v1/Messages/${anonMsg}`));
    await assertRestError(F.create({ session_id: SID, message_id: NO_MSG }), 404, 20404,
      notFound(`/v1/Messages/${NO_MSG}`));
    await assertRestError(A(NO_ASST).feedbacks.create({ session_id: SID }), 404, 20404,
      notFound(`/v1/Assistants/${NO_ASST}`));
    await assertRestError(A(NO_ASST).feedbacks.list(), 404, 20404);
    await assertRestError(bobV.assistants(x).feedbacks.list(), 404, 20404);
    assert.equal((await F.list()).length, 2, 'a refused feedback was stored');
  });

  await check('assistants(id).remove() deletes its feedbacks, keeps its sessions', async () => {
    const x = needs(sessX, 'first message').id;
    assert.equal(await A(x).remove(), true);
    await assertRestError(A(x).feedbacks.list(), 404, 20404, notFound(`/v1/Assistants/${x}`));
    const s = await S(SID).fetch();
    assert.equal(s.assistantId, x);
    assert.equal((await S(SID).messages.list()).length, 6);
  });
}

// ---------------------------------------------------------------------------

let twilio;

async function main() {
  let binary;
  ({ binary, twilio } = setup('test_sdk_node.js'));

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

  await partTwo({ base, binary, makeClient });

  await check('server still running', async () => {
    assert.equal(mainServer().exitCode, null, `server exited; stderr: ${childErr.join('')}`);
  });
}

run(main);
