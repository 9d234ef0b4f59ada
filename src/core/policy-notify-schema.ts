/** The `notify` part of the policy (placeholder: filled in by the notify work). */
import { z } from 'zod';

export const notifySchema = z.strictObject({});
export type NotifyPolicy = z.output<typeof notifySchema>;
