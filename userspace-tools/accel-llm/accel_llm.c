// SPDX-License-Identifier: MIT
/*
 * accel-llm - decode text with a Llama-architecture model on the CSA
 * accelerator (or, with --cpu, on the float32 CPU reference decoder).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "llm_accel.h"
#include "llm_cpu.h"
#include "llm_eval.h"
#include "llm_packed.h"
#include "llm_sample.h"
#include "llm_tokenizer.h"
#include "project.h"

#ifndef LLM_MODELS_DIR
#define LLM_MODELS_DIR ""
#endif

#define EVAL_SEED 20261123u	/* the evaluation text; calibration uses others */
#define CALIB_SEED 1u
#define CALIB_LEN 256
/* Above LLM_CALIB_AUTO_MAX_WEIGHTS layer weights, calibrating on load
 * (GPTQ-style fitting, ConSmax statistics) takes minutes: use accel-quant
 * offline instead. */

struct options {
	const char *model, *tokenizer, *prompt, *device;
	int steps, eval, cpu, pow2, consmax, group, quiet, calib_seqs;
	int planes;		/* 0 = f32 */
	int weights_given;
	int classifier_bcq;
	uint32_t group_of[LLM_LAYER_MATRICES + 1];	/* per kind, 0 = group */
	enum llm_consmax_method method;
	float temperature, top_p, eval_top_p;
	uint64_t seed, eval_seed;
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: accel-llm [options]\n"
"  -m, --model FILE       llama2.c checkpoint or CSA packed model\n"
"                         (default $ACCEL_MODELS or " LLM_MODELS_DIR ", stories260K.bin)\n"
"  -z, --tokenizer FILE   llama2.c tokenizer (default tok512.bin / tokenizer.bin there)\n"
"  -p, --prompt TEXT      prompt (default \"Once upon a time\")\n"
"  -n, --tokens N         tokens to generate (default 256, capped by the context)\n"
"  -t, --temperature T    0 = greedy (default 1.0)\n"
"      --top-p P          nucleus sampling (default 0.9; 0 or 1 = off)\n"
"  -s, --seed N           sampling seed (default: time)\n"
"  -d, --device SPEC      sim, sim:devmem=SIZE, /dev/accel/accelN (default: first card, else sim)\n"
"      --weights MODE     f32, bcq2, bcq3, bcq4 (a checkpoint is quantized on load)\n"
"      --group G[,K=G..]  BCQ scale group, multiple of 8 (default %d); per\n"
"                         matrix kind K (wq wk wv wo w1 w2 w3 cls), e.g. 64,wk=8\n"
"      --pow2             power-of-two BCQ scales (shifts)\n"
"      --classifier-bcq   quantize the classifier too (default: when the\n"
"                         vocabulary has 4096 tokens or more)\n"
"      --classifier-f32   keep the classifier f32\n"
"      --calib-seqs N     sampled calibration sequences (%d tokens each) for\n"
"                         activation-aware BCQ and ConSmax (default %d for models\n"
"                         up to 4M layer weights, else 0 = plain BCQ and 1 for ConSmax)\n"
"      --softmax MODE     exact or consmax (calibrated on load if the file has no tables)\n"
"      --consmax-gamma M  gamma from the calibration rows' sums: max (default),\n"
"                         lse (geometric mean) or sum (arithmetic mean)\n"
"      --cpu              float32 CPU reference decoder, no accelerator\n"
"      --eval N           quality vs the CPU fp32 reference over N tokens sampled\n"
"                         from the fp32 model (temperature 1, fixed seed)\n"
"      --eval-top-p P     top-p of that sampling (default 0.9; 0 = plain)\n"
"      --eval-seed N      seed of the sampled evaluation text (default fixed)\n"
"  -q, --quiet            no statistics line\n"
"      --project          tokens/s the cycle model projects on the board\n"
"                         profiles, without running (accel-llm --project -h)\n"
"  -h, --help\n", LLM_BCQ_DEFAULT_GROUP, CALIB_LEN, LLM_CALIB_DEFAULT_SEQS);
}

static int die(const char *fmt, const char *arg)
{
	fprintf(stderr, "accel-llm: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return 1;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	enum { O_TOPP = 256, O_WEIGHTS, O_GROUP, O_POW2, O_SOFTMAX, O_CPU, O_EVAL,
	       O_CLS, O_CLS_F32, O_METHOD, O_CALIB, O_EVAL_TOPP, O_EVAL_SEED };
	static const struct option lo[] = {
		{ "model", required_argument, 0, 'm' },
		{ "tokenizer", required_argument, 0, 'z' },
		{ "prompt", required_argument, 0, 'p' },
		{ "tokens", required_argument, 0, 'n' },
		{ "temperature", required_argument, 0, 't' },
		{ "top-p", required_argument, 0, O_TOPP },
		{ "seed", required_argument, 0, 's' },
		{ "device", required_argument, 0, 'd' },
		{ "weights", required_argument, 0, O_WEIGHTS },
		{ "group", required_argument, 0, O_GROUP },
		{ "pow2", no_argument, 0, O_POW2 },
		{ "classifier-bcq", no_argument, 0, O_CLS },
		{ "classifier-f32", no_argument, 0, O_CLS_F32 },
		{ "softmax", required_argument, 0, O_SOFTMAX },
		{ "consmax-gamma", required_argument, 0, O_METHOD },
		{ "cpu", no_argument, 0, O_CPU },
		{ "calib-seqs", required_argument, 0, O_CALIB },
		{ "eval-top-p", required_argument, 0, O_EVAL_TOPP },
		{ "eval-seed", required_argument, 0, O_EVAL_SEED },
		{ "eval", required_argument, 0, O_EVAL },
		{ "quiet", no_argument, 0, 'q' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	char *end;
	int c;

	*o = (struct options){ .prompt = "Once upon a time", .steps = 256,
		.temperature = 1.0f, .top_p = 0.9f, .group = LLM_BCQ_DEFAULT_GROUP,
		.seed = (uint64_t)time(NULL), .calib_seqs = -1, .eval_top_p = 0.9f,
		.eval_seed = EVAL_SEED,
		.classifier_bcq = LLM_CLASSIFIER_AUTO };
	while ((c = getopt_long(argc, argv, "m:z:p:n:t:s:d:qh", lo, NULL)) != -1) {
		switch (c) {
		case 'm': o->model = optarg; break;
		case 'z': o->tokenizer = optarg; break;
		case 'p': o->prompt = optarg; break;
		case 'd': o->device = optarg; break;
		case 'q': o->quiet = 1; break;
		case O_POW2: o->pow2 = 1; break;
		case O_CPU: o->cpu = 1; break;
		case O_CLS: o->classifier_bcq = 1; break;
		case O_CLS_F32: o->classifier_bcq = 0; break;
		case 'n':
			o->steps = strtol(optarg, &end, 10);
			if (*end || o->steps < 0)
				return -die("bad token count '%s'", optarg);
			break;
		case 't':
			o->temperature = strtof(optarg, &end);
			if (*end || !(o->temperature >= 0))
				return -die("bad temperature '%s'", optarg);
			break;
		case O_TOPP:
			o->top_p = strtof(optarg, &end);
			if (*end || !(o->top_p >= 0 && o->top_p <= 1))
				return -die("bad top-p '%s' (want 0..1)", optarg);
			break;
		case 's':
			o->seed = strtoull(optarg, &end, 0);
			if (*end)
				return -die("bad seed '%s'", optarg);
			break;
		case O_GROUP: {
			uint32_t g = (uint32_t)o->group;

			if (llm_parse_groups(optarg, &g, o->group_of))
				return -die("bad group '%s' (G or G,kind=G,... with kinds wq wk wv wo w1 w2 w3 cls; multiples of 8, 8..4096)",
					    optarg);
			o->group = (int)g;
			break;
		}
		case O_EVAL_TOPP:
			o->eval_top_p = strtof(optarg, &end);
			if (*end || !(o->eval_top_p >= 0 && o->eval_top_p <= 1))
				return -die("bad --eval-top-p '%s' (want 0..1)", optarg);
			break;
		case O_EVAL_SEED:
			o->eval_seed = strtoull(optarg, &end, 0);
			if (*end || !*optarg)
				return -die("bad --eval-seed '%s'", optarg);
			break;
		case O_CALIB:
			o->calib_seqs = strtol(optarg, &end, 10);
			if (*end || o->calib_seqs < 0)
				return -die("bad --calib-seqs '%s'", optarg);
			break;
		case O_EVAL:
			o->eval = strtol(optarg, &end, 10);
			if (*end || o->eval < 1)
				return -die("bad --eval count '%s'", optarg);
			break;
		case O_WEIGHTS:
			o->weights_given = 1;
			if (llm_parse_weights(optarg, &o->planes))
				return -die("bad --weights '%s' (f32, bcq2, bcq3, bcq4)", optarg);
			break;
		case O_SOFTMAX:
			if (!strcmp(optarg, "exact"))
				o->consmax = 0;
			else if (!strcmp(optarg, "consmax"))
				o->consmax = 1;
			else
				return -die("bad --softmax '%s' (exact, consmax)", optarg);
			break;
		case O_METHOD:
			if (llm_parse_consmax_method(optarg, &o->method))
				return -die("bad --consmax-gamma '%s' (max, lse, sum)", optarg);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc)
		return -die("unexpected argument '%s'", argv[optind]);
	return 0;
}

static const char *models_dir(void)
{
	const char *env = getenv("ACCEL_MODELS");

	return env && *env ? env : LLM_MODELS_DIR;
}

static char *path_in_models(const char *name)
{
	static char buf[2][4096];
	static int i;

	i ^= 1;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", models_dir(), name);
	return buf[i];
}

/* The model as the decoder runs it, plus the fp32 original when the input
 * was a checkpoint (for --eval and calibration). */
static int load_model(const struct options *o, struct llm_packed *p,
		      struct llm_model *fp32, struct llm_err *e)
{
	struct llm_quant_opts q = {
		.bcq = { o->planes, o->group, o->pow2, LLM_BCQ_DEFAULT_ITERS },
		.classifier_bcq = o->classifier_bcq,
		.calib_seqs = o->calib_seqs, .calib_len = CALIB_LEN, .seed = CALIB_SEED,
	};
	int rc = llm_packed_probe(o->model);

	memcpy(q.group_of, o->group_of, sizeof(q.group_of));
	memset(fp32, 0, sizeof(*fp32));
	if (rc < 0)
		return llm_fail(e, rc, "%s: %s", o->model, strerror(-rc));
	if (rc == 1) {
		rc = llm_packed_load(p, o->model, e);
		if (rc)
			return rc;
		if (o->weights_given && (int)p->planes != o->planes) {
			unsigned int planes = p->planes;

			llm_packed_free(p);
			return llm_fail(e, -EINVAL, "%s holds %s%u weights; --weights asks otherwise (re-run accel-quant)",
					o->model, planes ? "bcq" : "f", planes ? planes : 32);
		}
		if (o->consmax && !p->consmax_tables) {
			/* calibrate on the weights we have */
			rc = llm_packed_calibrate(p, &p->base, o->method,
						  o->calib_seqs > 0 ? o->calib_seqs : LLM_CALIB_DEFAULT_SEQS,
						  CALIB_LEN, CALIB_SEED, e);
			if (rc)
				llm_packed_free(p);
		}
		return rc;
	}
	return llm_packed_from_checkpoint(p, fp32, o->model, &q, o->consmax,
					  o->method, e);
}

struct decoder {
	int cpu;
	struct llm_cpu c;
	struct llm_accel a;
	struct accel_dev *dev;
	struct accel_info info;
	uint64_t mem_bytes0;	/* device-memory counter after the upload */
	struct llm_err *e;
};

static int decoder_open(struct decoder *d, const struct options *o,
			const struct llm_packed *p, struct llm_err *e)
{
	int rc;

	memset(d, 0, sizeof(*d));
	d->cpu = o->cpu;
	d->e = e;
	if (d->cpu) {
		rc = llm_cpu_init(&d->c, &p->base);
		if (rc)
			return llm_fail(e, rc, "out of memory");
		d->c.consmax = o->consmax ? p->consmax_tables : NULL;
		return 0;
	}
	rc = llm_accel_open_device(o->device, llm_accel_devmem_needed(p), &d->dev, e);
	if (rc)
		return rc;
	rc = llm_accel_init(&d->a, d->dev, p, o->consmax, e);
	if (!rc)
		rc = accel_query_info(d->dev, &d->info);
	if (!rc) {
		struct drm_csa_counters c;

		rc = accel_query_counters(d->dev, &c);
		d->mem_bytes0 = c.devmem_bytes;
	}
	if (rc) {
		accel_close(d->dev);
		return rc;
	}
	return 0;
}

static void decoder_close(struct decoder *d)
{
	if (d->cpu) {
		llm_cpu_free(&d->c);
		return;
	}
	llm_accel_free(&d->a);
	accel_close(d->dev);
}

/* logits != NULL: fill them; else *next = greedy choice */
static int decoder_step(struct decoder *d, int token, int pos, float *logits,
			int *next)
{
	if (d->cpu) {
		const float *l = llm_cpu_forward(&d->c, token, pos);

		if (logits)
			memcpy(logits, l, d->c.m->cfg.vocab_size * sizeof(float));
		else
			*next = llm_argmax(l, d->c.m->cfg.vocab_size);
		return 0;
	}
	return llm_accel_forward(&d->a, token, pos, logits, next, d->e);
}

static int eval_forward(void *ctx, int token, int pos, float *logits)
{
	return decoder_step(ctx, token, pos, logits, NULL);
}

static double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double now(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

/* CPU time of every thread of the process (the sim's worker included): on
 * a shared machine the wall clock also counts the time others had the
 * cores. */
static double cpu_now(void)
{
	return clock_s(CLOCK_PROCESS_CPUTIME_ID);
}

/* Prints a piece unless it is a lone control byte (as llama2.c does). */
static void print_piece(const char *s, size_t len)
{
	if (len == 1 && !(s[0] >= 0x20 && s[0] < 0x7f) && s[0] != '\n' &&
	    s[0] != '\t' && s[0] != '\r' && !((unsigned char)s[0] & 0x80))
		return;
	fwrite(s, 1, len, stdout);
}

static const char *mode_name(const struct llm_packed *p, char *buf, size_t n)
{
	if (!p->planes)
		snprintf(buf, n, "f32");
	else
		snprintf(buf, n, "bcq%u%s%s", p->planes, p->pow2 ? "-pow2" : "",
			 p->classifier_bcq ? "+cls" : "");
	return buf;
}

static int run_eval(const struct options *o, struct decoder *d,
		    const struct llm_packed *p, const struct llm_model *fp32)
{
	struct llm_logits_source src = { d, eval_forward };
	struct llm_eval_result r;
	int n = o->eval, *tokens, rc;
	char mode[32];

	if (!fp32->storage)
		return die("--eval needs the fp32 checkpoint as the reference (%s is a packed model)",
			   o->model);
	if (n >= fp32->cfg.seq_len)
		n = fp32->cfg.seq_len - 1;
	tokens = malloc((n + 1) * sizeof(int));
	if (!tokens)
		return die("%s", "out of memory");
	rc = llm_eval_sample_text(fp32, n, o->eval_seed, o->eval_top_p, tokens);
	if (!rc)
		rc = llm_eval_run(fp32, &src, tokens, n, &r);
	free(tokens);
	if (rc)
		return die("evaluation failed: %s", d->e->msg[0] ? d->e->msg : strerror(-rc));
	printf("eval: %d tokens, weights %s, softmax %s, path %s: mean KL %.5f nats (max %.4f), top-1 %.2f%%, perplexity %.4f (fp32 reference %.4f)\n",
	       r.tokens, mode_name(p, mode, sizeof(mode)), o->consmax ? "consmax" : "exact",
	       d->cpu ? "cpu" : d->info.backend, r.mean_kl, r.max_kl, 100.0 * r.top1,
	       r.ppl_test, r.ppl_ref);
	return 0;
}

static int run_generate(const struct options *o, struct decoder *d,
			const struct llm_packed *p, const struct llm_tokenizer *tok)
{
	const struct llm_config *c = &p->base.cfg;
	int *prompt = malloc((strlen(o->prompt) + 3) * sizeof(int));
	float *logits = malloc(c->vocab_size * sizeof(float));
	struct llm_sampler smp;
	int n_prompt, token, next = 0, pos, total, generated = 0, rc = 0;
	double t0, t_prompt = 0, t_end, c_prompt = 0, c_end;

	if (!prompt || !logits || llm_sampler_init(&smp, c->vocab_size, o->temperature,
						   o->top_p, o->seed)) {
		free(prompt);
		free(logits);
		return die("%s", "out of memory");
	}
	n_prompt = llm_tokenizer_encode(tok, o->prompt, 1, 0, prompt);
	/* forwards at positions 0 .. n_prompt-2 are forced, then each
	 * forward yields one generated token */
	total = n_prompt - 1 + o->steps;
	if (total > c->seq_len)
		total = c->seq_len;
	token = prompt[0];
	t0 = now();
	for (pos = 0; pos < total; pos++) {
		int in_prompt = pos < n_prompt - 1, greedy = o->temperature == 0.0f;
		size_t len;
		const char *s;

		rc = decoder_step(d, token, pos, in_prompt || greedy ? NULL : logits, &next);
		if (rc)
			break;
		if (in_prompt) {
			next = prompt[pos + 1];
		} else {
			if (!greedy)
				next = llm_sample(&smp, logits);
			generated++;
		}
		if (pos == n_prompt - 1) {
			t_prompt = now();
			c_prompt = cpu_now();
		}
		if (!in_prompt && (next == LLM_TOKEN_BOS || next == LLM_TOKEN_EOS))
			break;
		s = llm_tokenizer_decode(tok, token, next, &len);
		print_piece(s, len);
		fflush(stdout);
		token = next;
	}
	t_end = now();
	c_end = cpu_now();
	putchar('\n');
	fflush(stdout);
	llm_sampler_free(&smp);
	free(prompt);
	free(logits);
	if (rc)
		return die("%s", d->e->msg);
	if (!o->quiet) {
		int pf = n_prompt, gf = generated - 1;
		double tp = t_prompt > 0 ? t_prompt - t0 : t_end - t0;
		double tg = t_end - (t_prompt > 0 ? t_prompt : t_end);
		char mode[32];

		double cg = c_end - (t_prompt > 0 ? c_prompt : c_end);

		fprintf(stderr, "stats: %s %s/%s | prompt %d tok %.1f tok/s | generation %d tok %.1f tok/s, %.1f tok per CPU-s",
			d->cpu ? "cpu" : d->info.backend, mode_name(p, mode, sizeof(mode)),
			o->consmax ? "consmax" : "exact", pf, tp > 0 ? pf / tp : 0.0,
			generated, gf > 0 && tg > 0 ? gf / tg : 0.0,
			gf > 0 && cg > 0 ? gf / cg : 0.0);
		if (!d->cpu && d->a.submits) {
			double cyc = (double)d->a.total_cycles / d->a.submits;
			struct drm_csa_counters c;

			fprintf(stderr, " | device %.0f cycles/tok, %.1f tok/s projected at %.0f MHz | devmem %.1f MiB",
				cyc, cyc > 0 ? d->info.clock_khz * 1e3 / cyc : 0.0,
				d->info.clock_khz / 1e3, d->a.device_bytes / 1048576.0);
			/* bytes the engines moved per token, for bandwidth bounds */
			if (!accel_query_counters(d->dev, &c))
				fprintf(stderr, " | device %.2f MB/tok",
					(double)(c.devmem_bytes - d->mem_bytes0) /
					d->a.submits / 1e6);
		}
		fputc('\n', stderr);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct options o;
	struct llm_packed p;
	struct llm_model fp32;
	struct llm_tokenizer tok;
	struct decoder d;
	struct llm_err e = { "" };
	int rc;

	if (project_requested(argc, argv))
		return project_main(argc, argv);
	if (parse_options(argc, argv, &o))
		return 1;
	if (!o.model) {
		if (!models_dir()[0])
			return die("%s", "no model: give -m FILE or set ACCEL_MODELS (stories260K.bin: see docs/accel-llm.md)");
		o.model = path_in_models("stories260K.bin");
	}
	if (load_model(&o, &p, &fp32, &e))
		return die("%s", e.msg);
	if (!o.tokenizer) {
		const char *dir = strrchr(o.model, '/');
		static char buf[4096];

		snprintf(buf, sizeof(buf), "%.*s%s", dir ? (int)(dir - o.model + 1) : 0,
			 o.model, p.base.cfg.vocab_size == 512 ? "tok512.bin" : "tokenizer.bin");
		o.tokenizer = access(buf, R_OK) ? path_in_models(p.base.cfg.vocab_size == 512 ?
								 "tok512.bin" : "tokenizer.bin") : buf;
	}
	rc = llm_tokenizer_load(&tok, o.tokenizer, p.base.cfg.vocab_size, &e);
	if (rc) {
		llm_packed_free(&p);
		llm_model_free(&fp32);
		return die("%s", e.msg);
	}
	rc = decoder_open(&d, &o, &p, &e);
	if (rc) {
		rc = die("%s", e.msg);
	} else {
		rc = o.eval ? run_eval(&o, &d, &p, &fp32) : run_generate(&o, &d, &p, &tok);
		decoder_close(&d);
	}
	llm_tokenizer_free(&tok);
	llm_packed_free(&p);
	llm_model_free(&fp32);
	return rc;
}
