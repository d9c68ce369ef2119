// Parsing a runtime file's text (JSON or YAML) and checking it: shared by `vpo runtime --config`
// at start and by the plan watcher on every re-read.
import * as yaml from 'js-yaml';
import { checkRuntimeFile, type RuntimeFile } from '../../contract/runtime-file.ts';

export function parseRuntimeFile(text: string, where: string): RuntimeFile {
  let value: unknown;
  try {
    value = yaml.load(text);
  } catch (error) {
    throw new Error(`${where}: not JSON or YAML: ${(error as Error).message.split('\n')[0]}`, {
      cause: error,
    });
  }
  return checkRuntimeFile(value, where);
}
