/** An ActionIO that records what an action did, for tests of run() without the runner. */
import type { ActionIO } from '../../src/actions/action-io.ts';

export interface RecordedIO extends ActionIO {
  inputs: Record<string, string>;
  outputs: Record<string, string>;
  secrets: string[];
  summaries: string[];
  failed: string[];
  logs: { level: string; message: string }[];
}

export function recorder(inputs: Record<string, string>): RecordedIO {
  const io: RecordedIO = {
    inputs,
    outputs: {},
    secrets: [],
    summaries: [],
    failed: [],
    logs: [],
    getInput: (name) => inputs[name] ?? '',
    setOutput: (name, value) => {
      io.outputs[name] = value;
    },
    setSecret: (value) => {
      io.secrets.push(value);
    },
    appendSummary: async (markdown) => {
      io.summaries.push(markdown);
    },
    setFailed: (message) => {
      io.failed.push(message);
    },
    debug: (message) => io.logs.push({ level: 'debug', message }),
    info: (message) => io.logs.push({ level: 'info', message }),
    warning: (message) => io.logs.push({ level: 'warning', message }),
    error: (message) => io.logs.push({ level: 'error', message }),
  };
  return io;
}
