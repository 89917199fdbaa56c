// percept/core/errno_message.hpp — the system's text for an errno value, safe from any thread.
#pragma once

#include <string>

namespace percept {

/// "No such file or directory" for ENOENT, and so on; thread-safe (std::strerror is not).
[[nodiscard]] std::string errno_message(int err);

}  // namespace percept
