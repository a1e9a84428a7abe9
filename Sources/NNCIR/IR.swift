// NNCIR: the IR graph and its passes.
