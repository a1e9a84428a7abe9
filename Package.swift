// swift-tools-version:6.0
// nnc: a declarative neural-network compiler and interpreter.
// Modules in pipeline order: CYAML, (NNCKernels -> NNCData) -> NNCSpec -> NNCIR -> NNCRuntime -> nnc.
import PackageDescription
import Foundation

// Numeric code is compiled optimized even in debug builds (tests train real
// networks), with the host's vector unit enabled. NNC_PORTABLE=1 builds a
// portable binary (no target CPU), e.g. for distribution.
let portable = ProcessInfo.processInfo.environment["NNC_PORTABLE"] == "1"
#if arch(x86_64)
// AVX2 + FMA (Haswell and later, Zen) when the building machine has them.
let cpuInfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
let hasAVX2FMA = cpuInfo.contains(" avx2") && cpuInfo.contains(" fma")
// AVX-512 (F, CD, BW, DQ, VL: the skylake-avx512 baseline; Zen 4/5, Intel server) doubles
// the FMA width: NNC_AVX512 selects the GEMM's 12×16 zmm micro-kernel. NNC_NO_AVX512=1 builds
// the AVX2 code (valgrind 3.19 cannot run AVX-512; A/B timing).
let hasAVX512 = ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"].allSatisfy { cpuInfo.contains(" \($0)") }
    && ProcessInfo.processInfo.environment["NNC_NO_AVX512"] != "1"
let hostCPUFlags = (portable || !hasAVX2FMA) ? []
    : hasAVX512 ? ["-target-cpu", "skylake-avx512", "-D", "NNC_AVX512"] : ["-target-cpu", "haswell"]
#elseif arch(arm64)
let hostCPUFlags: [String] = []                                     // NEON is baseline on arm64
#else
let hostCPUFlags: [String] = []
#endif
let numericSettings: [SwiftSetting] = [
    .unsafeFlags(["-O"] + hostCPUFlags, .when(configuration: .debug)),
    .unsafeFlags(["-Ounchecked"] + hostCPUFlags, .when(configuration: .release)),
]
// NNCRuntime parses users' CSV, NPY, IDX and safetensors files: it keeps its bounds and
// overflow checks in release builds (-O); only the kernels' inner loops are -Ounchecked.
let checkedNumericSettings: [SwiftSetting] = [
    .unsafeFlags(["-O"] + hostCPUFlags),
]

let package = Package(
    name: "nnc",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "nnc", targets: ["nnc"]),
        .library(name: "NNCData", targets: ["NNCData"]),
        .library(name: "NNCSpec", targets: ["NNCSpec"]),
        .library(name: "NNCIR", targets: ["NNCIR"]),
        .library(name: "NNCKernels", targets: ["NNCKernels"]),
        .library(name: "NNCRuntime", targets: ["NNCRuntime"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"]), .brew(["libyaml"])]
        ),
        // Datasets in memory, their data errors and size limits: what loaders and built-in sources make.
        .target(name: "NNCData", dependencies: ["NNCKernels"], swiftSettings: checkedNumericSettings),
        // The spec language; its built-in data sources (DataSources/) generate NNCData datasets.
        .target(name: "NNCSpec", dependencies: ["CYAML", "NNCData", "NNCKernels"]),
        .target(name: "NNCIR", dependencies: ["NNCSpec"]),
        .target(name: "NNCKernels", swiftSettings: numericSettings),
        .target(name: "NNCRuntime", dependencies: ["NNCIR", "NNCKernels"],
                resources: [.copy("Resources")], swiftSettings: checkedNumericSettings),
        // Exporters (ONNX, PyTorch): the only target that links protobuf.
        .target(name: "NNCExport", dependencies: ["NNCRuntime", .product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        .executableTarget(
            name: "nnc",
            dependencies: [
                "NNCSpec", "NNCIR", "NNCRuntime", "NNCExport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "NNCSpecTests", dependencies: ["NNCSpec"], resources: [.copy("Fixtures")]),
        .testTarget(name: "NNCIRTests", dependencies: ["NNCIR"], resources: [.copy("Fixtures")]),
        .testTarget(name: "NNCKernelsTests", dependencies: ["NNCKernels"]),
        // Test support: counts heap allocations (interposes malloc; linked into the test process only).
        .target(name: "MallocCounter", path: "Tests/Support/MallocCounter"),
        .testTarget(name: "NNCRuntimeTests", dependencies: ["NNCRuntime", "NNCKernels", "NNCIR", "NNCSpec", "MallocCounter"]),
        .testTarget(name: "NNCCLITests", dependencies: ["nnc", "NNCSpec", "NNCIR"], resources: [.copy("Fixtures")]),
    ]
)
