/* SPDX-License-Identifier: MIT */
/*
 * fuzz_ops.h - the byte program the hardware-model fuzz target interprets
 * (fuzz_hw.c) and the seed generator writes (gen_corpus.c).
 *
 * Input: one setup byte, then operations until the input ends.  Every
 * operand is read from the input; a short input reads zeros.
 *   setup byte: bits 2:0 log2(SQ entries / 4), bits 5:3 log2(CQ entries / 4),
 *               bit 6: then u8 how, u8 v: spoil one ring value (how % 4:
 *               0 SQ size, 1 CQ size = v | (how & 0x30) << 4; 2 SQ base,
 *               3 CQ base += v % 64, or 0 when v == 0xff)
 */
#ifndef FUZZ_OPS_H
#define FUZZ_OPS_H

enum fuzz_op {
	FOP_HOST_WRITE = 0,	/* u16 offset into the data area, u8 len, bytes */
	FOP_DESC,		/* u8 mode, then a descriptor (see put_desc) */
	FOP_SG,			/* u16 table offset, u8 n, n x (u16 seg off, u16 len, u8 bad) */
	FOP_SQ_DOORBELL,	/* u8: even = host tail, odd = raw u32 follows */
	FOP_CQ_CONSUME,		/* u8: consume at most that many; 0xff = bad CQ_HEAD */
	FOP_MMIO_WRITE,		/* u16 offset, u32 value (ring setup regs filtered) */
	FOP_MMIO_READ,		/* u16 offset */
	FOP_RUN,		/* u8 budget (0 = until idle) */
	FOP_RESET,		/* u8 setup byte as at the start */
	FOP_FAULT,		/* u8 kind, u16 offset, u16 len */
	FOP_COUNT
};

/* FOP_DESC modes (low 2 bits of the mode byte) */
#define FDESC_RAW	0	/* 128 raw bytes */
#define FDESC_SHAPED	1	/* u8 opcode, u8 flags, u8 tag, 10 x u16 arg,
				 * 6 x u16 addr (device: x 4; DMA addr0: SG
				 * table offset in the data area) */
/* mode bit 2: set CSA_DESC_F_LAST; bit 3: also ring the doorbell */

/* Host memory of the fuzz target, by bus offset */
#define FZ_SQ_OFF	0x00000u	/* up to 512 x 128 B */
#define FZ_CQ_OFF	0x10000u	/* up to 512 x 32 B */
#define FZ_DATA_OFF	0x14000u	/* SG tables and segments */
#define FZ_DATA_SIZE	0x10000u
#define FZ_HOST_SIZE	(FZ_DATA_OFF + FZ_DATA_SIZE)
#define FZ_DEVMEM_SIZE	0x10000u

#endif
