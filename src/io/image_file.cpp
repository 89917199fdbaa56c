#include "percept/io/image_file.hpp"

#include <png.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include "percept/core/errno_message.hpp"
#include "percept/core/error.hpp"

namespace percept::io {

void write_png(const std::string& path, const std::uint8_t* data, int width, int height, int channels,
               std::ptrdiff_t stride) {
  if (!data || width <= 0 || height <= 0) throw InvalidArgument("write_png '" + path + "': empty image");
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  image.width = static_cast<png_uint_32>(width);
  image.height = static_cast<png_uint_32>(height);
  switch (channels) {
    case 1:
      image.format = PNG_FORMAT_GRAY;
      break;
    case 3:
      image.format = PNG_FORMAT_RGB;
      break;
    case 4:
      image.format = PNG_FORMAT_RGBA;
      break;
    default:
      throw InvalidArgument("write_png '" + path + "': 1, 3 or 4 channels, got " + std::to_string(channels));
  }
  const auto row = static_cast<png_int_32>(stride ? stride : static_cast<std::ptrdiff_t>(width) * channels);
  if (!png_image_write_to_file(&image, path.c_str(), 0, data, row, nullptr)) {
    const std::string why = image.message;
    png_image_free(&image);
    throw FileError("write_png '" + path + "': " + why);
  }
}

void write_npy(const std::string& path, const std::uint8_t* data, int width, int height, int channels) {
  if (!data || width <= 0 || height <= 0 || channels <= 0)
    throw InvalidArgument("write_npy '" + path + "': empty image");
  std::string shape = "(" + std::to_string(height) + ", " + std::to_string(width) +
                      (channels == 1 ? ")" : ", " + std::to_string(channels) + ")");
  std::string header = "{'descr': '|u1', 'fortran_order': False, 'shape': " + shape + ", }";
  // magic (6) + version (2) + header length (2) + header, padded with spaces to a multiple of 64, '\n' last.
  const std::size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  std::ofstream f(path, std::ios::binary);
  if (!f) throw FileError("write_npy '" + path + "': cannot create the file: " + percept::errno_message(errno));
  const auto len = static_cast<std::uint16_t>(header.size());
  const char magic[8] = {'\x93', 'N', 'U', 'M', 'P', 'Y', 1, 0};
  f.write(magic, 8);
  const char lenb[2] = {static_cast<char>(len & 0xFF), static_cast<char>(len >> 8)};
  f.write(lenb, 2);
  f.write(header.data(), static_cast<std::streamsize>(header.size()));
  f.write(reinterpret_cast<const char*>(data),
          static_cast<std::streamsize>(static_cast<std::size_t>(width) * static_cast<std::size_t>(height) *
                                       static_cast<std::size_t>(channels)));
  if (!f) throw FileError("write_npy '" + path + "': write failed");
}

}  // namespace percept::io
