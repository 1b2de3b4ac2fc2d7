// SPDX-License-Identifier: MIT
#include "llm_paths.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct search {
	const char *name;
	char *buf, *tried;
	size_t size, tried_size;
};

/* Tries DIR/name (DIR given as @len bytes of @dir, plus @suffix). */
static int try_dir(struct search *s, const char *dir, size_t len, const char *suffix)
{
	int n;

	if (!len)
		return 0;
	n = snprintf(s->buf, s->size, "%.*s%s/%s", (int)len, dir, suffix, s->name);
	if (n < 0 || (size_t)n >= s->size)
		return 0;
	if (s->tried) {
		size_t used = strlen(s->tried);

		snprintf(s->tried + used, s->tried_size - used, "%s%.*s%s",
			 used ? ", " : "", (int)len, dir, suffix);
	}
	return !access(s->buf, R_OK);
}

int llm_find_model_file(const char *name, const char *install_dir, char *buf,
			size_t size, char *tried, size_t tried_size)
{
	struct search s = { name, buf, tried, size, tried_size };
	const char *env = getenv("ACCEL_MODELS"), *home = getenv("HOME");
	const char *xdg = getenv("XDG_DATA_HOME"), *dirs = getenv("XDG_DATA_DIRS");

	if (tried && tried_size)
		tried[0] = 0;
	if (env && *env && try_dir(&s, env, strlen(env), ""))
		return 0;
	if (xdg && *xdg == '/') {	/* the spec ignores relative values */
		if (try_dir(&s, xdg, strlen(xdg), "/csa/models"))
			return 0;
	} else if (home && *home) {
		if (try_dir(&s, home, strlen(home), "/.local/share/csa/models"))
			return 0;
	}
	if (!dirs || !*dirs)
		dirs = "/usr/local/share:/usr/share";
	while (*dirs) {
		size_t len = strcspn(dirs, ":");

		if (*dirs == '/' && try_dir(&s, dirs, len, "/csa/models"))
			return 0;
		dirs += len + (dirs[len] == ':');
	}
	if (install_dir && try_dir(&s, install_dir, strlen(install_dir), ""))
		return 0;
	if (size)
		buf[0] = 0;
	return -ENOENT;
}
