// SPDX-License-Identifier: MIT
/*
 * serve_http.c - the HTTP side on libmicrohttpd, one thread per
 * connection: routes, request bodies (bounded), JSON errors, the blocking
 * wait of a plain completion and the server-sent-events stream of a
 * streamed one.  A client that goes away is noticed (socket hangup, or
 * libmicrohttpd dropping the stream) and its request leaves the batch.
 */
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "serve.h"

#define WAIT_SLICE_NS 100000000L	/* re-check the client every 100 ms */

struct conn_ctx {
	char *body;
	size_t len;
	int too_big;
	struct serve_req *req;	/* the ctx's reference */
	int counted;		/* in s->n_open */
};

static enum MHD_Result respond(struct MHD_Connection *c, unsigned int status,
			       char *text, const char *type)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	if (!text)
		return MHD_NO;	/* out of memory: drop the connection */
	resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == 429 || status == 503)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, "1");
	ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result respond_error(struct MHD_Connection *c, unsigned int status,
				     const char *msg, const char *param)
{
	const char *type = status == 400 || status == 404 || status == 405 || status == 413 ?
			   "invalid_request_error" : status == 429 || status == 503 ?
			   "unavailable_error" : status == 504 ? "timeout_error" : "server_error";

	return respond(c, status, serve_error_json(msg, type, param), "application/json");
}

static void timed_wait(pthread_cond_t *cond, pthread_mutex_t *lock)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += WAIT_SLICE_NS;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(cond, lock, &ts);
}

/* The client closed its end (or the socket failed). */
static int client_gone(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLRDHUP };

	return fd >= 0 && poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

/* Marks @r abandoned (under the lock) so the engine retires it. */
static void cancel_locked(struct server *s, struct serve_req *r)
{
	if (r->finish == FINISH_NONE && !r->cancelled) {
		r->cancelled = 1;
		pthread_cond_signal(&s->work);
	}
}

static enum MHD_Result finish_plain(struct server *s, struct MHD_Connection *c,
				    struct serve_req *r)
{
	enum serve_finish f;

	pthread_mutex_lock(&s->lock);
	while (r->finish == FINISH_NONE) {
		if (client_gone(r->conn_fd))
			cancel_locked(s, r);
		timed_wait(&r->cond, &s->lock);
	}
	f = r->finish;
	pthread_mutex_unlock(&s->lock);
	/* the engine no longer touches r: read it without the lock */
	switch (f) {
	case FINISH_STOP:
	case FINISH_LENGTH:
		return respond(c, 200, serve_result_json(s, r), "application/json");
	case FINISH_TIMEOUT:
		return respond_error(c, 504, "the request timed out", NULL);
	case FINISH_CANCELLED:
		return MHD_NO;
	default:
		return respond_error(c, 500, "the device failed while decoding (see the server log)", NULL);
	}
}

/* Formats the next SSE event of @r into r->sse (under the lock); 0 if
 * there is nothing to send yet, -1 at the end of the stream. */
static int next_event(struct server *s, struct serve_req *r)
{
	size_t safe;

	if (r->p.chat && !r->sent_role) {
		r->sent_role = 1;
		r->sse = serve_chunk_sse(s, r, "", 0, 1, 0, 0);
		return 1;
	}
	safe = r->out_len;
	if (r->finish == FINISH_NONE) {
		/* hold back the bytes a stop string may still claim, and a
		 * split UTF-8 character */
		size_t hold = r->p.stop_max ? r->p.stop_max - 1 : 0;

		safe = serve_utf8_safe(r->out, safe > hold ? safe - hold : 0);
	}
	if (safe > r->sent) {
		r->sse = serve_chunk_sse(s, r, r->out + r->sent, safe - r->sent, 0, 0, 0);
		r->sent = safe;
		return 1;
	}
	if (r->finish == FINISH_NONE)
		return 0;
	if (r->sent_final)
		return -1;
	r->sent_final = 1;
	if (r->finish == FINISH_STOP || r->finish == FINISH_LENGTH) {
		char *fin = serve_chunk_sse(s, r, "", 0, 0, 1, 0);
		char *use = r->p.include_usage ? serve_chunk_sse(s, r, "", 0, 0, 0, 1) : NULL;
		size_t n = (fin ? strlen(fin) : 0) + (use ? strlen(use) : 0) + 16;

		r->sse = fin && (use || !r->p.include_usage) ? malloc(n) : NULL;
		if (r->sse)
			snprintf(r->sse, n, "%s%sdata: [DONE]\n\n", fin, use ? use : "");
		free(fin);
		free(use);
	} else if (r->finish == FINISH_CANCELLED) {
		return -1;
	} else {
		char *err = serve_error_json(r->finish == FINISH_TIMEOUT ? "the request timed out" :
					     "the device failed while decoding",
					     r->finish == FINISH_TIMEOUT ? "timeout_error" : "server_error",
					     NULL);
		size_t n = err ? strlen(err) + 9 : 0;

		r->sse = err ? malloc(n) : NULL;
		if (r->sse)
			snprintf(r->sse, n, "data: %s\n\n", err);
		free(err);
	}
	return 1;
}

static ssize_t stream_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct serve_req *r = cls;
	struct server *s = r->srv;
	ssize_t n = 0;

	(void)pos;
	pthread_mutex_lock(&s->lock);
	for (;;) {
		int ev;

		if (r->sse) {
			size_t left = r->sse_len - r->sse_off;

			n = (ssize_t)(left < max ? left : max);
			memcpy(buf, r->sse + r->sse_off, (size_t)n);
			r->sse_off += (size_t)n;
			if (r->sse_off == r->sse_len) {
				free(r->sse);
				r->sse = NULL;
			}
			break;
		}
		ev = next_event(s, r);
		if (ev > 0) {
			if (!r->sse) {	/* out of memory */
				cancel_locked(s, r);
				n = MHD_CONTENT_READER_END_WITH_ERROR;
				break;
			}
			r->sse_len = strlen(r->sse);
			r->sse_off = 0;
			continue;
		}
		if (ev < 0) {
			n = r->finish == FINISH_CANCELLED ? MHD_CONTENT_READER_END_WITH_ERROR :
			    MHD_CONTENT_READER_END_OF_STREAM;
			break;
		}
		if (client_gone(r->conn_fd))
			cancel_locked(s, r);
		timed_wait(&r->cond, &s->lock);
	}
	pthread_mutex_unlock(&s->lock);
	return n;
}

/* The stream's response is gone (sent, or the client left). */
static void stream_free(void *cls)
{
	struct serve_req *r = cls;
	struct server *s = r->srv;

	pthread_mutex_lock(&s->lock);
	cancel_locked(s, r);
	serve_req_put_locked(s, r);
	pthread_mutex_unlock(&s->lock);
}

static enum MHD_Result start_stream(struct server *s, struct MHD_Connection *c,
				    struct serve_req *r)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	pthread_mutex_lock(&s->lock);
	r->refs++;	/* the response's */
	pthread_mutex_unlock(&s->lock);
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, stream_reader, r,
						 stream_free);
	if (!resp) {
		stream_free(r);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	ret = MHD_queue_response(c, 200, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result post_completion(struct server *s, struct MHD_Connection *c,
				       struct conn_ctx *ctx, int chat)
{
	const union MHD_ConnectionInfo *ci;
	struct serve_params p;
	struct serve_req *r;
	const char *param, *why = NULL;
	char msg[256];
	int status;

	if (ctx->too_big) {
		snprintf(msg, sizeof(msg), "the body exceeds %zu bytes", s->o.max_body);
		return respond_error(c, 413, msg, NULL);
	}
	pthread_mutex_lock(&s->lock);
	status = s->state == SERVE_READY ? 0 : 503;
	why = s->state == SERVE_LOADING ? "the model is loading" :
	      s->state == SERVE_DRAINING ? "the server is shutting down" :
	      "the server has failed (see its log)";
	if (status)
		s->m.requests_rejected++;
	pthread_mutex_unlock(&s->lock);
	if (status)
		return respond_error(c, status, why, NULL);
	if (serve_parse_request(s, ctx->body ? ctx->body : "", ctx->len, chat, &p, msg,
				sizeof(msg), &param)) {
		pthread_mutex_lock(&s->lock);
		s->m.requests_rejected++;
		pthread_mutex_unlock(&s->lock);
		return respond_error(c, 400, msg, param);
	}
	r = calloc(1, sizeof(*r));
	if (!r || pthread_cond_init(&r->cond, NULL)) {
		free(r);
		serve_params_free(&p);
		return respond_error(c, 500, "out of memory", NULL);
	}
	r->srv = s;
	r->p = p;
	r->refs = 1;
	r->created = (long)time(NULL);
	r->deadline = serve_now() + s->o.timeout_s;
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	r->conn_fd = ci ? ci->connect_fd : -1;
	pthread_mutex_lock(&s->lock);
	snprintf(r->id, sizeof(r->id), "%s-%llu", chat ? "chatcmpl" : "cmpl",
		 (unsigned long long)++s->next_id);
	if (!r->p.has_seed)
		r->p.seed = s->next_id * 0x9E3779B97F4A7C15ull ^ (uint64_t)time(NULL);
	pthread_mutex_unlock(&s->lock);
	ctx->req = r;
	status = serve_submit(s, r, &why);
	if (status)
		return respond_error(c, (unsigned int)status, why, NULL);
	if (!r->p.stream)
		return finish_plain(s, c, r);
	return start_stream(s, c, r);
}

static enum MHD_Result get_health(struct server *s, struct MHD_Connection *c)
{
	enum serve_state st;
	static const char *const names[] = { "loading", "ok", "draining", "failed" };
	char body[64];

	pthread_mutex_lock(&s->lock);
	st = s->state;
	pthread_mutex_unlock(&s->lock);
	snprintf(body, sizeof(body), "{\"status\":\"%s\"}", names[st]);
	return respond(c, st == SERVE_READY ? 200 : 503, strdup(body), "application/json");
}

static int is_path(const char *url, const char *path)
{
	/* /v1/x and /x both answer, as llama-server's do */
	return !strcmp(url, path) || (!strncmp(path, "/v1", 3) && !strcmp(url, path + 3));
}

static enum MHD_Result route(void *cls, struct MHD_Connection *c, const char *url,
			     const char *method, const char *version,
			     const char *upload, size_t *upload_size, void **con_cls)
{
	struct server *s = cls;
	struct conn_ctx *ctx = *con_cls;
	int post = !strcmp(method, MHD_HTTP_METHOD_POST);
	int get = !strcmp(method, MHD_HTTP_METHOD_GET);
	int chat = is_path(url, "/v1/chat/completions");
	int completions = chat || is_path(url, "/v1/completions");

	(void)version;
	if (!ctx) {
		ctx = calloc(1, sizeof(*ctx));
		if (!ctx)
			return MHD_NO;
		*con_cls = ctx;
		return MHD_YES;
	}
	if (*upload_size) {
		if (!ctx->too_big && ctx->len + *upload_size > s->o.max_body) {
			ctx->too_big = 1;
		} else if (!ctx->too_big) {
			char *p = realloc(ctx->body, ctx->len + *upload_size + 1);

			if (!p)
				return MHD_NO;
			memcpy(p + ctx->len, upload, *upload_size);
			ctx->len += *upload_size;
			p[ctx->len] = 0;
			ctx->body = p;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (completions) {
		if (!post)
			return respond_error(c, 405, "use POST", NULL);
		pthread_mutex_lock(&s->lock);
		s->n_open++;
		ctx->counted = 1;
		pthread_mutex_unlock(&s->lock);
		return post_completion(s, c, ctx, chat);
	}
	if (!strcmp(url, "/health") || !strcmp(url, "/metrics") || is_path(url, "/v1/models")) {
		if (!get)
			return respond_error(c, 405, "use GET", NULL);
		if (!strcmp(url, "/health"))
			return get_health(s, c);
		if (!strcmp(url, "/metrics"))
			return respond(c, 200, serve_metrics_text(s),
				       "text/plain; version=0.0.4; charset=utf-8");
		return respond(c, 200, serve_models_json(s), "application/json");
	}
	return respond_error(c, 404, "no such endpoint (POST /v1/completions, /v1/chat/completions; GET /v1/models, /health, /metrics)",
			     NULL);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	struct server *s = cls;
	struct conn_ctx *ctx = *con_cls;

	(void)c;
	(void)toe;
	if (!ctx)
		return;
	pthread_mutex_lock(&s->lock);
	if (ctx->req) {
		cancel_locked(s, ctx->req);
		serve_req_put_locked(s, ctx->req);
	}
	if (ctx->counted) {
		s->n_open--;
		pthread_cond_broadcast(&s->idle);
	}
	pthread_mutex_unlock(&s->lock);
	free(ctx->body);
	free(ctx);
	*con_cls = NULL;
}

int serve_http_start(struct server *s)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_PASSIVE,
				  .ai_socktype = SOCK_STREAM }, *ai;
	const union MHD_DaemonInfo *info;
	unsigned int flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
			     MHD_USE_ITC | MHD_USE_POLL | MHD_USE_ERROR_LOG;
	char port[16];
	int rc;

	snprintf(port, sizeof(port), "%d", s->o.port);
	rc = getaddrinfo(s->o.host, port, &hints, &ai);
	if (rc) {
		fprintf(stderr, "accel-serve: --host '%s': %s (give a numeric address)\n",
			s->o.host, gai_strerror(rc));
		return -1;
	}
	if (ai->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	s->mhd = MHD_start_daemon(flags, 0, NULL, NULL, route, s,
				  MHD_OPTION_SOCK_ADDR, ai->ai_addr,
				  MHD_OPTION_CONNECTION_LIMIT,
				  (unsigned int)(s->o.max_batch + s->o.max_queue + 32),
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)120,
				  MHD_OPTION_NOTIFY_COMPLETED, completed, s,
				  MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned int)1,
				  MHD_OPTION_END);
	freeaddrinfo(ai);
	if (!s->mhd) {
		fprintf(stderr, "accel-serve: cannot listen on %s port %d: %s\n", s->o.host,
			s->o.port, strerror(errno));
		return -1;
	}
	info = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info ? info->port : s->o.port;
	return 0;
}

void serve_http_quiesce(struct server *s)
{
	MHD_socket fd;

	if (!s->mhd)
		return;
	fd = MHD_quiesce_daemon(s->mhd);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
}

void serve_http_stop(struct server *s)
{
	if (s->mhd)
		MHD_stop_daemon(s->mhd);
	s->mhd = NULL;
}
