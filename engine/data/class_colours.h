#pragma once
// defines: class_colour_bgr, the fixed colour of a class in pictures
// (train_batch*.jpg, yolo-detect's annotations): ten well-separated
// colours, cycling.
#include <array>
#include <cstdint>

namespace yolo {

inline std::array<int, 3> class_colour_bgr(std::int32_t cls) {
  static constexpr std::array<std::array<int, 3>, 10> kPalette = {{{56, 56, 255},
                                                                   {151, 157, 255},
                                                                   {31, 112, 255},
                                                                   {29, 178, 255},
                                                                   {49, 210, 207},
                                                                   {10, 249, 72},
                                                                   {23, 204, 146},
                                                                   {134, 219, 61},
                                                                   {211, 188, 0},
                                                                   {255, 115, 100}}};
  return kPalette[static_cast<std::size_t>(((cls % 10) + 10) % 10)];
}

}  // namespace yolo
