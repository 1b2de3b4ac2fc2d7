/* SPDX-License-Identifier: MIT */
/*
 * json_reader.h - a strict RFC 8259 JSON parser for the tests: it proves
 * the writer's output is valid JSON and reads values back by path
 * ("devices.0.identity.pci_vendor").  Test code only.
 */
#ifndef TEST_JSON_READER_H
#define TEST_JSON_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum jv_type { JV_NULL, JV_BOOL, JV_NUMBER, JV_STRING, JV_ARRAY, JV_OBJECT };

struct jv {
	enum jv_type type;
	bool boolean;
	char *text;		/* number: its literal; string: decoded UTF-8 */
	size_t len;		/* string bytes (may hold NUL) */
	struct jv *items;	/* array elements / object values */
	char **keys;		/* object keys */
	size_t count;
};

/* Parse a whole document (surrounding whitespace allowed); NULL if it is
 * not valid JSON, with *error_at the offset of the problem. */
struct jv *jv_parse(const char *text, size_t *error_at);
void jv_free(struct jv *root);	/* the whole tree, root included */

/* Path of object keys and array indices joined by '.'; NULL if absent. */
const struct jv *jv_get(const struct jv *v, const char *path);
/* Convenience: the value at path as an unsigned/signed integer or string;
 * false if absent or of another type. */
bool jv_get_u64(const struct jv *v, const char *path, uint64_t *out);
bool jv_get_i64(const struct jv *v, const char *path, int64_t *out);
const char *jv_get_str(const struct jv *v, const char *path);

#endif /* TEST_JSON_READER_H */
