// SPDX-License-Identifier: MIT
/*
 * llm_model.c - llama2.c "version 0" checkpoints: a 7 x int32 header
 * (dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len; a
 * negative vocab_size means a separate classifier follows), then float32
 * arrays in a fixed order.  We keep the file's float block verbatim in one
 * allocation so saving is the reverse of loading.
 */
#include "llm_model.h"
#include "llm_outfile.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define HEADER_INTS 7
#define DIM_LIMIT (1 << 20)	/* keeps every product below 2^63 */

int llm_fail(struct llm_err *e, int code, const char *fmt, ...)
{
	va_list ap;

	if (e) {
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
		va_end(ap);
	}
	return code;
}

uint64_t llm_checkpoint_floats(const struct llm_config *c)
{
	uint64_t dim = c->dim, hid = c->hidden_dim, L = c->n_layers;
	uint64_t vocab = c->vocab_size, hs = dim / c->n_heads;
	uint64_t kv = hs * c->n_kv_heads;
	uint64_t n;

	n = vocab * dim;			/* token embedding */
	n += L * dim;				/* rms_att */
	n += L * dim * dim * 2;			/* wq, wo */
	n += L * dim * kv * 2;			/* wk, wv */
	n += L * dim;				/* rms_ffn */
	n += L * dim * hid * 3;			/* w1, w2, w3 */
	n += dim;				/* rms_final */
	n += (uint64_t)c->seq_len * hs;		/* freq_cis real + imag */
	if (!c->shared_classifier)
		n += vocab * dim;
	return n;
}

int llm_config_validate(const struct llm_config *c, struct llm_err *e)
{
	const struct { const char *name; int v; } f[] = {
		{ "dim", c->dim }, { "hidden_dim", c->hidden_dim },
		{ "n_layers", c->n_layers }, { "n_heads", c->n_heads },
		{ "n_kv_heads", c->n_kv_heads }, { "vocab_size", c->vocab_size },
		{ "seq_len", c->seq_len },
	};

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if (f[i].v <= 0)
			return llm_fail(e, -EINVAL, "%s must be positive (header says %d)",
					f[i].name, f[i].v);
		if (f[i].v > DIM_LIMIT)
			return llm_fail(e, -EINVAL, "%s %d is implausibly large (limit %d)",
					f[i].name, f[i].v, DIM_LIMIT);
	}
	if (c->dim % c->n_heads)
		return llm_fail(e, -EINVAL, "dim %d is not a multiple of n_heads %d",
				c->dim, c->n_heads);
	if ((c->dim / c->n_heads) % 2)
		return llm_fail(e, -EINVAL, "head_size %d (dim/n_heads) must be even for RoPE",
				c->dim / c->n_heads);
	if (c->n_kv_heads > c->n_heads || c->n_heads % c->n_kv_heads)
		return llm_fail(e, -EINVAL, "n_kv_heads %d must divide n_heads %d",
				c->n_kv_heads, c->n_heads);
	if (c->n_layers > 4096 || c->n_heads > 4096)
		return llm_fail(e, -EINVAL, "n_layers %d / n_heads %d implausibly large",
				c->n_layers, c->n_heads);
	return 0;
}

/* Points member @member of every layer at its slice of the @floats-per-layer
 * array at @p; returns the storage just past the array. */
static float *wire_layers(struct llm_model *m, float *p, size_t member,
			  uint64_t floats)
{
	for (int l = 0; l < m->cfg.n_layers; l++)
		*(float **)((char *)&m->layers[l] + member) = p + l * floats;
	return p + m->cfg.n_layers * floats;
}

#define LAYER_ARRAY(name) offsetof(struct llm_layer_weights, name)

/* Points the named arrays into m->storage in file order. */
static void wire(struct llm_model *m)
{
	const struct llm_config *c = &m->cfg;
	uint64_t dim = c->dim, hid = c->hidden_dim, kv = llm_kv_dim(c);
	float *p = m->storage;

	m->token_embedding = p;
	p += (uint64_t)c->vocab_size * dim;
	p = wire_layers(m, p, LAYER_ARRAY(rms_att), dim);
	p = wire_layers(m, p, LAYER_ARRAY(wq), dim * dim);
	p = wire_layers(m, p, LAYER_ARRAY(wk), dim * kv);
	p = wire_layers(m, p, LAYER_ARRAY(wv), dim * kv);
	p = wire_layers(m, p, LAYER_ARRAY(wo), dim * dim);
	p = wire_layers(m, p, LAYER_ARRAY(rms_ffn), dim);
	p = wire_layers(m, p, LAYER_ARRAY(w1), dim * hid);
	p = wire_layers(m, p, LAYER_ARRAY(w2), dim * hid);
	p = wire_layers(m, p, LAYER_ARRAY(w3), dim * hid);
	m->rms_final = p;
	p += dim;
	p += (uint64_t)c->seq_len * llm_head_size(c); /* freq_cis, unused */
	m->wcls = c->shared_classifier ? m->token_embedding : p;
}

int llm_model_alloc(struct llm_model *m, const struct llm_config *c,
		    struct llm_err *e)
{
	int rc = llm_config_validate(c, e);
	uint64_t n;

	memset(m, 0, sizeof(*m));
	if (rc)
		return rc;
	n = llm_checkpoint_floats(c);
	if (n > SIZE_MAX / sizeof(float))
		return llm_fail(e, -EFBIG, "model of %llu floats does not fit in memory",
				(unsigned long long)n);
	m->cfg = *c;
	m->storage = calloc(n, sizeof(float));
	m->layers = calloc(c->n_layers, sizeof(*m->layers));
	if (!m->storage || !m->layers) {
		llm_model_free(m);
		return llm_fail(e, -ENOMEM, "out of memory for %llu weights",
				(unsigned long long)n);
	}
	m->storage_floats = n;
	wire(m);
	return 0;
}

void llm_model_free(struct llm_model *m)
{
	free(m->storage);
	free(m->layers);
	memset(m, 0, sizeof(*m));
}

int llm_model_load(struct llm_model *m, const char *path, struct llm_err *e)
{
	int32_t h[HEADER_INTS];
	struct llm_config c;
	struct stat st;
	uint64_t want;
	FILE *f;
	int rc;

	memset(m, 0, sizeof(*m));
	f = fopen(path, "rb");
	if (!f)
		return llm_fail(e, -errno, "%s: %s", path, strerror(errno));
	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
		fclose(f);
		return llm_fail(e, -EINVAL, "%s: not a regular file", path);
	}
	if ((uint64_t)st.st_size < sizeof(h)) {
		fclose(f);
		return llm_fail(e, -EINVAL, "%s: truncated header (%lld bytes, need %zu)",
				path, (long long)st.st_size, sizeof(h));
	}
	if (fread(h, sizeof(h), 1, f) != 1) {
		fclose(f);
		return llm_fail(e, -EIO, "%s: cannot read header", path);
	}
	c.dim = h[0];
	c.hidden_dim = h[1];
	c.n_layers = h[2];
	c.n_heads = h[3];
	c.n_kv_heads = h[4];
	c.shared_classifier = h[5] > 0;
	c.vocab_size = h[5] == INT32_MIN ? 0 : abs(h[5]);
	c.seq_len = h[6];
	rc = llm_config_validate(&c, e);
	if (rc) {
		fclose(f);
		if (e) {
			char why[sizeof(e->msg)];

			snprintf(why, sizeof(why), "%s", e->msg);
			llm_fail(e, rc, "%s: bad header: %s", path, why);
		}
		return rc;
	}
	want = sizeof(h) + 4 * llm_checkpoint_floats(&c);
	if ((uint64_t)st.st_size != want) {
		fclose(f);
		return llm_fail(e, -EINVAL,
				"%s: size %lld bytes, but header (dim %d hidden %d layers %d heads %d kv_heads %d vocab %d%s seq %d) implies %llu",
				path, (long long)st.st_size, c.dim, c.hidden_dim,
				c.n_layers, c.n_heads, c.n_kv_heads, c.vocab_size,
				c.shared_classifier ? " shared" : " separate",
				c.seq_len, (unsigned long long)want);
	}
	rc = llm_model_alloc(m, &c, e);
	if (rc) {
		fclose(f);
		return rc;
	}
	if (fread(m->storage, sizeof(float), m->storage_floats, f) !=
	    m->storage_floats) {
		fclose(f);
		llm_model_free(m);
		return llm_fail(e, -EIO, "%s: short read of weights", path);
	}
	fclose(f);
	for (size_t i = 0; i < m->storage_floats; i++) {
		if (!isfinite(m->storage[i])) {
			size_t at = i;

			llm_model_free(m);
			return llm_fail(e, -EINVAL, "%s: weight %zu is not finite", path, at);
		}
	}
	return 0;
}

int llm_model_save(const struct llm_model *m, const char *path,
		   struct llm_err *e)
{
	const struct llm_config *c = &m->cfg;
	int32_t h[HEADER_INTS] = {
		c->dim, c->hidden_dim, c->n_layers, c->n_heads, c->n_kv_heads,
		c->shared_classifier ? c->vocab_size : -c->vocab_size, c->seq_len,
	};
	struct llm_outfile o;
	int rc = llm_outfile_open(&o, path, e);

	if (rc)
		return rc;
	llm_outfile_write(&o, h, sizeof(h));
	llm_outfile_write(&o, m->storage, m->storage_floats * sizeof(float));
	return llm_outfile_commit(&o, e);
}

/* xorshift64* stream: reproducible across machines, no libc rand(). */
static uint64_t next_u64(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

/* Uniform with standard deviation @sd. */
static void fill_uniform(float *p, uint64_t n, float sd, uint64_t *s)
{
	float a = sd * 1.7320508f;

	for (uint64_t i = 0; i < n; i++) {
		float u = (float)(next_u64(s) >> 40) / 16777216.0f;

		p[i] = (2.0f * u - 1.0f) * a;
	}
}

static void fill_const(float *p, uint64_t n, float v)
{
	for (uint64_t i = 0; i < n; i++)
		p[i] = v;
}

int llm_model_random(struct llm_model *m, const struct llm_config *c,
		     uint64_t seed, struct llm_err *e)
{
	uint64_t s = seed * 0x9E3779B97F4A7C15ULL + 0x1234567ULL;
	uint64_t dim = c->dim, hid = c->hidden_dim, kv = llm_kv_dim(c);
	int rc = llm_model_alloc(m, c, e);
	int hs;

	if (rc)
		return rc;
	if (!s)
		s = 1;
	fill_uniform(m->token_embedding, (uint64_t)c->vocab_size * dim, 1.0f, &s);
	for (int l = 0; l < c->n_layers; l++) {
		struct llm_layer_weights *w = &m->layers[l];

		fill_const(w->rms_att, dim, 1.0f);
		fill_const(w->rms_ffn, dim, 1.0f);
		fill_uniform(w->wq, dim * dim, 1.0f / sqrtf(dim), &s);
		fill_uniform(w->wk, kv * dim, 1.0f / sqrtf(dim), &s);
		fill_uniform(w->wv, kv * dim, 1.0f / sqrtf(dim), &s);
		fill_uniform(w->wo, dim * dim, 1.0f / sqrtf(dim), &s);
		fill_uniform(w->w1, hid * dim, 1.0f / sqrtf(dim), &s);
		fill_uniform(w->w3, hid * dim, 1.0f / sqrtf(dim), &s);
		fill_uniform(w->w2, dim * hid, 1.0f / sqrtf(hid), &s);
	}
	fill_const(m->rms_final, dim, 1.0f);
	/* freq_cis as llama2.c's export writes it (unused by decoders) */
	hs = llm_head_size(c);
	for (int t = 0; t < c->seq_len; t++) {
		float *re = m->rms_final + dim, *im = re + (uint64_t)c->seq_len * hs / 2;

		for (int i = 0; i < hs / 2; i++) {
			float f = 1.0f / powf(10000.0f, (2.0f * i) / hs);

			re[(uint64_t)t * hs / 2 + i] = cosf(t * f);
			im[(uint64_t)t * hs / 2 + i] = sinf(t * f);
		}
	}
	if (!c->shared_classifier)
		fill_uniform(m->wcls, (uint64_t)c->vocab_size * dim, 1.0f / sqrtf(dim), &s);
	return 0;
}

int llm_config_parse_shape(const char *shape, struct llm_config *c,
			   struct llm_err *e)
{
	memset(c, 0, sizeof(*c));
	c->shared_classifier = 1;
	if (!strcmp(shape, "260K")) {
		*c = (struct llm_config){ 64, 172, 5, 8, 4, 512, 512, 1 };
	} else if (!strcmp(shape, "15M")) {
		*c = (struct llm_config){ 288, 768, 6, 6, 6, 32000, 256, 1 };
	} else if (!strcmp(shape, "110M")) {
		*c = (struct llm_config){ 768, 2048, 12, 12, 12, 32000, 1024, 1 };
	} else {
		/* seven decimal numbers, each range-checked, nothing after them */
		int *field[7] = { &c->dim, &c->hidden_dim, &c->n_layers, &c->n_heads,
				  &c->n_kv_heads, &c->vocab_size, &c->seq_len };
		const char *p = shape;

		for (int i = 0; i < 7; i++) {
			char *end;
			long v;

			errno = 0;
			v = (*p >= '0' && *p <= '9') ? strtol(p, &end, 10) : -1;
			if (v < 0 || errno || v > DIM_LIMIT || *end != (i < 6 ? ',' : '\0'))
				return llm_fail(e, -EINVAL,
						"bad shape '%s' (want 260K, 15M, 110M or dim,hidden,layers,heads,kv_heads,vocab,seq, each 1..%d)",
						shape, DIM_LIMIT);
			*field[i] = (int)v;
			p = end + 1;
		}
	}
	return llm_config_validate(c, e);
}
