import Crypto
import FoundationEssentials
import Glibc

/// The SHA-256 digest of `data` as 64 lowercase hexadecimal digits (swift-crypto), for the
/// fingerprints of dictionaries and dumps in reports and the checksums of checkpoints.
///
/// ```swift
/// let digest = sha256Hex(Array("abc".utf8))   // "ba7816bf…"
/// ```
public func sha256Hex<D: DataProtocol>(_ data: D) -> String {
    let hexDigits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(64)
    for byte in SHA256.hash(data: data) {
        out.append(hexDigits[Int(byte >> 4)])
        out.append(hexDigits[Int(byte & 15)])
    }
    return String(decoding: out, as: UTF8.self)
}
