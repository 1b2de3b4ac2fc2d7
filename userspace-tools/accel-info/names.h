/* SPDX-License-Identifier: MIT */
/*
 * names.h - readable names for the device's bit fields and enums
 * (capabilities, engines, ERROR_STATUS bits, completion statuses) and
 * byte/size formatting, shared by the text and JSON reports.
 */
#ifndef ACCEL_INFO_NAMES_H
#define ACCEL_INFO_NAMES_H

#include <stddef.h>
#include <stdint.h>

struct bit_name {
	uint64_t bit;
	const char *name;
};

extern const struct bit_name capability_names[];
extern const size_t num_capability_names;
extern const struct bit_name error_status_names[];
extern const size_t num_error_status_names;

/* "dma", "vector", "bcq", "pim", "consmax"; "engineN" past the end */
const char *engine_name(unsigned int engine);
/* accel_status_name() ("OK", "BAD_OPCODE", ...); "STATUS_n" for values
 * past the known ones, where libaccel says only "UNKNOWN" */
const char *status_name(uint32_t status, char *buf, size_t size);

/* Names of the set bits, separated by sep; unknown bits as 0x...; "none"
 * when no bit is set.  Returns buf. */
const char *bits_to_text(uint64_t value, const struct bit_name *names,
			 size_t count, const char *sep, char *buf, size_t size);

/* 268435456 -> "256 MiB", 1536 -> "1.5 KiB", 100 -> "100 B" */
const char *format_bytes(uint64_t bytes, char *buf, size_t size);

#endif /* ACCEL_INFO_NAMES_H */
