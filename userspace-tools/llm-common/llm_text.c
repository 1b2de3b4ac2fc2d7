// SPDX-License-Identifier: MIT
#include "llm_text.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int llm_read_text(const char *path, size_t limit, char **out, struct llm_err *e)
{
	int is_stdin = !strcmp(path, "-");
	const char *name = is_stdin ? "standard input" : path;
	FILE *f = is_stdin ? stdin : fopen(path, "rb");
	size_t len = 0, n;
	char *buf;

	*out = NULL;
	if (!f)
		return llm_fail(e, -errno, "%s: %s", path, strerror(errno));
	buf = malloc(limit + 2);
	if (!buf) {
		if (!is_stdin)
			fclose(f);
		return llm_fail(e, -ENOMEM, "out of memory");
	}
	while ((n = fread(buf + len, 1, limit + 1 - len, f)) > 0)
		len += n;
	if (ferror(f)) {
		int err = errno ? errno : EIO;

		if (!is_stdin)
			fclose(f);
		free(buf);
		return llm_fail(e, -err, "%s: read failed: %s", name, strerror(err));
	}
	if (!is_stdin)
		fclose(f);
	if (len > limit) {
		free(buf);
		return llm_fail(e, -EFBIG, "%s: prompt longer than %zu bytes", name, limit);
	}
	if (memchr(buf, 0, len)) {
		free(buf);
		return llm_fail(e, -EINVAL, "%s: prompt contains a NUL byte (not text)", name);
	}
	if (len && buf[len - 1] == '\n')
		len--;
	buf[len] = 0;
	*out = buf;
	return 0;
}
