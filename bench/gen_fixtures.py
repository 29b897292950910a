#!/usr/bin/env python3
"""Generate deterministic assistants-mock fixture files.

    gen_fixtures.py --count N [--seed S] [--out FILE]
        N assistants for one account (alice), streamed one per line, so a
        million-assistant file never sits in memory.
    gen_fixtures.py --default
        The bundled fixtures (fixtures/default.json) on stdout: two accounts,
        130 + 12 assistants, with unicode, escape-worthy characters, '/' and
        equal date_created values. Regenerate with:
            bench/gen_fixtures.py --default > fixtures/default.json

Everything comes from random.Random(seed), so the same arguments always give
the same bytes. Ids are "aia_asst_" + a lowercase hyphenated UUIDv7 whose
timestamp is date_created (plus random milliseconds). Dates never decrease,
about 5% of them repeat the previous one so ties must be broken by id.
Python 3 standard library only.

SPDX-License-Identifier: MIT
"""

import argparse
import calendar
import json
import random
import sys
import time

ALICE = {
    "sid": "ACa11ce000000000000000000000000001",
    "auth_token": "alice-auth-token",
    "api_keys": [
        {"sid": "SKa11ce000000000000000000000000001",
         "secret": "alice-api-key-secret"},
    ],
}
BOB = {
    "sid": "ACb0b00000000000000000000000000002",
    "auth_token": "bob-auth-token",
}

DEFAULT_SEED = 20240601
DEFAULT_ALICE_COUNT = 130
DEFAULT_BOB_COUNT = 12

EPOCH = calendar.timegm((2024, 1, 8, 9, 0, 0))  # first date_created
SPAN = 365 * 86400      # generated dates spread over about a year
TIE_RATE = 0.05         # share of date_created equal to the previous one

OWNERS = [
    "Owl Bank", "Acme Corp", "Globex", "Initech", "Umbrella Health",
    "Stark Logistics", "Wayne Retail", "Hooli", "Soylent Foods",
    "Cyberdyne Travel",
]
MODELS = [
    "gpt-4o", "gpt-4o-mini", "gpt-4-turbo", "claude-3-5-sonnet",
    "claude-3-haiku", "llama-3.1-70b", "llama-3.1-8b", "mistral-large",
    "gemini-1.5-pro",
]
# Weights make a few models common, as in real accounts.
MODEL_WEIGHTS = [30, 25, 5, 15, 5, 8, 4, 4, 4]
ROLES = [
    "Support", "Billing", "Sales", "Booking", "Onboarding", "Returns",
    "Claims", "Scheduling", "Helpdesk", "Concierge", "Collections",
    "Feedback", "Triage", "Loyalty", "Shipping",
]
KINDS = ["Assistant", "Agent", "Bot", "Helper", "Copilot"]
QUALIFIERS = ["", "", "", "EU ", "US ", "Night ", "VIP ", "Spanish ",
              "Tier 2 ", "Beta "]
OPENERS = [
    "You are a friendly {role} assistant for {owner}.",
    "You are {owner}'s {role} agent.",
    "Act as a patient {role} specialist working for {owner}.",
    "You help {owner} customers with {role} questions.",
    "You are a concise, professional {role} assistant.",
]
SENTENCES = [
    "Keep answers short and to the point.",
    "Always greet the customer by name when you know it.",
    "Never ask for a full card number or a password.",
    "If you are unsure, offer to transfer the caller to a human agent.",
    "Confirm the order number before making any change.",
    "Answer in the language the customer uses.",
    "Summarise the conversation at the end of the call.",
    "Do not make promises about refunds; explain the policy instead.",
    "Use a warm tone, avoid jargon and spell out acronyms.",
    "Offer to send a confirmation by SMS once the request is done.",
    "Escalate to a supervisor when the customer asks twice.",
    "Business hours are Monday to Friday, 9am to 6pm local time.",
    "Read back dates and amounts so the customer can check them.",
    "Ask one question at a time.",
]


def uuid7_id(rng, ms):
    """Return "aia_asst_" + a UUIDv7 for unix time ms (milliseconds)."""
    rand_a = rng.getrandbits(12)
    rand_b = rng.getrandbits(62) | (0b10 << 62)  # RFC 9562 variant
    h = "%012x7%03x%016x" % (ms, rand_a, rand_b)
    return "aia_asst_%s-%s-%s-%s-%s" % (h[:8], h[8:12], h[12:16], h[16:20],
                                        h[20:])


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def make_prompt(rng, role, owner):
    parts = [rng.choice(OPENERS).format(role=role.lower(), owner=owner)]
    parts += rng.sample(SENTENCES, rng.randint(0, 5))
    return " ".join(parts)


def assistants(rng, count, account_for):
    """Yield count assistants with non-decreasing date_created.

    account_for(i) gives the account sid of the i-th assistant.
    """
    step = max(2, 2 * SPAN // max(count, 1))
    t = EPOCH
    for i in range(count):
        if i and rng.random() >= TIE_RATE:
            t += rng.randint(1, step)
        role = rng.choice(ROLES)
        owner = rng.choice(OWNERS)
        name = "%s%s %s" % (rng.choice(QUALIFIERS), role, rng.choice(KINDS))
        if rng.random() < 0.6:
            updated = t
        else:
            updated = t + rng.randint(1, 90 * 86400)
        yield {
            "id": uuid7_id(rng, t * 1000 + rng.randrange(1000)),
            "account_sid": account_for(i),
            "name": name,
            "owner": owner,
            "model": rng.choices(MODELS, MODEL_WEIGHTS)[0],
            "personality_prompt": make_prompt(rng, role, owner),
            "customer_ai": {
                "perception_engine_enabled": rng.random() < 0.5,
                "personalization_engine_enabled": rng.random() < 0.5,
            },
            "date_created": iso(t),
            "date_updated": iso(updated),
        }


def write_count(out, count, seed):
    rng = random.Random(seed)
    dumps = json.JSONEncoder(ensure_ascii=False,
                             separators=(",", ":")).encode
    out.write('{"accounts":[%s],\n"assistants":[' % dumps(ALICE))
    sep = "\n"
    buf = []
    for a in assistants(rng, count, lambda i: ALICE["sid"]):
        buf.append(sep)
        buf.append(dumps(a))
        sep = ",\n"
        if len(buf) >= 8192:
            out.write("".join(buf))
            buf.clear()
    buf.append("\n]}\n")
    out.write("".join(buf))


# Hand-written values placed over generated ones in the default fixtures:
# each string the server must carry byte-faithfully at least once.
SPECIALS = [
    {"name": "Café Concierge",
     "owner": "Société Générale de Crème Brûlée",
     "personality_prompt": "Tu es un assistant très poli. Réponds en "
                           "français, à la façon d'un maître d'hôtel."},
    {"name": "客服助手",
     "owner": "東京エレクトロン商事",
     "personality_prompt": "你是一个乐于助人的客服助手。请用简体中文回答，"
                           "并保持礼貌。"},
    {"name": "Rocket 🚀 Launch Helper",
     "personality_prompt": "Be upbeat 😀 and end every answer with 🚀. "
                           "Emoji outside the BMP: 🎉🧑‍🚀."},
    {"name": "Escape \"Tester\"",
     "personality_prompt": "Say \"hello\" first.\nThen read the path "
                           "C:\\Users\\owl\\notes.txt aloud.\n\tIndented "
                           "line with a tab; a lone backslash: \\ end."},
    {"name": "Sales/Marketing Assistant",
     "owner": "R&D / Support <Labs>",
     "personality_prompt": "Point customers to https://example.com/help/"
                           "faq?lang=en&x=1 and never to http://evil/."},
]


def build_default():
    rng = random.Random(DEFAULT_SEED)
    total = DEFAULT_ALICE_COUNT + DEFAULT_BOB_COUNT
    bob_at = set(rng.sample(range(total), DEFAULT_BOB_COUNT))
    items = list(assistants(
        rng, total, lambda i: BOB["sid"] if i in bob_at else ALICE["sid"]))
    alice = [a for a in items if a["account_sid"] == ALICE["sid"]]
    bob = [a for a in items if a["account_sid"] == BOB["sid"]]

    # Specials spread over alice's list; one also in bob's.
    for n, special in enumerate(SPECIALS):
        alice[10 + 23 * n].update(special)
    bob[3].update(SPECIALS[1])

    # A guaranteed three-way tie for alice, listed in the file against id
    # order, so the server's id tie-break is visible in tests.
    base = alice[40]
    t = calendar.timegm(time.strptime(base["date_created"],
                                      "%Y-%m-%dT%H:%M:%SZ"))
    tie = [base, alice[41], alice[42]]
    for a in tie:
        a["date_created"] = base["date_created"]
        a["date_updated"] = max(a["date_updated"], a["date_created"])
        a["id"] = uuid7_id(rng, t * 1000 + rng.randrange(1000))
    ids = sorted((a["id"] for a in tie), reverse=True)
    for a, new_id in zip(tie, ids):
        a["id"] = new_id
    return {"accounts": [ALICE, BOB], "assistants": items}


def main(argv=None):
    p = argparse.ArgumentParser(
        description="Generate deterministic assistants-mock fixtures.")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--count", type=int, metavar="N",
                   help="number of assistants for the single account")
    g.add_argument("--default", action="store_true",
                   help="write the bundled default fixtures to stdout")
    p.add_argument("--seed", type=int, default=1,
                   help="random seed for --count (default: 1)")
    p.add_argument("--out", metavar="FILE",
                   help="output file (default: stdout)")
    args = p.parse_args(argv)
    if args.count is not None and args.count < 0:
        p.error("--count must be >= 0")

    if args.out:
        out = open(args.out, "w", encoding="utf-8", newline="\n",
                   buffering=1 << 20)
    else:
        sys.stdout.reconfigure(encoding="utf-8", newline="\n")
        out = sys.stdout
    try:
        if args.default:
            out.write(json.dumps(build_default(), indent=2,
                                 ensure_ascii=False) + "\n")
        else:
            write_count(out, args.count, args.seed)
        out.flush()
    except BrokenPipeError:
        return 1
    finally:
        if out is not sys.stdout:
            out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
