/* SPDX-License-Identifier: MIT */
/*
 * llm_tokenizer.h - llama2.c tokenizer files (sentencepiece BPE exported as
 * int32 max_token_length, then per token: f32 score, int32 length, bytes).
 */
#ifndef LLM_TOKENIZER_H
#define LLM_TOKENIZER_H

#include "llm_model.h"

#define LLM_TOKEN_BOS 1
#define LLM_TOKEN_EOS 2
#define LLM_BYTE_TOKEN_BASE 3	/* <0x00> .. <0xFF> are ids 3..258 */

struct llm_tokenizer {
	int vocab_size;
	int max_token_length;
	char **pieces;		/* NUL-terminated */
	int *piece_len;
	float *scores;
	int *sorted;		/* ids sorted by piece, for lookups */
	int byte_fallback;	/* the vocabulary has <0xXX> byte tokens */
};

/* @vocab_size: the model's vocabulary size; the file must hold exactly
 * that many tokens and nothing after them. */
int llm_tokenizer_load(struct llm_tokenizer *t, const char *path,
		       int vocab_size, struct llm_err *e);
void llm_tokenizer_free(struct llm_tokenizer *t);
/* After filling vocab_size, pieces, piece_len, scores and allocating
 * sorted (another loader, e.g. GGUF): builds the lookup index. */
void llm_tokenizer_index(struct llm_tokenizer *t);

/* Id of the exact piece, or -1. */
int llm_tokenizer_lookup(const struct llm_tokenizer *t, const char *s,
			 size_t len);

/* BPE encode as llama2.c does: optional BOS, a dummy-prefix space when the
 * text is not empty, UTF-8 code points (unknown ones as bytes), then merges
 * of the best-scoring adjacent pair until none applies.  @out must hold
 * strlen(text) + 3 ids.  Returns the number of ids or a negative errno. */
int llm_tokenizer_encode(const struct llm_tokenizer *t, const char *text,
			 int bos, int eos, int *out);

/* Bytes of @token following @prev (a leading space after BOS is dropped,
 * <0xXX> becomes its byte).  Sets *len; the pointer stays valid as long
 * as the tokenizer. */
const char *llm_tokenizer_decode(const struct llm_tokenizer *t, int prev,
				 int token, size_t *len);

#endif /* LLM_TOKENIZER_H */
