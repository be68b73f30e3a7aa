import { describe, expect, it } from 'vitest';
import { routedPath } from './edge-route';

describe('routedPath', () => {
  const route = [
    { x: 100, y: 40 },
    { x: 130, y: 40 },
    { x: 130, y: 200 },
    { x: 160, y: 200 },
  ];

  it('runs from the handles along the route with rounded bends, labelled at half its length', () => {
    const [path, labelX, labelY] = routedPath(route, { x: 106, y: 40 }, { x: 154, y: 200 })!;
    expect(path.startsWith('M 106 40 L 122 40 Q 130 40 130 48')).toBe(true);
    expect(path.endsWith('L 154 200')).toBe(true);
    expect(path.match(/Q/g)).toHaveLength(2);
    expect(labelX).toBe(130);
    expect(labelY).toBe(120);
  });

  it('moves a bend that is level with an end along with it, so the first segment stays straight', () => {
    const [path] = routedPath(route, { x: 106, y: 43 }, { x: 160, y: 200 })!;
    expect(path.startsWith('M 106 43 L 122 43 Q 130 43')).toBe(true);
  });

  it('gives up when an end moved away from the route (a dragged node)', () => {
    expect(routedPath(route, { x: 300, y: 40 }, { x: 160, y: 200 })).toBeNull();
    expect(routedPath(route, { x: 100, y: 40 }, { x: 160, y: 260 })).toBeNull();
    expect(routedPath([{ x: 0, y: 0 }], { x: 0, y: 0 }, { x: 0, y: 0 })).toBeNull();
  });
});
