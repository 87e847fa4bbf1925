import Foundation

/// Peak resident memory of this process so far, in bytes (VmHWM from /proc/self/status).
func peakResidentBytes() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kb = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
        return kb * 1024
    }
    return 0
}

/// Seconds since an arbitrary origin, monotonic.
func now() -> Double {
    Double(DispatchTime.now().uptimeNanoseconds) / 1e9
}

func mib(_ bytes: Int) -> String { String(format: "%.1f MiB", Double(bytes) / 1048576) }

/// The shortest of `repeats` runs of `body`, in seconds.
func best(of repeats: Int, _ body: () throws -> Void) rethrows -> Double {
    var shortest = Double.infinity
    for _ in 0..<max(repeats, 1) {
        let start = now()
        try body()
        shortest = min(shortest, now() - start)
    }
    return shortest
}
