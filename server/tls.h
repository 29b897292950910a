/*
 * tls.h - the certificate of the HTTPS listener: loaded from --tls-cert and
 * --tls-key, or made at start, in memory, with a fresh CA (an ECDSA P-256
 * key pair made by this process, never stored but where --tls-ca-out says).
 * The server certificate names assistants.twilio.com, localhost, 127.0.0.1,
 * ::1 and every --tls-name; those are also the CONNECT targets the proxy
 * serves (tls_name_served).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef ASSISTANTS_MOCK_TLS_H
#define ASSISTANTS_MOCK_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

/* The names every generated certificate carries, before --tls-name. */
extern const char *const tls_default_names[];
#define TLS_N_DEFAULT_NAMES 4

struct tls_material {
    char *cert_pem; /* server certificate, then the CA's */
    char *key_pem;  /* the server key; a secret, never logged */
    char *ca_pem;   /* the generated CA, or NULL with --tls-cert */
};

/*
 * Fills m as cfg says (generated, or read from the two files), and writes
 * the CA to --tls-ca-out. Returns 0, or -1 after logging why.
 */
int tls_material_make(const struct config *cfg, struct tls_material *m);
/* Wipes the key and frees. Accepts a zeroed struct. */
void tls_material_release(struct tls_material *m);

/*
 * True when host (n bytes, no port; an IPv6 address without brackets) is a
 * name of the certificate: a default name or a --tls-name, any case.
 */
bool tls_name_served(const struct config *cfg, const char *host, size_t n);

#endif
