// SPDX-License-Identifier: MIT
/* models_fixture.c - the models fixture of tests/gguf and tests/llm. */
#include "tests/common/models_fixture.h"

#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef LLM_MODELS_DIR
#define LLM_MODELS_DIR ""
#endif

char tmpdir[64];
char model_path[4096], tok_path[4096], ref_path[4096];
int ref_ids[REF_TOKENS];
int have_models;

const char *models_dir(void)
{
	const char *env = getenv("ACCEL_MODELS");

	return env && *env ? env : LLM_MODELS_DIR;
}

int need_models(void)
{
	if (!have_models)
		fprintf(stderr, "\n  MODELS directory '%s' lacks stories260K.bin, tok512.bin or reference-stories260K.txt: set MODELS=... or ACCEL_MODELS (docs/accel-llm.md says where to get them)\n",
			models_dir());
	CU_ASSERT_FATAL(have_models);
	return have_models;
}

void tmp_path(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "%s/%s", tmpdir, name);
}

int models_fixture_init(const char *tmpl)
{
	FILE *f;
	int n = 0;

	snprintf(tmpdir, sizeof(tmpdir), "%s", tmpl);
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(model_path, sizeof(model_path), "%s/stories260K.bin", models_dir());
	snprintf(tok_path, sizeof(tok_path), "%s/tok512.bin", models_dir());
	snprintf(ref_path, sizeof(ref_path), "%s/reference-stories260K.txt", models_dir());
	f = fopen(ref_path, "r");
	if (!f)
		return 0;
	while (n < REF_TOKENS && fscanf(f, "%d", &ref_ids[n]) == 1)
		n++;
	fclose(f);
	return n == REF_TOKENS;
}

int models_fixture_clean(void)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}
