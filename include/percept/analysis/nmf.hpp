// percept/analysis/nmf.hpp — non-negative matrix factorisation S ~= components x activations
// (librosa.decompose.decompose with an NMF transformer), deterministic.
//
// Solver: multiplicative updates for the beta-divergence (beta 2 = Frobenius, 1 = Kullback-Leibler,
// 0 = Itakura-Saito), as sklearn.decomposition.NMF(solver='mu'); stop after max_iter iterations or when,
// checked every 10 iterations, the divergence improved by less than tol relative to the initial one.
// Initialisation (deterministic, no global random state):
//   Nndsvd / Nndsvda / Nndsvdar: Boutsidis & Gallopoulos' NNDSVD of the top singular triplets. The SVD is a
//     randomised range finder (k + 10 vectors, 7 power iterations with re-orthonormalisation) whose test
//     matrix comes from a fixed-seed generator (splitmix64 + Box-Muller), so results are reproducible
//     bit for bit on one machine. nndsvda fills zeros with mean(S); nndsvdar with small values
//     mean(S)/100 * (uniform from the same fixed-seed generator).
//   Random: sqrt(mean(S) / k) * |normal| from the fixed-seed generator (`seed`).
#pragma once

#include <cstddef>
#include <cstdint>

#include "percept/analysis/array2d.hpp"

namespace percept::analysis {

enum class NmfInit { Nndsvd, Nndsvda, Nndsvdar, Random };

struct NmfOptions {
  std::size_t n_components = 0;  ///< 0: n_features (librosa's default)
  double beta = 2.0;             ///< beta-divergence (2 Frobenius, 1 KL, 0 IS; any real)
  std::size_t max_iter = 200;
  double tol = 1e-4;
  NmfInit init = NmfInit::Nndsvda;
  std::uint64_t seed = 0;
};

struct NmfResult {
  Array2D<float> components;   ///< n_features x n_components
  Array2D<float> activations;  ///< n_components x n_frames
  std::size_t n_iter = 0;
  double divergence = 0;  ///< final beta-divergence
};

/// Factorises a non-negative S (n_features x n_frames). Throws InvalidArgument for negative or
/// non-finite input, or an empty matrix.
[[nodiscard]] NmfResult nmf(const Array2D<float>& S, const NmfOptions& options);

/// Activations for fixed components (librosa decompose(fit=False)): MU updates of the activations only.
[[nodiscard]] Array2D<float> nmf_transform(const Array2D<float>& S, const Array2D<float>& components,
                                           const NmfOptions& options);

}  // namespace percept::analysis
