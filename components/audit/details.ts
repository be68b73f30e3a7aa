// A security event's details said in words, not JSON: "username lena, address 198.51.100.7",
// "changes: name hv1 → hv1-renamed; labels lab, rack-1 → lab".

const words = (key: string) => key.replace(/([A-Z])/g, ' $1').toLowerCase();

function valueInWords(v: unknown): string {
  if (v === null || v === undefined) return 'none';
  if (Array.isArray(v)) return v.length ? v.map(valueInWords).join(', ') : 'none';
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if ('from' in o && 'to' in o && Object.keys(o).length === 2) return `${valueInWords(o.from)} → ${valueInWords(o.to)}`;
    return Object.entries(o)
      .map(([k, x]) => `${words(k)} ${valueInWords(x)}`)
      .join('; ');
  }
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  return String(v);
}

export function detailsInWords(content: Record<string, unknown>): string {
  return Object.entries(content)
    .map(([k, v]) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? `${words(k)}: ${valueInWords(v)}` : `${words(k)} ${valueInWords(v)}`))
    .join(', ');
}
