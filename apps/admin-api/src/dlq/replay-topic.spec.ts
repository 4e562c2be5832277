import { CONTENT_TYPES, TOPICS } from '@alem/messaging';
import { replayTopicOf } from './dlq.service';

describe('replayTopicOf', () => {
  it('sends a dead-lettered administration back to the administrations topic, not to the results', () => {
    expect(
      replayTopicOf({
        source_topic: TOPICS.medicationAdministrations,
        content_type: CONTENT_TYPES.medicationAdministrationJson,
      }),
    ).toBe(TOPICS.medicationAdministrations);
    expect(
      replayTopicOf({ source_topic: 'elsewhere', content_type: CONTENT_TYPES.medicationAdministrationJson }),
    ).toBe(TOPICS.medicationAdministrations);
  });

  it('sends results (JSON or HL7) back to the results topic', () => {
    expect(replayTopicOf({ source_topic: TOPICS.labResults, content_type: CONTENT_TYPES.hl7v2 })).toBe(
      TOPICS.labResults,
    );
    expect(replayTopicOf({ source_topic: TOPICS.labResults, content_type: null })).toBe(TOPICS.labResults);
  });
});
