import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// An XML element with the line it starts on, so every mapped figure can name where it came from.
public struct XMLNode: Sendable {
    public let name: String
    public let attributes: [String: String]
    public let line: Int
    public internal(set) var text: String
    public internal(set) var children: [XMLNode]

    /// The first child named `name`.
    public func child(_ name: String) -> XMLNode? { children.first { $0.name == name } }
    /// Every child named `name`, in document order.
    public func children(_ name: String) -> [XMLNode] { children.filter { $0.name == name } }
    /// The text of the first `narrative` child, or the element's own text (IATI 1.x style), trimmed.
    public var narrative: String? {
        let raw = child("narrative")?.text ?? text
        let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }
}

/// Reads a whole document into `XMLNode`s with Foundation's `XMLParser` (no external entities are
/// resolved). A malformed document throws an `ImportError` naming the parser's line and message.
enum XMLTreeReader {
    static func read(_ data: Data, file: String) throws(ImportError) -> XMLNode {
        let delegate = Builder()
        let parser = XMLParser(data: data)
        parser.shouldResolveExternalEntities = false
        parser.delegate = delegate
        let ok = parser.parse()
        guard ok, let root = delegate.root else {
            let message = parser.parserError.map { ($0 as NSError).localizedDescription } ?? "the document has no root element"
            throw ImportError([ImportProblem(file: file, line: parser.lineNumber, element: delegate.stack.last?.name ?? "document",
                                             rule: "is not well-formed XML: \(message)")])
        }
        return root
    }

    private final class Builder: NSObject, XMLParserDelegate {
        var stack: [XMLNode] = []
        var root: XMLNode?

        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                    qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
            stack.append(XMLNode(name: elementName, attributes: attributeDict, line: parser.lineNumber, text: "", children: []))
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            guard !stack.isEmpty else { return }
            stack[stack.count - 1].text += string
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
            guard let node = stack.popLast() else { return }
            if stack.isEmpty { root = node } else { stack[stack.count - 1].children.append(node) }
        }
    }
}
