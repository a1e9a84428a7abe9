/// Where `nnc run` writes when no `--out` is given: `runs/NAME/`, NAME being the
/// spec's name made safe for a path (it comes from the spec file: hostile input).
enum OutputFolder {
    static let root = "runs"

    static func defaultPath(specName: String) -> String { root + "/" + sanitized(specName) }

    /// Letters, digits, `.`, `_` and `-` kept; runs of anything else become one `-`;
    /// no leading dot or dash (no `..`, no hidden folder, no option); at most 64 characters; never empty.
    static func sanitized(_ name: String) -> String {
        var out = ""
        for c in name.unicodeScalars.prefix(256) {
            let safe = c.isASCII && (c.properties.isAlphabetic || ("0"..."9").contains(c) || c == "." || c == "_" || c == "-")
            if safe { out.unicodeScalars.append(c) } else if !out.hasSuffix("-") { out += "-" }
        }
        while let first = out.first, first == "." || first == "-" { out.removeFirst() }
        out = String(out.prefix(64))
        while out.hasSuffix("-") || out.hasSuffix(".") { out.removeLast() }
        return out.isEmpty ? "run" : out
    }
}
