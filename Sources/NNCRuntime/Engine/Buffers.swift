/// Owned storage allocated once when a plan is built; the training loop only
/// reads and writes it.
public final class Buffer<Element>: @unchecked Sendable {
    // @unchecked: the pointer is owned by this object and only touched by the
    // run that owns the plan (one thread drives a plan; kernels split work
    // across the pool on disjoint ranges).
    public let pointer: UnsafeMutablePointer<Element>
    public let count: Int

    /// `count` elements, each `initial`.
    public init(count: Int, initial: Element) {
        self.count = max(count, 0)
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: initial, count: max(count, 1))
    }

    deinit { pointer.deallocate() }

    public var buffer: UnsafeMutableBufferPointer<Element> { UnsafeMutableBufferPointer(start: pointer, count: count) }
    public var array: [Element] { Array(buffer) }
}

public typealias FloatBuffer = Buffer<Float>
public typealias LabelBuffer = Buffer<Int32>

extension Buffer where Element == Float {
    public convenience init(count: Int) { self.init(count: count, initial: 0) }
    public func zero() { pointer.update(repeating: 0, count: count) }
    public func zero(_ n: Int) { pointer.update(repeating: 0, count: min(n, count)) }
    public func copy(from values: [Float]) {
        let n = min(values.count, count)
        values.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { pointer.update(from: base, count: n) }
        }
    }
}

extension Buffer where Element == Int32 {
    public convenience init(count: Int) { self.init(count: count, initial: 0) }
}
