// The automerge-repo sync server as its official package (automerge/automerge-repo-sync-server)
// builds it: a Repo with the Node WebSocket server adapter and the Node file-system storage
// adapter, a share policy that announces nothing, the WebSocket server on an HTTP server's upgrade.
// The one addition: SIGTERM flushes the repo before exiting, so a restart finds what was acknowledged.
//
// node server.mjs <port> <data folder>
import http from "node:http"
import os from "node:os"
import { WebSocketServer } from "ws"
import { Repo } from "@automerge/automerge-repo"
import { NodeWSServerAdapter } from "@automerge/automerge-repo-network-websocket"
import { NodeFSStorageAdapter } from "@automerge/automerge-repo-storage-nodefs"

const [port, dir] = process.argv.slice(2)
const socket = new WebSocketServer({ noServer: true })
const repo = new Repo({
  network: [new NodeWSServerAdapter(socket)],
  storage: new NodeFSStorageAdapter(dir),
  peerId: `storage-server-${os.hostname()}`,
  sharePolicy: async () => false,
})
const server = http.createServer((_, res) => res.end("automerge-repo sync server"))
server.on("upgrade", (request, sock, head) => {
  socket.handleUpgrade(request, sock, head, ws => socket.emit("connection", ws, request))
})
server.listen(Number(port), "127.0.0.1", () => console.log(`listening ${port}`))
process.on("SIGTERM", async () => {
  await repo.flush()
  process.exit(0)
})
