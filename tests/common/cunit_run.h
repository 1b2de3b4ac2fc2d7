/* The common tail of the CUnit suites' main(): run the registered tests
 * verbosely, count failed assertions and failed tests, clean the registry
 * up and return the exit status (0 all passed, 1 something failed). */
#ifndef CSA_TESTS_COMMON_CUNIT_RUN_H
#define CSA_TESTS_COMMON_CUNIT_RUN_H

#include <CUnit/Basic.h>

static inline int cunit_run_and_cleanup(void)
{
	unsigned int failed;

	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}

#endif
