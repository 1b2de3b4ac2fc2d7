/* SPDX-License-Identifier: MIT */
/*
 * llm_outfile.h - output files that never lose anything: the output path is
 * checked before any work starts (never one of the inputs, its directory
 * writable), the data goes to a temporary file in the same directory, and
 * only a complete, flushed, synced file is renamed over the target.  A
 * failed write leaves the old file (if any) untouched and no temporary file.
 *
 * An existing output that is not a regular file (/dev/null, /dev/full, a
 * FIFO) is written in place: there is nothing to rename over and nothing to
 * lose; its write errors are still reported.
 */
#ifndef LLM_OUTFILE_H
#define LLM_OUTFILE_H

#include <stdio.h>

#include "llm_model.h"

struct llm_outfile {
	FILE *f;
	char *path;	/* the target */
	char *tmp;	/* the temporary file, NULL when writing in place */
	int err;	/* first write error (positive errno), 0 if none */
};

/* -EINVAL (with a reason naming the files) when @out is one of the @n_in
 * files @in (same file, by device and inode) or a directory; -ENOENT /
 * -EACCES when its directory is missing or not writable. */
int llm_output_check(const char *out, const char *const *in, int n_in,
		     struct llm_err *e);

/* Opens the temporary file (or the special file in place). */
int llm_outfile_open(struct llm_outfile *o, const char *path, struct llm_err *e);
/* Writes @len bytes; on failure remembers the errno for commit and returns
 * a negative errno (later writes are skipped). */
int llm_outfile_write(struct llm_outfile *o, const void *buf, size_t len);
/* Flushes, syncs and closes; renames onto the target.  Any failure removes
 * the temporary file and reports "PATH: write failed: REASON". */
int llm_outfile_commit(struct llm_outfile *o, struct llm_err *e);
/* Gives up: closes and removes the temporary file. */
void llm_outfile_abort(struct llm_outfile *o);

#endif /* LLM_OUTFILE_H */
