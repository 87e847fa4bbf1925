// What CUDA C adds to C++, for kernels compiled for the host by the emulated NVRTC. The driver
// runs one block at a time, all its threads at once, so `__shared__` memory can be a function's
// static storage; each thread's indices are thread-local.
#pragma once
#include <math.h>
#include <stdint.h>

struct dim3 { unsigned x, y, z; };
extern thread_local dim3 threadIdx, blockIdx;
extern dim3 blockDim, gridDim;
extern void (*ks_emulation_syncthreads)(void);

#define __device__
#define __host__
#define __forceinline__ inline
#define __restrict__ __restrict
#define __shared__ static
#define __launch_bounds__(...)

static inline void __syncthreads(void) { ks_emulation_syncthreads(); }

template <typename T> static inline T ks_emulation_atomic_add(T *address, T value) {
    T old, sum;
    __atomic_load(address, &old, __ATOMIC_RELAXED);
    do { sum = old + value; } while (!__atomic_compare_exchange(address, &old, &sum, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
    return old;
}
static inline float atomicAdd(float *address, float value) { return ks_emulation_atomic_add(address, value); }
static inline double atomicAdd(double *address, double value) { return ks_emulation_atomic_add(address, value); }
static inline int atomicAdd(int *address, int value) { return __atomic_fetch_add(address, value, __ATOMIC_RELAXED); }

// CUDA's overloads of min and max for the arithmetic types.
static inline float max(float a, float b) { return fmaxf(a, b); }
static inline double max(double a, double b) { return fmax(a, b); }
static inline float min(float a, float b) { return fminf(a, b); }
static inline double min(double a, double b) { return fmin(a, b); }
static inline int max(int a, int b) { return a > b ? a : b; }
static inline int min(int a, int b) { return a < b ? a : b; }
static inline long long max(long long a, long long b) { return a > b ? a : b; }
static inline long long min(long long a, long long b) { return a < b ? a : b; }
