/* SPDX-License-Identifier: MIT */
/*
 * fdinfo.h - the processes using a card, from the DRM fdinfo every open
 * file of a DRM driver shows in /proc/PID/fdinfo/FD
 * (Documentation/gpu/drm-usage-stats.rst): drm-driver, drm-pdev,
 * drm-client-id, drm-engine-<name> (ns), drm-cycles-<name>,
 * drm-total-/drm-shared-/drm-resident-/drm-active-/drm-purgeable-<region>
 * (bytes, with an optional KiB/MiB/GiB unit), drm-memory-<region>.
 */
#ifndef ACCEL_INFO_FDINFO_H
#define ACCEL_INFO_FDINFO_H

#include <stdbool.h>
#include <stdint.h>

#define FDINFO_MAX_KEYS 16

/* One named value: "engine-bcq" = 1234 (ns), "total-devmem" = bytes. */
struct fdinfo_value {
	char name[32];		/* the key without "drm-" */
	uint64_t value;		/* ns, cycles or bytes (units applied) */
};

struct fdinfo_client {
	char driver[32];
	char pdev[32];		/* PCI address, "" when not given */
	uint64_t client_id;
	bool have_client_id;
	int n_values;
	struct fdinfo_value values[FDINFO_MAX_KEYS];
	/* filled by the process scan */
	int pid;
	char comm[32];
};

/* Parses one fdinfo text.  Returns 1 when it is a DRM client (has
 * drm-driver), 0 when not, -EINVAL on a malformed drm-* line. */
int fdinfo_parse(const char *text, struct fdinfo_client *c);

/* The value of drm-@name (e.g. "engine-bcq"), or false. */
bool fdinfo_get(const struct fdinfo_client *c, const char *name, uint64_t *v);

/* Every client of @driver (and of PCI device @pdev unless NULL or "")
 * under @proc_root ("/proc"), one per (pid, client id): the files of one
 * client opened in several fds count once.  A process whose fd links to
 * @node (unless NULL) but whose fdinfo has no drm-* keys (a driver without
 * show_fdinfo) is listed too, once, with have_client_id false.  Returns the
 * count (up to @max) or a negative errno when @proc_root cannot be read. */
int fdinfo_scan(const char *proc_root, const char *driver, const char *pdev,
		const char *node, struct fdinfo_client *out, int max);

#endif /* ACCEL_INFO_FDINFO_H */
