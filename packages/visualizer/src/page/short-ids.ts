/**
 * Short names for actor ids that stay unique: the last dot-separated segment of each id
 * (`0.batch.pollJob` -> `pollJob`), or as many trailing segments as it takes to tell it apart from
 * the others (`a.pollJob` and `b.pollJob` stay `a.pollJob` and `b.pollJob`). Ids without dots
 * are kept whole.
 */
export function shortIds(ids: Iterable<string>): Map<string, string> {
  const unique = [...new Set(ids)];
  const parts = new Map(unique.map((id) => [id, id.split('.')]));
  const result = new Map<string, string>();
  let pending = unique;
  for (let take = 1; pending.length > 0; take++) {
    const counts = new Map<string, number>();
    const names = new Map<string, string>();
    for (const id of unique) {
      const segments = parts.get(id)!;
      const name = result.get(id) ?? segments.slice(-take).join('.');
      names.set(id, name);
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    const next: string[] = [];
    for (const id of pending) {
      const name = names.get(id)!;
      if (counts.get(name) === 1 || take >= parts.get(id)!.length) result.set(id, name);
      else next.push(id);
    }
    pending = next;
  }
  return result;
}
