// SPDX-License-Identifier: MIT
/* json_reader.c - strict JSON parser for the accel-info tests. */
#include "json_reader.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct parser {
	const char *s;
	size_t pos;
	int depth;
	bool failed;
};

static void skip_ws(struct parser *p)
{
	while (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
	       p->s[p->pos] == '\n' || p->s[p->pos] == '\r')
		p->pos++;
}

static bool parse_value(struct parser *p, struct jv *v);
static void free_children(struct jv *v);

static int hex4(const char *s)
{
	int v = 0;

	for (int i = 0; i < 4; i++) {
		char c = s[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

static size_t put_utf8(char *out, unsigned long cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* A string literal at p->pos (the opening quote) into a new buffer. */
static char *parse_string(struct parser *p, size_t *len_out)
{
	const char *s = p->s;
	size_t i = p->pos + 1, n = 0, cap = 16;
	char *out = malloc(cap);

	if (!out)
		return NULL;
	for (;;) {
		unsigned char c = (unsigned char)s[i];

		if (n + 8 > cap) {
			char *g = realloc(out, cap *= 2);

			if (!g)
				goto bad;
			out = g;
		}
		if (c == '"')
			break;
		if (c < 0x20)
			goto bad;	/* raw control character (or the end) */
		if (c != '\\') {
			out[n++] = (char)c;
			i++;
			continue;
		}
		c = (unsigned char)s[i + 1];
		i += 2;
		switch (c) {
		case '"': out[n++] = '"'; break;
		case '\\': out[n++] = '\\'; break;
		case '/': out[n++] = '/'; break;
		case 'b': out[n++] = '\b'; break;
		case 'f': out[n++] = '\f'; break;
		case 'n': out[n++] = '\n'; break;
		case 'r': out[n++] = '\r'; break;
		case 't': out[n++] = '\t'; break;
		case 'u': {
			int hi = hex4(s + i);
			unsigned long cp;

			if (hi < 0)
				goto bad;
			i += 4;
			cp = (unsigned long)hi;
			if (hi >= 0xd800 && hi <= 0xdbff) {
				int lo = s[i] == '\\' && s[i + 1] == 'u' ?
						 hex4(s + i + 2) : -1;

				if (lo < 0xdc00 || lo > 0xdfff)
					goto bad;
				cp = 0x10000 + (((unsigned long)hi - 0xd800) << 10) +
				     ((unsigned long)lo - 0xdc00);
				i += 6;
			} else if (hi >= 0xdc00 && hi <= 0xdfff) {
				goto bad;
			}
			n += put_utf8(out + n, cp);
			break;
		}
		default:
			goto bad;
		}
	}
	out[n] = '\0';
	*len_out = n;
	p->pos = i + 1;
	return out;
bad:
	free(out);
	p->pos = i;
	return NULL;
}

static bool parse_number(struct parser *p, struct jv *v)
{
	const char *s = p->s;
	size_t i = p->pos;

	if (s[i] == '-')
		i++;
	if (s[i] == '0') {
		i++;
	} else if (s[i] >= '1' && s[i] <= '9') {
		while (s[i] >= '0' && s[i] <= '9')
			i++;
	} else {
		return false;
	}
	if (s[i] == '.') {
		i++;
		if (!(s[i] >= '0' && s[i] <= '9'))
			return false;
		while (s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if (s[i] == 'e' || s[i] == 'E') {
		i++;
		if (s[i] == '+' || s[i] == '-')
			i++;
		if (!(s[i] >= '0' && s[i] <= '9'))
			return false;
		while (s[i] >= '0' && s[i] <= '9')
			i++;
	}
	v->type = JV_NUMBER;
	v->text = strndup(s + p->pos, i - p->pos);
	p->pos = i;
	return v->text != NULL;
}

static bool append(struct jv *v, char *key, const struct jv *item)
{
	struct jv *items = realloc(v->items, (v->count + 1) * sizeof(*items));

	if (!items)
		return false;
	v->items = items;
	if (v->type == JV_OBJECT) {
		char **keys = realloc(v->keys, (v->count + 1) * sizeof(*keys));

		if (!keys)
			return false;
		v->keys = keys;
		v->keys[v->count] = key;
	}
	v->items[v->count++] = *item;
	return true;
}

static bool parse_container(struct parser *p, struct jv *v, char close)
{
	v->type = close == '}' ? JV_OBJECT : JV_ARRAY;
	if (++p->depth > 64)
		return false;
	p->pos++;
	skip_ws(p);
	if (p->s[p->pos] == close) {
		p->pos++;
		p->depth--;
		return true;
	}
	for (;;) {
		char *key = NULL;
		struct jv item = { 0 };
		size_t klen;

		skip_ws(p);
		if (close == '}') {
			if (p->s[p->pos] != '"')
				return false;
			key = parse_string(p, &klen);
			if (!key)
				return false;
			skip_ws(p);
			if (p->s[p->pos] != ':') {
				free(key);
				return false;
			}
			p->pos++;
		}
		if (!parse_value(p, &item) || !append(v, key, &item)) {
			free(key);
			free_children(&item);
			return false;
		}
		skip_ws(p);
		if (p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (p->s[p->pos] == close) {
			p->pos++;
			p->depth--;
			return true;
		}
		return false;
	}
}

static bool literal(struct parser *p, const char *word)
{
	size_t n = strlen(word);

	if (strncmp(p->s + p->pos, word, n) != 0)
		return false;
	p->pos += n;
	return true;
}

static bool parse_value(struct parser *p, struct jv *v)
{
	skip_ws(p);
	switch (p->s[p->pos]) {
	case '{':
		return parse_container(p, v, '}');
	case '[':
		return parse_container(p, v, ']');
	case '"':
		v->type = JV_STRING;
		v->text = parse_string(p, &v->len);
		return v->text != NULL;
	case 't':
		v->type = JV_BOOL;
		v->boolean = true;
		return literal(p, "true");
	case 'f':
		v->type = JV_BOOL;
		return literal(p, "false");
	case 'n':
		v->type = JV_NULL;
		return literal(p, "null");
	default:
		return parse_number(p, v);
	}
}

static void free_children(struct jv *v)
{
	for (size_t i = 0; i < v->count; i++) {
		free_children(&v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->text);
}

void jv_free(struct jv *root)
{
	if (!root)
		return;
	free_children(root);
	free(root);
}

struct jv *jv_parse(const char *text, size_t *error_at)
{
	struct parser p = { .s = text };
	struct jv *root = calloc(1, sizeof(*root));

	if (!root)
		return NULL;
	if (parse_value(&p, root)) {
		skip_ws(&p);
		if (p.s[p.pos] == '\0')
			return root;
	}
	if (error_at)
		*error_at = p.pos;
	jv_free(root);
	return NULL;
}

const struct jv *jv_get(const struct jv *v, const char *path)
{
	char seg[128];

	while (v && *path) {
		size_t n = strcspn(path, ".");

		if (n >= sizeof(seg))
			return NULL;
		memcpy(seg, path, n);
		seg[n] = '\0';
		path += n + (path[n] == '.');
		if (v->type == JV_OBJECT) {
			const struct jv *next = NULL;

			for (size_t i = 0; i < v->count; i++)
				if (strcmp(v->keys[i], seg) == 0)
					next = &v->items[i];
			v = next;
		} else if (v->type == JV_ARRAY) {
			char *end;
			unsigned long idx = strtoul(seg, &end, 10);

			v = *end || idx >= v->count ? NULL : &v->items[idx];
		} else {
			return NULL;
		}
	}
	return v;
}

bool jv_get_u64(const struct jv *v, const char *path, uint64_t *out)
{
	const struct jv *n = jv_get(v, path);
	char *end;

	if (!n || n->type != JV_NUMBER || n->text[0] == '-')
		return false;
	errno = 0;
	*out = strtoull(n->text, &end, 10);
	return !errno && !*end;
}

bool jv_get_i64(const struct jv *v, const char *path, int64_t *out)
{
	const struct jv *n = jv_get(v, path);
	char *end;

	if (!n || n->type != JV_NUMBER)
		return false;
	errno = 0;
	*out = strtoll(n->text, &end, 10);
	return !errno && !*end;
}

const char *jv_get_str(const struct jv *v, const char *path)
{
	const struct jv *s = jv_get(v, path);

	return s && s->type == JV_STRING ? s->text : NULL;
}
