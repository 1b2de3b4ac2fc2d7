// SPDX-License-Identifier: MIT
/* test_json.c - the JSON writer: structure, escaping, numbers, misuse. */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/accel-info/json_reader.h"
#include "tests/accel-info/suites.h"
#include "userspace-tools/accel-info/json.h"

void membuf_open(struct membuf *m)
{
	m->data = NULL;
	m->size = 0;
	m->f = open_memstream(&m->data, &m->size);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m->f);
}

const char *membuf_text(struct membuf *m)
{
	if (m->f) {
		fclose(m->f);
		m->f = NULL;
	}
	return m->data;
}

void membuf_free(struct membuf *m)
{
	if (m->f)
		fclose(m->f);
	free(m->data);
	m->f = NULL;
	m->data = NULL;
}

/* Escape one string with the writer; returns the JSON text (static). */
static const char *escaped(const char *s, size_t len)
{
	static char out[512];
	struct membuf m;

	membuf_open(&m);
	CU_ASSERT_EQUAL(json_write_escaped(m.f, s, len), 0);
	snprintf(out, sizeof(out), "%s", membuf_text(&m));
	membuf_free(&m);
	return out;
}

static void test_compact_structure(void)
{
	struct membuf m;
	struct json_writer w;

	membuf_open(&m);
	json_init(&w, m.f, JSON_COMPACT);
	json_object_begin(&w);
	json_member_int(&w, "a", 1);
	json_key(&w, "b");
	json_array_begin(&w);
	json_bool(&w, true);
	json_bool(&w, false);
	json_null(&w);
	json_array_end(&w);
	json_key(&w, "c");
	json_object_begin(&w);
	json_object_end(&w);
	json_key(&w, "d");
	json_array_begin(&w);
	json_array_end(&w);
	json_member_string(&w, "e", "x");
	json_key(&w, "f");
	json_array_begin(&w);
	json_array_begin(&w);
	json_uint(&w, 2);
	json_array_end(&w);
	json_object_begin(&w);
	json_member_null(&w, "g");
	json_object_end(&w);
	json_array_end(&w);
	json_object_end(&w);
	CU_ASSERT_EQUAL(json_finish(&w), 0);
	CU_ASSERT_STRING_EQUAL(membuf_text(&m),
		"{\"a\":1,\"b\":[true,false,null],\"c\":{},\"d\":[],\"e\":\"x\","
		"\"f\":[[2],{\"g\":null}]}\n");
	membuf_free(&m);
}

static void test_pretty_structure(void)
{
	struct membuf m;
	struct json_writer w;

	membuf_open(&m);
	json_init(&w, m.f, JSON_PRETTY);
	json_object_begin(&w);
	json_member_int(&w, "n", -3);
	json_key(&w, "list");
	json_array_begin(&w);
	json_string(&w, "a");
	json_object_begin(&w);
	json_object_end(&w);
	json_array_end(&w);
	json_key(&w, "empty");
	json_array_begin(&w);
	json_array_end(&w);
	json_object_end(&w);
	CU_ASSERT_EQUAL(json_finish(&w), 0);
	CU_ASSERT_STRING_EQUAL(membuf_text(&m),
		"{\n"
		"  \"n\": -3,\n"
		"  \"list\": [\n"
		"    \"a\",\n"
		"    {}\n"
		"  ],\n"
		"  \"empty\": []\n"
		"}\n");
	membuf_free(&m);
}

static void test_top_level_scalars(void)
{
	struct membuf m;
	struct json_writer w;

	membuf_open(&m);
	json_init(&w, m.f, JSON_PRETTY);
	json_string(&w, "only");
	CU_ASSERT_EQUAL(json_finish(&w), 0);
	CU_ASSERT_STRING_EQUAL(membuf_text(&m), "\"only\"\n");
	membuf_free(&m);
}

static void test_escape_specials(void)
{
	CU_ASSERT_STRING_EQUAL(escaped("a\"b\\c", 5), "\"a\\\"b\\\\c\"");
	CU_ASSERT_STRING_EQUAL(escaped("\b\f\n\r\t", 5), "\"\\b\\f\\n\\r\\t\"");
	/* other control characters as \u00XX; '/' and DEL need no escape */
	CU_ASSERT_STRING_EQUAL(escaped("\x01\x1f/\x7f", 4),
			       "\"\\u0001\\u001f/\x7f\"");
	/* an embedded NUL is data, not the end */
	CU_ASSERT_STRING_EQUAL(escaped("a\0b", 3), "\"a\\u0000b\"");
	CU_ASSERT_STRING_EQUAL(escaped("", 0), "\"\"");
}

static void test_utf8_passthrough(void)
{
	/* 2-, 3- and 4-byte sequences pass unchanged: é € U+1D11E */
	CU_ASSERT_STRING_EQUAL(escaped("\xc3\xa9", 2), "\"\xc3\xa9\"");
	CU_ASSERT_STRING_EQUAL(escaped("\xe2\x82\xac", 3), "\"\xe2\x82\xac\"");
	CU_ASSERT_STRING_EQUAL(escaped("\xf0\x9d\x84\x9e", 4),
			       "\"\xf0\x9d\x84\x9e\"");
	/* the edges: U+0080, U+07FF, U+FFFF, U+10FFFF */
	CU_ASSERT_STRING_EQUAL(escaped("\xc2\x80\xdf\xbf", 4), "\"\xc2\x80\xdf\xbf\"");
	CU_ASSERT_STRING_EQUAL(escaped("\xef\xbf\xbf", 3), "\"\xef\xbf\xbf\"");
	CU_ASSERT_STRING_EQUAL(escaped("\xf4\x8f\xbf\xbf", 4),
			       "\"\xf4\x8f\xbf\xbf\"");
}

static void test_utf8_invalid_replaced(void)
{
	/* a lone continuation byte */
	CU_ASSERT_STRING_EQUAL(escaped("a\x80z", 3), "\"a\\ufffdz\"");
	/* overlong '/' (C0 AF): both bytes invalid */
	CU_ASSERT_STRING_EQUAL(escaped("\xc0\xaf", 2), "\"\\ufffd\\ufffd\"");
	/* overlong 3-byte form E0 80 80 */
	CU_ASSERT_STRING_EQUAL(escaped("\xe0\x80\x80", 3),
			       "\"\\ufffd\\ufffd\\ufffd\"");
	/* UTF-16 surrogate U+D800 encoded (ED A0 80) */
	CU_ASSERT_STRING_EQUAL(escaped("\xed\xa0\x80", 3),
			       "\"\\ufffd\\ufffd\\ufffd\"");
	/* above U+10FFFF (F4 90 80 80) and bytes F5..FF */
	CU_ASSERT_STRING_EQUAL(escaped("\xf4\x90\x80\x80", 4),
			       "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	CU_ASSERT_STRING_EQUAL(escaped("\xf5\xff", 2), "\"\\ufffd\\ufffd\"");
	/* a sequence cut short by the end of the string, then valid text */
	CU_ASSERT_STRING_EQUAL(escaped("\xe2\x82", 2), "\"\\ufffd\\ufffd\"");
	CU_ASSERT_STRING_EQUAL(escaped("\xe2\x82x\xc3\xa9", 5),
			       "\"\\ufffd\\ufffdx\xc3\xa9\"");
}

static void test_integers(void)
{
	struct membuf m;
	struct json_writer w;

	membuf_open(&m);
	json_init(&w, m.f, JSON_COMPACT);
	json_array_begin(&w);
	json_int(&w, INT64_MIN);
	json_int(&w, INT64_MAX);
	json_int(&w, 0);
	json_uint(&w, UINT64_MAX);
	json_uint(&w, (uint64_t)1 << 53 | 1);	/* beyond double precision */
	json_array_end(&w);
	CU_ASSERT_EQUAL(json_finish(&w), 0);
	CU_ASSERT_STRING_EQUAL(membuf_text(&m),
		"[-9223372036854775808,9223372036854775807,0,"
		"18446744073709551615,9007199254740993]\n");
	membuf_free(&m);
}

static void test_doubles(void)
{
	static const double values[] = { 0.5, -1.25, 1e300, 4.9e-324,
					 0.1, 2.0 / 3.0 };
	struct membuf m;
	struct json_writer w;
	struct jv *doc;

	membuf_open(&m);
	json_init(&w, m.f, JSON_COMPACT);
	json_array_begin(&w);
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		json_double(&w, values[i]);
	json_double(&w, NAN);
	json_double(&w, INFINITY);
	json_double(&w, -INFINITY);
	json_array_end(&w);
	CU_ASSERT_EQUAL_FATAL(json_finish(&w), 0);
	doc = jv_parse(membuf_text(&m), NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	CU_ASSERT_EQUAL(doc->count, 9);
	/* every finite double reads back to the same bits */
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		CU_ASSERT_EQUAL(doc->items[i].type, JV_NUMBER);
		CU_ASSERT(strtod(doc->items[i].text, NULL) == values[i]);
	}
	for (size_t i = 6; i < 9; i++)
		CU_ASSERT_EQUAL(doc->items[i].type, JV_NULL);
	jv_free(doc);
	membuf_free(&m);
}

static void test_round_trip_strings(void)
{
	static const char *const strings[] = {
		"plain", "quote \" backslash \\ slash /", "tab\tnewline\n",
		"\x01\x02\x1f", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9d\x84\x9e", "",
	};
	struct membuf m;
	struct json_writer w;
	struct jv *doc;

	membuf_open(&m);
	json_init(&w, m.f, JSON_PRETTY);
	json_object_begin(&w);
	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
		char key[16];

		snprintf(key, sizeof(key), "k%zu", i);
		json_member_string(&w, key, strings[i]);
	}
	/* a key that itself needs escaping */
	json_member_bool(&w, "we\"ird\n", true);
	json_object_end(&w);
	CU_ASSERT_EQUAL_FATAL(json_finish(&w), 0);
	doc = jv_parse(membuf_text(&m), NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
		char key[16];
		const char *got;

		snprintf(key, sizeof(key), "k%zu", i);
		got = jv_get_str(doc, key);
		CU_ASSERT_PTR_NOT_NULL(got);
		if (got)
			CU_ASSERT_STRING_EQUAL(got, strings[i]);
	}
	CU_ASSERT_EQUAL(doc->count, 7);
	CU_ASSERT_STRING_EQUAL(doc->keys[6], "we\"ird\n");
	jv_free(doc);
	membuf_free(&m);
}

/* Each misuse leaves a sticky -EINVAL and writes nothing more. */
static void test_misuse_detected(void)
{
	struct membuf m;
	struct json_writer w;

	membuf_open(&m);
	json_init(&w, m.f, JSON_COMPACT);	/* value without a key */
	json_object_begin(&w);
	json_int(&w, 1);
	json_key(&w, "late");
	json_int(&w, 2);
	json_object_end(&w);
	CU_ASSERT_EQUAL(json_finish(&w), -EINVAL);
	CU_ASSERT_STRING_EQUAL(membuf_text(&m), "{");
	membuf_free(&m);

	membuf_open(&m);
	json_init(&w, m.f, JSON_COMPACT);	/* key inside an array */
	json_array_begin(&w);
	json_key(&w, "k");
	json_array_end(&w);
	CU_ASSERT_EQUAL(json_finish(&w), -EINVAL);
	membuf_free(&m);

	membuf_open(&m);
	json_init(&w, m.f, JSON_COMPACT);	/* wrong closer */
	json_object_begin(&w);
	json_array_end(&w);
	CU_ASSERT_EQUAL(json_finish(&w), -EINVAL);
	membuf_free(&m);

	membuf_open(&m);
	json_init(&w, m.f, JSON_COMPACT);	/* left open */
	json_array_begin(&w);
	json_int(&w, 1);
	CU_ASSERT_EQUAL(json_finish(&w), -EINVAL);
	membuf_free(&m);

	membuf_open(&m);
	json_init(&w, m.f, JSON_COMPACT);	/* key without its value */
	json_object_begin(&w);
	json_key(&w, "k");
	json_object_end(&w);
	CU_ASSERT_EQUAL(json_finish(&w), -EINVAL);
	membuf_free(&m);

	membuf_open(&m);
	json_init(&w, m.f, JSON_COMPACT);	/* two documents */
	json_int(&w, 1);
	json_int(&w, 2);
	CU_ASSERT_EQUAL(json_finish(&w), -EINVAL);
	membuf_free(&m);

	membuf_open(&m);
	json_init(&w, m.f, JSON_COMPACT);	/* nothing at all */
	CU_ASSERT_EQUAL(json_finish(&w), -EINVAL);
	membuf_free(&m);

	membuf_open(&m);
	json_init(&w, m.f, JSON_COMPACT);	/* a close too many */
	json_array_begin(&w);
	json_array_end(&w);
	json_array_end(&w);
	CU_ASSERT_EQUAL(json_finish(&w), -EINVAL);
	membuf_free(&m);
}

static void test_depth_limit(void)
{
	struct membuf m;
	struct json_writer w;

	membuf_open(&m);
	json_init(&w, m.f, JSON_COMPACT);
	for (int i = 0; i < JSON_MAX_DEPTH; i++)
		json_array_begin(&w);
	CU_ASSERT_EQUAL(w.error, 0);
	json_array_begin(&w);
	CU_ASSERT_EQUAL(json_finish(&w), -E2BIG);
	membuf_free(&m);
}

static void test_null_string_is_null(void)
{
	struct membuf m;
	struct json_writer w;

	membuf_open(&m);
	json_init(&w, m.f, JSON_COMPACT);
	json_array_begin(&w);
	json_string(&w, NULL);
	json_array_end(&w);
	CU_ASSERT_EQUAL(json_finish(&w), 0);
	CU_ASSERT_STRING_EQUAL(membuf_text(&m), "[null]\n");
	membuf_free(&m);
}

static void test_write_error_reported(void)
{
	FILE *f = fopen("/dev/full", "w");
	struct json_writer w;

	if (!f) {
		CU_FAIL("/dev/full is missing");
		return;
	}
	json_init(&w, f, JSON_COMPACT);
	json_array_begin(&w);
	for (int i = 0; i < 5000; i++)	/* more than the stdio buffer */
		json_string(&w, "filler filler filler");
	json_array_end(&w);
	CU_ASSERT_EQUAL(json_finish(&w), -EIO);
	fclose(f);
}

/* The test reader itself must reject what is not JSON, or the report
 * tests below would prove nothing. */
static void test_reader_rejects_invalid(void)
{
	static const char *const bad[] = {
		"", "{", "[1,]", "{\"a\":1,}", "{'a':1}", "[01]", "[1.]",
		"\"\x01\"", "[\"\\x\"]", "tru", "[1] [2]", "{\"a\" 1}",
		"[\"\\ud800\"]", "nan",
	};
	size_t at;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct jv *v = jv_parse(bad[i], &at);

		CU_ASSERT_PTR_NULL(v);
		jv_free(v);
	}
	struct jv *v = jv_parse(" {\"a\": [1, -2.5e3, \"\\u00e9\\ud834\\udd1e\"]} ", &at);

	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	CU_ASSERT_STRING_EQUAL(jv_get_str(v, "a.2"), "\xc3\xa9\xf0\x9d\x84\x9e");
	int64_t n;

	CU_ASSERT(jv_get_i64(v, "a.0", &n) && n == 1);
	CU_ASSERT_PTR_NULL(jv_get(v, "a.3"));
	jv_free(v);
}

int add_json_suite(void)
{
	CU_pSuite s = CU_add_suite("json writer", NULL, NULL);

	if (!s)
		return -1;
	if (!CU_add_test(s, "compact structure", test_compact_structure) ||
	    !CU_add_test(s, "pretty structure", test_pretty_structure) ||
	    !CU_add_test(s, "top-level scalar", test_top_level_scalars) ||
	    !CU_add_test(s, "escapes specials and controls", test_escape_specials) ||
	    !CU_add_test(s, "UTF-8 passes through", test_utf8_passthrough) ||
	    !CU_add_test(s, "invalid UTF-8 becomes U+FFFD", test_utf8_invalid_replaced) ||
	    !CU_add_test(s, "int64/uint64 extremes", test_integers) ||
	    !CU_add_test(s, "doubles round-trip, non-finite null", test_doubles) ||
	    !CU_add_test(s, "strings round-trip through a parser", test_round_trip_strings) ||
	    !CU_add_test(s, "misuse is a sticky error", test_misuse_detected) ||
	    !CU_add_test(s, "nesting depth limit", test_depth_limit) ||
	    !CU_add_test(s, "NULL string is null", test_null_string_is_null) ||
	    !CU_add_test(s, "write error reported", test_write_error_reported) ||
	    !CU_add_test(s, "test reader rejects invalid JSON", test_reader_rejects_invalid))
		return -1;
	return 0;
}
