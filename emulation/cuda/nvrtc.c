// NVRTC, emulated on the host: the subset of libnvrtc koopscope calls. A program's CUDA C is
// compiled as C++ for this machine (with prelude.h, which defines what CUDA adds) into a shared
// object; every `extern "C" __global__` kernel gets an entry point that takes cuLaunchKernel's
// parameter array. The "cubin" is that shared object behind a small header, for the emulated
// driver's cuModuleLoadData. A compile error comes back as NVRTC's does: a status and a log.
#define _GNU_SOURCE
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef int nvrtcResult;
enum {
    NVRTC_SUCCESS = 0, NVRTC_ERROR_OUT_OF_MEMORY = 1, NVRTC_ERROR_PROGRAM_CREATION_FAILURE = 2,
    NVRTC_ERROR_INVALID_INPUT = 3, NVRTC_ERROR_INVALID_PROGRAM = 4, NVRTC_ERROR_INVALID_OPTION = 5,
    NVRTC_ERROR_COMPILATION = 6,
};

typedef struct { char *source; char *log; char *image; size_t image_size; } Program;

#ifndef KS_EMULATION_PRELUDE
#error "build with -DKS_EMULATION_PRELUDE=\"path/to/prelude.h\""
#endif

nvrtcResult nvrtcVersion(int *major, int *minor) {
    if (!major || !minor) return NVRTC_ERROR_INVALID_INPUT;
    *major = 12; *minor = 0;
    return NVRTC_SUCCESS;
}

const char *nvrtcGetErrorString(nvrtcResult status) {
    switch (status) {
    case NVRTC_SUCCESS: return "NVRTC_SUCCESS";
    case NVRTC_ERROR_OUT_OF_MEMORY: return "NVRTC_ERROR_OUT_OF_MEMORY";
    case NVRTC_ERROR_PROGRAM_CREATION_FAILURE: return "NVRTC_ERROR_PROGRAM_CREATION_FAILURE";
    case NVRTC_ERROR_INVALID_INPUT: return "NVRTC_ERROR_INVALID_INPUT";
    case NVRTC_ERROR_INVALID_PROGRAM: return "NVRTC_ERROR_INVALID_PROGRAM";
    case NVRTC_ERROR_INVALID_OPTION: return "NVRTC_ERROR_INVALID_OPTION";
    case NVRTC_ERROR_COMPILATION: return "NVRTC_ERROR_COMPILATION";
    default: return "NVRTC_ERROR unknown";
    }
}

nvrtcResult nvrtcCreateProgram(Program **program, const char *source, const char *name, int headers,
                               const char *const *contents, const char *const *names) {
    (void)name; (void)contents; (void)names;
    if (!program || !source || headers < 0) return NVRTC_ERROR_INVALID_INPUT;
    if (headers > 0) return NVRTC_ERROR_INVALID_INPUT;   // koopscope's source includes nothing
    Program *p = calloc(1, sizeof(Program));
    if (!p || !(p->source = strdup(source))) { free(p); return NVRTC_ERROR_OUT_OF_MEMORY; }
    *program = p;
    return NVRTC_SUCCESS;
}

nvrtcResult nvrtcDestroyProgram(Program **program) {
    if (!program || !*program) return NVRTC_ERROR_INVALID_PROGRAM;
    free((*program)->source); free((*program)->log); free((*program)->image); free(*program);
    *program = NULL;
    return NVRTC_SUCCESS;
}

static char *read_file(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *bytes = malloc((size_t)n + 1);
    if (bytes && fread(bytes, 1, (size_t)n, f) != (size_t)n) { free(bytes); bytes = NULL; }
    fclose(f);
    if (bytes) { bytes[n] = 0; if (size) *size = (size_t)n; }
    return bytes;
}

static int write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    int ok = fputs(text, f) >= 0;
    return fclose(f) == 0 && ok;
}

// Runs `command` through the shell; its exit status.
static int run(const char *command) {
    int status = system(command);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

// The entry points: for each `extern "C" __global__ void NAME(T1 a, T2 b, …)` of the preprocessed
// source, `extern "C" void ks_emulation_launch_NAME(void **p) { NAME(*(T1 *)p[0], …); }`.
static char *entry_points(const char *text) {
    size_t capacity = 4096, length = 0;
    char *out = malloc(capacity);
    out[0] = 0;
    const char *key = "extern \"C\" __global__ void ";
    for (const char *at = strstr(text, key); at; at = strstr(at + 1, key)) {
        const char *name = at + strlen(key), *open = strchr(name, '(');
        const char *close = open ? strchr(open, ')') : NULL;
        if (!open || !close) continue;
        const char *name_end = open;
        while (name_end > name && isspace((unsigned char)name_end[-1])) name_end--;
        char line[8192];
        int n = snprintf(line, sizeof line, "extern \"C\" void ks_emulation_launch_%.*s(void **p) { %.*s(",
                         (int)(name_end - name), name, (int)(name_end - name), name);
        int index = 0;
        for (const char *parameter = open + 1; parameter < close;) {
            const char *end = memchr(parameter, ',', (size_t)(close - parameter));
            if (!end) end = close;
            const char *last = end;   // the parameter's name is its last identifier; the rest, its type
            while (last > parameter && isspace((unsigned char)last[-1])) last--;
            const char *start = last;
            while (start > parameter && (isalnum((unsigned char)start[-1]) || start[-1] == '_')) start--;
            if (start > parameter && last > start) {
                n += snprintf(line + n, sizeof line - (size_t)n, "%s*(%.*s *)p[%d]", index ? ", " : "",
                              (int)(start - parameter), parameter, index);
                index++;
            }
            parameter = end + 1;
        }
        n += snprintf(line + n, sizeof line - (size_t)n, "); }\n");
        while (length + (size_t)n + 1 > capacity) { capacity *= 2; out = realloc(out, capacity); }
        memcpy(out + length, line, (size_t)n + 1);
        length += (size_t)n;
    }
    return out;
}

static const char *runtime =
    "thread_local dim3 threadIdx, blockIdx;\n"
    "dim3 blockDim, gridDim;\n"
    "void (*ks_emulation_syncthreads)(void);\n"
    "extern \"C\" void ks_emulation_set_launch(unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,\n"
    "                                         void (*sync)(void)) {\n"
    "    gridDim = {gx, gy, gz}; blockDim = {bx, by, bz}; ks_emulation_syncthreads = sync;\n"
    "}\n"
    "extern \"C\" void ks_emulation_set_thread(unsigned tx, unsigned ty, unsigned tz, unsigned x, unsigned y, unsigned z) {\n"
    "    threadIdx = {tx, ty, tz}; blockIdx = {x, y, z};\n"
    "}\n";

nvrtcResult nvrtcCompileProgram(Program *p, int count, const char *const *options) {
    if (!p) return NVRTC_ERROR_INVALID_PROGRAM;
    if (count < 0 || (count > 0 && !options)) return NVRTC_ERROR_INVALID_INPUT;
    for (int i = 0; i < count; i++) {
        if (!options[i]) return NVRTC_ERROR_INVALID_INPUT;
        if (strncmp(options[i], "--gpu-architecture=", 19) != 0 && strncmp(options[i], "--std=", 6) != 0
            && strcmp(options[i], "-default-device") != 0)
            return NVRTC_ERROR_INVALID_OPTION;
    }
    char directory[] = "/tmp/koopscope-nvrtc-XXXXXX";
    if (!mkdtemp(directory)) return NVRTC_ERROR_OUT_OF_MEMORY;
    char source[512], expanded[512], entries[512], object[512], log[512], command[4096];
    snprintf(source, sizeof source, "%s/program.cu", directory);
    snprintf(expanded, sizeof expanded, "%s/expanded.cpp", directory);
    snprintf(entries, sizeof entries, "%s/entries.cpp", directory);
    snprintf(object, sizeof object, "%s/program.so", directory);
    snprintf(log, sizeof log, "%s/log.txt", directory);
    const char *compiler = getenv("KOOPSCOPE_CUDA_EMULATION_CXX");
    if (!compiler || !*compiler) compiler = "c++";
    nvrtcResult result = NVRTC_ERROR_COMPILATION;
    if (write_file(source, p->source)) {
        // First the preprocessor alone (so the kernels the macros write can be found), then the compiler.
        snprintf(command, sizeof command, "%s -std=c++17 -x c++ -E -P -include '%s' '%s' -o '%s' 2> '%s'",
                 compiler, KS_EMULATION_PRELUDE, source, expanded, log);
        if (run(command) == 0) {
            char *text = read_file(expanded, NULL);
            char *launches = text ? entry_points(text) : NULL;
            size_t total = (text ? strlen(text) : 0) + (launches ? strlen(launches) : 0) + strlen(runtime) + 2;
            char *whole = malloc(total);
            if (text && launches && whole) {
                snprintf(whole, total, "%s\n%s%s", text, runtime, launches);
                if (write_file(entries, whole)) {
                    snprintf(command, sizeof command,
                             "%s -std=c++17 -O1 -fPIC -shared -D__global__= -x c++ '%s' -o '%s' 2> '%s'",
                             compiler, entries, object, log);
                    if (run(command) == 0) {
                        size_t size = 0;
                        char *bytes = read_file(object, &size);
                        if (bytes) {
                            free(p->image);
                            p->image = malloc(size + 16);
                            memcpy(p->image, "KSEMUSO1", 8);
                            uint64_t s = size;
                            memcpy(p->image + 8, &s, 8);
                            memcpy(p->image + 16, bytes, size);
                            p->image_size = size + 16;
                            free(bytes);
                            result = NVRTC_SUCCESS;
                        }
                    }
                }
            }
            free(text); free(launches); free(whole);
        }
    }
    free(p->log);
    p->log = read_file(log, NULL);
    if (!p->log) p->log = strdup(result == NVRTC_SUCCESS ? "" : "the host compiler could not be run");
    snprintf(command, sizeof command, "rm -rf '%s'", directory);
    run(command);
    return result;
}

nvrtcResult nvrtcGetProgramLogSize(Program *p, size_t *size) {
    if (!p) return NVRTC_ERROR_INVALID_PROGRAM;
    if (!size) return NVRTC_ERROR_INVALID_INPUT;
    *size = (p->log ? strlen(p->log) : 0) + 1;
    return NVRTC_SUCCESS;
}

nvrtcResult nvrtcGetProgramLog(Program *p, char *log) {
    if (!p) return NVRTC_ERROR_INVALID_PROGRAM;
    if (!log) return NVRTC_ERROR_INVALID_INPUT;
    strcpy(log, p->log ? p->log : "");
    return NVRTC_SUCCESS;
}

nvrtcResult nvrtcGetCUBINSize(Program *p, size_t *size) {
    if (!p) return NVRTC_ERROR_INVALID_PROGRAM;
    if (!size) return NVRTC_ERROR_INVALID_INPUT;
    if (!p->image) return NVRTC_ERROR_INVALID_PROGRAM;
    *size = p->image_size;
    return NVRTC_SUCCESS;
}

nvrtcResult nvrtcGetCUBIN(Program *p, char *cubin) {
    if (!p) return NVRTC_ERROR_INVALID_PROGRAM;
    if (!cubin) return NVRTC_ERROR_INVALID_INPUT;
    if (!p->image) return NVRTC_ERROR_INVALID_PROGRAM;
    memcpy(cubin, p->image, p->image_size);
    return NVRTC_SUCCESS;
}
