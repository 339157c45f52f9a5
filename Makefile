# SPDX-License-Identifier: MIT
# Top-level entry points (see README.md):
#   make test      install deps, build, run the whole suite plain and under ASan+UBSan
#   make coverage  gcc --coverage build, the whole suite, line + branch report, floor check
#   make bench     install bench deps and peers, run the benchmark table
#   make build     plain build only
JOBS ?= $(shell nproc)
CC ?= cc

.PHONY: all deps build build-asan test test-plain test-asan coverage bench format format-check clean

all: build

# Quiet and instant when everything is installed (install-deps.sh asks dpkg once, no apt-get).
deps:
	@bash scripts/install-deps.sh

build: deps
	cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build build -j$(JOBS)

build-asan: deps
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DWB_SANITIZE=ON -DCMAKE_C_COMPILER=clang >/dev/null
	cmake --build build-asan -j$(JOBS)

test-plain: build
	cd build && ctest --output-on-failure -j$(JOBS)

test-asan: build-asan
	cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j$(JOBS) -LE no-asan

test: test-plain test-asan format-check

# Not part of make test: build-coverage/, summary on the terminal, HTML in build-coverage/html/.
coverage:
	@bash scripts/install-deps.sh --coverage
	JOBS=$(JOBS) bash scripts/coverage.sh

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

format-check:
	clang-format --dry-run -Werror $$(git ls-files '*.c' '*.h')

bench: build
	bash bench/run.sh

clean:
	rm -rf build build-asan build-coverage
