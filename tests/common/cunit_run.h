/* The common tail of the CUnit suites' main(): run the registered tests
 * verbosely, count failed assertions and failed tests, clean the registry
 * up and return the exit status (0 all passed, 1 something failed). */
#ifndef CSA_TESTS_COMMON_CUNIT_RUN_H
#define CSA_TESTS_COMMON_CUNIT_RUN_H

#include <stddef.h>
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

/* One suite of plain tests: register @tests under @name and run them.
 * Returns 0 all passed, 1 something failed, 2 CUnit could not register. */
struct cunit_test {
	const char *name;
	CU_TestFunc fn;
};

static inline int cunit_run_suite(const char *name,
				  const struct cunit_test *tests, size_t n)
{
	CU_pSuite suite;
	size_t i;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	suite = CU_add_suite(name, NULL, NULL);
	for (i = 0; suite && i < n; i++)
		if (!CU_add_test(suite, tests[i].name, tests[i].fn))
			suite = NULL;
	if (!suite) {
		CU_cleanup_registry();
		return 2;
	}
	return cunit_run_and_cleanup();
}

#endif
