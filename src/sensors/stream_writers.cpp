#include "stream_writers.hpp"

#include <cerrno>
#include <cinttypes>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

#include "percept/core/errno_message.hpp"
#include "percept/core/error.hpp"
#include "percept/io/audio_file.hpp"

namespace percept::sensors::detail {

TextFile::TextFile(std::string path) : path_(std::move(path)) {
  f_ = std::fopen(path_.c_str(), "wbe");
  if (!f_) throw FileError("cannot create '" + path_ + "': " + percept::errno_message(errno));
  std::setvbuf(f_, nullptr, _IOFBF, 1 << 20);
}

TextFile::~TextFile() {
  if (f_) std::fclose(f_);
}

void TextFile::write(const std::string& s) {
  if (!f_) throw FileError("'" + path_ + "' is closed");
  if (std::fwrite(s.data(), 1, s.size(), f_) != s.size())
    throw FileError("cannot write '" + path_ + "': " + percept::errno_message(errno));
}

void TextFile::flush() {
  if (f_ && std::fflush(f_) != 0) throw FileError("cannot write '" + path_ + "': " + percept::errno_message(errno));
}

void TextFile::close() {
  if (!f_) return;
  const int rc = std::fclose(f_);
  f_ = nullptr;
  if (rc != 0) throw FileError("cannot write '" + path_ + "': " + percept::errno_message(errno));
}

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FileError("cannot open '" + path + "': " + percept::errno_message(errno));
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  std::vector<std::string> lines;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) break;  // unfinished last line (a crash while writing it)
    lines.emplace_back(text, pos, eol - pos);
    pos = eol + 1;
  }
  return lines;
}

namespace {

// ---------------------------------------------------------------------------------------------------
class AudioWriter final : public StreamWriter {
 public:
  AudioWriter(const std::string& path, const std::string& index_path, const StreamFormat& f,
              const std::string& audio_format)
      : writer_(
            path, static_cast<int>(std::lround(f.nominal_rate)), static_cast<int>(f.item_shape.at(0)),
            io::WriterOptions{audio_format == "flac" ? "FLAC" : "WAV", audio_format == "flac" ? "PCM_24" : "FLOAT"}),
        index_(index_path),
        channels_(f.item_shape.at(0)),
        period_ns_(1e9 / f.nominal_rate) {
    if (f.type != ElementType::Float32) throw InvalidArgument("Recorder: audio must be float32 ('" + path + "')");
    index_.write("file_position,stream_index,t_ns\n");
  }

  void write(const Chunk& c, std::int64_t lost) override {
    if (c.empty()) return;
    std::string rows;
    char buf[96];
    for (std::size_t k = 0; k < c.size(); ++k) {
      const std::int64_t pos = position_ + static_cast<std::int64_t>(k);
      const std::int64_t t = c.t_ns[k];
      bool row = !have_row_ || (k == 0 && lost > 0);
      if (!row) {
        const double predicted = static_cast<double>(row_t_) + static_cast<double>(pos - row_pos_) * period_ns_;
        row = std::fabs(static_cast<double>(t) - predicted) > 1000.0;
      }
      if (row) {
        std::snprintf(buf, sizeof buf, "%" PRId64 ",%" PRId64 ",%" PRId64 "\n", pos,
                      c.first_index + static_cast<std::int64_t>(k), t);
        rows += buf;
        have_row_ = true;
        row_pos_ = pos;
        row_t_ = t;
      }
    }
    writer_.write_interleaved(c.as<float>(), c.size());
    index_.write(rows);
    position_ += static_cast<std::int64_t>(c.size());
  }
  void flush() override {
    writer_.flush();  // the header now covers every frame written: readable after a crash
    index_.flush();
  }
  void close() override {
    writer_.close();
    index_.close();
  }

 private:
  io::AudioFileWriter writer_;
  TextFile index_;
  std::size_t channels_;
  double period_ns_;
  std::int64_t position_ = 0;
  bool have_row_ = false;
  std::int64_t row_pos_ = 0, row_t_ = 0;
};

// ---------------------------------------------------------------------------------------------------
class CsvWriter final : public StreamWriter {
 public:
  CsvWriter(const std::string& path, const StreamFormat& f) : file_(path), width_(f.item_elements()), type_(f.type) {
    std::string header = "t_ns,index";
    for (std::size_t i = 0; i < width_; ++i)
      header += "," + (i < f.fields.size() ? f.fields[i] : "v" + std::to_string(i));
    file_.write(header + "\n");
  }
  void write(const Chunk& c, std::int64_t /*lost: the index column shows gaps*/) override {
    std::string out;
    char buf[64];
    for (std::size_t k = 0; k < c.size(); ++k) {
      std::snprintf(buf, sizeof buf, "%" PRId64 ",%" PRId64, c.t_ns[k], c.first_index + static_cast<std::int64_t>(k));
      out += buf;
      for (std::size_t j = 0; j < width_; ++j) {
        double v = 0;
        const std::size_t e = k * width_ + j;
        switch (type_) {
          case ElementType::Float64:
            v = c.as<double>()[e];
            break;
          case ElementType::Float32:
            v = static_cast<double>(c.as<float>()[e]);
            break;
          case ElementType::UInt8:
            v = static_cast<double>(c.as<std::uint8_t>()[e]);
            break;
        }
        std::snprintf(buf, sizeof buf, ",%.17g", v);
        out += buf;
      }
      out += "\n";
    }
    file_.write(out);
  }
  void flush() override { file_.flush(); }
  void close() override { file_.close(); }

 private:
  TextFile file_;
  std::size_t width_;
  ElementType type_;
};

}  // namespace

std::unique_ptr<StreamWriter> make_audio_writer(const std::string& path, const std::string& index_path,
                                                const StreamFormat& format, const std::string& audio_format) {
  return std::make_unique<AudioWriter>(path, index_path, format, audio_format);
}

std::unique_ptr<StreamWriter> make_csv_writer(const std::string& path, const StreamFormat& format) {
  return std::make_unique<CsvWriter>(path, format);
}

}  // namespace percept::sensors::detail
