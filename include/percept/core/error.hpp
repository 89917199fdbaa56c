// percept/core/error.hpp — the error types every layer throws.
//
// One hierarchy, mapped one to one onto Python's `percept.Error` family by the bindings:
//   Error                      base of everything percept throws
//   ├─ InvalidArgument         a caller passed a bad value, shape, dtype or parameter
//   ├─ FileError               a file could not be opened, read or written (missing, permissions)
//   ├─ FormatError             a file's contents are corrupt, truncated or in an unsupported format
//   ├─ DeviceError             an audio or video device is absent, busy or refused the request
//   ├─ StreamError             a running stream failed (server died, source ended with an error)
//   └─ TimeoutError            a blocking call ran out of time
// Messages always name the object involved (the file, the device) and the cause.
#pragma once

#include <stdexcept>
#include <string>

namespace percept {

enum class ErrorKind { Generic, InvalidArgument, File, Format, Device, Stream, Timeout };

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, ErrorKind kind = ErrorKind::Generic)
      : std::runtime_error(message), kind_(kind) {}
  /// Which branch of the hierarchy this error belongs to (for bindings and logs).
  [[nodiscard]] ErrorKind kind() const noexcept { return kind_; }

 private:
  ErrorKind kind_;
};

#define PERCEPT_DEFINE_ERROR(Name, Kind)                                           \
  class Name : public Error {                                                      \
   public:                                                                         \
    explicit Name(const std::string& message) : Error(message, ErrorKind::Kind) {} \
  }

PERCEPT_DEFINE_ERROR(InvalidArgument, InvalidArgument);
PERCEPT_DEFINE_ERROR(FileError, File);
PERCEPT_DEFINE_ERROR(FormatError, Format);
PERCEPT_DEFINE_ERROR(DeviceError, Device);
PERCEPT_DEFINE_ERROR(StreamError, Stream);
PERCEPT_DEFINE_ERROR(TimeoutError, Timeout);

#undef PERCEPT_DEFINE_ERROR

}  // namespace percept
