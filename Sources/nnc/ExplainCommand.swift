import ArgumentParser
import NNCSpec

struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Explain a diagnostic code, with an example and the fix.")

    @Argument(help: "A code such as E0301, or 'all' to list every code.")
    var code: String = "all"

    @Flag(help: "Print every code as Markdown (docs/diagnostics.md).")
    var markdown = false

    func run() throws {
        if markdown {
            print(ReferenceDocs.diagnostics(), terminator: "")
            return
        }
        if code.lowercased() == "all" {
            for c in DiagnosticCodes.all { print("\(c.code)  \(c.title)") }
            return
        }
        guard let c = DiagnosticCodes.lookup(code) else {
            Terminal.writeError("error: unknown diagnostic code '\(code)'; 'nnc explain all' lists them\n")
            throw Exit.usage
        }
        print(DiagnosticCodes.explanation(c))
    }
}
