/// The `csv:` dataset form: numbers separated by commas, one example per row.
///
/// Accepted: LF or CRLF line ends, a UTF-8 byte-order mark, spaces around
/// fields, numbers in double quotes, blank lines at the end. Rejected with the
/// line (1-based, counting the header) and field (1-based): ragged rows, empty
/// fields, blank lines between rows, text that is not a number, NaN and
/// infinities, and labels that are not class indices.

/// Which column holds the class label.
public enum CSVLabel: Sendable, Equatable {
    case last
    case first
    /// The column at this index, counted from 0.
    case column(Int)
    /// No label column: every column is an input (targets `.none`).
    case none
}

extension Dataset {
    /// Loads a CSV file of numbers.
    /// - Parameters:
    ///   - label: the label column; the other columns are the inputs, shape [F].
    ///   - header: the first line holds column names (they become `featureNames`).
    ///   - classes: K when given: labels must be whole numbers in 0..<K;
    ///     otherwise labels must be whole numbers ≥ 0 and K = the largest + 1.
    public static func loadCSV(path: String, label: CSVLabel = .last, header: Bool = false,
                               classes: Int? = nil) throws -> Dataset {
        try parseCSV(FileBytes.read(path), file: path, label: label, header: header, classes: classes)
    }

    /// Parses CSV bytes; `file` names the source in messages.
    static func parseCSV(_ bytes: [UInt8], file: String, label: CSVLabel, header: Bool,
                         classes: Int?) throws -> Dataset {
        func fail(_ message: String) -> DataError { .malformed("\(file): \(message)") }
        if let k = classes, k < 1 {
            throw DataError.invalidOption("\(file): classes must be at least 1, got \(k)")
        }

        var lines = CSVLines(bytes).lines
        try Cancellation.check()
        while let last = lines.last, last.isBlank { lines.removeLast() }
        guard !lines.isEmpty else { throw fail("the file is empty") }

        var names: [String]?
        if header {
            names = lines.removeFirst().fields.map { $0.text }
            guard !lines.isEmpty else { throw fail("there is a header but no data rows") }
        }
        let columns = lines[0].fields.count
        if let names, names.count != columns {
            throw fail("line \(lines[0].number) has \(columns) fields, but the header has \(names.count)")
        }

        let labelColumn: Int?
        switch label {
        case .last: labelColumn = columns - 1
        case .first: labelColumn = 0
        case .none: labelColumn = nil
        case .column(let c):
            guard c >= 0, c < columns else {
                throw DataError.invalidOption(
                    "\(file): label column \(c) does not exist (rows have \(columns) fields, counted from 0)")
            }
            labelColumn = c
        }
        let features = columns - (labelColumn == nil ? 0 : 1)
        guard features >= 1 else { throw fail("rows have \(columns) field(s), leaving no input columns beside the label") }
        _ = try SizeLimits.elements([lines.count, features], "\(file)")

        var inputs = [Float]()
        inputs.reserveCapacity(lines.count * features)
        var labels = [Int32]()
        var poll = Cancellation.Poll(every: 4096)
        for line in lines {
            try poll.tick()
            guard !line.isBlank else { throw fail("line \(line.number) is empty") }
            guard line.fields.count == columns else {
                throw fail("line \(line.number) has \(line.fields.count) fields, expected \(columns) (as on line \(lines[0].number))")
            }
            for (c, field) in line.fields.enumerated() {
                let where_ = "line \(line.number), field \(c + 1)"
                let text = field.text
                guard !text.isEmpty else { throw fail("\(where_) is empty") }
                guard let value = Double(text) else { throw fail("\(where_): '\(text)' is not a number") }
                guard value.isFinite else { throw fail("\(where_): '\(text)' is not a finite number") }
                guard abs(value) <= Double(Float.greatestFiniteMagnitude) else {
                    throw fail("\(where_): '\(text)' is outside the range of Float")
                }
                if c == labelColumn {
                    guard value >= 0, value.rounded() == value, value <= Double(Int32.max) else {
                        throw fail("\(where_): the label '\(text)' is not a class index (a whole number ≥ 0)")
                    }
                    if let k = classes, Int(value) >= k {
                        throw fail("\(where_): the label \(Int(value)) is outside the classes 0..<\(k)")
                    }
                    labels.append(Int32(value))
                } else {
                    inputs.append(Float(value))
                }
            }
        }

        let targets: Targets
        if labelColumn == nil {
            targets = .none
        } else {
            targets = .classes(labels, classCount: classes ?? Int(labels.max() ?? 0) + 1)
        }
        var featureNames = names
        if let c = labelColumn { featureNames?.remove(at: c) }
        return try Dataset(inputs: inputs, inputShape: [features], targets: targets, featureNames: featureNames)
    }
}

/// The lines and comma-separated fields of CSV bytes.
private struct CSVLines {
    struct Field {
        /// Trimmed of spaces and tabs, and of one pair of surrounding quotes.
        let text: String
    }

    struct Line {
        /// 1-based line number in the file.
        let number: Int
        let fields: [Field]
        var isBlank: Bool { fields.count == 1 && fields[0].text.isEmpty }
    }

    var lines: [Line] = []

    init(_ bytes: [UInt8]) {
        var start = 0
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { start = 3 }   // UTF-8 byte-order mark
        var number = 1
        var poll = Cancellation.Poll(every: 4096)
        // A cancelled run stops splitting; `parseCSV` then throws.
        while start < bytes.count && !poll.due() {
            var end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
            let next = end + 1
            if end > start, bytes[end - 1] == 0x0D { end -= 1 }
            lines.append(Line(number: number, fields: Self.fields(bytes[start..<end])))
            number += 1
            start = next
        }
    }

    private static func fields(_ line: ArraySlice<UInt8>) -> [Field] {
        line.split(separator: 0x2C, omittingEmptySubsequences: false).map { raw in
            var s = raw
            while let f = s.first, f == 0x20 || f == 0x09 { s = s.dropFirst() }
            while let l = s.last, l == 0x20 || l == 0x09 { s = s.dropLast() }
            if s.count >= 2, s.first == 0x22, s.last == 0x22 { s = s.dropFirst().dropLast() }
            return Field(text: String(decoding: s, as: UTF8.self))
        }
    }
}
