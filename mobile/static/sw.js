// Terrain's service worker: keeps the app shell so the tablet app opens with no network.
// The build (scripts/build-app.sh) replaces BUILD_ID, so each build gets its own cache and the
// old one is dropped once the new worker takes over. Only the app's own files are handled: sync
// and login requests (/v1/...) always go to the network.
//
// Updates never swap code under a running session: a new worker installs its cache and then
// waits until no page of the app is open (the next start), or until the advisor taps "Update"
// (the page sends "skip-waiting", then reloads once the new worker controls it).
const CACHE = "terrain-app-BUILD_ID";
const SHELL = [
  "./",
  "index.html",
  "app.css",
  "manifest.webmanifest",
  "icon.svg",
  "pkg/terrain_mobile.js",
  "pkg/terrain_mobile_bg.wasm",
];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.addAll(SHELL)),
  );
});

self.addEventListener("message", (event) => {
  if (event.data === "skip-waiting") {
    self.skipWaiting();
  }
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(
        keys.filter((k) => k.startsWith("terrain-app-") && k !== CACHE).map((k) => caches.delete(k)),
      ))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  const scope = new URL(self.registration.scope);
  if (event.request.method !== "GET" || url.origin !== scope.origin || !url.pathname.startsWith(scope.pathname)) {
    return;
  }
  event.respondWith(
    caches.open(CACHE).then(async (cache) => {
      const cached = await cache.match(event.request, { ignoreSearch: true });
      return cached || fetch(event.request);
    }),
  );
});
