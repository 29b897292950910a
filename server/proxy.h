/*
 * proxy.h - the --proxy-port listener: an HTTP proxy that serves only the
 * mock. "CONNECT name:443" to a name of the certificate (tls_name_served)
 * is answered 200 and the socket handed to the HTTPS side, which terminates
 * TLS itself; CONNECT to any other host is refused 403 (never forwarded:
 * the mock is not an open proxy), a malformed head 400. A connection that
 * does not start with CONNECT is handed, unread, to the plain HTTP side
 * (so a proxy's absolute-form "GET http://..." is served as on --port), or,
 * when it starts with a TLS handshake, to the HTTPS side.
 * One thread, poll(); a head must arrive within PROXY_HEAD_TIMEOUT_MS; with
 * PROXY_MAX_PENDING connections still sending theirs, a new one closes the
 * one that has waited longest.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef ASSISTANTS_MOCK_PROXY_H
#define ASSISTANTS_MOCK_PROXY_H

#include <stdbool.h>
#include <sys/socket.h>

#include "config.h"

#define PROXY_HEAD_TIMEOUT_MS 5000
#define PROXY_MAX_PENDING 256

/*
 * Takes over fd (an accepted, connected socket): to the HTTPS side when tls,
 * else to the plain side. Must close fd on failure.
 */
typedef void (*proxy_handoff_fn)(void *cls, int fd, const struct sockaddr *sa,
                                 socklen_t len, bool tls);

struct proxy;

/*
 * Listens on cfg->bind, cfg->proxy_port; tls_port is the HTTPS listener's
 * port (a CONNECT to it is also served), or 0; a CONNECT to plain_port (the
 * plain listener's) is tunnelled to the plain side, unencrypted, for a
 * client that sends every request through its proxy. NULL on failure
 * (logged).
 */
struct proxy *proxy_start(const struct config *cfg, unsigned tls_port,
                          unsigned plain_port, proxy_handoff_fn fn,
                          void *cls);
unsigned proxy_port(const struct proxy *p);
/* Stops the thread, closes pending connections, frees. Accepts NULL. */
void proxy_stop(struct proxy *p);

#endif
