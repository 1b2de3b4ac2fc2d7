// SPDX-License-Identifier: MIT
/* report.c - the accel-info report in text and JSON; see report.h. */
#include "report.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "names.h"

void snapshot_take(struct accel_dev *dev, struct device_snapshot *s)
{
	memset(s, 0, sizeof(*s));
	s->info_err = accel_query_info(dev, &s->info);
	s->counters_err = accel_query_counters(dev, &s->counters);
}

static bool is_sim(const struct accel_info *info)
{
	return strcmp(info->backend, "sim") == 0;
}

static void read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");

	buf[0] = 0;
	if (!f)
		return;
	if (fgets(buf, (int)size, f))
		buf[strcspn(buf, "\n")] = 0;
	fclose(f);
}

void snapshot_add_host_facts(struct device_snapshot *s, const char *sysfs_root,
			     const char *proc_root)
{
	char path[512];

	if (s->info_err || is_sim(&s->info))
		return;
	snprintf(path, sizeof(path), "%s/module/csa/version", sysfs_root);
	read_line(path, s->driver_version, sizeof(s->driver_version));
	if (!s->driver_version[0]) {	/* no MODULE_VERSION: the source hash */
		snprintf(path, sizeof(path), "%s/module/csa/srcversion", sysfs_root);
		read_line(path, s->driver_version, sizeof(s->driver_version));
	}
	s->n_clients = fdinfo_scan(proc_root, "csa", s->pci_bdf, s->info.path, s->clients,
				   (int)(sizeof(s->clients) / sizeof(s->clients[0])));
	if (s->n_clients < 0) {
		s->clients_err = s->n_clients;
		s->n_clients = 0;
	}
}

/* One client's fdinfo values as "name value" pairs. */
static void text_client(FILE *out, const struct fdinfo_client *c)
{
	fprintf(out, "    pid %-7d %-16s ", c->pid, c->comm);
	if (c->have_client_id)
		fprintf(out, "client %llu", (unsigned long long)c->client_id);
	else
		fprintf(out, "(open; the driver shows no fdinfo usage)");
	for (int i = 0; i < c->n_values; i++) {
		const struct fdinfo_value *v = &c->values[i];

		if (!strncmp(v->name, "engine-", 7))
			fprintf(out, "  %s %.3f ms", v->name + 7, (double)v->value / 1e6);
		else
			fprintf(out, "  %s %llu", v->name, (unsigned long long)v->value);
	}
	fputc('\n', out);
}

static void text_processes(FILE *out, const struct device_snapshot *s)
{
	if (is_sim(&s->info)) {
		fprintf(out, "  processes    none visible: the sim backend is this accel-info process's own simulator;\n"
			"               its counters start at zero and no other process can use it\n");
		return;
	}
	if (s->clients_err) {
		fprintf(out, "  processes    cannot read /proc: %s\n", accel_strerror(s->clients_err));
		return;
	}
	if (!s->n_clients) {
		fprintf(out, "  processes    none (from the driver's fdinfo; other users' need root)\n");
		return;
	}
	fprintf(out, "  processes    %d (from the driver's fdinfo)\n", s->n_clients);
	for (int i = 0; i < s->n_clients; i++)
		text_client(out, &s->clients[i]);
}

/* ---- PCI ------------------------------------------------------------- */

static void id_list_text(const struct pci_scan_opts *o, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < o->num_ids && used < size; i++) {
		int n = snprintf(buf + used, size - used, "%s%04x:%04x",
				 i ? ", " : "", o->ids[i].vendor,
				 o->ids[i].device);

		if (n < 0)
			break;
		used += (size_t)n;
	}
}

static const char *bar_kind(const struct pci_bar *b)
{
	if (b->io)
		return "io";
	return b->mem64 ? "mem64" : "mem32";
}

static void text_card(FILE *out, const struct pci_card *c)
{
	char sz[32], hint[512];
	const char *h;

	fprintf(out, "  %s  [%04x:%04x] rev %02x, subsystem %04x:%04x, class %06x\n",
		c->bdf, c->vendor, c->device, c->revision, c->subsys_vendor,
		c->subsys_device, c->class_code);
	for (int i = 0; i < PCI_NUM_BARS; i++) {
		const struct pci_bar *b = &c->bar[i];

		if (!b->present)
			continue;
		fprintf(out, "    BAR%d        %-5s 0x%016" PRIx64 "  %s%s\n", i,
			bar_kind(b), b->addr,
			b->size ? format_bytes(b->size, sz, sizeof(sz)) : "size ?",
			b->prefetchable ? ", prefetchable" : "");
	}
	if (c->link.known)
		fprintf(out, "    link        %s x%u (max %s x%u)%s\n",
			pcie_speed_name(c->link.cur_speed), c->link.cur_width,
			pcie_speed_name(c->link.max_speed), c->link.max_width,
			c->link.cur_speed < c->link.max_speed ||
			c->link.cur_width < c->link.max_width ? "  [downgraded]" : "");
	else
		fprintf(out, "    link        unknown (no PCIe capability, or config space needs root)\n");
	fprintf(out, "    interrupts  %s\n", pci_irq_mode_name(c->irq_mode));
	if (c->numa_node >= 0)
		fprintf(out, "    NUMA node   %d\n", c->numa_node);
	else
		fprintf(out, "    NUMA node   none\n");
	fprintf(out, "    driver      %s\n", c->driver[0] ? c->driver : "(none)");
	fprintf(out, "    node        %s\n",
		c->accel_node[0] ? c->accel_node : "(none)");
	h = pci_card_hint(c, hint, sizeof(hint));
	if (h)
		fprintf(out, "    hint        %s\n", h);
}

void report_text_pci(FILE *out, const struct pci_scan_opts *o,
		     const struct pci_scan_result *r, int scan_err)
{
	char ids[128];

	id_list_text(o, ids, sizeof(ids));
	fprintf(out, "PCI bus (%s, IDs %s)\n", r->method ? r->method : "-", ids);
	if (scan_err) {
		fprintf(out, "  not readable: %s\n", strerror(-scan_err));
		return;
	}
	if (!r->count)
		fprintf(out, "  no card with these IDs\n");
	for (size_t i = 0; i < r->count; i++)
		text_card(out, &r->cards[i]);
}

static void json_id(struct json_writer *w, const char *key, uint16_t vendor,
		    uint16_t device)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%04x:%04x", vendor, device);
	json_member_string(w, key, buf);
}

static void json_optional_string(struct json_writer *w, const char *key,
				 const char *s)
{
	if (s && s[0])
		json_member_string(w, key, s);
	else
		json_member_null(w, key);
}

/* The names of the set bits of @value, as a JSON array (unknown bits have
 * none: the raw value stands beside it). */
static void json_bit_names(struct json_writer *w, uint64_t value,
			   const struct bit_name *names, size_t count)
{
	json_array_begin(w);
	for (size_t b = 0; b < count; b++)
		if (value & names[b].bit)
			json_string(w, names[b].name);
	json_array_end(w);
}

static void json_card(struct json_writer *w, const struct pci_card *c)
{
	char hint[512];

	json_object_begin(w);
	json_member_string(w, "bdf", c->bdf);
	json_id(w, "id", c->vendor, c->device);
	json_member_uint(w, "vendor_id", c->vendor);
	json_member_uint(w, "device_id", c->device);
	json_member_uint(w, "subsystem_vendor_id", c->subsys_vendor);
	json_member_uint(w, "subsystem_device_id", c->subsys_device);
	json_member_uint(w, "class", c->class_code);
	json_member_uint(w, "revision", c->revision);
	json_key(w, "bars");
	json_array_begin(w);
	for (int i = 0; i < PCI_NUM_BARS; i++) {
		const struct pci_bar *b = &c->bar[i];

		if (!b->present)
			continue;
		json_object_begin(w);
		json_member_int(w, "index", i);
		json_member_string(w, "type", b->io ? "io" : "mem");
		json_member_uint(w, "address", b->addr);
		json_member_uint(w, "size", b->size);
		json_member_bool(w, "mem64", b->mem64);
		json_member_bool(w, "prefetchable", b->prefetchable);
		json_object_end(w);
	}
	json_array_end(w);
	json_key(w, "link");
	if (c->link.known) {
		json_object_begin(w);
		json_member_string(w, "current_speed",
				   pcie_speed_name(c->link.cur_speed));
		json_member_uint(w, "current_speed_mts",
				 pcie_speed_mts(c->link.cur_speed));
		json_member_uint(w, "current_width", c->link.cur_width);
		json_member_string(w, "max_speed",
				   pcie_speed_name(c->link.max_speed));
		json_member_uint(w, "max_speed_mts",
				 pcie_speed_mts(c->link.max_speed));
		json_member_uint(w, "max_width", c->link.max_width);
		json_object_end(w);
	} else {
		json_null(w);
	}
	json_member_int(w, "numa_node", c->numa_node);
	json_member_string(w, "interrupts", pci_irq_mode_name(c->irq_mode));
	json_member_uint(w, "config_bytes_readable", c->cfg_len);
	json_optional_string(w, "driver", c->driver);
	json_optional_string(w, "accel_node", c->accel_node);
	json_optional_string(w, "hint", pci_card_hint(c, hint, sizeof(hint)));
	json_object_end(w);
}

void report_json_pci(struct json_writer *w, const struct pci_scan_opts *o,
		     const struct pci_scan_result *r, int scan_err)
{
	json_object_begin(w);
	json_optional_string(w, "method", r->method);
	json_member_bool(w, "available", scan_err == 0);
	json_optional_string(w, "error", scan_err ? strerror(-scan_err) : NULL);
	json_key(w, "match_ids");
	json_array_begin(w);
	for (size_t i = 0; i < o->num_ids; i++) {
		char buf[16];

		snprintf(buf, sizeof(buf), "%04x:%04x", o->ids[i].vendor,
			 o->ids[i].device);
		json_string(w, buf);
	}
	json_array_end(w);
	json_key(w, "devices");
	json_array_begin(w);
	for (size_t i = 0; i < r->count; i++)
		json_card(w, &r->cards[i]);
	json_array_end(w);
	json_object_end(w);
}

/* ---- a device through libaccel ----------------------------------------- */

/* __u64 is unsigned long long on every Linux ABI; print through that. */
#define ULL(x) ((unsigned long long)(x))

static void text_counters(FILE *out, const struct drm_csa_counters *c)
{
	char a[32], b[32], st[32], bits[128];

	fprintf(out, "  commands     %llu completed, jobs %llu submitted / %llu completed\n",
		ULL(c->commands), ULL(c->jobs_submitted), ULL(c->jobs_completed));
	fprintf(out, "  cycles       %llu total;", ULL(c->total_cycles));
	for (unsigned int e = 0; e < CSA_ENGINE_COUNT; e++)
		fprintf(out, " %s %llu", engine_name(e), ULL(c->busy_cycles[e]));
	fprintf(out, "\n");
	fprintf(out, "  traffic      DMA %s, device memory %s\n",
		format_bytes(c->dma_bytes, a, sizeof(a)),
		format_bytes(c->devmem_bytes, b, sizeof(b)));
	fprintf(out, "  ring         SQ head %" PRIu32 " tail %" PRIu32
		", CQ head %" PRIu32 " tail %" PRIu32 ", in flight %" PRIu32 "\n",
		c->sq_head, c->sq_tail, c->cq_head, c->cq_tail, c->in_flight);
	fprintf(out, "  errors       %llu failed commands, last status %s, "
		"ERROR_STATUS 0x%" PRIx32 " (%s)\n",
		ULL(c->errors), status_name(c->last_error_status, st, sizeof(st)),
		c->error_status,
		bits_to_text(c->error_status, error_status_names,
			     num_error_status_names, ",", bits, sizeof(bits)));
	fprintf(out, "  resets       %llu\n", ULL(c->resets));
}

void report_text_device(FILE *out, const struct device_snapshot *s)
{
	const struct accel_info *i = &s->info;
	char caps[256], total[32], used[32];

	if (s->info_err) {
		fprintf(out, "Device: info query failed: %s\n",
			accel_strerror(s->info_err));
		return;
	}
	fprintf(out, "Device %s (backend %s%s%s)%s\n", i->path, i->backend,
		s->pci_bdf[0] ? ", PCI " : "", s->pci_bdf,
		is_sim(i) ? "  [sim: the in-process hardware model, not a card]" : "");
	fprintf(out, "  identity     [%04" PRIx32 ":%04" PRIx32 "] hardware %u.%u, "
		"UAPI %" PRIu32 ".%" PRIu32 "\n",
		i->pci_vendor, i->pci_device, i->hw_version >> 16,
		i->hw_version & 0xffff, i->uapi_major, i->uapi_minor);
	if (is_sim(i))
		fprintf(out, "  versions     no driver (in-process sim, libaccel %s), bitstream %u.%u (modelled)\n",
			accel_version(NULL, NULL, NULL), i->hw_version >> 16, i->hw_version & 0xffff);
	else
		fprintf(out, "  versions     driver csa %s, bitstream %u.%u, libaccel %s\n",
			s->driver_version[0] ? s->driver_version : "unknown",
			i->hw_version >> 16, i->hw_version & 0xffff,
			accel_version(NULL, NULL, NULL));
	fprintf(out, "  capabilities 0x%" PRIx64 " (%s)\n", i->capabilities,
		bits_to_text(i->capabilities, capability_names,
			     num_capability_names, " ", caps, sizeof(caps)));
	fprintf(out, "  memory       %s total, %s used (%.1f%%)\n",
		format_bytes(i->devmem_size, total, sizeof(total)),
		format_bytes(i->devmem_used, used, sizeof(used)),
		i->devmem_size ? 100.0 * (double)i->devmem_used /
					 (double)i->devmem_size : 0.0);
	fprintf(out, "  engines      shift-add %" PRIu32 " lanes, PIM %" PRIu32
		" banks x %" PRIu32 " MACs, vector %" PRIu32 " lanes\n",
		i->bcq_lanes, i->pim_banks, i->pim_macs_per_bank, i->vec_lanes);
	fprintf(out, "  cycle model  board %s, %" PRIu32 ".%03" PRIu32 " MHz clock, %" PRIu32
		" MB/s device memory sustained (%" PRIu32 " MB/s peak, %" PRIu32
		" channels), PCIe %" PRIu32 " MB/s\n",
		i->board_name[0] ? i->board_name : "(not reported)",
		i->clock_khz / 1000, i->clock_khz % 1000, i->dram_mbps,
		i->mem_peak_mbps, i->mem_channels, i->pcie_mbps);
	fprintf(out, "  limits       ring %" PRIu32 " entries, %" PRIu32
		" commands per submit\n", i->ring_entries, i->max_cmds);
	if (s->counters_err)
		fprintf(out, "  counters     query failed: %s\n",
			accel_strerror(s->counters_err));
	else
		text_counters(out, &s->counters);
	text_processes(out, s);
}

void report_json_counters(struct json_writer *w,
			  const struct drm_csa_counters *c)
{
	char st[32];

	json_object_begin(w);
	json_key(w, "busy_cycles");
	json_object_begin(w);
	for (unsigned int e = 0; e < CSA_ENGINE_COUNT; e++)
		json_member_uint(w, engine_name(e), c->busy_cycles[e]);
	json_object_end(w);
	json_member_uint(w, "total_cycles", c->total_cycles);
	json_member_uint(w, "commands", c->commands);
	json_member_uint(w, "dma_bytes", c->dma_bytes);
	json_member_uint(w, "devmem_bytes", c->devmem_bytes);
	json_member_uint(w, "jobs_submitted", c->jobs_submitted);
	json_member_uint(w, "jobs_completed", c->jobs_completed);
	json_key(w, "ring");
	json_object_begin(w);
	json_member_uint(w, "sq_head", c->sq_head);
	json_member_uint(w, "sq_tail", c->sq_tail);
	json_member_uint(w, "cq_head", c->cq_head);
	json_member_uint(w, "cq_tail", c->cq_tail);
	json_member_uint(w, "in_flight", c->in_flight);
	json_object_end(w);
	json_key(w, "errors");
	json_object_begin(w);
	json_member_uint(w, "failed_commands", c->errors);
	json_member_string(w, "last_error_status",
			   status_name(c->last_error_status, st, sizeof(st)));
	json_member_uint(w, "last_error_status_code", c->last_error_status);
	json_member_uint(w, "error_status", c->error_status);
	json_key(w, "error_status_bits");
	json_bit_names(w, c->error_status, error_status_names,
		       num_error_status_names);
	json_object_end(w);
	json_member_uint(w, "resets", c->resets);
	json_object_end(w);
}

static const char *buf_hw_version(const struct accel_info *i, char *buf, size_t n)
{
	snprintf(buf, n, "%u.%u", i->hw_version >> 16, i->hw_version & 0xffff);
	return buf;
}

void report_json_device(struct json_writer *w, const struct device_snapshot *s)
{
	const struct accel_info *i = &s->info;
	char buf[32];

	json_object_begin(w);
	if (s->info_err) {
		json_member_string(w, "error", accel_strerror(s->info_err));
		json_member_int(w, "errno", -s->info_err);
		json_object_end(w);
		return;
	}
	json_member_string(w, "path", i->path);
	json_member_string(w, "backend", i->backend);
	json_member_bool(w, "simulated", is_sim(i));
	json_optional_string(w, "pci_bdf", s->pci_bdf);
	json_key(w, "identity");
	json_object_begin(w);
	json_id(w, "id", (uint16_t)i->pci_vendor, (uint16_t)i->pci_device);
	json_member_uint(w, "pci_vendor", i->pci_vendor);
	json_member_uint(w, "pci_device", i->pci_device);
	snprintf(buf, sizeof(buf), "%u.%u", i->hw_version >> 16,
		 i->hw_version & 0xffff);
	json_member_string(w, "hw_version", buf);
	json_member_uint(w, "hw_version_raw", i->hw_version);
	snprintf(buf, sizeof(buf), "%" PRIu32 ".%" PRIu32, i->uapi_major,
		 i->uapi_minor);
	json_member_string(w, "uapi_version", buf);
	json_member_uint(w, "uapi_major", i->uapi_major);
	json_member_uint(w, "uapi_minor", i->uapi_minor);
	json_object_end(w);
	json_key(w, "capabilities");
	json_object_begin(w);
	json_member_uint(w, "mask", i->capabilities);
	json_key(w, "names");
	json_bit_names(w, i->capabilities, capability_names,
		       num_capability_names);
	json_object_end(w);
	json_key(w, "memory");
	json_object_begin(w);
	json_member_uint(w, "total_bytes", i->devmem_size);
	json_member_uint(w, "used_bytes", i->devmem_used);
	json_member_uint(w, "free_bytes", i->devmem_size > i->devmem_used ?
				     i->devmem_size - i->devmem_used : 0);
	json_object_end(w);
	json_key(w, "engines");
	json_object_begin(w);
	json_member_uint(w, "bcq_lanes", i->bcq_lanes);
	json_member_uint(w, "pim_banks", i->pim_banks);
	json_member_uint(w, "pim_macs_per_bank", i->pim_macs_per_bank);
	json_member_uint(w, "vec_lanes", i->vec_lanes);
	json_object_end(w);
	json_key(w, "cycle_model");
	json_object_begin(w);
	json_member_string(w, "board", i->board_name);
	json_member_uint(w, "board_id", i->board_id);
	json_member_uint(w, "clock_khz", i->clock_khz);
	json_member_uint(w, "dram_mbps", i->dram_mbps);
	json_member_uint(w, "mem_peak_mbps", i->mem_peak_mbps);
	json_member_uint(w, "mem_channels", i->mem_channels);
	json_member_uint(w, "pcie_mbps", i->pcie_mbps);
	json_object_end(w);
	json_key(w, "limits");
	json_object_begin(w);
	json_member_uint(w, "ring_entries", i->ring_entries);
	json_member_uint(w, "max_cmds", i->max_cmds);
	json_object_end(w);
	json_key(w, "counters");
	if (s->counters_err)
		json_null(w);
	else
		report_json_counters(w, &s->counters);
	json_optional_string(w, "counters_error", s->counters_err ?
			     accel_strerror(s->counters_err) : NULL);
	json_key(w, "versions");
	json_object_begin(w);
	json_optional_string(w, "driver", s->driver_version);
	json_member_string(w, "bitstream", buf_hw_version(i, buf, sizeof(buf)));
	json_member_string(w, "libaccel", accel_version(NULL, NULL, NULL));
	json_object_end(w);
	/* null on sim: nothing outside this process can be seen */
	json_key(w, "processes");
	if (is_sim(i) || s->clients_err) {
		json_null(w);
	} else {
		json_array_begin(w);
		for (int k = 0; k < s->n_clients; k++) {
			const struct fdinfo_client *c = &s->clients[k];

			json_object_begin(w);
			json_member_int(w, "pid", c->pid);
			json_member_string(w, "command", c->comm);
			if (c->have_client_id)
				json_member_uint(w, "client_id", c->client_id);
			else
				json_member_null(w, "client_id");
			json_key(w, "fdinfo");
			json_object_begin(w);
			for (int v = 0; v < c->n_values; v++)
				json_member_uint(w, c->values[v].name, c->values[v].value);
			json_object_end(w);
			json_object_end(w);
		}
		json_array_end(w);
	}
	json_object_end(w);
}

void report_text_open_error(FILE *out, const char *spec, int err)
{
	fprintf(out, "Device %s: cannot open: %s\n", spec && spec[0] ? spec : "(default)",
		accel_strerror(err));
}

void report_json_open_error(struct json_writer *w, const char *spec, int err)
{
	json_object_begin(w);
	json_member_string(w, "path", spec && spec[0] ? spec : "(default)");
	json_member_string(w, "error", accel_strerror(err));
	json_member_int(w, "errno", -err);
	json_object_end(w);
}
