// libFuzzer target over nnc's front end and checker: YAML bytes in, every
// pass and every diagnostic format run. Any trap, sanitizer report or hang
// is a finding. Build and run with fuzz/run.sh (see docs/fuzzing.md).
import NNCIR
import NNCSpec

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCheck(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let file = SourceFile(path: "fuzz.yaml", bytes: Array(UnsafeBufferPointer(start: data, count: size)))
    let result = Compiler.check(file)
    let renderer = DiagnosticRenderer(files: [file], color: true, toolVersion: "fuzz")
    for format in DiagnosticFormat.allCases {
        _ = renderer.render(result.diagnostics, format: format, files: 1)
    }
    _ = Summary.table(result)
    return 0
}
