# Two commands do everything on a fresh Debian bookworm machine:
#   make run    builds pilesim (Release) and runs the default scenario (scenarios/happy_path.yaml)
#   make test   builds everything and runs every test (Release suite + the sim, contract, pile, server and
#               agent suites again under ASan/UBSan)
# Both install missing Debian packages first (tools/install-deps.sh; needs root or sudo).

BUILD      ?= build/release
ASAN_BUILD ?= build/asan
JOBS       ?= $(shell nproc)
CMAKE_GEN  := -G Ninja

.PHONY: run test build deps bench clean

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

test: build $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS) --target test_sim test_contract test_pile test_server test_agent
	cd $(ASAN_BUILD) && ctest --output-on-failure -R '^(sim|contract|pile|server|agent)$$'
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

bench: build
	$(BUILD)/tools/pilesim bench kernel
	$(BUILD)/tools/pilesim bench sessions

clean:
	rm -rf build
