import { parentPort } from 'node:worker_threads';
import type { BinnedData } from './binning.ts';
import { growTree } from './tree.ts';
import { trainBoosting } from './boost.ts';
import type { WorkerMessage, WorkerReply } from './pool.ts';
import type { GrownTree } from '../model/flat.ts';

let data: BinnedData | undefined;

const buffersOf = (tree: GrownTree) => [tree.feature, tree.threshold, tree.left, tree.value, tree.cover].map((a) => a.buffer as ArrayBuffer);

parentPort!.on('message', (message: WorkerMessage) => {
  if (message.type === 'data') {
    data = message.data;
    return;
  }
  const reply = (r: WorkerReply, transfer: ArrayBuffer[] = []) => parentPort!.postMessage(r, transfer);
  try {
    if (!data) throw new Error('worker got a job before its data');
    if (message.type === 'grow') {
      const tree = growTree(data, message.params, message.seed, message.rows);
      reply({ type: 'tree', job: message.job, tree }, buffersOf(tree));
    } else {
      const result = trainBoosting(data, message.params, message.rows, message.validRows, { threads: message.threads });
      reply({ type: 'boosted', job: message.job, result }, result.trees.flatMap(buffersOf));
    }
  } catch (error) {
    reply({ type: 'failed', job: message.job, message: (error as Error).message });
  }
});
