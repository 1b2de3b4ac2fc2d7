// SPDX-License-Identifier: MIT
/* accel-info: diagnostics of CSA accelerator cards; see man/accel-info.1. */
#include <stdio.h>

#include "cli.h"

int main(int argc, char **argv)
{
	return accel_info_main(argc, argv, stdout, stderr);
}
