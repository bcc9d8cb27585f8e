import ODA

/// `--as-of SEQ|DATE|INSTANT` and `--effective DATE`, shared by the read commands.
enum PointInTimeOption {
    static func parse(_ arguments: ParsedArguments, command: String) throws -> PointInTime {
        switch (arguments["as-of"], arguments["effective"]) {
        case (nil, nil): return .head
        case let (asOf?, nil): return try PointInTime(parsing: asOf)
        case let (nil, effective?):
            guard let date = CalendarDate(effective) else {
                throw UsageError(command: command, message: "--effective must be a date YYYY-MM-DD, not \(effective)")
            }
            return .effectiveOn(date)
        case (_?, _?):
            throw UsageError(command: command, message: "give --as-of (what was recorded by then) or --effective (business dates), not both")
        }
    }
}
