/* SPDX-License-Identifier: MIT */
/*
 * timeline.h - when each descriptor starts and ends on the card's two
 * engine queues (docs/device-spec.md 3.6, docs/commands.md "Cycle model").
 *
 * The engines execute descriptors in ring order (results do not depend on
 * the schedule as long as the dependencies hold); this file computes the
 * modelled schedule: a descriptor starts when its queue is free, its
 * dependency has ended and its job has begun; it lasts its priced cycles
 * unless the other queue's commands hold part of the memory bandwidth.
 * All integer arithmetic, so every embedder gets the same cycles.
 */
#ifndef CSA_TIMELINE_H
#define CSA_TIMELINE_H

#include <stdint.h>

#include "hw/csa_hw.h"

struct csa_cycle_params;

/* struct csa_timeline is in hw/csa_hw.h: the model carries one. */

/* One descriptor to place. */
struct csa_tl_cmd {
	unsigned int queue;	/* CSA_QUEUE_* */
	uint16_t dep;		/* the descriptor's dep field, already checked */
	uint32_t job_index;	/* its index in its job (0: a job begins) */
	uint64_t cycles;	/* its price with the memory to itself */
	uint64_t mem_bytes;	/* device memory bytes it moves */
};

/* The queue @opcode runs on. */
unsigned int csa_queue_of(uint8_t opcode);

/* 1 when @dep names a descriptor before the first of its job, for a
 * descriptor at @job_index (the device answers BAD_ARG). */
int csa_dep_out_of_job(uint16_t dep, uint32_t job_index);

/* Everything idle at cycle 0. */
void csa_timeline_reset(struct csa_timeline *tl);

/* Place @c (in ring order) on a board whose resolved parameters are @p;
 * returns its end cycle and stores its start in *start (may be NULL). */
uint64_t csa_timeline_place(struct csa_timeline *tl,
			    const struct csa_cycle_params *p,
			    const struct csa_tl_cmd *c, uint64_t *start);

/* Cycles of the current job so far: its latest end minus its begin. */
uint64_t csa_timeline_job_cycles(const struct csa_timeline *tl);

#endif /* CSA_TIMELINE_H */
