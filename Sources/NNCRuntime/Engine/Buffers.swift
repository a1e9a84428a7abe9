/// Owned storage allocated once when a plan is built; the training loop only
/// reads and writes it.
public final class FloatBuffer: @unchecked Sendable {
    // @unchecked: the pointer is owned by this object and only touched by the
    // run that owns the plan (one thread drives a plan; kernels split work
    // across the pool on disjoint ranges).
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int

    public init(count: Int) {
        self.count = max(count, 0)
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    deinit { pointer.deallocate() }

    public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: pointer, count: count) }
    public func zero() { pointer.update(repeating: 0, count: count) }
    public func zero(_ n: Int) { pointer.update(repeating: 0, count: min(n, count)) }
    public func copy(from values: [Float]) {
        let n = min(values.count, count)
        values.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { pointer.update(from: base, count: n) }
        }
    }
    public var array: [Float] { Array(buffer) }
}

public final class LabelBuffer: @unchecked Sendable {
    // @unchecked: as FloatBuffer.
    public let pointer: UnsafeMutablePointer<Int32>
    public let count: Int

    public init(count: Int) {
        self.count = max(count, 0)
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    deinit { pointer.deallocate() }
}
