// SPDX-License-Identifier: MIT
/*
 * board_profiles.c - the named boards (docs/board.md cites every number).
 *
 * Engine sizes follow the memory: the shift-add engine takes one byte of
 * bit planes per lane per cycle, so bcq_lanes >= peak bytes per cycle
 * keeps MATVEC_BCQ memory-bound whatever the scale format; the attention
 * units read K/V at the memory's pace even at 2-byte elements.
 */
#include <string.h>

#include "hw/board_profiles.h"
#include "hw/csa_hw.h"

static const struct csa_board_profile boards[] = {
	{
		/* KCU105: XCKU040, one 64-bit DDR4-2400 component interface
		 * (UG917), PCIe Gen3 x8. */
		.id = CSA_BOARD_KCU105, .name = "kcu105",
		.title = "Kintex UltraScale KCU105-class dev board, 1x DDR4-2400",
		.clock_khz = 250000, .mem_kind = CSA_MEM_DDR4,
		.mem_channels = 1, .mem_peak_mbps = 19200,
		.mem_eff_permille = 850, .mem_gib = 2,
		.pcie_gen = 3, .pcie_lanes = 8, .pcie_mbps = 6400,
		.bcq_lanes = 128, .pim_banks = 4, .pim_macs = 16,
		.vec_lanes = 16,
	},
	{
		/* Alveo U250: XCU250, four DDR4-2400 x72 DIMMs, 77 GB/s
		 * (DS962), PCIe Gen3 x16. */
		.id = CSA_BOARD_U250, .name = "u250",
		.title = "Alveo U250-class card, 4x DDR4-2400",
		.clock_khz = 300000, .mem_kind = CSA_MEM_DDR4,
		.mem_channels = 4, .mem_peak_mbps = 76800,
		.mem_eff_permille = 850, .mem_gib = 64,
		.pcie_gen = 3, .pcie_lanes = 16, .pcie_mbps = 12000,
		.bcq_lanes = 256, .pim_banks = 8, .pim_macs = 16,
		.vec_lanes = 32,
	},
	{
		/* Alveo U55C: XCU55C, 16 GB HBM2 in 32 pseudo-channels of
		 * 14.375 GB/s, 460 GB/s (DS978, UG1393), PCIe Gen3 x16. */
		.id = CSA_BOARD_U55C, .name = "u55c",
		.title = "Alveo U55C-class card, HBM2 32 pseudo-channels",
		.clock_khz = 300000, .mem_kind = CSA_MEM_HBM2,
		.mem_channels = 32, .mem_peak_mbps = 460000,
		.mem_eff_permille = 900, .mem_gib = 16,
		.pcie_gen = 3, .pcie_lanes = 16, .pcie_mbps = 12000,
		.bcq_lanes = 2048, .pim_banks = 32, .pim_macs = 32,
		.vec_lanes = 64,
	},
};

unsigned int csa_board_count(void)
{
	return sizeof(boards) / sizeof(boards[0]);
}

const struct csa_board_profile *csa_board_at(unsigned int i)
{
	return i < csa_board_count() ? &boards[i] : NULL;
}

const struct csa_board_profile *csa_board_by_id(uint32_t id)
{
	for (unsigned int i = 0; i < csa_board_count(); i++)
		if (boards[i].id == id)
			return &boards[i];
	return NULL;
}

const struct csa_board_profile *csa_board_by_name(const char *name)
{
	for (unsigned int i = 0; name && i < csa_board_count(); i++)
		if (!strcmp(boards[i].name, name))
			return &boards[i];
	return NULL;
}

uint32_t csa_board_mem_mbps(const struct csa_board_profile *b)
{
	return (uint32_t)((uint64_t)b->mem_peak_mbps * b->mem_eff_permille /
			  1000);
}

uint32_t csa_hw_board_id(const char *name)
{
	const struct csa_board_profile *b = csa_board_by_name(name);

	return b ? b->id : 0;
}

int csa_hw_board_link(uint32_t id, uint32_t *gen, uint32_t *lanes)
{
	const struct csa_board_profile *b =
		csa_board_by_id(id ? id : CSA_BOARD_DEFAULT);

	if (!b)
		return 0;
	*gen = b->pcie_gen;
	*lanes = b->pcie_lanes;
	return 1;
}
