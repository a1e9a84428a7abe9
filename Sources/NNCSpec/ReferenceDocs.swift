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
        E03xx shapes, E04xx data, E05xx learning rules and training, E06xx data files; W for warnings
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
        out += section("Top level", SpecSchema.root.fields, skip: ["data", "model", "train", "evaluate"])
        out += section("data", SpecSchema.dataSchema.fields, skip: ["train", "test"])
        out += "\n`data.train` and `data.test` each take the dataset keys of the first table (all but `train`, `test` and `split`).\n"
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
                out += "\n" + table(o.fields, path: c.name)
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

    static func section(_ title: String, _ fields: [Field], skip: Set<String> = []) -> String {
        "\n## \(title)\n\n" + table(fields, skip: skip)
    }

    /// The keys of `fields`, then a table of its own for each key whose value
    /// is (or may be) a mapping, named by its dotted path (`csv`, `rnn.output`);
    /// keys in `skip` have a section elsewhere.
    static func table(_ fields: [Field], path: String = "", skip: Set<String> = []) -> String {
        var out = "| key | type | default | meaning |\n|---|---|---|---|\n"
        for f in fields {
            let def = f.required ? "required" : f.defaultValue.map { "`\($0)`" } ?? "—"
            out += "| `\(f.name)` | \(f.type.summary.replacingBars()) | \(def) | \(f.doc.replacingBars()) |\n"
        }
        for f in fields where !skip.contains(f.name) {
            let name = path.isEmpty ? f.name : path + "." + f.name
            for o in objects(in: f.type) where !o.fields.isEmpty {
                out += "\n#### `\(name)`\n\n\(f.doc.prefix(1).uppercased() + f.doc.dropFirst()).\n\n" + table(o.fields, path: name)
                for group in o.exactlyOneOf { out += "\nExactly one of \(group.map { "`\($0)`" }.joined(separator: ", ")).\n" }
            }
        }
        return out
    }

    /// The mappings a value of type `t` may be.
    static func objects(in t: SchemaType) -> [ObjectSchema] {
        switch t {
        case .object(let o): return [o]
        case .anyOf(let alternatives): return alternatives.flatMap(objects(in:))
        case .list(let element, _, _): return objects(in: element)
        case .bool, .integer, .number, .text, .keyword, .shape, .variant: return []
        }
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
