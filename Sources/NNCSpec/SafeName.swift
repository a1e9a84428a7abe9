/// A spec's `name` becomes part of file names (`NAME.checkpoint.safetensors`,
/// report titles), so it must not choose where files go. `check` rejects an
/// unsafe name (E0112 path-like, E0113 unprintable or too long); the runtime
/// builds file names only from `fileStem`, which is safe for any input (the
/// library API may be called without `check`, and default names come from
/// file names, which `check` does not judge).
public enum SafeName {
    /// Longest name accepted, in characters (file systems allow 255 bytes; the
    /// checkpoint suffix and temporary-file prefixes need room).
    public static let maxLength = 100

    /// Why `name` cannot be a file name's stem: (code, message, help), or nil when it can.
    public static func problem(_ name: String) -> (code: String, message: String, help: String)? {
        let help = "use letters, digits, '-', '_' and '.' (not first), e.g. 'name: iris-mlp'"
        if name.unicodeScalars.contains(where: { $0 == "/" || $0 == "\\" }) {
            return ("E0112", "'name' must not contain a path separator ('/' or '\\'): it names files inside the output folder", help)
        }
        if name.hasPrefix(".") {
            return ("E0112", name == "." || name == ".." ? "'name' cannot be '\(name)': it names files inside the output folder"
                        : "'name' must not start with '.': files named after it would be hidden", help)
        }
        if name.isEmpty { return ("E0113", "'name' is empty", help) }
        if name.unicodeScalars.contains(where: isUnprintable) {
            return ("E0113", "'name' contains a control or invisible character", help)
        }
        if name.count > maxLength || name.utf8.count > 2 * maxLength {
            return ("E0113", "'name' is \(name.count) characters long; at most \(maxLength) are allowed", help)
        }
        return nil
    }

    /// A file-name stem for any `name`: characters other than letters, digits,
    /// '-', '_' and '.' become '_', leading dots are dropped, at most
    /// `maxLength` characters; never empty, never '.' or '..', never a path.
    public static func fileStem(_ name: String) -> String {
        var out = ""
        for scalar in name.unicodeScalars {
            guard out.unicodeScalars.count < maxLength else { break }
            let safe = scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
                                          || scalar == "-" || scalar == "_" || scalar == ".")
            if scalar == "." && out.isEmpty { continue }
            out.unicodeScalars.append(safe ? scalar : "_")
        }
        return out.isEmpty ? "nnc" : out
    }

    static func isUnprintable(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .privateUse, .unassigned: return true
        default: return false
        }
    }
}
