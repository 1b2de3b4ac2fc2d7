/* SPDX-License-Identifier: MIT */
/*
 * csa_footprint.h - the per-opcode command check behind csa_cmd_footprint(),
 * with the device's status codes instead of one -EINVAL, for hw/ (which
 * must report BAD_OPCODE / RESERVED / BAD_ARG separately).
 */
#ifndef CSA_FOOTPRINT_H
#define CSA_FOOTPRINT_H

#include "common/csa_translate.h"

/*
 * Check opcode, flags and args of a command in its USER form and fill @fp.
 * Returns enum drm_csa_status: CSA_STATUS_OK, CSA_STATUS_BAD_OPCODE,
 * CSA_STATUS_RESERVED (a flag not allowed for the opcode, or an unused arg
 * not zero) or CSA_STATUS_BAD_ARG (a used arg out of range).
 *
 * @flags must not carry CSA_DESC_F_LAST (callers mask it).  DMA_H2D/D2H
 * descriptors carry the SG entry count in arg1, which the user form leaves
 * zero: hw/ checks that count itself and passes the args with arg1 = 0.
 */
int csa_cmd_check(uint32_t opcode, uint32_t flags, const uint32_t *arg,
		  struct csa_cmd_footprint *fp);

#endif /* CSA_FOOTPRINT_H */
