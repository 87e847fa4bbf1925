import Foundation
import Testing
import _TestSupport
@testable import KoopScope

/// The library's HDF5 entries from many threads at once (each entry holds the library's HDF5
/// lock, which must neither deadlock nor let one thread's reads and writes disturb another's).
@Suite("HDF5 from many threads")
struct HDF5ThreadingTests {
    func trajectories(seed: UInt64) -> [Matrix<Float>] {
        var rng = SeededGenerator(seed: seed)
        return [7, 3, 12, 9].map { t in Matrix(rows: t, columns: 5) { _, _ in Float(rng.nextGaussian()) } }
    }

    /// Writes a chunked, compressed dump of `states` (strings and attributes too) to `path`.
    func writeDump(_ states: [Matrix<Float>], to path: String, layout: Dump.Layout) throws {
        let writer = try DumpWriter(path: path, count: states.count, maxLength: 12, dimension: 5,
                                    options: .init(layout: layout, chunkRows: 4, gzipLevel: 4))
        for (i, x) in states.enumerated() { try writer.write(x, at: i) }
        writer.prompts = states.indices.map { "prompt \($0)" }
        writer.attributes = [("model", .string("toy"))]
        try writer.finish()
    }

    @Test(arguments: [Dump.Layout.padded, .ragged])
    func readingAndWritingAtOnceGiveWhatEachGivesAlone(layout: Dump.Layout) throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let shared = dir.appendingPathComponent("shared.h5").path
        let expected = trajectories(seed: 1)
        try writeDump(expected, to: shared, layout: layout)

        let outcomes = concurrentMap(16) { k -> String? in
            do {
                // Everyone reads the shared dump, trajectory by trajectory and in one batch ...
                let dump = try Dump(path: shared)
                for i in 0..<dump.count where try dump.read(trajectory: i).states.elements != expected[i].elements {
                    return "thread \(k): trajectory \(i) of the shared dump differs"
                }
                let batch = try dump.read(0..<dump.count)
                guard batch.trajectories.map(\.states.elements) == expected.map(\.elements) else {
                    return "thread \(k): the shared dump's batch differs"
                }
                // ... and writes and reads back a dump and a dictionary of its own.
                let own = trajectories(seed: UInt64(10 + k))
                let path = dir.appendingPathComponent("own-\(k).h5").path
                try writeDump(own, to: path, layout: layout)
                let back = try Dump(path: path)
                guard try back.read(0..<back.count).trajectories.map(\.states.elements) == own.map(\.elements),
                      back.prompts == own.indices.map({ "prompt \($0)" }) else {
                    return "thread \(k): its own dump came back different"
                }
                let dictionary = KoopmanDictionary.kaimingUniform(dimension: 5, koopmanDimension: 8, seed: UInt64(k))
                let dictionaryPath = dir.appendingPathComponent("dictionary-\(k).h5").path
                try dictionary.write(to: dictionaryPath)
                guard try KoopmanDictionary(contentsOf: dictionaryPath).weight.elements == dictionary.weight.elements else {
                    return "thread \(k): its dictionary came back different"
                }
                return nil
            } catch {
                return "thread \(k): \(error)"
            }
        }
        let failures = outcomes.compactMap { $0 }
        #expect(failures.isEmpty, "\(failures)")
    }

    /// The lock is taken inside the HDF5 layer: no file outside it imports HDF5, calls an H5
    /// function or takes the lock itself, so no caller can forget it or hold it too long.
    @Test func onlyTheHDF5LayerCallsHDF5() throws {
        let sources = repositoryRoot.appendingPathComponent("Sources")
        let layer = sources.appendingPathComponent("KoopScope/HDF5").path + "/"
        let call = try Regex(#"\bH5[A-Z][A-Za-z]*[0-9]?\s*\(|import _CHDF5|HDF5Serial|ks_H5"#)
        var offenders: [String] = []
        let files = FileManager.default.enumerator(atPath: sources.path)!.compactMap { $0 as? String }
        for file in files where file.hasSuffix(".swift") {
            let path = sources.appendingPathComponent(file).path
            guard !path.hasPrefix(layer) else { continue }
            let text = try String(contentsOfFile: path, encoding: .utf8)
            for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            where line.contains(call) && !line.trimmingCharacters(in: .whitespaces).hasPrefix("//") {
                offenders.append("\(file):\(n + 1): \(line.trimmingCharacters(in: .whitespaces))")
            }
        }
        #expect(files.contains { $0.hasPrefix("KoopScope/HDF5/") })
        #expect(offenders.isEmpty, "\(offenders.joined(separator: "\n"))")
    }

    /// An open file's descriptor is close-on-exec, for files read and files being written: a
    /// process started meanwhile (the CLI tests start many) must not inherit it with HDF5's lock.
    @Test func openFilesStayOutOfChildProcesses() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        func descriptors(of path: String) -> [Int32] {
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
            return entries.compactMap { name in
                guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + name),
                      target == path || target.hasPrefix(path + ".") || target.contains("/." + URL(fileURLWithPath: path).lastPathComponent)
                else { return nil }
                return Int32(name)
            }
        }
        let read = fixturePath("linear-padded.h5")
        let dump = try Dump(path: read)
        let readers = descriptors(of: URL(fileURLWithPath: read).resolvingSymlinksInPath().path)
        #expect(!readers.isEmpty)
        for fd in readers { #expect(fcntl(fd, F_GETFD) & FD_CLOEXEC != 0, "descriptor \(fd) of \(read)") }
        _ = dump.count
        let written = dir.appendingPathComponent("written.h5").path
        let writer = try DumpWriter(path: written, count: 1, maxLength: 2, dimension: 2)
        let writers = descriptors(of: written)
        #expect(!writers.isEmpty, "the writer's temporary file is open")
        for fd in writers { #expect(fcntl(fd, F_GETFD) & FD_CLOEXEC != 0, "descriptor \(fd) of the file being written") }
        try writer.finish()
    }
}
