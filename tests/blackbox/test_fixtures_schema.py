#!/usr/bin/env python3
"""Check fixtures/default.json against the contract and schema/fixtures.schema.json,
and the schema against the loader.

Checks counts per account, key sets, patterns, unique ids (UUIDv7 whose time
is date_created), date validity, the characters the server must carry
byte-faithfully (accents, CJK, emoji, quote, backslash, newline, tab, '/'),
equal date_created values, alice's records of the other sections (3 WEBHOOK
tools with url/method/input_schema meta, one with a policy; knowledge of
every type in every status; 2 policies; attachments to her first assistant;
a session with a 4-message history; a feedback; 2 canned replies), that the
file validates against the JSON Schema (with a small validator for the
keywords the schema uses: no jsonschema package here), and that it is
exactly what bench/gen_fixtures.py --default writes.

Schema against loader: for every section, valid records (nulls and omitted
optional fields included) are accepted by both the schema and
`assistants-mock --check`, and every kind of invalid record (missing field,
null required field, wrong type, bad id prefix, bad date format, unknown
key, not an object, section not an array, link and reply shapes) is refused
by both; what only the loader can see (references, duplicate ids, impossible
dates, byte limits) is accepted by the schema and refused by the loader.
The loader half needs the binary (--binary PATH, $ASSISTANTS_MOCK_BIN, else
build/assistants-mock) and is skipped with a note without one.

Python 3 standard library only; the repo root is found from this file's
location. Exit 0 when all checks pass, 1 otherwise; the last line is
"N passed, N failed".

SPDX-License-Identifier: MIT
"""

import argparse
import calendar
import json
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
FIXTURE = os.path.join(ROOT, "fixtures", "default.json")
SCHEMA = os.path.join(ROOT, "schema", "fixtures.schema.json")
GENERATOR = os.path.join(ROOT, "bench", "gen_fixtures.py")

ALICE = "ACa11ce000000000000000000000000001"
BOB = "ACb0b00000000000000000000000000002"
EXPECTED_ACCOUNTS = [
    {"sid": ALICE, "auth_token": "alice-auth-token",
     "api_keys": [{"sid": "SKa11ce000000000000000000000000001",
                   "secret": "alice-api-key-secret"}]},
    {"sid": BOB, "auth_token": "bob-auth-token"},
]
EXPECTED_COUNTS = {ALICE: 130, BOB: 12}

SECTIONS = ["assistants", "tools", "knowledge", "policies", "sessions",
            "messages", "feedbacks", "attachments", "policy_links", "replies"]
TOP_KEYS = {"accounts", "meta"} | set(SECTIONS)
REQUIRED = {"id", "name", "owner", "model", "personality_prompt",
            "customer_ai", "date_created", "date_updated"}
OPTIONAL = {"account_sid", "url"}
STRINGS = REQUIRED - {"customer_ai"} | OPTIONAL
ACCOUNT_RE = re.compile(r"^AC[0-9a-fA-F]{32}\Z", re.ASCII)
KEY_RE = re.compile(r"^SK[0-9a-fA-F]{32}\Z", re.ASCII)
ID_RE = re.compile(r"^aia_asst_.+\Z", re.ASCII | re.DOTALL)
UUID7_RE = re.compile(r"^aia_asst_([0-9a-f]{8})-([0-9a-f]{4})-7[0-9a-f]{3}-"
                      r"[89ab][0-9a-f]{3}-[0-9a-f]{12}\Z")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z\Z", re.ASCII)
MAX_STRING = 1 << 20

passed = 0
failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL: %s" % what)
    return ok


def strict_pairs(pairs):
    keys = [k for k, _ in pairs]
    dups = sorted({k for k in keys if keys.count(k) > 1})
    if dups:
        raise ValueError("duplicate keys %s" % dups)
    return dict(pairs)


def reject_constant(name):
    raise ValueError("non-JSON constant %s" % name)


def load(path):
    with open(path, "rb") as f:
        raw = f.read()
    return raw, json.loads(raw.decode("utf-8"), object_pairs_hook=strict_pairs,
                           parse_constant=reject_constant)


def parse_date(s):
    """Return unix seconds for a valid YYYY-MM-DDTHH:MM:SSZ, else None."""
    if not isinstance(s, str) or not DATE_RE.match(s):
        return None
    try:
        return calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))
    except ValueError:
        return None


# --- a small JSON Schema (2020-12) validator for the keywords used ---------

ANNOTATIONS = {"$schema", "$id", "title", "description", "format", "$defs"}
TYPES = {"object": dict, "array": list, "string": str, "boolean": bool,
         "number": (int, float), "null": type(None)}


def type_ok(name, value):
    return isinstance(value, TYPES[name]) and (
        name == "boolean" or not isinstance(value, bool))


def ecma_pattern(p):
    """ECMA-262 '$' (no multiline flag) matches only at the very end; in
    Python it also matches before a final newline."""
    if p.endswith("$") and not p.endswith("\\$"):
        p = p[:-1] + "\\Z"
    return p


def branch_errors(sub, root, value, path):
    errs = []
    validate(sub, root, value, path, errs)
    return errs


def validate(schema, root, value, path, errors):
    if "$ref" in schema:
        ref = schema["$ref"]
        if not ref.startswith("#/"):
            errors.append("%s: unsupported $ref %s" % (path, ref))
            return
        target = root
        for part in ref[2:].split("/"):
            target = target[part]
        validate(target, root, value, path, errors)
    for kw, arg in schema.items():
        if kw in ANNOTATIONS or kw == "$ref":
            continue
        if kw == "type":
            names = arg if isinstance(arg, list) else [arg]
            if not any(type_ok(n, value) for n in names):
                errors.append("%s: expected %s" % (path, arg))
                return
        elif kw == "properties":
            if isinstance(value, dict):
                for k, sub in arg.items():
                    if k in value:
                        validate(sub, root, value[k], "%s.%s" % (path, k),
                                 errors)
        elif kw == "additionalProperties":
            if arg is not False:
                errors.append("%s: unsupported additionalProperties" % path)
            elif isinstance(value, dict):
                extra = set(value) - set(schema.get("properties", {}))
                if extra:
                    errors.append("%s: unknown keys %s" % (path,
                                                           sorted(extra)))
        elif kw == "required":
            if isinstance(value, dict):
                missing = [k for k in arg if k not in value]
                if missing:
                    errors.append("%s: missing %s" % (path, missing))
        elif kw == "items":
            if isinstance(value, list):
                for i, v in enumerate(value):
                    validate(arg, root, v, "%s[%d]" % (path, i), errors)
        elif kw == "pattern":
            if isinstance(value, str) and not re.search(ecma_pattern(arg),
                                                        value, re.ASCII):
                errors.append("%s: %r does not match %s" % (path, value, arg))
        elif kw == "maxLength":
            if isinstance(value, str) and len(value) > arg:
                errors.append("%s: longer than %d" % (path, arg))
        elif kw == "minLength":
            if isinstance(value, str) and len(value) < arg:
                errors.append("%s: shorter than %d" % (path, arg))
        elif kw == "anyOf":
            branches = [branch_errors(sub, root, value, path) for sub in arg]
            if all(branches):
                errors.append("%s: matches none of anyOf: %s" %
                              (path, "; ".join(b[0] for b in branches)))
        elif kw == "oneOf":
            branches = [branch_errors(sub, root, value, path) for sub in arg]
            n = sum(1 for b in branches if not b)
            if n != 1:
                errors.append("%s: matches %d of oneOf, not 1%s" % (
                    path, n, "".join("; " + b[0] for b in branches if b)))
        elif kw == "not":
            if not branch_errors(arg, root, value, path):
                errors.append("%s: matches a schema it must not" % path)
        else:
            errors.append("%s: unsupported schema keyword %s" % (path, kw))


def schema_errors(schema, doc):
    errors = []
    validate(schema, schema, doc, "$", errors)
    return errors


# --- checks ------------------------------------------------------------------

def check_accounts(data):
    accounts = data.get("accounts")
    check(accounts == EXPECTED_ACCOUNTS,
          "accounts differ from the contract: %r" % (accounts,))
    for i, a in enumerate(accounts or []):
        if not check(isinstance(a, dict), "accounts[%d]: not an object" % i):
            continue
        check(set(a) <= {"sid", "auth_token", "api_keys"},
              "accounts[%d]: unknown keys" % i)
        check(isinstance(a.get("sid"), str) and ACCOUNT_RE.match(a["sid"]),
              "accounts[%d].sid: bad pattern" % i)
        for j, k in enumerate(a.get("api_keys", [])):
            check(isinstance(k, dict) and set(k) == {"sid", "secret"}
                  and KEY_RE.match(k["sid"]),
                  "accounts[%d].api_keys[%d]: bad key" % (i, j))


def check_assistants(data):
    items = data.get("assistants")
    if not check(isinstance(items, list), "assistants: not an array"):
        return []
    counts = {}
    ids = set()
    for i, a in enumerate(items):
        where = "assistants[%d]" % i
        if not check(isinstance(a, dict), where + ": not an object"):
            continue
        keys = set(a)
        check(REQUIRED <= keys, "%s: missing %s" % (where,
                                                    sorted(REQUIRED - keys)))
        check(keys <= REQUIRED | OPTIONAL,
              "%s: unknown keys %s" % (where,
                                       sorted(keys - REQUIRED - OPTIONAL)))
        for k in STRINGS & keys:
            check(isinstance(a[k], str)
                  and len(a[k].encode("utf-8")) <= MAX_STRING,
                  "%s.%s: not a string of at most 1 MiB" % (where, k))
        sid = a.get("account_sid")
        check(isinstance(sid, str) and ACCOUNT_RE.match(sid),
              "%s.account_sid: bad %r" % (where, sid))
        counts[sid] = counts.get(sid, 0) + 1

        aid = a.get("id")
        if check(isinstance(aid, str) and ID_RE.match(aid)
                 and len(aid.encode("utf-8")) <= 200,
                 "%s.id: bad %r" % (where, aid)):
            check(aid not in ids, "%s.id: duplicate %s" % (where, aid))
            ids.add(aid)

        created = parse_date(a.get("date_created"))
        updated = parse_date(a.get("date_updated"))
        check(created is not None, "%s.date_created: invalid %r"
              % (where, a.get("date_created")))
        check(updated is not None, "%s.date_updated: invalid %r"
              % (where, a.get("date_updated")))
        if created is not None and updated is not None:
            check(updated >= created,
                  "%s: date_updated before date_created" % where)
        m = UUID7_RE.match(aid) if isinstance(aid, str) else None
        if check(m is not None, "%s.id: not a lowercase UUIDv7" % where) \
                and created is not None:
            ms = int(m.group(1) + m.group(2), 16)
            check(ms // 1000 == created,
                  "%s.id: UUIDv7 time is not date_created" % where)

        cai = a.get("customer_ai")
        check(isinstance(cai, dict)
              and set(cai) == {"perception_engine_enabled",
                               "personalization_engine_enabled"}
              and all(isinstance(v, bool) for v in cai.values()),
              "%s.customer_ai: not the real two-boolean shape" % where)
    check(counts == EXPECTED_COUNTS,
          "assistants per account: got %r, want %r"
          % (counts, EXPECTED_COUNTS))
    return items


def check_characters(items):
    text = [a[k] for a in items if isinstance(a, dict)
            for k in STRINGS if isinstance(a.get(k), str)]
    wanted = {
        "accented Latin": lambda s: any("\u00c0" <= c <= "\u024f" for c in s),
        "CJK": lambda s: any("\u3040" <= c <= "\u9fff" for c in s),
        "emoji outside the BMP": lambda s: any(ord(c) > 0xFFFF for c in s),
        "double quote": lambda s: '"' in s,
        "backslash": lambda s: "\\" in s,
        "newline": lambda s: "\n" in s,
        "tab": lambda s: "\t" in s,
        "slash": lambda s: "/" in s,
    }
    for what, has in wanted.items():
        check(any(has(s) for s in text), "no string contains a %s" % what)


def check_ties(items):
    by_key = {}
    for a in items:
        if isinstance(a, dict):
            key = (a.get("account_sid"), a.get("date_created"))
            by_key.setdefault(key, []).append(a.get("id"))
    ties = {k: v for k, v in by_key.items() if len(v) > 1}
    check(any(k[0] == ALICE for k in ties),
          "no two assistants of account 1 share a date_created")
    check(any(v != sorted(v) for v in ties.values()),
          "no tie is listed against id order (tie-break would go untested)")


def check_schema(data):
    try:
        _, schema = load(SCHEMA)
    except (OSError, ValueError) as e:
        check(False, "cannot load %s: %s" % (SCHEMA, e))
        return
    check(schema.get("$schema")
          == "https://json-schema.org/draft/2020-12/schema",
          "schema: not draft 2020-12")
    errors = []
    validate(schema, schema, data, "$", errors)
    for e in errors[:20]:
        print("  schema: %s" % e)
    check(not errors, "default.json does not validate against the schema "
          "(%d errors)" % len(errors))
    # The schema must reject what the contract calls errors.
    bad_docs = {
        "unknown top-level key": {"assistants": [], "extra": 1},
        "unknown assistant key": {"assistants": [dict(
            data["assistants"][0], tools=[])]},
        "bad date": {"assistants": [dict(
            data["assistants"][0], date_created="2024-01-01 00:00:00")]},
        "bad account sid": {"accounts": [{"sid": "ACxyz",
                                          "auth_token": "t"}]},
        "bad id": {"assistants": [dict(data["assistants"][0],
                                       id="asst_1")]},
    }
    for what, doc in bad_docs.items():
        errors = []
        validate(schema, schema, doc, "$", errors)
        check(errors, "schema accepts a document with a %s" % what)


# --- alice's records of the other sections in default.json ------------------

UUID7_ANY_RE = re.compile(r"^(aia_[a-z]+_)([0-9a-f]{8})-([0-9a-f]{4})-7[0-9a-f]{3}-"
                          r"[89ab][0-9a-f]{3}-[0-9a-f]{12}\Z")
PREFIXES = {"tools": "aia_tool_", "knowledge": "aia_know_",
            "policies": "aia_plcy_", "messages": "aia_msg_",
            "feedbacks": "aia_fdbk_"}
KNOWLEDGE_TYPES = ["Web", "Database", "Text", "File"]
KNOWLEDGE_STATUSES = ["QUEUED", "PROCESSING", "COMPLETED", "FAILED"]
UUID4_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                      r"[0-9a-f]{12}\Z")


def first_assistant(data, account_sid):
    mine = [a for a in data.get("assistants", [])
            if isinstance(a, dict) and a.get("account_sid") == account_sid]
    return min(mine, key=lambda a: (a["date_created"], a["id"]))["id"] \
        if mine else None


def check_resources(data):
    """The other sections of the bundled fixtures: alice's small world."""
    for k in SECTIONS[1:]:
        if not check(isinstance(data.get(k), list), "%s: not an array" % k):
            return
    first = first_assistant(data, ALICE)
    for k in SECTIONS[1:7]:
        ids = set()
        for i, r in enumerate(data[k]):
            where = "%s[%d]" % (k, i)
            check(r.get("account_sid") == ALICE,
                  "%s: not alice's (account_sid %r)" % (where,
                                                        r.get("account_sid")))
            created = parse_date(r.get("date_created"))
            updated = parse_date(r.get("date_updated"))
            check(created is not None and updated is not None
                  and updated >= created, "%s: bad dates" % where)
            check(r["id"] not in ids, "%s.id: duplicate" % where)
            ids.add(r["id"])
            if k in PREFIXES:
                m = UUID7_ANY_RE.match(r["id"])
                if check(m is not None and m.group(1) == PREFIXES[k],
                         "%s.id: not %s + a UUIDv7: %r" % (where, PREFIXES[k],
                                                           r["id"])) \
                        and created is not None:
                    check(int(m.group(2) + m.group(3), 16) // 1000 == created,
                          "%s.id: UUIDv7 time is not date_created" % where)

    tools, know, pols = data["tools"], data["knowledge"], data["policies"]
    links = data["policy_links"]
    check(len(tools) == 3, "want 3 tools, got %d" % len(tools))
    with_policy = {l.get("tool_id") for l in links if "tool_id" in l}
    for i, t in enumerate(tools):
        check(t.get("type") == "WEBHOOK", "tools[%d]: not a WEBHOOK" % i)
        meta = t.get("meta")
        check(isinstance(meta, dict)
              and set(meta) == {"url", "method", "input_schema"}
              and meta["url"].startswith("https://")
              and meta["method"] in ("GET", "POST")
              and meta["input_schema"].startswith("export type Data = {"),
              "tools[%d].meta: not url/method/input_schema as in API.md: %r"
              % (i, meta))
        check(t.get("requires_auth") == (t["id"] in with_policy),
              "tools[%d].requires_auth: %r but %s policy"
              % (i, t.get("requires_auth"),
                 "a" if t["id"] in with_policy else "no"))
    check(len(with_policy) == 1, "want exactly one tool with a policy")

    pairs = sorted((k.get("type"), k.get("status")) for k in know)
    check(pairs == sorted((t, s) for t in KNOWLEDGE_TYPES
                          for s in KNOWLEDGE_STATUSES),
          "knowledge: want each type in each status once, got %r" % pairs)
    for i, k in enumerate(know):
        d = k.get("knowledge_source_details") or {}
        if k.get("type") == "Database":
            check(isinstance(k.get("embedding_model"), str),
                  "knowledge[%d]: Database without embedding_model" % i)
        else:
            check(k.get("embedding_model") is None,
                  "knowledge[%d]: embedding_model on %s" % (i, k.get("type")))
        want = {"Web": "source", "Text": "content", "File": "file_name",
                "Database": "source"}.get(k.get("type"))
        check(isinstance(d.get(want), str),
              "knowledge[%d]: %s without knowledge_source_details.%s"
              % (i, k.get("type"), want))
    check(len(pols) == 2, "want 2 policies, got %d" % len(pols))
    check(len(links) == 2 and {l["policy_id"] for l in links}
          == {p["id"] for p in pols}, "each policy should be linked once")
    tool_ids = {t["id"] for t in tools}
    know_ids = {k["id"] for k in know}
    for i, l in enumerate(links):
        check(l.get("tool_id") in tool_ids or l.get("knowledge_id") in know_ids,
              "policy_links[%d]: dangling" % i)

    check(all(l.get("account_sid") == ALICE
              for l in data["attachments"] + links),
          "attachments and policy_links must name alice's account_sid (else "
          "they belong to TWILIO_ACCOUNT_SID's account when it is set)")
    att = data["attachments"]
    check(att and all(a.get("assistant_id") == first for a in att),
          "attachments: not all to alice's first assistant %s" % first)
    check(any("tool_id" in a for a in att)
          and any("knowledge_id" in a for a in att),
          "attachments: want tools and knowledge")
    check(all(a.get("tool_id", a.get("knowledge_id")) in tool_ids | know_ids
              for a in att), "attachments: dangling")

    sessions, msgs = data["sessions"], data["messages"]
    check(len(sessions) == 1, "want one session")
    if sessions:
        s = sessions[0]
        check(s.get("assistant_id") == first and UUID4_RE.match(s["id"]),
              "sessions[0]: not a UUIDv4 session of the first assistant")
        check(len(msgs) == 4 and all(m.get("session_id") == s["id"]
                                     for m in msgs),
              "want 4 messages of the session")
        check([m.get("role") for m in msgs]
              == ["user", "assistant", "user", "assistant"],
              "messages: roles do not alternate user/assistant")
        check(all(isinstance(m.get("content"), dict)
                  and list(m["content"]) == ["text"]
                  and isinstance(m["content"]["text"], str) for m in msgs),
              "messages: content is not {\"text\": ...}")
        check(all(m.get("meta") == ({} if m["role"] == "user" else
                                    {"flagged": False, "aborted": False})
                  for m in msgs), "messages: meta is not as SendMessage's")
        check([m["id"] for m in msgs] == sorted(m["id"] for m in msgs)
              and [m["date_created"] for m in msgs]
              == sorted(m["date_created"] for m in msgs),
              "messages: not in time order")
        fb = data["feedbacks"]
        check(len(fb) == 1 and fb[0].get("session_id") == s["id"]
              and fb[0].get("message_id") in {m["id"] for m in msgs}
              and fb[0].get("assistant_id") == first,
              "want one feedback on a message of the session")
    reps = data["replies"]
    check(len(reps) == 2 and any(r.get("match") == "*refund*" for r in reps),
          "want 2 canned replies, one matching *refund*")


# --- the schema against the loader -------------------------------------------

LA = "AC5c4e3a000000000000000000000000a1"
LA_TOKEN = "schema-loader-token"
LB = "AC5c4e3a000000000000000000000000b2"
D1 = "2025-01-02T03:04:05Z"
D2 = "2025-01-03T03:04:05Z"


def base_doc():
    """One valid record of every section, all cross-referenced."""
    return {
        "accounts": [{"sid": LA, "auth_token": LA_TOKEN},
                     {"sid": LB, "auth_token": "schema-loader-b"}],
        "assistants": [{
            "id": "aia_asst_1", "account_sid": LA, "name": "A", "owner": "o",
            "model": "gpt-4o", "personality_prompt": "p",
            "customer_ai": {"perception_engine_enabled": False,
                            "personalization_engine_enabled": True},
            "date_created": D1, "date_updated": D2}],
        "tools": [{
            "account_sid": LA, "description": "d", "enabled": True,
            "id": "aia_tool_1",
            "meta": {"url": "https://example.com", "method": "POST",
                     "input_schema": "export type Data = { date: string }"},
            "name": "T", "requires_auth": True, "type": "WEBHOOK",
            "date_created": D1, "date_updated": D2}],
        "knowledge": [{
            "description": "d", "id": "aia_know_1", "account_sid": LA,
            "knowledge_source_details": {"content": "c"}, "name": "K",
            "status": "COMPLETED", "type": "Text", "embedding_model": None,
            "date_created": D1, "date_updated": D2}],
        "policies": [{
            "id": "aia_plcy_1", "name": "P", "description": "d",
            "account_sid": LA, "user_sid": None, "type": "",
            "policy_details": {"k": 1}, "date_created": D1,
            "date_updated": D2}],
        "sessions": [{
            "id": "s1", "account_sid": LA, "assistant_id": "aia_asst_1",
            "verified": False, "identity": "email:x@example.com",
            "date_created": D1, "date_updated": D2}],
        "messages": [{
            "id": "aia_msg_1", "account_sid": LA, "assistant_id": "aia_asst_1",
            "session_id": "s1", "identity": "email:x@example.com",
            "role": "user", "content": {"text": "hi"}, "meta": {},
            "date_created": D1, "date_updated": D1}],
        "feedbacks": [{
            "assistant_id": "aia_asst_1", "id": "aia_fdbk_1",
            "account_sid": LA, "user_sid": None, "message_id": "aia_msg_1",
            "score": 0.5, "session_id": "s1", "text": "good",
            "date_created": D2, "date_updated": D2}],
        "attachments": [{"assistant_id": "aia_asst_1", "tool_id": "aia_tool_1"},
                        {"assistant_id": "aia_asst_1",
                         "knowledge_id": "aia_know_1"}],
        "policy_links": [{"policy_id": "aia_plcy_1", "tool_id": "aia_tool_1"}],
        "replies": [{"assistant_id": "aia_asst_1", "match": "*refund*",
                     "reply": "r"}, {"match": "*", "reply": "any"}],
        "meta": {"page": 0, "key": "tools"},
    }


# Per record section: field -> (kind, required, nullable). Kinds give the
# wrong-type value below; nullable: null is accepted (the same as absent).
FIELDS = {
    "assistants": {
        "id": ("id", True, False), "account_sid": ("sid", False, True),
        "name": ("text", True, False), "owner": ("text", True, False),
        "model": ("text", True, False),
        "personality_prompt": ("text", True, False),
        "customer_ai": ("object", True, False), "url": ("text", False, True),
        "date_created": ("date", True, False),
        "date_updated": ("date", True, False)},
    "tools": {
        "account_sid": ("sid", False, True), "description": ("text", True, False),
        "enabled": ("bool", True, False), "id": ("id", True, False),
        "meta": ("object", True, False), "name": ("text", True, False),
        "requires_auth": ("bool", True, False), "type": ("text", True, False),
        "url": ("text", False, True), "date_created": ("date", True, False),
        "date_updated": ("date", True, False)},
    "knowledge": {
        "description": ("text", True, False), "id": ("id", True, False),
        "account_sid": ("sid", False, True),
        "knowledge_source_details": ("object", True, False),
        "name": ("text", True, False), "status": ("text", True, False),
        "type": ("text", True, False), "url": ("text", False, True),
        "embedding_model": ("text", False, True),
        "date_created": ("date", True, False),
        "date_updated": ("date", True, False),
        "last_status": ("text", False, True)},
    "policies": {
        "id": ("id", True, False), "name": ("text", False, True),
        "description": ("text", False, True),
        "account_sid": ("sid", False, True), "user_sid": ("text", False, True),
        "type": ("text", True, False), "policy_details": ("any", True, False),
        "date_created": ("date", True, False),
        "date_updated": ("date", True, False)},
    "sessions": {
        "id": ("text", True, False), "account_sid": ("sid", False, True),
        "assistant_id": ("ref", True, False), "verified": ("bool", True, False),
        "identity": ("text", True, False), "date_created": ("date", True, False),
        "date_updated": ("date", True, False)},
    "messages": {
        "id": ("id", True, False), "account_sid": ("sid", False, True),
        "assistant_id": ("ref", True, False), "session_id": ("ref", True, False),
        "identity": ("text", True, False), "role": ("text", True, False),
        "content": ("object", True, False), "meta": ("object", True, False),
        "date_created": ("date", True, False),
        "date_updated": ("date", True, False)},
    "feedbacks": {
        "assistant_id": ("ref", True, False), "id": ("id", True, False),
        "account_sid": ("sid", False, True), "user_sid": ("text", False, True),
        "message_id": ("ref", False, True), "score": ("number", False, True),
        "session_id": ("ref", True, False), "text": ("text", False, True),
        "date_created": ("date", True, False),
        "date_updated": ("date", True, False)},
}
WRONG = {"id": 5, "sid": 5, "text": 5, "ref": 5, "object": [], "bool": "true",
         "date": 20250102, "number": "0.5"}
BAD_PREFIX = {"assistants": "asst_1", "tools": "aia_tol_1",
              "knowledge": "aia_kn_1", "policies": "aia_policy_1",
              "messages": "aia_message_1", "feedbacks": "aia_fdbk"}


def mutated(section, index, **over):
    """base_doc() with section[index] changed; a value of ... removes it."""
    d = base_doc()
    for k, v in over.items():
        if v is Ellipsis:
            d[section][index].pop(k, None)
        else:
            d[section][index][k] = v
    return d


def loader_cases():
    """(name, document, env, valid for the schema, valid for the loader)."""
    cases = [("base document", base_doc(), None, True, True)]

    def both(name, doc, ok, env=None):
        cases.append((name, doc, env, ok, ok))

    for sec, fields in FIELDS.items():
        i = 0
        for f, (kind, required, nullable) in fields.items():
            if f not in base_doc()[sec][i]:
                both("%s: %s given" % (sec, f),
                     mutated(sec, i, **{f: {"url": "https://x.example/a",
                                            "last_status": "FAILED",
                                            "embedding_model": "m",
                                            "name": "n",
                                            "description": "d"}.get(f, "x")}),
                     True)
            if required:
                both("%s: %s missing" % (sec, f),
                     mutated(sec, i, **{f: ...}), False)
            else:
                both("%s: %s omitted" % (sec, f),
                     mutated(sec, i, **{f: ...}), True)
            both("%s: %s null" % (sec, f), mutated(sec, i, **{f: None}),
                 nullable)
            if kind != "any":
                both("%s: %s of the wrong type" % (sec, f),
                     mutated(sec, i, **{f: WRONG[kind]}), False)
            if kind == "date":
                for bad in ("2025-01-02 03:04:05", "2025-01-02T03:04:05.5Z",
                            "2025-01-02T03:04:05+00:00", "2025-01-02"):
                    both("%s: %s %r" % (sec, f, bad),
                         mutated(sec, i, **{f: bad}), False)
            if kind == "sid":
                both("%s: bad %s" % (sec, f), mutated(sec, i, **{f: "ACxyz"}),
                     False)
        both("%s: unknown key" % sec, mutated(sec, 0, extra_key=1), False)
        both("%s: camelCase key" % sec, mutated(sec, 0, dateCreated=D1), False)
        d = base_doc()
        d[sec][0] = [d[sec][0]]
        both("%s: record not an object" % sec, d, False)
        d = base_doc()
        d[sec] = d[sec][0]
        both("%s: not an array" % sec, d, False)
        if sec in BAD_PREFIX:
            both("%s: bad id prefix" % sec,
                 mutated(sec, 0, id=BAD_PREFIX[sec]), False)
    # ids on an extra record nothing refers to
    for sec, prefix in (("assistants", "aia_asst_"), ("tools", "aia_tool_"),
                        ("knowledge", "aia_know_"), ("policies", "aia_plcy_"),
                        ("messages", "aia_msg_"), ("feedbacks", "aia_fdbk_")):
        for what, new_id, ok in (
                ("the bare prefix", prefix, False),
                ("with a newline", prefix + "a\nb", False),
                ("with a carriage return", prefix + "a\rb", True),
                ("of 200 bytes", prefix + "x" * (200 - len(prefix)), True),
                ("of 201 bytes", prefix + "x" * (201 - len(prefix)), False)):
            d = base_doc()
            d[sec].append(dict(d[sec][0], id=new_id))
            both("%s: id %s" % (sec, what), d, ok)
    both("policies: policy_details a string",
         mutated("policies", 0, policy_details="x"), True)
    both("policies: policy_details an array",
         mutated("policies", 0, policy_details=[1, {}]), True)
    both("policies: type empty", mutated("policies", 0, type=""), True)
    both("sessions: id with a colon and a slash",
         {**base_doc(), "messages": [], "feedbacks": [],
          "sessions": [dict(base_doc()["sessions"][0],
                            id="webhook:messaging__+1555/x y")]}, True)
    both("feedbacks: score an integer", mutated("feedbacks", 0, score=1), True)
    both("knowledge: last_status null",
         mutated("knowledge", 0, last_status=None), True)

    # links
    for sec, owner in (("attachments", "assistant_id"),
                       ("policy_links", "policy_id")):
        good = base_doc()[sec][0]
        def link_doc(**over):
            d = base_doc()
            r = dict(good)
            for k, v in over.items():
                if v is Ellipsis:
                    r.pop(k, None)
                else:
                    r[k] = v
            d[sec] = [r]
            return d
        both("%s: knowledge_id instead of tool_id" % sec,
             link_doc(tool_id=..., knowledge_id="aia_know_1"), True)
        both("%s: tool_id null beside knowledge_id" % sec,
             link_doc(tool_id=None, knowledge_id="aia_know_1"), True)
        both("%s: account_sid" % sec, link_doc(account_sid=LA), True)
        both("%s: account_sid null" % sec, link_doc(account_sid=None), True)
        both("%s: bad account_sid" % sec, link_doc(account_sid="ACxyz"), False)
        both("%s: both tool_id and knowledge_id" % sec,
             link_doc(knowledge_id="aia_know_1"), False)
        both("%s: neither tool_id nor knowledge_id" % sec,
             link_doc(tool_id=...), False)
        both("%s: tool_id null alone" % sec, link_doc(tool_id=None), False)
        both("%s: %s missing" % (sec, owner), link_doc(**{owner: ...}), False)
        both("%s: %s null" % (sec, owner), link_doc(**{owner: None}), False)
        both("%s: %s a number" % (sec, owner), link_doc(**{owner: 1}), False)
        both("%s: tool_id a number" % sec, link_doc(tool_id=1), False)
        both("%s: unknown key" % sec, link_doc(extra=1), False)
        both("%s: not an object" % sec,
             {**base_doc(), sec: ["aia_tool_1"]}, False)
        both("%s: not an array" % sec, {**base_doc(), sec: good}, False)
    # replies
    def reply_doc(**over):
        d = base_doc()
        r = {"assistant_id": "aia_asst_1", "match": "*x*", "reply": "y"}
        for k, v in over.items():
            if v is Ellipsis:
                r.pop(k, None)
            else:
                r[k] = v
        d["replies"] = [r]
        return d
    both("replies: global", reply_doc(assistant_id=...), True)
    both("replies: assistant_id null", reply_doc(assistant_id=None), True)
    both("replies: empty match", reply_doc(match=""), True)
    both("replies: reply of 64 KiB", reply_doc(reply="r" * 65536), True)
    both("replies: reply over 64 KiB", reply_doc(reply="r" * 65537), False)
    both("replies: match missing", reply_doc(match=...), False)
    both("replies: reply missing", reply_doc(reply=...), False)
    both("replies: match null", reply_doc(match=None), False)
    both("replies: reply a number", reply_doc(reply=1), False)
    both("replies: assistant_id a number", reply_doc(assistant_id=1), False)
    both("replies: unknown key", reply_doc(extra="x"), False)
    both("replies: not an object", {**base_doc(), "replies": ["x"]}, False)
    # top level
    both("meta any value", {**base_doc(), "meta": 5}, True)
    both("unknown top-level key", {**base_doc(), "chunks": []}, False)
    both("only sections", {k: v for k, v in base_doc().items()
                           if k != "accounts"}, True,
         env={"TWILIO_ACCOUNT_SID": LA, "TWILIO_AUTH_TOKEN": LA_TOKEN})

    # What only the loader sees: the schema accepts, the loader refuses.
    def loader_only(name, doc):
        cases.append((name, doc, None, True, False))
    loader_only("sessions: unknown assistant",
                mutated("sessions", 0, assistant_id="aia_asst_nope"))
    loader_only("messages: unknown session",
                mutated("messages", 0, session_id="nope"))
    loader_only("messages: unknown assistant",
                mutated("messages", 0, assistant_id="aia_asst_nope"))
    loader_only("feedbacks: unknown message",
                mutated("feedbacks", 0, message_id="aia_msg_nope"))
    loader_only("feedbacks: unknown session",
                mutated("feedbacks", 0, session_id="nope"))
    d = base_doc()
    d["attachments"][0]["tool_id"] = "aia_tool_nope"
    loader_only("attachments: unknown tool", d)
    d = base_doc()
    d["policy_links"][0]["policy_id"] = "aia_plcy_nope"
    loader_only("policy_links: unknown policy", d)
    loader_only("sessions: assistant of another account",
                mutated("sessions", 0, account_sid=LB))
    d = base_doc()
    d["tools"].append(dict(d["tools"][0], account_sid=LB))
    loader_only("tools: duplicate id (across accounts)", d)
    d = base_doc()
    d["sessions"].append(dict(d["sessions"][0]))
    loader_only("sessions: duplicate id in one account", d)
    loader_only("tools: 2025-02-30",
                mutated("tools", 0, date_created="2025-02-30T00:00:00Z"))
    loader_only("tools: id of 200 characters but 201 bytes",
                mutated("tools", 0, id="aia_tool_" + "é" + "x" * 190))
    loader_only("tools: account without credentials",
                mutated("tools", 0, account_sid="AC" + "0" * 32))
    loader_only("messages: NUL in an object key",
                mutated("messages", 0, content={"a\u0000b": 1}))
    return cases


def binary_path(argv):
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--binary")
    args, _ = p.parse_known_args(argv)
    path = args.binary or os.environ.get("ASSISTANTS_MOCK_BIN") or \
        os.path.join(ROOT, "build", "assistants-mock")
    return os.path.abspath(path)


def loader_accepts(binary, path, env):
    e = {k: v for k, v in os.environ.items()
         if not k.startswith(("ASSISTANTS_MOCK_", "TWILIO_"))}
    e.update(env or {})
    p = subprocess.run([binary, "--check", "--fixtures", path],
                       stdin=subprocess.DEVNULL, capture_output=True,
                       env=e, timeout=30)
    if p.returncode not in (0, 2):
        raise RuntimeError("--check exited %d: %s" % (p.returncode,
                                                      p.stderr[-500:]))
    return p.returncode == 0, p.stderr.decode("utf-8", "replace")


def check_loader(schema, binary):
    cases = loader_cases()
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        print("NOTE: %s not found: the %d loader comparisons are skipped"
              % (binary, len(cases)))
        return
    with tempfile.TemporaryDirectory(prefix="am-schema-") as d:
        for n, (name, doc, env, schema_ok, loader_ok) in enumerate(cases):
            errs = schema_errors(schema, doc)
            check((not errs) == schema_ok,
                  "schema %s %s%s" % ("refuses" if errs else "accepts", name,
                                      ": " + errs[0] if errs else ""))
            path = os.path.join(d, "case%03d.json" % n)
            with open(path, "w", encoding="utf-8") as f:
                json.dump(doc, f, ensure_ascii=False)
            ok, err = loader_accepts(binary, path, env)
            check(ok == loader_ok, "loader %s %s%s" % (
                "accepts" if ok else "refuses", name,
                "" if ok else ": " + err.strip().split("\n")[0]))


def check_generated(raw):
    try:
        out = subprocess.run([sys.executable, GENERATOR, "--default"],
                             stdout=subprocess.PIPE, check=True,
                             timeout=60).stdout
    except (OSError, subprocess.SubprocessError) as e:
        check(False, "cannot run %s --default: %s" % (GENERATOR, e))
        return
    check(out == raw, "fixtures/default.json differs from "
          "bench/gen_fixtures.py --default (regenerate it)")


def main():
    try:
        raw, data = load(FIXTURE)
    except (OSError, ValueError) as e:
        check(False, "cannot load %s: %s" % (FIXTURE, e))
    else:
        if check(isinstance(data, dict), "top level: not an object"):
            check(set(data) <= TOP_KEYS, "top level: unknown keys %s"
                  % sorted(set(data) - TOP_KEYS))
            check(raw.endswith(b"}\n"), "file does not end with a newline")
            check_accounts(data)
            items = check_assistants(data)
            check_characters(items)
            check_ties(items)
            check_resources(data)
            check_schema(data)
            check_generated(raw)
    try:
        _, schema = load(SCHEMA)
    except (OSError, ValueError):
        schema = None  # reported by check_schema
    if schema is not None:
        check_loader(schema, binary_path(sys.argv[1:]))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
