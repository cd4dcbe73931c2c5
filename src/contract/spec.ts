// openapi.yaml, read once: the text is served as is, the parsed document drives routing and validation.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export interface Spec {
  yaml: string;
  /** The document as written (with $refs); openapi-backend gets its own copy to dereference. */
  document: Record<string, unknown>;
}

export const SPEC_PATH = fileURLToPath(new URL('../../openapi.yaml', import.meta.url));

export function loadSpec(path = SPEC_PATH): Spec {
  const yaml = readFileSync(path, 'utf8');
  return { yaml, document: parse(yaml) as Record<string, unknown> };
}
