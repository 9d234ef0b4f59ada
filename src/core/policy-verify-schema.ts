/** The `verify` part of the policy (placeholder: filled in by the verify work). */
import { z } from 'zod';

export const verifySchema = z.strictObject({});
export type VerifyPolicy = z.output<typeof verifySchema>;
