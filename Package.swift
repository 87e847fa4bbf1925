// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "koopscope",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "KoopScope", targets: ["KoopScope"]),
        .library(name: "KoopScopeTraining", targets: ["KoopScopeTraining"]),
        .library(name: "KoopScopeCUDA", targets: ["KoopScopeCUDA"]),
        .executable(name: "koopscope", targets: ["koopscope"]),
        // The C interface (include/koopscope.h of _KoopScopeABI) as a shared library, libKoopScopeC.so.
        .library(name: "KoopScopeC", type: .dynamic, targets: ["KoopScopeC"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        // C shims: system libraries found through pkg-config, with `static inline`
        // getters for the macros Swift cannot import.
        .systemLibrary(
            name: "_CHDF5", pkgConfig: "hdf5-serial",
            providers: [.apt(["libhdf5-dev"]), .brew(["hdf5"])]),
        .systemLibrary(
            name: "_CBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"]), .brew(["openblas"])]),
        .systemLibrary(
            name: "_CDeflate", pkgConfig: "libdeflate",
            providers: [.apt(["libdeflate-dev"]), .brew(["libdeflate"])]),
        .systemLibrary(
            name: "_CLAPACKE", pkgConfig: "lapacke",
            providers: [.apt(["liblapacke-dev"]), .brew(["lapack"])]),

        // Hot loops in C where they need CPU instructions Swift cannot name.
        .target(name: "_KoopScopeKernels"),
        // The CPU backend's tensor kernels (float and double). Release builds optimise them; the
        // test command (scripts/test) passes -O2 to C so that debug test builds do too — a flag
        // here would be an unsafe flag, which packages depending on this one may not have.
        .target(
            name: "_KoopScopeTensorKernels",
            linkerSettings: [.linkedLibrary("m")]),

        .target(
            name: "KoopScope",
            dependencies: [
                "_CHDF5", "_CBLAS", "_CLAPACKE", "_CDeflate", "_KoopScopeKernels",
                .product(name: "Numerics", package: "swift-numerics"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        // NVIDIA support loaded at run time (dlopen): nothing of CUDA is needed to build or test.
        .target(name: "KoopScopeCUDA", dependencies: ["KoopScope"]),
        // Training: tensors on a backend with a tape, the transformer policy, tasks, GRPO and ReLaX.
        .target(name: "KoopScopeTraining", dependencies: ["KoopScope", "KoopScopeCUDA", "_CBLAS", "_KoopScopeTensorKernels",
                                                          .product(name: "TOMLKit", package: "TOMLKit")]),

        // The C interface: its header (the types both sides share) and the exported functions.
        .target(name: "_KoopScopeABI"),
        .target(name: "KoopScopeC", dependencies: ["KoopScope", "_KoopScopeABI"]),

        .executableTarget(
            name: "koopscope",
            dependencies: [
                "KoopScope", "KoopScopeTraining", "KoopScopeCUDA",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "koopscope-bench",
            dependencies: [
                "KoopScope", "KoopScopeTraining", "KoopScopeCUDA",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/KoopScopeBench"),

        // For the tests: crashes and hangs on purpose under the crash guard and the watchdog.
        .executableTarget(
            name: "koopscope-crash-check",
            dependencies: ["KoopScope"]),

        // The dump reader under libFuzzer (scripts/fuzz); a plain build replays files.
        // What the libFuzzer harnesses share.
        .target(name: "_FuzzDriver"),
        .executableTarget(
            name: "koopscope-fuzz-dump",
            dependencies: ["KoopScope", "_FuzzDriver"]),
        // The checkpoint readers (safetensors, tokenizer.json, config.json) under libFuzzer
        // (scripts/fuzz-model); a plain build replays files.
        .executableTarget(
            name: "koopscope-fuzz-model",
            dependencies: ["KoopScopeTraining", "_FuzzDriver"]),

        // Runnable examples.
        .executableTarget(
            name: "linear-dmd-example",
            dependencies: ["KoopScope", .product(name: "Numerics", package: "swift-numerics")],
            path: "examples/linear-dmd"),
        .executableTarget(
            name: "compare-checkpoints-example",
            dependencies: ["KoopScope"],
            path: "examples/compare-checkpoints"),
        .executableTarget(
            name: "layer-study-example",
            dependencies: ["KoopScope", "KoopScopeTraining"],
            path: "examples/layer-study"),

        // What the test targets share: the repository's paths, temporary directories, central differences.
        .target(name: "_TestSupport", dependencies: ["KoopScope"], path: "Tests/_TestSupport"),
        .testTarget(
            name: "KoopScopeTests",
            dependencies: ["KoopScope", "_TestSupport", .product(name: "Numerics", package: "swift-numerics")]),
        .testTarget(
            name: "KoopScopeTrainingTests",
            dependencies: ["KoopScopeTraining", "KoopScopeCUDA", "_TestSupport"]),
        .testTarget(
            name: "KoopScopeCUDATests",
            dependencies: ["KoopScopeCUDA", "KoopScope", "_TestSupport"]),
        .testTarget(
            name: "KoopScopeCTests",
            dependencies: ["KoopScopeC", "_KoopScopeABI", "KoopScope", "_TestSupport"]),
        .testTarget(
            name: "koopscopeCLITests",
            dependencies: ["koopscope", "koopscope-crash-check", "linear-dmd-example", "compare-checkpoints-example",
                           "layer-study-example", "_TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
