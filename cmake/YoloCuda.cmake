# Decides whether the CUDA backend is built and finds its libraries.
# Sets YOLO_WITH_CUDA and the imported targets yolo::cudnn and yolo::nccl.
set(YOLO_WITH_CUDA OFF)
if(YOLO_CUDA STREQUAL "OFF")
  return()
endif()

# nvcc is often not on PATH; the toolkit's usual home is /usr/local/cuda.
if(NOT DEFINED CMAKE_CUDA_COMPILER AND NOT DEFINED ENV{CUDACXX} AND EXISTS /usr/local/cuda/bin/nvcc)
  set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
endif()
include(CheckLanguage)
check_language(CUDA)

set(_why "")
if(NOT CMAKE_CUDA_COMPILER)
  set(_why "nvcc not found")
else()
  # Ampere (80, 86), Ada (89) and Hopper (90). `native` fails on machines
  # without a GPU, and the CMake default (52/75) misses tensor-core paths.
  if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
    set(CMAKE_CUDA_ARCHITECTURES "80;86;89;90" CACHE STRING "CUDA architectures")
  endif()
  string(APPEND CMAKE_CUDA_FLAGS " --expt-relaxed-constexpr")
  enable_language(CUDA)
  # CMake 3.25 knows no nvcc flag for C++20 (and otherwise appends its own
  # -std=c++17): tell it the flag, then ask for C++20 like for C++.
  set(CMAKE_CUDA20_STANDARD_COMPILE_OPTION "-std=c++20")
  set(CMAKE_CUDA20_EXTENSION_COMPILE_OPTION "-std=c++20")
  set(CMAKE_CUDA_STANDARD 20)
  set(CMAKE_CUDA_STANDARD_REQUIRED ON)
  set(CMAKE_CUDA_EXTENSIONS OFF)
  find_package(CUDAToolkit REQUIRED)
  find_library(YOLO_CUDNN_LIBRARY cudnn HINTS ${CUDAToolkit_LIBRARY_DIR})
  find_path(YOLO_CUDNN_INCLUDE cudnn.h HINTS ${CUDAToolkit_INCLUDE_DIRS})
  find_library(YOLO_NCCL_LIBRARY nccl HINTS ${CUDAToolkit_LIBRARY_DIR})
  find_path(YOLO_NCCL_INCLUDE nccl.h HINTS ${CUDAToolkit_INCLUDE_DIRS})
  if(NOT TARGET CUDA::cublas)
    set(_why "cuBLAS not found")
  elseif(NOT YOLO_CUDNN_LIBRARY OR NOT YOLO_CUDNN_INCLUDE)
    set(_why "cuDNN not found")
  elseif(NOT YOLO_NCCL_LIBRARY OR NOT YOLO_NCCL_INCLUDE)
    set(_why "NCCL not found")
  endif()
endif()

if(_why)
  if(YOLO_CUDA STREQUAL "ON")
    message(FATAL_ERROR "YOLO_CUDA=ON but ${_why}")
  endif()
  message(STATUS "CUDA backend: not built (${_why})")
  return()
endif()

set(YOLO_WITH_CUDA ON)
add_library(yolo::cudnn UNKNOWN IMPORTED)
set_target_properties(yolo::cudnn PROPERTIES IMPORTED_LOCATION ${YOLO_CUDNN_LIBRARY}
                                             INTERFACE_INCLUDE_DIRECTORIES ${YOLO_CUDNN_INCLUDE})
add_library(yolo::nccl UNKNOWN IMPORTED)
set_target_properties(yolo::nccl PROPERTIES IMPORTED_LOCATION ${YOLO_NCCL_LIBRARY}
                                            INTERFACE_INCLUDE_DIRECTORIES ${YOLO_NCCL_INCLUDE})
message(STATUS "CUDA backend: built for sm ${CMAKE_CUDA_ARCHITECTURES} (nvcc ${CMAKE_CUDA_COMPILER_VERSION})")
