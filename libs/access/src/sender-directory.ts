import net from 'node:net';
import { hdForms, senderForms } from '@alem/events';

/**
 * Who a lab is, decided from what authenticated it and never from what its messages say (issue 14).
 *
 * A registered sender (`lab_senders`) is authenticated over MLLP by a client certificate it registered (mutual
 * TLS: issued by a CA the gateway trusts, and its SHA-256 fingerprint registered to the sender) or, only if it
 * registered no certificate, by the address it connects from; over HTTP by its API key. A message must then name
 * (MSH-3^MSH-4, or the events' `sender`) one of the senders its connection authenticated as, and report only
 * for the assigning authorities that sender is bound to. The authenticated sender's registered name is the
 * message's identity from there on (the idempotency key, the stored sender, the feed it keeps alive).
 */
export interface SenderCredentials {
  /** The registered name, `APPLICATION^FACILITY`. */
  sender: string;
  authorities: readonly string[];
  certificateFingerprints: readonly string[];
  /** CIDR blocks (`10.1.2.0/24`, `::1/128`). */
  sourceAddresses: readonly string[];
  /** IANA zone of the times its messages send without an offset (the registration's; absent: the default). */
  timeZone?: string;
}

/** The far end of an MLLP connection, as the transport saw it. */
export interface MllpPeer {
  /** The remote address (IPv4-mapped IPv6 addresses are read as IPv4). */
  address: string;
  /** The client certificate presented in the TLS handshake, if any. */
  certificate: { fingerprint256: string; trusted: boolean } | null;
}

export type PeerAuthentication =
  { ok: true; senders: SenderCredentials[]; via: 'certificate' | 'address' } | { ok: false; reason: string };

export type SenderCheck = { ok: true; sender: SenderCredentials } | { ok: false; reason: string };

/** `::ffff:10.1.2.3` → `10.1.2.3`: a dual-stack listener reports IPv4 peers in the mapped form. */
export function peerAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1]! : address;
}

/** A SHA-256 fingerprint in Node's form (`AB:CD:…`, 32 bytes), from hex with or without colons; null if not one. */
export function normaliseFingerprint(text: string): string | null {
  const hex = text.trim().replace(/[:\s]/g, '').toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) return null;
  return hex.match(/../g)!.join(':');
}

/** An address or CIDR block in canonical CIDR form (`10.1.2.3` → `10.1.2.3/32`); null if not one. */
export function normaliseSourceAddress(text: string): string | null {
  const [rawAddress = '', prefix, ...rest] = text.trim().split('/');
  if (rest.length > 0) return null;
  const address = peerAddress(rawAddress);
  const family = net.isIP(address);
  if (family === 0) return null;
  const max = family === 4 ? 32 : 128;
  if (prefix === undefined) return `${address}/${max}`;
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > max) return null;
  return `${address}/${Number(prefix)}`;
}

function blockListOf(cidrs: readonly string[]): net.BlockList {
  const list = new net.BlockList();
  for (const cidr of cidrs) {
    const [address = '', prefix = ''] = cidr.split('/');
    const family = net.isIP(address);
    if (family === 0) continue;
    list.addSubnet(address, Number(prefix), family === 4 ? 'ipv4' : 'ipv6');
  }
  return list;
}

const listed = (names: string[]) =>
  names.length <= 3 ? names.join(', ') : `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`;

/** The registered senders, indexed for the questions the gateway asks of every connection and message. */
export class SenderDirectory {
  private readonly byName = new Map<string, SenderCredentials>();
  private readonly byFingerprint = new Map<string, SenderCredentials[]>();
  private readonly byAddress: Array<{ sender: SenderCredentials; addresses: net.BlockList }> = [];

  constructor(registrations: readonly SenderCredentials[]) {
    for (const registration of registrations) {
      this.byName.set(registration.sender, registration);
      for (const fingerprint of registration.certificateFingerprints) {
        const key = normaliseFingerprint(fingerprint);
        if (!key) continue;
        this.byFingerprint.set(key, [...(this.byFingerprint.get(key) ?? []), registration]);
      }
      // A sender that registered certificates must present one: its addresses alone do not authenticate it.
      if (registration.certificateFingerprints.length === 0 && registration.sourceAddresses.length > 0) {
        this.byAddress.push({ sender: registration, addresses: blockListOf(registration.sourceAddresses) });
      }
    }
  }

  /** The zone of a sender's times, registered under any form of its hierarchic designators (`senderForms`). */
  timeZoneOf(sender: { application: string; facility: string }): string | undefined {
    for (const name of senderForms(sender)) {
      const zone = this.byName.get(name)?.timeZone;
      if (zone) return zone;
    }
    return undefined;
  }

  /** The registration of a sender by its registered name (an API key's sender). */
  named(name: string): SenderCredentials | undefined {
    return this.byName.get(name);
  }

  /** The senders an MLLP peer may send as, or why it may send as none. */
  authenticate(peer: MllpPeer): PeerAuthentication {
    const address = peerAddress(peer.address);
    if (peer.certificate) {
      if (!peer.certificate.trusted) {
        return { ok: false, reason: 'client certificate not issued by a CA this gateway trusts' };
      }
      const fingerprint = normaliseFingerprint(peer.certificate.fingerprint256) ?? '';
      const senders = this.byFingerprint.get(fingerprint) ?? [];
      if (senders.length === 0) {
        return { ok: false, reason: `client certificate not registered to a sender: SHA-256 ${fingerprint}` };
      }
      return { ok: true, senders, via: 'certificate' };
    }
    const version = net.isIP(address);
    if (version === 0) return { ok: false, reason: 'the peer’s address is unknown' };
    const family = version === 6 ? 'ipv6' : 'ipv4';
    const senders = this.byAddress
      .filter((entry) => entry.addresses.check(address, family))
      .map((entry) => entry.sender);
    if (senders.length === 0) {
      return { ok: false, reason: `address ${address} not registered to a sender (no client certificate)` };
    }
    return { ok: true, senders, via: 'address' };
  }
}

// Reasons are written to fit HL7's 80 characters of MSA-3 in the common case; the DLQ record keeps them whole.

/**
 * Which of the authenticated senders a message comes from: the one its header names (in any form of its
 * hierarchic designators), or a refusal that says whom the connection authenticated as.
 */
export function senderOfMessage(
  authenticated: readonly SenderCredentials[],
  named: { application: string; facility: string } | null,
): SenderCheck {
  const names = authenticated.map((s) => s.sender);
  if (!named || named.application === '') {
    return { ok: false, reason: `MSH-3 names no sender; this connection's is ${listed(names)}` };
  }
  const forms = senderForms(named);
  for (const form of forms) {
    const sender = authenticated.find((s) => s.sender === form);
    if (sender) return { ok: true, sender };
  }
  return {
    ok: false,
    reason: `MSH-3/4 ${named.application}^${named.facility} is not this connection's sender (${listed(names)})`,
  };
}

/**
 * Why a sender may not report for these patients' assigning authorities (each may be registered in any form of
 * its hierarchic designators), or null when it may report for all of them.
 */
export function authorityRefusal(sender: SenderCredentials, authorities: Iterable<string>): string | null {
  const allowed = new Set(sender.authorities);
  const refused = [...new Set(authorities)].filter((a) => !hdForms(a).some((form) => allowed.has(form)));
  if (refused.length === 0) return null;
  return `${sender.sender} may not report for assigning authority ${listed(refused)}`;
}
