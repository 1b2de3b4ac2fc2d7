// SPDX-License-Identifier: MIT
/* version.c - the library's own version, for applications to query at run
 * time (the header's ACCEL_VERSION_* say what they were compiled with). */
#include "accel/accel.h"

const char *accel_version(int *major, int *minor, int *patch)
{
	if (major)
		*major = ACCEL_VERSION_MAJOR;
	if (minor)
		*minor = ACCEL_VERSION_MINOR;
	if (patch)
		*patch = ACCEL_VERSION_PATCH;
	return ACCEL_VERSION_STRING;
}
