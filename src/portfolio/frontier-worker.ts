import { parentPort } from 'node:worker_threads';
import type { SegmentRequest } from './frontier-pool.ts';
import { frontierSegment } from './markowitz.ts';

/** One run of frontier targets, for FrontierPool. */
parentPort!.on('message', (request: SegmentRequest) => {
  try {
    parentPort!.postMessage({ id: request.id, points: frontierSegment(request.book, request.targets, request.ends) });
  } catch (error) {
    parentPort!.postMessage({ id: request.id, error: (error as Error).message });
  }
});
