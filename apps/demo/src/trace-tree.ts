import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';

type ExportDone = Parameters<SpanExporter['export']>[1];
/** `ExportResultCode.SUCCESS` of `@opentelemetry/core`. */
const SUCCESS = 0;

/** Keeps the spans of the current scenario, for `traceTree`. */
export class CollectingExporter implements SpanExporter {
  private spans: ReadableSpan[] = [];

  export(spans: ReadableSpan[], done: ExportDone): void {
    this.spans.push(...spans);
    done({ code: SUCCESS });
  }

  /** The spans collected since the last call. */
  take(): ReadableSpan[] {
    const spans = this.spans;
    this.spans = [];
    return spans;
  }

  async shutdown(): Promise<void> {
    this.spans = [];
  }
}

const nanos = (time: [number, number]) => time[0] * 1e9 + time[1];

/** An attribute value as text (arrays joined with commas). */
const text = (value: unknown): string =>
  Array.isArray(value)
    ? value.map(text).join(',')
    : typeof value === 'object'
      ? JSON.stringify(value)
      : `${value as string | number | boolean}`;

/** The attributes worth a glance in a terminal, in a few words. */
function summary(span: ReadableSpan): string {
  const a = span.attributes;
  const parts: string[] = [];
  const durationMs = (nanos(span.endTime) - nanos(span.startTime)) / 1e6;
  parts.push(durationMs < 10 ? `${durationMs.toFixed(1)} ms` : `${Math.round(durationMs)} ms`);
  if (a['gen_ai.usage.input_tokens'] !== undefined)
    parts.push(
      `tokens ${text(a['gen_ai.usage.input_tokens'])}→${text(a['gen_ai.usage.output_tokens'])}`,
    );
  const ttfc = a['gen_ai.response.time_to_first_chunk'];
  if (typeof ttfc === 'number') parts.push(`ttfc ${Math.round(ttfc * 1000)} ms`);
  const reasons = a['gen_ai.response.finish_reasons'];
  if (Array.isArray(reasons)) parts.push(`finish ${reasons.join(',')}`);
  if (a['gen_ai.tool.call.id'] !== undefined) parts.push(`call ${text(a['gen_ai.tool.call.id'])}`);
  if (a['gen_ai.conversation.id'] !== undefined && span.name.startsWith('invoke_agent'))
    parts.push(`conversation ${text(a['gen_ai.conversation.id'])}`);
  if (a['mistral_flows.batch.status'] !== undefined)
    parts.push(`batch ${text(a['mistral_flows.batch.status'])}`);
  if (span.events.length > 0) parts.push(`${span.events.length} events`);
  if (span.links.length > 0) parts.push(`${span.links.length} link(s)`);
  if (a['error.type'] !== undefined) parts.push(`error ${text(a['error.type'])}`);
  return parts.join(' · ');
}

/** The spans as trees, one per trace: children under their parent, in start order. */
export function traceTree(spans: readonly ReadableSpan[]): string[] {
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
  const children = new Map<string, ReadableSpan[]>();
  const roots: ReadableSpan[] = [];
  for (const span of spans) {
    const parent = span.parentSpanContext?.spanId;
    if (parent && byId.has(parent)) {
      const list = children.get(parent) ?? [];
      list.push(span);
      children.set(parent, list);
    } else roots.push(span);
  }
  const byStart = (a: ReadableSpan, b: ReadableSpan) => nanos(a.startTime) - nanos(b.startTime);
  const lines: string[] = [];
  const walk = (span: ReadableSpan, prefix: string, last: boolean, root: boolean) => {
    const branch = root ? '' : last ? '└─ ' : '├─ ';
    lines.push(`${prefix}${branch}${span.name}  ${summary(span)}`);
    const kids = (children.get(span.spanContext().spanId) ?? []).sort(byStart);
    const next = root ? prefix : prefix + (last ? '   ' : '│  ');
    kids.forEach((kid, i) => walk(kid, next, i === kids.length - 1, false));
  };
  for (const root of roots.sort(byStart)) walk(root, '', true, true);
  return lines;
}
