/*
 * config.c - see config.h.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "paging.h"
#include "util.h"

const char config_usage[] =
    "Usage: assistants-mock [OPTION]...\n"
    "A fake of Twilio's AI Assistants API (GET /v1/Assistants) for tests.\n"
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
    "  --quiet               no access log line per request "
    "(ASSISTANTS_MOCK_QUIET=1)\n"
    "  --rate-limit N        at most N requests a second per account, then "
    "429 (ASSISTANTS_MOCK_RATE_LIMIT, default 0: off)\n"
    "  --inject-store-fault N  make every Nth list query fail in SQLite, "
    "giving 500 (ASSISTANTS_MOCK_INJECT_STORE_FAULT, default 0: off)\n"
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
    "Endpoints: GET /v1/Assistants (Basic auth), GET /healthz, GET /readyz.\n"
    "Exit status: 0 ok, 1 server failure, 2 usage or fixture error.\n";

static int
add_fixture(struct config *cfg, const char *path, size_t n)
{
    char **f = realloc(cfg->fixtures, (cfg->n_fixtures + 1) * sizeof(*f));

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

static int
from_env(struct config *cfg)
{
    const char *v;

    if ((v = getenv("ASSISTANTS_MOCK_PORT")) && *v &&
        set_uint("ASSISTANTS_MOCK_PORT", v, 0, 65535, &cfg->port) < 0)
        return -1;
    if ((v = getenv("ASSISTANTS_MOCK_BIND")) && *v &&
        set_bind(cfg, "ASSISTANTS_MOCK_BIND", v) < 0)
        return -1;
    if ((v = getenv("ASSISTANTS_MOCK_PUBLIC_URL")) && *v &&
        set_public_url(cfg, "ASSISTANTS_MOCK_PUBLIC_URL", v) < 0)
        return -1;
    if ((v = getenv("ASSISTANTS_MOCK_THREADS")) && *v &&
        set_uint("ASSISTANTS_MOCK_THREADS", v, 1, CONFIG_MAX_THREADS,
                 &cfg->threads) < 0)
        return -1;
    if ((v = getenv("ASSISTANTS_MOCK_RATE_LIMIT")) && *v &&
        set_uint("ASSISTANTS_MOCK_RATE_LIMIT", v, 0, 1000000000,
                 &cfg->rate_limit) < 0)
        return -1;
    if ((v = getenv("ASSISTANTS_MOCK_INJECT_STORE_FAULT")) && *v &&
        set_uint("ASSISTANTS_MOCK_INJECT_STORE_FAULT", v, 0, 1000000000,
                 &cfg->fault_every) < 0)
        return -1;
    if ((v = getenv("ASSISTANTS_MOCK_QUIET")) && *v) {
        if (strcmp(v, "1") == 0 || strcmp(v, "true") == 0)
            cfg->quiet = true;
        else if (strcmp(v, "0") != 0 && strcmp(v, "false") != 0) {
            log_error("invalid ASSISTANTS_MOCK_QUIET '%.64s': expected 1 or 0",
                      v);
            return -1;
        }
    }
    if ((v = getenv("ASSISTANTS_MOCK_FIXTURES")) && *v) {
        while (*v) {
            size_t n = strcspn(v, ":");
            if (n > 0 && add_fixture(cfg, v, n) < 0)
                return -1;
            v += n;
            if (*v == ':')
                v++;
        }
    }
    return 0;
}

int
config_parse(struct config *cfg, int argc, char **argv)
{
    bool flag_fixtures = false;
    int i;

    memset(cfg, 0, sizeof(*cfg));
    cfg->port = CONFIG_DEFAULT_PORT;
    strcpy(cfg->bind, CONFIG_DEFAULT_BIND);
    cfg->threads = (unsigned)util_ncpu();
    if (cfg->threads > CONFIG_MAX_THREADS)
        cfg->threads = CONFIG_MAX_THREADS;
    if (from_env(cfg) < 0)
        return -1;
    for (i = 1; i < argc; i++) {
        const char *arg = argv[i], *val = NULL, *eq;
        char name[32];
        size_t n;

        if (strncmp(arg, "--", 2) != 0) {
            log_error("unexpected argument '%.64s' (see --help)", arg);
            return -1;
        }
        eq = strchr(arg, '=');
        n = eq ? (size_t)(eq - arg) : strlen(arg);
        if (n >= sizeof(name)) {
            log_error("unknown option '%.64s' (see --help)", arg);
            return -1;
        }
        memcpy(name, arg, n);
        name[n] = '\0';
        if (strcmp(name, "--help") == 0 || strcmp(name, "--version") == 0 ||
            strcmp(name, "--check") == 0 || strcmp(name, "--quiet") == 0 ||
            strcmp(name, "--healthcheck") == 0) {
            if (eq) {
                log_error("option '%s' takes no value", name);
                return -1;
            }
            if (name[2] == 'h' && name[3] == 'e' && name[4] == 'l')
                cfg->help = true;
            else if (name[2] == 'v')
                cfg->version = true;
            else if (name[2] == 'c')
                cfg->check = true;
            else if (name[2] == 'q')
                cfg->quiet = true;
            else
                cfg->healthcheck = true;
            continue;
        }
        if (strcmp(name, "--port") && strcmp(name, "--bind") &&
            strcmp(name, "--fixtures") && strcmp(name, "--public-url") &&
            strcmp(name, "--threads") && strcmp(name, "--rate-limit") &&
            strcmp(name, "--inject-store-fault")) {
            log_error("unknown option '%.64s' (see --help)", arg);
            return -1;
        }
        if (eq)
            val = eq + 1;
        else if (i + 1 < argc)
            val = argv[++i];
        else {
            log_error("option '%s' needs a value", name);
            return -1;
        }
        if (strcmp(name, "--port") == 0) {
            if (set_uint("--port", val, 0, 65535, &cfg->port) < 0)
                return -1;
        } else if (strcmp(name, "--bind") == 0) {
            if (set_bind(cfg, "--bind", val) < 0)
                return -1;
        } else if (strcmp(name, "--public-url") == 0) {
            if (set_public_url(cfg, "--public-url", val) < 0)
                return -1;
        } else if (strcmp(name, "--threads") == 0) {
            if (set_uint("--threads", val, 1, CONFIG_MAX_THREADS,
                         &cfg->threads) < 0)
                return -1;
        } else if (strcmp(name, "--rate-limit") == 0) {
            if (set_uint("--rate-limit", val, 0, 1000000000,
                         &cfg->rate_limit) < 0)
                return -1;
        } else if (strcmp(name, "--inject-store-fault") == 0) {
            if (set_uint("--inject-store-fault", val, 0, 1000000000,
                         &cfg->fault_every) < 0)
                return -1;
        } else {
            if (!flag_fixtures)
                clear_fixtures(cfg); /* flags replace the variable */
            flag_fixtures = true;
            if (*val == '\0') {
                log_error("option '--fixtures' needs a path");
                return -1;
            }
            if (add_fixture(cfg, val, strlen(val)) < 0)
                return -1;
        }
    }
    return 0;
}

void
config_release(struct config *cfg)
{
    if (cfg == NULL)
        return;
    clear_fixtures(cfg);
}
