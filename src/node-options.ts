// The Node.js flags the controller process runs with: in the addon's Deployment (as
// NODE_OPTIONS) and wherever the tests, the demo and the benchmark start it, so what we measure
// is what ships.
//
// V8 grows the young generation's semi-spaces up to 16 MiB each under allocation pressure, and
// a reconcile burst (informer events, JSON bodies) is exactly that; the pages stay resident
// afterwards. Capped at 2 MiB, short-lived garbage is collected sooner at no CPU cost we could
// measure: `npm run bench -- --quick` peak RSS 120 → 93 MiB, CPU seconds 7.9 → 6.2.
export const controllerNodeOptions = "--max-semi-space-size=2";
