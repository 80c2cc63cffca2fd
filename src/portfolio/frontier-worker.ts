import { parentPort } from 'node:worker_threads';
import { solveSegment, type SegmentRequest } from './frontier-pool.ts';

parentPort!.on('message', (request: SegmentRequest) => {
  try {
    parentPort!.postMessage({ id: request.id, points: solveSegment(request) });
  } catch (error) {
    parentPort!.postMessage({ id: request.id, error: (error as Error).message });
  }
});
