/* SPDX-License-Identifier: MIT */
/*
 * llm_accel.h - the decoder on the accelerator, through libaccel.  Weights,
 * RoPE table and ConSmax tables are uploaded to device memory once; the KV
 * cache lives there in the PIM bank layout.  Each token is one command list
 * covering every layer, one submit and one wait; only the argmax (greedy)
 * or the logits (sampling) come back to the host.
 */
#ifndef LLM_ACCEL_H
#define LLM_ACCEL_H

#include <accel/accel.h>

#include "llm_packed.h"

struct llm_accel {
	struct accel_dev *dev;
	const struct llm_packed *p;
	int consmax;		/* enum llm_softmax */
	uint32_t kv_flags;	/* 0 (f32 KV cache) or CSA_CMD_F_KV_F16 */
	struct accel_bo *weights, *kv, *act, *host;
	struct accel_cmdlist *cl;
	void *host_map;
	/* byte offsets into @weights */
	uint64_t off_embed, off_rms_final, off_rope, off_consmax;
	uint64_t *off_rms_att, *off_rms_ffn;	/* [layer] */
	uint64_t *off_mat, *off_scales;		/* [layer*7 + w], then classifier */
	uint64_t kv_layer_bytes;
	/* byte offsets into @act */
	uint64_t a_x, a_xb, a_xb2, a_q, a_k, a_v, a_att, a_hb, a_hb2,
		 a_logits, a_argmax;
	/* statistics */
	uint64_t last_cycles, total_cycles, submits;
	uint64_t device_bytes;	/* bytes of device memory this decoder holds */
};

/* Bytes of device memory the model will need (weights, KV, activations). */
uint64_t llm_accel_devmem_needed(const struct llm_packed *p);
uint64_t llm_accel_devmem_needed_kv(const struct llm_packed *p, int kv_f16);
/* Opens the device by @spec (NULL: the default; a sim backend gets enough
 * device memory for the model when the default 256M is too small). */
int llm_accel_open_device(const char *spec, uint64_t needed,
			  struct accel_dev **dev, struct llm_err *e);

/* @consmax: enum llm_softmax; the tables come from p->consmax (the
 * normalized mode builds its own with gamma = 1).  f32 KV cache. */
int llm_accel_init(struct llm_accel *a, struct accel_dev *dev,
		   const struct llm_packed *p, int consmax, struct llm_err *e);
/* The same with the KV cache in binary16 when @kv_f16. */
int llm_accel_init_kv(struct llm_accel *a, struct accel_dev *dev,
		      const struct llm_packed *p, int consmax, int kv_f16,
		      struct llm_err *e);
void llm_accel_free(struct llm_accel *a);

/* Where one token's graph reads and writes: an activation area (the
 * layout of llm_accel_act_bytes() at @act_base in @act), a KV cache
 * (llm_accel_kv_bytes() in @kv), and in the host buffer @host at
 * @host_off the logits (vocab_size f32) followed by the argmax (8 bytes). */
struct llm_token_io {
	struct accel_bo *act;
	uint64_t act_base;
	struct accel_bo *kv;
	struct accel_bo *host;
	uint64_t host_off;
};

/* Bytes of one activation area and of one sequence's KV cache (@kv_flags:
 * 0 or CSA_CMD_F_KV_F16, as struct llm_accel's kv_flags). */
uint64_t llm_accel_act_bytes(const struct llm_config *c);
uint64_t llm_accel_kv_bytes(const struct llm_config *c, uint32_t kv_flags);

/* ATTENTION flags of this decoder: its KV format and softmax mode (the
 * ConSmax bit itself comes with the table reference). */
uint32_t llm_accel_attention_flags(const struct llm_accel *a);

/* Appends the commands of one token (every layer) at @pos to @cl; with
 * @want_logits the logits go to the host buffer, else only the argmax. */
int llm_accel_append_token(struct llm_accel *a, struct accel_cmdlist *cl,
			   const struct llm_token_io *io, int token, int pos,
			   int want_logits);

/* Runs @token at @pos.  With @logits non-NULL they are read back into it;
 * otherwise the device-side argmax goes to *next. */
int llm_accel_forward(struct llm_accel *a, int token, int pos, float *logits,
		      int *next, struct llm_err *e);

#endif /* LLM_ACCEL_H */
