#!/bin/sh
# Install everything CSA needs on a fresh Debian 12 machine (run as root).
# Only Debian's own archive is used; the kernel and QEMU sources that the VM
# test needs are fetched later into a private cache (scripts/fetch-kernel.sh,
# qemu-device/build-qemu.sh) without changing the machine's apt sources.
set -eu
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps.sh: run as root (apt-get install needs it)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
pkgs="build-essential clang llvm pkg-config git ca-certificates \
libcunit1-dev libdrm-dev libpci-dev pciutils libmicrohttpd-dev libjson-c-dev curl \
sparse kmod cpio xz-utils zstd busybox-static \
meson ninja-build python3 libglib2.0-dev libpixman-1-dev libfdt-dev ccache dpkg-dev \
qemu-system-data seabios ipxe-qemu \
bc flex bison libelf-dev libssl-dev dwarves"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing
fi
# Optional, not installed here (nothing in make check needs it): re-training
# the ConSmax twins (scripts/train_consmax.py, models/consmax260K) takes
#   apt-get install python3-torch libopenblas0-serial
echo "install-deps: all packages present"
