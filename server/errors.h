/*
 * errors.h - every error the API returns to a client, as one X-macro table
 * (HTTP status, Twilio code, message), after lwan's lwan-http-status.h, and
 * the renderer of Twilio's error body.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef ASSISTANTS_MOCK_ERRORS_H
#define ASSISTANTS_MOCK_ERRORS_H

#include "buf.h"

/* X(name, http status, twilio code, message) */
#define API_ERRORS(X)                                                          \
    X(API_ERR_AUTH, 401, 20003, "Authenticate")                                \
    X(API_ERR_PAGE_SIZE, 400, 20001, "Invalid PageSize.")                      \
    X(API_ERR_PAGE_SIZE_MAX, 400, 20007,                                       \
      "Page size too large. The maximum page size is 1000.")                   \
    X(API_ERR_PAGE, 400, 20001, "Invalid Page.")                               \
    X(API_ERR_TOKEN_REQUIRED, 400, 20001, "PageToken is required for paging.") \
    X(API_ERR_TOKEN, 400, 20001, "Invalid PageToken.")                         \
    X(API_ERR_HOST, 400, 20001, "Invalid Host header.")                        \
    X(API_ERR_BAD_REQUEST, 400, 20001, "Bad Request")                          \
    X(API_ERR_INVALID_JSON, 400, 20001, "Invalid JSON in request body")        \
    X(API_ERR_CONTENT_TYPE, 400, 20001,                                        \
      "Content-Type must be application/json")                                 \
    X(API_ERR_MISSING_PARAM, 400, 20001, "Missing required parameter %s")      \
    X(API_ERR_INVALID_PARAM, 400, 20001, "Invalid parameter %s")               \
    X(API_ERR_NOT_FOUND, 404, 20404, "The requested resource %s was not found") \
    X(API_ERR_METHOD, 405, 20004,                                              \
      "The requested resource %s does not support the attempted HTTP method "  \
      "%s")                                                                    \
    X(API_ERR_CONNECT, 405, 20004,                                             \
      "CONNECT is served on the proxy port (--proxy-port), not here")         \
    X(API_ERR_BODY_TOO_LARGE, 413, 20001, "Request Entity Too Large")          \
    X(API_ERR_URI_TOO_LONG, 414, 20001, "Request-URI Too Long")                \
    X(API_ERR_HEADERS_TOO_LARGE, 431, 20001,                                   \
      "Request Header Fields Too Large")                                       \
    X(API_ERR_RATE, 429, 20429, "Too Many Requests")                           \
    X(API_ERR_INTERNAL, 500, 20500, "Internal Server Error")                   \
    X(API_ERR_UNAVAILABLE, 503, 20503, "Service Unavailable")

enum api_err {
    API_OK = 0,
#define X(name, status, code, msg) name,
    API_ERRORS(X)
#undef X
        API_ERR_COUNT
};

unsigned api_err_status(enum api_err e);
int api_err_code(enum api_err e);

/*
 * Appends Twilio's error body for e to out. Each "%s" of the message takes
 * the next argument (API_ERR_NOT_FOUND: the path; API_ERR_METHOD: the path,
 * then the method; API_ERR_*_PARAM: the field), JSON-escaped and cut to a
 * bounded length. Other errors ignore them.
 */
void api_err_render(struct buf *out, enum api_err e, const char *arg1,
                    const char *arg2);
/* Appends Twilio's error body for any status, code and message. */
void api_err_render_custom(struct buf *out, unsigned status, int code,
                           const char *message);

#endif
