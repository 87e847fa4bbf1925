// The emulation's own checks, on what koopscope's kernels do not exercise through the backend:
// a block's barrier and shared memory, atomicAdd from every thread, a launch configuration
// refused, a compile error's log, and a kernel writing past its buffer ended loudly, by name.
// Run by `scripts/cuda-emulation --check`; exits non-zero on the first failure.
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void *library(const char *folder, const char *name) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", folder, name);
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!handle) { fprintf(stderr, "check: cannot open %s: %s\n", path, dlerror()); exit(1); }
    return handle;
}
#define FUNCTION(handle, name, parameters)                                  \
    int(*name) parameters = (int(*) parameters)dlsym(handle, #name);        \
    if (!name) { fprintf(stderr, "check: no %s\n", #name); exit(1); }
#define EXPECT(condition, ...) do { if (!(condition)) { fprintf(stderr, "check failed: " __VA_ARGS__); fputc('\n', stderr); exit(1); } } while (0)

static const char *source =
    "extern \"C\" __global__ void block_sum(const float *x, float *out) {\n"
    "    __shared__ float cache[256];\n"
    "    cache[threadIdx.x] = x[blockIdx.x * blockDim.x + threadIdx.x];\n"
    "    __syncthreads();\n"
    "    for (int w = 128; w > 0; w >>= 1) { if (threadIdx.x < w) cache[threadIdx.x] += cache[threadIdx.x + w]; __syncthreads(); }\n"
    "    if (threadIdx.x == 0) out[blockIdx.x] = cache[0];\n"
    "}\n"
    "extern \"C\" __global__ void count(double *total) { atomicAdd(total, 1.0); }\n"
    "extern \"C\" __global__ void overrun(float *x, long long n) { if (threadIdx.x == 0) x[n + 1024] = 1; }\n";

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: check FOLDER\n"); return 2; }
    void *cuda = library(argv[1], "libcuda.so.1"), *nvrtc = library(argv[1], "libnvrtc.so.12");
    FUNCTION(cuda, cuInit, (unsigned))
    FUNCTION(cuda, cuMemAlloc_v2, (uint64_t *, size_t))
    FUNCTION(cuda, cuMemcpyHtoD_v2, (uint64_t, const void *, size_t))
    FUNCTION(cuda, cuMemcpyDtoH_v2, (void *, uint64_t, size_t))
    FUNCTION(cuda, cuModuleLoadData, (void **, const void *))
    FUNCTION(cuda, cuModuleGetFunction, (void **, void *, const char *))
    FUNCTION(cuda, cuLaunchKernel, (void *, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, void *, void **, void **))
    FUNCTION(nvrtc, nvrtcCreateProgram, (void **, const char *, const char *, int, const char *const *, const char *const *))
    FUNCTION(nvrtc, nvrtcCompileProgram, (void *, int, const char *const *))
    FUNCTION(nvrtc, nvrtcGetProgramLogSize, (void *, size_t *))
    FUNCTION(nvrtc, nvrtcGetProgramLog, (void *, char *))
    FUNCTION(nvrtc, nvrtcGetCUBINSize, (void *, size_t *))
    FUNCTION(nvrtc, nvrtcGetCUBIN, (void *, char *))
    EXPECT(cuInit(0) == 0, "cuInit");

    void *broken;
    nvrtcCreateProgram(&broken, "extern \"C\" __global__ void k(float *x) { x[0] = undeclared; }", "broken.cu", 0, NULL, NULL);
    EXPECT(nvrtcCompileProgram(broken, 0, NULL) == 6, "a compile error is NVRTC_ERROR_COMPILATION");
    size_t log_size = 0;
    nvrtcGetProgramLogSize(broken, &log_size);
    char *log = malloc(log_size);
    nvrtcGetProgramLog(broken, log);
    EXPECT(strstr(log, "undeclared") != NULL, "the log names the error: %s", log);

    void *program, *module, *sum, *counter, *overrun;
    nvrtcCreateProgram(&program, source, "check.cu", 0, NULL, NULL);
    const char *options[] = {"--gpu-architecture=sm_90"};
    EXPECT(nvrtcCompileProgram(program, 1, options) == 0, "the check's kernels compile");
    size_t size = 0;
    nvrtcGetCUBINSize(program, &size);
    char *image = malloc(size);
    nvrtcGetCUBIN(program, image);
    EXPECT(cuModuleLoadData(&module, image) == 0, "cuModuleLoadData");
    EXPECT(cuModuleGetFunction(&sum, module, "block_sum") == 0 && cuModuleGetFunction(&counter, module, "count") == 0
           && cuModuleGetFunction(&overrun, module, "overrun") == 0, "cuModuleGetFunction");
    EXPECT(cuModuleGetFunction(&overrun, module, "absent") == 500, "an unknown function is CUDA_ERROR_NOT_FOUND");

    // Two blocks of 256: each sums its own 256 through shared memory and seven barriers.
    float x[512], out[2] = {0, 0};
    for (int i = 0; i < 512; i++) x[i] = (float)i;
    uint64_t dx, dout, dtotal;
    cuMemAlloc_v2(&dx, sizeof x); cuMemAlloc_v2(&dout, sizeof out); cuMemAlloc_v2(&dtotal, sizeof(double));
    cuMemcpyHtoD_v2(dx, x, sizeof x);
    void *sum_arguments[] = {&dx, &dout};
    EXPECT(cuLaunchKernel(sum, 2, 1, 1, 256, 1, 1, 0, NULL, sum_arguments, NULL) == 0, "launch block_sum");
    cuMemcpyDtoH_v2(out, dout, sizeof out);
    EXPECT(out[0] == 255.0f * 256 / 2 && out[1] == (256.0f + 511) * 256 / 2, "block sums %g %g", out[0], out[1]);

    double zero = 0, total = 0;
    cuMemcpyHtoD_v2(dtotal, &zero, sizeof zero);
    void *count_arguments[] = {&dtotal};
    EXPECT(cuLaunchKernel(counter, 3, 1, 1, 8, 4, 2, 0, NULL, count_arguments, NULL) == 0, "launch count");
    cuMemcpyDtoH_v2(&total, dtotal, sizeof total);
    EXPECT(total == 3 * 64, "atomicAdd from every thread of a 3-block grid of 8×4×2: %g", total);

    EXPECT(cuLaunchKernel(counter, 0, 1, 1, 256, 1, 1, 0, NULL, count_arguments, NULL) == 1, "an empty grid is refused");
    EXPECT(cuLaunchKernel(counter, 1, 1, 1, 2048, 1, 1, 0, NULL, count_arguments, NULL) == 1, "a block of 2048 is refused");

    // Past the end of a buffer: the process ends loudly, naming the kernel.
    int pipe_ends[2];
    EXPECT(pipe(pipe_ends) == 0, "pipe");
    pid_t child = fork();
    if (child == 0) {
        dup2(pipe_ends[1], 2);
        long long n = 512;
        void *overrun_arguments[] = {&dx, &n};
        cuLaunchKernel(overrun, 1, 1, 1, 32, 1, 1, 0, NULL, overrun_arguments, NULL);
        _exit(0);
    }
    close(pipe_ends[1]);
    char message[1024] = {0};
    ssize_t length = read(pipe_ends[0], message, sizeof message - 1);
    (void)length;
    int status = 0;
    waitpid(child, &status, 0);
    EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 134, "an out-of-bounds kernel ends the process (status %d)", status);
    EXPECT(strstr(message, "kernel overrun accessed") != NULL, "and names the kernel: %s", message);
    printf("the emulated CUDA: barriers, shared memory, atomicAdd, launch checks, compile errors, out-of-bounds kernels: all as expected\n");
    return 0;
}
