import Dispatch
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// A chunked states dataset read chunk by chunk without HDF5's data path: HDF5 says where
/// each chunk lies, the chunks are read with `pread` and their filters undone
/// (``ChunkPipeline``) on every core at once, and each chunk's part of the requested
/// trajectories is copied into place — so a compressed dump inflates in parallel, and no
/// chunk is read twice for one request.
///
/// The dataset is seen as N × T × d (a ragged trajectory's T × d as 1 × T × d).
/// Its worker threads only read its constant properties; HDF5 is called on the caller's thread.
final class ChunkedStates: @unchecked Sendable {
    let file: String
    let datasetName: String
    let dataset: HDF5Dataset
    /// N, T, d and the chunk's extent along each.
    let shape: [Int], chunk: [Int]
    let elementSize: Int
    /// The file stores elements most significant byte first; they are swapped on copy.
    let swapBytes: Bool
    let pipeline: ChunkPipeline
    private let descriptor: Int32
    /// One per worker thread, kept from one read to the next so that their buffers are
    /// allocated once.
    private var workspaces: [ChunkPipeline.Workspace] = []

    /// A reader for `dataset`, or nil when it is not chunked or has a filter that only HDF5
    /// undoes (it is then read through HDF5).
    init?(file: String, datasetName: String, dataset: HDF5Dataset, descriptor: Int32?) throws {
        guard let descriptor, let chunk = try dataset.chunkShape(), chunk.count == dataset.shape.count,
              (2...3).contains(chunk.count)
        else { return nil }
        let size = dataset.typeSize
        let chunkBytes = chunk.reduce(size, *)
        guard let pipeline = ChunkPipeline(filters: try dataset.filterPipeline(), chunkBytes: chunkBytes) else {
            return nil
        }
        self.file = file
        self.datasetName = datasetName
        self.dataset = dataset
        self.shape = chunk.count == 3 ? dataset.shape : [1] + dataset.shape
        self.chunk = chunk.count == 3 ? chunk : [1] + chunk
        self.elementSize = size
        self.swapBytes = dataset.isBigEndian
        self.pipeline = pipeline
        self.descriptor = descriptor
    }

    /// Rows along axis 0 that share chunks (1 when every trajectory has chunks of its own).
    var trajectoriesPerChunk: Int { chunk[0] }

    /// Copies rows `0..<lengths[k]` of trajectory `first + k`, for every k, into `out`, one
    /// after another as row-major T × d blocks of little-endian elements. Returns false (and
    /// writes nothing) when a needed chunk was never written, so that HDF5, which knows the
    /// fill value, reads instead.
    func read(first: Int, lengths: [Int], into out: UnsafeMutableRawPointer) throws -> Bool {
        let (c0, c1, c2) = (chunk[0], chunk[1], chunk[2])
        let d = shape[2]
        var destination: [Int] = []   // first element of each requested trajectory in `out`
        var total = 0
        for length in lengths {
            destination.append(total)
            total += length * d
        }
        guard total > 0 else { return true }
        let last = first + lengths.count
        var jobs: [Job] = []
        var row = (first / c0) * c0
        while row < last {
            let span = max(first, row)..<min(last, row + c0)
            let longest = span.map { lengths[$0 - first] }.max() ?? 0
            var t = 0
            while t < longest {
                var j = 0
                while j < d {
                    guard let job = try locate([row, t, j]) else { return false }
                    jobs.append(job)
                    j += c2
                }
                t += c1
            }
            row += c0
        }
        let workers = min(jobs.count, ProcessInfo.processInfo.activeProcessorCount)
        while workspaces.count < workers { workspaces.append(ChunkPipeline.Workspace()) }
        let spaces = workspaces
        var failures = [String?](repeating: nil, count: workers)
        let target = UnsafeSendable(out.assumingMemoryBound(to: UInt8.self))
        let me = self, allJobs = jobs, places = destination
        failures.withUnsafeMutableBufferPointer { slots in
            let failed = UnsafeSendable(slots.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                let workspace = spaces[w]
                for k in stride(from: w, to: allJobs.count, by: workers) {
                    do {
                        try me.decode(allJobs[k], workspace: workspace, first: first, lengths: lengths,
                                      destination: places, into: target.pointer)
                    } catch {
                        failed.pointer[w] = "\(error)"
                        return
                    }
                }
            }
        }
        if let failure = failures.compactMap({ $0 }).first {
            throw DumpError.corruptChunk(file: file, dataset: datasetName, detail: failure)
        }
        return true
    }

    /// A stored chunk: its first element's coordinates and where its bytes lie.
    struct Job {
        var origin: [Int]
        var address: Int
        var size: Int
        var mask: UInt32
    }

    private func locate(_ origin: [Int]) throws -> Job? {
        // A ragged trajectory's dataset has no axis 0.
        let coordinates = shape.count == 3 && dataset.shape.count == 2 ? Array(origin.dropFirst()) : origin
        let location: (mask: UInt32, address: Int, size: Int)?
        do { location = try dataset.chunkLocation(coordinates) } catch let failure as HDF5Failure {
            throw DumpError.hdf5(file: file, dataset: datasetName, detail: failure.description)
        }
        guard let location else { return nil }
        return Job(origin: origin, address: location.address, size: location.size, mask: location.mask)
    }

    private struct ChunkError: Error, CustomStringConvertible {
        let description: String
    }

    private func decode(_ job: Job, workspace: ChunkPipeline.Workspace, first: Int, lengths: [Int],
                        destination: [Int], into out: UnsafeMutablePointer<UInt8>) throws {
        let place = "chunk at \(job.origin.map(String.init).joined(separator: ", "))"
        let stored = workspace.buffer(0, bytes: max(job.size, 1))
        var done = 0
        while done < job.size {
            let n = pread(descriptor, stored + done, job.size - done, off_t(job.address + done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw ChunkError(description: "\(place): \(n < 0 ? String(cString: strerror(errno)) : "the file ends")"
                                 + " after \(done) of its \(job.size) bytes at offset \(job.address) (truncated?)")
            }
            done += n
        }
        let plain: UnsafeRawPointer
        do { plain = try pipeline.decode(storedCount: job.size, mask: job.mask, in: workspace) } catch {
            throw ChunkError(description: "\(place): \(error)")
        }
        let (c0, c1, c2) = (chunk[0], chunk[1], chunk[2])
        let d = shape[2], size = elementSize
        let columns = min(c2, d - job.origin[2])
        let source = plain.assumingMemoryBound(to: UInt8.self)
        for i in max(first, job.origin[0])..<min(first + lengths.count, job.origin[0] + c0) {
            let k = i - first
            let end = min(job.origin[1] + c1, lengths[k])
            guard job.origin[1] < end else { continue }
            for t in job.origin[1]..<end {
                let from = source + (((i - job.origin[0]) * c1 + (t - job.origin[1])) * c2) * size
                let to = out + (destination[k] + t * d + job.origin[2]) * size
                if swapBytes {
                    for e in 0..<columns {
                        for b in 0..<size { to[e * size + b] = from[e * size + size - 1 - b] }
                    }
                } else {
                    to.update(from: from, count: columns * size)
                }
            }
        }
    }
}
