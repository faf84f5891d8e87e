#pragma once
// defines: write_picture, an 8-bit BGR picture written as the file's format
// (.jpg, .png) to a temporary file and renamed: a reader never sees half a
// picture. The run's pictures (train_batch, labels, results) all go through it.
#include <cstdint>
#include <filesystem>

namespace yolo {

// bgr: height rows of width * 3 bytes. what: the picture's name in errors.
void write_picture(const std::filesystem::path& file, const std::uint8_t* bgr, int width, int height, const char* what);

}  // namespace yolo
