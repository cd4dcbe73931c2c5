// Entity tags (RFC 9110 §8.8.3, §13.1): a task's ETag is its version, "3". If-Match compares strongly (weak
// tags never match); If-None-Match weakly.

export function etagOf(version: number): string {
  return `"${version}"`;
}

/** The versions an If-Match or If-None-Match header names: '*' for any, undefined when absent. */
export function versionsIn(header: string | undefined, comparison: 'strong' | 'weak'): readonly number[] | '*' | undefined {
  if (header === undefined) return undefined;
  if (header.trim() === '*') return '*';
  const versions: number[] = [];
  for (const match of header.matchAll(/(W\/)?"([^"]*)"/g)) {
    if (match[1] && comparison === 'strong') continue;
    // Compared as the tags this API writes: "01" is not "1".
    if (/^[1-9]\d{0,9}$/.test(match[2]!)) versions.push(Number(match[2]));
  }
  return versions;
}

/** Whether tags read by `versionsIn` name `version`: '*' names any. */
export function namesVersion(tags: readonly number[] | '*', version: number): boolean {
  return tags === '*' || tags.includes(version);
}
