// SPDX-License-Identifier: MIT
/* query.c - --query=FIELD,... --format=csv; see query.h. */
#include "query.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "names.h"

enum field {
	F_TIMESTAMP, F_NAME, F_BACKEND, F_PCI_BUS_ID, F_DRIVER_VERSION,
	F_BITSTREAM_VERSION, F_UAPI_VERSION, F_LIBACCEL_VERSION, F_MEM_TOTAL,
	F_MEM_USED, F_MEM_FREE, F_CLOCK, F_UTIL_DEVICE, F_UTIL_DMA, F_UTIL_VECTOR,
	F_UTIL_BCQ, F_UTIL_PIM, F_UTIL_CONSMAX, F_COMMANDS, F_JOBS_SUBMITTED,
	F_JOBS_COMPLETED, F_IN_FLIGHT, F_ERRORS, F_RESETS, F_PROCESSES,
	F_COUNT
};

static const struct {
	const char *name, *unit;
} fields[F_COUNT] = {
	[F_TIMESTAMP] = { "timestamp", NULL },
	[F_NAME] = { "name", NULL },
	[F_BACKEND] = { "backend", NULL },
	[F_PCI_BUS_ID] = { "pci.bus_id", NULL },
	[F_DRIVER_VERSION] = { "driver_version", NULL },
	[F_BITSTREAM_VERSION] = { "bitstream_version", NULL },
	[F_UAPI_VERSION] = { "uapi_version", NULL },
	[F_LIBACCEL_VERSION] = { "libaccel_version", NULL },
	[F_MEM_TOTAL] = { "memory.total", "MiB" },
	[F_MEM_USED] = { "memory.used", "MiB" },
	[F_MEM_FREE] = { "memory.free", "MiB" },
	[F_CLOCK] = { "clocks.model", "MHz" },
	[F_UTIL_DEVICE] = { "utilization.device", "%" },
	[F_UTIL_DMA] = { "utilization.dma", "%" },
	[F_UTIL_VECTOR] = { "utilization.vector", "%" },
	[F_UTIL_BCQ] = { "utilization.bcq", "%" },
	[F_UTIL_PIM] = { "utilization.pim", "%" },
	[F_UTIL_CONSMAX] = { "utilization.consmax", "%" },
	[F_COMMANDS] = { "commands", NULL },
	[F_JOBS_SUBMITTED] = { "jobs.submitted", NULL },
	[F_JOBS_COMPLETED] = { "jobs.completed", NULL },
	[F_IN_FLIGHT] = { "jobs.in_flight", NULL },
	[F_ERRORS] = { "errors", NULL },
	[F_RESETS] = { "resets", NULL },
	[F_PROCESSES] = { "processes", NULL },
};

int query_parse_format(struct query *q, const char *format)
{
	const char *p = format;

	q->header = true;
	q->units = true;
	if (strncmp(p, "csv", 3) || (p[3] && p[3] != ','))
		return -EINVAL;
	p += 3;
	while (*p == ',') {
		size_t len;

		p++;
		len = strcspn(p, ",");
		if (len == 8 && !strncmp(p, "noheader", 8))
			q->header = false;
		else if (len == 7 && !strncmp(p, "nounits", 7))
			q->units = false;
		else
			return -EINVAL;
		p += len;
	}
	return 0;
}

int query_parse_fields(struct query *q, const char *list, char *bad, size_t bad_size)
{
	const char *p = list;

	q->n = 0;
	while (*p) {
		size_t len = strcspn(p, ",");
		int found = -1;

		for (int f = 0; f < F_COUNT; f++)
			if (strlen(fields[f].name) == len && !strncmp(p, fields[f].name, len))
				found = f;
		if (found < 0 || q->n == QUERY_MAX_FIELDS) {
			snprintf(bad, bad_size, "%.*s", (int)len, p);
			return -EINVAL;
		}
		q->fields[q->n++] = found;
		p += len + (p[len] == ',');
	}
	if (!q->n) {
		snprintf(bad, bad_size, "%s", list);
		return -EINVAL;
	}
	return 0;
}

bool query_wants_interval(const struct query *q)
{
	for (int i = 0; i < q->n; i++)
		if (q->fields[i] >= F_UTIL_DEVICE && q->fields[i] <= F_UTIL_CONSMAX)
			return true;
	return false;
}

void query_list_fields(FILE *out)
{
	for (int f = 0; f < F_COUNT; f++)
		fprintf(out, "%s%s", f ? "," : "", fields[f].name);
	fputc('\n', out);
}

void query_csv_header(FILE *out, const struct query *q)
{
	if (!q->header)
		return;
	for (int i = 0; i < q->n; i++) {
		int f = q->fields[i];

		fprintf(out, "%s%s", i ? ", " : "", fields[f].name);
		if (q->units && fields[f].unit)
			fprintf(out, " [%s]", fields[f].unit);
	}
	fputc('\n', out);
}

double query_utilization(const struct drm_csa_counters *now,
			 const struct drm_csa_counters *prev, int engine,
			 double interval_s, unsigned int clock_khz)
{
	uint64_t a, b;
	double u;

	if (!prev || interval_s <= 0 || !clock_khz)
		return -1;
	a = engine < 0 ? now->total_cycles : now->busy_cycles[engine];
	b = engine < 0 ? prev->total_cycles : prev->busy_cycles[engine];
	if (a < b)	/* counters restarted (a reset) */
		return -1;
	u = 100.0 * (double)(a - b) / (interval_s * clock_khz * 1e3);
	return u > 100.0 ? 100.0 : u;
}

void query_format_time(double wall, char *buf, size_t size)
{
	time_t t = (time_t)wall;
	struct tm tm;
	char base[32];

	localtime_r(&t, &tm);
	strftime(base, sizeof(base), "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(buf, size, "%s.%03d", base, (int)((wall - floor(wall)) * 1000));
}

static void csv_mib(FILE *out, const struct query *q, uint64_t bytes)
{
	fprintf(out, "%.1f%s", (double)bytes / 1048576.0, q->units ? " MiB" : "");
}

void query_csv_row(FILE *out, const struct query *q, const struct device_snapshot *s,
		   const struct drm_csa_counters *prev, double interval_s, double wall)
{
	const struct accel_info *i = &s->info;
	const struct drm_csa_counters *c = &s->counters;
	bool sim = !strcmp(i->backend, "sim");
	char buf[64];

	for (int k = 0; k < q->n; k++) {
		int f = q->fields[k];

		if (k)
			fputs(", ", out);
		if (s->info_err && f != F_TIMESTAMP) {
			fputs("[error]", out);
			continue;
		}
		switch (f) {
		case F_TIMESTAMP:
			query_format_time(wall, buf, sizeof(buf));
			fputs(buf, out);
			break;
		case F_NAME: fputs(i->path, out); break;
		case F_BACKEND: fputs(i->backend, out); break;
		case F_PCI_BUS_ID: fputs(s->pci_bdf[0] ? s->pci_bdf : "[N/A]", out); break;
		case F_DRIVER_VERSION:
			fputs(sim ? "[N/A]" : s->driver_version[0] ? s->driver_version : "[unknown]", out);
			break;
		case F_BITSTREAM_VERSION:
			fprintf(out, "%u.%u", i->hw_version >> 16, i->hw_version & 0xffff);
			break;
		case F_UAPI_VERSION:
			fprintf(out, "%" PRIu32 ".%" PRIu32, i->uapi_major, i->uapi_minor);
			break;
		case F_LIBACCEL_VERSION: fputs(accel_version(NULL, NULL, NULL), out); break;
		case F_MEM_TOTAL: csv_mib(out, q, i->devmem_size); break;
		case F_MEM_USED: csv_mib(out, q, i->devmem_used); break;
		case F_MEM_FREE:
			csv_mib(out, q, i->devmem_size > i->devmem_used ?
				i->devmem_size - i->devmem_used : 0);
			break;
		case F_CLOCK:
			fprintf(out, "%.3f%s", i->clock_khz / 1e3, q->units ? " MHz" : "");
			break;
		case F_UTIL_DEVICE: case F_UTIL_DMA: case F_UTIL_VECTOR:
		case F_UTIL_BCQ: case F_UTIL_PIM: case F_UTIL_CONSMAX: {
			double u = s->counters_err ? -1 :
				query_utilization(c, prev, f == F_UTIL_DEVICE ? -1 : f - F_UTIL_DMA,
						  interval_s, i->clock_khz);

			if (u < 0)
				fputs("[N/A]", out);
			else
				fprintf(out, "%.1f%s", u, q->units ? " %" : "");
			break;
		}
		case F_COMMANDS: fprintf(out, "%llu", (unsigned long long)c->commands); break;
		case F_JOBS_SUBMITTED: fprintf(out, "%llu", (unsigned long long)c->jobs_submitted); break;
		case F_JOBS_COMPLETED: fprintf(out, "%llu", (unsigned long long)c->jobs_completed); break;
		case F_IN_FLIGHT: fprintf(out, "%" PRIu32, c->in_flight); break;
		case F_ERRORS: fprintf(out, "%llu", (unsigned long long)c->errors); break;
		case F_RESETS: fprintf(out, "%llu", (unsigned long long)c->resets); break;
		case F_PROCESSES:
			if (sim || s->clients_err)
				fputs("[N/A]", out);
			else
				fprintf(out, "%d", s->n_clients);
			break;
		}
	}
	fputc('\n', out);
}
