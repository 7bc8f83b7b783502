import { Alert, Button, Code, FileInput, Group, List, Modal, Progress, Stack, Text } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import {
  MAX_BULK_FILE_BYTES,
  refreshChangedLists,
  useBulkInvitationJob,
  useBulkInvitationResults,
  useStartBulkInvitation,
  type BulkInvitationJob,
} from '../api/bulk-invitations.ts';
import { ErrorAlert } from './error-alert.tsx';
import { FormActions } from './form-actions.tsx';

const RESULTS_FILE_NAME = 'invitation-results.csv';

interface BulkInviteModalProps {
  opened: boolean;
  onClose: () => void;
}

/** Hands a downloaded file to the browser to save, under the given name. */
function saveFile(blob: Blob, fileName: string) {
  const url = URL.createObjectURL(blob);
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = fileName;
  anchor.style.display = 'none';
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  // Revoked later rather than at once: some browsers start reading the URL only after click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Upload a CSV of invitees, watch the job work through it, then download what happened to each row. */
export function BulkInviteModal({ opened, onClose }: BulkInviteModalProps) {
  const queryClient = useQueryClient();
  const start = useStartBulkInvitation();
  const [file, setFile] = useState<File | null>(null);
  const [jobId, setJobId] = useState<string | null>(null);
  const job = useBulkInvitationJob(jobId);
  const results = useBulkInvitationResults();
  const tooLarge = file !== null && file.size > MAX_BULK_FILE_BYTES;

  const close = () => {
    // Closing does not stop the job on the server; whatever it did so far should show in the lists.
    if (job.data?.status === 'running') void refreshChangedLists(queryClient);
    setFile(null);
    setJobId(null);
    start.reset();
    results.reset();
    onClose();
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (!file || tooLarge) return;
    start.mutate(file, { onSuccess: (started) => setJobId(started.id) });
  };

  const onDownload = () => {
    if (!jobId) return;
    results.mutate(jobId, { onSuccess: (blob) => saveFile(blob, RESULTS_FILE_NAME) });
  };

  const current = job.data;
  const running = current?.status === 'running';

  return (
    <Modal opened={opened} onClose={close} title="Bulk invite" size="lg" centered>
      <Stack>
        <CsvFormatHelp />
        {jobId === null ? (
          <form onSubmit={onSubmit} aria-label="Bulk invite upload">
            <Stack>
              <ErrorAlert error={start.error} title="Could not start the bulk invitation" />
              <FileInput
                label="CSV file"
                placeholder="Choose a .csv file"
                accept=".csv,text/csv"
                clearable
                value={file}
                onChange={(chosen) => {
                  setFile(chosen);
                  start.reset();
                }}
                error={tooLarge ? 'The file is larger than 10 MB; split it into smaller files.' : null}
              />
              <FormActions submitLabel="Upload" busy={start.isPending} onCancel={close} disabled={!file || tooLarge} />
            </Stack>
          </form>
        ) : (
          <Stack>
            <ErrorAlert error={job.error} title="Could not read the progress" />
            {current && <JobProgress job={current} />}
            {running && (
              <Text size="sm" c="dimmed">
                You can close this window: the invitations continue on the server.
              </Text>
            )}
            <ErrorAlert error={results.error} title="Could not download the results" />
            <Group justify="flex-end">
              {current && !running && (
                <Button onClick={onDownload} loading={results.isPending}>
                  Download results
                </Button>
              )}
              <Button variant="default" onClick={close}>
                Close
              </Button>
            </Group>
          </Stack>
        )}
      </Stack>
    </Modal>
  );
}

function JobProgress({ job }: { job: BulkInvitationJob }) {
  const running = job.status === 'running';
  const percent = job.total > 0 ? Math.round((job.processed / job.total) * 100) : running ? 0 : 100;
  return (
    <Stack gap="xs">
      <Progress
        value={percent}
        aria-label="Bulk invitation progress"
        animated={running}
        color={job.status === 'failed' ? 'red' : job.failed > 0 && !running ? 'orange' : undefined}
      />
      <Text size="sm" aria-live="polite" data-testid="bulk-invitation-counts">
        {`${job.processed} / ${job.total} processed, ${job.succeeded} succeeded, ${job.failed} failed`}
      </Text>
      {job.status === 'completed' && (
        <Alert color={job.failed > 0 ? 'orange' : 'green'} role="status" title="Bulk invitation finished">
          {job.failed > 0
            ? 'Some rows could not be invited; the results file says why for each.'
            : 'Every row was invited. The results file lists each invitee with their user id.'}
        </Alert>
      )}
      {job.status === 'failed' && (
        <Alert color="red" role="alert" title="Bulk invitation stopped">
          The job stopped before the end of the file; the results file shows how far it got.
        </Alert>
      )}
    </Stack>
  );
}

function CsvFormatHelp() {
  return (
    <Stack gap={4}>
      <Text size="sm">Upload a CSV file (at most 10 MB) with a header row in one of these formats:</Text>
      <List size="sm" spacing={4}>
        <List.Item>
          Entra's bulk invite template: <Code>Email address to invite</Code>, <Code>Redirection url</Code>,{' '}
          <Code>Send invitation message</Code>, <Code>Customized invitation message</Code>.
        </List.Item>
        <List.Item>
          <Code>UserPrincipalName</Code>, <Code>DisplayName</Code>, <Code>InviteRedirectUrl</Code>.
        </List.Item>
      </List>
      <Text size="xs" c="dimmed">
        Each row is checked and invited on its own: one bad row does not stop the others.
      </Text>
    </Stack>
  );
}
