/* SPDX-License-Identifier: MIT */
/*
 * serve.h - accel-serve: an OpenAI-compatible HTTP server over the batched
 * decoder.  Threads: libmicrohttpd runs one thread per connection (its
 * handlers parse, queue and then wait for or stream their request); one
 * engine thread loads the model, then runs batch steps, admitting queued
 * requests and retiring finished ones between steps (continuous batching).
 * Everything the two sides share sits in struct server under its lock.
 */
#ifndef SERVE_H
#define SERVE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "llm_gen.h"
#include "llm_packed.h"

struct serve_options {
	const char *host;	/* numeric address to listen on */
	int port;		/* 0: any free port (printed) */
	const char *model, *tokenizer, *device, *model_name;
	int planes, consmax;	/* --weights, --softmax */
	int max_batch, max_queue, max_tokens;
	enum llm_schedule schedule;	/* --schedule (llm_batch.h) */
	double timeout_s;	/* per request, queued + decoding */
	size_t max_body;	/* bytes of a request body */
};

enum serve_state {
	SERVE_LOADING,
	SERVE_READY,
	SERVE_DRAINING,		/* SIGTERM: finishing what it has */
	SERVE_FAILED,		/* the model did not load or the device failed */
};

#define SERVE_MAX_STOP 4		/* stop strings per request (OpenAI's limit) */
#define SERVE_MAX_STOP_LEN 256

enum serve_finish {
	FINISH_NONE = 0,
	FINISH_STOP,		/* end of text */
	FINISH_LENGTH,		/* max_tokens or the context */
	FINISH_TIMEOUT,		/* the request's time ran out */
	FINISH_CANCELLED,	/* the client went away */
	FINISH_ERROR,		/* the device failed */
};

struct serve_params {
	int chat, stream, include_usage;
	char *prompt;		/* the text fed to the model */
	int prompt_tokens;
	int max_tokens;
	float temperature, top_p;
	uint64_t seed;
	int has_seed;		/* else one is drawn per request */
	char *stop[SERVE_MAX_STOP];	/* the text ends before the first */
	int n_stop;
	size_t stop_max;	/* longest stop string */
};

struct server;

struct serve_req {
	struct server *srv;
	struct serve_params p;
	char id[40];
	long created;		/* unix seconds */
	double deadline;	/* monotonic seconds */
	int conn_fd;		/* the client's socket, polled for hangup */
	/* shared with the engine, under server.lock */
	int queued, running;
	enum serve_finish finish;
	char *out;		/* generated text so far */
	size_t out_len, out_cap;
	int completion_tokens;
	int cancelled;		/* set by the HTTP side */
	int refs;		/* HTTP side + engine side */
	pthread_cond_t cond;	/* signalled on every change */
	struct serve_req *next;	/* queue link */
	/* HTTP side only */
	size_t sent;		/* bytes of out streamed so far */
	int sent_role, sent_final;
	char *sse;		/* formatted, not yet handed to MHD */
	size_t sse_len, sse_off;
};

struct serve_metrics {
	uint64_t prompt_tokens, predicted_tokens, decode_steps, busy_slot_sum;
	double prompt_seconds, predicted_seconds;
	uint64_t requests_ok, requests_rejected, requests_failed;
};

struct server {
	struct serve_options o;
	pthread_mutex_t lock;
	pthread_cond_t work;	/* engine: a request arrived or shutdown */
	pthread_cond_t idle;	/* main: an HTTP request finished */
	enum serve_state state;
	char fail_msg[256];
	struct serve_req *head, *tail;	/* queued, in arrival order */
	int n_queued, n_running, n_open;	/* open: HTTP handlers in flight */
	int kv_tokens;		/* tokens held in running requests' KV caches */
	uint64_t next_id;
	struct serve_metrics m;
	/* the model, read-only once state leaves LOADING */
	struct llm_packed packed;
	struct llm_tokenizer tok;
	int have_packed, have_tok;
	int seq_len;
	char model_id[128];
	/* engine thread only */
	struct accel_dev *dev;
	struct llm_accel accel;
	struct llm_batch batch;
	pthread_t engine;
	int engine_started;
	void *mhd;		/* struct MHD_Daemon */
	int port;
};

/* serve_main.c */
int serve_main(int argc, char **argv);
double serve_now(void);

/* serve_engine.c */
int serve_engine_start(struct server *s);
void serve_engine_join(struct server *s);
/* Queues @r (refs taken for the engine); 0, or an HTTP status to answer
 * (429 queue full, 503 not ready / draining) with a reason in @why. */
int serve_submit(struct server *s, struct serve_req *r, const char **why);
/* Drops one reference (under s->lock); frees @r at zero. */
void serve_req_put_locked(struct server *s, struct serve_req *r);
/* Bytes of r->out that end on a complete UTF-8 character. */
size_t serve_utf8_safe(const char *buf, size_t len);

/* serve_api.c */
/* Parses a completions (chat = 0) or chat-completions body into @p; on
 * error returns -1 with a message and the offending field (or NULL). */
int serve_parse_request(struct server *s, const char *body, size_t len,
			int chat, struct serve_params *p, char *msg,
			size_t msg_len, const char **param);
void serve_params_free(struct serve_params *p);
/* JSON texts (malloc'd, NULL when out of memory). */
char *serve_error_json(const char *msg, const char *type, const char *param);
char *serve_result_json(const struct server *s, const struct serve_req *r);
/* One SSE event ("data: {...}\n\n") with @text (len bytes), or the final
 * chunk with the finish reason when @final, or the usage-only chunk. */
char *serve_chunk_sse(const struct server *s, const struct serve_req *r,
		      const char *text, size_t len, int role, int final,
		      int usage_only);
char *serve_models_json(const struct server *s);
const char *serve_finish_name(enum serve_finish f);

/* serve_http.c */
int serve_http_start(struct server *s);
void serve_http_quiesce(struct server *s);
void serve_http_stop(struct server *s);

/* serve_metrics.c */
/* Prometheus text format (malloc'd). */
char *serve_metrics_text(struct server *s);

#endif /* SERVE_H */
