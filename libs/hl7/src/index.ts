export * from './hl7-parse.types';
export * from './oru-r01.parser';
export * from './ack.builder';
export { Hl7Document } from './hl7-document';
export { STANDARD_ENCODING, readEncoding, type Hl7Encoding } from './hl7-encoding';
export { escapeHl7, unescapeHl7, type Hl7Charset } from './hl7-escape';
export { formatHl7Timestamp, parseHl7Timestamp, type TimestampRead } from './hl7-timestamp';
export * from './pharmacy.parser';
