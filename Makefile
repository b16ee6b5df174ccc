# Thin wrapper over CMake so the Quick start is two commands: make run, make check.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
BUILD       ?= build
CHECK_BUILD ?= build-check
GCC_BUILD   ?= build-gcc-check
JOBS        ?= $(shell nproc)
FUZZ_SECONDS ?= 600

.PHONY: all setup build run cli check test fuzz bench interop clean soak

all: build

setup:
	@bash scripts/setup

build: setup
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# `make run` starts the daemon on its default datadir (COFFER_DATADIR to change
# it; ARGS="--network regtest ..." adds flags). `make cli ARGS="..."` runs the
# coffer tool.
run: build
	@./$(BUILD)/cofferd --datadir $${COFFER_DATADIR:-$$HOME/.coffer} $(ARGS)

cli: build
	@./$(BUILD)/coffer $(if $(ARGS),$(ARGS),help)

# Sanitizer build with warnings as errors, every test, fuzz corpus replay.
check: setup
	@CC=clang cmake -S . -B $(CHECK_BUILD) -DCMAKE_BUILD_TYPE=Debug \
		-DCOFFER_SANITIZE=ON -DCOFFER_WERROR=ON -DCOFFER_FUZZ=ON >/dev/null
	@cmake --build $(CHECK_BUILD) -j $(JOBS) -- --no-print-directory
	@bash tests/interop/setup
	@bash tests/chaind/setup
	@rm -f $(CHECK_BUILD)/vectors.log
	@cd $(CHECK_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		COFFER_VECTOR_LOG=$(CURDIR)/$(CHECK_BUILD)/vectors.log \
		ctest --output-on-failure -j $(JOBS) | tee ctest.log
	@echo "== vector cases run, per file (../shared/vectors)"
	@sort $(CHECK_BUILD)/vectors.log 2>/dev/null | sed 's/^/  /' || true
	@echo "== gcc build, warnings as errors (the compiler make run and make bench use)"
	@CC=gcc cmake -S . -B $(GCC_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOFFER_WERROR=ON >/dev/null
	@cmake --build $(GCC_BUILD) -j $(JOBS) -- --no-print-directory | grep -E 'warning:|error:' || true
	@cmake --build $(GCC_BUILD) -j $(JOBS) >/dev/null
	@tail -n 3 $(CHECK_BUILD)/ctest.log | grep -E 'tests passed' || true

test: check

fuzz: setup
	@CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DCOFFER_SANITIZE=ON -DCOFFER_FUZZ=ON >/dev/null
	@cmake --build build-fuzz -j $(JOBS)
	@cd build-fuzz && COFFER_FUZZ_SECONDS=$(FUZZ_SECONDS) ctest -R '^fuzz_' --output-on-failure

# The payments crash tests at length: SOAK_PAYMENTS payments while the in-process worker is SIGKILLed and
# restarted, then SOAK_CRASHD payments while the real cofferd (and its signer) is. COFFER_CRASH_SEED=N replays
# a cofferd run (docs/TESTING.md).
SOAK_PAYMENTS ?= 400
SOAK_CRASHD ?= 1000
soak: setup
	@CC=clang cmake -S . -B $(CHECK_BUILD) -DCMAKE_BUILD_TYPE=Debug \
		-DCOFFER_SANITIZE=ON -DCOFFER_WERROR=ON -DCOFFER_FUZZ=ON >/dev/null
	@cmake --build $(CHECK_BUILD) -j $(JOBS) --target daemon_test_payments_crash daemon_test_payments_crashd \
		cofferd coffer-signer -- --no-print-directory
	@bash tests/chaind/setup
	@bash scripts/signer-user --if-root
	@cd $(CHECK_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 COFFER_SOAK=$(SOAK_PAYMENTS) ./daemon_test_payments_crash
	@cd $(CHECK_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 COFFER_SOAK=$(SOAK_CRASHD) ./daemon_test_payments_crashd

bench: build
	@bash bench/run $(BUILD)

clean:
	rm -rf $(BUILD) $(CHECK_BUILD) $(GCC_BUILD) build-fuzz
