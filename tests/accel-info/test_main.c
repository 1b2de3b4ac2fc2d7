// SPDX-License-Identifier: MIT
/* test-accel-info: the CUnit suites of accel-info. */
#include <CUnit/Basic.h>

#include "tests/accel-info/suites.h"
#include "tests/common/cunit_run.h"

int main(void)
{
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	if (add_json_suite() || add_pci_suite() || add_cli_suite() ||
	    add_fdinfo_suite()) {
		CU_cleanup_registry();
		return 2;
	}
	return cunit_run_and_cleanup();
}
