// SPDX-License-Identifier: MIT
#include "llm_batch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "csa/csa_device.h"

int llm_seq_init(struct llm_accel *a, struct llm_seq *s, struct llm_err *e)
{
	int rc;

	memset(s, 0, sizeof(*s));
	rc = accel_bo_alloc(a->dev, llm_accel_kv_bytes(&a->p->base.cfg),
			    ACCEL_MEM_DEVICE, &s->kv);
	if (rc)
		return llm_fail(e, rc, "KV cache of a sequence (%.1f MiB): %s",
				llm_accel_kv_bytes(&a->p->base.cfg) / 1048576.0,
				accel_strerror(rc));
	return 0;
}

void llm_seq_free(struct llm_seq *s)
{
	accel_bo_free(s->kv);
	memset(s, 0, sizeof(*s));
}

/* Commands one token appends: measured once by building a token. */
static int measure_token(struct llm_batch *b, struct llm_err *e)
{
	const struct llm_token_io io = { b->act, 0, b->a->kv, b->host, 0 };
	int rc;

	accel_cmdlist_reset(b->cl);
	rc = llm_accel_append_token(b->a, b->cl, &io, 0, 0, 0);
	b->token_cmds = accel_cmdlist_count(b->cl);
	accel_cmdlist_reset(b->cl);
	if (rc)
		return llm_fail(e, rc, "building a token: %s", accel_strerror(rc));
	if (b->token_cmds > b->list_limit)
		return llm_fail(e, -E2BIG, "one token needs %u commands, the device takes %u per list",
				b->token_cmds, b->list_limit);
	return 0;
}

int llm_batch_init(struct llm_batch *b, struct llm_accel *a, int max_batch,
		   struct llm_err *e)
{
	const struct llm_config *c = &a->p->base.cfg;
	struct accel_info info;
	int rc;

	memset(b, 0, sizeof(*b));
	b->a = a;
	if (max_batch < 1 || max_batch > LLM_BATCH_MAX)
		return llm_fail(e, -EINVAL, "batch size %d outside 1..%d", max_batch,
				LLM_BATCH_MAX);
	b->max = max_batch;
	b->act_stride = llm_accel_act_bytes(c);
	b->host_stride = ((uint64_t)c->vocab_size * 4 + 8 + 63) & ~63ull;
	b->fences = calloc(max_batch, sizeof(*b->fences));
	if (!b->fences)
		return llm_fail(e, -ENOMEM, "out of memory");
	rc = accel_query_info(a->dev, &info);
	if (!rc)
		rc = accel_bo_alloc(a->dev, b->act_stride * max_batch, ACCEL_MEM_DEVICE,
				    &b->act);
	if (!rc)
		rc = accel_bo_alloc(a->dev, b->host_stride * max_batch, ACCEL_MEM_HOST,
				    &b->host);
	if (!rc)
		rc = accel_bo_map(b->host, &b->host_map);
	if (!rc)
		rc = accel_cmdlist_create(a->dev, &b->cl);
	if (rc) {
		llm_batch_free(b);
		return llm_fail(e, rc, "batch of %d: %s", max_batch, accel_strerror(rc));
	}
	b->list_limit = info.max_cmds && info.max_cmds < CSA_SUBMIT_MAX_CMDS ?
			info.max_cmds : CSA_SUBMIT_MAX_CMDS;
	rc = measure_token(b, e);
	if (rc)
		llm_batch_free(b);
	return rc;
}

void llm_batch_free(struct llm_batch *b)
{
	accel_cmdlist_destroy(b->cl);
	if (b->host_map)
		accel_bo_unmap(b->host);
	accel_bo_free(b->host);
	accel_bo_free(b->act);
	free(b->fences);
	memset(b, 0, sizeof(*b));
}

static int check_step(const struct llm_batch *b, struct llm_seq *const *seqs,
		      const int *tokens, int n, struct llm_err *e)
{
	const struct llm_config *c = &b->a->p->base.cfg;

	if (n < 1 || n > b->max)
		return llm_fail(e, -EINVAL, "step of %d sequences (batch holds %d)", n, b->max);
	for (int i = 0; i < n; i++) {
		if (!seqs[i] || !seqs[i]->kv)
			return llm_fail(e, -EINVAL, "sequence %d has no KV cache", i);
		if (tokens[i] < 0 || tokens[i] >= c->vocab_size || seqs[i]->pos < 0 ||
		    seqs[i]->pos >= c->seq_len)
			return llm_fail(e, -EINVAL, "sequence %d: token %d / position %d out of range",
					i, tokens[i], seqs[i]->pos);
		for (int j = 0; j < i; j++)
			if (seqs[j] == seqs[i])
				return llm_fail(e, -EINVAL, "sequence %d given twice", i);
	}
	return 0;
}

/* Submits the list built so far; its fence goes to fences[*nf]. */
static int flush_list(struct llm_batch *b, int *nf, struct llm_err *e)
{
	int rc;

	if (!accel_cmdlist_count(b->cl))
		return 0;
	rc = accel_submit(b->cl, &b->fences[*nf]);
	accel_cmdlist_reset(b->cl);
	if (rc)
		return llm_fail(e, rc, "submit: %s", accel_strerror(rc));
	(*nf)++;
	b->submits++;
	return 0;
}

/* Waits for every submitted list, even after a failure, so no list of this
 * step is still running when we return. */
static int wait_lists(struct llm_batch *b, int nf, uint64_t *cycles,
		      struct llm_err *e)
{
	int first = 0;

	*cycles = 0;
	for (int i = 0; i < nf; i++) {
		struct accel_status st;
		int rc = accel_wait(b->a->dev, b->fences[i], ACCEL_WAIT_FOREVER, &st);

		if (!rc && st.status != CSA_STATUS_OK)
			rc = -EIO;
		if (rc && !first)
			first = rc == -EIO ?
				llm_fail(e, rc, "device: command %u of list %d failed with %s",
					 st.failed_index, i, accel_status_name(st.status)) :
				llm_fail(e, rc, "wait: %s", accel_strerror(rc));
		if (!rc)
			*cycles += st.cycles;
	}
	return first;
}

int llm_batch_step(struct llm_batch *b, struct llm_seq *const *seqs,
		   const int *tokens, int n, float *const *logits, int *next,
		   struct llm_err *e)
{
	const struct llm_config *c = &b->a->p->base.cfg;
	uint64_t cycles;
	int nf = 0, rc;

	rc = check_step(b, seqs, tokens, n, e);
	if (rc)
		return rc;
	accel_cmdlist_reset(b->cl);
	for (int i = 0; i < n && !rc; i++) {
		const struct llm_token_io io = {
			b->act, b->act_stride * i, seqs[i]->kv, b->host, b->host_stride * i,
		};
		int want = logits && logits[i];

		if (accel_cmdlist_count(b->cl) + b->token_cmds > b->list_limit)
			rc = flush_list(b, &nf, e);
		if (!rc) {
			rc = llm_accel_append_token(b->a, b->cl, &io, tokens[i], seqs[i]->pos, want);
			if (rc)
				rc = llm_fail(e, rc, "building the command list: %s",
					      accel_strerror(rc));
		}
	}
	if (!rc)
		rc = flush_list(b, &nf, e);
	{
		struct llm_err later;	/* keeps the first failure's message */
		int wrc = wait_lists(b, nf, &cycles, rc ? &later : e);

		if (!rc)
			rc = wrc;
	}
	if (rc)
		return rc;
	b->last_cycles = cycles;
	b->total_cycles += cycles;
	b->steps++;
	for (int i = 0; i < n; i++) {
		const uint8_t *slot = (const uint8_t *)b->host_map + b->host_stride * i;

		if (logits && logits[i]) {
			memcpy(logits[i], slot, (size_t)c->vocab_size * 4);
		} else {
			uint32_t idx;

			memcpy(&idx, slot + (size_t)c->vocab_size * 4, 4);
			if (idx >= (uint32_t)c->vocab_size)
				return llm_fail(e, -EIO, "device argmax %u out of range", idx);
			next[i] = (int)idx;
		}
	}
	for (int i = 0; i < n; i++)
		seqs[i]->pos++;
	return 0;
}
