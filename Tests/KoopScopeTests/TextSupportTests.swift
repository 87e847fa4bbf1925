import Foundation
import KoopScope
import Testing

/// The text helpers that stand in for Foundation's (the library links FoundationEssentials only):
/// against Foundation's own results.
@Suite("Text without Foundation")
struct TextSupportTests {
    @Test func printfTextIsStringFormat() {
        for x in [0.0861234, 39.5, -1.25e-7, 123456.789, 0, .infinity, -.nan, 1e300] {
            for format in ["%.4g", "%.2f", "%.3e", "%.3g", "%.4f"] {
                #expect(printfText(x, format) == String(format: format, x), "\(format) of \(x)")
            }
        }
    }

    @Test func columnsAndTrimmingAreFoundations() {
        for s in ["", "dsd", "a longer cell", "ünï"] {
            for width in [0, 2, 5, 20] {
                #expect(s.columnPadded(to: width) == s.padding(toLength: width, withPad: " ", startingAt: 0))
            }
        }
        for s in ["a b  ", "  x\t", "\t \t", "x", "a\n \n"] {
            #expect(s.droppingTrailingWhitespace() == s.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression))
        }
        for s in ["  a b \t", "\tx", " ", "y"] {
            #expect(s.trimmingSpaces() == s.trimmingCharacters(in: .whitespaces))
        }
    }

    @Test func jsonValuesReadAsJSONSerializationDoes() throws {
        let text = #"{"a": 1, "b": 2.5, "c": [true, null, "s"], "d": {"e": -3}, "f": 1e3, "g": 12345678901234}"#
        let value = try JSONValue(parsing: Data(text.utf8))
        let reference = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
        #expect(value["a"]?.int == (reference["a"] as! NSNumber).intValue)
        #expect(value["b"]?.double == 2.5 && value["b"]?.int == nil)
        #expect(value["c"]?[0]?.bool == true && value["c"]?[1] == .null && value["c"]?[2]?.string == "s")
        #expect(value["d"]?["e"]?.int == -3 && value["f"]?.double == 1000 && value["g"]?.int == 12_345_678_901_234)
        #expect(value["missing"] == nil && value["c"]?[7] == nil)
        #expect(throws: (any Error).self) { try JSONValue(parsing: Data("{".utf8)) }
    }
}
