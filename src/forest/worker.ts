import { parentPort } from 'node:worker_threads';
import type { BinnedData } from './binning.ts';
import { growTree } from './tree.ts';
import type { GrowRequest, WorkerMessage } from './pool.ts';

let data: BinnedData | undefined;

parentPort!.on('message', (message: WorkerMessage) => {
  if (message.type === 'data') {
    data = message.data;
    return;
  }
  const request: GrowRequest = message;
  if (!data) throw new Error('worker got a tree job before its data');
  const tree = growTree(data, request.params, request.seed, request.rows);
  const buffers = [tree.feature, tree.threshold, tree.left, tree.value, tree.cover].map((a) => a.buffer as ArrayBuffer);
  parentPort!.postMessage({ type: 'tree', job: request.job, tree }, buffers);
});
