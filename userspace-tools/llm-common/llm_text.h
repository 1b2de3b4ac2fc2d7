/* SPDX-License-Identifier: MIT */
/*
 * llm_text.h - a prompt from a file or standard input ("-"), as llama.cpp's
 * -f reads one: the whole text, one trailing newline dropped.
 */
#ifndef LLM_TEXT_H
#define LLM_TEXT_H

#include <stddef.h>

#include "llm_model.h"

/* Reads at most @limit bytes into a NUL-terminated malloc'ed *out; a longer
 * text or a NUL byte inside is refused with a reason naming @path. */
int llm_read_text(const char *path, size_t limit, char **out, struct llm_err *e);

#endif /* LLM_TEXT_H */
