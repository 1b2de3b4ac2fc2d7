// SPDX-License-Identifier: MIT
/*
 * test_serve.c - accel-serve end to end.  Each test starts the server's own
 * serve_main() in a child process on an ephemeral port (--port 0, the port
 * read from its "listening on" line), talks HTTP to it, and ends it with
 * SIGTERM, expecting exit status 0 (under ASan: no leaks either).
 * Expected texts come from the single-sequence decoder in this process
 * (greedy), so "each client gets the text it would get alone" is checked
 * byte for byte.  States are reached by construction: /health while loading
 * uses a tokenizer FIFO the test has not written yet; queue and batch
 * occupancy are read from /metrics before acting on them.
 */
#include <CUnit/Basic.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "http_client.h"
#include "llm_accel.h"
#include "llm_gen.h"
#include "llm_packed.h"
#include "llm_tokenizer.h"
#include "serve.h"
#include "tests/common/cunit_run.h"

#ifndef LLM_MODELS_DIR
#define LLM_MODELS_DIR ""
#endif

static char model_path[4096], tok_path[4096];
static char tmpdir[] = "/tmp/test-serve-XXXXXX";

static int suite_init(void)
{
	const char *env = getenv("ACCEL_MODELS");
	const char *dir = env && *env ? env : LLM_MODELS_DIR;

	snprintf(model_path, sizeof(model_path), "%s/stories260K.bin", dir);
	snprintf(tok_path, sizeof(tok_path), "%s/tok512.bin", dir);
	signal(SIGPIPE, SIG_IGN);
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int suite_clean(void)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- expected texts: the single-sequence decoder, greedy ------------- */

struct expect {
	char text[8192];
	size_t len;
	int completion_tokens, prompt_tokens;
	int stopped;		/* ended by EOS rather than the budget */
};

static void expected(const char *prompt, int max_tokens, struct expect *x)
{
	struct llm_model m;
	struct llm_packed p;
	struct llm_tokenizer t;
	struct accel_dev *dev;
	struct llm_accel a;
	struct llm_err e = { "" };
	int ids[1024], n, tok, prev, total;

	memset(x, 0, sizeof(*x));
	CU_ASSERT_EQUAL_FATAL(llm_model_load(&m, model_path, &e), 0);
	CU_ASSERT_EQUAL_FATAL(llm_packed_from_model(&p, &m, NULL, &e), 0);
	CU_ASSERT_EQUAL_FATAL(llm_tokenizer_load(&t, tok_path, 512, &e), 0);
	CU_ASSERT_EQUAL_FATAL(accel_open("sim", &dev), 0);
	CU_ASSERT_EQUAL_FATAL(llm_accel_init(&a, dev, &p, 0, &e), 0);
	CU_ASSERT_FATAL(strlen(prompt) + 3 < 1024);
	n = llm_tokenizer_encode(&t, prompt, 1, 0, ids);
	x->prompt_tokens = n;
	total = n - 1 + max_tokens;
	if (total > p.base.cfg.seq_len)
		total = p.base.cfg.seq_len;
	tok = ids[0];
	prev = ids[n - 1];
	for (int pos = 0; pos < total; pos++) {
		int next;

		CU_ASSERT_EQUAL_FATAL(llm_accel_forward(&a, tok, pos, NULL, &next, &e), 0);
		if (pos < n - 1) {
			tok = ids[pos + 1];
			continue;
		}
		x->completion_tokens++;
		if (next == LLM_TOKEN_EOS || next == LLM_TOKEN_BOS) {
			x->stopped = 1;
			break;
		}
		{
			size_t l;
			const char *s = llm_tokenizer_decode(&t, prev, next, &l);

			if (!(l == 1 && !(s[0] >= 0x20 && s[0] < 0x7f) && s[0] != '\n' &&
			      s[0] != '\t' && s[0] != '\r' && !((unsigned char)s[0] & 0x80))) {
				CU_ASSERT_FATAL(x->len + l < sizeof(x->text));
				memcpy(x->text + x->len, s, l);
				x->len += l;
			}
		}
		prev = tok = next;
	}
	x->text[x->len] = 0;
	llm_accel_free(&a);
	accel_close(dev);
	llm_tokenizer_free(&t);
	llm_packed_free(&p);
}

/* The text a sampled request gets alone (llm_gen in a batch of one). */
static void expected_sampled(const char *prompt, int max_tokens, float temperature,
			     float top_p, uint64_t seed, struct expect *x)
{
	struct llm_model m;
	struct llm_packed p;
	struct llm_tokenizer t;
	struct accel_dev *dev;
	struct llm_accel a;
	struct llm_batch b;
	struct llm_gen g, *run = &g;
	struct llm_err e = { "" };

	memset(x, 0, sizeof(*x));
	CU_ASSERT_EQUAL_FATAL(llm_model_load(&m, model_path, &e), 0);
	CU_ASSERT_EQUAL_FATAL(llm_packed_from_model(&p, &m, NULL, &e), 0);
	CU_ASSERT_EQUAL_FATAL(llm_tokenizer_load(&t, tok_path, 512, &e), 0);
	CU_ASSERT_EQUAL_FATAL(accel_open("sim", &dev), 0);
	CU_ASSERT_EQUAL_FATAL(llm_accel_init(&a, dev, &p, 0, &e), 0);
	CU_ASSERT_EQUAL_FATAL(llm_batch_init(&b, &a, 1, &e), 0);
	CU_ASSERT_EQUAL_FATAL(llm_gen_start(&g, &b, &t, prompt, max_tokens, temperature, top_p,
					    seed, &e), 0);
	x->prompt_tokens = g.n_prompt;
	while (g.state == LLM_GEN_RUNNING) {
		size_t len;
		const char *piece;

		CU_ASSERT_EQUAL_FATAL(llm_gen_step(&b, &run, 1, &e), 0);
		piece = llm_gen_piece(&g, &t, &len);
		if (g.piece_is_prompt)
			continue;
		CU_ASSERT_FATAL(x->len + len < sizeof(x->text));
		memcpy(x->text + x->len, piece, len);
		x->len += len;
	}
	x->text[x->len] = 0;
	x->completion_tokens = g.generated;
	x->stopped = g.state == LLM_GEN_STOP;
	llm_gen_free(&g);
	llm_batch_free(&b);
	llm_accel_free(&a);
	accel_close(dev);
	llm_tokenizer_free(&t);
	llm_packed_free(&p);
}

/* ---- the server in a child process ----------------------------------- */

struct server_proc {
	pid_t pid;
	int port;
	int out;		/* its stdout */
};

static void start_server(struct server_proc *sp, const char *const *extra)
{
	const char *argv[40] = { "accel-serve", "--port", "0", "-m", model_path };
	char log[512], line[256];
	int argc = 5, fds[2];
	size_t len = 0;

	while (*extra) {
		CU_ASSERT_FATAL(argc < 39);
		argv[argc++] = *extra++;
	}
	argv[argc] = NULL;
	snprintf(log, sizeof(log), "%s/server.log", tmpdir);
	CU_ASSERT_EQUAL_FATAL(pipe(fds), 0);
	fflush(NULL);
	sp->pid = fork();
	CU_ASSERT_FATAL(sp->pid >= 0);
	if (!sp->pid) {
		int lfd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);

		dup2(fds[1], 1);
		if (lfd >= 0)
			dup2(lfd, 2);
		close(fds[0]);
		exit(serve_main(argc, (char **)argv));
	}
	close(fds[1]);
	sp->out = fds[0];
	/* the first line names the port */
	while (len < sizeof(line) - 1) {
		struct pollfd p = { .fd = sp->out, .events = POLLIN };
		ssize_t n;

		CU_ASSERT_FATAL(poll(&p, 1, 120000) == 1);
		n = read(sp->out, line + len, 1);
		CU_ASSERT_FATAL(n == 1);
		if (line[len] == '\n')
			break;
		len++;
	}
	line[len] = 0;
	CU_ASSERT_FATAL(sscanf(line, "accel-serve: listening on http://127.0.0.1:%d", &sp->port) == 1);
	CU_ASSERT_FATAL(sp->port > 0);
}

/* Waits (bounded) for /health to say ready. */
static void await_ready(const struct server_proc *sp)
{
	for (int i = 0; i < 12000; i++) {
		struct http_resp r;
		int status;

		CU_ASSERT_EQUAL_FATAL(http_do(sp->port, "GET", "/health", NULL, &r), 0);
		status = r.status;
		http_resp_free(&r);
		if (status == 200)
			return;
		CU_ASSERT_EQUAL_FATAL(status, 503);
		usleep(10000);
	}
	CU_FAIL_FATAL("the server never became ready");
}

static void start_ready(struct server_proc *sp, const char *const *extra)
{
	start_server(sp, extra);
	await_ready(sp);
}

static int stop_server(struct server_proc *sp)
{
	int status = -1;

	kill(sp->pid, SIGTERM);
	CU_ASSERT_EQUAL(waitpid(sp->pid, &status, 0), sp->pid);
	close(sp->out);
	CU_ASSERT_TRUE(WIFEXITED(status));
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		char cmd[600];

		fprintf(stderr, "\n  server exit status %d; its log:\n", status);
		snprintf(cmd, sizeof(cmd), "tail -n 40 %s/server.log >&2", tmpdir);
		if (system(cmd))
			fprintf(stderr, "  (no log)\n");
	}
	CU_ASSERT_EQUAL(WEXITSTATUS(status), 0);
	return status;
}

/* ---- metrics --------------------------------------------------------- */

/* Value of one sample of /metrics (every line parsed on the way); NAN if
 * absent. */
static double metric(int port, const char *name)
{
	struct http_resp r;
	double found = -1e300;
	char *save = NULL, *line;

	CU_ASSERT_EQUAL_FATAL(http_do(port, "GET", "/metrics", NULL, &r), 0);
	CU_ASSERT_EQUAL(r.status, 200);
	for (line = strtok_r(r.body, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char key[200], rest[64];
		double v;

		if (line[0] == '#') {
			CU_ASSERT_TRUE(!strncmp(line, "# HELP ", 7) || !strncmp(line, "# TYPE ", 7));
			continue;
		}
		/* name{labels} value: exactly two fields */
		CU_ASSERT_EQUAL(sscanf(line, "%199s %lf %63s", key, &v, rest), 2);
		if (!strcmp(key, name))
			found = v;
	}
	http_resp_free(&r);
	CU_ASSERT_TRUE(found > -1e300);
	return found;
}

/* Waits (bounded) until the gauge reaches @want. */
static void await_metric(int port, const char *name, double want)
{
	for (int i = 0; i < 12000; i++) {
		if (metric(port, name) == want)
			return;
		usleep(10000);
	}
	CU_FAIL_FATAL("metric never reached its value");
}

/* ---- requests -------------------------------------------------------- */

struct call {
	const char *prompt;
	int max_tokens, chat, stream;
	int port;
	/* results */
	int status;
	char text[8192];
	size_t len;
	char finish[16];
	int completion_tokens, prompt_tokens, events, done_marker;
};

static char *request_body(const struct call *c)
{
	struct json_object *o = json_object_new_object();
	char *s;

	if (c->chat) {
		struct json_object *msgs = json_object_new_array(), *m = json_object_new_object();

		json_object_object_add(m, "role", json_object_new_string("user"));
		json_object_object_add(m, "content", json_object_new_string(c->prompt));
		json_object_array_add(msgs, m);
		json_object_object_add(o, "messages", msgs);
	} else {
		json_object_object_add(o, "prompt", json_object_new_string(c->prompt));
	}
	json_object_object_add(o, "max_tokens", json_object_new_int(c->max_tokens));
	json_object_object_add(o, "temperature", json_object_new_int(0));
	if (c->stream) {
		struct json_object *so = json_object_new_object();

		json_object_object_add(o, "stream", json_object_new_boolean(1));
		json_object_object_add(so, "include_usage", json_object_new_boolean(1));
		json_object_object_add(o, "stream_options", so);
	}
	s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}

static void add_text(struct call *c, struct json_object *t)
{
	size_t n = (size_t)json_object_get_string_len(t);

	if (c->len + n < sizeof(c->text)) {
		memcpy(c->text + c->len, json_object_get_string(t), n);
		c->len += n;
	}
}

static void read_usage(struct call *c, struct json_object *o)
{
	struct json_object *u, *v;

	if (json_object_object_get_ex(o, "usage", &u) && json_object_get_type(u) == json_type_object) {
		if (json_object_object_get_ex(u, "completion_tokens", &v))
			c->completion_tokens = json_object_get_int(v);
		if (json_object_object_get_ex(u, "prompt_tokens", &v))
			c->prompt_tokens = json_object_get_int(v);
	}
}

/* One choice's text (or delta) and finish reason into @c. */
static void read_choice(struct call *c, struct json_object *o)
{
	struct json_object *choices, *ch, *v, *t;

	if (!json_object_object_get_ex(o, "choices", &choices) ||
	    !json_object_array_length(choices))
		return;
	ch = json_object_array_get_idx(choices, 0);
	if (json_object_object_get_ex(ch, "text", &t))
		add_text(c, t);
	if ((json_object_object_get_ex(ch, "message", &v) ||
	     json_object_object_get_ex(ch, "delta", &v)) &&
	    json_object_object_get_ex(v, "content", &t))
		add_text(c, t);
	if (json_object_object_get_ex(ch, "finish_reason", &v) &&
	    json_object_get_type(v) == json_type_string)
		snprintf(c->finish, sizeof(c->finish), "%s", json_object_get_string(v));
}

static void *run_call(void *arg)
{
	struct call *c = arg;
	char *body = request_body(c);
	struct http_resp r;

	c->len = 0;
	c->status = -1;
	if (!body || http_do(c->port, "POST", c->chat ? "/v1/chat/completions" : "/v1/completions",
			     body, &r)) {
		free(body);
		return NULL;
	}
	free(body);
	c->status = r.status;
	if (!c->stream) {
		struct json_object *o = json_tokener_parse(r.body);

		if (o) {
			read_choice(c, o);
			read_usage(c, o);
		}
		json_object_put(o);
	} else {
		char *save = NULL, *ev;

		/* events are "data: ...\n\n" */
		for (ev = strtok_r(r.body, "\n", &save); ev; ev = strtok_r(NULL, "\n", &save)) {
			struct json_object *o;

			if (strncmp(ev, "data: ", 6))
				continue;
			if (!strcmp(ev + 6, "[DONE]")) {
				c->done_marker++;
				continue;
			}
			c->events++;
			o = json_tokener_parse(ev + 6);
			if (o) {
				read_choice(c, o);
				read_usage(c, o);
			}
			json_object_put(o);
		}
	}
	c->text[c->len] = 0;
	http_resp_free(&r);
	return NULL;
}

static void check_call(const struct call *c, const struct expect *x)
{
	CU_ASSERT_EQUAL(c->status, 200);
	CU_ASSERT_EQUAL(c->len, x->len);
	CU_ASSERT_STRING_EQUAL(c->text, x->text);
	CU_ASSERT_STRING_EQUAL(c->finish, x->stopped ? "stop" : "length");
	CU_ASSERT_EQUAL(c->completion_tokens, x->completion_tokens);
	CU_ASSERT_EQUAL(c->prompt_tokens, x->prompt_tokens);
	if (c->stream)
		CU_ASSERT_EQUAL(c->done_marker, 1);
	if (c->len != x->len || strcmp(c->text, x->text))
		fprintf(stderr, "\n  prompt '%s' (chat %d stream %d): got '%s', want '%s'\n",
			c->prompt, c->chat, c->stream, c->text, x->text);
}

/* ---- tests ----------------------------------------------------------- */

#define N_CLIENTS 12

static const char *const prompts[] = {
	"Once upon a time", "Tom had a dog", "", "The sun was hot and the", "Lily",
	"One day, a big bird", "Sam and Sue", "The cat sat",
};

static void test_concurrent_clients_greedy(void)
{
	static const char *const args[] = { "-b", "4", "--max-queue", "64", NULL };
	struct server_proc sp;
	struct call calls[N_CLIENTS];
	struct expect *x = calloc(N_CLIENTS, sizeof(*x));
	pthread_t th[N_CLIENTS];
	long want_pred = 0, want_prompt = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	memset(calls, 0, sizeof(calls));
	for (int i = 0; i < N_CLIENTS; i++) {
		struct call *c = &calls[i];
		char joined[256];

		c->prompt = prompts[i % 8];
		c->max_tokens = 10 + 7 * i;
		c->chat = i % 3 == 1;
		c->stream = i % 2;
		/* a chat prompt is the messages' contents joined by newlines */
		snprintf(joined, sizeof(joined), "%s", c->prompt);
		expected(joined, c->max_tokens, &x[i]);
		want_pred += x[i].completion_tokens;
		want_prompt += x[i].prompt_tokens;
	}
	start_ready(&sp, args);
	for (int i = 0; i < N_CLIENTS; i++) {
		calls[i].port = sp.port;
		CU_ASSERT_EQUAL_FATAL(pthread_create(&th[i], NULL, run_call, &calls[i]), 0);
	}
	for (int i = 0; i < N_CLIENTS; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < N_CLIENTS; i++)
		check_call(&calls[i], &x[i]);
	/* the counters add up over all clients; nothing is left behind */
	CU_ASSERT_EQUAL(metric(sp.port, "llamacpp:tokens_predicted_total"), want_pred);
	CU_ASSERT_EQUAL(metric(sp.port, "llamacpp:prompt_tokens_total"), want_prompt);
	CU_ASSERT_EQUAL(metric(sp.port, "llamacpp:requests_deferred"), 0);
	CU_ASSERT_EQUAL(metric(sp.port, "llamacpp:requests_processing"), 0);
	CU_ASSERT_EQUAL(metric(sp.port, "llamacpp:kv_cache_usage_ratio"), 0);
	CU_ASSERT_EQUAL(metric(sp.port, "accelserve:requests_total{outcome=\"ok\"}"), N_CLIENTS);
	/* batching happened: more than one request per step on average */
	CU_ASSERT_TRUE(metric(sp.port, "llamacpp:n_busy_slots_per_decode") > 1.0);
	stop_server(&sp);
	free(x);
}

/* Status and error JSON of one request. */
static void expect_error(int port, const char *method, const char *path,
			 const char *body, int status, const char *param)
{
	struct http_resp r;
	struct json_object *o, *e, *v;

	CU_ASSERT_EQUAL_FATAL(http_do(port, method, path, body, &r), 0);
	CU_ASSERT_EQUAL(r.status, status);
	if (r.status != status)
		fprintf(stderr, "\n  %s %s '%.80s': status %d, want %d\n", method, path,
			body ? body : "", r.status, status);
	o = json_tokener_parse(r.body);
	CU_ASSERT_PTR_NOT_NULL(o);
	CU_ASSERT_TRUE(o && json_object_object_get_ex(o, "error", &e) &&
		       json_object_object_get_ex(e, "message", &v) &&
		       json_object_get_string_len(v) > 0);
	if (o && param && json_object_object_get_ex(o, "error", &e) &&
	    json_object_object_get_ex(e, "param", &v)) {
		CU_ASSERT_PTR_NOT_NULL(json_object_get_string(v));
		if (json_object_get_string(v))
			CU_ASSERT_STRING_EQUAL(json_object_get_string(v), param);
	}
	json_object_put(o);
	http_resp_free(&r);
}

static void test_malformed_requests(void)
{
	static const char *const args[] = { "-n", "64", NULL };
	const char *c = "/v1/completions", *ch = "/v1/chat/completions";
	struct server_proc sp;
	struct call ok = { .prompt = "Tom had a dog", .max_tokens = 12 };
	struct expect x;
	char *big, *long_prompt, *body;

	expected(ok.prompt, ok.max_tokens, &x);
	start_ready(&sp, args);
	expect_error(sp.port, "POST", c, "{\"prompt\": \"a\"", 400, NULL);
	expect_error(sp.port, "POST", c, "not json", 400, NULL);
	expect_error(sp.port, "POST", c, "{\"prompt\": \"a\"} x", 400, NULL);
	expect_error(sp.port, "POST", c, "[1, 2]", 400, NULL);
	expect_error(sp.port, "POST", c, "", 400, NULL);
	expect_error(sp.port, "POST", c, "{}", 400, "prompt");
	expect_error(sp.port, "POST", c, "{\"prompt\": [1, 2]}", 400, "prompt");
	expect_error(sp.port, "POST", c, "{\"prompt\": \"a\\u0000b\"}", 400, "prompt");
	expect_error(sp.port, "POST", c, "{\"prompt\": \"a\", \"temperature\": \"hot\"}", 400, "temperature");
	expect_error(sp.port, "POST", c, "{\"prompt\": \"a\", \"temperature\": 2.5}", 400, "temperature");
	expect_error(sp.port, "POST", c, "{\"prompt\": \"a\", \"max_tokens\": 0}", 400, "max_tokens");
	expect_error(sp.port, "POST", c, "{\"prompt\": \"a\", \"max_tokens\": 65}", 400, "max_tokens");
	expect_error(sp.port, "POST", c, "{\"prompt\": \"a\", \"max_tokens\": 1.5}", 400, "max_tokens");
	expect_error(sp.port, "POST", c, "{\"prompt\": \"a\", \"max_tokens\": 99999999999999999999}", 400, "max_tokens");
	expect_error(sp.port, "POST", c, "{\"prompt\": \"a\", \"top_p\": 0}", 400, "top_p");
	expect_error(sp.port, "POST", c, "{\"prompt\": \"a\", \"seed\": -1}", 400, "seed");
	expect_error(sp.port, "POST", c, "{\"prompt\": \"a\", \"n\": 2}", 400, "n");
	expect_error(sp.port, "POST", c, "{\"prompt\": \"a\", \"stream\": \"yes\"}", 400, "stream");
	expect_error(sp.port, "POST", c, "{\"prompt\": \"a\", \"stop\": 5}", 400, "stop");
	expect_error(sp.port, "POST", c, "{\"prompt\": \"a\", \"stop\": [\"\"]}", 400, "stop");
	expect_error(sp.port, "POST", c, "{\"prompt\": \"a\", \"stop\": [\"a\", \"b\", \"c\", \"d\", \"e\"]}", 400, "stop");
	expect_error(sp.port, "POST", c, "{\"prompt\": \"a\", \"model\": 7}", 400, "model");
	expect_error(sp.port, "POST", ch, "{\"messages\": []}", 400, "messages");
	expect_error(sp.port, "POST", ch, "{\"messages\": [{\"role\": \"wizard\", \"content\": \"a\"}]}", 400, "messages");
	expect_error(sp.port, "POST", ch, "{\"messages\": [{\"role\": \"user\"}]}", 400, "messages");
	expect_error(sp.port, "POST", ch, "{\"messages\": [{\"role\": \"user\", \"content\": 5}]}", 400, "messages");
	expect_error(sp.port, "POST", ch, "{\"prompt\": \"a\"}", 400, "messages");
	expect_error(sp.port, "GET", c, NULL, 405, NULL);
	expect_error(sp.port, "POST", "/health", "{}", 405, NULL);
	expect_error(sp.port, "GET", "/v2/nothing", NULL, 404, NULL);
	/* a prompt longer than the context */
	long_prompt = malloc(6000);
	body = malloc(6100);
	CU_ASSERT_PTR_NOT_NULL_FATAL(long_prompt);
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	for (int i = 0; i < 5999; i++)
		long_prompt[i] = "ab c"[i % 4];
	long_prompt[5999] = 0;
	snprintf(body, 6100, "{\"prompt\": \"%s\"}", long_prompt);
	expect_error(sp.port, "POST", c, body, 400, "prompt");
	free(long_prompt);
	free(body);
	/* a body past the 1 MiB limit */
	big = malloc((2u << 20) + 32);
	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	memset(big, ' ', 2u << 20);
	memcpy(big, "{\"prompt\": \"a\"}", 15);
	big[2u << 20] = 0;
	expect_error(sp.port, "POST", c, big, 413, NULL);
	free(big);
	/* and the server still answers a good request exactly */
	ok.port = sp.port;
	run_call(&ok);
	check_call(&ok, &x);
	CU_ASSERT_EQUAL(metric(sp.port, "accelserve:requests_total{outcome=\"ok\"}"), 1);
	stop_server(&sp);
}

/* The long-running request of the tests below: greedy from this prompt
 * the model does not end the text within the context, so it can only end
 * early by being cancelled. */
#define LONG_PROMPT "Sam and Sue"
#define LONG_TOKENS 500
#define LONG_PROMPT2 "Once upon a time there was a"

static void test_client_leaves_mid_stream(void)
{
	static const char *const args[] = { "-b", "1", "-n", "600", NULL };
	struct server_proc sp;
	struct expect xl, xb;
	struct call b = { .prompt = "Tom had a dog", .max_tokens = 20, .stream = 1 };
	struct call a = { .prompt = LONG_PROMPT, .max_tokens = LONG_TOKENS, .stream = 1 };
	char *body, buf[4096];
	size_t got = 0;
	int fd, datas = 0;
	pthread_t tb;

	expected(LONG_PROMPT, LONG_TOKENS, &xl);
	CU_ASSERT_FATAL(!xl.stopped);	/* precondition of the test */
	expected(b.prompt, b.max_tokens, &xb);
	start_ready(&sp, args);
	/* A streams, reads two events, hangs up */
	body = request_body(&a);
	fd = http_connect(sp.port);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL_FATAL(http_send(fd, "POST", "/v1/completions", body, strlen(body)), 0);
	free(body);
	while (datas < 2 && got < sizeof(buf) - 1) {
		ssize_t n = recv(fd, buf + got, sizeof(buf) - 1 - got, 0);

		CU_ASSERT_FATAL(n > 0);
		got += (size_t)n;
		buf[got] = 0;
		datas = 0;
		for (char *p = buf; (p = strstr(p, "data: ")); p += 6)
			datas++;
	}
	CU_ASSERT_EQUAL(metric(sp.port, "llamacpp:requests_processing"), 1);
	close(fd);
	/* B needs A's only batch place: it runs once A has left the batch */
	b.port = sp.port;
	CU_ASSERT_EQUAL_FATAL(pthread_create(&tb, NULL, run_call, &b), 0);
	pthread_join(tb, NULL);
	check_call(&b, &xb);
	CU_ASSERT_EQUAL(metric(sp.port, "accelserve:requests_total{outcome=\"unfinished\"}"), 1);
	CU_ASSERT_EQUAL(metric(sp.port, "accelserve:requests_total{outcome=\"ok\"}"), 1);
	/* A stopped long before its 500 tokens */
	CU_ASSERT_TRUE(metric(sp.port, "llamacpp:tokens_predicted_total") <
		       xb.completion_tokens + LONG_TOKENS / 2);
	stop_server(&sp);
}

static void test_overload_answers_429(void)
{
	static const char *const args[] = { "-b", "1", "--max-queue", "1", "-n", "600", NULL };
	struct server_proc sp;
	struct call a = { .prompt = LONG_PROMPT, .max_tokens = LONG_TOKENS };
	struct call b = { .prompt = "Lily", .max_tokens = 15 };
	struct expect xa, xb;
	pthread_t ta, tb;
	struct http_resp r;
	char retry[16];

	expected(a.prompt, a.max_tokens, &xa);
	expected(b.prompt, b.max_tokens, &xb);
	start_ready(&sp, args);
	a.port = b.port = sp.port;
	CU_ASSERT_EQUAL_FATAL(pthread_create(&ta, NULL, run_call, &a), 0);
	await_metric(sp.port, "llamacpp:requests_processing", 1);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&tb, NULL, run_call, &b), 0);
	await_metric(sp.port, "llamacpp:requests_deferred", 1);
	/* one running, one queued: a third has no room */
	expect_error(sp.port, "POST", "/v1/completions", "{\"prompt\": \"x\"}", 429, NULL);
	CU_ASSERT_EQUAL_FATAL(http_do(sp.port, "POST", "/v1/completions", "{\"prompt\": \"x\"}", &r), 0);
	CU_ASSERT_EQUAL(http_header(&r, "retry-after", retry, sizeof(retry)), 0);
	http_resp_free(&r);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	check_call(&a, &xa);
	check_call(&b, &xb);
	CU_ASSERT_EQUAL(metric(sp.port, "accelserve:requests_total{outcome=\"rejected\"}"), 2);
	stop_server(&sp);
}

static void test_shutdown_while_busy(void)
{
	static const char *const args[] = { "-b", "2", "-n", "600", NULL };
	struct server_proc sp;
	struct call calls[5];
	struct expect x[5];
	pthread_t th[5];

	memset(calls, 0, sizeof(calls));
	for (int i = 0; i < 5; i++) {
		/* the two that run first are long, so the other three queue */
		calls[i].prompt = i == 0 ? LONG_PROMPT : i == 1 ? LONG_PROMPT2 : prompts[i];
		calls[i].max_tokens = i < 2 ? LONG_TOKENS : 40 + i;
		calls[i].stream = i % 2;
		calls[i].chat = i == 3;
		expected(calls[i].prompt, calls[i].max_tokens, &x[i]);
	}
	start_ready(&sp, args);
	for (int i = 0; i < 5; i++) {
		calls[i].port = sp.port;
		CU_ASSERT_EQUAL_FATAL(pthread_create(&th[i], NULL, run_call, &calls[i]), 0);
		/* in order: two running, then three queued */
		await_metric(sp.port, i < 2 ? "llamacpp:requests_processing" :
			     "llamacpp:requests_deferred", i < 2 ? i + 1 : i - 1);
	}
	stop_server(&sp);	/* SIGTERM while busy; exit status 0 */
	for (int i = 0; i < 5; i++) {
		pthread_join(th[i], NULL);
		check_call(&calls[i], &x[i]);
	}
	/* nobody listens any more */
	CU_ASSERT_EQUAL(http_connect(sp.port), -1);
}

static void *write_fifo(void *arg)
{
	const char *fifo = arg;
	FILE *in = fopen(tok_path, "rb"), *out = fopen(fifo, "wb");
	char buf[4096];
	size_t n;

	while (in && out && (n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			break;
	if (in)
		fclose(in);
	if (out)
		fclose(out);
	return NULL;
}

static void test_health_loading_then_ready(void)
{
	char fifo[600];
	const char *args[] = { "-z", fifo, "--alias", "tiny-stories", NULL };
	struct server_proc sp;
	struct http_resp r;
	struct json_object *o, *data, *v;
	pthread_t tw;

	snprintf(fifo, sizeof(fifo), "%s/tok.fifo", tmpdir);
	CU_ASSERT_EQUAL_FATAL(mkfifo(fifo, 0600), 0);
	start_server(&sp, args);
	/* the tokenizer cannot be read until we write it: still loading */
	CU_ASSERT_EQUAL_FATAL(http_do(sp.port, "GET", "/health", NULL, &r), 0);
	CU_ASSERT_EQUAL(r.status, 503);
	CU_ASSERT_STRING_EQUAL(r.body, "{\"status\":\"loading\"}");
	http_resp_free(&r);
	expect_error(sp.port, "POST", "/v1/completions", "{\"prompt\": \"a\"}", 503, NULL);
	/* the model list and the metrics answer at once */
	CU_ASSERT_EQUAL(metric(sp.port, "llamacpp:requests_processing"), 0);
	CU_ASSERT_EQUAL_FATAL(http_do(sp.port, "GET", "/v1/models", NULL, &r), 0);
	CU_ASSERT_EQUAL(r.status, 200);
	o = json_tokener_parse(r.body);
	CU_ASSERT_TRUE(o && json_object_object_get_ex(o, "data", &data) &&
		       json_object_array_length(data) == 1 &&
		       json_object_object_get_ex(json_object_array_get_idx(data, 0), "id", &v) &&
		       !strcmp(json_object_get_string(v), "tiny-stories"));
	json_object_put(o);
	http_resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&tw, NULL, write_fifo, fifo), 0);
	for (int i = 0; i < 12000; i++) {
		CU_ASSERT_EQUAL_FATAL(http_do(sp.port, "GET", "/health", NULL, &r), 0);
		if (r.status == 200)
			break;
		http_resp_free(&r);
		usleep(10000);
	}
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_STRING_EQUAL(r.body, "{\"status\":\"ok\"}");
	http_resp_free(&r);
	pthread_join(tw, NULL);
	stop_server(&sp);
}

/* Seeded sampling: two requests with the same seed, sent together, get
 * the text that seed gives alone. */
static void *run_body(void *arg)
{
	struct call *c = arg;
	struct http_resp r;
	struct json_object *o;
	char body[256];

	snprintf(body, sizeof(body),
		 "{\"prompt\": \"%s\", \"max_tokens\": %d, \"temperature\": 0.8, \"top_p\": 0.9, \"seed\": 0}",
		 c->prompt, c->max_tokens);
	c->status = -1;
	if (http_do(c->port, "POST", "/v1/completions", body, &r))
		return NULL;
	c->status = r.status;
	o = json_tokener_parse(r.body);
	if (o) {
		read_choice(c, o);
		read_usage(c, o);
	}
	json_object_put(o);
	c->text[c->len] = 0;
	http_resp_free(&r);
	return NULL;
}

static void test_seeded_sampling(void)
{
	static const char *const args[] = { "-b", "4", NULL };
	struct server_proc sp;
	struct call c[2] = { { .prompt = "Lily", .max_tokens = 40 },
			     { .prompt = "Lily", .max_tokens = 40 } };
	struct expect x;
	pthread_t th[2];

	/* seed 0 is a seed like any other */
	expected_sampled("Lily", 40, 0.8f, 0.9f, 0, &x);
	start_ready(&sp, args);
	for (int i = 0; i < 2; i++) {
		c[i].port = sp.port;
		CU_ASSERT_EQUAL_FATAL(pthread_create(&th[i], NULL, run_body, &c[i]), 0);
	}
	for (int i = 0; i < 2; i++) {
		pthread_join(th[i], NULL);
		check_call(&c[i], &x);
	}
	stop_server(&sp);
}

/* Stop strings: the text ends before the first one, streamed or not,
 * and nothing past it is ever sent. */
static void *run_stop(void *arg)
{
	struct call *c = arg;
	struct http_resp r;
	char body[512], *save = NULL, *ev;

	snprintf(body, sizeof(body),
		 "{\"prompt\": \"%s\", \"max_tokens\": %d, \"temperature\": 0, \"stream\": %s, \"stop\": [\"park\", \"Lily\"]}",
		 c->prompt, c->max_tokens, c->stream ? "true" : "false");
	c->status = -1;
	c->len = 0;
	if (http_do(c->port, "POST", "/v1/completions", body, &r))
		return NULL;
	c->status = r.status;
	if (!c->stream) {
		struct json_object *o = json_tokener_parse(r.body);

		if (o)
			read_choice(c, o);
		json_object_put(o);
	} else {
		for (ev = strtok_r(r.body, "\n", &save); ev; ev = strtok_r(NULL, "\n", &save)) {
			struct json_object *o;

			if (strncmp(ev, "data: {", 7))
				continue;
			o = json_tokener_parse(ev + 6);
			if (o)
				read_choice(c, o);
			json_object_put(o);
		}
	}
	c->text[c->len] = 0;
	http_resp_free(&r);
	return NULL;
}

static void test_stop_strings(void)
{
	static const char *const args[] = { "-b", "2", NULL };
	struct server_proc sp;
	struct call c[2] = { { .prompt = "Once upon a time", .max_tokens = 60 },
			     { .prompt = "Once upon a time", .max_tokens = 60, .stream = 1 } };
	struct expect x;
	char *a, *b, *cut;
	pthread_t th[2];

	expected("Once upon a time", 60, &x);
	a = strstr(x.text, "park");
	b = strstr(x.text, "Lily");
	CU_ASSERT_FATAL(a || b);	/* precondition: the text has one */
	cut = !a ? b : !b ? a : a < b ? a : b;
	*cut = 0;
	start_ready(&sp, args);
	for (int i = 0; i < 2; i++) {
		c[i].port = sp.port;
		CU_ASSERT_EQUAL_FATAL(pthread_create(&th[i], NULL, run_stop, &c[i]), 0);
	}
	for (int i = 0; i < 2; i++) {
		pthread_join(th[i], NULL);
		CU_ASSERT_EQUAL(c[i].status, 200);
		CU_ASSERT_STRING_EQUAL(c[i].text, x.text);
		CU_ASSERT_STRING_EQUAL(c[i].finish, "stop");
	}
	stop_server(&sp);
}

/* --timeout: a request whose deadline comes long before its last token.
 * 500 tokens cannot be decoded in 5 ms (the sim decodes about one token
 * per millisecond in a release build, far fewer under the sanitizers), so
 * the slow state holds by construction: a plain request gets 504 with a
 * timeout_error, a stream an error event and no [DONE]; both leave the
 * batch. */
/* accel-serve's main() run in a child with its output discarded: the
 * child's exit status, or -1 when it did not exit normally. */
static int serve_exit_status(int argc, const char *const *argv)
{
	pid_t pid;
	int status = -1;

	fflush(NULL);
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (!pid) {
		int nul = open("/dev/null", O_WRONLY);

		dup2(nul, 1);
		dup2(nul, 2);
		exit(serve_main(argc, (char **)argv));
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static void test_request_timeout(void)
{
	static const char *const args[] = { "-b", "2", "-n", "600", "--timeout", "0.005", NULL };
	static const char *const body =
		"{\"prompt\": \"" LONG_PROMPT "\", \"max_tokens\": 500, \"temperature\": 0}";
	static const char *const stream_body =
		"{\"prompt\": \"" LONG_PROMPT "\", \"max_tokens\": 500, \"temperature\": 0, "
		"\"stream\": true}";
	struct server_proc sp;
	struct http_resp r;
	struct json_object *o, *e, *v;

	start_ready(&sp, args);
	CU_ASSERT_EQUAL_FATAL(http_do(sp.port, "POST", "/v1/completions", body, &r), 0);
	CU_ASSERT_EQUAL(r.status, 504);
	o = json_tokener_parse(r.body);
	CU_ASSERT_TRUE(o && json_object_object_get_ex(o, "error", &e) &&
		       json_object_object_get_ex(e, "type", &v) &&
		       !strcmp(json_object_get_string(v), "timeout_error"));
	json_object_put(o);
	http_resp_free(&r);

	CU_ASSERT_EQUAL_FATAL(http_do(sp.port, "POST", "/v1/completions", stream_body, &r), 0);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"timeout_error\""));
	CU_ASSERT_PTR_NULL(strstr(r.body, "[DONE]"));
	http_resp_free(&r);

	CU_ASSERT_EQUAL(metric(sp.port, "accelserve:requests_total{outcome=\"unfinished\"}"), 2);
	CU_ASSERT_EQUAL(metric(sp.port, "llamacpp:requests_processing"), 0);
	stop_server(&sp);

	/* the option's range: fractions down to a millisecond */
	{
		const char *argv1[] = { "accel-serve", "--timeout", "0.0005", NULL };
		const char *argv2[] = { "accel-serve", "--timeout", "nan", NULL };
		const char *argv3[] = { "accel-serve", "--timeout", "1x", NULL };
		const char *const *cases[] = { argv1, argv2, argv3 };

		for (int i = 0; i < 3; i++)
			CU_ASSERT_EQUAL(serve_exit_status(3, cases[i]), 1);
	}
}

static void test_bad_options(void)
{
	const char *argv1[] = { "accel-serve", "--max-batch", "0", NULL };
	const char *argv2[] = { "accel-serve", "--port", "70000", NULL };
	const char *argv3[] = { "accel-serve", "--host", "localhost.invalid", "--port", "0", NULL };
	const char *argv4[] = { "accel-serve", "--port", "0", "-m", "/nonexistent/model.bin", NULL };
	const char *const *cases[] = { argv1, argv2, argv3, argv4 };
	const int argcs[] = { 3, 3, 5, 5 };

	/* bad options, an address that is not numeric, a model that cannot
	 * be loaded (after listening): exit status 1 */
	for (int i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(serve_exit_status(argcs[i], cases[i]), 1);
}

int main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("serve", suite_init, suite_clean);
	if (!s ||
	    !CU_add_test(s, "/health 503 while loading, then 200; /v1/models", test_health_loading_then_ready) ||
	    !CU_add_test(s, "12 concurrent clients each get their text alone", test_concurrent_clients_greedy) ||
	    !CU_add_test(s, "malformed requests answer 400/404/405/413", test_malformed_requests) ||
	    !CU_add_test(s, "a client leaving mid-stream leaves the batch", test_client_leaves_mid_stream) ||
	    !CU_add_test(s, "full queue answers 429", test_overload_answers_429) ||
	    !CU_add_test(s, "SIGTERM while busy drains every request", test_shutdown_while_busy) ||
	    !CU_add_test(s, "seeded sampling = alone", test_seeded_sampling) ||
	    !CU_add_test(s, "stop strings end the text", test_stop_strings) ||
	    !CU_add_test(s, "--timeout answers 504 (a stream: an error event)", test_request_timeout) ||
	    !CU_add_test(s, "bad options", test_bad_options)) {
		CU_cleanup_registry();
		return 2;
	}
	return cunit_run_and_cleanup();
}
