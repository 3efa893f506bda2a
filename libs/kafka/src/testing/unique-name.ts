import { randomBytes } from 'node:crypto';

/** `prefix` plus a random suffix: a topic, group or key prefix no other test run uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}
