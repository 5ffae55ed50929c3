import type { Box } from './layout.js';

/** A pan and zoom: a diagram point `p` is drawn at `p * k + (x, y)` in the panel. */
export interface Transform {
  x: number;
  y: number;
  k: number;
}

export interface Size {
  width: number;
  height: number;
}

export const MIN_ZOOM = 0.1;
export const MAX_ZOOM = 4;

/** Keeps a zoom level within [MIN_ZOOM, MAX_ZOOM]. */
export function clampZoom(k: number): number {
  return Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, k));
}

/** Zooms by `factor` keeping the panel point `(px, py)` over the same diagram point. */
export function zoomAt(t: Transform, factor: number, px: number, py: number): Transform {
  const k = clampZoom(t.k * factor);
  const ratio = k / t.k;
  return { k, x: px - (px - t.x) * ratio, y: py - (py - t.y) * ratio };
}

/** Centres a diagram box in the panel at zoom `k`. */
export function centerOn(box: Box, panel: Size, k: number): Transform {
  return {
    k,
    x: panel.width / 2 - (box.x + box.width / 2) * k,
    y: panel.height / 2 - (box.y + box.height / 2) * k,
  };
}

/**
 * The view after "fit": the whole diagram, centred, as large as fits (at most `maxZoom`) — unless
 * that would draw text below the readable zoom `minZoom`; then the view stays at `minZoom` and
 * centres `focus` (the active states), or shows the diagram's top-left corner.
 */
export function fitTransform(
  diagram: Size,
  panel: Size,
  options: { padding?: number; maxZoom?: number; minZoom?: number; focus?: Box } = {},
): Transform {
  const { padding = 8, maxZoom = 1.5, minZoom = 0 } = options;
  if (diagram.width <= 0 || diagram.height <= 0 || panel.width <= 0 || panel.height <= 0) {
    return { x: 0, y: 0, k: 1 };
  }
  const whole = Math.min(
    maxZoom,
    (panel.width - 2 * padding) / diagram.width,
    (panel.height - 2 * padding) / diagram.height,
  );
  if (whole >= minZoom) {
    return centerOn({ x: 0, y: 0, ...diagram }, panel, clampZoom(whole));
  }
  const k = clampZoom(minZoom);
  if (options.focus !== undefined)
    return keepInside(centerOn(options.focus, panel, k), diagram, panel);
  return { k, x: padding, y: padding };
}

/** Moves a view so that the diagram does not leave an empty margin it could fill. */
export function keepInside(t: Transform, diagram: Size, panel: Size, padding = 12): Transform {
  const clamp = (offset: number, content: number, space: number): number => {
    if (content + 2 * padding <= space) return (space - content) / 2;
    return Math.min(padding, Math.max(space - content - padding, offset));
  };
  return {
    k: t.k,
    x: clamp(t.x, diagram.width * t.k, panel.width),
    y: clamp(t.y, diagram.height * t.k, panel.height),
  };
}

/** True when the box, drawn with `t`, lies wholly inside the panel (less a margin). */
export function boxInView(box: Box, t: Transform, panel: Size, margin = 8): boolean {
  const left = box.x * t.k + t.x;
  const top = box.y * t.k + t.y;
  return (
    left >= margin &&
    top >= margin &&
    left + box.width * t.k <= panel.width - margin &&
    top + box.height * t.k <= panel.height - margin
  );
}

/** The smallest box holding all of `boxes` (undefined for none). */
export function unionBox(boxes: readonly Box[]): Box | undefined {
  if (boxes.length === 0) return undefined;
  const left = Math.min(...boxes.map((box) => box.x));
  const top = Math.min(...boxes.map((box) => box.y));
  const right = Math.max(...boxes.map((box) => box.x + box.width));
  const bottom = Math.max(...boxes.map((box) => box.y + box.height));
  return { x: left, y: top, width: right - left, height: bottom - top };
}
