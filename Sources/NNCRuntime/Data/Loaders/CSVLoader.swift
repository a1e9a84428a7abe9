/// The `csv:` dataset form: numbers separated by commas, one example per row.
///
/// Accepted: LF or CRLF line ends, a UTF-8 byte-order mark, spaces around
/// fields, numbers in double quotes, blank lines at the end, and class labels
/// written as names (`setosa`). Rejected with the line (1-based, counting the
/// header) and column (1-based, in bytes) of the field: ragged rows, empty
/// fields, blank lines between rows, text that is not a number, NaN and
/// infinities, and labels that are neither class indices nor names.
///
/// Header rows: with `header: true` the first line holds the column names. A
/// first line whose input fields are not numbers, followed by a line whose
/// are, is refused with "the first row looks like a header" (E0605) rather
/// than guessed at: a spec says what its file is.
///
/// Class names: when the first data row's label is not a number, every label
/// is a name; the classes are the sorted distinct names (index 0 the first),
/// recorded as `classNames`. A test part is read with the training part's
/// names, and a name the training part lacks is an error (E0609).
///
/// The file is read in chunks of 1 MiB, so memory is the dataset's values
/// plus one chunk; a line may be at most `maxLineBytes` long.

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
    ///   - classes: K when given: labels must be whole numbers in 0..<K (or at most K names);
    ///     otherwise K = the largest label + 1 (or the number of names).
    ///   - classNames: the training part's names, for reading a test part: its
    ///     labels must be among them and keep their indices.
    public static func loadCSV(path: String, label: CSVLabel = .last, header: Bool = false,
                               classes: Int? = nil, classNames: [String]? = nil) throws -> Dataset {
        let file = try DataFile(path)
        var parser = try CSVParser(file: path, label: label, header: header, classes: classes, knownNames: classNames)
        var lines = CSVLineSplitter(file: path)
        try file.forEachChunk { chunk in try lines.add(chunk) { try parser.add($0, number: $1) } }
        try lines.finish { try parser.add($0, number: $1) }
        return try parser.finish()
    }

    /// Parses CSV bytes held in memory; `file` names the source in messages.
    static func parseCSV(_ bytes: [UInt8], file: String, label: CSVLabel, header: Bool,
                         classes: Int?, classNames: [String]? = nil) throws -> Dataset {
        var parser = try CSVParser(file: file, label: label, header: header, classes: classes, knownNames: classNames)
        var lines = CSVLineSplitter(file: file)
        try lines.add(bytes[...]) { try parser.add($0, number: $1) }
        try lines.finish { try parser.add($0, number: $1) }
        return try parser.finish()
    }
}

extension Dataset {
    /// `parseCSV` over `bytes` in chunks of `chunk` bytes, as `loadCSV` reads a file (for tests and the fuzzer).
    static func parseCSVChunks(_ bytes: [UInt8], chunk: Int, file: String, label: CSVLabel, header: Bool,
                               classes: Int?, classNames: [String]? = nil) throws -> Dataset {
        var parser = try CSVParser(file: file, label: label, header: header, classes: classes, knownNames: classNames)
        var lines = CSVLineSplitter(file: file)
        var start = 0
        while start < bytes.count {
            let end = min(bytes.count, start + max(1, chunk))
            try lines.add(bytes[start..<end]) { try parser.add($0, number: $1) }
            start = end
        }
        try lines.finish { try parser.add($0, number: $1) }
        return try parser.finish()
    }
}

/// The longest line accepted (a row of 100,000 numbers of 20 characters fits).
let maxCSVLineBytes = 4 << 20

/// Cuts chunks of bytes into lines (without their LF or CR LF), numbered from 1.
struct CSVLineSplitter {
    let file: String
    private var pending: [UInt8] = []
    private var number = 1

    init(file: String) { self.file = file }

    mutating func add(_ chunk: ArraySlice<UInt8>, _ line: (ArraySlice<UInt8>, Int) throws -> Void) throws {
        var start = chunk.startIndex
        while let end = chunk[start...].firstIndex(of: 0x0A) {
            if pending.isEmpty {
                try emit(chunk[start..<end], line)
            } else {
                pending += chunk[start..<end]
                try checkLength()
                let whole = pending
                pending.removeAll(keepingCapacity: true)
                try emit(whole[...], line)
            }
            start = end + 1
        }
        pending += chunk[start...]
        try checkLength()
    }

    mutating func finish(_ line: (ArraySlice<UInt8>, Int) throws -> Void) throws {
        if !pending.isEmpty { try emit(pending[...], line) }
        pending = []
    }

    private func checkLength() throws {
        guard pending.count <= maxCSVLineBytes else {
            throw DataError(.tooLarge, "the line is longer than \(maxCSVLineBytes) bytes", code: DataErrorCode.tooLarge,
                            at: DataLocation(file: file, line: number))
        }
    }

    private mutating func emit(_ raw: ArraySlice<UInt8>, _ line: (ArraySlice<UInt8>, Int) throws -> Void) throws {
        guard raw.count <= maxCSVLineBytes else { try checkLength(); return }
        var text = raw
        if text.last == 0x0D { text = text.dropLast() }
        if number == 1, text.starts(with: [0xEF, 0xBB, 0xBF]) { text = text.dropFirst(3) }   // UTF-8 byte-order mark
        try line(text, number)
        number += 1
    }
}

/// One comma-separated field: trimmed of spaces and tabs and of one pair of
/// surrounding quotes; `column` is where its text starts (1-based, in bytes).
struct CSVField {
    let bytes: ArraySlice<UInt8>
    let column: Int

    static func split(_ line: ArraySlice<UInt8>) -> [CSVField] {
        var fields: [CSVField] = []
        var start = line.startIndex
        while true {
            let end = line[start...].firstIndex(of: 0x2C) ?? line.endIndex
            var s = line[start..<end]
            while let f = s.first, f == 0x20 || f == 0x09 { s = s.dropFirst() }
            while let l = s.last, l == 0x20 || l == 0x09 { s = s.dropLast() }
            if s.count >= 2, s.first == 0x22, s.last == 0x22 { s = s.dropFirst().dropLast() }
            fields.append(CSVField(bytes: s, column: s.startIndex - line.startIndex + 1))
            guard end < line.endIndex else { return fields }
            start = end + 1
        }
    }

    var isEmpty: Bool { bytes.isEmpty }

    /// The value when the field is a number (`Double`'s syntax).
    var number: Double? {
        guard !bytes.isEmpty, bytes.count <= 64 else { return nil }
        return Double(String(decoding: bytes, as: UTF8.self))
    }
}

/// The rows of one CSV file, parsed line by line.
private struct CSVParser {
    let file: String
    let header: Bool
    let classes: Int?
    let label: CSVLabel

    var names: [String]?
    var columns = 0
    var labelColumn: Int?
    /// A stopped run (Ctrl-C) is noticed every 4,096 lines: a large file stops within a fraction of a second.
    var poll = Cancellation.Poll(every: 4096)
    var inputs: [Float] = []
    var labels: [Int32] = []
    var rows = 0
    /// A blank line seen after the data; an error if more data follows.
    var blankLine: Int?
    var seenFirstLine = false

    /// Labels as names: the index of each name (provisional, in order of appearance, unless known).
    var labelNames: [String: Int32]?
    let knownNames: [String]?
    /// Line 1 when it failed as data in a way a header would (kept until line 2 says which).
    var suspectHeader: DataError?

    init(file: String, label: CSVLabel, header: Bool, classes: Int?, knownNames: [String]?) throws {
        if let k = classes, k < 1 {
            throw DataError(.invalidOption, "classes must be at least 1, got \(k)", at: DataLocation(file: file))
        }
        self.file = file
        self.label = label
        self.header = header
        self.classes = classes
        self.knownNames = knownNames
        if let knownNames {
            labelNames = Dictionary(knownNames.enumerated().map { ($0.element, Int32($0.offset)) }, uniquingKeysWith: { a, _ in a })
        }
    }

    func fail(_ message: String, line: Int, column: Int = 1, code: String = DataErrorCode.malformed) -> DataError {
        DataError(.malformed, message, code: code, at: DataLocation(file: file, line: line, column: column))
    }

    mutating func add(_ line: ArraySlice<UInt8>, number: Int) throws {
        try poll.tick()
        let fields = CSVField.split(line)
        if fields.count == 1 && fields[0].isEmpty {
            if blankLine == nil { blankLine = number }
            return
        }
        if let blank = blankLine { throw fail(seenFirstLine ? "the line is empty (blank lines may only end the file)" : "the line is empty", line: blank) }
        defer { seenFirstLine = true }
        if header && !seenFirstLine {
            names = fields.map { String(decoding: $0.bytes.prefix(200), as: UTF8.self) }
            return
        }
        if columns == 0 { try setColumns(fields, number: number) }
        if let suspect = suspectHeader {
            suspectHeader = nil
            // Line 1 was not data; if this line is, line 1 was a header.
            do { try addRow(fields, number: number) } catch { throw suspect }
            var hint = suspect
            hint.code = DataErrorCode.headerRow
            hint.detail = "the first row looks like a header (\(hint.detail)): add `header: true` to the csv options"
            throw hint
        }
        let saved = (inputs.count, labels.count, labelNames)
        do {
            try addRow(fields, number: number)
        } catch let error as DataError where number == 1 && !header && error.code == DataErrorCode.notANumber {
            // Undo the part of the row read before the error, then wait for line 2.
            inputs.removeSubrange(saved.0...)
            labels.removeSubrange(saved.1...)
            labelNames = saved.2
            suspectHeader = error
        }
    }

    mutating func setColumns(_ fields: [CSVField], number: Int) throws {
        columns = fields.count
        if let names, names.count != columns {
            throw fail("the line has \(columns) fields, but the header has \(names.count)", line: number, code: DataErrorCode.raggedRow)
        }
        switch label {
        case .last: labelColumn = columns - 1
        case .first: labelColumn = 0
        case .none: labelColumn = nil
        case .column(let c):
            guard c >= 0, c < columns else {
                throw DataError(.invalidOption, "label column \(c) does not exist (rows have \(columns) fields, counted from 0)",
                                code: DataErrorCode.invalidOption, at: DataLocation(file: file, line: number, column: 1))
            }
            labelColumn = c
        }
        guard columns - (labelColumn == nil ? 0 : 1) >= 1 else {
            throw fail("rows have \(columns) field(s), leaving no input columns beside the label", line: number)
        }
    }

    mutating func addRow(_ fields: [CSVField], number: Int) throws {
        guard fields.count == columns else {
            throw fail("the line has \(fields.count) fields, expected \(columns) (as on the first data line)",
                       line: number, column: fields.count > columns ? fields[columns].column : 1, code: DataErrorCode.raggedRow)
        }
        for (c, field) in fields.enumerated() {
            let at = "field \(c + 1)"
            guard !field.isEmpty else { throw fail("\(at) is empty", line: number, column: field.column) }
            if c == labelColumn {
                labels.append(try classIndex(field, number: number, at: at))
                continue
            }
            guard let value = field.number else {
                throw fail("\(at): \(DataError.quoted(field.bytes)) is not a number", line: number, column: field.column,
                           code: DataErrorCode.notANumber)
            }
            guard value.isFinite, abs(value) <= Double(Float.greatestFiniteMagnitude) else {
                throw fail("\(at): \(DataError.quoted(field.bytes)) is \(value.isFinite ? "outside the range of Float" : "not a finite number")",
                           line: number, column: field.column, code: DataErrorCode.notANumber)
            }
            inputs.append(Float(value))
        }
        rows += 1
        guard inputs.count <= SizeLimits.maxElements else {
            throw DataError(.tooLarge, "more than \(SizeLimits.maxElements) input values (the limit)", at: DataLocation(file: file, line: number))
        }
    }

    /// The class index of a label field: a whole number, or a name when labels are names.
    mutating func classIndex(_ field: CSVField, number: Int, at: String) throws -> Int32 {
        if labelNames == nil, labels.isEmpty, field.number == nil {
            labelNames = [:]   // the first label is not a number: labels are names
        }
        guard var known = labelNames else {
            guard let value = field.number, value >= 0, value.rounded() == value, value <= Double(Int32.max) else {
                throw fail("\(at): the label \(DataError.quoted(field.bytes)) is not a class index (a whole number ≥ 0)",
                           line: number, column: field.column, code: DataErrorCode.badLabel)
            }
            if let k = classes, Int(value) >= k {
                throw fail("\(at): the label \(Int(value)) is outside the classes 0..<\(k)", line: number, column: field.column,
                           code: DataErrorCode.badLabel)
            }
            return Int32(value)
        }
        let name = String(decoding: field.bytes, as: UTF8.self)
        if let index = known[name] { return index }
        if let knownNames {
            throw fail("\(at): the label \(DataError.quoted(field.bytes)) is not a class of the training data ("
                       + knownNames.prefix(10).map { DataError.quoted($0.utf8) }.joined(separator: ", ")
                       + (knownNames.count > 10 ? ", …" : "") + ")",
                       line: number, column: field.column, code: DataErrorCode.unseenLabel)
        }
        guard field.bytes.count <= 200 else {
            throw fail("\(at): the label name is longer than 200 bytes", line: number, column: field.column, code: DataErrorCode.badLabel)
        }
        let limit = classes ?? 100_000
        guard known.count < limit else {
            throw fail("\(at): the label \(DataError.quoted(field.bytes)) is the \(known.count + 1)th distinct name, more than \(limit) classes",
                       line: number, column: field.column, code: DataErrorCode.badLabel)
        }
        let index = Int32(known.count)
        known[name] = index
        labelNames = known
        return index
    }

    mutating func finish() throws -> Dataset {
        if let suspect = suspectHeader { throw suspect }
        guard rows > 0 else {
            let location = DataLocation(file: file)
            throw DataError(.malformed, header && seenFirstLine ? "there is a header but no data rows" : "the file is empty", at: location)
        }
        var classNames: [String]?
        var targets = Targets.none
        if labelColumn != nil {
            if let known = labelNames {
                // Provisional indices (order of appearance) to sorted names, unless the names were given.
                var sorted = knownNames ?? known.keys.sorted()
                if knownNames == nil {
                    var remap = [Int32](repeating: 0, count: known.count)
                    for (k, name) in sorted.enumerated() { if let old = known[name] { remap[Int(old)] = Int32(k) } }
                    labels = labels.map { remap[Int($0)] }
                }
                let k = max(classes ?? sorted.count, sorted.count)
                while sorted.count < k { sorted.append(String(sorted.count)) }
                classNames = sorted
                targets = .classes(labels, classCount: k)
            } else {
                targets = .classes(labels, classCount: classes ?? Int(labels.max() ?? 0) + 1)
            }
        }
        var featureNames = names
        if let c = labelColumn, featureNames != nil { featureNames?.remove(at: c) }
        do {
            return try Dataset(inputs: inputs, inputShape: [inputs.count / rows], targets: targets,
                               featureNames: featureNames, classNames: classNames)
        } catch var error as DataError {
            error.location = DataLocation(file: file)
            throw error
        }
    }
}
