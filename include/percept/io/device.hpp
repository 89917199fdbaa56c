// percept/io/device.hpp — audio devices: listing, opening, negotiated settings, the callback contract.
//
// Host APIs (see docs/design.md (real-time audio engine)):
//   "JACK"     native libjack client (any JACK server: hardware, or `jackd -d dummy` for tests)
//   "ALSA"     hardware devices through PortAudio's ALSA host API
//   "virtual"  percept's embedded device: a thread paced by clock_nanosleep() on absolute deadlines that
//              runs the very same callback path. Sources: "virtual" (loopback: what is played comes back
//              on the input after the configured buffering), "virtual:tone" (a 440 Hz tone with a slow
//              level sweep), "virtual:counter" (sample i of channel c = ((i mod 2^23) + c) / 2^23, for
//              gaplessness checks), "virtual:silence". The non-loopback ones discard what is played.
//
// After opening, negotiated() says what the device actually runs at. A device that cannot give what was
// asked (rate, period, channels, format) is refused with DeviceError naming both, unless
// StreamConfig::allow_mismatch is set, in which case the device's own settings are accepted and reported
// (percept never resamples or re-blocks silently).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "percept/core/audio_block.hpp"

namespace percept::io {

struct HostApiInfo {
  std::string name;        ///< "virtual", "JACK", "ALSA"
  bool available = false;  ///< can devices be opened through it right now
  int device_count = 0;
  std::string note;  ///< why it is unavailable, or the server it talks to
};

struct DeviceInfo {
  int index = 0;     ///< position in list_devices(); open_device() accepts it
  std::string name;  ///< unique name; open_device() accepts it
  std::string host_api;
  int max_input_channels = 0;
  int max_output_channels = 0;
  double default_sample_rate = 0;
  std::vector<double> sample_rates;      ///< rates the device accepts (for JACK: the server's one)
  std::vector<std::string> formats;      ///< sample formats it accepts natively ("float32", "int16", ...)
  double default_low_input_latency = 0;  ///< seconds
  double default_low_output_latency = 0;
  double default_high_input_latency = 0;
  double default_high_output_latency = 0;
  bool is_default_input = false;
  bool is_default_output = false;
};

/// Host APIs percept knows about and whether they can be used now. `jack_server`: empty = the
/// JACK_DEFAULT_SERVER environment variable or "default".
[[nodiscard]] std::vector<HostApiInfo> host_apis(const std::string& jack_server = "");
/// Every device that can be opened now, virtual devices first.
[[nodiscard]] std::vector<DeviceInfo> list_devices(const std::string& jack_server = "");

struct StreamConfig {
  /// Device name (see list_devices()), its index as a decimal string, or empty for the default: a
  /// running JACK server, else the ALSA default device when a sound card exists, else "virtual:tone"
  /// for input-only streams and "virtual" for the rest. The choice is reported in negotiated().
  std::string device;
  std::size_t input_channels = 1;
  std::size_t output_channels = 0;
  double sample_rate = 48000.0;
  std::size_t period = 256;        ///< frames per callback
  std::size_t periods = 2;         ///< device buffer = period * periods frames (ALSA, virtual)
  std::string format = "float32";  ///< device sample format: float32, int32, int24, int16
  /// Accept the device's own rate/period/format when they differ from the request (reported in
  /// negotiated()); without it a difference is a DeviceError.
  bool allow_mismatch = false;
  std::string jack_server;              ///< empty: $JACK_DEFAULT_SERVER or "default"
  std::string client_name = "percept";  ///< JACK client name (JACK makes it unique)
  /// JACK: connect our outputs to our own inputs (loopback through the JACK graph).
  bool jack_loopback = false;
  /// JACK: connect to the physical ports (system:capture_N / system:playback_N) when not in loopback.
  bool jack_connect_physical = true;
  /// Virtual device: ask for SCHED_FIFO (silently stays SCHED_OTHER without the privilege; reported).
  bool realtime_priority = true;
};

struct Negotiated {
  std::string device;
  std::string host_api;
  double sample_rate = 0;
  std::string format;             ///< the device's sample format; the callback always sees float32
  std::size_t period = 0;         ///< frames per callback
  std::size_t buffer_frames = 0;  ///< device buffering (period * periods for ALSA/virtual)
  std::size_t input_channels = 0;
  std::size_t output_channels = 0;
  std::size_t input_latency_frames = 0;   ///< capture side: from the ADC to the callback
  std::size_t output_latency_frames = 0;  ///< playback side: from the callback to the DAC
  bool realtime = false;                  ///< the audio thread runs with a real-time scheduling policy
  std::string note;                       ///< what was accepted against the request (allow_mismatch), or ""
};

struct CallbackInfo {
  std::int64_t frame = 0;          ///< absolute index of the first frame of this block (since start)
  std::int64_t time_ns = 0;        ///< Clock time the callback started
  std::int64_t input_time_ns = 0;  ///< Clock time the first input frame was captured (estimate)
  /// How long after its period began at the device the callback started (ns), measured on the device's
  /// own clock (the virtual device's deadline, JACK's cycle start); -1 when the device does not say.
  std::int64_t start_delay_ns = -1;
};

/// Implemented by the engine. process() runs on the audio thread: it must not allocate, lock, make
/// system calls or touch Python. in/out are planar float32 with the negotiated channel counts.
class DeviceCallback {
 public:
  virtual ~DeviceCallback() = default;
  DeviceCallback() = default;
  DeviceCallback(const DeviceCallback&) = delete;
  DeviceCallback& operator=(const DeviceCallback&) = delete;
  virtual void process(AudioView<const float> in, AudioView<float> out, const CallbackInfo& info) noexcept = 0;
  /// The device stopped by itself (server died, device unplugged); called from a non-audio thread.
  virtual void device_failed(const std::string& reason) noexcept = 0;
};

class Device {
 public:
  virtual ~Device() = default;
  Device() = default;
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;
  virtual void start() = 0;
  /// Stops the callback; returns once it will not be called again. Idempotent.
  virtual void stop() noexcept = 0;
  [[nodiscard]] virtual const Negotiated& negotiated() const noexcept = 0;
  /// Over/underruns the device or server reported (JACK xrun callback, ALSA status flags, late wake-ups
  /// of the virtual device by more than a period).
  [[nodiscard]] virtual std::int64_t xruns() const noexcept = 0;
  [[nodiscard]] virtual bool failed() const noexcept = 0;
  /// Why the device failed ("" while it has not); not real-time safe.
  [[nodiscard]] virtual std::string failure_reason() const = 0;
};

/// Opens (does not start) a device. Throws DeviceError when it is absent, busy or refuses the request.
[[nodiscard]] std::unique_ptr<Device> open_device(const StreamConfig& config, DeviceCallback& callback);

/// Parses "float32" / "int16" / ... ; throws InvalidArgument.
void check_format_name(const std::string& format);

}  // namespace percept::io
