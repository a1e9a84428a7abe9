import Foundation
import XCTest

/// Runs the built `nnc` binary, as a user would.
struct NNCProcess {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// The `nnc` built beside the test bundle (`swift test` builds it first).
    static var executable: URL {
        get throws {
            var candidates = [Bundle.main.bundleURL.appendingPathComponent("nnc")]
            for bundle in Bundle.allBundles {
                candidates.append(bundle.bundleURL.deletingLastPathComponent().appendingPathComponent("nnc"))
            }
            candidates.append(repositoryRoot.appendingPathComponent(".build/debug/nnc"))
            guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
                throw XCTSkip("nnc binary not found beside the tests")
            }
            return found
        }
    }

    static var fixtures: URL {
        get throws { try XCTUnwrap(Bundle.module.url(forResource: "Fixtures", withExtension: nil)) }
    }

    /// `launcher` runs nnc through another program (e.g. setpriv to drop root); `extra` adds environment variables.
    static func run(_ arguments: [String], in directory: URL? = nil, launcher: [String] = [],
                    environment extra: [String: String] = [:]) throws -> Output {
        let process = Process()
        if let program = launcher.first {
            process.executableURL = URL(fileURLWithPath: program)
            process.arguments = launcher.dropFirst() + [try executable.path] + arguments
        } else {
            process.executableURL = try executable
            process.arguments = arguments
        }
        if let directory { process.currentDirectoryURL = directory }
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        environment["COLUMNS"] = nil
        environment.merge(extra) { $1 }
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes before waiting, so a full pipe cannot block the child.
        let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
        let stderrData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus,
                      stdout: String(decoding: stdoutData, as: UTF8.self),
                      stderr: String(decoding: stderrData, as: UTF8.self))
    }

    /// Compares with a golden file; NNC_UPDATE_GOLDEN=1 rewrites it instead.
    static func assertGolden(_ text: String, _ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let url = repositoryRoot.appendingPathComponent("Tests/NNCCLITests/Fixtures/golden/\(name)")
        if ProcessInfo.processInfo.environment["NNC_UPDATE_GOLDEN"] == "1" {
            try text.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        XCTAssertEqual(text, expected, "golden \(name) differs (NNC_UPDATE_GOLDEN=1 rewrites it)", file: file, line: line)
    }
}
