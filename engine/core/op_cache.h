#pragma once
// defines: OpCache, a context's store of objects that ops build once per
// shape and reuse: oneDNN primitives and their memories, cuDNN descriptors and
// the algorithm chosen by timing. Core knows nothing of their types: an op
// stores a shared_ptr<T> under a key that names the op and every parameter
// the object depends on, so the steady state of training creates nothing.
// The lock guards the lookup only: a Context, and so its cache, is used by
// one thread at a time.
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace yolo {

class OpCache {
 public:
  // The entry for `key`, made by `make()` (returning std::shared_ptr<T>) on
  // first use. The key must determine T: prefix it with the op's name.
  template <class T, class Make>
  T& get(const std::string& key, Make&& make) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = entries_.find(key);
    if (it == entries_.end()) {
      std::shared_ptr<T> made = make();
      it = entries_.emplace(key, std::move(made)).first;
    }
    return *static_cast<T*>(it->second.get());
  }

  std::size_t size() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return entries_.size();
  }
  void clear() {
    std::lock_guard<std::mutex> lock(mutex_);
    entries_.clear();
  }

 private:
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<void>> entries_;
};

}  // namespace yolo
