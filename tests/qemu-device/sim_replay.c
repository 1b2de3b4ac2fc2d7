// SPDX-License-Identifier: MIT
/*
 * sim_replay.c - runs a command list on libaccel's sim backend, for
 * tests/qemu-device (test_board_profiles_match_sim): the same device memory
 * image and commands go to the QEMU card, and the two must agree bit for bit.
 *
 *   csa-sim-replay BOARD IMAGE COMMANDS OUT
 *
 * IMAGE: the initial device memory (its size is the card's devmem).
 * COMMANDS: one command a line, "opcode flags a0 .. a9 b0 .. b5" in decimal,
 * a buffer slot -1 when unused, else a device address (an offset into the
 * image).  Each command is its own list; one line "status cycles" a command
 * goes to stdout.  OUT: the device memory afterwards.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accel/accel.h"

static void *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	void *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 &&
	    fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*len = (size_t)n;
	}
	fclose(f);
	return buf;
}

static int replay(struct accel_dev *dev, struct accel_bo *mem, FILE *cmds)
{
	struct accel_cmdlist *cl;
	char line[512];
	int ret, n = 0;

	ret = accel_cmdlist_create(dev, &cl);
	if (ret)
		return ret;
	while (fgets(line, sizeof(line), cmds)) {
		long long v[2 + CSA_CMD_ARGS + CSA_CMD_BUFS];
		uint32_t args[CSA_CMD_ARGS];
		struct accel_ref bufs[CSA_CMD_BUFS];
		struct accel_status st;
		char *p = line, *end;
		unsigned int i;

		for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
			errno = 0;
			v[i] = strtoll(p, &end, 10);
			if (end == p || errno) {
				fprintf(stderr, "csa-sim-replay: command %d: field %u missing or bad\n", n, i);
				ret = -EINVAL;
				goto out;
			}
			p = end;
		}
		for (i = 0; i < CSA_CMD_ARGS; i++)
			args[i] = (uint32_t)v[2 + i];
		for (i = 0; i < CSA_CMD_BUFS; i++) {
			long long b = v[2 + CSA_CMD_ARGS + i];

			if (b >= 0 && (uint64_t)b >= accel_bo_size(mem)) {
				fprintf(stderr, "csa-sim-replay: command %d: buffer %u at %lld past the image\n",
					n, i, b);
				ret = -ERANGE;
				goto out;
			}
			bufs[i] = b < 0 ? ACCEL_NO_REF : ACCEL_REF(mem, (uint64_t)b);
		}
		accel_cmdlist_reset(cl);
		ret = accel_cmd_raw(cl, (uint32_t)v[0], (uint32_t)v[1], args,
				    CSA_CMD_ARGS, bufs, CSA_CMD_BUFS);
		if (ret) {
			fprintf(stderr, "csa-sim-replay: command %d (opcode %lld) rejected: %s\n",
				n, v[0], accel_strerror(ret));
			goto out;
		}
		ret = accel_submit_wait(cl, ACCEL_WAIT_FOREVER, &st);
		if (ret && ret != -EIO) {
			fprintf(stderr, "csa-sim-replay: command %d: %s\n", n, accel_strerror(ret));
			goto out;
		}
		ret = 0;
		printf("%u %llu\n", st.status, (unsigned long long)st.cycles);
		n++;
	}
out:
	accel_cmdlist_destroy(cl);
	return ret;
}

int main(int argc, char **argv)
{
	struct accel_dev *dev = NULL;
	struct accel_bo *mem = NULL;
	char spec[128];
	size_t len = 0;
	void *image;
	FILE *cmds, *out;
	int ret;

	if (argc != 5) {
		fprintf(stderr, "usage: csa-sim-replay BOARD IMAGE COMMANDS OUT\n");
		return 2;
	}
	image = read_file(argv[2], &len);
	if (!image || len == 0 || len % 4096) {
		fprintf(stderr, "csa-sim-replay: %s: cannot read, or not a multiple of 4 KiB\n", argv[2]);
		return 1;
	}
	snprintf(spec, sizeof(spec), "sim:devmem=%zu,board=%s", len, argv[1]);
	ret = accel_open(spec, &dev);
	if (!ret)
		ret = accel_bo_alloc(dev, len, ACCEL_MEM_DEVICE, &mem);
	if (!ret)
		ret = accel_upload(mem, 0, image, len);
	if (ret) {
		fprintf(stderr, "csa-sim-replay: %s: %s\n", spec, accel_strerror(ret));
		accel_close(dev);
		return 1;
	}
	cmds = fopen(argv[3], "r");
	if (!cmds) {
		perror(argv[3]);
		accel_close(dev);
		return 1;
	}
	ret = replay(dev, mem, cmds);
	fclose(cmds);
	if (!ret)
		ret = accel_download(mem, 0, image, len);
	if (!ret) {
		out = fopen(argv[4], "wb");
		if (!out || fwrite(image, 1, len, out) != len || fclose(out)) {
			perror(argv[4]);
			ret = -EIO;
		}
	}
	accel_close(dev);
	free(image);
	return ret ? 1 : 0;
}
