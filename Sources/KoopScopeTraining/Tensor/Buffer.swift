/// A block of memory owned by a ``Backend``: host memory on the CPU, device memory on a GPU.
///
/// Tensors share buffers by reference; a buffer is freed by its backend when the last tensor
/// holding it goes away. Only the backend that made a buffer may read or write it.
public final class Buffer<Element: BitwiseCopyable>: @unchecked Sendable {
    /// Number of elements.
    public let count: Int
    /// Where the elements start, in the owning backend's address space.
    public let address: UnsafeMutableRawPointer
    private let release: @Sendable (UnsafeMutableRawPointer) -> Void

    /// Wraps memory a backend allocated; `release` is called once, when the buffer is freed.
    public init(count: Int, address: UnsafeMutableRawPointer, release: @escaping @Sendable (UnsafeMutableRawPointer) -> Void) {
        self.count = count
        self.address = address
        self.release = release
    }

    deinit { release(address) }

    /// The elements as a typed pointer (meaningful to the owning backend only).
    public var pointer: UnsafeMutablePointer<Element> { address.assumingMemoryBound(to: Element.self) }
}
