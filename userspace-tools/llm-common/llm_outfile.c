// SPDX-License-Identifier: MIT
/*
 * llm_outfile.c - write to a temporary file beside the target, then rename:
 * a reader of the target sees the old file or the whole new one, never a
 * truncated one, and an input named as the output is refused up front.
 */
#include "llm_outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The directory part of @path ("." when it has none); malloc'ed. */
static char *dir_of(const char *path)
{
	char *copy = strdup(path), *d;

	if (!copy)
		return NULL;
	d = strdup(dirname(copy));
	free(copy);
	return d;
}

int llm_output_check(const char *out, const char *const *in, int n_in,
		     struct llm_err *e)
{
	struct stat so, si;
	char *dir;
	int rc = 0;

	if (!out || !*out)
		return llm_fail(e, -EINVAL, "no output file given");
	if (!stat(out, &so)) {
		if (S_ISDIR(so.st_mode))
			return llm_fail(e, -EISDIR, "%s: is a directory; give a file name for the output",
					out);
		for (int i = 0; i < n_in; i++)
			if (in[i] && !stat(in[i], &si) && si.st_dev == so.st_dev &&
			    si.st_ino == so.st_ino)
				return llm_fail(e, -EINVAL, "output %s is the input %s: writing it would destroy the input; choose another output file",
						out, in[i]);
		if (!S_ISREG(so.st_mode))
			return 0;	/* written in place */
	}
	dir = dir_of(out);
	if (!dir)
		return llm_fail(e, -ENOMEM, "out of memory");
	if (access(dir, W_OK | X_OK))
		rc = llm_fail(e, -errno, "%s: cannot write into directory %s: %s", out, dir,
			      strerror(errno));
	free(dir);
	return rc;
}

int llm_outfile_open(struct llm_outfile *o, const char *path, struct llm_err *e)
{
	struct stat st;
	char *dir, *copy;
	int fd, have = !stat(path, &st);

	memset(o, 0, sizeof(*o));
	/* through a symlink: replace the file it names, keep the link */
	o->path = have ? realpath(path, NULL) : NULL;
	if (!o->path)
		o->path = strdup(path);
	if (!o->path)
		return llm_fail(e, -ENOMEM, "out of memory");
	path = o->path;
	if (have && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
		o->f = fopen(path, "wb");
		if (!o->f) {
			int err = errno;

			free(o->path);
			return llm_fail(e, -err, "%s: %s", path, strerror(err));
		}
		return 0;
	}
	dir = dir_of(path);
	copy = strdup(path);
	if (dir && copy) {
		const char *base = basename(copy);
		size_t n = strlen(dir) + strlen(base) + 16;

		o->tmp = malloc(n);
		if (o->tmp)
			snprintf(o->tmp, n, "%s/.%s.XXXXXX", dir, base);
	}
	free(dir);
	free(copy);
	if (!o->tmp) {
		free(o->path);
		return llm_fail(e, -ENOMEM, "out of memory");
	}
	fd = mkstemp(o->tmp);
	if (fd < 0) {
		int err = errno;

		llm_fail(e, -err, "%s: cannot create a temporary file beside it: %s", path,
			 strerror(err));
		free(o->tmp);
		free(o->path);
		return -err;
	}
	/* The mode a plain creat() would give (or the old file's). */
	if (have) {
		fchmod(fd, st.st_mode & 07777);
	} else {
		mode_t mask = umask(0);

		umask(mask);
		fchmod(fd, 0666 & ~mask);
	}
	o->f = fdopen(fd, "wb");
	if (!o->f) {
		int err = errno;

		close(fd);
		llm_outfile_abort(o);
		return llm_fail(e, -err, "%s: %s", path, strerror(err));
	}
	return 0;
}

int llm_outfile_write(struct llm_outfile *o, const void *buf, size_t len)
{
	if (o->err)
		return -o->err;
	if (len && fwrite(buf, 1, len, o->f) != len) {
		o->err = errno ? errno : EIO;
		return -o->err;
	}
	return 0;
}

int llm_outfile_commit(struct llm_outfile *o, struct llm_err *e)
{
	int err = o->err;

	if (!err && fflush(o->f))
		err = errno ? errno : EIO;
	if (!err && o->tmp && fsync(fileno(o->f)))
		err = errno;
	if (fclose(o->f) && !err)
		err = errno ? errno : EIO;
	o->f = NULL;
	if (!err && o->tmp && rename(o->tmp, o->path))
		err = errno;
	if (err) {
		llm_fail(e, -err, "%s: write failed: %s%s", o->path, strerror(err),
			 o->tmp ? " (nothing was replaced)" : "");
		llm_outfile_abort(o);
		return -err;
	}
	free(o->tmp);
	free(o->path);
	memset(o, 0, sizeof(*o));
	return 0;
}

void llm_outfile_abort(struct llm_outfile *o)
{
	if (o->f)
		fclose(o->f);
	if (o->tmp)
		unlink(o->tmp);
	free(o->tmp);
	free(o->path);
	memset(o, 0, sizeof(*o));
}
