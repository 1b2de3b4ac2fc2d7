// SPDX-License-Identifier: MIT
/*
 * timeline.c - the modelled schedule of the two engine queues.  The rules
 * are the specification (docs/device-spec.md 3.6):
 *  - start = max(job begin, the queue's last end, the dependency's end);
 *  - a command alone lasts its priced cycles D and draws its bytes M at
 *    the even rate r = M / D over them;
 *  - memory goes to the older command first (ring order): a command gets
 *    min(r, bandwidth - what the commands placed before it use) and
 *    progresses at that share of its own pace, so two memory-bound
 *    commands on the two queues take together at least their bytes at
 *    the full bandwidth.
 */
#include <string.h>

#include "drm/csa_accel.h"

#include "hw/timeline.h"

unsigned int csa_queue_of(uint8_t opcode)
{
	switch (opcode) {
	case CSA_OP_KV_APPEND:
	case CSA_OP_ATTENTION:
	case CSA_OP_KV_APPEND_BATCH:
	case CSA_OP_ATTENTION_BATCH:
		return CSA_QUEUE_ATTN;
	default:
		return CSA_QUEUE_VECTOR;
	}
}

int csa_dep_out_of_job(uint16_t dep, uint32_t job_index)
{
	return (dep & CSA_DEP_EXPLICIT) &&
	       (dep & CSA_DEP_DIST_MASK) > job_index;
}

void csa_timeline_reset(struct csa_timeline *tl)
{
	memset(tl, 0, sizeof(*tl));
}

static uint64_t max2(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static uint64_t min2(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* The memory's bytes per cycle, scaled. */
static uint64_t bandwidth(const struct csa_cycle_params *p)
{
	return ((uint64_t)p->dram_mbps * 1000u << CSA_TL_RATE_SHIFT) /
	       p->clock_khz;
}

static void remove_point(struct csa_timeline *tl, uint32_t i)
{
	memmove(&tl->t[i], &tl->t[i + 1],
		(tl->npoints - i - 1) * sizeof(tl->t[0]));
	memmove(&tl->rate[i], &tl->rate[i + 1],
		(tl->npoints - i - 1) * sizeof(tl->rate[0]));
	tl->npoints--;
}

/* Forget the profile before @horizon: no later command starts earlier. */
static void prune(struct csa_timeline *tl, uint64_t horizon)
{
	while (tl->npoints >= 2 && tl->t[1] <= horizon)
		remove_point(tl, 0);
	if (tl->npoints == 1 && tl->t[0] <= horizon)
		tl->npoints = 0;
	if (tl->npoints && tl->t[0] < horizon)
		tl->t[0] = horizon;
}

/* Room for two more points: merge the oldest pieces, charging the larger
 * rate to both (over-reserving, never over-granting, bandwidth). */
static void make_room(struct csa_timeline *tl)
{
	while (tl->npoints + 2 > CSA_TL_POINTS) {
		tl->rate[0] = max2(tl->rate[0], tl->rate[1]);
		remove_point(tl, 1);
	}
}

/* Make @x a breakpoint; the piece it splits keeps its rate on both sides. */
static void insert_point(struct csa_timeline *tl, uint64_t x)
{
	uint32_t i = 0, n = tl->npoints;

	while (i < n && tl->t[i] < x)
		i++;
	if (i < n && tl->t[i] == x)
		return;
	memmove(&tl->t[i + 1], &tl->t[i], (n - i) * sizeof(tl->t[0]));
	memmove(&tl->rate[i + 1], &tl->rate[i], (n - i) * sizeof(tl->rate[0]));
	tl->t[i] = x;
	tl->rate[i] = i ? tl->rate[i - 1] : 0;	/* before t[0] nothing runs */
	if (i == n)
		tl->rate[i] = 0;
	tl->npoints++;
}

/* Rate in use over [t, next): the piece containing @t and where it ends
 * (UINT64_MAX: to the end of time). */
static uint64_t piece_at(const struct csa_timeline *tl, uint64_t t,
			 uint64_t *next)
{
	uint32_t i = 0;

	if (!tl->npoints || t < tl->t[0]) {
		*next = tl->npoints ? tl->t[0] : UINT64_MAX;
		return 0;
	}
	while (i + 1 < tl->npoints && tl->t[i + 1] <= t)
		i++;
	*next = i + 1 < tl->npoints ? tl->t[i + 1] : UINT64_MAX;
	return i + 1 < tl->npoints ? tl->rate[i] : 0;
}

/* End of a command starting at @s that needs @d cycles alone at rate @r. */
static uint64_t walk(const struct csa_timeline *tl, uint64_t bw, uint64_t s,
		     uint64_t d, uint64_t r)
{
	uint64_t x = s, rem, next, used, grant, need;

	if (!d || !r || d > UINT64_MAX / r)
		return s + d;	/* memory-free (or beyond any real command) */
	rem = d * r;		/* bytes to move, scaled */
	for (;;) {
		used = piece_at(tl, x, &next);
		grant = min2(r, used < bw ? bw - used : 0);
		if (grant) {
			need = rem / grant + (rem % grant != 0);
			if (next == UINT64_MAX || need <= next - x)
				return x + need;
			rem -= (next - x) * grant;
		}
		x = next;	/* a piece ends: the profile is finite */
	}
}

/* Record the command's share over [s, e) (both are breakpoints). */
static void charge(struct csa_timeline *tl, uint64_t bw, uint64_t s,
		   uint64_t e, uint64_t r)
{
	uint32_t i;

	for (i = 0; i + 1 < tl->npoints; i++) {
		if (tl->t[i] < s || tl->t[i] >= e)
			continue;
		tl->rate[i] += min2(r, tl->rate[i] < bw ? bw - tl->rate[i] : 0);
	}
}

uint64_t csa_timeline_place(struct csa_timeline *tl,
			    const struct csa_cycle_params *p,
			    const struct csa_tl_cmd *c, uint64_t *start)
{
	unsigned int q = c->queue < CSA_QUEUE_COUNT ? c->queue
						     : CSA_QUEUE_VECTOR;
	uint32_t idx = c->job_index, n = c->dep & CSA_DEP_DIST_MASK;
	uint64_t bw = bandwidth(p), r = 0, dep_end, s, e;

	if (idx == 0) {		/* a job begins after everything before it */
		tl->job_begin = tl->last_end;
		tl->job_end = tl->job_begin;
		tl->npoints = 0;
	}
	if (!(c->dep & CSA_DEP_EXPLICIT))
		dep_end = idx ? tl->done[(idx - 1) & CSA_DEP_MAX]
			      : tl->job_begin;
	else if (n == 0 || n > idx)
		dep_end = tl->job_begin;
	else
		dep_end = tl->done[(idx - n) & CSA_DEP_MAX];
	s = max2(max2(tl->job_begin, tl->queue_free[q]), dep_end);

	if (c->cycles && c->mem_bytes <= (UINT64_MAX >> CSA_TL_RATE_SHIFT))
		r = min2((c->mem_bytes << CSA_TL_RATE_SHIFT) / c->cycles, bw);
	make_room(tl);
	e = walk(tl, bw, s, c->cycles, r);
	if (r && e > s) {
		insert_point(tl, s);
		insert_point(tl, e);
		charge(tl, bw, s, e, r);
	}

	tl->done[idx & CSA_DEP_MAX] = e;
	tl->queue_free[q] = e;
	tl->job_end = max2(tl->job_end, e);
	tl->last_end = max2(tl->last_end, e);
	prune(tl, max2(tl->job_begin,
		       min2(tl->queue_free[0], tl->queue_free[1])));
	if (start)
		*start = s;
	return e;
}

uint64_t csa_timeline_job_cycles(const struct csa_timeline *tl)
{
	return tl->job_end - tl->job_begin;
}
