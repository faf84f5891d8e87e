#include <gtest/gtest.h>

#include "engine/core/backends.h"
#include "engine/core/context.h"

namespace yolo {
namespace {

TEST(Device, ParsesTheSpellingsUsersType) {
  EXPECT_EQ(Device::parse("cpu"), Device::cpu());
  EXPECT_EQ(Device::parse("cuda"), Device::cuda(0));
  EXPECT_EQ(Device::parse("cuda:3"), Device::cuda(3));
  EXPECT_EQ(Device::parse("0"), Device::cuda(0));  // YOLOv5's --device 0
  EXPECT_EQ(Device::parse("12"), Device::cuda(12));
  EXPECT_EQ(Device::cuda(2).str(), "cuda:2");
}

TEST(Device, RejectsMalformedNames) {
  for (const char* bad : {"", "gpu", "cuda:", "cuda:x", "-1", "1a", "0,1"}) {
    EXPECT_THROW(Device::parse(bad), Error) << bad;
  }
}

TEST(Device, CudaWithoutADeviceIsAClearError) {
  if (cuda_device_count() > 0) GTEST_SKIP() << "this machine has a CUDA device";
  try {
    Context ctx(Device::cuda(0));
    FAIL() << "a cuda context was created without a device";
  } catch (const Error& e) {
    const std::string msg = e.message();
    EXPECT_NE(msg.find("cuda:0 requested"), std::string::npos) << msg;
    EXPECT_NE(msg.find("--device cpu"), std::string::npos) << msg;
  }
}

TEST(Device, DescribesBackendsAndDevices) {
  EXPECT_NE(describe_backends().find("cpu: oneDNN"), std::string::npos);
  const std::string devices = describe_devices();
  EXPECT_NE(devices.find("cpu:"), std::string::npos);
  if (cuda_built() && cuda_device_count() == 0) {
    EXPECT_NE(devices.find("no CUDA device"), std::string::npos) << devices;
  }
}

TEST(Context, CpuContextHonoursThreadCount) {
  Context ctx(Device::cpu(), {.num_threads = 1, .seed = 7});
  EXPECT_EQ(ctx.num_threads(), 1);
  EXPECT_EQ(ctx.seed(), 7u);
  Tensor z = ctx.zeros({3, 5}, DType::i64);
  for (int i = 0; i < 15; ++i) EXPECT_EQ(z.data<std::int64_t>()[i], 0);
  EXPECT_THROW(ctx.cuda(), Error);
}

}  // namespace
}  // namespace yolo
