import Foundation
import NNCIR
import NNCSpec

/// `nnc check --data`: opens the files a checked spec's data section names
/// (csv, idx, npy) with the loaders `run` uses, bounded the same way, and
/// reports what would fail at run time as diagnostics at the spec's line that
/// names the file, with a note at the place in the data file: a file that
/// cannot be read or parsed, a header row, ragged rows, labels beyond the
/// output's classes, examples whose shape does not fit the model's input.
/// Built-in and inline data are left to the static check. Only files inside
/// `root` (after following symlinks) are opened: a spec from a pull request
/// cannot make `check --data` echo a line of `~/.ssh/id_rsa` into CI logs.
public enum DataFileCheck {
    public static func diagnostics(_ checked: CheckResult, root: String = FileManager.default.currentDirectoryPath) -> [Diagnostic] {
        guard let spec = checked.spec, let data = spec.data else { return [] }
        let outside = (data.test.map { [data.train, $0] } ?? [data.train]).flatMap { dataset in
            dataset.form.files.filter { !isInside($0, root: root) }.map { file in
                Diagnostic.error(DataErrorCode.unreadable,
                                 "\(file) lies outside the current folder; `check --data` opens only files inside it",
                                 at: dataset.span(naming: file), help: "run the check from a folder that holds the data, or use `nnc run`")
            }
        }
        guard outside.isEmpty else { return outside }
        let modelInput = spec.model?.input ?? []
        var out: [Diagnostic] = []
        var trainNames: [String]?
        for (part, dataset) in [("data", data.train)] + (data.test.map { [("test data", $0)] } ?? []) {
            do {
                guard let d = try DataPipeline.readFile(dataset.form, modelInput: modelInput, classNames: trainNames) else { continue }
                if part == "data" { trainNames = d.classNames }
                if case .csv(let o) = dataset.form, o.header, let names = d.featureNames, names.allSatisfy({ Double($0) != nil }) {
                    out.append(.warning("W0601", "the header row of \(o.path) holds only numbers: is it a row of data?",
                                        at: dataset.span(naming: o.path),
                                        help: "`header: true` skips the first row; remove it if the file has no column names"))
                }
                if let model = spec.model, let graph = checked.graph {
                    out += compare(d, dataset, model: model, graph: graph, targetIsInput: spec.train?.targetIsInput ?? false)
                }
            } catch let error as DataError {
                out.append(error.diagnostic(specSpan: dataset.span(naming: error.location?.file), anchor: .spec))
            } catch {
                out.append(.error(DataErrorCode.malformed, "\(error)", at: dataset.span))
            }
        }
        return out
    }

    /// The model's input and output against one dataset, with the checks `run` makes.
    static func compare(_ d: Dataset, _ dataset: DatasetSpec, model: ModelSpec, graph: Graph, targetIsInput: Bool) -> [Diagnostic] {
        let file = dataset.form.files.first ?? ""
        let at = dataset.span(naming: file)
        let bindings: [String: Int]
        do { bindings = try Runner.bind(model.input, to: d.inputShape) } catch {
            let columns = dataset.form.isCSV ? " (\(d.inputSize) input column\(d.inputSize == 1 ? "" : "s"))" : ""
            return [.error(DataErrorCode.inputMismatch,
                           "\(file) gives examples of shape \(describe(d.inputShape))\(columns) but the model's input is \(NNCSpec.describe(model.input))",
                           at: at, notes: [DiagnosticNote("the model's input is declared at line \(model.inputSpan.start.line)", at: model.inputSpan)],
                           help: "write 'input: \(describe(d.inputShape))', or change the file")]
        }
        guard let outputSize = try? Plan.floatsPerExample(graph, bindings: bindings)[graph.output] else { return [] }
        let width = graph.nodes[graph.output].shape?.last?.fixed ?? outputSize
        do {
            try Runner.checkTargets(d, outputWidth: width, outputSize: outputSize, targetIsInput: targetIsInput)
        } catch {
            var notes: [DiagnosticNote] = []
            if case .classes(let labels, _) = d.targets, let row = labels.firstIndex(where: { Int($0) >= max(width, 2) }) {
                let name = d.classNames.flatMap { names in names.indices.contains(Int(labels[row])) ? " (\(DataError.quoted(names[Int(labels[row])].utf8)))" : nil } ?? ""
                notes.append(DiagnosticNote("label \(labels[row])\(name) first appears in \(dataset.form.place(ofExample: row, file: file))",
                                            at: dataset.form.span(ofExample: row)))
            }
            if let names = d.classNames {
                notes.append(DiagnosticNote("the classes are the sorted label names: " + names.prefix(10).map { DataError.quoted($0.utf8) }.joined(separator: ", ")
                                            + (names.count > 10 ? ", …" : "")))
            }
            return [.error(DataErrorCode.targetMismatch, "\(file): \(error)", at: at, notes: notes)]
        }
        return []
    }

    /// Whether `path` (symlinks followed; a missing file by its folder) lies under `root`.
    static func isInside(_ path: String, root: String) -> Bool {
        func real(_ p: String) -> String? {
            guard let r = realpath(p, nil) else { return nil }
            defer { free(r) }
            return String(cString: r)
        }
        guard let base = real(root) else { return false }
        // The longest existing ancestor, with symlinks followed, then the rest (`..` removed first).
        var existing = URL(fileURLWithPath: path.hasPrefix("/") ? path : root + "/" + path).standardizedFileURL
        var rest: [String] = []
        var resolved = real(existing.path)
        while resolved == nil, existing.pathComponents.count > 1 {
            rest.insert(existing.lastPathComponent, at: 0)
            existing.deleteLastPathComponent()
            resolved = real(existing.path)
        }
        guard let resolved else { return false }
        let full = ([resolved] + rest).joined(separator: "/")
        return full == base || full.hasPrefix(base.hasSuffix("/") ? base : base + "/")
    }

    static func describe(_ dims: [Int]) -> String { "[" + dims.map(String.init).joined(separator: ", ") + "]" }
}

extension DataPipeline {
    /// Runs one of `run`'s checks of data against the model; its `RunError.data`
    /// becomes a data error with `code` at the spec's line that names the file.
    static func matching<T>(_ spec: DatasetSpec, _ code: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch RunError.data(let message) {
            let file = spec.form.files.first
            throw LocatedDataError(error: DataError(.invalidOption, message, code: code, at: file.map { DataLocation(file: $0) }),
                                   specSpan: spec.span(naming: file))
        }
    }
}

extension DatasetForm {
    /// The files this form reads, inputs first.
    var files: [String] {
        switch self {
        case .builtin, .inline: []
        case .csv(let o): [o.path]
        case .idx(let images, let labels): [images] + (labels.map { [$0] } ?? [])
        case .npy(let inputs, let targets): [inputs] + (targets.map { [$0] } ?? [])
        }
    }

    var isCSV: Bool { if case .csv = self { return true }; return false }

    /// The line of example `row` in a CSV file (nil for the other forms).
    func span(ofExample row: Int) -> SourceSpan? {
        guard case .csv(let o) = self else { return nil }
        return SourceSpan(file: o.path, at: SourceLocation(line: row + 1 + (o.header ? 1 : 0), column: 1))
    }

    /// Where example `row` is: a CSV file's line (rows are consecutive lines
    /// after the optional header), else the example's index.
    func place(ofExample row: Int, file: String) -> String {
        switch self {
        case .csv(let o): "\(o.path):\(row + 1 + (o.header ? 1 : 0))"
        case .builtin, .inline, .idx, .npy: "example \(row) of \((files.dropFirst().first ?? file))"
        }
    }
}
