import { Injectable } from '@nestjs/common';
import { counter, gauge, histogram } from '@alem/runtime';

/** Prometheus metrics of the ingest gateway. Labels carry channels and outcomes, never identifiers. */
@Injectable()
export class GatewayMetrics {
  /** `outcome`: the ACK code (aa, ae, ar) on MLLP; on HTTP and FHIR the same meaning (202 → aa or ae, 4xx → ae, 503 → ar). */
  readonly messages = counter({
    name: 'alem_gateway_messages_total',
    help: 'Messages received by the ingest gateway, by channel (mllp, http, fhir) and outcome (aa, ae, ar)',
    labelNames: ['channel', 'outcome'] as const,
  });
  readonly bytes = counter({
    name: 'alem_gateway_received_bytes_total',
    help: 'Message bytes received by the ingest gateway (without framing), by channel',
    labelNames: ['channel'] as const,
  });
  readonly connectionsOpen = gauge({
    name: 'alem_gateway_mllp_connections',
    help: 'MLLP connections open now',
  });
  readonly connections = counter({
    name: 'alem_gateway_mllp_connections_total',
    help: 'MLLP connections accepted, by transport (tcp, tls)',
    labelNames: ['transport'] as const,
  });
  readonly framing = counter({
    name: 'alem_gateway_mllp_framing_events_total',
    help: 'MLLP stream events other than a good frame (oversize, outside_frame, restarted, truncated, idle_timeout, frame_timeout, peer_limit, tls_error)',
    labelNames: ['event'] as const,
  });
  readonly produceSeconds = histogram({
    name: 'alem_gateway_produce_seconds',
    help: 'Time from produce request to Kafka acknowledgement (acks=all), by topic and outcome (ok, failed)',
    labelNames: ['topic', 'outcome'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });
}
