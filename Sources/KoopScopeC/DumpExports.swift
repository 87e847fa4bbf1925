import KoopScope
import _KoopScopeABI

/// An open dump as the C interface hands it out: the caller's own, released by koopscope_dump_close.
private final class DumpHandle {
    let dump: Dump
    init(_ dump: Dump) { self.dump = dump }
}

private func handle(_ pointer: OpaquePointer?) throws -> Dump {
    guard let pointer else { throw ABIFailure.argument("dump is NULL") }
    return Unmanaged<DumpHandle>.fromOpaque(UnsafeRawPointer(pointer)).takeUnretainedValue().dump
}

@_cdecl("koopscope_dump_open")
public func koopscope_dump_open(_ path: UnsafePointer<CChar>?, _ dump: UnsafeMutablePointer<OpaquePointer?>?,
                                _ status: UnsafeMutablePointer<koopscope_status>?) -> Int32 {
    abiCall(status) {
        guard let dump else { throw ABIFailure.argument("dump is NULL") }
        dump.pointee = nil
        guard let path else { throw ABIFailure.argument("path is NULL") }
        let opened = try Dump(path: String(cString: path))
        dump.pointee = OpaquePointer(Unmanaged.passRetained(DumpHandle(opened)).toOpaque())
    }
}

@_cdecl("koopscope_dump_shape")
public func koopscope_dump_shape(_ dump: OpaquePointer?, _ trajectories: UnsafeMutablePointer<Int64>?,
                                 _ maxLength: UnsafeMutablePointer<Int64>?, _ d: UnsafeMutablePointer<Int64>?,
                                 _ status: UnsafeMutablePointer<koopscope_status>?) -> Int32 {
    abiCall(status) {
        let opened = try handle(dump)
        trajectories?.pointee = Int64(opened.count)
        maxLength?.pointee = Int64(opened.lengths.max() ?? 0)
        d?.pointee = Int64(opened.dimension)
    }
}

@_cdecl("koopscope_dump_lengths")
public func koopscope_dump_lengths(_ dump: OpaquePointer?, _ lengths: UnsafeMutablePointer<Int64>?,
                                   _ status: UnsafeMutablePointer<koopscope_status>?) -> Int32 {
    abiCall(status) {
        let opened = try handle(dump)
        guard let lengths else { throw ABIFailure.argument("lengths is NULL") }
        for (i, t) in opened.lengths.enumerated() { lengths[i] = Int64(t) }
    }
}

@_cdecl("koopscope_dump_read")
public func koopscope_dump_read(_ dump: OpaquePointer?, _ first: Int64, _ count: Int64, _ states: UnsafeMutablePointer<Float>?,
                                _ status: UnsafeMutablePointer<koopscope_status>?) -> Int32 {
    abiCall(status) {
        let opened = try handle(dump)
        guard first >= 0, count >= 0, first <= Int64(opened.count) - count else {
            throw ABIFailure.argument("trajectories [\(first), \(first) + \(count)) requested, the dump \(opened.path) holds \(opened.count)")
        }
        let maxLength = opened.lengths.max() ?? 0, d = opened.dimension
        guard count == 0 || maxLength == 0 || states != nil else { throw ABIFailure.argument("states is NULL") }
        guard let states else { return }
        let range = Int(first)..<Int(first + count)
        states.initialize(repeating: 0, count: range.count * maxLength * d)
        for batchRange in opened.batchRanges(in: range) {
            let batch = try opened.read(batchRange)
            batch.states.withUnsafeBufferPointer { rows in
                for k in 0..<batch.count {
                    let target = states + (batchRange.lowerBound - range.lowerBound + k) * maxLength * d
                    let source = rows.baseAddress! + batch.offsets[k] * d
                    target.update(from: source, count: batch.lengths[k] * d)
                }
            }
        }
    }
}

@_cdecl("koopscope_dump_close")
public func koopscope_dump_close(_ dump: OpaquePointer?) {
    guard let dump else { return }
    Unmanaged<DumpHandle>.fromOpaque(UnsafeRawPointer(dump)).release()
}

@_cdecl("koopscope_inspect")
public func koopscope_inspect(_ path: UnsafePointer<CChar>?, _ structureOnly: Int32,
                              _ reportJSON: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                              _ status: UnsafeMutablePointer<koopscope_status>?) -> Int32 {
    abiCall(status) {
        try returnText(reportJSON) {
            guard let path else { throw ABIFailure.argument("path is NULL") }
            guard structureOnly == 0 || structureOnly == 1 else {
                throw ABIFailure.argument("structure_only is \(structureOnly); it must be 0 or 1")
            }
            return try DumpInspection(try Dump(path: String(cString: path)), scanningStates: structureOnly == 0).json()
        }
    }
}
