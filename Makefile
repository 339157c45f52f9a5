# SPDX-License-Identifier: MIT
# Top-level entry points (see README.md):
#   make test      install deps, build, run the whole suite plain and under ASan+UBSan
#   make coverage  gcc --coverage build, the whole suite, line + branch report, floor check
#   make bench     install bench deps and peers, run the benchmark table (and bench-server)
#   make bench-server  the server under load: wrk against wristband serve, nginx and glewlwyd
#   make build     plain build only
#   make run       install deps, build, serve on http://127.0.0.1:8080 with ./data/wristband.db
JOBS ?= $(shell nproc)
CC ?= cc

.PHONY: all deps build build-asan test test-plain test-asan coverage bench bench-server format format-check clean run

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
	BENCH_SKIP_DEPS=1 bash bench/server.sh

# Not part of make test: wrk over loopback, server and wrk pinned to one core each (bench/server.sh).
bench-server: build
	bash bench/server.sh

# The server in the foreground (Ctrl-C stops it). The database, its key-encryption key and the
# first ES256 signing key are created under ./data on first start.
RUN_URL ?= 127.0.0.1:8080
run: build
	@echo "wristband: database ./data/wristband.db; create the first user in another terminal with"
	@echo "  echo 'a long password' | build/cli/wristband user add alice --role admin"
	@echo "then log in with"
	@echo "  curl -s -d grant_type=password -d username=alice -d 'password=a long password' http://$(RUN_URL)/oauth/token"
	build/cli/wristband serve --listen $(RUN_URL) --store sqlite:./data/wristband.db

clean:
	rm -rf build build-asan build-coverage
