import { Alert, Button, Container, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { api, unwrap } from '../api/client';
import { meQueryKey } from '../session/session';

/** Only a path of this console: never another origin (`//evil`, `https://…`), never back to sign-in. */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  return next.startsWith('/sign-in') ? '/' : next;
}

export function SignInPage() {
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const signIn = useMutation({
    mutationFn: () => unwrap(api.POST('/api/v1/auth/session', { body: { email, password } })),
    onSuccess: (session) => {
      queryClient.clear();
      queryClient.setQueryData(meQueryKey, {
        ...session.me,
        session: { expiresAt: session.expiresAt, idleExpiresAt: session.idleExpiresAt },
      });
      navigate(next, { replace: true });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    signIn.mutate();
  };

  return (
    <Container size={420} py="xl">
      <main>
        <Title order={1} size="h2" mb="xs">
          Sign in
        </Title>
        <Text c="dimmed" size="sm" mb="lg">
          Alemtuzumab lab-result safety alerts
          {next !== '/' ? ': you will go back to the page you opened.' : '.'}
        </Text>
        <Paper withBorder p="lg" radius="md" component="form" onSubmit={submit} noValidate={false}>
          <Stack>
            {signIn.error && (
              <Alert color="red" role="alert" title="Not signed in">
                {signIn.error.message}
              </Alert>
            )}
            <TextInput
              label="Email"
              type="email"
              autoComplete="username"
              required
              value={email}
              onChange={(e) => setEmail(e.currentTarget.value)}
            />
            <PasswordInput
              label="Password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.currentTarget.value)}
            />
            <Button type="submit" loading={signIn.isPending} size="md">
              Sign in
            </Button>
          </Stack>
        </Paper>
      </main>
    </Container>
  );
}
