/* SPDX-License-Identifier: MIT */
/*
 * query.h - nvidia-smi's habit: --query=FIELD,... --format=csv prints the
 * chosen fields of each device as CSV (one row per device, and per sample
 * under --watch), and the utilization the counters imply over an interval.
 */
#ifndef ACCEL_INFO_QUERY_H
#define ACCEL_INFO_QUERY_H

#include <stdbool.h>
#include <stdio.h>

#include "report.h"

#define QUERY_MAX_FIELDS 32

struct query {
	int fields[QUERY_MAX_FIELDS];
	int n;
	bool header, units;
};

/* "csv", "csv,noheader", "csv,nounits", "csv,noheader,nounits". */
int query_parse_format(struct query *q, const char *format);
/* Comma-separated field names; on an unknown one returns -EINVAL with
 * its name copied to @bad. */
int query_parse_fields(struct query *q, const char *list, char *bad, size_t bad_size);
/* Does the query need two samples (a utilization field)? */
bool query_wants_interval(const struct query *q);
/* The list of field names, for --help-query. */
void query_list_fields(FILE *out);

void query_csv_header(FILE *out, const struct query *q);
/* One row.  @prev NULL or @interval_s <= 0: utilization is "[N/A]".
 * @wall: seconds since the epoch (the timestamp field). */
void query_csv_row(FILE *out, const struct query *q, const struct device_snapshot *s,
		   const struct drm_csa_counters *prev, double interval_s, double wall);

/* Percent of the interval engine @engine (or the device, -1) was busy by
 * the counters: busy cycles / (interval x clock).  Negative when unknown. */
double query_utilization(const struct drm_csa_counters *now,
			 const struct drm_csa_counters *prev, int engine,
			 double interval_s, unsigned int clock_khz);

/* "2026-12-01 22:30:05.123" local time, as nvidia-smi prints it. */
void query_format_time(double wall, char *buf, size_t size);

#endif /* ACCEL_INFO_QUERY_H */
