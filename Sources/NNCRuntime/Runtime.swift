// NNCRuntime: plans, the interpreter, learning rules, data.
// Datasets (NNCData) are part of its interface: its users see them through it.
@_exported import NNCData
