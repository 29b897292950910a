#!/usr/bin/env python3
"""Check fixtures/default.json against the contract and schema/fixtures.schema.json.

Checks counts per account, key sets, patterns, unique ids (UUIDv7 whose time
is date_created), date validity, the characters the server must carry
byte-faithfully (accents, CJK, emoji, quote, backslash, newline, tab, '/'),
equal date_created values, that the file validates against the JSON Schema
(with a small validator for the keywords the schema uses: no jsonschema
package here), and that it is exactly what bench/gen_fixtures.py --default
writes. Python 3 standard library only; the repo root is found from this
file's location. Exit 0 when all checks pass, 1 otherwise; the last line is
"N passed, N failed".

SPDX-License-Identifier: MIT
"""

import calendar
import json
import os
import re
import subprocess
import sys
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

TOP_KEYS = {"accounts", "assistants", "meta"}
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
TYPES = {"object": dict, "array": list, "string": str, "boolean": bool}


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
            if not isinstance(value, TYPES[arg]) or (
                    arg != "boolean" and isinstance(value, bool)):
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
            if isinstance(value, str) and not re.search(arg, value, re.ASCII):
                errors.append("%s: %r does not match %s" % (path, value, arg))
        elif kw == "maxLength":
            if isinstance(value, str) and len(value) > arg:
                errors.append("%s: longer than %d" % (path, arg))
        elif kw == "minLength":
            if isinstance(value, str) and len(value) < arg:
                errors.append("%s: shorter than %d" % (path, arg))
        elif kw == "anyOf":
            branches = []
            for sub in arg:
                errs = []
                validate(sub, root, value, path, errs)
                branches.append(errs)
            if all(branches):
                errors.append("%s: matches none of anyOf: %s" %
                              (path, "; ".join(b[0] for b in branches)))
        else:
            errors.append("%s: unsupported schema keyword %s" % (path, kw))


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
            check_schema(data)
            check_generated(raw)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
