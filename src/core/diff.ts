/** One changed property, in the shape of directoryAudit's modifiedProperties. */
export interface PropertyChange {
  displayName: string;
  oldValue: string | null;
  newValue: string | null;
}

const show = (value: unknown): string | null => (value === null || value === undefined ? null : JSON.stringify(value));

/** The properties of `patch` whose value differs from `before`, for audit modifiedProperties. */
export function changedProperties(before: Record<string, unknown>, patch: Record<string, unknown>): PropertyChange[] {
  const changes: PropertyChange[] = [];
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (JSON.stringify(before[key] ?? null) === JSON.stringify(value ?? null)) continue;
    changes.push({ displayName: key, oldValue: show(before[key]), newValue: show(value) });
  }
  return changes;
}
