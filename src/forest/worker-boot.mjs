// Worker threads do not inherit the TypeScript loader: register it, then load the real worker.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
// The tree pool's worker, or the second thread of a two-thread boosting run.
await import(workerData?.entry === 'boost-peer' ? './boost-peer-worker.ts' : './worker.ts');
