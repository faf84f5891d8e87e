#pragma once
// defines: DataLoader, which turns a dataset split into batches: worker
// threads fetch images from the ImageStore and draw each sample's plan
// (mosaic partners, warp, HSV, flips), a bounded queue keeps ready batches
// ahead of the trainer, and the gather kernel builds the pixels (in the
// worker for the CPU, in next() on the device for CUDA); LoaderOptions, Batch.
#include <array>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "engine/core/allocator.h"
#include "engine/core/context.h"
#include "engine/data/augment.h"
#include "engine/data/image_store.h"
#include "engine/data/label_box.h"
#include "engine/data/sampler.h"

namespace yolo {

struct LoaderOptions {
  std::int32_t batch = 16;   // images per batch on this rank
  int workers = 2;           // threads preparing batches
  int prefetch = 2;          // batches each worker may prepare ahead of the trainer
  bool augment = true;       // training augmentation; otherwise letterbox (validation)
  // Validation only: ultralytics' rectangular batches: images in order of
  // aspect ratio (h / w), each batch letterboxed to the smallest stride
  // multiple (plus half a stride) that fits its images, not to a square.
  bool rect = false;
  AugmentOptions hyp;        // used when augment
  bool shuffle = true;
  std::uint64_t seed = 0;
  int rank = 0, world_size = 1;
  Device device = Device::cpu();  // where batches are consumed
};

struct Batch {
  std::int64_t number = 0;            // within the epoch
  std::vector<std::int64_t> indices;  // dataset index of each image
  Tensor images;                      // (B, imgsz, imgsz, 3) f32 RGB in [0, 1], NHWC, on the device
  std::vector<std::vector<PixelBox>> labels;  // per image, in its pixels
};

class DataLoader {
 public:
  // labels[i] belongs to store.file(i). The store must outlive the loader.
  DataLoader(const ImageStore& store, std::vector<std::vector<LabelBox>> labels, LoaderOptions options);
  ~DataLoader();
  DataLoader(const DataLoader&) = delete;
  DataLoader& operator=(const DataLoader&) = delete;

  std::int64_t batches_per_epoch() const;
  std::int64_t images_per_epoch() const { return sampler_.samples_per_rank(); }

  // Starts preparing epoch `epoch` (any epoch still running is abandoned).
  // mosaic = false is ultralytics' close_mosaic for the last epochs.
  void start_epoch(std::int64_t epoch, bool mosaic = true);
  // The epoch's next batch, or nothing at its end. Blocks until it is ready;
  // a worker's error is rethrown here. ctx: the device the batch goes to.
  std::optional<Batch> next(const Context& ctx);

 private:
  struct Prepared;
  void stop_workers();
  void work(int worker, std::int64_t epoch, bool mosaic);
  // number: the batch being prepared (for the failure's place).
  void prepare_batches(int worker, std::int64_t epoch, bool mosaic, const Context& worker_ctx, std::int64_t& number);
  Prepared prepare(std::int64_t number, std::int64_t epoch, bool mosaic, const Context& worker_ctx) const;

  const ImageStore& store_;
  std::vector<std::vector<LabelBox>> labels_;
  LoaderOptions options_;
  // Batches built by the workers (CPU) or their packed sources (CUDA:
  // pinned memory): a thread-safe cache of host blocks, so a batch reuses a
  // returned one instead of faulting in fresh pages.
  std::shared_ptr<Allocator> host_memory_;
  // CUDA: packed sources whose asynchronous upload may still be running,
  // held until their event reports it done (only then may a worker reuse
  // the pinned block).
  struct InFlight;
  std::vector<std::unique_ptr<InFlight>> in_flight_;
  void retire_uploads(bool wait_all);
  DistributedSampler sampler_;

  std::vector<std::int64_t> order_;  // this epoch's indices for this rank
  // (height, width) of each batch's images: imgsz square, or the rect shape.
  std::vector<std::array<std::int32_t, 2>> batch_shapes_;
  void plan_rect_batches();
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::unique_ptr<Prepared>> ready_;  // by batch number
  std::exception_ptr failure_;
  std::int64_t failure_batch_ = 0;  // the earliest batch a worker failed on
  std::int64_t next_batch_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace yolo
