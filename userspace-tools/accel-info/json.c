// SPDX-License-Identifier: MIT
/* json.c - streaming JSON writer; see json.h. */
#include "json.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

void json_init(struct json_writer *w, FILE *out, enum json_style style)
{
	*w = (struct json_writer){ .out = out, .style = style };
}

static void fail(struct json_writer *w, int err)
{
	if (!w->error)
		w->error = err;
}

static void newline_indent(struct json_writer *w)
{
	if (w->style != JSON_PRETTY)
		return;
	fputc('\n', w->out);
	for (int i = 0; i < w->depth; i++)
		fputs("  ", w->out);
}

/*
 * Everything that starts a value goes through here: it checks that a value
 * is allowed at this point and writes the separator in front of it.
 */
static bool value_start(struct json_writer *w)
{
	if (w->error)
		return false;
	if (w->done) {
		fail(w, -EINVAL);	/* a second top-level value */
		return false;
	}
	if (w->depth == 0)
		return true;
	if (w->kind[w->depth - 1] == 'o') {
		if (!w->have_key) {
			fail(w, -EINVAL);	/* object member without a key */
			return false;
		}
		w->have_key = false;
		return true;
	}
	if (w->nonempty[w->depth - 1])
		fputc(',', w->out);
	w->nonempty[w->depth - 1] = true;
	newline_indent(w);
	return true;
}

/* After a scalar or a closed container: at depth 0 the document is done. */
static void value_end(struct json_writer *w)
{
	if (w->depth == 0)
		w->done = true;
}

static void open_container(struct json_writer *w, char kind)
{
	if (!value_start(w))
		return;
	if (w->depth >= JSON_MAX_DEPTH) {
		fail(w, -E2BIG);
		return;
	}
	fputc(kind == 'o' ? '{' : '[', w->out);
	w->kind[w->depth] = kind;
	w->nonempty[w->depth] = false;
	w->depth++;
}

static void close_container(struct json_writer *w, char kind)
{
	if (w->error)
		return;
	if (w->depth == 0 || w->kind[w->depth - 1] != kind || w->have_key) {
		fail(w, -EINVAL);
		return;
	}
	bool had_members = w->nonempty[w->depth - 1];

	w->depth--;
	if (had_members)
		newline_indent(w);
	fputc(kind == 'o' ? '}' : ']', w->out);
	value_end(w);
}

void json_object_begin(struct json_writer *w) { open_container(w, 'o'); }
void json_object_end(struct json_writer *w) { close_container(w, 'o'); }
void json_array_begin(struct json_writer *w) { open_container(w, 'a'); }
void json_array_end(struct json_writer *w) { close_container(w, 'a'); }

void json_key(struct json_writer *w, const char *key)
{
	if (w->error)
		return;
	if (w->depth == 0 || w->kind[w->depth - 1] != 'o' || w->have_key ||
	    !key) {
		fail(w, -EINVAL);
		return;
	}
	if (w->nonempty[w->depth - 1])
		fputc(',', w->out);
	w->nonempty[w->depth - 1] = true;
	newline_indent(w);
	int err = json_write_escaped(w->out, key, strlen(key));

	if (err)
		fail(w, err);
	fputs(w->style == JSON_PRETTY ? ": " : ":", w->out);
	w->have_key = true;
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if it is not one. */
static size_t utf8_sequence_len(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0];
	size_t len;
	unsigned char lo = 0x80, hi = 0xbf;	/* range of the 2nd byte */

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0;	/* no overlong forms */
		if (c == 0xed)
			hi = 0x9f;	/* no UTF-16 surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90;
		if (c == 0xf4)
			hi = 0x8f;	/* nothing above U+10FFFF */
	} else {
		return 0;
	}
	if (avail < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

int json_write_escaped(FILE *out, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	fputc('"', out);
	while (i < len) {
		unsigned char c = s[i];

		switch (c) {
		case '"': fputs("\\\"", out); i++; continue;
		case '\\': fputs("\\\\", out); i++; continue;
		case '\b': fputs("\\b", out); i++; continue;
		case '\f': fputs("\\f", out); i++; continue;
		case '\n': fputs("\\n", out); i++; continue;
		case '\r': fputs("\\r", out); i++; continue;
		case '\t': fputs("\\t", out); i++; continue;
		default: break;
		}
		if (c < 0x20) {
			fprintf(out, "\\u%04x", c);
			i++;
			continue;
		}
		size_t n = utf8_sequence_len(s + i, len - i);

		if (n == 0) {
			fputs("\\ufffd", out);	/* not UTF-8: replace the byte */
			i++;
			continue;
		}
		fwrite(s + i, 1, n, out);
		i += n;
	}
	fputc('"', out);
	return ferror(out) ? -EIO : 0;
}

void json_string_len(struct json_writer *w, const char *s, size_t len)
{
	if (!s) {
		json_null(w);
		return;
	}
	if (!value_start(w))
		return;
	int err = json_write_escaped(w->out, s, len);

	if (err)
		fail(w, err);
	value_end(w);
}

void json_string(struct json_writer *w, const char *s)
{
	json_string_len(w, s, s ? strlen(s) : 0);
}

void json_int(struct json_writer *w, int64_t v)
{
	if (!value_start(w))
		return;
	fprintf(w->out, "%" PRId64, v);
	value_end(w);
}

void json_uint(struct json_writer *w, uint64_t v)
{
	if (!value_start(w))
		return;
	fprintf(w->out, "%" PRIu64, v);
	value_end(w);
}

void json_double(struct json_writer *w, double v)
{
	if (!isfinite(v)) {
		json_null(w);
		return;
	}
	if (!value_start(w))
		return;
	/* 17 significant digits round-trip every double */
	fprintf(w->out, "%.17g", v);
	value_end(w);
}

void json_bool(struct json_writer *w, bool v)
{
	if (!value_start(w))
		return;
	fputs(v ? "true" : "false", w->out);
	value_end(w);
}

void json_null(struct json_writer *w)
{
	if (!value_start(w))
		return;
	fputs("null", w->out);
	value_end(w);
}

void json_member_string(struct json_writer *w, const char *key, const char *s)
{
	json_key(w, key);
	json_string(w, s);
}

void json_member_int(struct json_writer *w, const char *key, int64_t v)
{
	json_key(w, key);
	json_int(w, v);
}

void json_member_uint(struct json_writer *w, const char *key, uint64_t v)
{
	json_key(w, key);
	json_uint(w, v);
}

void json_member_double(struct json_writer *w, const char *key, double v)
{
	json_key(w, key);
	json_double(w, v);
}

void json_member_bool(struct json_writer *w, const char *key, bool v)
{
	json_key(w, key);
	json_bool(w, v);
}

void json_member_null(struct json_writer *w, const char *key)
{
	json_key(w, key);
	json_null(w);
}

int json_finish(struct json_writer *w)
{
	if (!w->error && (!w->done || w->depth != 0))
		fail(w, -EINVAL);	/* nothing written, or left open */
	if (!w->error) {
		fputc('\n', w->out);
		if (fflush(w->out) != 0 || ferror(w->out))
			fail(w, -EIO);
	}
	return w->error;
}
