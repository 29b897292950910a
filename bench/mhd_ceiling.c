/*
 * bench/mhd_ceiling.c: what libmicrohttpd itself serves (bench/run.sh case
 * 12), the ceiling of the server's HTTP stack.
 *
 *   mhd_ceiling PORT BODY_FILE HEADERS_FILE
 *
 * Answers every request with BODY_FILE's bytes from one persistent buffer
 * (no copy, no rendering) and the header fields of HEADERS_FILE ("Name:
 * value" lines, as Python's http.client prints a response's headers; Date,
 * Content-Length and Connection are skipped: libmicrohttpd makes those),
 * added one by one to each response exactly as the server adds its own. So
 * the difference between this and case 1 is the server's own work: auth,
 * routing, the page cache, the journal, the access log. One thread, epoll,
 * the server's per-connection memory (64 KiB); it answers on the second
 * access-handler call, as the server does (answering on the first makes
 * libmicrohttpd close every connection). Stops on SIGTERM or SIGINT.
 *
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_HEADERS 32

static char *body;
static size_t body_len;
static char *names[MAX_HEADERS], *values[MAX_HEADERS];
static size_t n_headers;

static enum MHD_Result
handle(void *cls, struct MHD_Connection *c, const char *url,
       const char *method, const char *version, const char *upload,
       size_t *upload_size, void **con_cls)
{
    static int seen;
    struct MHD_Response *r;
    enum MHD_Result ret;
    size_t i;

    (void)cls, (void)url, (void)method, (void)version, (void)upload;
    if (*con_cls == NULL) {
        *con_cls = &seen;
        return MHD_YES;
    }
    if (*upload_size) {
        *upload_size = 0;
        return MHD_YES;
    }
    r = MHD_create_response_from_buffer(body_len, body,
                                        MHD_RESPMEM_PERSISTENT);
    if (r == NULL)
        return MHD_NO;
    for (i = 0; i < n_headers; i++)
        MHD_add_response_header(r, names[i], values[i]);
    ret = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

static char *
slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *b = NULL;
    long n;

    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0 || (b = malloc((size_t)n + 1)) == NULL ||
        fread(b, 1, (size_t)n, f) != (size_t)n) {
        perror(path);
        exit(2);
    }
    fclose(f);
    b[n] = '\0';
    *len = (size_t)n;
    return b;
}

static void
read_headers(char *text)
{
    char *line, *save = NULL;

    for (line = strtok_r(text, "\r\n", &save); line;
         line = strtok_r(NULL, "\r\n", &save)) {
        char *colon = strchr(line, ':'), *v;
        if (colon == NULL)
            continue;
        *colon = '\0';
        for (v = colon + 1; *v == ' '; v++)
            ;
        if (strcasecmp(line, "Date") == 0 ||
            strcasecmp(line, "Content-Length") == 0 ||
            strcasecmp(line, "Connection") == 0)
            continue;
        if (n_headers == MAX_HEADERS) {
            fprintf(stderr, "mhd_ceiling: more than %d headers\n",
                    MAX_HEADERS);
            exit(2);
        }
        names[n_headers] = line;
        values[n_headers++] = v;
    }
}

int
main(int argc, char **argv)
{
    struct MHD_Daemon *d;
    sigset_t set;
    size_t hlen;
    int sig;

    if (argc != 4) {
        fprintf(stderr, "usage: mhd_ceiling PORT BODY_FILE HEADERS_FILE\n");
        return 2;
    }
    body = slurp(argv[2], &body_len);
    read_headers(slurp(argv[3], &hlen));
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL,
                         (uint16_t)atoi(argv[1]), NULL, NULL, handle, NULL,
                         MHD_OPTION_CONNECTION_LIMIT, 1000u,
                         MHD_OPTION_CONNECTION_MEMORY_LIMIT,
                         (size_t)(64 * 1024),
                         MHD_OPTION_CONNECTION_MEMORY_INCREMENT,
                         (size_t)4096, MHD_OPTION_END);
    if (d == NULL) {
        fprintf(stderr, "mhd_ceiling: cannot listen on port %s\n", argv[1]);
        return 1;
    }
    sigwait(&set, &sig);
    MHD_stop_daemon(d);
    return 0;
}
