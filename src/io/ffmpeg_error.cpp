#include "percept/io/ffmpeg_error.hpp"

extern "C" {
#include <libavutil/error.h>
}

namespace percept::io {

std::string ffmpeg_error_text(int code) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(code, buf, sizeof buf);
  return buf;
}

}  // namespace percept::io
