// Branch-free float exp, tanh and sech² for the kernels' inner loops: glibc's expf and tanhf are
// calls that stop a loop vectorising, and GELU's tanh alone was a fifth of an update.
#ifndef KOOPSCOPE_FAST_MATH_H
#define KOOPSCOPE_FAST_MATH_H

#include <stdint.h>

// e^v by Cody–Waite reduction and a degree-6 polynomial, within 3 ulp of expf for |v| ≤ 80
// (tested through the float kernels against the double ones). v is clamped to ±80 so that the
// result stays a normal float: a softmax's far tail comes out as e^{−80} instead of 0.
static inline float ks_fast_expf(float v) {
    v = v > 80.0f ? 80.0f : (v < -80.0f ? -80.0f : v);
    // k = nearest integer to v·log₂e by adding and removing 1.5·2²³ (exact for |k| < 2²²; the
    // compiler may not fold it under IEEE rules): a vector add where roundf is a libm call.
    float k = (v * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
    float r = v - k * 0.693145751953125f - k * 1.428606765330187045e-06f;
    float p = 1.0f + r * (1.0f + r * (0.5f + r * (0.16666666666f + r * (0.04166666666f
                + r * (0.00833333333f + r * 0.00138888889f)))));
    union { float f; int32_t i; } scale = { .i = ((int32_t)k + 127) << 23 };
    return p * scale.f;
}

static inline float ks_fast_tanhf(float u) {
    float e = ks_fast_expf(2.0f * u);
    return (e - 1.0f) / (e + 1.0f);
}

// 1 − tanh²(u) as 4/(e^{2u} + 2 + e^{−2u}), free of the cancellation of 1 − t² near |t| = 1.
static inline float ks_fast_sech2f(float u) {
    float e = ks_fast_expf(2.0f * u);
    return 4.0f / (e + 2.0f + 1.0f / e);
}

#endif
