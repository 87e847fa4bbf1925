/// A LAPACK routine reported failure (a non-zero `info`).
public struct LinearAlgebraError: Error, Equatable, CustomStringConvertible {
    /// The routine, with its precision prefix: `dgesv`, `sgeev`, ….
    public let routine: String
    /// LAPACK's `info` value.
    public let info: Int32
    /// What `info` means for this routine.
    public let reason: String

    /// An error with an explicit reason.
    init(routine: String, info: Int32, reason: String) {
        self.routine = routine
        self.info = info
        self.reason = reason
    }

    /// An error for `routine` from its `info`, with the routine's own meaning of a positive value.
    init(routine: String, info: Int32, positive: (Int32) -> String) {
        self.routine = routine
        self.info = info
        if info == -1010 || info == -1011 {
            self.reason = "out of memory for LAPACK's workspace"
        } else if info < 0 {
            self.reason = "argument \(-info) had an illegal value"
        } else {
            self.reason = positive(info)
        }
    }

    public var description: String { "\(routine) failed (info = \(info)): \(reason)" }
}

/// Throws a ``LinearAlgebraError`` unless `info` is zero.
@inline(__always)
func checkLAPACK(_ info: Int32, _ routine: @autoclosure () -> String,
                 positive: (Int32) -> String) throws {
    guard info != 0 else { return }
    throw LinearAlgebraError(routine: routine(), info: info, positive: positive)
}

extension LinearAlgebraError {
    /// The input to `routine` holds NaN or infinity, which is never handed to LAPACK.
    static func nonFinite(_ routine: String) -> LinearAlgebraError {
        LinearAlgebraError(routine: routine, info: 0, reason: "the input matrix holds NaN or infinite entries")
    }
}
