// SwiftPM synthesizes Bundle.module for NNCRuntime's resources; the fuzz build
// compiles the module with swiftc directly, so it points at the source folder.
import Foundation

extension Bundle {
    static let module: Bundle = Bundle(path: FileManager.default.currentDirectoryPath + "/Sources/NNCRuntime") ?? .main
}
