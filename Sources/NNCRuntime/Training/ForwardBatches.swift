extension Plan {
    /// Runs the plan forward (evaluation mode: no noise, no dropout) over
    /// every example of `data` in plan-sized batches; after each batch calls
    /// `body` with the batch's example indices and size, while the plan's
    /// buffers hold that batch's values (row r is example indices[r]).
    /// A cancelled run stops early; the caller's `Cancellation.check()` discards the partial pass.
    func forwardInBatches(_ data: Dataset, _ body: (ArraySlice<Int>, Int) -> Void) {
        var start = 0
        while start < data.count && !Cancellation.isRequested {
            let n = min(batch, data.count - start)
            let indices = Array(start..<(start + n))[...]
            loadInputs(data, indices)
            forward(n, training: false)
            body(indices, n)
            start += n
        }
    }
}
