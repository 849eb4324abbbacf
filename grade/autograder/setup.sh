#!/usr/bin/env bash
# Gradescope runs this once, as root, on its Ubuntu image, when the
# autograder is uploaded: the packages Mica needs to build and boot.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y gcc-riscv64-unknown-elf binutils-riscv64-unknown-elf qemu-system-misc \
	opensbi gdb-multiarch python3 make gcc libc6-dev git
# The grader's copy of Mica (source/mica, from `make gradescope`) builds its
# host tools once here, so that grading a submission does not have to.
cd /autograder/source/mica
make -s build/host/mkfs build/host/fsck
