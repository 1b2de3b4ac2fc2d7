# This CPU's single-core read bandwidth, the bound the sim's tokens/s are
# compared with in `make bench` (bench/llm-bench.sh).
BENCH_BINS += bench-membw
bench-membw_SRCS := bench/membw/membw.c
