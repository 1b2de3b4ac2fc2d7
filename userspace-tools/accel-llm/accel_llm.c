// SPDX-License-Identifier: MIT
/*
 * accel-llm - decode text with a Llama-architecture model on the CSA
 * accelerator (or, with --cpu, on the float32 CPU reference decoder).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "batch_run.h"
#include "llm_accel.h"
#include "llm_args.h"
#include "llm_cpu.h"
#include "llm_eval.h"
#include "llm_gguf.h"
#include "llm_packed.h"
#include "llm_paths.h"
#include "llm_progress.h"
#include "llm_sample.h"
#include "llm_sample_filters.h"
#include "llm_text.h"
#include "llm_tokenizer.h"
#include "llm_outfile.h"
#include "trace.h"
#include "project.h"

/* The install prefix's model directory (never the build machine's). */
#ifndef LLM_MODELS_DIR
#define LLM_MODELS_DIR "/usr/local/share/csa/models"
#endif
#define PROMPT_FILE_MAX (1u << 20)	/* bytes of a -f / -p - prompt */
#define DEFAULT_PLANES 4	/* bcq4: the best measured quality per bit (docs/accel-llm.md) */

#define EVAL_SEED 20261123u	/* the evaluation texts' first seed; calibration uses others */
#define EVAL_SEEDS 3		/* texts per prompt */
#define MAX_PROMPTS 16
#define CALIB_SEED 1u
#define CALIB_LEN 256
/* Above LLM_CALIB_AUTO_MAX_WEIGHTS layer weights, calibrating on load
 * (GPTQ-style fitting, ConSmax statistics) takes minutes: use accel-quant
 * offline instead. */

struct options {
	const char *model, *tokenizer, *prompt, *device;
	int seed_given, eval_seeds;
	int kv_f16, kv_given, scale16;
	double mixed;
	int steps, eval, cpu, pow2, consmax, group, quiet, calib_seqs;
	int planes;		/* 0 = f32 */
	int weights_given;
	int classifier_bcq;
	uint32_t group_of[LLM_LAYER_MATRICES + 1];	/* per kind, 0 = group */
	enum llm_consmax_method method;
	float temperature, top_p, eval_top_p;
	uint64_t seed;
	char **prompts;		/* every -p and --prompts line, in order */
	int n_prompts, batch;	/* batch 0: one request per prompt */
	enum llm_schedule schedule;	/* --schedule */
	/* llama.cpp habits (run_session) */
	const char *prompt_file;	/* -f FILE, or "-" */
	const char *trace;		/* --trace FILE: Chrome trace JSON */
	int interactive, top_k, repeat_last_n;
	float repeat_penalty;
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: accel-llm [options]\n"
"  -m, --model FILE       llama2.c checkpoint, GGUF (llama; f32/f16/bf16/q8_0)\n"
"                         or CSA packed model (default\n"
"                         stories260K.bin on the model path: $ACCEL_MODELS,\n"
"                         $XDG_DATA_HOME/csa/models, $XDG_DATA_DIRS/csa/models,\n"
"                         " LLM_MODELS_DIR ")\n"
"  -z, --tokenizer FILE   llama2.c tokenizer or GGUF (default: a GGUF model's\n"
"                         own; else tok512.bin / tokenizer.bin beside the\n"
"                         model, else on the model path)\n"
"  -p, --prompt TEXT      prompt (default \"Once upon a time\"; - reads stdin);\n"
"                         repeat for several (decoded together; with --eval,\n"
"                         up to 16, each a text opening)\n"
"      --prompts FILE     more prompts, one per non-empty line\n"
"      --batch N          decode N requests together (1..%d; default: one per\n"
"                         prompt); fewer prompts are reused in turn to make N\n"
"      --schedule ORDER   auto, in-order or interleaved: a batch step's commands\n"
"                         in one queue, or two sub-batches overlapping attention\n"
"                         and matvecs (default auto: the cheaper on the card's\n"
"                         cycle model)\n"
"  -f, --file FILE        prompt from FILE (- = stdin; one final newline dropped)\n"
"  -i, --interactive      read prompts line by line from stdin, answer each,\n"
"                         keeping the context (a REPL)\n"
"  -n, --tokens N         tokens to generate (default 256, capped by the context)\n"
"  -t, --temperature T    0 = greedy (default 1.0)\n"
"      --top-k K          sample among the K most likely tokens (default 0 = all)\n"
"      --top-p P          nucleus sampling (default 0.9; 0 or 1 = off)\n"
"      --repeat-penalty R penalize tokens of the last N (llama.cpp; default 1 = off)\n"
"      --repeat-last-n N  tokens the penalty looks back (default 64)\n"
"  -s, --seed N           sampling seed (default: time; --eval: %u)\n"
"  -d, --device SPEC      sim, sim:devmem=SIZE, /dev/accel/accelN (default: first card, else sim)\n"
"      --weights MODE     f32, bcq2, bcq3, bcq4 (default bcq4; a checkpoint is\n"
"                         quantized on load, a packed model runs as stored)\n"
"      --group G[,K=G..]  BCQ scale group, multiple of 8 (default %d); per\n"
"                         matrix kind K (wq wk wv wo w1 w2 w3 cls), e.g. 64,wk=8\n"
"      --scales FMT       BCQ scale storage: f16 (default), f32, pow2 (one shift),\n"
"                         apot (up to three shifts in 16 bits)\n"
"      --pow2             the same as --scales pow2\n"
"      --mixed-planes A   3/4-style planes per matrix with mean <= A, chosen by\n"
"                         measured sensitivity (see accel-quant)\n"
"      --classifier-bcq   quantize the classifier too (default: when the\n"
"                         vocabulary has 4096 tokens or more)\n"
"      --classifier-f32   keep the classifier f32\n"
"      --calib-seqs N     sampled calibration sequences (%d tokens each) for\n"
"                         activation-aware BCQ and ConSmax (default %d for models\n"
"                         up to 4M layer weights, else 2; 0 = plain BCQ)\n"
"      --softmax MODE     exact, consmax (pure, for ConSmax-trained models) or\n"
"                         consmax-norm (LUT exponent with a fixed per-head beta,\n"
"                         divided by the running sum); ConSmax constants are\n"
"                         calibrated on load if the file has none\n"
"      --kv FORMAT        KV cache f32 or f16 (default f16 with BCQ weights, else f32)\n"
"      --consmax-gamma M  gamma from the calibration rows' sums: max (default),\n"
"                         lse (geometric mean) or sum (arithmetic mean)\n"
"      --cpu              float32 CPU reference decoder, no accelerator\n"
"      --trace FILE       write the modelled engine timeline of every command\n"
"                         as Chrome trace JSON (open it in ui.perfetto.dev)\n"
"      --eval N           quality vs the CPU fp32 reference, teacher-forced over\n"
"                         texts of N tokens: each prompt (-p, default three) then\n"
"                         the fp32 model's sampling (temperature 1) with seeds\n"
"                         -s, -s+1, ...; prints mean and range over the texts\n"
"      --eval-seeds S     seeds per prompt (default %d)\n"
"      --eval-top-p P     top-p of that sampling (default 0.9; 0 = plain)\n"
"      --eval-seed N      seed of the sampled evaluation text (default fixed)\n"
"  -q, --quiet            no statistics line\n"
"      --project          tokens/s the cycle model projects on the board\n"
"                         profiles, without running (accel-llm --project -h)\n"
"  -V, --version\n"
"  -h, --help\n", LLM_BATCH_MAX, EVAL_SEED, LLM_BCQ_DEFAULT_GROUP, CALIB_LEN,
		LLM_CALIB_DEFAULT_SEQS, EVAL_SEEDS);
}

static int die(const char *fmt, const char *arg)
{
	fprintf(stderr, "accel-llm: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return 1;
}

static int add_prompt(struct options *o, const char *text)
{
	char **p = realloc(o->prompts, (o->n_prompts + 1) * sizeof(char *));

	if (!p)
		return -1;
	o->prompts = p;
	p[o->n_prompts] = strdup(text);
	if (!p[o->n_prompts])
		return -1;
	o->n_prompts++;
	return 0;
}

static void free_prompts(struct options *o)
{
	for (int i = 0; i < o->n_prompts; i++)
		free(o->prompts[i]);
	free(o->prompts);
	o->prompts = NULL;
	o->n_prompts = 0;
}

/* One line naming the option and its range. */
static int bad_number(const char *opt, const char *arg, const char *range, int rc)
{
	fprintf(stderr, "accel-llm: bad %s '%s' (%s%s)\n", opt, arg,
		rc == -ERANGE ? "out of range: " : "want ", range);
	return -1;
}

static int long_arg(const char *opt, const char *arg, long lo, long hi, int *out)
{
	char range[64];
	long v;
	int rc = llm_arg_long(arg, lo, hi, &v);

	if (rc) {
		snprintf(range, sizeof(range), "an integer %ld..%ld", lo, hi);
		return bad_number(opt, arg, range, rc);
	}
	*out = (int)v;
	return 0;
}

static int float_arg(const char *opt, const char *arg, float lo, float hi, float *out)
{
	char range[64];
	int rc = llm_arg_float(arg, lo, hi, out);

	if (rc) {
		snprintf(range, sizeof(range), "a number %g..%g", lo, hi);
		return bad_number(opt, arg, range, rc);
	}
	return 0;
}

static void print_version(void)
{
	printf("accel-llm (CSA) %s, libaccel %s\n", ACCEL_VERSION_STRING,
	       accel_version(NULL, NULL, NULL));
}

static int parse_options(int argc, char **argv, struct options *o)
{
	enum { O_TOPP = 256, O_WEIGHTS, O_GROUP, O_POW2, O_SOFTMAX, O_CPU, O_EVAL,
	       O_CLS, O_CLS_F32, O_METHOD, O_CALIB, O_EVAL_TOPP, O_TOPK, O_REPEAT, O_REPEAT_N, O_TRACE,
	       O_PROMPTS, O_BATCH, O_SCHEDULE, O_KV, O_EVAL_SEEDS, O_SCALES, O_MIXED };
	static const struct option lo[] = {
		{ "model", required_argument, 0, 'm' },
		{ "tokenizer", required_argument, 0, 'z' },
		{ "prompt", required_argument, 0, 'p' },
		{ "prompts", required_argument, 0, O_PROMPTS },
		{ "batch", required_argument, 0, O_BATCH },
		{ "schedule", required_argument, 0, O_SCHEDULE },
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
		{ "eval", required_argument, 0, O_EVAL },
		{ "eval-seeds", required_argument, 0, O_EVAL_SEEDS },
		{ "kv", required_argument, 0, O_KV },
		{ "scales", required_argument, 0, O_SCALES },
		{ "mixed-planes", required_argument, 0, O_MIXED },
		{ "quiet", no_argument, 0, 'q' },
		{ "file", required_argument, 0, 'f' },
		{ "interactive", no_argument, 0, 'i' },
		{ "top-k", required_argument, 0, O_TOPK },
		{ "repeat-penalty", required_argument, 0, O_REPEAT },
		{ "repeat-last-n", required_argument, 0, O_REPEAT_N },
		{ "trace", required_argument, 0, O_TRACE },
		{ "version", no_argument, 0, 'V' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	int c;

	*o = (struct options){ .prompt = "Once upon a time", .steps = 256,
		.temperature = 1.0f, .top_p = 0.9f, .group = LLM_BCQ_DEFAULT_GROUP,
		.seed = (uint64_t)time(NULL), .calib_seqs = -1, .eval_top_p = 0.9f,
		.planes = DEFAULT_PLANES, .repeat_penalty = 1.0f, .repeat_last_n = 64,
		.eval_seeds = EVAL_SEEDS, .scale16 = 1,
		.classifier_bcq = LLM_CLASSIFIER_AUTO };
	while ((c = getopt_long(argc, argv, "m:z:p:f:in:t:s:d:qVh", lo, NULL)) != -1) {
		switch (c) {
		case 'm': o->model = optarg; break;
		case 'z': o->tokenizer = optarg; break;
		case 'p':
			o->prompt = o->n_prompts ? o->prompt : optarg;
			if (add_prompt(o, optarg))
				return -die("%s", "out of memory");
			break;
		case O_PROMPTS:
			if (batch_read_prompts(optarg, &o->prompts, &o->n_prompts))
				return -1;
			o->prompt = o->prompts[0];
			break;
		case O_BATCH:
			if (long_arg("--batch", optarg, 1, LLM_BATCH_MAX, &o->batch))
				return -1;
			break;
		case O_SCHEDULE:
			if (llm_schedule_parse(optarg, &o->schedule))
				return -die("bad --schedule '%s' (auto, in-order, interleaved)", optarg);
			break;
		case 'd': o->device = optarg; break;
		case 'q': o->quiet = 1; break;
		case O_POW2: o->pow2 = 1; o->scale16 = 0; break;
		case O_SCALES:
			if (llm_parse_scales(optarg, &o->pow2, &o->scale16))
				return -die("bad --scales '%s' (f32, f16, pow2, apot)", optarg);
			break;
		case O_MIXED:
			if (llm_parse_mixed_planes(optarg, &o->mixed))
				return -die("bad --mixed-planes '%s' (1..4)", optarg);
			break;
		case O_CPU: o->cpu = 1; break;
		case O_CLS: o->classifier_bcq = 1; break;
		case 'f': o->prompt_file = optarg; break;
		case O_TRACE: o->trace = optarg; break;
		case 'i': o->interactive = 1; break;
		case O_CLS_F32: o->classifier_bcq = 0; break;
		case 'n':
			if (long_arg("token count -n", optarg, 0, 1 << 24, &o->steps))
				return -1;
			break;
		case 't':
			if (float_arg("temperature -t", optarg, 0, 100, &o->temperature))
				return -1;
			break;
		case O_TOPP:
			if (float_arg("--top-p", optarg, 0, 1, &o->top_p))
				return -1;
			break;
		case O_TOPK:
			if (long_arg("--top-k", optarg, 0, 1 << 24, &o->top_k))
				return -1;
			break;
		case O_EVAL_SEEDS:
			if (long_arg("--eval-seeds", optarg, 1, 100, &o->eval_seeds))
				return -1;
			break;
		case O_KV:
			if (!strcmp(optarg, "f32"))
				o->kv_f16 = 0;
			else if (!strcmp(optarg, "f16"))
				o->kv_f16 = 1;
			else
				return -die("bad --kv '%s' (f32, f16)", optarg);
			o->kv_given = 1;
			break;
		case O_REPEAT:
			if (float_arg("--repeat-penalty", optarg, 0.01f, 100, &o->repeat_penalty))
				return -1;
			break;
		case O_REPEAT_N:
			if (long_arg("--repeat-last-n", optarg, 0, 1 << 24, &o->repeat_last_n))
				return -1;
			break;
		case 's': {
			int rc = llm_arg_u64(optarg, &o->seed);

			o->seed_given = 1;
			if (rc)
				return bad_number("seed -s", optarg, "an integer 0..2^64-1", rc);
			break;
		}
		case O_GROUP: {
			uint32_t g = (uint32_t)o->group;

			if (llm_parse_groups(optarg, &g, o->group_of))
				return -die("bad group '%s' (G or G,kind=G,... with kinds wq wk wv wo w1 w2 w3 cls; multiples of 8, 8..4096)",
					    optarg);
			o->group = (int)g;
			break;
		}
		case O_EVAL_TOPP:
			if (float_arg("--eval-top-p", optarg, 0, 1, &o->eval_top_p))
				return -1;
			break;
		case O_CALIB:
			if (long_arg("--calib-seqs", optarg, 0, 100000, &o->calib_seqs))
				return -1;
			break;
		case O_EVAL:
			if (long_arg("--eval count", optarg, 1, 1 << 24, &o->eval))
				return -1;
			break;
		case O_WEIGHTS:
			o->weights_given = 1;
			if (llm_parse_weights(optarg, &o->planes))
				return -die("bad --weights '%s' (f32, bcq2, bcq3, bcq4)", optarg);
			break;
		case O_SOFTMAX:
			if (!strcmp(optarg, "exact"))
				o->consmax = LLM_SOFTMAX_EXACT;
			else if (!strcmp(optarg, "consmax"))
				o->consmax = LLM_SOFTMAX_CONSMAX;
			else if (!strcmp(optarg, "consmax-norm"))
				o->consmax = LLM_SOFTMAX_CONSMAX_NORM;
			else
				return -die("bad --softmax '%s' (exact, consmax, consmax-norm)", optarg);
			break;
		case O_METHOD:
			if (llm_parse_consmax_method(optarg, &o->method))
				return -die("bad --consmax-gamma '%s' (max, lse, sum)", optarg);
			break;
		case 'V':
			print_version();
			exit(fflush(stdout) ? 1 : 0);
		case 'h':
			usage(stdout);
			exit(fflush(stdout) ? 1 : 0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc)
		return -die("unexpected argument '%s'", argv[optind]);
	if (o->batch && (o->cpu || o->eval))
		return -die("%s", "--batch decodes on the accelerator (not with --cpu or --eval)");
	if (o->n_prompts > 1 && o->cpu && !o->eval)
		return -die("%s", "several prompts decode together on the accelerator (not with --cpu)");
	if (o->eval && o->n_prompts > MAX_PROMPTS)
		return -die("%s", "--eval takes at most 16 prompts");
	if ((o->prompt_file || !strcmp(o->prompt, "-")) && o->interactive)
		return -die("%s", "-i reads its prompts from stdin; it does not go with -f or -p -");
	if (o->trace && o->cpu)
		return -die("%s", "--trace shows the accelerator's engines; it does not go with --cpu");
	if (!o->eval && (o->n_prompts > 1 || o->batch) && (o->interactive || o->prompt_file || o->trace))
		return -die("%s", "several prompts or --batch do not go with -i, -f or --trace");
	return 0;
}

/* @name on the model search path (llm_paths.h), or one line saying where
 * it was looked for and how to say where it is. */
static int find_on_model_path(const char *name, const char *opt, char *buf, size_t size)
{
	char tried[1024];

	if (!llm_find_model_file(name, LLM_MODELS_DIR, buf, size, tried, sizeof(tried)))
		return 0;
	fprintf(stderr, "accel-llm: no %s in %s; give %s FILE or set ACCEL_MODELS (docs/accel-llm.md says where to get models)\n",
		name, tried, opt);
	return -1;
}

/* The model as the decoder runs it, plus the fp32 original when the input
 * was a checkpoint (for --eval and calibration). */
static int load_model(const struct options *o, struct llm_packed *p,
		      struct llm_model *fp32, struct llm_err *e)
{
	static struct llm_progress prog;
	struct llm_quant_opts q = {
		.bcq = { o->mixed > 0 ? (uint32_t)ceil(o->mixed) : (uint32_t)o->planes,
			 o->group, o->pow2, LLM_BCQ_DEFAULT_ITERS, o->scale16 },
		.classifier_bcq = o->classifier_bcq,
		.calib_seqs = o->calib_seqs, .calib_len = CALIB_LEN, .seed = CALIB_SEED,
		.progress = llm_progress_report, .progress_ctx = &prog,
		.phase = llm_progress_phase,
		.mixed_planes = o->mixed,
	};
	int rc = llm_packed_probe(o->model);

	memcpy(q.group_of, o->group_of, sizeof(q.group_of));
	llm_progress_init(&prog, "accel-llm: quantizing on load", isatty(2));
	memset(fp32, 0, sizeof(*fp32));
	if (rc < 0)
		return llm_fail(e, rc, "%s: %s", o->model, strerror(-rc));
	if (rc == 1) {
		rc = llm_packed_load(p, o->model, e);
		if (rc)
			return rc;
		if (o->weights_given && !o->mixed && (int)p->planes != o->planes) {
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
	int cpu, kv_f16;
	struct llm_trace *trace;	/* --trace, or NULL */
	float *cpu_tables;	/* --cpu with consmax-norm: gamma = 1 tables */
	struct llm_cpu c;
	struct llm_accel a;
	struct accel_dev *dev;
	struct accel_info info;
	uint64_t mem_bytes0;	/* device-memory counter after the upload */
	struct llm_err *e;
};

/* Places of the batch accel-llm runs (its KV pool holds one cache each);
 * 0 when it decodes one prompt alone. */
static int batch_places(const struct options *o)
{
	int n = o->n_prompts ? o->n_prompts : 1;

	if (o->n_prompts <= 1 && !o->batch)
		return 0;
	return o->batch ? o->batch : (n < LLM_BATCH_MAX ? n : LLM_BATCH_MAX);
}

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
		if (o->consmax == LLM_SOFTMAX_CONSMAX_NORM) {
			size_t heads = (size_t)p->base.cfg.n_layers * p->base.cfg.n_heads;

			d->cpu_tables = malloc(heads * ACCEL_CONSMAX_HEAD_BYTES);
			if (!d->cpu_tables) {
				llm_cpu_free(&d->c);
				return llm_fail(e, -ENOMEM, "out of memory");
			}
			llm_consmax_tables(p->consmax, heads, LLM_SOFTMAX_CONSMAX_NORM,
					   d->cpu_tables);
			d->c.consmax = d->cpu_tables;
			d->c.consmax_norm = 1;
		}
		return 0;
	}
	/* f16 KV by default where the weights are quantized anyway (measured
	 * in docs/accel-llm.md: no loss beyond the quantization's) */
	d->kv_f16 = o->kv_given ? o->kv_f16 : p->planes != 0;
	rc = llm_accel_open_device(o->device, llm_accel_devmem_needed_kv(p, d->kv_f16) +
				   batch_places(o) * (llm_accel_kv_bytes(&p->base.cfg, d->kv_f16 ?
									CSA_CMD_F_KV_F16 : 0) +
						      llm_accel_act_bytes(&p->base.cfg)),
				   &d->dev, e);
	if (rc)
		return rc;
	rc = llm_accel_init_kv(&d->a, d->dev, p, o->consmax, d->kv_f16, e);
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
		free(d->cpu_tables);
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
	{
		int rc = llm_accel_forward(&d->a, token, pos, logits, next, d->e);
		uint32_t n;
		const struct drm_csa_cmd *cmds = accel_cmdlist_commands(d->a.cl, &n);

		if (!rc && d->trace)
			llm_trace_token(d->trace, cmds, n, token, pos, d->a.last_cycles);
		return rc;
	}
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

/* Standard output failed (a full disk, a reader gone: SIGPIPE is ignored
 * so EPIPE arrives here): one line, and the caller stops. */
static int out_failed(void)
{
	int err = errno ? errno : EIO;

	fprintf(stderr, "accel-llm: writing the output failed: %s\n", strerror(err));
	return -1;
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
static int print_piece(const char *s, size_t len)
{
	if (len == 1 && !(s[0] >= 0x20 && s[0] < 0x7f) && s[0] != '\n' &&
	    s[0] != '\t' && s[0] != '\r' && !((unsigned char)s[0] & 0x80))
		return 0;
	errno = 0;
	if (fwrite(s, 1, len, stdout) != len || fflush(stdout))
		return out_failed();
	return 0;
}

static const char *mode_name(const struct llm_packed *p, char *buf, size_t n)
{
	double planes = llm_packed_mean_planes(p);

	if (!p->planes)
		snprintf(buf, n, "f32");
	else if (planes != (double)p->planes)
		snprintf(buf, n, "bcq mixed %.3f planes, %s scales, %.3f bits/weight", planes,
			 llm_scales_name(p->pow2, p->scale16),
			 llm_packed_bits_per_weight(p));
	else
		snprintf(buf, n, "bcq%u, %s scales, %.3f bits/weight", p->planes,
			 llm_scales_name(p->pow2, p->scale16),
			 llm_packed_bits_per_weight(p));
	if (p->planes && p->classifier_bcq && strlen(buf) + 1 < n)
		snprintf(buf + strlen(buf), n - strlen(buf), ", BCQ classifier");
	return buf;
}

static const char *softmax_name(int mode)
{
	return mode == LLM_SOFTMAX_CONSMAX_NORM ? "consmax-norm" :
	       mode == LLM_SOFTMAX_CONSMAX ? "consmax" : "exact";
}

static void print_text(int i, const char *prompt, uint64_t seed,
		       const struct llm_eval_result *r)
{
	printf("text %d: prompt \"%s\" seed %llu: KL %.6f, top-1 %.2f%%, perplexity %.4f (fp32 %.4f)\n",
	       i + 1, prompt, (unsigned long long)seed, r->mean_kl, 100.0 * r->top1,
	       r->ppl_test, r->ppl_ref);
}

static int run_eval(const struct options *o, struct decoder *d,
		    const struct llm_packed *p, const struct llm_model *fp32,
		    const struct llm_tokenizer *tok)
{
	struct llm_logits_source src = { d, eval_forward };
	int n_prompts = o->n_prompts ? o->n_prompts : 3;
	int texts = n_prompts * o->eval_seeds, n = o->eval, rc;
	uint64_t seed0 = o->seed_given ? o->seed : EVAL_SEED;
	struct llm_eval_result *r;
	struct llm_eval_summary sum;
	char mode[96];

	if (!fp32->storage)
		return die("--eval needs the fp32 checkpoint as the reference (%s is a packed model)",
			   o->model);
	if (n >= fp32->cfg.seq_len)
		n = fp32->cfg.seq_len - 1;
	r = calloc(texts, sizeof(*r));
	if (!r)
		return die("%s", "out of memory");
	rc = llm_eval_texts(fp32, &src, tok, o->n_prompts ? (const char *const *)o->prompts : llm_eval_default_prompts,
			    n_prompts, seed0, o->eval_seeds, n, o->eval_top_p, r,
			    o->quiet ? NULL : print_text);
	if (rc) {
		free(r);
		return die("evaluation failed: %s", d->e->msg[0] ? d->e->msg : strerror(-rc));
	}
	llm_eval_summarize(r, texts, &sum);
	free(r);
	printf("eval: %d texts (%d prompts x %d seeds from %llu) x %d tokens, weights %s, softmax %s, kv %s, path %s: "
	       "mean KL %.6f nats (range %.6f..%.6f), top-1 %.2f%% (range %.2f..%.2f%%), perplexity %.4f (fp32 reference %.4f)\n",
	       texts, n_prompts, o->eval_seeds, (unsigned long long)seed0, sum.tokens,
	       mode_name(p, mode, sizeof(mode)), softmax_name(o->consmax),
	       d->cpu ? "f32" : d->kv_f16 ? "f16" : "f32", d->cpu ? "cpu" : d->info.backend,
	       sum.kl_mean, sum.kl_min, sum.kl_max, 100.0 * sum.top1_mean,
	       100.0 * sum.top1_min, 100.0 * sum.top1_max, sum.ppl_test_mean,
	       sum.ppl_ref_mean);
	errno = 0;
	return fflush(stdout) ? -out_failed() : 0;
}

/* ---- generation: one prompt (run_generate) or a REPL (run_interactive) --
 * A session keeps the context across calls of session_feed(): @token is the
 * next token to run at @pos (when @have_token), @history every token run. */
struct session {
	const struct options *o;
	struct decoder *d;
	const struct llm_tokenizer *tok;
	const struct llm_config *c;
	struct llm_sampler smp;
	float *logits;
	int *history;		/* [seq_len] */
	int pos, token, have_token;
	/* statistics of the last feed */
	int prompt_tokens, generated, context_full;
	double t_prompt, t_gen, c_gen;	/* c_gen: CPU seconds of the generation */
};

static int session_init(struct session *g, const struct options *o, struct decoder *d,
			const struct llm_packed *p, const struct llm_tokenizer *tok)
{
	memset(g, 0, sizeof(*g));
	g->o = o;
	g->d = d;
	g->tok = tok;
	g->c = &p->base.cfg;
	g->logits = malloc(g->c->vocab_size * sizeof(float));
	g->history = malloc(g->c->seq_len * sizeof(int));
	if (!g->logits || !g->history ||
	    llm_sampler_init(&g->smp, g->c->vocab_size, o->temperature, o->top_p, o->seed)) {
		free(g->logits);
		free(g->history);
		return die("%s", "out of memory");
	}
	return 0;
}

static void session_free(struct session *g)
{
	llm_sampler_free(&g->smp);
	free(g->logits);
	free(g->history);
}

/* The next token from the logits: repeat penalty, top-k, then temperature
 * and top-p (llama.cpp's order). */
static int session_pick(struct session *g)
{
	const struct options *o = g->o;
	int n = o->repeat_last_n < g->pos ? o->repeat_last_n : g->pos;

	llm_repeat_penalty(g->logits, g->c->vocab_size, g->history + g->pos - n, n,
			   o->repeat_penalty);
	llm_top_k(g->logits, g->c->vocab_size, o->top_k, g->smp.work);
	return llm_sample(&g->smp, g->logits);
}

/* Runs the @n ids @ids (forced; printed when @echo), then generates up to
 * @steps tokens, stopping at BOS/EOS or the end of the context.  The
 * caller checked that the ids fit in the context. */
static int session_feed(struct session *g, const int *ids, int n, int steps, int echo)
{
	const struct options *o = g->o;
	int device_argmax = o->temperature == 0.0f && o->repeat_penalty == 1.0f;
	double t0 = now(), t1 = 0, c1 = 0;
	int rc = 0, next = 0;

	g->prompt_tokens = n;
	g->generated = 0;
	g->context_full = 0;
	if (!g->have_token && n) {
		g->token = *ids++;
		n--;
		g->have_token = 1;
	}
	while (g->have_token) {
		int forced = n > 0;
		size_t len;
		const char *piece;

		if (!forced && g->generated >= steps)
			break;
		if (g->pos >= g->c->seq_len) {
			g->context_full = 1;
			break;
		}
		rc = decoder_step(g->d, g->token, g->pos,
				  forced || device_argmax ? NULL : g->logits, &next);
		if (rc)
			return die("%s", g->d->e->msg);
		g->history[g->pos++] = g->token;
		if (forced) {
			next = *ids++;
			n--;
		} else {
			if (!device_argmax)
				next = session_pick(g);
			if (!g->generated++)
				t1 = now();
			if (g->generated == 1)
				c1 = cpu_now();
			if (next == LLM_TOKEN_BOS || next == LLM_TOKEN_EOS) {
				g->have_token = 0;	/* the next feed starts afresh */
				break;
			}
		}
		piece = llm_tokenizer_decode(g->tok, g->token, next, &len);
		if ((echo || !forced) && print_piece(piece, len))
			return -1;
		g->token = next;
	}
	g->t_prompt = (t1 ? t1 : now()) - t0;
	g->t_gen = t1 ? now() - t1 : 0;
	g->c_gen = c1 ? cpu_now() - c1 : 0;
	return 0;
}

static void print_stats(const struct session *g, const struct llm_packed *p,
			double t_load, double t_total)
{
	const struct decoder *d = g->d;
	int gf = g->generated - 1;	/* the first came with the prompt */
	char mode[96];

	fprintf(stderr, "stats: %s | %s | %s, kv %s | load %.2f s | prompt %d tok %.1f tok/s | generation %d tok %.1f tok/s, %.1f tok per CPU-s | total %.2f s",
		d->cpu ? "cpu" : d->info.backend, mode_name(p, mode, sizeof(mode)),
		softmax_name(g->o->consmax), !d->cpu && d->kv_f16 ? "f16" : "f32",
		t_load, g->prompt_tokens,
		g->t_prompt > 0 ? g->prompt_tokens / g->t_prompt : 0.0, g->generated,
		gf > 0 && g->t_gen > 0 ? gf / g->t_gen : 0.0,
		gf > 0 && g->c_gen > 0 ? gf / g->c_gen : 0.0, t_total);
	if (!d->cpu && d->a.submits) {
		double cyc = (double)d->a.total_cycles / d->a.submits;

		struct drm_csa_counters c;

		fprintf(stderr, " | device %.0f cycles/tok, %.1f tok/s projected at %.0f MHz | devmem %.1f MiB",
			cyc, cyc > 0 ? d->info.clock_khz * 1e3 / cyc : 0.0,
			d->info.clock_khz / 1e3, d->a.device_bytes / 1048576.0);
		/* bytes the engines moved per token, for bandwidth bounds */
		if (!accel_query_counters(d->dev, &c))
			fprintf(stderr, " | device %.2f MB/tok",
				(double)(c.devmem_bytes - d->mem_bytes0) / d->a.submits / 1e6);
	}
	fputc('\n', stderr);
}

/* The prompt's ids (BOS first), refused with one line when it does not fit
 * in the context: nothing is cut silently. */
static int encode_prompt(const struct session *g, const char *text, int bos, int room,
			 int **ids, int *n)
{
	*ids = malloc((strlen(text) + 3) * sizeof(int));
	if (!*ids)
		return die("%s", "out of memory");
	*n = llm_tokenizer_encode(g->tok, text, bos, 0, *ids);
	if (*n < 0) {
		free(*ids);
		return die("cannot encode the prompt: %s", strerror(-*n));
	}
	if (*n > room) {
		fprintf(stderr, "accel-llm: the prompt is %d tokens, the context has room for %d (the model's seq_len is %d); shorten the prompt\n",
			*n, room, g->c->seq_len);
		free(*ids);
		return 1;
	}
	return 0;
}

static int run_batch(const struct options *o, struct decoder *d,
		     const struct llm_packed *p, const struct llm_tokenizer *tok)
{
	const char *one[1] = { o->prompt };
	char mode[96], words[160];
	struct batch_run_opts b = {
		.prompts = o->n_prompts ? (const char *const *)o->prompts : one,
		.n_prompts = o->n_prompts ? o->n_prompts : 1,
		.steps = o->steps, .temperature = o->temperature, .top_p = o->top_p,
		.seed = o->seed, .quiet = o->quiet, .mode = words, .schedule = o->schedule,
	};

	b.requests = o->batch > b.n_prompts ? o->batch : b.n_prompts;
	b.batch = batch_places(o);
	snprintf(words, sizeof(words), "%s | %s, kv %s", mode_name(p, mode, sizeof(mode)),
		 softmax_name(o->consmax), d->kv_f16 ? "f16" : "f32");
	return batch_run(&d->a, &d->info, tok, &b);
}

static int run_generate(const struct options *o, struct decoder *d,
			const struct llm_packed *p, const struct llm_tokenizer *tok,
			const char *prompt, double t_start, double t_load)
{
	struct session g;
	int *ids, n, rc;

	if (session_init(&g, o, d, p, tok))
		return 1;
	rc = encode_prompt(&g, prompt, 1, g.c->seq_len, &ids, &n);
	if (rc) {
		session_free(&g);
		return 1;
	}
	rc = session_feed(&g, ids, n, o->steps, 1);
	free(ids);
	if (!rc) {
		errno = 0;
		if (putchar('\n') == EOF || fflush(stdout))
			rc = out_failed();
	}
	if (!rc && g.context_full)
		fprintf(stderr, "accel-llm: the context (seq_len %d) is full: %d of the %d tokens asked for were generated\n",
			g.c->seq_len, g.generated, o->steps);
	if (!rc && !o->quiet)
		print_stats(&g, p, t_load, now() - t_start);
	session_free(&g);
	return rc ? 1 : 0;
}

/* A REPL: each line of stdin is a prompt continuing the same context; the
 * answer follows it.  A full context starts a new conversation (said on
 * stderr). */
static int run_interactive(const struct options *o, struct decoder *d,
			   const struct llm_packed *p, const struct llm_tokenizer *tok,
			   double t_start, double t_load)
{
	int tty = isatty(0) && isatty(1), rc = 0;
	int sum_prompt = 0, sum_gen = 0;	/* the stats count the whole session */
	double sum_tp = 0, sum_tg = 0;
	struct session g;
	size_t cap = 0;
	char *line = NULL;
	ssize_t len;

	if (session_init(&g, o, d, p, tok))
		return 1;
	for (;;) {
		int *ids, n, room;

		if (tty && (fputs("> ", stdout) == EOF || fflush(stdout))) {
			rc = out_failed();
			break;
		}
		len = getline(&line, &cap, stdin);
		if (len < 0)
			break;
		if (len && line[len - 1] == '\n')
			line[--len] = 0;
		if (!len)
			continue;
		if ((size_t)len != strlen(line)) {
			fprintf(stderr, "accel-llm: a line with a NUL byte was skipped\n");
			continue;
		}
		room = g.c->seq_len - g.pos - (g.have_token ? 1 : 0);
		rc = encode_prompt(&g, line, g.pos == 0, g.c->seq_len, &ids, &n);
		if (rc)
			break;
		if (n + 1 > room) {	/* the line and one answer token */
			fprintf(stderr, "accel-llm: the context (seq_len %d) is full; starting a new conversation\n",
				g.c->seq_len);
			free(ids);
			g.pos = 0;
			g.have_token = 0;
			if (encode_prompt(&g, line, 1, g.c->seq_len, &ids, &n)) {
				rc = 1;
				break;
			}
		}
		/* a leading space joins the new text to the old */
		rc = session_feed(&g, ids, n, o->steps, 0);
		free(ids);
		sum_prompt += g.prompt_tokens;
		sum_gen += g.generated;
		sum_tp += g.t_prompt;
		sum_tg += g.t_gen;
		errno = 0;
		if (!rc && (putchar('\n') == EOF || fflush(stdout)))
			rc = out_failed();
		if (rc)
			break;
		if (g.context_full)
			fprintf(stderr, "accel-llm: the context (seq_len %d) is full; the next line starts a new conversation\n",
				g.c->seq_len);
		if (g.context_full) {
			g.pos = 0;
			g.have_token = 0;
		}
	}
	free(line);
	g.prompt_tokens = sum_prompt;
	g.generated = sum_gen;
	g.t_prompt = sum_tp;
	g.t_gen = sum_tg;
	if (!rc && !o->quiet)
		print_stats(&g, p, t_load, now() - t_start);
	session_free(&g);
	return rc ? 1 : 0;
}

/* ---- --trace ---- */
static struct llm_trace trace_state;

static int trace_start(struct decoder *d, const struct options *o, struct llm_err *e)
{
	int rc = llm_trace_open(&trace_state, o->trace, &d->info, e);

	if (rc) {
		decoder_close(d);
		return rc;
	}
	d->trace = &trace_state;
	return 0;
}

static int run(struct options *o_);

static int trace_finish(struct decoder *d, const struct options *o, struct llm_err *e)
{
	struct llm_trace *t = d->trace;
	int rc;

	d->trace = NULL;
	if (t->mismatched)	/* the host's cost model and the device disagree */
		fprintf(stderr, "accel-llm: warning: --trace: %llu of %llu tokens' modelled cycles differ from the device's count\n",
			(unsigned long long)t->mismatched, (unsigned long long)t->tokens);
	rc = llm_trace_close(t, e);
	if (!rc && !o->quiet)
		fprintf(stderr, "accel-llm: wrote %s: %llu commands of %llu tokens, %llu modelled cycles\n",
			o->trace, (unsigned long long)t->commands,
			(unsigned long long)t->tokens, (unsigned long long)t->now);
	return rc;
}

/* A GGUF file named as the tokenizer gives its tokenizer.ggml.* vocabulary;
 * anything else is a llama2.c tokenizer file. */
static int load_tokenizer(const struct options *o, struct llm_tokenizer *tok, int vocab,
			  struct llm_err *e)
{
	if (llm_gguf_probe(o->tokenizer) == 1)
		return llm_gguf_load_tokenizer(tok, o->tokenizer, vocab, e);
	return llm_tokenizer_load(tok, o->tokenizer, vocab, e);
}

/* All supported model files come from softmax training; ConSmax replaces
 * that softmax, which the measured quality shows is unusable without
 * training for it. */
static void warn_mode(const struct options *o)
{
	if (o->consmax == LLM_SOFTMAX_CONSMAX && !o->eval)
		fprintf(stderr, "accel-llm: warning: --softmax consmax replaces the softmax this model was trained with; expect degraded text (stories260K: mean KL 3.7 nats, top-1 12%% vs fp32; docs/accel-llm.md). Measure with --eval 511.\n");
}

int main(int argc, char **argv)
{
	struct options o;
	int rc;

	if (project_requested(argc, argv))
		return project_main(argc, argv);
	rc = parse_options(argc, argv, &o) ? 1 : run(&o);
	free_prompts(&o);
	return rc;
}

static int run(struct options *o_)
{
	struct options o = *o_;
	struct llm_packed p;
	struct llm_model fp32;
	struct llm_tokenizer tok;
	struct decoder d;
	struct llm_err e = { "" };
	static char model_buf[4096], tok_buf[4096];
	char *prompt_text = NULL;
	const char *prompt;
	double t_start = now(), t_load;
	int rc;

	/* A reader that went away shows up as EPIPE on the next write, which
	 * every write checks, rather than as a silent death. */
	signal(SIGPIPE, SIG_IGN);
	if (o.trace) {	/* before any work: never over an input */
		const char *inputs[] = { o.model, o.tokenizer, o.prompt_file };

		if (llm_output_check(o.trace, inputs, 3, &e))
			return die("%s", e.msg);
	}
	prompt = o.prompt;
	if (o.prompt_file || !strcmp(o.prompt, "-")) {
		if (llm_read_text(o.prompt_file ? o.prompt_file : "-", PROMPT_FILE_MAX,
				  &prompt_text, &e))
			return die("%s", e.msg);
		prompt = prompt_text;
	}
	if (!o.model) {
		if (find_on_model_path("stories260K.bin", "-m", model_buf, sizeof(model_buf))) {
			free(prompt_text);
			return 1;
		}
		o.model = model_buf;
	}
	warn_mode(&o);
	if (load_model(&o, &p, &fp32, &e)) {
		free(prompt_text);
		return die("%s", e.msg);
	}
	if (!o.tokenizer && llm_gguf_probe(o.model) == 1) {
		o.tokenizer = o.model;	/* its own vocabulary, if it has one */
	} else if (!o.tokenizer) {
		const char *dir = strrchr(o.model, '/');
		const char *name = p.base.cfg.vocab_size == 512 ? "tok512.bin" : "tokenizer.bin";

		snprintf(tok_buf, sizeof(tok_buf), "%.*s%s", dir ? (int)(dir - o.model + 1) : 0,
			 o.model, name);
		if (access(tok_buf, R_OK) &&
		    find_on_model_path(name, "-z", tok_buf, sizeof(tok_buf))) {
			llm_packed_free(&p);
			llm_model_free(&fp32);
			free(prompt_text);
			return 1;
		}
		o.tokenizer = tok_buf;
	}
	rc = load_tokenizer(&o, &tok, p.base.cfg.vocab_size, &e);
	if (rc) {
		llm_packed_free(&p);
		llm_model_free(&fp32);
		free(prompt_text);
		return die("%s", e.msg);
	}
	rc = decoder_open(&d, &o, &p, &e);
	t_load = now() - t_start;
	if (!rc && o.trace)
		rc = trace_start(&d, &o, &e);
	if (rc) {
		rc = die("%s", e.msg);
	} else {
		if (o.eval)
			rc = run_eval(&o, &d, &p, &fp32, &tok);
		else if (o.n_prompts > 1 || o.batch)
			rc = run_batch(&o, &d, &p, &tok);
		else if (o.interactive)
			rc = run_interactive(&o, &d, &p, &tok, t_start, t_load);
		else
			rc = run_generate(&o, &d, &p, &tok, prompt, t_start, t_load);
		if (d.trace && trace_finish(&d, &o, &e) && !rc)
			rc = die("%s", e.msg);
		decoder_close(&d);
	}
	llm_tokenizer_free(&tok);
	llm_packed_free(&p);
	llm_model_free(&fp32);
	free(prompt_text);
	return rc;
}
