// CBLAS from OpenBLAS (pkg-config `openblas`).
#ifndef KOOPSCOPE_CBLAS_SHIM_H
#define KOOPSCOPE_CBLAS_SHIM_H
#include <cblas.h>
#endif
