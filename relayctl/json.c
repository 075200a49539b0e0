// SPDX-License-Identifier: GPL-2.0-only
/*
 * relayctl: a small JSON writer on stdout. It knows only what relayctl
 * prints: objects, arrays, strings, unsigned numbers and booleans. It
 * keeps, per open container, whether a value came already (for the
 * commas); -p adds newlines and two spaces a level.
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "json.h"

#define JSON_MAX_DEPTH	16

static bool pretty;
static int depth;
static bool has_values[JSON_MAX_DEPTH];
static bool after_key;

void json_set_pretty(bool on)
{
	pretty = on;
}

static void json_newline_indent(void)
{
	int i;

	if (!pretty)
		return;
	putchar('\n');
	for (i = 0; i < depth; i++)
		fputs("  ", stdout);
}

/* What comes before a value or a key: a comma, a new line. */
static void json_prelude(void)
{
	if (after_key) {
		after_key = false;
		return;
	}
	if (!depth)
		return;
	if (has_values[depth - 1])
		putchar(',');
	has_values[depth - 1] = true;
	json_newline_indent();
}

/* After a value: at the top level, the end of the line. */
static void json_done(void)
{
	if (!depth)
		putchar('\n');
}

static void json_open(char c)
{
	json_prelude();
	if (depth == JSON_MAX_DEPTH) {
		fputs("relayctl: JSON nested too deeply\n", stderr);
		abort();
	}
	putchar(c);
	has_values[depth++] = false;
}

static void json_close(char c)
{
	bool had = has_values[--depth];

	if (had)
		json_newline_indent();
	putchar(c);
	json_done();
}

void json_open_object(void)
{
	json_open('{');
}

void json_close_object(void)
{
	json_close('}');
}

void json_open_array(void)
{
	json_open('[');
}

void json_close_array(void)
{
	json_close(']');
}

static void json_quoted(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	putchar('"');
	for (; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", stdout);
			break;
		case '\\':
			fputs("\\\\", stdout);
			break;
		case '\n':
			fputs("\\n", stdout);
			break;
		case '\t':
			fputs("\\t", stdout);
			break;
		case '\r':
			fputs("\\r", stdout);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				printf("\\u%04x", *p);
			else
				putchar(*p);
		}
	}
	putchar('"');
}

void json_key(const char *key)
{
	json_prelude();
	json_quoted(key);
	fputs(pretty ? ": " : ":", stdout);
	after_key = true;
}

void json_str(const char *s)
{
	json_prelude();
	json_quoted(s);
	json_done();
}

void json_u64(uint64_t v)
{
	json_prelude();
	printf("%" PRIu64, v);
	json_done();
}

void json_bool(bool b)
{
	json_prelude();
	fputs(b ? "true" : "false", stdout);
	json_done();
}

void json_kv_str(const char *key, const char *s)
{
	json_key(key);
	json_str(s);
}

void json_kv_u64(const char *key, uint64_t v)
{
	json_key(key);
	json_u64(v);
}

void json_kv_bool(const char *key, bool b)
{
	json_key(key);
	json_bool(b);
}
