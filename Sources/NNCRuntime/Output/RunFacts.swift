import Foundation
import NNCSpec

/// The facts of one run, for the terminal's header, metrics.json's `run` and the report:
/// what ran (version, command line, when), on what (data sizes, parameters) and how (seed, threads).
public struct RunFacts: Sendable {
    public var version: String
    /// The command line as typed (each argument shell-quoted where needed).
    public var commandLine: String
    /// ISO 8601, UTC, to the second.
    public var date: String
    public var seed: UInt64
    public var threads: Int
    public var parameters: Int
    public var trainExamples: Int
    public var testExamples: Int?
    public var rule: String
    public var epochs: Int?
    /// Wall time of the whole run (filled at the end).
    public var seconds: Double = 0

    public init(version: String, commandLine: String, date: String, seed: UInt64, threads: Int, parameters: Int,
                trainExamples: Int, testExamples: Int?, rule: String, epochs: Int?) {
        self.version = version; self.commandLine = commandLine; self.date = date; self.seed = seed
        self.threads = threads; self.parameters = parameters; self.trainExamples = trainExamples
        self.testExamples = testExamples; self.rule = rule; self.epochs = epochs
    }

    /// The facts as a JSON object (metrics.json's `run`).
    public var json: JSONValue {
        var o: [(key: String, value: JSONValue)] = [
            ("nnc_version", .string(version)), ("date", .string(date)), ("seconds", .double(Self.rounded(seconds))),
            ("seed", Int(exactly: seed).map(JSONValue.int) ?? .string(String(seed))), ("threads", .int(threads)), ("parameters", .int(parameters)),
            ("train_examples", .int(trainExamples)),
        ]
        if let testExamples { o.append(("test_examples", .int(testExamples))) }
        o.append(("rule", .string(rule)))
        if let epochs { o.append(("epochs", .int(epochs))) }
        o.append(("command", .string(commandLine)))
        return .object(o)
    }

    /// Milliseconds are all a wall time has to say.
    static func rounded(_ s: Double) -> Double { (s * 1000).rounded() / 1000 }

    /// Now, as `date` wants it.
    public static func now() -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: Date())
    }

    /// Arguments joined for display; arguments with spaces or shell characters single-quoted.
    public static func commandLine(_ arguments: [String]) -> String {
        arguments.map { a in
            let plain = !a.isEmpty && a.unicodeScalars.allSatisfy {
                CharacterSet.alphanumerics.contains($0) || "-_./=:,@+%".unicodeScalars.contains($0)
            }
            return plain ? a : "'" + a.replacingOccurrences(of: "'", with: "'\\''") + "'"
        }.joined(separator: " ")
    }
}

/// A value that was a Float, at the precision it has: 0.003 rather than 0.003000000026077032
/// (the shortest decimal that reads back as the same Float).
public func shortestDouble(_ x: Float) -> Double { Double(String(x)) ?? Double(x) }
