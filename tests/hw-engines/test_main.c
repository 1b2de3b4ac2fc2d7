// SPDX-License-Identifier: MIT
/*
 * test_main.c - test-hw-engines: the engines of the hardware model
 * against golden.c (bit-exact), their error statuses (with canaries), the
 * accuracy of csa_expf, the BCQ and ConSmax engines against float math,
 * command footprints and the cycle model.
 */
#include <CUnit/Basic.h>

#include "tests.h"
#include "tests/common/cunit_run.h"

int main(void)
{
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	if (add_footprint_suite() || add_compute_suite() ||
	    add_error_suite() || add_accuracy_suite() ||
	    add_fuzz_suite() || add_bcq_fast_suite() || add_bcq_batch_suite() ||
	    add_kv_batch_suite() || add_f32_batch_suite() ||
	    add_attn_fast_suite() || add_vec_fast_suite()) {
		CU_cleanup_registry();
		return 2;
	}
	return cunit_run_and_cleanup();
}
