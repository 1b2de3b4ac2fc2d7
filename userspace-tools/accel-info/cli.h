/* SPDX-License-Identifier: MIT */
/*
 * cli.h - accel-info's command line: options, the report and the actions
 * (--reset, --selftest, --watch), with stable exit codes.  main() is a
 * one-line wrapper so the tests run the whole tool in-process into memory
 * streams.
 */
#ifndef ACCEL_INFO_CLI_H
#define ACCEL_INFO_CLI_H

#include <stdio.h>

/* Stable exit codes (man/accel-info.1 documents them; never renumber). */
enum accel_info_exit {
	ACCEL_INFO_EXIT_OK = 0,
	ACCEL_INFO_EXIT_INTERNAL = 1,		/* out of memory, output failed */
	ACCEL_INFO_EXIT_USAGE = 2,		/* bad option or argument */
	ACCEL_INFO_EXIT_NO_DEVICE = 3,		/* no such device / node */
	ACCEL_INFO_EXIT_PERMISSION = 4,		/* EACCES / EPERM */
	ACCEL_INFO_EXIT_DEVICE_ERROR = 5,	/* an ioctl or a command failed */
	ACCEL_INFO_EXIT_SELFTEST_FAILED = 6,	/* self-test ran, wrong results */
};

/* The exit code for a negative errno from libaccel. */
int accel_info_exit_for_errno(int err);

/* Run accel-info with argv; output to out, the one-line errors to err. */
int accel_info_main(int argc, char **argv, FILE *out, FILE *err);

#endif /* ACCEL_INFO_CLI_H */
