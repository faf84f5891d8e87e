#include "engine/data/label_cache.h"

#include <fmt/core.h>

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "engine/data/data_config.h"

namespace yolo {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// 64-bit FNV-1a: a stable hash (std::hash is not stable across builds).
struct Fnv1a {
  std::uint64_t h = 14695981039346656037ull;
  void add(std::string_view bytes) {
    for (unsigned char c : bytes) {
      h ^= c;
      h *= 1099511628211ull;
    }
    h ^= 0xff;  // a separator no UTF-8 text contains, so ("ab","c") != ("a","bc")
    h *= 1099511628211ull;
  }
};

void add_file(Fnv1a& hash, const fs::path& p) {
  hash.add(p.native());
  std::error_code ec;
  const auto size = fs::file_size(p, ec);
  if (ec) {
    hash.add("missing");
    return;
  }
  const auto mtime = fs::last_write_time(p, ec);
  hash.add(fmt::format("{}:{}", size, ec ? 0 : mtime.time_since_epoch().count()));
}

// The double whose shortest decimal is the float's: "0.1", not
// "0.100000001490116", and it reads back as the same float.
double compact(float f) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, f);
  double d = 0.0;
  std::from_chars(buf, r.ptr, d);
  return static_cast<float>(d) == f ? d : static_cast<double>(f);
}

json report_to_json(const SplitReport& r) {
  return {{"images", r.images}, {"found", r.found},     {"missing", r.missing},
          {"empty", r.empty},   {"corrupt", r.corrupt}, {"duplicates_removed", r.duplicates_removed}};
}

SplitReport report_from_json(const json& j) {
  SplitReport r;
  r.images = j.at("images").get<int>();
  r.found = j.at("found").get<int>();
  r.missing = j.at("missing").get<int>();
  r.empty = j.at("empty").get<int>();
  r.corrupt = j.at("corrupt").get<int>();
  r.duplicates_removed = j.at("duplicates_removed").get<int>();
  return r;
}

}  // namespace

fs::path label_cache_path(const std::vector<fs::path>& images) {
  if (images.empty()) return {};
  return label_path_for(images.front()).parent_path().replace_extension(".cache");
}

std::string label_cache_hash(const std::vector<fs::path>& images, int nc) {
  Fnv1a hash;
  hash.add(kLabelCacheVersion);
  hash.add(std::to_string(nc));
  for (const fs::path& image : images) {
    add_file(hash, image);
    add_file(hash, label_path_for(image));
  }
  return fmt::format("{:016x}", hash.h);
}

std::optional<LabelCache> read_label_cache(const fs::path& path, const std::vector<fs::path>& images,
                                           const std::string& expected_hash) {
  std::ifstream in(path, std::ios::binary);
  if (!in.good()) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  const json j = json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  try {
    if (j.at("version").get<std::string>() != kLabelCacheVersion) return std::nullopt;
    if (j.at("hash").get<std::string>() != expected_hash) return std::nullopt;
    LabelCache cache;
    cache.hash = expected_hash;
    cache.report = report_from_json(j.at("report"));
    if (cache.report.images != static_cast<int>(images.size())) return std::nullopt;
    for (const json& m : j.at("messages")) cache.messages.push_back(m.get<std::string>());
    long previous = -1;
    for (const json& item : j.at("images")) {
      const long index = item.at(0).get<long>();
      if (index <= previous || index >= static_cast<long>(images.size())) return std::nullopt;
      previous = index;
      CheckedImage c;
      c.image = images[static_cast<std::size_t>(index)];
      c.width = item.at(1).get<int>();
      c.height = item.at(2).get<int>();
      const json& values = item.at(3);
      if (c.width <= 0 || c.height <= 0 || values.size() % 5 != 0) return std::nullopt;
      for (std::size_t k = 0; k < values.size(); k += 5) {
        c.boxes.push_back({values[k].get<int>(), values[k + 1].get<float>(), values[k + 2].get<float>(),
                           values[k + 3].get<float>(), values[k + 4].get<float>()});
      }
      cache.images.push_back(std::move(c));
    }
    return cache;
  } catch (const json::exception&) {
    return std::nullopt;  // a wrong shape: rebuilt by the caller
  }
}

std::string write_label_cache(const fs::path& path, const std::vector<fs::path>& images, const LabelCache& cache) {
  json items = json::array();
  std::size_t index = 0;  // kept images are in input order: one forward walk finds them
  for (const CheckedImage& c : cache.images) {
    while (index < images.size() && images[index] != c.image) ++index;
    if (index == images.size()) return fmt::format("image {} is not in the checked list", c.image.string());
    json values = json::array();
    for (const LabelBox& b : c.boxes) {
      values.push_back(b.cls);
      for (float v : {b.xc, b.yc, b.w, b.h}) values.push_back(compact(v));
    }
    items.push_back(json::array({index, c.width, c.height, std::move(values)}));
  }
  const json j = {{"version", kLabelCacheVersion},
                  {"hash", cache.hash},
                  {"report", report_to_json(cache.report)},
                  {"messages", cache.messages},
                  {"images", std::move(items)}};
  // Messages may hold non-UTF-8 file names: replaced in the file (they are
  // only displayed), never an exception.
  const std::string text = j.dump(-1, ' ', false, json::error_handler_t::replace);

  std::random_device random;
  const fs::path tmp = path.string() + fmt::format(".tmp{:08x}", random());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out.good()) return fmt::format("cannot create {}: {}", tmp.string(), std::strerror(errno));
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.close();
    if (!out.good()) {
      std::error_code ignored;
      fs::remove(tmp, ignored);
      return fmt::format("cannot write {}", tmp.string());
    }
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    return fmt::format("cannot rename {} to {}: {}", tmp.string(), path.string(), ec.message());
  }
  return "";
}

}  // namespace yolo
