import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './free-port';

/** The newest PostgreSQL server binaries Debian installed (`/usr/lib/postgresql/<major>/bin`). */
function postgresBinaries(): string {
  const base = '/usr/lib/postgresql';
  const majors = existsSync(base)
    ? readdirSync(base)
        .filter((d) => /^\d+$/.test(d) && existsSync(path.join(base, d, 'bin', 'pg_ctl')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (majors.length === 0) throw new Error(`no PostgreSQL server binaries under ${base}`);
  return path.join(base, majors[0]!, 'bin');
}

/**
 * A throwaway PostgreSQL cluster of its own (initdb in a temporary folder, a free port on 127.0.0.1, trust
 * authentication, no fsync): something a drill can crash and restart without touching the machine's shared
 * server. As root, the server runs as the `postgres` user (it refuses to run as root).
 */
export class PostgresCluster {
  private running = false;

  private constructor(
    private readonly bin: string,
    private readonly dir: string,
    readonly port: number,
  ) {}

  /** The superuser's URL of database `name` (default: postgres). */
  url(name = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${name}`;
  }

  static async start(): Promise<PostgresCluster> {
    const bin = postgresBinaries();
    const dir = mkdtempSync(path.join(tmpdir(), 'alem-pg-'));
    const cluster = new PostgresCluster(bin, dir, await freePort());
    if (process.getuid?.() === 0) chownSync(dir, ...cluster.postgresIds());
    cluster.run('initdb', [
      '-D',
      cluster.dataDir,
      '-A',
      'trust',
      '-U',
      'postgres',
      '--no-sync',
      '-E',
      'UTF8',
    ]);
    cluster.startServer();
    return cluster;
  }

  private get dataDir(): string {
    return path.join(this.dir, 'data');
  }

  private postgresIds(): [number, number] {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    return [uid, gid];
  }

  /** Runs one of the server's programs, as `postgres` when this process is root. */
  private run(program: string, args: string[]): void {
    const binary = path.join(this.bin, program);
    if (process.getuid?.() === 0)
      execFileSync('runuser', ['-u', 'postgres', '--', binary, ...args], { stdio: 'ignore' });
    else execFileSync(binary, args, { stdio: 'ignore' });
  }

  private startServer(): void {
    const options = [
      `-p ${this.port}`,
      `-k ${this.dir}`,
      '-c listen_addresses=127.0.0.1',
      // No fsync: a crash here is the server's (`crash()`), never the machine's, so the operating system keeps
      // every write. Commits stay synchronous: a commit the apps were told of survives the crash, as deployed.
      '-c fsync=off',
      '-c max_connections=200',
    ].join(' ');
    this.run('pg_ctl', [
      '-D',
      this.dataDir,
      '-o',
      options,
      '-l',
      path.join(this.dir, 'server.log'),
      '-w',
      'start',
    ]);
    this.running = true;
  }

  /**
   * Stops the server as a crash would (`pg_ctl stop -m immediate`: every connection cut, no checkpoint), so
   * that the next start runs crash recovery.
   */
  crash(): void {
    if (!this.running) return;
    this.run('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop']);
    this.running = false;
  }

  /** Starts the server again on the same port, with the same data. */
  recover(): void {
    if (!this.running) this.startServer();
  }

  /** Stops the server and deletes its data. */
  stop(): void {
    try {
      this.crash();
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}
