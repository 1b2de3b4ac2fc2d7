// SPDX-License-Identifier: MIT
/* test-accel-info: the CUnit suites of accel-info. */
#include <CUnit/Basic.h>

#include "tests/accel-info/suites.h"

int main(void)
{
	unsigned int failures;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	if (add_json_suite() || add_pci_suite() || add_cli_suite() ||
	    add_fdinfo_suite()) {
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failures = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failures ? 1 : 0;
}
