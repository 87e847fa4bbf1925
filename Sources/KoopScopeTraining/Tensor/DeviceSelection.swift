import Foundation
import KoopScope
import KoopScopeCUDA

/// `--device cpu|cuda|auto`: which backend to run on.
///
/// ```swift
/// let (backend, notice) = try DeviceSelection.backend(for: "auto")
/// ```
public enum DeviceSelection {
    /// The backend for `device`: `cpu`; `cuda` (an error naming what is missing when the driver,
    /// NVRTC, cuBLAS or a device is not there); `auto` (CUDA when it answers, else the CPU with a
    /// one-line notice saying why).
    public static func backend(for device: String, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws -> (backend: any Backend, notice: String?)
    {
        guard let choice = DeviceChoice(rawValue: device) else {
            throw TrainingError.invalidSetting(source: "--device", key: "device", detail: DeviceChoice.problem(device))
        }
        switch choice {
        case .cpu: return (CPUBackend(), nil)
        case .cuda: return (try CUDABackend(environment: environment), nil)
        case .auto:
            do { return (try CUDABackend(environment: environment), nil) } catch {
                return (CPUBackend(), "notice: --device auto: running on the CPU (\(error))")
            }
        }
    }
}
