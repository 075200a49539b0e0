/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * relayctl: a small JSON writer on stdout (-j; -p indents). Values at
 * the top level end in a newline, so that a stream of them (monitor -j)
 * is one object a line.
 */
#ifndef RELAYCTL_JSON_H
#define RELAYCTL_JSON_H

#include <stdbool.h>
#include <stdint.h>

void json_set_pretty(bool pretty);
void json_open_object(void);
void json_close_object(void);
void json_open_array(void);
void json_close_array(void);
void json_key(const char *key);
void json_str(const char *s);
void json_u64(uint64_t v);
void json_bool(bool b);

/* "key": value, inside an object. */
void json_kv_str(const char *key, const char *s);
void json_kv_u64(const char *key, uint64_t v);
void json_kv_bool(const char *key, bool b);

#endif /* RELAYCTL_JSON_H */
