// Deterministic NMF by beta-divergence multiplicative updates (see nmf.hpp).
#include "percept/analysis/nmf.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "percept/core/error.hpp"

namespace percept::analysis {

namespace {

using Mat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MatD = Eigen::MatrixXd;
constexpr float kEps = std::numeric_limits<float>::epsilon();

struct Rng {
  std::uint64_t s;
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  double uniform() { return (static_cast<double>(next() >> 11) + 0.5) * (1.0 / 9007199254740992.0); }
  double normal() {
    const double u1 = uniform(), u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * 3.14159265358979323846 * u2);
  }
};

Mat to_eigen(const Array2D<float>& a) {
  return Eigen::Map<const Mat>(a.data.data(), static_cast<Eigen::Index>(a.rows), static_cast<Eigen::Index>(a.cols));
}

Array2D<float> from_eigen(const Mat& m) {
  Array2D<float> a(static_cast<std::size_t>(m.rows()), static_cast<std::size_t>(m.cols()));
  Eigen::Map<Mat>(a.data.data(), m.rows(), m.cols()) = m;
  return a;
}

void check_input(const Array2D<float>& S) {
  if (S.empty()) throw InvalidArgument("nmf: the input matrix is empty");
  for (float v : S.data)
    if (!std::isfinite(v) || v < 0) throw InvalidArgument("nmf: the input must be finite and non-negative");
}

double beta_divergence(const Mat& X, const Mat& A, const Mat& B, double beta) {
  const Mat V = A * B;
  double d = 0;
  if (beta == 2.0) return 0.5 * static_cast<double>((X - V).cast<double>().squaredNorm());
  for (Eigen::Index i = 0; i < X.rows(); ++i)
    for (Eigen::Index j = 0; j < X.cols(); ++j) {
      const double x = X(i, j), v = std::max(static_cast<double>(V(i, j)), static_cast<double>(kEps));
      if (beta == 1.0) {
        if (x > 0) d += x * std::log(x / v);
        d += v - x;
      } else if (beta == 0.0) {
        const double xx = std::max(x, static_cast<double>(kEps));
        d += xx / v - std::log(xx / v) - 1.0;
      } else {
        d += (std::pow(x, beta) + (beta - 1) * std::pow(v, beta) - beta * x * std::pow(v, beta - 1)) /
             (beta * (beta - 1));
      }
    }
  return d;
}

// Randomised truncated SVD with a fixed-seed test matrix: X (m x n) ~= U diag(s) Vt, k triplets.
void truncated_svd(const Mat& Xf, std::size_t k, std::uint64_t seed, MatD& U, Eigen::VectorXd& s, MatD& Vt) {
  const MatD X = Xf.cast<double>();
  const Eigen::Index n = X.cols();
  const auto l =
      static_cast<Eigen::Index>(std::min<std::size_t>(k + 10, static_cast<std::size_t>(std::min(X.rows(), n))));
  Rng rng{seed};
  MatD Omega(n, l);
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < l; ++j) Omega(i, j) = rng.normal();
  MatD Q = X * Omega;
  for (int it = 0; it < 7; ++it) {
    Q = Eigen::HouseholderQR<MatD>(Q).householderQ() * MatD::Identity(Q.rows(), l);
    MatD Z = X.transpose() * Q;
    Z = Eigen::HouseholderQR<MatD>(Z).householderQ() * MatD::Identity(Z.rows(), l);
    Q = X * Z;
  }
  Q = Eigen::HouseholderQR<MatD>(Q).householderQ() * MatD::Identity(Q.rows(), l);
  const MatD Bm = Q.transpose() * X;  // l x n
  Eigen::JacobiSVD<MatD> svd(Bm, Eigen::ComputeThinU | Eigen::ComputeThinV);
  const auto kk = static_cast<Eigen::Index>(k);
  U = (Q * svd.matrixU()).leftCols(kk);
  s = svd.singularValues().head(kk);
  Vt = svd.matrixV().leftCols(kk).transpose();
  // deterministic signs (sklearn's svd_flip, u-based): the largest |U| entry of each column positive
  for (Eigen::Index j = 0; j < kk; ++j) {
    Eigen::Index imax = 0;
    U.col(j).cwiseAbs().maxCoeff(&imax);
    if (U(imax, j) < 0) {
      U.col(j) *= -1;
      Vt.row(j) *= -1;
    }
  }
}

void initialise(const Mat& X, std::size_t k, const NmfOptions& o, Mat& A, Mat& B) {
  const auto m = X.rows(), n = X.cols();
  const auto kk = static_cast<Eigen::Index>(k);
  const double avg = static_cast<double>(X.cast<double>().mean());
  A.resize(m, kk);
  B.resize(kk, n);
  Rng rng{o.seed ^ 0x5DEECE66DULL};
  if (o.init == NmfInit::Random) {
    const double scale = std::sqrt(avg / static_cast<double>(k));
    for (Eigen::Index i = 0; i < m; ++i)
      for (Eigen::Index j = 0; j < kk; ++j) A(i, j) = static_cast<float>(scale * std::abs(rng.normal()));
    for (Eigen::Index i = 0; i < kk; ++i)
      for (Eigen::Index j = 0; j < n; ++j) B(i, j) = static_cast<float>(scale * std::abs(rng.normal()));
    return;
  }
  MatD U, Vt;
  Eigen::VectorXd s;
  truncated_svd(X, k, o.seed, U, s, Vt);
  for (Eigen::Index j = 0; j < kk; ++j) {
    const Eigen::VectorXd x = U.col(j);
    const Eigen::RowVectorXd y = Vt.row(j);
    if (j == 0) {
      A.col(0) = (std::sqrt(s(0)) * x.cwiseAbs()).cast<float>();
      B.row(0) = (std::sqrt(s(0)) * y.cwiseAbs()).cast<float>();
      continue;
    }
    const Eigen::VectorXd xp = x.cwiseMax(0.0), xn = (-x).cwiseMax(0.0);
    const Eigen::RowVectorXd yp = y.cwiseMax(0.0), yn = (-y).cwiseMax(0.0);
    const double xpn = xp.norm(), ypn = yp.norm(), xnn = xn.norm(), ynn = yn.norm();
    const double mp = xpn * ypn, mn = xnn * ynn;
    Eigen::VectorXd u;
    Eigen::RowVectorXd v;
    double sigma;
    if (mp > mn) {
      u = xp / std::max(xpn, 1e-300);
      v = yp / std::max(ypn, 1e-300);
      sigma = mp;
    } else {
      u = xn / std::max(xnn, 1e-300);
      v = yn / std::max(ynn, 1e-300);
      sigma = mn;
    }
    const double lbd = std::sqrt(s(j) * sigma);
    A.col(j) = (lbd * u).cast<float>();
    B.row(j) = (lbd * v).cast<float>();
  }
  const float eps = 1e-6f;
  A = A.unaryExpr([eps](float v) { return v < eps ? 0.0f : v; });
  B = B.unaryExpr([eps](float v) { return v < eps ? 0.0f : v; });
  if (o.init == NmfInit::Nndsvda) {
    const auto fa = static_cast<float>(avg);
    A = A.unaryExpr([fa](float v) { return v == 0.0f ? fa : v; });
    B = B.unaryExpr([fa](float v) { return v == 0.0f ? fa : v; });
  } else if (o.init == NmfInit::Nndsvdar) {
    const double small = avg / 100.0;
    for (Eigen::Index i = 0; i < A.size(); ++i)
      if (A.data()[i] == 0.0f) A.data()[i] = static_cast<float>(small * rng.uniform());
    for (Eigen::Index i = 0; i < B.size(); ++i)
      if (B.data()[i] == 0.0f) B.data()[i] = static_cast<float>(small * rng.uniform());
  }
}

// One MU step of B (k x n) for X ~= A B.
void update_right(const Mat& X, const Mat& A, Mat& B, double beta) {
  Mat num, den;
  if (beta == 2.0) {
    num = A.transpose() * X;
    den = (A.transpose() * A) * B;
  } else {
    Mat V = (A * B).cwiseMax(kEps);
    Mat Vb2 = beta == 1.0 ? Mat(X.cwiseQuotient(V))
                          : Mat(X.cwiseProduct(V.array().pow(static_cast<float>(beta - 2)).matrix()));
    Mat Vb1 = beta == 1.0 ? Mat::Ones(V.rows(), V.cols()) : Mat(V.array().pow(static_cast<float>(beta - 1)).matrix());
    num = A.transpose() * Vb2;
    den = A.transpose() * Vb1;
  }
  den = den.unaryExpr([](float v) { return v == 0.0f ? kEps : v; });
  B = B.cwiseProduct(num.cwiseQuotient(den));
}

}  // namespace

NmfResult nmf(const Array2D<float>& S, const NmfOptions& o) {
  check_input(S);
  const std::size_t k = o.n_components == 0 ? S.rows : o.n_components;
  if (k > std::min(S.rows, S.cols) && o.init != NmfInit::Random)
    throw InvalidArgument("nmf: NNDSVD initialisation needs n_components <= min(n_features, n_frames) (" +
                          std::to_string(k) + " > " + std::to_string(std::min(S.rows, S.cols)) +
                          "); use init='random'");
  const Mat X = to_eigen(S);
  Mat A, B;
  initialise(X, k, o, A, B);
  const double err0 = beta_divergence(X, A, B, o.beta);
  double prev = err0;
  std::size_t it = 0;
  for (; it < o.max_iter; ++it) {
    update_right(X, A, B, o.beta);
    // the left factor by symmetry: X^T ~= B^T A^T
    Mat At = A.transpose();
    update_right(Mat(X.transpose()), Mat(B.transpose()), At, o.beta);
    A = At.transpose();
    if (o.tol > 0 && (it + 1) % 10 == 0) {
      const double err = beta_divergence(X, A, B, o.beta);
      if (err0 > 0 && (prev - err) / err0 < o.tol) {
        ++it;
        break;
      }
      prev = err;
    }
  }
  NmfResult r;
  r.n_iter = it;
  r.divergence = beta_divergence(X, A, B, o.beta);
  r.components = from_eigen(A);
  r.activations = from_eigen(B);
  return r;
}

Array2D<float> nmf_transform(const Array2D<float>& S, const Array2D<float>& components, const NmfOptions& o) {
  check_input(S);
  if (components.rows != S.rows)
    throw InvalidArgument("nmf: components have " + std::to_string(components.rows) + " features, S has " +
                          std::to_string(S.rows));
  const Mat X = to_eigen(S), A = to_eigen(components);
  const auto k = static_cast<Eigen::Index>(components.cols);
  const double avg = static_cast<double>(X.cast<double>().mean());
  Mat B = Mat::Constant(k, X.cols(), static_cast<float>(std::sqrt(avg / static_cast<double>(k))));
  for (std::size_t it = 0; it < o.max_iter; ++it) update_right(X, A, B, o.beta);
  return from_eigen(B);
}

}  // namespace percept::analysis
