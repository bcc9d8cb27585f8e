extension RandomAccessCollection where Index == Int {
    /// The first index whose element is not `before`, in a collection where every element that
    /// is `before` comes ahead of every element that is not (e.g. `{ $0.seq <= seq }` over a list
    /// ascending by seq); `endIndex` when all are. A binary search: the rules look up seqs, rates
    /// and flag ids this way many times per evaluation, so one careful copy serves them all.
    func partitionPoint(where before: (Element) -> Bool) -> Int {
        var low = startIndex, high = endIndex
        while low < high {
            let middle = low + (high - low) / 2
            if before(self[middle]) { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
