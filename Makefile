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

# The main job: the synthetic shapes set (300 images at 160 px), YOLOv8n
# trained from scratch on the CPU for 60 epochs (a few minutes on 2 cores),
# validated, and run on the validation images.
DEMO_DIR = $(BUILD_DIR)/demo
demo: build
	$(BUILD_DIR)/bin/yolo-train --version
	$(BUILD_DIR)/bin/make-shapes --out $(DEMO_DIR)/shapes --images 300 --imgsz 160 --seed 0
	$(BUILD_DIR)/bin/yolo-train --data $(DEMO_DIR)/shapes/data.yaml --cfg yolov8n.yaml --img 160 --batch 16 \
	  --epochs 60 --close-mosaic 10 --cache ram --project $(DEMO_DIR)/runs --name train --exist-ok
	$(BUILD_DIR)/bin/yolo-val --weights $(DEMO_DIR)/runs/train/weights/best.safetensors \
	  --data $(DEMO_DIR)/shapes/data.yaml --img 160
	$(BUILD_DIR)/bin/yolo-detect --weights $(DEMO_DIR)/runs/train/weights/best.safetensors \
	  --source $(DEMO_DIR)/shapes/images/val --img 160 --project $(DEMO_DIR)/runs --name detect --exist-ok
	@echo "demo: training run in $(DEMO_DIR)/runs/train, annotated images in $(DEMO_DIR)/runs/detect"

bench: build
	$(BUILD_DIR)/bin/yolo-bench

clean:
	rm -rf $(BUILD_DIR)
