#if canImport(Glibc)
import Glibc
#endif

extension Dump {
    /// Asks the kernel to start reading the states of `range` from disk now, so that a
    /// cold file's I/O overlaps the decoding and analysis of the batch before it. Only
    /// contiguous datasets have a known place in the file; for others this does nothing.
    func prefetch(_ range: Range<Int>) {
        #if os(Linux)
        guard let advisor = fileAdvisor, !range.isEmpty else { return }
        switch layout {
        case .padded:
            guard let (dataset, decoding) = paddedStates else { return }
            guard let base = dataset.contiguousOffset else { return }
            let rowBytes = dimension * decoding.elementType.byteWidth
            let start = base + range.lowerBound * maxLength * rowBytes
            let end = base + ((range.upperBound - 1) * maxLength + lengths[range.upperBound - 1]) * rowBytes
            _ = posix_fadvise(advisor.descriptor, off_t(start), off_t(end - start), POSIX_FADV_WILLNEED)
        case .ragged:
            guard let group = try? root.openGroup("trajectories") else { return }
            for i in range where lengths[i] > 0 {
                guard let dataset = try? group.openDataset(String(i)) else { continue }
                guard let base = dataset.contiguousOffset else { continue }
                let bytes = lengths[i] * dimension * dataset.typeSize
                _ = posix_fadvise(advisor.descriptor, off_t(base), off_t(bytes), POSIX_FADV_WILLNEED)
            }
        }
        #endif
    }
}

/// A read-only descriptor of the dump's file, used only for read-ahead advice.
final class FileAdvisor {
    let descriptor: Int32

    init?(path: String) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        descriptor = fd
        #if os(Linux)
        _ = posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL)
        #endif
    }

    deinit { close(descriptor) }
}
