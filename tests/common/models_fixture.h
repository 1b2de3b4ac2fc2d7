/* The models fixture shared by the GGUF and LLM suites: a scratch directory
 * and the MODELS directory's stories260K.bin, tok512.bin and reference
 * greedy decode (reference-stories260K.txt). */
#ifndef CSA_TESTS_COMMON_MODELS_FIXTURE_H
#define CSA_TESTS_COMMON_MODELS_FIXTURE_H

#include <stddef.h>

#define REF_TOKENS 64

extern char tmpdir[64];
extern char model_path[4096], tok_path[4096], ref_path[4096];
extern int ref_ids[REF_TOKENS];
extern int have_models;		/* set by the suite's init */

/* $ACCEL_MODELS if set, else the build's MODELS. */
const char *models_dir(void);
/* Fails the current test when the models are missing (CI always has them). */
int need_models(void);
/* @name inside tmpdir. */
void tmp_path(char *buf, size_t n, const char *name);
/* Makes tmpdir from @tmpl ("/tmp/test-NAME-XXXXXX"), fills the model paths
 * and reads the reference decode into ref_ids.  Returns -1 when tmpdir
 * cannot be made, 1 when all REF_TOKENS reference ids were read, else 0. */
int models_fixture_init(const char *tmpl);
/* Removes tmpdir: 0, or -1 on failure. */
int models_fixture_clean(void);

#endif
