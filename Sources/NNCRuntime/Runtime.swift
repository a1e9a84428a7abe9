// NNCRuntime: plans, the interpreter, learning rules, data.
