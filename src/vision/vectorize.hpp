// Private to src/vision: marks small loop kernels for auto-vectorisation. The library builds at -O2, whose
// cheap cost model leaves loops with a remainder scalar; these kernels get -O3, and on x86-64 with GCC also
// an AVX2 clone chosen at run time (the default clone stays baseline SSE2).
#pragma once

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define PERCEPT_VECTORIZE __attribute__((target_clones("avx2", "default"), optimize("O3")))
#elif defined(__GNUC__) && !defined(__clang__)
#define PERCEPT_VECTORIZE __attribute__((optimize("O3")))
#else
#define PERCEPT_VECTORIZE
#endif
