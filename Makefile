# SPDX-License-Identifier: GPL-2.0-only
#
# relaykit: development kit for net/relay, an in-kernel relay server, on
# User-Mode-Linux 6.1. See docs/build.md. `make help` lists the targets.

KIT := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
BUILD := $(KIT)/build
SHELL := /bin/bash

# Kernel builds use all cores themselves (-j$(nproc)); two at once would only
# fight over them and over the kit tree.
.NOTPARALLEL:

AGENT_SRC := $(KIT)/uml/guest/agent.c

# TOPO=NAME (uml/topology/NAME.topo) or a path, for run.
TOPO ?= default
TOPO_FILE = $(if $(findstring /,$(TOPO)),$(abspath $(TOPO)),$(KIT)/uml/topology/$(TOPO).topo)

# prepare TOPOLOGY-FILE: the kernels its guests boot, each only when stale,
# and the rootfs beside them (scripts/prepare.sh).
prepare = $(KIT)/scripts/prepare.sh $(1)

.PHONY: all help deps tree kernel kernel-debug kernel-release module menuconfig x86 x86-module \
	patch checkpatch rootfs agent relayctl run stop test check mutants reload gdb bench coverage soak \
	clean distclean

all: deps kernel-debug kernel-release rootfs agent relayctl

help:
	@echo 'relaykit targets (docs/build.md):'
	@echo '  all (default)   deps, kernel-debug, kernel-release, rootfs, agent, relayctl'
	@echo '  deps            install missing host packages (scripts/install-deps.sh)'
	@echo '  kernel          kernel-debug and kernel-release'
	@echo '  kernel-debug    build/uml-debug: KASAN, lockdep, kmemleak..., net_relay.ko'
	@echo '  kernel-release  build/uml-release: no debugging, net_relay built in'
	@echo '  module          only net_relay.ko of the debug kernel'
	@echo '  x86             build/x86: x86_64 kernel (bzImage) + net_relay.ko for QEMU guests'
	@echo '  menuconfig      edit build/uml-debug/.config (kept until uml/configs change)'
	@echo '  patch           dist/: patch series adding net/relay to a pristine 6.1'
	@echo '  checkpatch      checkpatch.pl --strict on net/relay and dist/'
	@echo '  rootfs agent    guest root file system, guest exec agent'
	@echo '  relayctl        build/relayctl: the net_relay netlink tool (relayctl/, docs/relayctl.8)'
	@echo '  run stop        start/stop the demo topology (uml/demo.sh; TOPO=x86: x86_64 relay)'
	@echo '  test            the test suite (tests/run.sh; TEST_JOBS=N|auto: in lanes, N UML topologies at once)'
	@echo '  check           the quick subset of the suite, for the edit loop'
	@echo '  mutants         plant the bugs of tests/mutants/, each must fail its tests (MUTANTS=03 ...)'
	@echo '  reload          rebuild and reload net_relay.ko in the running relay guest'
	@echo '  gdb             gdb on the relay guest'
	@echo '  bench           benchmarks (bench/bench.sh; TOPO=x86: x86_64 relay under QEMU; LINK=bridge|veth)'
	@echo '  coverage        suite + lcov report of net/relay (scripts/coverage.sh)'
	@echo '  soak            long mixed traffic, memory must stay flat (DURATION=30m)'
	@echo '  clean           kernels, agent, dist/; distclean: all of build/'

deps:
	@$(KIT)/scripts/install-deps.sh

tree:
	@$(KIT)/scripts/kernel-tree.sh

# Always handed to kbuild, which knows best what is out of date.
kernel-debug kernel-release: kernel-%:
	@$(KIT)/scripts/kernel-build.sh $*

kernel: kernel-debug kernel-release

module:
	@$(KIT)/scripts/kernel-build.sh debug net/relay/net_relay.ko

# x86_64 kernel for QEMU guests (docs/x86.md); always handed to kbuild too.
x86:
	@$(KIT)/scripts/kernel-build.sh x86

x86-module:
	@$(KIT)/scripts/kernel-build.sh x86 net/relay/net_relay.ko

menuconfig:
	@$(KIT)/scripts/kernel-tree.sh
	@$(KIT)/scripts/kernel-config.sh debug
	@$(MAKE) --no-print-directory -C $(BUILD)/linux-source-6.1 \
		O=$$($(KIT)/lib/kernel-kind.sh kernel_dir debug) ARCH=um menuconfig

patch:
	@$(KIT)/scripts/make-patch.sh

checkpatch: patch
	@$(KIT)/scripts/checkpatch.sh

# The rootfs script decides itself whether the image is up to date.
rootfs:
	@$(KIT)/rootfs-scripts/build-rootfs.sh

agent: $(BUILD)/agent
$(BUILD)/agent: $(AGENT_SRC)
	@mkdir -p $(BUILD)
	gcc -static -O2 -Wall -o $@ $<

# Every guest has it on PATH (uml/guest/init.sh links it); its Makefile
# knows what is out of date.
relayctl:
	@$(MAKE) --no-print-directory -C $(KIT)/relayctl O=$(BUILD)

# Only the kernels the topology boots (the default one: the debug kernel).
run: deps agent relayctl
	@$(call prepare,$(TOPO_FILE))
	$(KIT)/uml/demo.sh $(TOPO_FILE)

stop:
	$(KIT)/uml/stop-topology.sh

# The suite needs the debug kernel (relay guest) and the release kernel
# (client and server) to start: it builds the x86 kernel (RELAYKIT_X86=0:
# not at all) in the background while the UML tests run
# (tests/lib/prebuild.sh).
# TEST_JOBS=N: UML topologies at once (tests/run.sh -j: lanes beside the host
# and x86 ones; auto, the default: from the cores and the memory; 1: one
# lane). In lanes since the IPv6 twins: the tests' own times add up to 45
# minutes, the 45 a warm run must keep to (docs/testing.md).
TEST_JOBS ?= auto
test: deps agent relayctl
	@$(call prepare,$(KIT)/uml/topology/test.topo)
	$(KIT)/tests/run.sh -j $(TEST_JOBS)

# The edit loop's subset: the tests marked "# relaykit-test: quick".
check: deps agent relayctl
	@$(call prepare,$(KIT)/uml/topology/test.topo)
	$(KIT)/tests/run.sh -j auto --quick

# Mutation proof of the suite (tests/mutants.sh, docs/testing.md): each
# mutant is a module built against the debug kernel; MUTANTS= picks some.
mutants: deps agent relayctl
	@$(call prepare,$(KIT)/uml/topology/test.topo)
	$(KIT)/tests/mutants.sh $(MUTANTS)

# reload.sh builds the module of the guest's own kernel (debug or x86).
reload: deps
	$(KIT)/uml/reload.sh

gdb: deps
	@$(KIT)/scripts/kernel-build.sh --if-stale debug
	$(KIT)/uml/gdb.sh relay

# TOPO=x86: the relay guest on the x86_64 kernel under QEMU
# (uml/topology/bench-x86.topo, page docs/benchmarks-x86.md). LINK=bridge:
# Linux bridges and taps instead of uml_switch (docs/benchmarks-bridge.md);
# LINK=veth: veth pairs and UML's vector driver (docs/benchmarks-veth.md).
LINK ?= daemon
BENCH_TOPO = $(if $(filter x86,$(TOPO)),bench-x86,bench)
bench: deps agent relayctl
	@$(call prepare,$(KIT)/uml/topology/$(BENCH_TOPO).topo)
	BENCH_TOPO=$(BENCH_TOPO) BENCH_LINK=$(LINK) $(KIT)/bench/bench.sh

coverage: deps agent relayctl
	@$(call prepare,$(KIT)/uml/topology/test.topo)
	$(KIT)/scripts/coverage.sh

DURATION ?= 30m
soak: deps agent relayctl
	@$(call prepare,$(KIT)/tests/stability/stability.topo)
	$(KIT)/tests/stability/soak.sh -d $(DURATION)

clean:
	rm -rf $$($(KIT)/lib/kernel-kind.sh kernel_dirs_built) $(BUILD)/agent \
		$(BUILD)/relayctl $(BUILD)/relayctl.obj \
		$(BUILD)/relayctl-sanitize $(BUILD)/relayctl-sanitize.obj \
		$(BUILD)/log $(BUILD)/.make-patch.* $(KIT)/dist

# Also the kit tree and the rootfs image (slow to rebuild).
distclean: clean
	rm -rf $(BUILD)
