# The README's entry points:
#   make demo   set up, build, and run the main job
#   make test   set up, build (CPU and CUDA backends), run every non-slow test
# Helpers: make build, make bench, make clean.
# CI (CI=true): warnings are errors and CUDA device code is built for sm_80
# and sm_90 only, to fit the 2-core build budget.

BUILD_DIR ?= build
CMAKE_ARGS ?=
ifneq ($(CI),)
  CMAKE_ARGS += -DYOLO_WERROR=ON "-DCMAKE_CUDA_ARCHITECTURES=80;90"
endif
CTEST_ARGS ?= -LE slow --output-on-failure -j2

.PHONY: deps build test demo bench clean

deps:
	@tools/setup-deps.sh --check 2>/dev/null || tools/setup-deps.sh

build: deps
	@start=$$(date +%s); \
	mkdir -p $(BUILD_DIR); \
	cmake -S . -B $(BUILD_DIR) -G Ninja $(CMAKE_ARGS) -Wno-dev >$(BUILD_DIR)/configure.log 2>&1 \
	  || { cat $(BUILD_DIR)/configure.log; exit 1; }; \
	grep -E "backends built|CUDA backend" $(BUILD_DIR)/configure.log; \
	cmake --build $(BUILD_DIR) || exit 1; \
	echo "build: $$(( $$(date +%s) - start )) s"

test: build
	@start=$$(date +%s); \
	ctest --test-dir $(BUILD_DIR) $(CTEST_ARGS); status=$$?; \
	echo "tests: $$(( $$(date +%s) - start )) s"; exit $$status

# For now the main job reports the build and the devices; it grows into
# train -> validate -> detect on the shapes set as the trainer lands.
# Until the trainer lands: the build, then the model the demo will train.
demo: build
	$(BUILD_DIR)/bin/yolo-train --version
	$(BUILD_DIR)/bin/yolo-train --cfg yolov8n.yaml --dry-run

bench: build
	$(BUILD_DIR)/bin/yolo-bench

clean:
	rm -rf $(BUILD_DIR)
