import Foundation
import XCTest

/// `nnc check` as a gate on a stranger's pull request (issue 11, cases 1–7):
/// the real binary on hostile folders built in a temporary directory.
final class HostileSpecTests: XCTestCase {
    static let formats = ["text", "json", "github", "sarif"]
    static let token = "NNC_FAKE_SECRET_7f3a9c"
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("nnc-hostile-\(getpid())-\(name.hashValue)")
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        // Undo chmod 000 before removing.
        if let all = FileManager.default.enumerator(atPath: folder.path) {
            for case let path as String in all { chmod(folder.appendingPathComponent(path).path, 0o755) }
        }
        try? FileManager.default.removeItem(at: folder)
    }

    @discardableResult
    func write(_ path: String, _ text: String) throws -> URL {
        let url = folder.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: false, encoding: .utf8)
        return url
    }

    func link(_ path: String, to target: String) throws {
        try FileManager.default.createSymbolicLink(atPath: folder.appendingPathComponent(path).path, withDestinationPath: target)
    }

    static let clean = """
        nnc: 1
        data: {source: iris}
        model:
          input: [4]
          layers:
            - dense: {units: 3}
            - softmax
        train: {loss: cross_entropy, epochs: 1}

        """

    // 1. Symlinks out of the folder (or the repository) are not read.
    func testSymlinksOutOfTheFolderAreNotReadInAnyFormat() throws {
        try write("secret", "\(Self.token)=1\nline2 \(Self.token)\n")
        try write("outside/spec.yaml", "nnc: 1\n\(Self.token): 1\n")
        try write("repo/specs/ok.yaml", Self.clean)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("repo/.git"), withIntermediateDirectories: true)
        try link("repo/specs/env.yaml", to: "../../secret")
        try link("repo/specs/passwd.yml", to: folder.appendingPathComponent("secret").path)
        try link("repo/specs/outside", to: "../../outside")
        try link("repo/specs/same.yaml", to: "ok.yaml")  // inside: read
        let repo = folder.appendingPathComponent("repo")
        for format in Self.formats {
            let r = try NNCProcess.run(["check", "--format", format, "specs"], in: repo)
            XCTAssertEqual(r.status, 2, format)
            let all = r.stdout + r.stderr
            XCTAssertFalse(all.contains(Self.token), "\(format) leaks the target:\n\(all)")
            XCTAssertFalse(all.contains("/secret"), "\(format) names the target")
            for name in ["specs/env.yaml", "specs/passwd.yml", "specs/outside"] {
                XCTAssertTrue(all.contains(name), "\(format) does not name \(name)")
            }
        }
        let text = try NNCProcess.run(["check", "specs"], in: repo)
        XCTAssertTrue(text.stderr.contains("specs/env.yaml: error[E0001]: specs/env.yaml is a symbolic link to a file outside specs"), text.stderr)
        XCTAssertTrue(text.stderr.hasSuffix("error: 3 errors in 5 files\n"), "ok.yaml and same.yaml are checked:\n\(text.stderr)")
        // Named directly: outside the enclosing git work tree is not read either; inside it is.
        for format in Self.formats {
            let r = try NNCProcess.run(["check", "--format", format, "specs/env.yaml"], in: repo)
            XCTAssertEqual(r.status, 2)
            XCTAssertFalse((r.stdout + r.stderr).contains(Self.token), "\(format): \(r.stdout + r.stderr)")
        }
        XCTAssertEqual(try NNCProcess.run(["check", "specs/same.yaml"], in: repo).status, 0)
        // Written outside the repository: the user's choice, unless the file itself is a link out.
        try write("elsewhere/clean.yaml", Self.clean)
        try link("elsewhere/link.yaml", to: "../secret")
        XCTAssertEqual(try NNCProcess.run(["check", folder.appendingPathComponent("elsewhere/clean.yaml").path], in: repo).status, 0)
        let outsideLink = try NNCProcess.run(["check", folder.appendingPathComponent("elsewhere/link.yaml").path], in: repo)
        XCTAssertEqual(outsideLink.status, 2)
        XCTAssertFalse((outsideLink.stdout + outsideLink.stderr).contains(Self.token))
    }

    // 2. Terminal escapes and forged lines are shown escaped in text output; run's messages too.
    func testEscapesAndNewlinesAreShownVisibly() throws {
        try write("specs/evil\u{1B}[2J.yaml", """
            nnc: 1
            model:
              input: [4]
              layers:
                - dense: {units: 3}
                - softmax: {from: "x\\nspecs/ok.yaml:1:1: note: all specs verified OK\\e]52;c;aGk=\\u0007\\u202E"}

            """)
        let r = try NNCProcess.run(["check", "specs"], in: folder)
        XCTAssertEqual(r.status, 1)
        XCTAssertFalse(r.stderr.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x202E }, r.stderr)
        XCTAssertFalse(r.stderr.split(separator: "\n").contains { $0.hasPrefix("specs/ok.yaml") }, "a forged line:\n\(r.stderr)")
        XCTAssertTrue(r.stderr.hasPrefix("specs/evil\\e[2J.yaml:6:23: error[E0201]: 'from' names 'x\\nspecs/ok.yaml:1:1: note: all specs verified OK\\e]52;c;aGk=\\u{7}\\u{202E}'"), r.stderr)
        // JSON keeps the exact text (escaped the JSON way).
        let json = try NNCProcess.run(["check", "--format", "json", "specs"], in: folder)
        XCTAssertTrue(json.stdout.contains("specs/evil\\u001b[2J.yaml"), json.stdout)

        // Layer names reach summary's table and run's report on stdout.
        try write("named.yaml", Self.clean.replacingOccurrences(of: "{units: 3}", with: "{units: 3, name: \"a\\e[2Jb\"}"))
        let summary = try NNCProcess.run(["summary", "named.yaml"], in: folder)
        XCTAssertEqual(summary.status, 0, summary.stderr)
        XCTAssertFalse(summary.stdout.contains("\u{1B}"))
        XCTAssertTrue(summary.stdout.contains("\na\\e[2Jb "), summary.stdout)

        try write("data/x.csv", "1,2,3,4,0\n1,2,\u{1B}]52;c;aGk=\u{07},4,1\n")
        try write("run.yaml", Self.clean.replacingOccurrences(of: "{source: iris}", with: "{csv: {path: data/x.csv}}"))
        let run = try NNCProcess.run(["run", "--quiet", "run.yaml"], in: folder)
        XCTAssertEqual(run.status, 3, run.stderr)
        XCTAssertFalse(run.stderr.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 }, run.stderr)
        XCTAssertTrue(run.stderr.contains("'\\e]52;c;aGk=\\u{7}' is not a number"), run.stderr)
    }

    // 3. Output proportional to input: long lines are cut, at most 100 diagnostics per file.
    func testThreeThousandUnknownKeysOnOneLineGiveSmallOutput() throws {
        let keys = (0..<3000).map { "k\($0): 1" }.joined(separator: ", ")
        try write("many.yaml", "nnc: 1\nmodel: {input: [4], layers: [{dense: {units: 3, \(keys)}}]}\n")
        let text = try NNCProcess.run(["check", "many.yaml"], in: folder)
        XCTAssertEqual(text.status, 1)
        XCTAssertLessThan(text.stderr.utf8.count, 100_000)
        XCTAssertEqual(text.stderr.components(separatedBy: "error[E0101]").count - 1, 100)
        XCTAssertTrue(text.stderr.contains("many.yaml: note: and 2900 more errors in this file (nnc shows the first 100 per file)\n"))
        XCTAssertTrue(text.stderr.hasSuffix("error: 3000 errors in 1 file\n"), String(text.stderr.suffix(200)))
        // The window around the caret of k1500 (column 49 + 7·1000 + 8·500 = ...): cut on both sides.
        XCTAssertTrue(text.stderr.contains("2 | …"), "long line not cut")

        let json = try NNCProcess.run(["check", "--format", "json", "many.yaml"], in: folder)
        XCTAssertLessThan(json.stdout.utf8.count, 100_000)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(object["errors"] as? Int, 3000)
        XCTAssertEqual((object["diagnostics"] as? [Any])?.count, 100)
        let omitted = try XCTUnwrap(object["omitted"] as? [[String: Any]])
        XCTAssertEqual(omitted.first?["errors"] as? Int, 2900)

        let github = try NNCProcess.run(["check", "--format", "github", "many.yaml"], in: folder)
        let lines = github.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 101)
        XCTAssertEqual(lines.last, "::notice file=many.yaml,title=nnc::and 2900 more errors in this file (nnc shows the first 100 per file)")

        let sarif = try NNCProcess.run(["check", "--format", "sarif", "many.yaml"], in: folder)
        XCTAssertLessThan(sarif.stdout.utf8.count, 200_000)
        let log = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(sarif.stdout.utf8)) as? [String: Any])
        let run = try XCTUnwrap((log["runs"] as? [[String: Any]])?.first)
        XCTAssertEqual((run["results"] as? [Any])?.count, 100)
        let notification = try XCTUnwrap(((run["invocations"] as? [[String: Any]])?.first?["toolExecutionNotifications"] as? [[String: Any]])?.first)
        XCTAssertEqual((notification["message"] as? [String: Any])?["text"] as? String,
                       "and 2900 more errors in this file (nnc shows the first 100 per file)")
    }

    /// Runs nnc as user nobody when the tests run as root (root reads any folder).
    func runUnprivileged(_ arguments: [String]) throws -> NNCProcess.Output {
        guard getuid() == 0 else { return try NNCProcess.run(arguments, in: folder) }
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else { throw XCTSkip("root, and no setpriv to drop it") }
        chmod(folder.path, 0o755)
        return try NNCProcess.run(arguments, in: folder, launcher: ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"])
    }

    // 4. An unreadable folder or subfolder is an error (exit 2), never a pass.
    func testUnreadableFoldersAreErrors() throws {
        try write("specs/ok.yaml", Self.clean)
        try write("specs/locked/bad.yaml", "nnc: 1\nmodel: {}\n")
        try write("closed/bad.yaml", "nnc: 1\nmodel: {}\n")
        chmod(folder.appendingPathComponent("specs/locked").path, 0)
        chmod(folder.appendingPathComponent("closed").path, 0)
        let sub = try runUnprivileged(["check", "specs"])
        XCTAssertEqual(sub.status, 2, sub.stderr)
        XCTAssertTrue(sub.stderr.contains("specs/locked: error[E0001]: cannot read the folder specs/locked: permission denied"), sub.stderr)
        let top = try runUnprivileged(["check", "--format", "json", "closed"])
        XCTAssertEqual(top.status, 2, top.stdout + top.stderr)
        XCTAssertTrue(top.stdout.contains("cannot read the folder closed"), top.stdout)
    }

    // 5. Bounded before reading: size first, FIFOs and devices named and not read.
    func testFIFOsDevicesAndHugeFilesAreNotRead() throws {
        try write("specs/ok.yaml", Self.clean)
        XCTAssertEqual(mkfifo(folder.appendingPathComponent("specs/pipe.yaml").path, 0o644), 0)
        try link("specs/zero.yaml", to: "/dev/zero")
        let huge = folder.appendingPathComponent("specs/huge.yaml").path
        XCTAssertTrue(FileManager.default.createFile(atPath: huge, contents: Data("nnc: 1\n".utf8)))
        XCTAssertEqual(truncate(huge, 3 << 30), 0, "a sparse 3 GiB file")  // read, it would take seconds and gigabytes
        let r = try NNCProcess.run(["check", "specs"], in: folder)
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("specs/pipe.yaml: error[E0001]: specs/pipe.yaml is a FIFO (named pipe), not a spec file; not read"), r.stderr)
        XCTAssertTrue(r.stderr.contains("specs/zero.yaml: error[E0001]: specs/zero.yaml is a symbolic link to a file outside specs"), r.stderr)
        XCTAssertTrue(r.stderr.contains("specs/huge.yaml: error[E0010]: the file is 3072 MiB; nnc reads spec files up to 16 MiB"), r.stderr)
        let device = try NNCProcess.run(["check", "/dev/zero"], in: folder)
        XCTAssertEqual(device.status, 2)
        XCTAssertEqual(device.stderr, "/dev/zero: error[E0001]: /dev/zero is a device, not a spec file; not read\nerror: 1 error in 1 file\n")
        let pipe = try NNCProcess.run(["run", "specs/pipe.yaml"], in: folder)
        XCTAssertEqual(pipe.status, 2, "run reads specs the same bounded way")
    }

    // 6. Independent warnings are reported beside errors in the same file.
    func testWarningsAreReportedWithErrors() throws {
        try write("w.yaml", Self.clean.replacingOccurrences(of: "train: {loss: cross_entropy, epochs: 1}",
                                                            with: "train: {loss: cross_entropy, epocs: 1, optimizer: {sgd: {lr: 100}}}"))
        let r = try NNCProcess.run(["check", "w.yaml"], in: folder)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("w.yaml:8:30: error[E0101]: unknown key 'epocs' in 'train'"), r.stderr)
        XCTAssertTrue(r.stderr.contains("w.yaml:8:51: warning[W0501]: learning rate 100 is unusually large"), r.stderr)
        XCTAssertTrue(r.stderr.hasSuffix("error: 1 error and 1 warning in 1 file\n"), r.stderr)
    }

    // 7. `nnc summary` of an empty folder says why (exit 2).
    func testSummaryOfAnEmptyFolderSaysWhy() throws {
        try write("empty/notes.yml", "repos: []\n")
        let r = try NNCProcess.run(["summary", "empty"], in: folder)
        XCTAssertEqual(r.status, 2)
        XCTAssertEqual(r.stderr, "error: no spec file (*.yaml, *.yml) in empty (1 YAML file without 'nnc:' skipped)\n")
        XCTAssertEqual(r.stdout, "")
    }

    // The pre-commit convention: non-spec YAML reached through a folder is skipped and said to be.
    func testNonSpecYAMLInAFolderIsSkippedButCheckedWhenNamed() throws {
        try write("specs/ok.yaml", Self.clean)
        try write("specs/.pre-commit-config.yaml", "repos:\n  - repo: local\n")
        try write("specs/flow.yaml", "{nnc: 1, model: {input: [2], layers: [softmax]}}\n")
        let r = try NNCProcess.run(["check", "specs"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, """
            specs/.pre-commit-config.yaml: note: skipped: no top-level 'nnc:' key, so not an nnc spec (name the file to check it anyway)
            no errors or warnings in 2 files

            """)
        let json = try NNCProcess.run(["check", "--format", "json", "specs"], in: folder)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(object["skipped"] as? [String], ["specs/.pre-commit-config.yaml"])
        let github = try NNCProcess.run(["check", "--format", "github", "specs"], in: folder)
        XCTAssertEqual(github.stdout, "::notice title=nnc::skipped 1 YAML file without a top-level 'nnc:' key (not nnc specs): specs/.pre-commit-config.yaml\n")
        // Many non-spec files: 20 named, the rest counted.
        for i in 0..<25 { try write("specs/k8s/m\(i).yaml", "kind: Pod\n") }
        let many = try NNCProcess.run(["check", "specs"], in: folder)
        XCTAssertEqual(many.stderr.components(separatedBy: "note: skipped").count - 1, 20)
        XCTAssertTrue(many.stderr.contains("\nnote: and 6 more YAML files skipped (no top-level 'nnc:' key)\n"), many.stderr)
        let named = try NNCProcess.run(["check", "specs/.pre-commit-config.yaml"], in: folder)
        XCTAssertEqual(named.status, 1)
        XCTAssertTrue(named.stderr.contains("error[E0101]: unknown key 'repos'"), named.stderr)
    }

    // Kept: check opens no data file (a FIFO as the CSV would block it) and writes nothing.
    func testCheckOpensNoDataFileAndWritesNothing() throws {
        try write("spec.yaml", Self.clean.replacingOccurrences(of: "{source: iris}", with: "{csv: {path: data.csv}}"))
        XCTAssertEqual(mkfifo(folder.appendingPathComponent("data.csv").path, 0o644), 0)
        let before = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        let r = try NNCProcess.run(["check", "spec.yaml"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted(), before)
    }
}
