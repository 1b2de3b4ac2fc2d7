// SPDX-License-Identifier: MIT
/* accel-serve - OpenAI-compatible HTTP server on the CSA accelerator. */
#include "serve.h"

int main(int argc, char **argv)
{
	return serve_main(argc, argv);
}
