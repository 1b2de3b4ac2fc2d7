# The C hardware model: register file, rings, command processor (csa_hw.c,
# regs.c, queue.c, cmdproc.c) and the engines (exec.c and below).
STATIC_LIBS += csahw
csahw_SRCS := $(wildcard hw/*.c)
# bcq.c views the scratch SRAM (a float array) as int16 tables and int32
# sums: a deliberate type pun.
bcq_CFLAGS := -fno-strict-aliasing
