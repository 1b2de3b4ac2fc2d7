// SPDX-License-Identifier: MIT
/*
 * test_gguf.c - bring your own model: stories260K written as GGUF by a
 * small writer here (ggml's docs/gguf.md: header, typed key/values, tensor
 * infos, aligned data; f32, f16, bf16, q8_0 tensors; the vocabulary as
 * tokenizer.ggml.tokens/scores), then read back by llm_gguf.c:
 *  - f32: every weight bit-identical to the llama2.c file, and the greedy
 *    decode token for token the same (llama2.c's reference output), on the
 *    CPU reference and through accel-llm on the sim backend;
 *  - f16, bf16, q8_0: every weight equal to this writer's own decode of
 *    what it wrote (the compiler's _Float16 for halves);
 *  - the vocabulary equal to tok512.bin's;
 *  - hostile files refused with a reason: truncations, unsupported types,
 *    another architecture, a non-finite weight, unsupported hyper-parameters.
 * The writer shares no code with the reader.
 */
#include <CUnit/Basic.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "llm_cpu.h"
#include "llm_gguf.h"
#include "llm_model.h"
#include "llm_sample.h"
#include "llm_tokenizer.h"
#include "tests/common/cunit_run.h"
#include "tests/common/models_fixture.h"

#ifndef TOOLS_BIN_DIR
#error "TOOLS_BIN_DIR must name the directory of the built tools"
#endif

static struct llm_model src;		/* stories260K from the llama2.c file */
static struct llm_tokenizer src_tok;

/* ---- the writer --------------------------------------------------------- */

enum { T_F32 = 0, T_F16 = 1, T_Q8_0 = 8, T_BF16 = 30, T_Q4_0 = 2 };

struct w_tensor {
	char name[64];
	const float *data;
	uint64_t rows, cols;	/* ne = { cols, rows } */
	int dims;
	uint32_t type;
	uint64_t offset, bytes;
};

struct writer {
	FILE *f;
	struct w_tensor t[64];
	int n;
	uint32_t alignment;
	/* knobs for hostile files */
	const char *arch;
	float rms_eps;
	int with_tokenizer;
};

static void w_u32(FILE *f, uint32_t v) { fwrite(&v, 4, 1, f); }
static void w_u64(FILE *f, uint64_t v) { fwrite(&v, 8, 1, f); }
static void w_str(FILE *f, const char *s, size_t len) { w_u64(f, len); fwrite(s, 1, len, f); }

static void kv_u32(FILE *f, const char *k, uint32_t v)
{
	w_str(f, k, strlen(k));
	w_u32(f, 4);	/* UINT32 */
	w_u32(f, v);
}

static void kv_f32(FILE *f, const char *k, float v)
{
	w_str(f, k, strlen(k));
	w_u32(f, 6);	/* FLOAT32 */
	fwrite(&v, 4, 1, f);
}

static void kv_string(FILE *f, const char *k, const char *v)
{
	w_str(f, k, strlen(k));
	w_u32(f, 8);	/* STRING */
	w_str(f, v, strlen(v));
}

static uint16_t f16_bits(float x)
{
	_Float16 h = (_Float16)x;	/* the compiler's round-to-nearest-even */
	uint16_t b;

	memcpy(&b, &h, 2);
	return b;
}

static float f16_value(uint16_t b)
{
	_Float16 h;

	memcpy(&h, &b, 2);
	return (float)h;
}

static uint16_t bf16_bits(float x)
{
	uint32_t u;

	memcpy(&u, &x, 4);
	u += 0x7fff + ((u >> 16) & 1);	/* round to nearest even */
	return (uint16_t)(u >> 16);
}

static float bf16_value(uint16_t b)
{
	uint32_t u = (uint32_t)b << 16;
	float x;

	memcpy(&x, &u, 4);
	return x;
}

static uint64_t tensor_bytes(const struct w_tensor *t)
{
	uint64_t n = t->rows * t->cols;

	switch (t->type) {
	case T_F32: return n * 4;
	case T_F16: case T_BF16: return n * 2;
	case T_Q8_0: return n / 32 * 34;
	case T_Q4_0: return n / 32 * 18;
	}
	return 0;
}

/* One q8_0 block as ggml quantizes: d = amax / 127, q = round(x / d). */
static void q8_0_block(const float *x, uint8_t out[34])
{
	float amax = 0, d, id;
	uint16_t db;

	for (int i = 0; i < 32; i++)
		amax = fmaxf(amax, fabsf(x[i]));
	d = amax / 127.0f;
	id = d ? 1.0f / d : 0.0f;
	db = f16_bits(d);
	memcpy(out, &db, 2);
	for (int i = 0; i < 32; i++)
		out[2 + i] = (uint8_t)(int8_t)roundf(x[i] * id);
}

static void write_tensor_data(FILE *f, const struct w_tensor *t)
{
	uint64_t n = t->rows * t->cols;

	for (uint64_t i = 0; i < n; i++) {
		if (t->type == T_F32) {
			fwrite(&t->data[i], 4, 1, f);
		} else if (t->type == T_F16 || t->type == T_BF16) {
			uint16_t b = t->type == T_F16 ? f16_bits(t->data[i]) : bf16_bits(t->data[i]);

			fwrite(&b, 2, 1, f);
		} else if (i % 32 == 0) {
			uint8_t blk[34];

			q8_0_block(&t->data[i], blk);
			fwrite(blk, t->type == T_Q4_0 ? 18 : 34, 1, f);
		}
	}
}

static void add(struct writer *w, const char *name, const float *data, uint64_t rows,
		uint64_t cols, int dims, uint32_t type)
{
	struct w_tensor *t = &w->t[w->n++];

	snprintf(t->name, sizeof(t->name), "%s", name);
	t->data = data;
	t->rows = rows;
	t->cols = cols;
	t->dims = dims;
	/* norms stay f32 as llama.cpp writes them; rows that are no whole
	 * number of 32-blocks fall back to f16, as llama-quantize does */
	t->type = dims == 1 ? T_F32 : (type == T_Q8_0 || type == T_Q4_0) && cols % 32 ? T_F16 : type;
}

/* Writes @m (and src_tok) as a llama GGUF with matrices of @type. */
static int write_gguf(const char *path, const struct llm_model *m, uint32_t type,
		      struct writer *w)
{
	const struct llm_config *c = &m->cfg;
	static const char *const names[7] = { "attn_q", "attn_k", "attn_v", "attn_output",
					      "ffn_gate", "ffn_down", "ffn_up" };
	uint64_t off = 0, pos;
	uint32_t n_kv = 11 + (w->with_tokenizer ? 3 : 0);

	w->n = 0;
	add(w, "token_embd.weight", m->token_embedding, c->vocab_size, c->dim, 2, type);
	add(w, "output_norm.weight", m->rms_final, 1, c->dim, 1, type);
	for (int l = 0; l < c->n_layers; l++) {
		const struct llm_layer_weights *L = &m->layers[l];
		const float *mats[7] = { L->wq, L->wk, L->wv, L->wo, L->w1, L->w2, L->w3 };
		char name[64];

		snprintf(name, sizeof(name), "blk.%d.attn_norm.weight", l);
		add(w, name, L->rms_att, 1, c->dim, 1, type);
		snprintf(name, sizeof(name), "blk.%d.ffn_norm.weight", l);
		add(w, name, L->rms_ffn, 1, c->dim, 1, type);
		for (int k = 0; k < 7; k++) {
			uint64_t rows = k == 1 || k == 2 ? (uint64_t)llm_kv_dim(c) :
					k == 4 || k == 6 ? (uint64_t)c->hidden_dim : (uint64_t)c->dim;
			uint64_t cols = k == 5 ? (uint64_t)c->hidden_dim : (uint64_t)c->dim;

			snprintf(name, sizeof(name), "blk.%d.%s.weight", l, names[k]);
			add(w, name, mats[k], rows, cols, 2, type);
		}
	}
	if (!c->shared_classifier)
		add(w, "output.weight", m->wcls, c->vocab_size, c->dim, 2, type);
	w->f = fopen(path, "wb");
	if (!w->f)
		return -1;
	fwrite("GGUF", 4, 1, w->f);
	w_u32(w->f, 3);
	w_u64(w->f, (uint64_t)w->n);
	w_u64(w->f, n_kv);
	kv_string(w->f, "general.architecture", w->arch ? w->arch : "llama");
	kv_string(w->f, "general.name", "stories260K");
	kv_u32(w->f, "general.alignment", w->alignment);
	kv_u32(w->f, "llama.context_length", c->seq_len);
	kv_u32(w->f, "llama.embedding_length", c->dim);
	kv_u32(w->f, "llama.feed_forward_length", c->hidden_dim);
	kv_u32(w->f, "llama.block_count", c->n_layers);
	kv_u32(w->f, "llama.attention.head_count", c->n_heads);
	kv_u32(w->f, "llama.attention.head_count_kv", c->n_kv_heads);
	kv_u32(w->f, "llama.rope.dimension_count", c->dim / c->n_heads);
	kv_f32(w->f, "llama.attention.layer_norm_rms_epsilon", w->rms_eps ? w->rms_eps : 1e-5f);
	if (w->with_tokenizer) {
		kv_string(w->f, "tokenizer.ggml.model", "llama");
		w_str(w->f, "tokenizer.ggml.tokens", 21);
		w_u32(w->f, 9);		/* ARRAY */
		w_u32(w->f, 8);		/* of STRING */
		w_u64(w->f, src_tok.vocab_size);
		for (int i = 0; i < src_tok.vocab_size; i++) {
			/* sentencepiece's U+2581 for a space, as llama.cpp stores it */
			char buf[256];
			size_t o = 0;

			for (int k = 0; k < src_tok.piece_len[i] && o + 3 < sizeof(buf); k++) {
				if (src_tok.pieces[i][k] == ' ') {
					memcpy(buf + o, "\xe2\x96\x81", 3);
					o += 3;
				} else {
					buf[o++] = src_tok.pieces[i][k];
				}
			}
			w_str(w->f, buf, o);
		}
		w_str(w->f, "tokenizer.ggml.scores", 21);
		w_u32(w->f, 9);
		w_u32(w->f, 6);		/* of FLOAT32 */
		w_u64(w->f, src_tok.vocab_size);
		fwrite(src_tok.scores, 4, src_tok.vocab_size, w->f);
	}
	for (int i = 0; i < w->n; i++) {
		struct w_tensor *t = &w->t[i];

		t->bytes = tensor_bytes(t);
		t->offset = off;
		off = (off + t->bytes + w->alignment - 1) / w->alignment * w->alignment;
		w_str(w->f, t->name, strlen(t->name));
		w_u32(w->f, t->dims);
		w_u64(w->f, t->cols);
		if (t->dims == 2)
			w_u64(w->f, t->rows);
		w_u32(w->f, t->type);
		w_u64(w->f, t->offset);
	}
	pos = (uint64_t)ftell(w->f);
	while (pos % w->alignment) {
		fputc(0, w->f);
		pos++;
	}
	for (int i = 0; i < w->n; i++) {
		uint64_t at = pos + w->t[i].offset;

		while ((uint64_t)ftell(w->f) < at)
			fputc(0, w->f);
		write_tensor_data(w->f, &w->t[i]);
	}
	return fclose(w->f) ? -1 : 0;
}

static int write_default(const char *path, uint32_t type)
{
	struct writer w = { .alignment = 32, .with_tokenizer = 1 };

	return write_gguf(path, &src, type, &w);
}

/* ---- fixtures ------------------------------------------------------------ */

static int suite_init(void)
{
	struct llm_err e;
	int ref = models_fixture_init("/tmp/test-gguf-XXXXXX");

	if (ref < 0)
		return -1;
	have_models = ref && !llm_model_load(&src, model_path, &e) &&
		      !llm_tokenizer_load(&src_tok, tok_path, 512, &e);
	return 0;
}

static int suite_clean(void)
{
	llm_model_free(&src);
	if (src_tok.pieces)
		llm_tokenizer_free(&src_tok);
	return models_fixture_clean();
}

/* Every weight array of @m, as (pointer, count) pairs, in one order. */
static int arrays(const struct llm_model *m, const float **p, uint64_t *n)
{
	const struct llm_config *c = &m->cfg;
	uint64_t dim = c->dim, hid = c->hidden_dim, kv = llm_kv_dim(c);
	int k = 0;

	p[k] = m->token_embedding; n[k++] = (uint64_t)c->vocab_size * dim;
	p[k] = m->rms_final; n[k++] = dim;
	for (int l = 0; l < c->n_layers; l++) {
		const struct llm_layer_weights *L = &m->layers[l];

		p[k] = L->rms_att; n[k++] = dim;
		p[k] = L->rms_ffn; n[k++] = dim;
		p[k] = L->wq; n[k++] = dim * dim;
		p[k] = L->wk; n[k++] = kv * dim;
		p[k] = L->wv; n[k++] = kv * dim;
		p[k] = L->wo; n[k++] = dim * dim;
		p[k] = L->w1; n[k++] = hid * dim;
		p[k] = L->w2; n[k++] = dim * hid;
		p[k] = L->w3; n[k++] = hid * dim;
	}
	return k;
}

/* ---- tests ---------------------------------------------------------------- */

static void greedy_decode(const struct llm_model *m, int *got)
{
	struct llm_cpu s;
	int ids[32], n, tok;

	CU_ASSERT_EQUAL_FATAL(llm_cpu_init(&s, m), 0);
	n = llm_tokenizer_encode(&src_tok, "Once upon a time", 1, 0, ids);
	CU_ASSERT_EQUAL_FATAL(n, 5);
	tok = ids[0];
	for (int pos = 0; pos < n - 1 + REF_TOKENS; pos++) {
		int next = llm_argmax(llm_cpu_forward(&s, tok, pos), m->cfg.vocab_size);

		if (pos >= n - 1)
			got[pos - (n - 1)] = next;
		tok = pos < n - 1 ? ids[pos + 1] : next;
	}
	llm_cpu_free(&s);
}

static void test_f32_is_the_llama2c_model(void)
{
	char path[4096];
	struct llm_model m;
	struct llm_err e = { "" };
	const float *pa[64], *pb[64];
	uint64_t na[64], nb[64];
	int got[REF_TOKENS], k;

	if (!need_models())
		return;
	tmp_path(path, sizeof(path), "s-f32.gguf");
	CU_ASSERT_EQUAL_FATAL(write_default(path, T_F32), 0);
	CU_ASSERT_EQUAL(llm_gguf_probe(path), 1);
	CU_ASSERT_EQUAL(llm_gguf_probe(model_path), 0);
	CU_ASSERT_EQUAL_FATAL(llm_model_load_any(&m, path, &e), 0);
	CU_ASSERT(!memcmp(&m.cfg, &src.cfg, sizeof(m.cfg)));
	k = arrays(&m, pa, na);
	CU_ASSERT_EQUAL_FATAL(arrays(&src, pb, nb), k);
	for (int i = 0; i < k; i++)
		CU_ASSERT(na[i] == nb[i] && !memcmp(pa[i], pb[i], na[i] * 4));
	greedy_decode(&m, got);
	CU_ASSERT_EQUAL(memcmp(got, ref_ids, sizeof(got)), 0);
	llm_model_free(&m);
}

/* f16, bf16, q8_0: each weight is exactly what the writer's own decode of
 * its bytes gives. */
static void test_f16_bf16_q8_0_values(void)
{
	static const uint32_t types[3] = { T_F16, T_BF16, T_Q8_0 };

	if (!need_models())
		return;
	for (int t = 0; t < 3; t++) {
		char path[4096];
		struct llm_model m;
		struct llm_err e = { "" };
		const float *pa[64], *pb[64];
		uint64_t na[64], nb[64], mismatches = 0;
		int k;

		struct writer w = { .alignment = 32, .with_tokenizer = 1 };

		snprintf(path, sizeof(path), "%s/s-%u.gguf", tmpdir, types[t]);
		CU_ASSERT_EQUAL_FATAL(write_gguf(path, &src, types[t], &w), 0);
		CU_ASSERT_EQUAL_FATAL(llm_gguf_load(&m, path, &e), 0);
		k = arrays(&m, pa, na);
		arrays(&src, pb, nb);
		CU_ASSERT_EQUAL_FATAL(k, w.n);	/* the writer's order is arrays()'s */
		for (int i = 0; i < k; i++) {
			uint32_t type = w.t[i].type;

			for (uint64_t j = 0; j < na[i]; j++) {
				float want = pb[i][j];

				if (type == T_F16)
					want = f16_value(f16_bits(want));
				else if (type == T_BF16)
					want = bf16_value(bf16_bits(want));
				else if (type == T_Q8_0) {
					uint8_t blk[34];

					q8_0_block(&pb[i][j - j % 32], blk);
					want = f16_value((uint16_t)(blk[0] | blk[1] << 8)) *
					       (float)(int8_t)blk[2 + j % 32];
				}
				mismatches += memcmp(&want, &pa[i][j], 4) != 0;
			}
		}
		CU_ASSERT_EQUAL(mismatches, 0);
		/* quantized weights still decode sensibly: the greedy text of
		 * f16/bf16/q8_0 stories260K starts like the reference */
		{
			int got[REF_TOKENS];

			greedy_decode(&m, got);
			CU_ASSERT_EQUAL(memcmp(got, ref_ids, 8 * sizeof(int)), 0);
		}
		llm_model_free(&m);
	}
}

static void test_tokenizer_from_gguf(void)
{
	char path[4096];
	struct llm_tokenizer t;
	struct llm_err e = { "" };
	int a[64], b[64], na, nb;

	if (!need_models())
		return;
	tmp_path(path, sizeof(path), "s-tok.gguf");
	CU_ASSERT_EQUAL_FATAL(write_default(path, T_F32), 0);
	CU_ASSERT_EQUAL_FATAL(llm_gguf_load_tokenizer(&t, path, 512, &e), 0);
	for (int i = 0; i < 512; i++) {
		CU_ASSERT_EQUAL(t.piece_len[i], src_tok.piece_len[i]);
		CU_ASSERT(!memcmp(t.pieces[i], src_tok.pieces[i], t.piece_len[i]));
		CU_ASSERT_EQUAL(t.scores[i], src_tok.scores[i]);
	}
	na = llm_tokenizer_encode(&t, "Once upon a time, a tiny \xc3\xa9lan!", 1, 0, a);
	nb = llm_tokenizer_encode(&src_tok, "Once upon a time, a tiny \xc3\xa9lan!", 1, 0, b);
	CU_ASSERT(na == nb && na > 0 && !memcmp(a, b, na * sizeof(int)));
	llm_tokenizer_free(&t);
	CU_ASSERT_EQUAL(llm_gguf_load_tokenizer(&t, path, 511, &e), -EINVAL);	/* nothing kept */
	{
		struct writer w = { .alignment = 32 };

		tmp_path(path, sizeof(path), "s-notok.gguf");
		CU_ASSERT_EQUAL_FATAL(write_gguf(path, &src, T_F32, &w), 0);
		CU_ASSERT_EQUAL(llm_gguf_load_tokenizer(&t, path, 512, &e), -ENOENT);
		CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "-z"));
	}
}

/* One line naming the problem, never a crash, for each hostile file. */
static void test_hostile_files(void)
{
	char path[4096], cut[4096];
	struct llm_model m;
	struct llm_err e = { "" };
	FILE *f;
	long size;
	char *buf;

	if (!need_models())
		return;
	tmp_path(path, sizeof(path), "h.gguf");
	tmp_path(cut, sizeof(cut), "cut.gguf");
	CU_ASSERT_EQUAL_FATAL(write_default(path, T_Q8_0), 0);
	f = fopen(path, "rb");
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	buf = malloc(size);
	CU_ASSERT_FATAL(fread(buf, size, 1, f) == 1);
	fclose(f);
	/* every truncation point of the fixed header and the first keys, then
	 * a sampling of the vocabulary, tensor infos and data (steps prime to
	 * the field sizes) */
	for (long n = 0; n < size; n += n < 600 ? 1 : n < 20000 ? 37 : 997) {
		f = fopen(cut, "wb");
		fwrite(buf, 1, n, f);
		fclose(f);
		memset(&e, 0, sizeof(e));
		CU_ASSERT_NOT_EQUAL(llm_gguf_load(&m, cut, &e), 0);
		CU_ASSERT(e.msg[0] != 0);
	}
	free(buf);
	/* unsupported tensor type: named, with the way out */
	{
		struct writer w = { .alignment = 32 };

		CU_ASSERT_EQUAL_FATAL(write_gguf(path, &src, T_Q4_0, &w), 0);
		CU_ASSERT_EQUAL(llm_gguf_load(&m, path, &e), -ENOTSUP);
		CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "token_embd.weight is q4_0"));
		CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "llama-quantize"));
	}
	/* another architecture */
	{
		struct writer w = { .alignment = 32, .arch = "gpt2" };

		CU_ASSERT_EQUAL_FATAL(write_gguf(path, &src, T_F32, &w), 0);
		CU_ASSERT_EQUAL(llm_gguf_load(&m, path, &e), -ENOTSUP);
		CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "llama"));
	}
	/* an epsilon the decoders do not use */
	{
		struct writer w = { .alignment = 32, .rms_eps = 1e-6f };

		CU_ASSERT_EQUAL_FATAL(write_gguf(path, &src, T_F32, &w), 0);
		CU_ASSERT_EQUAL(llm_gguf_load(&m, path, &e), -ENOTSUP);
		CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "layer_norm_rms_epsilon"));
	}
	/* a non-finite weight */
	{
		struct writer w = { .alignment = 64 };
		struct llm_model bad;

		CU_ASSERT_EQUAL_FATAL(llm_model_load(&bad, model_path, &e), 0);
		bad.layers[2].wv[7] = INFINITY;
		CU_ASSERT_EQUAL_FATAL(write_gguf(path, &bad, T_F32, &w), 0);
		CU_ASSERT_EQUAL(llm_gguf_load(&m, path, &e), -EINVAL);
		CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "blk.2.attn_v.weight: value 7 is not finite"));
		llm_model_free(&bad);
	}
}

/* Runs a tool of this build; its stdout into @out_path.  Exit status. */
static int run(const char *out_path, char *const argv[])
{
	char bin[4096];
	pid_t pid;
	int st;

	snprintf(bin, sizeof(bin), "%s/%s", TOOLS_BIN_DIR, argv[0]);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		if (!freopen(out_path, "w", stdout) || !freopen("/dev/null", "w", stderr))
			_exit(126);
		setenv("ACCEL_DEVICE", "sim", 1);
		execv(bin, argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, n + 1);
	if (buf && n && fread(buf, n, 1, f) != 1) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* The tools take a GGUF as they take the llama2.c file: accel-llm decodes
 * the same text (f32 on the sim backend; and quantized on load to the
 * default bcq4), with the tokenizer from the GGUF itself; accel-quant packs
 * it to the same model. */
static void test_tools_take_gguf(void)
{
	char gguf[4096], out_a[4096], out_b[4096], packed[4096];
	char *a, *b;

	if (!need_models())
		return;
	tmp_path(gguf, sizeof(gguf), "tool.gguf");
	tmp_path(out_a, sizeof(out_a), "a.txt");
	tmp_path(out_b, sizeof(out_b), "b.txt");
	tmp_path(packed, sizeof(packed), "tool.csa");
	CU_ASSERT_EQUAL_FATAL(write_default(gguf, T_F32), 0);
	{
		char *from_bin[] = { "accel-llm", "-m", model_path, "-z", tok_path, "--weights", "f32",
				     "-t", "0", "-n", "64", "-q", NULL };
		char *from_gguf[] = { "accel-llm", "-m", gguf, "--weights", "f32", "-t", "0",
				      "-n", "64", "-q", NULL };

		CU_ASSERT_EQUAL(run(out_a, from_bin), 0);
		CU_ASSERT_EQUAL(run(out_b, from_gguf), 0);
		a = slurp(out_a);
		b = slurp(out_b);
		CU_ASSERT(a && b && strlen(a) > 100 && !strcmp(a, b));
		free(a);
		free(b);
	}
	{
		char *quant[] = { "accel-quant", "-m", gguf, "-o", packed, "--weights", "bcq4",
				  "--calib-seqs", "1", NULL };
		char *from_packed[] = { "accel-llm", "-m", packed, "-z", tok_path, "-t", "0", "-n",
					"32", "-q", NULL };
		char *from_gguf[] = { "accel-llm", "-m", gguf, "--weights", "bcq4", "--calib-seqs",
				      "1", "-t", "0", "-n", "32", "-q", NULL };

		CU_ASSERT_EQUAL(run(out_a, quant), 0);
		CU_ASSERT_EQUAL(run(out_a, from_packed), 0);
		CU_ASSERT_EQUAL(run(out_b, from_gguf), 0);
		a = slurp(out_a);
		b = slurp(out_b);
		CU_ASSERT(a && b && strlen(a) > 40 && !strcmp(a, b));
		free(a);
		free(b);
	}
}

int main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("gguf", suite_init, suite_clean);
	if (!s ||
	    !CU_add_test(s, "f32 GGUF = the llama2.c model, token for token", test_f32_is_the_llama2c_model) ||
	    !CU_add_test(s, "f16, bf16, q8_0 values exact", test_f16_bf16_q8_0_values) ||
	    !CU_add_test(s, "tokenizer.ggml vocabulary = tok512.bin", test_tokenizer_from_gguf) ||
	    !CU_add_test(s, "hostile GGUF files refused", test_hostile_files) ||
	    !CU_add_test(s, "accel-llm and accel-quant take GGUF", test_tools_take_gguf)) {
		CU_cleanup_registry();
		return 2;
	}
	return cunit_run_and_cleanup();
}
