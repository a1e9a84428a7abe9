import Foundation
import NNCRuntime

/// What `nnc run` shows on stderr while it trains: a header, a live line on a
/// terminal (rewritten in place: progress bar, running means, speed, time), and
/// aligned per-epoch rows at an interval. Every line fits `width` columns.
final class Progress: @unchecked Sendable {
    // @unchecked: used from the training thread only.
    let live: Bool
    let quiet: Bool
    let width: Int
    let color: Bool
    /// Print every n-th epoch (and the first and the last); nil: chosen from the epoch count.
    let logEvery: Int?
    var lastDraw = ContinuousClock.now
    var lastRow = ContinuousClock.now
    var started = ContinuousClock.now
    var drewLive = false
    var table: EpochTable?
    /// The newest row not yet printed (the last epoch is always printed, at `finish`).
    var pending: (record: EpochRecord, epochs: Int)?

    init(live: Bool, quiet: Bool, width: Int, color: Bool, logEvery: Int?) {
        self.live = live; self.quiet = quiet; self.width = width; self.color = color; self.logEvery = logEvery
    }

    func show(_ event: TrainingEvent) {
        guard !quiet else { return }
        switch event {
        case .begin(let facts):
            started = ContinuousClock.now
            write(Self.header(facts, width: width), style: "1")
        case .step(let epoch, let epochs, let step, let steps, let loss, let accuracy, let rate, let left):
            guard live, ContinuousClock.now - lastDraw > .milliseconds(100) || step == steps else { return }
            lastDraw = ContinuousClock.now
            let line = Self.liveLine(epoch: epoch, epochs: epochs, step: step, steps: steps, loss: loss, accuracy: accuracy,
                                     rate: rate, elapsed: seconds(ContinuousClock.now - started), left: left, width: width)
            Terminal.writeError("\r\u{1B}[2K" + line)
            drewLive = true
        case .epoch(let record, let epochs):
            let every = logEvery ?? Self.interval(epochs: epochs)
            // Without --log-every, long epochs also get a row at least every 10 s.
            let overdue = logEvery == nil && ContinuousClock.now - lastRow >= .seconds(10)
            if record.epoch == 1 || record.epoch % every == 0 || record.epoch == epochs || overdue {
                row(record, epochs: epochs)
                pending = nil
            } else {
                pending = (record, epochs)
            }
        }
    }

    /// Clears the live line and prints the last epoch if the interval skipped it.
    func finish() {
        clearLive()
        if let pending, !quiet { row(pending.record, epochs: pending.epochs) }
        pending = nil
    }

    func row(_ record: EpochRecord, epochs: Int) {
        clearLive()
        lastRow = ContinuousClock.now
        if table == nil {
            let t = EpochTable(record, epochs: epochs, width: width)
            table = t
            write(t.headerLine, style: "2")
        }
        if let table { Terminal.writeError(table.line(record) + "\n") }
    }

    func clearLive() {
        if drewLive { Terminal.writeError("\r\u{1B}[2K") }
        drewLive = false
    }

    /// One line, cut to the width, coloured (an SGR code) only on a terminal.
    func write(_ line: String, style: String) {
        let text = Self.fit(line, width)
        Terminal.writeError((color ? "\u{1B}[\(style)m" + text + "\u{1B}[0m" : text) + "\n")
    }

    func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }

    // MARK: text (pure functions, tested through the CLI)

    /// "9 parameters · 4 train / 30 test · 2 threads · backprop, 2000 epochs", the last parts left out to fit.
    static func header(_ f: RunFacts, width: Int) -> String {
        let test = f.testExamples.map { " / \(grouped($0)) test" } ?? ""
        let epochs = f.epochs.map { ", \($0) epoch\($0 == 1 ? "" : "s")" } ?? ""
        var parts = ["\(grouped(f.parameters)) parameters", "\(grouped(f.trainExamples)) train\(test)",
                     "\(f.threads) thread\(f.threads == 1 ? "" : "s")", f.rule + epochs]
        while parts.count > 1 && parts.joined(separator: " · ").count >= width { parts.removeLast() }
        return parts.joined(separator: " · ")
    }

    /// "epoch 3/20 ████░░░░ 45/100  loss 0.5123  acc 0.8123  0:03<0:10  1.9M samples/s": the parts after
    /// the loss only when they fit, in that order; the bar takes what is left (5 to 30 columns).
    static func liveLine(epoch: Int, epochs: Int, step: Int, steps: Int, loss: Double, accuracy: Double?, rate: Double,
                         elapsed: Double, left: Double, width: Int) -> String {
        let head = "epoch \(epoch)/\(epochs) "
        let count = "\(step)/\(steps)"
        var tail = "  loss \(formatMetric(loss))"
        let optional = [accuracy.map { "  acc \(formatMetric($0))" }, "  \(time(elapsed))<\(time(left))",
                        "  \(compact(rate)) samples/s"].compactMap { $0 }
        for part in optional where head.count + count.count + tail.count + part.count < width { tail += part }
        let barWidth = min(30, width - 2 - head.count - count.count - tail.count)
        guard barWidth >= 5 else { return fit(head + count + tail, width) }
        let filled = steps > 0 ? min(barWidth, barWidth * step / steps) : 0
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: barWidth - filled)
        return fit(head + bar + " " + count + tail, width)
    }

    /// 1905961 → "1.9M", 19050 → "19k", 950 → "950".
    static func compact(_ x: Double) -> String {
        guard x.isFinite, x >= 0 else { return "0" }
        if x >= 1e6 { return String(format: "%.1fM", x / 1e6) }
        if x >= 1e4 { return String(format: "%.0fk", x / 1e3) }
        return String(Int(x))
    }

    /// Cut to one column less than the width (a line that fills the last column wraps on some terminals).
    static func fit(_ line: String, _ width: Int) -> String {
        line.count < width ? line : String(line.prefix(max(1, width - 2))) + "…"
    }

    /// Epochs between printed rows: about 20 rows per run, at a round step (1, 2, 5, 10, 20, 50, ...).
    static func interval(epochs: Int) -> Int {
        guard epochs > 30 else { return 1 }
        var scale = 1
        while scale < Int.max / 10 {
            for m in [1, 2, 5] where epochs / (m * scale) <= 20 { return m * scale }
            scale *= 10
        }
        return scale
    }

    /// "0:07", "1h02m".
    static func time(_ seconds: Double) -> String {
        let s = seconds.isFinite ? Int(min(max(seconds, 0), 1e9)) : 0
        return s >= 3600 ? "\(s / 3600)h\(String(format: "%02d", s / 60 % 60))m" : "\(s / 60):\(String(format: "%02d", s % 60))"
    }

    /// 12345 → "12,345".
    static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }
}

/// Per-epoch rows in aligned columns, laid out once from the first record; the
/// columns that do not fit the width are left out, the least useful first.
struct EpochTable {
    struct Column { var key: String; var title: String; var width: Int }
    let epochWidth: Int
    let epochs: Int
    let columns: [Column]

    init(_ first: EpochRecord, epochs: Int, width: Int) {
        epochWidth = max(5, 2 * String(epochs).count + 1)
        var columns = first.metrics.map { m in
            let title = Self.title(m.name)
            return Column(key: m.name, title: title, width: max(title.count, 9))
        }
        // Least useful first: the rate, the time, the learning rate, then from the right.
        for drop in ["lr", "seconds", "samples_per_s"] where Self.total(epochWidth, columns) >= width {
            columns.removeAll { $0.key == drop }
        }
        while Self.total(epochWidth, columns) >= width && !columns.isEmpty { columns.removeLast() }
        self.columns = columns
        self.epochs = epochs
    }

    static func total(_ epochWidth: Int, _ columns: [Column]) -> Int { columns.reduce(epochWidth) { $0 + 2 + $1.width } }

    /// Readable names: `samples/s`, `time`, spaces for underscores.
    static func title(_ name: String) -> String {
        switch name {
        case "samples_per_s": return "samples/s"
        case "seconds": return "time"
        default: return name.replacingOccurrences(of: "_", with: " ")
        }
    }

    var headerLine: String {
        columns.reduce(pad("epoch", epochWidth)) { $0 + "  " + pad($1.title, $1.width) }
    }

    func line(_ record: EpochRecord) -> String {
        columns.reduce(pad("\(record.epoch)/\(epochs)", epochWidth)) { line, c in
            line + "  " + pad(record.metrics[metric: c.key].map { Self.cell(c.key, $0) } ?? "", c.width)
        }
    }

    static func cell(_ key: String, _ v: MetricValue) -> String {
        switch key {
        case "samples_per_s": return String(Int(v.number.map { $0.isFinite ? $0 : 0 } ?? 0))
        case "seconds": return v.number.map { $0 < 1 ? String(format: "%.0fms", $0 * 1000) : String(format: "%.2fs", $0) } ?? ""
        default: return v.display
        }
    }

    func pad(_ s: String, _ w: Int) -> String {
        let cut = s.count > w ? String(s.prefix(w)) : s
        return String(repeating: " ", count: w - cut.count) + cut
    }
}
