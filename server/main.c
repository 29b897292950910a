/*
 * main.c - assistants-mock: arguments, signals and lifecycle. The sole
 * caller of exit(): 0 ok, 1 server failure, 2 usage or fixture error; and
 * of _exit(), from the start-up signal handler: 128 + the signal's number.
 *
 * Signals: SIGTERM, SIGINT, SIGHUP and SIGQUIT stop the server (it drains
 * and exits 0); SIGUSR1 and SIGUSR2 are ignored. Before the server is up
 * (a long fixture load) the same four end the process at once.
 *
 * SPDX-License-Identifier: MIT
 */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "fixtures.h"
#include "http.h"
#include "ids.h"
#include "log.h"
#include "router.h"
#include "store.h"

#ifndef ASSISTANTS_MOCK_VERSION
#define ASSISTANTS_MOCK_VERSION "0.0.0"
#endif

/* The bundled fixtures' credentials, printed when they are in use. */
static const char bundled_credentials[] =
    "bundled fixtures: ACa11ce000000000000000000000000001:alice-auth-token "
    "(or API key SKa11ce000000000000000000000000001:alice-api-key-secret), "
    "ACb0b00000000000000000000000000002:bob-auth-token";

/* The stop signals, and their names. */
static const int stop_signals[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT};

static const char *
signal_name(int sig)
{
    switch (sig) {
    case SIGTERM:
        return "SIGTERM";
    case SIGINT:
        return "SIGINT";
    case SIGHUP:
        return "SIGHUP";
    case SIGQUIT:
        return "SIGQUIT";
    default:
        return "signal";
    }
}

/*
 * A state file created by this start, removed if start-up is interrupted
 * (half seeded, it would be reused as it is on the next start): its path
 * and those of its WAL and shared-memory files, "" when none.
 */
static char startup_files[3][CONFIG_MAX_PATH + 5];

/*
 * A stop signal before the server is up: the loader may be anywhere (a
 * long fixture file), so no draining, nothing to drain. Async-signal-safe
 * calls only.
 */
static void
on_startup_signal(int sig)
{
    static const char pre[] = "assistants-mock: ",
                      post[] = " received during start-up, exiting\n";
    const char *name = signal_name(sig);
    size_t i;
    ssize_t w;

    w = write(STDERR_FILENO, pre, sizeof(pre) - 1);
    w = write(STDERR_FILENO, name, strlen(name));
    w = write(STDERR_FILENO, post, sizeof(post) - 1);
    (void)w;
    for (i = 0; i < 3; i++)
        if (startup_files[i][0])
            unlink(startup_files[i]);
    _exit(128 + sig);
}

static void
catch_startup_signals(void)
{
    struct sigaction sa;
    size_t i;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_startup_signal;
    sigfillset(&sa.sa_mask);
    for (i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++)
        sigaction(stop_signals[i], &sa, NULL);
    signal(SIGUSR1, SIG_IGN);
    signal(SIGUSR2, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
}

/*
 * From here on the stop signals wait for sigwait() in main, never reach a
 * server thread (all are started later and inherit the mask).
 */
static void
block_stop_signals(sigset_t *sigs)
{
    size_t i;

    sigemptyset(sigs);
    for (i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++)
        sigaddset(sigs, stop_signals[i]);
    pthread_sigmask(SIG_BLOCK, sigs, NULL);
    for (i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++)
        signal(stop_signals[i], SIG_DFL);
}

static void
raise_fd_limit(void)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

static void
print_accounts(const struct fixtures *fx, struct store *store)
{
    size_t i;

    for (i = 0; i < fx->accts.n_accounts; i++) {
        const struct account *a = &fx->accts.accounts[i];
        long n = store_is_new(store)
                     ? a->n_assistants
                     : store_count(store, STORE_ASSISTANTS, a->store_id);
        log_out("account %s: %ld assistants%s", a->sid, n,
                a->from_env ? " (TWILIO_ACCOUNT_SID)" : "");
    }
    if (fx->bundled)
        log_out("%s", bundled_credentials);
}

static int
healthcheck(const struct config *cfg)
{
    const char *host = cfg->bind;

    if (strcmp(host, "0.0.0.0") == 0)
        host = "127.0.0.1";
    else if (strcmp(host, "::") == 0)
        host = "::1";
    return http_probe_ready(host, cfg->port) == 0 ? 0 : 1;
}

static void
log_listening(const struct config *cfg, const char *what, unsigned port)
{
    if (strchr(cfg->bind, ':'))
        log_out("%s://[%s]:%u", what, cfg->bind, port);
    else
        log_out("%s://%s:%u", what, cfg->bind, port);
}

int
main(int argc, char **argv)
{
    struct config cfg;
    struct fixtures fx;
    struct fixtures_env env;
    struct store *store = NULL;
    struct http_server *srv = NULL;
    struct app app;
    struct tls_material tls = {NULL, NULL, NULL};
    bool app_ready = false;
    sigset_t sigs;
    int sig, status = 1;

    fixtures_init(&fx);
    if (config_parse(&cfg, argc, argv) < 0) {
        status = 2;
        goto out;
    }
    if (cfg.help) {
        fputs(config_usage, stdout);
        status = 0;
        goto out;
    }
    if (cfg.version) {
        puts("assistants-mock " ASSISTANTS_MOCK_VERSION);
        status = 0;
        goto out;
    }
    if (cfg.healthcheck) {
        status = healthcheck(&cfg);
        goto out;
    }

    catch_startup_signals();
    if (cfg.state[0] && !cfg.check) { /* --check writes no file */
        char err[512];
        if (access(cfg.state, F_OK) != 0) {
            snprintf(startup_files[0], sizeof(startup_files[0]), "%s",
                     cfg.state);
            snprintf(startup_files[1], sizeof(startup_files[1]), "%s-wal",
                     cfg.state);
            snprintf(startup_files[2], sizeof(startup_files[2]), "%s-shm",
                     cfg.state);
        }
        store = store_open_file(cfg.state, err, sizeof(err));
        if (store == NULL) {
            log_error("cannot use state file '%s': %s", cfg.state, err);
            status = 2;
            goto out;
        }
    } else {
        store = store_open();
    }
    if (store == NULL)
        goto out;
    env.account_sid = getenv("TWILIO_ACCOUNT_SID");
    env.auth_token = getenv("TWILIO_AUTH_TOKEN");
    env.api_key = getenv("TWILIO_API_KEY");
    env.api_secret = getenv("TWILIO_API_SECRET");
    if (fixtures_load(&fx, store, (const char *const *)cfg.fixtures,
                      cfg.n_fixtures, &env) < 0) {
        if (fx.n_errors) {
            fwrite(fx.errors.data, 1, fx.errors.len, stderr);
            fprintf(stderr,
                    "assistants-mock: fixtures rejected: %zu problem%s, "
                    "nothing served\n",
                    fx.n_errors, fx.n_errors == 1 ? "" : "s");
            status = 2;
        } else {
            log_error("cannot load fixtures");
        }
        goto out;
    }
    block_stop_signals(&sigs);
    if (cfg.check) {
        log_out("fixtures ok: %zu account%s, %ld assistant%s from %zu "
                "file%s",
                fx.accts.n_accounts, fx.accts.n_accounts == 1 ? "" : "s",
                fx.n_assistants, fx.n_assistants == 1 ? "" : "s", fx.n_files,
                fx.n_files == 1 ? "" : "s");
        print_accounts(&fx, store);
        status = 0;
        goto out;
    }
    raise_fd_limit();
    if (cfg.has_clock)
        clock_freeze((int64_t)cfg.clock);
    if (cfg.has_seed)
        ids_seed((uint64_t)cfg.seed);
    if (router_init(&app, &cfg, store, &fx.accts) < 0)
        goto out;
    app.replies = fx.replies;
    app.n_replies = fx.n_replies;
    app_ready = true;
    if (cfg.tls_port >= 0 || cfg.proxy_port >= 0) {
        if (tls_material_make(&cfg, &tls) < 0) {
            status = 2;
            goto out;
        }
        app.tls_ca_pem = tls.ca_pem;
    }
    srv = http_start(&cfg, &app, &tls);
    if (srv == NULL)
        goto out;
    log_listening(&cfg, "listening on http", http_port(srv));
    if (http_tls_port(srv))
        log_listening(&cfg, "listening on https", http_tls_port(srv));
    if (http_proxy_port(srv))
        log_listening(&cfg, "proxy (CONNECT) on http", http_proxy_port(srv));
    if (cfg.tls_ca_out[0])
        log_out("CA certificate written to %s", cfg.tls_ca_out);
    if (cfg.state[0])
        log_out("state: %s (%s)", cfg.state,
                store_is_new(store) ? "new, seeded from the fixtures"
                                    : "reused");
    print_accounts(&fx, store);

    while (sigwait(&sigs, &sig) != 0)
        ;
    log_out("%s received, stopping", signal_name(sig));
    http_stop(srv);
    status = 0;
out:
    if (app_ready)
        router_release(&app);
    tls_material_release(&tls);
    store_close(store);
    fixtures_release(&fx);
    config_release(&cfg);
    return status;
}
