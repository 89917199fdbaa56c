// percept/io/ffmpeg_error.hpp — FFmpeg's text for an AVERROR code, for error messages.
#pragma once

#include <string>

namespace percept::io {

/// av_strerror() as a string ("Connection refused", "Invalid data found when processing input").
[[nodiscard]] std::string ffmpeg_error_text(int code);

}  // namespace percept::io
