/*
 * embedded.h - data compiled into the binary by embed.py.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef ASSISTANTS_MOCK_EMBEDDED_H
#define ASSISTANTS_MOCK_EMBEDDED_H

#include <stddef.h>

extern const char embedded_schema_sql[];   /* schema/store.sql */
extern const size_t embedded_schema_sql_len;
extern const char embedded_default_fixtures[]; /* fixtures/default.json */
extern const size_t embedded_default_fixtures_len;

#endif
