// SPDX-License-Identifier: MIT
#include "llm_tokenizer.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One static byte per value: the decode of a <0xXX> token. */
static const unsigned char byte_values[256] = {
#define B4(n) n, n + 1, n + 2, n + 3
#define B16(n) B4(n), B4(n + 4), B4(n + 8), B4(n + 12)
#define B64(n) B16(n), B16(n + 16), B16(n + 32), B16(n + 48)
	B64(0), B64(64), B64(128), B64(192)
#undef B64
#undef B16
#undef B4
};

static int piece_cmp(const char *a, size_t al, const char *b, size_t bl)
{
	int r = memcmp(a, b, al < bl ? al : bl);

	if (r)
		return r;
	return (al > bl) - (al < bl);
}

static int sort_by_piece(const void *pa, const void *pb, void *ctx)
{
	const struct llm_tokenizer *t = ctx;
	int a = *(const int *)pa, b = *(const int *)pb;
	int r = piece_cmp(t->pieces[a], t->piece_len[a], t->pieces[b],
			  t->piece_len[b]);

	return r ? r : (a > b) - (a < b);
}

void llm_tokenizer_index(struct llm_tokenizer *t)
{
	for (int i = 0; i < t->vocab_size; i++)
		t->sorted[i] = i;
	qsort_r(t->sorted, t->vocab_size, sizeof(int), sort_by_piece, t);
	t->byte_fallback = t->vocab_size >= LLM_BYTE_TOKEN_BASE + 256 &&
			   !strcmp(t->pieces[LLM_BYTE_TOKEN_BASE], "<0x00>") &&
			   !strcmp(t->pieces[LLM_BYTE_TOKEN_BASE + 255], "<0xFF>");
}

int llm_tokenizer_load(struct llm_tokenizer *t, const char *path,
		       int vocab_size, struct llm_err *e)
{
	FILE *f;
	int rc = 0;
	int32_t mtl;

	memset(t, 0, sizeof(*t));
	if (vocab_size <= 0)
		return llm_fail(e, -EINVAL, "%s: vocabulary size %d", path, vocab_size);
	f = fopen(path, "rb");
	if (!f)
		return llm_fail(e, -errno, "%s: %s", path, strerror(errno));
	if (fread(&mtl, 4, 1, f) != 1 || mtl <= 0 || mtl > 1024) {
		fclose(f);
		return llm_fail(e, -EINVAL, "%s: bad tokenizer header", path);
	}
	t->vocab_size = vocab_size;
	t->max_token_length = mtl;
	t->pieces = calloc(vocab_size, sizeof(*t->pieces));
	t->piece_len = calloc(vocab_size, sizeof(int));
	t->scores = calloc(vocab_size, sizeof(float));
	t->sorted = calloc(vocab_size, sizeof(int));
	if (!t->pieces || !t->piece_len || !t->scores || !t->sorted) {
		rc = llm_fail(e, -ENOMEM, "out of memory");
		goto out;
	}
	for (int i = 0; i < vocab_size; i++) {
		int32_t len;

		if (fread(&t->scores[i], 4, 1, f) != 1 || fread(&len, 4, 1, f) != 1) {
			rc = llm_fail(e, -EINVAL, "%s: truncated at token %d of %d (does it match the model?)",
				      path, i, vocab_size);
			goto out;
		}
		if (!isfinite(t->scores[i])) {	/* as every loader checks floats */
			rc = llm_fail(e, -EINVAL, "%s: token %d has a non-finite score", path, i);
			goto out;
		}
		if (len < 0 || len > mtl) {
			rc = llm_fail(e, -EINVAL, "%s: token %d has length %d (max %d)",
				      path, i, len, mtl);
			goto out;
		}
		t->pieces[i] = malloc(len + 1);
		if (!t->pieces[i]) {
			rc = llm_fail(e, -ENOMEM, "out of memory");
			goto out;
		}
		if (len && fread(t->pieces[i], len, 1, f) != 1) {
			rc = llm_fail(e, -EINVAL, "%s: truncated in token %d", path, i);
			goto out;
		}
		t->pieces[i][len] = 0;
		t->piece_len[i] = len;
		t->sorted[i] = i;
	}
	if (fgetc(f) != EOF) {
		rc = llm_fail(e, -EINVAL, "%s: more than %d tokens (does it match the model?)",
			      path, vocab_size);
		goto out;
	}
	llm_tokenizer_index(t);
out:
	fclose(f);
	if (rc)
		llm_tokenizer_free(t);
	return rc;
}

void llm_tokenizer_free(struct llm_tokenizer *t)
{
	if (t->pieces)
		for (int i = 0; i < t->vocab_size; i++)
			free(t->pieces[i]);
	free(t->pieces);
	free(t->piece_len);
	free(t->scores);
	free(t->sorted);
	memset(t, 0, sizeof(*t));
}

int llm_tokenizer_lookup(const struct llm_tokenizer *t, const char *s,
			 size_t len)
{
	int lo = 0, hi = t->vocab_size - 1;

	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2, id = t->sorted[mid];
		int r = piece_cmp(s, len, t->pieces[id], t->piece_len[id]);

		if (!r)
			return id;
		if (r < 0)
			hi = mid - 1;
		else
			lo = mid + 1;
	}
	return -1;
}

/* Appends the ids of one code point: its piece, or its bytes. */
static int push_code_point(const struct llm_tokenizer *t, const char *cp,
			   size_t len, int *out, int n)
{
	int id = llm_tokenizer_lookup(t, cp, len);

	if (id >= 0) {
		out[n++] = id;
		return n;
	}
	for (size_t i = 0; i < len; i++)
		out[n++] = t->byte_fallback ?
			(unsigned char)cp[i] + LLM_BYTE_TOKEN_BASE : 0;
	return n;
}

int llm_tokenizer_encode(const struct llm_tokenizer *t, const char *text,
			 int bos, int eos, int *out)
{
	char *pair;
	int n = 0;

	if (!text)
		return -EINVAL;
	pair = malloc(2 * (size_t)t->max_token_length + 1);
	if (!pair)
		return -ENOMEM;
	if (bos)
		out[n++] = LLM_TOKEN_BOS;
	if (text[0]) {
		int sp = llm_tokenizer_lookup(t, " ", 1);

		if (sp >= 0)
			out[n++] = sp;
	}
	/* Split into UTF-8 code points (at most 4 bytes each). */
	for (const char *p = text; *p;) {
		size_t len = 1;

		while (p[len] && ((unsigned char)p[len] & 0xC0) == 0x80 && len < 4)
			len++;
		n = push_code_point(t, p, len, out, n);
		p += len;
	}
	/* Merge the best-scoring adjacent pair until no pair is a token. */
	for (;;) {
		float best = -1e10f;
		int best_at = -1, best_id = -1;

		for (int i = 0; i + 1 < n; i++) {
			int a = out[i], b = out[i + 1], id;

			memcpy(pair, t->pieces[a], t->piece_len[a]);
			memcpy(pair + t->piece_len[a], t->pieces[b], t->piece_len[b]);
			id = llm_tokenizer_lookup(t, pair, t->piece_len[a] + t->piece_len[b]);
			if (id >= 0 && t->scores[id] > best) {
				best = t->scores[id];
				best_at = i;
				best_id = id;
			}
		}
		if (best_at < 0)
			break;
		out[best_at] = best_id;
		memmove(&out[best_at + 1], &out[best_at + 2],
			(n - best_at - 2) * sizeof(int));
		n--;
	}
	if (eos)
		out[n++] = LLM_TOKEN_EOS;
	free(pair);
	return n;
}

const char *llm_tokenizer_decode(const struct llm_tokenizer *t, int prev,
				 int token, size_t *len)
{
	const char *p;
	unsigned int byte;
	char tail;

	if (token < 0 || token >= t->vocab_size) {
		*len = 0;
		return "";
	}
	p = t->pieces[token];
	*len = t->piece_len[token];
	if (prev == LLM_TOKEN_BOS && p[0] == ' ') {
		p++;
		(*len)--;
	}
	if (*len == 6 && sscanf(p, "<0x%2X%c", &byte, &tail) == 2 && tail == '>') {
		*len = 1;
		return (const char *)&byte_values[byte];
	}
	return p;
}
