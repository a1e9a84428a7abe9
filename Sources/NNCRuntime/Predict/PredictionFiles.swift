import Foundation
import NNCIR
import NNCSpec

/// `nnc predict`'s files: raw inputs in (.npy [N, ...input shape] of
/// float32/float64/uint8 (or integers), .csv with one example per row and an
/// optional header), outputs out (.npy float32 [N, ...output shape], or CSV).
public enum PredictionFiles {
    /// The examples of `path`, checked against the model's input shape.
    public static func readInputs(_ path: String, model: LoadedModel) throws -> Dataset {
        let shape = model.graph.nodes[0].shape ?? []
        let expected = "[N, " + shape.map(\.description).joined(separator: ", ") + "]"
        let data: Dataset
        do {
            switch (path as NSString).pathExtension.lowercased() {
            case "npy":
                data = try Dataset.loadNPY(inputs: path)
            case "csv":
                let bytes = try FileBytes.read(path)
                var d = try Dataset.parseCSV(bytes, file: path, label: .none, header: hasHeader(bytes), classes: nil)
                // A row reads as the model's input, as the csv data form reads it.
                if let rows = Dataset.rowShape(shape.map(\.fixed), values: d.inputSize) {
                    d = try d.reshapedInputs(rows)
                }
                data = d
            default:
                throw ModelError(.unreadable, "\(path): not a .npy or .csv file; the model takes inputs of shape \(expected)")
            }
        } catch let e as DataError {
            throw ModelError(e.kind == .unreadable ? .unreadable : .invalid, "\(e.message) (the model takes inputs of shape \(expected))")
        }
        let found = "[\(data.count), " + data.inputShape.map(String.init).joined(separator: ", ") + "]"
        var bindings: [String: Int] = [:]
        var fits = data.inputShape.count == shape.count
        for (d, n) in zip(shape, data.inputShape) where fits {
            switch d {
            case .fixed(let x): fits = x == n
            case .symbol(let s): fits = bindings.updateValue(n, forKey: s).map { $0 == n } ?? true
            }
        }
        guard fits else {
            throw ModelError(.invalid, "\(path): the inputs have shape \(found), the model takes \(expected)")
        }
        return data
    }

    /// A first line with a field that is not a number is a header.
    static func hasHeader(_ bytes: [UInt8]) -> Bool {
        let end = bytes.firstIndex(of: UInt8(ascii: "\n")) ?? bytes.endIndex
        var line = String(decoding: bytes[..<end], as: UTF8.self)
        if line.hasPrefix("\u{FEFF}") { line.removeFirst() }
        return line.split(separator: ",", omittingEmptySubsequences: false).contains { field in
            let t = field.trimmingCharacters(in: .whitespacesAndNewlines).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            return Double(t) == nil
        }
    }

    // MARK: writing

    /// A float32 .npy file of `shape` (C order).
    public static func npy(_ values: [Float], shape: [Int]) -> [UInt8] {
        var out = npyHeader("<f4", shape)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { out += $0 } }
        return out
    }

    /// An int64 .npy file of `shape` (class indices).
    public static func npy(_ values: [Int64], shape: [Int]) -> [UInt8] {
        var out = npyHeader("<i8", shape)
        for v in values { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        return out
    }

    static func npyHeader(_ descr: String, _ shape: [Int]) -> [UInt8] {
        let dims = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': (\(dims)), }"
        // Magic (6) + version (2) + length (2) + header + newline, padded to 64 bytes.
        let total = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - total % 64) % 64) + "\n"
        var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        out += [UInt8(truncatingIfNeeded: header.utf8.count), UInt8(truncatingIfNeeded: header.utf8.count >> 8)]
        return out + Array(header.utf8)
    }

    /// One row per example. Classifiers: `class` (the name where known), then
    /// one probability (or unit) column per class; others: y0, y1, ... (flat).
    public static func csv(_ outputs: Predictor.Outputs, model: LoadedModel, code: Bool) -> String {
        let width = outputs.shape.reduce(1, *)
        var lines: [String] = []
        if let classes = outputs.classes {
            let k = width == 1 ? 2 : width
            let names = (0..<k).map { i in model.classNames.flatMap { i < $0.count ? $0[i] : nil } ?? String(i) }
            let probabilities = model.output == .classProbabilities
            lines.append((["class"] + (probabilities || width == 1 ? names : names.map { "unit_" + $0 })).map(field).joined(separator: ","))
            for (i, c) in classes.enumerated() {
                var row = Array(outputs.values[(i * width)..<((i + 1) * width)])
                if width == 1 && probabilities { row = [1 - row[0], row[0]] }
                let name = c < names.count ? names[c] : String(c)
                lines.append(([field(name)] + row.map(number)).joined(separator: ","))
            }
        } else {
            let prefix = code ? "code" : "y"
            lines.append((0..<width).map { "\(prefix)\($0)" }.joined(separator: ","))
            for i in 0..<outputs.count {
                lines.append(outputs.values[(i * width)..<((i + 1) * width)].map(number).joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func number(_ x: Float) -> String { x == x.rounded() && abs(x) < 1e7 ? String(Int(x)) : "\(x)" }

    /// A CSV field, quoted when it holds a comma, quote or line break (names come from data files).
    static func field(_ s: String) -> String {
        let clean = String(s.unicodeScalars.filter { $0.value >= 0x20 || $0 == "\t" }.prefix(200))
        guard clean.contains(where: { $0 == "," || $0 == "\"" }) || clean != s else { return clean }
        return "\"" + clean.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
