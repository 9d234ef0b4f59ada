/** The `recovery` part of the policy (placeholder: filled in by the recovery work). */
import { z } from 'zod';

export const recoverySchema = z.strictObject({});
export type RecoveryPolicy = z.output<typeof recoverySchema>;
