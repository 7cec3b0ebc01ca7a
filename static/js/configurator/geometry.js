// Geometry in millimetres on the case back (origin at the trim line's top-left, y down),
// as the engine uses it (configurator/engine/geometry.py, spec.py).

export const MM_PER_INCH = 25.4;
export const DPI_GOOD = 300;
export const DPI_POOR = 150;

// The effective print resolution of a picture `widthPx` wide shown `widthMm` wide.
export function effectiveDpi(widthPx, widthMm) {
  return widthMm > 0 ? (widthPx * MM_PER_INCH) / widthMm : 0;
}

export function dpiLevel(dpi) {
  if (dpi < DPI_POOR) {
    return "poor";
  }
  return dpi < DPI_GOOD ? "fair" : "good";
}

// Corners of a w x h box centred on (cx, cy), turned `rotation` degrees clockwise (y down).
export function boxCorners(cx, cy, w, h, rotation) {
  const t = (rotation * Math.PI) / 180;
  const cos = Math.cos(t);
  const sin = Math.sin(t);
  return [
    [-w / 2, -h / 2],
    [w / 2, -h / 2],
    [w / 2, h / 2],
    [-w / 2, h / 2],
  ].map(([x, y]) => [cx + x * cos - y * sin, cy + x * sin + y * cos]);
}

function project(points, [ax, ay]) {
  let min = Infinity;
  let max = -Infinity;
  for (const [x, y] of points) {
    const v = x * ax + y * ay;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  return [min, max];
}

function axes(points) {
  return points.map(([x, y], i) => {
    const [nx, ny] = points[(i + 1) % points.length];
    return [-(ny - y), nx - x];
  });
}

// Whether two convex polygons overlap by more than `margin` (separating axis test).
export function polygonsOverlap(a, b, margin = 0.05) {
  for (const axis of [...axes(a), ...axes(b)]) {
    const length = Math.hypot(axis[0], axis[1]) || 1;
    const unit = [axis[0] / length, axis[1] / length];
    const [a0, a1] = project(a, unit);
    const [b0, b1] = project(b, unit);
    if (a1 - margin <= b0 || b1 - margin <= a0) {
      return false;
    }
  }
  return true;
}

export function rectCorners(rect) {
  return [
    [rect.x, rect.y],
    [rect.x + rect.w, rect.y],
    [rect.x + rect.w, rect.y + rect.h],
    [rect.x, rect.y + rect.h],
  ];
}

// The axis-aligned box around a set of points.
export function bounds(points) {
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  return { x0: Math.min(...xs), y0: Math.min(...ys), x1: Math.max(...xs), y1: Math.max(...ys) };
}

export function round(value, places = 2) {
  const f = 10 ** places;
  return Math.round(value * f) / f;
}
