// SPDX-License-Identifier: MIT
#include "llm_args.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>

int llm_arg_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (!*s || isspace((unsigned char)*s) || *end)
		return -EINVAL;
	if (errno == ERANGE || v < lo || v > hi)
		return -ERANGE;
	*out = v;
	return 0;
}

int llm_arg_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!isdigit((unsigned char)*s))	/* strtoull would take "-1" */
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE)
		return -ERANGE;
	*out = v;
	return 0;
}

int llm_arg_float(const char *s, float lo, float hi, float *out)
{
	char *end;
	float v;

	errno = 0;
	v = strtof(s, &end);
	if (!*s || isspace((unsigned char)*s) || *end)
		return -EINVAL;
	if (!isfinite(v) || v < lo || v > hi)
		return -ERANGE;
	*out = v;
	return 0;
}
