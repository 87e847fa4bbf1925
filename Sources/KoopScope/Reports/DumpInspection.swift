import FoundationEssentials
import Glibc

/// What `koopscope inspect` says about a dump — layout, sizes, element types, storage, length
/// statistics, optional datasets, attributes and non-finite states — as text or JSON; the C
/// interface and Python produce the same.
///
/// ```swift
/// let inspection = try DumpInspection(try Dump(path: "rollouts.h5"))
/// print(inspection.text, terminator: "")
/// ```
public struct DumpInspection: Encodable, Sendable {
    /// An optional dataset: its name, count and a summary.
    public struct Optional: Encodable, Sendable {
        public var name: String
        public var count: Int
        public var detail: String
    }

    public var file: String
    public var layout: String
    public var trajectories: Int
    public var dimension: Int
    public var maxLength: Int
    public var elementType: String
    public var elementTypes: [String]
    public var storage: String?
    public var hasLengths: Bool
    public var lengths: Statistics
    public var paddingRows: Int
    public var optionalDatasets: [Optional]
    public var attributes: [String: AttributeValue]
    public var attributeOrder: [String]
    /// Non-finite state values in all (nil when the states were not scanned).
    public var nonFiniteValues: Int?
    public var trajectoriesWithNonFinite: [Int]?

    enum CodingKeys: String, CodingKey {
        case file, layout, trajectories, dimension, maxLength = "max_length", elementType = "element_type"
        case elementTypes = "element_types", storage, hasLengths = "has_lengths", lengths
        case paddingRows = "padding_rows", optionalDatasets = "optional_datasets", attributes
        case nonFiniteValues = "non_finite_values", trajectoriesWithNonFinite = "trajectories_with_non_finite"
    }

    /// Inspects `dump`; `scanningStates` reads every state to count the non-finite ones.
    public init(_ dump: Dump, scanningStates: Bool = true) throws {
        self.init(dump, nonFinite: scanningStates ? try dump.nonFiniteCounts() : nil)
    }

    init(_ dump: Dump, nonFinite: [Int]?) {
        file = dump.path
        layout = dump.layout.rawValue
        trajectories = dump.count
        dimension = dump.dimension
        maxLength = dump.maxLength
        elementType = dump.elementType.rawValue
        elementTypes = dump.elementTypes.map(\.rawValue).sorted()
        storage = dump.storage?.description
        hasLengths = dump.hasLengths
        lengths = Statistics(dump.lengths.map(Double.init))
        paddingRows = dump.layout == .padded ? dump.count * dump.maxLength - dump.lengths.reduce(0, +) : 0
        var optional: [Optional] = []
        if let r = dump.rewards {
            let s = Statistics(r)
            optional.append(.init(name: "rewards", count: r.count,
                                  detail: r.isEmpty ? "" : "mean \(shortNumber(s.mean)), min \(shortNumber(s.min)), max \(shortNumber(s.max))"))
        }
        if let g = dump.groupIDs {
            optional.append(.init(name: "group_ids", count: g.count, detail: "\(Set(g).count) groups"))
        }
        if let a = dump.advantages {
            let s = Statistics(a)
            optional.append(.init(name: "advantages", count: a.count,
                                  detail: a.isEmpty ? "" : "mean \(shortNumber(s.mean)), std \(shortNumber(s.standardDeviation))"))
        }
        if let p = dump.prompts { optional.append(.init(name: "prompts", count: p.count, detail: "text")) }
        if let r = dump.responses { optional.append(.init(name: "responses", count: r.count, detail: "text")) }
        for (name, rows) in [("prompt_ids", dump.promptIDs), ("response_ids", dump.responseIDs)] {
            guard let rows else { continue }
            let total = rows.reduce(0) { $0 + $1.count }
            optional.append(.init(name: name, count: rows.count, detail: "token ids, \(total) in all"))
        }
        optionalDatasets = optional
        attributes = Dictionary(dump.attributes.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        attributeOrder = dump.attributes.map(\.name)
        nonFiniteValues = nonFinite?.reduce(0, +)
        trajectoriesWithNonFinite = nonFinite.map { counts in counts.indices.filter { counts[$0] > 0 } }
    }

    /// The inspection as pretty-printed JSON with sorted keys.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// The inspection as the aligned lines `koopscope inspect` prints.
    public var text: String {
        var lines: [(String, String)] = []
        let states = layout == "padded" ? "/hidden_states \(trajectories) × \(maxLength) × \(dimension)"
                                        : "/trajectories/0 … /trajectories/\(max(trajectories - 1, 0))"
        lines.append(("layout", "\(layout): \(states)"))
        lines.append(("trajectories", "\(trajectories)"))
        lines.append(("dimension", "\(dimension)"))
        lines.append(("element type", elementTypes.count > 1 ? elementTypes.joined(separator: ", ") + " (mixed)"
                                                             : elementType))
        if let storage { lines.append(("storage", storage)) }
        if trajectories > 0 {
            var l = "min \(shortNumber(lengths.min)), median \(shortNumber(lengths.median)), "
                + "mean \(shortNumber(lengths.mean)), max \(shortNumber(lengths.max))"
            if layout == "padded" {
                l += hasLengths ? " (T_max \(maxLength), \(paddingRows) padding rows)" : " (no /lengths: all T_max)"
            }
            lines.append(("lengths", l))
        }
        if optionalDatasets.isEmpty { lines.append(("optional", "none")) }
        for o in optionalDatasets {
            lines.append(("/" + o.name, o.detail.isEmpty ? "\(o.count) values" : "\(o.count) values, \(o.detail)"))
        }
        if attributeOrder.isEmpty { lines.append(("attributes", "none")) }
        for (k, name) in attributeOrder.enumerated() {
            lines.append((k == 0 ? "attributes" : "", "\(name) = \(abbreviated(attributes[name]!))"))
        }
        if let nonFiniteValues, let bad = trajectoriesWithNonFinite {
            var l = "\(nonFiniteValues) values in \(bad.count) trajectories"
            if !bad.isEmpty {
                l += " (" + bad.prefix(10).map(String.init).joined(separator: ", ") + (bad.count > 10 ? ", …" : "") + ")"
            }
            lines.append(("non-finite", l))
        } else {
            lines.append(("non-finite", "not scanned (--structure-only)"))
        }
        let width = lines.map(\.0.count).max() ?? 0
        return file + "\n" + lines.map { key, value in
            "  " + key.columnPadded(to: width) + "  " + value
        }.joined(separator: "\n") + "\n"
    }
}

/// An attribute for a terminal: long arrays shortened to their first values and a count.
private func abbreviated(_ value: AttributeValue, keep: Int = 6) -> String {
    func list(_ items: [String]) -> String {
        items.count <= keep + 2 ? "[" + items.joined(separator: ", ") + "]"
            : "[" + items.prefix(keep).joined(separator: ", ") + ", …] (\(items.count) values)"
    }
    switch value {
    case .reals(let v): return list(v.map(shortNumber))
    case .integers(let v): return list(v.map(String.init))
    case .strings(let v): return list(v.map { AttributeValue.string($0).description })
    default: return value.description
    }
}
