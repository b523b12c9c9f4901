# Two commands do everything on a fresh Debian bookworm machine:
#   make run    builds pilesim (Release) and runs the default scenario (scenarios/happy_path.yaml)
#   make test   builds everything and runs every test: the Release suite, the whole suite again under
#               ASan/UBSan, and each libFuzzer target for FUZZ_CI_SECONDS on its corpus
# Both install missing Debian packages first (tools/install-deps.sh; needs root or sudo).
#   make fuzz   runs each libFuzzer target for FUZZ_SECONDS (fuzz/README.md)

BUILD      ?= build/release
ASAN_BUILD ?= build/asan
FUZZ_BUILD ?= build/fuzz
JOBS       ?= $(shell nproc)
CMAKE_GEN  := -G Ninja
FUZZ_SECONDS    ?= 60
FUZZ_CI_SECONDS ?= 25
FUZZ_TARGETS    := fuzz_ble fuzz_http fuzz_loader fuzz_token
CLANGXX         ?= clang++-14

.PHONY: run test build deps bench clean fuzz fuzz-build fuzz-corpus deb install

deps:
	@tools/install-deps.sh

$(BUILD)/build.ninja: | deps
	cmake -S . -B $(BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

run: build
	$(BUILD)/tools/pilesim run scenarios/happy_path.yaml

$(ASAN_BUILD)/build.ninja: | deps
	cmake -S . -B $(ASAN_BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug -DPILESIM_SANITIZE=ON

# The whole ctest suite again under ASan + UBSan (unit suites, CLI and serve tests, every scenario, the layering
# probes), then each fuzz target for FUZZ_CI_SECONDS.
test: build $(ASAN_BUILD)/build.ninja fuzz-build
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS)
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	tools/run_fuzzers.sh $(FUZZ_BUILD) $(FUZZ_CI_SECONDS)

$(FUZZ_BUILD)/build.ninja: | deps
	cmake -S . -B $(FUZZ_BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=$(CLANGXX) \
	  -DPILESIM_FUZZ=ON -DPILESIM_TESTS=OFF -DPILESIM_MIMALLOC=OFF

fuzz-build: $(FUZZ_BUILD)/build.ninja
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target $(FUZZ_TARGETS)

fuzz: fuzz-build
	tools/run_fuzzers.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

# Records the checked-in seed corpora again from the traffic of a few scenarios (fuzz/record_corpus.cpp); the
# few keep the corpora small (about 55 KB), the fuzzers find the rest.
CORPUS_SCENARIOS := happy_path cancel stop_at_cap fault_ble_lossy_duplicating fault_duplicated_start \
                    fault_retries_race_receipt reservation_conflict no_show_expiry insufficient_balance
fuzz-corpus: build
	rm -rf fuzz/corpus
	$(BUILD)/fuzz/pilesim_record_corpus fuzz/corpus $(foreach s,$(CORPUS_SCENARIOS),scenarios/$(s).yaml)

# Debian packages of the Release build in $(BUILD): pilesim_VERSION_ARCH.deb (the command, its man page and bash
# completion) and libpilesim-dev_VERSION_ARCH.deb (headers, static libraries, CMake package; cmake/install.cmake).
deb: build
	cd $(BUILD) && cpack -G DEB

# Installs the Release build under PREFIX (default /usr/local).
PREFIX ?= /usr/local
install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

bench: build
	$(BUILD)/tools/pilesim bench kernel
	$(BUILD)/tools/pilesim bench sessions
	$(BUILD)/tools/pilesim bench scale

clean:
	rm -rf build
