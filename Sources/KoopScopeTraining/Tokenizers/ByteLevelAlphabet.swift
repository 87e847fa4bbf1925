/// The byte-level alphabet of GPT-2-style tokenizers: each of the 256 byte values stands for one
/// printable character (printable ASCII and Latin-1 for themselves, the rest shifted to U+0100…),
/// so that any UTF-8 text is a string over 256 symbols.
enum ByteLevelAlphabet {
    /// The character of each byte value.
    static let characters: [Character] = {
        var kept = Array(33...126) + Array(161...172) + Array(174...255)
        var mapped = kept
        var next = 0
        for byte in 0..<256 where !kept.contains(byte) {
            kept.append(byte)
            mapped.append(256 + next)
            next += 1
        }
        var table = [Character](repeating: " ", count: 256)
        for (byte, scalar) in zip(kept, mapped) { table[byte] = Character(Unicode.Scalar(UInt32(scalar))!) }
        return table
    }()

    /// The byte of each character of the alphabet.
    static let bytes: [Character: UInt8] = {
        var table: [Character: UInt8] = [:]
        for (byte, character) in characters.enumerated() { table[character] = UInt8(byte) }
        return table
    }()

    /// `text`'s UTF-8 bytes as alphabet characters.
    static func encode(_ text: String) -> String {
        var result = ""
        result.unicodeScalars.reserveCapacity(text.utf8.count)
        for byte in text.utf8 { result.append(characters[Int(byte)]) }
        return result
    }
}
