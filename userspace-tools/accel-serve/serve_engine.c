// SPDX-License-Identifier: MIT
/*
 * serve_engine.c - the engine thread: loads the model, then loops over
 * batch steps.  Between steps it retires finished, timed-out and abandoned
 * requests and admits queued ones into free batch places, so requests join
 * and leave the running batch at token boundaries (continuous batching).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "serve.h"

#define CALIB_LEN 256
#define CALIB_SEED 1u

size_t serve_utf8_safe(const char *buf, size_t len)
{
	size_t i = len;

	/* look back at most 3 bytes for the lead byte of the last character */
	for (int back = 0; back < 4 && i > 0; back++) {
		unsigned char c = (unsigned char)buf[i - 1];
		size_t need;

		if (c < 0x80)
			return len;
		if ((c & 0xc0) == 0x80) {	/* continuation: keep looking */
			i--;
			continue;
		}
		need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
		return len - (i - 1) >= need ? len : i - 1;
	}
	return len;	/* not UTF-8 we can complete: send it as it is */
}

void serve_req_put_locked(struct server *s, struct serve_req *r)
{
	(void)s;
	if (--r->refs > 0)
		return;
	serve_params_free(&r->p);
	pthread_cond_destroy(&r->cond);
	free(r->out);
	free(r->sse);
	free(r);
}

int serve_submit(struct server *s, struct serve_req *r, const char **why)
{
	int status = 0;

	pthread_mutex_lock(&s->lock);
	if (s->state == SERVE_LOADING) {
		status = 503;
		*why = "the model is loading";
	} else if (s->state == SERVE_DRAINING) {
		status = 503;
		*why = "the server is shutting down";
	} else if (s->state == SERVE_FAILED) {
		status = 503;
		*why = "the server has failed (see its log)";
	} else if (s->n_queued >= s->o.max_queue + (s->o.max_batch - s->n_running)) {
		/* free batch places take requests at the next step boundary:
		 * only those beyond them wait, and at most max_queue do */
		status = 429;
		*why = "too many queued requests, retry later";
	}
	if (status) {
		s->m.requests_rejected++;
		pthread_mutex_unlock(&s->lock);
		return status;
	}
	r->refs++;
	r->queued = 1;
	r->next = NULL;
	if (s->tail)
		s->tail->next = r;
	else
		s->head = r;
	s->tail = r;
	s->n_queued++;
	pthread_cond_signal(&s->work);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

/* Ends @r with @f (under the lock): the HTTP side sees it at once. */
static void finish_locked(struct server *s, struct serve_req *r,
			  enum serve_finish f)
{
	r->finish = f;
	if (f == FINISH_STOP || f == FINISH_LENGTH)
		s->m.requests_ok++;
	else
		s->m.requests_failed++;
	pthread_cond_broadcast(&r->cond);
	serve_req_put_locked(s, r);
}

static void unlink_locked(struct server *s, struct serve_req *prev,
			  struct serve_req *r)
{
	if (prev)
		prev->next = r->next;
	else
		s->head = r->next;
	if (s->tail == r)
		s->tail = prev;
	r->next = NULL;
	r->queued = 0;
	s->n_queued--;
}

/* Drops queued requests whose client left or whose time ran out. */
static void expire_queued_locked(struct server *s, double now)
{
	struct serve_req *prev = NULL, *r = s->head;

	while (r) {
		struct serve_req *next = r->next;

		if (r->cancelled || now > r->deadline) {
			unlink_locked(s, prev, r);
			finish_locked(s, r, r->cancelled ? FINISH_CANCELLED : FINISH_TIMEOUT);
		} else {
			prev = r;
		}
		r = next;
	}
}

static int load_model(struct server *s, struct llm_err *e)
{
	const struct serve_options *o = &s->o;
	struct llm_model fp32;
	int rc = llm_packed_probe(o->model), kv_f16;

	if (rc < 0)
		return llm_fail(e, rc, "%s: %s", o->model, strerror(-rc));
	if (rc == 1) {
		rc = llm_packed_load(&s->packed, o->model, e);
		if (rc)
			return rc;
		if (o->planes >= 0 && (int)s->packed.planes != o->planes)
			rc = llm_fail(e, -EINVAL, "%s holds other weights than --weights asks", o->model);
		else if (o->consmax && !s->packed.consmax_tables)
			rc = llm_fail(e, -EINVAL, "%s has no ConSmax tables (run accel-quant --consmax)",
				      o->model);
		if (rc) {
			llm_packed_free(&s->packed);
			return rc;
		}
	} else {
		struct llm_quant_opts q = {
			/* accel-llm's defaults: 16-bit scales */
			.bcq = { .planes = o->planes > 0 ? o->planes : 0,
				 .group = LLM_BCQ_DEFAULT_GROUP,
				 .iters = LLM_BCQ_DEFAULT_ITERS, .scale16 = 1 },
			.calib_seqs = -1, .calib_len = CALIB_LEN, .seed = CALIB_SEED,
		};

		rc = llm_packed_from_checkpoint(&s->packed, &fp32, o->model, &q, o->consmax,
						LLM_CONSMAX_LSE_MAX, e);
		if (rc)
			return rc;
		llm_model_free(&fp32);
	}
	s->have_packed = 1;
	s->seq_len = s->packed.base.cfg.seq_len;
	rc = llm_tokenizer_load(&s->tok, o->tokenizer, s->packed.base.cfg.vocab_size, e);
	if (rc)
		return rc;
	s->have_tok = 1;
	/* the KV format accel-llm picks by default: binary16 beside BCQ weights */
	kv_f16 = s->packed.planes != 0;
	rc = llm_accel_open_device(o->device, llm_accel_devmem_needed_kv(&s->packed, kv_f16) +
				   (llm_accel_kv_bytes(&s->packed.base.cfg,
						       kv_f16 ? CSA_CMD_F_KV_F16 : 0) +
				    llm_accel_act_bytes(&s->packed.base.cfg)) * o->max_batch,
				   &s->dev, e);
	if (rc)
		return rc;
	rc = llm_accel_init_kv(&s->accel, s->dev, &s->packed, o->consmax, kv_f16, e);
	if (rc)
		return rc;
	rc = llm_batch_init(&s->batch, &s->accel, o->max_batch, e);
	if (!rc)
		s->batch.schedule = o->schedule;
	return rc;
}

/* Everything a batch place needs while its request runs. */
struct place {
	struct serve_req *r;
	struct llm_gen g;
	int started;
};

/* Cuts r->out before the first stop string that the new text completes;
 * 1 if one did. */
static int cut_at_stop(struct serve_req *r, size_t old_len)
{
	size_t from = old_len >= r->p.stop_max ? old_len - r->p.stop_max + 1 : 0;
	size_t cut = r->out_len + 1;

	for (int i = 0; i < r->p.n_stop; i++) {
		const char *hit = memmem(r->out + from, r->out_len - from, r->p.stop[i],
					 strlen(r->p.stop[i]));

		if (hit && (size_t)(hit - r->out) < cut)
			cut = (size_t)(hit - r->out);
	}
	if (cut > r->out_len)
		return 0;
	r->out_len = cut;
	r->out[cut] = 0;
	return 1;
}

/* Appends the step's piece to r->out; 1 when it completed a stop string. */
static int append_piece(struct server *s, struct place *pl)
{
	struct serve_req *r = pl->r;
	size_t len, old;
	const char *piece = llm_gen_piece(&pl->g, &s->tok, &len);

	if (!pl->g.has_piece || pl->g.piece_is_prompt || !len)
		return 0;
	if (r->out_len + len + 1 > r->out_cap) {
		size_t cap = (r->out_len + len + 1) * 2;
		char *p = realloc(r->out, cap);

		if (!p) {
			r->finish = FINISH_ERROR;	/* retired below */
			return 0;
		}
		r->out = p;
		r->out_cap = cap;
	}
	old = r->out_len;
	memcpy(r->out + r->out_len, piece, len);
	r->out_len += len;
	r->out[r->out_len] = 0;
	return r->p.n_stop && cut_at_stop(r, old);
}

/* Fills free places from the queue (under the lock); returns how many
 * places hold a request. */
static int admit_locked(struct server *s, struct place *pl)
{
	int live = 0;

	expire_queued_locked(s, serve_now());
	for (int i = 0; i < s->o.max_batch; i++) {
		if (!pl[i].r && s->head) {
			struct serve_req *r = s->head;

			unlink_locked(s, NULL, r);
			r->running = 1;
			s->n_running++;
			pl[i].r = r;
			pl[i].started = 0;
		}
		live += pl[i].r != NULL;
	}
	return live;
}

static void retire_locked(struct server *s, struct place *pl, enum serve_finish f)
{
	s->n_running--;
	pl->r->running = 0;
	pl->r->completion_tokens = pl->g.generated;
	finish_locked(s, pl->r, f);
	pl->r = NULL;
}

/* One batch step over the places that hold a running request. */
static int step(struct server *s, struct place *pl, struct llm_err *e)
{
	struct llm_gen *run[LLM_BATCH_MAX];
	int n = 0, n_prompt = 0, rc;
	double t0, dt;

	for (int i = 0; i < s->o.max_batch; i++)
		if (pl[i].r && pl[i].started && pl[i].g.state == LLM_GEN_RUNNING) {
			n_prompt += pl[i].g.seq.pos < pl[i].g.n_prompt - 1;
			run[n++] = &pl[i].g;
		}
	if (!n)
		return 0;
	t0 = serve_now();
	rc = llm_gen_step(&s->batch, run, n, e);
	dt = serve_now() - t0;
	pthread_mutex_lock(&s->lock);
	if (!rc) {
		s->m.decode_steps++;
		s->m.busy_slot_sum += n;
		s->m.predicted_tokens += n - n_prompt;
		s->m.prompt_seconds += dt * n_prompt / n;
		s->m.predicted_seconds += dt * (n - n_prompt) / n;
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

/* Starts the new places' requests on the device (outside the lock). */
static void start_new(struct server *s, struct place *pl)
{
	for (int i = 0; i < s->o.max_batch; i++) {
		struct serve_req *r = pl[i].r;
		struct llm_err e = { "" };
		int rc;

		if (!r || pl[i].started)
			continue;
		rc = llm_gen_start(&pl[i].g, &s->batch, &s->tok, r->p.prompt, r->p.max_tokens,
				   r->p.temperature, r->p.top_p, r->p.seed, &e);
		pthread_mutex_lock(&s->lock);
		if (rc) {
			fprintf(stderr, "accel-serve: request %s: %s\n", r->id, e.msg);
			retire_locked(s, &pl[i], FINISH_ERROR);
		} else {
			pl[i].started = 1;
			s->m.prompt_tokens += pl[i].g.n_prompt;
		}
		pthread_mutex_unlock(&s->lock);
	}
}

/* After a step: texts out, finished requests retired. */
static void collect(struct server *s, struct place *pl)
{
	double now = serve_now();
	int kv = 0;

	pthread_mutex_lock(&s->lock);
	for (int i = 0; i < s->o.max_batch; i++) {
		struct serve_req *r = pl[i].r;
		enum serve_finish f = FINISH_NONE;
		int stopped;

		if (!r || !pl[i].started)
			continue;
		stopped = append_piece(s, &pl[i]);
		if (r->finish == FINISH_ERROR)
			f = FINISH_ERROR;
		else if (stopped || pl[i].g.state == LLM_GEN_STOP)
			f = FINISH_STOP;
		else if (pl[i].g.state == LLM_GEN_LENGTH)
			f = FINISH_LENGTH;
		else if (r->cancelled)
			f = FINISH_CANCELLED;
		else if (now > r->deadline)
			f = FINISH_TIMEOUT;
		r->completion_tokens = pl[i].g.generated;
		pthread_cond_broadcast(&r->cond);
		if (f != FINISH_NONE) {
			retire_locked(s, &pl[i], f);
			pthread_mutex_unlock(&s->lock);
			llm_gen_free(&pl[i].g);
			pl[i].started = 0;
			pthread_mutex_lock(&s->lock);
		} else {
			kv += pl[i].g.seq.pos;
		}
	}
	s->kv_tokens = kv;
	pthread_mutex_unlock(&s->lock);
}

/* The device failed: every request ends with an error, the server stops
 * taking new ones (/health answers 503). */
static void fail_all(struct server *s, struct place *pl, const char *msg)
{
	pthread_mutex_lock(&s->lock);
	s->state = SERVE_FAILED;
	snprintf(s->fail_msg, sizeof(s->fail_msg), "%s", msg);
	for (int i = 0; pl && i < s->o.max_batch; i++)
		if (pl[i].r)
			retire_locked(s, &pl[i], FINISH_ERROR);
	while (s->head) {
		struct serve_req *r = s->head;

		unlink_locked(s, NULL, r);
		finish_locked(s, r, FINISH_ERROR);
	}
	s->kv_tokens = 0;
	pthread_cond_broadcast(&s->idle);
	pthread_mutex_unlock(&s->lock);
}

static void *engine_main(void *arg)
{
	struct server *s = arg;
	struct llm_err e = { "" };
	struct place *pl;

	if (load_model(s, &e)) {
		fprintf(stderr, "accel-serve: %s\n", e.msg);
		fail_all(s, NULL, e.msg);
		return NULL;
	}
	pl = calloc(s->o.max_batch, sizeof(*pl));
	if (!pl) {
		fail_all(s, NULL, "out of memory");
		return NULL;
	}
	pthread_mutex_lock(&s->lock);
	if (s->state == SERVE_LOADING)
		s->state = SERVE_READY;
	fprintf(stderr, "accel-serve: model %s ready (batch %d, context %d)\n", s->model_id,
		s->o.max_batch, s->seq_len);
	for (;;) {
		int live = admit_locked(s, pl);

		if (!live) {
			if (s->state != SERVE_READY)
				break;
			pthread_cond_wait(&s->work, &s->lock);
			continue;
		}
		pthread_mutex_unlock(&s->lock);
		start_new(s, pl);
		if (step(s, pl, &e)) {
			fprintf(stderr, "accel-serve: %s\n", e.msg);
			for (int i = 0; i < s->o.max_batch; i++)
				if (pl[i].started)
					llm_gen_free(&pl[i].g);
			fail_all(s, pl, e.msg);
			pthread_mutex_lock(&s->lock);
			break;
		}
		collect(s, pl);
		pthread_mutex_lock(&s->lock);
	}
	pthread_cond_broadcast(&s->idle);
	pthread_mutex_unlock(&s->lock);
	free(pl);
	return NULL;
}

int serve_engine_start(struct server *s)
{
	int rc = pthread_create(&s->engine, NULL, engine_main, s);

	if (rc)
		return -rc;
	s->engine_started = 1;
	return 0;
}

void serve_engine_join(struct server *s)
{
	if (!s->engine_started)
		return;
	pthread_join(s->engine, NULL);
	s->engine_started = 0;
	llm_batch_free(&s->batch);
	llm_accel_free(&s->accel);
	accel_close(s->dev);
	s->dev = NULL;
}
