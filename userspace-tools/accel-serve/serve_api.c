// SPDX-License-Identifier: MIT
/*
 * serve_api.c - the OpenAI request and response bodies, through json-c:
 * /v1/completions and /v1/chat/completions requests checked field by field
 * (a wrong type or range names the field), results and streamed chunks.
 */
#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve.h"

#define JSON_OUT (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

struct parse_ctx {
	char *msg;
	size_t msg_len;
	const char **param;
};

static int bad(struct parse_ctx *c, const char *param, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int bad(struct parse_ctx *c, const char *param, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->msg, c->msg_len, fmt, ap);
	va_end(ap);
	*c->param = param;
	return -1;
}

/* A JSON number as a double (ints too); -1 if it is not a number. */
static int get_number(struct json_object *v, double *out)
{
	enum json_type t = json_object_get_type(v);

	if (t != json_type_int && t != json_type_double)
		return -1;
	*out = t == json_type_int ? (double)json_object_get_int64(v) : json_object_get_double(v);
	return 0;
}

/* An integer field in [lo, hi] (a double with an integral value counts). */
static int get_int(struct parse_ctx *c, struct json_object *v, const char *name,
		   int64_t lo, int64_t hi, int64_t *out)
{
	double d;

	if (json_object_get_type(v) == json_type_int) {
		int64_t i = json_object_get_int64(v);

		/* json-c saturates what does not fit */
		if (i < lo || i > hi || i == INT64_MAX)
			return bad(c, name, "'%s' must be an integer in %lld..%lld", name,
				   (long long)lo, (long long)hi);
		*out = i;
		return 0;
	}
	if (get_number(v, &d) || d != floor(d) || d < (double)lo || d > (double)hi)
		return bad(c, name, "'%s' must be an integer in %lld..%lld", name,
			   (long long)lo, (long long)hi);
	*out = (int64_t)d;
	return 0;
}

static int get_real(struct parse_ctx *c, struct json_object *v, const char *name,
		    double lo, double hi, int lo_open, double *out)
{
	double d;

	if (get_number(v, &d) || !(lo_open ? d > lo : d >= lo) || !(d <= hi))
		return bad(c, name, "'%s' must be a number in %s%g, %g]", name,
			   lo_open ? "(" : "[", lo, hi);
	*out = d;
	return 0;
}

static int get_bool(struct parse_ctx *c, struct json_object *v, const char *name,
		    int *out)
{
	if (json_object_get_type(v) != json_type_boolean)
		return bad(c, name, "'%s' must be true or false", name);
	*out = json_object_get_boolean(v);
	return 0;
}

/* A string without NUL bytes, appended to *buf. */
static int append_text(struct parse_ctx *c, struct json_object *v, const char *name,
		       char **buf, size_t *len, const char *sep)
{
	const char *s = json_object_get_string(v);
	size_t n = (size_t)json_object_get_string_len(v), sl = *len ? strlen(sep) : 0;
	char *p;

	if (memchr(s, 0, n))
		return bad(c, name, "'%s' contains a NUL character", name);
	p = realloc(*buf, *len + sl + n + 1);
	if (!p)
		return bad(c, NULL, "out of memory");
	memcpy(p + *len, sep, sl);
	memcpy(p + *len + sl, s, n);
	*len += sl + n;
	p[*len] = 0;
	*buf = p;
	return 0;
}

static int parse_prompt(struct parse_ctx *c, struct json_object *root, char **prompt)
{
	struct json_object *v;
	size_t len = 0;

	if (!json_object_object_get_ex(root, "prompt", &v))
		return bad(c, "prompt", "'prompt' is required");
	if (json_object_get_type(v) == json_type_array) {
		/* a list of one string is the same prompt; token lists are not taken */
		if (json_object_array_length(v) != 1 ||
		    json_object_get_type(json_object_array_get_idx(v, 0)) != json_type_string)
			return bad(c, "prompt", "'prompt' must be a string (or a list of exactly one string)");
		v = json_object_array_get_idx(v, 0);
	}
	if (json_object_get_type(v) != json_type_string)
		return bad(c, "prompt", "'prompt' must be a string");
	*prompt = strdup("");
	if (!*prompt)
		return bad(c, NULL, "out of memory");
	return append_text(c, v, "prompt", prompt, &len, "");
}

/* The model has no chat template: the prompt is the messages' contents,
 * in order, joined by newlines. */
static int parse_messages(struct parse_ctx *c, struct json_object *root, char **prompt)
{
	static const char *const roles[] = { "system", "developer", "user", "assistant" };
	struct json_object *msgs;
	size_t n, len = 0;

	if (!json_object_object_get_ex(root, "messages", &msgs))
		return bad(c, "messages", "'messages' is required");
	if (json_object_get_type(msgs) != json_type_array || !(n = json_object_array_length(msgs)))
		return bad(c, "messages", "'messages' must be a non-empty list");
	*prompt = strdup("");
	if (!*prompt)
		return bad(c, NULL, "out of memory");
	for (size_t i = 0; i < n; i++) {
		struct json_object *m = json_object_array_get_idx(msgs, i), *role, *content;
		int known = 0;

		if (json_object_get_type(m) != json_type_object ||
		    !json_object_object_get_ex(m, "role", &role) ||
		    json_object_get_type(role) != json_type_string)
			return bad(c, "messages", "messages[%zu] must be an object with a string 'role'", i);
		for (size_t k = 0; k < sizeof(roles) / sizeof(roles[0]); k++)
			known |= !strcmp(json_object_get_string(role), roles[k]);
		if (!known)
			return bad(c, "messages", "messages[%zu]: role '%.40s' is not system, developer, user or assistant",
				   i, json_object_get_string(role));
		if (!json_object_object_get_ex(m, "content", &content))
			return bad(c, "messages", "messages[%zu] has no 'content'", i);
		if (json_object_get_type(content) == json_type_string) {
			if (append_text(c, content, "messages", prompt, &len, "\n"))
				return -1;
			continue;
		}
		if (json_object_get_type(content) != json_type_array)
			return bad(c, "messages", "messages[%zu].content must be a string or a list of text parts", i);
		for (size_t k = 0; k < json_object_array_length(content); k++) {
			struct json_object *part = json_object_array_get_idx(content, k), *type, *text;

			if (json_object_get_type(part) != json_type_object ||
			    !json_object_object_get_ex(part, "type", &type) ||
			    json_object_get_type(type) != json_type_string ||
			    strcmp(json_object_get_string(type), "text") ||
			    !json_object_object_get_ex(part, "text", &text) ||
			    json_object_get_type(text) != json_type_string)
				return bad(c, "messages", "messages[%zu].content[%zu] must be {\"type\": \"text\", \"text\": \"...\"}",
					   i, k);
			if (append_text(c, text, "messages", prompt, &len, k ? "" : "\n"))
				return -1;
		}
	}
	return 0;
}

/* "stop": a string or a list of up to 4 strings, each 1..256 bytes. */
static int parse_stop(struct parse_ctx *c, struct json_object *v, struct serve_params *p)
{
	int list = json_object_get_type(v) == json_type_array;
	size_t n = list ? json_object_array_length(v) : 1;

	if (!list && json_object_get_type(v) != json_type_string)
		return bad(c, "stop", "'stop' must be a string or a list of strings");
	if (n > SERVE_MAX_STOP)
		return bad(c, "stop", "'stop' takes at most %d strings", SERVE_MAX_STOP);
	for (size_t i = 0; i < n; i++) {
		struct json_object *s = list ? json_object_array_get_idx(v, i) : v;
		size_t len = 0;

		if (json_object_get_type(s) != json_type_string ||
		    !json_object_get_string_len(s) ||
		    json_object_get_string_len(s) > SERVE_MAX_STOP_LEN)
			return bad(c, "stop", "'stop' strings must be 1..%d bytes", SERVE_MAX_STOP_LEN);
		p->stop[p->n_stop] = strdup("");
		if (!p->stop[p->n_stop])
			return bad(c, NULL, "out of memory");
		if (append_text(c, s, "stop", &p->stop[p->n_stop++], &len, ""))
			return -1;
		if (len > p->stop_max)
			p->stop_max = len;
	}
	return 0;
}

static int parse_fields(struct server *s, struct parse_ctx *c,
			struct json_object *root, int chat, struct serve_params *p)
{
	struct json_object *v;
	int64_t i;
	double d;

	if (chat ? parse_messages(c, root, &p->prompt) : parse_prompt(c, root, &p->prompt))
		return -1;
	if (json_object_object_get_ex(root, "model", &v) &&
	    json_object_get_type(v) != json_type_string)
		return bad(c, "model", "'model' must be a string");
	p->max_tokens = s->o.max_tokens;
	if ((json_object_object_get_ex(root, "max_completion_tokens", &v) ||
	     json_object_object_get_ex(root, "max_tokens", &v)) &&
	    json_object_get_type(v) != json_type_null) {
		if (get_int(c, v, "max_tokens", 1, s->o.max_tokens, &i))
			return -1;
		p->max_tokens = (int)i;
	}
	p->temperature = 1.0f;
	if (json_object_object_get_ex(root, "temperature", &v) &&
	    json_object_get_type(v) != json_type_null) {
		if (get_real(c, v, "temperature", 0, 2, 0, &d))
			return -1;
		p->temperature = (float)d;
	}
	p->top_p = 1.0f;
	if (json_object_object_get_ex(root, "top_p", &v) &&
	    json_object_get_type(v) != json_type_null) {
		if (get_real(c, v, "top_p", 0, 1, 1, &d))
			return -1;
		p->top_p = (float)d;
	}
	if (json_object_object_get_ex(root, "seed", &v) &&
	    json_object_get_type(v) != json_type_null) {
		if (get_int(c, v, "seed", 0, INT64_MAX - 1, &i))
			return -1;
		p->seed = (uint64_t)i;
		p->has_seed = 1;
	}
	if (json_object_object_get_ex(root, "n", &v) &&
	    json_object_get_type(v) != json_type_null &&
	    (get_int(c, v, "n", 1, 1, &i)))
		return bad(c, "n", "'n' must be 1 (one choice per request)");
	if (json_object_object_get_ex(root, "stream", &v) &&
	    json_object_get_type(v) != json_type_null && get_bool(c, v, "stream", &p->stream))
		return -1;
	if (json_object_object_get_ex(root, "stream_options", &v) &&
	    json_object_get_type(v) != json_type_null) {
		struct json_object *u;

		if (json_object_get_type(v) != json_type_object)
			return bad(c, "stream_options", "'stream_options' must be an object");
		if (json_object_object_get_ex(v, "include_usage", &u) &&
		    get_bool(c, u, "stream_options.include_usage", &p->include_usage))
			return -1;
	}
	if (json_object_object_get_ex(root, "stop", &v) &&
	    json_object_get_type(v) != json_type_null)
		return parse_stop(c, v, p);
	return 0;
}

int serve_parse_request(struct server *s, const char *body, size_t len,
			int chat, struct serve_params *p, char *msg,
			size_t msg_len, const char **param)
{
	struct parse_ctx c = { msg, msg_len, param };
	struct json_tokener *tok;
	struct json_object *root;
	size_t end;
	int rc = 0, *ids;

	memset(p, 0, sizeof(*p));
	p->chat = chat;
	*param = NULL;
	if (len > (size_t)INT32_MAX)
		return bad(&c, NULL, "body too large");
	tok = json_tokener_new();
	if (!tok)
		return bad(&c, NULL, "out of memory");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, body, (int)len);
	end = json_tokener_get_parse_end(tok);
	if (!root || json_tokener_get_error(tok) != json_tokener_success) {
		rc = bad(&c, NULL, "the body is not valid JSON (%s at byte %zu)",
			 json_tokener_error_desc(json_tokener_get_error(tok)), end);
		json_tokener_free(tok);
		json_object_put(root);
		return rc;
	}
	json_tokener_free(tok);
	while (end < len && strchr(" \t\r\n", body[end]))
		end++;
	if (end < len)
		rc = bad(&c, NULL, "the body has bytes after the JSON value (at byte %zu)", end);
	else if (json_object_get_type(root) != json_type_object)
		rc = bad(&c, NULL, "the body must be a JSON object");
	else
		rc = parse_fields(s, &c, root, chat, p);
	json_object_put(root);
	if (rc) {
		serve_params_free(p);
		return rc;
	}
	ids = malloc((strlen(p->prompt) + 3) * sizeof(int));
	if (!ids) {
		serve_params_free(p);
		return bad(&c, NULL, "out of memory");
	}
	p->prompt_tokens = llm_tokenizer_encode(&s->tok, p->prompt, 1, 0, ids);
	free(ids);
	if (p->prompt_tokens < 0 || p->prompt_tokens > s->seq_len) {
		rc = bad(&c, chat ? "messages" : "prompt",
			 "the prompt is %d tokens, the model's context holds %d",
			 p->prompt_tokens, s->seq_len);
		serve_params_free(p);
	}
	return rc;
}

void serve_params_free(struct serve_params *p)
{
	free(p->prompt);
	p->prompt = NULL;
	for (int i = 0; i < p->n_stop; i++)
		free(p->stop[i]);
	p->n_stop = 0;
}

static char *to_text(struct json_object *o)
{
	char *s = o ? strdup(json_object_to_json_string_ext(o, JSON_OUT)) : NULL;

	json_object_put(o);
	return s;
}

char *serve_error_json(const char *msg, const char *type, const char *param)
{
	struct json_object *o = json_object_new_object(), *e = json_object_new_object();

	if (!o || !e) {
		json_object_put(o);
		json_object_put(e);
		return NULL;
	}
	json_object_object_add(e, "message", json_object_new_string(msg));
	json_object_object_add(e, "type", json_object_new_string(type));
	json_object_object_add(e, "param", param ? json_object_new_string(param) : NULL);
	json_object_object_add(e, "code", NULL);
	json_object_object_add(o, "error", e);
	return to_text(o);
}

const char *serve_finish_name(enum serve_finish f)
{
	switch (f) {
	case FINISH_STOP: return "stop";
	case FINISH_LENGTH: return "length";
	case FINISH_TIMEOUT: return "timeout";
	case FINISH_CANCELLED: return "cancelled";
	case FINISH_ERROR: return "error";
	default: return NULL;
	}
}

static struct json_object *usage(const struct serve_req *r)
{
	struct json_object *u = json_object_new_object();

	json_object_object_add(u, "prompt_tokens", json_object_new_int(r->p.prompt_tokens));
	json_object_object_add(u, "completion_tokens", json_object_new_int(r->completion_tokens));
	json_object_object_add(u, "total_tokens",
			       json_object_new_int(r->p.prompt_tokens + r->completion_tokens));
	return u;
}

static struct json_object *envelope(const struct server *s, const struct serve_req *r,
				    const char *object)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_string(r->id));
	json_object_object_add(o, "object", json_object_new_string(object));
	json_object_object_add(o, "created", json_object_new_int64(r->created));
	json_object_object_add(o, "model", json_object_new_string(s->model_id));
	return o;
}

char *serve_result_json(const struct server *s, const struct serve_req *r)
{
	struct json_object *o = envelope(s, r, r->p.chat ? "chat.completion" : "text_completion");
	struct json_object *choices = json_object_new_array(), *c = json_object_new_object();
	struct json_object *text = json_object_new_string_len(r->out ? r->out : "", (int)r->out_len);

	json_object_object_add(c, "index", json_object_new_int(0));
	if (r->p.chat) {
		struct json_object *m = json_object_new_object();

		json_object_object_add(m, "role", json_object_new_string("assistant"));
		json_object_object_add(m, "content", text);
		json_object_object_add(c, "message", m);
	} else {
		json_object_object_add(c, "text", text);
		json_object_object_add(c, "logprobs", NULL);
	}
	json_object_object_add(c, "finish_reason",
			       json_object_new_string(serve_finish_name(r->finish)));
	json_object_array_add(choices, c);
	json_object_object_add(o, "choices", choices);
	json_object_object_add(o, "usage", usage(r));
	return to_text(o);
}

char *serve_chunk_sse(const struct server *s, const struct serve_req *r,
		      const char *text, size_t len, int role, int final,
		      int usage_only)
{
	struct json_object *o = envelope(s, r, r->p.chat ? "chat.completion.chunk" : "text_completion");
	struct json_object *choices = json_object_new_array();
	char *json, *sse;
	size_t n;

	if (!usage_only) {
		struct json_object *c = json_object_new_object();

		json_object_object_add(c, "index", json_object_new_int(0));
		if (r->p.chat) {
			struct json_object *d = json_object_new_object();

			if (role)
				json_object_object_add(d, "role", json_object_new_string("assistant"));
			if (!final)
				json_object_object_add(d, "content",
						       json_object_new_string_len(text, (int)len));
			json_object_object_add(c, "delta", d);
		} else {
			json_object_object_add(c, "text",
					       json_object_new_string_len(final ? "" : text,
									  final ? 0 : (int)len));
			json_object_object_add(c, "logprobs", NULL);
		}
		json_object_object_add(c, "finish_reason", final ?
				       json_object_new_string(serve_finish_name(r->finish)) : NULL);
		json_object_array_add(choices, c);
	}
	json_object_object_add(o, "choices", choices);
	if (usage_only)
		json_object_object_add(o, "usage", usage(r));
	json = to_text(o);
	if (!json)
		return NULL;
	n = strlen(json) + 9;
	sse = malloc(n);
	if (sse)
		snprintf(sse, n, "data: %s\n\n", json);
	free(json);
	return sse;
}

char *serve_models_json(const struct server *s)
{
	struct json_object *o = json_object_new_object(), *list = json_object_new_array();
	struct json_object *m = json_object_new_object();

	json_object_object_add(m, "id", json_object_new_string(s->model_id));
	json_object_object_add(m, "object", json_object_new_string("model"));
	json_object_object_add(m, "created", json_object_new_int64(0));
	json_object_object_add(m, "owned_by", json_object_new_string("csa"));
	json_object_array_add(list, m);
	json_object_object_add(o, "object", json_object_new_string("list"));
	json_object_object_add(o, "data", list);
	return to_text(o);
}
