import ArgumentParser
import NNCSpec

struct Schema: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the JSON Schema (draft 2020-12) of the spec language, for editors.",
        discussion: "Save it and point your editor at it, e.g. '# yaml-language-server: $schema=nnc.schema.json'.")

    @Flag(help: "Print the spec reference as Markdown (docs/spec-reference.md) instead.")
    var markdown = false

    func run() throws {
        print(markdown ? ReferenceDocs.specReference() : JSONSchemaExport.text(), terminator: "")
    }
}
