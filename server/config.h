/*
 * config.h - the command line and the ASSISTANTS_MOCK_* environment
 * variables, merged (a flag wins over its variable) and validated.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef ASSISTANTS_MOCK_CONFIG_H
#define ASSISTANTS_MOCK_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "knowledge.h"

#define CONFIG_DEFAULT_PORT 8080
#define CONFIG_DEFAULT_BIND "127.0.0.1"
#define CONFIG_MAX_PUBLIC_URL 1024
#define CONFIG_MAX_THREADS 256
#define CONFIG_MAX_PATH 4095
#define CONFIG_MAX_MODEL 256
#define CONFIG_DEFAULT_MODEL "gpt-4.1"
#define CONFIG_MAX_SECRET 1024
#define CONFIG_DEFAULT_JOURNAL 1000
#define CONFIG_MAX_TLS_NAMES 16
#define CONFIG_MAX_TLS_NAME 253
#define CONFIG_DEFAULT_LIST_CACHE_MB 96

struct config {
    unsigned port;
    char bind[64];
    bool bind_ipv6;
    char **fixtures; /* owned array of owned strings */
    size_t n_fixtures;
    char public_url[CONFIG_MAX_PUBLIC_URL + 1]; /* "" when unset */
    unsigned threads;
    char state[CONFIG_MAX_PATH + 1];           /* "" when in memory */
    char default_model[CONFIG_MAX_MODEL + 1];
    bool quiet;
    bool attach_returns_json; /* --attach-returns-json */
    bool webhooks_off;        /* --webhooks off */
    struct knowledge_rule knowledge_rule; /* --knowledge-ready-after RULE */
    bool log_json;     /* --log-format json */
    char admin_token[CONFIG_MAX_SECRET + 1]; /* "" when unset; a secret */
    unsigned journal_size;
    unsigned list_cache_mb; /* --list-cache-mb, 0: off */
    bool has_clock;
    long long clock;   /* --clock, epoch seconds */
    bool has_seed;
    unsigned long long seed;
    unsigned rate_limit;
    unsigned fault_every;
    int tls_port;   /* --tls-port; -1: no TLS listener */
    int proxy_port; /* --proxy-port; -1: no CONNECT proxy */
    char tls_cert[CONFIG_MAX_PATH + 1]; /* "" : generated */
    char tls_key[CONFIG_MAX_PATH + 1];
    char tls_ca_out[CONFIG_MAX_PATH + 1];
    /* --tls-name: more names of the certificate and CONNECT, lowercase. */
    char tls_names[CONFIG_MAX_TLS_NAMES][CONFIG_MAX_TLS_NAME + 1];
    size_t n_tls_names;
    bool check;
    bool healthcheck;
    bool help;
    bool version;
};

/*
 * Fills cfg from argv and the environment. Returns 0, or -1 after printing a
 * one-line error to stderr. cfg must be released with config_release either
 * way.
 */
int config_parse(struct config *cfg, int argc, char **argv);
void config_release(struct config *cfg);

/*
 * True when s (n bytes) is a DNS name (letters, digits, '-' in labels of
 * 1 to 63, at most 253 bytes in all) or an IPv4 or IPv6 address.
 */
bool config_tls_name_valid(const char *s, size_t n);

/* The --help text. */
extern const char config_usage[];

#endif
