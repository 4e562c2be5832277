import { Alert, Anchor, Container, Stack, Text } from '@mantine/core';
import { isRouteErrorResponse, Link, useRouteError } from 'react-router';
import { ApiError } from '../api/client';

/** What went wrong, in words, with a way on; never a blank page. */
export function PageError({ notFound = false }: { notFound?: boolean }) {
  const error = useRouteError();
  const message = notFound
    ? 'There is no such page.'
    : error instanceof ApiError
      ? error.message
      : isRouteErrorResponse(error)
        ? `${error.status} ${error.statusText}`
        : 'Something went wrong while showing this page.';
  return (
    <Container size="sm" py="xl">
      <Stack>
        <Alert
          color={notFound ? 'gray' : 'red'}
          title={notFound ? 'Not found' : 'This page could not be shown'}
        >
          <Text>{message}</Text>
        </Alert>
        <Anchor component={Link} to="/">
          Go to the alert inbox
        </Anchor>
      </Stack>
    </Container>
  );
}

/** An API refusal inside a page, said plainly. */
export function ErrorNote({ error, title }: { error: unknown; title?: string }) {
  const message = error instanceof Error ? error.message : 'The request failed.';
  return (
    <Alert color="red" title={title ?? 'Could not load'} role="alert">
      {message}
    </Alert>
  );
}
