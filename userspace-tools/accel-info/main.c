// SPDX-License-Identifier: MIT
/* accel-info: diagnostics of CSA accelerator cards; see man/accel-info.1. */
#include <signal.h>
#include <stdio.h>

#include "cli.h"

int main(int argc, char **argv)
{
	/* A reader that went away is an output error (EPIPE) the tool reports
	 * and stops on, not a silent death. */
	signal(SIGPIPE, SIG_IGN);
	return accel_info_main(argc, argv, stdout, stderr);
}
