import { createServer, type Server } from 'node:http';
import { MACRO_SERIES } from '../../src/macro/fred.ts';
import type { Observation } from '../../src/macro/stress.ts';
import { syntheticMacroSeries } from './macro.ts';

/**
 * A local stand-in for api.stlouisfed.org answering /fred/series/observations in FRED's JSON shape
 * (the fields FRED sends, "." for a missing value, error_message on a 400). Its numbers are the
 * SYNTHETIC series of ./macro.ts: no recorded FRED data is available offline.
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

export async function startFakeFred(): Promise<{ url: string; requests: URL[]; close(): Promise<void> }> {
  const { unemployment, chargeOffs } = syntheticMacroSeries();
  const series: Record<string, Observation[]> = { [MACRO_SERIES.unemployment]: unemployment, [MACRO_SERIES.chargeOffs]: chargeOffs };
  const requests: URL[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fred.local');
    requests.push(url);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname !== '/fred/series/observations') return send(404, { error_code: 404, error_message: 'Not Found' });
    if (url.searchParams.get('api_key') !== FAKE_FRED_KEY) return send(400, { error_code: 400, error_message: 'Bad Request.  The value for variable api_key is not registered.' });
    const id = url.searchParams.get('series_id') ?? '';
    if (!series[id]) return send(400, { error_code: 400, error_message: 'Bad Request.  The series does not exist.' });
    if (url.searchParams.get('file_type') !== 'json') return send(200, '<xml/>');
    send(200, observationsBody(id, series[id]));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
