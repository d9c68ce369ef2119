// Runs ffmpeg/ffprobe with bounded output and a wall-clock limit. stdout is kept up to
// `maxStdoutBytes` (more kills the process and is reported as overflow), stderr only as a tail, so a
// hostile file cannot make us buffer without limit.
import { spawn } from 'node:child_process';

/**
 * Input options that keep ffmpeg/ffprobe on the local file and on real video containers: no
 * network protocols (an HLS playlist could point at a metadata endpoint), no concat lists.
 */
export const safeInputOptions = [
  '-protocol_whitelist',
  'file',
  '-format_whitelist',
  'mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,mpegts,mpeg,ogg,flv,h264,hevc,m4v,ivf,gif',
];

export interface ProcessResult {
  code: number | null;
  stdout: Buffer;
  /** The last `maxStderrBytes` of stderr. */
  stderr: string;
  timedOut: boolean;
  overflow: boolean;
}

export interface ProcessLimits {
  timeoutMs: number;
  maxStdoutBytes: number;
  maxStderrBytes: number;
}

export function runProcess(command: string, args: string[], limits: ProcessLimits): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = '';
    let timedOut = false;
    let overflow = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, limits.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > limits.maxStdoutBytes) {
        overflow = true;
        child.kill('SIGKILL');
        return;
      }
      chunks.push(chunk);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      stderr += text;
      if (stderr.length > 2 * limits.maxStderrBytes) stderr = stderr.slice(-limits.maxStderrBytes);
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({
        code,
        stdout: Buffer.concat(chunks),
        stderr: stderr.slice(-limits.maxStderrBytes),
        timedOut,
        overflow,
      });
    });
  });
}
