import Dispatch

/// Runs `body(0) … body(count − 1)` on the cores at once and returns the results in index order.
///
/// `body` must touch only what its index owns (its own tape, its own slice); whatever it
/// computes then does not depend on how many cores there are.
///
/// ```swift
/// let squares = concurrentMap(4) { $0 * $0 }   // [0, 1, 4, 9]
/// ```
public func concurrentMap<T>(_ count: Int, _ body: (Int) -> T) -> [T] {
    if count <= 1 { return count == 1 ? [body(0)] : [] }
    let results = UnsafeMutableBufferPointer<T?>.allocate(capacity: count)
    results.initialize(repeating: nil)
    defer {
        _ = results.deinitialize()
        results.deallocate()
    }
    withoutActuallyEscaping(body) { body in
        let shared = SharedWork(body: body, results: results)
        DispatchQueue.concurrentPerform(iterations: count) { k in shared.results[k] = shared.body(k) }
    }
    return results.map { $0! }
}

/// `0..<count` cut into `parts` consecutive ranges whose sizes differ by at most one.
public func evenRanges(_ count: Int, parts: Int) -> [Range<Int>] {
    (0..<parts).map { ($0 * count / parts)..<(($0 + 1) * count / parts) }
}

/// The body and the result slots, handed to the worker threads; each index writes only its own.
private struct SharedWork<T>: @unchecked Sendable {
    let body: (Int) -> T
    let results: UnsafeMutableBufferPointer<T?>
}
