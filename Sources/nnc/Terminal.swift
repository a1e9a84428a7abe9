#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

enum Terminal {
    /// Colour on stderr: a terminal, and neither NO_COLOR nor TERM=dumb.
    static var stderrIsTerminal: Bool { stderrRedraws && getenvString("NO_COLOR") == nil }
    /// A line on stderr can be rewritten in place (a terminal that is not TERM=dumb); NO_COLOR keeps this.
    static var stderrRedraws: Bool { isatty(2) == 1 && getenvString("TERM") != "dumb" }
    static var stdoutIsTerminal: Bool { isatty(1) == 1 }

    /// Columns of the terminal on stderr: `COLUMNS` when set (20...1000), else TIOCGWINSZ, else 80.
    static var width: Int {
        if let c = getenvString("COLUMNS").flatMap({ Int($0) }), (20...1000).contains(c) { return c }
        var size = winsize()
        if isatty(2) == 1, ioctl(2, UInt(TIOCGWINSZ), &size) == 0, size.ws_col >= 20 { return Int(size.ws_col) }
        return 80
    }

    static func getenvString(_ name: String) -> String? {
        guard let p = getenv(name) else { return nil }
        return String(cString: p)
    }

    static func writeError(_ text: String) {
        // write(2) directly: unbuffered, and no shared C stream to guard.
        var s = text
        s.withUTF8 { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = write(2, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
                if n <= 0 { break }
                offset += n
            }
        }
    }
}
