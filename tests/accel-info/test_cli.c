// SPDX-License-Identifier: MIT
/*
 * test_cli.c - accel-info run in-process on the sim backend: the text and
 * JSON reports (parsed back and compared with libaccel's own answers), the
 * self-test, reset, watch, and the exit codes of bad input.
 */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <accel/accel.h>
#include <csa/csa_device.h>

#include "tests/accel-info/json_reader.h"
#include "tests/accel-info/suites.h"
#include "userspace-tools/accel-info/cli.h"
#include "userspace-tools/accel-info/query.h"
#include "userspace-tools/accel-info/report.h"
#include "userspace-tools/accel-info/selftest.h"

struct run {
	int code;
	char *out, *err;
};

/* Run accel-info with the NULL-terminated arguments. */
static struct run run_tool(const char *first, ...)
{
	char *argv[32] = { "accel-info" };
	int argc = 1;
	va_list ap;
	struct membuf out, err;
	struct run r;

	va_start(ap, first);
	for (const char *a = first; a && argc < 31; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	membuf_open(&out);
	membuf_open(&err);
	r.code = accel_info_main(argc, argv, out.f, err.f);
	membuf_text(&out);
	membuf_text(&err);
	r.out = out.data;
	r.err = err.data;
	return r;
}

static void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void test_exit_code_mapping(void)
{
	CU_ASSERT_EQUAL(accel_info_exit_for_errno(0), 0);
	CU_ASSERT_EQUAL(accel_info_exit_for_errno(-ENOENT), ACCEL_INFO_EXIT_NO_DEVICE);
	CU_ASSERT_EQUAL(accel_info_exit_for_errno(-ENODEV), ACCEL_INFO_EXIT_NO_DEVICE);
	CU_ASSERT_EQUAL(accel_info_exit_for_errno(-EACCES), ACCEL_INFO_EXIT_PERMISSION);
	CU_ASSERT_EQUAL(accel_info_exit_for_errno(-EPERM), ACCEL_INFO_EXIT_PERMISSION);
	CU_ASSERT_EQUAL(accel_info_exit_for_errno(-EIO), ACCEL_INFO_EXIT_DEVICE_ERROR);
	CU_ASSERT_EQUAL(accel_info_exit_for_errno(-ETIME), ACCEL_INFO_EXIT_DEVICE_ERROR);
	CU_ASSERT_EQUAL(accel_info_exit_for_errno(-ENOMEM), ACCEL_INFO_EXIT_INTERNAL);
	/* the documented numbers never change */
	CU_ASSERT_EQUAL(ACCEL_INFO_EXIT_USAGE, 2);
	CU_ASSERT_EQUAL(ACCEL_INFO_EXIT_NO_DEVICE, 3);
	CU_ASSERT_EQUAL(ACCEL_INFO_EXIT_PERMISSION, 4);
	CU_ASSERT_EQUAL(ACCEL_INFO_EXIT_DEVICE_ERROR, 5);
	CU_ASSERT_EQUAL(ACCEL_INFO_EXIT_SELFTEST_FAILED, 6);
}

static void test_bad_flag_is_usage(void)
{
	struct run r = run_tool("--bogus", NULL);

	CU_ASSERT_EQUAL(r.code, ACCEL_INFO_EXIT_USAGE);
	CU_ASSERT_STRING_EQUAL(r.out, "");
	CU_ASSERT_EQUAL(count_lines(r.err), 1);	/* one line says what */
	CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "unknown option '--bogus'"));
	run_free(&r);

	static const char *const bad[][3] = {
		{ "-x", NULL, NULL },
		{ "--ids", "zz", NULL },
		{ "--watch=abc", NULL, NULL },
		{ "--watch=0", NULL, NULL },
		{ "--count", "3", NULL },		/* without --watch */
		{ "--watch", "--count", "0" },
		{ "--selftest", "--watch", NULL },
		{ "--reset", NULL, NULL },		/* needs -d */
		{ "-d", "sim", "stray" },
		{ "-d", NULL, NULL },			/* missing argument */
		{ "-d", "not-a-spec", NULL },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = run_tool(bad[i][0], bad[i][1], bad[i][2], NULL);
		CU_ASSERT_EQUAL(r.code, ACCEL_INFO_EXIT_USAGE);
		CU_ASSERT_EQUAL(count_lines(r.err), 1);
		if (r.code != ACCEL_INFO_EXIT_USAGE)
			fprintf(stderr, "  case %zu: exit %d, %s", i, r.code, r.err);
		run_free(&r);
	}
}

static void test_missing_device_exit_code(void)
{
	struct run r = run_tool("--no-pci", "-d", "/dev/accel/accel-nonexistent-99", NULL);
	struct jv *doc;
	int64_t code;

	CU_ASSERT_EQUAL(r.code, ACCEL_INFO_EXIT_NO_DEVICE);
	CU_ASSERT_EQUAL(count_lines(r.err), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "/dev/accel/accel-nonexistent-99"));
	run_free(&r);

	/* the same through every action, and JSON still on stdout */
	r = run_tool("--selftest", "--json", "-d", "/dev/accel/accel-nonexistent-99", NULL);
	CU_ASSERT_EQUAL(r.code, ACCEL_INFO_EXIT_NO_DEVICE);
	doc = jv_parse(r.out, NULL);
	CU_ASSERT_PTR_NOT_NULL(doc);
	CU_ASSERT(jv_get_i64(doc, "exit_code", &code) && code == 3);
	CU_ASSERT(jv_get_i64(doc, "schema_version", &code) && code == 1);
	CU_ASSERT_PTR_NOT_NULL(jv_get_str(doc, "error"));
	jv_free(doc);
	run_free(&r);

	r = run_tool("--reset", "-d", "/dev/accel/accel-nonexistent-99", NULL);
	CU_ASSERT_EQUAL(r.code, ACCEL_INFO_EXIT_NO_DEVICE);
	run_free(&r);
	r = run_tool("--watch", "--count", "1", "-d", "/dev/accel/accel-nonexistent-99", NULL);
	CU_ASSERT_EQUAL(r.code, ACCEL_INFO_EXIT_NO_DEVICE);
	run_free(&r);
}

/* A node we may not open: exit 4.  Root opens anything, so the tool runs
 * in a child that drops to nobody first. */
static void test_permission_denied_exit_code(void)
{
	char path[] = "/tmp/accel-info-noperm-XXXXXX";
	int fd = mkstemp(path);
	pid_t pid;
	int status = 0;

	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	CU_ASSERT_EQUAL_FATAL(chmod(path, 0), 0);
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		char *argv[] = { "accel-info", "--no-pci", "-d", path, NULL };
		FILE *sink = fopen("/dev/null", "w");

		if (geteuid() == 0 && (setgid(65534) || setuid(65534)))
			_exit(100);
		_exit(accel_info_main(4, argv, sink, sink));
	}
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT_TRUE(WIFEXITED(status));
	CU_ASSERT_EQUAL(WEXITSTATUS(status), ACCEL_INFO_EXIT_PERMISSION);
	unlink(path);

	/* a node that opens but is not a CSA device: exit 3 */
	struct run r = run_tool("--no-pci", "-d", "/dev/null", NULL);

	CU_ASSERT_EQUAL(r.code, ACCEL_INFO_EXIT_NO_DEVICE);
	run_free(&r);
}

/* A card the bus shows with a node that does not open: listed, exit 3. */
static void test_card_node_missing(void)
{
	const char *root = fake_sysfs_create();
	struct run r;
	struct jv *doc;
	int64_t code;

	CU_ASSERT_PTR_NOT_NULL_FATAL(root);
	r = run_tool("--json", "--sysfs", root, NULL);
	CU_ASSERT_EQUAL(r.code, ACCEL_INFO_EXIT_NO_DEVICE);
	doc = jv_parse(r.out, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	CU_ASSERT_STRING_EQUAL(jv_get_str(doc, "devices.0.path"), "/dev/accel/accel97");
	CU_ASSERT_PTR_NOT_NULL(jv_get_str(doc, "devices.0.error"));
	CU_ASSERT(jv_get_i64(doc, "exit_code", &code) && code == 3);
	jv_free(doc);
	run_free(&r);
}

static void test_version_and_help(void)
{
	struct run r = run_tool("--version", NULL);

	CU_ASSERT_EQUAL(r.code, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "accel-info " ACCEL_INFO_VERSION));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "schema_version 1"));
	run_free(&r);
	r = run_tool("-h", NULL);
	CU_ASSERT_EQUAL(r.code, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "Usage: accel-info"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "--selftest"));
	CU_ASSERT_STRING_EQUAL(r.err, "");
	run_free(&r);
}

/* libaccel's own answer, to compare the report with. */
static void sim_info(struct accel_info *info)
{
	struct accel_dev *dev;

	CU_ASSERT_EQUAL_FATAL(accel_open("sim", &dev), 0);
	CU_ASSERT_EQUAL(accel_query_info(dev, info), 0);
	accel_close(dev);
}

static void test_text_report_on_sim(void)
{
	struct accel_info info;
	struct run r = run_tool("--no-pci", "-d", "sim", NULL);
	char line[128];

	sim_info(&info);
	CU_ASSERT_EQUAL(r.code, 0);
	CU_ASSERT_STRING_EQUAL(r.err, "");
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "Device sim (backend sim)  [sim:"));
	snprintf(line, sizeof(line), "identity     [%04x:%04x] hardware %u.%u",
		 CSA_PCI_VENDOR_ID, CSA_PCI_DEVICE_ID, CSA_VERSION_MAJOR,
		 CSA_VERSION_MINOR);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, line));
	snprintf(line, sizeof(line), "capabilities 0x%llx (",
		 (unsigned long long)info.capabilities);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, line));
	snprintf(line, sizeof(line), "cycle model  board %s, %u.%03u MHz clock, %u MB/s",
		 info.board_name, info.clock_khz / 1000, info.clock_khz % 1000,
		 info.dram_mbps);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, line));
	CU_ASSERT_STRING_EQUAL(info.board_name, "u250");	/* the default */
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "errors       0 failed commands, last status OK"));
	CU_ASSERT_PTR_NULL(strstr(r.out, "PCI bus"));
	run_free(&r);
}

static void test_json_report_on_sim(void)
{
	const char *root = fake_sysfs_create();
	struct accel_info info;
	struct run r;
	struct jv *doc;
	uint64_t u;
	int64_t i;
	size_t at = 0;
	const struct jv *names, *bars;

	CU_ASSERT_PTR_NOT_NULL_FATAL(root);
	sim_info(&info);
	r = run_tool("--json", "-d", "sim", "--sysfs", root, NULL);
	CU_ASSERT_EQUAL(r.code, 0);
	doc = jv_parse(r.out, &at);
	if (!doc)
		fprintf(stderr, "  invalid JSON at %zu: %.60s\n", at, r.out + at);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	CU_ASSERT(jv_get_i64(doc, "schema_version", &i) && i == ACCEL_INFO_SCHEMA_VERSION);
	CU_ASSERT_STRING_EQUAL(jv_get_str(doc, "tool.name"), "accel-info");
	CU_ASSERT_STRING_EQUAL(jv_get_str(doc, "action"), "report");
	CU_ASSERT(jv_get_i64(doc, "exit_code", &i) && i == 0);

	/* the device, against libaccel's own answers */
	CU_ASSERT_STRING_EQUAL(jv_get_str(doc, "devices.0.backend"), "sim");
	CU_ASSERT_STRING_EQUAL(jv_get_str(doc, "devices.0.path"), "sim");
	CU_ASSERT_EQUAL(jv_get(doc, "devices.0.simulated")->boolean, true);
	CU_ASSERT_EQUAL(jv_get(doc, "devices.0.pci_bdf")->type, JV_NULL);
	CU_ASSERT(jv_get_u64(doc, "devices.0.identity.pci_vendor", &u) && u == CSA_PCI_VENDOR_ID);
	CU_ASSERT(jv_get_u64(doc, "devices.0.identity.pci_device", &u) && u == CSA_PCI_DEVICE_ID);
	CU_ASSERT_STRING_EQUAL(jv_get_str(doc, "devices.0.identity.id"), "1234:c5a0");
	CU_ASSERT(jv_get_u64(doc, "devices.0.identity.hw_version_raw", &u) && u == info.hw_version);
	CU_ASSERT(jv_get_u64(doc, "devices.0.identity.uapi_major", &u) && u == DRM_CSA_UAPI_MAJOR);
	CU_ASSERT(jv_get_u64(doc, "devices.0.capabilities.mask", &u) && u == info.capabilities);
	names = jv_get(doc, "devices.0.capabilities.names");
	CU_ASSERT_PTR_NOT_NULL_FATAL(names);
	CU_ASSERT_EQUAL(names->count, (size_t)__builtin_popcountll(info.capabilities));
	CU_ASSERT(jv_get_u64(doc, "devices.0.memory.total_bytes", &u) && u == info.devmem_size);
	CU_ASSERT(jv_get_u64(doc, "devices.0.memory.used_bytes", &u) && u == info.devmem_used);
	CU_ASSERT(jv_get_u64(doc, "devices.0.engines.pim_banks", &u) && u == info.pim_banks);
	CU_ASSERT(jv_get_u64(doc, "devices.0.engines.bcq_lanes", &u) && u == info.bcq_lanes);
	CU_ASSERT(jv_get_u64(doc, "devices.0.cycle_model.clock_khz", &u) && u == info.clock_khz);
	CU_ASSERT(jv_get_u64(doc, "devices.0.cycle_model.dram_mbps", &u) && u == info.dram_mbps);
	CU_ASSERT_STRING_EQUAL(jv_get_str(doc, "devices.0.cycle_model.board"), info.board_name);
	CU_ASSERT(jv_get_u64(doc, "devices.0.cycle_model.board_id", &u) && u == info.board_id);
	CU_ASSERT(jv_get_u64(doc, "devices.0.cycle_model.mem_peak_mbps", &u) &&
		  u == info.mem_peak_mbps);
	CU_ASSERT(jv_get_u64(doc, "devices.0.limits.ring_entries", &u) && u == info.ring_entries);
	/* a fresh sim device: nothing has run */
	CU_ASSERT(jv_get_u64(doc, "devices.0.counters.commands", &u) && u == 0);
	CU_ASSERT(jv_get_u64(doc, "devices.0.counters.busy_cycles.bcq", &u) && u == 0);
	CU_ASSERT(jv_get_u64(doc, "devices.0.counters.ring.in_flight", &u) && u == 0);
	CU_ASSERT_STRING_EQUAL(jv_get_str(doc, "devices.0.counters.errors.last_error_status"), "OK");
	CU_ASSERT(jv_get_u64(doc, "devices.0.counters.resets", &u));

	/* the PCI section, from the constructed tree */
	CU_ASSERT_STRING_EQUAL(jv_get_str(doc, "pci.method"), "libpci");
	CU_ASSERT_EQUAL(jv_get(doc, "pci.available")->boolean, true);
	CU_ASSERT_STRING_EQUAL(jv_get_str(doc, "pci.match_ids.0"), "1234:c5a0");
	CU_ASSERT_EQUAL(jv_get(doc, "pci.devices")->count, 2);
	CU_ASSERT_STRING_EQUAL(jv_get_str(doc, "pci.devices.0.bdf"), "0000:00:04.0");
	CU_ASSERT(jv_get_u64(doc, "pci.devices.0.vendor_id", &u) && u == CSA_PCI_VENDOR_ID);
	CU_ASSERT(jv_get_u64(doc, "pci.devices.0.subsystem_vendor_id", &u) && u == 0x1af4);
	bars = jv_get(doc, "pci.devices.0.bars");
	CU_ASSERT_PTR_NOT_NULL_FATAL(bars);
	CU_ASSERT_EQUAL(bars->count, 3);	/* BAR0, BAR2 (64-bit), BAR4 */
	CU_ASSERT(jv_get_i64(doc, "pci.devices.0.bars.1.index", &i) && i == CSA_BAR_DEVMEM);
	CU_ASSERT(jv_get_u64(doc, "pci.devices.0.bars.1.size", &u) && u == 256ull << 20);
	CU_ASSERT_EQUAL(jv_get(doc, "pci.devices.0.bars.1.prefetchable")->boolean, true);
	CU_ASSERT_EQUAL(jv_get(doc, "pci.devices.0.bars.1.mem64")->boolean, true);
	CU_ASSERT(jv_get_u64(doc, "pci.devices.0.bars.0.size", &u) && u == CSA_REGS_SIZE);
	CU_ASSERT_STRING_EQUAL(jv_get_str(doc, "pci.devices.0.link.current_speed"), "2.5 GT/s");
	CU_ASSERT(jv_get_u64(doc, "pci.devices.0.link.max_width", &u) && u == 16);
	CU_ASSERT_STRING_EQUAL(jv_get_str(doc, "pci.devices.0.interrupts"), "MSI-X");
	CU_ASSERT_STRING_EQUAL(jv_get_str(doc, "pci.devices.0.driver"), "csa");
	CU_ASSERT_STRING_EQUAL(jv_get_str(doc, "pci.devices.0.accel_node"), "/dev/accel/accel97");
	CU_ASSERT_EQUAL(jv_get(doc, "pci.devices.0.hint")->type, JV_NULL);
	CU_ASSERT_EQUAL(jv_get(doc, "pci.devices.1.driver")->type, JV_NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(jv_get_str(doc, "pci.devices.1.hint"), "modprobe csa"));
	jv_free(doc);
	run_free(&r);

	/* --compact: one line, same document */
	r = run_tool("--compact", "-d", "sim", "--sysfs", root, NULL);
	CU_ASSERT_EQUAL(r.code, 0);
	CU_ASSERT_EQUAL(count_lines(r.out), 1);
	doc = jv_parse(r.out, NULL);
	CU_ASSERT_PTR_NOT_NULL(doc);
	CU_ASSERT_STRING_EQUAL(jv_get_str(doc, "pci.devices.1.bdf"), "0000:00:05.0");
	jv_free(doc);
	run_free(&r);
}

static void test_text_pci_section(void)
{
	const char *root = fake_sysfs_create();
	struct run r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(root);
	r = run_tool("-d", "sim", "--sysfs", root, "--ids", "8086:100e", NULL);
	CU_ASSERT_EQUAL(r.code, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "PCI bus (libpci, IDs 1234:c5a0, 8086:100e)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "0000:00:04.0  [1234:c5a0] rev 02, subsystem 1af4:1100, class 120000"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "BAR2        mem64 0x00000001e0000000  256 MiB, prefetchable"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "link        2.5 GT/s x1 (max 16 GT/s x16)  [downgraded]"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "node        /dev/accel/accel97"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "0000:00:03.0  [8086:100e]"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "bound to e1000, not csa"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "hint        no driver bound: load it (modprobe csa"));
	run_free(&r);
}

static void test_selftest_passes_on_sim(void)
{
	struct run r = run_tool("--selftest", "-d", "sim", NULL);

	CU_ASSERT_EQUAL(r.code, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "PASS: 6/6 cases passed, 8 commands"));
	CU_ASSERT_PTR_NULL(strstr(r.out, "FAIL"));
	CU_ASSERT_STRING_EQUAL(r.err, "");
	run_free(&r);
}

/* After the self-test's one job the counters have moved by what it did. */
static void test_selftest_json_and_counters(void)
{
	struct run r = run_tool("--selftest", "--json", "-d", "sim", NULL);
	struct jv *doc;
	uint64_t u, cycles = 0;
	const struct jv *cases;

	CU_ASSERT_EQUAL(r.code, 0);
	doc = jv_parse(r.out, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	CU_ASSERT_STRING_EQUAL(jv_get_str(doc, "action"), "selftest");
	CU_ASSERT_EQUAL(jv_get(doc, "selftest.passed")->boolean, true);
	CU_ASSERT_STRING_EQUAL(jv_get_str(doc, "selftest.status"), "OK");
	cases = jv_get(doc, "selftest.cases");
	CU_ASSERT_PTR_NOT_NULL_FATAL(cases);
	CU_ASSERT_EQUAL(cases->count, SELFTEST_NUM_CASES);
	CU_ASSERT_STRING_EQUAL(jv_get_str(doc, "selftest.cases.3.name"), "matvec_bcq");
	CU_ASSERT_EQUAL(jv_get(doc, "selftest.cases.3.first_mismatch")->type, JV_NULL);
	CU_ASSERT(jv_get_u64(doc, "selftest.commands", &u) && u == 8);
	CU_ASSERT(jv_get_u64(doc, "selftest.cycles", &cycles) && cycles > 0);
	CU_ASSERT(jv_get_u64(doc, "counters.commands", &u) && u == 8);
	CU_ASSERT(jv_get_u64(doc, "counters.jobs_submitted", &u) && u == 1);
	CU_ASSERT(jv_get_u64(doc, "counters.jobs_completed", &u) && u == 1);
	CU_ASSERT(jv_get_u64(doc, "counters.total_cycles", &u) && u == cycles);
	CU_ASSERT(jv_get_u64(doc, "counters.dma_bytes", &u) &&
		  u == selftest_buffer_size());
	CU_ASSERT(jv_get_u64(doc, "counters.busy_cycles.dma", &u) && u > 0);
	CU_ASSERT(jv_get_u64(doc, "counters.busy_cycles.bcq", &u) && u > 0);
	CU_ASSERT(jv_get_u64(doc, "counters.busy_cycles.vector", &u) && u > 0);
	CU_ASSERT(jv_get_u64(doc, "counters.errors.failed_commands", &u) && u == 0);
	CU_ASSERT(jv_get_u64(doc, "counters.ring.in_flight", &u) && u == 0);
	jv_free(doc);
	run_free(&r);
}

/* The checker catches a wrong result: corrupt what the device left. */
static void test_selftest_detects_wrong_results(void)
{
	struct accel_dev *dev;
	struct selftest_result r;
	size_t size = selftest_buffer_size();
	uint8_t *buf = malloc(size), *copy = malloc(size);
	float *f;
	uint32_t *u;

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
	CU_ASSERT_EQUAL_FATAL(accel_open("sim", &dev), 0);
	CU_ASSERT_EQUAL(selftest_run(dev, &r, buf), 0);
	accel_close(dev);
	CU_ASSERT_EQUAL(r.passed, SELFTEST_NUM_CASES);

	/* one ulp off in one ADD element: bit-exact check fails */
	memcpy(copy, buf, size);
	u = (uint32_t *)(copy + selftest_output_offset(SELFTEST_ADD));
	u[5] ^= 1;
	selftest_verify(copy, &r);
	CU_ASSERT_FALSE(r.cases[SELFTEST_ADD].passed);
	CU_ASSERT_EQUAL(r.cases[SELFTEST_ADD].mismatches, 1);
	CU_ASSERT_EQUAL(r.cases[SELFTEST_ADD].first_bad, 5);
	f = (float *)(buf + selftest_output_offset(SELFTEST_ADD));
	CU_ASSERT(r.cases[SELFTEST_ADD].want == f[5]);
	CU_ASSERT(r.cases[SELFTEST_ADD].got != f[5]);
	CU_ASSERT_EQUAL(r.cases[SELFTEST_COPY].first_bad, -1);
	CU_ASSERT_EQUAL(r.passed, SELFTEST_NUM_CASES - 1);

	/* RMSNORM: within tolerance passes, 1e-3 off fails */
	memcpy(copy, buf, size);
	u = (uint32_t *)(copy + selftest_output_offset(SELFTEST_RMSNORM));
	u[2] ^= 1;
	selftest_verify(copy, &r);
	CU_ASSERT_TRUE(r.cases[SELFTEST_RMSNORM].passed);
	f = (float *)(copy + selftest_output_offset(SELFTEST_RMSNORM));
	f[2] *= 1.001f;
	selftest_verify(copy, &r);
	CU_ASSERT_FALSE(r.cases[SELFTEST_RMSNORM].passed);

	/* wrong argmax index; NaN in the BCQ output; a zeroed COPY */
	memcpy(copy, buf, size);
	u = (uint32_t *)(copy + selftest_output_offset(SELFTEST_ARGMAX));
	u[0] += 1;
	f = (float *)(copy + selftest_output_offset(SELFTEST_MATVEC_BCQ));
	f[0] = NAN;
	memset(copy + selftest_output_offset(SELFTEST_COPY), 0, 16);
	selftest_verify(copy, &r);
	CU_ASSERT_FALSE(r.cases[SELFTEST_ARGMAX].passed);
	CU_ASSERT_EQUAL(r.cases[SELFTEST_ARGMAX].first_bad, 0);
	CU_ASSERT(r.cases[SELFTEST_ARGMAX].got == 74.0);
	CU_ASSERT(r.cases[SELFTEST_ARGMAX].want == 73.0);
	CU_ASSERT_FALSE(r.cases[SELFTEST_MATVEC_BCQ].passed);
	CU_ASSERT_FALSE(r.cases[SELFTEST_COPY].passed);
	CU_ASSERT_TRUE(r.cases[SELFTEST_MATVEC_F32].passed);
	CU_ASSERT_EQUAL(r.passed, SELFTEST_NUM_CASES - 3);
	free(buf);
	free(copy);
}

static void test_reset_on_sim(void)
{
	struct run r = run_tool("--reset", "--json", "-d", "sim", NULL);
	struct jv *doc;
	uint64_t before = 0, after = 0;

	CU_ASSERT_EQUAL(r.code, 0);
	doc = jv_parse(r.out, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	CU_ASSERT_STRING_EQUAL(jv_get_str(doc, "action"), "reset");
	CU_ASSERT_EQUAL(jv_get(doc, "ok")->boolean, true);
	CU_ASSERT(jv_get_u64(doc, "resets_before", &before));
	CU_ASSERT(jv_get_u64(doc, "resets_after", &after));
	CU_ASSERT_EQUAL(after, before + 1);
	jv_free(doc);
	run_free(&r);
}

static void test_watch_on_sim(void)
{
	struct run r = run_tool("--watch=0.01", "--count", "3", "--json", "-d", "sim", NULL);
	char *line, *save = NULL;
	int64_t n = 0, expect = 0;

	CU_ASSERT_EQUAL(r.code, 0);
	CU_ASSERT_EQUAL(count_lines(r.out), 3);	/* JSON Lines */
	for (line = strtok_r(r.out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		struct jv *doc = jv_parse(line, NULL);

		CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
		CU_ASSERT(jv_get_i64(doc, "sample", &n) && n == expect);
		CU_ASSERT_STRING_EQUAL(jv_get_str(doc, "action"), "watch");
		CU_ASSERT_PTR_NOT_NULL(jv_get(doc, "counters.busy_cycles.pim"));
		expect++;
		jv_free(doc);
	}
	CU_ASSERT_EQUAL(expect, 3);
	run_free(&r);

	r = run_tool("-w0.01", "-n", "2", "-d", "sim", NULL);
	CU_ASSERT_EQUAL(r.code, 0);
	CU_ASSERT_EQUAL(count_lines(r.out), 4);	/* header, sim note + 2 samples */
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "watching sim (backend sim) every 0.01 s"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "this accel-info process's own simulator"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "cmds 0 (+0)"));
	/* samples carry the wall-clock time and, from the second on, the
	 * utilization over the interval */
	{
		const char *l3 = strchr(strchr(r.out, '\n') + 1, '\n') + 1;
		const char *l4 = strchr(l3, '\n') + 1;
		int y, mo, d, h, mi, sec, ms;

		CU_ASSERT_EQUAL(sscanf(l3, "%4d-%2d-%2d %2d:%2d:%2d.%3d", &y, &mo, &d, &h, &mi,
				       &sec, &ms), 7);
		CU_ASSERT(y >= 2024 && mo >= 1 && mo <= 12);
		CU_ASSERT_PTR_NOT_NULL(strstr(l3, "util -"));
		CU_ASSERT_PTR_NOT_NULL(strstr(l4, "util 0.0%"));
	}
	run_free(&r);
}

/* nvidia-smi's --query/--format=csv on the sim backend. */
static void test_query_csv(void)
{
	struct run r = run_tool("-d", "sim", "--query=name,backend,memory.total,memory.used,utilization.device,processes,driver_version",
				"--format=csv", NULL);

	CU_ASSERT_EQUAL(r.code, 0);
	CU_ASSERT_STRING_EQUAL(r.out,
		"name, backend, memory.total [MiB], memory.used [MiB], utilization.device [%], processes, driver_version\n"
		"sim, sim, 256.0 MiB, 0.0 MiB, 0.0 %, [N/A], [N/A]\n");
	run_free(&r);
	r = run_tool("-d", "sim:devmem=64M", "--query=memory.total,commands", "--format=csv,noheader,nounits",
		     "-w0.01", "-n", "3", NULL);
	CU_ASSERT_EQUAL(r.code, 0);
	CU_ASSERT_STRING_EQUAL(r.out, "64.0, 0\n64.0, 0\n64.0, 0\n");
	run_free(&r);
	r = run_tool("--query=help", NULL);
	CU_ASSERT_EQUAL(r.code, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "utilization.bcq"));
	run_free(&r);
	/* bad input: one line, usage exit code */
	r = run_tool("-d", "sim", "--query=name,bogus", NULL);
	CU_ASSERT_EQUAL(r.code, ACCEL_INFO_EXIT_USAGE);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "'bogus'"));
	CU_ASSERT_EQUAL(count_lines(r.err), 1);
	run_free(&r);
	r = run_tool("-d", "sim", "--query=name", "--format=xml", NULL);
	CU_ASSERT_EQUAL(r.code, ACCEL_INFO_EXIT_USAGE);
	run_free(&r);
	r = run_tool("-d", "sim", "--format=csv", NULL);
	CU_ASSERT_EQUAL(r.code, ACCEL_INFO_EXIT_USAGE);
	run_free(&r);
	r = run_tool("-d", "sim", "--query=name", "--json", NULL);
	CU_ASSERT_EQUAL(r.code, ACCEL_INFO_EXIT_USAGE);
	run_free(&r);
}

/* The utilization arithmetic: busy cycles over interval x clock. */
static void test_utilization(void)
{
	struct drm_csa_counters a = { 0 }, b = { 0 };

	b.total_cycles = 1000;
	b.busy_cycles[CSA_ENGINE_BCQ] = 250;
	a.total_cycles = 1000 + 50000;		/* 1 ms at 100 MHz = 100000 */
	a.busy_cycles[CSA_ENGINE_BCQ] = 250 + 25000;
	CU_ASSERT_DOUBLE_EQUAL(query_utilization(&a, &b, -1, 0.001, 100000), 50.0, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(query_utilization(&a, &b, CSA_ENGINE_BCQ, 0.001, 100000), 25.0, 1e-9);
	CU_ASSERT(query_utilization(&a, NULL, -1, 0.001, 100000) < 0);	/* no interval */
	CU_ASSERT(query_utilization(&b, &a, -1, 0.001, 100000) < 0);	/* reset between */
	a.total_cycles = 1000 + 500000;
	CU_ASSERT_DOUBLE_EQUAL(query_utilization(&a, &b, -1, 0.001, 100000), 100.0, 1e-9);
}

/* The text report says what sim counters are and shows the versions. */
static void test_report_versions_processes_sim(void)
{
	struct run r = run_tool("-d", "sim", "--no-pci", NULL);

	CU_ASSERT_EQUAL(r.code, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "versions     no driver (in-process sim, libaccel " ACCEL_VERSION_STRING));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "processes    none visible: the sim backend is this accel-info process's own simulator"));
	run_free(&r);
}

/* With no -d and no card, libaccel's default (the sim) is reported. */
static void test_default_device_is_sim(void)
{
	const char *saved = getenv("ACCEL_DEVICE");
	char *copy = saved ? strdup(saved) : NULL;
	struct run r;

	setenv("ACCEL_DEVICE", "sim", 1);
	r = run_tool("--json", "--no-pci", NULL);
	CU_ASSERT_EQUAL(r.code, 0);
	struct jv *doc = jv_parse(r.out, NULL);

	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	CU_ASSERT_STRING_EQUAL(jv_get_str(doc, "devices.0.backend"), "sim");
	CU_ASSERT_EQUAL(jv_get(doc, "pci")->type, JV_NULL);
	jv_free(doc);
	run_free(&r);
	if (copy) {
		setenv("ACCEL_DEVICE", copy, 1);
		free(copy);
	} else {
		unsetenv("ACCEL_DEVICE");
	}
}

static int cli_suite_cleanup(void)
{
	fake_sysfs_remove();
	return 0;
}

int add_cli_suite(void)
{
	CU_pSuite s = CU_add_suite("cli on sim", NULL, cli_suite_cleanup);

	if (!s)
		return -1;
	if (!CU_add_test(s, "errno -> exit code", test_exit_code_mapping) ||
	    !CU_add_test(s, "bad flags: exit 2, one line", test_bad_flag_is_usage) ||
	    !CU_add_test(s, "missing device: exit 3", test_missing_device_exit_code) ||
	    !CU_add_test(s, "permission denied: exit 4", test_permission_denied_exit_code) ||
	    !CU_add_test(s, "card with a missing node: exit 3", test_card_node_missing) ||
	    !CU_add_test(s, "--version, --help", test_version_and_help) ||
	    !CU_add_test(s, "text report on sim", test_text_report_on_sim) ||
	    !CU_add_test(s, "JSON report on sim + PCI tree", test_json_report_on_sim) ||
	    !CU_add_test(s, "text PCI section", test_text_pci_section) ||
	    !CU_add_test(s, "self-test passes on sim", test_selftest_passes_on_sim) ||
	    !CU_add_test(s, "self-test JSON, counters moved", test_selftest_json_and_counters) ||
	    !CU_add_test(s, "self-test catches wrong results", test_selftest_detects_wrong_results) ||
	    !CU_add_test(s, "reset on sim", test_reset_on_sim) ||
	    !CU_add_test(s, "watch on sim", test_watch_on_sim) ||
	    !CU_add_test(s, "--query --format=csv", test_query_csv) ||
	    !CU_add_test(s, "utilization over an interval", test_utilization) ||
	    !CU_add_test(s, "versions, processes on sim", test_report_versions_processes_sim) ||
	    !CU_add_test(s, "default device is the sim", test_default_device_is_sim))
		return -1;
	return 0;
}
