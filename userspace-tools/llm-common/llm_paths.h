/* SPDX-License-Identifier: MIT */
/*
 * llm_paths.h - where accel-llm looks for a model or tokenizer named without
 * a directory (docs/accel-llm.md, "Models"), first match wins:
 *   1. $ACCEL_MODELS (one directory)
 *   2. $XDG_DATA_HOME/csa/models (default ~/.local/share/csa/models)
 *   3. DIR/csa/models for each DIR of $XDG_DATA_DIRS
 *      (default /usr/local/share:/usr/share)
 *   4. the install prefix's share/csa/models (compiled in)
 * Never a path of the machine the tool was built on.
 */
#ifndef LLM_PATHS_H
#define LLM_PATHS_H

#include <stddef.h>

/* Writes the first existing DIR/@name into @buf and returns 0; else
 * -ENOENT with @tried (if not NULL) listing the directories searched,
 * separated by ", ". */
int llm_find_model_file(const char *name, const char *install_dir, char *buf,
			size_t size, char *tried, size_t tried_size);

#endif /* LLM_PATHS_H */
