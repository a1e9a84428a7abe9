/// Markdown generated from the tables, so the docs cannot drift from the code:
/// docs/diagnostics.md (every code) and docs/spec-reference.md (every key).
/// Tests compare the committed files with these.
public enum ReferenceDocs {
    public static func diagnostics() -> String {
        var out = """
        # Diagnostic codes

        Generated from `Sources/NNCSpec/DiagnosticCodes.swift` (a test keeps this file in step;
        regenerate with `swift run nnc explain --markdown > docs/diagnostics.md`).
        `nnc explain CODE` prints the same text in the terminal.

        Ranges: E00xx the file and its YAML, E01xx spec structure, E02xx the model graph,
        E03xx shapes, E04xx data, E05xx learning rules and training; W for warnings
        (errors with `--werror`).

        | code | title |
        |---|---|

        """
        for c in DiagnosticCodes.all { out += "| [\(c.code)](#\(c.code.lowercased())) | \(c.title) |\n" }
        for c in DiagnosticCodes.all {
            out += "\n## \(c.code)\n\n**\(c.title)**\n\n\(c.explanation)\n\nExample:\n\n```yaml\n\(c.example)\n```\n\nFix: \(c.fix)\n"
        }
        return out
    }

    public static func specReference() -> String {
        var out = """
        # Spec reference (generated)

        Every key of spec v1 with its type, default and meaning, generated from
        `Sources/NNCSpec/SpecSchema.swift` — the same tables the checker and
        `nnc schema` use (a test keeps this file in step; regenerate with
        `swift run nnc schema --markdown > docs/spec-reference.md`). See
        `docs/spec.md` for the language itself and the choices behind it.

        """
        out += section("Top level", SpecSchema.root.fields)
        out += section("data", SpecSchema.dataSchema.fields)
        out += "\n## Built-in sources\n\nOptions are written beside `source:`.\n\n| source | options |\n|---|---|\n"
        for (name, fields) in SpecSchema.builtinSources {
            let options = fields.map { "`\($0.name)`" + ($0.defaultValue.map { " (\($0))" } ?? "") + ": \($0.doc)" }
            out += "| `\(name)` | \(options.isEmpty ? "—" : options.joined(separator: "; ")) |\n"
        }
        out += section("model", SpecSchema.modelSchema.fields)
        out += "\n## Layers\n\nEvery layer also takes `name` and `from`.\n"
        for c in SpecSchema.layerSchema.cases {
            out += "\n### `\(c.name)`\n\n\(c.doc).\(c.bareAllowed ? " May be written bare: `- \(c.name)`." : "")\n"
            if case .object(let o)? = c.payload, !o.fields.isEmpty {
                out += "\n" + table(o.fields)
                for group in o.exactlyOneOf { out += "\nExactly one of \(group.map { "`\($0)`" }.joined(separator: ", ")).\n" }
            }
        }
        out += section("train", SpecSchema.trainSchema.fields)
        out += variantSection("Optimizers", SpecSchema.optimizerSchema)
        out += variantSection("Schedules", SpecSchema.scheduleSchema)
        out += variantSection("Initializers", SpecSchema.initSchema)
        out += section("evaluate", SpecSchema.evaluateSchema.fields)
        return out
    }

    static func section(_ title: String, _ fields: [Field]) -> String {
        "\n## \(title)\n\n" + table(fields)
    }

    static func table(_ fields: [Field]) -> String {
        var out = "| key | type | default | meaning |\n|---|---|---|---|\n"
        for f in fields {
            let def = f.required ? "required" : f.defaultValue.map { "`\($0)`" } ?? "—"
            out += "| `\(f.name)` | \(f.type.summary.replacingBars()) | \(def) | \(f.doc.replacingBars()) |\n"
        }
        return out
    }

    static func variantSection(_ title: String, _ type: SchemaType) -> String {
        guard case .variant(let v) = type else { return "" }
        var out = "\n## \(title)\n\n"
        for c in v.cases {
            out += "- `\(c.name)`\(c.bareAllowed ? "" : " (needs options)"): \(c.doc)\n"
            if case .object(let o)? = c.payload, !o.fields.isEmpty {
                out += o.fields.map { "  - `\($0.name)`" + ($0.required ? " (required)" : $0.defaultValue.map { " (default `\($0)`)" } ?? "") + ": \($0.doc)" }
                    .joined(separator: "\n") + "\n"
            }
        }
        return out
    }
}

extension String {
    func replacingBars() -> String { split(separator: "|", omittingEmptySubsequences: false).joined(separator: "\\|") }
}
