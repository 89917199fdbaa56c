#include "percept/vision/polar.hpp"

#include <algorithm>
#include <cstring>
#include <thread>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <cmath>
#include <numbers>
#include <string>

namespace percept::vision {

namespace {
constexpr int kInterBits = 5;  // source positions in 1/32 pixel (cv2.remap's INTER_BITS)
constexpr int kInterTab = 1 << kInterBits;
constexpr int kCoefBits = 15;  // weights in 1/32768 (INTER_REMAP_COEF_BITS)

// Weights are stored divided by 32 (every bilinear weight (32-ax)(32-ay)*32 is a multiple of 32), so
// (sum w*p + 2^14) >> 15 becomes (sum w'*p + 2^9) >> 10 — the same integer, and w' <= 1024 fits SSE2's
// 16-bit multiply-add.
constexpr int kShift = kCoefBits - kInterBits;  // 10
constexpr int kRoundW = 1 << (kShift - 1);

struct WeightTable {
  std::uint16_t w[1024][4];  // by ax | ay << 5: (32-ax)(32-ay), ax(32-ay), (32-ax)ay, ax*ay
  WeightTable() {
    for (int ay = 0; ay < kInterTab; ++ay)
      for (int ax = 0; ax < kInterTab; ++ax) {
        auto* w4 = w[ax | (ay << kInterBits)];
        w4[0] = static_cast<std::uint16_t>((kInterTab - ax) * (kInterTab - ay));
        w4[1] = static_cast<std::uint16_t>(ax * (kInterTab - ay));
        w4[2] = static_cast<std::uint16_t>((kInterTab - ax) * ay);
        w4[3] = static_cast<std::uint16_t>(ax * ay);
      }
  }
};
const WeightTable& weight_table() {
  static const WeightTable table;
  return table;
}

inline void blend(const std::uint8_t* p, std::ptrdiff_t stride, const std::uint16_t* w, std::uint8_t* d, int cn) {
  const std::uint8_t* q = p + stride;
  const int w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3];
  for (int c = 0; c < cn; ++c)
    d[c] = static_cast<std::uint8_t>((w0 * p[c] + w1 * p[c + cn] + w2 * q[c] + w3 * q[c + cn] + kRoundW) >> kShift);
}

template <class Pos>
void apply_row_generic(const std::uint8_t* base, std::ptrdiff_t stride, const Pos* pos, const std::uint16_t* frac,
                       std::uint8_t* d, int width, int cn) {
  const auto& tab = weight_table();
  for (int x = 0; x < width; ++x) {
    const std::uint8_t* p =
        base + static_cast<std::ptrdiff_t>(pos[x].y) * stride + static_cast<std::ptrdiff_t>(pos[x].x) * cn;
    blend(p, stride, tab.w[frac[x]], d, cn);
    d += cn;
  }
}

#if defined(__SSE2__)
// Three interleaved channels, one pixel per iteration: the two source rows' 2x3 neighbours are interleaved
// (p, q) in 16-bit lanes and multiplied-added with (w0, w2) / (w1, w3) pairs.
template <class Pos>
void apply_row_bgr_sse2(const std::uint8_t* base, std::ptrdiff_t stride, const std::uint8_t* src_end, const Pos* pos,
                        const std::uint16_t* frac, std::uint8_t* d, int width) {
  const auto& tab = weight_table();
  const __m128i zero = _mm_setzero_si128();
  const __m128i round = _mm_set1_epi32(kRoundW);
  for (int x = 0; x < width; ++x) {
    const std::uint8_t* p =
        base + static_cast<std::ptrdiff_t>(pos[x].y) * stride + static_cast<std::ptrdiff_t>(pos[x].x) * 3;
    const std::uint8_t* q = p + stride;
    const std::uint16_t* w4 = tab.w[frac[x]];
    if (q + 8 > src_end || x == width - 1) {  // an 8-byte load would pass the image end / the row's last pixel
      blend(p, stride, w4, d, 3);
      d += 3;
      continue;
    }
    std::uint64_t pv, qv, wv;
    std::memcpy(&pv, p, 8);
    std::memcpy(&qv, q, 8);
    std::memcpy(&wv, w4, 8);
    const __m128i P = _mm_unpacklo_epi8(_mm_cvtsi64_si128(static_cast<long long>(pv)), zero);
    const __m128i Q = _mm_unpacklo_epi8(_mm_cvtsi64_si128(static_cast<long long>(qv)), zero);
    const __m128i w = _mm_cvtsi64_si128(static_cast<long long>(wv));        // w0 w1 w2 w3
    const __m128i w02 = _mm_shufflelo_epi16(w, _MM_SHUFFLE(2, 0, 2, 0));    // w0 w2 w0 w2
    const __m128i w0213 = _mm_shufflelo_epi16(w, _MM_SHUFFLE(3, 1, 2, 0));  // w0 w2 w1 w3
    const __m128i wa = _mm_unpacklo_epi64(w02, w0213);                      // w0 w2 w0 w2 w0 w2 w1 w3
    const __m128i wb = _mm_unpacklo_epi64(_mm_shufflelo_epi16(w, _MM_SHUFFLE(3, 1, 3, 1)), zero);  // w1 w3 w1 w3 0..
    const __m128i a = _mm_madd_epi16(_mm_unpacklo_epi16(P, Q), wa);  // b0, g0, r0 (x0 column), b1 (x0+1)
    const __m128i b = _mm_madd_epi16(_mm_unpackhi_epi16(P, Q), wb);  // g1, r1 (x0+1 column), 0, 0
    __m128i sum = _mm_add_epi32(a, _mm_add_epi32(_mm_srli_si128(a, 12), _mm_slli_si128(b, 4)));
    sum = _mm_srai_epi32(_mm_add_epi32(sum, round), kShift);
    const __m128i packed = _mm_packus_epi16(_mm_packs_epi32(sum, zero), zero);
    const auto out = static_cast<std::uint32_t>(_mm_cvtsi128_si32(packed));
    std::memcpy(d, &out, 4);  // the 4th byte is overwritten by the next pixel (never past the row's end)
    d += 3;
  }
}
#endif
}  // namespace

double PolarMap::radius(int j) const noexcept {
  const double w = spec_.width;
  switch (spec_.mode) {
    case PolarMode::Linear:
      return static_cast<float>(j * (spec_.max_radius / w));
    case PolarMode::Log:
      return static_cast<float>(std::exp(j * (std::log(spec_.max_radius) / w)) - 1.0);
    case PolarMode::LogFovea: {
      const double a = spec_.fovea;
      return a * std::exp(j * (std::log((spec_.max_radius + a) / a) / w)) - a;
    }
  }
  return 0.0;
}

PolarMap::PolarMap(const PolarSpec& spec) : spec_(spec) {
  if (spec.src_width < 2 || spec.src_height < 2)
    throw InvalidArgument("PolarMap: the source image must be at least 2x2, got " + std::to_string(spec.src_width) +
                          "x" + std::to_string(spec.src_height));
  if (spec.src_width > 32000 || spec.src_height > 32000)
    throw InvalidArgument("PolarMap: the source image is too large (32000 pixels at most per side)");
  if (spec.width < 1 || spec.height < 1)
    throw InvalidArgument("PolarMap: the output size must be positive, got " + std::to_string(spec.width) + "x" +
                          std::to_string(spec.height));
  if (!(std::isfinite(spec.max_radius) && spec.max_radius > 0))
    throw InvalidArgument("PolarMap: max_radius must be positive, got " + std::to_string(spec.max_radius));
  if (spec.mode == PolarMode::Log && !(spec.max_radius > 1))
    throw InvalidArgument("PolarMap: log mode needs max_radius > 1");
  if (spec.mode == PolarMode::LogFovea && !(std::isfinite(spec.fovea) && spec.fovea > 0))
    throw InvalidArgument("PolarMap: fovea must be positive, got " + std::to_string(spec.fovea));
  if (!std::isfinite(spec.center_x) || !std::isfinite(spec.center_y))
    throw InvalidArgument("PolarMap: the centre must be finite");

  const int W = spec.width, H = spec.height, sw = spec.src_width, sh = spec.src_height;
  const std::size_t n = static_cast<std::size_t>(W) * static_cast<std::size_t>(H);
  pos_.resize(n);
  frac_.resize(n);
  map_x_.resize(n);
  map_y_.resize(n);
  std::vector<float> rhos(static_cast<std::size_t>(W));
  for (int j = 0; j < W; ++j) rhos[static_cast<std::size_t>(j)] = static_cast<float>(radius(j));
  const double k_angle = 2.0 * std::numbers::pi / H;
  for (int i = 0; i < H; ++i) {
    const double cp = std::cos(k_angle * i), sp = std::sin(k_angle * i);
    for (int j = 0; j < W; ++j) {
      const std::size_t o = static_cast<std::size_t>(i) * static_cast<std::size_t>(W) + static_cast<std::size_t>(j);
      const float fx = static_cast<float>(rhos[static_cast<std::size_t>(j)] * cp + spec.center_x);
      const float fy = static_cast<float>(rhos[static_cast<std::size_t>(j)] * sp + spec.center_y);
      map_x_[o] = fx;
      map_y_[o] = fy;
      // cv2.remap: round the position to 1/32 pixel, split into integer and fraction.
      const float sx = std::clamp(fx * kInterTab, -1e9f, 1e9f), sy = std::clamp(fy * kInterTab, -1e9f, 1e9f);
      const long ix = std::lrint(sx), iy = std::lrint(sy);
      const long x0 = ix >> kInterBits, y0 = iy >> kInterBits;
      const int ax = static_cast<int>(ix & (kInterTab - 1)), ay = static_cast<int>(iy & (kInterTab - 1));
      const int tw[4] = {(kInterTab - ax) * (kInterTab - ay), ax * (kInterTab - ay), (kInterTab - ax) * ay, ax * ay};
      if (x0 >= 0 && y0 >= 0 && x0 <= sw - 2 && y0 <= sh - 2) {  // all four neighbours inside: the fast path
        pos_[o] = Pos{static_cast<std::int16_t>(x0), static_cast<std::int16_t>(y0)};
        frac_[o] = static_cast<std::uint16_t>(ax | (ay << kInterBits));
        continue;
      }
      const long bx = std::clamp<long>(x0, 0, sw - 2), by = std::clamp<long>(y0, 0, sh - 2);
      pos_[o] = Pos{static_cast<std::int16_t>(bx), static_cast<std::int16_t>(by)};
      frac_[o] = 0;
      Fixup e{static_cast<std::uint32_t>(o), pos_[o], {0, 0, 0, 0}};
      for (int t = 0; t < 4; ++t) {
        const long tx = x0 + (t & 1), ty = y0 + (t >> 1);
        if (tx < 0 || ty < 0 || tx >= sw || ty >= sh) continue;  // outside counts as 0
        const auto slot = static_cast<std::size_t>((ty - by) * 2 + (tx - bx));
        e.w[slot] = static_cast<std::uint16_t>(e.w[slot] + tw[t]);
      }
      fixups_.push_back(e);
    }
  }
}

void PolarMap::apply(ImageView<const std::uint8_t> src, ImageView<std::uint8_t> dst) const {
  check_image(src, "PolarMap.apply");
  if (src.width != spec_.src_width || src.height != spec_.src_height)
    throw InvalidArgument("PolarMap.apply: the map was made for " + std::to_string(spec_.src_width) + "x" +
                          std::to_string(spec_.src_height) + " images, got " + std::to_string(src.width) + "x" +
                          std::to_string(src.height));
  if (!dst.same_shape(spec_.height, spec_.width, src.channels))
    throw InvalidArgument("PolarMap.apply: the output must be " + std::to_string(spec_.height) + "x" +
                          std::to_string(spec_.width) + "x" + std::to_string(src.channels));
  const std::uint8_t* src_end = src.row(src.height - 1) + static_cast<std::ptrdiff_t>(src.width) * src.channels;
  auto rows = [&](int begin, int end) {
    for (int i = begin; i < end; ++i) {
      const std::size_t o = static_cast<std::size_t>(i) * static_cast<std::size_t>(spec_.width);
#if defined(__SSE2__)
      if (src.channels == 3) {
        apply_row_bgr_sse2(src.data, src.row_stride, src_end, pos_.data() + o, frac_.data() + o, dst.row(i),
                           spec_.width);
        continue;
      }
#endif
      apply_row_generic(src.data, src.row_stride, pos_.data() + o, frac_.data() + o, dst.row(i), spec_.width,
                        src.channels);
    }
  };
  // Large maps are split over two threads (rows are independent).
  const std::size_t work = static_cast<std::size_t>(spec_.width) * static_cast<std::size_t>(spec_.height);
  if (work >= 100000 && std::thread::hardware_concurrency() > 1 && spec_.height >= 2) {
    const int mid = spec_.height / 2;
    std::thread helper(rows, mid, spec_.height);
    rows(0, mid);
    helper.join();
  } else {
    rows(0, spec_.height);
  }
  // Pixels next to or beyond the image border: explicit weights, outside neighbours count as 0.
  const int cn = src.channels;
  for (const Fixup& f : fixups_) {
    const int row = static_cast<int>(f.index / static_cast<std::uint32_t>(spec_.width));
    const int col = static_cast<int>(f.index % static_cast<std::uint32_t>(spec_.width));
    const std::uint8_t* p =
        src.data + static_cast<std::ptrdiff_t>(f.pos.y) * src.row_stride + static_cast<std::ptrdiff_t>(f.pos.x) * cn;
    blend(p, src.row_stride, f.w, dst.row(row) + static_cast<std::ptrdiff_t>(col) * cn, cn);
  }
}

void split_polar_hemifields(ImageView<const std::uint8_t> polar, Image<std::uint8_t>& left,
                            Image<std::uint8_t>& right) {
  check_image(polar, "split_polar_hemifields");
  const int h = polar.height;
  if (h < 2) throw InvalidArgument("split_polar_hemifields: at least 2 angle rows are needed");
  const int b1 = (h + 3) / 4, b3 = (3 * h + 3) / 4;  // ceil(h/4), ceil(3h/4)
  left = Image<std::uint8_t>(b3 - b1, polar.width, polar.channels);
  right = Image<std::uint8_t>(h - (b3 - b1), polar.width, polar.channels);
  const auto row_bytes = static_cast<std::size_t>(polar.width) * static_cast<std::size_t>(polar.channels);
  for (int i = b1; i < b3; ++i) std::memcpy(left.view().row(i - b1), polar.row(i), row_bytes);
  int r = 0;
  for (int i = b3; i < h; ++i) std::memcpy(right.view().row(r++), polar.row(i), row_bytes);
  for (int i = 0; i < b1; ++i) std::memcpy(right.view().row(r++), polar.row(i), row_bytes);
}

}  // namespace percept::vision
