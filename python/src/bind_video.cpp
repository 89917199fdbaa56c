// Video bindings: percept._percept._VideoSource / _VideoReader / VideoWriter / VideoFrame / _probe_video.
// The Python-facing classes (percept.video.VideoSource, frames()) are in python/percept/video.py.
// Frames reach numpy without a copy: the array's base is a capsule that keeps the C++ frame alive
// (arrays are read-only because the same frame may also be returned by latest()). Waiting for frames,
// opening sources and encoding run without the GIL.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "common.hpp"
#include "percept/core/clock.hpp"
#include "percept/core/error.hpp"
#include "percept/io/video_source.hpp"
#include "percept/io/video_writer.hpp"

namespace py = pybind11;
using namespace percept;
using namespace percept::io;

namespace {

using FramePtr = std::shared_ptr<const VideoFrame>;

py::array plane_array(const FramePtr& f, int plane) {
  auto* keep = new FramePtr(f);
  py::capsule owner(keep, [](void* p) { delete static_cast<FramePtr*>(p); });
  const auto h = static_cast<py::ssize_t>(f->plane_height(plane));
  const auto w = static_cast<py::ssize_t>(f->plane_width(plane));
  py::array a;
  if (f->format == PixelFormat::BGR || f->format == PixelFormat::RGB)
    a = py::array_t<std::uint8_t>({h, w, py::ssize_t{3}}, f->plane(plane), owner);
  else
    a = py::array_t<std::uint8_t>({h, w}, f->plane(plane), owner);
  py::detail::array_proxy(a.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
  return a;
}

py::object frame_image(const FramePtr& f) {
  if (f->format == PixelFormat::YUV420P) return py::make_tuple(plane_array(f, 0), plane_array(f, 1), plane_array(f, 2));
  return plane_array(f, 0);
}

py::dict info_dict(const VideoInfo& i) {
  py::dict d;
  d["source"] = i.source;
  d["format"] = i.format_name;
  d["codec"] = i.codec;
  d["native_pixel_format"] = i.native_pixel_format;
  d["native_size"] = py::make_tuple(i.native_width, i.native_height);
  d["size"] = py::make_tuple(i.width, i.height);
  d["width"] = i.width;
  d["height"] = i.height;
  d["fps"] = i.fps;
  d["duration"] = i.duration;
  d["frame_count"] = i.frame_count;
  d["bit_rate"] = i.bit_rate;
  d["live"] = i.live;
  d["pixel_format"] = to_string(i.pixel_format);
  d["notes"] = i.notes;
  return d;
}

QueueMode parse_mode(const std::string& m) {
  if (m == "latest") return QueueMode::Latest;
  if (m == "every") return QueueMode::Every;
  throw InvalidArgument("mode must be 'latest' or 'every', got '" + m + "'");
}

VideoSourceOptions make_options(const std::optional<std::pair<int, int>>& size, std::optional<double> fps,
                                const std::string& pixel_format, const std::string& mode, std::size_t queue_size,
                                const std::optional<std::string>& input_format,
                                const std::optional<std::string>& input_pixel_format,
                                const std::optional<std::map<std::string, std::string>>& options, double open_timeout,
                                double read_timeout, int threads, std::optional<bool> realtime, int reconnect,
                                bool strict) {
  VideoSourceOptions o;
  if (size) {
    o.width = size->first;
    o.height = size->second;
  }
  o.fps = fps;
  o.pixel_format = parse_pixel_format(pixel_format);
  o.mode = parse_mode(mode);
  if (queue_size == 0) throw InvalidArgument("queue_size must be >= 1");
  o.queue_size = queue_size;
  if (input_format) o.input_format = *input_format;
  if (input_pixel_format) o.input_pixel_format = *input_pixel_format;
  if (options) o.options = *options;
  o.open_timeout = open_timeout;
  o.read_timeout = read_timeout;
  if (threads < 0) throw InvalidArgument("threads must be >= 0");
  o.threads = threads;
  o.realtime = realtime;
  if (reconnect < 0) throw InvalidArgument("reconnect must be >= 0");
  o.reconnect = reconnect;
  o.strict = strict;
  return o;
}

// Waits for a frame in slices, so that Ctrl-C reaches Python while the GIL is released in between.
py::object read_frame(VideoSource& src, std::optional<double> timeout) {
  if (timeout && !(*timeout >= 0)) throw InvalidArgument("timeout must be >= 0 seconds");
  const std::int64_t deadline = timeout ? Clock::now_ns() + Clock::from_seconds(*timeout) : 0;
  while (true) {
    FramePtr f;
    PopStatus s;
    std::chrono::nanoseconds slice(100'000'000);
    if (timeout)
      slice = std::min(slice, std::chrono::nanoseconds(std::max<std::int64_t>(0, deadline - Clock::now_ns())));
    {
      py::gil_scoped_release nogil;
      s = src.read(f, slice);
    }
    if (s == PopStatus::Ok) return py::cast(f);
    if (s == PopStatus::Closed) return py::none();
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
    if (timeout && Clock::now_ns() >= deadline)
      throw percept::TimeoutError("video source '" + src.info().source + "': no frame within " +
                                  std::to_string(*timeout) + " s");
  }
}

py::array_t<std::uint8_t, py::array::c_style> frame_bytes(const py::handle& obj, const VideoWriter& w,
                                                          PixelFormat fmt) {
  py::array a = py::array::ensure(obj);
  if (!a) throw InvalidArgument("VideoWriter.write: expected a numpy array");
  if (!a.dtype().is(py::dtype::of<std::uint8_t>()))
    throw InvalidArgument("VideoWriter.write: frames must be uint8, got " + python::dtype_name(a.dtype()));
  const bool packed = fmt == PixelFormat::BGR || fmt == PixelFormat::RGB;
  bool ok = false;
  if (packed) ok = a.ndim() == 3 && a.shape(0) == w.height() && a.shape(1) == w.width() && a.shape(2) == 3;
  if (fmt == PixelFormat::Gray) ok = a.ndim() == 2 && a.shape(0) == w.height() && a.shape(1) == w.width();
  if (fmt == PixelFormat::YUV420P) ok = a.ndim() == 2 && a.shape(0) == w.height() * 3 / 2 && a.shape(1) == w.width();
  if (!ok) {
    std::string shape = "(";
    for (py::ssize_t i = 0; i < a.ndim(); ++i) shape += (i ? ", " : "") + std::to_string(a.shape(i));
    shape += ")";
    const std::string want = packed ? "(" + std::to_string(w.height()) + ", " + std::to_string(w.width()) + ", 3)"
                             : fmt == PixelFormat::Gray
                                 ? "(" + std::to_string(w.height()) + ", " + std::to_string(w.width()) + ")"
                                 : "(" + std::to_string(w.height() * 3 / 2) + ", " + std::to_string(w.width()) + ")";
    throw InvalidArgument("VideoWriter.write: expected a " + to_string(fmt) + " frame of shape " + want + ", got " +
                          shape);
  }
  return py::array_t<std::uint8_t, py::array::c_style>::ensure(a);
}

}  // namespace

void bind_video(py::module_& m) {
  py::class_<VideoFrame, std::shared_ptr<VideoFrame>>(m, "VideoFrame",
                                                      "One decoded frame: pixels (zero-copy numpy) and its times.")
      .def_property_readonly(
          "image", [](const FramePtr& f) { return frame_image(f); },
          "numpy uint8 array (H, W, 3) for bgr/rgb, (H, W) for gray; (Y, U, V) planes for "
          "yuv420p. Read-only view of the frame's buffer (copy it to modify).")
      .def_property_readonly("width", [](const VideoFrame& f) { return f.width; })
      .def_property_readonly("height", [](const VideoFrame& f) { return f.height; })
      .def_property_readonly("pixel_format", [](const VideoFrame& f) { return to_string(f.format); })
      .def_property_readonly(
          "pts", [](const VideoFrame& f) { return f.pts; },
          "Presentation time in seconds from the start of the stream (nan if unknown).")
      .def_property_readonly("capture_ns", [](const VideoFrame& f) { return f.capture_ns; })
      .def_property_readonly(
          "capture_time", [](const VideoFrame& f) { return Clock::to_seconds(f.capture_ns); },
          "When the frame's data arrived, in seconds on percept.clock().")
      .def_property_readonly("index", [](const VideoFrame& f) { return f.index; })
      .def(
          "__array__",
          [](const FramePtr& f, py::object dtype) -> py::object {
            if (f->format == PixelFormat::YUV420P)
              throw InvalidArgument("a yuv420p frame has three planes: use frame.image");
            py::object a = frame_image(f);
            if (!dtype.is_none()) return a.attr("astype")(dtype);
            return a;
          },
          py::arg("dtype") = py::none())
      .def("__repr__", [](const VideoFrame& f) {
        return "<percept.video.VideoFrame #" + std::to_string(f.index) + " " + std::to_string(f.width) + "x" +
               std::to_string(f.height) + " " + to_string(f.format) + " pts=" + std::to_string(f.pts) + ">";
      });

  py::class_<VideoSource>(m, "_VideoSource")
      .def(py::init([](const std::string& source, std::optional<std::pair<int, int>> size, std::optional<double> fps,
                       const std::string& pixel_format, const std::string& mode, std::size_t queue_size,
                       std::optional<std::string> input_format, std::optional<std::string> input_pixel_format,
                       std::optional<std::map<std::string, std::string>> options, double open_timeout,
                       double read_timeout, int threads, std::optional<bool> realtime, int reconnect, bool strict) {
             auto o = make_options(size, fps, pixel_format, mode, queue_size, input_format, input_pixel_format, options,
                                   open_timeout, read_timeout, threads, realtime, reconnect, strict);
             py::gil_scoped_release nogil;
             return std::make_unique<VideoSource>(source, o);
           }),
           py::arg("source"), py::arg("size") = py::none(), py::arg("fps") = py::none(),
           py::arg("pixel_format") = "bgr", py::arg("mode") = "latest", py::arg("queue_size") = 8,
           py::arg("input_format") = py::none(), py::arg("input_pixel_format") = py::none(),
           py::arg("options") = py::none(), py::arg("open_timeout") = 10.0, py::arg("read_timeout") = 5.0,
           py::arg("threads") = 0, py::arg("realtime") = py::none(), py::arg("reconnect") = 0,
           py::arg("strict") = false)
      .def("read", &read_frame, py::arg("timeout") = py::none())
      .def("latest",
           [](const VideoSource& s) -> py::object {
             auto f = s.latest();
             if (!f) return py::none();
             return py::cast(f);
           })
      .def_property_readonly("info", [](const VideoSource& s) { return info_dict(s.info()); })
      .def_property_readonly("stats",
                             [](const VideoSource& s) {
                               const auto st = s.stats();
                               py::dict d;
                               d["decoded"] = st.decoded;
                               d["delivered"] = st.delivered;
                               d["dropped"] = st.dropped;
                               d["decode_errors"] = st.decode_errors;
                               d["reconnects"] = st.reconnects;
                               d["queued"] = st.queued;
                               d["running"] = st.running;
                               d["ended"] = st.ended;
                               return d;
                             })
      .def("close",
           [](VideoSource& s) {
             py::gil_scoped_release nogil;
             s.close();
           })
      .def_property_readonly("closed", &VideoSource::closed);

  py::class_<VideoReader>(m, "_VideoReader")
      .def(py::init([](const std::string& source, std::optional<std::pair<int, int>> size,
                       const std::string& pixel_format, std::optional<std::string> input_format, int threads,
                       double open_timeout, double read_timeout) {
             auto o = make_options(size, std::nullopt, pixel_format, "every", 1, input_format, std::nullopt,
                                   std::nullopt, open_timeout, read_timeout, threads, false, 0, false);
             py::gil_scoped_release nogil;
             return std::make_unique<VideoReader>(source, o);
           }),
           py::arg("source"), py::arg("size") = py::none(), py::arg("pixel_format") = "bgr",
           py::arg("input_format") = py::none(), py::arg("threads") = 0, py::arg("open_timeout") = 10.0,
           py::arg("read_timeout") = 5.0)
      .def("read",
           [](VideoReader& r) -> py::object {
             std::shared_ptr<VideoFrame> f;
             {
               py::gil_scoped_release nogil;
               f = r.read();
             }
             if (!f) return py::none();
             return py::cast(f);
           })
      .def(
          "seek",
          [](VideoReader& r, double t) {
            py::gil_scoped_release nogil;
            r.seek(t);
          },
          py::arg("seconds"))
      .def_property_readonly("info", [](const VideoReader& r) { return info_dict(r.info()); });

  m.def(
      "_probe_video",
      [](const std::string& source, std::optional<std::string> input_format, double open_timeout) {
        VideoSourceOptions o;
        if (input_format) o.input_format = *input_format;
        o.open_timeout = open_timeout;
        VideoInfo i;
        {
          py::gil_scoped_release nogil;
          i = probe_video(source, o);
        }
        return info_dict(i);
      },
      py::arg("source"), py::arg("input_format") = py::none(), py::arg("open_timeout") = 10.0);

  py::class_<VideoWriter>(m, "VideoWriter",
                          "Encodes uint8 frames to a video file: H.264 (libx264) when available, else MPEG-4.")
      .def(py::init([](const std::string& path, std::pair<int, int> size, double fps, std::optional<std::string> codec,
                       const std::string& pixel_format, int crf, const std::string& preset, std::int64_t bit_rate,
                       std::optional<std::string> container) {
             VideoWriterOptions o;
             if (codec) o.codec = *codec;
             o.input_format = parse_pixel_format(pixel_format);
             o.crf = crf;
             o.preset = preset;
             o.bit_rate = bit_rate;
             if (container) o.container = *container;
             py::gil_scoped_release nogil;
             return std::make_unique<VideoWriter>(path, size.first, size.second, fps, o);
           }),
           py::arg("path"), py::arg("size"), py::arg("fps"), py::arg("codec") = py::none(),
           py::arg("pixel_format") = "bgr", py::arg("crf") = 23, py::arg("preset") = "veryfast",
           py::arg("bit_rate") = 0, py::arg("container") = py::none())
      .def(
          "write",
          [](VideoWriter& w, const py::object& frame, std::optional<double> pts) {
            if (py::isinstance<VideoFrame>(frame)) {
              auto f = frame.cast<std::shared_ptr<VideoFrame>>();
              py::gil_scoped_release nogil;
              w.write(*f, pts ? *pts : std::numeric_limits<double>::quiet_NaN());
              return;
            }
            // The writer's own pixel format decides the expected shape.
            auto a = frame_bytes(frame, w, w.input_format());
            const auto* data = a.data();
            const auto size = static_cast<std::size_t>(a.nbytes());
            py::gil_scoped_release nogil;
            w.write(data, size, pts ? *pts : std::numeric_limits<double>::quiet_NaN());
          },
          py::arg("frame"), py::arg("pts") = py::none(),
          "Writes a uint8 frame ((H, W, 3) bgr/rgb, (H, W) gray, (H*3/2, W) yuv420p) or a VideoFrame; `pts` "
          "in seconds (default: 1/fps after the previous frame).")
      .def("close",
           [](VideoWriter& w) {
             py::gil_scoped_release nogil;
             w.close();
           })
      .def("__enter__", [](py::object self) { return self; })
      .def("__exit__", [](VideoWriter& w, const py::object&, const py::object&, const py::object&) { w.close(); })
      .def_property_readonly("codec", &VideoWriter::codec_name)
      .def_property_readonly("frames_written", &VideoWriter::frames_written)
      .def_property_readonly("size", [](const VideoWriter& w) { return py::make_tuple(w.width(), w.height()); });
}
