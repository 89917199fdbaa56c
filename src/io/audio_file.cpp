// Audio files through libsndfile. See audio_file.hpp for the conversion conventions.
#include "percept/io/audio_file.hpp"

#include <sndfile.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <string_view>
#include <vector>

#include "percept/core/errno_message.hpp"
#include "percept/core/error.hpp"
#include "percept/core/sample_format.hpp"

namespace percept::io {
namespace {

struct NamedCode {
  std::string_view name;
  int code;
};

// soundfile's names for libsndfile's major formats and subtypes.
constexpr std::array kFormats = {
    NamedCode{"WAV", SF_FORMAT_WAV},   NamedCode{"AIFF", SF_FORMAT_AIFF}, NamedCode{"AU", SF_FORMAT_AU},
    NamedCode{"RAW", SF_FORMAT_RAW},   NamedCode{"PAF", SF_FORMAT_PAF},   NamedCode{"SVX", SF_FORMAT_SVX},
    NamedCode{"NIST", SF_FORMAT_NIST}, NamedCode{"VOC", SF_FORMAT_VOC},   NamedCode{"IRCAM", SF_FORMAT_IRCAM},
    NamedCode{"W64", SF_FORMAT_W64},   NamedCode{"MAT4", SF_FORMAT_MAT4}, NamedCode{"MAT5", SF_FORMAT_MAT5},
    NamedCode{"PVF", SF_FORMAT_PVF},   NamedCode{"XI", SF_FORMAT_XI},     NamedCode{"HTK", SF_FORMAT_HTK},
    NamedCode{"SDS", SF_FORMAT_SDS},   NamedCode{"AVR", SF_FORMAT_AVR},   NamedCode{"WAVEX", SF_FORMAT_WAVEX},
    NamedCode{"SD2", SF_FORMAT_SD2},   NamedCode{"FLAC", SF_FORMAT_FLAC}, NamedCode{"CAF", SF_FORMAT_CAF},
    NamedCode{"WVE", SF_FORMAT_WVE},   NamedCode{"OGG", SF_FORMAT_OGG},   NamedCode{"MPC2K", SF_FORMAT_MPC2K},
    NamedCode{"RF64", SF_FORMAT_RF64}, NamedCode{"MP3", SF_FORMAT_MPEG},
};

constexpr std::array kSubtypes = {
    NamedCode{"PCM_S8", SF_FORMAT_PCM_S8},
    NamedCode{"PCM_16", SF_FORMAT_PCM_16},
    NamedCode{"PCM_24", SF_FORMAT_PCM_24},
    NamedCode{"PCM_32", SF_FORMAT_PCM_32},
    NamedCode{"PCM_U8", SF_FORMAT_PCM_U8},
    NamedCode{"FLOAT", SF_FORMAT_FLOAT},
    NamedCode{"DOUBLE", SF_FORMAT_DOUBLE},
    NamedCode{"ULAW", SF_FORMAT_ULAW},
    NamedCode{"ALAW", SF_FORMAT_ALAW},
    NamedCode{"IMA_ADPCM", SF_FORMAT_IMA_ADPCM},
    NamedCode{"MS_ADPCM", SF_FORMAT_MS_ADPCM},
    NamedCode{"GSM610", SF_FORMAT_GSM610},
    NamedCode{"VOX_ADPCM", SF_FORMAT_VOX_ADPCM},
    NamedCode{"G721_32", SF_FORMAT_G721_32},
    NamedCode{"G723_24", SF_FORMAT_G723_24},
    NamedCode{"G723_40", SF_FORMAT_G723_40},
    NamedCode{"DWVW_12", SF_FORMAT_DWVW_12},
    NamedCode{"DWVW_16", SF_FORMAT_DWVW_16},
    NamedCode{"DWVW_24", SF_FORMAT_DWVW_24},
    NamedCode{"DWVW_N", SF_FORMAT_DWVW_N},
    NamedCode{"DPCM_8", SF_FORMAT_DPCM_8},
    NamedCode{"DPCM_16", SF_FORMAT_DPCM_16},
    NamedCode{"VORBIS", SF_FORMAT_VORBIS},
    NamedCode{"OPUS", SF_FORMAT_OPUS},
    NamedCode{"ALAC_16", SF_FORMAT_ALAC_16},
    NamedCode{"ALAC_20", SF_FORMAT_ALAC_20},
    NamedCode{"ALAC_24", SF_FORMAT_ALAC_24},
    NamedCode{"ALAC_32", SF_FORMAT_ALAC_32},
    NamedCode{"MPEG_LAYER_I", SF_FORMAT_MPEG_LAYER_I},
    NamedCode{"MPEG_LAYER_II", SF_FORMAT_MPEG_LAYER_II},
    NamedCode{"MPEG_LAYER_III", SF_FORMAT_MPEG_LAYER_III},
};

template <std::size_t N>
std::string name_of(const std::array<NamedCode, N>& table, int code) {
  for (const auto& e : table)
    if (e.code == code) return std::string(e.name);
  return "UNKNOWN";
}

template <std::size_t N>
std::optional<int> code_of(const std::array<NamedCode, N>& table, std::string name) {
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::toupper(c); });
  for (const auto& e : table)
    if (e.name == name) return e.code;
  return std::nullopt;
}

std::string in_quotes(const std::string& path) {
  return "'" + path + "'";
}

std::string describe_major(int format) {
  SF_FORMAT_INFO fi{};
  fi.format = format & SF_FORMAT_TYPEMASK;
  if (sf_command(nullptr, SFC_GET_FORMAT_INFO, &fi, sizeof fi) == 0 && fi.name) return fi.name;
  return name_of(kFormats, format & SF_FORMAT_TYPEMASK);
}

std::string describe_subtype(int format) {
  SF_FORMAT_INFO fi{};
  fi.format = format & SF_FORMAT_SUBMASK;
  if (sf_command(nullptr, SFC_GET_FORMAT_INFO, &fi, sizeof fi) == 0 && fi.name) return fi.name;
  return name_of(kSubtypes, format & SF_FORMAT_SUBMASK);
}

// Integer PCM subtypes are read through sf_read_int (left-justified 32-bit) and scaled by 2^-31,
// which is exact; libsndfile's own int->float path is exact too but its float->int path is not.
bool is_integer_pcm(int format) {
  switch (format & SF_FORMAT_SUBMASK) {
    case SF_FORMAT_PCM_S8:
    case SF_FORMAT_PCM_U8:
    case SF_FORMAT_PCM_16:
    case SF_FORMAT_PCM_24:
    case SF_FORMAT_PCM_32:
    case SF_FORMAT_ALAC_16:
    case SF_FORMAT_ALAC_20:
    case SF_FORMAT_ALAC_24:
    case SF_FORMAT_ALAC_32:
      return true;
    default:
      return false;
  }
}

// Checks the path before libsndfile sees it, so the error says what is really wrong.
void check_readable(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const int err = errno;
    throw FileError(in_quotes(path) + ": cannot open: " + errno_message(err));
  }
  if (S_ISDIR(st.st_mode)) throw FileError(in_quotes(path) + ": is a directory, not an audio file");
  if (S_ISREG(st.st_mode) && st.st_size == 0)
    throw FormatError(in_quotes(path) + ": empty file (0 bytes), no audio header");
}

// libsndfile notes a data chunk that claims more bytes than the file holds as "data : N (should be M)".
bool log_says_truncated(SNDFILE* sf, std::int64_t& declared_bytes, std::int64_t& present_bytes) {
  std::vector<char> log(16384);
  sf_command(sf, SFC_GET_LOG_INFO, log.data(), static_cast<int>(log.size()));
  const std::string_view text(log.data());
  for (std::string_view key : {"data : ", "SSND : ", "FORM : "}) {
    const auto pos = text.find(key);
    if (pos == std::string_view::npos) continue;
    const auto eol = text.find('\n', pos);
    const std::string line(text.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos));
    long long declared = 0, present = 0;
    if (std::sscanf(line.c_str() + key.size(), "%lld (should be %lld)", &declared, &present) == 2 &&
        present < declared && key != "FORM : ") {
      declared_bytes = declared;
      present_bytes = present;
      return true;
    }
  }
  return false;
}

AudioFileInfo make_info(const std::string& path, const SF_INFO& sfi, SNDFILE* sf) {
  AudioFileInfo info;
  info.path = path;
  info.sample_rate = sfi.samplerate;
  info.channels = sfi.channels;
  info.frames = sfi.frames;
  info.format = name_of(kFormats, sfi.format & SF_FORMAT_TYPEMASK);
  info.subtype = name_of(kSubtypes, sfi.format & SF_FORMAT_SUBMASK);
  info.format_description = describe_major(sfi.format);
  info.subtype_description = describe_subtype(sfi.format);
  info.seekable = sfi.seekable != 0;
  info.duration = sfi.samplerate > 0 ? static_cast<double>(sfi.frames) / sfi.samplerate : 0.0;
  (void)sf;
  return info;
}

}  // namespace

// ------------------------------------------------------------------------------------------------
struct AudioFileReader::Impl {
  SNDFILE* sf = nullptr;
  AudioFileInfo info;
  bool integer_pcm = false;
  std::int64_t position = 0;
  std::vector<int> int_scratch;
  std::vector<float> float_scratch;
  std::vector<double> double_scratch;

  ~Impl() {
    if (sf) sf_close(sf);
  }

  template <class T>
  std::size_t read_interleaved(T* out, std::size_t max_frames) {
    if (!sf) throw StreamError(in_quotes(info.path) + ": read from a closed file");
    const auto nc = static_cast<std::size_t>(info.channels);
    std::size_t done = 0;
    while (done < max_frames) {
      sf_count_t got = 0;
      if (integer_pcm) {
        constexpr std::size_t kChunk = 8192;
        const std::size_t want = std::min(kChunk, max_frames - done);
        int_scratch.resize(want * nc);
        got = sf_readf_int(sf, int_scratch.data(), static_cast<sf_count_t>(want));
        constexpr double kScale = 1.0 / 2147483648.0;
        T* dst = out + done * nc;
        for (std::size_t i = 0; i < static_cast<std::size_t>(got) * nc; ++i)
          dst[i] = static_cast<T>(int_scratch[i] * kScale);
      } else if constexpr (std::is_same_v<T, float>) {
        got = sf_readf_float(sf, out + done * nc, static_cast<sf_count_t>(max_frames - done));
      } else {
        got = sf_readf_double(sf, out + done * nc, static_cast<sf_count_t>(max_frames - done));
      }
      if (got < 0) throw FormatError(in_quotes(info.path) + ": read failed: " + sf_strerror(sf));
      if (got == 0) {
        if (sf_error(sf) != SF_ERR_NO_ERROR)
          throw FormatError(in_quotes(info.path) + ": read failed at frame " + std::to_string(position) + ": " +
                            sf_strerror(sf));
        break;
      }
      done += static_cast<std::size_t>(got);
      position += got;
    }
    return done;
  }

  template <class T>
  std::size_t read_planar(AudioView<T> out) {
    if (out.num_channels() != static_cast<std::size_t>(info.channels))
      throw InvalidArgument(in_quotes(info.path) + ": has " + std::to_string(info.channels) +
                            " channels, the destination " + std::to_string(out.num_channels()));
    std::vector<T>& scratch = [this]() -> std::vector<T>& {
      if constexpr (std::is_same_v<T, float>)
        return float_scratch;
      else
        return double_scratch;
    }();
    constexpr std::size_t kBlock = 16384;
    std::size_t done = 0;
    const auto nc = out.num_channels();
    while (done < out.num_frames()) {
      const std::size_t want = std::min(kBlock, out.num_frames() - done);
      scratch.resize(want * nc);
      const std::size_t got = read_interleaved(scratch.data(), want);
      for (std::size_t c = 0; c < nc; ++c) {
        T* dst = out.channel(c) + done;
        for (std::size_t i = 0; i < got; ++i) dst[i] = scratch[i * nc + c];
      }
      done += got;
      if (got < want) break;
    }
    return done;
  }
};

AudioFileReader::AudioFileReader(const std::string& path, ReaderOptions options) : impl_(std::make_unique<Impl>()) {
  check_readable(path);
  SF_INFO sfi{};
  impl_->sf = sf_open(path.c_str(), SFM_READ, &sfi);
  if (!impl_->sf) {
    const std::string why = sf_strerror(nullptr);
    if (why.find("ermission") != std::string::npos || why.find("No such file") != std::string::npos)
      throw FileError(in_quotes(path) + ": cannot open: " + why);
    throw FormatError(in_quotes(path) + ": not a readable audio file: " + why);
  }
  impl_->info = make_info(path, sfi, impl_->sf);
  impl_->integer_pcm = is_integer_pcm(sfi.format);
  if (sfi.channels <= 0 || sfi.samplerate <= 0)
    throw FormatError(in_quotes(path) + ": corrupt header: " + std::to_string(sfi.channels) + " channels at " +
                      std::to_string(sfi.samplerate) + " Hz");
  if (sfi.frames == SF_COUNT_MAX) {
    // No length in the header (a FLAC stream still being written, a pipe): measure it by decoding,
    // then return to the start.
    sf_count_t counted = 0;
    std::vector<float> scratch(4096 * static_cast<std::size_t>(sfi.channels));
    for (sf_count_t got; (got = sf_readf_float(impl_->sf, scratch.data(), 4096)) > 0;) counted += got;
    sf_close(impl_->sf);
    SF_INFO again{};
    impl_->sf = sf_open(path.c_str(), SFM_READ, &again);
    if (!impl_->sf)
      throw FormatError(in_quotes(path) + ": cannot reopen after measuring its length: " + sf_strerror(nullptr));
    sfi.frames = counted;
    impl_->info.frames = counted;
    impl_->info.duration = static_cast<double>(counted) / sfi.samplerate;
  }
  if (sfi.frames < 0) throw FormatError(in_quotes(path) + ": corrupt header: negative length");
  std::int64_t declared = 0, present = 0;
  if (!options.allow_truncated && log_says_truncated(impl_->sf, declared, present)) {
    throw FormatError(in_quotes(path) + ": truncated: the header declares " + std::to_string(declared) +
                      " bytes of audio but the file holds " + std::to_string(present) + " (" +
                      std::to_string(sfi.frames) + " frames); pass allow_truncated to read what is there");
  }
  // Clipping on write only matters for writers; keep libsndfile's float normalisation for reading.
  sf_command(impl_->sf, SFC_SET_NORM_FLOAT, nullptr, SF_TRUE);
  sf_command(impl_->sf, SFC_SET_NORM_DOUBLE, nullptr, SF_TRUE);
}

AudioFileReader::~AudioFileReader() = default;
AudioFileReader::AudioFileReader(AudioFileReader&&) noexcept = default;
AudioFileReader& AudioFileReader::operator=(AudioFileReader&&) noexcept = default;

const AudioFileInfo& AudioFileReader::info() const noexcept {
  return impl_->info;
}
std::int64_t AudioFileReader::tell() const noexcept {
  return impl_->position;
}
bool AudioFileReader::is_open() const noexcept {
  return impl_ && impl_->sf != nullptr;
}

void AudioFileReader::close() noexcept {
  if (impl_ && impl_->sf) {
    sf_close(impl_->sf);
    impl_->sf = nullptr;
  }
}

void AudioFileReader::seek(std::int64_t frame) {
  if (!is_open()) throw StreamError(in_quotes(impl_->info.path) + ": seek in a closed file");
  if (frame < 0 || frame > impl_->info.frames)
    throw InvalidArgument(in_quotes(impl_->info.path) + ": cannot seek to frame " + std::to_string(frame) +
                          ": the file has " + std::to_string(impl_->info.frames) + " frames");
  if (frame == impl_->position) return;
  if (!impl_->info.seekable) throw FormatError(in_quotes(impl_->info.path) + ": not seekable");
  const sf_count_t got = sf_seek(impl_->sf, frame, SEEK_SET);
  if (got < 0)
    throw FormatError(in_quotes(impl_->info.path) + ": seek to frame " + std::to_string(frame) +
                      " failed: " + sf_strerror(impl_->sf));
  impl_->position = got;
}

std::size_t AudioFileReader::read_interleaved(float* out, std::size_t n) {
  return impl_->read_interleaved(out, n);
}
std::size_t AudioFileReader::read_interleaved(double* out, std::size_t n) {
  return impl_->read_interleaved(out, n);
}
std::size_t AudioFileReader::read(AudioView<float> out) {
  return impl_->read_planar(out);
}
std::size_t AudioFileReader::read(AudioView<double> out) {
  return impl_->read_planar(out);
}

AudioFileInfo audio_file_info(const std::string& path) {
  AudioFileReader reader(path, ReaderOptions{.allow_truncated = true});
  return reader.info();
}

// ------------------------------------------------------------------------------------------------
std::string format_from_extension(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  if (ext == ".wav") return "WAV";
  if (ext == ".flac") return "FLAC";
  if (ext == ".ogg" || ext == ".oga" || ext == ".opus") return "OGG";
  if (ext == ".mp3") return "MP3";
  if (ext == ".aif" || ext == ".aiff") return "AIFF";
  if (ext == ".au" || ext == ".snd") return "AU";
  if (ext == ".caf") return "CAF";
  if (ext == ".w64") return "W64";
  if (ext == ".rf64") return "RF64";
  if (ext == ".raw") return "RAW";
  throw FormatError(in_quotes(path) + ": cannot tell the audio format from the extension '" + ext +
                    "' (use .wav, .flac, .ogg, .opus, .mp3, .aiff, .au, .caf, .w64 or .rf64, or name the format)");
}

std::string available_formats_text() {
  std::string text;
  int count = 0;
  sf_command(nullptr, SFC_GET_FORMAT_MAJOR_COUNT, &count, sizeof(int));
  for (int k = 0; k < count; ++k) {
    SF_FORMAT_INFO fi{};
    fi.format = k;
    sf_command(nullptr, SFC_GET_FORMAT_MAJOR, &fi, sizeof fi);
    text += name_of(kFormats, fi.format) + " (" + fi.name + ")\n";
  }
  return text;
}

struct AudioFileWriter::Impl {
  SNDFILE* sf = nullptr;
  AudioFileInfo info;
  SampleFormat integer_format = SampleFormat::Float32;  // for integer PCM subtypes: what we convert to
  bool integer_pcm = false;
  std::int64_t written = 0;
  std::vector<int> int_scratch;
  std::vector<float> float_scratch;
  std::vector<double> double_scratch;

  ~Impl() {
    if (sf) sf_close(sf);
  }

  template <class T>
  void write_interleaved(const T* data, std::size_t frames) {
    if (!sf) throw StreamError(in_quotes(info.path) + ": write to a closed file");
    const auto nc = static_cast<std::size_t>(info.channels);
    if (integer_pcm && has_non_finite(data, frames * nc))
      throw FormatError(in_quotes(info.path) + ": refusing to write NaN or Inf to the integer format " + info.subtype);
    std::size_t done = 0;
    while (done < frames) {
      constexpr std::size_t kChunk = 8192;
      const std::size_t n = std::min(kChunk, frames - done);
      sf_count_t put = 0;
      if (integer_pcm) {
        // Exact: x * 2^31 clipped, written as left-justified 32-bit ints; libsndfile shifts them down
        // to the subtype's width, which is exact for values produced from that width.
        int_scratch.resize(n * nc);
        const T* src = data + done * nc;
        const double full = 2147483648.0;
        for (std::size_t i = 0; i < n * nc; ++i) {
          double v = std::nearbyint(static_cast<double>(src[i]) * full);
          v = std::clamp(v, -2147483648.0, 2147483647.0);
          int_scratch[i] = static_cast<int>(v);
        }
        quantise_to_width(int_scratch);
        put = sf_writef_int(sf, int_scratch.data(), static_cast<sf_count_t>(n));
      } else if constexpr (std::is_same_v<T, float>) {
        put = sf_writef_float(sf, data + done * nc, static_cast<sf_count_t>(n));
      } else {
        put = sf_writef_double(sf, data + done * nc, static_cast<sf_count_t>(n));
      }
      if (put != static_cast<sf_count_t>(n))
        throw FileError(in_quotes(info.path) + ": write failed after " + std::to_string(written) +
                        " frames: " + sf_strerror(sf));
      done += n;
      written += put;
    }
    info.frames = written;
    info.duration = static_cast<double>(written) / info.sample_rate;
  }

  // libsndfile truncates the low bits when it narrows a 32-bit int; round to the target width first
  // (with saturation), so that x = v / 2^(N-1) is written as exactly v.
  void quantise_to_width(std::vector<int>& v) const {
    int bits = 32;
    switch (integer_format) {
      case SampleFormat::UInt8:
        bits = 8;
        break;
      case SampleFormat::Int16:
        bits = 16;
        break;
      case SampleFormat::Int24:
        bits = 24;
        break;
      default:
        return;
    }
    const int shift = 32 - bits;
    const std::int64_t half = std::int64_t{1} << (shift - 1);
    const std::int64_t max_code = (std::int64_t{1} << (bits - 1)) - 1;
    for (int& x : v) {
      std::int64_t code = (static_cast<std::int64_t>(x) + half) >> shift;  // round half up
      if (code > max_code) code = max_code;
      x = static_cast<int>(static_cast<std::uint32_t>(code) << shift);
    }
  }

  template <class T>
  void write_planar(AudioView<const T> in) {
    if (in.num_channels() != static_cast<std::size_t>(info.channels))
      throw InvalidArgument(in_quotes(info.path) + ": the file has " + std::to_string(info.channels) +
                            " channels, the data " + std::to_string(in.num_channels()));
    std::vector<T>& scratch = [this]() -> std::vector<T>& {
      if constexpr (std::is_same_v<T, float>)
        return float_scratch;
      else
        return double_scratch;
    }();
    constexpr std::size_t kBlock = 16384;
    const auto nc = in.num_channels();
    for (std::size_t pos = 0; pos < in.num_frames(); pos += kBlock) {
      const std::size_t n = std::min(kBlock, in.num_frames() - pos);
      scratch.resize(n * nc);
      for (std::size_t c = 0; c < nc; ++c) {
        const T* src = in.channel(c) + pos;
        for (std::size_t i = 0; i < n; ++i) scratch[i * nc + c] = src[i];
      }
      write_interleaved(scratch.data(), n);
    }
  }
};

AudioFileWriter::AudioFileWriter(const std::string& path, int sample_rate, int channels, const WriterOptions& options)
    : impl_(std::make_unique<Impl>()) {
  if (sample_rate <= 0)
    throw InvalidArgument(in_quotes(path) + ": sample rate must be positive, got " + std::to_string(sample_rate));
  if (channels <= 0 || channels > 1024)
    throw InvalidArgument(in_quotes(path) + ": channel count must be 1..1024, got " + std::to_string(channels));
  const std::string format_name = options.format.empty() ? format_from_extension(path) : options.format;
  const auto major = code_of(kFormats, format_name);
  if (!major) throw FormatError(in_quotes(path) + ": unknown container format '" + format_name + "'");
  std::string subtype_name = options.subtype;
  if (subtype_name.empty()) {
    std::string ext = std::filesystem::path(path).extension().string();
    if (*major == SF_FORMAT_OGG)
      subtype_name = (ext == ".opus") ? "OPUS" : "VORBIS";
    else if (*major == SF_FORMAT_MPEG)
      subtype_name = "MPEG_LAYER_III";
    else
      subtype_name = "PCM_16";
  }
  const auto subtype = code_of(kSubtypes, subtype_name);
  if (!subtype) throw FormatError(in_quotes(path) + ": unknown subtype '" + subtype_name + "'");

  SF_INFO sfi{};
  sfi.samplerate = sample_rate;
  sfi.channels = channels;
  sfi.format = *major | *subtype;
  if (!sf_format_check(&sfi))
    throw FormatError(in_quotes(path) + ": " + format_name + " cannot store " + subtype_name + " audio with " +
                      std::to_string(channels) + " channel(s) at " + std::to_string(sample_rate) + " Hz");
  impl_->sf = sf_open(path.c_str(), SFM_WRITE, &sfi);
  if (!impl_->sf) throw FileError(in_quotes(path) + ": cannot create: " + sf_strerror(nullptr));
  impl_->info = make_info(path, sfi, impl_->sf);
  impl_->info.frames = 0;
  impl_->integer_pcm = is_integer_pcm(sfi.format);
  switch (*subtype) {
    case SF_FORMAT_PCM_S8:
    case SF_FORMAT_PCM_U8:
      impl_->integer_format = SampleFormat::UInt8;
      break;
    case SF_FORMAT_PCM_16:
    case SF_FORMAT_ALAC_16:
      impl_->integer_format = SampleFormat::Int16;
      break;
    case SF_FORMAT_PCM_24:
    case SF_FORMAT_ALAC_24:
      impl_->integer_format = SampleFormat::Int24;
      break;
    default:
      impl_->integer_format = SampleFormat::Int32;
      break;
  }
  if (*subtype == SF_FORMAT_ALAC_20) impl_->integer_pcm = false;  // let libsndfile convert 20-bit
  sf_command(impl_->sf, SFC_SET_CLIPPING, nullptr, SF_TRUE);
}

AudioFileWriter::~AudioFileWriter() = default;
AudioFileWriter::AudioFileWriter(AudioFileWriter&&) noexcept = default;
AudioFileWriter& AudioFileWriter::operator=(AudioFileWriter&&) noexcept = default;

void AudioFileWriter::write_interleaved(const float* d, std::size_t n) {
  impl_->write_interleaved(d, n);
}
void AudioFileWriter::write_interleaved(const double* d, std::size_t n) {
  impl_->write_interleaved(d, n);
}
void AudioFileWriter::write(AudioView<const float> in) {
  impl_->write_planar(in);
}
void AudioFileWriter::write(AudioView<const double> in) {
  impl_->write_planar(in);
}

void AudioFileWriter::flush() {
  if (!impl_->sf) return;
  sf_write_sync(impl_->sf);
  sf_command(impl_->sf, SFC_UPDATE_HEADER_NOW, nullptr, 0);
}

void AudioFileWriter::close() {
  if (impl_ && impl_->sf) {
    const int err = sf_close(impl_->sf);
    impl_->sf = nullptr;
    if (err != 0) throw FileError(in_quotes(impl_->info.path) + ": close failed: " + sf_error_number(err));
  }
}

std::int64_t AudioFileWriter::frames_written() const noexcept {
  return impl_->written;
}
const AudioFileInfo& AudioFileWriter::info() const noexcept {
  return impl_->info;
}

// ------------------------------------------------------------------------------------------------
template <class T>
AudioBuffer<T> read_audio(const std::string& path, int& sample_rate, const ReadOptions& options) {
  AudioFileReader reader(path, options.reader);
  sample_rate = reader.sample_rate();
  const std::int64_t total = reader.frames();
  if (options.offset_frames < 0)
    throw InvalidArgument(in_quotes(path) + ": offset must not be negative (got frame " +
                          std::to_string(options.offset_frames) + ")");
  if (options.offset_frames > total)
    throw InvalidArgument(in_quotes(path) + ": offset (frame " + std::to_string(options.offset_frames) + ", " +
                          std::to_string(static_cast<double>(options.offset_frames) / sample_rate) +
                          " s) is past the end of the file (" + std::to_string(total) + " frames, " +
                          std::to_string(reader.info().duration) + " s)");
  if (options.num_frames && *options.num_frames < 0)
    throw InvalidArgument(in_quotes(path) + ": duration must not be negative");
  reader.seek(options.offset_frames);
  const std::int64_t available = total - options.offset_frames;
  const std::int64_t want = options.num_frames ? std::min(*options.num_frames, available) : available;
  AudioBuffer<T> buffer(static_cast<std::size_t>(reader.channels()), static_cast<std::size_t>(want));
  const std::size_t got = reader.read(buffer.view());
  buffer.truncate(got);  // MP3 lengths are estimates; keep what was really decoded
  return buffer;
}

template <class T>
void write_audio(const std::string& path, AudioView<const T> audio, int sample_rate, const WriterOptions& options) {
  AudioFileWriter writer(path, sample_rate, static_cast<int>(audio.num_channels()), options);
  writer.write(audio);
  writer.close();
}

template AudioBuffer<float> read_audio<float>(const std::string&, int&, const ReadOptions&);
template AudioBuffer<double> read_audio<double>(const std::string&, int&, const ReadOptions&);
template void write_audio<float>(const std::string&, AudioView<const float>, int, const WriterOptions&);
template void write_audio<double>(const std::string&, AudioView<const double>, int, const WriterOptions&);

}  // namespace percept::io
