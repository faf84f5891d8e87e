# Third-party libraries; each is described in third_party_notes.md.
find_package(OpenMP REQUIRED)
find_package(dnnl REQUIRED)
find_package(fmt REQUIRED)
find_package(CLI11 REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(benchmark REQUIRED)
if(YOLO_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
# OpenCV: image decoding and the synthetic dataset. SYSTEM include (see
# yolo_link_opencv) so its headers' C++20 deprecation warnings stay quiet.
find_package(OpenCV 4 REQUIRED COMPONENTS core imgproc imgcodecs videoio)
# Gloo: the CPU backend's collectives (Debian's build: CPU only, TCP transport).
find_package(Gloo REQUIRED)
