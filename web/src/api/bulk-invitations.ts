/** Bulk invitations (Gatehouse extension): upload a CSV file, follow the job, download the per-row results. */
import { useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useApi } from './context.tsx';
import { invitationKeys, outboxKeys } from './invitations.ts';
import { seg } from './odata.ts';
import { userKeys } from './users.ts';

export type BulkJobStatus = 'running' | 'completed' | 'failed';

export interface BulkInvitationJob {
  id: string;
  status: BulkJobStatus;
  /** Records in the file: data rows, without the header and Entra's example row. */
  total: number;
  processed: number;
  succeeded: number;
  failed: number;
  createdDateTime: string;
  finishedDateTime: string | null;
}

/** The server refuses larger files; checking first spares uploading them. */
export const MAX_BULK_FILE_BYTES = 10 * 1024 * 1024;

/** How often a running job is asked for its progress. */
const POLL_MS = 1000;

const PATH = '/v1.0/invitations/bulk';

export const bulkInvitationKeys = {
  one: (id: string) => ['bulkInvitations', id] as const,
};

/** Uploads the file as it is (`text/csv`); the answer is the job, already running. */
export function useStartBulkInvitation() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (file: Blob) =>
      api.request<BulkInvitationJob>('POST', PATH, { rawBody: { content: file, contentType: 'text/csv' } }),
    onSuccess: (job) => queryClient.setQueryData(bulkInvitationKeys.one(job.id), job),
  });
}

/**
 * A job's progress, asked again every second while it runs. When it stops running, the lists it changed
 * (invitations, guest users, queued mail) are refreshed.
 */
export function useBulkInvitationJob(id: string | null) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useQuery({
    queryKey: bulkInvitationKeys.one(id ?? ''),
    queryFn: async ({ signal }) => {
      const job = await api.get<BulkInvitationJob>(`${PATH}/${seg(id ?? '')}`, { signal });
      if (job.status !== 'running') await refreshChangedLists(queryClient);
      return job;
    },
    enabled: id !== null,
    refetchInterval: (query) => (query.state.data?.status === 'running' ? POLL_MS : false),
    // The poll decides when to ask again; a focus refetch of a finished job would only refresh the lists twice.
    refetchOnWindowFocus: false,
  });
}

/** Refreshes the lists a bulk invitation changes: invitations, guest users and queued mail. */
export function refreshChangedLists(queryClient: QueryClient) {
  return Promise.all([
    queryClient.invalidateQueries({ queryKey: invitationKeys.all }),
    queryClient.invalidateQueries({ queryKey: outboxKeys.all }),
    queryClient.invalidateQueries({ queryKey: userKeys.all }),
  ]);
}

/** Fetches the results CSV (line,email,status,userId,inviteRedeemUrl,error) of a finished job. */
export function useBulkInvitationResults() {
  const api = useApi();
  return useMutation({
    mutationFn: (id: string) =>
      api.get<Blob>(`${PATH}/${seg(id)}/results`, { responseType: 'blob', headers: { Accept: 'text/csv, application/json' } }),
  });
}
