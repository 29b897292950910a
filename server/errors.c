/*
 * errors.c - see errors.h.
 *
 * SPDX-License-Identifier: MIT
 */
#include "errors.h"

#include <stdbool.h>
#include <string.h>

#include "render.h"

struct api_err_info {
    unsigned status;
    int code;
    const char *message;
};

static const struct api_err_info infos[] = {
    [API_OK] = {200, 0, ""},
#define X(name, st, cd, msg) [name] = {st, cd, msg},
    API_ERRORS(X)
#undef X
};

/* Reflected request text is cut so an error body stays small. */
#define ERRORS_MAX_ARG 256

unsigned
api_err_status(enum api_err e)
{
    return infos[e].status;
}

int
api_err_code(enum api_err e)
{
    return infos[e].code;
}

/* Appends the JSON-escaped message, substituting %s with the arguments. */
static void
add_message(struct buf *out, const char *msg, const char *arg1,
            const char *arg2)
{
    const char *args[2] = {arg1 ? arg1 : "", arg2 ? arg2 : ""};
    int next = 0;
    const char *p;

    for (p = msg; *p; p++) {
        if (p[0] == '%' && p[1] == 's' && next < 2) {
            const char *a = args[next++];
            size_t n = strnlen(a, ERRORS_MAX_ARG);
            render_json_chars(out, a, n);
            p++;
        } else {
            render_json_chars(out, p, 1);
        }
    }
}

static void
render(struct buf *out, unsigned status, int code, const char *msg,
       const char *arg1, const char *arg2, bool format)
{
    buf_adds(out, "{\"code\":");
    buf_add_long(out, code);
    buf_adds(out, ",\"message\":\"");
    if (format)
        add_message(out, msg, arg1, arg2);
    else
        render_json_chars(out, msg, strlen(msg));
    buf_adds(out, "\",\"more_info\":\"https://www.twilio.com/docs/errors/");
    buf_add_long(out, code);
    buf_adds(out, "\",\"status\":");
    buf_add_long(out, status);
    buf_addc(out, '}');
}

void
api_err_render(struct buf *out, enum api_err e, const char *arg1,
               const char *arg2)
{
    const struct api_err_info *in = &infos[e];

    render(out, in->status, in->code, in->message, arg1, arg2, true);
}

void
api_err_render_custom(struct buf *out, unsigned status, int code,
                      const char *message)
{
    render(out, status, code, message, NULL, NULL, false);
}
