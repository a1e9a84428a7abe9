import ArgumentParser
import Foundation
import NNCSpec

/// The command line: a thin shell over the library (each command parses its
/// flags, calls NNCIR/NNCRuntime, prints, and maps the outcome to an exit code).
@main
struct NNC: ParsableCommand {
    static let version = "0.1.0"
    static let configuration = CommandConfiguration(
        commandName: "nnc",
        abstract: "A declarative neural-network compiler and interpreter.",
        version: version,
        subcommands: [Check.self, Run.self, Summary.self, Schema.self, Explain.self, Bench.self,
                      Predict.self, Export.self, DataExport.self]
    )

    /// As ArgumentParser's, except that a usage error (an unknown flag or a bad
    /// value) exits 2, as cli.md says, instead of EX_USAGE (64).
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        let commands = configuration.subcommands.map { $0._commandName }
        if let message = Suggestions.unknownCommand(arguments, commands: commands) {
            Terminal.writeError(message + "\n")
            Foundation.exit(Exit.usage.rawValue)
        }
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if exitCode(for: error) == .validationFailure {
                let message = fullMessage(for: error)
                Terminal.writeError((Suggestions.unknownOption(in: message, command: arguments.first ?? "") ?? message) + "\n")
                Foundation.exit(Exit.usage.rawValue)
            }
            // Help pages end with examples.
            if exitCode(for: error) == .success, arguments.contains(where: { ["-h", "--help", "help"].contains($0) }) {
                let page = fullMessage(for: error)
                print(page + (page.hasSuffix("\n") ? "\n" : "\n\n") + HelpExamples.text(for: HelpExamples.command(arguments)),
                      terminator: "")
                Foundation.exit(0)
            }
            exit(withError: error)
        }
    }
}

/// Exit codes of cli.md.
enum Exit {
    static let specErrors = ExitCode(1)
    static let usage = ExitCode(2)
    static let runFailed = ExitCode(3)
}
