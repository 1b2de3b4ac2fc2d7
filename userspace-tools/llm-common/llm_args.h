/* SPDX-License-Identifier: MIT */
/*
 * llm_args.h - range-checked command-line numbers for the tools: the whole
 * string must be the number, within [lo, hi], else -EINVAL / -ERANGE and
 * the tool prints one line naming the option and the range.
 */
#ifndef LLM_ARGS_H
#define LLM_ARGS_H

#include <stdint.h>

int llm_arg_long(const char *s, long lo, long hi, long *out);
int llm_arg_u64(const char *s, uint64_t *out);	/* decimal or 0x hex, no sign */
/* finite, in [lo, hi] */
int llm_arg_float(const char *s, float lo, float hi, float *out);

#endif /* LLM_ARGS_H */
