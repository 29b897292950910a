// An application that uses the pinned twilio-node exactly as it would
// against Twilio: no baseUrl, no edge or region, credentials from
// TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN. tests/blackbox/test_dropin.py
// runs it with HTTP_PROXY (or HTTPS_PROXY) pointing at the mock's
// --proxy-port, or with assistants.twilio.com mapped to the mock, and
// NODE_EXTRA_CA_CERTS naming the mock's CA. It lists every assistant
// (following next_page_url), creates, fetches and deletes one, and prints
// one JSON line: {"ids": [...], "created": id, "fetched": name,
// "firstUrl": url of the first item}. Exits 1 on any error.
//
// SPDX-License-Identifier: MIT
'use strict';

const path = require('node:path');

const twilio = require(path.join(__dirname, 'node_modules', 'twilio'));

async function main() {
  const client = twilio(process.env.TWILIO_ACCOUNT_SID,
                        process.env.TWILIO_AUTH_TOKEN);
  const items = await client.assistants.v1.assistants.list({ pageSize: 25 });
  const made = await client.assistants.v1.assistants.create({
    name: 'drop-in', owner: 'tests',
  });
  const got = await client.assistants.v1.assistants(made.id).fetch();
  await client.assistants.v1.assistants(made.id).remove();
  console.log(JSON.stringify({
    ids: items.map((a) => a.id), created: made.id, fetched: got.name,
    firstUrl: items.length ? items[0].url : null,
  }));
}

main().catch((e) => {
  console.error(`dropin.js: ${e && e.stack ? e.stack : e}`);
  process.exit(1);
});
