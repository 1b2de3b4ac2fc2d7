/* SPDX-License-Identifier: MIT */
/*
 * json.h - a small streaming JSON writer (objects, arrays, strings, integers
 * including the full uint64 range, doubles, booleans, null), pretty or
 * compact, onto a stdio stream.
 *
 * The writer tracks nesting so a caller cannot produce a misplaced comma or
 * an unbalanced bracket: a misuse sets a sticky error that json_finish()
 * returns (negative errno), and later calls do nothing.
 */
#ifndef ACCEL_INFO_JSON_H
#define ACCEL_INFO_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 32

enum json_style { JSON_COMPACT = 0, JSON_PRETTY = 1 };

struct json_writer {
	FILE *out;
	enum json_style style;
	int depth;
	int error;		/* first error, negative errno; 0 = fine */
	bool have_key;		/* a key was written, its value is due */
	bool done;		/* the top-level value is complete */
	/* per level: 'o' object, 'a' array; and whether it has members yet */
	char kind[JSON_MAX_DEPTH];
	bool nonempty[JSON_MAX_DEPTH];
};

void json_init(struct json_writer *w, FILE *out, enum json_style style);
/* 0 when one complete, balanced value was written and the stream took it */
int json_finish(struct json_writer *w);

void json_object_begin(struct json_writer *w);
void json_object_end(struct json_writer *w);
void json_array_begin(struct json_writer *w);
void json_array_end(struct json_writer *w);
/* Inside an object: the key of the next value. */
void json_key(struct json_writer *w, const char *key);

void json_string(struct json_writer *w, const char *s);
void json_string_len(struct json_writer *w, const char *s, size_t len);
void json_int(struct json_writer *w, int64_t v);
void json_uint(struct json_writer *w, uint64_t v);
/* Non-finite values have no JSON form; they are written as null. */
void json_double(struct json_writer *w, double v);
void json_bool(struct json_writer *w, bool v);
void json_null(struct json_writer *w);

/* key + value in one call, for the common object member */
void json_member_string(struct json_writer *w, const char *key, const char *s);
void json_member_int(struct json_writer *w, const char *key, int64_t v);
void json_member_uint(struct json_writer *w, const char *key, uint64_t v);
void json_member_double(struct json_writer *w, const char *key, double v);
void json_member_bool(struct json_writer *w, const char *key, bool v);
void json_member_null(struct json_writer *w, const char *key);

/* Write s as a quoted, escaped JSON string (no writer state); invalid UTF-8
 * bytes become U+FFFD.  Returns 0 or a negative errno. */
int json_write_escaped(FILE *out, const char *s, size_t len);

#endif /* ACCEL_INFO_JSON_H */
