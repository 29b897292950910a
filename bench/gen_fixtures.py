#!/usr/bin/env python3
"""Generate deterministic assistants-mock fixture files.

    gen_fixtures.py --count N [--seed S] [--out FILE]
        N assistants for one account (alice), streamed one per line, so a
        million-assistant file never sits in memory.
    gen_fixtures.py --default
        The bundled fixtures (fixtures/default.json) on stdout: two accounts,
        130 + 12 assistants, with unicode, escape-worthy characters, '/' and
        equal date_created values; and for alice a small realistic set of
        every other resource: 3 tools, 16 knowledge sources (each type in
        each status), 2 policies and their links, the tools and some
        knowledge attached to her first assistant, one session with a
        4-message history, one feedback and 2 canned replies. Regenerate
        with:
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
    doc = {"accounts": [ALICE, BOB], "assistants": items}
    first = min(alice, key=lambda a: (a["date_created"], a["id"]))
    doc.update(alice_resources(first["id"]))
    return doc


# ---- the other resources of the default fixtures (alice only) ----

RESOURCES_SEED = DEFAULT_SEED + 1
RESOURCES_EPOCH = calendar.timegm((2025, 3, 3, 10, 0, 0))
KNOWLEDGE_STATUSES = ["QUEUED", "PROCESSING", "COMPLETED", "FAILED"]
EMBEDDING_MODEL = "text-embedding-3-small"


def prefixed_uuid7(rng, prefix, t):
    """prefix + a lowercase hyphenated UUIDv7 whose time is t (seconds)."""
    ms = t * 1000 + rng.randrange(1000)
    rand_a = rng.getrandbits(12)
    rand_b = rng.getrandbits(62) | (0b10 << 62)
    h = "%012x7%03x%016x" % (ms, rand_a, rand_b)
    return "%s%s-%s-%s-%s-%s" % (prefix, h[:8], h[8:12], h[12:16],
                                 h[16:20], h[20:])


def uuid4(rng):
    """A lowercase hyphenated UUIDv4 (what the server names a session)."""
    h = "%032x" % ((rng.getrandbits(128) & ~(0xf << 76) & ~(0x3 << 62))
                   | (0x4 << 76) | (0x2 << 62))
    return "%s-%s-%s-%s-%s" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])


TOOLS = [
    # (name, description, enabled, meta, has a policy)
    ("Order Lookup",
     "Looks up the status and delivery date of an order by its number.",
     True,
     {"url": "https://api.example.com/acme/orders",
      "method": "GET",
      "input_schema": "export type Data = { order_number: string }"},
     True),
    ("Create Return",
     "Starts a return for one item of a delivered order and sends the "
     "customer a prepaid label.",
     True,
     {"url": "https://api.example.com/acme/returns",
      "method": "POST",
      "input_schema": "export type Data = { order_number: string; "
                      "sku: string; reason: string }"},
     False),
    ("Loyalty Points Balance",
     "Tells the customer how many loyalty points they have and when they "
     "expire.",
     False,
     {"url": "https://api.example.com/acme/loyalty/points",
      "method": "GET",
      "input_schema": "export type Data = { member_id: string }"},
     False),
]

POLICIES = [
    # (name, description, type, policy_details)
    ("Verified customers only",
     "Order details are given only to a customer whose identity was "
     "verified in this session.",
     "IDENTITY",
     {"require_verified_session": True,
      "allowed_identity_prefixes": ["email:", "phone:"]}),
    ("Internal catalogue",
     "The product catalogue is for Acme staff and signed-in members.",
     "ACCESS",
     {"audiences": ["staff", "members"], "max_results": 5}),
]

# (type, name, description, knowledge_source_details)
KNOWLEDGE_KINDS = [
    ("Web", "Help Center",
     "Acme's public help center, crawled weekly.",
     {"source": "https://help.example.com/acme", "crawl_depth": 2,
      "crawl_period_min": 10080}),
    ("Database", "Product Catalogue",
     "Products, prices and stock levels from the catalogue database.",
     {"source": "catalogue.products", "refresh_period_min": 60}),
    ("Text", "Return Policy",
     "The return and refund policy as published.",
     {"content": "Items can be returned within 30 days of delivery. "
                 "Refunds go to the original payment method within 5 "
                 "business days of the item reaching our warehouse. "
                 "Sale items can be exchanged but not refunded."}),
    ("File", "Loyalty Programme Terms",
     "The loyalty programme terms and conditions (PDF).",
     {"file_name": "Loyalty Programme Terms 2025.pdf"}),
]
# Only the types' own words differ between the copies in each status.
STATUS_WORDS = {"QUEUED": "new", "PROCESSING": "refresh",
                "COMPLETED": "live", "FAILED": "broken"}

HISTORY = [
    ("user", "Hi, where is my order 10042?"),
    ("assistant", "Order 10042 shipped on March 3 and should arrive on "
                  "March 6. Is there anything else I can help with?"),
    ("user", "Can I return the blue sneakers from it?"),
    ("assistant", "Yes: they are within the 30-day window. I have started "
                  "a return and emailed you a prepaid label."),
]
IDENTITY = "email:jane.doe@example.com"


def alice_resources(first_assistant):
    """The tools, knowledge, policies, attachments, policy links, session,
    messages, feedback and canned replies of alice, as fixture sections."""
    rng = random.Random(RESOURCES_SEED)
    sid = ALICE["sid"]
    t = RESOURCES_EPOCH

    tools = []
    for name, description, enabled, meta, has_policy in TOOLS:
        t += rng.randint(300, 7200)
        tools.append({
            "account_sid": sid,
            "description": description,
            "enabled": enabled,
            "id": prefixed_uuid7(rng, "aia_tool_", t),
            "meta": meta,
            "name": name,
            "requires_auth": has_policy,
            "type": "WEBHOOK",
            "date_created": iso(t),
            "date_updated": iso(t + rng.choice([0, 0, 3600 * 26])),
        })

    knowledge = []
    for status in KNOWLEDGE_STATUSES:
        for ktype, name, description, details in KNOWLEDGE_KINDS:
            t += rng.randint(60, 5400)
            updated = t if status == "QUEUED" else t + rng.randint(5, 900)
            k = {
                "description": description,
                "id": prefixed_uuid7(rng, "aia_know_", t),
                "account_sid": sid,
                "knowledge_source_details": details,
                "name": "%s (%s)" % (name, STATUS_WORDS[status]),
                "status": status,
                "type": ktype,
                "embedding_model": EMBEDDING_MODEL if ktype == "Database"
                                   else None,
                "date_created": iso(t),
                "date_updated": iso(updated),
            }
            if status == "QUEUED" and ktype == "Text":
                # Reprocessing after an edit: the last run had completed.
                k["last_status"] = "COMPLETED"
            knowledge.append(k)

    policies = []
    for name, description, ptype, details in POLICIES:
        t += rng.randint(60, 600)
        policies.append({
            "id": prefixed_uuid7(rng, "aia_plcy_", t),
            "name": name,
            "description": description,
            "account_sid": sid,
            "user_sid": None,
            "type": ptype,
            "policy_details": details,
            "date_created": iso(t),
            "date_updated": iso(t),
        })

    # Links name their account: without it they would belong to the
    # default account, which TWILIO_ACCOUNT_SID may make another one.
    completed = [k for k in knowledge if k["status"] == "COMPLETED"]
    attachments = [{"assistant_id": first_assistant, "tool_id": x["id"],
                    "account_sid": sid} for x in tools]
    attachments += [{"assistant_id": first_assistant, "knowledge_id": k["id"],
                     "account_sid": sid} for k in completed]
    policy_links = [
        {"policy_id": policies[0]["id"], "tool_id": tools[0]["id"],
         "account_sid": sid},
        {"policy_id": policies[1]["id"], "knowledge_id": completed[1]["id"],
         "account_sid": sid},
    ]

    t += rng.randint(3600, 86400)
    session_id = uuid4(rng)
    messages = []
    m_t = t
    for role, text in HISTORY:
        m_t += rng.randint(2, 40) if role == "assistant" else \
            rng.randint(20, 120)
        messages.append({
            "id": prefixed_uuid7(rng, "aia_msg_", m_t),
            "account_sid": sid,
            "assistant_id": first_assistant,
            "session_id": session_id,
            "identity": IDENTITY,
            "role": role,
            "content": {"text": text},
            "meta": {"flagged": False, "aborted": False}
                    if role == "assistant" else {},
            "date_created": iso(m_t),
            "date_updated": iso(m_t),
        })
    session = {
        "id": session_id,
        "account_sid": sid,
        "assistant_id": first_assistant,
        "verified": False,
        "identity": IDENTITY,
        "date_created": iso(t),
        "date_updated": messages[-1]["date_created"],
    }
    f_t = m_t + rng.randint(30, 300)
    feedback = {
        "assistant_id": first_assistant,
        "id": prefixed_uuid7(rng, "aia_fdbk_", f_t),
        "account_sid": sid,
        "user_sid": None,
        "message_id": messages[3]["id"],
        "score": 0.9,
        "session_id": session_id,
        "text": "Quick and correct, and the label arrived.",
        "date_created": iso(f_t),
        "date_updated": iso(f_t),
    }
    replies = [
        {"assistant_id": first_assistant, "match": "*refund*",
         "reply": "Refunds go back to your original payment method within "
                  "5 business days of your return reaching our warehouse."},
        {"match": "*opening hours*",
         "reply": "Our stores are open Monday to Saturday, 9am to 8pm."},
    ]
    return {
        "tools": tools,
        "knowledge": knowledge,
        "policies": policies,
        "sessions": [session],
        "messages": messages,
        "feedbacks": [feedback],
        "attachments": attachments,
        "policy_links": policy_links,
        "replies": replies,
    }


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
