# CSA top-level Makefile.
#   make            user space (libraries, tools, tests) into build/rel
#   make test       every CUnit suite under ASan+UBSan (build/asan), then a summary
#   make bench      benchmarks (release build)
#   make module     the kernel module (KDIR=<kernel build dir>)
#   make qemu-test  the QEMU device under qtest (tests/qemu-device)
#   make qemu-fuzz  the qtest fuzzer on a second QEMU built with ASan+UBSan
#   make vm-test    the whole stack in a QEMU VM
#   make install    PREFIX=/usr/local DESTDIR=
# Each area adds itself through its own build.mk (see mk/rules.mk for the
# variables a fragment sets).

MODELS ?= $(if $(wildcard ../shared/models/stories260K.bin),$(abspath ../shared/models),)
PREFIX ?= /usr/local
DESTDIR ?=
SAN ?= 0
ifeq ($(SAN),1)
B ?= build/asan
else
B ?= build/rel
endif

CC ?= cc
ifeq ($(origin CC),default)
CC := gcc
endif

WARN := -Wall -Wextra -Werror
# No fused multiply-add anywhere: the spec fixes every rounding step.
FPFLAGS := -ffp-contract=off -fno-fast-math
CPPFLAGS += -Iinclude/uapi -Iinclude -I. -D_GNU_SOURCE $(shell pkg-config --cflags libdrm 2>/dev/null)
OPT ?= -O2
CFLAGS ?= $(OPT) -g
CFLAGS += $(WARN) $(FPFLAGS) -fPIC -pthread -MMD -MP
LDFLAGS += -pthread
LDLIBS += -lm
ifeq ($(SAN),1)
CFLAGS += -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
endif

# Per-directory C standard: hw/ and common/ are C99 (also built into the
# kernel and QEMU), everything else C11.
std_for = $(if $(filter hw/% common/%,$(1)),-std=c99,-std=c11)

.PHONY: all test test-bins check bench module vm-test fuzz install clean
all:

include mk/rules.mk
include $(sort $(wildcard */build.mk */*/build.mk))
include mk/finish.mk

all: $(ALL_TARGETS)

test:
	$(MAKE) SAN=1 test-bins
	tests/run-all.sh build/asan/tests $(TEST_BINS)

test-bins: $(addprefix $(B)/tests/,$(TEST_BINS))

check:
	scripts/check.sh

clean:
	rm -rf build
