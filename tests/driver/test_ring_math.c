// SPDX-License-Identifier: MIT
/*
 * test_ring_math.c - the driver's ring index arithmetic
 * (driver/csa_ring_math.h) against a counting reference model, in user
 * space: occupancy, the size - 1 limit, wrap-around and the CQ phase bit
 * the driver expects (1 on the first lap, flipping at each wrap, as the
 * device writes it: docs/device-spec.md 3.3).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include <CUnit/Basic.h>

typedef uint32_t u32;
#include "driver/csa_ring_math.h"

static void test_used_and_fits_edges(void)
{
	CU_ASSERT_EQUAL(csa_ring_used(0, 0, 8), 0);
	CU_ASSERT_EQUAL(csa_ring_used(7, 0, 8), 7);
	CU_ASSERT_EQUAL(csa_ring_used(0, 1, 8), 7);	/* tail wrapped */
	CU_ASSERT_EQUAL(csa_ring_used(3, 5, 8), 6);
	CU_ASSERT_TRUE(csa_ring_fits(0, 0, 8, 7));	/* size - 1 fit */
	CU_ASSERT_FALSE(csa_ring_fits(0, 0, 8, 8));	/* full == empty otherwise */
	CU_ASSERT_FALSE(csa_ring_fits(6, 0, 8, 2));
	CU_ASSERT_TRUE(csa_ring_fits(6, 0, 8, 1));
	CU_ASSERT_TRUE(csa_ring_fits(2, 3, 8, 0));	/* full ring, nothing to add */
	CU_ASSERT_FALSE(csa_ring_fits(2, 3, 8, 1));
	CU_ASSERT_FALSE(csa_ring_fits(0, 0, 8, 0xffffffffu));	/* no overflow */
	CU_ASSERT_EQUAL(csa_ring_add(6, 3, 8), 1);
	CU_ASSERT_EQUAL(csa_ring_add(65535, 1, 65536), 0);
}

static void test_phase_flips_at_wrap(void)
{
	u32 idx = 0, phase = 1, i;

	for (i = 1; i <= 4 * 16; i++) {
		idx = csa_ring_next_phase(idx, 16, &phase);
		CU_ASSERT_EQUAL(idx, i % 16);
		/* lap k (from 0) expects phase 1 on even laps, 0 on odd */
		CU_ASSERT_EQUAL(phase, (i / 16) % 2 ? 0u : 1u);
	}
}

/*
 * A producer pushing jobs of random size whenever csa_ring_fits() says so
 * and a consumer retiring random amounts, against plain counters: the
 * arithmetic never admits more than size - 1 and never refuses what fits.
 */
static void test_random_against_counters(void)
{
	static const u32 sizes[] = { 4, 8, 64, 8192, 65536 };
	unsigned int s, step, bad = 0;

	srand(12345);
	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		u32 n = sizes[s], head = 0, tail = 0, count = 0;
		unsigned long long produced = 0, consumed = 0;

		for (step = 0; step < 200000; step++) {
			u32 want = (u32)rand() % n + 1;
			bool fits = csa_ring_fits(tail, head, n, want);

			bad += fits != (count + want <= n - 1);
			if (fits) {
				tail = csa_ring_add(tail, want, n);
				count += want;
				produced += want;
			}
			if (count && rand() % 2) {
				u32 take = (u32)rand() % count + 1;

				head = csa_ring_add(head, take, n);
				count -= take;
				consumed += take;
			}
			bad += csa_ring_used(tail, head, n) != count;
			bad += (u32)(produced % n) != tail ||
			       (u32)(consumed % n) != head;
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
}

int main(void)
{
	CU_pSuite s;
	unsigned int failures;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("driver ring arithmetic", NULL, NULL);
	if (!s ||
	    !CU_add_test(s, "used/fits/add edges", test_used_and_fits_edges) ||
	    !CU_add_test(s, "CQ phase flips at each wrap", test_phase_flips_at_wrap) ||
	    !CU_add_test(s, "random producer/consumer vs counters",
			 test_random_against_counters)) {
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failures = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failures ? 1 : 0;
}
