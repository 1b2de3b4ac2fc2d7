// SPDX-License-Identifier: MIT
/*
 * test_batch.c - batched decoding (llm_batch, llm_gen) on the sim backend:
 * every request of a batch gets exactly the tokens and text it gets when
 * decoded alone by the single-sequence decoder (llm_accel_forward), with
 * requests joining and leaving the batch between steps, with command lists
 * split at the device's per-list limit, and with seeded sampling; bad steps
 * are refused without moving any sequence.
 */
#include <CUnit/Basic.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch_projection.h"
#include "llm_accel.h"
#include "llm_batch.h"
#include "llm_gen.h"
#include "llm_packed.h"
#include "llm_sample.h"
#include "llm_tokenizer.h"
#include "tests/common/cunit_run.h"

#ifndef LLM_MODELS_DIR
#define LLM_MODELS_DIR ""
#endif

#define MAX_TOK 64
#define N_REQ 5

static const char *const prompts[N_REQ] = {
	"Once upon a time", "Tom had a dog", "", "The sun was hot and the", "Lily",
};
static const int max_new[N_REQ] = { 40, 25, 33, 12, 48 };

static char model_path[4096], tok_path[4096];

static int suite_init(void)
{
	const char *env = getenv("ACCEL_MODELS");
	const char *dir = env && *env ? env : LLM_MODELS_DIR;

	snprintf(model_path, sizeof(model_path), "%s/stories260K.bin", dir);
	snprintf(tok_path, sizeof(tok_path), "%s/tok512.bin", dir);
	return 0;
}

struct fixture {
	struct llm_model m;
	struct llm_packed p;
	struct llm_tokenizer t;
	struct accel_dev *dev;
	struct llm_accel a;
};

static void open_stories(struct fixture *f)
{
	struct llm_err e = { "" };

	if (access(model_path, R_OK) || access(tok_path, R_OK))
		fprintf(stderr, "\n  models missing at %s: set MODELS=... or ACCEL_MODELS\n", model_path);
	CU_ASSERT_EQUAL_FATAL(llm_model_load(&f->m, model_path, &e), 0);
	CU_ASSERT_EQUAL_FATAL(llm_packed_from_model(&f->p, &f->m, NULL, &e), 0);
	CU_ASSERT_EQUAL_FATAL(llm_tokenizer_load(&f->t, tok_path, 512, &e), 0);
	CU_ASSERT_EQUAL_FATAL(accel_open("sim", &f->dev), 0);
	CU_ASSERT_EQUAL_FATAL(llm_accel_init(&f->a, f->dev, &f->p, 0, &e), 0);
}

static void close_fixture(struct fixture *f)
{
	llm_accel_free(&f->a);
	accel_close(f->dev);
	llm_tokenizer_free(&f->t);
	llm_packed_free(&f->p);
}

/* A random model with BCQ weights, a BCQ classifier and ConSmax
 * calibrated against its fp32 twin, on the sim (no tokenizer). */
static void open_bcq_consmax_random(struct fixture *f)
{
	struct llm_config c = { 64, 100, 2, 4, 2, 96, 32, 0 };
	struct llm_quant_opts q = { .bcq = { 3, 32, 1, 8 }, .classifier_bcq = 1 };
	struct llm_err e = { "" };
	struct llm_model fp32;

	memset(f, 0, sizeof(*f));
	CU_ASSERT_EQUAL_FATAL(llm_model_random(&f->m, &c, 21, &e), 0);
	CU_ASSERT_EQUAL_FATAL(llm_model_random(&fp32, &c, 21, &e), 0);
	CU_ASSERT_EQUAL_FATAL(llm_packed_from_model(&f->p, &f->m, &q, &e), 0);
	CU_ASSERT_EQUAL_FATAL(llm_packed_calibrate(&f->p, &fp32, LLM_CONSMAX_LSE_MAX, 2, 32, 3, &e), 0);
	llm_model_free(&fp32);
	CU_ASSERT_EQUAL_FATAL(accel_open("sim", &f->dev), 0);
	CU_ASSERT_EQUAL_FATAL(llm_accel_init(&f->a, f->dev, &f->p, 1, &e), 0);
}

/* The single-sequence decoder's greedy tokens (generated only), as
 * accel-llm runs it: prompt forced, stop at BOS/EOS or the budget. */
static int decode_alone(struct fixture *f, const char *prompt, int budget,
			int *out)
{
	struct llm_err e = { "" };
	int ids[256], n = llm_tokenizer_encode(&f->t, prompt, 1, 0, ids);
	int tok = ids[0], got = 0, total = n - 1 + budget;

	for (int pos = 0; pos < total; pos++) {
		int next = -1;

		CU_ASSERT_EQUAL_FATAL(llm_accel_forward(&f->a, tok, pos, NULL, &next, &e), 0);
		if (pos < n - 1) {
			tok = ids[pos + 1];
			continue;
		}
		out[got++] = next;
		if (next == LLM_TOKEN_BOS || next == LLM_TOKEN_EOS)
			break;
		tok = next;
	}
	return got;
}

struct outcome {
	int tokens[MAX_TOK], n;
	char text[4096];
	size_t len;
	enum llm_gen_state state;
};

/* Decodes all requests with at most @max_batch together; a finished
 * request's place is taken by the next one between steps.  With
 * @list_limit the device list limit is lowered to force several lists. */
static void decode_batched(struct fixture *f, int n_req, int max_batch,
			   uint32_t list_limit, float temperature,
			   enum llm_schedule schedule, struct outcome *out)
{
	struct llm_batch b;
	struct llm_gen g[N_REQ];
	int owner[N_REQ], next_req = 0, live = 0;
	struct llm_err e = { "" };

	memset(out, 0, sizeof(*out) * n_req);
	CU_ASSERT_EQUAL_FATAL(llm_batch_init(&b, &f->a, max_batch, &e), 0);
	CU_ASSERT_TRUE(b.dep_queues);	/* the sim's card has two queues */
	b.schedule = schedule;
	if (list_limit) {
		CU_ASSERT_FATAL(list_limit >= b.token_cmds);
		b.list_limit = list_limit;
	}
	for (int s = 0; s < max_batch; s++)
		owner[s] = -1;
	for (;;) {
		struct llm_gen *run[N_REQ];
		int n = 0;

		for (int s = 0; s < max_batch; s++)
			if (owner[s] < 0 && next_req < n_req) {
				CU_ASSERT_EQUAL_FATAL(llm_gen_start(&g[s], &b, &f->t,
					prompts[next_req], max_new[next_req], temperature,
					0.9f, 100 + next_req, &e), 0);
				owner[s] = next_req++;
				live++;
			}
		if (!live)
			break;
		for (int s = 0; s < max_batch; s++)
			if (owner[s] >= 0)
				run[n++] = &g[s];
		CU_ASSERT_EQUAL_FATAL(llm_gen_step(&b, run, n, &e), 0);
		for (int s = 0; s < max_batch; s++) {
			struct outcome *o;
			size_t len;
			const char *piece;

			if (owner[s] < 0)
				continue;
			o = &out[owner[s]];
			piece = llm_gen_piece(&g[s], &f->t, &len);
			CU_ASSERT_FATAL(o->len + len < sizeof(o->text));
			memcpy(o->text + o->len, piece, len);
			o->len += len;
			if (g[s].seq.pos > g[s].n_prompt - 1) {
				CU_ASSERT_FATAL(o->n < MAX_TOK);
				o->tokens[o->n++] = g[s].has_piece ? g[s].piece_token : -1;
			}
			if (g[s].state != LLM_GEN_RUNNING) {
				o->state = g[s].state;
				if (g[s].state == LLM_GEN_STOP)
					o->tokens[o->n - 1] = LLM_TOKEN_EOS;
				llm_gen_free(&g[s]);
				owner[s] = -1;
				live--;
			}
		}
	}
	if (list_limit) {
		CU_ASSERT_TRUE(b.submits > b.steps);
	} else {
		CU_ASSERT_EQUAL(b.submits, b.steps);
	}
	if (schedule == LLM_SCHEDULE_IN_ORDER)
		CU_ASSERT_EQUAL(b.interleaved_steps, 0);
	/* every step of two requests or more as two sub-batches; split
	 * lists cut the dependencies that reach into an earlier list */
	if (schedule == LLM_SCHEDULE_INTERLEAVED && max_batch >= 2)
		CU_ASSERT_TRUE(b.interleaved_steps > 0);
	if (schedule == LLM_SCHEDULE_INTERLEAVED && list_limit)
		CU_ASSERT_TRUE(b.deps_cut > 0);
	llm_batch_free(&b);
}

/* Text accel-llm prints for one request alone (prompt and generated). */
static size_t text_alone(struct fixture *f, const char *prompt, const int *gen,
			 int n_gen, char *buf, size_t cap)
{
	int ids[256], n = llm_tokenizer_encode(&f->t, prompt, 1, 0, ids);
	size_t len = 0;
	int prev = ids[0];

	for (int i = 1; i < n + n_gen; i++) {
		int tok = i < n ? ids[i] : gen[i - n];
		size_t l;
		const char *s;

		if (i >= n && (tok == LLM_TOKEN_BOS || tok == LLM_TOKEN_EOS))
			break;
		s = llm_tokenizer_decode(&f->t, prev, tok, &l);
		if (!(l == 1 && !(s[0] >= 0x20 && s[0] < 0x7f) && s[0] != '\n' &&
		      s[0] != '\t' && s[0] != '\r' && !((unsigned char)s[0] & 0x80))) {
			CU_ASSERT_FATAL(len + l < cap);
			memcpy(buf + len, s, l);
			len += l;
		}
		prev = tok;
	}
	return len;
}

static void check_greedy(int max_batch, uint32_t list_limit, enum llm_schedule schedule)
{
	struct fixture f;
	struct outcome got[N_REQ];

	open_stories(&f);
	decode_batched(&f, N_REQ, max_batch, list_limit, 0.0f, schedule, got);
	for (int r = 0; r < N_REQ; r++) {
		int want[MAX_TOK], n = decode_alone(&f, prompts[r], max_new[r], want);
		char text[4096];
		size_t len = text_alone(&f, prompts[r], want, n, text, sizeof(text));

		CU_ASSERT_EQUAL(got[r].n, n);
		CU_ASSERT_EQUAL(memcmp(got[r].tokens, want, sizeof(int) * (n < got[r].n ? n : got[r].n)), 0);
		CU_ASSERT_EQUAL(got[r].len, len);
		CU_ASSERT_EQUAL(memcmp(got[r].text, text, len < got[r].len ? len : got[r].len), 0);
		CU_ASSERT_EQUAL(got[r].state, want[n - 1] == LLM_TOKEN_EOS ? LLM_GEN_STOP : LLM_GEN_LENGTH);
	}
	close_fixture(&f);
}

static void test_greedy_all_together(void)
{
	check_greedy(N_REQ, 0, LLM_SCHEDULE_IN_ORDER);
	check_greedy(N_REQ, 0, LLM_SCHEDULE_INTERLEAVED);
	check_greedy(N_REQ, 0, LLM_SCHEDULE_AUTO);
}

static void test_greedy_join_and_leave(void)
{
	check_greedy(2, 0, LLM_SCHEDULE_IN_ORDER);
	check_greedy(2, 0, LLM_SCHEDULE_INTERLEAVED);
	check_greedy(3, 0, LLM_SCHEDULE_INTERLEAVED);
}

static void test_greedy_split_lists(void)
{
	struct fixture f;
	struct llm_batch b;
	struct llm_err e = { "" };
	uint32_t per_token;

	open_stories(&f);
	CU_ASSERT_EQUAL_FATAL(llm_batch_init(&b, &f.a, 1, &e), 0);
	per_token = b.token_cmds;
	CU_ASSERT_TRUE(per_token > 10);
	llm_batch_free(&b);
	close_fixture(&f);
	/* lists of one token's graph, and of one command more: a step of
	 * three sequences needs several either way, split at other places */
	check_greedy(3, per_token, LLM_SCHEDULE_IN_ORDER);
	check_greedy(3, per_token + 1, LLM_SCHEDULE_IN_ORDER);
	/* two sub-batches: a dependency never reaches before its list's
	 * first command (the device would refuse the list) */
	check_greedy(3, per_token, LLM_SCHEDULE_INTERLEAVED);
	check_greedy(4, per_token + 7, LLM_SCHEDULE_INTERLEAVED);
}

/* Sampling: request r in a batch draws the same tokens as alone (a batch
 * of one), since its sampler and logits are its own. */
static void test_sampling_same_as_alone(void)
{
	struct fixture f;
	struct outcome together[N_REQ], alone;

	open_stories(&f);
	for (int order = 0; order < 2; order++) {
		decode_batched(&f, N_REQ, N_REQ, 0, 0.8f,
			       order ? LLM_SCHEDULE_INTERLEAVED : LLM_SCHEDULE_IN_ORDER, together);
		for (int r = 0; r < N_REQ; r++) {
			struct llm_batch b;
			struct llm_gen g, *run = &g;
			struct llm_err e = { "" };

			memset(&alone, 0, sizeof(alone));
			CU_ASSERT_EQUAL_FATAL(llm_batch_init(&b, &f.a, 1, &e), 0);
			CU_ASSERT_EQUAL_FATAL(llm_gen_start(&g, &b, &f.t, prompts[r], max_new[r],
							    0.8f, 0.9f, 100 + r, &e), 0);
			while (g.state == LLM_GEN_RUNNING) {
				size_t len;
				const char *piece;

				CU_ASSERT_EQUAL_FATAL(llm_gen_step(&b, &run, 1, &e), 0);
				piece = llm_gen_piece(&g, &f.t, &len);
				memcpy(alone.text + alone.len, piece, len);
				alone.len += len;
			}
			CU_ASSERT_EQUAL(alone.len, together[r].len);
			CU_ASSERT_EQUAL(memcmp(alone.text, together[r].text, alone.len), 0);
			llm_gen_free(&g);
			llm_batch_free(&b);
		}
	}
	close_fixture(&f);
}

/* A random model with BCQ weights, a BCQ classifier and ConSmax: the
 * batch's greedy tokens equal the single decoder's, token for token. */
static void test_bcq_consmax_random_model(void)
{
	struct fixture f;
	struct llm_err e = { "" };
	struct llm_batch b;
	struct llm_seq seq[3], *run[3] = { &seq[0], &seq[1], &seq[2] };
	int tok[3] = { 1, 5, 77 }, want[3][20], next[3];
	struct csa_cycle_params defaults = { 0 };
	struct bp_model bm;

	open_bcq_consmax_random(&f);
	for (int r = 0; r < 3; r++) {
		int t = tok[r];

		for (int pos = 0; pos < 20; pos++) {
			CU_ASSERT_EQUAL_FATAL(llm_accel_forward(&f.a, t, pos, NULL, &want[r][pos], &e), 0);
			t = want[r][pos];
		}
	}
	CU_ASSERT_EQUAL_FATAL(llm_batch_init(&b, &f.a, 3, &e), 0);
	for (int r = 0; r < 3; r++)
		CU_ASSERT_EQUAL_FATAL(llm_seq_init(&b, &seq[r], &e), 0);
	/* the pool holds 3 caches: a fourth sequence gets none */
	{
		struct llm_seq more;

		CU_ASSERT_EQUAL(llm_seq_init(&b, &more, &e), -ENOSPC);
		CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "KV cache"));
	}
	bp_model_from_packed(&bm, &f.p, 1);
	/* as on a card without two engine queues: in order (priced as
	 * npu_only) whatever the schedule asks */
	b.dep_queues = 0;
	b.schedule = LLM_SCHEDULE_INTERLEAVED;
	CU_ASSERT_TRUE(b.batched_matvec);	/* the sim's card has them */
	CU_ASSERT_TRUE(b.batched_kv);
	for (int pos = 0; pos < 20; pos++) {
		struct bp_result pr;

		/* every other step as on a card without MATVEC_BCQ_BATCH and
		 * KV_APPEND/ATTENTION_BATCH: the same tokens, at the price of
		 * separate lists' commands; on every third step only the
		 * attention is per request */
		b.batched_matvec = pos & 1 || pos % 3 == 0;
		b.batched_f32 = b.batched_matvec;
		b.batched_kv = pos & 1;
		CU_ASSERT_EQUAL_FATAL(llm_batch_step(&b, run, tok, 3, NULL, next, &e), 0);
		CU_ASSERT_FALSE(b.last_interleaved);
		/* one MATVEC_BCQ_BATCH per matrix: the projection's one-queue
		 * price of the step, cycle for cycle, and below 3 tokens' */
		CU_ASSERT_EQUAL(bp_step(&defaults, &bm, 3, pos, &pr), 0);
		if (b.batched_kv) {
			CU_ASSERT_EQUAL((double)b.last_cycles, pr.npu_only);
			CU_ASSERT_TRUE((double)b.last_cycles < pr.sequential);
		} else if (!b.batched_matvec) {
			CU_ASSERT_EQUAL((double)b.last_cycles, pr.sequential);
		}
		for (int r = 0; r < 3; r++) {
			CU_ASSERT_EQUAL(next[r], want[r][pos]);
			CU_ASSERT_EQUAL(seq[r].pos, pos + 1);
			tok[r] = next[r];
		}
	}
	CU_ASSERT_TRUE(b.last_cycles > 0);
	/* refused steps move nothing: a sequence twice, a full context,
	 * too many sequences, a bad token, a sequence of no batch */
	{
		struct llm_seq *twice[2] = { &seq[0], &seq[0] }, stray = { 0 };
		struct llm_seq *strays[3] = { &seq[0], &stray, &seq[2] };
		int t2[3] = { 1, 1, 1 };

		CU_ASSERT_EQUAL(llm_batch_step(&b, strays, t2, 3, NULL, next, &e), -EINVAL);
		CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "no KV cache"));
		CU_ASSERT_EQUAL(llm_batch_step(&b, twice, t2, 2, NULL, next, &e), -EINVAL);
		CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "twice"));
		seq[1].pos = f.p.base.cfg.seq_len;
		CU_ASSERT_EQUAL(llm_batch_step(&b, run, t2, 3, NULL, next, &e), -EINVAL);
		seq[1].pos = 20;
		CU_ASSERT_EQUAL(llm_batch_step(&b, run, t2, 4, NULL, next, &e), -EINVAL);
		t2[2] = f.p.base.cfg.vocab_size;
		CU_ASSERT_EQUAL(llm_batch_step(&b, run, t2, 3, NULL, next, &e), -EINVAL);
		for (int r = 0; r < 3; r++)
			CU_ASSERT_EQUAL(seq[r].pos, 20);
	}
	for (int r = 0; r < 3; r++)
		llm_seq_free(&seq[r]);
	llm_batch_free(&b);
	close_fixture(&f);
}

/* @batch requests (start tokens 1, 5, 9, ...) decoded together for @steps
 * steps with @schedule: each request's greedy tokens are the single
 * decoder's, and the sim's cycles of every step are, cycle for cycle, the
 * projection's figure of the order the step ran in (npu_only or
 * interleaved, bp_step()); auto runs the one the projection prices lower.
 * The measured cycles of step pos go to cycles[pos], the projection's
 * figures to proj[pos]. */
static void check_priced_steps(struct llm_accel *a, const struct llm_packed *p, int consmax,
			       int batch, int steps, enum llm_schedule schedule,
			       uint64_t *cycles, struct bp_result *proj)
{
	struct llm_batch b;
	struct llm_seq seq[8], *run[8];
	struct csa_cycle_params defaults = { 0 };
	struct llm_err e = { "" };
	struct bp_model bm;
	int tok[8], want[8][40], next[8];

	CU_ASSERT_FATAL(batch <= 8 && steps <= 40);
	for (int r = 0; r < batch; r++) {
		int t = tok[r] = 1 + 4 * r;

		for (int pos = 0; pos < steps; pos++) {
			CU_ASSERT_EQUAL_FATAL(llm_accel_forward(a, t, pos, NULL, &want[r][pos], &e), 0);
			t = want[r][pos];
		}
	}
	CU_ASSERT_EQUAL_FATAL(llm_batch_init(&b, a, batch, &e), 0);
	CU_ASSERT_TRUE(b.batched_f32 && b.batched_kv && b.dep_queues);
	b.schedule = schedule;
	for (int r = 0; r < batch; r++) {
		CU_ASSERT_EQUAL_FATAL(llm_seq_init(&b, &seq[r], &e), 0);
		run[r] = &seq[r];
	}
	bp_model_from_packed(&bm, p, consmax);
	for (int pos = 0; pos < steps; pos++) {
		struct bp_result *pr = &proj[pos];
		double want_cycles;

		CU_ASSERT_EQUAL_FATAL(llm_batch_step(&b, run, tok, batch, NULL, next, &e), 0);
		CU_ASSERT_EQUAL(bp_step(&defaults, &bm, batch, pos, pr), 0);
		if (schedule == LLM_SCHEDULE_AUTO) {
			CU_ASSERT_EQUAL(b.last_interleaved, pr->interleaved < pr->npu_only);
		} else {
			CU_ASSERT_EQUAL(b.last_interleaved, schedule == LLM_SCHEDULE_INTERLEAVED);
		}
		want_cycles = b.last_interleaved ? pr->interleaved : pr->npu_only;
		CU_ASSERT_EQUAL((double)b.last_cycles, want_cycles);
		if ((double)b.last_cycles != want_cycles)
			fprintf(stderr, "\n  pos %d %s: sim %llu cycles, projection %.0f\n", pos,
				b.last_interleaved ? "interleaved" : "in order",
				(unsigned long long)b.last_cycles, want_cycles);
		cycles[pos] = b.last_cycles;
		for (int r = 0; r < batch; r++) {
			CU_ASSERT_EQUAL(next[r], want[r][pos]);
			tok[r] = next[r];
		}
	}
	for (int r = 0; r < batch; r++)
		llm_seq_free(&seq[r]);
	llm_batch_free(&b);
}

/* Both orders of the same steps: measured as priced, the interleaved one
 * lower wherever the projection says so, and auto takes the lower of the
 * two.  @expect_wins: whether interleaving wins on some step (1), or on
 * none (0: two sub-batches of one read every matrix twice). */
static void check_both_orders(struct llm_accel *a, const struct llm_packed *p, int consmax,
			      int batch, int steps, int expect_wins)
{
	uint64_t in_order[40], inter[40], best[40];
	struct bp_result pr[40];
	int wins = 0;

	check_priced_steps(a, p, consmax, batch, steps, LLM_SCHEDULE_IN_ORDER, in_order, pr);
	check_priced_steps(a, p, consmax, batch, steps, LLM_SCHEDULE_INTERLEAVED, inter, pr);
	check_priced_steps(a, p, consmax, batch, steps, LLM_SCHEDULE_AUTO, best, pr);
	for (int pos = 0; pos < steps; pos++) {
		CU_ASSERT_TRUE(pr[pos].npu_only < pr[pos].sequential);
		if (pr[pos].interleaved < pr[pos].npu_only) {
			wins++;
			CU_ASSERT_TRUE(inter[pos] < in_order[pos]);
		}
		CU_ASSERT_EQUAL(best[pos], inter[pos] < in_order[pos] ? inter[pos] : in_order[pos]);
	}
	CU_ASSERT_EQUAL(wins > 0, expect_wins);
}

/* f32 weights and classifier (MATVEC_F32_BATCH, ATTENTION_BATCH): batch
 * steps in either order give the single decoder's tokens and cost what
 * the projection prices. */
static void test_f32_model_step_priced(void)
{
	struct fixture f;

	open_stories(&f);
	check_both_orders(&f.a, &f.p, 0, 3, 12, 1);
	check_both_orders(&f.a, &f.p, 0, 4, 12, 1);
	close_fixture(&f);
}

/* The same on a random model with BCQ weights, a BCQ classifier and
 * ConSmax. */
static void test_bcq_consmax_both_orders(void)
{
	struct fixture f;

	open_bcq_consmax_random(&f);
	check_both_orders(&f.a, &f.p, 1, 2, 20, 0);
	check_both_orders(&f.a, &f.p, 1, 5, 20, 1);
	close_fixture(&f);
}

/* A cache whose size is no multiple of 4 KiB (head_dim 12: 6144 bytes a
 * layer): the pool's caches lie where the device puts them, so steps
 * through the batched commands and steps through the single commands on
 * the same caches, in turn, give the single decoder's logits bit for bit. */
static void test_pool_layout_odd_cache(void)
{
	struct llm_config c = { 48, 64, 2, 4, 2, 96, 32, 1 };
	struct llm_model m;
	struct llm_packed p;
	struct llm_err e = { "" };
	struct accel_dev *dev;
	struct llm_accel a;
	struct llm_batch b;
	struct llm_seq seq[3], *run[3] = { &seq[0], &seq[1], &seq[2] };
	int tok[3] = { 1, 7, 50 }, want[3][24], next[3];
	static float want_logits[3][24][96], got[3][96];
	float *logits[3] = { got[0], got[1], got[2] };

	CU_ASSERT_EQUAL_FATAL(llm_model_random(&m, &c, 5, &e), 0);
	CU_ASSERT_EQUAL_FATAL(llm_packed_from_model(&p, &m, NULL, &e), 0);
	CU_ASSERT_EQUAL_FATAL(accel_open("sim", &dev), 0);
	CU_ASSERT_EQUAL_FATAL(llm_accel_init(&a, dev, &p, 0, &e), 0);
	CU_ASSERT_EQUAL(csa_kv_bytes(2, 12, 32) % 4096, 2048);
	for (int r = 0; r < 3; r++) {
		int t = tok[r];

		for (int pos = 0; pos < 24; pos++) {
			CU_ASSERT_EQUAL_FATAL(llm_accel_forward(&a, t, pos, want_logits[r][pos],
							       NULL, &e), 0);
			/* with logits the decoder leaves the pick to us */
			want[r][pos] = 0;
			for (int v = 1; v < 96; v++)
				if (want_logits[r][pos][v] > want_logits[r][pos][want[r][pos]])
					want[r][pos] = v;
			t = want[r][pos];
		}
	}
	CU_ASSERT_EQUAL_FATAL(llm_batch_init(&b, &a, 3, &e), 0);
	/* the last place first: slot 2 is the one a wrong stride misses */
	for (int r = 2; r >= 0; r--)
		CU_ASSERT_EQUAL_FATAL(llm_seq_init(&b, &seq[r], &e), 0);
	for (int pos = 0; pos < 24; pos++) {
		b.batched_kv = pos % 3 != 1;
		CU_ASSERT_EQUAL_FATAL(llm_batch_step(&b, run, tok, 3, logits, next, &e), 0);
		for (int r = 0; r < 3; r++) {
			CU_ASSERT_EQUAL(memcmp(got[r], want_logits[r][pos], sizeof(got[r])), 0);
			tok[r] = want[r][pos];
		}
	}
	for (int r = 0; r < 3; r++)
		llm_seq_free(&seq[r]);
	llm_batch_free(&b);
	llm_accel_free(&a);
	accel_close(dev);
	llm_packed_free(&p);
}

/* A prompt that fills the context is refused at start with a reason; a
 * request beyond the batch's caches gets none. */
static void test_prompt_too_long(void)
{
	struct fixture f;
	struct llm_batch b;
	struct llm_gen g, g2;
	struct llm_err e = { "" };
	char *text = malloc(4000);

	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	open_stories(&f);
	CU_ASSERT_EQUAL_FATAL(llm_batch_init(&b, &f.a, 1, &e), 0);
	for (int i = 0; i < 3999; i++)
		text[i] = "ab c"[i % 4];
	text[3999] = 0;
	CU_ASSERT_EQUAL(llm_gen_start(&g, &b, &f.t, text, 10, 0, 0, 1, &e), -E2BIG);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "context"));
	CU_ASSERT_EQUAL_FATAL(llm_gen_start(&g, &b, &f.t, "Hi", 10, 0, 0, 1, &e), 0);
	CU_ASSERT_EQUAL(llm_gen_start(&g2, &b, &f.t, "Ho", 10, 0, 0, 1, &e), -ENOSPC);
	llm_gen_free(&g);
	CU_ASSERT_EQUAL(llm_gen_start(&g2, &b, &f.t, "Ho", 10, 0, 0, 1, &e), 0);
	llm_gen_free(&g2);
	llm_batch_free(&b);
	free(text);
	close_fixture(&f);
}

/* The projection's token list is the decoder's: at batch 1 its price is
 * the sim's modelled cycles, token for token, at every position; and
 * batching only ever lowers the projected cost of a step. */
static void check_projection(struct llm_packed *p, int consmax, int tokens)
{
	struct csa_cycle_params defaults = { 0 };
	struct accel_dev *dev;
	struct llm_accel a;
	struct bp_model m;
	struct llm_err e = { "" };
	int tok = 1;

	bp_model_from_packed(&m, p, consmax);
	CU_ASSERT_EQUAL_FATAL(accel_open("sim", &dev), 0);
	CU_ASSERT_EQUAL_FATAL(llm_accel_init(&a, dev, p, consmax, &e), 0);
	for (int pos = 0; pos < tokens; pos++) {
		int next;

		CU_ASSERT_EQUAL_FATAL(llm_accel_forward(&a, tok, pos, NULL, &next, &e), 0);
		CU_ASSERT_EQUAL(a.last_cycles, bp_token_cycles(&defaults, &m, pos));
		if (a.last_cycles != bp_token_cycles(&defaults, &m, pos))
			fprintf(stderr, "\n  pos %d: sim %llu cycles, projection %llu\n", pos,
				(unsigned long long)a.last_cycles,
				(unsigned long long)bp_token_cycles(&defaults, &m, pos));
		tok = next;
	}
	for (int b = 1; b <= 64; b *= 4) {
		struct bp_result r;

		CU_ASSERT_EQUAL(bp_step(&defaults, &m, b, tokens - 1, &r), 0);
		CU_ASSERT_EQUAL(r.sequential, (double)b * bp_token_cycles(&defaults, &m, tokens - 1));
		CU_ASSERT_TRUE(r.npu_only <= r.sequential);
		CU_ASSERT_TRUE(r.interleaved > 0);
		if (b == 1)	/* nothing to interleave */
			CU_ASSERT_EQUAL(r.interleaved, r.npu_only);
		/* one request alone takes the single attention commands; from
		 * two on the batched ones save issues (and ConSmax table
		 * reads) and cost one table DMA, never more than they save */
		CU_ASSERT_TRUE(r.attn_batched > 0);
		if (b == 1) {
			CU_ASSERT_EQUAL(r.attn_batched, r.attn_per_request);
		} else {
			CU_ASSERT_TRUE(r.attn_batched < r.attn_per_request);
		}
	}
	llm_accel_free(&a);
	accel_close(dev);
}

static void test_projection_matches_sim(void)
{
	struct llm_config c = { 64, 100, 2, 4, 2, 96, 32, 0 };
	struct llm_model m, fp32;
	struct llm_packed p;
	struct llm_quant_opts q = { .bcq = { 3, 32, 1, 8 }, .classifier_bcq = 1 };
	struct llm_err e = { "" };
	struct fixture f;

	open_stories(&f);
	check_projection(&f.p, 0, 40);
	close_fixture(&f);
	CU_ASSERT_EQUAL_FATAL(llm_model_random(&m, &c, 21, &e), 0);
	CU_ASSERT_EQUAL_FATAL(llm_model_random(&fp32, &c, 21, &e), 0);
	CU_ASSERT_EQUAL_FATAL(llm_packed_from_model(&p, &m, &q, &e), 0);
	CU_ASSERT_EQUAL_FATAL(llm_packed_calibrate(&p, &fp32, LLM_CONSMAX_LSE_MAX, 2, 32, 3, &e), 0);
	check_projection(&p, 1, 32);
	check_projection(&p, 0, 32);
	llm_packed_free(&p);
	llm_model_free(&fp32);
}

int main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("batch", suite_init, NULL);
	if (!s ||
	    !CU_add_test(s, "greedy: 5 requests together = alone", test_greedy_all_together) ||
	    !CU_add_test(s, "greedy: batch of 2, requests join and leave", test_greedy_join_and_leave) ||
	    !CU_add_test(s, "greedy: lists split at the device limit", test_greedy_split_lists) ||
	    !CU_add_test(s, "sampling: same draws as alone", test_sampling_same_as_alone) ||
	    !CU_add_test(s, "BCQ + ConSmax random model, refused steps", test_bcq_consmax_random_model) ||
	    !CU_add_test(s, "f32 model: both orders priced as projected", test_f32_model_step_priced) ||
	    !CU_add_test(s, "BCQ + ConSmax: both orders priced as projected", test_bcq_consmax_both_orders) ||
	    !CU_add_test(s, "pool layout with a cache of no 4 KiB multiple", test_pool_layout_odd_cache) ||
	    !CU_add_test(s, "prompt longer than the context", test_prompt_too_long) ||
	    !CU_add_test(s, "batch projection at batch 1 = sim cycles", test_projection_matches_sim)) {
		CU_cleanup_registry();
		return 2;
	}
	return cunit_run_and_cleanup();
}
