/*
 * http.h - the HTTP server: libmicrohttpd (thread pool, epoll), routing,
 * Twilio's headers, errors and access log. The sole user of microhttpd.h.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef ASSISTANTS_MOCK_HTTP_H
#define ASSISTANTS_MOCK_HTTP_H

#include "config.h"
#include "fixtures.h"
#include "store.h"

struct http_server;

/*
 * Starts listening as cfg says, serving store and fx (both borrowed, and
 * must outlive the server). NULL on failure (logged).
 */
struct http_server *http_start(const struct config *cfg, struct store *store,
                               const struct fixtures *fx);
/* The port actually bound (useful with port 0). */
unsigned http_port(const struct http_server *srv);
/*
 * Stops accepting, lets in-flight requests finish (up to a bound), stops and
 * frees. Accepts NULL.
 */
void http_stop(struct http_server *srv);

/*
 * The --healthcheck probe: GET /readyz on host:port with a short timeout.
 * Returns 0 when it answered 200, else -1.
 */
int http_probe_ready(const char *host, unsigned port);

#endif
