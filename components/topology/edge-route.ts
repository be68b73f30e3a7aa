// Drawing a laid-out edge route as an SVG path. Pure, so it is tested without a canvas.

export type Point = { x: number; y: number };

/** How far a handle may sit from the route's end (React Flow's handles stick out of the node by half their size). */
const END_TOLERANCE = 16;
/** Corner radius of a route's bends. */
const CORNER = 8;

/**
 * The route as a path from `source` to `target` (the handles as drawn now) with rounded bends,
 * and the middle of the route for a label; null when the handles are not where the route ends,
 * because a node moved since the layout.
 */
export function routedPath(route: readonly Point[], source: Point, target: Point): [path: string, labelX: number, labelY: number] | null {
  if (route.length < 2) return null;
  const first = route[0]!;
  const last = route[route.length - 1]!;
  const near = (a: Point, b: Point) => Math.abs(a.x - b.x) <= END_TOLERANCE && Math.abs(a.y - b.y) <= END_TOLERANCE;
  if (!near(first, source) || !near(last, target)) return null;
  // The ends become the handles; a bend level with an end moves with it, so the first and last
  // segments stay straight.
  const points = route.map((p) => ({ ...p }));
  if (points.length > 2) {
    if (points[1]!.y === first.y) points[1]!.y = source.y;
    if (points[points.length - 2]!.y === last.y) points[points.length - 2]!.y = target.y;
  }
  points[0] = source;
  points[points.length - 1] = target;
  let d = `M ${source.x} ${source.y}`;
  for (let i = 1; i < points.length - 1; i++) {
    const [a, b, c] = [points[i - 1]!, points[i]!, points[i + 1]!];
    const r = Math.min(CORNER, distance(a, b) / 2, distance(b, c) / 2);
    const from = towards(b, a, r);
    const to = towards(b, c, r);
    d += ` L ${from.x} ${from.y} Q ${b.x} ${b.y} ${to.x} ${to.y}`;
  }
  d += ` L ${target.x} ${target.y}`;
  const middle = pointAtHalfLength(points);
  return [d, middle.x, middle.y];
}

const distance = (a: Point, b: Point) => Math.hypot(b.x - a.x, b.y - a.y);

/** The point `r` along the way from `from` to `to`. */
function towards(from: Point, to: Point, r: number): Point {
  const length = distance(from, to) || 1;
  return { x: from.x + ((to.x - from.x) * r) / length, y: from.y + ((to.y - from.y) * r) / length };
}

function pointAtHalfLength(points: readonly Point[]): Point {
  const total = points.slice(1).reduce((sum, p, i) => sum + distance(points[i]!, p), 0);
  let left = total / 2;
  for (let i = 1; i < points.length; i++) {
    const step = distance(points[i - 1]!, points[i]!);
    if (left <= step) return towards(points[i - 1]!, points[i]!, left);
    left -= step;
  }
  return points[points.length - 1]!;
}
