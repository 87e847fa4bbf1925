/// A setting the caller gave that cannot be used, named as the caller spelt it.
public enum SettingError: Error, Equatable, CustomStringConvertible {
    /// A value of the wrong kind or outside its bounds.
    case invalid(setting: String, detail: String)
    /// Settings that exclude each other, or one that applies only with another.
    case conflict(detail: String)
    /// A name that is not a setting of this table.
    case unknown(setting: String, known: [String])

    public var description: String {
        switch self {
        case .invalid(let setting, let detail): "\(setting) \(detail)"
        case .conflict(let detail): detail
        case .unknown(let setting, let known): "\(setting) is not a setting (known: \(known.joined(separator: ", ")))"
        }
    }
}
