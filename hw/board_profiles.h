/* SPDX-License-Identifier: MIT */
/*
 * board_profiles.h - the boards the cycle model can price a command on.
 * Every number comes from the board's datasheet or a cited measurement;
 * docs/board.md gives the sources, the streaming efficiency's reasons and
 * the resource estimate of the engines sized here.
 */
#ifndef CSA_BOARD_PROFILES_H
#define CSA_BOARD_PROFILES_H

#include <stdint.h>

#include "csa/csa_device.h"

enum csa_mem_kind {
	CSA_MEM_DDR4 = 0,
	CSA_MEM_HBM2 = 1,
};

struct csa_board_profile {
	uint32_t id;			/* CSA_BOARD_* */
	const char *name;		/* CSA_BOARD_NAME_LEN - 1 chars at most */
	const char *title;		/* one line for people */
	uint32_t clock_khz;		/* engine clock */
	enum csa_mem_kind mem_kind;
	uint32_t mem_channels;		/* DDR4 channels or HBM pseudo-channels */
	uint32_t mem_peak_mbps;		/* datasheet peak, all channels */
	uint32_t mem_eff_permille;	/* sustained streaming share of peak */
	uint32_t mem_gib;		/* device memory capacity, GiB */
	uint32_t pcie_gen, pcie_lanes;
	uint32_t pcie_mbps;		/* sustained host DMA */
	uint32_t bcq_lanes;		/* shift-add table lookups per cycle */
	uint32_t pim_banks;		/* attention units */
	uint32_t pim_macs;		/* multipliers per attention unit */
	uint32_t vec_lanes;		/* f32 lanes of the vector unit */
};

/* The profile a device gets when none is named. */
#define CSA_BOARD_DEFAULT	CSA_BOARD_U250

unsigned int csa_board_count(void);
/* The @i-th profile (0 .. count-1), in table order; NULL past the end. */
const struct csa_board_profile *csa_board_at(unsigned int i);
/* NULL when no profile has that id / name. */
const struct csa_board_profile *csa_board_by_id(uint32_t id);
const struct csa_board_profile *csa_board_by_name(const char *name);
/* Sustained device-memory bandwidth, MB/s: peak x efficiency. */
uint32_t csa_board_mem_mbps(const struct csa_board_profile *b);

#endif /* CSA_BOARD_PROFILES_H */
