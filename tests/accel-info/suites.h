/* SPDX-License-Identifier: MIT */
/* suites.h - registration of the accel-info CUnit suites (0 or -1). */
#ifndef TEST_ACCEL_INFO_SUITES_H
#define TEST_ACCEL_INFO_SUITES_H

#include <stddef.h>
#include <stdio.h>

int add_json_suite(void);
int add_pci_suite(void);
int add_cli_suite(void);
int add_fdinfo_suite(void);

/* A memory stream and what was written to it (test_json.c). */
struct membuf {
	FILE *f;
	char *data;
	size_t size;
};

void membuf_open(struct membuf *m);
/* Close the stream; data stays valid until membuf_free. */
const char *membuf_text(struct membuf *m);
void membuf_free(struct membuf *m);

/* A constructed sysfs tree (test_pci.c) with two CSA cards and one other
 * device; returns its root (static storage) or NULL. */
const char *fake_sysfs_create(void);
void fake_sysfs_remove(void);

#endif /* TEST_ACCEL_INFO_SUITES_H */
