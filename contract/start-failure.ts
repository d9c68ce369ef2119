// How a runtime pod that cannot start tells the operator why: the container writes one line to its
// termination-message file (`vpo runtime --termination-log`, the pod's terminationMessagePath);
// the kubelet copies it into the pod's status (lastState.terminated.message, at most 4096 bytes),
// where the operator reads it into the VideoPipeline's conditions. No API credentials in the pod.

/** Why a runtime role could not start: a provider its sessions need cannot run here, or else. */
export type StartFailureReason = 'ProviderUnavailable' | 'StartFailed';

const REASONS: readonly StartFailureReason[] = ['ProviderUnavailable', 'StartFailed'];

/** The kubelet keeps at most this much of a termination message. */
export const TERMINATION_MESSAGE_MAX_BYTES = 4096;

export interface StartFailure {
  reason: StartFailureReason;
  message: string;
}

/** "REASON: message", on one line, cut to what the kubelet keeps. */
export function formatStartFailure(failure: StartFailure): string {
  const line = `${failure.reason}: ${failure.message.replace(/\s+/g, ' ').trim()}`;
  const bytes = new TextEncoder().encode(line);
  if (bytes.length <= TERMINATION_MESSAGE_MAX_BYTES) return line;
  return `${new TextDecoder().decode(bytes.slice(0, TERMINATION_MESSAGE_MAX_BYTES - 3)).replace(/\uFFFD$/, '')}...`;
}

/** A termination message written by formatStartFailure, or undefined for anything else. */
export function parseStartFailure(text: string | undefined): StartFailure | undefined {
  const m = /^([A-Za-z]+): (.+)$/s.exec((text ?? '').trim());
  if (!m || !(REASONS as readonly string[]).includes(m[1]!)) return undefined;
  return { reason: m[1] as StartFailureReason, message: m[2]!.trim() };
}
