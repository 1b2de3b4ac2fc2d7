// SPDX-License-Identifier: MIT
/*
 * llm_gguf.c - reading llama-architecture GGUF files (see llm_gguf.h).
 * Layout (ggml's docs/gguf.md): "GGUF", u32 version, u64 tensor count,
 * u64 key/value count; the key/values (string key, u32 type, value); the
 * tensor infos (string name, u32 n_dims, u64 ne[n_dims], u32 type, u64
 * offset); padding to general.alignment (default 32); the tensor data, each
 * tensor at its offset from there.  ne[0] is the fastest-varying dimension:
 * a [rows][cols] matrix has ne = { cols, rows }.
 */
#include "llm_gguf.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum gguf_type {
	G_U8, G_I8, G_U16, G_I16, G_U32, G_I32, G_F32, G_BOOL, G_STRING,
	G_ARRAY, G_U64, G_I64, G_F64, G_TYPES
};

#define MAX_TENSORS 65536
#define MAX_DIMS 4

struct cursor {
	const uint8_t *buf;
	uint64_t size, pos;
	int bad;		/* a read went past the end */
};

struct tensor {
	const char *name;	/* into the buffer, not NUL-terminated */
	uint64_t name_len;
	uint32_t n_dims, type;
	uint64_t ne[MAX_DIMS];
	uint64_t offset;
};

struct gguf {
	const char *path;
	uint8_t *buf;
	uint64_t size;
	uint32_t version, alignment;
	uint64_t n_tensors;
	struct tensor *tensors;
	uint64_t data_start;
	/* llama hyper-parameters; -1 = absent */
	int64_t ctx, dim, ffn, layers, heads, kv_heads, rope_dims;
	double rms_eps, rope_base;
	int arch_llama, have_arch;
	/* tokenizer arrays: cursor positions of the elements, counts */
	uint64_t tokens_at, n_tokens, scores_at, n_scores;
};

static const void *take(struct cursor *c, uint64_t n)
{
	const void *p;

	if (c->bad || n > c->size - c->pos) {
		c->bad = 1;
		return NULL;
	}
	p = c->buf + c->pos;
	c->pos += n;
	return p;
}

static uint64_t get_le(struct cursor *c, int bytes)
{
	const uint8_t *p = take(c, bytes);
	uint64_t v = 0;

	for (int i = 0; p && i < bytes; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static const char *get_string(struct cursor *c, uint64_t *len)
{
	*len = get_le(c, 8);
	return take(c, *len);
}

static int key_is(const char *k, uint64_t len, const char *want)
{
	return strlen(want) == len && !memcmp(k, want, len);
}

static const int scalar_bytes[G_TYPES] = {
	[G_U8] = 1, [G_I8] = 1, [G_U16] = 2, [G_I16] = 2, [G_U32] = 4, [G_I32] = 4,
	[G_F32] = 4, [G_BOOL] = 1, [G_U64] = 8, [G_I64] = 8, [G_F64] = 8,
};

/* Skips one value of @type (arrays of arrays included, to a depth). */
static void skip_value(struct cursor *c, uint32_t type, int depth)
{
	uint64_t len, n;
	uint32_t et;

	if (type >= G_TYPES || depth > 2) {
		c->bad = 1;
		return;
	}
	if (type == G_STRING) {
		get_string(c, &len);
	} else if (type == G_ARRAY) {
		et = (uint32_t)get_le(c, 4);
		n = get_le(c, 8);
		if (et < G_TYPES && et != G_STRING && et != G_ARRAY) {
			if (n > c->size / scalar_bytes[et])
				c->bad = 1;
			else
				take(c, n * scalar_bytes[et]);
			return;
		}
		for (uint64_t i = 0; i < n && !c->bad; i++)
			skip_value(c, et, depth + 1);
	} else {
		take(c, scalar_bytes[type]);
	}
}

/* An integer-typed value as int64 (or -2 when of another type). */
static int64_t get_int(struct cursor *c, uint32_t type)
{
	switch (type) {
	case G_U8: return (int64_t)get_le(c, 1);
	case G_U16: return (int64_t)get_le(c, 2);
	case G_U32: return (int64_t)get_le(c, 4);
	case G_I32: return (int32_t)get_le(c, 4);
	case G_U64: { uint64_t v = get_le(c, 8); return v > INT64_MAX ? -2 : (int64_t)v; }
	case G_I64: return (int64_t)get_le(c, 8);
	default: skip_value(c, type, 0); return -2;
	}
}

static double get_float(struct cursor *c, uint32_t type)
{
	uint64_t bits;

	if (type == G_F32) {
		uint32_t b = (uint32_t)get_le(c, 4);
		float f;

		memcpy(&f, &b, 4);
		return f;
	}
	if (type == G_F64) {
		double d;

		bits = get_le(c, 8);
		memcpy(&d, &bits, 8);
		return d;
	}
	skip_value(c, type, 0);
	return NAN;
}

static int parse_kv(struct gguf *g, struct cursor *c, uint64_t n_kv, struct llm_err *e)
{
	for (uint64_t i = 0; i < n_kv && !c->bad; i++) {
		uint64_t klen;
		const char *k = get_string(c, &klen);
		uint32_t type = (uint32_t)get_le(c, 4);

		if (c->bad)
			break;
		if (type >= G_TYPES)
			return llm_fail(e, -EINVAL, "%s: metadata key %.*s has unknown type %u",
					g->path, (int)(klen > 64 ? 64 : klen), k, type);
		if (key_is(k, klen, "general.architecture") && type == G_STRING) {
			uint64_t len;
			const char *v = get_string(c, &len);

			g->have_arch = 1;
			g->arch_llama = v && len == 5 && !memcmp(v, "llama", 5);
		} else if (key_is(k, klen, "general.alignment")) {
			int64_t a = get_int(c, type);

			if (a <= 0 || a > 65536 || (a & (a - 1)))
				return llm_fail(e, -EINVAL, "%s: general.alignment %lld is not a power of two up to 65536",
						g->path, (long long)a);
			g->alignment = (uint32_t)a;
		} else if (key_is(k, klen, "llama.context_length")) {
			g->ctx = get_int(c, type);
		} else if (key_is(k, klen, "llama.embedding_length")) {
			g->dim = get_int(c, type);
		} else if (key_is(k, klen, "llama.feed_forward_length")) {
			g->ffn = get_int(c, type);
		} else if (key_is(k, klen, "llama.block_count")) {
			g->layers = get_int(c, type);
		} else if (key_is(k, klen, "llama.attention.head_count")) {
			g->heads = get_int(c, type);
		} else if (key_is(k, klen, "llama.attention.head_count_kv")) {
			g->kv_heads = get_int(c, type);
		} else if (key_is(k, klen, "llama.rope.dimension_count")) {
			g->rope_dims = get_int(c, type);
		} else if (key_is(k, klen, "llama.attention.layer_norm_rms_epsilon")) {
			g->rms_eps = get_float(c, type);
		} else if (key_is(k, klen, "llama.rope.freq_base")) {
			g->rope_base = get_float(c, type);
		} else if ((key_is(k, klen, "tokenizer.ggml.tokens") ||
			    key_is(k, klen, "tokenizer.ggml.scores")) && type == G_ARRAY) {
			int tokens = key_is(k, klen, "tokenizer.ggml.tokens");
			uint32_t et = (uint32_t)get_le(c, 4);
			uint64_t n = get_le(c, 8), at = c->pos;

			if (et != (tokens ? G_STRING : G_F32))
				return llm_fail(e, -EINVAL, "%s: %.*s has elements of type %u",
						g->path, (int)klen, k, et);
			for (uint64_t j = 0; j < n && !c->bad; j++)
				skip_value(c, et, 1);
			if (tokens) {
				g->tokens_at = at;
				g->n_tokens = n;
			} else {
				g->scores_at = at;
				g->n_scores = n;
			}
		} else {
			skip_value(c, type, 0);
		}
	}
	return 0;
}

static int parse(struct gguf *g, struct llm_err *e)
{
	struct cursor c = { g->buf, g->size, 0, 0 };
	uint64_t n_kv;
	int rc;

	if (g->size < 24 || get_le(&c, 4) != LLM_GGUF_MAGIC)
		return llm_fail(e, -EINVAL, "%s: not a GGUF file (bad magic)", g->path);
	g->version = (uint32_t)get_le(&c, 4);
	if (g->version < 2 || g->version > 3)
		return llm_fail(e, -EINVAL, "%s: GGUF version %u, this reader takes 2 and 3",
				g->path, g->version);
	g->n_tensors = get_le(&c, 8);
	n_kv = get_le(&c, 8);
	if (g->n_tensors > MAX_TENSORS || n_kv > (1u << 20))
		return llm_fail(e, -EINVAL, "%s: implausible counts (%llu tensors, %llu keys)",
				g->path, (unsigned long long)g->n_tensors,
				(unsigned long long)n_kv);
	g->alignment = 32;
	g->ctx = g->dim = g->ffn = g->layers = g->heads = g->kv_heads = g->rope_dims = -1;
	g->rms_eps = NAN;
	g->rope_base = NAN;
	rc = parse_kv(g, &c, n_kv, e);
	if (rc)
		return rc;
	g->tensors = calloc(g->n_tensors ? g->n_tensors : 1, sizeof(*g->tensors));
	if (!g->tensors)
		return llm_fail(e, -ENOMEM, "out of memory");
	for (uint64_t i = 0; i < g->n_tensors && !c.bad; i++) {
		struct tensor *t = &g->tensors[i];

		t->name = get_string(&c, &t->name_len);
		t->n_dims = (uint32_t)get_le(&c, 4);
		if (t->n_dims < 1 || t->n_dims > MAX_DIMS)
			return llm_fail(e, -EINVAL, "%s: tensor %llu has %u dimensions",
					g->path, (unsigned long long)i, t->n_dims);
		for (uint32_t d = 0; d < t->n_dims; d++)
			t->ne[d] = get_le(&c, 8);
		t->type = (uint32_t)get_le(&c, 4);
		t->offset = get_le(&c, 8);
	}
	if (c.bad)
		return llm_fail(e, -EINVAL, "%s: truncated in the header (%llu bytes)", g->path,
				(unsigned long long)g->size);
	g->data_start = (c.pos + g->alignment - 1) / g->alignment * g->alignment;
	return 0;
}

static const struct tensor *find(const struct gguf *g, const char *name)
{
	size_t len = strlen(name);

	for (uint64_t i = 0; i < g->n_tensors; i++)
		if (g->tensors[i].name_len == len && !memcmp(g->tensors[i].name, name, len))
			return &g->tensors[i];
	return NULL;
}

float llm_f16_to_f32(uint16_t h)
{
	uint32_t sign = (uint32_t)(h >> 15) << 31, exp = (h >> 10) & 0x1f, man = h & 0x3ff;
	uint32_t bits;
	float f;

	if (exp == 0x1f) {
		bits = sign | 0x7f800000u | man << 13;	/* inf / nan */
	} else if (exp) {
		bits = sign | (exp + 112) << 23 | man << 13;
	} else {
		/* zero or subnormal: man * 2^-24 exactly */
		f = (float)man * 0x1p-24f;
		return sign ? -f : f;
	}
	memcpy(&f, &bits, 4);
	return f;
}

float llm_bf16_to_f32(uint16_t b)
{
	uint32_t bits = (uint32_t)b << 16;
	float f;

	memcpy(&f, &bits, 4);
	return f;
}

static const char *type_name(uint32_t type)
{
	switch (type) {
	case LLM_GGML_F32: return "f32";
	case LLM_GGML_F16: return "f16";
	case LLM_GGML_Q8_0: return "q8_0";
	case LLM_GGML_BF16: return "bf16";
	case 2: return "q4_0";
	case 3: return "q4_1";
	case 6: return "q5_0";
	case 7: return "q5_1";
	default: return "another ggml type";
	}
}

/* Reads tensor @name of @rows x @cols floats (ne = { cols, rows }; a
 * vector has rows 1 and one dimension) into @dst. */
static int read_tensor(const struct gguf *g, const char *name, uint64_t rows,
		       uint64_t cols, float *dst, struct llm_err *e)
{
	const struct tensor *t = find(g, name);
	uint64_t n = rows * cols, bytes;
	const uint8_t *p;

	if (!t)
		return llm_fail(e, -EINVAL, "%s: tensor %s is missing", g->path, name);
	if (t->ne[0] != cols || (t->n_dims > 1 ? t->ne[1] : 1) != rows ||
	    (t->n_dims > 2 && t->ne[2] != 1) || (t->n_dims > 3 && t->ne[3] != 1))
		return llm_fail(e, -EINVAL, "%s: tensor %s is %llux%llu (ne0 x ne1), the model needs %llux%llu",
				g->path, name, (unsigned long long)t->ne[0],
				(unsigned long long)(t->n_dims > 1 ? t->ne[1] : 1),
				(unsigned long long)cols, (unsigned long long)rows);
	switch (t->type) {
	case LLM_GGML_F32: bytes = n * 4; break;
	case LLM_GGML_F16: case LLM_GGML_BF16: bytes = n * 2; break;
	case LLM_GGML_Q8_0:
		if (cols % LLM_GGML_Q8_0_BLOCK)
			return llm_fail(e, -EINVAL, "%s: q8_0 tensor %s has rows of %llu, not a multiple of 32",
					g->path, name, (unsigned long long)cols);
		bytes = n / LLM_GGML_Q8_0_BLOCK * 34;
		break;
	default:
		return llm_fail(e, -ENOTSUP, "%s: tensor %s is %s (type %u); this reader takes f32, f16, bf16 and q8_0: convert with llama.cpp's llama-quantize to q8_0 or f16",
				g->path, name, type_name(t->type), t->type);
	}
	if (g->data_start > g->size || t->offset % g->alignment ||
	    t->offset > g->size - g->data_start ||
	    bytes > g->size - g->data_start - t->offset)
		return llm_fail(e, -EINVAL, "%s: tensor %s (%llu bytes at offset %llu) lies outside the file (truncated?)",
				g->path, name, (unsigned long long)bytes,
				(unsigned long long)t->offset);
	p = g->buf + g->data_start + t->offset;
	for (uint64_t i = 0; i < n; i++) {
		switch (t->type) {
		case LLM_GGML_F32: memcpy(&dst[i], p + 4 * i, 4); break;
		case LLM_GGML_F16: dst[i] = llm_f16_to_f32((uint16_t)(p[2 * i] | p[2 * i + 1] << 8)); break;
		case LLM_GGML_BF16: dst[i] = llm_bf16_to_f32((uint16_t)(p[2 * i] | p[2 * i + 1] << 8)); break;
		case LLM_GGML_Q8_0: {
			const uint8_t *b = p + i / LLM_GGML_Q8_0_BLOCK * 34;
			float d = llm_f16_to_f32((uint16_t)(b[0] | b[1] << 8));

			dst[i] = d * (float)(int8_t)b[2 + i % LLM_GGML_Q8_0_BLOCK];
			break;
		}
		}
		if (!isfinite(dst[i]))
			return llm_fail(e, -EINVAL, "%s: tensor %s: value %llu is not finite",
					g->path, name, (unsigned long long)i);
	}
	return 0;
}

static int read_file(struct gguf *g, const char *path, struct llm_err *e)
{
	struct stat st;
	FILE *f = fopen(path, "rb");

	memset(g, 0, sizeof(*g));
	g->path = path;
	if (!f)
		return llm_fail(e, -errno, "%s: %s", path, strerror(errno));
	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
		fclose(f);
		return llm_fail(e, -EINVAL, "%s: not a regular file", path);
	}
	g->size = (uint64_t)st.st_size;
	g->buf = malloc(g->size ? g->size : 1);
	if (!g->buf) {
		fclose(f);
		return llm_fail(e, -ENOMEM, "%s: out of memory for %llu bytes", path,
				(unsigned long long)g->size);
	}
	if (g->size && fread(g->buf, g->size, 1, f) != 1) {
		fclose(f);
		free(g->buf);
		return llm_fail(e, -EIO, "%s: read failed", path);
	}
	fclose(f);
	return 0;
}

static void gguf_free(struct gguf *g)
{
	free(g->buf);
	free(g->tensors);
}

/* The hyper-parameters, each one checked and named when wrong. */
static int config_of(const struct gguf *g, struct llm_config *c, struct llm_err *e)
{
	const struct tensor *emb = find(g, "token_embd.weight");
	const struct { const char *key; int64_t v; } need[] = {
		{ "llama.context_length", g->ctx }, { "llama.embedding_length", g->dim },
		{ "llama.feed_forward_length", g->ffn }, { "llama.block_count", g->layers },
		{ "llama.attention.head_count", g->heads },
	};

	if (!g->have_arch || !g->arch_llama)
		return llm_fail(e, -ENOTSUP, "%s: general.architecture is not \"llama\"; only llama-architecture models run here",
				g->path);
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (need[i].v <= 0 || need[i].v > (1 << 20))
			return llm_fail(e, -EINVAL, "%s: %s is %s", g->path, need[i].key,
					need[i].v == -1 ? "missing" : "out of range");
	if (!emb || emb->n_dims != 2 || emb->ne[1] == 0 || emb->ne[1] > (1 << 20))
		return llm_fail(e, -EINVAL, "%s: token_embd.weight is missing or not a matrix", g->path);
	if (!isnan(g->rms_eps) && fabs(g->rms_eps - 1e-5) > 1e-9)
		return llm_fail(e, -ENOTSUP, "%s: llama.attention.layer_norm_rms_epsilon %g; the decoders use 1e-5",
				g->path, g->rms_eps);
	if (!isnan(g->rope_base) && g->rope_base != 10000.0)
		return llm_fail(e, -ENOTSUP, "%s: llama.rope.freq_base %g; the decoders use 10000",
				g->path, g->rope_base);
	*c = (struct llm_config){
		.dim = (int)g->dim, .hidden_dim = (int)g->ffn, .n_layers = (int)g->layers,
		.n_heads = (int)g->heads,
		.n_kv_heads = g->kv_heads > 0 && g->kv_heads <= (1 << 20) ? (int)g->kv_heads :
			      (int)g->heads,
		.vocab_size = (int)emb->ne[1], .seq_len = (int)g->ctx,
		.shared_classifier = !find(g, "output.weight"),
	};
	if (g->kv_heads == -2 || g->kv_heads == 0)
		return llm_fail(e, -EINVAL, "%s: llama.attention.head_count_kv is out of range", g->path);
	if (g->rope_dims > 0 && g->rope_dims != g->dim / g->heads)
		return llm_fail(e, -ENOTSUP, "%s: llama.rope.dimension_count %lld, but the head size is %lld (partial RoPE is not supported)",
				g->path, (long long)g->rope_dims, (long long)(g->dim / g->heads));
	return llm_config_validate(c, e);
}

int llm_gguf_load(struct llm_model *m, const char *path, struct llm_err *e)
{
	static const char *const names[LLM_LAYER_MATRICES] = {
		"attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_down", "ffn_up" };
	struct gguf g;
	struct llm_config c;
	int rc;

	memset(m, 0, sizeof(*m));
	rc = read_file(&g, path, e);
	if (rc)
		return rc;
	rc = parse(&g, e);
	if (!rc)
		rc = config_of(&g, &c, e);
	if (!rc)
		rc = llm_model_alloc(m, &c, e);
	if (!rc)
		rc = read_tensor(&g, "token_embd.weight", c.vocab_size, c.dim, m->token_embedding, e);
	if (!rc)
		rc = read_tensor(&g, "output_norm.weight", 1, c.dim, m->rms_final, e);
	if (!rc && !c.shared_classifier)
		rc = read_tensor(&g, "output.weight", c.vocab_size, c.dim, m->wcls, e);
	for (int l = 0; !rc && l < c.n_layers; l++) {
		char name[64];

		snprintf(name, sizeof(name), "blk.%d.attn_norm.weight", l);
		rc = read_tensor(&g, name, 1, c.dim, m->layers[l].rms_att, e);
		snprintf(name, sizeof(name), "blk.%d.ffn_norm.weight", l);
		if (!rc)
			rc = read_tensor(&g, name, 1, c.dim, m->layers[l].rms_ffn, e);
		for (int w = 0; !rc && w < LLM_LAYER_MATRICES; w++) {
			uint64_t rows, cols;

			switch (w) {
			case LLM_WK: case LLM_WV: rows = llm_kv_dim(&c); cols = c.dim; break;
			case LLM_W1: case LLM_W3: rows = c.hidden_dim; cols = c.dim; break;
			case LLM_W2: rows = c.dim; cols = c.hidden_dim; break;
			default: rows = c.dim; cols = c.dim; break;
			}
			snprintf(name, sizeof(name), "blk.%d.%s.weight", l, names[w]);
			rc = read_tensor(&g, name, rows, cols,
					 (float *[]){ m->layers[l].wq, m->layers[l].wk,
						      m->layers[l].wv, m->layers[l].wo,
						      m->layers[l].w1, m->layers[l].w2,
						      m->layers[l].w3 }[w], e);
		}
	}
	gguf_free(&g);
	if (rc)
		llm_model_free(m);
	return rc;
}

int llm_gguf_load_tokenizer(struct llm_tokenizer *t, const char *path,
			    int vocab_size, struct llm_err *e)
{
	struct gguf g;
	struct cursor c;
	int rc;

	memset(t, 0, sizeof(*t));
	rc = read_file(&g, path, e);
	if (!rc)
		rc = parse(&g, e);
	if (!rc && !g.n_tokens)
		rc = llm_fail(e, -ENOENT, "%s: no tokenizer.ggml.tokens; give a llama2.c tokenizer with -z",
			      path);
	if (!rc && (g.n_tokens != (uint64_t)vocab_size ||
		    (g.n_scores && g.n_scores != g.n_tokens)))
		rc = llm_fail(e, -EINVAL, "%s: %llu tokens and %llu scores for a vocabulary of %d",
			      path, (unsigned long long)g.n_tokens,
			      (unsigned long long)g.n_scores, vocab_size);
	if (rc) {
		gguf_free(&g);
		return rc;
	}
	t->vocab_size = vocab_size;
	t->pieces = calloc(vocab_size, sizeof(*t->pieces));
	t->piece_len = calloc(vocab_size, sizeof(int));
	t->scores = calloc(vocab_size, sizeof(float));
	t->sorted = calloc(vocab_size, sizeof(int));
	if (!t->pieces || !t->piece_len || !t->scores || !t->sorted)
		rc = llm_fail(e, -ENOMEM, "out of memory");
	c = (struct cursor){ g.buf, g.size, g.tokens_at, 0 };
	for (int i = 0; !rc && i < vocab_size; i++) {
		uint64_t len;
		const char *s = get_string(&c, &len);

		if (!s || len > 1024) {
			rc = llm_fail(e, -EINVAL, "%s: token %d is too long or truncated", path, i);
			break;
		}
		/* sentencepiece's space (U+2581) as llama2.c's tokenizer has it */
		t->pieces[i] = malloc(len + 1);
		if (!t->pieces[i]) {
			rc = llm_fail(e, -ENOMEM, "out of memory");
			break;
		}
		{
			size_t o = 0;

			for (uint64_t k = 0; k < len; k++) {
				if (k + 2 < len && (uint8_t)s[k] == 0xE2 && (uint8_t)s[k + 1] == 0x96 &&
				    (uint8_t)s[k + 2] == 0x81) {
					t->pieces[i][o++] = ' ';
					k += 2;
				} else {
					t->pieces[i][o++] = s[k];
				}
			}
			t->pieces[i][o] = 0;
			t->piece_len[i] = (int)o;
			if (t->piece_len[i] > t->max_token_length)
				t->max_token_length = t->piece_len[i];
		}
	}
	if (!rc && g.n_scores) {
		c = (struct cursor){ g.buf, g.size, g.scores_at, 0 };
		for (int i = 0; i < vocab_size; i++) {
			uint32_t b = (uint32_t)get_le(&c, 4);

			memcpy(&t->scores[i], &b, 4);
			if (!isfinite(t->scores[i]) && !rc)
				rc = llm_fail(e, -EINVAL, "%s: tokenizer.ggml.scores[%d] is not finite",
					      path, i);
		}
	}
	gguf_free(&g);
	if (rc) {
		llm_tokenizer_free(t);
		return rc;
	}
	llm_tokenizer_index(t);
	return 0;
}

int llm_gguf_probe(const char *path)
{
	uint8_t b[4];
	FILE *f = fopen(path, "rb");
	int r;

	if (!f)
		return -errno;
	r = fread(b, 4, 1, f) == 1 && !memcmp(b, "GGUF", 4);
	fclose(f);
	return r;
}

int llm_model_load_any(struct llm_model *m, const char *path, struct llm_err *e)
{
	if (llm_gguf_probe(path) == 1)
		return llm_gguf_load(m, path, e);
	return llm_model_load(m, path, e);
}
