// SPDX-License-Identifier: MIT
/* fdinfo.c - DRM client usage from /proc/PID/fdinfo (see fdinfo.h). */
#include "fdinfo.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* "1234", "1234 ns", "56 KiB": the number with its unit applied. */
static int parse_value(const char *s, uint64_t *v)
{
	static const struct { const char *unit; uint64_t mult; } units[] = {
		{ "", 1 }, { "ns", 1 }, { "B", 1 }, { "KiB", 1024 },
		{ "MiB", 1024ull * 1024 }, { "GiB", 1024ull * 1024 * 1024 },
		{ "Hz", 1 }, { "KHz", 1000 }, { "kHz", 1000 }, { "MHz", 1000000 },
	};
	char *end;
	unsigned long long n;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	while (*end == ' ' || *end == '\t')
		end++;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(end, units[i].unit)) {
			if (n > UINT64_MAX / units[i].mult)
				return -EINVAL;
			*v = n * units[i].mult;
			return 0;
		}
	return -ENOENT;	/* a unit of a later kernel: the key is skipped */
}

static void copy_trimmed(char *dst, size_t size, const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	snprintf(dst, size, "%s", s);
}

int fdinfo_parse(const char *text, struct fdinfo_client *c)
{
	const char *line = text;
	int is_drm = 0;

	memset(c, 0, sizeof(*c));
	while (*line) {
		size_t len = strcspn(line, "\n");
		char buf[256], *colon;

		snprintf(buf, sizeof(buf), "%.*s", (int)(len < sizeof(buf) ? len : sizeof(buf) - 1),
			 line);
		line += len + (line[len] == '\n');
		if (strncmp(buf, "drm-", 4))
			continue;
		colon = strchr(buf, ':');
		if (!colon)
			return -EINVAL;
		*colon = 0;
		if (!strcmp(buf, "drm-driver")) {
			copy_trimmed(c->driver, sizeof(c->driver), colon + 1);
			is_drm = 1;
		} else if (!strcmp(buf, "drm-pdev")) {
			copy_trimmed(c->pdev, sizeof(c->pdev), colon + 1);
		} else if (!strcmp(buf, "drm-client-id")) {
			if (parse_value(colon + 1, &c->client_id))
				return -EINVAL;
			c->have_client_id = true;
		} else if (!strncmp(buf, "drm-engine-capacity-", 20)) {
			continue;	/* a count of engines, not usage */
		} else if (c->n_values < FDINFO_MAX_KEYS) {
			struct fdinfo_value *v = &c->values[c->n_values];
			int rc = parse_value(colon + 1, &v->value);

			if (rc == -ENOENT)
				continue;
			if (rc)
				return -EINVAL;
			snprintf(v->name, sizeof(v->name), "%.31s", buf + 4);
			c->n_values++;
		}
	}
	return is_drm;
}

bool fdinfo_get(const struct fdinfo_client *c, const char *name, uint64_t *v)
{
	for (int i = 0; i < c->n_values; i++)
		if (!strcmp(c->values[i].name, name)) {
			*v = c->values[i].value;
			return true;
		}
	return false;
}

static char *read_small(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;

	if (!f)
		return NULL;
	buf = malloc(4096);
	if (buf) {
		n = fread(buf, 1, 4095, f);
		buf[n] = 0;
	}
	fclose(f);
	return buf;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static bool seen(const struct fdinfo_client *out, int n, int pid, const struct fdinfo_client *c)
{
	for (int i = 0; i < n; i++)
		if (out[i].pid == pid && c->have_client_id == out[i].have_client_id &&
		    (!c->have_client_id || out[i].client_id == c->client_id))
			return true;
	return false;
}

/* Does /proc/PID/fd/FD link to @node? */
static bool links_to(const char *proc_root, const char *pid, const char *fd, const char *node)
{
	char path[1024], target[512];
	ssize_t n;

	if (!node || !*node)
		return false;
	snprintf(path, sizeof(path), "%.700s/%.64s/fd/%.64s", proc_root, pid, fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return false;
	target[n] = 0;
	return !strcmp(target, node);
}

int fdinfo_scan(const char *proc_root, const char *driver, const char *pdev,
		const char *node, struct fdinfo_client *out, int max)
{
	DIR *proc = opendir(proc_root);
	struct dirent *pe;
	int n = 0;

	if (!proc)
		return -errno;
	while (n < max && (pe = readdir(proc))) {
		char path[1024], *comm;
		DIR *fds;
		struct dirent *fe;

		if (!all_digits(pe->d_name))
			continue;
		snprintf(path, sizeof(path), "%.700s/%.64s/fdinfo", proc_root, pe->d_name);
		fds = opendir(path);	/* another user's: EACCES, skipped */
		if (!fds)
			continue;
		snprintf(path, sizeof(path), "%.700s/%.64s/comm", proc_root, pe->d_name);
		comm = read_small(path);
		while (n < max && (fe = readdir(fds))) {
			struct fdinfo_client c;
			char *text;

			if (!all_digits(fe->d_name))
				continue;
			snprintf(path, sizeof(path), "%.700s/%.64s/fdinfo/%.64s", proc_root,
				 pe->d_name, fe->d_name);
			text = read_small(path);
			if (!text)
				continue;
			int drm = fdinfo_parse(text, &c) == 1;

			if ((drm && !strcmp(c.driver, driver) &&
			     (!pdev || !*pdev || !strcmp(c.pdev, pdev))) ||
			    (!drm && links_to(proc_root, pe->d_name, fe->d_name, node))) {
				if (!drm)	/* no drm-* keys: only that it is open */
					memset(&c, 0, sizeof(c));
				c.pid = atoi(pe->d_name);
				snprintf(c.comm, sizeof(c.comm), "%.*s",
					 comm ? (int)strcspn(comm, "\n") : 0, comm ? comm : "");
				if (!seen(out, n, c.pid, &c))
					out[n++] = c;
			}
			free(text);
		}
		free(comm);
		closedir(fds);
	}
	closedir(proc);
	return n;
}
