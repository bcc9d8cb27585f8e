/// A schema `pattern` compiled to a small automaton over the UTF-8 bytes of a string.
///
/// Why: every string member of every appended event is checked against its pattern, and
/// `NSRegularExpression` on Linux bridges each string to an `NSString` and runs ICU, which made
/// pattern checks the largest part of validating an event. The schemas' patterns all belong to a
/// tiny regular language — anchored at both ends, ASCII literals, bracket classes of ASCII
/// characters and ranges, groups with alternation, and the quantifiers `?`, `*`, `+`, `{n}`,
/// `{n,}`, `{n,m}` — which a Thompson automaton matches in time linear in the string, with no
/// allocation beyond two small state lists.
///
/// What is guaranteed:
/// - ``init(_:)`` returns nil for any pattern outside that language (`.`, `\d`, negated classes,
///   lazy quantifiers, look-around, an anchor anywhere but the ends, a non-ASCII character…), and
///   the validator then keeps using `NSRegularExpression` for it, so no construct is ever
///   interpreted loosely.
/// - Within the language, it accepts exactly the strings `NSRegularExpression` accepts, with one
///   deliberate difference: `$` matches only at the very end, as JSON Schema's ECMA-262 dialect
///   says, whereas ICU's `$` also matches before one final line terminator (`"USD\n"` would pass
///   `^[A-Z]{3}$` there). A test compares both on generated strings.
/// - Since every atom is an ASCII character or class, a non-ASCII character never matches one;
///   matching bytes is then the same as matching characters.
struct SchemaPattern: Sendable {
    private enum Instruction: Sendable {
        /// Consume one byte in the set (bit `b` of `low` for b < 64, of `high` for 64 ≤ b < 128).
        case byte(low: UInt64, high: UInt64)
        /// Continue at both targets.
        case split(Int, Int)
        case jump(Int)
        case match
    }

    private let program: [Instruction]

    /// The compiled pattern, or nil when it uses anything outside the supported language.
    init?(_ pattern: String) {
        var parser = Parser(bytes: Array(pattern.utf8))
        guard let node = parser.parsePattern() else { return nil }
        var program: [Instruction] = []
        Self.emit(node, into: &program)
        program.append(.match)
        guard program.count <= 20_000 else { return nil }
        self.program = program
    }

    /// Whether the whole of `text` matches.
    func matches(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { matches(bytes: $0) }
    }

    func matches(bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let count = program.count
        // Each instruction is pushed at most twice per closure (by a split or a jump) plus the start.
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: 5 * count + 1) { memory in
            // `current` and `next` hold the instructions (all `.byte` or `.match`) live before and
            // after a byte; `seen` stamps which instruction was added for the step being built.
            let base = memory.baseAddress!
            var current = base, next = base + count
            let seen = base + 2 * count
            let stack = base + 3 * count
            for index in 0 ..< count { seen[index] = -1 }
            var currentCount = add(0, stamp: 0, to: current, count: 0, seen: seen, stack: stack)
            var position = 0
            for byte in bytes {
                position += 1
                guard currentCount > 0 else { return false }
                var nextCount = 0
                for slot in 0 ..< currentCount {
                    let pc = current[slot]
                    if case let .byte(low, high) = program[pc], Self.contains(byte, low: low, high: high) {
                        nextCount = add(pc + 1, stamp: position, to: next, count: nextCount, seen: seen, stack: stack)
                    }
                }
                swap(&current, &next)
                currentCount = nextCount
            }
            for slot in 0 ..< currentCount {
                if case .match = program[current[slot]] { return true }
            }
            return false
        }
    }

    /// Adds `start` and everything reachable from it without consuming a byte.
    private func add(_ start: Int, stamp: Int, to list: UnsafeMutablePointer<Int>, count: Int,
                     seen: UnsafeMutablePointer<Int>, stack: UnsafeMutablePointer<Int>) -> Int {
        var count = count
        var depth = 0
        stack[0] = start
        depth = 1
        while depth > 0 {
            depth -= 1
            let pc = stack[depth]
            guard seen[pc] != stamp else { continue }
            seen[pc] = stamp
            switch program[pc] {
            case .byte, .match:
                list[count] = pc
                count += 1
            case let .jump(target):
                stack[depth] = target
                depth += 1
            case let .split(first, second):
                // Pushed second first, so `first` is explored first (order does not change the answer).
                stack[depth] = second
                stack[depth + 1] = first
                depth += 2
            }
        }
        return count
    }

    private static func contains(_ byte: UInt8, low: UInt64, high: UInt64) -> Bool {
        if byte < 64 { return low & (1 << UInt64(byte)) != 0 }
        if byte < 128 { return high & (1 << UInt64(byte - 64)) != 0 }
        return false
    }

    // MARK: Syntax

    private indirect enum Node {
        case set(low: UInt64, high: UInt64)
        case sequence([Node])
        case alternation([Node])
        case repetition(Node, minimum: Int, maximum: Int?)
    }

    private static func emit(_ node: Node, into program: inout [Instruction]) {
        switch node {
        case let .set(low, high):
            program.append(.byte(low: low, high: high))
        case let .sequence(nodes):
            for node in nodes { emit(node, into: &program) }
        case let .alternation(branches):
            // split L1, next; L1: branch; jump end; next: split L2, … ; last branch falls through.
            var jumpsToEnd: [Int] = []
            for (index, branch) in branches.enumerated() {
                if index < branches.count - 1 {
                    let split = program.count
                    program.append(.split(split + 1, -1))
                    emit(branch, into: &program)
                    jumpsToEnd.append(program.count)
                    program.append(.jump(-1))
                    program[split] = .split(split + 1, program.count)
                } else {
                    emit(branch, into: &program)
                }
            }
            for jump in jumpsToEnd { program[jump] = .jump(program.count) }
        case let .repetition(body, minimum, maximum):
            for _ in 0 ..< minimum { emit(body, into: &program) }
            if let maximum {
                // Each optional copy may be skipped to the end: split body, end.
                var skips: [Int] = []
                for _ in minimum ..< maximum {
                    skips.append(program.count)
                    program.append(.split(program.count + 1, -1))
                    emit(body, into: &program)
                }
                for skip in skips { program[skip] = .split(skip + 1, program.count) }
            } else {
                // loop: split body, end; body; jump loop.
                let loop = program.count
                program.append(.split(loop + 1, -1))
                emit(body, into: &program)
                program.append(.jump(loop))
                program[loop] = .split(loop + 1, program.count)
            }
        }
    }

    /// Recursive descent over the pattern's bytes; every method returns nil on anything unsupported.
    private struct Parser {
        let bytes: [UInt8]
        var index = 0

        /// `^` alternation `$`, nothing else.
        mutating func parsePattern() -> Node? {
            guard bytes.first == UInt8(ascii: "^"), bytes.last == UInt8(ascii: "$"), bytes.count >= 2 else { return nil }
            // A `$` escaped as `\$` at the end is a literal, not the anchor.
            var backslashes = 0
            var cursor = bytes.count - 2
            while cursor >= 0, bytes[cursor] == UInt8(ascii: "\\") { backslashes += 1; cursor -= 1 }
            guard backslashes % 2 == 0 else { return nil }
            index = 1
            let end = bytes.count - 1
            guard let node = parseAlternation(end: end), index == end else { return nil }
            // `^a|b$` means `(^a)|(b$)`: anchors inside alternatives are not this language.
            if case .alternation = node { return nil }
            return node
        }

        mutating func parseAlternation(end: Int) -> Node? {
            var branches: [Node] = []
            while true {
                guard let branch = parseSequence(end: end) else { return nil }
                branches.append(branch)
                guard index < end, bytes[index] == UInt8(ascii: "|") else { break }
                index += 1
            }
            return branches.count == 1 ? branches[0] : .alternation(branches)
        }

        mutating func parseSequence(end: Int) -> Node? {
            var nodes: [Node] = []
            while index < end, bytes[index] != UInt8(ascii: "|"), bytes[index] != UInt8(ascii: ")") {
                guard let atom = parseAtom(end: end), let quantified = parseQuantifier(atom, end: end) else { return nil }
                nodes.append(quantified)
            }
            return .sequence(nodes)
        }

        mutating func parseAtom(end: Int) -> Node? {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "("):
                index += 1
                guard index < end, bytes[index] != UInt8(ascii: "?") else { return nil }  // (?:…), look-around, flags
                guard let inner = parseAlternation(end: end), index < end, bytes[index] == UInt8(ascii: ")") else { return nil }
                index += 1
                return inner
            case UInt8(ascii: "["):
                index += 1
                return parseClass(end: end)
            case UInt8(ascii: "\\"):
                index += 1
                guard index < end, let literal = Self.escapedLiteral(bytes[index]) else { return nil }
                index += 1
                return Self.single(literal)
            default:
                guard Self.isPlainLiteral(byte) else { return nil }
                index += 1
                return Self.single(byte)
            }
        }

        /// `[…]` after the `[`: ASCII characters, ranges and escaped punctuation; no negation.
        mutating func parseClass(end: Int) -> Node? {
            var low: UInt64 = 0, high: UInt64 = 0
            func insert(_ byte: UInt8) {
                if byte < 64 { low |= 1 << UInt64(byte) } else { high |= 1 << UInt64(byte - 64) }
            }
            guard index < end, bytes[index] != UInt8(ascii: "^"), bytes[index] != UInt8(ascii: "]") else { return nil }
            while index < end, bytes[index] != UInt8(ascii: "]") {
                guard let first = classMember(end: end) else { return nil }
                if index + 1 < end, bytes[index] == UInt8(ascii: "-"), bytes[index + 1] != UInt8(ascii: "]") {
                    index += 1
                    guard let last = classMember(end: end), first <= last else { return nil }
                    for member in first ... last { insert(member) }
                } else {
                    insert(first)
                }
            }
            guard index < end else { return nil }
            index += 1
            return .set(low: low, high: high)
        }

        /// One character of a class: a printable ASCII byte, or an escaped punctuation character.
        /// `[` inside a class is refused (ICU reads it as a nested set).
        mutating func classMember(end: Int) -> UInt8? {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\\") {
                guard index + 1 < end, let literal = Self.escapedLiteral(bytes[index + 1]) else { return nil }
                index += 2
                return literal
            }
            guard byte > 0x20, byte < 0x7F, byte != UInt8(ascii: "["), byte != UInt8(ascii: "&") else { return nil }
            index += 1
            return byte
        }

        mutating func parseQuantifier(_ atom: Node, end: Int) -> Node? {
            guard index < end else { return atom }
            let node: Node
            switch bytes[index] {
            case UInt8(ascii: "?"): index += 1; node = .repetition(atom, minimum: 0, maximum: 1)
            case UInt8(ascii: "*"): index += 1; node = .repetition(atom, minimum: 0, maximum: nil)
            case UInt8(ascii: "+"): index += 1; node = .repetition(atom, minimum: 1, maximum: nil)
            case UInt8(ascii: "{"):
                index += 1
                guard let minimum = number(end: end) else { return nil }
                var maximum: Int? = minimum
                if index < end, bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    if index < end, bytes[index] == UInt8(ascii: "}") { maximum = nil } else {
                        guard let upper = number(end: end), upper >= minimum else { return nil }
                        maximum = upper
                    }
                }
                guard index < end, bytes[index] == UInt8(ascii: "}"), minimum <= 1_000 else { return nil }
                index += 1
                node = .repetition(atom, minimum: minimum, maximum: maximum)
            default:
                return atom
            }
            // A second quantifier (`??`, `*+`, `{2}{3}`) is lazy, possessive or an error: refused.
            if index < end, [UInt8(ascii: "?"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "{")].contains(bytes[index]) {
                return nil
            }
            return node
        }

        mutating func number(end: Int) -> Int? {
            var value = 0
            var digits = 0
            while index < end, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9"), digits < 5 {
                value = value * 10 + Int(bytes[index] - UInt8(ascii: "0"))
                digits += 1
                index += 1
            }
            return digits > 0 ? value : nil
        }

        static func single(_ byte: UInt8) -> Node {
            byte < 64 ? .set(low: 1 << UInt64(byte), high: 0) : .set(low: 0, high: 1 << UInt64(byte - 64))
        }

        /// Letters, digits and the punctuation with no meaning outside a class.
        static func isPlainLiteral(_ byte: UInt8) -> Bool {
            guard byte > 0x20, byte < 0x7F else { return false }
            return !"\\^$.|?*+()[]{}#".utf8.contains(byte)
        }

        /// The character `\c` stands for when `c` is punctuation; letters and digits (`\d`, `\w`,
        /// `\1`…) are classes or references, refused.
        static func escapedLiteral(_ byte: UInt8) -> UInt8? {
            "\\^$.|?*+()[]{}-/:@_,=!<>'\"&~%#;`".utf8.contains(byte) ? byte : nil
        }
    }
}
