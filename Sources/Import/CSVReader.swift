/// RFC 4180 CSV: comma-separated, fields optionally in double quotes (`""` is a quote inside one),
/// quoted fields may span lines; CRLF or LF line ends; a UTF-8 byte-order mark is ignored. Each
/// record keeps the line it starts on so errors can name it.
enum CSVReader {
    struct Record: Equatable {
        let line: Int
        let fields: [String]
    }

    /// Throws the line of an unterminated quoted field or a quote inside an unquoted one.
    static func read(_ text: String, file: String) throws(ImportError) -> [Record] {
        var records: [Record] = []
        var fields: [String] = []
        var field = ""
        var line = 1
        var recordLine = 1
        var inQuotes = false
        var quotedField = false
        var chars = Array(text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text)
        if chars.last != "\n" && chars.last != "\r\n" { chars.append("\n") }
        var i = 0
        func fail(_ rule: String) -> ImportError {
            ImportError([ImportProblem(file: file, line: line, element: "csv", rule: rule)])
        }
        while i < chars.count {
            let c = chars[i]
            if inQuotes {
                if c == "\"" {
                    if i + 1 < chars.count, chars[i + 1] == "\"" { field.append("\""); i += 1 } else { inQuotes = false }
                } else {
                    if c == "\n" || c == "\r\n" { line += 1 }
                    field.append(c)
                }
            } else if c == "\"" {
                guard field.isEmpty, !quotedField else { throw fail("a quote inside an unquoted field; quote the whole field and double the quote") }
                inQuotes = true
                quotedField = true
            } else if c == "," {
                fields.append(field); field = ""; quotedField = false
            } else if c == "\n" || c == "\r\n" || c == "\r" {
                fields.append(field); field = ""; quotedField = false
                if !(fields.count == 1 && fields[0].isEmpty) { records.append(Record(line: recordLine, fields: fields)) }
                fields = []
                line += 1
                recordLine = line
            } else {
                guard !quotedField else { throw fail("text after the closing quote of a field") }
                field.append(c)
            }
            i += 1
        }
        if inQuotes { throw ImportError([ImportProblem(file: file, line: recordLine, element: "csv", rule: "a quoted field is never closed")]) }
        return records
    }
}
