// SPDX-License-Identifier: MIT
/* cli.c - accel-info's options, report, actions and exit codes. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <accel/accel.h>
#include <csa/csa_device.h>

#include "json.h"
#include "names.h"
#include "pci_scan.h"
#include "query.h"
#include "report.h"
#include "selftest.h"

enum action { ACTION_REPORT, ACTION_RESET, ACTION_SELFTEST, ACTION_WATCH };

struct options {
	const char *device;		/* NULL: every CSA node, else default */
	bool json;
	enum json_style style;
	bool pci;
	enum action action;
	double interval_s;
	long count;			/* 0 = until interrupted */
	struct pci_scan_opts scan;
	const char *proc_root;		/* "/proc"; a constructed tree in tests */
	bool query;			/* --query: CSV rows (with --watch: per sample) */
	struct query q;
};

struct ctx {
	const struct options *o;
	FILE *out, *err;
	bool out_failed;	/* an output error was already reported */
};

static const char usage_text[] =
"Usage: accel-info [OPTIONS]\n"
"Diagnostics of CSA accelerator cards (and of the in-process sim backend).\n"
"\n"
"  -d, --device=SPEC     a device: /dev/accel/accelN, N, sim, sim:devmem=SIZE\n"
"                        (default: every CSA card with a node, else libaccel's\n"
"                        default, which is the sim backend without a card)\n"
"      --sim             same as --device=sim\n"
"      --ids=VVVV:DDDD   also list PCI functions with these IDs (repeatable)\n"
"      --no-pci          skip the PCI bus scan\n"
"      --sysfs=DIR       read sysfs from DIR instead of /sys (testing)\n"
"  -j, --json            JSON output (schema_version 1)\n"
"      --compact         JSON on one line\n"
"      --reset           soft-reset the device given with -d (needs root)\n"
"      --selftest        run a short command list and check its results\n"
"  -w, --watch[=SECS]    print the counters every SECS seconds (default 1), with\n"
"                        wall-clock time and utilization over the interval\n"
"  -n, --count=N         with --watch: stop after N samples\n"
"      --query=FIELD,... CSV of these fields per device (nvidia-smi style;\n"
"                        --query=help lists them); with --watch, per sample\n"
"      --format=csv[,noheader][,nounits]  the --query format (csv only)\n"
"      --proc=DIR        read /proc from DIR (testing)\n"
"  -h, --help            this help\n"
"  -V, --version         version and JSON schema version\n"
"\n"
"Exit status: 0 ok, 1 internal error, 2 usage, 3 no device, 4 permission\n"
"denied, 5 device error, 6 self-test failed.\n";

int accel_info_exit_for_errno(int err)
{
	switch (-err) {
	case 0:
		return ACCEL_INFO_EXIT_OK;
	case ENOENT:
	case ENODEV:
	case ENXIO:
		return ACCEL_INFO_EXIT_NO_DEVICE;
	case EACCES:
	case EPERM:
		return ACCEL_INFO_EXIT_PERMISSION;
	case ENOMEM:
		return ACCEL_INFO_EXIT_INTERNAL;
	default:
		return ACCEL_INFO_EXIT_DEVICE_ERROR;
	}
}

static int usage_error(struct ctx *c, const char *what, const char *arg)
{
	fprintf(c->err, "accel-info: %s%s%s%s (see --help)\n", what,
		arg ? " '" : "", arg ? arg : "", arg ? "'" : "");
	return ACCEL_INFO_EXIT_USAGE;
}

/* One line on err; in JSON mode also a JSON document on out, so a script
 * reading stdout always gets JSON. */
static int fail(struct ctx *c, const char *what, int err)
{
	int code = accel_info_exit_for_errno(err);

	fprintf(c->err, "accel-info: %s: %s\n", what, accel_strerror(err));
	if (c->o->json) {
		struct json_writer w;

		json_init(&w, c->out, c->o->style);
		json_object_begin(&w);
		json_member_int(&w, "schema_version", ACCEL_INFO_SCHEMA_VERSION);
		json_member_string(&w, "error", accel_strerror(err));
		json_member_string(&w, "context", what);
		json_member_int(&w, "errno", -err);
		json_member_int(&w, "exit_code", code);
		json_object_end(&w);
		json_finish(&w);
	}
	return code;
}

/* Open spec; an unparsable spec is a usage error, not a missing device. */
static int open_device(struct ctx *c, const char *spec, struct accel_dev **dev)
{
	int err = accel_open(spec, dev);

	if (err == -EINVAL) {
		usage_error(c, "not a device spec", spec ? spec : "");
		return ACCEL_INFO_EXIT_USAGE;
	}
	if (err)
		return fail(c, spec && spec[0] ? spec : "default device", err);
	return 0;
}

/* Opens the chosen device and reads its info; else an exit code. */
static int open_with_info(struct ctx *c, struct accel_dev **dev,
			  struct accel_info *info)
{
	int code = open_device(c, c->o->device, dev);
	int err;

	if (code)
		return code;
	err = accel_query_info(*dev, info);
	if (err) {
		accel_close(*dev);
		return fail(c, "query info", err);
	}
	return 0;
}

static void json_header(struct json_writer *w, const char *action)
{
	json_member_int(w, "schema_version", ACCEL_INFO_SCHEMA_VERSION);
	json_key(w, "tool");
	json_object_begin(w);
	json_member_string(w, "name", "accel-info");
	json_member_string(w, "version", ACCEL_INFO_VERSION);
	json_object_end(w);
	json_member_string(w, "action", action);
}

/* Opens the JSON document of an action on one opened device. */
static void json_device_begin(struct json_writer *w, FILE *out,
			      enum json_style style, const char *action,
			      const struct accel_info *info)
{
	json_init(w, out, style);
	json_object_begin(w);
	json_header(w, action);
	json_member_string(w, "device", info->path);
	json_member_string(w, "backend", info->backend);
}

static int finish_json(struct ctx *c, struct json_writer *w, int code)
{
	if (json_finish(w)) {
		fprintf(c->err, "accel-info: writing the JSON output failed\n");
		return ACCEL_INFO_EXIT_INTERNAL;
	}
	return code;
}

/* ---- the report ----------------------------------------------------- */

#define MAX_REPORTED 16

/* Which card on the bus this node belongs to. */
static void locate_on_bus(struct device_snapshot *s, const struct pci_scan_result *scan)
{
	for (size_t k = 0; !s->info_err && k < scan->count; k++)
		if (strcmp(scan->cards[k].accel_node, s->info.path) == 0)
			memcpy(s->pci_bdf, scan->cards[k].bdf, sizeof(s->pci_bdf));
}

/* The devices to report: -d, else every csa card with a node, else
 * libaccel's default (NULL). */
static size_t device_specs(const struct options *o, const struct pci_scan_result *scan,
			   const char **specs)
{
	size_t n = 0;

	if (o->device) {
		specs[n++] = o->device;
		return n;
	}
	for (size_t i = 0; i < scan->count && n < MAX_REPORTED; i++)
		if (scan->cards[i].accel_node[0] && strcmp(scan->cards[i].driver, "csa") == 0)
			specs[n++] = scan->cards[i].accel_node;
	if (!n)
		specs[n++] = NULL;
	return n;
}

static int run_report(struct ctx *c)
{
	const struct options *o = c->o;
	struct pci_scan_result scan = { 0 };
	int scan_err = 0, code = 0;
	const char *specs[MAX_REPORTED];
	size_t nspecs = 0;
	struct json_writer w;

	if (o->pci)
		scan_err = pci_scan(&o->scan, &scan);
	nspecs = device_specs(o, &scan, specs);

	if (o->json) {
		json_init(&w, c->out, o->style);
		json_object_begin(&w);
		json_header(&w, "report");
		json_key(&w, "pci");
		if (o->pci)
			report_json_pci(&w, &o->scan, &scan, scan_err);
		else
			json_null(&w);
		json_key(&w, "devices");
		json_array_begin(&w);
	} else {
		if (o->pci) {
			report_text_pci(c->out, &o->scan, &scan, scan_err);
			fputc('\n', c->out);
		}
	}
	for (size_t i = 0; i < nspecs; i++) {
		struct accel_dev *dev = NULL;
		struct device_snapshot s;
		int err = accel_open(specs[i], &dev);

		if (err) {
			int e = err == -EINVAL ? ACCEL_INFO_EXIT_USAGE
					       : accel_info_exit_for_errno(err);

			fprintf(c->err, "accel-info: %s: %s\n",
				specs[i] ? specs[i] : "default device",
				accel_strerror(err));
			if (o->json)
				report_json_open_error(&w, specs[i], err);
			else
				report_text_open_error(c->out, specs[i], err);
			code = code ? code : e;
			continue;
		}
		snapshot_take(dev, &s);
		accel_close(dev);
		locate_on_bus(&s, &scan);
		snapshot_add_host_facts(&s, o->scan.sysfs_root, o->proc_root);
		if (o->json)
			report_json_device(&w, &s);
		else
			report_text_device(c->out, &s);
		if (!code && (s.info_err || s.counters_err))
			code = accel_info_exit_for_errno(s.info_err ? s.info_err
								    : s.counters_err);
		if (!o->json && i + 1 < nspecs)
			fputc('\n', c->out);
	}
	pci_scan_free(&scan);
	if (o->json) {
		json_array_end(&w);
		json_member_int(&w, "exit_code", code);
		json_object_end(&w);
		return finish_json(c, &w, code);
	}
	return code;
}

/* ---- --reset ---------------------------------------------------------- */

static int run_reset(struct ctx *c)
{
	struct accel_dev *dev;
	struct drm_csa_counters before = { 0 }, after = { 0 };
	struct accel_info info;
	int code = open_device(c, c->o->device, &dev);
	int err;

	if (code)
		return code;
	err = accel_query_info(dev, &info);
	if (!err)
		err = accel_query_counters(dev, &before);
	if (!err)
		err = accel_reset(dev);
	if (!err)
		err = accel_query_counters(dev, &after);
	accel_close(dev);
	if (err)
		return fail(c, "reset", err);
	if (c->o->json) {
		struct json_writer w;

		json_device_begin(&w, c->out, c->o->style, "reset", &info);
		json_member_bool(&w, "ok", true);
		json_member_uint(&w, "resets_before", before.resets);
		json_member_uint(&w, "resets_after", after.resets);
		json_member_int(&w, "exit_code", 0);
		json_object_end(&w);
		return finish_json(c, &w, 0);
	}
	fprintf(c->out, "reset %s (backend %s): done, resets %llu -> %llu\n",
		info.path, info.backend, (unsigned long long)before.resets,
		(unsigned long long)after.resets);
	return 0;
}

/* ---- --selftest -------------------------------------------------------- */

static int run_selftest(struct ctx *c)
{
	struct accel_dev *dev;
	struct accel_info info = { 0 };
	struct selftest_result r;
	struct drm_csa_counters counters = { 0 };
	char st[32];
	int code = open_with_info(c, &dev, &info);
	int err, cerr;

	if (code)
		return code;
	err = selftest_run(dev, &r, NULL);
	cerr = accel_query_counters(dev, &counters);
	accel_close(dev);
	if (err && err != -EIO)
		return fail(c, "self-test", err);

	bool ok = !err && r.passed == SELFTEST_NUM_CASES;

	code = err ? ACCEL_INFO_EXIT_DEVICE_ERROR
		   : ok ? 0 : ACCEL_INFO_EXIT_SELFTEST_FAILED;
	if (c->o->json) {
		struct json_writer w;

		json_device_begin(&w, c->out, c->o->style, "selftest", &info);
		json_member_bool(&w, "simulated", strcmp(info.backend, "sim") == 0);
		json_key(&w, "selftest");
		json_object_begin(&w);
		json_member_bool(&w, "passed", ok);
		json_member_string(&w, "status", status_name(r.status, st, sizeof(st)));
		if (err)
			json_member_string(&w, "failed_command",
					   selftest_command_name(r.failed_index));
		json_member_uint(&w, "commands", r.commands);
		json_member_uint(&w, "cycles", r.cycles);
		json_key(&w, "cases");
		json_array_begin(&w);
		for (int i = 0; !err && i < SELFTEST_NUM_CASES; i++) {
			json_object_begin(&w);
			json_member_string(&w, "name", r.cases[i].name);
			json_member_bool(&w, "passed", r.cases[i].passed);
			json_member_uint(&w, "mismatches", r.cases[i].mismatches);
			json_member_double(&w, "max_error", r.cases[i].max_error);
			if (r.cases[i].first_bad >= 0) {
				json_key(&w, "first_mismatch");
				json_object_begin(&w);
				json_member_int(&w, "index", r.cases[i].first_bad);
				json_member_double(&w, "got", r.cases[i].got);
				json_member_double(&w, "want", r.cases[i].want);
				json_object_end(&w);
			} else {
				json_member_null(&w, "first_mismatch");
			}
			json_object_end(&w);
		}
		json_array_end(&w);
		json_object_end(&w);
		json_key(&w, "counters");
		if (cerr)
			json_null(&w);
		else
			report_json_counters(&w, &counters);
		json_member_int(&w, "exit_code", code);
		json_object_end(&w);
		code = finish_json(c, &w, code);
	} else {
		fprintf(c->out, "self-test on %s (backend %s)%s\n", info.path,
			info.backend, strcmp(info.backend, "sim") == 0 ? " [sim]" : "");
		if (err) {
			fprintf(c->out, "  FAIL  command list: status %s at command %" PRIu32
				" (%s)\n", status_name(r.status, st, sizeof(st)),
				r.failed_index, selftest_command_name(r.failed_index));
		}
		for (int i = 0; !err && i < SELFTEST_NUM_CASES; i++) {
			const struct selftest_case *k = &r.cases[i];

			fprintf(c->out, "  %-4s  %-11s mismatches %" PRIu32 ", max error %g",
				k->passed ? "ok" : "FAIL", k->name, k->mismatches,
				k->max_error);
			if (k->first_bad >= 0)
				fprintf(c->out, "; first [%" PRId32 "] got %.9g, want %.9g",
					k->first_bad, k->got, k->want);
			fputc('\n', c->out);
		}
		fprintf(c->out, "%s: %" PRIu32 "/%d cases passed, %" PRIu32
			" commands, %" PRIu64 " modelled cycles\n",
			ok ? "PASS" : "FAIL", r.passed, SELFTEST_NUM_CASES,
			r.commands, r.cycles);
	}
	if (code)
		fprintf(c->err, "accel-info: self-test failed on %s\n", info.path);
	return code;
}

/* ---- --watch ------------------------------------------------------------ */

static volatile sig_atomic_t watch_stop;

static void on_stop_signal(int sig)
{
	(void)sig;
	watch_stop = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_s(double s)
{
	struct timespec ts = { .tv_sec = (time_t)s,
			       .tv_nsec = (long)((s - floor(s)) * 1e9) };

	/* a signal ends the sleep early; the loop then sees watch_stop */
	nanosleep(&ts, NULL);
}

/* __u64 is unsigned long long on every Linux ABI; print through that. */
#define ULL(x) ((unsigned long long)(x))

static double wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The output failed (a reader gone: EPIPE, SIGPIPE being ignored; a full
 * disk): the loop stops. */
static bool out_failed(struct ctx *c)
{
	return fflush(c->out) || ferror(c->out);
}

static void watch_line(struct ctx *c, long sample, double t, double wall,
		       const struct drm_csa_counters *n,
		       const struct drm_csa_counters *p, double interval,
		       unsigned int clock_khz)
{
	char stamp[40];
	double u = query_utilization(n, sample ? p : NULL, -1, interval, clock_khz);

	query_format_time(wall, stamp, sizeof(stamp));
	fprintf(c->out, "%s %8.2f  cmds %llu (+%llu)  jobs %llu/%llu  in-flight %" PRIu32
		"  errors %llu  resets %llu  util ", stamp, t, ULL(n->commands),
		ULL(n->commands - (sample ? p->commands : n->commands)),
		ULL(n->jobs_completed), ULL(n->jobs_submitted), n->in_flight,
		ULL(n->errors), ULL(n->resets));
	if (u < 0)
		fprintf(c->out, "-");
	else
		fprintf(c->out, "%.1f%%", u);
	fprintf(c->out, "  busy");
	for (unsigned int e = 0; e < CSA_ENGINE_COUNT; e++) {
		double ue = query_utilization(n, sample ? p : NULL, (int)e, interval, clock_khz);

		fprintf(c->out, " %s %llu", engine_name(e), ULL(n->busy_cycles[e]));
		if (ue >= 0)
			fprintf(c->out, " (%.1f%%)", ue);
	}
	fputc('\n', c->out);
}

static int run_watch(struct ctx *c)
{
	struct accel_dev *dev;
	struct accel_info info;
	struct drm_csa_counters now, prev = { 0 };
	struct sigaction sa = { .sa_handler = on_stop_signal }, old_int, old_term;
	int code = open_with_info(c, &dev, &info);
	int err = 0, out_err = 0;
	double start, last = 0;

	if (code)
		return code;
	watch_stop = 0;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	if (!c->o->json) {
		fprintf(c->out, "watching %s (backend %s) every %g s%s\n",
			info.path, info.backend, c->o->interval_s,
			c->o->count ? "" : ", Ctrl-C stops");
		if (!strcmp(info.backend, "sim"))
			fprintf(c->out, "note: sim backend: these are the counters of this accel-info process's own simulator (zero unless it runs work); no other process can be watched\n");
		out_err = out_failed(c);
	}
	start = now_s();
	for (long i = 0; !out_err && !watch_stop && (!c->o->count || i < c->o->count); i++) {
		if (i)
			sleep_s(c->o->interval_s);
		if (watch_stop)
			break;
		err = accel_query_counters(dev, &now);
		if (err)
			break;
		double t = now_s() - start;

		if (c->o->json) {
			/* JSON Lines: one compact document per sample */
			struct json_writer w;
			double u = query_utilization(&now, i ? &prev : NULL, -1, t - last,
						     info.clock_khz);

			json_device_begin(&w, c->out, JSON_COMPACT, "watch", &info);
			json_member_int(&w, "sample", i);
			json_member_double(&w, "elapsed_s", t);
			json_member_double(&w, "timestamp", wall_s());
			if (u >= 0)
				json_member_double(&w, "utilization_pct", u);
			else
				json_member_null(&w, "utilization_pct");
			json_key(&w, "counters");
			report_json_counters(&w, &now);
			json_object_end(&w);
			out_err = json_finish(&w) || out_failed(c);
		} else {
			watch_line(c, i, t, wall_s(), &now, &prev, t - last, info.clock_khz);
			out_err = out_failed(c);
		}
		prev = now;
		last = t;
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	accel_close(dev);
	if (out_err) {
		fprintf(c->err, "accel-info: writing the output failed: %s; stopping\n",
			strerror(errno ? errno : EIO));
		c->out_failed = true;
		return ACCEL_INFO_EXIT_INTERNAL;
	}
	if (err)
		return fail(c, "counters", err);
	return 0;
}

/* ---- --query ------------------------------------------------------------- */

static int run_query(struct ctx *c)
{
	const struct options *o = c->o;
	struct pci_scan_result scan = { 0 };
	const char *specs[MAX_REPORTED];
	struct accel_dev *devs[MAX_REPORTED] = { 0 };
	struct drm_csa_counters prev[MAX_REPORTED];
	size_t n;
	int code = 0, out_err = 0;
	bool watch = o->action == ACTION_WATCH;
	double last = 0;

	if (o->pci)
		pci_scan(&o->scan, &scan);
	n = device_specs(o, &scan, specs);
	for (size_t i = 0; i < n; i++) {
		int err = accel_open(specs[i], &devs[i]);

		if (err) {
			fprintf(c->err, "accel-info: %s: %s\n", specs[i] ? specs[i] : "default device",
				accel_strerror(err));
			code = code ? code : err == -EINVAL ? ACCEL_INFO_EXIT_USAGE :
				accel_info_exit_for_errno(err);
			devs[i] = NULL;
		}
	}
	watch_stop = 0;
	query_csv_header(c->out, &o->q);
	/* one-shot utilization: a first sample, then the row 100 ms later */
	if (!watch && query_wants_interval(&o->q)) {
		for (size_t i = 0; i < n; i++)
			if (devs[i])
				accel_query_counters(devs[i], &prev[i]);
		last = now_s();
		sleep_s(0.1);
	}
	for (long k = 0; !out_err && !watch_stop && (!watch || !o->count || k < o->count); k++) {
		double t;

		if (k)
			sleep_s(o->interval_s);
		t = now_s();
		for (size_t i = 0; i < n; i++) {
			struct device_snapshot s;

			if (!devs[i])
				continue;
			snapshot_take(devs[i], &s);
			locate_on_bus(&s, &scan);
			snapshot_add_host_facts(&s, o->scan.sysfs_root, o->proc_root);
			query_csv_row(c->out, &o->q, &s, last ? &prev[i] : NULL, t - last, wall_s());
			prev[i] = s.counters;
			if (!code && (s.info_err || s.counters_err))
				code = accel_info_exit_for_errno(s.info_err ? s.info_err : s.counters_err);
		}
		last = t;
		out_err = out_failed(c);
		if (!watch)
			break;
	}
	for (size_t i = 0; i < n; i++)
		accel_close(devs[i]);
	pci_scan_free(&scan);
	if (out_err) {
		fprintf(c->err, "accel-info: writing the output failed: %s; stopping\n",
			strerror(errno ? errno : EIO));
		c->out_failed = true;
		return ACCEL_INFO_EXIT_INTERNAL;
	}
	return code;
}

/* ---- options -------------------------------------------------------------- */

enum long_only {
	OPT_SIM = 256, OPT_IDS, OPT_NO_PCI, OPT_SYSFS, OPT_COMPACT, OPT_RESET,
	OPT_SELFTEST, OPT_QUERY, OPT_FORMAT, OPT_PROC,
};

static const struct option long_options[] = {
	{ "device", required_argument, NULL, 'd' },
	{ "sim", no_argument, NULL, OPT_SIM },
	{ "ids", required_argument, NULL, OPT_IDS },
	{ "no-pci", no_argument, NULL, OPT_NO_PCI },
	{ "sysfs", required_argument, NULL, OPT_SYSFS },
	{ "json", no_argument, NULL, 'j' },
	{ "compact", no_argument, NULL, OPT_COMPACT },
	{ "reset", no_argument, NULL, OPT_RESET },
	{ "selftest", no_argument, NULL, OPT_SELFTEST },
	{ "query", required_argument, NULL, OPT_QUERY },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "proc", required_argument, NULL, OPT_PROC },
	{ "watch", optional_argument, NULL, 'w' },
	{ "count", required_argument, NULL, 'n' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static int set_action(struct ctx *c, struct options *o, enum action a)
{
	if (o->action != ACTION_REPORT && o->action != a)
		return usage_error(c, "choose one of --reset, --selftest, --watch", NULL);
	o->action = a;
	return 0;
}

static int parse(struct ctx *c, struct options *o, int argc, char **argv,
		 bool *exit_now)
{
	int opt, code;
	char *end;
	const char *format = NULL;

	*o = (struct options){ .pci = true, .style = JSON_PRETTY,
			       .interval_s = 1.0, .proc_root = "/proc",
			       .scan = { .sysfs_root = "/sys", .num_ids = 1,
					 .ids = { { CSA_PCI_VENDOR_ID,
						    CSA_PCI_DEVICE_ID } } } };
	*exit_now = false;
	optind = 0;	/* glibc: full re-initialisation, the tests call us often */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":d:jw::n:hV", long_options,
				  NULL)) != -1) {
		switch (opt) {
		case 'd':
			o->device = optarg;
			break;
		case OPT_SIM:
			o->device = "sim";
			break;
		case OPT_IDS: {
			struct pci_id_pair id;

			if (pci_parse_id_pair(optarg, &id))
				return usage_error(c, "--ids wants VVVV:DDDD in hex, not", optarg);
			if (o->scan.num_ids >= PCI_SCAN_MAX_IDS)
				return usage_error(c, "too many --ids", NULL);
			if (!pci_scan_matches(&o->scan, id.vendor, id.device))
				o->scan.ids[o->scan.num_ids++] = id;
			break;
		}
		case OPT_NO_PCI:
			o->pci = false;
			break;
		case OPT_SYSFS:
			o->scan.sysfs_root = optarg;
			break;
		case 'j':
			o->json = true;
			break;
		case OPT_COMPACT:
			o->json = true;
			o->style = JSON_COMPACT;
			break;
		case OPT_RESET:
			if ((code = set_action(c, o, ACTION_RESET)))
				return code;
			break;
		case OPT_SELFTEST:
			if ((code = set_action(c, o, ACTION_SELFTEST)))
				return code;
			break;
		case OPT_QUERY: {
			char bad[64];

			if (!strcmp(optarg, "help")) {
				query_list_fields(c->out);
				*exit_now = true;
				return 0;
			}
			if (query_parse_fields(&o->q, optarg, bad, sizeof(bad)))
				return usage_error(c, "--query: unknown field (--query=help lists them)", bad);
			o->query = true;
			break;
		}
		case OPT_FORMAT:
			format = optarg;
			break;
		case OPT_PROC:
			o->proc_root = optarg;
			break;
		case 'w':
			if ((code = set_action(c, o, ACTION_WATCH)))
				return code;
			if (optarg) {
				errno = 0;
				o->interval_s = strtod(optarg, &end);
				if (errno || end == optarg || *end ||
				    !(o->interval_s >= 0.01 && o->interval_s <= 86400))
					return usage_error(c, "--watch wants seconds in 0.01..86400, not", optarg);
			}
			break;
		case 'n':
			errno = 0;
			o->count = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || o->count < 1)
				return usage_error(c, "--count wants a positive integer, not", optarg);
			break;
		case 'h':
			fputs(usage_text, c->out);
			*exit_now = true;
			return 0;
		case 'V':
			fprintf(c->out, "accel-info %s (CSA %s, JSON schema_version %d, libaccel %s)\n",
				ACCEL_INFO_VERSION, ACCEL_VERSION_STRING,
				ACCEL_INFO_SCHEMA_VERSION, accel_version(NULL, NULL, NULL));
			*exit_now = true;
			return 0;
		case ':':
			return usage_error(c, "option needs an argument:",
					   argv[optind - 1]);
		default:
			return usage_error(c, "unknown option", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error(c, "unexpected argument", argv[optind]);
	if (o->count && o->action != ACTION_WATCH)
		return usage_error(c, "--count only goes with --watch", NULL);
	if (format && !o->query)
		return usage_error(c, "--format only goes with --query", NULL);
	if (o->query && query_parse_format(&o->q, format ? format : "csv"))
		return usage_error(c, "--format wants csv[,noheader][,nounits], not", format);
	if (o->query && (o->json || (o->action != ACTION_REPORT && o->action != ACTION_WATCH)))
		return usage_error(c, "--query goes alone or with --watch", NULL);
	if (o->action == ACTION_RESET && !o->device)
		return usage_error(c, "--reset needs an explicit -d DEVICE", NULL);
	return 0;
}

int accel_info_main(int argc, char **argv, FILE *out, FILE *err)
{
	struct options o;
	struct ctx c = { .o = &o, .out = out, .err = err };
	bool exit_now;
	int code = parse(&c, &o, argc, argv, &exit_now);

	if (code || exit_now)
		goto out;
	if (o.query) {
		code = run_query(&c);
		goto out;
	}
	switch (o.action) {
	case ACTION_RESET:
		code = run_reset(&c);
		break;
	case ACTION_SELFTEST:
		code = run_selftest(&c);
		break;
	case ACTION_WATCH:
		code = run_watch(&c);
		break;
	case ACTION_REPORT:
		code = run_report(&c);
		break;
	}
out:
	if ((fflush(out) || ferror(out)) && !c.out_failed) {
		fprintf(err, "accel-info: writing the output failed\n");
		return ACCEL_INFO_EXIT_INTERNAL;
	}
	return code;
}
