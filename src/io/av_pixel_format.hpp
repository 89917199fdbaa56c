// src/io/av_pixel_format.hpp (private) — percept's PixelFormat as FFmpeg's AVPixelFormat (video input and
// writer).
#pragma once

extern "C" {
#include <libavutil/pixfmt.h>
}

#include "percept/io/video_frame.hpp"

namespace percept::io {

inline AVPixelFormat to_av(PixelFormat f) noexcept {
  switch (f) {
    case PixelFormat::BGR:
      return AV_PIX_FMT_BGR24;
    case PixelFormat::RGB:
      return AV_PIX_FMT_RGB24;
    case PixelFormat::Gray:
      return AV_PIX_FMT_GRAY8;
    case PixelFormat::YUV420P:
      return AV_PIX_FMT_YUV420P;
  }
  return AV_PIX_FMT_BGR24;
}

}  // namespace percept::io
