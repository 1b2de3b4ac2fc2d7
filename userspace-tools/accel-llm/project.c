// SPDX-License-Identifier: MIT
/*
 * project.c - accel-llm --project: the cycle model's price of one token at
 * a few context positions, per board profile (docs/accel-llm.md,
 * "Projections"; docs/board.md for the boards).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drm/csa_accel.h"
#include "hw/board_profiles.h"
#include "hw/cycle_model.h"
#include "json.h"
#include "llm_packed.h"
#include "llm_consmax.h"
#include "llm_project.h"

#define HEADLINE_CONTEXT 128	/* tokens of context of the headline figure */
#define MAX_POSITIONS 4

struct project_opts {
	const char *board;	/* NULL: the default; "all" */
	const char *model, *shape;
	int json;
	struct llm_project_opts p;
	int weights_given, cls_choice;
	int kv_choice;		/* -1: accel-llm's default (f16 beside BCQ weights) */
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: accel-llm --project [--board NAME|all] [-m MODEL | --shape NAME] [options]\n"
"  Tokens/s the cycle model projects for one decoded token, without running\n"
"  the model: the command list accel-llm would submit, priced per command.\n"
"      --board NAME       kcu105, u250, u55c or all (default u250)\n"
"  -m, --model FILE       llama2.c checkpoint (its header) or CSA packed model\n"
"      --shape NAME       260K, 15M, 110M, LLaMA-2-7B, LLaMA-2-13B or\n"
"                         dim,hidden,layers,heads,kv_heads,vocab,seq (default 110M)\n"
"      --weights MODE     f32, bcq2, bcq3, bcq4 (default bcq4; a packed model's own)\n"
"      --group G          BCQ scale group (default %d)\n"
"      --scales FMT       f16 (default), f32, pow2, apot: as accel-llm\n"
"      --pow2             the same as --scales pow2\n"
"      --kv FMT           KV cache f32 or f16 (default f16 with BCQ weights)\n"
"      --classifier-bcq, --classifier-f32  (default: BCQ from 4096 tokens of vocabulary)\n"
"      --softmax MODE     exact, consmax or consmax-norm (default exact)\n"
"      --logits           sampling: the logits go to the host (default device argmax)\n"
"      --json             JSON: one object, or an array with --board all\n"
"  -h, --help\n", LLM_BCQ_DEFAULT_GROUP);
}

static int fail(const char *fmt, const char *arg)
{
	fprintf(stderr, "accel-llm: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return 1;
}

int project_requested(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--project"))
			return 1;
	return 0;
}

static int parse(int argc, char **argv, struct project_opts *o)
{
	enum { O_PROJECT = 256, O_BOARD, O_SHAPE, O_WEIGHTS, O_GROUP, O_POW2,
	       O_CLS, O_CLS_F32, O_SOFTMAX, O_LOGITS, O_JSON, O_SCALES, O_KV };
	static const struct option lo[] = {
		{ "project", no_argument, 0, O_PROJECT },
		{ "board", required_argument, 0, O_BOARD },
		{ "model", required_argument, 0, 'm' },
		{ "shape", required_argument, 0, O_SHAPE },
		{ "weights", required_argument, 0, O_WEIGHTS },
		{ "group", required_argument, 0, O_GROUP },
		{ "pow2", no_argument, 0, O_POW2 },
		{ "scales", required_argument, 0, O_SCALES },
		{ "kv", required_argument, 0, O_KV },
		{ "classifier-bcq", no_argument, 0, O_CLS },
		{ "classifier-f32", no_argument, 0, O_CLS_F32 },
		{ "softmax", required_argument, 0, O_SOFTMAX },
		{ "logits", no_argument, 0, O_LOGITS },
		{ "json", no_argument, 0, O_JSON },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->p.planes = 4;	/* the tools' one default weights mode */
	o->p.scale16 = 1;
	o->kv_choice = -1;
	o->p.group = LLM_BCQ_DEFAULT_GROUP;
	o->cls_choice = LLM_CLASSIFIER_AUTO;
	while ((c = getopt_long(argc, argv, "m:h", lo, NULL)) != -1) {
		switch (c) {
		case O_PROJECT: break;
		case O_BOARD:
			if (strcmp(optarg, "all") && !csa_board_by_name(optarg))
				return -fail("unknown board '%s' (kcu105, u250, u55c, all)", optarg);
			o->board = optarg;
			break;
		case 'm': o->model = optarg; break;
		case O_SHAPE: o->shape = optarg; break;
		case O_WEIGHTS:
			o->weights_given = 1;
			if (llm_parse_weights(optarg, &o->p.planes))
				return -fail("bad --weights '%s' (f32, bcq2, bcq3, bcq4)", optarg);
			break;
		case O_GROUP:
			if (llm_parse_groups(optarg, &o->p.group, o->p.group_of))
				return -fail("bad group '%s' (multiples of 8, 8..4096)", optarg);
			break;
		case O_POW2: o->p.pow2 = 1; o->p.scale16 = 0; break;
		case O_SCALES:
			if (llm_parse_scales(optarg, &o->p.pow2, &o->p.scale16))
				return -fail("bad --scales '%s' (f32, f16, pow2, apot)", optarg);
			break;
		case O_KV:
			if (strcmp(optarg, "f32") && strcmp(optarg, "f16"))
				return -fail("bad --kv '%s' (f32, f16)", optarg);
			o->kv_choice = !strcmp(optarg, "f16");
			break;
		case O_CLS: o->cls_choice = 1; break;
		case O_CLS_F32: o->cls_choice = 0; break;
		case O_SOFTMAX:
			if (!strcmp(optarg, "exact"))
				o->p.consmax = 0;
			else if (!strcmp(optarg, "consmax"))
				o->p.consmax = LLM_SOFTMAX_CONSMAX;
			else if (!strcmp(optarg, "consmax-norm"))
				o->p.consmax = LLM_SOFTMAX_CONSMAX_NORM;
			else
				return -fail("bad --softmax '%s' (exact, consmax, consmax-norm)", optarg);
			break;
		case O_LOGITS: o->p.want_logits = 1; break;
		case O_JSON: o->json = 1; break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc)
		return -fail("unexpected argument '%s'", argv[optind]);
	if (o->model && o->shape)
		return -fail("%s", "give -m MODEL or --shape NAME, not both");
	return 0;
}

/* The llama2.c header: seven int32, a negative vocabulary meaning an
 * untied classifier.  Only the header is read: a 7B checkpoint is 27 GB. */
static int checkpoint_config(const char *path, struct llm_config *c,
			     struct llm_err *e)
{
	int32_t h[7];
	FILE *f = fopen(path, "rb");
	size_t got;

	if (!f)
		return llm_fail(e, -errno, "%s: %s", path, strerror(errno));
	got = fread(h, sizeof(h[0]), 7, f);
	fclose(f);
	if (got != 7)
		return llm_fail(e, -EINVAL, "%s: too short for a llama2.c header", path);
	*c = (struct llm_config){ h[0], h[1], h[2], h[3], h[4],
				  h[5] < 0 ? -h[5] : h[5], h[6], h[5] > 0 };
	return llm_config_validate(c, e);
}

/* Shape and weights from -m: a packed model brings its own format. */
static int model_config(struct project_opts *o, struct llm_config *c,
			struct llm_err *e)
{
	struct llm_packed pk;
	int rc = llm_packed_probe(o->model);

	if (rc < 0)
		return llm_fail(e, rc, "%s: %s", o->model, strerror(-rc));
	if (rc == 0)
		return checkpoint_config(o->model, c, e);
	rc = llm_packed_load(&pk, o->model, e);
	if (rc)
		return rc;
	*c = pk.base.cfg;
	if (o->weights_given && (int)pk.planes != o->p.planes) {
		llm_packed_free(&pk);
		return llm_fail(e, -EINVAL, "%s holds other weights than --weights asks", o->model);
	}
	o->p.planes = (int)pk.planes;
	o->p.group = pk.group;
	o->p.pow2 = pk.pow2;
	o->p.scale16 = pk.scale16;
	o->cls_choice = pk.classifier_bcq;
	for (int w = 0; pk.planes && w < LLM_LAYER_MATRICES; w++)
		o->p.group_of[w] = pk.bcq[w].group;
	if (pk.classifier_bcq)
		o->p.group_of[LLM_CLASSIFIER] =
			pk.bcq[c->n_layers * LLM_LAYER_MATRICES].group;
	/* pure ConSmax needs the file's tables; the normalized mode builds its own */
	if (o->p.consmax == LLM_SOFTMAX_CONSMAX && !pk.consmax_tables)
		o->p.consmax = 0;
	llm_packed_free(&pk);
	return 0;
}

static int positions(const struct llm_config *c, int *pos)
{
	int want[MAX_POSITIONS] = { 0, HEADLINE_CONTEXT - 1, c->seq_len / 2 - 1,
				    c->seq_len - 1 };
	int n = 0;

	for (int i = 0; i < MAX_POSITIONS; i++) {
		int p = want[i] < 0 ? 0 : want[i] >= c->seq_len ? c->seq_len - 1 : want[i];

		if (!n || p > pos[n - 1])
			pos[n++] = p;
	}
	return n;
}

static int headline_index(const int *pos, int n)
{
	for (int i = 0; i < n; i++)
		if (pos[i] >= HEADLINE_CONTEXT - 1)
			return i;
	return n - 1;
}

static const char *const engine_names[5] = { "dma", "vector", "bcq", "pim", "consmax" };

static const char *softmax_text(int mode)
{
	return mode == LLM_SOFTMAX_CONSMAX_NORM ? "consmax-norm" :
	       mode ? "consmax" : "exact";
}

static void weights_name(const struct llm_project_opts *p, char *buf, size_t n)
{
	if (!p->planes)
		snprintf(buf, n, "f32");
	else
		snprintf(buf, n, "bcq%d, %s scales", p->planes,
			 llm_scales_name(p->pow2, p->scale16));
}

/* Device memory the model needs: the matrices (one token reads each
 * once), the f32 embedding table and the whole KV cache. */
static uint64_t footprint(const struct llm_config *c,
			  const struct llm_token_cost *t, int kv_f16)
{
	return t->weight_bytes + (uint64_t)c->vocab_size * c->dim * 4 +
	       (uint64_t)c->n_layers *
	       csa_kv_bytes_elem((uint32_t)c->n_kv_heads, (uint32_t)llm_head_size(c),
				 (uint32_t)c->seq_len,
				 csa_kv_elem_bytes(kv_f16 ? CSA_CMD_F_KV_F16 : 0));
}

struct board_run {
	const struct csa_board_profile *b;
	struct csa_cycle_params prm;
	struct llm_token_cost t[MAX_POSITIONS];
	int n, head;	/* positions; the headline one */
};

static void print_text(const struct project_opts *o, const char *shape,
		       const struct llm_config *c, const struct board_run *r)
{
	char w[32];

	weights_name(&o->p, w, sizeof(w));
	printf("board %s (%s): %.0f MHz, %u MB/s sustained of %u MB/s peak (%u %s), %u GiB, PCIe gen%u x%u %u MB/s\n",
	       r->b->name, r->b->title, r->prm.clock_khz / 1e3, r->prm.dram_mbps,
	       r->prm.mem_peak_mbps, r->prm.mem_channels,
	       r->b->mem_kind == CSA_MEM_HBM2 ? "pseudo-channels" :
	       r->prm.mem_channels == 1 ? "channel" : "channels", r->b->mem_gib,
	       r->b->pcie_gen, r->b->pcie_lanes, r->prm.pcie_mbps);
	printf("  engines: shift-add %u lanes, attention %u units x %u MACs, vector %u lanes\n",
	       r->prm.bcq_lanes, r->prm.pim_banks, r->prm.pim_macs, r->prm.vec_lanes);
	printf("model %s: dim %d hidden %d layers %d heads %d/%d vocab %d seq %d; weights %s group %u, classifier %s, softmax %s, kv %s\n",
	       shape, c->dim, c->hidden_dim, c->n_layers, c->n_heads, c->n_kv_heads,
	       c->vocab_size, c->seq_len, w, o->p.group,
	       o->p.classifier_bcq && o->p.planes ? w : "f32",
	       softmax_text(o->p.consmax), o->p.kv_f16 ? "f16" : "f32");
	if (footprint(c, &r->t[0], o->p.kv_f16) > ((uint64_t)r->b->mem_gib << 30))
		printf("  DOES NOT FIT: the model needs %.2f GB of device memory, the board has %u GiB\n",
		       footprint(c, &r->t[0], o->p.kv_f16) / 1e9, r->b->mem_gib);
	printf("  %7s %9s %9s %6s %9s %9s %6s %6s | busy %% dma vec bcq pim cmx | ops/B\n",
	       "context", "tok/s", "bound", "share", "MB/tok", "kv MB", "cmds", "membnd");
	for (int i = 0; i < r->n; i++) {
		const struct llm_token_cost *t = &r->t[i];

		printf("  %7d %9.1f %9.1f %5.1f%% %9.2f %9.2f %6u %6u |       ",
		       t->pos + 1, t->tokens_per_s, t->bound_tokens_per_s,
		       100.0 * t->share, t->mem_bytes / 1e6, t->kv_bytes / 1e6,
		       t->commands, t->memory_bound);
		for (int e = 0; e < 5; e++)
			printf(" %3.0f", 100.0 * (double)t->busy[e] / (double)t->cycles);
		printf(" | %5.2f\n", (double)t->ops / (double)t->mem_bytes);
	}
}

static void json_token(struct json_writer *j, const struct board_run *r,
		       const struct llm_token_cost *t)
{
	double intensity = (double)t->ops / (double)t->mem_bytes;

	json_object_begin(j);
	json_member_int(j, "context", t->pos + 1);
	json_member_double(j, "tokens_per_s", t->tokens_per_s);
	json_member_double(j, "bandwidth_bound_tokens_per_s", t->bound_tokens_per_s);
	json_member_double(j, "peak_bandwidth_bound_tokens_per_s", t->peak_bound_tokens_per_s);
	json_member_double(j, "share_of_bound", t->share);
	json_member_uint(j, "cycles", t->cycles);
	json_member_uint(j, "compute_cycles", t->compute);
	json_member_uint(j, "memory_cycles", t->memory);
	json_member_uint(j, "bytes", t->mem_bytes);
	json_member_uint(j, "weight_bytes", t->weight_bytes);
	json_member_uint(j, "kv_bytes", t->kv_bytes);
	json_member_uint(j, "commands", t->commands);
	json_member_uint(j, "memory_bound_commands", t->memory_bound);
	json_key(j, "busy_cycles");
	json_object_begin(j);
	for (int e = 0; e < 5; e++)
		json_member_uint(j, engine_names[e], t->busy[e]);
	json_object_end(j);
	json_key(j, "roofline");
	json_object_begin(j);
	json_member_double(j, "ops_per_byte", intensity);
	json_member_double(j, "attained_gops", (double)t->ops / t->seconds / 1e9);
	json_member_double(j, "memory_roof_gops", intensity * r->prm.dram_mbps / 1e3);
	json_member_double(j, "memory_cycles_per_cycle",
			   (double)t->memory / (double)t->cycles);
	json_object_end(j);
	json_object_end(j);
}

static void print_json(struct json_writer *j, const struct project_opts *o,
		       const char *shape, const struct llm_config *c,
		       const struct board_run *r)
{
	const struct llm_token_cost *h = &r->t[r->head];
	char w[32];

	weights_name(&o->p, w, sizeof(w));
	json_object_begin(j);
	json_member_string(j, "board", r->b->name);
	json_member_string(j, "board_title", r->b->title);
	json_member_string(j, "shape", shape);
	json_member_string(j, "weights", w);
	json_member_uint(j, "group", o->p.group);
	json_member_string(j, "classifier", o->p.classifier_bcq && o->p.planes ? w : "f32");
	json_member_string(j, "softmax", softmax_text(o->p.consmax));
	json_member_string(j, "kv", o->p.kv_f16 ? "f16" : "f32");
	json_member_int(j, "context", h->pos + 1);
	json_member_double(j, "tokens_per_s", h->tokens_per_s);
	json_member_double(j, "bandwidth_bound_tokens_per_s", h->bound_tokens_per_s);
	json_member_double(j, "peak_bandwidth_bound_tokens_per_s", h->peak_bound_tokens_per_s);
	json_member_double(j, "share_of_bound", h->share);
	json_member_uint(j, "device_memory_bytes", footprint(c, h, o->p.kv_f16));
	json_member_bool(j, "fits_in_memory",
			 footprint(c, h, o->p.kv_f16) <= ((uint64_t)r->b->mem_gib << 30));
	json_key(j, "model");
	json_object_begin(j);
	json_member_int(j, "dim", c->dim);
	json_member_int(j, "hidden_dim", c->hidden_dim);
	json_member_int(j, "n_layers", c->n_layers);
	json_member_int(j, "n_heads", c->n_heads);
	json_member_int(j, "n_kv_heads", c->n_kv_heads);
	json_member_int(j, "vocab_size", c->vocab_size);
	json_member_int(j, "seq_len", c->seq_len);
	json_object_end(j);
	json_key(j, "board_params");
	json_object_begin(j);
	json_member_uint(j, "clock_khz", r->prm.clock_khz);
	json_member_uint(j, "mem_mbps_sustained", r->prm.dram_mbps);
	json_member_uint(j, "mem_mbps_peak", r->prm.mem_peak_mbps);
	json_member_uint(j, "mem_channels", r->prm.mem_channels);
	json_member_uint(j, "mem_gib", r->b->mem_gib);
	json_member_uint(j, "pcie_mbps", r->prm.pcie_mbps);
	json_member_uint(j, "bcq_lanes", r->prm.bcq_lanes);
	json_member_uint(j, "attention_units", r->prm.pim_banks);
	json_member_uint(j, "attention_macs_per_unit", r->prm.pim_macs);
	json_member_uint(j, "vec_lanes", r->prm.vec_lanes);
	json_object_end(j);
	json_key(j, "positions");
	json_array_begin(j);
	for (int i = 0; i < r->n; i++)
		json_token(j, r, &r->t[i]);
	json_array_end(j);
	json_object_end(j);
}

int project_main(int argc, char **argv)
{
	struct project_opts o;
	struct llm_config c;
	struct llm_err e = { "" };
	struct json_writer j;
	const char *shape;
	int pos[MAX_POSITIONS], npos, all;
	unsigned int first, last;

	if (parse(argc, argv, &o))
		return 1;
	shape = o.model ? o.model : o.shape ? o.shape : "110M";
	if (o.model ? model_config(&o, &c, &e) : llm_project_shape(shape, &c, &e))
		return fail("%s", e.msg);
	o.p.classifier_bcq = o.p.planes && llm_classifier_bcq(&c, o.cls_choice);
	o.p.kv_f16 = o.kv_choice >= 0 ? o.kv_choice : o.p.planes != 0;
	npos = positions(&c, pos);
	all = o.board && !strcmp(o.board, "all");
	first = 0;
	last = csa_board_count();
	if (!all) {
		const struct csa_board_profile *b =
			csa_board_by_name(o.board ? o.board : csa_board_by_id(CSA_BOARD_DEFAULT)->name);

		for (first = 0; csa_board_at(first) != b; first++)
			;
		last = first + 1;
	}
	if (o.json) {
		json_init(&j, stdout, JSON_PRETTY);
		if (all)
			json_array_begin(&j);
	}
	for (unsigned int i = first; i < last; i++) {
		struct board_run r = { .b = csa_board_at(i), .n = npos,
				       .head = headline_index(pos, npos) };
		struct csa_cycle_params in = { .board = r.b->id };

		csa_cycle_params_resolve(&in, &r.prm);
		for (int k = 0; k < npos; k++)
			if (llm_project_token(&c, &o.p, &r.prm, pos[k], &r.t[k]))
				return fail("%s", "cannot price that shape");
		if (o.json)
			print_json(&j, &o, shape, &c, &r);
		else
			print_text(&o, shape, &c, &r);
	}
	if (o.json) {
		if (all)
			json_array_end(&j);
		if (json_finish(&j) || fputc('\n', stdout) == EOF || fflush(stdout))
			return fail("%s", "writing the JSON failed");
	} else if (fflush(stdout)) {
		return fail("%s", "writing the report failed");
	}
	return 0;
}
