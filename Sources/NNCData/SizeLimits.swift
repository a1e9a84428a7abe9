/// Overflow-checked size arithmetic, so absurd options or corrupt headers
/// give an error instead of a trap or a huge allocation.
package enum SizeLimits {
    /// The most Float values one array of a dataset may hold (2^28 = 1 GiB).
    /// A dataset holds a few such arrays, so memory stays under a few GiB.
    package static let maxElements = 1 << 28

    /// The product of `factors`, or an error when it overflows or exceeds
    /// `maxElements`. `what` names the quantity for the message.
    package static func elements(_ factors: [Int], _ what: String) throws -> Int {
        var product = 1
        for f in factors {
            guard f >= 0 else { throw DataError.invalidOption("\(what): negative size \(f)") }
            let (p, overflow) = product.multipliedReportingOverflow(by: f)
            guard !overflow, p <= maxElements else {
                throw DataError.tooLarge(
                    "\(what): \(factors.map(String.init).joined(separator: " x ")) values is too many "
                    + "(the limit is \(maxElements))")
            }
            product = p
        }
        return product
    }

    /// 2^bits as a row count, or an error naming the source when it is too many.
    package static func allBinaryVectors(bits: Int, _ source: String) throws -> Int {
        guard bits >= 1 else { throw DataError.invalidOption("\(source): bits must be at least 1, got \(bits)") }
        guard bits <= 24 else {
            throw DataError.tooLarge("\(source): \(bits) bits would give 2^\(bits) examples, too many (at most 24 bits)")
        }
        let rows = 1 << bits
        _ = try elements([rows, bits], source)
        return rows
    }

    /// The product of positive dimensions, with overflow reported as `nil`.
    package static func checkedProduct(_ dims: [Int]) -> Int? {
        var product = 1
        for d in dims {
            let (p, overflow) = product.multipliedReportingOverflow(by: d)
            if overflow { return nil }
            product = p
        }
        return product
    }
}
