#include "engine/data/write_picture.h"

#include <fmt/format.h>
#include <unistd.h>

#include <functional>
#include <opencv2/imgcodecs.hpp>
#include <thread>

#include "engine/core/error.h"

namespace yolo {

void write_picture(const std::filesystem::path& file, const std::uint8_t* bgr, int width, int height, const char* what) {
  const cv::Mat picture(height, width, CV_8UC3, const_cast<std::uint8_t*>(bgr));
  // pid and thread: ranks running as threads never share a temporary name.
  const std::filesystem::path tmp =
      file.string() + fmt::format(".tmp{}.{}{}", ::getpid(), std::hash<std::thread::id>{}(std::this_thread::get_id()),
                                  file.extension().string());
  YOLO_CHECK(cv::imwrite(tmp.string(), picture), "{}: cannot write the {}", tmp.string(), what);
  std::filesystem::rename(tmp, file);
}

}  // namespace yolo
