// percept/io/image_file.hpp — writing single 8-bit images: PNG (libpng) and numpy .npy (no dependency).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace percept::io {

/// Writes a gray (channels 1), RGB (3) or RGBA (4) image as PNG; rows `stride` bytes apart (0: packed).
/// FileError when the file cannot be written.
void write_png(const std::string& path, const std::uint8_t* data, int width, int height, int channels,
               std::ptrdiff_t stride = 0);

/// Writes a uint8 array of shape (height, width) (channels 1) or (height, width, channels) as a .npy file
/// (format 1.0, C order) that numpy.load reads.
void write_npy(const std::string& path, const std::uint8_t* data, int width, int height, int channels);

}  // namespace percept::io
