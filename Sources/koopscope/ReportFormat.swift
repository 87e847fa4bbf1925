import ArgumentParser

/// How `analyze` writes its report.
enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
    case table
    case json
    case csv
}
