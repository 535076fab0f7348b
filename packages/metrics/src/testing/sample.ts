/** The value of one series in Prometheus text, or null when it is not there. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | null {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const [, labelText = '', value] = /^[^{ ]+(?:\{(.*)\})? (\S+)$/.exec(line) ?? [];
    if (Object.entries(labels).every(([key, expected]) => labelText.includes(`${key}="${expected}"`))) {
      return Number(value);
    }
  }
  return null;
}
