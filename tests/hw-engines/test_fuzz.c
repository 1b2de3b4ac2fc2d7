// SPDX-License-Identifier: MIT
/*
 * test_fuzz.c - random descriptors (biased towards small and edge values)
 * on a 64 KiB device memory: the device must never touch memory outside
 * it (ASan watches the host side), must answer with a defined status, and
 * must leave memory unchanged whenever it rejects a descriptor.
 */
#include <stdlib.h>

#include "common/csa_footprint.h"
#include "harness.h"
#include "hw/cycle_model.h"
#include "tests.h"

#define FUZZ_MEM	65536u
#define FUZZ_ROUNDS	20000

static uint32_t fuzz_arg(void)
{
	static const uint32_t edges[] = {
		0, 1, 2, 3, 4, 7, 8, 9, 16, 31, 32, 33, 64, 255, 4096, 65535,
		65536, 65537, CSA_VEC_MAX, CSA_VEC_MAX + 1, 0x3f800000u,
		0x7fc00000u, 0xffffffffu,
	};
	uint32_t r = h_rand32();

	if (r % 4 == 0)
		return edges[h_rand32() % (sizeof(edges) / sizeof(edges[0]))];
	return h_rand32() % 24;
}

static uint64_t fuzz_addr(void)
{
	uint32_t r = h_rand32() % 16;

	if (r == 0)
		return 0;
	if (r == 1)
		return UINT64_MAX - (h_rand32() % 64);
	if (r == 2)
		return FUZZ_MEM - (h_rand32() % 256);
	if (r == 3)
		return h_rand32() % FUZZ_MEM;	/* often misaligned */
	return (h_rand32() % FUZZ_MEM) & ~3u;
}

/* Half the rounds: zero what the opcode does not use and align the rest,
 * so the args and overlaps get exercised, not only the first checks. */
static void tame(struct csa_desc *d)
{
	struct csa_cmd_footprint fp;
	uint32_t arg[CSA_DESC_ARGS];
	unsigned int i, m;

	d->flags &= CSA_CMD_F_USER_MASK;
	d->dep = 0;
	d->opcode %= CSA_OP_COUNT;
	for (i = 0; i < CSA_DESC_ARGS; i++)
		d->arg[i] = h_rand32() % 4 ? 1 + h_rand32() % 40 : fuzz_arg();
	memset(arg, 0, sizeof(arg));
	if (csa_cmd_check(d->opcode, d->flags, arg, &fp) == CSA_STATUS_RESERVED)
		d->flags = 0;		/* a flag of another opcode */
	/* keep args [0, m) for the largest m whose tail zero is accepted:
	 * m is the opcode's number of args */
	for (m = CSA_DESC_ARGS + 1; m-- > 0;) {
		memcpy(arg, d->arg, sizeof(arg));
		for (i = m; i < CSA_DESC_ARGS; i++)
			arg[i] = 0;
		if (csa_cmd_check(d->opcode, d->flags, arg, &fp) !=
		    CSA_STATUS_RESERVED)
			break;
	}
	memcpy(d->arg, arg, sizeof(arg));
	csa_cmd_check(d->opcode, d->flags, d->arg, &fp);
	for (i = 0; i < CSA_DESC_ADDRS; i++)
		d->addr[i] = fp.kind[i] == CSA_BUF_NONE ? 0 :
			     (h_rand32() % FUZZ_MEM) & ~3u;
}

static void test_fuzz_descriptors(void)
{
	uint8_t *before = malloc(FUZZ_MEM);
	uint8_t *tail = malloc(H_DEVMEM_SIZE - FUZZ_MEM);
	unsigned int round, i, ok = 0, rejected = 0;
	uint64_t saved_size = h_hw->cfg.devmem_size;

	CU_ASSERT_PTR_NOT_NULL_FATAL(before);
	CU_ASSERT_PTR_NOT_NULL_FATAL(tail);
	h_seed(99);
	h_reset();
	memcpy(tail, h_mem + FUZZ_MEM, H_DEVMEM_SIZE - FUZZ_MEM);
	h_hw->cfg.devmem_size = FUZZ_MEM;
	for (round = 0; round < FUZZ_ROUNDS; round++) {
		struct csa_desc d = t_desc((uint8_t)(h_rand32() % 18),
					   (uint8_t)(h_rand32() % 8));
		uint64_t cycles = 0;
		int st;

		if (h_rand32() % 64 == 0)
			d.opcode = (uint8_t)h_rand32();
		if (h_rand32() % 16 == 0)
			d.flags = (uint8_t)h_rand32();
		for (i = 0; i < CSA_DESC_ARGS; i++)
			d.arg[i] = i < 6 || h_rand32() % 32 == 0 ? fuzz_arg() : 0;
		for (i = 0; i < CSA_DESC_ADDRS; i++)
			d.addr[i] = h_rand32() % 3 ? fuzz_addr() : 0;
		if (h_rand32() % 64 == 0)
			d.dep = 1;
		if (round % 2)
			tame(&d);
		memcpy(before, h_mem, FUZZ_MEM);
		st = csa_hw_exec(h_hw, &d, &cycles);
		CU_ASSERT(st >= CSA_STATUS_OK && st <= CSA_STATUS_OVERLAP);
		CU_ASSERT(cycles >= CSA_CYCLES_ISSUE);
		if (st == CSA_STATUS_OK) {
			ok++;
		} else {
			rejected++;
			if (memcmp(before, h_mem, FUZZ_MEM)) {
				CU_FAIL("a rejected descriptor changed memory");
				break;
			}
		}
	}
	h_hw->cfg.devmem_size = saved_size;
	/* the fuzzer reached the engines and the checks alike */
	CU_ASSERT(ok > 100);
	CU_ASSERT(rejected > 100);
	/* nothing was ever written past the 64 KiB the device was given */
	CU_ASSERT(!memcmp(tail, h_mem + FUZZ_MEM, H_DEVMEM_SIZE - FUZZ_MEM));
	free(before);
	free(tail);
}

int add_fuzz_suite(void)
{
	CU_pSuite s = CU_add_suite("descriptor fuzz", h_init, h_fini);

	if (!s)
		return -1;
	if (!CU_add_test(s, "random descriptors", test_fuzz_descriptors))
		return -1;
	return 0;
}
