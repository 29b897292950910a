/*
 * tls.c - see tls.h.
 *
 * GnuTLS (the library libmicrohttpd's TLS is built on) makes the keys and
 * certificates. ECDSA P-256 rather than RSA: a key pair costs well under a
 * millisecond, an RSA-2048 one tens of milliseconds, and every client of
 * the Twilio API takes either. The CA is valid from a day before the start
 * (clock skew) for ten years, the server certificate for 397 days (the
 * longest any TLS client accepts); both carry the extensions strict
 * verifiers ask for (key usage, basic constraints, key identifiers).
 *
 * SPDX-License-Identifier: MIT
 */
#include "tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "log.h"

const char *const tls_default_names[TLS_N_DEFAULT_NAMES] = {
    "assistants.twilio.com", "localhost", "127.0.0.1", "::1"};

#define TLS_MAX_FILE (1024 * 1024)
#define DAY 86400

bool
tls_name_served(const struct config *cfg, const char *host, size_t n)
{
    size_t i;

    for (i = 0; i < TLS_N_DEFAULT_NAMES; i++)
        if (strlen(tls_default_names[i]) == n &&
            strncasecmp(tls_default_names[i], host, n) == 0)
            return true;
    for (i = 0; i < cfg->n_tls_names; i++)
        if (strlen(cfg->tls_names[i]) == n &&
            strncasecmp(cfg->tls_names[i], host, n) == 0)
            return true;
    return false;
}

/* A whole file (at most TLS_MAX_FILE bytes) as a NUL-terminated string. */
static char *
read_pem(const char *what, const char *path)
{
    FILE *f = fopen(path, "rb");
    char *data;
    size_t n;

    if (f == NULL) {
        log_error("cannot read %s '%s': %s", what, path, strerror(errno));
        return NULL;
    }
    data = malloc(TLS_MAX_FILE + 1);
    if (data == NULL) {
        fclose(f);
        return NULL;
    }
    n = fread(data, 1, TLS_MAX_FILE + 1, f);
    fclose(f);
    if (n == 0 || n > TLS_MAX_FILE || memchr(data, '\0', n) ||
        strstr(data, "-----BEGIN ") == NULL) {
        free(data);
        log_error("invalid %s '%s': expected a PEM file of at most 1 MiB",
                  what, path);
        return NULL;
    }
    data[n] = '\0';
    return data;
}

/* Checks that the two files are a certificate and its key. */
static int
check_pair(const struct tls_material *m, const struct config *cfg)
{
    gnutls_certificate_credentials_t cred;
    gnutls_datum_t c = {(unsigned char *)m->cert_pem,
                        (unsigned)strlen(m->cert_pem)};
    gnutls_datum_t k = {(unsigned char *)m->key_pem,
                        (unsigned)strlen(m->key_pem)};
    int rc;

    if (gnutls_certificate_allocate_credentials(&cred) < 0)
        return -1;
    rc = gnutls_certificate_set_x509_key_mem(cred, &c, &k,
                                             GNUTLS_X509_FMT_PEM);
    gnutls_certificate_free_credentials(cred);
    if (rc < 0) {
        log_error("--tls-cert '%s' with --tls-key '%s': %s", cfg->tls_cert,
                  cfg->tls_key, gnutls_strerror(rc));
        return -1;
    }
    return 0;
}

static char *
pem_of_crt(gnutls_x509_crt_t crt)
{
    gnutls_datum_t d;
    char *s;

    if (gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &d) < 0)
        return NULL;
    s = malloc(d.size + 1);
    if (s) {
        memcpy(s, d.data, d.size);
        s[d.size] = '\0';
    }
    gnutls_free(d.data);
    return s;
}

/* Serial, validity, subject, key and the key identifier of one cert. */
static int
crt_basics(gnutls_x509_crt_t crt, gnutls_x509_privkey_t key, const char *cn,
           time_t now, time_t days, unsigned char kid[20], size_t *kid_len)
{
    unsigned char serial[16];

    if (gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof(serial)) < 0)
        return -1;
    serial[0] &= 0x7f; /* a positive integer */
    serial[0] |= 0x01;
    *kid_len = 20;
    if (gnutls_x509_crt_set_version(crt, 3) < 0 ||
        gnutls_x509_crt_set_serial(crt, serial, sizeof(serial)) < 0 ||
        gnutls_x509_crt_set_activation_time(crt, now - DAY) < 0 ||
        gnutls_x509_crt_set_expiration_time(crt, now + days * DAY) < 0 ||
        gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, cn,
                                      (unsigned)strlen(cn)) < 0 ||
        gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_ORGANIZATION_NAME,
                                      0, "assistants-mock", 15) < 0 ||
        gnutls_x509_crt_set_key(crt, key) < 0 ||
        gnutls_x509_crt_get_key_id(crt, GNUTLS_KEYID_USE_SHA1, kid,
                                   kid_len) < 0 ||
        gnutls_x509_crt_set_subject_key_id(crt, kid, *kid_len) < 0)
        return -1;
    return 0;
}

static int
new_key(gnutls_x509_privkey_t *key)
{
    if (gnutls_x509_privkey_init(key) < 0)
        return -1;
    return gnutls_x509_privkey_generate(
               *key, GNUTLS_PK_ECDSA,
               GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0) < 0
               ? -1
               : 0;
}

static int
add_san(gnutls_x509_crt_t crt, const char *name)
{
    unsigned char addr[16];

    if (inet_pton(AF_INET, name, addr) == 1)
        return gnutls_x509_crt_set_subject_alt_name(
            crt, GNUTLS_SAN_IPADDRESS, addr, 4, GNUTLS_FSAN_APPEND);
    if (inet_pton(AF_INET6, name, addr) == 1)
        return gnutls_x509_crt_set_subject_alt_name(
            crt, GNUTLS_SAN_IPADDRESS, addr, 16, GNUTLS_FSAN_APPEND);
    return gnutls_x509_crt_set_subject_alt_name(
        crt, GNUTLS_SAN_DNSNAME, name, (unsigned)strlen(name),
        GNUTLS_FSAN_APPEND);
}

static int
generate(const struct config *cfg, struct tls_material *m)
{
    gnutls_x509_privkey_t ca_key = NULL, key = NULL;
    gnutls_x509_crt_t ca = NULL, crt = NULL;
    unsigned char ca_kid[20], kid[20];
    size_t ca_kid_len, kid_len, i;
    char cn[64], tag[9];
    unsigned char rnd[4];
    time_t now = time(NULL);
    gnutls_datum_t d = {NULL, 0};
    char *srv_pem = NULL;
    int rc = -1;

    if (gnutls_rnd(GNUTLS_RND_NONCE, rnd, sizeof(rnd)) < 0)
        return -1;
    snprintf(tag, sizeof(tag), "%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2],
             rnd[3]);
    snprintf(cn, sizeof(cn), "assistants-mock CA %s", tag);
    if (new_key(&ca_key) < 0 || new_key(&key) < 0 ||
        gnutls_x509_crt_init(&ca) < 0 || gnutls_x509_crt_init(&crt) < 0)
        goto out;
    /* The CA: may sign server certificates only (path length 0). */
    if (crt_basics(ca, ca_key, cn, now, 3650, ca_kid, &ca_kid_len) < 0 ||
        gnutls_x509_crt_set_basic_constraints(ca, 1, 0) < 0 ||
        gnutls_x509_crt_set_key_usage(ca, GNUTLS_KEY_KEY_CERT_SIGN |
                                              GNUTLS_KEY_CRL_SIGN |
                                              GNUTLS_KEY_DIGITAL_SIGNATURE) <
            0 ||
        gnutls_x509_crt_sign2(ca, ca, ca_key, GNUTLS_DIG_SHA256, 0) < 0)
        goto out;
    if (crt_basics(crt, key, tls_default_names[0], now, 397, kid, &kid_len) <
            0 ||
        gnutls_x509_crt_set_basic_constraints(crt, 0, -1) < 0 ||
        gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE) < 0 ||
        gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER,
                                            0) < 0 ||
        gnutls_x509_crt_set_authority_key_id(crt, ca_kid, ca_kid_len) < 0)
        goto out;
    for (i = 0; i < TLS_N_DEFAULT_NAMES; i++)
        if (add_san(crt, tls_default_names[i]) < 0)
            goto out;
    for (i = 0; i < cfg->n_tls_names; i++)
        if (add_san(crt, cfg->tls_names[i]) < 0)
            goto out;
    if (gnutls_x509_crt_sign2(crt, ca, ca_key, GNUTLS_DIG_SHA256, 0) < 0)
        goto out;
    m->ca_pem = pem_of_crt(ca);
    srv_pem = pem_of_crt(crt);
    if (m->ca_pem == NULL || srv_pem == NULL ||
        gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &d) < 0)
        goto out;
    /* The chain: the server certificate, then its CA. */
    m->cert_pem = malloc(strlen(srv_pem) + strlen(m->ca_pem) + 1);
    m->key_pem = malloc(d.size + 1);
    if (m->cert_pem == NULL || m->key_pem == NULL)
        goto out;
    strcpy(m->cert_pem, srv_pem);
    strcat(m->cert_pem, m->ca_pem);
    memcpy(m->key_pem, d.data, d.size);
    m->key_pem[d.size] = '\0';
    rc = 0;
out:
    if (d.data) {
        gnutls_memset(d.data, 0, d.size);
        gnutls_free(d.data);
    }
    free(srv_pem);
    if (crt)
        gnutls_x509_crt_deinit(crt);
    if (ca)
        gnutls_x509_crt_deinit(ca);
    if (key)
        gnutls_x509_privkey_deinit(key);
    if (ca_key)
        gnutls_x509_privkey_deinit(ca_key); /* the CA signs nothing more */
    if (rc < 0)
        log_error("cannot make the TLS certificate");
    return rc;
}

static int
write_ca(const char *path, const char *pem)
{
    FILE *f = fopen(path, "w");
    size_t n = strlen(pem);

    if (f == NULL || fwrite(pem, 1, n, f) != n) {
        log_error("cannot write --tls-ca-out '%s': %s", path,
                  strerror(errno));
        if (f)
            fclose(f);
        return -1;
    }
    if (fclose(f) != 0) {
        log_error("cannot write --tls-ca-out '%s': %s", path,
                  strerror(errno));
        return -1;
    }
    return 0;
}

int
tls_material_make(const struct config *cfg, struct tls_material *m)
{
    memset(m, 0, sizeof(*m));
    if (cfg->tls_cert[0]) {
        m->cert_pem = read_pem("--tls-cert", cfg->tls_cert);
        if (m->cert_pem)
            m->key_pem = read_pem("--tls-key", cfg->tls_key);
        if (m->key_pem == NULL || check_pair(m, cfg) < 0)
            goto fail;
        return 0;
    }
    if (generate(cfg, m) < 0)
        goto fail;
    if (cfg->tls_ca_out[0] && write_ca(cfg->tls_ca_out, m->ca_pem) < 0)
        goto fail;
    return 0;
fail:
    tls_material_release(m);
    return -1;
}

void
tls_material_release(struct tls_material *m)
{
    if (m->key_pem) {
        gnutls_memset(m->key_pem, 0, strlen(m->key_pem));
        free(m->key_pem);
    }
    free(m->cert_pem);
    free(m->ca_pem);
    memset(m, 0, sizeof(*m));
}
