// SPDX-License-Identifier: MIT
/*
 * test_main.c - test-hw-engines: the engines of the hardware model
 * against golden.c (bit-exact), their error statuses (with canaries), the
 * accuracy of csa_expf, the BCQ and ConSmax engines against float math,
 * command footprints and the cycle model.
 */
#include <CUnit/Basic.h>

#include "tests.h"

int main(void)
{
	unsigned int failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	if (add_footprint_suite() || add_compute_suite() ||
	    add_error_suite() || add_accuracy_suite() ||
	    add_fuzz_suite() || add_bcq_fast_suite() || add_bcq_batch_suite()) {
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() +
		 CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
