import { createServer, type Server } from 'node:http';
import { MACRO_SERIES } from '../../src/macro/fred.ts';
import type { Observation } from '../../src/macro/stress.ts';
import { syntheticMacroSeries } from './macro.ts';

/**
 * A local stand-in for api.stlouisfed.org answering /fred/series/observations in FRED's JSON shape
 * (the fields FRED sends, "." for a missing value, error_message on a 400). Its numbers are the
 * SYNTHETIC series of ./macro.ts, whose known slope lets tests check the fit and tell a refresh's
 * values from the recorded ones in datasets/fred/.
 */
export const FAKE_FRED_KEY = 'abcdefabcdefabcdefabcdefabcdef12';

function observationsBody(seriesId: string, observations: Observation[]) {
  return {
    realtime_start: '2026-11-24',
    realtime_end: '2026-11-24',
    observation_start: '1600-01-01',
    observation_end: '9999-12-31',
    units: 'lin',
    output_type: 1,
    file_type: 'json',
    order_by: 'observation_date',
    sort_order: 'asc',
    count: observations.length + 1,
    offset: 0,
    limit: 100000,
    observations: [
      ...observations.map((o) => ({ realtime_start: '2026-11-24', realtime_end: '2026-11-24', date: o.date, value: String(o.value) })),
      // FRED marks a missing observation with ".".
      { realtime_start: '2026-11-24', realtime_end: '2026-11-24', date: '2020-01-01', value: '.' },
    ],
    series_id: seriesId,
  };
}

export interface FakeFred {
  url: string;
  requests: URL[];
  /** TCP connections accepted so far: one per request, as every answer closes its connection. */
  connections(): number;
  close(): Promise<void>;
}

/**
 * Every answer carries `Connection: close`, and the server closes the socket after it. With Node's
 * default keep-alive the server drops an idle socket 5 s after its last answer while fetch (undici)
 * keeps it for reuse for 3 s (the server's `Keep-Alive: timeout=5` less undici's 2 s margin). Both
 * deadlines are timers on this process's event loop, shared with the test: when a test stalls the loop
 * past both (PGlite's WASM under a loaded parallel run), the next request is written on the pooled
 * socket before undici's timer has run, and in the same turn the server's overdue timer destroys that
 * socket with the request unread, which resets the connection: `fetch failed`, `read ECONNRESET`.
 * Without reused sockets there is nothing to race.
 */
export async function startFakeFred(): Promise<FakeFred> {
  const { unemployment, chargeOffs } = syntheticMacroSeries();
  const series: Record<string, Observation[]> = { [MACRO_SERIES.unemployment]: unemployment, [MACRO_SERIES.chargeOffs]: chargeOffs };
  const requests: URL[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fred.local');
    requests.push(url);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', connection: 'close' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname !== '/fred/series/observations') return send(404, { error_code: 404, error_message: 'Not Found' });
    if (url.searchParams.get('api_key') !== FAKE_FRED_KEY)
      return send(400, { error_code: 400, error_message: 'Bad Request.  The value for variable api_key is not registered.' });
    const id = url.searchParams.get('series_id') ?? '';
    if (!series[id]) return send(400, { error_code: 400, error_message: 'Bad Request.  The series does not exist.' });
    if (url.searchParams.get('file_type') !== 'json') return send(200, '<xml/>');
    send(200, observationsBody(id, series[id]));
  });
  let connections = 0;
  server.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    connections: () => connections,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        // A client that has not read its answer's end yet must not hold close() open.
        server.closeAllConnections();
      }),
  };
}
