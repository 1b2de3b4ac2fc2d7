# accel-serve: OpenAI-compatible HTTP server with continuous batching, on
# libmicrohttpd and json-c.  The server is a library (csaserve) so that
# tests/serve runs it in a child process through serve_main().
# (Included from bench/build.mk while the top Makefile reads only */build.mk.)
ifndef CSA_MK_ACCEL_SERVE
CSA_MK_ACCEL_SERVE := 1
SERVE_CFLAGS := -Iuserspace-tools/llm-common -Iuserspace-tools/accel-serve \
	$(shell pkg-config --cflags libmicrohttpd json-c 2>/dev/null)
SERVE_LDLIBS := $(shell pkg-config --libs libmicrohttpd json-c 2>/dev/null || echo -lmicrohttpd -ljson-c)
STATIC_LIBS += csaserve
csaserve_SRCS := $(filter-out userspace-tools/accel-serve/accel_serve.c,$(wildcard userspace-tools/accel-serve/*.c))
TOOLS += accel-serve
accel-serve_SRCS := userspace-tools/accel-serve/accel_serve.c
accel-serve_LIBS := csaserve csallm accel
accel-serve_LDLIBS = $(SERVE_LDLIBS) $(ACCEL_LIBDRM_LIBS)
# the install prefix's model directory ends the search path (llm_paths.h)
serve_main_CFLAGS := $(SERVE_CFLAGS) -DLLM_MODELS_DIR='"$(PREFIX)/share/csa/models"'
serve_engine_CFLAGS := $(SERVE_CFLAGS)
serve_api_CFLAGS := $(SERVE_CFLAGS)
serve_http_CFLAGS := $(SERVE_CFLAGS)
serve_metrics_CFLAGS := $(SERVE_CFLAGS)
accel_serve_CFLAGS := $(SERVE_CFLAGS)
endif

.PHONY: install-accel-serve
install: install-accel-serve
install-accel-serve: $(B)/bin/accel-serve
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(B)/bin/accel-serve $(DESTDIR)$(PREFIX)/bin/
	install -m 644 man/accel-serve.1 $(DESTDIR)$(PREFIX)/share/man/man1/
