/*
 * http.h - the HTTP transport: libmicrohttpd (thread pool, epoll), request
 * bodies, Twilio's common headers and the access log. Routing and answers
 * are router.c's. The sole user of microhttpd.h.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef ASSISTANTS_MOCK_HTTP_H
#define ASSISTANTS_MOCK_HTTP_H

#include "config.h"
#include "router.h"
#include "tls.h"

struct http_server;

/*
 * Starts listening as cfg says, answering through app (borrowed; must
 * outlive the server), and marks app ready; the HTTPS side (with
 * --tls-port or --proxy-port) with tls (borrowed too). NULL on failure
 * (logged).
 */
struct http_server *http_start(const struct config *cfg, struct app *app,
                               const struct tls_material *tls);
/* The port actually bound (useful with port 0). */
unsigned http_port(const struct http_server *srv);
/* The HTTPS and proxy ports bound, 0 when off. */
unsigned http_tls_port(const struct http_server *srv);
unsigned http_proxy_port(const struct http_server *srv);
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
