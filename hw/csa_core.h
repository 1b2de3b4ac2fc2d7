/* SPDX-License-Identifier: MIT */
/*
 * csa_core.h - private glue between the files of the device core
 * (csa_hw.c, regs.c, queue.c, cmdproc.c).  Not part of the model's API.
 */
#ifndef CSA_CORE_H
#define CSA_CORE_H

#include "hw/csa_hw.h"
#include "hw/cycle_model.h"

/* ERROR_INFO encoding: [7:0] the CSA_ERR_* bit of the first error,
 * [15:8] a detail code, [31:16] a ring index or value. */
#define CSA_ERRINFO(err, detail, index) \
	((uint32_t)(err) & 0xffu) | (((uint32_t)(detail) & 0xffu) << 8) | \
	(((uint32_t)(index) & 0xffffu) << 16)

/* RING_SETUP detail codes: the first check that failed. */
#define CSA_SETUP_SQ_SIZE	1u
#define CSA_SETUP_SQ_BASE	2u
#define CSA_SETUP_CQ_SIZE	3u
#define CSA_SETUP_CQ_BASE	4u

/* DOORBELL detail codes: which doorbell was written. */
#define CSA_DOORBELL_SQ_TAIL	0u
#define CSA_DOORBELL_CQ_HEAD	1u

/* regs.c: register state shared by the other files. */
void csa_regs_reset(struct csa_hw *hw);
void csa_soft_reset(struct csa_hw *hw);
/* Record an error: ERROR_STATUS |= @err, ERROR_INFO if it is the first,
 * IRQ_STATUS.ERROR and a pending message on the error vector.  Never calls
 * ops; the pending message goes out from csa_hw_run(). */
void csa_raise_error(struct csa_hw *hw, uint32_t err, uint32_t detail,
		     uint32_t index);
/* A fatal error: csa_raise_error() plus STATUS.HALTED. */
void csa_halt(struct csa_hw *hw, uint32_t err, uint32_t detail,
	      uint32_t index);

/* queue.c: ring state. */
uint32_t csa_ring_setup_check(const struct csa_hw *hw);
void csa_rings_start(struct csa_hw *hw);
uint32_t csa_sq_pending(const struct csa_hw *hw);
uint32_t csa_cq_free(const struct csa_hw *hw);
int csa_sq_fetch(struct csa_hw *hw, struct csa_desc *d);
void csa_sq_consume(struct csa_hw *hw);
int csa_cq_post(struct csa_hw *hw, struct csa_cqe *cqe);
int csa_sq_doorbell(struct csa_hw *hw, uint32_t value);
int csa_cq_doorbell(struct csa_hw *hw, uint32_t value);

#endif /* CSA_CORE_H */
