# CUnit suite of accel-serve: the server runs in a child process (its real
# serve_main(), on an ephemeral port) and the tests talk HTTP to it with a
# small socket client: concurrent clients get the texts they get alone,
# malformed requests, a client leaving mid-stream, overload, SIGTERM while
# busy, /health while loading, /metrics.
TEST_BINS += test-serve
test-serve_SRCS := tests/serve/test_serve.c tests/serve/http_client.c
test-serve_LIBS := csaserve csallm accel
test-serve_LDLIBS = -lcunit $(SERVE_LDLIBS) $(ACCEL_LIBDRM_LIBS)
test_serve_CFLAGS = $(SERVE_CFLAGS) -DLLM_MODELS_DIR='"$(MODELS)"'
http_client_CFLAGS = $(SERVE_CFLAGS)
