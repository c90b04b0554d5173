"""A stand-in for the Kubernetes API server, for the Patroni test only.

Serves HTTPS on 127.0.0.1 and accepts what `role-label.py` sends: a JSON
merge patch of a pod's labels, with the service account's bearer token.
Each accepted patch is appended as one JSON line to the log file.

Usage: fake_kube_api.py PORT CERT KEY TOKEN LOG
"""
import http.server
import json
import ssl
import sys
import time

PORT, CERT, KEY, TOKEN, LOG = sys.argv[1:6]


class Handler(http.server.BaseHTTPRequestHandler):
    def do_PATCH(self):
        parts = self.path.strip("/").split("/")
        ok_path = len(parts) == 6 and parts[:3] == ["api", "v1", "namespaces"] and parts[4] == "pods"
        if not ok_path:
            return self.reply(404, {"reason": "NotFound"})
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            return self.reply(401, {"reason": "Unauthorized"})
        if self.headers.get("Content-Type") != "application/merge-patch+json":
            return self.reply(415, {"reason": "UnsupportedMediaType"})
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with open(LOG, "a") as log:
            log.write(json.dumps({"time": time.time(), "namespace": parts[3], "pod": parts[5], "labels": body["metadata"]["labels"]}) + "\n")
        self.reply(200, {"kind": "Pod"})

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", int(PORT)), Handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(CERT, KEY)
server.socket = context.wrap_socket(server.socket, server_side=True)
server.serve_forever()
