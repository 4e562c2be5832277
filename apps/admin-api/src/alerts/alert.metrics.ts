import { Injectable } from '@nestjs/common';
import { counter, histogram } from '@alem/runtime';

/** What people do with alerts, for the timeliness dashboards (TJC NPSG.02.03.01: measure time to ack). */
@Injectable()
export class AlertMetrics {
  readonly timeToAcknowledge = histogram({
    name: 'alem_alert_time_to_acknowledge_seconds',
    help: 'Time from an alert opening to its acknowledgement by a person, by severity and rule',
    labelNames: ['severity', 'rule'] as const,
    buckets: [60, 300, 900, 1800, 3600, 7200, 14400, 43200, 86400, 259200, 604800],
  });
  readonly actions = counter({
    name: 'alem_alert_actions_total',
    help: 'Acknowledgements, resolutions and reopenings by people, by action and severity',
    labelNames: ['action', 'severity'] as const,
  });
}
