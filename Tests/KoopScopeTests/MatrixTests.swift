import Dispatch
import Foundation
import ComplexModule
import Testing
@testable import KoopScope

@Suite("Matrix and BLAS products")
struct MatrixTests {
    @Test func rowMajorLayoutAndValueSemantics() {
        var a = Matrix<Double>([[1, 2, 3], [4, 5, 6]])
        #expect(a.elements == [1, 2, 3, 4, 5, 6])
        #expect(a[1, 0] == 4)
        let b = a
        a[0, 0] = 9
        #expect(b[0, 0] == 1, "a copy must not see writes to the original")
        #expect(a.transposed() == Matrix([[9, 4], [2, 5], [3, 6]]))
        #expect(a.column(2) == [3, 6])
        #expect(a.rows(1..<2) == Matrix([[4, 5, 6]]))
    }

    @Test func gemmMatchesTripleLoopWithEveryTransposition() {
        var rng = SeededGenerator(seed: 1)
        let a = Matrix<Double>(rows: 7, columns: 5) { _, _ in rng.nextGaussian() }
        let b = Matrix<Double>(rows: 5, columns: 4) { _, _ in rng.nextGaussian() }
        let expected = naiveProduct(a, b)
        #expect(maxAbsDifference(a * b, expected) < 1e-13)
        #expect(maxAbsDifference(a.transposed().multiplied(by: b, transposingSelf: true), expected) < 1e-13)
        #expect(maxAbsDifference(a.multiplied(by: b.transposed(), transposingOther: true), expected) < 1e-13)
        var c = Matrix<Double>(rows: 7, columns: 4, repeating: 1)
        c.addProduct(a, b, alpha: 2, beta: 3)
        #expect(maxAbsDifference(c, expected.map { 2 * $0 + 3 }) < 1e-12)
    }

    @Test func singlePrecisionGemmAndGemv() {
        var rng = SeededGenerator(seed: 2)
        let a = Matrix<Double>(rows: 6, columns: 3) { _, _ in rng.nextGaussian() }
        let x = (0..<3).map { _ in rng.nextGaussian() }
        let af = a.map { Float($0) }
        let product = af.multiplied(by: af, transposingSelf: true).map { Double($0) }
        #expect(maxAbsDifference(product, naiveProduct(a.transposed(), a)) < 1e-5)
        let y = af.multiplied(by: x.map { Float($0) })
        for i in 0..<6 {
            let expected = (0..<3).reduce(0.0) { $0 + a[i, $1] * x[$1] }
            #expect(abs(Double(y[i]) - expected) < 1e-5)
        }
        let yt = a.multiplied(by: [1, 0, 0, 0, 0, 0], transposingSelf: true)
        #expect(yt == a.row(0))
    }

    @Test func emptyProducts() {
        let a = Matrix<Double>(rows: 3, columns: 0, repeating: 0)
        let b = Matrix<Double>(rows: 0, columns: 2, repeating: 0)
        #expect(a * b == Matrix(rows: 3, columns: 2, repeating: 0))
    }
}

@Suite("OpenBLAS thread control")
struct BLASThreadTests {
    /// A thread count of the test's own, so that the regions other tests open meanwhile (a
    /// training run holds one for a minute) cannot disturb what this test counts.
    final class Count: @unchecked Sendable {
        private let lock = NSLock()
        private var value: Int32
        init(_ value: Int32) { self.value = value }
        func get() -> Int32 { lock.withLock { value } }
        func set(_ new: Int32) { lock.withLock { value = new } }
        func raise(to new: Int32) { lock.withLock { value = max(value, new) } }
    }

    @Test func overlappingSingleThreadedRegionsRestoreTheCount() {
        let count = Count(4)
        let state = BLASThreads.State(get: { count.get() }, set: { count.set($0) })
        // A enters, B enters, A leaves while B is still inside, then B leaves: B must keep
        // one thread after A is gone, and the count must come back when both are out.
        let aInside = DispatchSemaphore(value: 0), bInside = DispatchSemaphore(value: 0)
        let aLeft = DispatchSemaphore(value: 0), done = DispatchGroup()
        let seenByB = UnsafeMutablePointer<Int>.allocate(capacity: 1)
        defer { seenByB.deallocate() }
        let b = UnsafeSendableBox(seenByB)
        DispatchQueue.global().async(group: done) {
            state.singleThreaded {
                aInside.signal()
                bInside.wait()
            }
            aLeft.signal()
        }
        DispatchQueue.global().async(group: done) {
            aInside.wait()
            state.singleThreaded {
                bInside.signal()
                aLeft.wait()
                b.pointer.pointee = state.snapshot.threads
            }
        }
        done.wait()
        #expect(seenByB.pointee == 1)
        #expect(state.snapshot == (regions: 0, threads: 4))
        // Many regions overlapping in every order, some nested; inside each, one thread.
        let widest = Count(0)
        DispatchQueue.concurrentPerform(iterations: 64) { k in
            state.singleThreaded {
                if k % 3 == 0 { state.singleThreaded { _ = usleep(50) } }
                widest.raise(to: count.get())
                usleep(UInt32(100 * (k % 7)))
            }
        }
        #expect(widest.get() == 1)
        #expect(state.snapshot == (regions: 0, threads: 4))
    }

    @Test func theProcessRegionSetsOpenBLASToOneThread() {
        BLASThreads.singleThreaded {
            #expect(BLASThreads.snapshot.regions >= 1 && BLASThreads.snapshot.threads == 1)
        }
    }
}

/// A pointer handed to one other thread, which writes it before the test reads it.
struct UnsafeSendableBox: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Int>
    init(_ pointer: UnsafeMutablePointer<Int>) { self.pointer = pointer }
}
