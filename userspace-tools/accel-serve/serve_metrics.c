// SPDX-License-Identifier: MIT
/*
 * serve_metrics.c - /metrics in the Prometheus text format, with the names
 * llama-server's --metrics uses (llamacpp:*), so dashboards and gateways
 * set up for it (e.g. the Kubernetes Gateway API inference extension's
 * llama.cpp profile) read this server unchanged.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve.h"

struct out {
	char *buf;
	size_t len, cap;
	int oom;
};

static void put(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			o->oom = 1;
			return;
		}
		if ((size_t)n < o->cap - o->len) {
			o->len += (size_t)n;
			return;
		}
		o->cap = (o->cap + (size_t)n + 1) * 2;
		char *p = realloc(o->buf, o->cap);

		if (!p) {
			o->oom = 1;
			return;
		}
		o->buf = p;
	}
}

static void metric(struct out *o, const char *name, const char *type,
		   const char *help, double value)
{
	put(o, "# HELP llamacpp:%s %s\n# TYPE llamacpp:%s %s\nllamacpp:%s %.17g\n",
	    name, help, name, type, name, value);
}

char *serve_metrics_text(struct server *s)
{
	struct out o = { malloc(1024), 0, 1024, 0 };
	struct serve_metrics m;
	int queued, running, kv, cap;

	if (!o.buf)
		return NULL;
	pthread_mutex_lock(&s->lock);
	m = s->m;
	queued = s->n_queued;
	running = s->n_running;
	kv = s->kv_tokens;
	cap = s->o.max_batch * s->seq_len;
	pthread_mutex_unlock(&s->lock);
	metric(&o, "prompt_tokens_total", "counter", "Number of prompt tokens processed.",
	       (double)m.prompt_tokens);
	metric(&o, "prompt_seconds_total", "counter", "Prompt process time", m.prompt_seconds);
	metric(&o, "tokens_predicted_total", "counter", "Number of generation tokens processed.",
	       (double)m.predicted_tokens);
	metric(&o, "tokens_predicted_seconds_total", "counter", "Predict process time",
	       m.predicted_seconds);
	metric(&o, "n_decode_total", "counter", "Total number of batch steps (one token for every running request).",
	       (double)m.decode_steps);
	metric(&o, "n_busy_slots_per_decode", "gauge", "Average number of busy slots per batch step.",
	       m.decode_steps ? (double)m.busy_slot_sum / m.decode_steps : 0.0);
	metric(&o, "prompt_tokens_seconds", "gauge", "Average prompt throughput in tokens/s.",
	       m.prompt_seconds > 0 ? m.prompt_tokens / m.prompt_seconds : 0.0);
	metric(&o, "predicted_tokens_seconds", "gauge", "Average generation throughput in tokens/s.",
	       m.predicted_seconds > 0 ? m.predicted_tokens / m.predicted_seconds : 0.0);
	metric(&o, "kv_cache_usage_ratio", "gauge", "KV-cache usage. 1 means 100 percent usage.",
	       cap ? (double)kv / cap : 0.0);
	metric(&o, "kv_cache_tokens", "gauge", "KV-cache tokens.", (double)kv);
	metric(&o, "requests_processing", "gauge", "Number of requests processing.", (double)running);
	metric(&o, "requests_deferred", "gauge", "Number of requests deferred (queued).", (double)queued);
	put(&o, "# HELP accelserve:requests_total Requests answered, by outcome.\n"
		"# TYPE accelserve:requests_total counter\n"
		"accelserve:requests_total{outcome=\"ok\"} %llu\n"
		"accelserve:requests_total{outcome=\"rejected\"} %llu\n"
		"accelserve:requests_total{outcome=\"unfinished\"} %llu\n",
	    (unsigned long long)m.requests_ok, (unsigned long long)m.requests_rejected,
	    (unsigned long long)m.requests_failed);
	if (o.oom) {
		free(o.buf);
		return NULL;
	}
	return o.buf;
}
