// .npy reading and writing.
#include <gtest/gtest.h>

#include <complex>
#include <filesystem>
#include <fstream>
#include <vector>

#include "percept/core/error.hpp"
#include "percept/io/npy.hpp"

using namespace percept;

namespace {
std::string tmp(const char* name) {
  return (std::filesystem::temp_directory_path() / name).string();
}
}  // namespace

TEST(Npy, RoundTripFloatDoubleComplex) {
  const std::vector<float> f = {1.5f, -2.0f, 3.25f, 0.0f, 5.0f, 6.0f};
  io::write_npy(tmp("percept_f.npy"), f.data(), {2, 3});
  const auto a = io::read_npy(tmp("percept_f.npy"));
  EXPECT_EQ(a.descr, "<f4");
  EXPECT_EQ(a.shape, (std::vector<std::size_t>{2, 3}));
  EXPECT_EQ(a.values<float>(), f);

  const std::vector<double> d = {0.1, 0.2, 0.3};
  io::write_npy(tmp("percept_d.npy"), d.data(), {3});
  EXPECT_EQ(io::read_npy(tmp("percept_d.npy")).values<double>(), d);

  const std::vector<std::complex<float>> c = {{1, 2}, {3, -4}};
  io::write_npy_complex64(tmp("percept_c.npy"), c.data(), {2});
  EXPECT_EQ(io::read_npy(tmp("percept_c.npy")).values<std::complex<float>>(), c);
  for (const char* n : {"percept_f.npy", "percept_d.npy", "percept_c.npy"}) std::filesystem::remove(tmp(n));
}

TEST(Npy, ReadsLibrosaFixtureAndRejectsBadFiles) {
  const auto a = io::read_npy(std::string(PERCEPT_TEST_DATA) + "/yin_music.npy");
  EXPECT_EQ(a.descr, "<f8");
  EXPECT_EQ(a.size(), 259u);
  EXPECT_THROW((void)io::read_npy(tmp("percept_missing.npy")), FileError);
  {
    std::ofstream f(tmp("percept_bad.npy"), std::ios::binary);
    f << "not a numpy file";
  }
  EXPECT_THROW((void)io::read_npy(tmp("percept_bad.npy")), FormatError);
  {
    // a valid header promising more data than the file holds
    std::vector<float> v(4, 1.0f);
    io::write_npy(tmp("percept_trunc.npy"), v.data(), {4});
    std::filesystem::resize_file(tmp("percept_trunc.npy"), std::filesystem::file_size(tmp("percept_trunc.npy")) - 6);
  }
  EXPECT_THROW((void)io::read_npy(tmp("percept_trunc.npy")), FormatError);
  std::filesystem::remove(tmp("percept_bad.npy"));
  std::filesystem::remove(tmp("percept_trunc.npy"));
}
