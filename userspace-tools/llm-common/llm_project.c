// SPDX-License-Identifier: MIT
/*
 * llm_project.c - a token's command list priced by the cycle model.  The
 * list is the one llm_accel.c's build_token() submits, command for
 * command; tests/llm checks the two agree with a sim run's cycles.
 */
#include <errno.h>
#include <string.h>

#include "drm/csa_accel.h"
#include "hw/cycle_model.h"
#include "llm_packed.h"
#include "llm_project.h"
#include "llm_consmax.h"

struct pricer {
	const struct csa_cycle_params *p;
	struct llm_token_cost *out;
};

static void charge(struct pricer *pr, const struct csa_cmd_cost *c)
{
	struct llm_token_cost *t = pr->out;

	t->cycles += c->cycles;
	for (int e = 0; e < 5; e++)
		t->busy[e] += c->busy[e];
	t->compute += c->compute;
	t->memory += c->memory;
	t->mem_bytes += c->mem_bytes;
	t->ops += c->ops;
	t->commands++;
	t->memory_bound += c->memory > c->compute;
}

/* One engine command: opcode, flags, args (the descriptor's). */
static uint64_t cmd(struct pricer *pr, uint8_t opcode, uint8_t flags,
		    uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3,
		    uint32_t a4)
{
	struct csa_desc d;
	struct csa_cmd_cost c;

	memset(&d, 0, sizeof(d));
	d.opcode = opcode;
	d.flags = flags;
	d.arg[0] = a0;
	d.arg[1] = a1;
	d.arg[2] = a2;
	d.arg[3] = a3;
	d.arg[4] = a4;
	csa_cycles_cmd(pr->p, &d, &c);
	charge(pr, &c);
	return c.mem_bytes;
}

static void dma(struct pricer *pr, uint64_t bytes)
{
	struct csa_cmd_cost c;

	memset(&c, 0, sizeof(c));
	c.cycles = csa_cycles_dma(pr->p, bytes);
	c.busy[CSA_ENGINE_DMA] = c.cycles;
	c.mem_bytes = bytes;
	c.memory = csa_cycles_for_bytes(pr->p, bytes, pr->p->dram_mbps);
	c.compute = c.cycles - CSA_CYCLES_ISSUE;	/* the PCIe link */
	charge(pr, &c);
}

static void matvec(struct pricer *pr, const struct llm_config *c,
		   const struct llm_project_opts *o, int which, int bcq)
{
	uint32_t rows, cols, g = o->group_of[which] ? o->group_of[which] :
						       o->group;
	uint64_t bytes;

	llm_matrix_shape(c, which, &rows, &cols);
	if (bcq)
		bytes = cmd(pr, CSA_OP_MATVEC_BCQ,
			    (o->pow2 ? CSA_CMD_F_POW2 : 0) |
			    (o->scale16 ? CSA_CMD_F_SCALE16 : 0),
			    cols, rows, (uint32_t)o->planes, g, 0);
	else
		bytes = cmd(pr, CSA_OP_MATVEC_F32, 0, cols, rows, 0, 0, 0);
	pr->out->weight_bytes += bytes - 4ull * (rows + cols);
}

int llm_project_token(const struct llm_config *c,
		      const struct llm_project_opts *o,
		      const struct csa_cycle_params *p, int pos,
		      struct llm_token_cost *out)
{
	uint32_t dim = c->dim, hid = c->hidden_dim, hs = llm_head_size(c);
	uint32_t seq = c->seq_len, nh = c->n_heads, nkv = c->n_kv_heads;
	/* the flags llm_accel.c gives KV_APPEND and ATTENTION */
	uint8_t kv_flags = o->kv_f16 ? CSA_CMD_F_KV_F16 : 0;
	uint8_t att_flags = kv_flags | (o->consmax ? CSA_CMD_F_CONSMAX : 0) |
			    (o->consmax == LLM_SOFTMAX_CONSMAX_NORM ?
			     CSA_CMD_F_CONSMAX_NORM : 0);
	int cls_own = o->classifier_bcq || !c->shared_classifier;
	struct pricer pr = { p, out };
	double hz = (double)p->clock_khz * 1e3;

	if (pos < 0 || pos >= c->seq_len || !p->clock_khz || !p->dram_mbps)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->pos = pos;
	cmd(&pr, CSA_OP_EMBED, 0, dim, (uint32_t)c->vocab_size, 0, 0, 0);
	for (int l = 0; l < c->n_layers; l++) {
		int q = o->planes != 0;

		cmd(&pr, CSA_OP_RMSNORM, 0, dim, 0, 0, 0, 0);
		matvec(&pr, c, o, LLM_WQ, q);
		matvec(&pr, c, o, LLM_WK, q);
		matvec(&pr, c, o, LLM_WV, q);
		cmd(&pr, CSA_OP_ROPE, 0, nh, hs, (uint32_t)pos, seq, 0);
		cmd(&pr, CSA_OP_ROPE, 0, nkv, hs, (uint32_t)pos, seq, 0);
		out->kv_bytes += cmd(&pr, CSA_OP_KV_APPEND, kv_flags, nkv, hs,
				     (uint32_t)pos, seq, 0) - 8ull * nkv * hs;
		out->kv_bytes += cmd(&pr, CSA_OP_ATTENTION, att_flags, nh, nkv,
				     hs, (uint32_t)pos + 1, seq) -
				 8ull * nh * hs -
				 (o->consmax ? (uint64_t)nh * CSA_CONSMAX_HEAD_BYTES : 0);
		matvec(&pr, c, o, LLM_WO, q);
		cmd(&pr, CSA_OP_ADD, 0, dim, 0, 0, 0, 0);
		cmd(&pr, CSA_OP_RMSNORM, 0, dim, 0, 0, 0, 0);
		matvec(&pr, c, o, LLM_W1, q);
		matvec(&pr, c, o, LLM_W3, q);
		cmd(&pr, CSA_OP_SILU_MUL, 0, hid, 0, 0, 0, 0);
		matvec(&pr, c, o, LLM_W2, q);
		cmd(&pr, CSA_OP_ADD, 0, dim, 0, 0, 0, 0);
	}
	cmd(&pr, CSA_OP_RMSNORM, 0, dim, 0, 0, 0, 0);
	matvec(&pr, c, o, LLM_CLASSIFIER,
	       cls_own && o->planes && o->classifier_bcq);
	if (o->want_logits) {
		dma(&pr, (uint64_t)c->vocab_size * 4);
	} else {
		cmd(&pr, CSA_OP_ARGMAX, 0, (uint32_t)c->vocab_size, 0, 0, 0, 0);
		dma(&pr, 8);
	}

	out->seconds = (double)out->cycles / hz;
	out->tokens_per_s = 1.0 / out->seconds;
	out->bound_tokens_per_s = (double)p->dram_mbps * 1e6 /
				  (double)out->mem_bytes;
	out->peak_bound_tokens_per_s = (double)p->mem_peak_mbps * 1e6 /
				       (double)out->mem_bytes;
	out->share = out->tokens_per_s / out->bound_tokens_per_s;
	return 0;
}

int llm_project_shape(const char *name, struct llm_config *c,
		      struct llm_err *e)
{
	/* untied classifiers, full multi-head attention (no GQA below 70B) */
	if (!strcmp(name, "LLaMA-2-7B")) {
		*c = (struct llm_config){ 4096, 11008, 32, 32, 32, 32000, 4096, 0 };
		return 0;
	}
	if (!strcmp(name, "LLaMA-2-13B")) {
		*c = (struct llm_config){ 5120, 13824, 40, 40, 40, 32000, 4096, 0 };
		return 0;
	}
	return llm_config_parse_shape(name, c, e);
}
