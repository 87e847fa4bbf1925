// libdeflate: whole-buffer DEFLATE, used to inflate the zlib streams HDF5's deflate filter
// stores in each chunk, one decompressor per thread.
#ifndef KOOPSCOPE_CDEFLATE_SHIM_H
#define KOOPSCOPE_CDEFLATE_SHIM_H
#include <libdeflate.h>
#endif
