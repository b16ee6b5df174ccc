# Thin wrapper over CMake so the Quick start is two commands: make run, make check.
BUILD       ?= build
CHECK_BUILD ?= build-check
JOBS        ?= $(shell nproc)
FUZZ_SECONDS ?= 600

.PHONY: all setup build run cli check test fuzz bench interop clean

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
	@cd $(CHECK_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest --output-on-failure -j $(JOBS)

test: check

fuzz: setup
	@CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DCOFFER_SANITIZE=ON -DCOFFER_FUZZ=ON >/dev/null
	@cmake --build build-fuzz -j $(JOBS)
	@cd build-fuzz && COFFER_FUZZ_SECONDS=$(FUZZ_SECONDS) ctest -R '^fuzz_' --output-on-failure

bench: build
	@bash bench/run $(BUILD)

clean:
	rm -rf $(BUILD) $(CHECK_BUILD) build-fuzz
