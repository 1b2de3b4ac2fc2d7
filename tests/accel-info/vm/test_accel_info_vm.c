// SPDX-License-Identifier: MIT
/*
 * test-accel-info-vm: accel-info against a real CSA card (the QEMU device
 * in the VM, or an FPGA board).  Not part of `make test`: without a card it
 * fails, on purpose.  Built static (make accel-info-vm-tests) for the VM's
 * initramfs.  Checks: the card on the bus with its IDs, BARs and interrupt
 * mode, the csa driver bound with a node, the JSON report of that node, the
 * self-test, the counters moving by what the self-test did, reset, and the
 * exit code of a missing node.
 */
#include <CUnit/Basic.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <accel/accel.h>
#include <csa/csa_device.h>

#include "tests/accel-info/json_reader.h"
#include "userspace-tools/accel-info/cli.h"
#include "userspace-tools/accel-info/pci_scan.h"
#include "userspace-tools/accel-info/report.h"
#include "userspace-tools/accel-info/selftest.h"
#include "tests/common/cunit_run.h"

static struct pci_card card;	/* the first CSA card, from the scan */
static bool have_card;

struct run {
	int code;
	char *out;
	size_t size;
};

static struct run run_tool(const char *first, ...)
{
	char *argv[16] = { "accel-info" };
	int argc = 1;
	va_list ap;
	struct run r = { 0 };
	FILE *out = open_memstream(&r.out, &r.size);

	va_start(ap, first);
	for (const char *a = first; a && argc < 15; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	r.code = accel_info_main(argc, argv, out, stderr);
	fclose(out);
	return r;
}

static void test_card_on_bus(void)
{
	struct pci_scan_opts o = {
		.sysfs_root = "/sys", .num_ids = 1,
		.ids = { { CSA_PCI_VENDOR_ID, CSA_PCI_DEVICE_ID } } };
	struct pci_scan_result r;

	CU_ASSERT_EQUAL_FATAL(pci_scan(&o, &r), 0);
	CU_ASSERT_FATAL(r.count >= 1);
	card = r.cards[0];
	have_card = true;
	pci_scan_free(&r);
	printf("  card %s [%04x:%04x] class %06x driver '%s' node '%s' irq %s\n",
	       card.bdf, card.vendor, card.device, card.class_code, card.driver,
	       card.accel_node, pci_irq_mode_name(card.irq_mode));
	CU_ASSERT_EQUAL(card.class_code >> 8, CSA_PCI_CLASS >> 8);
	/* BAR0: the 4 KiB register file, non-prefetchable */
	CU_ASSERT_TRUE(card.bar[CSA_BAR_REGS].present);
	CU_ASSERT_FALSE(card.bar[CSA_BAR_REGS].io);
	CU_ASSERT_FALSE(card.bar[CSA_BAR_REGS].prefetchable);
	CU_ASSERT_EQUAL(card.bar[CSA_BAR_REGS].size, CSA_REGS_SIZE);
	CU_ASSERT_NOT_EQUAL(card.bar[CSA_BAR_REGS].addr, 0);
	/* BAR4: the MSI-X table */
	CU_ASSERT_TRUE(card.bar[CSA_BAR_MSIX].present);
	CU_ASSERT(card.bar[CSA_BAR_MSIX].size > 0);
	if (card.link.known) {
		printf("  link %s x%u of %s x%u\n",
		       pcie_speed_name(card.link.cur_speed), card.link.cur_width,
		       pcie_speed_name(card.link.max_speed), card.link.max_width);
		CU_ASSERT(card.link.cur_width >= 1);
		CU_ASSERT(card.link.cur_width <= card.link.max_width);
		CU_ASSERT(card.link.cur_speed <= card.link.max_speed);
	}
}

static void test_driver_bound(void)
{
	struct stat st;
	char path[128], kind[16] = "";
	FILE *f;

	CU_ASSERT_FATAL(have_card);
	CU_ASSERT_STRING_EQUAL(card.driver, "csa");
	CU_ASSERT_FATAL(card.accel_node[0] != '\0');
	CU_ASSERT_EQUAL(stat(card.accel_node, &st), 0);
	CU_ASSERT_TRUE(S_ISCHR(st.st_mode));
	/* what the driver says it allocated agrees with config space */
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/irq_kind", card.bdf);
	f = fopen(path, "r");
	if (f) {
		if (fgets(kind, sizeof(kind), f))
			kind[strcspn(kind, "\n")] = '\0';
		fclose(f);
		CU_ASSERT_STRING_EQUAL(kind, card.irq_mode == PCI_IRQ_MSIX ? "msix" :
				       card.irq_mode == PCI_IRQ_MSI ? "msi" :
				       card.irq_mode == PCI_IRQ_INTX ? "intx" : "?");
	}
	CU_ASSERT_EQUAL(card.irq_mode, PCI_IRQ_MSIX);
}

static void test_json_report_of_card(void)
{
	struct run r;
	struct jv *doc;
	uint64_t u;

	CU_ASSERT_FATAL(have_card && card.accel_node[0]);
	r = run_tool("--json", NULL);	/* the default: every bound card */
	CU_ASSERT_EQUAL(r.code, 0);
	doc = jv_parse(r.out, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	CU_ASSERT_STRING_EQUAL(jv_get_str(doc, "devices.0.backend"), "drm");
	CU_ASSERT_STRING_EQUAL(jv_get_str(doc, "devices.0.path"), card.accel_node);
	CU_ASSERT_EQUAL(jv_get(doc, "devices.0.simulated")->boolean, false);
	CU_ASSERT_STRING_EQUAL(jv_get_str(doc, "devices.0.pci_bdf"), card.bdf);
	CU_ASSERT(jv_get_u64(doc, "devices.0.identity.pci_vendor", &u) && u == CSA_PCI_VENDOR_ID);
	CU_ASSERT(jv_get_u64(doc, "devices.0.identity.pci_device", &u) && u == CSA_PCI_DEVICE_ID);
	CU_ASSERT(jv_get_u64(doc, "devices.0.identity.hw_version_raw", &u) && u == CSA_VERSION);
	CU_ASSERT(jv_get_u64(doc, "devices.0.identity.uapi_major", &u) && u == DRM_CSA_UAPI_MAJOR);
	CU_ASSERT(jv_get_u64(doc, "devices.0.memory.total_bytes", &u) && u > 0);
	CU_ASSERT(jv_get_u64(doc, "devices.0.cycle_model.clock_khz", &u) && u > 0);
	CU_ASSERT_STRING_EQUAL(jv_get_str(doc, "pci.devices.0.bdf"), card.bdf);
	CU_ASSERT_STRING_EQUAL(jv_get_str(doc, "pci.devices.0.driver"), "csa");
	CU_ASSERT_STRING_EQUAL(jv_get_str(doc, "pci.devices.0.interrupts"), "MSI-X");
	CU_ASSERT(jv_get_u64(doc, "pci.devices.0.bars.0.size", &u) && u == CSA_REGS_SIZE);
	CU_ASSERT_EQUAL(jv_get(doc, "pci.devices.0.hint")->type, JV_NULL);
	if (r.code == 0)
		fputs(r.out, stdout);	/* the VM log keeps the whole report */
	jv_free(doc);
	free(r.out);
}

static void test_selftest_moves_counters(void)
{
	struct accel_dev *dev;
	struct drm_csa_counters before, after;
	struct run r;

	CU_ASSERT_FATAL(have_card && card.accel_node[0]);
	CU_ASSERT_EQUAL_FATAL(accel_open(card.accel_node, &dev), 0);
	CU_ASSERT_EQUAL(accel_query_counters(dev, &before), 0);
	r = run_tool("--selftest", "-d", card.accel_node, NULL);
	CU_ASSERT_EQUAL(r.code, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "PASS: 6/6"));
	fputs(r.out, stdout);
	free(r.out);
	CU_ASSERT_EQUAL(accel_query_counters(dev, &after), 0);
	accel_close(dev);
	/* device-wide counters: at least what the self-test did */
	CU_ASSERT(after.commands >= before.commands + 8);
	CU_ASSERT(after.jobs_completed >= before.jobs_completed + 1);
	CU_ASSERT(after.dma_bytes >= before.dma_bytes + selftest_buffer_size());
	CU_ASSERT(after.busy_cycles[CSA_ENGINE_BCQ] > before.busy_cycles[CSA_ENGINE_BCQ]);
	CU_ASSERT(after.busy_cycles[CSA_ENGINE_DMA] > before.busy_cycles[CSA_ENGINE_DMA]);
	CU_ASSERT(after.total_cycles > before.total_cycles);
	CU_ASSERT_EQUAL(after.errors, before.errors);
	CU_ASSERT_EQUAL(after.in_flight, 0);
}

static void test_reset_then_selftest(void)
{
	struct run r;
	struct jv *doc;
	uint64_t before = 0, after = 0;

	CU_ASSERT_FATAL(have_card && card.accel_node[0]);
	r = run_tool("--reset", "--json", "-d", card.accel_node, NULL);
	CU_ASSERT_EQUAL(r.code, 0);	/* the VM runs as root */
	doc = jv_parse(r.out, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	CU_ASSERT(jv_get_u64(doc, "resets_before", &before));
	CU_ASSERT(jv_get_u64(doc, "resets_after", &after));
	CU_ASSERT_EQUAL(after, before + 1);
	jv_free(doc);
	free(r.out);
	r = run_tool("--selftest", "-d", card.accel_node, NULL);
	CU_ASSERT_EQUAL(r.code, 0);
	free(r.out);
}

static void test_missing_node(void)
{
	struct run r = run_tool("--no-pci", "-d", "/dev/accel/accel63", NULL);

	CU_ASSERT_EQUAL(r.code, ACCEL_INFO_EXIT_NO_DEVICE);
	free(r.out);
}

int main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("accel-info on a card", NULL, NULL);
	if (!s ||
	    !CU_add_test(s, "card on the bus: IDs, BARs, link", test_card_on_bus) ||
	    !CU_add_test(s, "csa bound, node, MSI-X", test_driver_bound) ||
	    !CU_add_test(s, "JSON report of the card", test_json_report_of_card) ||
	    !CU_add_test(s, "self-test passes, counters move", test_selftest_moves_counters) ||
	    !CU_add_test(s, "reset, then self-test again", test_reset_then_selftest) ||
	    !CU_add_test(s, "missing node: exit 3", test_missing_node)) {
		CU_cleanup_registry();
		return 2;
	}
	return cunit_run_and_cleanup();
}
