/// The members of a JSON object, kept in RFC 8785 canonical order at all times.
///
/// Keys are unique and sorted by their UTF-16 code units (RFC 8785 §3.2.3), so iteration order,
/// equality, hashing and serialization never depend on how the object was built. Keys are
/// compared by Unicode scalars: `"Å"` and `"A\u{30A}"` are two different keys, as in JSON.
/// Lookups are binary searches.
public struct JSONObject: Sendable, Hashable, Sequence {
    /// One member. Internal so that the sorted, duplicate-free invariant cannot be broken.
    struct Member: Sendable {
        var key: String
        var value: JSONValue
    }

    /// Sorted by key in UTF-16 order, no two keys equal.
    private(set) var members: [Member]

    /// An empty object.
    public init() {
        members = []
    }

    /// An object with the given members, in any order.
    ///
    /// - Throws: ``JSONError`` naming the key if two members have the same key.
    public init(_ members: [(String, JSONValue)]) throws(JSONError) {
        var sorted = members.map { Member(key: $0.0, value: $0.1) }
        try Self.sortAndCheck(&sorted)
        self.members = sorted
    }

    /// Members already sorted and free of duplicates (the parser has checked).
    init(sortedMembers: [Member]) {
        members = sortedMembers
    }

    /// For dictionary literals: a duplicate key is a programming error.
    init(literalMembers: [(String, JSONValue)]) {
        do {
            try self.init(literalMembers)
        } catch {
            preconditionFailure("JSON object literal: \(error)")
        }
    }

    private static func sortAndCheck(_ members: inout [Member]) throws(JSONError) {
        if !isStrictlyAscending(members) {
            members.sort { UTF16Order.precedes($0.key, $1.key) }
            if let duplicate = firstAdjacentDuplicate(members) {
                throw JSONError(reason: "duplicate key \(CanonicalWriter.quoted(duplicate))")
            }
        }
    }

    /// Whether every key sorts strictly after the previous one (already canonical, no duplicates).
    static func isStrictlyAscending(_ members: some Collection<Member>) -> Bool {
        var previous: String?
        for member in members {
            if let previous, UTF16Order.compare(previous, member.key) >= 0 { return false }
            previous = member.key
        }
        return true
    }

    /// The first key that occurs twice in a sorted member list.
    static func firstAdjacentDuplicate(_ members: some Collection<Member>) -> String? {
        var previous: String?
        for member in members {
            if let previous, UTF16Order.compare(previous, member.key) == 0 { return member.key }
            previous = member.key
        }
        return nil
    }

    /// Index of `key` if present, otherwise the index where it would be inserted.
    private func search(_ key: String) -> (found: Bool, index: Int) {
        StringBytes.withUTF8(key) { keyBytes in
            var low = 0
            var high = members.count
            while low < high {
                let middle = (low + high) / 2
                let order = StringBytes.withUTF8(members[middle].key) { UTF16Order.compare($0, keyBytes) }
                if order < 0 {
                    low = middle + 1
                } else if order > 0 {
                    high = middle
                } else {
                    return (true, middle)
                }
            }
            return (false, low)
        }
    }

    /// The value for `key`, or `nil` if absent. Setting inserts or replaces the member in its
    /// canonical place; setting `nil` removes it (use `.null` to store a JSON null).
    public subscript(key: String) -> JSONValue? {
        get {
            let (found, index) = search(key)
            // Not `found ? value : nil`: there `nil` would be taken as JSONValue's nil literal,
            // i.e. `.some(.null)`.
            guard found else { return .none }
            return members[index].value
        }
        set {
            let (found, index) = search(key)
            switch (found, newValue) {
            case (true, let value?): members[index].value = value
            case (false, let value?): members.insert(Member(key: key, value: value), at: index)
            case (true, .none): members.remove(at: index)
            case (false, .none): break
            }
        }
    }

    /// The keys in canonical order.
    public var keys: [String] { members.map(\.key) }

    /// The values in canonical key order.
    public var values: [JSONValue] { members.map(\.value) }

    /// The number of members.
    public var count: Int { members.count }

    /// Whether the object has no members.
    public var isEmpty: Bool { members.isEmpty }

    // MARK: Sequence

    public typealias Element = (key: String, value: JSONValue)

    /// Iterates members in canonical order.
    public struct Iterator: IteratorProtocol {
        var base: IndexingIterator<[Member]>

        public mutating func next() -> Element? {
            guard let member = base.next() else { return nil }
            return (member.key, member.value)
        }
    }

    public func makeIterator() -> Iterator {
        Iterator(base: members.makeIterator())
    }

    public var underestimatedCount: Int { members.count }

    // MARK: Hashable

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.members.count == rhs.members.count else { return false }
        for (left, right) in zip(lhs.members, rhs.members) {
            guard StringBytes.equal(left.key, right.key), left.value == right.value else { return false }
        }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(members.count)
        for member in members {
            StringBytes.hash(member.key, into: &hasher)
            hasher.combine(member.value)
        }
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    /// Builds an object; a literal with a duplicate key is a programming error and traps,
    /// as it does for `Dictionary`.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(literalMembers: elements)
    }
}

extension JSONObject: CustomStringConvertible {
    /// The canonical (RFC 8785) text of the object.
    public var description: String { JSONValue.object(self).description }
}
