#if canImport(Glibc)
import Glibc
#endif

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
        let bytes = max(count, 1) * MemoryLayout<Element>.stride
        if bytes >= Buffer.hugePageMinimum {
            pointer = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: Buffer.hugePage)
                .bindMemory(to: Element.self, capacity: max(count, 1))
            #if os(Linux)
            _ = madvise(UnsafeMutableRawPointer(pointer), bytes, MADV_HUGEPAGE)
            #endif
        } else {
            pointer = .allocate(capacity: max(count, 1))
        }
        pointer.initialize(repeating: initial, count: max(count, 1))
    }

    /// Buffers of at least this many bytes (a 1024×1024 weight matrix) are
    /// aligned to 2 MB pages and offered to the kernel's transparent huge pages
    /// (Linux, THP in `madvise` mode): a kernel reading a matrix by rows far
    /// apart then misses the TLB once per 2 MB, not once per 4 KB row.
    private static var hugePageMinimum: Int { 4 << 20 }
    private static var hugePage: Int { 2 << 20 }

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
