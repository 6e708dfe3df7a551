SHELL := /bin/bash
# HomeGateway: the two commands that matter are `make run` (the demo) and `make test` (every test).
# Both work on a fresh Debian 12 machine with only the .NET 10 SDK: they restore, build and install what they need.

CONFIGURATION ?= Release
DOTNET ?= dotnet
BIN := artifacts/bin
CFG := $(shell echo $(CONFIGURATION) | tr A-Z a-z)
GATEWAY_DLL := $(BIN)/HomeGateway.Gateway/$(CFG)/homegateway.dll
DISPATCH_DLL := $(BIN)/HomeGateway.Dispatch/$(CFG)/homegateway-dispatch.dll
SIM_DLL := $(BIN)/HomeGateway.Simulator/$(CFG)/homegateway-sim.dll
export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE := 1

.PHONY: all build run test test-hardware fuzz bench bench-micro clean publish-arm64 publish-arm publish-host

all: build

build:
	$(DOTNET) build HomeGateway.sln -c $(CONFIGURATION) -nologo -v minimal

# The demo: dispatch + a gateway + a simulated home on 127.0.0.1, until Ctrl-C.
run: build
	$(DOTNET) $(SIM_DLL) demo --gateway $(GATEWAY_DLL) --dispatch $(DISPATCH_DLL) --work artifacts/demo

# The device build: `homegateway` compiled ahead of time (NativeAOT) into one native executable for linux-arm64 (Pi 3/4/5,
# Zero 2 W on 64-bit Pi OS) in artifacts/publish/linux-arm64/, beside the native SQLite it loads; cross-compiled here with
# Debian's clang and lld (tests/install-test-deps --publish installs them). The symbols (homegateway.dbg) go to
# artifacts/symbols/<rid>/: kept for crash dumps, never copied to a device. src/HomeGateway.Gateway/README.md says more.
# publish-arm: 32-bit Pi OS, which .NET's NativeAOT does not support: trimmed and ReadyToRun-compiled instead.
PUBLISH := artifacts/publish
SYMBOLS := artifacts/symbols
define publish_device
	tests/install-test-deps --publish
	rm -rf $(PUBLISH)/$(1)
	$(DOTNET) publish src/HomeGateway.Gateway -c Release -r $(1) -o $(PUBLISH)/$(1) -nologo -v minimal
	@mkdir -p $(SYMBOLS)/$(1); if ls $(PUBLISH)/$(1)/*.dbg >/dev/null 2>&1; then mv -f $(PUBLISH)/$(1)/*.dbg $(SYMBOLS)/$(1)/; fi
	@rm -f $(PUBLISH)/$(1)/*.pdb
endef
publish-arm64:
	$(call publish_device,linux-arm64)

publish-arm:
	$(DOTNET) publish src/HomeGateway.Gateway -c Release -r linux-arm --self-contained -o $(PUBLISH)/linux-arm -nologo -v minimal

# The same device build for this machine (linux-x64 here): what `make bench` measures and the process tests run.
HOST_RID := linux-$(shell uname -m | sed 's/x86_64/x64/; s/aarch64/arm64/')
publish-host:
	$(call publish_device,$(HOST_RID))

# Every test, in-process and across real processes. Fails when a test fails or is skipped.
# Tests that need the Raspberry Pi rig (Category=Hardware, see hardware/README.md) run with `make test-hardware`.
# Both device builds first: the arm64 one runs under qemu (Device/ArmBuildTests), the host one is the gateway of the
# process tests (the demo, kill -9, delivery).
# The fuzz targets (Category=Fuzz) run here too, bounded (a few thousand seeded inputs each); their counts are printed at the end.
test: build publish-arm64 publish-host
	tests/install-test-deps
	@mkdir -p artifacts/test; rm -f artifacts/test/fuzz.txt
	HOMEGATEWAY_FUZZ_REPORT=$(CURDIR)/artifacts/test/fuzz.txt \
	$(DOTNET) test HomeGateway.sln -c $(CONFIGURATION) --no-build -nologo --filter "Category!=Hardware" \
		--logger "console;verbosity=normal" --results-directory artifacts/test 2>&1 | tee artifacts/test/output.log; \
	status=$${PIPESTATUS[0]}; \
	if [ -f artifacts/test/fuzz.txt ]; then sort artifacts/test/fuzz.txt; fi; \
	tests/summarize-results artifacts/test/output.log; summary=$$?; \
	if [ $$status -ne 0 ]; then exit $$status; fi; exit $$summary

# Long fuzz runs: every fuzz target with FUZZ_INPUTS inputs (default 100,000) and FUZZ_SEED (default: the tests' fixed seed).
# A failure names the seed and the input; rerun with that seed to reproduce it.
FUZZ_INPUTS ?= 100000
FUZZ_SEED ?=
fuzz: build
	@mkdir -p artifacts/fuzz; rm -f artifacts/fuzz/report.txt
	HOMEGATEWAY_FUZZ_INPUTS=$(FUZZ_INPUTS) HOMEGATEWAY_FUZZ_SEED=$(FUZZ_SEED) HOMEGATEWAY_FUZZ_REPORT=$(CURDIR)/artifacts/fuzz/report.txt \
	$(DOTNET) test HomeGateway.sln -c $(CONFIGURATION) --no-build -nologo --filter "Category=Fuzz" \
		--logger "console;verbosity=normal" --results-directory artifacts/fuzz; \
	status=$$?; sort artifacts/fuzz/report.txt 2>/dev/null; exit $$status

# Only the tests for the real Pi rig (jumpers BCM 5->6 and 13->19): run on the Pi itself.
test-hardware: build
	$(DOTNET) test tests/HomeGateway.Gateway.Tests -c $(CONFIGURATION) --no-build -nologo --filter "Category=Hardware" \
		--logger "console;verbosity=normal"

# Speed and size measured, never asserted (tests/HomeGateway.Benchmarks/README.md): every scenario of the suite against the
# built product and, side by side, Node-RED (installed from npm into artifacts/bench/node-red by the bench itself).
# Writes artifacts/bench/latest.json and latest.md and prints the table. BENCH_ARGS passes options, e.g.
# BENCH_ARGS="--only fanIn --gateways 20000" or "--quick" (a smoke run); `--help` lists them.
# bench-micro: the BenchmarkDotNet micro-benchmarks (MICRO_ARGS, e.g. "--filter '*Rules*' --job short").
BENCH_ARGS ?=
MICRO_ARGS ?= --filter '*'
bench: build publish-host publish-arm64
	tests/install-test-deps --bench
	$(DOTNET) artifacts/bin/HomeGateway.Benchmarks/$(CFG)/HomeGateway.Benchmarks.dll $(BENCH_ARGS)

bench-micro: build
	$(DOTNET) artifacts/bin/HomeGateway.Benchmarks/$(CFG)/HomeGateway.Benchmarks.dll micro $(MICRO_ARGS) --artifacts artifacts/bench/micro

clean:
	rm -rf artifacts
