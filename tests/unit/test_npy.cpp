#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "engine/io/npy.h"
#include "tests/support/test_support.h"

namespace yolo {
namespace {

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("yolo-test-" + std::to_string(::getpid()) + "-" + name)).string();
}

TEST(Npy, RoundTripsEveryDtypeAndShape) {
  Context ctx;
  for (DType t : {DType::f32, DType::f16, DType::bf16, DType::u8, DType::i32, DType::i64}) {
    for (const Shape& shape : {Shape{7}, Shape{2, 3}, Shape{2, 1, 4, 3}}) {
      Tensor x = ctx.empty(shape, t);
      auto* bytes = static_cast<unsigned char*>(x.raw_data());
      for (std::size_t i = 0; i < x.nbytes(); ++i) bytes[i] = static_cast<unsigned char>(i * 37 + 11);
      const std::string path = temp_path("roundtrip.npy");
      write_npy(path, x);
      Tensor y = read_npy(path).to_tensor(ctx);
      std::filesystem::remove(path);
      EXPECT_EQ(y.shape(), shape);
      EXPECT_EQ(y.dtype(), t);
      EXPECT_EQ(std::memcmp(x.raw_data(), y.raw_data(), x.nbytes()), 0) << dtype_name(t) << shape.str();
    }
  }
}

TEST(Npy, TruncatedOrForeignFilesAreClearErrors) {
  Context ctx;
  Tensor x = test::random_uniform(ctx, {100}, 3);
  const std::string path = temp_path("truncated.npy");
  write_npy(path, x);
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 10);
  try {
    read_npy(path);
    FAIL() << "a truncated file was read";
  } catch (const Error& e) {
    EXPECT_NE(e.message().find("truncated data"), std::string::npos) << e.message();
  }
  std::ofstream(path) << "not numpy at all";
  EXPECT_THROW(read_npy(path), Error);
  std::filesystem::remove(path);
  EXPECT_THROW(read_npy(path), Error);  // missing
}

}  // namespace
}  // namespace yolo
