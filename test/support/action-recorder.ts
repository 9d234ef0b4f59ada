/** An ActionIO that records what an action did, for tests of run() without the runner. */
import type { ActionIO, AnnotationAt } from '../../src/actions/action-io.ts';

export interface RecordedIO extends ActionIO {
  inputs: Record<string, string>;
  outputs: Record<string, string>;
  secrets: string[];
  summaries: string[];
  failed: string[];
  logs: { level: string; message: string }[];
  annotations: { level: string; message: string; at: AnnotationAt }[];
  /** The phases started, in order. */
  phases: string[];
  state: Record<string, string>;
}

export function recorder(inputs: Record<string, string>): RecordedIO {
  const io: RecordedIO = {
    inputs,
    outputs: {},
    secrets: [],
    summaries: [],
    failed: [],
    logs: [],
    annotations: [],
    phases: [],
    state: {},
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
    annotate: (level, message, at) => io.annotations.push({ level, message, at }),
    phase: (name) => io.phases.push(name),
    endPhase: () => {},
    saveState: (name, value) => {
      io.state[name] = value;
    },
    getState: (name) => io.state[name] ?? '',
    getIDToken: () => Promise.reject(new Error('no OIDC token in tests')),
  };
  return io;
}
