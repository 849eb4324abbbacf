# Mica: build, run, debug, grade and test. `make help` lists the targets.

CPUS ?= 2
MEM ?= 128M
LAB ?= $(shell cat labs/CURRENT 2>/dev/null || echo boot)
BUILD := build

# ---- tools ----
# The cross toolchain: the first of the usual prefixes that has a gcc.
ifndef TOOLPREFIX
TOOLPREFIX := $(shell for p in riscv64-unknown-elf- riscv64-elf- riscv64-linux-gnu- riscv64-none-elf-; do \
	if command -v $${p}gcc >/dev/null 2>&1; then echo $$p; break; fi; done)
endif
CC := $(TOOLPREFIX)gcc
LD := $(TOOLPREFIX)ld
OBJCOPY := $(TOOLPREFIX)objcopy
NM := $(TOOLPREFIX)nm
QEMU ?= qemu-system-riscv64
QEMU_MIN := 6.2

# OpenSBI: the distribution's fw_jump.bin if there is one, else QEMU's own.
OPENSBI ?= $(firstword $(wildcard \
	/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin \
	/usr/share/opensbi/lp64/generic/firmware/fw_jump.bin \
	/usr/share/opensbi/generic/firmware/fw_jump.bin))
BIOS := $(if $(OPENSBI),$(OPENSBI),default)

# The kernel is built without floating point (it never uses the FPU; fp.c
# switches the users'); user code has the F and D extensions and the
# hard-float ABI.
ARCH := -march=rv64imac_zicsr_zifencei -mabi=lp64 -mcmodel=medany
UARCH := -march=rv64imafdc_zicsr_zifencei -mabi=lp64d -mcmodel=medany
CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -ffreestanding -fno-common \
	-fno-builtin -fno-stack-protector -fno-pie -fno-omit-frame-pointer -Iinclude -MMD -MP
# KTRACE=0 builds the kernel without the IPC trace (the bench compares the two).
KTRACE ?= 1
KCFLAGS := $(ARCH) $(CFLAGS) -Ikernel
UCFLAGS := $(UARCH) $(CFLAGS) -Iuser/lib
LDFLAGS := -nostdlib -z max-page-size=4096 --no-warn-rwx-segments
LIBGCC := $(shell $(CC) $(ARCH) -print-libgcc-file-name 2>/dev/null)
# A hard-float libgcc for user code: the first multilib with lp64d (Debian's
# riscv64-unknown-elf has rv64iafd/lp64d, not rv64imafdc), else the default.
ULIBGCC := $(shell for m in rv64imafdc rv64iafd rv64ifd; do \
	case "$$($(CC) -march=$$m -mabi=lp64d -print-multi-directory 2>/dev/null)" in \
	(*lp64d*) $(CC) -march=$$m -mabi=lp64d -print-libgcc-file-name; exit;; esac; done; \
	$(CC) $(UARCH) -print-libgcc-file-name 2>/dev/null)

# ---- the kernel ----
KSRCS := $(wildcard kernel/*.c) $(wildcard kernel/*.S)
KOBJS := $(patsubst kernel/%,$(BUILD)/kernel/%.o,$(KSRCS))

# ---- user programs: one per .c in user/ and user/tests/, plus the library ----
ULIB_SRCS := $(wildcard user/lib/*.c) $(wildcard user/lib/*.S)
ULIB_OBJS := $(patsubst user/lib/%,$(BUILD)/user/lib/%.o,$(ULIB_SRCS)) \
	$(BUILD)/user/lib/fmt.c.o $(BUILD)/user/lib/string.c.o
UPROGS := $(patsubst user/%.c,$(BUILD)/user/%,$(wildcard user/*.c)) \
	$(patsubst user/tests/%.c,$(BUILD)/user/%,$(wildcard user/tests/*.c))
# Programs of user/bin/ live only on the disk, in /bin (the others are in
# the boot archive too: what must run before the file system, and the
# tests of the labs before lab fs).
DISKPROGS := $(patsubst user/bin/%.c,$(BUILD)/user/%,$(wildcard user/bin/*.c))

# ---- servers: one program per folder of servers/, from all its .c files ----
SERVERS := $(patsubst servers/%/main.c,%,$(wildcard servers/*/main.c))
SERVER_BINS := $(patsubst %,$(BUILD)/sbin/%,$(SERVERS))

FSIMG ?= $(BUILD)/fs.img

QEMUOPTS = -machine virt -bios $(BIOS) -m $(MEM) -smp $(CPUS) -nographic \
	-kernel $(BUILD)/kernel.elf \
	-global virtio-mmio.force-legacy=false \
	-drive file=$(FSIMG),if=none,format=raw,id=fsdisk \
	-device virtio-blk-device,drive=fsdisk,serial=fs $(QEMUEXTRA)

.SECONDARY:
.PHONY: srvfuzz restarttest trace gradescope labs-check lab-tree lab-repo crashtest fs-reset all qemu qemu-gdb grade test bench fuzz clean check-tools check-qemu print-qemu print-nm help handin
all: check-tools $(BUILD)/kernel.elf $(FSIMG) $(BUILD)/host/fsck

help:
	@echo "make            build the kernel and the user programs"
	@echo "make qemu       boot Mica in QEMU (CPUS=$(CPUS); CPUS=n to change; quit: Ctrl-A x)"
	@echo "make qemu-gdb   boot and wait for gdb-multiarch on a free port"
	@echo "make grade      grade lab LAB=$(LAB) (make grade LAB=vm ...)"
	@echo "make test       every test: host tests, QEMU tests, all labs' grades"
	@echo "make bench      instruction counts of the kernel's hot paths -> bench.json"
	@echo "make fuzz       the system call fuzzer (SEED=s N=calls CPUS=c)"
	@echo "make srvfuzz    random messages to the servers (SERVER=fs N=1000000 SEED=s; all: no SERVER)"
	@echo "make restarttest crash and kill the console and fs servers N=50 times each"
	@echo "make trace      run CMD=\"...\" under the IPC trace -> trace-out/ (json, svg, txt)"
	@echo "make labs-check the lab integrity rule: every lab's starting tree, as a table"
	@echo "make lab-tree   the starting tree of lab LAB in DEST=<dir>"
	@echo "make lab-repo   a git repository with a branch per lab in DEST=<dir>"
	@echo "make crashtest  crash the disk at POINTS=n points (and STOPS=k real stops), check it"
	@echo "make handin     pack the last commit for submission: handin-LAB.tar.gz"
	@echo "make gradescope the Gradescope autograder of lab LAB: build/gradescope-LAB.zip"
	@echo "make fs-reset   a fresh disk image (build/fs.img): files made in QEMU are lost"
	@echo "make clean      remove build/"

check-tools:
	@if [ -z "$(TOOLPREFIX)" ] || ! command -v $(CC) >/dev/null 2>&1; then \
	  echo "*** No RISC-V cross compiler found (tried riscv64-unknown-elf-, riscv64-elf-, riscv64-linux-gnu-)."; \
	  echo "*** Install one, or name it with TOOLPREFIX=...:"; \
	  echo "***   Debian/Ubuntu: sudo apt-get install gcc-riscv64-unknown-elf"; \
	  echo "***   Fedora:        sudo dnf install gcc-riscv64-linux-gnu"; \
	  echo "***   Arch:          sudo pacman -S riscv64-elf-gcc"; \
	  echo "***   macOS:         brew tap riscv-software-src/riscv && brew install riscv-tools"; \
	  exit 1; fi

check-qemu:
	@if ! command -v $(QEMU) >/dev/null 2>&1; then \
	  echo "*** $(QEMU) not found. Install QEMU $(QEMU_MIN) or newer:"; \
	  echo "***   Debian/Ubuntu: sudo apt-get install qemu-system-misc opensbi"; \
	  echo "***   Fedora:        sudo dnf install qemu-system-riscv"; \
	  echo "***   Arch:          sudo pacman -S qemu-system-riscv"; \
	  echo "***   macOS:         brew install qemu"; \
	  exit 1; fi
	@v=$$($(QEMU) --version | sed -n 's/.*version \([0-9]*\.[0-9]*\).*/\1/p'); \
	if [ "$$(printf '%s\n%s\n' "$(QEMU_MIN)" "$$v" | sort -V | head -n1)" != "$(QEMU_MIN)" ]; then \
	  echo "*** QEMU $$v is too old: Mica needs $(QEMU_MIN) or newer."; exit 1; fi

$(BUILD)/kernel/%.c.o: kernel/%.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(KCFLAGS) -DMICA_TRACE=$(KTRACE) -c $< -o $@

$(BUILD)/kernel/%.S.o: kernel/%.S
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(KCFLAGS) -DMICA_TRACE=$(KTRACE) -c $< -o $@

$(BUILD)/user/lib/%.c.o: user/lib/%.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(UCFLAGS) -c $< -o $@

# The user library shares the formatter and string functions with the kernel.
$(BUILD)/user/lib/fmt.c.o $(BUILD)/user/lib/string.c.o: $(BUILD)/user/lib/%.c.o: kernel/%.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(UCFLAGS) -c $< -o $@

$(BUILD)/user/lib/%.S.o: user/lib/%.S
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(UCFLAGS) -c $< -o $@

$(BUILD)/user/%.o: user/%.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(UCFLAGS) -c $< -o $@

$(BUILD)/user/%.o: user/tests/%.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(UCFLAGS) -c $< -o $@

$(BUILD)/user/%.o: user/bin/%.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(UCFLAGS) -c $< -o $@

$(BUILD)/user/%: $(BUILD)/user/%.o $(ULIB_OBJS) user/lib/user.ld
	@echo "  LD      $@"
	@$(LD) $(LDFLAGS) -T user/lib/user.ld -o $@ $< $(ULIB_OBJS) $(ULIBGCC)

$(BUILD)/servers/%.o: servers/%.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(UCFLAGS) -Iservers/$(firstword $(subst /, ,$*)) -c $< -o $@

.SECONDEXPANSION:
$(BUILD)/sbin/%: $$(addprefix $(BUILD)/,$$(subst .c,.o,$$(wildcard servers/$$*/*.c))) $(ULIB_OBJS) user/lib/user.ld
	@mkdir -p $(@D)
	@echo "  LD      $@"
	@$(LD) $(LDFLAGS) -T user/lib/user.ld -o $@ $(filter %.o,$^) $(ULIBGCC)

# The boot archive: every server and user program, linked into the kernel image.
$(BUILD)/bootfs.S: $(SERVER_BINS) $(UPROGS) kernel/mkbootfs.sh
	@sh kernel/mkbootfs.sh $(SERVER_BINS) $(UPROGS) > $@

$(BUILD)/bootfs.o: $(BUILD)/bootfs.S
	@echo "  CC      $<"
	@$(CC) $(KCFLAGS) -c $< -o $@

# Two links: the first without a symbol table, then its function symbols
# become the table built into the second. The table sits after all code,
# so code addresses must be equal in both links; the check makes sure.
# $(1): the kernel's objects.
define link_kernel
	@echo "  LD      $@"
	@printf '\t.section .ksyms, "a"\n\t.balign 8\n\t.globl ksyms_table, ksyms_count\nksyms_table:\nksyms_count: .quad 0\n' > $@.ksyms0.S
	@$(CC) $(KCFLAGS) -c $@.ksyms0.S -o $@.ksyms0.o
	@$(LD) $(LDFLAGS) -T kernel/kernel.ld -o $@.tmp $(1) $(BUILD)/bootfs.o $@.ksyms0.o $(LIBGCC)
	@$(NM) -n $@.tmp | sh kernel/mksyms.sh > $@.ksyms.S
	@$(CC) $(KCFLAGS) -c $@.ksyms.S -o $@.ksyms.o
	@$(LD) $(LDFLAGS) -T kernel/kernel.ld -o $@ $(1) $(BUILD)/bootfs.o $@.ksyms.o $(LIBGCC)
	@$(NM) -n $@.tmp | grep -i ' t ' > $@.syms1; \
	 $(NM) -n $@ | grep -i ' t ' > $@.syms2; \
	 cmp -s $@.syms1 $@.syms2 || { echo "kernel: code moved between links"; rm -f $@; exit 1; }
endef

$(BUILD)/kernel.elf: $(KOBJS) $(BUILD)/bootfs.o kernel/kernel.ld kernel/mksyms.sh
	$(call link_kernel,$(KOBJS))

# The kernel without the IPC trace (MICA_TRACE=0): make bench measures
# what the trace costs when it is off against it.
KOBJS_NOTRACE := $(patsubst kernel/%,$(BUILD)/kernel-notrace/%.o,$(KSRCS))
$(BUILD)/kernel-notrace/%.o: kernel/%
	@mkdir -p $(@D)
	@echo "  CC      $< (no trace)"
	@$(CC) $(KCFLAGS) -DMICA_TRACE=0 -c $< -o $@

$(BUILD)/kernel-notrace.elf: $(KOBJS_NOTRACE) $(BUILD)/bootfs.o kernel/kernel.ld kernel/mksyms.sh
	$(call link_kernel,$(KOBJS_NOTRACE))

# The disk: every program in /bin. Rebuilt when a program changes, keeping
# the files a user made in it (mkfs --keep); `make fs-reset` starts afresh.
FS_BLOCKS ?= 8192
$(BUILD)/fs.img: $(UPROGS) $(DISKPROGS) $(BUILD)/host/mkfs
	@echo "  MKFS    $@"
	@$(BUILD)/host/mkfs -b $(FS_BLOCKS) $(if $(wildcard $@),--keep $@) $@ \
	  $(foreach p,$(UPROGS) $(DISKPROGS),/bin/$(notdir $(p))=$(p)) >/dev/null

fs-reset:
	rm -f $(BUILD)/fs.img
	@$(MAKE) -s $(BUILD)/fs.img

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# ---- running ----
# TRACE=1: the kernel records its IPC trace from boot (^\ prints it).
qemu: all check-qemu
	$(QEMU) $(QEMUOPTS) $(if $(filter 1,$(TRACE)),-append trace)

# A free TCP port for the GDB stub, and a .gdbinit that attaches to it.
GDBPORT = $(shell python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

qemu-gdb: all check-qemu
	@port=$(GDBPORT); \
	printf 'set confirm off\nset architecture riscv:rv64\nfile $(BUILD)/kernel.elf\nsource grade/gdbmica.py\ntarget remote 127.0.0.1:%s\n' $$port > .gdbinit; \
	echo "*** GDB stub on port $$port. In another terminal in this directory run: gdb-multiarch"; \
	echo "*** (if gdb refuses .gdbinit: add 'add-auto-load-safe-path $(CURDIR)/.gdbinit' to ~/.gdbinit)"; \
	$(QEMU) $(QEMUOPTS) -S -gdb tcp:127.0.0.1:$$port

# The exact command the graders run (they copy build/ files first).
print-qemu:
	@echo $(QEMU) $(QEMUOPTS)

print-nm:
	@echo $(NM)

# ---- grading and tests ----
grade: all
	@python3 grade/grade-$(LAB).py $(GRADEFLAGS)

test: all check-qemu $(BUILD)/kernel-notrace.elf $(BUILD)/host/fdt_test $(BUILD)/host/mkfs $(BUILD)/host/fsck
	@python3 grade/runtests.py

include grade/host/host.mk

# A command run under the IPC trace: make trace CMD="wc /bin/echo"
trace: all check-qemu
	@python3 grade/tracerun.py --cpus $(CPUS) -- "$$CMD"

bench: all check-qemu $(BUILD)/kernel-notrace.elf
	@python3 grade/bench.py

# The lab integrity rule for every lab, as a table (make test runs it too).
labs-check: all check-qemu
	@python3 grade/labscheck.py

# The starting tree of one lab: make lab-tree LAB=ipc DEST=../ipc-start
lab-tree:
	@test -n "$(DEST)" || { echo "make lab-tree: say where: DEST=<dir>"; exit 2; }
	@python3 labs/mklab.py $(LAB) $(DEST)

# The lab repository: one branch per lab, for students to merge lab by lab:
# make lab-repo DEST=../mica-labs
lab-repo:
	@test -n "$(DEST)" || { echo "make lab-repo: say where: DEST=<dir>"; exit 2; }
	@python3 labs/mkrepo.py $(DEST)

# The crash test: make crashtest POINTS=n (crash points replayed) STOPS=k
POINTS ?= 1000
STOPS ?= 10
crashtest: all check-qemu $(BUILD)/host/fsck
	@python3 grade/crashtest.py --points $(POINTS) --stops $(STOPS)

# The system call fuzzer: make fuzz SEED=s N=calls CPUS=c
SEED ?= 1
N ?= 20000
fuzz: all check-qemu
	@python3 grade/fuzz.py --seed $(SEED) --calls $(N) --cpus $(CPUS)

# Random and malformed messages to the servers (user/tests/srvfuzz.c):
# make srvfuzz SERVER=fs N=messages SEED=s; every server if SERVER is empty.
srvfuzz: all check-qemu
	@python3 grade/srvfuzz.py $(if $(SERVER),--server $(SERVER)) --seed $(SEED) --cpus $(CPUS) \
	  --messages $(if $(filter command line environment,$(origin N)),$(N),1000000)

# Servers crashed and killed N times each under load (docs/restart.md).
restarttest: all check-qemu
	@python3 grade/restarttest.py --rounds $(if $(filter command line environment,$(origin N)),$(N),50) --cpus $(CPUS)

# A submission: the last commit of the tree, packed so an autograder can
# unpack it and grade it. Uncommitted changes are refused: what is handed
# in is what git holds, so the student can say which commit it was.
handin:
	@git rev-parse --git-dir >/dev/null 2>&1 || { echo "make handin: not a git checkout (run git init; git add -A; git commit first)"; exit 1; }
	@if [ -n "$$(git status --porcelain --untracked-files=normal -- . ':!handin-*')" ]; then \
	  echo "make handin: the tree has changes that are not committed:"; \
	  git status --short -- . ':!handin-*' | head -20; \
	  echo "commit them (git add -A && git commit) and run make handin again"; exit 1; fi
	@git archive --format=tar.gz -o handin-$(LAB).tar.gz HEAD
	@echo "wrote handin-$(LAB).tar.gz: commit $$(git rev-parse --short HEAD), $$(tar tzf handin-$(LAB).tar.gz | wc -l) files"

# The Gradescope autograder of one lab: build/gradescope-LAB.zip, to upload
# as the assignment's autograder (docs/instructors.md).
gradescope:
	@rm -rf $(BUILD)/gradescope && mkdir -p $(BUILD)/gradescope/mica
	@cp grade/autograder/setup.sh grade/autograder/run_autograder $(BUILD)/gradescope/
	@echo $(LAB) > $(BUILD)/gradescope/lab
	@python3 -c 'import sys; sys.path.insert(0, "labs"); import mklab; print("\n".join(mklab.tracked_files(".")))' | \
	  tar cf - -T - | tar xf - -C $(BUILD)/gradescope/mica
	@rm -f $(BUILD)/gradescope-$(LAB).zip
	@cd $(BUILD)/gradescope && python3 -c 'import os, sys, zipfile; z = zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED); [z.write(os.path.join(d, f), os.path.relpath(os.path.join(d, f), ".")) for d, _, fs in os.walk(".") for f in fs]; z.close()' ../gradescope-$(LAB).zip
	@echo "wrote $(BUILD)/gradescope-$(LAB).zip (autograder for lab $(LAB))"

clean:
	rm -rf $(BUILD) grade-out trace-out bench.json .gdbinit handin-*.tar.gz
