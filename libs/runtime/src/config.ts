import { z } from 'zod';

/**
 * The whole runtime configuration, parsed once from the environment and validated; boot fails with a readable
 * message when a value is wrong. The defaults are the embedded local stack (docs/configuration.md), except
 * where a default would be unsafe in a deployment: NODE_ENV is `production` unless said otherwise, and the
 * secrets have none (the embedded stack makes random ones per run, `embeddedSecrets` in @alem/local-stack).
 */
const csv = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().min(1)).min(1));

/** A whole number from the environment, within bounds. */
const integer = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/**
 * The processes that read this environment: the five apps first (each alone, or all in one demo process), then
 * the command-line tools.
 */
export const CONFIG_READERS = [
  'result-processor',
  'ingest-gateway',
  'monitoring-scheduler',
  'notifier',
  'admin-api',
  'migrate',
  'audit:verify',
  'admin:create',
] as const;
export type ConfigReader = (typeof CONFIG_READERS)[number];

/**
 * What docs/configuration.md says of a variable (`npm run docs:config` renders it from this schema): who reads
 * it, what it means, and whether it is a secret (no default anywhere; never printed).
 */
export type VariableDoc = { readBy: readonly ConfigReader[]; description: string; secret?: boolean };

const APPS: readonly ConfigReader[] = [
  'result-processor',
  'ingest-gateway',
  'monitoring-scheduler',
  'notifier',
  'admin-api',
];
const PROCESSOR: readonly ConfigReader[] = ['result-processor'];
const SCHEDULER: readonly ConfigReader[] = ['monitoring-scheduler'];
const GATEWAY: readonly ConfigReader[] = ['ingest-gateway'];
const NOTIFIER: readonly ConfigReader[] = ['notifier'];
const ADMIN_API: readonly ConfigReader[] = ['admin-api'];

function about(
  readBy: readonly ConfigReader[],
  description: string,
  extra: { secret?: true } = {},
): VariableDoc {
  return { readBy, description, ...extra };
}

export const envSchema = z.object({
  // The embedded stack and the tests set their own NODE_ENV.
  NODE_ENV: z
    .enum(['development', 'test', 'production'])
    .default('production')
    .meta(
      about(
        APPS,
        'A built app started without it is a deployment. `production` refuses what is for tests only (MLLP without ' +
          'TLS or with `MLLP_PEER_AUTHENTICATION=none`, an admin API without audit anchors) and hides the OpenAPI ' +
          'UI unless `API_DOCS` says otherwise.',
      ),
    ),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .meta(about(APPS, 'pino level; identifiers, names, contacts and link tokens are redacted.')),
  DATABASE_URL: z
    .url()
    .default('postgres://postgres@127.0.0.1:5432/alem')
    .meta(
      about(
        [...APPS, 'migrate', 'audit:verify', 'admin:create'],
        'PostgreSQL, as the apps\' login role in the group role `alem_app` (see "Database roles" in ' +
          'docs/deployment.md). `migrate` uses it when `DATABASE_MIGRATION_URL` is unset.',
      ),
    ),
  DATABASE_MIGRATION_URL: z
    .url()
    .optional()
    .meta(
      about(
        ['migrate'],
        'PostgreSQL as the schema owner, for `migrate.cli.js` only (unset: `DATABASE_URL`).',
      ),
    ),
  DATABASE_POOL_SIZE: integer(1, 100)
    .default(10)
    .meta(about(APPS, 'Connections per app (the processor takes at least 2 more than its partitions).')),
  REDIS_URL: z
    .url()
    .default('redis://127.0.0.1:6379/0')
    .meta(
      about(
        ['notifier', 'admin-api'],
        "BullMQ queues (notifier), the admin API's rate limits and sign-in lockouts; `rediss://` for TLS.",
      ),
    ),
  REDIS_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9:_-]+$/)
    .default('alem')
    .meta(
      about(
        ['notifier', 'admin-api'],
        'Prefix of every Redis key, so that several systems can share one Redis.',
      ),
    ),
  KAFKA_BROKERS: csv
    .default(['127.0.0.1:9092'])
    .meta(about(['result-processor', 'ingest-gateway', 'admin-api'], 'Comma-separated bootstrap brokers.')),
  KAFKA_CLIENT_ID: z
    .string()
    .default('alem')
    .meta(
      about(
        ['result-processor', 'ingest-gateway', 'admin-api'],
        'Kafka client id; each client adds its role (`-ops`, `-admin-replay`, ...).',
      ),
    ),
  // Kafka over TLS (the system's CAs, or KAFKA_SSL_CA_FILE; a client certificate when both files are set) and
  // SASL. The embedded broker speaks plain Kafka; a hospital's cluster should not (issue 14, item 7).
  KAFKA_SSL: bool
    .default(false)
    .meta(
      about(
        ['result-processor', 'ingest-gateway', 'admin-api'],
        "Connect to Kafka over TLS, verifying the brokers against the system's CAs or `KAFKA_SSL_CA_FILE`. The " +
          'embedded broker stays plain.',
      ),
    ),
  KAFKA_SSL_CA_FILE: z
    .string()
    .min(1)
    .optional()
    .meta(
      about(
        ['result-processor', 'ingest-gateway', 'admin-api'],
        'CA certificates (PEM) of the brokers; needs `KAFKA_SSL=true`. An unreadable file is an error as the app ' +
          'makes its Kafka client.',
      ),
    ),
  KAFKA_SSL_CERT_FILE: z
    .string()
    .min(1)
    .optional()
    .meta(
      about(
        ['result-processor', 'ingest-gateway', 'admin-api'],
        'Client certificate (PEM) for mutual TLS; set together with `KAFKA_SSL_KEY_FILE`, and `KAFKA_SSL=true`.',
      ),
    ),
  KAFKA_SSL_KEY_FILE: z
    .string()
    .min(1)
    .optional()
    .meta(
      about(
        ['result-processor', 'ingest-gateway', 'admin-api'],
        "The client certificate's private key (PEM); set together with `KAFKA_SSL_CERT_FILE`.",
      ),
    ),
  KAFKA_SASL_MECHANISM: z
    .enum(['plain', 'scram-sha-256', 'scram-sha-512'])
    .optional()
    .meta(
      about(
        ['result-processor', 'ingest-gateway', 'admin-api'],
        'SASL authentication with `KAFKA_SASL_USERNAME` and `KAFKA_SASL_PASSWORD` (unset: none). `plain` sends ' +
          'the password as it is and needs `KAFKA_SSL=true`. An incomplete combination refuses to start.',
      ),
    ),
  KAFKA_SASL_USERNAME: z
    .string()
    .min(1)
    .optional()
    .meta(
      about(['result-processor', 'ingest-gateway', 'admin-api'], 'SASL user; needs `KAFKA_SASL_MECHANISM`.'),
    ),
  KAFKA_SASL_PASSWORD: z
    .string()
    .min(1)
    .optional()
    .meta(
      about(
        ['result-processor', 'ingest-gateway', 'admin-api'],
        'SASL password; needs `KAFKA_SASL_MECHANISM`.',
        {
          secret: true,
        },
      ),
    ),
  PROCESSOR_GROUP_ID: z
    .string()
    .default('result-processor')
    .meta(
      about(
        ['result-processor', 'admin-api'],
        "Consumer group of the result processor (the admin API reports the group's lag).",
      ),
    ),
  PROCESSOR_PARTITIONS_CONCURRENTLY: integer(1, 64)
    .default(12)
    .meta(about(PROCESSOR, 'Partitions one processor works on at once.')),
  PROCESSOR_SESSION_TIMEOUT_MS: integer(6000, 300000)
    .default(30000)
    .meta(
      about(
        PROCESSOR,
        "Kafka session timeout of a processor (also its rebalance timeout): a killed member's partitions move " +
          'to the others after at most this long.',
      ),
    ),
  PROCESSOR_COMMIT_INTERVAL_MS: integer(10, 60000)
    .default(200)
    .meta(
      about(
        PROCESSOR,
        'How often consumed offsets are committed (only those of batches whose transaction committed); ' +
          'redelivery changes nothing.',
      ),
    ),
  PROCESSOR_RESTART_ATTEMPTS: integer(0, 10)
    .default(5)
    .meta(
      about(
        PROCESSOR,
        'Restarts in a row of a consumer kafkajs will not restart itself; then the process ends (exit 1) for ' +
          'its orchestrator to start a fresh one.',
      ),
    ),
  PROCESSOR_RESTART_BACKOFF_MS: integer(10, 60000)
    .default(1000)
    .meta(about(PROCESSOR, 'Wait before the first of those restarts; it doubles (5 attempts: about 31 s).')),
  SCHEDULER_SWEEP_INTERVAL_MS: integer(0, 3_600_000)
    .default(30000)
    .meta(
      about(
        SCHEDULER,
        'How often the monitoring scheduler claims due patients (0: never by itself; tests sweep).',
      ),
    ),
  SCHEDULER_BATCH_SIZE: integer(1, 10000)
    .default(200)
    .meta(about(SCHEDULER, 'Patients per monitoring batch (one transaction each).')),
  SMTP_URL: z
    .url()
    .default('smtp://127.0.0.1:1025')
    .meta(about(NOTIFIER, 'Outgoing mail relay (`smtps://user:pass@host:465` for TLS); pooled.')),
  SMTP_TLS_REJECT_UNAUTHORIZED: bool.default(true).meta(about(NOTIFIER, "Verify the relay's certificate.")),
  MAIL_FROM: z
    .string()
    .default('Lab safety alerts <alerts@localhost>')
    .meta(about(NOTIFIER, 'Sender of every email.')),
  PUBLIC_BASE_URL: z
    .url()
    .default('http://localhost:3000')
    .meta(
      about(
        ['notifier', 'admin-api'],
        "Base of the links in messages (the console's origin); https turns on HSTS and `__Host-` cookies.",
      ),
    ),
  HL7_DEFAULT_TIME_ZONE: z
    .string()
    .refine((tz) => Intl.supportedValuesOf('timeZone').includes(tz) || tz === 'UTC', 'unknown IANA time zone')
    .default('UTC')
    .meta(
      about(
        ['result-processor', 'ingest-gateway'],
        'IANA zone of HL7 timestamps sent without an offset by a lab without a sender registration (`lab_senders`).',
      ),
    ),
  HL7_MAX_OBX_PER_MESSAGE: integer(1, 100_000)
    .default(1000)
    .meta(
      about(
        ['result-processor', 'ingest-gateway'],
        'The most OBX one HL7 message may carry; a message with more is refused (AR) whole.',
      ),
    ),
  HTTP_PORT: integer(0, 65535)
    .default(3000)
    .meta(
      about(
        ['result-processor', 'monitoring-scheduler', 'notifier', 'admin-api'],
        'HTTP port of an app run alone: `/health`, `/metrics`; the API and console (admin API), SMS receipts ' +
          '(notifier). 0: any free port. The gateway uses `GATEWAY_HTTP_PORT`.',
      ),
    ),
  JWT_SECRET: z
    .string()
    .min(32, 'JWT_SECRET must be at least 32 characters')
    .optional()
    .meta(
      about(
        ADMIN_API,
        'HS256 key of bearer tokens, at least 32 characters; required by the admin API, whatever `NODE_ENV`. ' +
          'Rotating it ends every bearer token.',
        { secret: true },
      ),
    ),
  JWT_TTL_SECONDS: integer(60, 3600).default(900).meta(about(ADMIN_API, 'Lifetime of a bearer token.')),
  JWT_ISSUER: z.string().min(1).default('alem-admin-api').meta(about(ADMIN_API, 'Issuer of bearer tokens.')),
  API_RATE_LIMIT_PER_MINUTE: integer(1)
    .default(300)
    .meta(
      about(
        ADMIN_API,
        'Requests per client address and minute to the API, sign-in aside (counted in Redis).',
      ),
    ),
  LOGIN_RATE_LIMIT_PER_MINUTE: integer(1)
    .default(10)
    .meta(
      about(
        ADMIN_API,
        'Sign-ins (`/auth/login` and `/auth/session` together) per client address and minute.',
      ),
    ),
  LOGIN_ACCOUNT_RATE_LIMIT_PER_MINUTE: integer(1)
    .default(30)
    .meta(
      about(
        ADMIN_API,
        'Sign-ins per account and minute from all addresses together (slows a guesser spread over many addresses).',
      ),
    ),
  LOGIN_LOCKOUT_FAILURES: integer(1)
    .default(5)
    .meta(
      about(
        ADMIN_API,
        'Failed sign-ins of one email from one client address that lock it out at that address (an admin lifts ' +
          'it: `POST /api/v1/users/{id}/unlock`).',
      ),
    ),
  LOGIN_LOCKOUT_MINUTES: integer(1)
    .default(15)
    .meta(about(ADMIN_API, 'The window those failures are counted in.')),
  SESSION_IDLE_MINUTES: integer(1, 1440)
    .default(30)
    .meta(about(ADMIN_API, 'A console sign-in session ends after this long without use.')),
  SESSION_MAX_HOURS: integer(1, 168)
    .default(12)
    .meta(about(ADMIN_API, 'A console sign-in session ends at the latest this long after sign-in.')),
  API_BODY_LIMIT_BYTES: integer(1024, 10_000_000)
    .default(100_000)
    .meta(about(ADMIN_API, 'Largest request body; a larger one is answered 413.')),
  TRUST_PROXY_HOPS: integer(0, 10)
    .optional()
    .meta(
      about(
        ADMIN_API,
        'Reverse proxies in front of the admin API that append to `X-Forwarded-For` (unset: 0, or 1 with ' +
          '`TRUST_PROXY=true`). Only that many entries from the right are believed, so the audited and throttled ' +
          "address is the client's and cannot be forged.",
      ),
    ),
  TRUST_PROXY: bool.optional().meta(about(ADMIN_API, 'Deprecated: `true` is `TRUST_PROXY_HOPS=1`.')),
  API_DOCS: bool
    .optional()
    .meta(
      about(
        ADMIN_API,
        'Serve the OpenAPI UI and documents at `/api/docs` (unset: served except with `NODE_ENV=production`).',
      ),
    ),
  MLLP_HOST: z.string().min(1).default('0.0.0.0').meta(about(GATEWAY, 'Where the MLLP listener binds.')),
  MLLP_PORT: integer(0, 65535)
    .default(2575)
    .meta(about(GATEWAY, 'Port of the MLLP listener (0: any free port).')),
  MLLP_MAX_MESSAGE_BYTES: integer(1024, 67_108_864)
    .default(1_048_576)
    .meta(about(GATEWAY, 'Larger frames are answered AE and the connection closed.')),
  MLLP_IDLE_TIMEOUT_MS: integer(100, 86_400_000)
    .default(300_000)
    .meta(about(GATEWAY, 'A connection silent this long is closed.')),
  MLLP_MAX_CONNECTIONS: integer(1, 10_000).default(200).meta(about(GATEWAY, 'Concurrent MLLP connections.')),
  MLLP_FRAME_TIMEOUT_MS: integer(100, 3_600_000)
    .default(60_000)
    .meta(
      about(
        GATEWAY,
        'A started message must be whole within this, or the connection is cut (a sender trickling bytes cannot ' +
          'hold a slot).',
      ),
    ),
  MLLP_MAX_CONNECTIONS_PER_PEER: integer(1, 10_000)
    .default(10)
    .meta(about(GATEWAY, 'Connections one source address may hold open at once.')),
  MLLP_TLS_CERT_FILE: z
    .string()
    .min(1)
    .optional()
    .meta(
      about(
        GATEWAY,
        "The listener's certificate (PEM); with `MLLP_TLS_KEY_FILE`, MLLP over TLS (required with " +
          '`NODE_ENV=production`). Set both or neither.',
      ),
    ),
  MLLP_TLS_KEY_FILE: z
    .string()
    .min(1)
    .optional()
    .meta(about(GATEWAY, "The listener certificate's private key (PEM).")),
  MLLP_TLS_CA_FILE: z
    .string()
    .min(1)
    .optional()
    .meta(
      about(
        GATEWAY,
        'CA certificates (PEM, one or more: a CA per site) whose client certificates the MLLP listener accepts: ' +
          'mutual TLS. Needs the two files above.',
      ),
    ),
  MLLP_PEER_AUTHENTICATION: z
    .enum(['registered', 'none'])
    .default('registered')
    .meta(
      about(
        GATEWAY,
        '`registered`: every MLLP peer is a registered sender (client certificate or source address) and may ' +
          'send only as itself. `none`: anyone may send as anyone; for the embedded local stack and tests only, ' +
          'refused with `NODE_ENV=production`.',
      ),
    ),
  GATEWAY_HTTP_PORT: integer(0, 65535)
    .default(3001)
    .meta(about(GATEWAY, 'The HTTP intake (`POST /v1/results`), `/health` and `/metrics`.')),
  GATEWAY_MAX_BODY_BYTES: integer(1024, 67_108_864)
    .default(1_048_576)
    .meta(about(GATEWAY, 'Larger HTTP bodies get 413.')),
  GATEWAY_PRODUCE_TIMEOUT_MS: integer(100, 120_000)
    .default(5000)
    .meta(
      about(
        GATEWAY,
        'How long a sender waits for Kafka; then it is answered AR (MLLP) or 503 (HTTP) and retries.',
      ),
    ),
  SMS_PROVIDER_URL: z
    .url()
    .optional()
    .meta(
      about(
        NOTIFIER,
        'Base of a Twilio-compatible SMS API, e.g. `https://api.twilio.com` (unset: no SMS is sent). Needs ' +
          '`SMS_AUTH_TOKEN`.',
      ),
    ),
  SMS_ACCOUNT_SID: z
    .string()
    .min(1)
    .default('ACdevelopment')
    .meta(about(NOTIFIER, 'The SMS provider account.')),
  SMS_AUTH_TOKEN: z
    .string()
    .min(1)
    .optional()
    .meta(
      about(
        NOTIFIER,
        "The account's secret: authenticates requests and checks receipts' `X-Twilio-Signature`; required with " +
          '`SMS_PROVIDER_URL`.',
        { secret: true },
      ),
    ),
  SMS_FROM: z.string().min(1).default('+15005550006').meta(about(NOTIFIER, 'Sender of every SMS.')),
  SMS_STATUS_CALLBACK_URL: z
    .url()
    .optional()
    .meta(
      about(
        NOTIFIER,
        "Where the provider posts delivery receipts (the notifier's `POST /sms/status`, as the provider reaches " +
          "it); unset: the notifier's own address.",
      ),
    ),
  SMS_DELIVERY_TIMEOUT_MS: integer(1000, 86_400_000)
    .default(300_000)
    .meta(about(NOTIFIER, 'An SMS accepted but not reported delivered within this counts as failed.')),
  SMS_REQUEST_TIMEOUT_MS: integer(100, 120_000)
    .default(10_000)
    .meta(about(NOTIFIER, "One request to the SMS provider's limit.")),
  ACK_TOKEN_SECRET: z
    .string()
    .min(32, 'ACK_TOKEN_SECRET must be at least 32 characters')
    .optional()
    .meta(
      about(
        ['notifier', 'admin-api'],
        'HMAC key of acknowledgement links and contact verification codes, at least 32 characters; required, one ' +
          'value for the notifier and the admin API. Rotating it voids the links and codes already sent.',
        { secret: true },
      ),
    ),
  ACK_TOKEN_TTL_MS: integer(60_000, 30 * 86_400_000)
    .default(86_400_000)
    .meta(about(NOTIFIER, 'Lifetime of an acknowledgement link (written into the signed token).')),
  CONTACT_VERIFICATION_TTL_MS: integer(60_000, 30 * 86_400_000)
    .default(86_400_000)
    .meta(about(['notifier', 'admin-api'], 'Lifetime of a contact verification code.')),
  ESCALATION_SWEEP_INTERVAL_MS: integer(0, 3_600_000)
    .default(5000)
    .meta(
      about(
        NOTIFIER,
        'How often escalation timers, SMS receipts and digests are swept from Postgres (0: never by itself; ' +
          'tests sweep).',
      ),
    ),
  WARNING_GROUP_WINDOW_MS: integer(0, 86_400_000)
    .default(300_000)
    .meta(
      about(
        NOTIFIER,
        'Warnings to one person about one patient within this window go as one message (0: no grouping).',
      ),
    ),
  DIGEST_LOCAL_TIME: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM')
    .default('08:00')
    .meta(
      about(NOTIFIER, "Local time (HH:MM, each site's zone) of the daily digest of informational alerts."),
    ),
  NOTIFY_RATE_LIMIT_COUNT: integer(0, 10_000)
    .default(5)
    .meta(
      about(
        NOTIFIER,
        'Messages per contact point within `NOTIFY_RATE_LIMIT_WINDOW_MS`; beyond it the rest go as summaries ' +
          '(0: no limit). A critical is never held.',
      ),
    ),
  NOTIFY_RATE_LIMIT_WINDOW_MS: integer(1000, 86_400_000)
    .default(600_000)
    .meta(about(NOTIFIER, 'The window of that limit.')),
  DELIVERY_ATTEMPTS: integer(1, 50)
    .default(6)
    .meta(
      about(
        NOTIFIER,
        "Tries per delivery (only attempts that reached the provider count); then the person's next channel.",
      ),
    ),
  NOTIFIER_JOB_LOCK_MS: integer(500, 600_000)
    .default(30_000)
    .meta(
      about(
        NOTIFIER,
        'How long a notifier holds a delivery job before BullMQ counts it stalled (its notifier died) and another ' +
          'takes it; also how long a queued delivery waits before the outbox relay checks its job is still alive.',
      ),
    ),
  DELIVERY_BACKOFF_MS: integer(10, 600_000)
    .default(2000)
    .meta(about(NOTIFIER, 'The first back-off between tries (exponential, with jitter).')),
  AUDIT_ANCHOR_FILE: z
    .string()
    .min(1)
    .optional()
    .meta(
      about(
        ['admin-api', 'audit:verify'],
        'Append-only file (outside the database) the signed audit chain head is written to, one JSON line per ' +
          'anchor; set with `AUDIT_ANCHOR_KEY_FILE`. Unset both: not anchored; the admin API then refuses to start ' +
          'with `NODE_ENV=production` and warns at boot otherwise.',
      ),
    ),
  AUDIT_ANCHOR_KEY_FILE: z
    .string()
    .min(1)
    .optional()
    .meta(
      about(
        ['admin-api', 'audit:verify'],
        'Ed25519 private key (PEM) that signs the anchors; Postgres never sees it ' +
          '(`openssl genpkey -algorithm ed25519 -out key.pem`).',
      ),
    ),
  AUDIT_ANCHOR_RETIRED_PUBLIC_KEY_FILES: csv
    .optional()
    .meta(
      about(
        ['admin-api', 'audit:verify'],
        'Comma-separated public keys (PEM) of retired signing keys, so that their anchors still verify.',
      ),
    ),
  AUDIT_ANCHOR_INTERVAL_MS: integer(0, 86_400_000)
    .default(300_000)
    .meta(
      about(
        ['admin-api'],
        'How often the head is anchored when it moved (0: no timer; `POST /audit/anchors`).',
      ),
    ),
});

export interface AppConfig {
  env: 'development' | 'test' | 'production';
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** `migrationUrl`: the schema owner's (DATABASE_MIGRATION_URL), else `url`. */
  database: { url: string; migrationUrl: string; poolSize: number };
  redis: { url: string; prefix: string };
  /**
   * Kafka. `tls` is null for plain TCP (the embedded broker); its files are paths, read when a client is made.
   * `sasl` is null without authentication.
   */
  kafka: {
    brokers: string[];
    clientId: string;
    tls: { caFile: string | null; certFile: string | null; keyFile: string | null } | null;
    sasl: {
      mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
      username: string;
      password: string;
    } | null;
  };
  processor: {
    groupId: string;
    partitionsConcurrently: number;
    sessionTimeoutMs: number;
    commitIntervalMs: number;
    /** Restarts of a consumer kafkajs gave up on, in a row, and the wait before the first (it doubles). */
    restartAttempts: number;
    restartBackoffMs: number;
  };
  /** Monitoring scheduler: sweep interval (0: no timer) and patients per batch transaction. */
  scheduler: { sweepIntervalMs: number; batchSize: number };
  smtp: { url: string; from: string; tlsRejectUnauthorized: boolean };
  links: { publicBaseUrl: string };
  hl7: { defaultTimeZone: string; maxObservations: number };
  http: { port: number };
  /** Admin API authentication; `jwtSecret` is null when unset (the admin API then refuses to start). */
  auth: {
    jwtSecret: string | null;
    jwtTtlSeconds: number;
    jwtIssuer: string;
    lockoutFailures: number;
    lockoutMinutes: number;
    /** Console sessions (HttpOnly cookie): idle timeout and absolute lifetime. */
    sessionIdleMinutes: number;
    sessionMaxHours: number;
  };
  /** Admin API request limits; `trustProxyHops` makes the client's address (audited, throttled) right behind proxies. */
  api: {
    rateLimitPerMinute: number;
    loginRateLimitPerMinute: number;
    loginAccountRateLimitPerMinute: number;
    bodyLimitBytes: number;
    /** Reverse proxies in front of the API whose X-Forwarded-For entries are believed (Express `trust proxy`). */
    trustProxyHops: number;
    /** Whether /api/docs (the OpenAPI UI, JSON and YAML) is served. */
    docs: boolean;
  };
  /**
   * Ingest gateway. `tls` is null for plain TCP. `produceTimeoutMs` bounds how long a sender waits for Kafka
   * before it is answered AR (MLLP) or 503 (HTTP) and retries.
   */
  gateway: {
    mllp: {
      host: string;
      port: number;
      maxMessageBytes: number;
      idleTimeoutMs: number;
      maxConnections: number;
      maxConnectionsPerPeer: number;
      frameTimeoutMs: number;
      /** `caFile`: the CAs whose client certificates are accepted (mutual TLS); null: no client certificates. */
      tls: { certFile: string; keyFile: string; caFile: string | null } | null;
      peerAuthentication: 'registered' | 'none';
    };
    http: { port: number; maxBodyBytes: number };
    produceTimeoutMs: number;
  };
  /**
   * The notifier. `sms` is null when no provider is configured (then nothing goes by SMS). `ackTokenSecret`
   * is null when unset: the notifier and the admin API refuse to start without it.
   */
  notify: {
    sms: {
      providerUrl: string;
      accountSid: string;
      authToken: string;
      from: string;
      statusCallbackUrl: string | null;
      deliveryTimeoutMs: number;
      requestTimeoutMs: number;
    } | null;
    ackTokenSecret: string | null;
    ackTokenTtlMs: number;
    contactVerificationTtlMs: number;
    escalationSweepIntervalMs: number;
    warningGroupWindowMs: number;
    digestLocalTime: string;
    rateLimit: { count: number; windowMs: number };
    delivery: { attempts: number; backoffMs: number };
    jobLockMs: number;
  };
  /**
   * Signed anchors of the audit chain head, outside the database (null: not anchored; the chain alone then
   * cannot show an edit whose later hashes were recomputed by the table's owner).
   */
  auditAnchor: {
    file: string;
    keyFile: string;
    retiredPublicKeyFiles: string[];
    intervalMs: number;
  } | null;
}

export class ConfigError extends Error {}

/** The secrets an app may need; each has no default anywhere (docs/configuration.md). */
export type SecretVariable = 'JWT_SECRET' | 'ACK_TOKEN_SECRET';

/**
 * A secret the app cannot run without, or a ConfigError that says which variable, what it is for and how to
 * make one. There is no fallback in any environment: a public development key once let a forged admin token
 * verify wherever NODE_ENV was left unset (issue 14). The embedded local stack passes random ones.
 */
export function requiredSecret(variable: SecretVariable, value: string | null, usedFor: string): string {
  if (value) return value;
  throw new ConfigError(
    `${variable} is not set: ${usedFor}. There is no default. Make one (at least 32 characters) and set it, ` +
      `e.g. ${variable}=$(openssl rand -base64 48)`,
  );
}

/**
 * The key of acknowledgement links and verification codes, shared by the notifier (which signs) and the admin
 * API (which checks); each app's module passes it to @alem/notifications as a plain string. Required always:
 * without it the app refuses to start.
 */
export function ackTokenSecret(config: AppConfig): string {
  return requiredSecret(
    'ACK_TOKEN_SECRET',
    config.notify.ackTokenSecret,
    'acknowledgement links and contact verification codes are signed with it (notifier and admin API alike)',
  );
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new ConfigError(`Invalid configuration:\n${problems}`);
  }
  const e = parsed.data;
  if ((e.MLLP_TLS_CERT_FILE === undefined) !== (e.MLLP_TLS_KEY_FILE === undefined)) {
    throw new ConfigError(
      'Invalid configuration:\n  MLLP_TLS_CERT_FILE and MLLP_TLS_KEY_FILE: set both (TLS) or neither (plain TCP)',
    );
  }
  if (e.MLLP_TLS_CA_FILE !== undefined && e.MLLP_TLS_CERT_FILE === undefined) {
    throw new ConfigError(
      'Invalid configuration:\n  MLLP_TLS_CA_FILE: client certificates need TLS (set MLLP_TLS_CERT_FILE and MLLP_TLS_KEY_FILE)',
    );
  }
  const kafkaProblem = kafkaSecurityProblem(e);
  if (kafkaProblem) throw new ConfigError(`Invalid configuration:\n  ${kafkaProblem}`);
  if (e.SMS_PROVIDER_URL !== undefined && e.SMS_AUTH_TOKEN === undefined) {
    throw new ConfigError(
      'Invalid configuration:\n  SMS_AUTH_TOKEN: required with SMS_PROVIDER_URL (it authenticates requests and receipts)',
    );
  }
  if ((e.AUDIT_ANCHOR_FILE === undefined) !== (e.AUDIT_ANCHOR_KEY_FILE === undefined)) {
    throw new ConfigError(
      'Invalid configuration:\n  AUDIT_ANCHOR_FILE and AUDIT_ANCHOR_KEY_FILE: set both (anchored audit chain) or neither',
    );
  }
  return {
    env: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    database: {
      url: e.DATABASE_URL,
      migrationUrl: e.DATABASE_MIGRATION_URL ?? e.DATABASE_URL,
      poolSize: e.DATABASE_POOL_SIZE,
    },
    redis: { url: e.REDIS_URL, prefix: e.REDIS_PREFIX },
    kafka: {
      brokers: e.KAFKA_BROKERS,
      clientId: e.KAFKA_CLIENT_ID,
      tls: e.KAFKA_SSL
        ? {
            caFile: e.KAFKA_SSL_CA_FILE ?? null,
            certFile: e.KAFKA_SSL_CERT_FILE ?? null,
            keyFile: e.KAFKA_SSL_KEY_FILE ?? null,
          }
        : null,
      sasl:
        e.KAFKA_SASL_MECHANISM && e.KAFKA_SASL_USERNAME && e.KAFKA_SASL_PASSWORD
          ? {
              mechanism: e.KAFKA_SASL_MECHANISM,
              username: e.KAFKA_SASL_USERNAME,
              password: e.KAFKA_SASL_PASSWORD,
            }
          : null,
    },
    processor: {
      groupId: e.PROCESSOR_GROUP_ID,
      partitionsConcurrently: e.PROCESSOR_PARTITIONS_CONCURRENTLY,
      sessionTimeoutMs: e.PROCESSOR_SESSION_TIMEOUT_MS,
      commitIntervalMs: e.PROCESSOR_COMMIT_INTERVAL_MS,
      restartAttempts: e.PROCESSOR_RESTART_ATTEMPTS,
      restartBackoffMs: e.PROCESSOR_RESTART_BACKOFF_MS,
    },
    scheduler: { sweepIntervalMs: e.SCHEDULER_SWEEP_INTERVAL_MS, batchSize: e.SCHEDULER_BATCH_SIZE },
    smtp: { url: e.SMTP_URL, from: e.MAIL_FROM, tlsRejectUnauthorized: e.SMTP_TLS_REJECT_UNAUTHORIZED },
    links: { publicBaseUrl: e.PUBLIC_BASE_URL.replace(/\/$/, '') },
    hl7: { defaultTimeZone: e.HL7_DEFAULT_TIME_ZONE, maxObservations: e.HL7_MAX_OBX_PER_MESSAGE },
    http: { port: e.HTTP_PORT },
    auth: {
      jwtSecret: e.JWT_SECRET ?? null,
      jwtTtlSeconds: e.JWT_TTL_SECONDS,
      jwtIssuer: e.JWT_ISSUER,
      lockoutFailures: e.LOGIN_LOCKOUT_FAILURES,
      lockoutMinutes: e.LOGIN_LOCKOUT_MINUTES,
      sessionIdleMinutes: e.SESSION_IDLE_MINUTES,
      sessionMaxHours: e.SESSION_MAX_HOURS,
    },
    api: {
      rateLimitPerMinute: e.API_RATE_LIMIT_PER_MINUTE,
      loginRateLimitPerMinute: e.LOGIN_RATE_LIMIT_PER_MINUTE,
      loginAccountRateLimitPerMinute: e.LOGIN_ACCOUNT_RATE_LIMIT_PER_MINUTE,
      bodyLimitBytes: e.API_BODY_LIMIT_BYTES,
      trustProxyHops: e.TRUST_PROXY_HOPS ?? (e.TRUST_PROXY ? 1 : 0),
      docs: e.API_DOCS ?? e.NODE_ENV !== 'production',
    },
    gateway: {
      mllp: {
        host: e.MLLP_HOST,
        port: e.MLLP_PORT,
        maxMessageBytes: e.MLLP_MAX_MESSAGE_BYTES,
        idleTimeoutMs: e.MLLP_IDLE_TIMEOUT_MS,
        maxConnections: e.MLLP_MAX_CONNECTIONS,
        maxConnectionsPerPeer: e.MLLP_MAX_CONNECTIONS_PER_PEER,
        frameTimeoutMs: e.MLLP_FRAME_TIMEOUT_MS,
        tls:
          e.MLLP_TLS_CERT_FILE && e.MLLP_TLS_KEY_FILE
            ? {
                certFile: e.MLLP_TLS_CERT_FILE,
                keyFile: e.MLLP_TLS_KEY_FILE,
                caFile: e.MLLP_TLS_CA_FILE ?? null,
              }
            : null,
        peerAuthentication: e.MLLP_PEER_AUTHENTICATION,
      },
      http: { port: e.GATEWAY_HTTP_PORT, maxBodyBytes: e.GATEWAY_MAX_BODY_BYTES },
      produceTimeoutMs: e.GATEWAY_PRODUCE_TIMEOUT_MS,
    },
    notify: {
      sms: e.SMS_PROVIDER_URL
        ? {
            providerUrl: e.SMS_PROVIDER_URL.replace(/\/$/, ''),
            accountSid: e.SMS_ACCOUNT_SID,
            authToken: e.SMS_AUTH_TOKEN ?? '',
            from: e.SMS_FROM,
            statusCallbackUrl: e.SMS_STATUS_CALLBACK_URL ?? null,
            deliveryTimeoutMs: e.SMS_DELIVERY_TIMEOUT_MS,
            requestTimeoutMs: e.SMS_REQUEST_TIMEOUT_MS,
          }
        : null,
      ackTokenSecret: e.ACK_TOKEN_SECRET ?? null,
      ackTokenTtlMs: e.ACK_TOKEN_TTL_MS,
      contactVerificationTtlMs: e.CONTACT_VERIFICATION_TTL_MS,
      escalationSweepIntervalMs: e.ESCALATION_SWEEP_INTERVAL_MS,
      warningGroupWindowMs: e.WARNING_GROUP_WINDOW_MS,
      digestLocalTime: e.DIGEST_LOCAL_TIME,
      rateLimit: { count: e.NOTIFY_RATE_LIMIT_COUNT, windowMs: e.NOTIFY_RATE_LIMIT_WINDOW_MS },
      delivery: { attempts: e.DELIVERY_ATTEMPTS, backoffMs: e.DELIVERY_BACKOFF_MS },
      jobLockMs: e.NOTIFIER_JOB_LOCK_MS,
    },
    auditAnchor:
      e.AUDIT_ANCHOR_FILE && e.AUDIT_ANCHOR_KEY_FILE
        ? {
            file: e.AUDIT_ANCHOR_FILE,
            keyFile: e.AUDIT_ANCHOR_KEY_FILE,
            retiredPublicKeyFiles: e.AUDIT_ANCHOR_RETIRED_PUBLIC_KEY_FILES ?? [],
            intervalMs: e.AUDIT_ANCHOR_INTERVAL_MS,
          }
        : null,
  };
}

/** What is wrong with the Kafka TLS and SASL variables together, if anything. */
function kafkaSecurityProblem(e: z.infer<typeof envSchema>): string | null {
  const files = [e.KAFKA_SSL_CA_FILE, e.KAFKA_SSL_CERT_FILE, e.KAFKA_SSL_KEY_FILE];
  if (!e.KAFKA_SSL && files.some((f) => f !== undefined)) {
    return 'KAFKA_SSL_CA_FILE, KAFKA_SSL_CERT_FILE, KAFKA_SSL_KEY_FILE: set KAFKA_SSL=true to use them';
  }
  if ((e.KAFKA_SSL_CERT_FILE === undefined) !== (e.KAFKA_SSL_KEY_FILE === undefined)) {
    return 'KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE: set both (a client certificate) or neither';
  }
  const credentials = [e.KAFKA_SASL_USERNAME, e.KAFKA_SASL_PASSWORD];
  if (e.KAFKA_SASL_MECHANISM !== undefined && credentials.some((c) => c === undefined)) {
    return `KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD: required with KAFKA_SASL_MECHANISM=${e.KAFKA_SASL_MECHANISM}`;
  }
  if (e.KAFKA_SASL_MECHANISM === undefined && credentials.some((c) => c !== undefined)) {
    return 'KAFKA_SASL_MECHANISM: required with KAFKA_SASL_USERNAME / KAFKA_SASL_PASSWORD (scram-sha-512, scram-sha-256 or plain)';
  }
  // PLAIN sends the password as it is: only inside TLS.
  if (e.KAFKA_SASL_MECHANISM === 'plain' && !e.KAFKA_SSL) {
    return 'KAFKA_SASL_MECHANISM=plain sends the password in clear: set KAFKA_SSL=true, or use scram-sha-512';
  }
  return null;
}

/** BullMQ/ioredis connection settings from a redis:// URL. */
export function redisConnection(url: string): {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  tls?: object;
} {
  const u = new URL(url);
  return {
    host: u.hostname || '127.0.0.1',
    port: Number(u.port || 6379),
    db: Number(u.pathname.replace('/', '') || 0),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}
