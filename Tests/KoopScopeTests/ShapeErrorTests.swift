import Testing
@testable import KoopScope

/// Shapes that do not fit together are typed errors through the public API, never a trap.
@Suite("Shape mismatches are errors")
struct ShapeErrorTests {
    let dictionary = KoopmanDictionary.kaimingUniform(dimension: 4, koopmanDimension: 3)
    let states = Matrix<Float>(rows: 6, columns: 5) { i, j in Float(i + j) / 10 }

    func isShapeMismatch(_ body: () throws -> Void) -> Bool {
        do { try body() } catch KoopmanError.shapeMismatch { return true } catch { return false }
        return false
    }

    @Test func statesOfAnotherDimension() {
        #expect(isShapeMismatch { _ = try dictionary.lift(states) })
        #expect(isShapeMismatch { _ = try DSD.value(states: states, dictionary: dictionary) })
        #expect(isShapeMismatch {
            _ = try DSDGradient(states: states, weight: dictionary.weight, bias: nil)
        })
        #expect(isShapeMismatch {
            _ = try DSDGradient(states: states.map(Double.init), weight: dictionary.weight.map(Double.init), bias: nil)
        })
        #expect(isShapeMismatch {
            let x = Matrix<Double>(rows: 6, columns: 4, repeating: 0.5)
            _ = try DSDGradient(states: x, weight: dictionary.weight.map(Double.init), bias: [0, 0])
        })
    }

    @Test func snapshotsAndOperatorsOfOtherShapes() {
        let psiX = Matrix<Double>(rows: 5, columns: 3) { i, j in Double(i * 3 + j + 1) / 20 }
        let shorter = Matrix<Double>(rows: 4, columns: 3, repeating: 0.1)
        #expect(isShapeMismatch { _ = try KoopmanEstimate(psiX: psiX, psiY: shorter, estimator: .paperDefault) })
        #expect(isShapeMismatch { _ = try KoopmanEstimate(k: .identity(3), psiX: psiX, psiY: shorter) })
        #expect(isShapeMismatch { _ = try KoopmanEstimate(k: .identity(2), psiX: psiX, psiY: psiX) })
        #expect(isShapeMismatch {
            _ = try KoopmanEstimate(k: Matrix(rows: 3, columns: 2, repeating: 0), psiX: psiX, psiY: psiX)
        })
        #expect(!isShapeMismatch { _ = try KoopmanEstimate(k: .identity(3), psiX: psiX, psiY: psiX) })
    }
}
