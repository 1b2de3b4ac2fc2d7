/* SPDX-License-Identifier: MIT */
/*
 * llm_gguf.h - GGUF files (llama.cpp's format, version 2 and 3) of the
 * llama architecture: the hyper-parameters from the llama.* keys, the
 * tensors token_embd, blk.N.{attn_norm, attn_q, attn_k, attn_v,
 * attn_output, ffn_norm, ffn_gate, ffn_down, ffn_up}, output_norm and
 * (when not tied to the embedding) output, each f32, f16, bf16 or q8_0,
 * read into a float32 struct llm_model (then quantized to BCQ like a
 * llama2.c checkpoint); and the tokenizer.ggml.* vocabulary.
 *
 * Every read is bounds-checked against the file; every float is checked
 * finite; an unsupported tensor type or hyper-parameter is refused with a
 * reason naming it and the way out.
 */
#ifndef LLM_GGUF_H
#define LLM_GGUF_H

#include "llm_model.h"
#include "llm_tokenizer.h"

#define LLM_GGUF_MAGIC 0x46554747u	/* "GGUF" little-endian */

/* ggml tensor types this reader takes */
enum llm_ggml_type {
	LLM_GGML_F32 = 0, LLM_GGML_F16 = 1, LLM_GGML_Q8_0 = 8, LLM_GGML_BF16 = 30,
};
#define LLM_GGML_Q8_0_BLOCK 32	/* values per block: f16 scale + 32 int8 */

/* 1 when @path starts with the GGUF magic, 0 when not, negative errno. */
int llm_gguf_probe(const char *path);

int llm_gguf_load(struct llm_model *m, const char *path, struct llm_err *e);

/* The vocabulary of tokenizer.ggml.tokens / .scores; @vocab_size must
 * match.  -ENOENT when the file carries none. */
int llm_gguf_load_tokenizer(struct llm_tokenizer *t, const char *path,
			    int vocab_size, struct llm_err *e);

/* A llama2.c checkpoint or a GGUF file, by its magic. */
int llm_model_load_any(struct llm_model *m, const char *path, struct llm_err *e);

/* IEEE half and bfloat16 to float (exact). */
float llm_f16_to_f32(uint16_t h);
float llm_bf16_to_f32(uint16_t b);

#endif /* LLM_GGUF_H */
