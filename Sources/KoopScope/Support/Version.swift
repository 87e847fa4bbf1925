/// The release of koopscope this library belongs to.
///
/// ```swift
/// print("koopscope", koopscopeVersion)
/// ```
public let koopscopeVersion = "0.1.0"
