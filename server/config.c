/*
 * config.c - see config.h.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <arpa/inet.h>
#include <limits.h>
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "paging.h"
#include "util.h"

const char config_usage[] =
    "Usage: assistants-mock [OPTION]...\n"
    "A fake of Twilio's AI Assistants API for tests.\n"
    "\n"
    "Options (each also as an environment variable; a flag wins):\n"
    "  --port N              port to listen on, 0 picks a free one "
    "(ASSISTANTS_MOCK_PORT, default 8080)\n"
    "  --bind ADDR           IPv4 or IPv6 address to listen on "
    "(ASSISTANTS_MOCK_BIND, default 127.0.0.1)\n"
    "  --fixtures PATH       fixture JSON file, or directory of *.json "
    "loaded in name order;\n"
    "                        repeatable (ASSISTANTS_MOCK_FIXTURES, paths "
    "separated by ':');\n"
    "                        default: the bundled fixtures\n"
    "  --public-url URL      fixed base of all links, e.g. "
    "http://mock:8080 (ASSISTANTS_MOCK_PUBLIC_URL)\n"
    "  --threads N           worker threads (ASSISTANTS_MOCK_THREADS, "
    "default: number of CPUs)\n"
    "  --state PATH          keep the store in this SQLite file across "
    "restarts: created\n"
    "                        and seeded from the fixtures on first start, "
    "reused after\n"
    "                        (ASSISTANTS_MOCK_STATE, default: in memory)\n"
    "  --default-model NAME  model of created assistants "
    "(ASSISTANTS_MOCK_DEFAULT_MODEL,\n"
    "                        default " CONFIG_DEFAULT_MODEL ")\n"
    "  --quiet               no access log line per request "
    "(ASSISTANTS_MOCK_QUIET=1)\n"
    "  --knowledge-ready-after RULE  knowledge is COMPLETED after RULE: "
    "N status polls\n"
    "                        (GETs of it or its /Status), or a duration Ns "
    "or Nms\n"
    "                        (ASSISTANTS_MOCK_KNOWLEDGE_READY_AFTER, default "
    "2)\n"
    "  --webhooks on|off     deliver SendMessage replies to their webhook "
    "(signed as\n"
    "                        Twilio does) or not (ASSISTANTS_MOCK_WEBHOOKS, "
    "default on)\n"
    "  --attach-returns-json attaching a tool or knowledge answers 200 {} "
    "instead of\n"
    "                        204, for twilio-node (ASSISTANTS_MOCK_ATTACH_"
    "RETURNS_JSON=1)\n"
    "  --log-format FORMAT   access log as text lines or one JSON object "
    "per request\n"
    "                        (ASSISTANTS_MOCK_LOG_FORMAT, text or json, "
    "default text)\n"
    "  --journal-size N      requests kept per account in the request "
    "journal, 0: off\n"
    "                        (ASSISTANTS_MOCK_JOURNAL_SIZE, default 1000)\n"
    "  --list-cache-mb N     memory for rendered list pages and assistant "
    "fetches,\n"
    "                        answered again until a write of their account, "
    "0: off\n"
    "                        (ASSISTANTS_MOCK_LIST_CACHE_MB, default 96)\n"
    "  --admin-token TOKEN   /__admin/ requests without account "
    "credentials need\n"
    "                        'Authorization: Bearer TOKEN' "
    "(ASSISTANTS_MOCK_ADMIN_TOKEN)\n"
    "  --clock DATE          freeze the clock of date_created/date_updated "
    "at DATE,\n"
    "                        e.g. 2025-01-01T00:00:00Z (ASSISTANTS_MOCK_CLOCK)\n"
    "  --seed N              generated ids and request ids from a "
    "deterministic sequence\n"
    "                        (ASSISTANTS_MOCK_SEED)\n"
    "  --rate-limit N        at most N requests a second per account, then "
    "429: a\n"
    "                        fault rule (ASSISTANTS_MOCK_RATE_LIMIT, default "
    "0: off)\n"
    "  --inject-store-fault N  every Nth list request answers 500: a fault "
    "rule\n"
    "                        (ASSISTANTS_MOCK_INJECT_STORE_FAULT, default 0: "
    "off)\n"
    "  --tls-port N          also serve the API over HTTPS on port N, 0 "
    "picks a free one\n"
    "                        (ASSISTANTS_MOCK_TLS_PORT, default: off)\n"
    "  --tls-cert PATH       PEM certificate (chain) of the HTTPS "
    "listener, with\n"
    "  --tls-key PATH        its PEM private key (ASSISTANTS_MOCK_TLS_CERT, "
    "\n"
    "                        ASSISTANTS_MOCK_TLS_KEY); default: a fresh CA "
    "and server\n"
    "                        certificate made at start, in memory, for "
    "assistants.twilio.com,\n"
    "                        localhost, 127.0.0.1, ::1\n"
    "  --tls-name NAME       one more DNS name or address of that "
    "certificate and of\n"
    "                        CONNECT; repeatable (ASSISTANTS_MOCK_TLS_NAMES, "
    "comma-separated)\n"
    "  --tls-ca-out PATH     write the generated CA certificate (PEM) there, "
    "also served\n"
    "                        at GET /__admin/ca.pem (ASSISTANTS_MOCK_TLS_CA_OUT)"
    "\n"
    "  --proxy-port N        HTTP proxy port: CONNECT to assistants.twilio.com"
    ":443 (or a\n"
    "                        --tls-name) is served by the mock's own HTTPS "
    "side, any other\n"
    "                        host refused 403; plain requests are served as "
    "on --port\n"
    "                        (ASSISTANTS_MOCK_PROXY_PORT, default: off)\n"
    "  --check               load and validate the fixtures, print a "
    "summary, exit 0 or 2\n"
    "  --healthcheck         probe GET /readyz on the local port; exit 0 "
    "when ready, else 1\n"
    "  --help                print this help and exit\n"
    "  --version             print the version and exit\n"
    "\n"
    "Credentials may also come from TWILIO_ACCOUNT_SID + TWILIO_AUTH_TOKEN, "
    "and\n"
    "TWILIO_API_KEY + TWILIO_API_SECRET (an API key of that account). "
    "Assistants\n"
    "without account_sid belong to TWILIO_ACCOUNT_SID, else to the first "
    "account.\n"
    "\n"
    "Endpoints (Basic auth): /v1/Assistants, /v1/Assistants/{id} (and its "
    "Tools and\n"
    "Knowledge attachments, Messages, Feedbacks), /v1/Tools, /v1/Knowledge "
    "(and its\n"
    "Status, Chunks), /v1/Policies, /v1/Sessions (and its Messages). "
    "All 30 operations\n"
    "of Twilio's AI Assistants v1. No auth: GET /healthz, GET /readyz, "
    "OPTIONS.\n"
    "Test control (account credentials: that account; none, or the "
    "admin token: all):\n"
    "  POST /__admin/reset; GET, DELETE /__admin/requests; GET "
    "/__admin/requests/count;\n"
    "  POST, GET, DELETE /__admin/faults; DELETE /__admin/faults/{id};\n"
    "  GET, POST /__admin/clock; GET /__admin/export; GET /__admin/ca.pem.\n"
    "Signals: TERM, INT, HUP, QUIT stop it (drained, exit 0); USR1, USR2 "
    "are ignored.\n"
    "Exit status: 0 ok, 1 server failure, 2 usage or fixture error, 128 + N "
    "stopped\n"
    "by signal N before it was ready.\n";

static int
add_fixture(struct config *cfg, const char *what, const char *path, size_t n)
{
    char **f = realloc(cfg->fixtures, (cfg->n_fixtures + 1) * sizeof(*f));

    (void)what; /* add_list passes it */
    if (f == NULL)
        return -1;
    cfg->fixtures = f;
    f[cfg->n_fixtures] = strndup(path, n);
    if (f[cfg->n_fixtures] == NULL)
        return -1;
    cfg->n_fixtures++;
    return 0;
}

static void
clear_fixtures(struct config *cfg)
{
    size_t i;

    for (i = 0; i < cfg->n_fixtures; i++)
        free(cfg->fixtures[i]);
    free(cfg->fixtures);
    cfg->fixtures = NULL;
    cfg->n_fixtures = 0;
}

static int
set_uint(const char *what, const char *v, long long min, long long max,
         unsigned *out)
{
    long long n;

    if (util_parse_int(v, strlen(v), min, max, &n) < 0) {
        log_error("invalid %s '%.64s': expected an integer from %lld to %lld",
                  what, v, min, max);
        return -1;
    }
    *out = (unsigned)n;
    return 0;
}

static int
set_bind(struct config *cfg, const char *what, const char *v)
{
    unsigned char tmp[16];

    if (strlen(v) >= sizeof(cfg->bind)) {
        log_error("invalid %s: too long", what);
        return -1;
    }
    if (inet_pton(AF_INET, v, tmp) == 1)
        cfg->bind_ipv6 = false;
    else if (inet_pton(AF_INET6, v, tmp) == 1)
        cfg->bind_ipv6 = true;
    else {
        log_error("invalid %s '%.64s': expected an IPv4 or IPv6 address", what,
                  v);
        return -1;
    }
    strcpy(cfg->bind, v);
    return 0;
}

/* http(s)://host[:port][/path], stored without a trailing '/'. */
static int
set_public_url(struct config *cfg, const char *what, const char *v)
{
    size_t n = strlen(v), scheme, host_end, i;

    scheme = strncmp(v, "http://", 7) == 0    ? 7
             : strncmp(v, "https://", 8) == 0 ? 8
                                              : 0;
    if (scheme == 0 || n > CONFIG_MAX_PUBLIC_URL)
        goto bad;
    for (host_end = scheme; host_end < n && v[host_end] != '/'; host_end++)
        ;
    if (!paging_host_valid(v + scheme, host_end - scheme))
        goto bad;
    for (i = host_end; i < n; i++) {
        char c = v[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9') || strchr("-._~/%!$&'()*+,;=:@", c)))
            goto bad;
    }
    while (n > host_end && v[n - 1] == '/')
        n--;
    memcpy(cfg->public_url, v, n);
    cfg->public_url[n] = '\0';
    return 0;
bad:
    log_error("invalid %s '%.64s': expected http://HOST[:PORT][/PATH]", what,
              v);
    return -1;
}

/* A non-empty string of at most max bytes with no control characters. */
static int
set_string(const char *what, const char *v, char *out, size_t max)
{
    size_t n = strlen(v), i;

    for (i = 0; i < n; i++)
        if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
            break;
    if (n == 0 || n > max || i < n) {
        log_error("invalid %s: expected 1 to %zu printable bytes", what, max);
        return -1;
    }
    memcpy(out, v, n + 1);
    return 0;
}

bool
config_tls_name_valid(const char *s, size_t n)
{
    char tmp[CONFIG_MAX_TLS_NAME + 1];
    unsigned char addr[16];
    size_t i, label = 0;

    if (n == 0 || n > CONFIG_MAX_TLS_NAME)
        return false;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    if (memchr(s, '\0', n) == NULL &&
        (inet_pton(AF_INET, tmp, addr) == 1 ||
         inet_pton(AF_INET6, tmp, addr) == 1))
        return true;
    for (i = 0; i < n; i++) {
        char c = s[i];
        if (c == '.') {
            if (label == 0 || s[i - 1] == '-')
                return false;
            label = 0;
        } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                   (c >= '0' && c <= '9') || (c == '-' && label > 0)) {
            if (++label > 63)
                return false;
        } else {
            return false;
        }
    }
    return label > 0 && s[n - 1] != '-';
}

static int
add_tls_name(struct config *cfg, const char *what, const char *v, size_t n)
{
    size_t i;
    char *dst;

    if (!config_tls_name_valid(v, n)) {
        log_error("invalid %s '%.*s': expected a DNS name or an IP address",
                  what, (int)(n > 64 ? 64 : n), v);
        return -1;
    }
    if (cfg->n_tls_names == CONFIG_MAX_TLS_NAMES) {
        log_error("too many %s: at most %d", what, CONFIG_MAX_TLS_NAMES);
        return -1;
    }
    dst = cfg->tls_names[cfg->n_tls_names++];
    for (i = 0; i < n; i++)
        dst[i] = (v[i] >= 'A' && v[i] <= 'Z') ? (char)(v[i] + 32) : v[i];
    dst[n] = '\0';
    return 0;
}

static int
set_bool(const char *what, const char *v, bool *out)
{
    if (strcmp(v, "1") == 0 || strcmp(v, "true") == 0)
        *out = true;
    else if (strcmp(v, "0") == 0 || strcmp(v, "false") == 0)
        *out = false;
    else {
        log_error("invalid %s '%.64s': expected 1 or 0", what, v);
        return -1;
    }
    return 0;
}

enum opt_kind {
    OPT_UINT,   /* unsigned in [min, max] */
    OPT_U64,    /* any 64-bit unsigned; sets the bool before the field */
    OPT_DATE,   /* YYYY-MM-DDTHH:MM:SSZ; sets the bool before the field */
    OPT_LOG_FORMAT,
    OPT_ON_OFF, /* on or off; the field is true for off */
    OPT_RULE,   /* a knowledge processing rule */
    OPT_STRING, /* bounded printable string */
    OPT_BIND,
    OPT_URL,
    OPT_FIXTURES,
    OPT_PORT,   /* 0 to 65535 into an int that is -1 when off */
    OPT_NAMES,  /* --tls-name: repeatable; the variable comma-separated */
    OPT_FLAG,   /* no value; the variable takes 1/0 */
    OPT_ACTION, /* no value, no variable: --help, --check, ... */
};

/* One option: flag, variable (or NULL), how to parse it, where it goes. */
struct option {
    const char *flag;
    const char *env;
    enum opt_kind kind;
    long long min, max; /* OPT_UINT bounds; OPT_STRING max length */
    size_t offset;      /* into struct config */
};

#define OFF(field) offsetof(struct config, field)
static const struct option options[] = {
    {"--port", "ASSISTANTS_MOCK_PORT", OPT_UINT, 0, 65535, OFF(port)},
    {"--bind", "ASSISTANTS_MOCK_BIND", OPT_BIND, 0, 0, 0},
    {"--fixtures", "ASSISTANTS_MOCK_FIXTURES", OPT_FIXTURES, 0, 0, 0},
    {"--public-url", "ASSISTANTS_MOCK_PUBLIC_URL", OPT_URL, 0, 0, 0},
    {"--threads", "ASSISTANTS_MOCK_THREADS", OPT_UINT, 1, CONFIG_MAX_THREADS,
     OFF(threads)},
    {"--state", "ASSISTANTS_MOCK_STATE", OPT_STRING, 0, CONFIG_MAX_PATH,
     OFF(state)},
    {"--default-model", "ASSISTANTS_MOCK_DEFAULT_MODEL", OPT_STRING, 0,
     CONFIG_MAX_MODEL, OFF(default_model)},
    {"--quiet", "ASSISTANTS_MOCK_QUIET", OPT_FLAG, 0, 0, OFF(quiet)},
    {"--attach-returns-json", "ASSISTANTS_MOCK_ATTACH_RETURNS_JSON", OPT_FLAG,
     0, 0, OFF(attach_returns_json)},
    {"--webhooks", "ASSISTANTS_MOCK_WEBHOOKS", OPT_ON_OFF, 0, 0,
     OFF(webhooks_off)},
    {"--knowledge-ready-after", "ASSISTANTS_MOCK_KNOWLEDGE_READY_AFTER",
     OPT_RULE, 0, 0, OFF(knowledge_rule)},
    {"--log-format", "ASSISTANTS_MOCK_LOG_FORMAT", OPT_LOG_FORMAT, 0, 0,
     OFF(log_json)},
    {"--admin-token", "ASSISTANTS_MOCK_ADMIN_TOKEN", OPT_STRING, 0,
     CONFIG_MAX_SECRET, OFF(admin_token)},
    {"--journal-size", "ASSISTANTS_MOCK_JOURNAL_SIZE", OPT_UINT, 0, 1000000,
     OFF(journal_size)},
    {"--list-cache-mb", "ASSISTANTS_MOCK_LIST_CACHE_MB", OPT_UINT, 0, 1048576,
     OFF(list_cache_mb)},
    {"--clock", "ASSISTANTS_MOCK_CLOCK", OPT_DATE, 0, 0, OFF(clock)},
    {"--seed", "ASSISTANTS_MOCK_SEED", OPT_U64, 0, 0, OFF(seed)},
    {"--rate-limit", "ASSISTANTS_MOCK_RATE_LIMIT", OPT_UINT, 0, 1000000000,
     OFF(rate_limit)},
    {"--inject-store-fault", "ASSISTANTS_MOCK_INJECT_STORE_FAULT", OPT_UINT,
     0, 1000000000, OFF(fault_every)},
    {"--tls-port", "ASSISTANTS_MOCK_TLS_PORT", OPT_PORT, 0, 0,
     OFF(tls_port)},
    {"--tls-cert", "ASSISTANTS_MOCK_TLS_CERT", OPT_STRING, 0, CONFIG_MAX_PATH,
     OFF(tls_cert)},
    {"--tls-key", "ASSISTANTS_MOCK_TLS_KEY", OPT_STRING, 0, CONFIG_MAX_PATH,
     OFF(tls_key)},
    {"--tls-name", "ASSISTANTS_MOCK_TLS_NAMES", OPT_NAMES, 0, 0, 0},
    {"--tls-ca-out", "ASSISTANTS_MOCK_TLS_CA_OUT", OPT_STRING, 0,
     CONFIG_MAX_PATH, OFF(tls_ca_out)},
    {"--proxy-port", "ASSISTANTS_MOCK_PROXY_PORT", OPT_PORT, 0, 0,
     OFF(proxy_port)},
    {"--check", NULL, OPT_ACTION, 0, 0, OFF(check)},
    {"--healthcheck", NULL, OPT_ACTION, 0, 0, OFF(healthcheck)},
    {"--help", NULL, OPT_ACTION, 0, 0, OFF(help)},
    {"--version", NULL, OPT_ACTION, 0, 0, OFF(version)},
};
#define N_OPTIONS (sizeof(options) / sizeof(options[0]))

/*
 * A variable's list: each non-empty item of v between separators sep (one
 * character) goes to add.
 */
static int
add_list(struct config *cfg, const char *what, const char *v, const char *sep,
         int (*add)(struct config *, const char *, const char *, size_t))
{
    while (*v) {
        size_t n = strcspn(v, sep);
        if (n > 0 && add(cfg, what, v, n) < 0)
            return -1;
        v += n;
        if (*v)
            v++;
    }
    return 0;
}

/* Sets option o from value v; what names it in messages. */
static int
set_option(struct config *cfg, const struct option *o, const char *what,
           const char *v, bool from_flag)
{
    char *field = (char *)cfg + o->offset;

    switch (o->kind) {
    case OPT_UINT:
        return set_uint(what, v, o->min, o->max, (unsigned *)(void *)field);
    case OPT_STRING:
        return set_string(what, v, field, (size_t)o->max);
    case OPT_BIND:
        return set_bind(cfg, what, v);
    case OPT_URL:
        return set_public_url(cfg, what, v);
    case OPT_FLAG:
        return set_bool(what, v, (bool *)(void *)field);
    case OPT_RULE:
        if (knowledge_rule_parse(v, (struct knowledge_rule *)(void *)field) <
            0) {
            log_error("invalid %s '%.64s': expected N (status polls), Ns or "
                      "Nms",
                      what, v);
            return -1;
        }
        return 0;
    case OPT_ON_OFF:
        if (strcmp(v, "on") == 0 || strcmp(v, "off") == 0) {
            *(bool *)(void *)field = v[1] == 'f';
            return 0;
        }
        log_error("invalid %s '%.64s': expected on or off", what, v);
        return -1;
    case OPT_LOG_FORMAT:
        if (strcmp(v, "text") == 0 || strcmp(v, "json") == 0) {
            *(bool *)(void *)field = v[0] == 'j';
            return 0;
        }
        log_error("invalid %s '%.64s': expected text or json", what, v);
        return -1;
    case OPT_DATE: {
        int64_t t;
        if (util_parse_date(v, strlen(v), &t) < 0) {
            log_error("invalid %s '%.64s': expected a UTC date like "
                      "2025-01-01T00:00:00Z",
                      what, v);
            return -1;
        }
        cfg->has_clock = true;
        *(long long *)(void *)field = (long long)t;
        return 0;
    }
    case OPT_U64: {
        long long n;
        if (util_parse_int(v, strlen(v), 0, LLONG_MAX, &n) < 0) {
            log_error("invalid %s '%.64s': expected an integer from 0 to %lld",
                      what, v, LLONG_MAX);
            return -1;
        }
        cfg->has_seed = true;
        *(unsigned long long *)(void *)field = (unsigned long long)n;
        return 0;
    }
    case OPT_ACTION:
        *(bool *)(void *)field = true;
        return 0;
    case OPT_PORT: {
        unsigned port;
        if (set_uint(what, v, 0, 65535, &port) < 0)
            return -1;
        *(int *)(void *)field = (int)port;
        return 0;
    }
    case OPT_NAMES:
        if (from_flag)
            return add_tls_name(cfg, what, v, strlen(v));
        return add_list(cfg, what, v, ",", add_tls_name);
    case OPT_FIXTURES:
        if (from_flag) {
            if (*v == '\0') {
                log_error("option '--fixtures' needs a path");
                return -1;
            }
            return add_fixture(cfg, what, v, strlen(v));
        }
        return add_list(cfg, what, v, ":", add_fixture);
    }
    return -1;
}

/* The TLS options that only make sense together. */
static int
check_tls(const struct config *cfg)
{
    bool tls = cfg->tls_port >= 0 || cfg->proxy_port >= 0;

    if (!tls && (cfg->tls_cert[0] || cfg->tls_key[0] || cfg->tls_ca_out[0] ||
                 cfg->n_tls_names)) {
        log_error("--tls-cert, --tls-key, --tls-name and --tls-ca-out need "
                  "--tls-port or --proxy-port");
        return -1;
    }
    if (!cfg->tls_cert[0] != !cfg->tls_key[0]) {
        log_error("--tls-cert and --tls-key go together");
        return -1;
    }
    if (cfg->tls_cert[0] && cfg->tls_ca_out[0]) {
        log_error("--tls-ca-out writes the generated CA: not with --tls-cert");
        return -1;
    }
    return 0;
}

int
config_parse(struct config *cfg, int argc, char **argv)
{
    bool flag_fixtures = false, flag_names = false;
    size_t k;
    int i;

    memset(cfg, 0, sizeof(*cfg));
    cfg->port = CONFIG_DEFAULT_PORT;
    strcpy(cfg->bind, CONFIG_DEFAULT_BIND);
    strcpy(cfg->default_model, CONFIG_DEFAULT_MODEL);
    cfg->journal_size = CONFIG_DEFAULT_JOURNAL;
    cfg->list_cache_mb = CONFIG_DEFAULT_LIST_CACHE_MB;
    cfg->knowledge_rule.by_time = false;
    cfg->knowledge_rule.n = 2;
    cfg->tls_port = -1;
    cfg->proxy_port = -1;
    cfg->threads = (unsigned)util_ncpu();
    if (cfg->threads > CONFIG_MAX_THREADS)
        cfg->threads = CONFIG_MAX_THREADS;
    for (k = 0; k < N_OPTIONS; k++) {
        const char *v = options[k].env ? getenv(options[k].env) : NULL;
        if (v && *v && set_option(cfg, &options[k], options[k].env, v,
                                  false) < 0)
            return -1;
    }
    for (i = 1; i < argc; i++) {
        const char *arg = argv[i], *val = NULL, *eq;
        const struct option *o = NULL;
        size_t n;

        if (strncmp(arg, "--", 2) != 0) {
            log_error("unexpected argument '%.64s' (see --help)", arg);
            return -1;
        }
        eq = strchr(arg, '=');
        n = eq ? (size_t)(eq - arg) : strlen(arg);
        for (k = 0; k < N_OPTIONS; k++)
            if (strlen(options[k].flag) == n &&
                memcmp(options[k].flag, arg, n) == 0)
                o = &options[k];
        if (o == NULL) {
            log_error("unknown option '%.64s' (see --help)", arg);
            return -1;
        }
        if (o->kind == OPT_ACTION || o->kind == OPT_FLAG) {
            if (eq) {
                log_error("option '%s' takes no value", o->flag);
                return -1;
            }
            *(bool *)(void *)((char *)cfg + o->offset) = true;
            continue;
        }
        if (eq)
            val = eq + 1;
        else if (i + 1 < argc)
            val = argv[++i];
        else {
            log_error("option '%s' needs a value", o->flag);
            return -1;
        }
        if (o->kind == OPT_FIXTURES && !flag_fixtures) {
            clear_fixtures(cfg); /* flags replace the variable */
            flag_fixtures = true;
        }
        if (o->kind == OPT_NAMES && !flag_names) {
            cfg->n_tls_names = 0; /* flags replace the variable */
            flag_names = true;
        }
        if (set_option(cfg, o, o->flag, val, true) < 0)
            return -1;
    }
    return check_tls(cfg);
}

void
config_release(struct config *cfg)
{
    if (cfg == NULL)
        return;
    clear_fixtures(cfg);
}
