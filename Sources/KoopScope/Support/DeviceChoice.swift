/// What `--device` may say, for `train` and `analyze` alike: the one list and its one message.
///
/// ```swift
/// let choice = DeviceChoice(rawValue: "auto")   // .auto
/// let message = DeviceChoice.problem("tpu")     // "\"tpu\" is not one of cpu, cuda, auto"
/// ```
public enum DeviceChoice: String, Sendable, CaseIterable {
    case cpu
    case cuda
    /// CUDA when a driver and a device answer, else the CPU.
    case auto

    /// The flag's help text.
    public static let help = "cpu, cuda, or auto (CUDA when a driver and a device answer)"

    /// Why `text` is not a device choice.
    public static func problem(_ text: String) -> String {
        "\"\(text)\" is not one of " + allCases.map(\.rawValue).joined(separator: ", ")
    }
}
