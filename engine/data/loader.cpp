#include "engine/data/loader.h"

#include <algorithm>
#include <cmath>

#include "engine/core/caching_allocator.h"
#include "engine/core/error.h"
#if YOLO_WITH_CUDA
#include "engine/core/cuda_runtime.h"
#endif
#include "engine/data/batch_builder.h"
#include "engine/data/sample_random.h"

namespace yolo {

// A batch as a worker leaves it: the plans and labels always; the pixels
// too when the consumer is the CPU (otherwise the device builds them).
struct DataLoader::Prepared {
  std::int64_t number = 0;
  std::vector<std::int64_t> indices;
  std::vector<std::shared_ptr<const DecodedImage>> sources;
  std::vector<SampleGeometry> geometries;
  std::vector<std::vector<PixelBox>> labels;
  Tensor host_images;     // CPU consumer: the finished pixels
  PackedSources packed;   // device consumer: the sources, for build_batch on the device
};

#if YOLO_WITH_CUDA
struct DataLoader::InFlight {
  InFlight(CudaResources& stream, Tensor w) : uploaded(stream), words(std::move(w)) {}
  cuda_runtime::StreamEvent uploaded;  // recorded after the upload (and the kernel)
  Tensor words;
};
#else
struct DataLoader::InFlight {};
#endif

namespace {

std::shared_ptr<Allocator> host_memory_for(const Device& device) {
#if YOLO_WITH_CUDA
  if (device.is_cuda()) {
    return std::make_shared<CachingAllocator>(cuda_runtime::make_pinned_host_memory(device.index), Device::cpu());
  }
#endif
  return std::make_shared<CachingAllocator>(std::make_unique<HostMemory>(), Device::cpu());
}

}  // namespace

DataLoader::DataLoader(const ImageStore& store, std::vector<std::vector<LabelBox>> labels, LoaderOptions options)
    : store_(store),
      labels_(std::move(labels)),
      options_(options),
      host_memory_(host_memory_for(options.device)),
      sampler_(SamplerOptions{store.size(), options.rank, options.world_size, options.shuffle, options.seed}) {
  YOLO_CHECK(static_cast<std::int64_t>(labels_.size()) == store_.size(), "loader: {} label lists for {} images",
             labels_.size(), store_.size());
  YOLO_CHECK(options_.batch >= 1, "--batch {} must be at least 1", options_.batch);
  YOLO_CHECK(options_.workers >= 0, "--workers {} must not be negative", options_.workers);
  YOLO_CHECK(!options_.rect || (!options_.augment && options_.world_size == 1),
             "rectangular batches are for single-process validation (no augmentation)");
  options_.workers = std::max(options_.workers, 1);  // 0 (ultralytics: the main process) -> one thread
  options_.prefetch = std::max(options_.prefetch, 1);
}

DataLoader::~DataLoader() {
  stop_workers();
  try {
    retire_uploads(true);
  } catch (const std::exception&) {
    // A failed device (the trainer reports it): nothing left to wait for.
  }
}

void DataLoader::retire_uploads(bool wait_all) {
#if YOLO_WITH_CUDA
  // A few uploads may overlap the trainer's work; beyond that, wait.
  constexpr std::size_t kMaxInFlight = 4;
  std::size_t done = 0;
  while (done < in_flight_.size()) {
    const bool must_wait = wait_all || in_flight_.size() - done > kMaxInFlight;
    if (must_wait) {
      in_flight_[done]->uploaded.wait();
    } else if (!in_flight_[done]->uploaded.done()) {
      break;
    }
    ++done;
  }
  in_flight_.erase(in_flight_.begin(), in_flight_.begin() + static_cast<std::ptrdiff_t>(done));
#else
  (void)wait_all;
#endif
}

std::int64_t DataLoader::batches_per_epoch() const {
  return (sampler_.samples_per_rank() + options_.batch - 1) / options_.batch;
}

void DataLoader::stop_workers() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  for (std::thread& t : workers_) t.join();
  workers_.clear();
}

void DataLoader::start_epoch(std::int64_t epoch, bool mosaic) {
  stop_workers();
  order_ = sampler_.indices(epoch);
  const std::int32_t s = store_.imgsz();
  batch_shapes_.assign(static_cast<std::size_t>(batches_per_epoch()), {s, s});
  if (options_.rect) plan_rect_batches();
  ready_.clear();
  ready_.resize(static_cast<std::size_t>(batches_per_epoch()));
  failure_ = nullptr;
  failure_batch_ = 0;
  next_batch_ = 0;
  stopping_ = false;
  const int count = static_cast<int>(std::min<std::int64_t>(options_.workers, batches_per_epoch()));
  for (int w = 0; w < count; ++w) workers_.emplace_back([this, w, epoch, mosaic] { work(w, epoch, mosaic); });
}

// ultralytics' set_rectangle: the order by aspect ratio r = h / w of the
// original images; a batch whose largest r is < 1 gets shape (r_max, 1), one
// whose smallest is > 1 gets (1, 1 / r_min), others (1, 1); each side is
// ceil(side * imgsz / stride + 0.5) * stride (the 0.5: validation's pad).
void DataLoader::plan_rect_batches() {
  auto ratio = [&](std::int64_t i) {
    const ImageExtent e = store_.original_extent(i);
    return static_cast<double>(e.height) / e.width;
  };
  std::stable_sort(order_.begin(), order_.end(), [&](std::int64_t a, std::int64_t b) { return ratio(a) < ratio(b); });
  constexpr double kStride = 32.0, kPad = 0.5;
  const double s = store_.imgsz();
  for (std::size_t b = 0; b < batch_shapes_.size(); ++b) {
    const std::size_t first = b * static_cast<std::size_t>(options_.batch);
    const std::size_t last = std::min(order_.size(), first + static_cast<std::size_t>(options_.batch));
    double lo = ratio(order_[first]), hi = lo;
    for (std::size_t k = first; k < last; ++k) lo = std::min(lo, ratio(order_[k])), hi = std::max(hi, ratio(order_[k]));
    const double h = hi < 1.0 ? hi : 1.0, w = lo > 1.0 ? 1.0 / lo : 1.0;
    batch_shapes_[b] = {static_cast<std::int32_t>(std::ceil(h * s / kStride + kPad) * kStride),
                        static_cast<std::int32_t>(std::ceil(w * s / kStride + kPad) * kStride)};
  }
}

// Worker w prepares batches w, w + W, w + 2W, ..., staying at most
// W * prefetch batches ahead of the consumer.
// A failure belongs to the batch being prepared: the trainer gets it when
// it reaches that batch, after the good batches before it (other workers
// may still be preparing those).
void DataLoader::work(int worker, std::int64_t epoch, bool mosaic) {
  std::int64_t number = worker;
  try {
    // The machine's cores shared among the workers: one worker on two cores
    // builds its batches on both (as OpenCV's warpAffine would in an
    // ultralytics worker), two workers one core each.
    ContextOptions threads;
    threads.num_threads = std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / options_.workers);
    const Context worker_ctx(Device::cpu(), threads);
    prepare_batches(worker, epoch, mosaic, worker_ctx, number);
  } catch (...) {
    const std::lock_guard lock(mutex_);
    if (!failure_ || number < failure_batch_) failure_ = std::current_exception(), failure_batch_ = number;
  }
  changed_.notify_all();
}

void DataLoader::prepare_batches(int worker, std::int64_t epoch, bool mosaic, const Context& worker_ctx,
                                 std::int64_t& number) {
  const std::int64_t ahead = static_cast<std::int64_t>(options_.workers) * options_.prefetch;
  for (number = worker; number < batches_per_epoch(); number += options_.workers) {
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [&] { return stopping_ || number < next_batch_ + ahead; });
      if (stopping_) return;
    }
    auto prepared = std::make_unique<Prepared>(prepare(number, epoch, mosaic, worker_ctx));  // throws to work()
    {
      const std::lock_guard lock(mutex_);
      ready_[number] = std::move(prepared);
    }
    changed_.notify_all();
  }
}

DataLoader::Prepared DataLoader::prepare(std::int64_t number, std::int64_t epoch, bool mosaic,
                                         const Context& worker_ctx) const {
  Prepared p;
  p.number = number;
  const std::int64_t first = number * options_.batch;
  const std::int64_t last = std::min<std::int64_t>(first + options_.batch, static_cast<std::int64_t>(order_.size()));
  AugmentOptions hyp = options_.hyp;
  if (!mosaic) hyp.mosaic = 0.0;
  const std::int32_t s = store_.imgsz();
  const auto [out_h, out_w] = batch_shapes_[static_cast<std::size_t>(number)];
  std::vector<std::int64_t> slot_image;  // dataset index of each source slot
  for (std::int64_t k = first; k < last; ++k) {
    const std::int64_t index = order_[k];
    // Draws keyed by the sample's place in the global epoch order: the same
    // for any number of workers, different on every rank.
    SampleRandom random(options_.seed, static_cast<std::uint64_t>(epoch),
                        static_cast<std::uint64_t>(options_.rank * sampler_.samples_per_rank() + k));
    const SamplePlan plan = options_.augment ? plan_training_sample(hyp, s, index, store_.extents(), random)
                                             : plan_letterbox(index, store_.extent(index), out_w, out_h);
    std::vector<std::int32_t> slots;
    std::vector<std::span<const LabelBox>> tile_labels;
    for (const CanvasTile& tile : plan.tiles) {
      auto found = std::find(slot_image.begin(), slot_image.end(), tile.image);
      if (found == slot_image.end()) {
        slot_image.push_back(tile.image);
        p.sources.push_back(store_.get(tile.image));
        found = slot_image.end() - 1;
      }
      slots.push_back(static_cast<std::int32_t>(found - slot_image.begin()));
      tile_labels.emplace_back(labels_[tile.image]);
    }
    p.indices.push_back(index);
    p.geometries.push_back(sample_geometry(plan, slots));
    p.labels.push_back(transform_labels(plan, tile_labels));
  }
  std::vector<HostImage> images;
  for (const auto& im : p.sources) images.push_back(HostImage{im->pixels.data(), im->width, im->height});
  if (options_.device.is_cpu()) {
    // From the loader's allocator: the batch outlives this worker's context.
    p.host_images =
        Tensor::empty(host_memory_, {static_cast<std::int64_t>(p.geometries.size()), out_h, out_w, 3}, DType::f32);
    build_batch(worker_ctx, images, p.geometries, p.host_images);
    p.sources.clear();  // done with them: let uncached images go now
  } else {
    p.packed = pack_sources(images, host_memory_);  // pinned: the upload will not wait for the host
    p.sources.clear();
  }
  return p;
}

std::optional<Batch> DataLoader::next(const Context& ctx) {
  YOLO_CHECK(ctx.device() == options_.device, "loader: batches were planned for {}, asked on {}",
             options_.device.str(), ctx.device().str());
  std::unique_ptr<Prepared> p;
  {
    std::unique_lock lock(mutex_);
    if (next_batch_ >= static_cast<std::int64_t>(ready_.size())) return std::nullopt;
    changed_.wait(lock, [&] { return ready_[next_batch_] != nullptr || (failure_ && failure_batch_ <= next_batch_); });
    if (!ready_[next_batch_]) std::rethrow_exception(failure_);
    p = std::move(ready_[next_batch_]);
    ++next_batch_;
  }
  changed_.notify_all();
  Batch batch;
  batch.number = p->number;
  batch.indices = std::move(p->indices);
  batch.labels = std::move(p->labels);
  if (p->host_images.defined()) {
    batch.images = std::move(p->host_images);
  } else {
    retire_uploads(false);
    const auto [out_h, out_w] = batch_shapes_[static_cast<std::size_t>(p->number)];
    batch.images = ctx.empty({static_cast<std::int64_t>(p->geometries.size()), out_h, out_w, 3}, DType::f32);
    build_batch(ctx, p->packed, p->geometries, batch.images);
#if YOLO_WITH_CUDA
    in_flight_.push_back(std::make_unique<InFlight>(ctx.cuda(), std::move(p->packed.words)));
#endif
  }
  return batch;
}

}  // namespace yolo
