// SPDX-License-Identifier: MIT
/*
 * serve_main.c - accel-serve's options, start-up and shutdown.  The HTTP
 * side listens first (so /health answers 503 while the model loads); the
 * engine thread loads the model and then serves.  SIGTERM or SIGINT
 * drains: no new connections or requests, every queued and running request
 * is finished and delivered, then the process exits 0.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "llm_paths.h"
#include "serve.h"

#ifndef LLM_MODELS_DIR
#define LLM_MODELS_DIR "/usr/local/share/csa/models"
#endif

#define MAX_BODY (1u << 20)
#define DRAIN_DELIVERY_S 30	/* longest wait for finished responses to go out */

double serve_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: accel-serve [options]\n"
"  -m, --model FILE        llama2.c checkpoint or CSA packed model\n"
"                          (default stories260K.bin on accel-llm's model path:\n"
"                          $ACCEL_MODELS, the XDG data dirs, " LLM_MODELS_DIR ")\n"
"  -z, --tokenizer FILE    tokenizer (default tok512.bin / tokenizer.bin beside the model)\n"
"  -d, --device SPEC       sim, sim:devmem=SIZE, /dev/accel/accelN (default: first card,\n"
"                          else sim); one server per card\n"
"      --host ADDR         numeric address to listen on (default 127.0.0.1)\n"
"      --port N            TCP port (default 8080; 0 = any free port, printed)\n"
"      --alias NAME        model id in the API (default: the model file's name)\n"
"      --weights MODE      f32, bcq2, bcq3, bcq4 (a checkpoint is quantized on load)\n"
"      --softmax MODE      exact or consmax\n"
"  -b, --max-batch N       requests decoded together (default 8, 1..%d)\n"
"      --schedule ORDER    auto, in-order or interleaved: a step's commands in\n"
"                          one queue, or two sub-batches overlapping attention\n"
"                          and matvecs (default auto: the cheaper on the card's\n"
"                          cycle model; docs/batching.md)\n"
"      --max-queue N       requests waiting for a batch place (default 64; more: 429)\n"
"  -n, --max-tokens N      most tokens per request, and the default (default 256)\n"
"      --timeout SEC       per request, waiting plus decoding (default 600;\n"
"                          fractions allowed, at least 0.001)\n"
"  -h, --help\n", LLM_BATCH_MAX);
}

static int bad(const char *what, const char *arg)
{
	fprintf(stderr, "accel-serve: bad %s '%s'\n", what, arg);
	return -1;
}

static int parse_long(const char *arg, long lo, long hi, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(arg, &end, 10);
	return errno || end == arg || *end || *out < lo || *out > hi ? -1 : 0;
}

/* Seconds, fractions allowed (a decimal number: 0.25, 30, 1e-3). */
static int parse_seconds(const char *arg, double lo, double hi, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(arg, &end);
	return errno || end == arg || *end || !(*out >= lo && *out <= hi) ? -1 : 0;
}

static int parse_options(int argc, char **argv, struct serve_options *o)
{
	enum { O_HOST = 256, O_PORT, O_ALIAS, O_WEIGHTS, O_SOFTMAX, O_QUEUE, O_TIMEOUT, O_SCHEDULE };
	static const struct option lo[] = {
		{ "model", required_argument, 0, 'm' },
		{ "tokenizer", required_argument, 0, 'z' },
		{ "device", required_argument, 0, 'd' },
		{ "host", required_argument, 0, O_HOST },
		{ "port", required_argument, 0, O_PORT },
		{ "alias", required_argument, 0, O_ALIAS },
		{ "weights", required_argument, 0, O_WEIGHTS },
		{ "softmax", required_argument, 0, O_SOFTMAX },
		{ "max-batch", required_argument, 0, 'b' },
		{ "max-queue", required_argument, 0, O_QUEUE },
		{ "schedule", required_argument, 0, O_SCHEDULE },
		{ "max-tokens", required_argument, 0, 'n' },
		{ "timeout", required_argument, 0, O_TIMEOUT },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	long v;
	int c;

	*o = (struct serve_options){ .host = "127.0.0.1", .port = 8080, .planes = -1,
		.max_batch = 8, .max_queue = 64, .max_tokens = 256, .timeout_s = 600,
		.max_body = MAX_BODY };
	optind = 1;
	while ((c = getopt_long(argc, argv, "m:z:d:b:n:h", lo, NULL)) != -1) {
		switch (c) {
		case 'm': o->model = optarg; break;
		case 'z': o->tokenizer = optarg; break;
		case 'd': o->device = optarg; break;
		case O_HOST: o->host = optarg; break;
		case O_ALIAS:
			if (!*optarg || strlen(optarg) >= 128)
				return bad("--alias (1..127 characters)", optarg);
			o->model_name = optarg;
			break;
		case O_PORT:
			if (parse_long(optarg, 0, 65535, &v))
				return bad("--port (0..65535)", optarg);
			o->port = (int)v;
			break;
		case 'b':
			if (parse_long(optarg, 1, LLM_BATCH_MAX, &v))
				return bad("--max-batch", optarg);
			o->max_batch = (int)v;
			break;
		case O_SCHEDULE:
			if (llm_schedule_parse(optarg, &o->schedule))
				return bad("--schedule (auto, in-order, interleaved)", optarg);
			break;
		case O_QUEUE:
			if (parse_long(optarg, 0, 100000, &v))
				return bad("--max-queue (0..100000)", optarg);
			o->max_queue = (int)v;
			break;
		case 'n':
			if (parse_long(optarg, 1, 1 << 20, &v))
				return bad("--max-tokens", optarg);
			o->max_tokens = (int)v;
			break;
		case O_TIMEOUT:
			if (parse_seconds(optarg, 0.001, 86400 * 7, &o->timeout_s))
				return bad("--timeout (seconds, 0.001..604800)", optarg);
			break;
		case O_WEIGHTS:
			if (llm_parse_weights(optarg, &o->planes))
				return bad("--weights (f32, bcq2, bcq3, bcq4)", optarg);
			break;
		case O_SOFTMAX:
			if (!strcmp(optarg, "exact"))
				o->consmax = 0;
			else if (!strcmp(optarg, "consmax"))
				o->consmax = 1;
			else
				return bad("--softmax (exact, consmax)", optarg);
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "accel-serve: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	return 0;
}

/* Model and tokenizer paths as accel-llm finds them: a name without a
 * directory on the model search path (llm_paths.h), the tokenizer beside
 * the model or else on the path. */
static int find_files(struct serve_options *o, char *model, char *tok, size_t n)
{
	char tried[1024];

	if (!o->model) {
		if (llm_find_model_file("stories260K.bin", LLM_MODELS_DIR, model, n,
					tried, sizeof(tried))) {
			fprintf(stderr, "accel-serve: no stories260K.bin in %s; give -m FILE or set ACCEL_MODELS\n",
				tried);
			return -1;
		}
		o->model = model;
	}
	if (!o->tokenizer) {
		const char *slash = strrchr(o->model, '/');
		int dir = slash ? (int)(slash - o->model + 1) : 0;

		/* the vocabulary size is known only once the model is read:
		 * tok512.bin if there is one, else tokenizer.bin */
		snprintf(tok, n, "%.*stok512.bin", dir, o->model);
		if (access(tok, R_OK))
			snprintf(tok, n, "%.*stokenizer.bin", dir, o->model);
		if (access(tok, R_OK) &&
		    llm_find_model_file("tok512.bin", LLM_MODELS_DIR, tok, n, NULL, 0) &&
		    llm_find_model_file("tokenizer.bin", LLM_MODELS_DIR, tok, n, NULL, 0))
			snprintf(tok, n, "%.*stokenizer.bin", dir, o->model);
		o->tokenizer = tok;
	}
	return 0;
}

/* Waits for SIGTERM/SIGINT (blocked in every thread) or a failed engine. */
static int wait_for_stop(struct server *s, const sigset_t *set)
{
	struct timespec slice = { 0, 200000000L };

	for (;;) {
		int sig = sigtimedwait(set, NULL, &slice);
		enum serve_state st;

		if (sig == SIGTERM || sig == SIGINT) {
			fprintf(stderr, "accel-serve: %s: draining\n", sig == SIGTERM ? "SIGTERM" : "SIGINT");
			return 0;
		}
		pthread_mutex_lock(&s->lock);
		st = s->state;
		pthread_mutex_unlock(&s->lock);
		if (st == SERVE_FAILED)
			return 1;
	}
}

static void drain(struct server *s)
{
	struct timespec until;

	pthread_mutex_lock(&s->lock);
	if (s->state == SERVE_LOADING || s->state == SERVE_READY)
		s->state = SERVE_DRAINING;
	pthread_cond_broadcast(&s->work);
	pthread_mutex_unlock(&s->lock);
	serve_http_quiesce(s);
	serve_engine_join(s);
	/* every request is finished; let the answers reach their clients */
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += DRAIN_DELIVERY_S;
	pthread_mutex_lock(&s->lock);
	while (s->n_open > 0)
		if (pthread_cond_timedwait(&s->idle, &s->lock, &until) == ETIMEDOUT)
			break;
	if (s->n_open > 0)
		fprintf(stderr, "accel-serve: %d responses still open after %d s; closing them\n",
			s->n_open, DRAIN_DELIVERY_S);
	pthread_mutex_unlock(&s->lock);
	serve_http_stop(s);
}

int serve_main(int argc, char **argv)
{
	static char model[4096], tok[4096];
	struct server *s;
	sigset_t set, old;
	const char *base;
	int rc;

	s = calloc(1, sizeof(*s));
	if (!s) {
		fprintf(stderr, "accel-serve: out of memory\n");
		return 1;
	}
	rc = parse_options(argc, argv, &s->o);
	if (!rc)
		rc = find_files(&s->o, model, tok, sizeof(model));
	if (rc) {
		free(s);
		return rc > 0 ? 0 : 1;
	}
	base = strrchr(s->o.model, '/');
	snprintf(s->model_id, sizeof(s->model_id), "%.127s",
		 s->o.model_name ? s->o.model_name : base ? base + 1 : s->o.model);
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->work, NULL);
	pthread_cond_init(&s->idle, NULL);
	/* signals go to sigtimedwait() in this thread only */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	signal(SIGPIPE, SIG_IGN);
	rc = serve_http_start(s);
	if (!rc) {
		printf("accel-serve: listening on http://%s%s%s:%d\n",
		       strchr(s->o.host, ':') ? "[" : "", s->o.host,
		       strchr(s->o.host, ':') ? "]" : "", s->port);
		if (fflush(stdout))
			fprintf(stderr, "accel-serve: cannot write to stdout\n");
		rc = serve_engine_start(s);
		if (rc)
			fprintf(stderr, "accel-serve: cannot start the engine: %s\n", strerror(-rc));
		else
			rc = wait_for_stop(s, &set);
		drain(s);
	}
	if (s->have_tok)
		llm_tokenizer_free(&s->tok);
	if (s->have_packed)
		llm_packed_free(&s->packed);
	pthread_cond_destroy(&s->idle);
	pthread_cond_destroy(&s->work);
	pthread_mutex_destroy(&s->lock);
	free(s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc ? 1 : 0;
}
