// specshow-like PNG rendering (see display.hpp).
#include "percept/analysis/display.hpp"

#include <png.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "font5x7.hpp"
#include "percept/core/error.hpp"

namespace percept::analysis {

namespace {

struct Rgb {
  std::uint8_t r, g, b;
};

// Colour maps as piecewise-linear ramps through evenly spaced control colours.
const std::vector<Rgb>& ramp(const std::string& name) {
  static const std::vector<Rgb> magma = {{0, 0, 4},      {28, 16, 68},    {79, 18, 123},
                                         {129, 37, 129}, {181, 54, 122},  {229, 80, 100},
                                         {251, 135, 97}, {254, 194, 135}, {252, 253, 191}};
  static const std::vector<Rgb> viridis = {{68, 1, 84},    {72, 40, 120},  {62, 74, 137},  {49, 104, 142},
                                           {38, 130, 142}, {31, 158, 137}, {53, 183, 121}, {109, 205, 89},
                                           {180, 222, 44}, {253, 231, 37}};
  static const std::vector<Rgb> coolwarm = {{59, 76, 192},   {98, 130, 234},  {141, 176, 254},
                                            {184, 208, 249}, {221, 221, 221}, {245, 196, 173},
                                            {244, 154, 123}, {222, 96, 77},   {180, 4, 38}};
  static const std::vector<Rgb> gray = {{0, 0, 0}, {255, 255, 255}};
  static const std::vector<Rgb> gray_r = {{255, 255, 255}, {0, 0, 0}};
  if (name == "magma") return magma;
  if (name == "viridis") return viridis;
  if (name == "coolwarm") return coolwarm;
  if (name == "gray" || name == "grey") return gray;
  if (name == "gray_r" || name == "grey_r") return gray_r;
  throw InvalidArgument("specshow: unknown colour map '" + name + "' (magma, viridis, coolwarm, gray, gray_r, auto)");
}

class Canvas {
 public:
  Canvas(int w, int h) : w_(w), h_(h), px_(static_cast<std::size_t>(w) * static_cast<std::size_t>(h) * 3, 255) {}
  void set(int x, int y, Rgb c) {
    if (x < 0 || y < 0 || x >= w_ || y >= h_) return;
    auto* p =
        px_.data() + (static_cast<std::size_t>(y) * static_cast<std::size_t>(w_) + static_cast<std::size_t>(x)) * 3;
    p[0] = c.r;
    p[1] = c.g;
    p[2] = c.b;
  }
  void hline(int x0, int x1, int y, Rgb c) {
    for (int x = x0; x <= x1; ++x) set(x, y, c);
  }
  void vline(int x, int y0, int y1, Rgb c) {
    for (int y = y0; y <= y1; ++y) set(x, y, c);
  }
  static int text_width(const std::string& s, int scale) {
    return s.empty() ? 0 : static_cast<int>(s.size()) * 6 * scale - scale;
  }
  // Walks the set pixels of s's glyphs: at(along, across), along the text and across it, in pixels.
  template <class At>
  static void glyph_pixels(const std::string& s, int scale, At&& at) {
    for (std::size_t i = 0; i < s.size(); ++i) {
      const auto* g = font5x7::find(s[i]);
      if (!g) g = font5x7::find('?');
      for (int gy = 0; gy < 7; ++gy)
        for (int gx = 0; gx < 5; ++gx)
          if (g->rows[gy][gx] == '#')
            for (int sy = 0; sy < scale; ++sy)
              for (int sx = 0; sx < scale; ++sx) at((static_cast<int>(i) * 6 + gx) * scale + sx, gy * scale + sy);
    }
  }
  // Horizontal text with its top-left corner at (x, y).
  void text(int x, int y, const std::string& s, int scale, Rgb c) {
    glyph_pixels(s, scale, [&](int along, int across) { set(x + along, y + across, c); });
  }
  // Text rotated 90 degrees counter-clockwise, reading bottom to top, its baseline-left at (x, y).
  void text_up(int x, int y, const std::string& s, int scale, Rgb c) {
    glyph_pixels(s, scale, [&](int along, int across) { set(x + across, y - along, c); });
  }
  RgbImage take() { return RgbImage{w_, h_, std::move(px_)}; }

 private:
  int w_, h_;
  std::vector<std::uint8_t> px_;
};

double nice_step(double range, int max_ticks) {
  if (!(range > 0)) return 1.0;
  const double raw = range / std::max(1, max_ticks);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * mag >= raw) return m * mag;
  return 10.0 * mag;
}

std::string format_number(double v, double step) {
  int decimals = 0;
  if (step < 1.0) decimals = std::min(6, static_cast<int>(std::ceil(-std::log10(step) - 1e-9)));
  char buf[64];
  if (std::abs(v) < step * 1e-6) v = 0.0;
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string format_hz(double f) {
  char buf[32];
  if (f >= 1000.0 && std::fmod(f, 1000.0) == 0.0)
    std::snprintf(buf, sizeof buf, "%.0fk", f / 1000.0);
  else if (f >= 1000.0)
    std::snprintf(buf, sizeof buf, "%.1fk", f / 1000.0);
  else
    std::snprintf(buf, sizeof buf, "%.0f", f);
  return buf;
}

double hz_to_mel(double f, bool htk) {
  if (htk) return 2595.0 * std::log10(1.0 + f / 700.0);
  const double f_sp = 200.0 / 3.0, min_log_hz = 1000.0, min_log_mel = min_log_hz / f_sp;
  const double logstep = std::log(6.4) / 27.0;
  return f >= min_log_hz ? min_log_mel + std::log(f / min_log_hz) / logstep : f / f_sp;
}

struct Tick {
  double pos;  // fractional data index (row or column), 0 = first bin's lower edge
  std::string label;
};

}  // namespace

DisplayAxis parse_display_axis(const std::string& n) {
  if (n.empty() || n == "none" || n == "None") return DisplayAxis::None;
  if (n == "time" || n == "s") return DisplayAxis::Time;
  if (n == "frames") return DisplayAxis::Frames;
  if (n == "linear" || n == "hz" || n == "fft") return DisplayAxis::Linear;
  if (n == "log") return DisplayAxis::Log;
  if (n == "mel") return DisplayAxis::Mel;
  if (n == "cqt_note") return DisplayAxis::CqtNote;
  if (n == "cqt_hz") return DisplayAxis::CqtHz;
  if (n == "chroma") return DisplayAxis::Chroma;
  throw InvalidArgument("specshow: unknown axis type '" + n +
                        "' (none, time, frames, linear, hz, fft, log, mel, cqt_note, cqt_hz, chroma)");
}

void colormap_rgb(const std::string& cmap, double t, std::uint8_t rgb[3]) {
  const auto& r = ramp(cmap);
  t = std::clamp(std::isfinite(t) ? t : 0.0, 0.0, 1.0);
  const double x = t * static_cast<double>(r.size() - 1);
  const auto i = std::min(static_cast<std::size_t>(x), r.size() - 2);
  const double f = x - static_cast<double>(i);
  auto mix = [f](std::uint8_t a, std::uint8_t b) {
    return static_cast<std::uint8_t>(std::lround(static_cast<double>(a) + f * (static_cast<double>(b) - a)));
  };
  rgb[0] = mix(r[i].r, r[i + 1].r);
  rgb[1] = mix(r[i].g, r[i + 1].g);
  rgb[2] = mix(r[i].b, r[i + 1].b);
}

RgbImage specshow(const float* data, std::size_t rows, std::size_t cols, const SpecshowOptions& o) {
  if (rows == 0 || cols == 0) throw InvalidArgument("specshow: the data is empty");
  if (o.width < 200 || o.height < 120 || o.width > 20000 || o.height > 20000)
    throw InvalidArgument("specshow: image size must be between 200x120 and 20000x20000 pixels");
  if (!(o.sr > 0) || o.hop_length == 0) throw InvalidArgument("specshow: sr and hop_length must be positive");
  const std::size_t n_fft = o.n_fft ? o.n_fft : 2 * (rows - 1);
  const bool spectral_y = o.y_axis == DisplayAxis::Linear || o.y_axis == DisplayAxis::Log;
  if (spectral_y && n_fft == 0) throw InvalidArgument("specshow: a frequency axis needs n_fft or at least 2 rows");

  // colour range
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (std::size_t i = 0; i < rows * cols; ++i)
    if (std::isfinite(data[i])) {
      lo = std::min(lo, static_cast<double>(data[i]));
      hi = std::max(hi, static_cast<double>(data[i]));
    }
  if (!std::isfinite(lo)) lo = 0, hi = 1;
  const double vmin = o.vmin.value_or(lo), vmax = o.vmax.value_or(hi);
  std::string cmap = o.cmap;
  if (cmap == "auto") cmap = (lo >= 0 || hi <= 0) ? "magma" : "coolwarm";
  (void)ramp(cmap);

  const int scale = 2;
  const int left = o.y_axis == DisplayAxis::None ? 20 : 96;
  const int right = o.colorbar ? (o.colorbar_label.empty() || o.colorbar_label.size() > 3 ? 120 : 150) : 24;
  const int top = o.title.empty() ? 16 : 40;
  const int bottom = o.x_axis == DisplayAxis::None ? 20 : 62;
  const int x0 = left, y0 = top, w = o.width - left - right, h = o.height - top - bottom;
  if (w < 40 || h < 40) throw InvalidArgument("specshow: image too small for the plot and its labels");
  Canvas cv(o.width, o.height);
  const Rgb black{0, 0, 0};

  // data -> rows for each screen row (Log maps frequency logarithmically)
  std::vector<std::ptrdiff_t> row_of(static_cast<std::size_t>(h));
  const double f_lo = o.sr / static_cast<double>(std::max<std::size_t>(n_fft, 1));
  const double f_hi = o.sr / 2.0;
  for (int py = 0; py < h; ++py) {
    const double u = (static_cast<double>(h - 1 - py) + 0.5) / h;  // 0 at bottom
    if (o.y_axis == DisplayAxis::Log) {
      const double f = f_lo * std::pow(f_hi / f_lo, u);
      const auto k = static_cast<std::ptrdiff_t>(std::lround(f * static_cast<double>(n_fft) / o.sr));
      row_of[static_cast<std::size_t>(py)] = std::clamp<std::ptrdiff_t>(k, 0, static_cast<std::ptrdiff_t>(rows) - 1);
    } else {
      row_of[static_cast<std::size_t>(py)] =
          std::min(static_cast<std::ptrdiff_t>(rows) - 1, static_cast<std::ptrdiff_t>(u * static_cast<double>(rows)));
    }
  }
  const double span = vmax > vmin ? vmax - vmin : 1.0;
  for (int py = 0; py < h; ++py) {
    const auto r = static_cast<std::size_t>(row_of[static_cast<std::size_t>(py)]);
    for (int px = 0; px < w; ++px) {
      const auto c = std::min(cols - 1, static_cast<std::size_t>((static_cast<double>(px) + 0.5) / w * cols));
      const float v = data[r * cols + c];
      std::uint8_t rgb[3] = {255, 255, 255};
      if (std::isfinite(v)) colormap_rgb(cmap, (v - vmin) / span, rgb);
      cv.set(x0 + px, y0 + py, Rgb{rgb[0], rgb[1], rgb[2]});
    }
  }
  // frame
  cv.hline(x0 - 1, x0 + w, y0 - 1, black);
  cv.hline(x0 - 1, x0 + w, y0 + h, black);
  cv.vline(x0 - 1, y0 - 1, y0 + h, black);
  cv.vline(x0 + w, y0 - 1, y0 + h, black);

  // x ticks
  std::vector<Tick> xt;
  std::string xlabel;
  if (o.x_axis == DisplayAxis::Time) {
    const double dur = static_cast<double>(cols) * static_cast<double>(o.hop_length) / o.sr;
    const double step = nice_step(dur, std::max(2, w / 90));
    for (double t = 0; t <= dur + 1e-9; t += step)
      xt.push_back({t * o.sr / static_cast<double>(o.hop_length), format_number(t, step)});
    xlabel = "Time (s)";
  } else if (o.x_axis == DisplayAxis::Frames) {
    const double step = std::max(1.0, nice_step(static_cast<double>(cols), std::max(2, w / 90)));
    for (double t = 0; t < static_cast<double>(cols); t += step) xt.push_back({t, format_number(t, step)});
    xlabel = "Frames";
  } else if (o.x_axis != DisplayAxis::None) {
    throw InvalidArgument("specshow: x_axis must be time, frames or none");
  }
  for (const auto& t : xt) {
    const int px = x0 + static_cast<int>(std::lround(t.pos / static_cast<double>(cols) * w));
    if (px < x0 - 1 || px > x0 + w) continue;
    cv.vline(px, y0 + h, y0 + h + 5, black);
    cv.text(px - Canvas::text_width(t.label, scale) / 2, y0 + h + 9, t.label, scale, black);
  }
  if (!xlabel.empty()) cv.text(x0 + w / 2 - Canvas::text_width(xlabel, scale) / 2, y0 + h + 34, xlabel, scale, black);

  // y ticks: pos is a fractional row coordinate (0 = bottom edge of row 0)
  std::vector<Tick> yt;
  std::string ylabel;
  const double nrows = static_cast<double>(rows);
  switch (o.y_axis) {
    case DisplayAxis::None:
      break;
    case DisplayAxis::Linear: {
      const double step = nice_step(f_hi, std::max(2, h / 45));
      for (double f = 0; f <= f_hi + 1e-9; f += step)
        yt.push_back({f * static_cast<double>(n_fft) / o.sr + 0.5, format_hz(f)});
      ylabel = "Hz";
      break;
    }
    case DisplayAxis::Log: {
      for (double f = 32; f <= f_hi; f *= 2)
        if (f >= f_lo) yt.push_back({std::log(f / f_lo) / std::log(f_hi / f_lo) * nrows, format_hz(f)});
      ylabel = "Hz";
      break;
    }
    case DisplayAxis::Mel: {
      const double fmin = o.mel_fmin.value_or(0.0), fmax = o.fmax.value_or(o.sr / 2.0);
      const double m0 = hz_to_mel(fmin, o.htk), m1 = hz_to_mel(fmax, o.htk);
      const double dm = (m1 - m0) / (nrows + 1.0);
      for (double f : {0.0, 500.0, 1000.0, 2000.0, 4000.0, 8000.0, 16000.0, 32000.0}) {
        if (f < fmin || f > fmax) continue;
        yt.push_back({(hz_to_mel(f, o.htk) - m0) / dm - 0.5, format_hz(f)});
      }
      ylabel = "Hz";
      break;
    }
    case DisplayAxis::CqtNote:
    case DisplayAxis::CqtHz: {
      const double bpo = static_cast<double>(o.bins_per_octave);
      const double midi0 = 12.0 * std::log2(o.fmin / 440.0) + 69.0;
      for (std::size_t b = 0; b < rows; ++b) {
        const double midi = midi0 + static_cast<double>(b) * 12.0 / bpo;
        const double nearest = std::round(midi);
        if (std::abs(midi - nearest) > 1e-6 || static_cast<long>(nearest) % 12 != 0) continue;
        std::string label;
        if (o.y_axis == DisplayAxis::CqtNote)
          label = "C" + std::to_string(static_cast<long>(nearest) / 12 - 1);
        else
          label = format_hz(o.fmin * std::pow(2.0, static_cast<double>(b) / bpo));
        yt.push_back({static_cast<double>(b) + 0.5, label});
      }
      ylabel = o.y_axis == DisplayAxis::CqtNote ? "Note" : "Hz";
      break;
    }
    case DisplayAxis::Chroma: {
      static const char* names[12] = {"C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"};
      for (std::size_t b = 0; b < rows; ++b) {
        const std::size_t pc = rows == 12 ? b : b * 12 / rows;
        if (rows != 12 && (b * 12) % rows != 0) continue;
        yt.push_back({static_cast<double>(b) + 0.5, names[pc % 12]});
      }
      ylabel = "Pitch class";
      break;
    }
    default:
      throw InvalidArgument("specshow: y_axis must be a frequency, chroma or none axis");
  }
  int last_py = std::numeric_limits<int>::max();
  for (const auto& t : yt) {
    const int py = y0 + h - static_cast<int>(std::lround(t.pos / nrows * h));
    if (py < y0 - 1 || py > y0 + h || std::abs(last_py - py) < 18) continue;
    last_py = py;
    cv.hline(x0 - 6, x0 - 1, py, black);
    cv.text(x0 - 9 - Canvas::text_width(t.label, scale), py - 7, t.label, scale, black);
  }
  if (!ylabel.empty()) cv.text_up(8, y0 + h / 2 + Canvas::text_width(ylabel, scale) / 2, ylabel, scale, black);

  if (!o.title.empty()) cv.text(x0 + w / 2 - Canvas::text_width(o.title, scale) / 2, 12, o.title, scale, black);

  if (o.colorbar) {
    const int cx = x0 + w + 18, cw = 18;
    for (int py = 0; py < h; ++py) {
      std::uint8_t rgb[3];
      colormap_rgb(cmap, static_cast<double>(h - 1 - py) / std::max(1, h - 1), rgb);
      for (int px = 0; px < cw; ++px) cv.set(cx + px, y0 + py, Rgb{rgb[0], rgb[1], rgb[2]});
    }
    cv.hline(cx - 1, cx + cw, y0 - 1, black);
    cv.hline(cx - 1, cx + cw, y0 + h, black);
    cv.vline(cx - 1, y0 - 1, y0 + h, black);
    cv.vline(cx + cw, y0 - 1, y0 + h, black);
    const double step = nice_step(vmax - vmin, std::max(2, h / 50));
    if (vmax > vmin) {
      for (double v = std::ceil(vmin / step) * step; v <= vmax + step * 1e-9; v += step) {
        const int py = y0 + h - 1 - static_cast<int>(std::lround((v - vmin) / (vmax - vmin) * (h - 1)));
        cv.hline(cx + cw, cx + cw + 4, py, black);
        std::string label = format_number(v, step);
        if (!o.colorbar_label.empty() && o.colorbar_label.size() <= 3) label += " " + o.colorbar_label;
        cv.text(cx + cw + 7, py - 7, label, scale, black);
      }
    }
    if (o.colorbar_label.size() > 3) cv.text(cx, y0 - 30 + (o.title.empty() ? 16 : 0), o.colorbar_label, scale, black);
  }
  return cv.take();
}

void write_png(const std::string& path, const RgbImage& image) {
  if (image.width <= 0 || image.height <= 0 ||
      image.pixels.size() != static_cast<std::size_t>(image.width) * static_cast<std::size_t>(image.height) * 3)
    throw InvalidArgument("write_png: inconsistent image");
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) throw FileError(path + ": cannot open for writing");
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (!png || !info) {
    if (png) png_destroy_write_struct(&png, nullptr);
    std::fclose(f);
    throw FileError(path + ": libpng could not be initialised");
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    std::fclose(f);
    throw FileError(path + ": writing the PNG failed");
  }
  png_init_io(png, f);
  png_set_IHDR(png, info, static_cast<png_uint_32>(image.width), static_cast<png_uint_32>(image.height), 8,
               PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (int y = 0; y < image.height; ++y)
    png_write_row(png, image.pixels.data() + static_cast<std::size_t>(y) * static_cast<std::size_t>(image.width) * 3);
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  if (std::fclose(f) != 0) throw FileError(path + ": closing the PNG failed");
}

}  // namespace percept::analysis
