// The loader fuzz targets compile the data readers without the engine; the
// readers poll `Cancellation` (Sources/NNCRuntime/Cancellation.swift), which
// throws the engine's `RunError.interrupted`. This stands in for it.
enum RunError: Error { case interrupted }
