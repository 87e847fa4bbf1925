// LAPACKE (pkg-config `lapacke`). C99 `_Complex` does not import into Swift, so
// LAPACK's complex types are declared as plain structs of the same layout.
#ifndef KOOPSCOPE_CLAPACKE_SHIM_H
#define KOOPSCOPE_CLAPACKE_SHIM_H

typedef struct { float real; float imag; } ks_complex_float;
typedef struct { double real; double imag; } ks_complex_double;
#define LAPACK_COMPLEX_CUSTOM
#define lapack_complex_float ks_complex_float
#define lapack_complex_double ks_complex_double
#include <lapacke.h>

#endif
