// SPDX-License-Identifier: MIT
/*
 * accel-quant - turn a llama2.c float32 checkpoint into a CSA packed model
 * (BCQ weights for the shift-add engine, ConSmax tables), or generate a
 * llama2.c checkpoint with seeded random weights of any shape.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <accel/accel.h>

#include "llm_args.h"
#include "llm_outfile.h"
#include "llm_packed.h"
#include "llm_progress.h"

/* The default weights mode of every tool: bcq4 has the best measured
 * quality per bit (docs/accel-llm.md, "Quality on stories260K"). */
#define DEFAULT_PLANES 4

struct options {
	const char *in, *out, *shape;
	int planes, group, pow2, scale16, classifier_bcq, iters, consmax, calib_seqs,
	    calib_len, verbose;
	double mixed;
	uint32_t group_of[LLM_LAYER_MATRICES + 1];	/* per kind, 0 = group */
	enum llm_consmax_method method;
	uint64_t seed;
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: accel-quant [options] -m MODEL.bin|MODEL.gguf -o OUT.csa\n"
"       accel-quant --generate-random SHAPE [--seed N] -o OUT.bin\n"
"  -m, --model FILE       llama2.c float32 checkpoint or GGUF (llama; f32, f16,\n"
"                         bf16, q8_0 tensors)\n"
"  -o, --output FILE      output file\n"
"      --weights MODE     f32, bcq1..bcq4 (default bcq4)\n"
"      --group G[,K=G..]  columns per BCQ scale, multiple of 8 (default %d);\n"
"                         per matrix kind K (wq wk wv wo w1 w2 w3 cls), e.g. 64,wk=8\n"
"      --scales FMT       BCQ scale storage: f16 (binary16, default), f32, pow2\n"
"                         (one shift), apot (up to three shifts, 16 bits)\n"
"      --pow2             the same as --scales pow2\n"
"      --mixed-planes A   planes per matrix, floor(A) or ceil(A), mean <= A,\n"
"                         chosen by each matrix's measured effect on the output\n"
"  -v, --verbose          print the per-matrix measurements\n"
"      --classifier-bcq   quantize the classifier too (default: when the\n"
"                         vocabulary has 4096 tokens or more)\n"
"      --classifier-f32   keep the classifier f32\n"
"      --iters N          alternating refinement rounds (default %d)\n"
"      --consmax          calibrate and store ConSmax tables\n"
"      --consmax-gamma M  max (default), lse or sum: see docs/model-format.md\n"
"      --calib-seqs N     calibration sequences sampled from the model\n"
"                         (activation-aware BCQ and ConSmax; default 8 up to 4M\n"
"                         layer weights, else 2; 0 = plain BCQ, then 1 for ConSmax)\n"
"      --calib-len N      tokens per calibration sequence (default 256)\n"
"  -s, --seed N           calibration / random-weights seed (default 1)\n"
"      --generate-random SHAPE  260K, 15M, 110M or dim,hidden,layers,heads,kv_heads,vocab,seq\n"
"  -V, --version\n"
"  -h, --help\n"
"The output is written to a temporary file beside it and renamed when\n"
"complete; an output naming the input is refused.\n", LLM_BCQ_DEFAULT_GROUP, LLM_BCQ_DEFAULT_ITERS);
}

static int die(const char *what, const char *arg)
{
	fprintf(stderr, "accel-quant: ");
	fprintf(stderr, what, arg);
	fputc('\n', stderr);
	return 1;
}

static long number(const char *s, long lo, long hi, const char *what, int *bad)
{
	long v = 0;
	int rc = llm_arg_long(s, lo, hi, &v);

	if (rc) {
		fprintf(stderr, "accel-quant: bad --%s '%s' (%s%ld..%ld)\n", what, s,
			rc == -ERANGE ? "out of range: " : "want an integer ", lo, hi);
		*bad = 1;
	}
	return v;
}

static int parse(int argc, char **argv, struct options *o)
{
	enum { O_WEIGHTS = 256, O_GROUP, O_POW2, O_CLS, O_CLS_F32, O_ITERS, O_CONSMAX,
	       O_METHOD, O_CSEQS, O_CLEN, O_RANDOM, O_SCALES, O_MIXED };
	static const struct option lo[] = {
		{ "model", required_argument, 0, 'm' },
		{ "output", required_argument, 0, 'o' },
		{ "weights", required_argument, 0, O_WEIGHTS },
		{ "group", required_argument, 0, O_GROUP },
		{ "pow2", no_argument, 0, O_POW2 },
		{ "scales", required_argument, 0, O_SCALES },
		{ "mixed-planes", required_argument, 0, O_MIXED },
		{ "verbose", no_argument, 0, 'v' },
		{ "classifier-bcq", no_argument, 0, O_CLS },
		{ "classifier-f32", no_argument, 0, O_CLS_F32 },
		{ "iters", required_argument, 0, O_ITERS },
		{ "consmax", no_argument, 0, O_CONSMAX },
		{ "consmax-gamma", required_argument, 0, O_METHOD },
		{ "calib-seqs", required_argument, 0, O_CSEQS },
		{ "calib-len", required_argument, 0, O_CLEN },
		{ "seed", required_argument, 0, 's' },
		{ "generate-random", required_argument, 0, O_RANDOM },
		{ "version", no_argument, 0, 'V' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	int c, bad = 0;

	*o = (struct options){ .planes = DEFAULT_PLANES, .group = LLM_BCQ_DEFAULT_GROUP,
		.iters = LLM_BCQ_DEFAULT_ITERS, .calib_seqs = -1, .calib_len = 256,
		.seed = 1, .scale16 = 1, .classifier_bcq = LLM_CLASSIFIER_AUTO };
	while (!bad && (c = getopt_long(argc, argv, "m:o:s:vVh", lo, NULL)) != -1) {
		switch (c) {
		case 'm': o->in = optarg; break;
		case 'o': o->out = optarg; break;
		case O_POW2: o->pow2 = 1; o->scale16 = 0; break;
		case 'v': o->verbose = 1; break;
		case O_SCALES:
			if (llm_parse_scales(optarg, &o->pow2, &o->scale16))
				return -die("bad --scales '%s' (f32, f16, pow2, apot)", optarg);
			break;
		case O_MIXED:
			if (llm_parse_mixed_planes(optarg, &o->mixed))
				return -die("bad --mixed-planes '%s' (1..4)", optarg);
			break;
		case O_CLS: o->classifier_bcq = 1; break;
		case O_CLS_F32: o->classifier_bcq = 0; break;
		case O_CONSMAX: o->consmax = 1; break;
		case O_RANDOM: o->shape = optarg; break;
		case 's':
			if (llm_arg_u64(optarg, &o->seed)) {
				fprintf(stderr, "accel-quant: bad --seed '%s' (want an integer 0..2^64-1)\n",
					optarg);
				bad = 1;
			}
			break;
		case O_GROUP: {
			uint32_t g = (uint32_t)o->group;

			if (llm_parse_groups(optarg, &g, o->group_of))
				return -die("bad group '%s' (G or G,kind=G,... with kinds wq wk wv wo w1 w2 w3 cls; multiples of 8, 8..4096)",
					    optarg);
			o->group = (int)g;
			break;
		}
		case O_ITERS: o->iters = number(optarg, 0, 1000, "iters", &bad); break;
		case O_CSEQS: o->calib_seqs = number(optarg, 0, 100000, "calib-seqs", &bad); break;
		case O_CLEN: o->calib_len = number(optarg, 1, 1 << 20, "calib-len", &bad); break;
		case O_WEIGHTS:
			if (llm_parse_weights(optarg, &o->planes))
				return -die("bad --weights '%s' (f32, bcq1..bcq4)", optarg);
			break;
		case O_METHOD:
			if (llm_parse_consmax_method(optarg, &o->method))
				return -die("bad --consmax-gamma '%s' (max, lse, sum)", optarg);
			break;
		case 'V':
			printf("accel-quant (CSA) %s, libaccel %s\n", ACCEL_VERSION_STRING,
			       accel_version(NULL, NULL, NULL));
			exit(fflush(stdout) ? 1 : 0);
		case 'h':
			usage(stdout);
			exit(fflush(stdout) ? 1 : 0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (bad)
		return -1;
	if (optind < argc)
		return -die("unexpected argument '%s'", argv[optind]);
	if (!o->out)
		return -die("%s", "no output file (-o)");
	if (!o->shape && !o->in)
		return -die("%s", "no input model (-m) and no --generate-random");
	return 0;
}

static double file_mib(const char *path)
{
	struct stat st;

	return stat(path, &st) ? 0.0 : st.st_size / 1048576.0;
}

/* Relative Frobenius error of the quantized matrices vs the originals. */
static double weight_error(const struct llm_model *orig, const struct llm_packed *p)
{
	double num = 0, den = 0;

	for (int l = 0; l < orig->cfg.n_layers; l++)
		for (int w = 0; w < LLM_LAYER_MATRICES; w++) {
			uint32_t rows, cols;
			const float *a = llm_matrix_f32((struct llm_model *)orig, l, w);
			const float *b = llm_matrix_f32((struct llm_model *)&p->base, l, w);

			llm_matrix_shape(&orig->cfg, w, &rows, &cols);
			for (uint64_t i = 0; i < (uint64_t)rows * cols; i++) {
				num += (double)(a[i] - b[i]) * (a[i] - b[i]);
				den += (double)a[i] * a[i];
			}
		}
	return den > 0 ? sqrt(num / den) : 0;
}

static int generate(const struct options *o)
{
	struct llm_config c;
	struct llm_model m;
	struct llm_err e = { "" };
	int rc = llm_config_parse_shape(o->shape, &c, &e);

	if (!rc)
		rc = llm_output_check(o->out, NULL, 0, &e);
	if (!rc)
		rc = llm_model_random(&m, &c, o->seed, &e);
	if (!rc) {
		rc = llm_model_save(&m, o->out, &e);
		llm_model_free(&m);
	}
	if (rc)
		return die("%s", e.msg);
	fprintf(stderr, "accel-quant: wrote %s: random llama2.c model dim %d hidden %d layers %d heads %d kv_heads %d vocab %d seq %d, seed %llu (%.1f MiB)\n",
		o->out, c.dim, c.hidden_dim, c.n_layers, c.n_heads, c.n_kv_heads,
		c.vocab_size, c.seq_len, (unsigned long long)o->seed, file_mib(o->out));
	return 0;
}

int main(int argc, char **argv)
{
	struct options o;
	struct llm_model orig;
	struct llm_packed p;
	struct llm_err e = { "" };
	struct llm_quant_opts q;
	struct llm_progress prog;
	int rc;

	signal(SIGPIPE, SIG_IGN);	/* a closed stderr is an error, not a death */
	if (parse(argc, argv, &o))
		return 1;
	if (o.shape)
		return generate(&o);
	rc = llm_packed_probe(o.in);
	if (rc < 0) {
		fprintf(stderr, "accel-quant: %s: %s\n", o.in, strerror(-rc));
		return 1;
	}
	if (rc == 1)
		return die("%s is already a packed model; give the float32 checkpoint", o.in);
	/* Before any work: the output must not be the input, and must be
	 * writable. */
	{
		const char *inputs[] = { o.in };

		if (llm_output_check(o.out, inputs, 1, &e))
			return die("%s", e.msg);
	}
	q = (struct llm_quant_opts){
		.bcq = { o.mixed > 0 ? (int)ceil(o.mixed) : o.planes, o.group, o.pow2,
			 o.iters, o.scale16 },
		.classifier_bcq = o.classifier_bcq,
		.calib_seqs = o.calib_seqs, .calib_len = o.calib_len, .seed = o.seed,
		.progress = llm_progress_report, .progress_ctx = &prog,
		.phase = llm_progress_phase,
		.mixed_planes = o.mixed, .verbose = o.verbose,
	};
	llm_progress_init(&prog, "accel-quant: quantizing", isatty(2));
	memcpy(q.group_of, o.group_of, sizeof(q.group_of));
	rc = llm_packed_from_checkpoint(&p, &orig, o.in, &q, o.consmax, o.method, &e);
	if (rc)
		return die("%s", e.msg);
	rc = llm_packed_save(&p, o.out, &e);
	if (rc) {
		llm_packed_free(&p);
		llm_model_free(&orig);
		return die("%s", e.msg);
	}
	if (o.planes || o.mixed > 0)
		fprintf(stderr, "accel-quant: wrote %s: bcq planes %.3f mean, group %d, scales %s%s%s, %.3f bits/weight, %.2f MiB (checkpoint %.2f MiB), relative weight error %.4f\n",
			o.out, llm_packed_mean_planes(&p), o.group,
			llm_scales_name(o.pow2, o.scale16),
			p.classifier_bcq ? " +classifier" : "", o.consmax ? " +consmax" : "",
			llm_packed_bits_per_weight(&p), file_mib(o.out), file_mib(o.in),
			weight_error(&orig, &p));
	else
		fprintf(stderr, "accel-quant: wrote %s: f32%s, %.2f MiB\n", o.out,
			o.consmax ? " +consmax" : "", file_mib(o.out));
	llm_packed_free(&p);
	llm_model_free(&orig);
	return 0;
}
