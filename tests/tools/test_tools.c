// SPDX-License-Identifier: MIT
/*
 * test_tools.c - the tools as a user (and hostile input) meets them: each
 * test runs the real accel-quant / accel-llm / accel-info binaries of this
 * build in a child process, with files, pipes and limits constructed by the
 * test (a closed pipe, /dev/full, RLIMIT_FSIZE), and checks the exit
 * status, the one-line error and that no input or old output was lost.
 * Also the library pieces they rest on: the output file, the model search
 * path, prompt files, the sampling filters, the packed loader's checks.
 *
 * Needs no model files: models are generated (accel-quant
 * --generate-random) and a byte-level tokenizer is written here.
 */
#include <CUnit/Basic.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <dirent.h>

#include <accel/accel.h>

#include "tests/accel-info/json_reader.h"
#include "llm_outfile.h"
#include "llm_packed.h"
#include "llm_paths.h"
#include "llm_sample_filters.h"
#include "llm_text.h"
#include "tests/common/cunit_run.h"

#ifndef TOOLS_BIN_DIR
#error "TOOLS_BIN_DIR must name the directory of the built tools"
#endif

#define CHILD_TIMEOUT_S 120	/* a hung tool fails the test, not the run */

static char dir[] = "/tmp/test-tools-XXXXXX";
static char model[4096], tokenizer[4096];	/* seq_len 32, vocab 512 */

static void path_in(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "%s/%s", dir, name);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, n + 1);
	if (buf && n && fread(buf, n, 1, f) != 1) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (len)
		*len = n;
	return buf;
}

static int write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	int ok;

	if (!f)
		return -1;
	ok = fwrite(data, 1, len, f) == len;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/* ---- running a tool --------------------------------------------------- */

enum out_kind { OUT_FILE, OUT_DEV_FULL, OUT_CLOSED_PIPE };

struct run {
	const char *stdin_text;		/* NULL: /dev/null */
	enum out_kind out;
	rlim_t fsize_limit;		/* 0: none; else SIGXFSZ ignored too */
	/* results */
	int status;			/* exit code, or 128 + signal */
	char *out_text, *err_text;
	int err_lines;
};

static void run_free(struct run *r)
{
	free(r->out_text);
	free(r->err_text);
}

/* Runs TOOLS_BIN_DIR/@tool with @argv (NULL-terminated, argv[0] included). */
static void run_tool(struct run *r, const char *tool, char *const argv[])
{
	char bin[4096], out_path[4096], err_path[4096], in_path[4096];
	int pipefd[2] = { -1, -1 };
	pid_t pid;
	int st;

	snprintf(bin, sizeof(bin), "%s/%s", TOOLS_BIN_DIR, tool);
	path_in(out_path, sizeof(out_path), "stdout.txt");
	path_in(err_path, sizeof(err_path), "stderr.txt");
	path_in(in_path, sizeof(in_path), "stdin.txt");
	write_file(in_path, r->stdin_text ? r->stdin_text : "",
		   r->stdin_text ? strlen(r->stdin_text) : 0);
	r->status = -1;		/* the harness failed (no CUnit in suite_init) */
	r->out_text = r->err_text = NULL;
	if (r->out == OUT_CLOSED_PIPE) {
		if (pipe(pipefd))
			return;
		close(pipefd[0]);	/* the reader has gone */
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return;
	if (pid == 0) {
		int in = open(in_path, O_RDONLY);
		int out = r->out == OUT_FILE ? open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644) :
			  r->out == OUT_DEV_FULL ? open("/dev/full", O_WRONLY) : pipefd[1];
		int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (in < 0 || out < 0 || err < 0)
			_exit(126);
		dup2(in, 0);
		dup2(out, 1);
		dup2(err, 2);
		/* as a shell would start it: SIGPIPE at its default */
		signal(SIGPIPE, SIG_DFL);
		if (r->fsize_limit) {
			struct rlimit rl = { r->fsize_limit, r->fsize_limit };

			signal(SIGXFSZ, SIG_IGN);
			setrlimit(RLIMIT_FSIZE, &rl);
		}
		alarm(CHILD_TIMEOUT_S);
		setenv("ACCEL_DEVICE", "sim", 1);
		execv(bin, argv);
		_exit(127);
	}
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	if (waitpid(pid, &st, 0) != pid)
		return;
	r->out_text = r->out == OUT_FILE ? slurp(out_path, NULL) : strdup("");
	r->err_text = slurp(err_path, NULL);
	if (!r->out_text || !r->err_text)
		return;
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	r->err_lines = 0;
	for (const char *p = r->err_text; *p; p++)
		r->err_lines += *p == '\n';
	if (r->status == 128 + SIGALRM)
		fprintf(stderr, "\n  %s hung (killed after %d s)\n", tool, CHILD_TIMEOUT_S);
}

/* Exactly one line on stderr, prefixed with the tool's name, containing
 * @what; a non-zero status that is an exit, not a signal. */
static void assert_one_line_error(const struct run *r, const char *tool, const char *what)
{
	CU_ASSERT_FATAL(r->err_text != NULL);
	CU_ASSERT(r->status > 0 && r->status < 128);
	CU_ASSERT_EQUAL(r->err_lines, 1);
	CU_ASSERT(!strncmp(r->err_text, tool, strlen(tool)));
	CU_ASSERT_PTR_NOT_NULL(strstr(r->err_text, what));
	if (r->err_lines != 1 || !strstr(r->err_text, what))
		fprintf(stderr, "\n  stderr was: %s", r->err_text);
}

/* ---- fixtures ---------------------------------------------------------- */

/* A llama2.c tokenizer of 512 tokens: unk, BOS, EOS, the 256 byte tokens,
 * " ", the printable ASCII characters, then filler pieces. */
static int write_tokenizer(const char *path)
{
	FILE *f = fopen(path, "wb");
	int32_t mtl = 8;
	int ok = 1, id = 0;

	if (!f)
		return -1;
	ok &= fwrite(&mtl, 4, 1, f) == 1;
	for (; id < 512; id++) {
		char piece[16];
		float score = 0;
		int32_t len;

		if (id == 0)
			strcpy(piece, "<unk>");
		else if (id == 1)
			strcpy(piece, "\n<s>\n");
		else if (id == 2)
			strcpy(piece, "\n</s>\n");
		else if (id < 259)
			snprintf(piece, sizeof(piece), "<0x%02X>", id - 3);
		else if (id < 259 + 95)
			snprintf(piece, sizeof(piece), "%c", ' ' + (id - 259));
		else
			snprintf(piece, sizeof(piece), "~%d", id);
		len = (int32_t)strlen(piece);
		ok &= fwrite(&score, 4, 1, f) == 1 && fwrite(&len, 4, 1, f) == 1 &&
		      fwrite(piece, len, 1, f) == 1;
	}
	return fclose(f) == 0 && ok ? 0 : -1;
}

static int suite_init(void)
{
	struct run r = { 0 };
	char *argv[] = { "accel-quant", "--generate-random", "64,172,2,8,4,512,32",
			 "--seed", "3", "-o", model, NULL };

	if (!mkdtemp(dir))
		return -1;
	path_in(model, sizeof(model), "model.bin");
	path_in(tokenizer, sizeof(tokenizer), "tok.bin");
	if (write_tokenizer(tokenizer))
		return -1;
	run_tool(&r, "accel-quant", argv);
	run_free(&r);
	return r.status == 0 ? 0 : -1;
}

static int suite_clean(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char p[4096];

	while (d && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			path_in(p, sizeof(p), de->d_name);
			unlink(p);
		}
	if (d)
		closedir(d);
	rmdir(dir);
	return 0;
}

/* Files in the test directory whose name starts with '.' (temporaries). */
static int hidden_files(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d)))
		n += de->d_name[0] == '.' && strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	if (d)
		closedir(d);
	return n;
}

/* ---- accel-quant: nothing lost ------------------------------------------- */

static void test_quant_refuses_own_input(void)
{
	char link[4096];
	size_t a, b;
	char *before = slurp(model, &a), *after;
	struct run r = { 0 };
	char *argv[] = { "accel-quant", "-m", model, "-o", model, NULL };
	char *argv_link[] = { "accel-quant", "-m", link, "-o", model, NULL };

	path_in(link, sizeof(link), "link.bin");
	CU_ASSERT_FATAL(before != NULL);
	run_tool(&r, "accel-quant", argv);
	assert_one_line_error(&r, "accel-quant", "would destroy the input");
	CU_ASSERT_PTR_NULL(strstr(r.err_text, "quantizing"));	/* refused before work */
	run_free(&r);
	/* the same file under another name */
	CU_ASSERT_FATAL(symlink(model, link) == 0);
	memset(&r, 0, sizeof(r));
	run_tool(&r, "accel-quant", argv_link);
	assert_one_line_error(&r, "accel-quant", "would destroy the input");
	run_free(&r);
	unlink(link);
	after = slurp(model, &b);
	CU_ASSERT(after && a == b && !memcmp(before, after, a));
	free(before);
	free(after);
}

static void test_quant_checks_output_before_work(void)
{
	struct run r = { 0 };
	char *argv[] = { "accel-quant", "-m", model, "-o", "/nonexistent-dir/x.csa", NULL };
	char *argv_dir[] = { "accel-quant", "-m", model, "-o", dir, NULL };

	run_tool(&r, "accel-quant", argv);
	assert_one_line_error(&r, "accel-quant", "/nonexistent-dir");
	run_free(&r);
	memset(&r, 0, sizeof(r));
	run_tool(&r, "accel-quant", argv_dir);
	assert_one_line_error(&r, "accel-quant", "is a directory");
	run_free(&r);
}

static void test_quant_full_disk(void)
{
	struct run r = { 0 };
	char *argv[] = { "accel-quant", "-m", model, "-o", "/dev/full", "--weights", "bcq2",
			 "--calib-seqs", "0", NULL };

	run_tool(&r, "accel-quant", argv);
	/* progress lines may come first; the error is the last line */
	CU_ASSERT(r.status > 0 && r.status < 128);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.err_text, "accel-quant: /dev/full: write failed: No space left"));
	run_free(&r);
}

/* A write that fails half way (the file size limit) keeps the old output
 * whole and leaves no temporary file. */
static void test_quant_failed_write_keeps_old_output(void)
{
	char out[4096];
	size_t a, b;
	char *before, *after;
	struct run r = { .fsize_limit = 20000 };
	char *argv[] = { "accel-quant", "-m", model, "-o", out, "--weights", "bcq2",
			 "--calib-seqs", "0", NULL };

	path_in(out, sizeof(out), "old.csa");
	CU_ASSERT_FATAL(write_file(out, "old contents\n", 13) == 0);
	before = slurp(out, &a);
	run_tool(&r, "accel-quant", argv);
	CU_ASSERT(r.status > 0 && r.status < 128);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.err_text, "write failed: File too large (nothing was replaced)"));
	after = slurp(out, &b);
	CU_ASSERT(after && a == b && !memcmp(before, after, a));
	CU_ASSERT_EQUAL(hidden_files(), 0);
	run_free(&r);
	free(before);
	free(after);
	/* and without the limit the same command replaces it */
	memset(&r, 0, sizeof(r));
	run_tool(&r, "accel-quant", argv);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_EQUAL(llm_packed_probe(out), 1);
	CU_ASSERT_EQUAL(hidden_files(), 0);
	run_free(&r);
	unlink(out);
}

/* ---- accel-llm: nothing silent ----------------------------------------- */

static void test_llm_overlong_prompt_refused(void)
{
	struct run r = { 0 };
	/* 40 characters are 42 tokens with BOS and the leading space; the
	 * context is 32 */
	char *argv[] = { "accel-llm", "-m", model, "-z", tokenizer, "--weights", "f32",
			 "-p", "abcdefghijabcdefghijabcdefghijabcdefghij", "-n", "4", "-t", "0",
			 NULL };
	char *fits[] = { "accel-llm", "-m", model, "-z", tokenizer, "--weights", "f32",
			 "-p", "abcdefghij", "-n", "100", "-t", "0", NULL };

	run_tool(&r, "accel-llm", argv);
	assert_one_line_error(&r, "accel-llm", "the prompt is 42 tokens, the context has room for 32");
	CU_ASSERT_STRING_EQUAL(r.out_text, "");
	run_free(&r);
	/* a prompt that fits, asking for more than the context holds: the
	 * shortfall is said and the stats count what ran */
	memset(&r, 0, sizeof(r));
	run_tool(&r, "accel-llm", fits);
	CU_ASSERT_EQUAL(r.status, 0);
	/* 12 prompt tokens; forwards at 0..31, the last 21 of them generate */
	CU_ASSERT_PTR_NOT_NULL(strstr(r.err_text, "is full: 21 of the 100 tokens asked for were generated"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.err_text, "| prompt 12 tok "));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.err_text, "| generation 21 tok "));
	CU_ASSERT(!strncmp(r.out_text, "abcdefghij", 10));
	run_free(&r);
}

static void test_llm_output_errors(void)
{
	struct run r = { .out = OUT_DEV_FULL };
	char *argv[] = { "accel-llm", "-m", model, "-z", tokenizer, "--weights", "f32",
			 "-p", "abc", "-n", "8", "-t", "0", "-q", NULL };

	run_tool(&r, "accel-llm", argv);
	assert_one_line_error(&r, "accel-llm", "writing the output failed: No space left on device");
	run_free(&r);
	/* a reader that has gone: EPIPE, not a silent exit 0 or a hang */
	memset(&r, 0, sizeof(r));
	r.out = OUT_CLOSED_PIPE;
	run_tool(&r, "accel-llm", argv);
	assert_one_line_error(&r, "accel-llm", "writing the output failed: Broken pipe");
	run_free(&r);
}

/* accel-info --watch (no count) whose reader has gone stops with one line;
 * into a full disk too. */
static void test_info_watch_broken_pipe(void)
{
	char *argv[] = { "accel-info", "--sim", "--no-pci", "-w0.01", NULL };
	char *query[] = { "accel-info", "--sim", "--no-pci", "-w0.01", "--query=name,commands", NULL };
	struct run r = { .out = OUT_CLOSED_PIPE };

	run_tool(&r, "accel-info", argv);
	assert_one_line_error(&r, "accel-info", "writing the output failed: Broken pipe; stopping");
	run_free(&r);
	memset(&r, 0, sizeof(r));
	r.out = OUT_CLOSED_PIPE;
	run_tool(&r, "accel-info", query);
	assert_one_line_error(&r, "accel-info", "writing the output failed: Broken pipe; stopping");
	run_free(&r);
	memset(&r, 0, sizeof(r));
	r.out = OUT_DEV_FULL;
	run_tool(&r, "accel-info", argv);
	assert_one_line_error(&r, "accel-info", "No space left on device");
	run_free(&r);
}

static void test_quant_llm_info_version(void)
{
	const char *tools[] = { "accel-quant", "accel-llm", "accel-info" };

	for (int i = 0; i < 3; i++) {
		struct run r = { 0 };
		char *argv[] = { (char *)tools[i], "--version", NULL };

		run_tool(&r, tools[i], argv);
		CU_ASSERT_EQUAL(r.status, 0);
		CU_ASSERT(!strncmp(r.out_text, tools[i], strlen(tools[i])));
		CU_ASSERT_PTR_NOT_NULL(strstr(r.out_text, ACCEL_VERSION_STRING));
		run_free(&r);
		/* --version into a full disk is an error too */
		memset(&r, 0, sizeof(r));
		r.out = OUT_DEV_FULL;
		run_tool(&r, tools[i], argv);
		CU_ASSERT(r.status > 0 && r.status < 128);
		run_free(&r);
	}
}

static void test_llm_numbers_range_checked(void)
{
	static const char *const bad[][3] = {
		{ "-n", "-1", "token count -n" }, { "-n", "99999999999999999999", "out of range" },
		{ "-n", "1e3", "token count -n" }, { "-t", "nan", "temperature -t" },
		{ "-t", "inf", "temperature -t" }, { "--top-p", "1.5", "--top-p" },
		{ "--top-k", "-3", "--top-k" }, { "-s", "-1", "seed -s" },
		{ "--repeat-penalty", "0", "--repeat-penalty" }, { "--eval", "0", "--eval" },
		{ "--calib-seqs", "x", "--calib-seqs" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct run r = { 0 };
		char *argv[] = { "accel-llm", "-m", model, (char *)bad[i][0], (char *)bad[i][1], NULL };

		run_tool(&r, "accel-llm", argv);
		assert_one_line_error(&r, "accel-llm", bad[i][2]);
		CU_ASSERT_PTR_NOT_NULL(strstr(r.err_text, bad[i][1]));
		run_free(&r);
	}
}

static void test_quant_numbers_range_checked(void)
{
	static const char *const bad[][3] = {
		{ "--iters", "-1", "--iters" }, { "--calib-len", "0", "--calib-len" },
		{ "--seed", "-5", "--seed" }, { "--calib-seqs", "1x", "--calib-seqs" },
		{ "--generate-random", "64,172,5,8,4,512,512xyz", "bad shape" },
		{ "--generate-random", "64,172,5,8,4,512", "bad shape" },
		{ "--generate-random", "99999999999,1,1,1,1,1,1", "bad shape" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct run r = { 0 };
		char *argv[] = { "accel-quant", "-m", model, "-o", "/dev/null",
				 (char *)bad[i][0], (char *)bad[i][1], NULL };

		run_tool(&r, "accel-quant", argv);
		assert_one_line_error(&r, "accel-quant", bad[i][2]);
		run_free(&r);
	}
}

/* -p TEXT, -p - (stdin) and -f FILE decode the same text the same way. */
static void test_llm_prompt_sources_agree(void)
{
	char file[4096];
	struct run a = { 0 }, b = { .stdin_text = "The cat sat\n" }, c = { 0 };
	char *argv_a[] = { "accel-llm", "-m", model, "-z", tokenizer, "--weights", "f32",
			   "-p", "The cat sat", "-n", "6", "-t", "0.9", "-s", "5", "-q", NULL };
	char *argv_b[] = { "accel-llm", "-m", model, "-z", tokenizer, "--weights", "f32",
			   "-p", "-", "-n", "6", "-t", "0.9", "-s", "5", "-q", NULL };
	char *argv_c[] = { "accel-llm", "-m", model, "-z", tokenizer, "--weights", "f32",
			   "-f", file, "-n", "6", "-t", "0.9", "-s", "5", "-q", NULL };

	path_in(file, sizeof(file), "prompt.txt");
	CU_ASSERT_FATAL(write_file(file, "The cat sat\n", 12) == 0);
	run_tool(&a, "accel-llm", argv_a);
	run_tool(&b, "accel-llm", argv_b);
	run_tool(&c, "accel-llm", argv_c);
	CU_ASSERT_EQUAL(a.status, 0);
	CU_ASSERT_EQUAL(b.status, 0);
	CU_ASSERT_EQUAL(c.status, 0);
	CU_ASSERT(!strncmp(a.out_text, "The cat sat", 11));
	CU_ASSERT_STRING_EQUAL(a.out_text, b.out_text);
	CU_ASSERT_STRING_EQUAL(a.out_text, c.out_text);
	run_free(&a);
	run_free(&b);
	run_free(&c);
	unlink(file);
}

/* -i: one answer line per input line, the context kept between lines and
 * restarted (said on stderr) when full. */
static void test_llm_interactive(void)
{
	struct run r = { .stdin_text = "abc\nde\n\nfghijklmnopqrstuvwxyzabcdefg\n" };
	char *argv[] = { "accel-llm", "-m", model, "-z", tokenizer, "--weights", "f32",
			 "-i", "-n", "5", "-t", "0", NULL };
	int lines = 0;

	run_tool(&r, "accel-llm", argv);
	CU_ASSERT_EQUAL(r.status, 0);
	for (const char *p = r.out_text; *p; p++)
		lines += *p == '\n';
	CU_ASSERT_EQUAL(lines, 3);	/* the empty line is skipped */
	/* abc: 5 tokens and at least one answer, de: 3 more, so the 30 tokens
	 * of the last line cannot fit in the 32 of the context after them */
	CU_ASSERT_PTR_NOT_NULL(strstr(r.err_text, "is full; starting a new conversation"));
	/* the stats count the whole session: 5 + 3 + 30 prompt tokens */
	CU_ASSERT_PTR_NOT_NULL(strstr(r.err_text, "| prompt 38 tok "));
	run_free(&r);
}

/* A tokenizer score that is not finite is refused like a weight. */
static void test_tokenizer_non_finite_score(void)
{
	char bad[4096];
	size_t n;
	char *bytes = slurp(tokenizer, &n);
	float nan_score = NAN;
	struct run r = { 0 };
	char *argv[] = { "accel-llm", "-m", model, "-z", bad, "--weights", "f32", "-n", "1", NULL };

	CU_ASSERT_FATAL(bytes && n > 8);
	memcpy(bytes + 4, &nan_score, 4);	/* token 0's score */
	path_in(bad, sizeof(bad), "nan-tok.bin");
	CU_ASSERT_FATAL(write_file(bad, bytes, n) == 0);
	run_tool(&r, "accel-llm", argv);
	assert_one_line_error(&r, "accel-llm", "token 0 has a non-finite score");
	run_free(&r);
	free(bytes);
	unlink(bad);
}

/* Pure ConSmax on a softmax-trained model is known to be unusable: said. */
static void test_llm_consmax_warning(void)
{
	struct run r = { 0 };
	char *argv[] = { "accel-llm", "-m", model, "-z", tokenizer, "--weights", "f32",
			 "--softmax", "consmax", "--calib-seqs", "1", "-n", "2", "-q", NULL };

	run_tool(&r, "accel-llm", argv);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.err_text, "accel-llm: warning: --softmax consmax replaces the softmax this model was trained with"));
	run_free(&r);
}

/* A model the device cannot hold: the error names the dimension, the limit
 * and the way out. */
static void test_llm_device_limits_named(void)
{
	char big[4096];
	struct run r = { 0 };
	char *gen[] = { "accel-quant", "--generate-random", "1040,8,1,1,1,512,8", "-o", big, NULL };
	char *run_big[] = { "accel-llm", "-m", big, "-z", tokenizer, "--weights", "f32", "-n", "1",
			    NULL };
	char *small_mem[] = { "accel-llm", "-m", model, "-z", tokenizer, "--weights", "f32",
			      "-d", "sim:devmem=64K", "-n", "1", NULL };

	path_in(big, sizeof(big), "head1040.bin");
	run_tool(&r, "accel-quant", gen);
	CU_ASSERT_EQUAL_FATAL(r.status, 0);
	run_free(&r);
	memset(&r, 0, sizeof(r));
	run_tool(&r, "accel-llm", run_big);
	assert_one_line_error(&r, "accel-llm", "model head_size 1040 exceeds the device's limit 512; run it with --cpu");
	run_free(&r);
	memset(&r, 0, sizeof(r));
	run_tool(&r, "accel-llm", small_mem);
	assert_one_line_error(&r, "accel-llm", "use a larger sim:devmem=SIZE, fewer bits (--weights) or --cpu");
	run_free(&r);
	unlink(big);
}

/* --trace: Chrome trace JSON whose per-token cycles are the device's, one
 * event per command, refused over an input and with --cpu. */
static void test_llm_trace(void)
{
	char trace[4096];
	struct run r = { 0 };
	char *argv[] = { "accel-llm", "-m", model, "-z", tokenizer, "--weights", "bcq2",
			 "--calib-seqs", "0", "-p", "ab", "-n", "3", "-t", "0", "--trace", trace, NULL };
	char *over_input[] = { "accel-llm", "-m", model, "-z", tokenizer, "--trace", model, NULL };
	char *cpu[] = { "accel-llm", "-m", model, "--cpu", "--trace", trace, NULL };
	struct jv *doc;
	char *text;
	uint64_t tokens = 0, commands = 0, sum = 0;

	path_in(trace, sizeof(trace), "trace.json");
	run_tool(&r, "accel-llm", argv);
	CU_ASSERT_EQUAL_FATAL(r.status, 0);
	CU_ASSERT_PTR_NULL(strstr(r.err_text, "differ from the device"));
	run_free(&r);
	text = slurp(trace, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	doc = jv_parse(text, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	for (int i = 0;; i++) {
		char key[64];
		const char *ph, *name;
		uint64_t cyc, dev, of;

		snprintf(key, sizeof(key), "traceEvents.%d", i);
		if (!jv_get(doc, key))
			break;
		snprintf(key, sizeof(key), "traceEvents.%d.ph", i);
		ph = jv_get_str(doc, key);
		snprintf(key, sizeof(key), "traceEvents.%d.name", i);
		name = jv_get_str(doc, key);
		CU_ASSERT_FATAL(ph && name);
		if (strcmp(ph, "X"))
			continue;
		snprintf(key, sizeof(key), "traceEvents.%d.args.cycles", i);
		CU_ASSERT_FATAL(jv_get_u64(doc, key, &cyc));
		if (!strcmp(name, "token")) {
			snprintf(key, sizeof(key), "traceEvents.%d.args.device_cycles", i);
			CU_ASSERT(jv_get_u64(doc, key, &dev) && dev == cyc && cyc == sum);
			snprintf(key, sizeof(key), "traceEvents.%d.args.commands", i);
			CU_ASSERT(jv_get_u64(doc, key, &of) && of == commands);
			tokens++;
			sum = commands = 0;
		} else {
			CU_ASSERT(strcmp(name, "UNKNOWN") != 0);
			snprintf(key, sizeof(key), "traceEvents.%d.args.index", i);
			CU_ASSERT(jv_get_u64(doc, key, &of) && of == commands);
			sum += cyc;
			commands++;
		}
	}
	/* "ab": BOS, " ", a, b run, then 3 generated of which the last is not
	 * run: 3 + 3 forwards */
	CU_ASSERT_EQUAL(tokens, 6);
	jv_free(doc);
	free(text);
	unlink(trace);
	memset(&r, 0, sizeof(r));
	run_tool(&r, "accel-llm", over_input);
	assert_one_line_error(&r, "accel-llm", "would destroy the input");
	run_free(&r);
	memset(&r, 0, sizeof(r));
	run_tool(&r, "accel-llm", cpu);
	assert_one_line_error(&r, "accel-llm", "--trace");
	run_free(&r);
}

/* ---- long steps show progress (scripts/progress.sh) -------------------- */

/* ninja's [N/M] lines become a count with a percentage; in a log (stderr
 * not a terminal) the first and the last line, the rest rate-limited; the
 * full output goes to the log file; a wrapped command's status is kept. */
static void test_progress_script(void)
{
	char cmd[16384], log[4096], err[4096];
	char *text;
	size_t n;

	path_in(log, sizeof(log), "ninja.log");
	path_in(err, sizeof(err), "progress.err");
	snprintf(cmd, sizeof(cmd),
		 "PROGRESS_LOG_SECONDS=100000 dash -c '. %s/scripts/progress.sh; "
		 "printf \"[1/4] cc a\\n[2/4] cc b\\nwarning: x\\n[3/4] cc c\\n[4/4] ld\\n\" | "
		 "progress_ninja build %s; "
		 "progress_download dl %s 0 false && exit 9; exit 0' 2>%s",
		 SRC_DIR, log, dir, err);
	CU_ASSERT_EQUAL(system(cmd), 0);
	text = slurp(err, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "build: 1/4 (25%)\nbuild: 4/4 (100%)\n"));
	CU_ASSERT_PTR_NULL(strstr(text, "2/4"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "dl: "));
	free(text);
	text = slurp(log, &n);
	CU_ASSERT(text && !strcmp(text, "[1/4] cc a\n[2/4] cc b\nwarning: x\n[3/4] cc c\n[4/4] ld\n"));
	free(text);
	unlink(log);
	unlink(err);
}

/* ---- library pieces ------------------------------------------------------ */

static void test_outfile_direct(void)
{
	char in[4096], out[4096];
	struct llm_err e = { "" };
	const char *inputs[1];
	struct llm_outfile o;

	path_in(in, sizeof(in), "in.bin");
	path_in(out, sizeof(out), "out.bin");
	CU_ASSERT_FATAL(write_file(in, "x", 1) == 0);
	inputs[0] = in;
	CU_ASSERT_EQUAL(llm_output_check(in, inputs, 1, &e), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "would destroy the input"));
	CU_ASSERT_EQUAL(llm_output_check(out, inputs, 1, &e), 0);
	CU_ASSERT_EQUAL(llm_output_check("/proc/nonexistent/x", inputs, 1, &e), -ENOENT);
	/* nothing appears under the target's name until commit */
	CU_ASSERT_FATAL(llm_outfile_open(&o, out, &e) == 0);
	CU_ASSERT_EQUAL(llm_outfile_write(&o, "hello", 5), 0);
	CU_ASSERT_NOT_EQUAL(access(out, F_OK), 0);
	CU_ASSERT_EQUAL(hidden_files(), 1);
	CU_ASSERT_EQUAL(llm_outfile_commit(&o, &e), 0);
	CU_ASSERT_EQUAL(hidden_files(), 0);
	{
		size_t n;
		char *s = slurp(out, &n);

		CU_ASSERT(s && n == 5 && !memcmp(s, "hello", 5));
		free(s);
	}
	/* through a symlink: the file it names is replaced, the link kept */
	{
		char link[4096];
		struct stat st;
		size_t n;
		char *t;

		path_in(link, sizeof(link), "out-link.bin");
		CU_ASSERT_FATAL(symlink(out, link) == 0);
		CU_ASSERT_FATAL(llm_outfile_open(&o, link, &e) == 0);
		llm_outfile_write(&o, "hi!", 3);
		CU_ASSERT_EQUAL(llm_outfile_commit(&o, &e), 0);
		CU_ASSERT(lstat(link, &st) == 0 && S_ISLNK(st.st_mode));
		t = slurp(out, &n);
		CU_ASSERT(t && n == 3 && !memcmp(t, "hi!", 3));
		free(t);
		unlink(link);
		CU_ASSERT_FATAL(llm_outfile_open(&o, out, &e) == 0);
		llm_outfile_write(&o, "hello", 5);
		CU_ASSERT_EQUAL_FATAL(llm_outfile_commit(&o, &e), 0);
	}
	/* abort keeps the old file */
	CU_ASSERT_FATAL(llm_outfile_open(&o, out, &e) == 0);
	llm_outfile_write(&o, "bye", 3);
	llm_outfile_abort(&o);
	CU_ASSERT_EQUAL(hidden_files(), 0);
	{
		size_t n;
		char *s = slurp(out, &n);

		CU_ASSERT(s && n == 5);
		free(s);
	}
	unlink(in);
	unlink(out);
}

static void test_model_search_path(void)
{
	char a[512], b[512], c[512], found[4096], tried[2048], f[4096];
	char *saved[4];
	const char *names[4] = { "ACCEL_MODELS", "XDG_DATA_HOME", "XDG_DATA_DIRS", "HOME" };

	for (int i = 0; i < 4; i++) {
		const char *v = getenv(names[i]);

		saved[i] = v ? strdup(v) : NULL;
	}
	path_in(a, sizeof(a), "env");
	path_in(b, sizeof(b), "xdg");
	path_in(c, sizeof(c), "prefix");
	mkdir(a, 0755);
	snprintf(f, sizeof(f), "%s/csa", b);
	mkdir(b, 0755);
	mkdir(f, 0755);
	snprintf(f, sizeof(f), "%s/csa/models", b);
	mkdir(f, 0755);
	mkdir(c, 0755);
	snprintf(f, sizeof(f), "%s/csa/models/m.bin", b);
	write_file(f, "x", 1);
	snprintf(f, sizeof(f), "%s/m.bin", c);
	write_file(f, "x", 1);
	snprintf(f, sizeof(f), "%s/only-prefix.bin", c);
	write_file(f, "x", 1);
	setenv("ACCEL_MODELS", a, 1);
	setenv("XDG_DATA_HOME", b, 1);
	setenv("XDG_DATA_DIRS", "/nonexistent-share", 1);
	/* XDG data home before the prefix */
	CU_ASSERT_EQUAL(llm_find_model_file("m.bin", c, found, sizeof(found), tried, sizeof(tried)), 0);
	snprintf(f, sizeof(f), "%s/csa/models/m.bin", b);
	CU_ASSERT_STRING_EQUAL(found, f);
	/* $ACCEL_MODELS first */
	snprintf(f, sizeof(f), "%s/m.bin", a);
	write_file(f, "x", 1);
	CU_ASSERT_EQUAL(llm_find_model_file("m.bin", c, found, sizeof(found), NULL, 0), 0);
	CU_ASSERT_STRING_EQUAL(found, f);
	unlink(f);
	/* the prefix last */
	CU_ASSERT_EQUAL(llm_find_model_file("only-prefix.bin", c, found, sizeof(found), NULL, 0), 0);
	snprintf(f, sizeof(f), "%s/only-prefix.bin", c);
	CU_ASSERT_STRING_EQUAL(found, f);
	/* not found: every place tried is named */
	CU_ASSERT_EQUAL(llm_find_model_file("none.bin", c, found, sizeof(found), tried, sizeof(tried)),
			-ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(tried, a));
	CU_ASSERT_PTR_NOT_NULL(strstr(tried, "/nonexistent-share/csa/models"));
	CU_ASSERT_PTR_NOT_NULL(strstr(tried, c));
	/* without XDG_DATA_HOME: ~/.local/share */
	unsetenv("XDG_DATA_HOME");
	setenv("HOME", "/nonexistent-home", 1);
	llm_find_model_file("none.bin", c, found, sizeof(found), tried, sizeof(tried));
	CU_ASSERT_PTR_NOT_NULL(strstr(tried, "/nonexistent-home/.local/share/csa/models"));
	for (int i = 0; i < 4; i++) {
		if (saved[i])
			setenv(names[i], saved[i], 1);
		else
			unsetenv(names[i]);
		free(saved[i]);
	}
	snprintf(f, sizeof(f), "%s/csa/models/m.bin", b);
	unlink(f);
	snprintf(f, sizeof(f), "%s/m.bin", c);
	unlink(f);
	snprintf(f, sizeof(f), "%s/only-prefix.bin", c);
	unlink(f);
	snprintf(f, sizeof(f), "%s/csa/models", b);
	rmdir(f);
	snprintf(f, sizeof(f), "%s/csa", b);
	rmdir(f);
	rmdir(a);
	rmdir(b);
	rmdir(c);
}

static void test_read_text(void)
{
	char p[4096];
	struct llm_err e = { "" };
	char *s;

	path_in(p, sizeof(p), "t.txt");
	write_file(p, "two\nlines\n", 10);
	CU_ASSERT_EQUAL(llm_read_text(p, 100, &s, &e), 0);
	CU_ASSERT_STRING_EQUAL(s, "two\nlines");	/* one final newline dropped */
	free(s);
	CU_ASSERT_EQUAL(llm_read_text(p, 9, &s, &e), -EFBIG);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "longer than 9 bytes"));
	write_file(p, "a\0b", 3);
	CU_ASSERT_EQUAL(llm_read_text(p, 100, &s, &e), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "NUL"));
	CU_ASSERT_EQUAL(llm_read_text("/nonexistent", 100, &s, &e), -ENOENT);
	unlink(p);
}

static void test_sample_filters(void)
{
	float l[6] = { 1.0f, -2.0f, 3.0f, 3.0f, 0.5f, -1.0f };
	int recent[] = { 0, 1, 0, 9, -1 };
	struct llm_prob_index work[6];

	llm_repeat_penalty(l, 6, recent, 5, 2.0f);
	CU_ASSERT_EQUAL(l[0], 0.5f);	/* positive: divided, once */
	CU_ASSERT_EQUAL(l[1], -4.0f);	/* negative: multiplied */
	CU_ASSERT_EQUAL(l[2], 3.0f);
	llm_repeat_penalty(l, 6, recent, 5, 1.0f);
	CU_ASSERT_EQUAL(l[0], 0.5f);
	/* top-2 among 3.0, 3.0: ties keep the lower ids */
	llm_top_k(l, 6, 2, work);
	CU_ASSERT_EQUAL(l[2], 3.0f);
	CU_ASSERT_EQUAL(l[3], 3.0f);
	CU_ASSERT(isinf(l[0]) && l[0] < 0);
	CU_ASSERT(isinf(l[4]) && isinf(l[5]) && isinf(l[1]));
	/* a sampler over the filtered logits only picks the survivors */
	{
		struct llm_sampler s;

		CU_ASSERT_FATAL(llm_sampler_init(&s, 6, 1.0f, 0.0f, 7) == 0);
		for (int i = 0; i < 50; i++) {
			float x[6] = { 1, 5, 2, 4, 3, 0 };
			int t;

			llm_top_k(x, 6, 2, s.work);
			t = llm_sample(&s, x);
			CU_ASSERT(t == 1 || t == 3);
		}
		llm_sampler_free(&s);
	}
}

/* The packed loader refuses a non-finite float like the checkpoint loader. */
static void test_packed_rejects_non_finite(void)
{
	struct llm_config c = { 64, 172, 2, 8, 4, 512, 32, 1 };
	struct llm_model m;
	struct llm_packed p, q;
	struct llm_err e = { "" };
	char out[4096];
	struct llm_quant_opts opts = { .bcq = { 2, 64, 0, 1 } };

	path_in(out, sizeof(out), "nan.csa");
	/* f32: a NaN in the embedding */
	CU_ASSERT_FATAL(llm_model_random(&m, &c, 1, &e) == 0);
	CU_ASSERT_FATAL(llm_packed_from_model(&p, &m, NULL, &e) == 0);
	p.base.token_embedding[77] = NAN;
	CU_ASSERT_EQUAL(llm_packed_save(&p, out, &e), 0);
	CU_ASSERT_EQUAL(llm_packed_load(&q, out, &e), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "not finite"));
	llm_packed_free(&p);
	/* BCQ: an infinite scale */
	CU_ASSERT_FATAL(llm_model_random(&m, &c, 1, &e) == 0);
	CU_ASSERT_FATAL(llm_packed_from_model(&p, &m, &opts, &e) == 0);
	((float *)p.bcq[3].scales)[1] = INFINITY;
	CU_ASSERT_EQUAL(llm_packed_save(&p, out, &e), 0);
	CU_ASSERT_EQUAL(llm_packed_load(&q, out, &e), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "not finite"));
	llm_packed_free(&p);
	unlink(out);
}

int main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("tools", suite_init, suite_clean);
	if (!s ||
	    !CU_add_test(s, "accel-quant refuses -o naming its input", test_quant_refuses_own_input) ||
	    !CU_add_test(s, "accel-quant checks the output before work", test_quant_checks_output_before_work) ||
	    !CU_add_test(s, "accel-quant on a full disk", test_quant_full_disk) ||
	    !CU_add_test(s, "a failed write keeps the old output", test_quant_failed_write_keeps_old_output) ||
	    !CU_add_test(s, "accel-llm refuses an over-long prompt, stats true", test_llm_overlong_prompt_refused) ||
	    !CU_add_test(s, "accel-llm: full disk, closed pipe", test_llm_output_errors) ||
	    !CU_add_test(s, "--version on every tool", test_quant_llm_info_version) ||
	    !CU_add_test(s, "accel-info --watch stops on a broken pipe", test_info_watch_broken_pipe) ||
	    !CU_add_test(s, "accel-llm numbers range-checked", test_llm_numbers_range_checked) ||
	    !CU_add_test(s, "accel-quant numbers range-checked", test_quant_numbers_range_checked) ||
	    !CU_add_test(s, "-p TEXT, -p -, -f FILE agree", test_llm_prompt_sources_agree) ||
	    !CU_add_test(s, "accel-llm -i", test_llm_interactive) ||
	    !CU_add_test(s, "ConSmax on a softmax-trained model warned", test_llm_consmax_warning) ||
	    !CU_add_test(s, "tokenizer scores checked finite", test_tokenizer_non_finite_score) ||
	    !CU_add_test(s, "accel-llm --trace", test_llm_trace) ||
	    !CU_add_test(s, "device limits named, with the way out", test_llm_device_limits_named) ||
	    !CU_add_test(s, "progress of long steps (scripts/progress.sh)", test_progress_script) ||
	    !CU_add_test(s, "output file: temp + rename", test_outfile_direct) ||
	    !CU_add_test(s, "model search path", test_model_search_path) ||
	    !CU_add_test(s, "prompt files", test_read_text) ||
	    !CU_add_test(s, "repeat penalty, top-k", test_sample_filters) ||
	    !CU_add_test(s, "packed loader rejects non-finite floats", test_packed_rejects_non_finite)) {
		CU_cleanup_registry();
		return 2;
	}
	return cunit_run_and_cleanup();
}
