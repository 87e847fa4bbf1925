/// Token and position embeddings.
extension Tape {
    /// Row i is `tokenTable[tokens[i]] + positionTable[positions[i]]`.
    public func embed(tokens: [Int32], positions: [Int32], tokenTable: Tensor<S>, positionTable: Tensor<S>) -> Tensor<S> {
        precondition(tokens.count == positions.count && tokenTable.columns == positionTable.columns)
        precondition(tokens.allSatisfy { $0 >= 0 && Int($0) < tokenTable.rows }, "token outside the vocabulary")
        precondition(positions.allSatisfy { $0 >= 0 && Int($0) < positionTable.rows }, "position beyond the context")
        let d = tokenTable.columns
        let y = unwritten(rows: tokens.count, columns: d)   // every row is written
        let tokenBuffer = backend.upload(tokens), positionBuffer = backend.upload(positions)
        backend.embed(tokenTable: tokenTable.buffer, positionTable: positionTable.buffer, tokens: tokenBuffer,
                      positions: positionBuffer, rows: tokens.count, dimension: d, out: y.buffer)
        record(y) { [unowned self] dy in
            backend.embedBackward(dy, tokens: tokenBuffer, positions: positionBuffer, rows: tokens.count, dimension: d,
                                  dTokenTable: gradientBuffer(for: tokenTable),
                                  dPositionTable: gradientBuffer(for: positionTable))
        }
        return y
    }
}
