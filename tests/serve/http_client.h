/* SPDX-License-Identifier: MIT */
/*
 * http_client.h - the smallest HTTP/1.1 client the server tests need:
 * one request per connection (Connection: close), chunked bodies decoded.
 */
#ifndef HTTP_CLIENT_H
#define HTTP_CLIENT_H

#include <stddef.h>

struct http_resp {
	int status;
	char *head;		/* status line and headers, NUL-terminated */
	char *body;		/* decoded, NUL-terminated */
	size_t body_len;
};

int http_connect(int port);
/* Sends one request (body may be NULL); 0 or -1. */
int http_send(int fd, const char *method, const char *path, const char *body,
	      size_t len);
/* Reads the whole response until the server closes; 0 or -1. */
int http_read(int fd, struct http_resp *r);
/* connect + send + read + close. */
int http_do(int port, const char *method, const char *path, const char *body,
	    struct http_resp *r);
void http_resp_free(struct http_resp *r);
/* The header's value (lower-case name match) copied into @out, or -1. */
int http_header(const struct http_resp *r, const char *name, char *out, size_t n);

#endif /* HTTP_CLIENT_H */
