import {
  Alert,
  Button,
  Code,
  CopyButton,
  Group,
  Modal,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, type Schemas, unwrap } from '../../api/client';
import { ErrorNote } from '../../components/PageError';
import { PageLoader } from '../../components/PageLoader';
import { formatDateTime } from '../../format';
import { AdminTable, ConfirmModal, Pager } from './AdminTable';

type Sender = Schemas['LabSenderPageDto']['items'][number];
type ApiKey = Schemas['ApiKeyListDto']['items'][number];
type IssuedKey = Schemas['IssuedApiKeyDto'];

const PAGE_SIZE = 100;
const SENDER = /^[^\s^|]+\^[^\s^|]+$/;

/** One entry per line (or comma), blanks dropped: how lists are typed into the registration form. */
const lines = (text: string) =>
  text
    .split(/[\n,]/)
    .map((line) => line.trim())
    .filter(Boolean);

/**
 * A sender's registration: the zone its local times are read in, the assigning authorities it may report for,
 * and what authenticates it over MLLP (client certificate fingerprints, or source addresses). `sender` null:
 * a new registration, named in the form.
 */
function RegistrationModal({ sender, onClose }: { sender: Sender | null; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState(sender?.sender ?? '');
  const [timeZone, setTimeZone] = useState(sender?.timeZone ?? 'UTC');
  const [authorities, setAuthorities] = useState((sender?.authorities ?? []).join('\n'));
  const [addresses, setAddresses] = useState((sender?.sourceAddresses ?? []).join('\n'));
  const [fingerprints, setFingerprints] = useState((sender?.certificateFingerprints ?? []).join('\n'));
  const save = useMutation({
    mutationFn: () =>
      unwrap(
        api.PUT('/api/v1/senders/{sender}', {
          params: { path: { sender: name.trim() } },
          body: {
            timeZone: timeZone.trim(),
            authorities: lines(authorities),
            sourceAddresses: lines(addresses),
            certificateFingerprints: lines(fingerprints),
          },
        }),
      ),
    onSuccess: () => {
      onClose();
      return queryClient.invalidateQueries({ queryKey: ['admin', 'senders'] });
    },
  });
  const validName = SENDER.test(name.trim());
  return (
    <Modal
      opened
      onClose={onClose}
      title={sender ? `Registration of ${sender.sender}` : 'Register a lab sender'}
      size="lg"
    >
      <form
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          if (validName) save.mutate();
        }}
      >
        <Stack>
          {!sender && (
            <TextInput
              label="Sender"
              description="APPLICATION^FACILITY, as MSH-3^MSH-4 name it"
              required
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
              error={name.trim() && !validName ? 'Write it as APPLICATION^FACILITY' : undefined}
              data-autofocus
            />
          )}
          <TextInput
            label="IANA time zone"
            description="How times sent without an offset are read, e.g. Europe/London"
            required
            maxLength={64}
            value={timeZone}
            onChange={(e) => setTimeZone(e.currentTarget.value)}
            {...(sender ? { 'data-autofocus': true } : {})}
          />
          <Textarea
            label="Assigning authorities it may report for"
            description="One per line, e.g. CITYHOSP. Results for any other hospital's patients are refused."
            autosize
            minRows={2}
            value={authorities}
            onChange={(e) => setAuthorities(e.currentTarget.value)}
          />
          <Textarea
            label="Client certificate fingerprints (mutual TLS)"
            description="SHA-256, one per line. A sender with a certificate must present it."
            autosize
            minRows={2}
            value={fingerprints}
            onChange={(e) => setFingerprints(e.currentTarget.value)}
          />
          <Textarea
            label="Source addresses (without a client certificate)"
            description="IP addresses or CIDR blocks, one per line, for sites that cannot do mutual TLS."
            autosize
            minRows={2}
            value={addresses}
            onChange={(e) => setAddresses(e.currentTarget.value)}
          />
          {save.error && <ErrorNote error={save.error} title="Not saved" />}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending} disabled={!timeZone.trim() || !validName}>
              Save
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** How the gateway knows the sender, in a few words. */
function authenticatedBy(s: Sender): string {
  if (s.certificateFingerprints.length > 0) {
    return `client certificate${s.certificateFingerprints.length > 1 ? `s (${s.certificateFingerprints.length})` : ''}`;
  }
  if (s.sourceAddresses.length > 0) return s.sourceAddresses.join(', ');
  return 'MLLP: nothing (API keys only)';
}

function Senders({ canWrite }: { canWrite: boolean }) {
  const [offset, setOffset] = useState(0);
  const [editing, setEditing] = useState<Sender | 'new' | null>(null);
  const senders = useQuery({
    queryKey: ['admin', 'senders', offset],
    queryFn: () => unwrap(api.GET('/api/v1/senders', { params: { query: { limit: PAGE_SIZE, offset } } })),
  });
  return (
    <Stack gap="xs">
      <Group justify="space-between">
        <Title order={3}>Lab senders</Title>
        {canWrite && (
          <Button size="xs" onClick={() => setEditing('new')}>
            Register a sender
          </Button>
        )}
      </Group>
      <Text size="sm" c="dimmed">
        A lab can send only once registered here: by its client certificate or address over MLLP, by its API
        key over HTTP, and only for the assigning authorities listed.
      </Text>
      {senders.isPending && <PageLoader />}
      {senders.error && <ErrorNote error={senders.error} />}
      {senders.data && (
        <>
          <AdminTable<Sender>
            label="Lab senders"
            rows={senders.data.items}
            rowKey={(s) => s.sender}
            empty="No senders registered."
            columns={[
              { header: 'Sender', cell: (s) => s.sender },
              {
                header: 'Reports for',
                cell: (s) => (s.authorities.length > 0 ? s.authorities.join(', ') : 'nobody yet'),
              },
              { header: 'Authenticated by', cell: authenticatedBy },
              { header: 'Time zone', cell: (s) => s.timeZone },
              { header: 'Changed', cell: (s) => formatDateTime(s.updatedAt ?? s.createdAt) },
              ...(canWrite
                ? [
                    {
                      header: 'Actions',
                      cell: (s: Sender) => (
                        <Button
                          size="xs"
                          variant="default"
                          onClick={() => setEditing(s)}
                          aria-label={`Change the registration of ${s.sender}`}
                        >
                          Change
                        </Button>
                      ),
                    },
                  ]
                : []),
            ]}
          />
          <Pager
            label="Lab senders"
            offset={offset}
            limit={PAGE_SIZE}
            total={senders.data.total}
            onChange={setOffset}
          />
        </>
      )}
      {editing && (
        <RegistrationModal
          key={editing === 'new' ? 'new' : editing.sender}
          sender={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
        />
      )}
    </Stack>
  );
}

/** API keys of the lab feeds: a new key is shown once (only its hash is kept); revoking is confirmed. */
function ApiKeys({ canWrite }: { canWrite: boolean }) {
  const queryClient = useQueryClient();
  const [sender, setSender] = useState('');
  const [description, setDescription] = useState('');
  const [issued, setIssued] = useState<IssuedKey | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const keys = useQuery({
    queryKey: ['admin', 'api-keys'],
    queryFn: () => unwrap(api.GET('/api/v1/api-keys')),
  });
  const create = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/v1/api-keys', {
          body: { sender: sender.trim(), description: description.trim() },
        }),
      ),
    onSuccess: (key) => {
      setIssued(key);
      setSender('');
      setDescription('');
      return queryClient.invalidateQueries({ queryKey: ['admin', 'api-keys'] });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) =>
      unwrap(api.POST('/api/v1/api-keys/{id}/revoke', { params: { path: { id } } })),
    onSuccess: () => {
      setRevoking(null);
      return queryClient.invalidateQueries({ queryKey: ['admin', 'api-keys'] });
    },
  });
  return (
    <Stack gap="xs">
      <Title order={3}>API keys</Title>
      {keys.isPending && <PageLoader />}
      {keys.error && <ErrorNote error={keys.error} />}
      {keys.data && (
        <AdminTable<ApiKey>
          label="API keys"
          rows={keys.data.items}
          rowKey={(k) => k.id}
          empty="No API keys issued."
          columns={[
            { header: 'Id', cell: (k) => k.id },
            { header: 'Sender', cell: (k) => k.sender },
            { header: 'For', cell: (k) => k.description },
            { header: 'Issued', cell: (k) => formatDateTime(k.createdAt) },
            { header: 'Last used', cell: (k) => formatDateTime(k.lastUsedAt) },
            {
              header: 'Status',
              cell: (k) => (k.revokedAt ? `Revoked ${formatDateTime(k.revokedAt)}` : 'Active'),
            },
            ...(canWrite
              ? [
                  {
                    header: 'Actions',
                    cell: (k: ApiKey) =>
                      k.revokedAt ? null : (
                        <Button
                          size="xs"
                          color="red"
                          variant="light"
                          onClick={() => {
                            revoke.reset();
                            setRevoking(k);
                          }}
                          aria-label={`Revoke key ${k.id} of ${k.sender}`}
                        >
                          Revoke
                        </Button>
                      ),
                  },
                ]
              : []),
          ]}
        />
      )}
      {canWrite && (
        <form
          aria-label="Issue an API key"
          onSubmit={(e: FormEvent) => {
            e.preventDefault();
            create.mutate();
          }}
        >
          <Group align="end">
            <TextInput
              label="Sender"
              description="APPLICATION^FACILITY"
              required
              value={sender}
              onChange={(e) => setSender(e.currentTarget.value)}
            />
            <TextInput
              label="What the key is for"
              required
              maxLength={200}
              value={description}
              onChange={(e) => setDescription(e.currentTarget.value)}
            />
            <Button
              type="submit"
              loading={create.isPending}
              disabled={!SENDER.test(sender.trim()) || !description.trim()}
            >
              Issue key
            </Button>
          </Group>
          {create.error && <ErrorNote error={create.error} title="No key issued" />}
        </form>
      )}
      <Modal opened={issued !== null} onClose={() => setIssued(null)} title="New API key">
        {issued && (
          <Stack>
            <Alert color="orange" title="Shown this once" role="status">
              Copy the key now: only its hash is kept, and it cannot be shown again.
            </Alert>
            <Text size="sm">
              For {issued.sender}: {issued.description}
            </Text>
            <Code block aria-label="The new API key">
              {issued.key}
            </Code>
            <Group justify="flex-end">
              <CopyButton value={issued.key}>
                {({ copied, copy }) => (
                  <Button variant="default" onClick={copy}>
                    {copied ? 'Copied' : 'Copy key'}
                  </Button>
                )}
              </CopyButton>
              <Button onClick={() => setIssued(null)}>Done</Button>
            </Group>
          </Stack>
        )}
      </Modal>
      <ConfirmModal
        opened={revoking !== null}
        title={revoking ? `Revoke key ${revoking.id}?` : ''}
        confirmLabel="Revoke"
        danger
        onConfirm={() => revoking && revoke.mutate(revoking.id)}
        onClose={() => setRevoking(null)}
        pending={revoke.isPending}
        error={revoke.error}
      >
        <Text size="sm">
          {revoking?.sender} can no longer send results with this key ({revoking?.description}). This cannot
          be undone.
        </Text>
      </ConfirmModal>
    </Stack>
  );
}

/** Lab senders with their time zones, and the API keys they send with. */
export function SendersSection({ canWrite }: { canWrite: boolean }) {
  return (
    <Stack gap="xl">
      <Senders canWrite={canWrite} />
      <ApiKeys canWrite={canWrite} />
    </Stack>
  );
}
