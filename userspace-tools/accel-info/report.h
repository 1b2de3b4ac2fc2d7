/* SPDX-License-Identifier: MIT */
/*
 * report.h - the accel-info report: what the PCI scan found and what each
 * device says through libaccel, rendered as text or as JSON.
 *
 * JSON documents carry "schema_version": ACCEL_INFO_SCHEMA_VERSION.  The
 * schema only grows: keys are added, never renamed, removed or retyped
 * (docs/accel-info.md lists them).
 */
#ifndef ACCEL_INFO_REPORT_H
#define ACCEL_INFO_REPORT_H

#include <stdio.h>

#include <accel/accel.h>

#include "fdinfo.h"
#include "json.h"
#include "pci_scan.h"

#define ACCEL_INFO_VERSION "1.0.0"
#define ACCEL_INFO_SCHEMA_VERSION 1

/* One device as libaccel sees it at one moment. */
struct device_snapshot {
	struct accel_info info;
	struct drm_csa_counters counters;
	int info_err;		/* 0 or the negative errno of the query */
	int counters_err;
	char pci_bdf[16];	/* the PCI function of the node, "" unknown */
	/* versions: the kernel module's (sysfs), "" when unknown; the
	 * bitstream's is info.hw_version */
	char driver_version[64];
	/* drm: the processes using the card (fdinfo); sim: none to see */
	int n_clients, clients_err;
	struct fdinfo_client clients[16];
};

/* Query info and counters (errors recorded in the snapshot, not fatal). */
void snapshot_take(struct accel_dev *dev, struct device_snapshot *s);
/* The driver version from @sysfs_root and the card's clients from
 * @proc_root (a drm device; call after pci_bdf is known). */
void snapshot_add_host_facts(struct device_snapshot *s, const char *sysfs_root,
			     const char *proc_root);

/* PCI section.  scan_err: 0, or why the bus could not be read. */
void report_text_pci(FILE *out, const struct pci_scan_opts *o,
		     const struct pci_scan_result *r, int scan_err);
void report_json_pci(struct json_writer *w, const struct pci_scan_opts *o,
		     const struct pci_scan_result *r, int scan_err);

void report_text_device(FILE *out, const struct device_snapshot *s);
/* One device object (inside the "devices" array). */
void report_json_device(struct json_writer *w, const struct device_snapshot *s);
/* A device that could not be opened. */
void report_text_open_error(FILE *out, const char *spec, int err);
void report_json_open_error(struct json_writer *w, const char *spec, int err);

/* The counters object alone (also used by --watch). */
void report_json_counters(struct json_writer *w,
			  const struct drm_csa_counters *c);

#endif /* ACCEL_INFO_REPORT_H */
