/*
 * unit.h - what every cmocka unit test needs: the includes cmocka wants
 * before its own header, and the entry point that runs a group with TAP
 * output and ends with the "N passed, N failed" line (as a TAP comment, so
 * meson's TAP parser accepts it).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef ASSISTANTS_MOCK_TESTS_UNIT_H
#define ASSISTANTS_MOCK_TESTS_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#define UNIT_MAIN(tests)                                                       \
    int main(void)                                                             \
    {                                                                          \
        size_t total_ = sizeof(tests) / sizeof((tests)[0]);                    \
        int failed_;                                                           \
                                                                               \
        cmocka_set_message_output(CM_OUTPUT_TAP);                              \
        failed_ = cmocka_run_group_tests(tests, NULL, NULL);                   \
        if (failed_ < 0 || (size_t)failed_ > total_)                           \
            failed_ = (int)total_;                                             \
        fflush(stderr);                                                        \
        printf("# %zu passed, %d failed\n", total_ - (size_t)failed_,          \
               failed_);                                                       \
        return failed_ ? 1 : 0;                                                \
    }

/* Asserts the n bytes at a equal the n bytes at b, showing both. */
#define assert_bytes_equal(a, alen, b, blen)                                   \
    do {                                                                       \
        size_t alen_ = (alen), blen_ = (blen);                                 \
        if (alen_ != blen_ || memcmp((a), (b), alen_) != 0) {                  \
            print_error("got (%zu bytes): %.*s\nwant (%zu bytes): %.*s\n",     \
                        alen_, (int)alen_, (const char *)(a), blen_,           \
                        (int)blen_, (const char *)(b));                        \
            fail();                                                            \
        }                                                                      \
    } while (0)

#endif
