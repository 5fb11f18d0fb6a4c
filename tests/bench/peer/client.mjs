// A client of the automerge-repo sync server, one task per run, its documents in a storage folder
// (the Node file-system adapter). Prints one JSON line: {"ms": <time of the task>}.
//
// node client.mjs <task> <ws url> <storage folder> <plan.json>
//
// plan.json: {"docs": [{"id": "<uuid hex>", "save": "<file>", "changes": "<file>"|null,
//              "heads": ["<hex>", ...]}]}
// Tasks (the documents are loaded from the storage folder before the clock starts, as an app has
// them open; the clock stops when the task is done and the client's storage flushed):
//   upload   import every `save` file, then sync until the server's heads are ours for all
//   fetch    empty storage: find every document until its heads are `heads`
//   edit     apply every `changes` file (raw Automerge changes), then sync until the server
//            holds them (its heads are ours for every document)
//   catchup  sync until every document's heads are `heads`
import fs from "node:fs"
import * as A from "@automerge/automerge"
import { Repo, interpretAsDocumentId } from "@automerge/automerge-repo"
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket"
import { NodeFSStorageAdapter } from "@automerge/automerge-repo-storage-nodefs"

const [task, url, dir, planFile] = process.argv.slice(2)
const plan = JSON.parse(fs.readFileSync(planFile, "utf8"))
const docId = hex => interpretAsDocumentId(Uint8Array.from(Buffer.from(hex.replaceAll("-", ""), "hex")))
const same = (a, b) => a.length === b.length && [...a].sort().join() === [...b].sort().join()
const repo = new Repo({ storage: new NodeFSStorageAdapter(dir), network: [] })

const handles = []
if (task === "upload") {
  for (const d of plan.docs) handles.push(repo.import(fs.readFileSync(d.save), { docId: docId(d.id) }))
  await repo.flush()
} else if (task !== "fetch") {
  handles.push(...(await Promise.all(plan.docs.map(d => repo.find(docId(d.id))))))
}
if (task === "edit") {
  plan.docs.forEach((d, i) => {
    if (d.changes) handles[i].update(doc => A.loadIncremental(doc, fs.readFileSync(d.changes)))
  })
  await repo.flush()
}

const start = performance.now()
repo.networkSubsystem.addNetworkAdapter(new WebSocketClientAdapter(url))
const until = (handle, done) =>
  new Promise(resolve => {
    const check = () => done() && (handle.off("remote-heads", check), handle.off("heads-changed", check), resolve())
    handle.on("remote-heads", check)
    handle.on("heads-changed", check)
    check()
  })
if (task === "upload" || task === "edit") {
  const [server] = await new Promise(resolve => {
    const check = () => repo.peers.length && repo.getStorageIdOfPeer(repo.peers[0]) && resolve(repo.peers)
    repo.networkSubsystem.on("peer", check)
    check()
  })
  const storage = repo.getStorageIdOfPeer(server)
  await Promise.all(
    handles.map(h => until(h, () => same(h.getSyncInfo(storage)?.lastHeads ?? [], h.heads()))),
  )
} else {
  if (task === "fetch") handles.push(...(await Promise.all(plan.docs.map(d => repo.find(docId(d.id))))))
  await Promise.all(
    handles.map((h, i) => until(h, () => same(A.getHeads(h.doc()), plan.docs[i].heads))),
  )
}
await repo.flush()
const ms = performance.now() - start
console.log(JSON.stringify({ ms }))
process.exit(0)
