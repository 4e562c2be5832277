// Domain event contracts: what producers and consumers agree an event is (schema, version, key), never how it
// travels. No transport here: Kafka, HTTP and MLLP code import these, not the other way round.
export * from './lab-result.event';
export * from './hierarchic-designator';
export * from './medication-administration.event';
