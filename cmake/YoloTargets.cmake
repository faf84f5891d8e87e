# yolo_target_defaults(target): the project's warning set and CPU tuning for
# its own code, in C++ and (when built) CUDA sources.
function(yolo_target_defaults target)
  # -fno-trapping-math: the kernels select between values they computed
  # unconditionally (fast_exp, fast_log); with trapping math g++ will not
  # if-convert those selects and leaves such loops scalar. It changes no
  # IEEE result (unlike -ffast-math): no FP exception is ever unmasked here.
  set(_cxx -Wall -Wextra -Wpedantic -Wno-unused-parameter -fno-trapping-math)
  set(_cuda -Xcompiler=-Wall,-Wextra,-Wno-unused-parameter)
  if(YOLO_WERROR)
    list(APPEND _cxx -Werror)
    list(APPEND _cuda -Werror=all-warnings)
  endif()
  # Vectorise the CPU twins for this machine's SIMD width (AVX-512 here).
  if(YOLO_CPU_NATIVE)
    list(APPEND _cxx -march=native)
    list(APPEND _cuda -Xcompiler=-march=native)
  endif()
  target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:${_cxx}>)
  if(YOLO_WITH_CUDA)
    target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CUDA>:${_cuda}>)
  endif()
endfunction()

# yolo_link_opencv(target scope): OpenCV's three libraries, headers as system
# headers (C++20 warns about enum arithmetic inside them).
function(yolo_link_opencv target scope)
  target_include_directories(${target} SYSTEM ${scope} ${OpenCV_INCLUDE_DIRS})
  target_link_libraries(${target} ${scope} opencv_core opencv_imgproc opencv_imgcodecs)
endfunction()
