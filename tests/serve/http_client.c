// SPDX-License-Identifier: MIT
#include "http_client.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

int http_connect(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		close(fd);
		return -1;
	}
	return fd;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int http_send(int fd, const char *method, const char *path, const char *body,
	      size_t len)
{
	char head[512];
	int n = snprintf(head, sizeof(head),
			 "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
			 "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
			 method, path, body ? len : 0);

	if (n < 0 || (size_t)n >= sizeof(head))
		return -1;
	if (write_all(fd, head, (size_t)n))
		return -1;
	return body && len ? write_all(fd, body, len) : 0;
}

/* Decodes a chunked body in place; -1 when malformed. */
static int dechunk(char *b, size_t len, size_t *out)
{
	size_t in = 0, o = 0;

	for (;;) {
		char *end;
		unsigned long n = strtoul(b + in, &end, 16);

		if (end == b + in)
			return -1;
		in = (size_t)(end - b);
		while (in < len && b[in] != '\n')
			in++;
		if (in >= len)
			return -1;
		in++;
		if (!n)
			break;
		if (in + n + 2 > len)
			return -1;
		memmove(b + o, b + in, n);
		o += n;
		in += n + 2;
	}
	b[o] = 0;
	*out = o;
	return 0;
}

int http_read(int fd, struct http_resp *r)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap), *sep;
	char te[64];

	memset(r, 0, sizeof(*r));
	if (!buf)
		return -1;
	for (;;) {
		ssize_t n;

		if (len + 1 >= cap) {
			char *p = realloc(buf, cap * 2);

			if (!p) {
				free(buf);
				return -1;
			}
			buf = p;
			cap *= 2;
		}
		n = recv(fd, buf + len, cap - len - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			return -1;
		}
		if (!n)
			break;
		len += (size_t)n;
	}
	buf[len] = 0;
	sep = strstr(buf, "\r\n\r\n");
	if (!sep || sscanf(buf, "HTTP/1.%*d %d", &r->status) != 1) {
		free(buf);
		return -1;
	}
	*sep = 0;
	r->head = strdup(buf);
	r->body_len = len - (size_t)(sep + 4 - buf);
	r->body = malloc(r->body_len + 1);
	if (!r->head || !r->body) {
		free(buf);
		http_resp_free(r);
		return -1;
	}
	memcpy(r->body, sep + 4, r->body_len);
	r->body[r->body_len] = 0;
	free(buf);
	if (!http_header(r, "transfer-encoding", te, sizeof(te)) && !strcasecmp(te, "chunked") &&
	    dechunk(r->body, r->body_len, &r->body_len)) {
		http_resp_free(r);
		return -1;
	}
	return 0;
}

int http_do(int port, const char *method, const char *path, const char *body,
	    struct http_resp *r)
{
	int fd = http_connect(port), rc;

	memset(r, 0, sizeof(*r));
	if (fd < 0)
		return -1;
	rc = http_send(fd, method, path, body, body ? strlen(body) : 0);
	if (!rc)
		rc = http_read(fd, r);
	close(fd);
	return rc;
}

void http_resp_free(struct http_resp *r)
{
	free(r->head);
	free(r->body);
	memset(r, 0, sizeof(*r));
}

int http_header(const struct http_resp *r, const char *name, char *out, size_t n)
{
	const char *p = r->head;
	size_t nl = strlen(name);

	while (p && (p = strchr(p, '\n'))) {
		p++;
		if (!strncasecmp(p, name, nl) && p[nl] == ':') {
			const char *v = p + nl + 1;
			size_t k = 0;

			while (*v == ' ')
				v++;
			while (v[k] && v[k] != '\r' && v[k] != '\n')
				k++;
			if (k >= n)
				return -1;
			memcpy(out, v, k);
			out[k] = 0;
			return 0;
		}
	}
	return -1;
}
