// The CUDA driver, emulated on the host: the subset of libcuda.so.1 koopscope's backend calls,
// with the real signatures and status codes. Device memory is host memory that ends at a guard
// page, so a kernel that runs past the end of a buffer faults at once (and is named); every copy
// is checked against the allocation it touches. A launch runs its grid block after block, each
// block's threads as fibers that meet at __syncthreads.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

typedef int CUresult;
enum {
    CUDA_SUCCESS = 0, CUDA_ERROR_INVALID_VALUE = 1, CUDA_ERROR_OUT_OF_MEMORY = 2, CUDA_ERROR_NOT_INITIALIZED = 3,
    CUDA_ERROR_INVALID_DEVICE = 101, CUDA_ERROR_INVALID_IMAGE = 200, CUDA_ERROR_INVALID_CONTEXT = 201,
    CUDA_ERROR_INVALID_HANDLE = 400, CUDA_ERROR_NOT_FOUND = 500, CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES = 701,
};

static int initialised;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

// MARK: memory

typedef struct { uintptr_t start; size_t bytes; void *map; size_t mapped; } Allocation;
static Allocation *allocations;
static size_t allocation_count, allocation_capacity, allocated_bytes;

static size_t memory_limit(void) {
    const char *text = getenv("KOOPSCOPE_CUDA_EMULATION_MEMORY");
    return text ? (size_t)strtoull(text, NULL, 10) : (size_t)16 << 30;
}

/// Whether [address, address + bytes) lies inside one live allocation (for the emulated cuBLAS too).
int ks_emulation_in_bounds(uintptr_t address, size_t bytes) {
    pthread_mutex_lock(&lock);
    int inside = 0;
    for (size_t i = 0; i < allocation_count && !inside; i++) {
        const Allocation *a = &allocations[i];
        inside = address >= a->start && address + bytes <= a->start + a->bytes && address + bytes >= address;
    }
    pthread_mutex_unlock(&lock);
    return inside;
}

CUresult cuMemAlloc_v2(uint64_t *pointer, size_t bytes) {
    if (!initialised) return CUDA_ERROR_NOT_INITIALIZED;
    if (!pointer || bytes == 0) return CUDA_ERROR_INVALID_VALUE;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t rounded = (bytes + 15) / 16 * 16;   // 16-byte aligned, as cudaMalloc's are (at least)
    size_t data_pages = (rounded + page - 1) / page;
    size_t mapped = (data_pages + 1) * page;
    pthread_mutex_lock(&lock);
    if (allocated_bytes + rounded > memory_limit()) { pthread_mutex_unlock(&lock); return CUDA_ERROR_OUT_OF_MEMORY; }
    pthread_mutex_unlock(&lock);
    void *map = mmap(NULL, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED) return CUDA_ERROR_OUT_OF_MEMORY;
    mprotect((char *)map + data_pages * page, page, PROT_NONE);   // the guard page right after the buffer
    uintptr_t start = (uintptr_t)map + data_pages * page - rounded;
    pthread_mutex_lock(&lock);
    if (allocation_count == allocation_capacity) {
        allocation_capacity = allocation_capacity ? 2 * allocation_capacity : 64;
        allocations = realloc(allocations, allocation_capacity * sizeof(Allocation));
    }
    allocations[allocation_count++] = (Allocation){start, bytes, map, mapped};   // copies are checked to the byte
    allocated_bytes += rounded;
    pthread_mutex_unlock(&lock);
    *pointer = start;
    return CUDA_SUCCESS;
}

CUresult cuMemFree_v2(uint64_t pointer) {
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < allocation_count; i++) {
        if (allocations[i].start != pointer) continue;
        Allocation a = allocations[i];
        allocations[i] = allocations[--allocation_count];
        allocated_bytes -= (a.bytes + 15) / 16 * 16;
        pthread_mutex_unlock(&lock);
        munmap(a.map, a.mapped);
        return CUDA_SUCCESS;
    }
    pthread_mutex_unlock(&lock);
    return CUDA_ERROR_INVALID_VALUE;
}

static CUresult copy(void *to, const void *from, size_t bytes, int check_to, int check_from) {
    if (!initialised) return CUDA_ERROR_NOT_INITIALIZED;
    if (bytes == 0) return CUDA_SUCCESS;
    if (!to || !from) return CUDA_ERROR_INVALID_VALUE;
    if (check_to && !ks_emulation_in_bounds((uintptr_t)to, bytes)) return CUDA_ERROR_INVALID_VALUE;
    if (check_from && !ks_emulation_in_bounds((uintptr_t)from, bytes)) return CUDA_ERROR_INVALID_VALUE;
    memmove(to, from, bytes);
    return CUDA_SUCCESS;
}

CUresult cuMemcpyHtoD_v2(uint64_t device, const void *host, size_t bytes) { return copy((void *)device, host, bytes, 1, 0); }
CUresult cuMemcpyDtoH_v2(void *host, uint64_t device, size_t bytes) { return copy(host, (const void *)device, bytes, 0, 1); }
CUresult cuMemcpyDtoD_v2(uint64_t to, uint64_t from, size_t bytes) { return copy((void *)to, (const void *)from, bytes, 1, 1); }

CUresult cuMemsetD8_v2(uint64_t device, unsigned char value, size_t bytes) {
    if (!initialised) return CUDA_ERROR_NOT_INITIALIZED;
    if (bytes && !ks_emulation_in_bounds((uintptr_t)device, bytes)) return CUDA_ERROR_INVALID_VALUE;
    memset((void *)device, value, bytes);
    return CUDA_SUCCESS;
}

// MARK: device and context

CUresult cuInit(unsigned flags) { if (flags != 0) return CUDA_ERROR_INVALID_VALUE; initialised = 1; return CUDA_SUCCESS; }
CUresult cuDriverGetVersion(int *version) { if (!version) return CUDA_ERROR_INVALID_VALUE; *version = 13000; return CUDA_SUCCESS; }
CUresult cuDeviceGetCount(int *count) {
    if (!initialised) return CUDA_ERROR_NOT_INITIALIZED;
    if (!count) return CUDA_ERROR_INVALID_VALUE;
    *count = 1;
    return CUDA_SUCCESS;
}
CUresult cuDeviceGet(int *device, int ordinal) {
    if (!initialised) return CUDA_ERROR_NOT_INITIALIZED;
    if (!device) return CUDA_ERROR_INVALID_VALUE;
    if (ordinal != 0) return CUDA_ERROR_INVALID_DEVICE;
    *device = 0;
    return CUDA_SUCCESS;
}
CUresult cuDeviceGetName(char *name, int length, int device) {
    if (!name || length <= 0) return CUDA_ERROR_INVALID_VALUE;
    if (device != 0) return CUDA_ERROR_INVALID_DEVICE;
    snprintf(name, (size_t)length, "koopscope CUDA emulation (host)");
    return CUDA_SUCCESS;
}
CUresult cuDeviceGetAttribute(int *value, int attribute, int device) {
    if (!value) return CUDA_ERROR_INVALID_VALUE;
    if (device != 0) return CUDA_ERROR_INVALID_DEVICE;
    switch (attribute) {
    case 75: *value = 9; return CUDA_SUCCESS;   // COMPUTE_CAPABILITY_MAJOR
    case 76: *value = 0; return CUDA_SUCCESS;   // COMPUTE_CAPABILITY_MINOR
    case 1: *value = 1024; return CUDA_SUCCESS; // MAX_THREADS_PER_BLOCK
    default: return CUDA_ERROR_INVALID_VALUE;
    }
}
static int context_token;
static int retained;
CUresult cuDevicePrimaryCtxRetain(void **context, int device) {
    if (!initialised) return CUDA_ERROR_NOT_INITIALIZED;
    if (!context) return CUDA_ERROR_INVALID_VALUE;
    if (device != 0) return CUDA_ERROR_INVALID_DEVICE;
    retained++;
    *context = &context_token;
    return CUDA_SUCCESS;
}
CUresult cuDevicePrimaryCtxRelease_v2(int device) {
    if (device != 0) return CUDA_ERROR_INVALID_DEVICE;
    if (retained == 0) return CUDA_ERROR_INVALID_CONTEXT;
    retained--;
    return CUDA_SUCCESS;
}
CUresult cuCtxSetCurrent(void *context) { return context == NULL || context == &context_token ? CUDA_SUCCESS : CUDA_ERROR_INVALID_CONTEXT; }
// Launches run to completion before cuLaunchKernel returns: there is nothing to wait for.
CUresult cuCtxSynchronize(void) { return initialised ? CUDA_SUCCESS : CUDA_ERROR_NOT_INITIALIZED; }

CUresult cuGetErrorName(CUresult status, const char **name) {
    if (!name) return CUDA_ERROR_INVALID_VALUE;
    switch (status) {
    case CUDA_SUCCESS: *name = "CUDA_SUCCESS"; break;
    case CUDA_ERROR_INVALID_VALUE: *name = "CUDA_ERROR_INVALID_VALUE"; break;
    case CUDA_ERROR_OUT_OF_MEMORY: *name = "CUDA_ERROR_OUT_OF_MEMORY"; break;
    case CUDA_ERROR_NOT_INITIALIZED: *name = "CUDA_ERROR_NOT_INITIALIZED"; break;
    case CUDA_ERROR_INVALID_DEVICE: *name = "CUDA_ERROR_INVALID_DEVICE"; break;
    case CUDA_ERROR_INVALID_IMAGE: *name = "CUDA_ERROR_INVALID_IMAGE"; break;
    case CUDA_ERROR_INVALID_CONTEXT: *name = "CUDA_ERROR_INVALID_CONTEXT"; break;
    case CUDA_ERROR_INVALID_HANDLE: *name = "CUDA_ERROR_INVALID_HANDLE"; break;
    case CUDA_ERROR_NOT_FOUND: *name = "CUDA_ERROR_NOT_FOUND"; break;
    case CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES: *name = "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES"; break;
    default: *name = NULL; return CUDA_ERROR_INVALID_VALUE;
    }
    return CUDA_SUCCESS;
}

// MARK: modules and launches

// What the emulated NVRTC hands over as a "cubin": this magic, the shared object's size, its bytes.
static const char image_magic[8] = "KSEMUSO1";

typedef struct {
    void *library;
    void (*set_launch)(unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, void (*)(void));
    void (*set_thread)(unsigned, unsigned, unsigned, unsigned, unsigned, unsigned);
} Module;
typedef struct { Module *module; void (*entry)(void **); char name[256]; } Function;

CUresult cuModuleLoadData(void **module, const void *image) {
    if (!initialised) return CUDA_ERROR_NOT_INITIALIZED;
    if (!module || !image) return CUDA_ERROR_INVALID_VALUE;
    if (memcmp(image, image_magic, 8) != 0) return CUDA_ERROR_INVALID_IMAGE;
    uint64_t size;
    memcpy(&size, (const char *)image + 8, 8);
    char path[] = "/tmp/koopscope-cuda-module-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return CUDA_ERROR_INVALID_IMAGE;
    const char *bytes = (const char *)image + 16;
    size_t written = 0;
    while (written < size) {
        ssize_t n = write(fd, bytes + written, size - written);
        if (n <= 0) break;
        written += (size_t)n;
    }
    close(fd);
    void *library = written == size ? dlopen(path, RTLD_NOW | RTLD_LOCAL) : NULL;
    unlink(path);
    if (!library) return CUDA_ERROR_INVALID_IMAGE;
    Module *m = calloc(1, sizeof(Module));
    m->library = library;
    *(void **)&m->set_launch = dlsym(library, "ks_emulation_set_launch");
    *(void **)&m->set_thread = dlsym(library, "ks_emulation_set_thread");
    if (!m->set_launch || !m->set_thread) { dlclose(library); free(m); return CUDA_ERROR_INVALID_IMAGE; }
    *module = m;
    return CUDA_SUCCESS;
}

CUresult cuModuleGetFunction(void **function, void *module, const char *name) {
    if (!function || !module || !name || strlen(name) >= 200) return CUDA_ERROR_INVALID_VALUE;
    char entry[256];
    snprintf(entry, sizeof entry, "ks_emulation_launch_%s", name);
    void *address = dlsym(((Module *)module)->library, entry);
    if (!address) return CUDA_ERROR_NOT_FOUND;
    Function *f = calloc(1, sizeof(Function));
    f->module = module;
    *(void **)&f->entry = address;
    snprintf(f->name, sizeof f->name, "%s", name);
    *function = f;
    return CUDA_SUCCESS;
}

// One launch at a time, its blocks one after another. A block's threads are fibers on the
// launching thread: each runs until it reaches __syncthreads or ends, then the next; once every
// thread of the block has reached the barrier, they go on, as on a GPU. Deterministic, and a
// switch costs far less than a thread.
static pthread_mutex_t launch_lock = PTHREAD_MUTEX_INITIALIZER;
static const Function *running;
static char *stacks;
static unsigned char *finished;
static size_t fiber_capacity;
static const size_t stack_bytes = 64 << 10;
static unsigned current;
static void **launch_parameters;

#if defined(__x86_64__)
// A switch saves the callee-saved registers on the stack it leaves and the stack pointer in
// *from, then resumes the stack `to` the same way: glibc's swapcontext also sets the signal mask,
// a system call per switch that made the emulation several times slower.
__attribute__((naked)) static void switch_stack(void **from, void *to) {
    __asm__ volatile("pushq %rbp\n pushq %rbx\n pushq %r12\n pushq %r13\n pushq %r14\n pushq %r15\n"
                     "movq %rsp, (%rdi)\n movq %rsi, %rsp\n"
                     "popq %r15\n popq %r14\n popq %r13\n popq %r12\n popq %rbx\n popq %rbp\n ret\n");
}
static void *scheduler_stack, **fiber_stacks;

static void syncthreads(void) { switch_stack(&fiber_stacks[current], scheduler_stack); }

static void fiber_main(void) {
    running->entry(launch_parameters);
    finished[current] = 1;
    switch_stack(&fiber_stacks[current], scheduler_stack);   // never resumed
    __builtin_unreachable();
}

static void start_fiber(unsigned long t) {
    uintptr_t top = ((uintptr_t)(stacks + (t + 1) * stack_bytes)) & ~(uintptr_t)15;
    void **frame = (void **)top;
    *--frame = NULL;                 // where fiber_main's return address would be: it never returns
    *--frame = (void *)fiber_main;   // switch_stack's ret lands here
    for (int r = 0; r < 6; r++) *--frame = NULL;
    fiber_stacks[t] = frame;
}
static void resume_fiber(unsigned long t) { switch_stack(&scheduler_stack, fiber_stacks[t]); }
static void grow_fibers(size_t threads) { free(fiber_stacks); fiber_stacks = calloc(threads, sizeof(void *)); }
#else
static ucontext_t scheduler, *fibers;

static void syncthreads(void) { swapcontext(&fibers[current], &scheduler); }

// Ends by returning, which resumes the scheduler (uc_link) just as a barrier does.
static void fiber_main(void) {
    running->entry(launch_parameters);
    finished[current] = 1;
}

static void start_fiber(unsigned long t) {
    getcontext(&fibers[t]);
    fibers[t].uc_stack.ss_sp = stacks + t * stack_bytes;
    fibers[t].uc_stack.ss_size = stack_bytes;
    fibers[t].uc_link = &scheduler;
    makecontext(&fibers[t], fiber_main, 0);
}
static void resume_fiber(unsigned long t) { swapcontext(&scheduler, &fibers[t]); }
static void grow_fibers(size_t threads) { free(fibers); fibers = calloc(threads, sizeof(ucontext_t)); }
#endif

static void run_block(unsigned long threads, unsigned bx, unsigned by, unsigned x, unsigned y, unsigned z) {
    memset(finished, 0, threads);
    for (unsigned long t = 0; t < threads; t++) start_fiber(t);
    for (int live = 1; live;) {   // a round: every thread that has not ended, up to its next barrier
        live = 0;
        for (unsigned long t = 0; t < threads; t++) {
            if (finished[t]) continue;
            live = 1;
            current = (unsigned)t;
            running->module->set_thread((unsigned)(t % bx), (unsigned)(t / bx % by), (unsigned)(t / bx / by), x, y, z);
            resume_fiber(t);
        }
    }
}

static void out_of_bounds(int signal, siginfo_t *info, void *context) {
    (void)signal; (void)context;
    char message[512];
    int n = snprintf(message, sizeof message,
                     "koopscope CUDA emulation: kernel %s accessed %p, outside the memory it was given (an out-of-bounds "
                     "access; on a GPU, CUDA_ERROR_ILLEGAL_ADDRESS)\n", running ? running->name : "?", info->si_addr);
    if (n > 0) { ssize_t ignored = write(2, message, (size_t)n); (void)ignored; }
    _exit(134);
}

CUresult cuLaunchKernel(void *function, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                        unsigned shared_bytes, void *stream, void **parameters, void **extra) {
    if (!initialised) return CUDA_ERROR_NOT_INITIALIZED;
    if (!function) return CUDA_ERROR_INVALID_HANDLE;
    if (stream || extra) return CUDA_ERROR_INVALID_VALUE;   // the default stream and kernelParams only, as the backend uses
    if (gx == 0 || gy == 0 || gz == 0 || bx == 0 || by == 0 || bz == 0 || gx > 2147483647u || gy > 65535 || gz > 65535
        || bx > 1024 || by > 1024 || bz > 64)
        return CUDA_ERROR_INVALID_VALUE;
    unsigned long threads = (unsigned long)bx * by * bz;
    if (threads > 1024 || shared_bytes > 49152) return CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES;
    pthread_mutex_lock(&launch_lock);
    running = function;
    running->module->set_launch(gx, gy, gz, bx, by, bz, syncthreads);
    struct sigaction guard = {0}, previous_segv, previous_bus;
    guard.sa_sigaction = out_of_bounds;
    guard.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &guard, &previous_segv);
    sigaction(SIGBUS, &guard, &previous_bus);
    if (threads > fiber_capacity) {
        free(stacks); free(finished);
        grow_fibers(threads);
        stacks = malloc(threads * stack_bytes);
        finished = malloc(threads);
        fiber_capacity = threads;
    }
    launch_parameters = parameters;
    for (unsigned z = 0; z < gz; z++)
        for (unsigned y = 0; y < gy; y++)
            for (unsigned x = 0; x < gx; x++) run_block(threads, bx, by, x, y, z);
    sigaction(SIGSEGV, &previous_segv, NULL);
    sigaction(SIGBUS, &previous_bus, NULL);
    running = NULL;
    pthread_mutex_unlock(&launch_lock);
    return CUDA_SUCCESS;
}
