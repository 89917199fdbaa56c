#include "percept/core/errno_message.hpp"

#include <string.h>  // strerror_r (the GNU variant, which returns the message)

namespace percept {

std::string errno_message(int err) {
  char buf[256];
  return ::strerror_r(err, buf, sizeof buf);
}

}  // namespace percept
