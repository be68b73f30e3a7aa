/**
 * A tiny SVG line of recent values (no axes): shape over time, where people would rather look
 * than read. `max` is the top of the scale, shared by a host's sparklines so they compare.
 */
export function Sparkline({ values, max: top, width = 120, height = 24, className = 'stroke-sky-600' }: { values: number[]; max?: number; width?: number; height?: number; className?: string }) {
  if (values.length < 2) return <svg width={width} height={height} aria-hidden="true" />;
  const max = Math.max(top ?? Math.max(...values), 1);
  const step = width / (values.length - 1);
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${(height - 1 - (v / max) * (height - 2)).toFixed(1)}`).join(' ');
  return (
    <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} aria-hidden="true" data-points={values.length}>
      <polyline points={points} fill="none" strokeWidth={1.5} className={className} />
    </svg>
  );
}
