import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pinoHttp, { type Options } from 'pino-http';
import { loggedPath, loggerParams } from './logger';

const TOKEN = 'QmVhcmVyVG9rZW5PZkFuQWNrbm93bGVkZ2VtZW50TGlua';

describe('request logs', () => {
  let server: Server;
  let base: string;
  const lines: string[] = [];

  beforeAll(async () => {
    // The HTTP logging every app installs (nestjs-pino runs pino-http with these settings).
    const options = loggerParams({ logLevel: 'info' }, 'test').pinoHttp as Options;
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const log = pinoHttp(options, sink);
    server = createServer((req, res) => {
      log(req, res);
      // As the admin API's sign-in answers: the session's secret in a cookie.
      if (req.url === '/api/v1/auth/session') res.setHeader('Set-Cookie', `alem_session=${TOKEN}; HttpOnly`);
      res.statusCode = 204;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('never hold a session cookie the response sets', async () => {
    lines.length = 0;
    await fetch(`${base}/api/v1/auth/session`, { method: 'POST' });
    expect(lines).toHaveLength(1);
    expect(lines.join('')).not.toContain(TOKEN);
  });

  it('never hold an acknowledgement token of the path (console page or API)', async () => {
    lines.length = 0;
    for (const path of [`/acknowledgements/${TOKEN}`, `/api/v1/acknowledgements/${TOKEN}?from=email`]) {
      await fetch(`${base}${path}`, { method: 'POST' });
    }
    const logged = lines.join('');
    expect(logged).not.toContain(TOKEN);
    const urls = lines.map((l) => (JSON.parse(l) as { req: { url: string } }).req.url);
    expect(urls).toEqual(['/acknowledgements/[token]', '/api/v1/acknowledgements/[token]']);
  });
});

describe('loggedPath', () => {
  it('keeps the path, without its query string and with tokens replaced', () => {
    expect(loggedPath('/api/v1/patients?identifier=MRN1001')).toBe('/api/v1/patients');
    expect(loggedPath(`/acknowledgements/${TOKEN}`)).toBe('/acknowledgements/[token]');
    expect(loggedPath(`/api/v1/acknowledgements/${TOKEN}/x`)).toBe('/api/v1/acknowledgements/[token]/x');
    expect(loggedPath('/api/v1/alerts/4FA8-16SG')).toBe('/api/v1/alerts/4FA8-16SG');
  });
});
