import { useModalState } from './use-modal-state.ts';

/** The parts of a TanStack Query mutation that a confirmation needs. */
interface ConfirmableMutation<V> {
  mutate: (variables: V, options: { onSuccess: () => void }) => void;
  reset: () => void;
  isPending: boolean;
  error: unknown;
}

/**
 * A destructive mutation (delete, remove) behind a confirmation: `ask(item)` clears the mutation's last error and
 * opens the confirmation for the item; confirming runs the mutation with `variables(item)` and closes on success.
 * Spread `modalProps` into a `ConfirmModal` and give it the title, message and confirm label.
 */
export function useConfirmMutation<T, V>(mutation: ConfirmableMutation<V>, variables: (target: T) => V) {
  const modal = useModalState<T | null>(null);
  const target = modal.value;
  return {
    /** The item asked about; kept while the confirmation closes. */
    target,
    ask: (item: T) => {
      mutation.reset();
      modal.open(item);
    },
    modalProps: {
      opened: modal.opened,
      busy: mutation.isPending,
      error: mutation.error,
      onClose: modal.close,
      onConfirm: () => {
        if (target !== null) mutation.mutate(variables(target), { onSuccess: modal.close });
      },
    },
  };
}
