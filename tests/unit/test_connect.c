/*
 * test_connect.c - unit tests of connect.c (the CONNECT head of
 * --proxy-port), config_tls_name_valid (--tls-name) and tls.c: the names
 * served (tls_name_served) and the generated material (a CA and a server
 * certificate that GnuTLS verifies for every default name and no other).
 *
 * SPDX-License-Identifier: MIT
 */
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "connect.h"
#include "tls.h"
#include "unit.h"

static enum connect_result
parse(const char *s, struct connect_target *t)
{
    return connect_parse(s, strlen(s), t);
}

static void
test_connect_ok(void **state)
{
    struct connect_target t;
    const char *s = "CONNECT assistants.twilio.com:443 HTTP/1.1\r\n"
                    "Host: assistants.twilio.com:443\r\n"
                    "Proxy-Authorization: Basic eDp5\r\n\r\n\x16\x03\x01";

    (void)state;
    assert_int_equal(parse(s, &t), CONNECT_OK);
    assert_string_equal(t.host, "assistants.twilio.com");
    assert_int_equal(t.host_len, 21);
    assert_int_equal(t.port, 443);
    assert_int_equal(t.head_len, strlen(s) - 3); /* the TLS bytes not taken */
    assert_int_equal(parse("CONNECT [::1]:8443 HTTP/1.0\r\n\r\n", &t),
                     CONNECT_OK);
    assert_string_equal(t.host, "::1");
    assert_int_equal(t.port, 8443);
    assert_int_equal(parse("CONNECT 127.0.0.1:1 HTTP/1.1\r\nX:\r\n\r\n", &t),
                     CONNECT_OK);
    assert_string_equal(t.host, "127.0.0.1");
    assert_int_equal(t.port, 1);
    assert_int_equal(
        parse("CONNECT a:65535 HTTP/1.1\r\nA: tab\there\r\n\r\n", &t),
        CONNECT_OK);
    assert_int_equal(t.port, 65535);
}

static void
test_connect_incomplete_and_other(void **state)
{
    struct connect_target t;
    char big[CONNECT_MAX_HEAD + 10];

    (void)state;
    assert_int_equal(parse("", &t), CONNECT_INCOMPLETE);
    assert_int_equal(parse("CONN", &t), CONNECT_INCOMPLETE);
    assert_int_equal(parse("CONNECT a:443 HTTP/1.1\r\n", &t),
                     CONNECT_INCOMPLETE);
    assert_int_equal(parse("CONNECT a:443 HTTP/1.1\r\nX: y\r\n\r", &t),
                     CONNECT_INCOMPLETE);
    assert_int_equal(parse("GET / HTTP/1.1\r\n\r\n", &t),
                     CONNECT_NOT_CONNECT);
    assert_int_equal(parse("connect a:443 HTTP/1.1\r\n\r\n", &t),
                     CONNECT_NOT_CONNECT); /* methods are case-sensitive */
    assert_int_equal(parse("\x16\x03\x01", &t), CONNECT_NOT_CONNECT);
    assert_int_equal(parse("CONNECTX", &t), CONNECT_NOT_CONNECT);
    memset(big, 'a', sizeof(big));
    memcpy(big, "CONNECT ", 8);
    assert_int_equal(connect_parse(big, CONNECT_MAX_HEAD - 1, &t),
                     CONNECT_INCOMPLETE);
    assert_int_equal(connect_parse(big, CONNECT_MAX_HEAD, &t),
                     CONNECT_TOO_LONG);
    assert_int_equal(connect_parse(big, sizeof(big), &t), CONNECT_TOO_LONG);
}

static void
test_connect_bad(void **state)
{
    static const char *const bad[] = {
        "CONNECT a HTTP/1.1\r\n\r\n",
        "CONNECT a: HTTP/1.1\r\n\r\n",
        "CONNECT :443 HTTP/1.1\r\n\r\n",
        "CONNECT a:0 HTTP/1.1\r\n\r\n",
        "CONNECT a:65536 HTTP/1.1\r\n\r\n",
        "CONNECT a:000443 HTTP/1.1\r\n\r\n",
        "CONNECT a:44b HTTP/1.1\r\n\r\n",
        "CONNECT a:-1 HTTP/1.1\r\n\r\n",
        "CONNECT u@a:443 HTTP/1.1\r\n\r\n",
        "CONNECT a%2e:443 HTTP/1.1\r\n\r\n",
        "CONNECT []:443 HTTP/1.1\r\n\r\n",
        "CONNECT [::1:443 HTTP/1.1\r\n\r\n",
        "CONNECT [::g]:443 HTTP/1.1\r\n\r\n",
        "CONNECT [::1]443 HTTP/1.1\r\n\r\n",
        "CONNECT a:443 HTTP/2.0\r\n\r\n",
        "CONNECT a:443 HTTP/1.12\r\n\r\n",
        "CONNECT a:443 http/1.1\r\n\r\n",
        "CONNECT a:443\r\n\r\n",
        "CONNECT  a:443 HTTP/1.1\r\n\r\n",
        "CONNECT a:443  HTTP/1.1\r\n\r\n",
        "CONNECT a:443 HTTP/1.1 \r\n\r\n",
        "CONNECT a:443 HTTP/1.1\r\nno colon\r\n\r\n",
        "CONNECT a:443 HTTP/1.1\r\n: empty name\r\n\r\n",
        "CONNECT a:443 HTTP/1.1\r\nBad Name: x\r\n\r\n",
        "CONNECT a:443 HTTP/1.1\r\n folded: x\r\n\r\n",
        "CONNECT a:443 HTTP/1.1\r\nX: a\rb\r\n\r\n",
        "CONNECT a:443 HTTP/1.1\r\nX: a\nb\r\n\r\n",
        "CONNECT a:443 HTTP/1.1\nX: y\r\n\r\n",
    };
    struct connect_target t;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(parse(bad[i], &t), CONNECT_BAD);
        assert_int_equal(t.host_len, 0);
        assert_int_equal(t.port, 0);
    }
    /* A NUL in the authority. */
    assert_int_equal(connect_parse("CONNECT a\0b:443 HTTP/1.1\r\n\r\n", 29, &t),
                     CONNECT_BAD);
}

static void
test_tls_names(void **state)
{
    struct config cfg;

    (void)state;
    assert_true(config_tls_name_valid("assistants.twilio.com", 21));
    assert_true(config_tls_name_valid("a", 1));
    assert_true(config_tls_name_valid("x-1.Example.ORG", 15));
    assert_true(config_tls_name_valid("10.1.2.3", 8));
    assert_true(config_tls_name_valid("::1", 3));
    assert_true(config_tls_name_valid("fe80::1:2", 9));
    assert_false(config_tls_name_valid("", 0));
    assert_false(config_tls_name_valid("-a.com", 6));
    assert_false(config_tls_name_valid("a-.com", 6));
    assert_false(config_tls_name_valid("a..com", 6));
    assert_false(config_tls_name_valid(".a", 2));
    assert_false(config_tls_name_valid("a.", 2));
    assert_false(config_tls_name_valid("a b", 3));
    assert_false(config_tls_name_valid("a_b.com", 7));
    assert_false(config_tls_name_valid("*.a.com", 7));
    assert_false(config_tls_name_valid("a\0b", 3));
    assert_false(config_tls_name_valid(
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com",
        68)); /* a 64-byte label */

    memset(&cfg, 0, sizeof(cfg));
    strcpy(cfg.tls_names[0], "mock.internal");
    cfg.n_tls_names = 1;
    assert_true(tls_name_served(&cfg, "assistants.twilio.com", 21));
    assert_true(tls_name_served(&cfg, "ASSISTANTS.Twilio.com", 21));
    assert_true(tls_name_served(&cfg, "localhost", 9));
    assert_true(tls_name_served(&cfg, "::1", 3));
    assert_true(tls_name_served(&cfg, "mock.internal", 13));
    assert_false(tls_name_served(&cfg, "mock.internal.evil", 18));
    assert_false(tls_name_served(&cfg, "assistants.twilio.co", 20));
    assert_false(tls_name_served(&cfg, "api.twilio.com", 14));
    assert_false(tls_name_served(&cfg, "", 0));
}

/* The generated chain verifies against its CA for each default name. */
static void
test_generated_material(void **state)
{
    struct config cfg;
    struct tls_material m;
    gnutls_x509_crt_t crt[2], ca;
    unsigned n = 2, status, i;
    gnutls_datum_t d;

    (void)state;
    memset(&cfg, 0, sizeof(cfg));
    strcpy(cfg.tls_names[0], "10.9.8.7");
    cfg.n_tls_names = 1;
    assert_int_equal(tls_material_make(&cfg, &m), 0);
    assert_non_null(m.ca_pem);
    assert_non_null(strstr(m.key_pem, "PRIVATE KEY"));
    assert_null(strstr(m.ca_pem, "PRIVATE"));
    assert_null(strstr(m.cert_pem, "PRIVATE"));
    d.data = (unsigned char *)m.cert_pem;
    d.size = (unsigned)strlen(m.cert_pem);
    assert_true(gnutls_x509_crt_list_import(crt, &n, &d, GNUTLS_X509_FMT_PEM,
                                            0) >= 0);
    assert_int_equal(n, 2); /* server certificate, then the CA */
    gnutls_x509_crt_init(&ca);
    d.data = (unsigned char *)m.ca_pem;
    d.size = (unsigned)strlen(m.ca_pem);
    assert_int_equal(gnutls_x509_crt_import(ca, &d, GNUTLS_X509_FMT_PEM), 0);
    assert_int_equal(gnutls_x509_crt_list_verify(crt, 1, &ca, 1, NULL, 0, 0,
                                                 &status),
                     0);
    assert_int_equal(status, 0);
    for (i = 0; i < TLS_N_DEFAULT_NAMES; i++)
        assert_true(gnutls_x509_crt_check_hostname(crt[0],
                                                   tls_default_names[i]));
    assert_true(gnutls_x509_crt_check_hostname(crt[0], "10.9.8.7"));
    assert_false(gnutls_x509_crt_check_hostname(crt[0], "api.twilio.com"));
    assert_false(gnutls_x509_crt_check_hostname(crt[0], "10.9.8.6"));
    assert_true(gnutls_x509_crt_get_ca_status(ca, NULL) > 0);
    assert_int_equal(gnutls_x509_crt_get_ca_status(crt[0], NULL), 0);
    for (i = 0; i < n; i++)
        gnutls_x509_crt_deinit(crt[i]);
    gnutls_x509_crt_deinit(ca);
    tls_material_release(&m);
    assert_null(m.key_pem);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_connect_ok),
    cmocka_unit_test(test_connect_incomplete_and_other),
    cmocka_unit_test(test_connect_bad),
    cmocka_unit_test(test_tls_names),
    cmocka_unit_test(test_generated_material),
};

UNIT_MAIN(tests)
