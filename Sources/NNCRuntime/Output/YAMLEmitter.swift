/// A small YAML writer for `spec.resolved.yaml`: block mappings and lists,
/// flow style for short maps and all lists (shapes, rows of numbers), and
/// strings written plain only when no YAML reader can take them for anything
/// else (a number, a boolean, null, a comment, a key); otherwise double-quoted,
/// or as a block scalar (`>` folded, `|` literal) for long and multi-line text.
/// The output reads back (libyaml, YAML 1.1) to exactly the same values.
enum YAMLEmitter {
    indirect enum Node {
        /// Written as is: numbers, booleans, keywords, shape dimensions.
        case plain(String)
        /// User text, quoted as needed.
        case text(String)
        /// A flow list `[a, b]`.
        case list([Node])
        /// A map: flow `{a: 1}` when it fits on the line, else block.
        case map([Entry])
        /// Always a block mapping, one key per line.
        case block([Entry])
        /// A block list, one `- item` per line.
        case blockList([Entry])
    }

    /// A key (empty for a list item) with its value and an optional comment for its line.
    struct Entry {
        var key: String
        var value: Node
        var comment: String?
        init(_ key: String, _ value: Node, comment: String? = nil) {
            self.key = key
            self.value = value
            self.comment = comment
        }
    }

    /// Lines longer than this (before a comment) switch a map from flow to block style.
    static let lineWidth = 120
    /// Folded text is wrapped at this width.
    static let textWidth = 80

    /// The document for a top-level block mapping, ending with a line break.
    static func document(_ entries: [Entry], header: [String] = []) -> String {
        var lines = header.map { "# " + $0 }
        writeBlock(entries, indent: 0, firstPrefix: nil, into: &lines)
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: block style

    /// Writes `entries` as a block mapping at `indent`; the first line starts
    /// with `firstPrefix` (a list item's "- ") instead of the indentation.
    static func writeBlock(_ entries: [Entry], indent: Int, firstPrefix: String?, into lines: inout [String]) {
        let pad = String(repeating: " ", count: indent)
        for (i, entry) in entries.enumerated() {
            let lead = (i == 0 ? firstPrefix : nil) ?? pad
            let comment = entry.comment.map { "  # " + $0 } ?? ""
            let head = lead + entry.key + ":"
            switch entry.value {
            case .block(let sub):
                lines.append(head + comment)
                writeBlock(sub, indent: indent + 2, firstPrefix: nil, into: &lines)
            case .blockList(let items):
                lines.append(head + comment)
                writeList(items, indent: indent + 2, into: &lines)
            case .map(let sub) where (head + " " + flow(entry.value, inFlow: false)).count > lineWidth && !sub.isEmpty:
                lines.append(head + comment)
                writeBlock(sub, indent: indent + 2, firstPrefix: nil, into: &lines)
            case .text(let s) where !isPlain(s, inFlow: false):
                if let block = blockScalar(s, indent: indent + 2) {
                    lines.append(head + " " + block.indicator + comment)
                    lines += block.lines
                } else {
                    lines.append(head + " " + doubleQuoted(s) + comment)
                }
            default:
                lines.append(head + " " + flow(entry.value, inFlow: false) + comment)
            }
        }
    }

    /// A block list: each item a one-key map (`- dense: {...}`) or a value (`- 3`).
    static func writeList(_ items: [Entry], indent: Int, into lines: inout [String]) {
        let pad = String(repeating: " ", count: indent)
        for item in items {
            switch item.value {
            case .block(var entries) where !entries.isEmpty, .map(var entries) where !entries.isEmpty:
                // The item's comment goes on its first line.
                entries[0].comment = entries[0].comment ?? item.comment
                writeBlock(entries, indent: indent + 2, firstPrefix: pad + "- ", into: &lines)
            default:
                lines.append(pad + "- " + flow(item.value, inFlow: false) + (item.comment.map { "  # " + $0 } ?? ""))
            }
        }
    }

    // MARK: flow style

    static func flow(_ node: Node, inFlow: Bool) -> String {
        switch node {
        case .plain(let s): return s
        case .text(let s): return isPlain(s, inFlow: inFlow) ? s : doubleQuoted(s)
        case .list(let items): return "[" + items.map { flow($0, inFlow: true) }.joined(separator: ", ") + "]"
        case .map(let entries), .block(let entries), .blockList(let entries):
            return "{" + entries.map { $0.key + ": " + flow($0.value, inFlow: true) }.joined(separator: ", ") + "}"
        }
    }

    // MARK: scalars

    /// Words a YAML 1.1 reader takes for a boolean or null, in any case.
    static let reservedWords: Set<String> = ["true", "false", "yes", "no", "on", "off", "y", "n", "null", "~"]

    /// Whether `s` can be written without quotes and read back as the same text:
    /// it starts with a letter, `_` or `/` (so never a number, an indicator or
    /// `.inf`), holds no `:` or `#` (keys, comments), no flow punctuation in flow
    /// context, no control or invisible characters, and is not a reserved word.
    static func isPlain(_ s: String, inFlow: Bool) -> Bool {
        guard let first = s.unicodeScalars.first, let last = s.unicodeScalars.last,
              !reservedWords.contains(s.lowercased()), last != " " else { return false }
        guard first == "_" || first == "/" || (first.properties.isAlphabetic && isVisible(first)) else { return false }
        for c in s.unicodeScalars {
            if c == " " { continue }
            if c.isASCII {
                if c.properties.isAlphabetic || ("0"..."9").contains(c) { continue }
                if "_./()+-'=;<>!?%&*\"\\@$^~`|".unicodeScalars.contains(c) { continue }
                if !inFlow && ",[]{}".unicodeScalars.contains(c) { continue }
                return false
            }
            if !isVisible(c) { return false }
        }
        return true
    }

    /// Letters, marks, digits, punctuation and symbols: what may stand in plain or block text.
    static func isVisible(_ c: Unicode.Scalar) -> Bool {
        switch c.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .letterNumber, .otherNumber,
             .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation,
             .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
            return true
        default:
            return false
        }
    }

    /// `"..."` with YAML escapes for quotes, backslashes and every invisible character.
    static func doubleQuoted(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case "\u{85}": out += "\\N"
            case "\u{2028}": out += "\\L"
            case "\u{2029}": out += "\\P"
            case " ": out += " "
            default:
                if (c.isASCII && c.value >= 0x21 && c.value < 0x7F) || (!c.isASCII && isVisible(c)) {
                    out.unicodeScalars.append(c)
                } else {
                    let hex = String(c.value, radix: 16, uppercase: true)
                    out += c.value <= 0xFFFF ? "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                                             : "\\U" + String(repeating: "0", count: 8 - hex.count) + hex
                }
            }
        }
        return out + "\""
    }

    /// `s` as a block scalar (indicator and content lines), or nil when a
    /// block scalar could not give back exactly `s`:
    /// - one line plus a final line break (YAML `>` text): folded `>`, wrapped at single spaces;
    /// - several lines: literal `|` (ends with one line break) or `|-` (ends without).
    static func blockScalar(_ s: String, indent: Int) -> (indicator: String, lines: [String])? {
        var body = Substring(s)
        let endsWithBreak = body.hasSuffix("\n")
        if endsWithBreak { body = body.dropLast() }
        let lines = body.split(separator: "\n", omittingEmptySubsequences: false)
        // A first line starting with a space would set the indentation; trailing breaks need `|+`.
        guard let firstLine = lines.first, !firstLine.isEmpty, !firstLine.hasPrefix(" "), !body.hasSuffix("\n") else { return nil }
        for line in lines {
            if line.hasSuffix(" ") { return nil }
            if !line.unicodeScalars.allSatisfy({ $0 == " " || (($0.isASCII && $0.value >= 0x21 && $0.value < 0x7F) || (!$0.isASCII && isVisible($0))) }) {
                return nil
            }
        }
        let pad = String(repeating: " ", count: indent)
        if lines.count == 1 {
            guard endsWithBreak else { return nil }   // one line without a break: plain or quoted
            return (">", wrap(String(firstLine), width: textWidth).map { pad + $0 })
        }
        return (endsWithBreak ? "|" : "|-", lines.map { $0.isEmpty ? "" : pad + $0 })
    }

    /// Splits a line at single spaces (a folded line break reads back as one space).
    static func wrap(_ line: String, width: Int) -> [String] {
        let words = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        var out: [String] = []
        var current = ""
        for (i, word) in words.enumerated() {
            if i == 0 { current = word; continue }
            // Break only between two non-empty words: a break beside another space would change it.
            let canBreak = !word.isEmpty && !words[i - 1].isEmpty && !(current.hasSuffix(" "))
            if canBreak && current.count + 1 + word.count > width {
                out.append(current)
                current = word
            } else {
                current += " " + word
            }
        }
        out.append(current)
        return out
    }
}
