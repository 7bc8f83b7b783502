import { Alert, Text } from '@mantine/core';
import { ApiError } from '../api/client.ts';

/** Shows the server's message for a failed request, with the request id to quote to an operator. */
export function ErrorAlert({ error, title = 'Something went wrong' }: { error: unknown; title?: string }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  const apiError = error instanceof ApiError ? error : undefined;
  return (
    <Alert color="red" title={title} role="alert" data-testid="error-alert">
      <Text size="sm">{message}</Text>
      {apiError?.requestId && (
        <Text size="xs" c="dimmed" mt={4}>
          {apiError.code} · request id {apiError.requestId}
        </Text>
      )}
    </Alert>
  );
}
